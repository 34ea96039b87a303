"""The Logs tab: each of the run's logs, read on from the byte offset already shown.

Why a module of its own: a live run's logs grow while they are shown, so each poll
reads only the whole lines past the offset read so far (:func:`read_log`; a torn last
line waits for its newline until the run is final), and a huge log is shown from its
last :data:`LOG_FIRST_READ` bytes. :class:`RunLog` keeps every line read (up to
:data:`LOG_MAX_LINES`), so the filter can change without re-reading the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.widgets import Log

__all__ = ["LOG_FIRST_READ", "LOG_MAX_LINES", "LogChunk", "RunLog", "log_status", "read_log"]

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
    """One of the run's logs; shows only the lines containing the filter text."""

    DEFAULT_CSS = """
    RunLog { height: 1fr; background: $surface; }
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
        self.clear()
        self.write_lines(self.matching(self.all_lines), scroll_end=True)

    def add_text(self, text: str) -> None:
        """Append newly read text (whole lines, or the final part of the log)."""
        if not text:
            return
        lines = text.splitlines()
        self.all_lines.extend(lines)
        if len(self.all_lines) > LOG_MAX_LINES:
            del self.all_lines[: len(self.all_lines) - LOG_MAX_LINES]
        at_end = self.scroll_y >= self.max_scroll_y
        self.write_lines(self.matching(lines), scroll_end=at_end)

    @property
    def shown(self) -> list[str]:
        return list(self.lines)


def log_status(active: RunLog | None, live: bool) -> str:
    """The line beside the filter: lines shown of those read, and whether still following."""
    follow = "following" if live else "run finished"
    if active is None:
        return follow
    total, shown = len(active.all_lines), len(active.lines)
    lines = f"{shown} of {total} lines" if active.needle else f"{total} lines"
    cut = "  ·  start not shown" if active.skipped else ""
    return f"{lines}{cut}  ·  {follow}"
