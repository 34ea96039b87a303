"""Results trees for the run detail and compare tests (imported as ``_trees``).

* :func:`build_probe_tree` is written by metalab: 12 runs of ``probe`` (3 learning
  rates x 2 widths x 2 replicates; the lr=1.0 ones fail), each with scalar metrics of
  every type, two stepped metrics, artifacts of every kind (1-D, 2-D and dict-of-arrays
  npz, JSON, text, a pickle), ``capture.data`` entries and a log. It is built in one
  folder and then renamed, so its artifact uris point at a folder that no longer
  exists: the tree has been *moved*.
* :func:`build_fixed_tree` is laid out by hand with fixed run ids, times, durations
  and hosts, so snapshots of it never change: three successful runs and a failed one.
* :func:`build_reference_tree` is in the reference's format as copied from another
  machine: artifact uris absolute under ``/home/alice``, no artifact manifest on disk
  (the record's copy is all there is), no replicate in the provenance.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

import metalab
from metalab import artifacts as artifact_codec
from metalab.store import FileStore

PROBE_ID = "probe:1"
PROBE_LRS = (0.01, 0.1, 1.0)
PROBE_WIDTHS = (8, 16)
PROBE_STEPS = 30

FIXED_ID = "demo:1"
FIXED_RUNS = {
    "1a2b3c4d5e6f7081": {"lr": 0.1, "width": 16, "optimizer": "adam", "epochs": 40},
    "2b3c4d5e6f708192": {"lr": 0.01, "width": 16, "optimizer": "adam", "epochs": 40},
    "3c4d5e6f708192a3": {"lr": 0.1, "width": 32, "optimizer": "sgd", "epochs": 40},
    "4d5e6f708192a3b4": {"lr": 1.0, "width": 16, "optimizer": "adam", "epochs": 40},
}
FIXED_FAILED = "4d5e6f708192a3b4"
FIXED_METRICS = {
    "1a2b3c4d5e6f7081": {
        "final_loss": 0.0123,
        "accuracy": 0.912,
        "train_time": 12.5,
        "label": "w16",
        "converged": True,
    },
    "2b3c4d5e6f708192": {
        "final_loss": 0.0456,
        "accuracy": 0.874,
        "train_time": 11.0,
        "label": "w16",
        "converged": True,
    },
    "3c4d5e6f708192a3": {
        "final_loss": 0.0089,
        "accuracy": 0.931,
        "train_time": 20.25,
        "label": "w32",
        "converged": True,
    },
    FIXED_FAILED: {},
}
FIXED_TRACEBACK = """Traceback (most recent call last):
  File "/srv/metalab/worker.py", line 160, in execute
    returned = operation(params, seeds, capture)
  File "/home/bob/demo/ops.py", line 42, in train
    loss = step(model, batch, lr)
  File "/home/bob/demo/ops.py", line 17, in step
    raise ValueError(f"loss diverged at step {i}: lr={lr} is too large")
ValueError: loss diverged at step 12: lr=1.0 is too large"""

REF_ID = "ref_sweep:0.3"


# -- a tree written by metalab, then moved -------------------------------------------------


@metalab.operation
def probe(params, seeds, capture):
    lr, width = params["lr"], params["width"]
    rng = seeds.numpy()
    capture.log(f"start lr={lr} width={width}")
    loss = 1.0
    for step in range(PROBE_STEPS):
        loss = loss * (1.0 - min(lr, 0.5) * 0.3) + float(rng.uniform(0, 1e-3))
        capture.metric("loss", loss, step=step)
        capture.metric("acc", 1.0 - loss, step=step)
        if step % 10 == 0:
            capture.log(f"step {step} loss={loss:.4f}")
    if lr >= 1.0:
        capture.log("Loss exploded, giving up")
        raise ValueError(f"lr={lr} is too large")
    capture.metric("final_loss", loss)
    capture.metric("accuracy", 1.0 - loss / 2)
    capture.metric("train_time", 10.0 + width * lr)
    capture.metric("converged", loss < 0.1)
    capture.metric("label", f"w{width}")
    if width == 16:
        capture.artifact("history", np.zeros(3))  # replaced below: the record warns
    capture.artifact("history", np.linspace(1.0, loss, PROBE_STEPS))
    capture.artifact("weights", rng.normal(size=(6, 8)))
    yy, xx = np.mgrid[0:40, 0:60]
    capture.artifact("field", np.sin(xx / 9.0) * np.cos(yy / 7.0) * width)
    capture.artifact("arrays", {"x": np.arange(10.0) * lr, "grid": np.eye(4)})
    capture.artifact(
        "config",
        {
            "lr": lr,
            "width": width,
            "layers": [width, width * 2, 1],
            "optimizer": {"name": "adam", "betas": [0.9, 0.999]},
        },
    )
    capture.artifact("summary", f"lr={lr}\nwidth={width}\nfinal loss {loss:.4f}\n")
    capture.artifact("model", {"opaque": lr}, kind="pickle")
    capture.data("predictions", np.linspace(0.0, 1.0, 7))
    capture.data("meta", {"source": "probe", "ok": True})
    capture.log(f"done: final_loss={loss:.4f}")


def build_probe_tree(root: Path) -> Path:
    """Run the probe sweep into ``root/original``, then move it to ``root/moved``.

    Returns the moved collection root (holding ``probe_1``).
    """
    experiment = metalab.Experiment(
        name="probe",
        version="1",
        context={},
        operation=probe,
        params=metalab.grid(lr=list(PROBE_LRS), width=list(PROBE_WIDTHS)),
        seeds=metalab.seeds(base=11, replicates=2),
        tags=["probe"],
    )
    original = root / "original"
    metalab.run(experiment, store=original, executor=metalab.ThreadExecutor(2)).result()
    moved = root / "moved"
    original.rename(moved)
    return moved


# -- a hand-made tree with fixed times, for snapshots ------------------------------------------


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def _stepped(folder: Path, run_id: str, name: str, steps: np.ndarray, values: np.ndarray) -> None:
    data = [[int(s), float(v)] for s, v in zip(steps, values, strict=True)]
    _write(
        folder / "results" / run_id / f"{name}.json",
        {
            "data": data,
            "dtype": None,
            "shape": [len(data), 2],
            "metadata": {"type": "stepped_metric"},
        },
    )


def fixed_curve(run_id: str, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """The ``loss`` curve of a run of the fixed tree (steps, values)."""
    lr = FIXED_RUNS[run_id]["lr"]
    steps = np.arange(n)
    return steps, 1.0 / (1.0 + lr * steps) + 0.01 * (list(FIXED_RUNS).index(run_id) + 1)


def build_fixed_tree(root: Path) -> Path:
    """Four runs of ``demo:1`` with fixed ids and times; returns the collection root."""
    folder = root / "demo_1"
    if root.exists():
        shutil.rmtree(root)
    store = FileStore(folder, FIXED_ID)
    store.create()
    for n, (run_id, params) in enumerate(FIXED_RUNS.items()):
        failed = run_id == FIXED_FAILED
        artifacts = []
        if not failed:
            steps, values = fixed_curve(run_id)
            _stepped(folder, run_id, "loss", steps, values)
            _stepped(folder, run_id, "grad_norm", steps, np.exp(-steps / (10 + n)))
            for name, obj in (
                ("history", values[::4].copy()),
                ("weights", np.arange(12.0).reshape(3, 4) * (n + 1)),
            ):
                data, kind, fmt = artifact_codec.serialize(name, obj, None)
                artifacts.append(store.put_artifact(run_id, name, data, kind=kind, fmt=fmt))
            if n == 0:
                data, kind, fmt = artifact_codec.serialize("config", {"lr": 0.1, "depth": 3}, None)
                artifacts.append(store.put_artifact(run_id, "config", data, kind=kind, fmt=fmt))
        else:
            steps, values = fixed_curve(run_id, 12)
            _stepped(folder, run_id, "loss", steps, values)
        log = [
            f"2026-01-0{n + 1} 10:00:00 [INFO   ] [metalab.run] start lr={params['lr']}",
            f"2026-01-0{n + 1} 10:00:01 [INFO   ] [metalab.run] step 0 loss=1.0000",
            f"2026-01-0{n + 1} 10:00:02 [INFO   ] [metalab.run] step 10 loss=0.5000",
        ]
        log += (
            FIXED_TRACEBACK.splitlines()
            if failed
            else [f"2026-01-0{n + 1} 10:00:03 [INFO   ] [metalab.run] done"]
        )
        path = store.log_path(run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(log) + "\n", encoding="utf-8")
        record = {
            "_schema_version": "0.1",
            "run_id": run_id,
            "experiment_id": FIXED_ID,
            "status": "failed" if failed else "success",
            "context_fingerprint": "c0ffee00c0ffee00",
            "params_fingerprint": f"{n:04x}beefbeefbeef",
            "seed_fingerprint": f"5eed{n % 2:012x}",
            "started_at": f"2026-01-0{n + 1}T10:00:00",
            "finished_at": f"2026-01-0{n + 1}T10:00:0{2 + n}.250000",
            "duration_ms": 2250 + 1000 * n,
            "metrics": FIXED_METRICS[run_id],
            "provenance": {
                "code_hash": "d1e2f3a4",
                "python_version": "3.11.9",
                "metalab_version": "0.1.0",
                "executor_id": "thread",
                "host": "node-7",
                "extra": {"replicate": n % 2},
            },
            "error": {
                "type": "ValueError",
                "message": "loss diverged at step 12: lr=1.0 is too large",
                "traceback": FIXED_TRACEBACK + "\n",
            }
            if failed
            else None,
            "params_resolved": params,
            "tags": ["demo", "first"] if n == 0 else ["demo"],
            "warnings": ["artifact 'history' saved twice; the later one replaced the earlier"]
            if n == 0
            else [],
            "notes": "the first try, with the default schedule" if n == 0 else None,
            "artifacts": [a.to_dict() for a in artifacts],
        }
        _write(folder / "runs" / f"{run_id}.json", record)
    _write(
        folder / "experiments" / "demo_1_20260101_095959.json",
        {
            "experiment_id": FIXED_ID,
            "name": "demo",
            "version": "1",
            "total_runs": 4,
            "run_ids": list(FIXED_RUNS),
            "submitted_at": "2026-01-01T09:59:59",
            "seeds": {"type": "SeedPlan", "base": 5, "replicates": 2},
        },
    )
    return root


def shared_fixed_tree(root: Path) -> Path:
    """:func:`build_fixed_tree` at ``root``, built once and reused while this module is
    unchanged: snapshot tests need a fixed path, and two test sessions on one machine
    must not rebuild it under each other's feet (it is built aside, then renamed)."""
    stamp = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    marker = root / ".built"
    if marker.is_file() and marker.read_text() == stamp:
        return root
    staging = root.with_name(f"{root.name}.{os.getpid()}")
    build_fixed_tree(staging)
    (staging / ".built").write_text(stamp)
    shutil.rmtree(root, ignore_errors=True)
    try:
        staging.rename(root)
    except OSError:  # another session put its (identical) tree there first
        shutil.rmtree(staging, ignore_errors=True)
    return root


# -- the reference's format, from another machine ------------------------------------------------


def build_reference_tree(root: Path) -> Path:
    """Two runs of ``ref_sweep:0.3`` whose artifact uris point into /home/alice; the
    files are in the tree all the same. Returns the experiment folder."""
    folder = root / "ref_sweep_0.3"
    _write(
        folder / "_meta.json",
        {"created_by": "metalab", "experiment_id": REF_ID, "schema_version": "0.1"},
    )
    for n, width in enumerate((16, 64)):
        run_id = f"{n + 10:x}" * 16
        weights = np.linspace(0.0, 1.0, width)
        data, _, _ = artifact_codec.serialize("weights", weights, None)
        target = folder / "artifacts" / run_id / "weights.npz"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        record = {
            "_schema_version": "0.1",
            "run_id": run_id,
            "experiment_id": REF_ID,
            "status": "success",
            "started_at": f"2026-01-0{n + 1}T10:00:00.500000",
            "finished_at": f"2026-01-0{n + 1}T10:00:02",
            "duration_ms": 1500,
            "metrics": {"score": 0.5 + n / 10},
            "provenance": {"executor_id": "process", "host": "alice-laptop", "extra": {}},
            "error": None,
            "params_resolved": {"width": width},
            "tags": [],
            "artifacts": [
                {
                    "artifact_id": f"id-{n}",
                    "name": "weights",
                    "kind": "numpy",
                    "format": "npz",
                    "uri": f"/home/alice/experiments/ref_sweep_0.3/artifacts/{run_id}/weights.npz",
                    "content_hash": "0" * 16,
                    "size_bytes": len(data),
                    "metadata": {},
                }
            ],
        }
        _write(folder / "runs" / f"{run_id}.json", record)
    return folder


def ref_run_ids() -> list[str]:
    return [f"{n + 10:x}" * 16 for n in range(2)]
