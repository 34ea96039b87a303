"""The plots tab's control column: its widgets, how they show the config, and how a
change in one of them writes it.

Why a module of its own: every setting of :class:`~tui.browser.plots.config.PlotConfig`
has a Select or a Checkbox besides its key, and the three things done with them (lay
them out, set them from the config without their Changed messages firing, map their ids
back onto the config) are all one table of ids and settings, apart from the chart and
its data. The pane (:class:`tui.browser.plots.tab.PlotsPane`) composes the column with
:func:`compose_controls` and calls the rest from its redraws and handlers.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Label, Select, Static

from metalab.index.stats import AGGREGATES, BANDS_FOR
from tui.browser.plots.config import BINS, CENTERS, LAYOUTS, SMOOTHING, PlotConfig
from tui.browser.plots.curves import CurveSource
from tui.browser.plots.scope import short_name
from tui.plotting.scalar import KINDS

__all__ = [
    "ERROR_LABELS",
    "NONE",
    "NOT_APPLICABLE",
    "apply_checkbox",
    "apply_select",
    "compose_controls",
    "controls_summary",
    "error_options",
    "sync_controls",
]

NONE = ""
"""The Select value meaning "no field" (Select values cannot be None)."""
NOT_APPLICABLE = "n/a"
"""The error-bar Select's one value when no error bar fits the aggregate (it is then
disabled): min, max and count have no spread to draw around them."""
ERROR_LABELS = {"boot95": "ci95 (bootstrap)", "iqr": "iqr (q1 to q3)"}
"""How the error bars read in the Select (the rest by their names; ``ci95`` is the
t-based interval around a mean)."""


def error_options(cfg: PlotConfig) -> list[tuple[str, str]]:
    """The error-bar Select's options: the bars that fit the aggregate, or n/a."""
    if not cfg.error_applies:
        return [(NOT_APPLICABLE, NOT_APPLICABLE)]
    return [(ERROR_LABELS.get(e, e), e) for e in cfg.errors_offered]


def compose_controls() -> ComposeResult:
    """The column of controls: mode and selection, then the scalar chart's settings and
    the curves' (the pane's mode classes show one of the two), then a hint of the keys."""
    with VerticalScroll(id="plot-controls"):
        yield Label("Plot", classes="control-title")
        yield from _row("mode", "plot-mode", [(m, m) for m in ("scalar", "curves")])
        yield Checkbox("plot selection (p)", id="plot-selection", compact=True)
        with Vertical(id="scalar-controls"):
            yield from _row("kind", "plot-kind", [(k, k) for k in KINDS])
            yield from _row("x", "plot-x", [], row_id="row-x")
            yield from _row("y", "plot-y", [])
            yield from _row("group", "plot-group", [("(none)", NONE)])
            yield from _row("agg", "plot-agg", [(a, a) for a in AGGREGATES], row_id="row-agg")
            yield from _row("error", "plot-error", [], row_id="row-error")
            yield from _row(
                "bins",
                "plot-bins",
                [("auto" if b is None else str(b), b or 0) for b in BINS],
                row_id="row-bins",
            )
            yield Checkbox("log x (X)", id="plot-log-x", compact=True)
            yield Checkbox("log y (Y)", id="plot-log-y", compact=True)
        with Vertical(id="curve-controls"):
            yield from _row("curve", "curve-source", [])
            yield from _row("layout", "curve-layout", [(v, v) for v in LAYOUTS])
            yield from _row("by", "curve-group", [("(none)", NONE)])
            yield from _row("line", "curve-center", [(c, c) for c in CENTERS])
            yield from _row("band", "curve-band", [])
            yield from _row("smooth", "curve-smooth", [(str(s), s) for s in SMOOTHING])
            yield Checkbox("log y (Y)", id="curve-log-y", compact=True)
        yield Static(
            "m mode  k kind  g group\na agg  e error  X/Y log\nx/y next field  "
            "s smooth\nF5-F8 atlas views",
            id="plot-hint",
        )


def _row(
    label: str, select_id: str, options: list[tuple[str, Any]], row_id: str | None = None
) -> ComposeResult:
    with Horizontal(classes="control-row", id=row_id):
        yield Label(label)
        yield Select(options, id=select_id, compact=True, allow_blank=True, prompt="—")


def sync_controls(
    pane: Widget,
    cfg: PlotConfig,
    *,
    fields: list[str],
    numeric: list[str],
    sources: list[CurveSource],
    source: CurveSource | None,
    plot_selection: bool,
    shown_options: dict[str, list[tuple[str, str]]],
) -> None:
    """Set every control in ``pane`` from ``cfg`` without their Changed messages firing.

    ``fields`` and ``numeric`` are the fields on offer, ``sources`` the curves; the
    Selects whose options these make are given new ones only when they differ from
    ``shown_options`` (what each was last given, updated here)."""
    options = {
        "plot-x": [(short_name(n), n) for n in fields],
        "plot-y": [(short_name(n), n) for n in numeric],
        "plot-group": [("(none)", NONE)] + [(short_name(n), n) for n in fields],
        "curve-group": [("(none)", NONE)] + [(short_name(n), n) for n in fields],
        "curve-source": [(s.label, s.key) for s in sources],
        "plot-error": error_options(cfg),
        "curve-band": [(b, b) for b in BANDS_FOR[cfg.curve_center]],
    }
    values: dict[str, Any] = {
        "plot-mode": cfg.mode,
        "plot-kind": cfg.kind,
        "plot-x": cfg.x or NONE,
        "plot-y": cfg.y or NONE,
        "plot-group": cfg.group or NONE,
        "plot-agg": cfg.agg,
        "plot-error": cfg.error_drawn if len(options["plot-error"]) > 1 else NOT_APPLICABLE,
        "plot-bins": cfg.bins or 0,
        "curve-source": source.key if source else NONE,
        "curve-layout": cfg.layout,
        "curve-group": cfg.curve_group or NONE,
        "curve-center": cfg.curve_center,
        "curve-band": cfg.band_drawn,
        "curve-smooth": cfg.smoothing,
    }
    with pane.prevent(Select.Changed, Checkbox.Changed):
        for select_id, opts in options.items():
            if shown_options.get(select_id) != opts:
                shown_options[select_id] = opts
                pane.query_one(f"#{select_id}", Select).set_options(opts)
        for select_id, value in values.items():
            select = pane.query_one(f"#{select_id}", Select)
            legal = [v for _, v in select._options]
            if value in legal:
                if select.value != value:
                    select.value = value
            elif select.value is not Select.NULL:
                select.clear()
        error_select = pane.query_one("#plot-error", Select)
        error_select.disabled = len(options["plot-error"]) < 2
        checks = {
            "plot-selection": plot_selection,
            "plot-log-x": cfg.log_x,
            "plot-log-y": cfg.log_y,
            "curve-log-y": cfg.curve_log_y,
        }
        for check_id, value in checks.items():
            box = pane.query_one(f"#{check_id}", Checkbox)
            if box.value != value:
                box.value = value
    for summary in pane.query("#plot-summary").results(Static):
        summary.update(controls_summary(cfg, source, plot_selection))


def controls_summary(cfg: PlotConfig, source: CurveSource | None, plot_selection: bool) -> str:
    """The controls in one line, shown instead of them where there is no room for
    them (a narrow terminal), or after ``v`` hid them. What the chart's title already
    says (the fields on the axes, the curve) comes last, where a narrow line cuts."""
    by = f"by {short_name(cfg.curve_group if cfg.mode == 'curves' else cfg.group) or '—'}"
    if cfg.mode == "curves":
        parts = ["curves", cfg.layout, by]
        if cfg.layout == "grouped":
            parts.append(f"band {cfg.band_drawn}")
        parts += [f"smooth {cfg.smoothing:g}"] if cfg.smoothing else []
        parts += ["log y"] if cfg.curve_log_y else []
        parts.append(source.label if source else "—")
    elif cfg.kind == "histogram":
        parts = ["histogram", f"bins {cfg.bins or 'auto'}", *(["log y"] if cfg.log_y else [])]
        parts += [by, f"of {short_name(cfg.y) or '—'}"]
    else:
        parts = _scalar_summary(cfg)
        parts += [f"log {axis}" for axis, on in (("x", cfg.log_x), ("y", cfg.log_y)) if on]
        parts += [by, f"x {short_name(cfg.x) or '—'}", f"y {short_name(cfg.y) or '—'}"]
    if plot_selection:
        parts.insert(1, "selection")
    return "v: controls │ " + " · ".join(parts)


def _scalar_summary(cfg: PlotConfig) -> list[str]:
    """The kind, aggregate and error bar of a scalar chart as drawn: a box plot draws
    medians and quartiles whatever the aggregate; a bar asked for that does not fit the
    aggregate is drawn as its counterpart (:attr:`PlotConfig.error_drawn`) or not at all,
    and the line must say what the chart shows, not what was once asked for."""
    if cfg.kind == "box":
        return [cfg.kind, "median and quartiles"]
    error = f"error {cfg.error_drawn}" if cfg.error_applies else "no error bars"
    return [cfg.kind, cfg.agg, error]


def apply_select(cfg: PlotConfig, select_id: str | None, value: Any) -> bool:
    """Write a Select's new ``value`` (None for blank) to ``cfg``; False when the Select
    is none of the controls, or a blank where a setting needs a value."""
    if select_id == "plot-mode" and value:
        cfg.mode = str(value)
    elif select_id == "plot-kind" and value:
        cfg.kind = str(value)
    elif select_id == "plot-x":
        cfg.x = value or None
    elif select_id == "plot-y":
        cfg.y = value or None
    elif select_id == "plot-group":
        cfg.group = value or None
    elif select_id == "plot-agg" and value:
        cfg.agg = str(value)
    elif select_id == "plot-error" and value and value != NOT_APPLICABLE:
        cfg.error = str(value)
    elif select_id == "plot-bins" and value is not None:
        cfg.bins = int(value) or None
    elif select_id == "curve-source" and value:
        cfg.source = str(value)
    elif select_id == "curve-layout" and value:
        cfg.layout = str(value)
    elif select_id == "curve-group":
        cfg.curve_group = value or None
    elif select_id == "curve-band" and value:
        cfg.band = str(value)
    elif select_id == "curve-center" and value:
        cfg.curve_center = str(value)
    elif select_id == "curve-smooth" and value is not None:
        cfg.smoothing = float(value)
    else:
        return False
    return True


def apply_checkbox(cfg: PlotConfig, box_id: str | None, value: bool) -> None:
    """Write a log-axis Checkbox's new ``value`` to ``cfg`` (others are not settings)."""
    if box_id == "plot-log-x":
        cfg.log_x = value
    elif box_id == "plot-log-y":
        cfg.log_y = value
    elif box_id == "curve-log-y":
        cfg.curve_log_y = value
