"""Reading a run's log from its end: the last lines at once, then page by page backwards.

A run that logs for days leaves a log of hundreds of megabytes; a viewer that reads it
whole makes the user wait, and holds it all in memory, to show the last screenful. Here
a page is read backwards from a byte offset in blocks, stopping as soon as it has the
lines it wants, so the cost is that of the page, whatever the file's size. Each
:class:`LogPage` says where it starts, which is where the next (earlier) page ends, and
where its last whole line ends, from where :func:`read_after` follows a live log
forwards (a last line still being written is shown, and marked ``partial``).

Bytes are decoded as UTF-8 with undecodable ones replaced (a log may hold binary
garbage), and pages are cut only at line ends, or, in a line longer than a page's byte
limit, at a character boundary, so paging never splits a character.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["BLOCK", "MAX_PAGE_BYTES", "LogPage", "read_after", "read_tail"]

BLOCK = 64 * 1024
"""Bytes read at a time, backwards."""
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


def read_after(
    path: str | os.PathLike[str], offset: int, *, max_bytes: int = MAX_PAGE_BYTES
) -> LogPage:
    """The complete lines written after byte ``offset`` (a live log's new lines).

    A last line without its newline yet is left for the next call; the page's ``end``
    is where to call from next time.
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        start = max(0, min(offset, size))
        fh.seek(start)
        data = fh.read(min(max_bytes, size - start))
    last = data.rfind(b"\n")
    if last < 0:
        if len(data) < max_bytes:
            return LogPage([], start, start, size)
        last = len(data) - 1  # a line longer than a page: hand over what there is
    complete = data[: last + 1]
    return LogPage(_decode(complete.removesuffix(b"\n")), start, start + len(complete), size)
