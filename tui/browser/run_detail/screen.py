"""The run detail screen's frame: the header, the five tabs, the keys and the reads.

Why the screen keeps what it keeps: the tabs share the run, its status and the reads
that feed them. So the screen holds the run and its status, reads it in full when
opened and when it ends (:mod:`.snapshot`) and polls it while live (:mod:`.polling`),
and hands each tab its part: :class:`~.overview.OverviewTab`,
:class:`~.metrics.MetricsTab`, :class:`~.curves.CurvesTab`,
:class:`~.artifacts.ArtifactsTab` and :class:`~.logs_tab.LogsTab` lay out, fill and
handle their own widgets. The keys are the screen's (one help screen, one footer), and
each action calls the tab it is about.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static, TabbedContent
from textual.worker import Worker

from metalab.index import RunRow
from metalab.results import Run
from tui.browser.help import run_detail_help
from tui.browser.run_detail.artifacts import ArtifactsTab
from tui.browser.run_detail.curves import CurvesTab
from tui.browser.run_detail.log_reads import (
    LogChunk,
    read_log_from,
    read_log_page,
    read_log_tail,
)
from tui.browser.run_detail.logs import LogLine, RunLog
from tui.browser.run_detail.logs_tab import LogsTab
from tui.browser.run_detail.metrics import MetricsTab
from tui.browser.run_detail.overview import (
    STATUS_ICONS,
    STATUS_KINDS,
    OverviewTab,
    headline,
    provenance_text,
    row_params,
    run_status,
    varying_params,
)
from tui.browser.run_detail.polling import FINAL, Poll, poll_interval, read_poll
from tui.browser.run_detail.snapshot import Snapshot, read_snapshot
from tui.browser.run_detail.tab import TabAttribute, report_failed_read
from tui.browser.state import BrowseState

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
    RunDetailScreen #detail-status.-other { color: $warning; text-style: italic; }
    RunDetailScreen #detail-tabs { height: 1fr; }
    RunDetailScreen.-short MetricsTab #metrics-caption { display: none; }
    RunDetailScreen.-short MetricsTab #metric-distribution { min-height: 6; }
    RunDetailScreen.-narrow CurvesTab #curve-list { width: 20; }
    RunDetailScreen.-narrow CurvesTab #curve-caption { height: auto; }
    RunDetailScreen.-narrow ArtifactsTab #artifact-list { width: 32; }
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
            "o",
            "open_artifact",
            "Open in viewer",
            id="run-open-artifact",
            tooltip="Open the artifact shown with the system's viewer (or show its path)",
        ),
        Binding(
            "slash", "filter_logs", "Filter", id="run-filter-logs", tooltip="Filter the log lines"
        ),
        Binding(
            "left_square_bracket",
            "earlier_lines",
            "Earlier lines",
            show=False,
            id="run-log-earlier",
            tooltip="Read the page of log lines before those shown (also page up at the top)",
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

    @dataclass
    class Loaded(Message):
        snapshot: Snapshot

    @dataclass
    class Polled(Message):
        poll: Poll

    @dataclass
    class LogRead(Message):
        """A page of a log, or a window of it, read as the Logs tab asked."""

        log: str
        chunk: LogChunk | None
        error: str = ""

    def __init__(self, state: BrowseState, run_id: str, at_log: LogLine | None = None) -> None:
        """``at_log``: open on the Logs tab at that line (a search hit), once it is read."""
        super().__init__()
        self.state = state
        self.run_id = run_id
        self.run: Run | None = None
        self.row: RunRow | None = None
        self.snapshot: Snapshot | None = None
        self.status = ""
        """The status as last read from the record."""
        self.record_mtime: float | None = None
        self.status_kind = ""
        """``success``, ``failed``, ``running``, ``stale`` or ``cancelled``."""
        self.polls = 0
        self._poll_scheduled = False
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
        self.overview_tab = OverviewTab()
        self.metrics_tab = MetricsTab(state, self.run_id)
        self.curves_tab = CurvesTab()
        self.artifacts_tab = ArtifactsTab()
        self.logs_tab = LogsTab(at_log)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="detail-headline")
        yield Static(id="detail-status")
        initial = "logs" if self.logs_tab.log_target is not None else "overview"
        with TabbedContent(id="detail-tabs", initial=initial):
            yield self.overview_tab
            yield self.metrics_tab
            yield self.curves_tab
            yield self.artifacts_tab
            yield self.logs_tab
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"run {self.run_id[:12]}"
        self.sub_title = self.row.experiment_id if self.row else ""
        if self.row is None:
            self.query_one("#detail-headline", Static).update(f"no run {self.run_id!r}")
            return
        self._show_row(self.row)
        self._update_status()
        self._load()

    # -- reading the run -------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="detail-load", exit_on_error=False)
    def _load(self) -> None:
        snapshot = read_snapshot(self.state.index, self.run_id, self.state.directions)
        self.post_message(self.Loaded(snapshot))

    @on(Loaded)
    async def _on_loaded(self, message: Loaded) -> None:
        snap = message.snapshot
        self.snapshot = snap
        self.run = snap.run
        self.row = snap.row
        self.status = snap.status
        self.record_mtime = snap.record_mtime
        self.sub_title = snap.experiment
        self._show_row(snap.row)
        self.overview_tab.show_record(snap.run.record)
        self._update_status()
        self.metrics_tab.fill(snap.places, snap.experiment)
        self.curves_tab.fill(snap.run, snap.stepped)
        self.artifacts_tab.fill(snap.run, snap.items, snap.descriptors)
        self._poll()

    def _poll(self) -> None:
        """Read the logs (and, while live, the record and the curve) on a worker."""
        self._poll_scheduled = False
        if self.run is None or not self.is_attached:
            return
        live = self.status not in FINAL
        curve = self.curves_tab.curve_name if live else None
        self._poll_worker(self.run, self.logs_tab.offsets(), live, curve)

    @work(thread=True, exclusive=True, group="detail-poll", exit_on_error=False)
    def _poll_worker(
        self, run: Run, offsets: dict[str, int], live: bool, curve: str | None
    ) -> None:
        self.post_message(self.Polled(read_poll(run, offsets, live, curve, self.record_mtime)))

    @on(Polled)
    async def _on_polled(self, message: Polled) -> None:
        poll = message.poll
        self.polls += 1
        await self.logs_tab.add_chunks(poll.logs)
        if poll.curve is not None and poll.curve[0] == self.curves_tab.curve_name:
            self.curves_tab.show_curve(*poll.curve)
        was = self.status
        if poll.record is not None:
            self.status = poll.status or str(poll.record.status)
        self.record_mtime = poll.record_mtime
        self._update_status()
        if was not in FINAL and self.status in FINAL:
            self._load()  # sealed curves, final metrics, artifacts; then one last log read
        elif self.status not in FINAL and not self._poll_scheduled:
            self._poll_scheduled = True
            self.set_timer(poll_interval(), self._poll)
        self.logs_tab.update_status()

    @on(LogsTab.ReadRequest)
    def _on_log_read_request(self, event: LogsTab.ReadRequest) -> None:
        event.stop()
        if self.run is not None:
            self._log_read_worker(self.run, event, self.status in FINAL)

    @work(thread=True, group="detail-log-read", exit_on_error=False)
    def _log_read_worker(self, run: Run, request: LogsTab.ReadRequest, final: bool) -> None:
        """Read what the Logs tab asked for (a page back, a window at a hit, the end)."""
        try:
            path = run.store.log_path(run.run_id, request.log)
            if request.kind == "page":
                chunk = read_log_page(path, request.log, request.at, request.max_lines)
            elif request.kind == "from":
                chunk = read_log_from(path, request.log, request.at, request.end)
            else:
                chunk = read_log_tail(path, request.log, final)
        except OSError as exc:  # gone, unreadable, or leading out of the tree
            self.post_message(self.LogRead(request.log, None, str(exc)))
            return
        self.post_message(self.LogRead(request.log, chunk))

    @on(LogRead)
    async def _on_log_read(self, message: LogRead) -> None:
        if message.chunk is None:
            self.logs_tab.read_failed(message.log, message.error)
            return
        await self.logs_tab.add_chunks([message.chunk])

    @on(Worker.StateChanged)
    def _on_worker_state(self, event: Worker.StateChanged) -> None:
        report_failed_read(self, event)

    # -- the header ----------------------------------------------------------------------

    def _show_row(self, row: RunRow) -> None:
        """Headline: the first parameters, the replicate and the seed fingerprint."""
        params = row_params(row)
        self.query_one("#detail-headline", Static).update(headline(row, params, self.varying))
        self.overview_tab.show_params(params)

    def _update_status(self) -> None:
        """The status line and the Run card, from the status as last read; and whether the
        Logs tab is still following a live run."""
        self.logs_tab.live = self.status not in FINAL
        record = self.run.record if self.run is not None else None
        row = self.row
        if row is None:
            return
        now = self.state.clock()
        text, kind = run_status(row, record, self.status, self.record_mtime, now)
        self.status_kind = kind
        status = self.query_one("#detail-status", Static)
        status.update(f"{STATUS_ICONS.get(kind, '▶')} {text}")
        for name in STATUS_KINDS:
            status.set_class(kind == name, f"-{name}")
        self.overview_tab.show_info(record, row, text, self.status or row.status, now)

    # -- what the tabs hold, read on the screen as well (as the tests do) -------------------

    places = TabAttribute("metrics_tab")
    metric_shown = TabAttribute("metrics_tab")
    stepped = TabAttribute("curves_tab")
    curve_name = TabAttribute("curves_tab")
    curve = TabAttribute("curves_tab")
    curve_series = TabAttribute("curves_tab")
    smoothing = TabAttribute("curves_tab")
    items = TabAttribute("artifacts_tab")
    item_shown = TabAttribute("artifacts_tab")
    log_target = TabAttribute("logs_tab")

    def _active_log(self) -> RunLog | None:
        return self.logs_tab.active_log()

    # -- actions -------------------------------------------------------------------------

    @property
    def active_tab(self) -> str:
        return self.query_one("#detail-tabs", TabbedContent).active

    @on(TabbedContent.TabActivated, "#detail-tabs")
    def _on_tab(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = self.active_tab if self.is_mounted else ""
        if action in ("next_metric", "smoothing"):
            return tab == "curves"
        if action in ("follow", "earlier_lines"):
            return tab == "logs"
        view = self.artifacts_tab.view if self.is_mounted else None
        if action == "log_y":
            return tab == "curves" or (tab == "artifacts" and view is not None and view.shows_curve)
        if action == "toggle_matrix":
            return tab == "artifacts" and view is not None and view.shows_matrix
        if action == "open_artifact":
            return tab == "artifacts" and self.artifacts_tab.item_shown is not None
        return True

    def action_back(self) -> None:
        if not self.logs_tab.leave_filter(self.focused):
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
                self.set_focus(self.logs_tab.active_log())

    def action_copy_run_id(self) -> None:
        self.app.copy_to_clipboard(self.run_id)
        self.notify(f"copied {self.run_id}", timeout=2)

    def action_copy_provenance(self) -> None:
        if self.run is None:
            return
        self.app.copy_to_clipboard(provenance_text(self.run.record))
        self.notify("copied the run's fingerprints", timeout=2)

    def action_next_metric(self) -> None:
        self.curves_tab.next_curve()

    def action_smoothing(self) -> None:
        self.curves_tab.cycle_smoothing()

    def action_log_y(self) -> None:
        if self.active_tab == "artifacts":
            self.artifacts_tab.view.toggle_log_y()
        else:
            self.curves_tab.toggle_log_y()

    async def action_toggle_matrix(self) -> None:
        await self.artifacts_tab.view.toggle_matrix()

    def action_open_artifact(self) -> None:
        self.artifacts_tab.open_shown()

    def action_follow(self) -> None:
        self.logs_tab.toggle_follow()

    def action_earlier_lines(self) -> None:
        log = self.logs_tab.active_log()
        if log is not None and not log.can_page_back:
            self.notify("the top of the log is shown", timeout=2)
            return
        self.logs_tab.page_back()

    def action_filter_logs(self) -> None:
        self.query_one("#detail-tabs", TabbedContent).active = "logs"
        self.set_focus(self.query_one("#log-filter", Input))

    def action_help(self) -> None:
        self.app.push_screen(run_detail_help(self, self.run_id, self.active_tab))
