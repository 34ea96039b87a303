"""Following a live run: what each poll reads, and how long until the next one.

Why a module of its own: while the record says ``running`` (or any status that is
not final) the screen polls every :data:`POLL_EVERY` seconds, scheduling the next poll
only once the last one's result has been shown, so polls never overlap. Each poll runs
:func:`read_poll` on a worker thread: the record afresh (with its status as written),
the logs from the byte offsets already shown (a log new to the tab from its end), and
the curve on display. Once the status is final the screen stops polling; the logs are
then read once more, to their very end. A log that leads out of the results tree is
not read: its chunk says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from metalab.index.tree_bounds import OUTSIDE_TREE
from metalab.index.tree_store import read_record
from metalab.results import Run
from metalab.types import RunRecord
from tui.browser.run_detail.log_reads import LogChunk, read_log
from tui.browser.run_detail.snapshot import file_mtime

__all__ = ["FINAL", "Poll", "poll_interval", "read_poll"]

POLL_EVERY = 1.0
"""Seconds between polls of a live run (record, logs, curve)."""

FINAL = ("success", "failed", "cancelled")
"""Statuses after which a run no longer changes (nothing left to follow)."""


@dataclass
class Poll:
    """What one poll read: the record (None: unreadable) and its status as written, new
    log text, the curve."""

    record: RunRecord | None
    record_mtime: float | None
    status: str | None = None
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
    if live:
        record, status = read_record(store, run.run_id)
    else:
        record, status = run.record, None
    mtime = file_mtime(store.layout.run_record(run.run_id)) if live else record_mtime
    final = record is None or (status or str(record.status)) in FINAL
    poll = Poll(record, mtime, status)
    for name in store.list_logs(run.run_id):
        try:
            path = store.log_path(run.run_id, name)
        except PermissionError:  # leads out of the results tree: never read
            if name not in offsets:
                poll.logs.append(LogChunk(name, kind="replace", refused=OUTSIDE_TREE))
            continue
        chunk = read_log(path, name, offsets.get(name), final)
        if chunk is not None:
            poll.logs.append(chunk)
    if curve is not None:
        try:
            steps, values = store.read_stepped(run.run_id, curve)
            poll.curve = (curve, steps, values)
        except (KeyError, OSError, ValueError):
            pass
    return poll
