"""The run detail screen itself: its layout, keys, state, workers and message handlers.

Why the screen keeps all the wiring: Textual collects ``@on`` handlers from a message
pump's own class body (a plain mixin's would go unseen), and the tabs share state (the
run, its status, the curve on display, the artifact shown). So this module holds the
state and the handlers, and asks :mod:`.overview`, :mod:`.metrics`, :mod:`.curves`,
:mod:`.artifacts` and :mod:`.logs` what each tab shows, and :mod:`.snapshot` and
:mod:`.polling` what its workers read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.console import Group
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from metalab.results import Run
from metalab.types import RunRecord
from tui.browse import RunRow, Table
from tui.browser.experiment_detail import DistributionView
from tui.browser.run_detail.artifacts import (
    ARTIFACT_COLUMNS,
    fill_artifact_list,
    not_loaded_reason,
    read_item,
)
from tui.browser.run_detail.curves import curve_caption, curve_series, next_smoothing
from tui.browser.run_detail.logs import LogChunk, LogLine, RunLog, log_status
from tui.browser.run_detail.metrics import (
    METRIC_COLUMNS,
    MetricPlace,
    default_metric,
    distribution_note,
    fill_metrics_table,
    find_place,
    metrics_caption,
)
from tui.browser.run_detail.overview import (
    STATUS_ICONS,
    STATUS_KINDS,
    error_texts,
    headline,
    info_grid,
    notes_card,
    params_grid,
    provenance_grid,
    row_params,
    run_status,
    varying_params,
)
from tui.browser.run_detail.polling import FINAL, Poll, poll_interval, read_poll
from tui.browser.run_detail.snapshot import Snapshot, read_snapshot
from tui.browser.state import BrowseState
from tui.plotting.render import Series
from tui.screens.dialogs import HelpScreen
from tui.widgets.artifact_view import ArtifactItem, ArtifactView
from tui.widgets.curve_plot import CurvePlot

__all__ = ["RunDetailScreen"]

_TABS = ("overview", "metrics", "curves", "artifacts", "logs")


class RunDetailScreen(Screen[None]):
    """A run's parameters, status, metrics, curves, artifacts and logs, in five tabs."""

    DEFAULT_CSS = """
    RunDetailScreen { layout: vertical; }
    RunDetailScreen #detail-headline { height: auto; padding: 0 1; text-style: bold; }
    RunDetailScreen #detail-status { height: 1; padding: 0 1; }
    RunDetailScreen #detail-status.-success { color: $success; }
    RunDetailScreen #detail-status.-failed { color: $error; }
    RunDetailScreen #detail-status.-stale { color: $warning; }
    RunDetailScreen #detail-status.-running { color: $accent; }
    RunDetailScreen #detail-status.-cancelled { color: $warning; }
    RunDetailScreen #detail-tabs { height: 1fr; }
    RunDetailScreen .card {
        height: auto; border: round $panel-lighten-2; border-title-color: $accent;
        padding: 0 1;
    }
    RunDetailScreen #overview-columns { height: auto; }
    RunDetailScreen .overview-column { width: 1fr; height: auto; }
    RunDetailScreen #error-card { border: round $error; border-title-color: $error; }
    RunDetailScreen #error-message { height: auto; }
    RunDetailScreen #error-traceback-scroll { height: auto; max-height: 14; }
    RunDetailScreen #error-traceback { width: auto; color: $text-muted; }
    RunDetailScreen #metrics-table { height: auto; max-height: 45%; }
    RunDetailScreen #metric-distribution { height: 1fr; min-height: 9; }
    RunDetailScreen #metric-distribution ScalarPlot { height: 1fr; min-height: 6; }
    RunDetailScreen #metrics-caption { height: auto; padding: 0 1; color: $text-muted; }
    RunDetailScreen #curve-list { width: 28; height: 1fr; }
    RunDetailScreen #curve-caption { height: 1; color: $text-muted; padding: 0 1; }
    RunDetailScreen #artifact-list { width: 56; height: 1fr; }
    RunDetailScreen #log-bar { height: 3; }
    RunDetailScreen #log-filter { width: 1fr; }
    RunDetailScreen #log-status { width: auto; padding: 1 1 0 1; color: $text-muted; }
    RunDetailScreen #log-tabs { height: 1fr; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="run-back"),
        Binding("1", "tab('overview')", "Overview", show=False, id="run-tab-overview"),
        Binding("2", "tab('metrics')", "Metrics", show=False, id="run-tab-metrics"),
        Binding("3", "tab('curves')", "Curves", show=False, id="run-tab-curves"),
        Binding("4", "tab('artifacts')", "Artifacts", show=False, id="run-tab-artifacts"),
        Binding("5", "tab('logs')", "Logs", show=False, id="run-tab-logs"),
        Binding(
            "y",
            "copy_run_id",
            "Copy id",
            id="run-copy-id",
            tooltip="Copy the run id to the clipboard",
        ),
        Binding(
            "Y",
            "copy_provenance",
            "Copy fingerprints",
            show=False,
            id="run-copy-provenance",
            tooltip="Copy the run id, fingerprints and code hash to the clipboard",
        ),
        Binding("m", "next_metric", "Next metric", id="run-next-metric"),
        Binding("l", "log_y", "Log y", id="run-log-y"),
        Binding(
            "s",
            "smoothing",
            "Smoothing",
            id="run-smoothing",
            tooltip="Cycle the EMA smoothing: 0, 0.6, 0.9, 0.99",
        ),
        Binding("t", "toggle_matrix", "Heatmap/table", id="run-toggle-matrix"),
        Binding(
            "slash", "filter_logs", "Filter", id="run-filter-logs", tooltip="Filter the log lines"
        ),
        Binding(
            "f",
            "follow",
            "Follow",
            id="run-follow-log",
            tooltip="Follow the log (scroll to new lines) or keep the view where it is",
        ),
        Binding("question_mark,f1", "help", "Help", id="run-help"),
    ]

    # -- messages from the workers --------------------------------------------------------

    @dataclass
    class Loaded(Message):
        snapshot: Snapshot

    @dataclass
    class Polled(Message):
        poll: Poll

    @dataclass
    class CurveLoaded(Message):
        name: str
        steps: np.ndarray
        values: np.ndarray

    @dataclass
    class ItemLoaded(Message):
        item: ArtifactItem
        value: Any = None
        error: str | None = None

    def __init__(self, state: BrowseState, run_id: str, at_log: LogLine | None = None) -> None:
        """``at_log``: open on the Logs tab at that line (a search hit), once it is read."""
        super().__init__()
        self.state = state
        self.run_id = run_id
        self.log_target = at_log
        """The log line still to be shown (None once shown, or when not asked for)."""
        self.run: Run | None = None
        self.row: RunRow | None = None
        self.snapshot: Snapshot | None = None
        self.status = ""
        """The status as last read from the record."""
        self.record_mtime: float | None = None
        self.places: list[MetricPlace] = []
        self.metric_shown: str | None = None
        """The metric whose distribution the Metrics tab shows (``metrics.final_loss``)."""
        self.stepped: list[str] = []
        self.items: list[ArtifactItem] = []
        self.curve_name: str | None = None
        self.curve: tuple[np.ndarray, np.ndarray] | None = None
        """Steps and values of the stepped metric shown."""
        self.curve_series: list[Series] = []
        """What the curve plot was last given (raw, then smoothed when smoothing)."""
        self.smoothing = 0.0
        self.item_shown: ArtifactItem | None = None
        self.status_kind = ""
        """``success``, ``failed``, ``running``, ``stale`` or ``cancelled``."""
        self.polls = 0
        self._poll_scheduled = False
        self._logs_done = False
        self.varying: set[str] = set()
        """Parameters with more than one value in the experiment (named first)."""
        try:
            exp = state.index.find(run_id)
            table = exp.table
            self.row = table.rows[table.index_of(run_id)]
            self.run_id = self.row.run_id
            self.status = self.row.status
            self.varying = varying_params(table)
        except KeyError:
            self.row = None

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="detail-headline")
        yield Static(id="detail-status")
        initial = "logs" if self.log_target is not None else "overview"
        with TabbedContent(id="detail-tabs", initial=initial):
            with TabPane("Overview", id="overview"), VerticalScroll(id="overview-scroll"):
                with Vertical(id="error-card", classes="card"):
                    yield Static(id="error-message")
                    with ScrollableContainer(id="error-traceback-scroll"):
                        yield Static(id="error-traceback")
                with Horizontal(id="overview-columns"):
                    with Vertical(classes="overview-column"):
                        yield Static(id="overview-info", classes="card")
                        yield Static(id="overview-provenance", classes="card")
                    with Vertical(classes="overview-column"):
                        yield Static(id="overview-params", classes="card")
                        yield Static(id="overview-notes", classes="card")
            with TabPane("Metrics", id="metrics"):
                yield Static(id="metrics-caption")
                yield DataTable(id="metrics-table", cursor_type="row", zebra_stripes=True)
                yield DistributionView(drill_down=False, id="metric-distribution")
            with TabPane("Curves", id="curves"), Horizontal():
                yield OptionList(id="curve-list")
                with Vertical():
                    yield Static(id="curve-caption")
                    yield CurvePlot(id="curve-plot")
            with TabPane("Artifacts", id="artifacts"), Horizontal():
                yield DataTable(id="artifact-list", cursor_type="row", zebra_stripes=True)
                yield ArtifactView(id="artifact-view")
            with TabPane("Logs", id="logs"):
                with Horizontal(id="log-bar"):
                    yield Input(placeholder="filter lines (case-insensitive)", id="log-filter")
                    yield Static(id="log-status")
                yield TabbedContent(id="log-tabs")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"run {self.run_id[:12]}"
        self.sub_title = self.row.experiment_id if self.row else ""
        self.query_one("#error-card").display = False
        for card, title in (
            ("#overview-info", "Run"),
            ("#error-card", "Error"),
            ("#overview-params", "Parameters"),
            ("#overview-notes", "Notes"),
            ("#overview-provenance", "Provenance"),
        ):
            self.query_one(card).border_title = title
        self.query_one("#overview-notes").display = False
        table = self.query_one("#metrics-table", DataTable)
        for label, key in METRIC_COLUMNS:
            table.add_column(label, key=key)
        artifacts = self.query_one("#artifact-list", DataTable)
        for label, key in ARTIFACT_COLUMNS:
            artifacts.add_column(label, key=key)
        if self.row is None:
            self.query_one("#detail-headline", Static).update(f"no run {self.run_id!r}")
            return
        self._show_row(self.row)
        self._update_status()
        self._load()

    # -- loading ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="detail-load", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(self.Loaded(read_snapshot(self.state.index, self.run_id)))

    @on(Loaded)
    async def _on_loaded(self, message: Loaded) -> None:
        snap = message.snapshot
        self.snapshot = snap
        self.run = snap.run
        self.row = snap.row
        self.status = str(snap.run.record.status)
        self.record_mtime = snap.record_mtime
        self.places = snap.places
        self.items = snap.items
        self.sub_title = snap.experiment
        self._show_row(snap.row)
        self._show_record(snap.run.record)
        self._update_status()
        self._fill_metrics()
        self._fill_curve_list(snap.stepped)
        self._fill_artifacts()
        self._poll()

    def _poll(self) -> None:
        """Read the logs (and, while live, the record and the curve) on a worker."""
        self._poll_scheduled = False
        if self.run is None or not self.is_attached:
            return
        offsets = {log.log_name: log.byte_offset for log in self.query(RunLog)}
        live = self.status not in FINAL
        self._poll_worker(self.run, offsets, live, self.curve_name if live else None)

    @work(thread=True, exclusive=True, group="detail-poll", exit_on_error=False)
    def _poll_worker(
        self, run: Run, offsets: dict[str, int], live: bool, curve: str | None
    ) -> None:
        self.post_message(self.Polled(read_poll(run, offsets, live, curve, self.record_mtime)))

    @on(Polled)
    async def _on_polled(self, message: Polled) -> None:
        poll = message.poll
        self.polls += 1
        await self._apply_logs(poll.logs)
        if poll.curve is not None and poll.curve[0] == self.curve_name:
            self._show_curve(poll.curve[0], poll.curve[1], poll.curve[2])
        was = self.status
        if poll.record is not None:
            self.status = str(poll.record.status)
        self.record_mtime = poll.record_mtime
        self._update_status()
        if was not in FINAL and self.status in FINAL:
            self._load()  # sealed curves, final metrics, artifacts; then one last log read
        elif self.status not in FINAL and not self._poll_scheduled:
            self._poll_scheduled = True
            self.set_timer(poll_interval(), self._poll)
        self._update_log_status()

    async def _apply_logs(self, chunks: list[LogChunk]) -> None:
        tabs = self.query_one("#log-tabs", TabbedContent)
        logs = {log.log_name: log for log in self.query(RunLog)}
        for chunk in chunks:
            log = logs.get(chunk.name)
            if log is None:
                log = RunLog(chunk.name, id=f"log-view-{len(logs)}")
                log.needle = self.query_one("#log-filter", Input).value.strip().lower()
                logs[chunk.name] = log
                await tabs.add_pane(TabPane(chunk.name, log, id=f"log-pane-{len(logs) - 1}"))
            log.skipped = log.skipped or chunk.skipped
            log.byte_offset = chunk.offset
            log.add_text(chunk.text)
        if logs and tabs.active == "":
            first = next(iter(logs.values()))
            parent = first.parent
            if parent is not None and parent.id:
                tabs.active = parent.id
        self._logs_done = True
        if self.log_target is not None:
            self._open_log_target(self.log_target, logs)
        self._update_log_status()

    def _open_log_target(self, target: LogLine, logs: dict[str, RunLog]) -> None:
        """Show the line a search hit pointed at: its log's tab, no filter, the line marked
        in the middle of the view. Waits (the target stays pending) while a live run's
        log may still bring it; gives up with a notice once the run is final."""
        log = logs.get(target.log)
        index = None
        if log is not None:
            self._clear_log_filter()  # first: the line is found among the unfiltered lines
            index = log.locate(target.line_no, target.match)
        if log is None or index is None:
            if self.status in FINAL:
                self.log_target = None
                self.notify(
                    f"line {target.line_no} of log {target.log!r} is no longer there",
                    severity="warning",
                )
            return
        self.log_target = None
        pane = log.parent
        if pane is not None and pane.id:
            self.query_one("#log-tabs", TabbedContent).active = pane.id
        log.show_line(index, target.match)
        self.set_focus(log)

    def _clear_log_filter(self) -> None:
        """Empty the filter and show every line now, not when the input's Changed event
        arrives: the hit's line may not match the filter, and the line is looked up and
        scrolled to before that event (which then finds nothing left to change)."""
        self.query_one("#log-filter", Input).value = ""
        for log in self.query(RunLog):
            log.set_filter("")

    # -- overview ----------------------------------------------------------------------------

    def _show_row(self, row: RunRow) -> None:
        """Headline: the first parameters, the replicate and the seed fingerprint."""
        params = row_params(row)
        self.query_one("#detail-headline", Static).update(headline(row, params, self.varying))
        self.query_one("#overview-params", Static).update(params_grid(params))

    def _update_status(self) -> None:
        record = self.run.record if self.run is not None else None
        row = self.row
        if row is None:
            return
        text, kind = run_status(row, record, self.status, self.record_mtime, self.state.clock())
        self.status_kind = kind
        status = self.query_one("#detail-status", Static)
        status.update(f"{STATUS_ICONS.get(kind, '▶')} {text}")
        for name in STATUS_KINDS:
            status.set_class(kind == name, f"-{name}")
        self.query_one("#overview-info", Static).update(info_grid(record, row, text))

    def _show_record(self, record: RunRecord) -> None:
        error = record.error if isinstance(record.error, dict) else None
        card = self.query_one("#error-card")
        card.display = bool(error)
        if error:
            message, trace = error_texts(error)
            self.query_one("#error-message", Static).update(message)
            self.query_one("#error-traceback", Static).update(trace)
        title, notes = notes_card(record)
        box = self.query_one("#overview-notes", Static)
        box.display = bool(notes)
        box.border_title = title
        box.update(Group(*notes))
        self.query_one("#overview-provenance", Static).update(provenance_grid(record))

    # -- metrics -----------------------------------------------------------------------------

    def _fill_metrics(self) -> None:
        """Fill the table, put its cursor on the metric to show (the one shown before, or
        the first numeric one) and show that metric's distribution."""
        table = self.query_one("#metrics-table", DataTable)
        fill_metrics_table(table, self.places, self.app.theme_variables.get("success", "green"))
        experiment = self.snapshot.experiment if self.snapshot else ""
        self.query_one("#metrics-caption", Static).update(metrics_caption(experiment))
        column = default_metric(self.places, self.metric_shown)
        if column is not None:
            table.move_cursor(row=table.get_row_index(column), animate=False)
        self._show_metric_distribution(column)

    def _experiment_table(self) -> Table | None:
        """The runs table of this run's experiment, as the tree index holds it now (the
        one the ranks were computed from; None if the run is no longer indexed)."""
        try:
            return self.state.index.find(self.run_id).table
        except KeyError:
            return None

    def _show_metric_distribution(self, column: str | None) -> None:
        """Show metric ``column``'s distribution over the experiment with this run marked,
        or a note when it is not a number."""
        self.metric_shown = column
        view = self.query_one("#metric-distribution", DistributionView)
        place = find_place(self.places, column)
        if place is None or place.rank is None:
            view.show(None, None, note=distribution_note(place))
            return
        table = self._experiment_table()
        if table is None or place.column not in table.columns:
            view.show(None, None, note=f"{place.name}: the experiment's runs are not indexed")
            return
        view.show(table, place.column, this_run=self.run_id)

    @on(DataTable.RowHighlighted, "#metrics-table")
    def _on_metric_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The cursor moved to another metric: show its distribution (a highlight left
        over from refilling the table, no longer under the cursor, is ignored)."""
        key = event.row_key.value
        if event.cursor_row != event.data_table.cursor_row or key == self.metric_shown:
            return
        self._show_metric_distribution(key)

    # -- curves ------------------------------------------------------------------------------

    def _fill_curve_list(self, names: list[str]) -> None:
        self.stepped = names
        options = self.query_one("#curve-list", OptionList)
        keep = self.curve_name if self.curve_name in names else (names[0] if names else None)
        options.clear_options()
        options.add_options([Option(n, id=f"curve-{i}") for i, n in enumerate(names)])
        if keep is None:
            self.query_one("#curve-caption", Static).update("this run has no stepped metrics")
            return
        options.highlighted = names.index(keep)
        self._select_curve(keep)

    def _select_curve(self, name: str) -> None:
        self.curve_name = name
        if self.run is not None:
            self._load_curve(self.run, name)

    @work(thread=True, exclusive=True, group="detail-curve", exit_on_error=False)
    def _load_curve(self, run: Run, name: str) -> None:
        steps, values = run.stepped(name)
        self.post_message(self.CurveLoaded(name, steps, values))

    @on(CurveLoaded)
    def _on_curve_loaded(self, message: CurveLoaded) -> None:
        if message.name == self.curve_name:
            self._show_curve(message.name, message.steps, message.values)

    def _show_curve(self, name: str, steps: np.ndarray, values: np.ndarray) -> None:
        self.curve = (steps, values)
        plot = self.query_one("#curve-plot", CurvePlot)
        series = curve_series(name, steps, values, self.smoothing)
        self.curve_series = series
        plot.title = name
        plot.set_series(series, highlight="smooth" if len(series) > 1 else None)
        caption = curve_caption(name, steps, values, self.smoothing, plot.log_y)
        self.query_one("#curve-caption", Static).update(caption)

    @on(OptionList.OptionHighlighted, "#curve-list")
    def _on_curve_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        index = event.option_index
        if 0 <= index < len(self.stepped) and self.stepped[index] != self.curve_name:
            self._select_curve(self.stepped[index])

    # -- artifacts ---------------------------------------------------------------------------

    def _fill_artifacts(self) -> None:
        table = self.query_one("#artifact-list", DataTable)
        fill_artifact_list(table, self.items, self.item_shown)

    @on(DataTable.RowHighlighted, "#artifact-list")
    def _on_item_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value or ""
        if not key.startswith("item-"):
            return
        item = self.items[int(key[5:])]
        if item == self.item_shown:
            return
        self.item_shown = item
        self._open_item(item)

    def _open_item(self, item: ArtifactItem) -> None:
        view = self.query_one("#artifact-view", ArtifactView)
        reason = not_loaded_reason(item)
        if reason is not None:
            self.call_later(view.show_info, item, reason)
            return
        self.call_later(view.show_message, f"loading {item.name} …", "loading")
        if self.run is not None:
            self._load_item(self.run, item)

    @work(thread=True, exclusive=True, group="detail-item", exit_on_error=False)
    def _load_item(self, run: Run, item: ArtifactItem) -> None:
        try:
            descriptors = self.snapshot.descriptors if self.snapshot else None
            value = read_item(run, item, descriptors)
        except Exception as error:  # a broken file is shown, not raised
            self.post_message(self.ItemLoaded(item, error=f"{type(error).__name__}: {error}"))
            return
        self.post_message(self.ItemLoaded(item, value))

    @on(ItemLoaded)
    async def _on_item_loaded(self, message: ItemLoaded) -> None:
        if message.item != self.item_shown:
            return
        view = self.query_one("#artifact-view", ArtifactView)
        if message.error is not None:
            await view.show_info(message.item, f"could not be loaded: {message.error}")
            view.mode = "error"
        else:
            await view.show_value(message.item.name, message.value, message.item)
        self.refresh_bindings()

    # -- logs --------------------------------------------------------------------------------

    def _update_log_status(self) -> None:
        logs = list(self.query(RunLog))
        status = self.query_one("#log-status", Static)
        if not logs:
            status.update("no logs" if self._logs_done else "reading logs …")
            return
        status.update(log_status(self._active_log(), self.status not in FINAL))

    def _active_log(self) -> RunLog | None:
        tabs = self.query_one("#log-tabs", TabbedContent)
        pane = tabs.active_pane
        if pane is None:
            return None
        found = list(pane.query(RunLog))
        return found[0] if found else None

    @on(Input.Changed, "#log-filter")
    def _on_filter(self, event: Input.Changed) -> None:
        # the input's value now, not the event's: opening at a log line empties the
        # filter, and a Changed event still queued from before must not bring it back
        value = self.query_one("#log-filter", Input).value
        for log in self.query(RunLog):
            log.set_filter(value)
        self._update_log_status()

    @on(TabbedContent.TabActivated, "#log-tabs")
    def _on_log_tab(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        self._update_log_status()

    @on(TabbedContent.TabActivated, "#detail-tabs")
    def _on_tab(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()

    @on(Worker.StateChanged)
    def _on_worker_state(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(f"could not read the run: {error}", severity="error", timeout=6)

    # -- actions -------------------------------------------------------------------------

    @property
    def active_tab(self) -> str:
        return self.query_one("#detail-tabs", TabbedContent).active

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = self.active_tab if self.is_mounted else ""
        if action in ("next_metric", "smoothing"):
            return tab == "curves"
        if action == "follow":
            return tab == "logs"
        view = self.query_one("#artifact-view", ArtifactView) if self.is_mounted else None
        if action == "log_y":
            return tab == "curves" or (tab == "artifacts" and view is not None and view.shows_curve)
        if action == "toggle_matrix":
            return tab == "artifacts" and view is not None and view.shows_matrix
        return True

    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, Input) and focused.id == "log-filter":
            if focused.value:
                focused.value = ""
            else:
                self.set_focus(self._active_log())
            return
        self.app.pop_screen()

    def action_tab(self, tab: str) -> None:
        if tab in _TABS:
            self.query_one("#detail-tabs", TabbedContent).active = tab
            focus = {
                "metrics": "#metrics-table",
                "curves": "#curve-list",
                "artifacts": "#artifact-list",
            }.get(tab)
            if focus:
                self.set_focus(self.query_one(focus))
            elif tab == "logs":
                self.set_focus(self._active_log())

    def action_copy_run_id(self) -> None:
        self.app.copy_to_clipboard(self.run_id)
        self.notify(f"copied {self.run_id}", timeout=2)

    def action_copy_provenance(self) -> None:
        """Everything that identifies the run, one ``key: value`` line each."""
        if self.run is None:
            return
        record = self.run.record
        text = "\n".join(
            f"{key}: {value}"
            for key, value in (
                ("run_id", record.run_id),
                ("experiment_id", record.experiment_id),
                ("params_fingerprint", record.params_fingerprint),
                ("seed_fingerprint", record.seed_fingerprint),
                ("context_fingerprint", record.context_fingerprint),
                ("code_hash", record.provenance.code_hash),
            )
        )
        self.app.copy_to_clipboard(text)
        self.notify("copied the run's fingerprints", timeout=2)

    def action_next_metric(self) -> None:
        if not self.stepped:
            return
        at = self.stepped.index(self.curve_name) if self.curve_name in self.stepped else -1
        nxt = (at + 1) % len(self.stepped)
        self.query_one("#curve-list", OptionList).highlighted = nxt

    def action_smoothing(self) -> None:
        self.smoothing = next_smoothing(self.smoothing)
        if self.curve is not None and self.curve_name is not None:
            self._show_curve(self.curve_name, *self.curve)

    def action_log_y(self) -> None:
        if self.active_tab == "artifacts":
            self.query_one("#artifact-view", ArtifactView).toggle_log_y()
            return
        plot = self.query_one("#curve-plot", CurvePlot)
        plot.log_y = not plot.log_y
        if self.curve is not None and self.curve_name is not None:
            self._show_curve(self.curve_name, *self.curve)

    async def action_toggle_matrix(self) -> None:
        await self.query_one("#artifact-view", ArtifactView).toggle_matrix()

    def action_follow(self) -> None:
        """Toggle following the log shown (turning it on jumps to the newest line)."""
        log = self._active_log()
        if log is None:
            return
        log.set_follow(not log.follow)
        self._update_log_status()

    def action_filter_logs(self) -> None:
        self.query_one("#detail-tabs", TabbedContent).active = "logs"
        self.set_focus(self.query_one("#log-filter", Input))

    def action_help(self) -> None:
        rows = [(b.key, b.description) for b in self.BINDINGS if isinstance(b, Binding)]
        self.app.push_screen(HelpScreen(f"Run {self.run_id[:12]}", rows))
