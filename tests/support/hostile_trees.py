"""Damaged and hostile results trees, and a way to prove nothing outside them was read.

Issue 11: a tree may be damaged (a record cut short by a full disk, a torn line in a
stream, binary garbage in a log) or hostile (symlinks and artifact uris leading to files
that are not the tree's). The index, ``load_results`` and the browser must read such a
tree without crashing, say what they skipped, and never read a file outside it.

* :func:`build_hostile_tree` writes the fixed ``demo:1`` tree (four good runs, see
  ``support.trees.build_fixed_tree``) and damages it; what it holds is listed on
  :class:`HostileTree` and in :data:`DAMAGED_RECORDS`. Every file outside the tree
  that a link or uri points at holds :data:`SECRET`, so a test can also check that
  the text never shows.
* :func:`opened_paths` records every file and folder the process opens or lists (a
  ``sys.addaudithook`` hook, so also what worker threads and numpy open) while it is
  active; :func:`outside_reads` keeps those that resolve into a given folder.
* :func:`write_big_log` writes a log of any size fast (one block, written again and
  again), with numbered lines so a test can tell which part it sees.
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

from .trees import FIXED_ID, FIXED_RUNS, build_fixed_tree, run_record, write_json

__all__ = [
    "DAMAGED_RECORDS",
    "SECRET",
    "HostileTree",
    "build_hostile_tree",
    "opened_paths",
    "outside_reads",
    "write_big_log",
]

SECRET = "SECRET-outside-the-tree"
"""In every file outside the tree that the hostile tree points at."""

GOOD = next(iter(FIXED_RUNS))
"""The fixed tree's first run: its artifacts, logs, results and derived metrics get the
hostile links."""
PREEMPTED = "9a0b1c2d3e4f5061"
QUEUED = "8a9b0c1d2e3f4050"
RUNNING = "7a8b9c0d1e2f3040"
SECRET_RUN = "5ec7e75ec7e75ec7"
"""A good record outside the tree, linked from ``runs/``: it must not be listed."""

DAMAGED_RECORDS = {
    "runs/truncated.json": "not JSON (truncated?)",
    "runs/empty.json": "empty",
    "runs/a-list.json": "a list, not a JSON object",
    "runs/wrong-types.json": "'metrics' is a list, not an object",
    "runs/bad-status.json": "'status' is a number, not a string",
    "runs/binary.json": "not",
    f"runs/{SECRET_RUN}.json": "leads out of the results tree",
}
"""Record files of the hostile tree that are not records, and (part of) why."""

GARBAGE = bytes(range(256)) * 4 + b"\x1b[31m\x00\r\xff\xfe\n"
"""Binary bytes written into the middle of a log (escape codes, NULs, CRs, invalid UTF-8)."""


@dataclass(frozen=True)
class HostileTree:
    """Where the hostile tree is and what it holds."""

    root: Path
    """The collection root (holding the one experiment folder)."""
    folder: Path
    """The experiment folder, ``demo_1``."""
    outside: Path
    """The folder outside the tree that the links and uris point into."""
    good: str = GOOD
    preempted: str = PREEMPTED
    queued: str = QUEUED
    running: str = RUNNING
    running_started: str = "2026-01-15T10:50:00"
    """When the running run started: ten minutes before ``support.trees.FIXED_NOW``."""


def _record(run_id: str, status: str, **changes: Any) -> dict[str, Any]:
    base = run_record(
        run_id,
        FIXED_ID,
        status=status,
        fingerprints=("c0ffee00c0ffee00", f"{run_id[:4]}beefbeefbeef", "5eed000000000000"),
        started_at="2026-01-05T10:00:00",
        finished_at="2026-01-05T10:00:04",
        duration_ms=4000,
        metrics={"final_loss": 0.5},
        provenance={"executor_id": "thread", "host": "node-7", "extra": {"replicate": 0}},
        params={"lr": 0.05, "width": 8, "optimizer": "adam", "epochs": 40},
        artifacts=[],
    )
    base.update(changes)
    return base


def _link(link: Path, target: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def build_hostile_tree(base: Path) -> HostileTree:
    """The fixed tree under ``base/tree``, damaged and given links out to ``base/outside``."""
    root, outside = base / "tree", base / "outside"
    build_fixed_tree(root)
    folder = root / "demo_1"
    tree = HostileTree(root, folder, outside)
    runs = folder / "runs"

    # files outside the tree, each holding the secret
    outside.mkdir(parents=True)
    write_json(outside / "secret.json", {"secret": SECRET})
    (outside / "secret.log").write_text(f"{SECRET} one\n{SECRET} two\n", encoding="utf-8")
    write_json(
        outside / "curve.json",
        {"data": [[0, 1.0], [1, 0.5]], "dtype": None, "shape": [2, 2],
         "metadata": {"type": "stepped_metric", "note": SECRET}},
    )  # fmt: skip
    write_json(outside / "record.json", _record(SECRET_RUN, "success", notes=SECRET))
    write_json(outside / "manifest.json", {"experiment_id": FIXED_ID, "name": SECRET})
    (outside / "artifacts").mkdir()
    write_json(outside / "artifacts" / "_manifest.json", {"artifacts": [{"name": SECRET}]})

    # damaged records
    good_text = (runs / f"{GOOD}.json").read_text(encoding="utf-8")
    (runs / "truncated.json").write_text(good_text[: len(good_text) // 2], encoding="utf-8")
    (runs / "empty.json").write_text("", encoding="utf-8")
    (runs / "a-list.json").write_text("[1, 2, 3]", encoding="utf-8")
    write_json(runs / "wrong-types.json", _record("wrong-types", "success", metrics=[1, 2]))
    write_json(runs / "bad-status.json", _record("bad-status", 3))
    (runs / "binary.json").write_bytes(b"\xff\xfe\x00\x89PNG" + GARBAGE)
    _link(runs / f"{SECRET_RUN}.json", outside / "record.json")

    # statuses metalab does not write, and a run still running (a torn stream line)
    write_json(runs / f"{PREEMPTED}.json", _record(PREEMPTED, "preempted", finished_at=None))
    write_json(runs / f"{QUEUED}.json", _record(QUEUED, "queued", started_at=None,
                                                 finished_at=None, duration_ms=0))  # fmt: skip
    write_json(
        runs / f"{RUNNING}.json",
        _record(RUNNING, "running", started_at=tree.running_started, finished_at=None,
                duration_ms=0, metrics={}),
    )  # fmt: skip
    stream = folder / "results" / RUNNING / "loss.jsonl"
    stream.parent.mkdir(parents=True)
    stream.write_text("[[0,1.0],[1,0.9]]\n[[2,0.8],[3\n[[4,0.6],[5,0.5]]\n[[6,0.4]]\n")
    (folder / "logs" / f"{RUNNING}_run.log").write_text("started\nstep 5\n", encoding="utf-8")

    # a log with binary garbage between its lines
    log = folder / "logs" / f"{GOOD}_run.log"
    text = log.read_bytes()
    log.write_bytes(b"before the garbage\n" + GARBAGE + b"after the garbage\n" + text)

    # links and uris out of the tree
    _link(folder / "logs" / f"{GOOD}_leak.log", outside / "secret.log")
    _link(folder / "artifacts" / GOOD / "leak.json", outside / "secret.json")
    _link(folder / "results" / GOOD / "leak.json", outside / "curve.json")
    (folder / "derived").mkdir(exist_ok=True)
    _link(folder / "derived" / f"{GOOD}.json", outside / "secret.json")
    _link(folder / "experiments" / "leak.json", outside / "manifest.json")
    _link(folder / "artifacts" / PREEMPTED, outside / "artifacts")
    manifest_path = folder / "artifacts" / GOOD / "_manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    escape = [
        ("leak", str(folder / "artifacts" / GOOD / "leak.json")),  # a symlink out
        ("absolute", str(outside / "secret.json")),  # a uri out of the tree
        ("relative", "../../../outside/secret.json"),  # a relative uri climbing out
    ]
    for name, uri in escape:
        manifest["artifacts"].append(
            {"artifact_id": name, "name": name, "kind": "json", "format": "json", "uri": uri,
             "content_hash": "", "size_bytes": 20, "metadata": {}}
        )  # fmt: skip
    manifest["artifacts"].append("not a descriptor")
    write_json(manifest_path, manifest)
    return tree


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


# -- a big log ---------------------------------------------------------------------------------


def write_big_log(path: Path, size: int, *, block_lines: int = 1000) -> int:
    """Write a log of about ``size`` bytes: numbered lines ``line <n> of the big log …``,
    a block of them written again and again (with its numbers moved on), so even 200 MB
    take a second or two. The last line is ``the last line of the big log``. Returns
    the number of lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pad = "x" * 60
    template = "".join(f"line {{:09d}} of the big log {pad}\n" for _ in range(block_lines))
    one = len(template.format(*range(block_lines)).encode())
    blocks = max(1, size // one)
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(blocks):
            fh.write(template.format(*range(n, n + block_lines)))
            n += block_lines
        fh.write("the last line of the big log\n")
    return n + 1
