"""What the Logs tab reads and draws: a window of each of the run's logs, from its end.

Why a module of its own: a log may be huge (a run that logs for days leaves hundreds of
megabytes) and may still grow. So a log is never read whole. Opening it reads only its
last :data:`LOG_TAIL_LINES` lines (at most :data:`LOG_PAGE_BYTES`, with
:func:`metalab.store.log_tail.read_tail`, which reads backwards from the end); each poll
of a live run reads only the whole lines written since (at most :data:`LOG_POLL_BYTES`;
a log that grew more than that between two polls is shown from its end again); earlier
lines are read a page at a time when asked for (:func:`read_log_page`); and a search
hit far back opens the log at its byte offset (:func:`read_log_from`). Every read is a
:class:`LogChunk` saying how it changes the window: lines after it, lines before it, or
a new window. :class:`RunLog` keeps the window's lines (at most :data:`LOG_MAX_LINES`)
and byte range, so the filter can change without re-reading the file.

Lines are split at newlines only and cleaned of control characters (a log may hold
binary garbage: NULs, escape codes, stray carriage returns), so one line of the file
is one line on screen.

A log can also be opened at one line (:class:`LogLine`, what a log hit of the search
dialog points at): :meth:`RunLog.locate` finds that line among those shown and
:meth:`RunLog.show_line` marks it, brings it to the middle of the view and stops
following the log, so a live run's new lines do not carry the view away from it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Log

from metalab.store import log_tail

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

LOG_MAX_LINES = 100_000
"""Lines kept per log (the oldest are dropped; pages back stop there)."""
LOG_TAIL_LINES = 2000
"""Lines read when a log is opened: its last ones."""
LOG_PAGE_LINES = 2000
"""Lines one page back reads."""
LOG_PAGE_BYTES = 256 * 1024
"""At most this many bytes make the first read or one page back (a page of very long
lines has fewer lines)."""
LOG_POLL_BYTES = 4 * 1024 * 1024
"""A poll reads at most this much new text of a log; a log that grew by more since the
last poll is shown from its end again."""
LOG_READ_CHUNK = 1024 * 1024
"""Bytes read at a time when reading forwards from a search hit."""

ChunkKind = Literal["append", "prepend", "replace"]

_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def clean_line(line: str) -> str:
    """``line`` with control characters (escape codes, NULs, carriage returns, the
    separators ``str.splitlines`` would split at) shown as ``�``; tabs are kept."""
    return _CONTROL.sub("\ufffd", line)


def _clean(lines: Sequence[str]) -> list[str]:
    return [clean_line(line) for line in lines]


@dataclass
class LogChunk:
    """What one read of a log brought, and how it changes the window shown."""

    name: str
    lines: list[str] = field(default_factory=list)
    offset: int = 0
    """Byte offset where the window now ends (after an ``append`` or ``replace``)."""
    kind: ChunkKind = "append"
    """``append``: lines after the window; ``prepend``: lines before it (a page back);
    ``replace``: a new window (the first read, a rewritten or fast-grown log, a hit)."""
    start: int | None = None
    """For ``prepend`` and ``replace``: the byte offset of the first line."""
    size: int = 0
    """The file's size when read."""
    mark: int | None = None
    """For a ``replace`` at a search hit: the index in ``lines`` of the hit's line."""
    refused: str = ""
    """Why the log was not read at all (it leads out of the results tree)."""
    after: int | None = None
    """For ``append``: the byte offset read from (it must be where the window ends)."""


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


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _rest(path: Path, start: int, size: int) -> list[str]:
    """The last line of a finished log that ends without a newline (bounded)."""
    if size <= start or size - start > LOG_POLL_BYTES:
        return []
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(size - start)
    return [data.decode("utf-8", errors="replace").removesuffix("\r")] if data else []


def _tail_page(path: Path, lines: int, before: int | None = None) -> log_tail.LogPage:
    """The last ``lines`` lines before byte ``before`` (default: the end), at most
    :data:`LOG_PAGE_BYTES`, starting at a line's start: when the byte limit cut the
    page before that many lines, its first line may be cut too, so the page is read
    again with one line fewer (unless that one line is all there is)."""
    page = log_tail.read_tail(path, lines, before=before, max_bytes=LOG_PAGE_BYTES)
    if page.start > 0 and 1 < len(page.lines) < lines:
        page = log_tail.read_tail(
            path, len(page.lines) - 1, before=before, max_bytes=LOG_PAGE_BYTES
        )
    return page


def read_log_tail(path: Path, name: str, final: bool) -> LogChunk:
    """The log's last :data:`LOG_TAIL_LINES` lines as a new window; while the run is
    live a last line still being written waits for its newline. Raises OSError."""
    page = _tail_page(path, LOG_TAIL_LINES)
    lines, end = page.lines, page.end
    if page.partial:
        if final:
            end = page.size
        else:
            lines = lines[:-1]
    return LogChunk(name, _clean(lines), end, "replace", page.start, page.size)


def read_log(path: Path, name: str, offset: int | None, final: bool) -> LogChunk | None:
    """What a poll reads of a log: the last lines when it is new to the tab (``offset``
    None), rewritten (shorter than ``offset``) or grown by more than
    :data:`LOG_POLL_BYTES`; else the whole lines after ``offset`` (and, once the run is
    final, a last line without its newline). None when the file cannot be read."""
    size = _size(path)
    if size is None:
        return None
    try:
        if offset is None or size < offset or size - offset > LOG_POLL_BYTES:
            return read_log_tail(path, name, final)
        if size == offset:
            return LogChunk(name, [], offset, size=size, after=offset)
        page = log_tail.read_after(path, offset, max_bytes=LOG_POLL_BYTES)
        lines, end = page.lines, page.end
        if final and end < page.size:
            lines = [*lines, *_rest(path, end, page.size)]
            end = page.size
    except OSError:
        return None
    return LogChunk(name, _clean(lines), end, size=page.size, after=offset)


def read_log_page(path: Path, name: str, before: int, max_lines: int = LOG_PAGE_LINES) -> LogChunk:
    """The page of lines that ends at byte ``before`` (a line start): lines to put
    before the window. Raises OSError."""
    page = _tail_page(path, min(max_lines, LOG_PAGE_LINES), before)
    return LogChunk(name, _clean(page.lines), before, "prepend", page.start, page.size)


def read_log_from(
    path: Path, name: str, offset: int, end: int | None, max_lines: int = LOG_MAX_LINES
) -> LogChunk:
    """A new window showing the line at byte ``offset``: a page of lines before it, then
    the lines from it up to byte ``end`` (None: the file's end), at most ``max_lines``
    lines in all; ``mark`` is the line's index. Raises OSError."""
    before = _tail_page(path, LOG_PAGE_LINES, offset)
    room = max(1, max_lines - len(before.lines))
    lines: list[str] = []
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        stop = size if end is None else min(end, size)
        pos, carry = offset, b""
        fh.seek(offset)
        while pos < stop and len(lines) < room:
            data = fh.read(min(LOG_READ_CHUNK, stop - pos - len(carry)))
            if not data:
                break
            buf = carry + data
            parts = buf.split(b"\n")
            carry = parts.pop()
            for part in parts[: room - len(lines)]:
                lines.append(part.decode("utf-8", errors="replace").removesuffix("\r"))
                pos += len(part) + 1
        if carry and len(lines) < room and pos + len(carry) >= size:
            lines.append(carry.decode("utf-8", errors="replace"))  # a last line, no newline
            pos += len(carry)
    return LogChunk(
        name, _clean(before.lines) + _clean(lines), pos, "replace", before.start, size,
        mark=len(before.lines),
    )  # fmt: skip


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
        cut = f"  ·  {_size_text(active.skipped)} before ([ earlier)"
    elif active.start is None or active.skipped:
        cut = "  ·  start not shown"
    if active.file_size > active.byte_offset and not live:
        cut += f"  ·  {_size_text(active.file_size - active.byte_offset)} after (f: the end)"
    return f"{lines}{cut}  ·  {follow}"


def _size_text(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:,.1f} MB"
    if n >= 1024:
        return f"{n / 1024:,.0f} KB"
    return f"{n} bytes"
