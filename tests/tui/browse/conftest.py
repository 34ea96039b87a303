"""Results trees for the browser's data-layer tests.

``lib_tree`` is written by metalab itself (a real sweep: scalar metrics, a stepped
metric, an artifact, log lines, some runs failing); ``reference_tree`` is laid out by
hand the way the reference metalab writes one on another machine (schema 0.1 keys,
absolute artifact paths under /home/alice, no replicate in the provenance). Both are
built once per session; tests that change a tree get their own copy.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import metalab
from metalab._canonical import fingerprint
from tui.browse import index as index_module

LIB_ID = "toy:1"
REF_ID = "ref_sweep:0.3"
LRS = (0.01, 0.1, 1.0)
OPTIMIZERS = ("sgd", "adam")
REPLICATES = 3


@metalab.operation
def train(params, seeds, capture):
    lr, opt = params["lr"], params["optimizer"]
    rng = seeds.numpy()
    capture.log(f"training with lr={lr} optimizer={opt}")
    loss = 1.0
    for step in range(20):
        loss = loss * (1.0 - min(lr, 0.5) * 0.5) + float(rng.uniform(0, 0.001))
        capture.metric("loss", loss, step=step)
    if lr >= 1.0 and opt == "sgd":
        capture.log("loss is exploding, giving up")
        raise FloatingPointError("loss diverged at step 20")
    capture.metric("final_loss", loss)
    capture.metric("accuracy", float(1.0 - loss / 2))
    capture.metric("converged", loss < 0.01)
    capture.artifact("history", np.linspace(1.0, loss, 20))
    capture.log(f"finished with final_loss={loss:.4g}")


def build_lib_tree(root: Path) -> Path:
    experiment = metalab.Experiment(
        name="toy",
        version="1",
        context={},
        operation=train,
        params=metalab.grid(lr=list(LRS), optimizer=list(OPTIMIZERS)),
        seeds=metalab.seeds(base=7, replicates=REPLICATES),
        description="a toy sweep for the browser tests",
        tags=["toy", "tests"],
    )
    metalab.run(experiment, store=root, executor=metalab.ThreadExecutor(max_workers=2)).result()
    return root / "toy_1"


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def build_reference_tree(root: Path) -> Path:
    """Four runs of a reference-format experiment, as copied from alice's machine."""
    folder = root / "ref_sweep_0.3"
    _write(folder / "_meta.json", {"created_by": "metalab", "experiment_id": REF_ID,
                                   "schema_version": "0.1"})  # fmt: skip
    base = 123
    seed_fps = [fingerprint({"root_seed": base, "replicate_index": i}) for i in range(2)]
    run_ids = []
    for n, (width, rep) in enumerate([(16, 0), (16, 1), (64, 0), (64, 1)]):
        run_id = f"{n:x}" * 16
        run_ids.append(run_id)
        status = "failed" if n == 3 else "success"
        record = {
            "_schema_version": "0.1",
            "run_id": run_id,
            "experiment_id": REF_ID,
            "status": status,
            "context_fingerprint": "c0ffee0000000000",
            "params_fingerprint": f"{width:016x}",
            "seed_fingerprint": seed_fps[rep],
            "started_at": f"2026-01-0{n + 1}T10:00:00.500000",
            "finished_at": f"2026-01-0{n + 1}T10:00:02",
            "duration_ms": 1500,
            "metrics": {} if status == "failed" else {"score": 0.5 + n / 10, "label": f"w{width}"},
            "provenance": {
                "code_hash": "abc",
                "python_version": "3.10.12",
                "metalab_version": "0.3.1",
                "executor_id": "process",
                "host": "alice-laptop",
                "extra": {},
            },  # fmt: skip
            "error": {
                "type": "ValueError",
                "message": "width too large",
                "traceback": "Traceback ...\nValueError: width too large",
            }
            if status == "failed"
            else None,  # fmt: skip
            "params_resolved": {"width": width, "model": {"depth": 2 + n % 2, "act": "relu"}},
            "tags": ["alice"],
            "warnings": [],
            "notes": None,
            "artifacts": [
                {
                    "artifact_id": f"id-{n}",
                    "name": "weights",
                    "kind": "numpy",
                    "format": "npz",
                    "uri": f"/home/alice/experiments/ref_sweep_0.3/artifacts/{run_id}/weights.npz",
                    "content_hash": "0" * 16,
                    "size_bytes": 10,
                    "metadata": {},
                }
            ],
        }
        _write(folder / "runs" / f"{run_id}.json", record)
        _write(folder / "results" / run_id / "loss.json", {
            "data": [[s, 1.0 / (s + 1)] for s in range(5)], "dtype": None,
            "shape": [5, 2], "metadata": {"type": "stepped_metric"}})  # fmt: skip
        log = folder / "logs" / f"{run_id}_run.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"2026-01-01 10:00:00 INFO starting width={width}\n"
                       f"2026-01-01 10:00:01 INFO {'x' * 120} needle in a long line\n")  # fmt: skip
    _write(folder / "experiments" / "ref_sweep_0.3_20260101_100000.json", {
        "experiment_id": REF_ID, "name": "ref_sweep", "version": "0.3",
        "description": "from the reference", "tags": ["reference"], "total_runs": 6,
        "run_ids": run_ids, "seeds": {"type": "SeedPlan", "base": base, "replicates": 2},
        "submitted_at": "2026-01-01T09:59:59"})  # fmt: skip
    return folder


@pytest.fixture(scope="session")
def _session_trees(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trees") / "collection"
    build_lib_tree(root)
    build_reference_tree(root)
    for cache in root.rglob(index_module.CACHE_FILE):
        cache.unlink()
    return root


@pytest.fixture
def trees(_session_trees: Path, tmp_path: Path) -> Path:
    """A private copy of a collection root holding ``toy_1`` and ``ref_sweep_0.3``."""
    target = tmp_path / "collection"
    shutil.copytree(_session_trees, target)
    return target


@pytest.fixture
def lib_tree(trees: Path) -> Path:
    return trees / "toy_1"


@pytest.fixture
def reference_tree(trees: Path) -> Path:
    return trees / "ref_sweep_0.3"


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust freshly written records in the cache (normally they are re-read for 1 s)."""
    monkeypatch.setattr(index_module, "RACY_NS", 0)


@pytest.fixture
def bump() -> Callable[[Path], None]:
    """Move a file's mtime forward, as a later write would."""

    def _bump(path: Path) -> None:
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))

    return _bump


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The constants and builders above, for tests (conftest is not importable by name)."""
    return SimpleNamespace(
        LIB_ID=LIB_ID,
        REF_ID=REF_ID,
        LRS=LRS,
        OPTIMIZERS=OPTIMIZERS,
        REPLICATES=REPLICATES,
        train=train,
        build_lib_tree=build_lib_tree,
        build_reference_tree=build_reference_tree,
    )
