"""Issue 2, points 4 and 8: we read trees the reference wrote, and resume them.

The fixture builds a results tree in the reference's format (as described in
metalab-api.md section 6), the way it would arrive after being copied from another
machine: artifact uris are absolute paths under /home/someone/old/..., which do not
exist here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import metalab

OLD_ROOT = "/home/someone/old/experiments"
CODE_HASH = "9aaf80927f60b722"


def fp(obj) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def reference_run_id(experiment_id: str, n_samples: int, replicate: int) -> str:
    """The reference's run id of a pi_mc-style run (context {}, seeds base 42)."""
    return fp(
        {
            "experiment_id": experiment_id,
            "context_fp": fp({}),
            "params_fp": fp({"n_samples": n_samples}),
            "seed_fp": fp({"root_seed": 42, "replicate_index": replicate}),
            "code_fp": CODE_HASH,
        }
    )


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True))


def reference_record(experiment_id, run_id, n, status, *, metrics=None, error=None,
                     artifacts=(), duration=120):  # fmt: skip
    started = "2025-11-26T06:32:32.123456"
    return {
        "_schema_version": "0.1",
        "run_id": run_id,
        "experiment_id": experiment_id,
        "status": status,
        "context_fingerprint": fp({}),
        "params_fingerprint": fp({"n_samples": n}),
        "seed_fingerprint": fp({"root_seed": 42, "replicate_index": 0}),
        "started_at": started,
        "finished_at": started if status == "running" else "2025-11-26T06:32:32.243456",
        "duration_ms": 0 if status == "running" else duration,
        "metrics": metrics or {},
        "provenance": {
            "code_hash": CODE_HASH,
            "python_version": "3.12.3",
            "metalab_version": "0.1.0",
            "executor_id": "thread",
            "host": "old-box",
            "extra": {},
        },  # fmt: skip
        "error": error,
        "params_resolved": {"n_samples": n},
        "tags": [],
        "warnings": [],
        "notes": None,
        "artifacts": [dict(a, metadata={**a["metadata"], "_run_id": run_id}) for a in artifacts],
    }


def descriptor(folder: str, run_id: str, name: str, kind: str, fmt: str, data: bytes, meta=None):
    return {
        "artifact_id": hashlib.md5(f"{run_id}{name}".encode()).hexdigest(),  # any uuid-ish id
        "name": name,
        "kind": kind,
        "format": fmt,
        "uri": f"{OLD_ROOT}/{folder}/artifacts/{run_id}/{name}.{fmt}",
        "content_hash": hashlib.sha256(data).hexdigest()[:16],
        "size_bytes": len(data),
        "metadata": meta or {},
    }


SAMPLES = np.linspace(0.0, 1.0, 10)
LOSS = [[0, 0.9], [1, 0.5], [2, 0.25]]
EMBEDDING = [[0.5, 1.5], [2.5, 3.5]]


def build_experiment(collection: Path, name: str, runs: dict[str, tuple[int, str]]) -> Path:
    """One experiment folder; ``runs`` maps run ids to (n_samples, status)."""
    experiment_id = f"{name}:0.1"
    folder_name = f"{name}_0.1"
    root = collection / folder_name
    write_json(root / "_meta.json", {
        "created_by": "metalab", "experiment_id": experiment_id, "schema_version": "0.1",
    })  # fmt: skip
    for sub in ("runs", "artifacts", "results", "logs", "derived", "experiments", ".locks"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    write_json(root / "experiments" / f"{folder_name}_20251126_063232.json", {
        "experiment_id": experiment_id, "name": name, "version": "0.1", "description": None,
        "tags": [], "operation": {"ref": "__main__:estimate_pi", "name": "estimate_pi",
                                  "code_hash": CODE_HASH},
        "params": {"type": "GridSource", "spec": {"n_samples": [1000, 10000, 100000]},
                   "total_cases": 3},
        "seeds": {"type": "SeedPlan", "base": 42, "replicates": 1},
        "context_fingerprint": fp({}), "metadata": {}, "total_runs": len(runs),
        "run_ids": list(runs), "submitted_at": "2025-11-26T06:32:32.000001",
    })  # fmt: skip
    # the reference names this file with the raw "name:version"
    write_json(collection / folder_name / f"{experiment_id}_context_manifest.json", {})

    for run_id, (n, status) in runs.items():
        (root / ".locks" / f"{run_id}.lock").touch()
        log = root / "logs" / f"{run_id}_run.log"
        log.write_text(f"2025-11-26 06:32:32 [INFO   ] [metalab.run.{run_id[:8]}.thread:0] n={n}\n")
        if status == "running":
            write_json(root / "runs" / f"{run_id}.json",
                       reference_record(experiment_id, run_id, n, status))  # fmt: skip
            continue
        if status == "failed":
            error = {
                "type": "ZeroDivisionError",
                "message": "division by zero",
                "traceback": "Traceback (most recent call last):\nZeroDivisionError\n",
            }
            write_json(
                root / "runs" / f"{run_id}.json",
                reference_record(experiment_id, run_id, n, status, error=error),
            )
            continue  # fmt: skip
        art = root / "artifacts" / run_id
        art.mkdir(parents=True)
        np.savez_compressed(art / "samples.npz", arr=SAMPLES)
        (art / "config.json").write_text(json.dumps({"n": n, "method": "mc"}, indent=2))
        (art / "notes.txt").write_text("copied from old-box\n")
        descriptors = [
            descriptor(folder_name, run_id, "samples", "numpy", "npz",
                       (art / "samples.npz").read_bytes(), {"unit": "1"}),
            descriptor(folder_name, run_id, "config", "json", "json",
                       (art / "config.json").read_bytes()),
            descriptor(folder_name, run_id, "notes", "file", "txt",
                       (art / "notes.txt").read_bytes()),
        ]  # fmt: skip
        write_json(art / "_manifest.json", {"artifacts": descriptors})
        write_json(root / "results" / run_id / "loss.json", {
            "name": "loss", "data": LOSS, "dtype": None, "shape": [3, 2],
            "metadata": {"type": "stepped_metric"},
        })  # fmt: skip
        write_json(root / "results" / run_id / "embedding.json", {
            "data": EMBEDDING, "dtype": "float32", "shape": [2, 2], "metadata": {},
        })  # fmt: skip
        write_json(root / "derived" / f"{run_id}.json", {"pi_error": 0.0012})
        write_json(root / "runs" / f"{run_id}.json", reference_record(
            experiment_id, run_id, n, status,
            metrics={"pi_estimate": 3.1428}, artifacts=descriptors,
        ))  # fmt: skip
    return root


RID_OK = reference_run_id("pi_mc:0.1", 100000, 0)
RID_FAILED = reference_run_id("pi_mc:0.1", 1000, 0)
RID_RUNNING = reference_run_id("pi_mc:0.1", 10000, 0)


@pytest.fixture
def reference_tree(tmp_path: Path) -> Path:
    """A collection root holding two experiments written by the reference."""
    collection = tmp_path / "from_old_box" / "experiments"
    build_experiment(collection, "pi_mc", {
        RID_OK: (100000, "success"), RID_FAILED: (1000, "failed"), RID_RUNNING: (10000, "running"),
    })  # fmt: skip
    build_experiment(collection, "other", {
        reference_run_id("other:0.1", 5, 0): (5, "success"),
        reference_run_id("other:0.1", 6, 0): (6, "success"),
    })  # fmt: skip
    return collection


def test_the_fixture_uses_the_reference_run_id():
    assert RID_OK == "4df13cd112b9b18f"


def test_reading_one_experiment_folder(reference_tree):
    results = metalab.load_results(reference_tree / "pi_mc_0.1")
    assert len(results) == 3
    assert results.summary()["by_status"] == {"success": 1, "failed": 1, "running": 1}

    ok = results.get(RID_OK)
    assert ok.status == "success" and ok.status is metalab.Status.SUCCESS
    assert ok.params == {"n_samples": 100000}
    assert ok.metrics == {"pi_estimate": 3.1428}
    assert ok.duration_ms == 120
    assert ok.started_at.year == 2025
    assert ok.experiment_id == "pi_mc:0.1"
    assert ok.derived == {"pi_error": 0.0012}

    # artifacts load though their recorded uris point at a machine we never saw
    assert not Path(ok.record.artifacts[0].uri).exists()
    np.testing.assert_array_equal(ok.artifact("samples"), SAMPLES)
    assert ok.artifact("config") == {"n": 100000, "method": "mc"}
    assert ok.artifact("notes") == "copied from old-box\n"
    assert {d.name: d.metadata for d in ok.artifacts()}["samples"] == {"unit": "1"}

    assert ok.data("loss") == LOSS
    steps, values = ok.stepped("loss")
    np.testing.assert_array_equal(steps, [0, 1, 2])
    np.testing.assert_array_equal(values, [0.9, 0.5, 0.25])
    embedding = ok.data("embedding")
    assert embedding.dtype == np.float32 and embedding.shape == (2, 2)
    assert sorted(ok.list_data()) == ["embedding", "loss"]
    assert ok.stepped_names() == ["loss"]
    assert "n=100000" in ok.log

    failed = results.get(RID_FAILED)
    assert failed.status == "failed"
    assert failed.error["type"] == "ZeroDivisionError"
    assert results.failed.runs == [failed]
    assert results.get(RID_RUNNING).status == "running"


def test_reading_a_collection_root(reference_tree):
    before = sorted(p.name for p in reference_tree.iterdir())
    everything = metalab.load_results(reference_tree)
    assert len(everything) == 5
    assert {r.experiment_id for r in everything} == {"pi_mc:0.1", "other:0.1"}
    only = metalab.load_results(reference_tree, experiment_id="pi_mc:0.1")
    assert len(only) == 3
    assert sorted(p.name for p in reference_tree.iterdir()) == before  # nothing created


def test_dataframe_of_a_reference_tree(reference_tree):
    pytest.importorskip("pandas")
    results = metalab.load_results(reference_tree / "pi_mc_0.1").successful
    df = results.to_dataframe(
        include_derived=True,
        artifact_reducers={"samples": lambda arr: {"samples_mean": float(arr.mean())}},
    )
    assert list(df.columns) == [
        "run_id", "experiment_id", "status", "duration_ms", "started_at", "finished_at",
        "param_n_samples", "pi_estimate", "derived_pi_error", "samples_mean",
    ]  # fmt: skip
    assert df.loc[0, "samples_mean"] == pytest.approx(0.5)


@metalab.operation
def estimate_pi(params, seeds, capture):
    n = params["n_samples"]
    rng = seeds.numpy()
    x, y = rng.random(n), rng.random(n)
    capture.metric("pi_estimate", 4.0 * (x**2 + y**2 <= 1).mean())


def test_resuming_a_reference_tree(reference_tree, monkeypatch):
    monkeypatch.setattr(estimate_pi, "_code_hash", CODE_HASH)
    exp = metalab.Experiment(
        name="pi_mc", version="0.1", context={}, operation=estimate_pi,
        params=metalab.grid(n_samples=[1000, 10000, 100000]), seeds=metalab.seeds(42),
    )  # fmt: skip
    events = []
    results = metalab.run(exp, store=reference_tree, on_event=events.append).result()
    assert {e.run_id for e in events if e.kind == "run_skipped"} == {RID_OK}
    assert {e.run_id for e in events if e.kind == "run_started"} == {RID_FAILED, RID_RUNNING}
    assert len(results) == 3
    assert all(r.status == "success" for r in results)
    assert results.get(RID_OK).metrics == {"pi_estimate": 3.1428}  # kept, not recomputed
    assert results.get(RID_FAILED).metrics["pi_estimate"] != 3.1428
    # the whole tree still reads as one experiment
    assert len(metalab.load_results(reference_tree / "pi_mc_0.1").successful) == 3
