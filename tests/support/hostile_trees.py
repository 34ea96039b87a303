"""Damaged and hostile results trees, for the library's tests and the browser's.

:func:`build_hostile_tree` writes a small sweep with metalab (``hostile:1``: four runs
with a stepped ``loss``, a ``weights`` artifact and a log), then damages it the ways a
crash, a bad copy or a malicious tree would, next to a folder *outside* the tree full
of secrets that no reader may ever open:

* record files that are not records: truncated, empty, a JSON list, a record with a
  wrongly-typed key, one holding another run than its name says, one that is a
  symlink to a (perfectly good) record outside the tree;
* a live run whose ``loss.jsonl`` has a torn line in the middle;
* a log with binary garbage in it (NUL bytes, invalid UTF-8, lone carriage returns);
* an artifact manifest whose uris point outside the tree (absolute, and ``../``);
* symlinks out of the tree: an artifact file, an earlier attempt's log, a whole run's
  artifact folder and a whole run's results folder.

The :class:`HostileTree` it returns says which run is which and why each damaged
record must be skipped. :func:`write_large_log` writes a log of any size quickly
(for the browser's "a 200 MB log opens at once").
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import metalab
from metalab import artifacts as artifact_codec

HOSTILE_ID = "hostile:1"
SECRET = "TOP-SECRET-do-not-read"
"""Text planted in every file outside the tree: it must never show up in anything read."""

GARBAGE = b"ok line\n\x00\x01\xff\xfe binary \xc3\x28 junk\rcarriage\n\x89PNG\r\n\x1a\nneedle\n"
"""The bytes of the garbage log: NULs, invalid UTF-8, stray control characters, and
one findable line, ``needle``."""


@metalab.operation
def hostile_op(params, capture):
    """A tiny run: five loss points, a weights artifact, two log lines."""
    x = params["x"]
    capture.log(f"run x={x}")
    for i in range(5):
        capture.metric("loss", 1.0 / (i + 1 + x), step=i)
    capture.artifact("weights", np.arange(4.0) * x)
    capture.metric("final", float(x))
    capture.log("done")


@dataclass
class HostileTree:
    """What :func:`build_hostile_tree` made, and where."""

    collection: Path
    """The collection root (holds ``hostile_1`` and nothing else)."""
    folder: Path
    """The experiment folder."""
    outside: Path
    """A folder outside the tree: every file in it holds :data:`SECRET`."""
    good: list[str] = field(default_factory=list)
    """Run ids whose records load (some with damaged files around them)."""
    damaged: dict[str, str] = field(default_factory=dict)
    """Record file name -> a fragment of the reason it is skipped for."""
    torn_stream: str = ""
    """The live run whose ``loss.jsonl`` has a torn line mid-file."""
    torn_stream_steps: list[int] = field(default_factory=list)
    """The steps of that stream's whole lines."""
    garbage_log: str = ""
    """The run whose log is :data:`GARBAGE`; its earlier attempt's log links outside."""
    escaping_manifest: str = ""
    """The run whose manifest's uris point outside, and whose ``weights`` file is a
    symlink out of the tree."""
    linked_folders: str = ""
    """The run whose artifact and results folders are symlinks out of the tree."""


def _record(folder: Path, run_id: str) -> dict:
    return json.loads((folder / "runs" / f"{run_id}.json").read_text(encoding="utf-8"))


def _write_record(folder: Path, name: str, record: dict) -> None:
    (folder / "runs" / f"{name}.json").write_text(json.dumps(record, indent=2), encoding="utf-8")


def _plant_secrets(outside: Path, run_id: str, template: dict) -> None:
    """Files outside the tree that look like the tree's own, all holding SECRET."""
    outside.mkdir(parents=True, exist_ok=True)
    secret_array = np.frombuffer(SECRET.encode(), dtype=np.uint8).astype(np.float64)
    data, _, _ = artifact_codec.serialize("weights", secret_array, None)
    (outside / "weights.npz").write_bytes(data)
    (outside / "secret.json").write_text(json.dumps({"secret": SECRET}), encoding="utf-8")
    (outside / "secret.log").write_text(f"{SECRET}\n", encoding="utf-8")
    (outside / "loss.json").write_text(
        json.dumps({"data": [[0, 1.0]], "dtype": None, "shape": [1, 2],
                    "metadata": {"type": "stepped_metric", "secret": SECRET}}),
        encoding="utf-8",
    )  # fmt: skip
    (outside / "_manifest.json").write_text(
        json.dumps({"artifacts": [{"name": "weights", "uri": str(outside / "weights.npz"),
                                   "kind": "numpy", "format": "npz", "secret": SECRET}]}),
        encoding="utf-8",
    )  # fmt: skip
    outside_record = dict(template, run_id=run_id, metrics={"secret": SECRET})
    (outside / f"{run_id}.json").write_text(json.dumps(outside_record), encoding="utf-8")


def hostile_experiment() -> metalab.Experiment:
    """``hostile:1``, the sweep the hostile tree was written by (to resume it)."""
    return metalab.Experiment(
        "hostile", "1", {}, hostile_op, metalab.grid(x=[1, 2, 3, 4]), metalab.seeds(0)
    )


def build_hostile_tree(root: Path) -> HostileTree:
    """Write and damage ``hostile:1`` under ``root/tree``; secrets go to ``root/outside``."""
    collection, outside = root / "tree", root / "outside"
    executor = metalab.ThreadExecutor(2)
    metalab.run(hostile_experiment(), store=collection, executor=executor).result()
    folder = collection / "hostile_1"
    runs = sorted(p.stem for p in (folder / "runs").glob("*.json"))
    stream_run, garbage_run, manifest_run, linked_run = runs
    template = _record(folder, stream_run)
    tree = HostileTree(collection, folder, outside, good=list(runs))
    _plant_secrets(outside, "5ec2e75ec2e75ec2", template)

    # -- record files that are not records ------------------------------------------------
    whole = (folder / "runs" / f"{stream_run}.json").read_text(encoding="utf-8")
    (folder / "runs" / "0000000000000001.json").write_text(whole[: len(whole) // 2])
    tree.damaged["0000000000000001.json"] = "not valid JSON"
    (folder / "runs" / "0000000000000002.json").write_text("")
    tree.damaged["0000000000000002.json"] = "is empty"
    (folder / "runs" / "0000000000000003.json").write_text("[1, 2, 3]")
    tree.damaged["0000000000000003.json"] = "a run record is a JSON object, this is a list"
    _write_record(folder, "0000000000000004", dict(template, run_id="0000000000000004",
                                                   metrics=[1, 2]))  # fmt: skip
    tree.damaged["0000000000000004.json"] = "'metrics' is a list, not an object"
    _write_record(folder, "0000000000000005", template)
    tree.damaged["0000000000000005.json"] = "not the run its name says"
    os.symlink(outside / "5ec2e75ec2e75ec2.json", folder / "runs" / "5ec2e75ec2e75ec2.json")
    tree.damaged["5ec2e75ec2e75ec2.json"] = "a symlink out of the results tree"

    # -- a live run whose stream has a torn line in the middle ------------------------------
    record = _record(folder, stream_run)
    record.update(status="running", finished_at=None)
    _write_record(folder, stream_run, record)
    results = folder / "results" / stream_run
    (results / "loss.json").unlink()
    (results / "loss.jsonl").write_text(
        "[[0,1.0],[1,0.5]]\n[[2,0.25],[3,0.1\n[[4,0.05],[5,0.01]]\n[6,0.001]\n", encoding="utf-8"
    )
    tree.torn_stream, tree.torn_stream_steps = stream_run, [0, 1, 4, 5, 6]

    # -- binary garbage in a log; an earlier attempt's log that links outside ------------------
    (folder / "logs" / f"{garbage_run}_run.log").write_bytes(GARBAGE)
    os.symlink(outside / "secret.log", folder / "logs" / f"{garbage_run}_run.attempt1.log")
    tree.garbage_log = garbage_run

    # -- a manifest whose uris escape, and an artifact file that links outside ---------------
    arts = folder / "artifacts" / manifest_run
    (arts / "_manifest.json").write_text(
        json.dumps({"artifacts": [
            {"name": "secret", "kind": "json", "format": "json",
             "uri": str(outside / "secret.json")},
            {"name": "climb", "kind": "json", "format": "json",
             "uri": "../../../../outside/secret.json"},
            {"name": "weights", "kind": "numpy", "format": "npz",
             "uri": str(outside / "weights.npz")},
        ]}),
        encoding="utf-8",
    )  # fmt: skip
    (arts / "weights.npz").unlink()
    os.symlink(outside / "weights.npz", arts / "weights.npz")
    tree.escaping_manifest = manifest_run

    # -- a run whose artifact and results folders are links out of the tree --------------------
    shutil.rmtree(folder / "artifacts" / linked_run)
    os.symlink(outside, folder / "artifacts" / linked_run, target_is_directory=True)
    shutil.rmtree(folder / "results" / linked_run)
    os.symlink(outside, folder / "results" / linked_run, target_is_directory=True)
    tree.linked_folders = linked_run
    return tree


def write_large_log(path: Path, size: int, *, line_bytes: int = 100) -> int:
    """Write a log of at least ``size`` bytes of numbered lines (``line 0000001 ...``),
    quickly; returns how many lines. The last line is ``the last line``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pad = "x" * max(0, line_bytes - 40)
    per_block = max(1, (1 << 20) // line_bytes)
    written = count = 0
    with open(path, "w", encoding="utf-8") as fh:
        while written < size:
            block = "".join(
                f"2026-01-01 00:00:00 line {count + i:09d} {pad}\n" for i in range(per_block)
            )
            fh.write(block)
            written += len(block)
            count += per_block
        fh.write("the last line\n")
    return count + 1
