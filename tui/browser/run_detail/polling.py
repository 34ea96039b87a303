"""Following a live run: what each poll reads, and how long until the next one.

Why a module of its own: while the record says ``running`` the screen polls every
:data:`POLL_EVERY` seconds, scheduling the next poll only once
the last one's result has been shown, so polls never overlap. Each poll runs
:func:`read_poll` on a worker thread: the record afresh, the logs from the byte
offsets already shown, and the curve on display. Once the status is final the screen
stops polling; the logs are then read once more, to their very end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from metalab.results import Run
from metalab.types import RunRecord
from tui.browser.run_detail.logs import LogChunk, read_log
from tui.browser.run_detail.snapshot import file_mtime

__all__ = ["FINAL", "Poll", "poll_interval", "read_poll"]

POLL_EVERY = 1.0
"""Seconds between polls of a live run (record, logs, curve)."""

FINAL = ("success", "failed", "cancelled")
"""Statuses after which a run no longer changes (nothing left to follow)."""


@dataclass
class Poll:
    """What one poll read: the record (None: unreadable), new log text, the curve."""

    record: RunRecord | None
    record_mtime: float | None
    logs: list[LogChunk] = field(default_factory=list)
    curve: tuple[str, np.ndarray, np.ndarray] | None = None


def poll_interval() -> float:
    """Seconds until the next poll: :data:`POLL_EVERY`, looked up each time, so that
    setting it on this module takes effect (the tests do)."""
    return POLL_EVERY


def read_poll(
    run: Run, offsets: dict[str, int], live: bool, curve: str | None, record_mtime: float | None
) -> Poll:
    """Read the logs from ``offsets`` on; while ``live`` also the record (else the one
    already read, with its ``record_mtime``) and the stepped metric ``curve``."""
    store = run.store
    record = store.get_run_record(run.run_id) if live else run.record
    mtime = file_mtime(store.layout.run_record(run.run_id)) if live else record_mtime
    final = record is None or str(record.status) in FINAL
    poll = Poll(record, mtime)
    for name in store.list_logs(run.run_id):
        chunk = read_log(store.log_path(run.run_id, name), name, offsets.get(name, 0), final)
        if chunk is not None:
            poll.logs.append(chunk)
    if curve is not None:
        try:
            steps, values = store.read_stepped(run.run_id, curve)
            poll.curve = (curve, steps, values)
        except (KeyError, OSError, ValueError):
            pass
    return poll
