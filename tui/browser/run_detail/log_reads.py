"""What the Logs tab reads of a log: a window of it, from its end, never the whole file.

Why a module of its own (apart from :mod:`.logs`, which draws a log): a log may be huge
(a run that logs for days leaves hundreds of megabytes) and may still grow, so how much
is read, and when, is decided here, in plain functions a worker thread calls. Opening a
log reads only its last :data:`LOG_TAIL_LINES` lines (at most :data:`LOG_PAGE_BYTES`,
with :func:`metalab.store.log_tail.read_tail`, which reads backwards from the end);
each poll of a live run reads only the whole lines written since (at most
:data:`LOG_POLL_BYTES`; a log that grew more than that between two polls is read from
its end again); earlier lines are read a page at a time when asked for
(:func:`read_log_page`); and a search hit far back opens the log at its byte offset
(:func:`read_log_from`). Every read is a :class:`LogChunk` saying how it changes the
window shown: lines after it, lines before it, or a new window.

Lines are split at newlines only and cleaned of control characters (a log may hold
binary garbage: NULs, escape codes, stray carriage returns), so one line of the file
is one line on screen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from metalab.store import log_tail

__all__ = [
    "LOG_MAX_LINES",
    "LOG_PAGE_BYTES",
    "LOG_PAGE_LINES",
    "LOG_POLL_BYTES",
    "LOG_TAIL_LINES",
    "LogChunk",
    "clean_line",
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


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _tail_page(path: Path, lines: int, before: int | None = None) -> log_tail.LogPage:
    """The last ``lines`` lines before byte ``before`` (default: the end), at most
    :data:`LOG_PAGE_BYTES` of them (a page the limit fills starts at a whole line)."""
    return log_tail.read_tail(path, lines, before=before, max_bytes=LOG_PAGE_BYTES)


def read_log_tail(path: Path, name: str, final: bool) -> LogChunk:
    """The log's last :data:`LOG_TAIL_LINES` lines as a new window; while the run is
    live a last line still being written waits for its newline. Raises OSError."""
    page = _tail_page(path, LOG_TAIL_LINES)
    if final:
        lines, end = page.lines, _shown_end(page)
    else:
        lines, end = page.lines[:-1] if page.partial else page.lines, page.end
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
        page = log_tail.read_after(path, offset, max_bytes=LOG_POLL_BYTES, final=final)
    except OSError:
        return None
    return LogChunk(name, _clean(page.lines), _shown_end(page), size=page.size, after=offset)


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
    after = log_tail.read_after(path, offset, max_bytes=None, max_lines=room, end=end, final=True)
    return LogChunk(
        name, _clean(before.lines) + _clean(after.lines), _shown_end(after), "replace",
        before.start, after.size, mark=len(before.lines),
    )  # fmt: skip


def _shown_end(page: log_tail.LogPage) -> int:
    """Where the lines of a forward read end: past a last line without a newline too
    (read once the run is final, it will not be read again)."""
    return page.size if page.partial else page.end
