"""The browser's plots tab: scalar charts over runs, and curves against step.

Two modes, switched with ``m``:

* **scalar**: any field (param, metric, derived; categorical when not numeric) on x,
  a numeric field on y, optionally grouped by a third, aggregated over replicates
  (mean, median, min, max, count, or none: a point per run) with the error bars that
  fit the aggregate (std / sem / ci95 round a mean, iqr / bootstrap ci round a median,
  none round a min, max or count), the ``n`` behind every point in the legend and in
  the table of points under the chart; scatter, line, bar, histogram (one field, bins
  shared by the groups) or box plot (median, quartiles, whiskers, outliers); log
  axes. Enter on a row of that table drills into its runs. The numbers come from
  :mod:`metalab.index.stats` (checked against numpy in the tests), the drawing from
  :mod:`tui.plotting.scalar`.
* **curves**: a stepped metric or a 1-D array artifact against step, overlaid for the
  runs in scope (the first 50), or, with "plot selection" (``p``) on, for the selected
  runs, a colour and a labelled legend entry each; or grouped by a param as a mean (or
  median, ``a``) with a band over every run in scope (an even sample, said in the
  title, beyond :data:`~tui.browser.plots.scope.GROUPED_LIMIT`); EMA smoothing, log
  y. Curves are loaded on a thread worker with a cache
  (:mod:`tui.browser.plots.curves`), the status line counting the runs read, so a tree
  of many long curves never blocks the UI, and reduced to the pane's width before
  plotext sees them.

The data is the runs in scope (the runs tab's filter applies), or the selection when
"plot selection" (``p``) is on. The seed's four atlas views are presets (F5-F8,
:meth:`PlotsPane.preset`), computed from whatever experiment is in scope: its first
metric against its first varying numeric param, grouped by the next param.

The plot settings live in :class:`~tui.browser.plots.config.PlotConfig`, on the pane
(they are this tab's business); what the tab shares with the others (scope, filter,
selection) is in :class:`~tui.browser.state.BrowseState`.

This module is the pane: it holds what a view shows and carries out its keys, controls
and redraws. The rest is in the ``plot_*`` modules beside it: :mod:`.plot_config` (the
settings and how keys step them), :mod:`.plot_scope` (the runs and fields a plot draws
from), :mod:`.plot_keys`, :mod:`.plot_controls`, :mod:`.plot_scalar` (scalar charts and
their table of points), :mod:`.plot_presets`, :mod:`.plot_curve_requests` and
:mod:`.plot_curves` (loading curves on a worker).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Checkbox, DataTable, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from metalab.index import Changes, CurveBand, Histogram, Plot, Table, runs_condition
from tui.browser.messages import OpenRun, ShowTab, StateChanged
from tui.browser.pane import BrowserPane
from tui.browser.plots.config import PlotConfig, cycle
from tui.browser.plots.controls import (
    apply_checkbox,
    apply_select,
    compose_controls,
    sync_controls,
)
from tui.browser.plots.curve_requests import (
    CurveRequest,
    curve_request,
    curve_title,
    pick_source,
    series_for,
)
from tui.browser.plots.curves import CurveLoader, CurveSource
from tui.browser.plots.export_dialog import open_plot_export
from tui.browser.plots.keys import PLOT_BINDINGS, key_applies
from tui.browser.plots.presets import compare_choice, curves_preset, scalar_preset
from tui.browser.plots.scalar import fill_points_table, scalar_view
from tui.browser.plots.scope import (
    PresetFields,
    curve_runs,
    group_fields,
    numeric_fields,
    plot_fields,
    preset_fields,
    scope_rows,
    selected_rows,
    short_name,
)
from tui.browser.state import BrowseState
from tui.plotting.render import Series
from tui.widgets.curve_plot import CurvePlot
from tui.widgets.scalar_plot import ScalarPlot

__all__ = ["PlotConfig", "PlotsPane"]


class PlotsPane(BrowserPane):
    """Scalar charts and curves of the runs in scope, driven by keys or the controls."""

    can_focus = True
    SCOPED_CSS = False  # rules may start with the screen's size classes (``.-narrow``)

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
    PlotsPane.-box #row-agg, PlotsPane.-box #row-error, PlotsPane.-box #plot-log-x {
        display: none;
    }
    PlotsPane #row-bins { display: none; }
    PlotsPane.-histogram #row-bins { display: block; }
    PlotsPane:focus #plot-status { color: $foreground; }
    PlotsPane #plot-summary {
        height: 1; padding: 0 1; color: $accent; display: none;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    .-narrow PlotsPane #plot-controls { display: none; }
    .-narrow PlotsPane #plot-summary { display: block; }
    PlotsPane.-controls-open #plot-controls { display: block; }
    PlotsPane.-controls-open #plot-summary { display: none; }
    PlotsPane.-controls-closed #plot-controls { display: none; }
    PlotsPane.-controls-closed #plot-summary { display: block; }
    .-short PlotsPane #plot-points { height: 4; border-top: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = PLOT_BINDINGS

    @dataclass
    class CurvesLoaded(Message):
        """A curve worker finished: the series to draw for ``request``."""

        request: CurveRequest
        sources: list[CurveSource]
        source: CurveSource | None
        series: list[Series]
        bands: dict[Any, CurveBand]
        loaded: int

    @dataclass
    class CurvesProgress(Message):
        """A curve worker has read ``done`` of the request's runs."""

        request: CurveRequest
        done: int

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
        yield from compose_controls()
        with Vertical(id="plot-main"):
            yield Static(id="plot-summary")  # the controls in a line, when they are hidden
            yield Static(id="plot-status")
            yield ScalarPlot(id="scalar-plot")
            yield CurvePlot(id="curve-plot")
            yield DataTable(id="plot-points", cursor_type="row", zebra_stripes=True)

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
            "-box": scalar and self.config.kind == "box",
        }
        if any(self.has_class(name) != on for name, on in wanted.items()):
            self.set_classes([c for c in self.classes if c not in wanted] +
                             [name for name, on in wanted.items() if on])  # fmt: skip

    # -- fields -------------------------------------------------------------------------------

    def fields(self, table: Table | None = None) -> list[str]:
        """Every field that can go on an axis: params, metrics, derived (atlas offers these)."""
        return plot_fields(self.state.table() if table is None else table)

    def numeric_fields(self, table: Table | None = None) -> list[str]:
        return numeric_fields(self.state.table() if table is None else table)

    def group_fields(self, table: Table | None = None, params_only: bool = False) -> list[str]:
        """Fields worth grouping by: few distinct values (``g`` cycles through these)."""
        return group_fields(self.state.table() if table is None else table, params_only)

    def preset_fields(self, table: Table | None = None) -> PresetFields:
        """First metric, first varying numeric param, and the next varying param."""
        return preset_fields(self.state.table() if table is None else table)

    def _defaults_key(self, table: Table) -> object:
        """What, when it changes, makes a fresh scope: the experiment and its fields."""
        return (self.state.experiment, tuple(sorted(self.fields(table))))

    def _ensure_defaults(self, table: Table) -> None:
        """Pick fields for a fresh scope; drop fields the scope no longer has."""
        key = self._defaults_key(table)
        fresh = key != self._defaults_for
        self._defaults_for = key
        if fresh:
            preset = self.preset_fields(table)
            self.config.fill_defaults(self.fields(table), self.numeric_fields(table), preset)

    def _sync_controls(self, table: Table) -> None:
        """Set every control from :attr:`config` without their Changed messages firing."""
        sync_controls(
            self,
            self.config,
            fields=self.fields(table),
            numeric=self.numeric_fields(table),
            sources=self.curve_sources,
            source=self.curve_source,
            plot_selection=self.state.plot_selection,
            shown_options=self._field_options,
        )

    # -- scope ---------------------------------------------------------------------------------

    def scope_rows(self, table: Table | None = None) -> tuple[np.ndarray, str]:
        """Rows plotted (the selection, or the runs in scope) and how to say so."""
        return scope_rows(self.state, self.state.table() if table is None else table)

    # -- scalar ---------------------------------------------------------------------------------

    def _draw_scalar(self, table: Table) -> None:
        rows, scope = self.scope_rows(table)
        self._generation += 1  # a curve load still on its way is no longer wanted
        self.curve_series, self.curve_bands = [], {}
        view = scalar_view(table, rows, self.config)
        self.plot, self.histogram = view.plot, view.histogram
        points = self.query_one("#plot-points", DataTable)
        self._point_runs = fill_points_table(points, view.headers, view.rows, view.total)
        self.query_one(ScalarPlot).set_chart(view.chart)
        self._set_status(" · ".join([scope, *view.notes]))

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

    def _request_curves(self, table: Table) -> None:
        runs = curve_runs(self.state, table, self.config.layout)
        run_ids, scope = runs.run_ids, runs.scope
        self.curve_runs = run_ids
        self._generation += 1
        per_run = self.state.plot_selection and selected_rows(self.state, table).size > 0
        request = curve_request(
            table,
            run_ids,
            self.config,
            self._generation,
            scope,
            runs.sampled_from,
            per_run=per_run,
        )
        plot = self.query_one(CurvePlot)
        plot.log_y = self.config.curve_log_y
        self._set_status(f"{scope} · loading curves…")
        self._load_curves(request)

    @work(thread=True, exclusive=True, group="plot-load", exit_on_error=False,
          description="load curves for the plots tab")  # fmt: skip
    def _load_curves(self, request: CurveRequest) -> None:
        worker = get_current_worker()
        sources = self.loader.sources(request.sample_ids)
        source = pick_source(sources, request)
        if source is None or worker.is_cancelled:
            if not worker.is_cancelled:
                self.post_message(self.CurvesLoaded(request, sources, None, [], {}, 0))
            return
        curves = self.loader.load_many(
            request.run_ids,
            source,
            lambda: worker.is_cancelled,
            lambda done: self.post_message(self.CurvesProgress(request, done)),
        )
        if worker.is_cancelled:
            return
        series, bands = series_for(request, curves)
        self.post_message(self.CurvesLoaded(request, sources, source, series, bands, len(curves)))

    def on_plots_pane_curves_progress(self, message: CurvesProgress) -> None:
        request = message.request
        if request.generation == self._generation:
            total = len(request.run_ids)
            self._set_status(f"{request.note} · loading curves: {message.done:,} of {total:,}…")

    def on_plots_pane_curves_loaded(self, message: CurvesLoaded) -> None:
        request = message.request
        if request.generation != self._generation:
            return  # a newer load is on its way
        self.curve_sources = message.sources
        self.curve_source = message.source
        self.curve_series = message.series
        self.curve_bands = message.bands
        self.plot, self.histogram = None, None
        plot = self.query_one(CurvePlot)
        group = short_name(self.config.curve_group) if request.group_values is not None else None
        group = None if request.per_run else group  # a colour per run, not per value
        plot.title = curve_title(request, message.source, message.loaded, group)
        plot.set_series(message.series, color_by=group)
        self._sync_controls(self.state.table())
        missing = len(request.run_ids) - message.loaded
        note = f" · {missing} without this curve" if message.source is not None and missing else ""
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
        value = None if event.value is Select.NULL else event.value
        if apply_select(self.config, event.select.id, value):
            self._update()

    @on(Checkbox.Changed)
    def _checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.value != event.checkbox.value:
            return  # stale
        if event.checkbox.id == "plot-selection":
            self._set_plot_selection(event.value)
            return
        apply_checkbox(self.config, event.checkbox.id, event.value)
        self._update()

    def _set_plot_selection(self, value: bool) -> None:
        self.state.plot_selection = value
        self.post_message(StateChanged("plot-selection"))

    # -- actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return key_applies(self.config, action, parameters)

    def action_toggle_mode(self) -> None:
        self.config.toggle_mode()
        self._changed()

    def action_cycle_kind(self) -> None:
        self.config.cycle_kind()
        self._changed()

    def action_cycle_agg(self) -> None:
        self.config.cycle_agg()
        self._changed()

    def action_cycle_error(self) -> None:
        self.config.cycle_error()
        self._changed()

    def action_cycle_group(self) -> None:
        self.config.cycle_group(self.group_fields(params_only=self.config.mode == "curves"))
        self._changed()

    def action_toggle_log(self, axis: str) -> None:
        self.config.toggle_log(axis)
        self._changed()

    def action_next_field(self, axis: str, step: int) -> None:
        options = self.fields() if axis == "x" else self.numeric_fields()
        self.config.next_field(axis, options, step)
        self._changed()

    def action_cycle_bins(self) -> None:
        self.config.cycle_bins()
        self._changed()

    def action_cycle_smoothing(self) -> None:
        self.config.cycle_smoothing()
        self._changed()

    def action_toggle_layout(self) -> None:
        self.config.toggle_layout()
        self._changed()

    def action_cycle_source(self) -> None:
        keys = [s.key for s in self.curve_sources]
        current = self.curve_source.key if self.curve_source else None
        if keys:
            self.config.source = cycle(keys, current)
            self._changed()

    def action_toggle_controls(self) -> None:
        """Show the controls if they are hidden (by ``v``, or for a narrow terminal),
        else hide them."""
        shown = self.query_one("#plot-controls").display
        self.set_class(shown, "-controls-closed")
        self.set_class(not shown, "-controls-open")

    def action_toggle_selection(self) -> None:
        self._set_plot_selection(not self.state.plot_selection)

    def action_preset(self, n: int) -> None:
        self.preset(n)

    def action_export_plot(self) -> None:
        """``w``: the plotted points to CSV and the chart to SVG or PNG (:mod:`.export_dialog`)."""
        open_plot_export(self)

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
        if n == 3:
            self._compare_preset(table, fields)
            return
        if n in (1, 4):
            rows, _ = self.scope_rows(table)
            scalar_preset(self.config, fields, table, rows, error_bars=n == 4)
        elif n == 2:
            curves_preset(self.config, fields)
        else:
            raise ValueError(f"no preset {n}; there are 1-4")
        self._defaults_for = self._defaults_key(table)
        self.refresh_bindings()
        self._update()
        self.post_message(ShowTab("plots"))

    def compare_choice(self, table: Table | None = None) -> list[str]:
        """Preset 3's runs: per value of the first param, the first replicate's run with
        the largest value of the next param (a successful one when there is one)."""
        table = self.state.table() if table is None else table
        fields = self.preset_fields(table)
        if fields.param is None:
            return []
        rows, _ = self.scope_rows(table)
        return compare_choice(table, rows, fields.param, fields.group)

    def _compare_preset(self, table: Table, fields: PresetFields) -> None:
        chosen = self.compare_choice(table)
        if not chosen:
            self.notify("nothing to compare: the runs in scope have no params", severity="warning")
            return
        self.state.selected[:] = chosen
        what = f"one run per {short_name(fields.param)}"
        self.notify(f"comparing {len(chosen)} runs: {what}")
        self.post_message(StateChanged("selection"))
        self.post_message(ShowTab("compare"))
