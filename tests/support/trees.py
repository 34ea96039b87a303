"""Every results tree the TUI's tests read, built in one place for both test folders.

``tests/metalab/index`` (the results index) and ``tests/tui/browser`` (the app) take their
trees from here: their conftests only turn these builders into fixtures, and the
browser's ``_trees`` and ``_plots_trees`` re-export names under their old spellings.

* **lib tree** (:func:`build_lib_tree`; browse's ``lib_tree``): ``toy:1`` written by
  metalab, lr x optimizer (sgd, adam) x 3 replicates, 18 runs, the ``lr=1.0, sgd`` ones
  failing; scalar metrics, a stepped ``loss``, one artifact, log lines. Times unpinned.
* **reference tree** (:func:`build_reference_tree`; browse's ``reference_tree``, the
  run detail's reference test): ``ref_sweep:0.3`` laid out by hand in the reference
  metalab's format as copied from alice's machine: schema 0.1 keys, artifact uris
  absolute under ``/home/alice`` (the files are in the tree all the same, and there is
  no artifact manifest on disk), no replicate in the provenance, 4 runs (the last
  failed) of a manifest that planned 6.
* **small tree** (:func:`build_small_tree`; browser's ``small_tree``): ``toy:1`` (lr x
  optimizer (adam, sgd) x 2 replicates, 12 runs, artifacts of every kind) and
  ``probe:2`` (3 random trials, the depth-1 one failing), pinned by
  :func:`pin_experiment` (times, host, pid, manifests, log timestamps) for snapshots.
* **reference sweep** (:func:`build_reference_sweep`; browser's ``reference_tree``):
  the small tree's ``train`` over a manual parameter source, written by metalab and then
  rewritten into the reference's format (alice uris, no replicate), pinned likewise.
* **probe tree** (:func:`build_probe_tree`): ``probe:1`` written by metalab and then
  moved, so its artifact uris point at a folder that no longer exists.
* **fixed tree** (:func:`build_fixed_tree`): ``demo:1`` laid out by hand with fixed ids,
  times and hosts, for snapshots: three successful runs and a failed one.
* **curve_fit tree** (:func:`curve_fit_master`): ``examples/curve_fit``'s 18-run sweep,
  written once per process.

Damaged and hostile trees (torn records, symlinks out of the tree, binary logs) and a
large log are built by ``hostile_trees`` (:func:`~support.hostile_trees.build_hostile_tree`,
:func:`~support.hostile_trees.write_large_log`).

The operations live in ``ops_lib``, ``ops_small`` and ``ops_probe``, each verbatim:
run ids fingerprint an operation's source, so moving one is safe and editing one is not.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import hashlib
import importlib.util
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import metalab
from metalab import artifacts as artifact_codec
from metalab._canonical import fingerprint
from metalab.store import FileStore

from . import ops_lib, ops_probe, ops_small
from .ops_probe import PROBE_STEPS as PROBE_STEPS  # defined by the operation that reads it

# -- files ---------------------------------------------------------------------------------


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def write_stepped(folder: Path, run_id: str, name: str, steps: Any, values: Any) -> None:
    """A stepped metric file (``results/<run_id>/<name>.json``) as metalab writes it."""
    data = [[int(s), float(v)] for s, v in zip(steps, values, strict=True)]
    write_json(
        folder / "results" / run_id / f"{name}.json",
        {
            "data": data,
            "dtype": None,
            "shape": [len(data), 2],
            "metadata": {"type": "stepped_metric"},
        },
    )


def write_log(path: Path, lines: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def copy_tree(source: Path, target: Path) -> Path:
    """A private copy of a tree built once (tests may write into it); returns ``target``."""
    shutil.copytree(source, target)
    return target


def run_sweep(experiment: metalab.Experiment, root: Path, workers: int) -> None:
    """Run ``experiment`` into the collection ``root`` on ``workers`` threads, to the end."""
    executor = metalab.ThreadExecutor(max_workers=workers)
    metalab.run(experiment, store=root, executor=executor).result()


# -- records in the reference format (schema 0.1), written by hand -------------------------


def run_record(
    run_id: str,
    experiment_id: str,
    *,
    status: str,
    fingerprints: tuple[str, str, str],
    started_at: str,
    finished_at: str,
    duration_ms: int,
    metrics: dict[str, Any],
    provenance: dict[str, Any],
    params: dict[str, Any],
    artifacts: list[dict[str, Any]],
    error: dict[str, str] | None = None,
    tags: Sequence[str] = (),
    warnings: Sequence[str] = (),
    notes: str | None = None,
) -> dict[str, Any]:
    """A run record with every key of schema 0.1; ``fingerprints`` are the context's,
    the params' and the seed's."""
    context_fp, params_fp, seed_fp = fingerprints
    return {
        "_schema_version": "0.1",
        "run_id": run_id,
        "experiment_id": experiment_id,
        "status": status,
        "context_fingerprint": context_fp,
        "params_fingerprint": params_fp,
        "seed_fingerprint": seed_fp,
        "started_at": started_at,
        "finished_at": finished_at,
        "duration_ms": duration_ms,
        "metrics": metrics,
        "provenance": provenance,
        "error": error,
        "params_resolved": params,
        "tags": list(tags),
        "warnings": list(warnings),
        "notes": notes,
        "artifacts": artifacts,
    }


def run_error(message: str, traceback: str, kind: str = "ValueError") -> dict[str, str]:
    """The ``error`` of a failed run's record."""
    return {"type": kind, "message": message, "traceback": traceback}


def alice_uri(folder: str, run_id: str, filename: str) -> str:
    """Where an artifact was on alice's machine, the reference's absolute uri."""
    return f"/home/alice/experiments/{folder}/artifacts/{run_id}/{filename}"


# -- the lib tree: toy:1 written by metalab (the small tree has a toy:1 too) -----------------

TOY_ID = "toy:1"
LRS = (0.01, 0.1, 1.0)
LIB_OPTIMIZERS = ("sgd", "adam")
LIB_REPLICATES = 3


def toy_experiment(
    operation: Callable[..., Any], optimizers: Sequence[str], replicates: int
) -> metalab.Experiment:
    """``toy:1``: a grid of :data:`LRS` x ``optimizers``, ``replicates`` seeds each."""
    return metalab.Experiment(
        name="toy",
        version="1",
        context={},
        operation=operation,
        params=metalab.grid(lr=list(LRS), optimizer=list(optimizers)),
        seeds=metalab.seeds(base=7, replicates=replicates),
        description="a toy sweep for the browser tests",
        tags=["toy", "tests"],
    )


def build_lib_tree(root: Path) -> Path:
    """Write ``toy:1`` into the collection ``root``; returns its folder ``toy_1``."""
    run_sweep(toy_experiment(ops_lib.train, LIB_OPTIMIZERS, LIB_REPLICATES), root, workers=2)
    return root / "toy_1"


# -- the reference tree: the reference's format by hand, from alice's machine ---------------

REF_ID = "ref_sweep:0.3"
REF_CASES = ((16, 0), (16, 1), (64, 0), (64, 1))
"""(width, replicate) of each run; the last one failed."""
REF_RUN_IDS = tuple(f"{n:x}" * 16 for n in range(len(REF_CASES)))


def ref_run_ids() -> list[str]:
    """The reference tree's run ids, in the order of :data:`REF_CASES`."""
    return list(REF_RUN_IDS)


def build_reference_tree(root: Path) -> Path:
    """Four runs of ``ref_sweep:0.3`` (the last failed) of a manifest that planned six,
    laid out as copied from alice's machine; returns the experiment folder."""
    folder = root / "ref_sweep_0.3"
    write_json(
        folder / "_meta.json",
        {"created_by": "metalab", "experiment_id": REF_ID, "schema_version": "0.1"},
    )
    base = 123
    seed_fps = [fingerprint({"root_seed": base, "replicate_index": i}) for i in range(2)]
    for n, (run_id, (width, rep)) in enumerate(zip(REF_RUN_IDS, REF_CASES, strict=True)):
        failed = n == len(REF_CASES) - 1
        data, _, _ = artifact_codec.serialize("weights", np.linspace(0.0, 1.0, width), None)
        weights = folder / "artifacts" / run_id / "weights.npz"
        weights.parent.mkdir(parents=True, exist_ok=True)
        weights.write_bytes(data)
        record = run_record(
            run_id,
            REF_ID,
            status="failed" if failed else "success",
            fingerprints=("c0ffee0000000000", f"{width:016x}", seed_fps[rep]),
            started_at=f"2026-01-0{n + 1}T10:00:00.500000",
            finished_at=f"2026-01-0{n + 1}T10:00:02",
            duration_ms=1500,
            metrics={} if failed else {"score": 0.5 + n / 10, "label": f"w{width}"},
            provenance={
                "code_hash": "abc",
                "python_version": "3.10.12",
                "metalab_version": "0.3.1",
                "executor_id": "process",
                "host": "alice-laptop",
                "extra": {},
            },
            error=run_error("width too large", "Traceback ...\nValueError: width too large")
            if failed
            else None,
            params={"width": width, "model": {"depth": 2 + n % 2, "act": "relu"}},
            artifacts=[
                {
                    "artifact_id": f"id-{n}",
                    "name": "weights",
                    "kind": "numpy",
                    "format": "npz",
                    "uri": alice_uri(folder.name, run_id, weights.name),
                    "content_hash": "0" * 16,
                    "size_bytes": len(data),
                    "metadata": {},
                }
            ],
            tags=["alice"],
        )
        write_json(folder / "runs" / f"{run_id}.json", record)
        steps = np.arange(5)
        write_stepped(folder, run_id, "loss", steps, 1.0 / (steps + 1))
        write_log(
            folder / "logs" / f"{run_id}_run.log",
            [
                f"2026-01-01 10:00:00 INFO starting width={width}",
                f"2026-01-01 10:00:01 INFO {'x' * 120} needle in a long line",
            ],
        )
    write_json(
        folder / "experiments" / "ref_sweep_0.3_20260101_100000.json",
        {
            "experiment_id": REF_ID,
            "name": "ref_sweep",
            "version": "0.3",
            "description": "from the reference",
            "tags": ["reference"],
            "total_runs": 6,
            "run_ids": list(REF_RUN_IDS),
            "seeds": {"type": "SeedPlan", "base": base, "replicates": 2},
            "submitted_at": "2026-01-01T09:59:59",
        },
    )
    return folder


# -- the small tree and the reference sweep: written by metalab, then pinned ----------------

SMALL_OPTIMIZERS = ("adam", "sgd")
SMALL_REPLICATES = 2
SMALL_PROBE_ID = "probe:2"
REF_SWEEP_RUNS = 6
BASE_TIME = _dt.datetime(2026, 1, 15, 9, 0, 0)
"""Runs of the pinned trees "started" a minute apart from here (local time)."""
FIXED_NOW = BASE_TIME.timestamp() + 7200.0
"""Tests run the browser as if it were this time (two hours after the first run)."""
OPERATION_REF = "browser_tests:train"

_LOG_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", re.MULTILINE)
_LOG_WORKER = re.compile(r"\.(thread|process):\d+\]")


def pin_experiment(folder: Path, first: int, stamp: str) -> int:
    """Pin times, host and manifest of one experiment folder; runs start at
    ``BASE_TIME + first`` minutes in run-id order. Returns how many runs there were."""
    records = sorted((folder / "runs").glob("*.json"))
    for i, path in enumerate(records):
        rec = read_json(path)
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
        write_json(path, rec)
    for log in (folder / "logs").glob("*.log"):
        text = log.read_text(encoding="utf-8")
        text = _LOG_WORKER.sub(r".\1:0]", _LOG_TIME.sub("2026-01-15 09:00:00", text))
        log.write_text(text, encoding="utf-8")
    manifests = sorted((folder / "experiments").glob("*.json"))
    for j, path in enumerate(manifests):
        man = read_json(path)
        man["submitted_at"] = (BASE_TIME + _dt.timedelta(seconds=j)).isoformat()
        if isinstance(man.get("operation"), dict):
            man["operation"]["ref"] = OPERATION_REF
        path.unlink()
        eid = str(man["experiment_id"]).replace(":", "_")
        write_json(folder / "experiments" / f"{eid}_{stamp}{j:02d}.json", man)
    return len(records)


def build_small_tree(root: Path) -> Path:
    """Write ``toy:1`` and ``probe:2`` into the collection ``root``, pinned; returns it."""
    run_sweep(toy_experiment(ops_small.train, SMALL_OPTIMIZERS, SMALL_REPLICATES), root, 4)
    probe_exp = metalab.Experiment(
        name="probe",
        version="2",
        context={},
        operation=ops_small.probe,
        params=metalab.random(
            {"alpha": metalab.uniform(0.0, 1.0), "depth": metalab.randint(1, 3)},
            n_trials=3,
            seed=11,
        ),
        seeds=metalab.seeds(base=3, replicates=1),
        description="random probes",
        tags=["probe"],
    )
    run_sweep(probe_exp, root, workers=2)
    n = pin_experiment(root / "toy_1", 0, "20260115_0900")
    pin_experiment(root / "probe_2", n, "20260115_0930")
    return root


def build_reference_sweep(root: Path) -> Path:
    """``ref_sweep:0.3`` over a manual parameter source, written by metalab into ``root``
    and rewritten as if copied from alice's machine, pinned; returns the folder."""
    exp = metalab.Experiment(
        name="ref_sweep",
        version="0.3",
        context={},
        operation=ops_small.train,
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
    run_sweep(exp, root, workers=4)
    folder = root / "ref_sweep_0.3"
    for path in sorted((folder / "runs").glob("*.json")):
        rec = read_json(path)
        (rec.get("provenance") or {}).get("extra", {}).pop("replicate", None)
        for art in rec.get("artifacts") or []:
            art["uri"] = alice_uri(folder.name, rec["run_id"], Path(art["uri"]).name)
        write_json(path, rec)
    for manifest in (folder / "artifacts").glob("*/_manifest.json"):
        arts = read_json(manifest)
        if isinstance(arts, list):
            for art in arts:
                if isinstance(art, dict) and art.get("uri"):
                    art["uri"] = alice_uri(folder.name, manifest.parent.name, Path(art["uri"]).name)
            write_json(manifest, arts)
    pin_experiment(folder, 100, "20260115_1040")
    return folder


# -- the probe tree: written by metalab, then moved ------------------------------------------

PROBE_ID = "probe:1"
PROBE_LRS = (0.01, 0.1, 1.0)
PROBE_WIDTHS = (8, 16)


def build_probe_tree(root: Path) -> Path:
    """Run the probe sweep into ``root/original``, then move it to ``root/moved``.

    Returns the moved collection root (holding ``probe_1``).
    """
    experiment = metalab.Experiment(
        name="probe",
        version="1",
        context={},
        operation=ops_probe.probe,
        params=metalab.grid(lr=list(PROBE_LRS), width=list(PROBE_WIDTHS)),
        seeds=metalab.seeds(base=11, replicates=2),
        tags=["probe"],
    )
    original = root / "original"
    run_sweep(experiment, original, workers=2)
    moved = root / "moved"
    original.rename(moved)
    return moved


# -- the fixed tree: by hand, with fixed ids and times, for snapshots ------------------------

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
            write_stepped(folder, run_id, "loss", steps, values)
            write_stepped(folder, run_id, "grad_norm", steps, np.exp(-steps / (10 + n)))
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
            write_stepped(folder, run_id, "loss", steps, values)
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
        write_log(store.log_path(run_id), log)
        record = run_record(
            run_id,
            FIXED_ID,
            status="failed" if failed else "success",
            fingerprints=("c0ffee00c0ffee00", f"{n:04x}beefbeefbeef", f"5eed{n % 2:012x}"),
            started_at=f"2026-01-0{n + 1}T10:00:00",
            finished_at=f"2026-01-0{n + 1}T10:00:0{2 + n}.250000",
            duration_ms=2250 + 1000 * n,
            metrics=FIXED_METRICS[run_id],
            provenance={
                "code_hash": "d1e2f3a4",
                "python_version": "3.11.9",
                "metalab_version": "0.1.0",
                "executor_id": "thread",
                "host": "node-7",
                "extra": {"replicate": n % 2},
            },
            error=run_error("loss diverged at step 12: lr=1.0 is too large", FIXED_TRACEBACK + "\n")
            if failed
            else None,
            params=params,
            artifacts=[a.to_dict() for a in artifacts],
            tags=["demo", "first"] if n == 0 else ["demo"],
            warnings=["artifact 'history' saved twice; the later one replaced the earlier"]
            if n == 0
            else [],
            notes="the first try, with the default schedule" if n == 0 else None,
        )
        write_json(folder / "runs" / f"{run_id}.json", record)
    write_json(
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


# -- the curve_fit tree: the seed's example, written once per process ------------------------

CURVE_FIT_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "curve_fit" / "run.py"
CURVE_FIT_FOLDER = "curve_fit_0.1"
CURVE_FIT_LRS = (0.01, 0.05, 0.1)
CURVE_FIT_ITERATIONS = (5000, 10000)
CURVE_FIT_REPLICATES = 3

T975 = {2: 4.302652729911275, 5: 2.570581835636314}
"""Student's t 0.975 quantiles (scipy.stats.t.ppf(0.975, df)), for 95% intervals."""

_BUILT: dict[str, Path] = {}


def _curve_fit_example() -> Any:
    spec = importlib.util.spec_from_file_location("curve_fit_example", CURVE_FIT_EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def curve_fit_master() -> Path:
    """The tree, written once per process (a collection root holding ``curve_fit_0.1``)."""
    if "curve_fit" not in _BUILT:
        base = Path(tempfile.mkdtemp(prefix="metalab-plots-"))
        atexit.register(shutil.rmtree, base, ignore_errors=True)
        root = base / "trees"
        run_sweep(_curve_fit_example().make_experiment(), root, workers=4)
        _BUILT["curve_fit"] = root
    return _BUILT["curve_fit"]


def copy_curve_fit(target: Path) -> Path:
    """A private copy of the tree at ``target``; returns the collection root."""
    return copy_tree(curve_fit_master(), target)


def curve_fit_records(root: Path) -> list[dict[str, Any]]:
    """Every run record of the tree, by run id."""
    folder = root / CURVE_FIT_FOLDER / "runs"
    return [read_json(p) for p in sorted(folder.glob("*.json"))]


def curve_fit_loss(root: Path, run_id: str) -> tuple[np.ndarray, np.ndarray]:
    """A run's stepped ``loss`` (steps, values), read straight from its JSON file."""
    data = read_json(root / CURVE_FIT_FOLDER / "results" / run_id / "loss.json")
    arr = np.asarray(data["data"], dtype=float)
    return arr[:, 0], arr[:, 1]
