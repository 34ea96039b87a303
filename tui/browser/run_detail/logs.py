"""The Logs tab's log view: a window of one of the run's logs, filtered, followed, and
opened at a line.

Why a module of its own (apart from :mod:`.log_reads`, which decides what is read of
a log file, and :mod:`.logs_tab`, the tab's wiring): :class:`RunLog` keeps the window's
lines (at most :data:`~.log_reads.LOG_MAX_LINES`) and byte range, takes in each read
(:meth:`RunLog.apply`: lines after the window, a page before it, or a new window), and
shows only the lines holding the filter text, so the filter can change without
re-reading the file. Page up at its top asks for the page before.

A log can also be opened at one line (:class:`LogLine`, what a log hit of the search
dialog points at): :meth:`RunLog.locate` finds that line among those shown and
:meth:`RunLog.show_line` marks it, brings it to the middle of the view and stops
following the log, so a live run's new lines do not carry the view away from it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Log

from metalab.index.table import format_size
from tui.browser.run_detail.log_reads import (
    LOG_MAX_LINES,
    LOG_PAGE_BYTES,
    LOG_PAGE_LINES,
    LOG_POLL_BYTES,
    LOG_TAIL_LINES,
    LogChunk,
    clean_line,
    read_log,
    read_log_from,
    read_log_page,
    read_log_tail,
)

__all__ = [
    "LOG_MAX_LINES",
    "LOG_PAGE_BYTES",
    "LOG_PAGE_LINES",
    "LOG_POLL_BYTES",
    "LOG_TAIL_LINES",
    "LogChunk",
    "LogLine",
    "RunLog",
    "clean_line",
    "log_status",
    "read_log",
    "read_log_from",
    "read_log_page",
    "read_log_tail",
]


@dataclass(frozen=True)
class LogLine:
    """Where to open the Logs tab: one line of one of the run's logs.

    The search dialog's log hits say where they are this way, so that Enter on one
    shows the line itself rather than the top of the log.
    """

    log: str
    """The log's name (``run``, ``logging``, ...): the file is ``<run id>_<log>.log``."""
    line_no: int | None
    """1-based line number in the file (None when not known: the search read only the
    end of a large log)."""
    match: str = ""
    """Text on the line to highlight (case-insensitive); empty: the line only."""
    offset: int | None = None
    """Byte offset of the line in the file, when known: the log is opened there even
    when it lies before the window first read."""


class RunLog(Log):
    """One of the run's logs; shows only the lines containing the filter text.

    It follows the log (new lines scroll it to the end, while it is at the end) unless
    ``follow`` was turned off, as opening it at a line (:meth:`show_line`) does; that
    line stays marked until the filter changes or following is turned on again. Page up
    at its top asks for earlier lines (:class:`PageBack`).
    """

    class PageBack(Message):
        """Page up at the top of the lines shown: read the page before them."""

    COMPONENT_CLASSES = {"run-log--mark", "run-log--match"}

    DEFAULT_CSS = """
    RunLog { height: 1fr; background: $surface; }
    RunLog > .run-log--mark { background: $accent 35%; text-style: bold; }
    RunLog > .run-log--match { background: $warning; color: $background; text-style: bold; }
    """

    def __init__(self, log_name: str, **kwargs: Any) -> None:
        super().__init__(max_lines=LOG_MAX_LINES, highlight=False, **kwargs)
        self.log_name = log_name
        self.all_lines: list[str] = []
        """Every line of the window (up to :data:`LOG_MAX_LINES`)."""
        self.needle = ""
        self.byte_offset = 0
        """Byte offset in the log file where the window ends (read so far)."""
        self.start: int | None = 0
        """Byte offset of the window's first line; None once lines were dropped from
        its start (then it cannot be paged back)."""
        self.file_size = 0
        """The file's size when last read."""
        self.skipped = 0
        """Bytes at the start of the file that are not in the window."""
        self.dropped = 0
        """Lines dropped from the start of ``all_lines`` (past :data:`LOG_MAX_LINES`)."""
        self.refused = ""
        """Why the log is not shown at all (it leads out of the results tree)."""
        self.follow = True
        """Scroll to new lines as they come (when at the end already)."""
        self.mark: int | None = None
        """Index in ``lines`` (the shown lines) of the marked line, if any."""
        self.mark_match = ""
        """Text highlighted on the marked line (lowercase; empty: none)."""
        self.paging = False
        """A page of earlier lines has been asked for and not yet come."""
        self._center_pending = False

    @property
    def can_page_back(self) -> bool:
        """Whether earlier lines of the file can be read before the window."""
        return self.start is not None and self.start > 0 and not self.refused

    @property
    def room(self) -> int:
        """Lines that can still be added before :data:`LOG_MAX_LINES`."""
        return max(0, LOG_MAX_LINES - len(self.all_lines))

    def action_page_up(self) -> None:
        if self.scroll_y <= 0 and self.can_page_back:
            self.post_message(self.PageBack())
            return
        super().action_page_up()

    def matching(self, lines: Sequence[str]) -> list[str]:
        if not self.needle:
            return list(lines)
        return [line for line in lines if self.needle in line.lower()]

    def set_filter(self, text: str) -> None:
        """Show only lines containing ``text`` (case-insensitive); '' shows all."""
        needle = text.strip().lower()
        if needle == self.needle:
            return
        self.needle = needle
        self.clear_mark()  # the shown lines change, so the marked index means nothing
        self.clear()
        self.write_lines(self.matching(self.all_lines), scroll_end=True)

    def apply(self, chunk: LogChunk) -> None:
        """Take in what one read brought (see :class:`LogChunk`)."""
        self.file_size = chunk.size or self.file_size
        if chunk.refused:
            self.refused = chunk.refused
            self.replace_lines([f"(not shown: this log {chunk.refused})"], 0, 0)
            return
        if chunk.kind == "replace":
            self.refused = ""
            self.replace_lines(chunk.lines, chunk.start or 0, chunk.offset, chunk.mark is None)
        elif chunk.kind == "prepend":
            if chunk.offset == self.start:  # else the window moved since it was asked for
                self.prepend_lines(chunk.lines, chunk.start or 0)
            self.paging = False
        elif chunk.after is None or chunk.after == self.byte_offset:
            self.byte_offset = chunk.offset
            self.add_lines(chunk.lines)

    def add_text(self, text: str) -> None:
        """Append newly read text (whole lines, or the final part of the log)."""
        if text:
            self.add_lines(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"))

    def add_lines(self, lines: Sequence[str]) -> None:
        """Append lines read after the window."""
        if not lines:
            return
        self.all_lines.extend(lines)
        if len(self.all_lines) > LOG_MAX_LINES:
            excess = len(self.all_lines) - LOG_MAX_LINES
            del self.all_lines[:excess]
            self.dropped += excess
            self.start = None  # the window's first byte is no longer known
        at_end = self.scroll_y >= self.max_scroll_y
        shown = self.matching(lines)
        before = len(self.lines)
        self.write_lines(shown, scroll_end=self.follow and at_end)
        self._shift_mark(before + sum(1 for line in shown if line) - len(self.lines))

    def replace_lines(
        self, lines: Sequence[str], start: int, end: int, to_end: bool = True
    ) -> None:
        """A new window: ``lines`` from byte ``start`` to ``end``, scrolled to its end
        (or left at its top: the caller marks a line)."""
        self.all_lines = list(lines)
        self.start, self.byte_offset, self.skipped, self.dropped = start, end, start, 0
        self.paging = False
        self.clear_mark()
        self.clear()
        self.write_lines(self.matching(self.all_lines), scroll_end=to_end)

    def shown_index(self, index: int) -> int:
        """Where line ``index`` of the window is among the shown lines (no filter): blank
        lines are not shown (``Log`` drops them)."""
        return sum(1 for line in self.all_lines[:index] if line)

    def prepend_lines(self, lines: Sequence[str], start: int) -> None:
        """Put a page of earlier lines before the window (from byte ``start``); the view
        stays on the lines it showed, which now follow the new ones."""
        self.paging = False
        lines = list(lines)
        if len(lines) > self.room:  # never more than LOG_MAX_LINES in all
            lines, start = lines[len(lines) - self.room :], -1
        if not lines:
            return
        added = self.matching(lines)
        shown_added = sum(1 for line in added if line)
        y = self.scroll_y
        self.all_lines[:0] = lines
        self.start = start if start >= 0 else None
        self.skipped = max(0, start)
        self.clear()
        self.write_lines(self.matching(self.all_lines), scroll_end=False)
        if self.mark is not None:
            self.mark += shown_added
        self.scroll_to(y=y + shown_added, animate=False, immediate=True)

    def _shift_mark(self, removed: int) -> None:
        """Keep the mark on its line when the oldest shown lines were pruned."""
        if removed <= 0 or self.mark is None:
            return
        self.mark -= removed
        if self.mark < 0:
            self.mark = None

    @property
    def shown(self) -> list[str]:
        return list(self.lines)

    # -- opening at a line ---------------------------------------------------------------

    def locate(self, line_no: int | None, match: str = "") -> int | None:
        """Index in the shown lines (with no filter) of the file's line ``line_no``.

        Not simply ``line_no - 1``: the start of a huge log is not read, the oldest
        lines may have been dropped, and blank lines are not shown (``Log`` drops them);
        so the numbered line is checked for ``match`` and, failing that, the first line
        holding ``match`` is taken, which is the line a search reports (its first match
        in the log). None when neither is there.
        """
        needle = match.lower()
        at = -1 if line_no is None else line_no - 1 - self.dropped
        guess: int | None = None
        if not self.skipped and 0 <= at < len(self.all_lines):
            # count from the end: the shown lines end where all_lines do
            guess = len(self.lines) - sum(1 for line in self.all_lines[at:] if line)
            if not 0 <= guess < len(self.lines):
                guess = None
            elif needle in self.lines[guess].lower():
                return guess
        if needle:
            for i, line in enumerate(self.lines):
                if needle in line.lower():
                    return i
        return guess

    def show_line(self, index: int, match: str = "") -> None:
        """Mark the shown line ``index``, highlight ``match`` on it, and scroll it to the
        middle of the view; stop following, so a live run's new lines leave it there."""
        self.follow = False
        self.mark = index
        self.mark_match = match.lower()
        self._center_pending = True
        self.refresh()
        self.call_after_refresh(self._center_mark)

    def _center_mark(self) -> None:
        """Scroll the marked line to the middle, once the view has a height (a log in a
        tab just made active has none until laid out: :meth:`on_resize` tries again)."""
        height = self.scrollable_content_region.height
        if not self._center_pending or self.mark is None or height <= 0:
            return
        self._center_pending = False
        self.scroll_to(y=max(0, self.mark - height // 2), animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        if self._center_pending:
            self._center_mark()

    def clear_mark(self) -> None:
        """Drop the mark (the lines changed, or the user went back to following)."""
        if self.mark is None:
            return
        self.mark, self.mark_match, self._center_pending = None, "", False
        self.refresh()

    def set_follow(self, on: bool) -> None:
        """Follow the log (and jump to its end, dropping the mark) or stay where it is."""
        self.follow = on
        if on:
            self.clear_mark()
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def _render_line_strip(self, y: int, rich_style: Style) -> Strip:
        if y != self.mark or y >= len(self.lines):
            return super()._render_line_strip(y, rich_style)
        return self._marked_strip(self._process_line(self.lines[y]), rich_style)

    def _marked_strip(self, line: str, rich_style: Style) -> Strip:
        """The marked line: a bar across the view, the matched text brighter on it.
        Not cached (Log's cache is keyed by line only), so it follows the mark."""
        width = max(cell_len(line), self.virtual_size.width, int(self.scroll_x) + self.size.width)
        text = Text(line + " " * (width - cell_len(line)), no_wrap=True)
        text.stylize(rich_style)
        text.stylize(self.get_component_rich_style("run-log--mark"))
        if self.mark_match:
            match_style = self.get_component_rich_style("run-log--match")
            for found in re.finditer(re.escape(self.mark_match), line, re.IGNORECASE):
                text.stylize(match_style, found.start(), found.end())
        return Strip(text.render(self.app.console), width)


def log_status(active: RunLog | None, live: bool) -> str:
    """The line beside the filter: lines shown of those read, whether the start (or the
    end) of the file is left out and how to read it, and whether still following (a
    live log opened at a line is not, until ``f``: say so, or it looks stuck)."""
    if not live:
        follow = "run finished"
    elif active is None or active.follow:
        follow = "following"
    else:
        follow = "paused (f follows)"
    if active is None:
        return follow
    if active.refused:
        return f"not shown: it {active.refused}"
    total, shown = len(active.all_lines), len(active.lines)
    lines = f"{shown:,} of {total:,} lines" if active.needle else f"{total:,} lines"
    cut = ""
    if active.can_page_back:
        cut = f"  ·  {format_size(active.skipped, binary=True)} before ([ earlier)"
    elif active.start is None or active.skipped:
        cut = "  ·  start not shown"
    if active.file_size > active.byte_offset and not live:
        after = format_size(active.file_size - active.byte_offset, binary=True)
        cut += f"  ·  {after} after (f: the end)"
    return f"{lines}{cut}  ·  {follow}"
