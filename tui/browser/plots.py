"""The browser's plots tab: scalar charts over runs, and curves against step.

Two modes, switched with ``m``:

* **scalar**: any field (param, metric, derived; categorical when not numeric) on x,
  a numeric field on y, optionally grouped by a third, aggregated over replicates
  (mean, median, min, max, count, or none: a point per run) with std / sem / ci95
  error bars, the ``n`` behind every point in the legend and in the table of points
  under the chart; scatter, line, bar or histogram (one field, bins shared by the
  groups); log axes. Enter on a row of that table drills into its runs. The numbers
  come from :mod:`tui.browse.stats` (checked against numpy in the tests), the
  drawing from :mod:`tui.plotting.scalar`.
* **curves**: a stepped metric or a 1-D array artifact against step, overlaid for the
  selected runs (or the first 50 in scope), or grouped by a param as a mean with a
  band over the replicates; EMA smoothing, log y. Curves are loaded on a thread worker
  with a cache (:mod:`tui.browser.plot_curves`), so a tree of many long curves never
  blocks the UI, and reduced to the pane's width before plotext sees them.

The data is the runs in scope (the runs tab's filter applies), or the selection when
"plot selection" (``p``) is on. The seed's four atlas views are presets (F5-F8,
:meth:`PlotsPane.preset`), computed from whatever experiment is in scope: its first
metric against its first varying numeric param, grouped by the next param.

The plot settings live in :class:`PlotConfig`, on the pane (they are this tab's
business); what the tab shares with the others (scope, filter, selection) is in
:class:`~tui.browser.state.BrowseState`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, DataTable, Label, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tui.browse import (
    Changes,
    CurveBand,
    Histogram,
    Plot,
    Table,
    aggregate_table,
    format_cell,
    format_filter,
    histogram,
    runs_condition,
)
from tui.browser.messages import OpenRun, ShowTab, StateChanged
from tui.browser.pane import BrowserPane
from tui.browser.plot_curves import CurveLoader, CurveSource, band_series, overlay_series
from tui.browser.state import BrowseState
from tui.plotting.render import Series, format_value
from tui.plotting.scalar import KINDS, ScalarChart, ScalarSeries
from tui.widgets.curve_plot import CurvePlot
from tui.widgets.scalar_plot import ScalarPlot

__all__ = ["PlotConfig", "PlotsPane"]

AGGREGATES = ("mean", "median", "min", "max", "count", "none")
ERRORS = ("none", "std", "sem", "ci95")
BANDS = ("ci95", "std", "sem", "none")
SMOOTHING = (0.0, 0.6, 0.9, 0.99)
BINS: tuple[int | None, ...] = (None, 5, 10, 20, 30, 50)
LAYOUTS = ("overlay", "grouped")
OVERLAY_LIMIT = 50
"""Runs overlaid when none are selected: the first this many in scope."""
GROUPED_LIMIT = 2_000
"""Runs loaded for grouped curves (bands): the first this many in scope."""
TABLE_LIMIT = 200
"""Rows of the table of points under a scalar chart."""
GROUP_CYCLE_MAX = 12
"""``g`` cycles through fields with at most this many distinct values."""
NONE = ""
"""The Select value meaning "no field" (Select values cannot be None)."""


@dataclass
class PlotConfig:
    """What the plots tab draws; changed by its keys, its controls and the presets."""

    mode: str = "scalar"
    """``scalar`` or ``curves``."""
    kind: str = "scatter"
    x: str | None = None
    y: str | None = None
    """The y field; for a histogram, the field binned."""
    group: str | None = None
    agg: str = "mean"
    error: str = "none"
    bins: int | None = None
    """Histogram bins (None: automatic, as atlas picks them)."""
    log_x: bool = False
    log_y: bool = False
    source: str | None = None
    """The curve (a :attr:`CurveSource.key`); None: the first found."""
    prefer_artifact: bool = False
    """With ``source`` None, take the first array artifact before any stepped metric."""
    layout: str = "overlay"
    """Curves: ``overlay`` (one line per run) or ``grouped`` (mean and band per group)."""
    curve_group: str | None = None
    """Curves: the param colouring the overlay, or grouping the bands."""
    band: str = "ci95"
    smoothing: float = 0.0
    curve_log_y: bool = False


@dataclass
class CurveRequest:
    """One load of curves, made on the UI thread and carried out on a worker."""

    generation: int
    run_ids: list[str]
    sample_ids: list[str]
    source: str | None
    prefer_artifact: bool
    layout: str
    group_values: dict[str, Any] | None
    band: str
    smoothing: float
    note: str = ""


@dataclass
class PresetFields:
    """The fields the presets use, worked out from the experiment in scope."""

    metric: str | None
    param: str | None
    """First numeric param that varies."""
    group: str | None
    """The next param that varies."""


def _short(name: str | None) -> str:
    if not name:
        return ""
    return name.split(".", 1)[1] if "." in name else name


def _cycle(options: Sequence[Any], current: Any, step: int = 1) -> Any:
    options = list(options)
    if not options:
        return current
    try:
        i = options.index(current)
    except ValueError:
        return options[0]
    return options[(i + step) % len(options)]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _ordered_groups(values: Sequence[Any]) -> list[Any]:
    """Distinct values: numbers ascending, then the rest in first-seen order."""
    seen = list(dict.fromkeys(values))
    nums = sorted(v for v in seen if _is_number(v))
    return nums + [v for v in seen if not _is_number(v)]


def _fmt(value: float, digits: int = 4) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}g}"


class PlotsPane(BrowserPane):
    """Scalar charts and curves of the runs in scope, driven by keys or the controls."""

    can_focus = True

    DEFAULT_CSS = """
    PlotsPane { layout: horizontal; }
    PlotsPane #plot-controls {
        width: 34; height: 1fr; padding: 0 1;
        border-right: vkey $foreground 20%;
        scrollbar-size-vertical: 1;
    }
    PlotsPane .control-row { height: 1; margin-bottom: 1; }
    PlotsPane .control-row > Label { width: 9; color: $text-muted; }
    PlotsPane .control-row > Select { width: 1fr; }
    PlotsPane .control-title { color: $accent; text-style: bold; margin-bottom: 1; }
    PlotsPane Checkbox { height: 1; margin-bottom: 1; }
    PlotsPane #plot-hint { color: $text-muted; margin-top: 1; }
    PlotsPane #plot-main { width: 1fr; height: 1fr; }
    PlotsPane #plot-status { height: 1; padding: 0 1; color: $text-muted; }
    PlotsPane #plot-points { height: 10; border-top: hkey $foreground 20%; }
    PlotsPane.-curves #scalar-controls, PlotsPane.-curves #scalar-plot,
    PlotsPane.-curves #plot-points { display: none; }
    PlotsPane.-scalar #curve-controls, PlotsPane.-scalar #curve-plot { display: none; }
    PlotsPane.-histogram #row-x, PlotsPane.-histogram #row-agg,
    PlotsPane.-histogram #row-error, PlotsPane.-histogram #plot-log-x { display: none; }
    PlotsPane #row-bins { display: none; }
    PlotsPane.-histogram #row-bins { display: block; }
    PlotsPane:focus #plot-status { color: $foreground; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "toggle_mode", "Mode", tooltip="Scalar chart or curves", id="plots-mode"),
        Binding(
            "k", "cycle_kind", "Kind", tooltip="scatter, line, bar, histogram", id="plots-kind"
        ),  # fmt: skip
        Binding(
            "g", "cycle_group", "Group", tooltip="Group by the next field", id="plots-group"
        ),  # fmt: skip
        Binding(
            "e",
            "cycle_error",
            "Error bars",
            tooltip="none, std, sem, ci95 (band in curves)",
            id="plots-error",
        ),  # fmt: skip
        Binding("a", "cycle_agg", "Aggregate", show=False, id="plots-aggregate"),
        Binding("X", "toggle_log('x')", "Log x", show=False, id="plots-log-x"),
        Binding("Y", "toggle_log('y')", "Log y", show=False, id="plots-log-y"),
        Binding(
            "x,right_square_bracket",
            "next_field('x', 1)",
            "Next x field",
            show=False,
            id="plots-x-next",
        ),  # fmt: skip
        Binding(
            "left_square_bracket",
            "next_field('x', -1)",
            "Previous x field",
            show=False,
            id="plots-x-prev",
        ),  # fmt: skip
        Binding(
            "y,right_curly_bracket",
            "next_field('y', 1)",
            "Next y field",
            show=False,
            id="plots-y-next",
        ),  # fmt: skip
        Binding(
            "left_curly_bracket",
            "next_field('y', -1)",
            "Previous y field",
            show=False,
            id="plots-y-prev",
        ),  # fmt: skip
        Binding("b", "cycle_bins", "Histogram bins", show=False, id="plots-bins"),
        Binding("s", "cycle_smoothing", "Smoothing", show=False, id="plots-smoothing"),
        Binding(
            "o", "toggle_layout", "Overlay / grouped curves", show=False, id="plots-layout"
        ),  # fmt: skip
        Binding("c", "cycle_source", "Next curve", show=False, id="plots-source"),
        Binding(
            "p", "toggle_selection", "Plot selection / scope", show=False, id="plots-selection"
        ),  # fmt: skip
        Binding("f5", "preset(1)", "Preset: metric vs param", show=False, id="plots-preset-1"),
        Binding(
            "f6", "preset(2)", "Preset: convergence curves", show=False, id="plots-preset-2"
        ),  # fmt: skip
        Binding(
            "f7",
            "preset(3)",
            "Preset: compare one run per param value",
            show=False,
            id="plots-preset-3",
        ),  # fmt: skip
        Binding(
            "f8", "preset(4)", "Preset: error bars over replicates", show=False, id="plots-preset-4"
        ),  # fmt: skip
    ]

    @dataclass
    class CurvesLoaded(Message):
        """A curve worker finished: the series to draw for ``request``."""

        request: CurveRequest
        sources: list[CurveSource]
        source: CurveSource | None
        series: list[Series]
        bands: dict[Any, CurveBand]
        loaded: int

    def __init__(self, state: BrowseState, **kwargs: Any) -> None:
        # start in scalar mode's classes: switching them later restyles the whole pane
        kwargs["classes"] = f"{kwargs.get('classes') or ''} -scalar".strip()
        super().__init__(state, **kwargs)
        self.config = PlotConfig()
        self.plot: Plot | None = None
        """The aggregated scalar data last drawn (None for histograms and curves)."""
        self.histogram: Histogram | None = None
        """The histogram last drawn."""
        self.curve_series: list[Series] = []
        """The series last handed to the curve pane."""
        self.curve_bands: dict[Any, CurveBand] = {}
        """Grouped curves: the band of each group last drawn."""
        self.curve_runs: list[str] = []
        """Run ids whose curves were asked for in the last load."""
        self.curve_sources: list[CurveSource] = []
        self.curve_source: CurveSource | None = None
        self.status = ""
        self.loader = CurveLoader(state.index)
        self._shown = False
        self._dirty = True
        self._defaults_for: object = None
        self._generation = 0
        self._point_runs: dict[str, list[str]] = {}
        self._field_options: dict[str, list[tuple[str, str]]] = {}

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="plot-controls"):
            yield Label("Plot", classes="control-title")
            yield from self._row("mode", "plot-mode", [(m, m) for m in ("scalar", "curves")])
            yield Checkbox("plot selection (p)", id="plot-selection", compact=True)
            with Vertical(id="scalar-controls"):
                yield from self._row("kind", "plot-kind", [(k, k) for k in KINDS])
                yield from self._row("x", "plot-x", [], row_id="row-x")
                yield from self._row("y", "plot-y", [])
                yield from self._row("group", "plot-group", [("(none)", NONE)])
                yield from self._row("agg", "plot-agg", [(a, a) for a in AGGREGATES],
                                     row_id="row-agg")  # fmt: skip
                yield from self._row("error", "plot-error", [(e, e) for e in ERRORS],
                                     row_id="row-error")  # fmt: skip
                yield from self._row(
                    "bins",
                    "plot-bins",
                    [("auto" if b is None else str(b), b or 0) for b in BINS],
                    row_id="row-bins",
                )
                yield Checkbox("log x (X)", id="plot-log-x", compact=True)
                yield Checkbox("log y (Y)", id="plot-log-y", compact=True)
            with Vertical(id="curve-controls"):
                yield from self._row("curve", "curve-source", [])
                yield from self._row("layout", "curve-layout", [(v, v) for v in LAYOUTS])
                yield from self._row("by", "curve-group", [("(none)", NONE)])
                yield from self._row("band", "curve-band", [(b, b) for b in BANDS])
                yield from self._row("smooth", "curve-smooth", [(str(s), s) for s in SMOOTHING])
                yield Checkbox("log y (Y)", id="curve-log-y", compact=True)
            yield Static(
                "m mode  k kind  g group\na agg  e error  X/Y log\nx/y next field  "
                "s smooth\nF5-F8 atlas views", id="plot-hint",
            )  # fmt: skip
        with Vertical(id="plot-main"):
            yield Static(id="plot-status")
            yield ScalarPlot(id="scalar-plot")
            yield CurvePlot(id="curve-plot")
            yield DataTable(id="plot-points", cursor_type="row", zebra_stripes=True)

    @staticmethod
    def _row(
        label: str, select_id: str, options: list[tuple[str, Any]], row_id: str | None = None
    ) -> ComposeResult:
        with Horizontal(classes="control-row", id=row_id):
            yield Label(label)
            yield Select(options, id=select_id, compact=True, allow_blank=True, prompt="—")

    def focus_default(self) -> None:
        """Take the keyboard as a whole (the keys work on the pane; tab reaches the
        controls), unless the focus is already in the pane."""
        focused = self.screen.focused
        if focused is None or not (focused is self or self in focused.ancestors):
            self.focus()

    def on_show(self, event: events.Show) -> None:
        self._shown = True
        if self._dirty:
            self._update()

    def on_hide(self, event: events.Hide) -> None:
        self._shown = False

    # -- redraws ---------------------------------------------------------------------------

    def refresh_view(self, changes: Changes | None = None) -> None:
        self._dirty = True
        if self._shown:
            self._update()

    def _update(self) -> None:
        """Bring controls and chart in line with the state and :attr:`config`."""
        self._dirty = False
        table = self.state.table()
        self._ensure_defaults(table)
        self._sync_controls(table)
        self._set_mode_classes()
        if self.config.mode == "curves":
            self._request_curves(table)
        else:
            self._draw_scalar(table)

    def _set_mode_classes(self) -> None:
        scalar = self.config.mode == "scalar"
        wanted = {
            "-scalar": scalar,
            "-curves": not scalar,
            "-histogram": scalar and self.config.kind == "histogram",
        }
        if any(self.has_class(name) != on for name, on in wanted.items()):
            self.set_classes([c for c in self.classes if c not in wanted] +
                             [name for name, on in wanted.items() if on])  # fmt: skip

    # -- fields -------------------------------------------------------------------------------

    def fields(self, table: Table | None = None) -> list[str]:
        """Every field that can go on an axis: params, metrics, derived (atlas offers these)."""
        table = self.state.table() if table is None else table
        return [n for n in table.names() if n.split(".", 1)[0] in ("params", "metrics", "derived")]

    def numeric_fields(self, table: Table | None = None) -> list[str]:
        table = self.state.table() if table is None else table
        return [n for n in self.fields(table) if table.column(n).is_numeric]

    def group_fields(self, table: Table | None = None, params_only: bool = False) -> list[str]:
        """Fields worth grouping by: few distinct values (``g`` cycles through these)."""
        table = self.state.table() if table is None else table
        out = []
        for name in self.fields(table):
            if params_only and not name.startswith("params."):
                continue
            info = table.column(name).info()
            if not info.more_values and 1 < len(info.values) <= GROUP_CYCLE_MAX:
                out.append(name)
        return out

    def preset_fields(self, table: Table | None = None) -> PresetFields:
        """First metric, first varying numeric param, and the next varying param."""
        table = self.state.table() if table is None else table
        numeric = self.numeric_fields(table)
        metric = next((n for n in numeric if n.startswith("metrics.")), None)
        metric = metric or next((n for n in numeric if n.startswith("derived.")), None)
        params = [n for n in table.names("params")]
        varying = [n for n in params if len(table.column(n).info().values) != 1]
        numeric_params = [n for n in varying if n in numeric] or [n for n in params if n in numeric]
        param = numeric_params[0] if numeric_params else (varying[0] if varying else None)
        group = next((n for n in varying if n != param), None)
        return PresetFields(metric, param, group)

    def _ensure_defaults(self, table: Table) -> None:
        """Pick fields for a fresh scope; drop fields the scope no longer has."""
        cfg = self.config
        names = set(self.fields(table))
        key = (self.state.experiment, tuple(sorted(names)))
        fresh = key != self._defaults_for
        self._defaults_for = key
        if not fresh:
            return
        preset = self.preset_fields(table)
        numeric = set(self.numeric_fields(table))
        if cfg.x not in names:
            cfg.x = preset.param or next(iter(self.fields(table)), None)
        if cfg.y not in numeric:
            cfg.y = preset.metric
        if cfg.group is not None and cfg.group not in names:
            cfg.group = None
        if cfg.group is None and preset.group and cfg.group != cfg.x:
            cfg.group = preset.group
        if cfg.curve_group not in names:
            cfg.curve_group = preset.param if preset.param in names else None

    def _sync_controls(self, table: Table) -> None:
        """Set every control from :attr:`config` without their Changed messages firing."""
        cfg = self.config
        fields = self.fields(table)
        numeric = self.numeric_fields(table)
        options = {
            "plot-x": [(_short(n), n) for n in fields],
            "plot-y": [(_short(n), n) for n in numeric],
            "plot-group": [("(none)", NONE)] + [(_short(n), n) for n in fields],
            "curve-group": [("(none)", NONE)] + [(_short(n), n) for n in fields],
            "curve-source": [(s.label, s.key) for s in self.curve_sources],
        }
        values: dict[str, Any] = {
            "plot-mode": cfg.mode,
            "plot-kind": cfg.kind,
            "plot-x": cfg.x or NONE,
            "plot-y": cfg.y or NONE,
            "plot-group": cfg.group or NONE,
            "plot-agg": cfg.agg,
            "plot-error": cfg.error,
            "plot-bins": cfg.bins or 0,
            "curve-source": self.curve_source.key if self.curve_source else NONE,
            "curve-layout": cfg.layout,
            "curve-group": cfg.curve_group or NONE,
            "curve-band": cfg.band,
            "curve-smooth": cfg.smoothing,
        }
        with self.prevent(Select.Changed, Checkbox.Changed):
            for select_id, opts in options.items():
                if self._field_options.get(select_id) != opts:
                    self._field_options[select_id] = opts
                    self.query_one(f"#{select_id}", Select).set_options(opts)
            for select_id, value in values.items():
                select = self.query_one(f"#{select_id}", Select)
                legal = [v for _, v in select._options]
                if value in legal:
                    if select.value != value:
                        select.value = value
                elif select.value is not Select.NULL:
                    select.clear()
            checks = {
                "plot-selection": self.state.plot_selection,
                "plot-log-x": cfg.log_x,
                "plot-log-y": cfg.log_y,
                "curve-log-y": cfg.curve_log_y,
            }
            for check_id, value in checks.items():
                box = self.query_one(f"#{check_id}", Checkbox)
                if box.value != value:
                    box.value = value

    # -- scope ---------------------------------------------------------------------------------

    def scope_rows(self, table: Table | None = None) -> tuple[np.ndarray, str]:
        """Rows plotted (the selection, or the runs in scope) and how to say so."""
        table = self.state.table() if table is None else table
        if self.state.plot_selection:
            rows = []
            for run_id in self.state.selected:
                try:
                    rows.append(table.index_of(run_id))
                except KeyError:
                    continue
            if rows:
                return np.asarray(rows, dtype=np.intp), f"{len(rows)} selected runs"
            note = "no selected runs in scope: plotting the runs in scope; "
        else:
            note = ""
        rows_in_scope = self.state.rows()
        where = (
            f" (filter: {format_filter(self.state.conditions)})" if self.state.conditions else ""
        )
        return rows_in_scope, f"{note}{len(rows_in_scope)} runs in scope{where}"

    # -- scalar ---------------------------------------------------------------------------------

    def _draw_scalar(self, table: Table) -> None:
        cfg = self.config
        rows, scope = self.scope_rows(table)
        self._generation += 1  # a curve load still on its way is no longer wanted
        self.curve_series, self.curve_bands = [], {}
        notes = []
        chart: ScalarChart
        if cfg.y is None or cfg.y not in table:
            self.plot, self.histogram = None, None
            chart = ScalarChart(kind=cfg.kind, title="no numeric field to plot")
            self._fill_points_table([], [])
        elif cfg.kind == "histogram":
            chart = self._histogram_chart(table, rows)
            self.plot = None
        else:
            chart, missing = self._aggregate_chart(table, rows)
            self.histogram = None
            if missing:
                notes.append(f"{missing} without {_short(cfg.y)} left out")
            if cfg.log_x and chart.categorical:
                notes.append("no log x on a categorical axis")
        self.query_one(ScalarPlot).set_chart(chart)
        self._set_status(" · ".join([scope, *notes]))

    def _aggregate_chart(self, table: Table, rows: np.ndarray) -> tuple[ScalarChart, int]:
        cfg = self.config
        x = cfg.x if cfg.x in table else None
        if x is None:
            self.plot = None
            self._fill_points_table([], [])
            return ScalarChart(kind=cfg.kind, title="choose an x field"), 0
        group = cfg.group if cfg.group in table and cfg.group != x else None
        error = cfg.error if cfg.agg not in ("none", "count") else "none"
        plot = aggregate_table(table, rows, x, cfg.y, group, agg=cfg.agg, error=error)
        self.plot = plot
        ycol = table.column(cfg.y)
        missing = int(np.count_nonzero(~(ycol.present[rows] & np.isfinite(ycol.num[rows]))))
        categories = None
        if plot.categorical_x or table.column(x).kind == "bool":
            categories = list(
                dict.fromkeys(
                    format_value(p.x) if _is_number(p.x) else str(p.x)
                    for s in plot.series
                    for p in s.points
                )
            )
        label_all = plot.title.split(" vs ")[0]
        series = [
            ScalarSeries(
                label=s.label if group else label_all,
                x=s.xs,
                y=s.ys,
                err=s.errs,
                n=s.ns,
            )
            for s in plot.series
        ]
        title = plot.title + (f" ± {error}" if error != "none" else "")
        chart = ScalarChart(
            kind=cfg.kind,
            series=series,
            categories=categories,
            log_x=cfg.log_x and categories is None,
            log_y=cfg.log_y,
            title=title,
            xlabel=_short(x),
            legend_prefix=f"{_short(group)}=" if group else "",
        )
        headers = [_short(group) if group else "group", _short(x)]
        headers.append(label_all if cfg.agg != "none" else _short(cfg.y))
        headers += ["±" + error if error != "none" else "±", "n"]
        body: list[tuple[str, list[str], list[str]]] = []
        run_ids = table.run_ids
        total = sum(len(s.points) for s in plot.series)
        for si, s in enumerate(plot.series):
            for pi, p in enumerate(s.points):
                if len(body) == TABLE_LIMIT:  # the rest are counted, not built
                    break
                cells = [
                    s.label if group else "all",
                    format_cell(p.x),
                    _fmt(p.y),
                    _fmt(p.err, 3),
                    str(p.n),
                ]
                body.append((f"{si}:{pi}", cells, [str(r) for r in run_ids[p.rows].tolist()]))
        self._fill_points_table(headers, body, total)
        return chart, missing

    def _histogram_chart(self, table: Table, rows: np.ndarray) -> ScalarChart:
        cfg = self.config
        assert cfg.y is not None
        col = table.column(cfg.y)
        values = np.where(col.present[rows], col.num[rows], np.nan)
        group = cfg.group if cfg.group in table else None
        groups = table.column(group).values[rows] if group else None
        hist = histogram(values, cfg.bins, groups=groups)
        self.histogram = hist
        labels = [("all" if g is None else format_value(g)) for g in hist.counts]
        series = [
            ScalarSeries(label=label if group else "", x=[], y=counts.astype(float))
            for label, counts in zip(labels, hist.counts.values(), strict=True)
        ]
        by = f" (by {_short(group)})" if group else ""
        chart = ScalarChart(
            kind="histogram",
            series=series,
            edges=hist.edges,
            log_y=cfg.log_y,
            title=f"Distribution of {_short(cfg.y)}{by}, {hist.bins} bins",
            xlabel=_short(cfg.y),
            legend_prefix=f"{_short(group)}=" if group else "",
        )
        headers = ["bin", *labels, "total"] if group else ["bin", "count"]
        body = []
        run_ids = table.run_ids[rows]
        totals = hist.total
        for b in range(hist.bins):
            lo, hi = hist.edges[b], hist.edges[b + 1]
            cells = [f"{lo:.4g} – {hi:.4g}"]
            cells += [str(int(c[b])) for c in hist.counts.values()]
            if group:
                cells.append(str(int(totals[b])))
            members = [str(r) for r in run_ids[hist.members(b)].tolist()]
            body.append((f"bin:{b}", cells, members))
        self._fill_points_table(headers, body)
        return chart

    def _fill_points_table(
        self,
        headers: list[str],
        body: list[tuple[str, list[str], list[str]]],
        total: int | None = None,
    ) -> None:
        """The table under the chart: one row per point (``total`` of them; the first
        :data:`TABLE_LIMIT` shown), remembering the runs behind each for Enter."""
        table = self.query_one("#plot-points", DataTable)
        table.clear(columns=True)
        self._point_runs = {}
        if not headers:
            return
        table.add_columns(*headers)
        for key, cells, run_ids in body[:TABLE_LIMIT]:
            table.add_row(*cells, key=key)
            self._point_runs[key] = run_ids
        total = len(body) if total is None else total
        if total > TABLE_LIMIT:
            extra = [f"+{total - TABLE_LIMIT} more"] + [""] * (len(headers) - 1)
            table.add_row(*extra, key="more")

    @on(DataTable.RowSelected, "#plot-points")
    def _drill(self, event: DataTable.RowSelected) -> None:
        """Enter on a point: open its run, or filter the runs tab to the runs behind it."""
        run_ids = self._point_runs.get(str(event.row_key.value), [])
        if not run_ids:
            return
        if len(run_ids) == 1:
            self.post_message(OpenRun(run_ids[0]))
            return
        self.state.conditions.append(runs_condition(run_ids, f"runs: {len(run_ids)} from plot"))
        self.post_message(StateChanged("filter"))
        self.post_message(ShowTab("runs"))

    # -- curves ------------------------------------------------------------------------------

    def curve_run_ids(self, table: Table | None = None) -> tuple[list[str], str]:
        """The runs whose curves are drawn, and how to say so."""
        table = self.state.table() if table is None else table
        cfg = self.config
        if cfg.layout == "overlay":
            present = set(table.run_ids.tolist())
            chosen = [r for r in self.state.selected if r in present]
            if chosen:
                return chosen, f"{len(chosen)} selected runs"
            rows, scope = self.scope_rows(table)
            ids = [str(r) for r in table.run_ids[rows[:OVERLAY_LIMIT]].tolist()]
            if len(rows) > OVERLAY_LIMIT:
                scope += f" · the first {OVERLAY_LIMIT} drawn (select runs to choose)"
            return ids, scope
        rows, scope = self.scope_rows(table)
        if len(rows) > GROUPED_LIMIT:
            scope += f" · the first {GROUPED_LIMIT} used"
        return [str(r) for r in table.run_ids[rows[:GROUPED_LIMIT]].tolist()], scope

    def _request_curves(self, table: Table) -> None:
        cfg = self.config
        run_ids, scope = self.curve_run_ids(table)
        self.curve_runs = run_ids
        group = cfg.curve_group if cfg.curve_group in table else None
        group_values = None
        if group is not None:
            col = table.column(group)
            group_values = {r: col.values[table.index_of(r)] for r in run_ids}
        status = table.column("record.status").values
        good = [r for r in run_ids if status[table.index_of(r)] == "success"]
        sample = (good or run_ids)[:3]
        self._generation += 1
        request = CurveRequest(
            generation=self._generation,
            run_ids=run_ids,
            sample_ids=sample,
            source=cfg.source,
            prefer_artifact=cfg.prefer_artifact,
            layout=cfg.layout,
            group_values=group_values,
            band=cfg.band,
            smoothing=cfg.smoothing,
            note=scope,
        )
        plot = self.query_one(CurvePlot)
        plot.log_y = cfg.curve_log_y
        self._set_status(f"{scope} · loading curves…")
        self._load_curves(request)

    @work(thread=True, exclusive=True, group="plot-load", exit_on_error=False,
          description="load curves for the plots tab")  # fmt: skip
    def _load_curves(self, request: CurveRequest) -> None:
        worker = get_current_worker()
        sources = self.loader.sources(request.sample_ids)
        source = self._pick_source(sources, request)
        if source is None or worker.is_cancelled:
            if not worker.is_cancelled:
                self.post_message(self.CurvesLoaded(request, sources, None, [], {}, 0))
            return
        curves = self.loader.load_many(request.run_ids, source, lambda: worker.is_cancelled)
        if worker.is_cancelled:
            return
        if request.layout == "overlay":
            series = overlay_series(
                curves, color_values=request.group_values, smoothing=request.smoothing
            )
            bands: dict[Any, CurveBand] = {}
        else:
            values = request.group_values or {}
            keys = _ordered_groups([values.get(r) if values else "all" for r in curves])
            groups: dict[Any, list[tuple[np.ndarray, np.ndarray]]] = {k: [] for k in keys}
            for run_id, curve in curves.items():
                groups[values.get(run_id) if values else "all"].append(curve)
            series, bands = band_series(groups, band=request.band, smoothing=request.smoothing)
        self.post_message(self.CurvesLoaded(request, sources, source, series, bands, len(curves)))

    @staticmethod
    def _pick_source(sources: list[CurveSource], request: CurveRequest) -> CurveSource | None:
        if request.source is not None:
            wanted = CurveSource.parse(request.source)
            if wanted in sources:
                return wanted
        if request.prefer_artifact:
            arrays = [s for s in sources if s.kind == "artifact"]
            if arrays:
                return arrays[0]
        return sources[0] if sources else None

    def on_plots_pane_curves_loaded(self, message: CurvesLoaded) -> None:
        request = message.request
        if request.generation != self._generation:
            return  # a newer load is on its way
        cfg = self.config
        self.curve_sources = message.sources
        self.curve_source = message.source
        self.curve_series = message.series
        self.curve_bands = message.bands
        self.plot, self.histogram = None, None
        plot = self.query_one(CurvePlot)
        group = _short(cfg.curve_group) if request.group_values is not None else None
        source = message.source
        if source is None:
            plot.title = "no stepped metric or 1-D array artifact in these runs"
        elif request.layout == "overlay":
            smooth = f", smoothed {request.smoothing:g}" if request.smoothing else ""
            plot.title = f"{source.name}: {message.loaded} runs{smooth}"
        else:
            band = f" ± {request.band}" if request.band != "none" else ""
            by = f" by {group}" if group else ""
            smooth = f", smoothed {request.smoothing:g}" if request.smoothing else ""
            plot.title = f"{source.name}: mean{band}{by}{smooth}"
        plot.set_series(message.series, color_by=group)
        self._sync_controls(self.state.table())
        missing = len(request.run_ids) - message.loaded
        note = f" · {missing} without this curve" if source is not None and missing else ""
        self._set_status(f"{request.note}{note}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "plot-load" and event.state == WorkerState.ERROR:
            self._set_status(f"loading curves failed: {event.worker.error!r}")
            self.notify(f"loading curves failed: {event.worker.error}", severity="error")

    # -- status ---------------------------------------------------------------------------

    def _set_status(self, text: str) -> None:
        self.status = text
        self.query_one("#plot-status", Static).update(text)

    # -- controls ----------------------------------------------------------------------------

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value != event.select.value:
            return  # stale: e.g. a Select's blank start, since set from the config
        cfg = self.config
        value = None if event.value is Select.NULL else event.value
        select_id = event.select.id
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
        elif select_id == "plot-error" and value:
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
        elif select_id == "curve-smooth" and value is not None:
            cfg.smoothing = float(value)
        else:
            return
        self._update()

    @on(Checkbox.Changed)
    def _checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.value != event.checkbox.value:
            return  # stale
        box = event.checkbox.id
        if box == "plot-selection":
            self._set_plot_selection(event.value)
            return
        if box == "plot-log-x":
            self.config.log_x = event.value
        elif box == "plot-log-y":
            self.config.log_y = event.value
        elif box == "curve-log-y":
            self.config.curve_log_y = event.value
        self._update()

    def _set_plot_selection(self, value: bool) -> None:
        self.state.plot_selection = value
        self.post_message(StateChanged("plot-selection"))

    # -- actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        curves = self.config.mode == "curves"
        if action in ("cycle_smoothing", "toggle_layout", "cycle_source"):
            return True if curves else None
        if action in ("cycle_kind", "cycle_agg", "next_field"):
            return None if curves else True
        if action == "cycle_bins":
            return True if not curves and self.config.kind == "histogram" else None
        if action == "toggle_log" and parameters == ("x",):
            return None if curves else True
        return True

    def action_toggle_mode(self) -> None:
        self.config.mode = "curves" if self.config.mode == "scalar" else "scalar"
        self._changed()

    def action_cycle_kind(self) -> None:
        self.config.kind = _cycle(KINDS, self.config.kind)
        self._changed()

    def action_cycle_agg(self) -> None:
        self.config.agg = _cycle(AGGREGATES, self.config.agg)
        self._changed()

    def action_cycle_error(self) -> None:
        if self.config.mode == "curves":
            self.config.band = _cycle(BANDS, self.config.band)
        else:
            self.config.error = _cycle(ERRORS, self.config.error)
        self._changed()

    def action_cycle_group(self) -> None:
        cfg = self.config
        if cfg.mode == "curves":
            cfg.curve_group = _cycle([None, *self.group_fields(params_only=True)], cfg.curve_group)
        else:
            options = [None, *(f for f in self.group_fields() if f != cfg.x)]
            cfg.group = _cycle(options, cfg.group)
        self._changed()

    def action_toggle_log(self, axis: str) -> None:
        cfg = self.config
        if axis == "x":
            cfg.log_x = not cfg.log_x
        elif cfg.mode == "curves":
            cfg.curve_log_y = not cfg.curve_log_y
        else:
            cfg.log_y = not cfg.log_y
        self._changed()

    def action_next_field(self, axis: str, step: int) -> None:
        cfg = self.config
        if axis == "x":
            cfg.x = _cycle(self.fields(), cfg.x, step)
            if cfg.group == cfg.x:
                cfg.group = None
        else:
            cfg.y = _cycle(self.numeric_fields(), cfg.y, step)
        self._changed()

    def action_cycle_bins(self) -> None:
        self.config.bins = _cycle(BINS, self.config.bins)
        self._changed()

    def action_cycle_smoothing(self) -> None:
        self.config.smoothing = _cycle(SMOOTHING, self.config.smoothing)
        self._changed()

    def action_toggle_layout(self) -> None:
        self.config.layout = _cycle(LAYOUTS, self.config.layout)
        self._changed()

    def action_cycle_source(self) -> None:
        keys = [s.key for s in self.curve_sources]
        current = self.curve_source.key if self.curve_source else None
        if keys:
            self.config.source = _cycle(keys, current)
            self._changed()

    def action_toggle_selection(self) -> None:
        self._set_plot_selection(not self.state.plot_selection)

    def action_preset(self, n: int) -> None:
        self.preset(n)

    def _changed(self) -> None:
        self.refresh_bindings()
        self._update()

    # -- presets ---------------------------------------------------------------------------------

    def preset(self, n: int) -> None:
        """One of the seed's four atlas views, from the experiment in scope's fields:

        1. first metric vs first numeric param, grouped by the next param (mean, line);
        2. convergence curves: the first 1-D array artifact (else stepped metric) of
           the runs, overlaid, coloured by the first param, log y;
        3. runs compared side by side: one run per value of the first param (the
           first replicate, the largest value of the next param) selected, and the
           compare tab shown;
        4. error bars over replicates: as 1, with mean ± ci95 and n per point.

        The screen may call this for its global F5-F8 keys.
        """
        table = self.state.table()
        fields = self.preset_fields(table)
        cfg = self.config
        if n == 3:
            self._compare_preset(table, fields)
            return
        if n in (1, 4):
            cfg.mode = "scalar"
            cfg.x, cfg.y, cfg.group = fields.param, fields.metric, fields.group
            cfg.agg = "mean"
            cfg.kind = "line" if n == 1 else "scatter"
            cfg.error = "none" if n == 1 else "ci95"
            rows, _ = self.scope_rows(table)
            cfg.log_x = self._spans_decades(table, fields.param, rows)
            cfg.log_y = self._spans_decades(table, fields.metric, rows)
        elif n == 2:
            cfg.mode = "curves"
            cfg.layout = "overlay"
            cfg.source = None
            cfg.prefer_artifact = True
            cfg.curve_group = fields.param
            cfg.smoothing = 0.0
            cfg.curve_log_y = True
        else:
            raise ValueError(f"no preset {n}; there are 1-4")
        self._defaults_for = (self.state.experiment, tuple(sorted(self.fields(table))))
        self.refresh_bindings()
        self._update()
        self.post_message(ShowTab("plots"))

    @staticmethod
    def _spans_decades(table: Table, name: str | None, rows: np.ndarray) -> bool:
        """Log scale suits a positive field spanning at least a factor of 10."""
        if name is None or name not in table:
            return False
        values = table.column(name).num[rows]
        values = values[np.isfinite(values)]
        return bool(values.size and values.min() > 0 and values.max() / values.min() >= 10)

    def compare_choice(self, table: Table | None = None) -> list[str]:
        """Preset 3's runs: per value of the first param, the first replicate's run with
        the largest value of the next param (a successful one when there is one)."""
        table = self.state.table() if table is None else table
        fields = self.preset_fields(table)
        if fields.param is None:
            return []
        rows, _ = self.scope_rows(table)
        pcol = table.column(fields.param)
        gcol = table.column(fields.group) if fields.group else None
        rep = table.column("record.replicate").num
        ok = table.column("record.status").values == "success"
        chosen = []
        values = [pcol.values[r] for r in rows.tolist() if pcol.present[r]]
        for value in _ordered_groups(values):
            members = np.asarray([r for r in rows.tolist() if pcol.values[r] == value])
            if gcol is not None:
                g = gcol.num[members]
                if np.isfinite(g).any():
                    members = members[g == np.nanmax(g)]
            reps = rep[members]
            if np.isfinite(reps).any():
                members = members[reps == np.nanmin(reps)]
            good = members[ok[members]]
            pick = (good if good.size else members)[0]
            chosen.append(str(table.run_ids[pick]))
        return chosen

    def _compare_preset(self, table: Table, fields: PresetFields) -> None:
        chosen = self.compare_choice(table)
        if not chosen:
            self.notify("nothing to compare: the runs in scope have no params", severity="warning")
            return
        self.state.selected[:] = chosen
        what = f"one run per {_short(fields.param)}"
        self.notify(f"comparing {len(chosen)} runs: {what}")
        self.post_message(StateChanged("selection"))
        self.post_message(ShowTab("compare"))
