"""Reading a run's log from its end: the last lines at once, then page by page backwards.

A run that logs for days leaves a log of hundreds of megabytes; a viewer that reads it
whole makes the user wait, and holds it all in memory, to show the last screenful. Here
a page is read backwards from a byte offset in blocks, stopping as soon as it has the
lines it wants, so the cost is that of the page, whatever the file's size. Each
:class:`LogPage` says where it starts, which is where the next (earlier) page ends, and
where its last whole line ends, from where :func:`read_after` follows a live log
forwards (a last line still being written is shown, and marked ``partial``).

Forwards, :func:`read_bytes_after` is the one reader of a log from a byte offset on
(a live log's new lines, a window opened at a search hit, a search's chunks), so what
counts as a line there (a line still being written, a line longer than the limit) is
decided once; :func:`read_after` gives its lines decoded.

Bytes are decoded as UTF-8 with undecodable ones replaced (a log may hold binary
garbage), and pages are cut only at line ends, or, in a line longer than a page's byte
limit, at a character boundary, so paging never splits a character.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import BinaryIO, TypedDict, Unpack

__all__ = [
    "BLOCK",
    "MAX_PAGE_BYTES",
    "LogBytes",
    "Limits",
    "LogPage",
    "read_after",
    "read_bytes_after",
    "read_tail",
]

BLOCK = 64 * 1024
"""Bytes read at a time, backwards and forwards."""
MAX_PAGE_BYTES = 4 * 1024 * 1024
"""At most this many bytes make one page (a single huge line is cut there)."""


@dataclass(frozen=True)
class LogPage:
    """Some consecutive lines of a log and the byte range they came from."""

    lines: list[str]
    start: int
    """Byte offset of the first line: pass it as ``before`` for the page before this one."""
    end: int
    """Byte offset just past the last whole line: where :func:`read_after` goes on."""
    size: int
    """The file's size when it was read."""
    partial: bool = False
    """Whether the last line has no newline yet (a line being written, or a log that
    ends without one). It is in ``lines``; a follower calling :func:`read_after` from
    ``end`` gets it again, whole, once its newline is written."""

    @property
    def at_start(self) -> bool:
        """Whether this page begins at the top of the file (nothing earlier to read)."""
        return self.start == 0


def _decode(data: bytes) -> list[str]:
    """Lines split at newlines only (binary garbage may hold other line breaks)."""
    if not data:
        return []
    text = data.decode("utf-8", errors="replace")
    return [line.removesuffix("\r") for line in text.split("\n")]


def _char_boundary(buf: bytes, cut: int) -> int:
    """``cut`` moved forward past UTF-8 continuation bytes (at most three)."""
    for _ in range(3):
        if cut < len(buf) and 0x80 <= buf[cut] < 0xC0:
            cut += 1
    return cut


def read_tail(
    path: str | os.PathLike[str],
    lines: int = 1000,
    *,
    before: int | None = None,
    max_bytes: int = MAX_PAGE_BYTES,
) -> LogPage:
    """The last ``lines`` lines of the file that end at byte ``before`` (default: its end).

    A last line still being written (no newline yet) counts as a line. Raises OSError
    when the file cannot be read.
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        end = size if before is None else max(0, min(before, size))
        if lines <= 0 or end == 0:
            return LogPage([], end, end, size)
        fh.seek(end - 1)
        ends_with_newline = fh.read(1) == b"\n"
        # the last line ends at `end` (its newline, if any, is not a separator); `lines`
        # lines need `lines` separating newlines before them, or the top of the file
        needed = lines + (1 if ends_with_newline else 0)
        buf, pos, found = b"", end, 0
        while pos > 0 and len(buf) < max_bytes and found < needed:
            step = min(BLOCK, pos, max_bytes - len(buf))
            pos -= step
            fh.seek(pos)
            block = fh.read(step)
            buf = block + buf
            found += block.count(b"\n")
        # whether the bytes read begin a line, or the page filled up inside one
        at_line_start = pos == 0 or (fh.seek(pos - 1) >= 0 and fh.read(1) == b"\n")
    body = buf[:-1] if ends_with_newline else buf
    # keep the last `lines` lines of the body: cut after the right newline
    cut = len(body)
    for _ in range(lines):
        nl = body.rfind(b"\n", 0, cut)
        if nl < 0:
            cut = -1
            break
        cut = nl
    first_newline = body.find(b"\n")
    if cut >= 0:
        start_in_buf = cut + 1
    elif at_line_start:
        start_in_buf = 0  # the whole file (or page) is fewer lines than asked for
    elif first_newline >= 0:
        # ``max_bytes`` filled before ``lines`` lines: the line the page began inside is
        # left whole to the page before
        start_in_buf = first_newline + 1
    else:
        start_in_buf = _char_boundary(buf, 0)  # one line longer than max_bytes: cut it
    start = pos + start_in_buf
    if ends_with_newline:
        return LogPage(_decode(body[start_in_buf:]), start, end, size)
    last_newline = body.rfind(b"\n", start_in_buf)
    whole_end = pos + last_newline + 1 if last_newline >= 0 else start
    return LogPage(_decode(body[start_in_buf:]), start, whole_end, size, partial=True)


@dataclass(frozen=True)
class LogBytes:
    """Some consecutive lines of a log as bytes, undecoded, and where they came from: for
    a reader that needs each line's byte offset (a search), or decodes them itself."""

    data: bytes
    """Whole lines, each with its newline; with ``partial``, a last one without."""
    start: int
    """Byte offset of ``data``'s first byte."""
    end: int
    """Byte offset just past the last whole line: where the next read goes on (past a
    line longer than the byte limit, handed over cut, too)."""
    size: int
    """The file's size when it was read."""
    partial: bool = False
    """Whether ``data`` ends in a line without a newline, at the end of the file."""


class Limits(TypedDict, total=False):
    """Where a forward read stops (see :func:`read_bytes_after`, which has the defaults)."""

    max_bytes: int | None
    max_lines: int | None
    end: int | None
    final: bool


def read_after(path: str | os.PathLike[str], offset: int, **limits: Unpack[Limits]) -> LogPage:
    """The complete lines written after byte ``offset`` (a live log's new lines), as
    :func:`read_bytes_after` reads them (which says what the ``limits`` do), decoded.

    A last line without its newline yet is left for the next call (the page's ``end``
    is where to call from next time), unless ``final``: then it is in the page, marked
    ``partial``. Raises OSError when the file cannot be read.
    """
    got = read_bytes_after(path, offset, **limits)
    lines = _decode(got.data if got.partial else got.data.removesuffix(b"\n"))
    return LogPage(lines, got.start, got.end, got.size, partial=got.partial)


def read_bytes_after(
    path: str | os.PathLike[str],
    offset: int,
    *,
    max_bytes: int | None = MAX_PAGE_BYTES,
    max_lines: int | None = None,
    end: int | None = None,
    final: bool = False,
) -> LogBytes:
    """The whole lines after byte ``offset``, undecoded: the one forward read of a log.

    It reads :data:`BLOCK` at a time and stops at whichever comes first: ``max_lines``
    lines, ``max_bytes`` bytes (None: no limit), byte ``end`` (None: the file's end).
    A line that ends past where it stopped is left for the next read; a line longer
    than ``max_bytes`` is handed over cut there, so a reader always moves on. With
    ``final`` (the log is no longer written), a last line without a newline at the
    end of the file counts as a line. Raises OSError when the file cannot be read.
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        start = max(0, min(offset, size))
        stop = size if end is None else max(start, min(end, size))
        if max_bytes is not None:
            stop = min(stop, start + max_bytes)
        data = _read_forward(fh, start, stop, max_lines)
    cut, room = _lines_end(data, max_lines)
    if final and room and cut < len(data) and start + len(data) == size:
        return LogBytes(data, start, start + cut, size, partial=True)
    if cut == 0 and max_bytes is not None and len(data) >= max_bytes > 0:
        return LogBytes(data, start, start + len(data), size)  # a line longer than a page
    return LogBytes(data[:cut], start, start + cut, size)


def _read_forward(fh: BinaryIO, start: int, stop: int, max_lines: int | None) -> bytes:
    """The bytes from ``start`` up to ``stop``, :data:`BLOCK` at a time, no more once
    they hold ``max_lines`` newlines."""
    fh.seek(start)
    blocks: list[bytes] = []
    pos = found = 0
    while start + pos < stop and (max_lines is None or found < max_lines):
        block = fh.read(min(BLOCK, stop - start - pos))
        if not block:
            break  # the file shrank while read
        blocks.append(block)
        pos += len(block)
        found += block.count(b"\n")
    return b"".join(blocks)


def _lines_end(data: bytes, max_lines: int | None) -> tuple[int, bool]:
    """Where ``data``'s first ``max_lines`` whole lines (all, when None) end, just past
    their newline, and whether that leaves room for one more line."""
    if max_lines is None:
        return data.rfind(b"\n") + 1, True
    cut = 0
    for _ in range(max_lines):
        newline = data.find(b"\n", cut)
        if newline < 0:
            return cut, True
        cut = newline + 1
    return cut, False
