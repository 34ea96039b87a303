"""The Logs tab itself: a tab per log, the filter over them, following, paging back, and
opening at a line.

Why a module of its own (apart from :mod:`.logs`, which reads the logs and draws one):
this is the tab's wiring. Each read (:class:`~.logs.LogChunk`) goes to its log's
:class:`~.logs.RunLog`, a log seen for the first time getting a tab of its own; the
filter applies to every log; the line beside it says how many lines are shown, how
much of the file is before or after them, and whether the log is followed. Earlier
lines are asked for a page at a time (``[``, or page up at the top of a log), the end
again with ``f``. A search hit's line (:class:`~.logs.LogLine`) is shown once its log
has been read that far; one before the window first read is asked for at its byte
offset; it is given up on once the run is final. The tab reads no files: it posts
:class:`LogsTab.ReadRequest` and the screen reads on a worker and hands the chunk
back (:meth:`LogsTab.add_chunks`). The screen says whether the run is still live
(:attr:`LogsTab.live`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static, TabbedContent, TabPane

from tui.browser.run_detail.logs import LOG_MAX_LINES, LogChunk, LogLine, RunLog, log_status

__all__ = ["LogsTab"]


class LogsTab(TabPane):
    """The run's logs, a tab each, under a filter and the line saying what is shown."""

    @dataclass
    class ReadRequest(Message):
        """Read part of log ``log``: the page before byte ``at`` (``page``), a window
        from the line at byte ``at`` to byte ``end`` (``from``), or its end (``tail``)."""

        log: str
        kind: Literal["page", "from", "tail"]
        at: int = 0
        end: int | None = None
        max_lines: int = LOG_MAX_LINES

    DEFAULT_CSS = """
    LogsTab #log-bar { height: 3; }
    LogsTab #log-filter { width: 1fr; }
    LogsTab #log-status { width: auto; padding: 1 1 0 1; color: $text-muted; }
    LogsTab #log-tabs { height: 1fr; }
    """

    def __init__(self, at_log: LogLine | None = None) -> None:
        """``at_log``: the line to show once it is read (a search hit)."""
        super().__init__("Logs", id="logs")
        self.log_target = at_log
        """The log line still to be shown (None once shown, or when not asked for)."""
        self.live = True
        """Whether the run may still write to its logs (set by the screen)."""
        self._logs_done = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="log-bar"):
            yield Input(placeholder="filter lines (case-insensitive)", id="log-filter")
            yield Static(id="log-status")
        yield TabbedContent(id="log-tabs")

    def offsets(self) -> dict[str, int]:
        """How far into each log file the tab has read, by log name."""
        return {log.log_name: log.byte_offset for log in self.query(RunLog)}

    def active_log(self) -> RunLog | None:
        """The log on display (None before any log is read)."""
        tabs = self.query_one("#log-tabs", TabbedContent)
        pane = tabs.active_pane
        if pane is None:
            return None
        found = list(pane.query(RunLog))
        return found[0] if found else None

    def update_status(self) -> None:
        logs = list(self.query(RunLog))
        status = self.query_one("#log-status", Static)
        if not logs:
            status.update("no logs" if self._logs_done else "reading logs …")
            return
        status.update(log_status(self.active_log(), self.live))

    async def add_chunks(self, chunks: list[LogChunk]) -> None:
        """Take in what a read brought, each log to its own tab (a new log gets a new tab)."""
        tabs = self.query_one("#log-tabs", TabbedContent)
        logs = {log.log_name: log for log in self.query(RunLog)}
        marks: list[tuple[RunLog, int]] = []
        for chunk in chunks:
            log = logs.get(chunk.name)
            if log is None:
                log = RunLog(chunk.name, id=f"log-view-{len(logs)}")
                log.needle = self.query_one("#log-filter", Input).value.strip().lower()
                logs[chunk.name] = log
                await tabs.add_pane(TabPane(chunk.name, log, id=f"log-pane-{len(logs) - 1}"))
            log.apply(chunk)
            if chunk.mark is not None:
                marks.append((log, chunk.mark))
        if logs and tabs.active == "":
            first = next(iter(logs.values()))
            parent = first.parent
            if parent is not None and parent.id:
                tabs.active = parent.id
        self._logs_done = True
        for log, mark in marks:
            self._show_mark(log, log.shown_index(mark))
        if self.log_target is not None:
            self._open_log_target(self.log_target, logs)
        self.update_status()

    def _show_mark(self, log: RunLog, index: int) -> None:
        """Show the search hit's line ``index`` of ``log``: its tab, the line marked."""
        target = self.log_target
        self.log_target = None
        pane = log.parent
        if pane is not None and pane.id:
            self.query_one("#log-tabs", TabbedContent).active = pane.id
        log.show_line(index, target.match if target is not None else "")
        self.screen.set_focus(log)

    def _open_log_target(self, target: LogLine, logs: dict[str, RunLog]) -> None:
        """Show the line a search hit pointed at: its log's tab, no filter, the line marked
        in the middle of the view. A line before the lines read is asked for at its byte
        offset; otherwise waits (the target stays pending) while a live run's log may
        still bring it, and gives up with a notice once the run is final."""
        log = logs.get(target.log)
        if log is not None and log.refused:
            self.log_target = None
            self.notify(f"log {target.log!r} is not shown: it {log.refused}", severity="warning")
            return
        index = None
        if log is not None:
            self._clear_filter()  # first: the line is found among the unfiltered lines
            if target.offset is not None and (log.start is None or target.offset < log.start):
                if not log.paging:
                    log.paging = True
                    end = log.byte_offset if log.byte_offset > target.offset else None
                    self.post_message(self.ReadRequest(log.log_name, "from", target.offset, end))
                return  # the target is shown when the window from it comes
            index = log.locate(target.line_no, target.match)
        if log is None or index is None:
            if not self.live:
                self.log_target = None
                where = f"line {target.line_no}" if target.line_no else "the line"
                self.notify(f"{where} of log {target.log!r} is no longer there", severity="warning")
            return
        self._show_mark(log, index)

    def page_back(self) -> bool:
        """Ask for the page of lines before the log shown; False when there is none
        (the top of the file is shown, or the log already holds all it keeps)."""
        log = self.active_log()
        if log is None or not log.can_page_back:
            return False
        if not log.room:
            self.notify(
                f"this log keeps at most {LOG_MAX_LINES:,} lines: earlier ones are not read",
                severity="warning",
            )
            return False
        if not log.paging and log.start is not None:
            log.paging = True
            self.post_message(self.ReadRequest(log.log_name, "page", log.start, None, log.room))
        return True

    def read_failed(self, name: str, error: str) -> None:
        """A read the tab asked for failed: say so, and let it be asked again."""
        for log in self.query(RunLog):
            if log.log_name == name:
                log.paging = False
        if self.log_target is not None and self.log_target.log == name:
            self.log_target = None
        self.notify(f"could not read log {name!r}: {error}", severity="warning")

    @on(RunLog.PageBack)
    def _on_page_back(self, event: RunLog.PageBack) -> None:
        event.stop()
        self.page_back()

    def _clear_filter(self) -> None:
        """Empty the filter and show every line now, not when the input's Changed event
        arrives: the hit's line may not match the filter, and the line is looked up and
        scrolled to before that event (which then finds nothing left to change)."""
        self.query_one("#log-filter", Input).value = ""
        for log in self.query(RunLog):
            log.set_filter("")

    @on(Input.Changed, "#log-filter")
    def _on_filter(self, event: Input.Changed) -> None:
        # the input's value now, not the event's: opening at a log line empties the
        # filter, and a Changed event still queued from before must not bring it back
        value = self.query_one("#log-filter", Input).value
        for log in self.query(RunLog):
            log.set_filter(value)
        self.update_status()

    @on(TabbedContent.TabActivated, "#log-tabs")
    def _on_log_tab(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        self.update_status()

    def toggle_follow(self) -> None:
        """Toggle following the log shown (turning it on jumps to the newest line, and
        reads the end of the file again when the lines shown stop before it)."""
        log = self.active_log()
        if log is None:
            return
        log.set_follow(not log.follow)
        if log.follow and log.file_size > log.byte_offset and not log.refused:
            self.post_message(self.ReadRequest(log.log_name, "tail"))
        self.update_status()

    def leave_filter(self, focused: Widget | None) -> bool:
        """Escape in the filter: empty it, or when empty go back to the log. False when
        ``focused`` is not the filter (Escape then leaves the screen)."""
        if not (isinstance(focused, Input) and focused.id == "log-filter"):
            return False
        if focused.value:
            focused.value = ""
        else:
            self.screen.set_focus(self.active_log())
        return True
