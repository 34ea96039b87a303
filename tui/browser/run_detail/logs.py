"""What the Logs tab reads and draws: each of the run's logs, read on from the byte
offset already shown.

Why a module of its own: a live run's logs grow while they are shown, so each poll
reads only the whole lines past the offset read so far (:func:`read_log`; a torn last
line waits for its newline until the run is final), and a huge log is shown from its
last :data:`LOG_FIRST_READ` bytes. :class:`RunLog` keeps every line read (up to
:data:`LOG_MAX_LINES`), so the filter can change without re-reading the file.

A log can also be opened at one line (:class:`LogLine`, what a log hit of the search
dialog points at): :meth:`RunLog.locate` finds that line among those shown and
:meth:`RunLog.show_line` marks it, brings it to the middle of the view and stops
following the log, so a live run's new lines do not carry the view away from it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.widgets import Log

__all__ = [
    "LOG_FIRST_READ",
    "LOG_MAX_LINES",
    "LogChunk",
    "LogLine",
    "RunLog",
    "log_status",
    "read_log",
]

LOG_MAX_LINES = 100_000
"""Lines kept per log (the oldest are dropped)."""
LOG_FIRST_READ = 16 * 1024 * 1024
"""A log larger than this is shown from its last this-many bytes."""


@dataclass
class LogChunk:
    """What one read of a log brought: new text, and how far into the file it reached."""

    name: str
    text: str
    offset: int
    """Byte offset in the file up to which ``text`` was read (whole lines only)."""
    skipped: int = 0
    """Bytes at the start of a huge log that were not read."""


@dataclass(frozen=True)
class LogLine:
    """Where to open the Logs tab: one line of one of the run's logs.

    The search dialog's log hits say where they are this way, so that Enter on one
    shows the line itself rather than the top of the log.
    """

    log: str
    """The log's name (``run``, ``logging``, ...): the file is ``<run id>_<log>.log``."""
    line_no: int
    """1-based line number in the file."""
    match: str = ""
    """Text on the line to highlight (case-insensitive); empty: the line only."""


def read_log(path: Path, name: str, offset: int, final: bool) -> LogChunk | None:
    """New whole lines of a log from ``offset`` (everything, once the run is final)."""
    try:
        size = path.stat().st_size
    except OSError:
        return None
    if size < offset:  # rewritten: start over
        offset = 0
    skipped = 0
    if offset == 0 and size > LOG_FIRST_READ:
        skipped = offset = size - LOG_FIRST_READ
    if size == offset:
        return LogChunk(name, "", offset)
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read(size - offset)
    if skipped:
        cut = data.find(b"\n")
        data, offset = (data[cut + 1 :], offset + cut + 1) if cut >= 0 else (b"", offset)
    if not final:
        end = data.rfind(b"\n")
        data = data[: end + 1] if end >= 0 else b""
    return LogChunk(name, data.decode("utf-8", errors="replace"), offset + len(data), skipped)


class RunLog(Log):
    """One of the run's logs; shows only the lines containing the filter text.

    It follows the log (new lines scroll it to the end, while it is at the end) unless
    ``follow`` was turned off, as opening it at a line (:meth:`show_line`) does; that
    line stays marked until the filter changes or following is turned on again.
    """

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
        """Every line read so far (up to :data:`LOG_MAX_LINES`)."""
        self.needle = ""
        self.byte_offset = 0
        """Byte offset in the log file read so far."""
        self.skipped = 0
        self.dropped = 0
        """Lines dropped from the start of ``all_lines`` (past :data:`LOG_MAX_LINES`)."""
        self.follow = True
        """Scroll to new lines as they come (when at the end already)."""
        self.mark: int | None = None
        """Index in ``lines`` (the shown lines) of the marked line, if any."""
        self.mark_match = ""
        """Text highlighted on the marked line (lowercase; empty: none)."""
        self._center_pending = False

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

    def add_text(self, text: str) -> None:
        """Append newly read text (whole lines, or the final part of the log)."""
        if not text:
            return
        lines = text.splitlines()
        self.all_lines.extend(lines)
        if len(self.all_lines) > LOG_MAX_LINES:
            excess = len(self.all_lines) - LOG_MAX_LINES
            del self.all_lines[:excess]
            self.dropped += excess
        at_end = self.scroll_y >= self.max_scroll_y
        shown = self.matching(lines)
        before = len(self.lines)
        self.write_lines(shown, scroll_end=self.follow and at_end)
        self._shift_mark(before + sum(1 for line in shown if line) - len(self.lines))

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

    def locate(self, line_no: int, match: str = "") -> int | None:
        """Index in the shown lines (with no filter) of the file's line ``line_no``.

        Not simply ``line_no - 1``: the start of a huge log is not read, the oldest
        lines may have been dropped, and blank lines are not shown (``Log`` drops them);
        so the numbered line is checked for ``match`` and, failing that, the first line
        holding ``match`` is taken, which is the line a search reports (its first match
        in the log). None when neither is there.
        """
        needle = match.lower()
        at = line_no - 1 - self.dropped
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
    """The line beside the filter: lines shown of those read, and whether still following
    (a live log opened at a line is not, until ``f``: say so, or it looks stuck)."""
    if not live:
        follow = "run finished"
    elif active is None or active.follow:
        follow = "following"
    else:
        follow = "paused (f follows)"
    if active is None:
        return follow
    total, shown = len(active.all_lines), len(active.lines)
    lines = f"{shown} of {total} lines" if active.needle else f"{total} lines"
    cut = "  ·  start not shown" if active.skipped else ""
    return f"{lines}{cut}  ·  {follow}"
