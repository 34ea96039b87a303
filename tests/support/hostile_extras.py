"""What the browser's tests add to the hostile tree, and a record of every file opened.

``support.hostile_trees`` (shared with the library's tests) builds the damaged and
hostile ``hostile:1`` tree. The browser reads a few more of a tree's files than
``load_results`` does, and shows statuses and durations, so :func:`add_browser_damage`
adds to that tree:

* runs whose status metalab does not write (``preempted``, ``queued``) and a run still
  running since a fixed time (its record's duration is 0);
* symlinks out of the tree in ``derived/`` and ``experiments/``, the files the index
  reads besides the records.

:func:`opened_paths` records every path the process opens or lists while it is active
(an audit hook, so also what worker threads and numpy open), and :func:`outside_reads`
keeps those that resolve into a folder (the tree's ``outside``): a test asserts it is
empty.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .hostile_trees import SECRET, HostileTree

__all__ = ["BrowserDamage", "add_browser_damage", "opened_paths", "outside_reads"]

PREEMPTED = "9a0b1c2d3e4f5061"
QUEUED = "8a9b0c1d2e3f4050"
RUNNING = "7a8b9c0d1e2f3040"
RUNNING_SINCE = "2026-01-15T10:50:00"
"""When :data:`RUNNING` started: ten minutes before ``support.trees.FIXED_NOW``."""


@dataclass(frozen=True)
class BrowserDamage:
    """The runs :func:`add_browser_damage` added, and the files it linked out."""

    preempted: str = PREEMPTED
    queued: str = QUEUED
    running: str = RUNNING
    running_since: str = RUNNING_SINCE
    linked: tuple[str, ...] = ()
    """Paths in the experiment folder that are symlinks out of the tree (besides those
    of ``hostile_trees``)."""


def add_browser_damage(tree: HostileTree) -> BrowserDamage:
    """Add unknown statuses, a run running since :data:`RUNNING_SINCE` and links out of
    ``derived/`` and ``experiments/`` to ``tree``."""
    folder = tree.folder
    template = json.loads((folder / "runs" / f"{tree.good[1]}.json").read_text())
    records: dict[str, dict[str, Any]] = {
        PREEMPTED: {"status": "preempted", "finished_at": None},
        QUEUED: {"status": "queued", "started_at": None, "finished_at": None, "duration_ms": 0},
        RUNNING: {"status": "running", "started_at": RUNNING_SINCE, "finished_at": None,
                  "duration_ms": 0, "metrics": {}},
    }  # fmt: skip
    for run_id, changes in records.items():
        record = dict(template, run_id=run_id, **changes)
        (folder / "runs" / f"{run_id}.json").write_text(json.dumps(record), encoding="utf-8")
    (tree.outside / "manifest.json").write_text(
        json.dumps({"experiment_id": "hostile:1", "name": SECRET}), encoding="utf-8"
    )
    (folder / "derived").mkdir(exist_ok=True)
    links = {
        f"derived/{tree.good[1]}.json": tree.outside / "secret.json",
        "experiments/leak.json": tree.outside / "manifest.json",
    }
    for rel, target in links.items():
        os.symlink(target, folder / rel)
    return BrowserDamage(linked=tuple(links))


# -- what was opened ---------------------------------------------------------------------------

_AUDITED = ("open", "os.scandir", "os.listdir")
_recorders: list[list[str]] = []
_lock = threading.Lock()
_hooked = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _recorders or event not in _AUDITED or not args:
        return
    path = args[0]
    if isinstance(path, str | bytes | os.PathLike):
        name = os.fsdecode(path)
        for recorder in _recorders:
            recorder.append(name)


@contextlib.contextmanager
def opened_paths() -> Iterator[list[str]]:
    """Record the paths the process opens or lists (any thread) until the block ends."""
    global _hooked
    with _lock:
        if not _hooked:
            sys.addaudithook(_audit)  # audit hooks cannot be removed: it idles when unused
            _hooked = True
    seen: list[str] = []
    _recorders.append(seen)
    try:
        yield seen
    finally:
        _recorders.remove(seen)


def outside_reads(paths: list[str], outside: Path) -> list[str]:
    """The recorded paths that resolve into ``outside`` (symlinks followed)."""
    top = os.path.realpath(outside)
    hits = []
    for path in paths:
        real = os.path.realpath(path)
        if real == top or real.startswith(top + os.sep):
            hits.append(path)
    return sorted(set(hits))
