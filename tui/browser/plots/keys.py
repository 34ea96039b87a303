"""The plots tab's keys, and which of them apply in which mode.

Why a module of its own: the bindings are a long list (every setting of the tab has a
key, and the seed's four atlas views are F5-F8), and whether a key applies depends only
on the :class:`~tui.browser.plots.config.PlotConfig`: curve keys do nothing to a scalar
chart and the other way round. The pane (:class:`tui.browser.plots.tab.PlotsPane`) binds
:data:`PLOT_BINDINGS` and asks :func:`key_applies` from its ``check_action``; the
actions themselves are the pane's.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from tui.browser.plots.config import PlotConfig

__all__ = ["PLOT_BINDINGS", "key_applies"]

PLOT_BINDINGS: list[BindingType] = [
    Binding("m", "toggle_mode", "Mode", tooltip="Scalar chart or curves", id="plots-mode"),
    Binding(
        "v",
        "toggle_controls",
        "Controls",
        show=False,
        tooltip="Show or hide the controls (hidden in a narrow terminal, summed up in a line)",
        id="plots-controls",
    ),
    Binding(
        "k", "cycle_kind", "Kind", tooltip="scatter, line, bar, histogram, box", id="plots-kind"
    ),
    Binding("g", "cycle_group", "Group", tooltip="Group by the next field", id="plots-group"),
    Binding(
        "e",
        "cycle_error",
        "Error bars",
        tooltip="Error bars that fit the aggregate (mean: std, sem, ci95; median: iqr, "
        "bootstrap ci; none for min, max, count); the band in curves",
        id="plots-error",
    ),
    Binding(
        "a",
        "cycle_agg",
        "Aggregate",
        show=False,
        tooltip="mean, median, min, max, count, none; curves: mean or median line",
        id="plots-aggregate",
    ),
    Binding("X", "toggle_log('x')", "Log x", show=False, id="plots-log-x"),
    Binding("Y", "toggle_log('y')", "Log y", show=False, id="plots-log-y"),
    Binding(
        "x,right_square_bracket",
        "next_field('x', 1)",
        "Next x field",
        show=False,
        id="plots-x-next",
    ),
    Binding(
        "left_square_bracket",
        "next_field('x', -1)",
        "Previous x field",
        show=False,
        id="plots-x-prev",
    ),
    Binding(
        "y,right_curly_bracket",
        "next_field('y', 1)",
        "Next y field",
        show=False,
        id="plots-y-next",
    ),
    Binding(
        "left_curly_bracket",
        "next_field('y', -1)",
        "Previous y field",
        show=False,
        id="plots-y-prev",
    ),
    Binding("b", "cycle_bins", "Histogram bins", show=False, id="plots-bins"),
    Binding("s", "cycle_smoothing", "Smoothing", show=False, id="plots-smoothing"),
    Binding("o", "toggle_layout", "Overlay / grouped curves", show=False, id="plots-layout"),
    Binding("c", "cycle_source", "Next curve", show=False, id="plots-source"),
    Binding("p", "toggle_selection", "Plot selection / scope", show=False, id="plots-selection"),
    Binding("w", "export_plot", "Export points / figure", show=False, id="plots-export"),
    Binding("f5", "preset(1)", "Preset: metric vs param", show=False, id="plots-preset-1"),
    Binding("f6", "preset(2)", "Preset: convergence curves", show=False, id="plots-preset-2"),
    Binding(
        "f7",
        "preset(3)",
        "Preset: compare one run per param value",
        show=False,
        id="plots-preset-3",
    ),
    Binding(
        "f8", "preset(4)", "Preset: error bars over replicates", show=False, id="plots-preset-4"
    ),
]


def key_applies(cfg: PlotConfig, action: str, parameters: tuple[object, ...]) -> bool | None:
    """Whether the key bound to ``action`` works with ``cfg``: True, or None for a key
    that does not (a curves key in scalar mode, a scalar key in curves mode, bins but
    for a histogram), which Textual then shows disabled."""
    curves = cfg.mode == "curves"
    if action in ("cycle_smoothing", "toggle_layout", "cycle_source"):
        return True if curves else None
    if action in ("cycle_kind", "next_field"):
        return None if curves else True
    if action == "cycle_agg":
        if curves:
            return True if cfg.layout == "grouped" else None
        return None if cfg.kind == "box" else True
    if action == "cycle_error":
        if curves:
            return True
        if not cfg.error_applies:
            return None  # no error bars apply (min, max, count; a box plot)
        return True
    if action == "cycle_bins":
        return True if not curves and cfg.kind == "histogram" else None
    if action == "toggle_log" and parameters == ("x",):
        return None if curves else True
    return True
