"""Results trees and helpers shared by every test of the results browser (``tui/browser``).

Fixtures (names are stable; other test modules of the browser rely on them):

* ``small_tree``: a collection root written by metalab itself, holding two experiments:
  ``toy:1`` (folder ``toy_1``; a grid of lr x optimizer, 2 replicates, 12 runs, the two
  ``lr=1.0, optimizer=sgd`` runs failing; scalar metrics, a stepped ``loss``, artifacts of
  every kind, a ``capture.data`` entry, log lines) and ``probe:2`` (folder ``probe_2``;
  3 random trials, 1 replicate, the depth-1 trial failing).
* ``reference_tree``: ONE experiment folder (``ref_sweep_0.3``) in the reference
  metalab's format as copied from another machine: the same kind of sweep, rewritten so
  artifact uris are absolute paths under ``/home/alice`` and provenance has no replicate;
  its manifest has a manual parameter source.
* ``small_tree_info``: the constants above (keys, param values, failing combinations).
* ``fixed_clock``: the "now" (POSIX seconds) the browser is given in tests, two hours
  after the first run of every tree started, so relative times read the same every run.

Both trees are built once per session (per xdist worker) and copied for each test, so a
test may write into its copy (the live-tree tests do). Everything that would differ from
one build to the next is pinned after the sweep: run times and durations, host, pid,
python version, manifest file names and submission times, the operation ref, and the
timestamps in log lines. Run ids are deterministic already (fingerprints of params and
seeds). So snapshot tests can show these trees.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import metalab

TOY_ID = "toy:1"
PROBE_ID = "probe:2"
REF_ID = "ref_sweep:0.3"
LRS = (0.01, 0.1, 1.0)
OPTIMIZERS = ("adam", "sgd")
REPLICATES = 2
BASE_TIME = _dt.datetime(2026, 1, 15, 9, 0, 0)
"""Runs of the small trees "started" a minute apart from here (local time)."""
FIXED_NOW = BASE_TIME.timestamp() + 7200.0
"""Tests run the browser as if it were this time (two hours after the first run)."""
OPERATION_REF = "browser_tests:train"


@metalab.operation
def train(params, seeds, capture):
    """A toy training run: a decaying loss, metrics, an artifact of each kind, logs."""
    lr, opt = params["lr"], params["optimizer"]
    rng = seeds.numpy()
    capture.log(f"training with lr={lr} optimizer={opt}")
    loss = 1.0
    losses = []
    for step in range(20):
        loss = loss * (1.0 - min(lr, 0.5) * 0.5) + float(rng.uniform(0, 0.001))
        losses.append(loss)
        capture.metric("loss", loss, step=step)
    if lr >= 1.0 and opt == "sgd":
        capture.log("loss is exploding, giving up", level="error")
        raise FloatingPointError("loss diverged at step 20")
    capture.metric("final_loss", loss)
    capture.metric("accuracy", float(1.0 - loss / 2))
    capture.metric("converged", loss < 0.01)
    capture.metric("best_step", int(np.argmin(losses)))
    capture.artifact("history", np.asarray(losses))
    capture.artifact("weights", rng.normal(size=(4, 3)))
    capture.artifact("curves", {"train": np.asarray(losses), "val": np.asarray(losses) * 1.1})
    capture.artifact("config", {"lr": lr, "optimizer": opt, "layers": [8, 4]})
    capture.artifact("summary", f"lr={lr} optimizer={opt}\nfinal loss {loss:.4f}\n")
    capture.data("grad_norms", np.asarray(losses[:5]) * 0.5)
    capture.log(f"finished with final_loss={loss:.4g}")


@metalab.operation
def probe(params, seeds, capture):
    """A probe over random params: one scalar, and a failure for depth 1."""
    capture.log(f"probing alpha={params['alpha']:.3f} depth={params['depth']}")
    if params["depth"] == 1:
        raise ValueError("depth 1 is too shallow")
    capture.metric("score", float(params["alpha"] * params["depth"]))
    capture.metric("label", f"d{params['depth']}")


# -- pinning what varies between builds --------------------------------------------------------

_LOG_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", re.MULTILINE)
_LOG_WORKER = re.compile(r"\.(thread|process):\d+\]")


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def pin_experiment(folder: Path, first: int, stamp: str) -> int:
    """Pin times, host and manifest of one experiment folder; runs start at
    ``BASE_TIME + first`` minutes in run-id order. Returns how many runs there were."""
    records = sorted((folder / "runs").glob("*.json"))
    for i, path in enumerate(records):
        rec = _read(path)
        started = BASE_TIME + _dt.timedelta(minutes=first + i)
        duration = 1000 + 250 * i
        rec["started_at"] = started.isoformat()
        if rec.get("status") != "running":
            rec["finished_at"] = (started + _dt.timedelta(milliseconds=duration)).isoformat()
            rec["duration_ms"] = duration
        prov = rec.setdefault("provenance", {})
        prov["host"] = "testhost"
        prov["python_version"] = "3.11.0"
        extra = prov.setdefault("extra", {})
        if "pid" in extra:
            extra["pid"] = 4242
        _write(path, rec)
    for log in (folder / "logs").glob("*.log"):
        text = log.read_text(encoding="utf-8")
        text = _LOG_WORKER.sub(r".\1:0]", _LOG_TIME.sub("2026-01-15 09:00:00", text))
        log.write_text(text, encoding="utf-8")
    manifests = sorted((folder / "experiments").glob("*.json"))
    for j, path in enumerate(manifests):
        man = _read(path)
        man["submitted_at"] = (BASE_TIME + _dt.timedelta(seconds=j)).isoformat()
        if isinstance(man.get("operation"), dict):
            man["operation"]["ref"] = OPERATION_REF
        path.unlink()
        eid = str(man["experiment_id"]).replace(":", "_")
        _write(folder / "experiments" / f"{eid}_{stamp}{j:02d}.json", man)
    for cache in folder.glob(".metalab-index*"):
        cache.unlink()
    return len(records)


def build_small_tree(root: Path) -> Path:
    """Write the two experiments of ``small_tree`` under ``root`` (a collection root)."""
    toy = metalab.Experiment(
        name="toy",
        version="1",
        context={},
        operation=train,
        params=metalab.grid(lr=list(LRS), optimizer=list(OPTIMIZERS)),
        seeds=metalab.seeds(base=7, replicates=REPLICATES),
        description="a toy sweep for the browser tests",
        tags=["toy", "tests"],
    )
    metalab.run(toy, store=root, executor=metalab.ThreadExecutor(max_workers=4)).result()
    probe_exp = metalab.Experiment(
        name="probe",
        version="2",
        context={},
        operation=probe,
        params=metalab.random(
            {"alpha": metalab.uniform(0.0, 1.0), "depth": metalab.randint(1, 3)},
            n_trials=3,
            seed=11,
        ),
        seeds=metalab.seeds(base=3, replicates=1),
        description="random probes",
        tags=["probe"],
    )
    metalab.run(probe_exp, store=root, executor=metalab.ThreadExecutor(max_workers=2)).result()
    n = pin_experiment(root / "toy_1", 0, "20260115_0900")
    pin_experiment(root / "probe_2", n, "20260115_0930")
    return root


def build_reference_tree(root: Path) -> Path:
    """One experiment folder in the reference's format, as if copied from alice's machine."""
    exp = metalab.Experiment(
        name="ref_sweep",
        version="0.3",
        context={},
        operation=train,
        params=metalab.manual(
            [
                {"lr": 0.1, "optimizer": "adam"},
                {"lr": 0.01, "optimizer": "sgd"},
                {"lr": 1.0, "optimizer": "sgd"},
            ]
        ),
        seeds=metalab.seeds(base=5, replicates=2),
        description="from the reference metalab, on another machine",
        tags=["reference"],
    )
    metalab.run(exp, store=root, executor=metalab.ThreadExecutor(max_workers=4)).result()
    folder = root / "ref_sweep_0.3"
    remote = f"/home/alice/experiments/{folder.name}"
    for path in sorted((folder / "runs").glob("*.json")):
        rec = _read(path)
        (rec.get("provenance") or {}).get("extra", {}).pop("replicate", None)
        for art in rec.get("artifacts") or []:
            art["uri"] = f"{remote}/artifacts/{rec['run_id']}/{Path(art['uri']).name}"
        _write(path, rec)
    for manifest in (folder / "artifacts").glob("*/_manifest.json"):
        arts = _read(manifest)
        if isinstance(arts, list):
            for art in arts:
                if isinstance(art, dict) and art.get("uri"):
                    run_dir = manifest.parent.name
                    art["uri"] = f"{remote}/artifacts/{run_dir}/{Path(art['uri']).name}"
            _write(manifest, arts)
    pin_experiment(folder, 100, "20260115_1040")
    return folder


@pytest.fixture(scope="session")
def _browser_trees(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("browser_trees")
    build_small_tree(base / "small")
    build_reference_tree(base / "reference")
    return base


@pytest.fixture
def small_tree(_browser_trees: Path, tmp_path: Path) -> Path:
    """A private copy of the two-experiment collection root (``toy_1``, ``probe_2``)."""
    target = tmp_path / "small"
    shutil.copytree(_browser_trees / "small", target)
    return target


@pytest.fixture
def reference_tree(_browser_trees: Path, tmp_path: Path) -> Path:
    """A private copy of the reference-format experiment folder ``ref_sweep_0.3``."""
    target = tmp_path / "reference" / "ref_sweep_0.3"
    shutil.copytree(_browser_trees / "reference" / "ref_sweep_0.3", target)
    return target


@pytest.fixture(scope="session")
def small_tree_info() -> SimpleNamespace:
    """What the trees hold, for assertions (conftest modules are not importable)."""
    return SimpleNamespace(
        TOY_ID=TOY_ID,
        PROBE_ID=PROBE_ID,
        REF_ID=REF_ID,
        LRS=LRS,
        OPTIMIZERS=OPTIMIZERS,
        REPLICATES=REPLICATES,
        TOY_RUNS=len(LRS) * len(OPTIMIZERS) * REPLICATES,
        TOY_FAILED=REPLICATES,  # lr=1.0 with sgd
        PROBE_RUNS=3,
        REF_RUNS=6,
        BASE_TIME=BASE_TIME,
        FIXED_NOW=FIXED_NOW,
        train=train,
        probe=probe,
        pin_experiment=pin_experiment,
    )


@pytest.fixture
def fixed_clock() -> Any:
    """A clock for ``BrowserApp(tree, clock=...)``: always :data:`FIXED_NOW`."""
    return lambda: FIXED_NOW
