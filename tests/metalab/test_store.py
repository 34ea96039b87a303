"""Issue 2, point 8: the results tree, its layout and its write discipline."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

import metalab
from metalab import FileStore
from metalab.store import atomic
from metalab.store.liveness import machine_key

RECORD_KEYS = {
    "_schema_version", "run_id", "experiment_id", "status", "context_fingerprint",
    "params_fingerprint", "seed_fingerprint", "started_at", "finished_at", "duration_ms",
    "metrics", "provenance", "error", "params_resolved", "tags", "warnings", "notes",
    "artifacts",
}  # fmt: skip
DESCRIPTOR_KEYS = {
    "artifact_id", "name", "kind", "format", "uri", "content_hash", "size_bytes", "metadata"
}  # fmt: skip


@metalab.operation
def full_op(params, capture):
    capture.log(f"lr={params['lr']}")
    for i in range(4):
        capture.metric("loss", 1.0 / (i + 1), step=i)
    capture.metric("final", 0.25)
    capture.artifact("theta", np.array([1.0, 2.0, 3.0]))
    capture.artifact("cfg", {"lr": params["lr"]})
    capture.data("curve", np.arange(4.0))


def run_full(store, **kw):
    exp = metalab.Experiment(
        "layout", "0.1", {}, full_op, metalab.grid(lr=[0.1, 0.2]), metalab.seeds(42)
    )
    return metalab.run(exp, store=store, **kw).result()


def all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_tree_layout_matches_the_reference(store):
    results = run_full(store)
    root = store / "layout_0.1"
    assert json.loads((root / "_meta.json").read_text()) == {
        "created_by": "metalab", "experiment_id": "layout:0.1", "schema_version": "0.1",
    }  # fmt: skip
    (manifest,) = (root / "experiments").glob("*.json")
    assert re.fullmatch(r"layout_0\.1_\d{8}_\d{6}\.json", manifest.name)
    assert json.loads(manifest.read_text())["run_ids"] == [r.run_id for r in results]

    for run in results:
        rid = run.run_id
        record_path = root / "runs" / f"{rid}.json"
        text = record_path.read_text()
        record = json.loads(text)
        assert set(record) == RECORD_KEYS
        assert record["_schema_version"] == "0.1"
        assert record["status"] == "success"
        assert record["experiment_id"] == "layout:0.1"
        assert text == json.dumps(record, indent=2, sort_keys=True)  # the reference's formatting
        assert set(record["provenance"]) >= {"code_hash", "executor_id", "python_version"}

        art_dir = root / "artifacts" / rid
        names = sorted(p.name for p in art_dir.iterdir())
        assert names == ["_manifest.json", "cfg.json", "theta.npz"]
        entries = json.loads((art_dir / "_manifest.json").read_text())["artifacts"]
        assert {e["name"] for e in entries} == {"theta", "cfg"}
        for entry in entries:
            assert set(entry) == DESCRIPTOR_KEYS
            file = art_dir / f"{entry['name']}.{entry['format']}"
            data = file.read_bytes()
            assert entry["size_bytes"] == len(data)
            assert entry["content_hash"] == hashlib.sha256(data).hexdigest()[:16]
            assert Path(entry["uri"]).is_absolute() and Path(entry["uri"]).exists()
            assert "_run_id" not in entry["metadata"]

        res_dir = root / "results" / rid
        assert sorted(p.name for p in res_dir.iterdir()) == ["curve.json", "loss.json"]
        assert (
            (root / "logs" / f"{rid}_run.log")
            .read_text()
            .strip()
            .endswith(f"lr={run.params['lr']}")
        )


def test_sealed_stepped_metric_is_in_the_reference_format(store):
    results = run_full(store)
    path = store / "layout_0.1" / "results" / results[0].run_id / "loss.json"
    sealed = json.loads(path.read_text())
    assert sealed["data"] == [[0, 1.0], [1, 0.5], [2, 1 / 3], [3, 0.25]]
    assert sealed["shape"] == [4, 2]
    assert sealed["metadata"] == {"type": "stepped_metric"}
    assert sealed.get("dtype") is None


def test_default_store_is_experiments_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exp = metalab.Experiment("dflt", "2", {}, full_op, metalab.grid(lr=[0.1]), metalab.seeds(1))
    results = metalab.run(exp).result()
    assert (tmp_path / "experiments" / "dflt_2" / "runs" / f"{results[0].run_id}.json").is_file()


def test_every_launch_writes_its_own_manifest(store):
    run_full(store)
    run_full(store)  # everything skipped this time
    assert len(list((store / "layout_0.1" / "experiments").glob("*.json"))) == 2


def test_store_may_be_an_experiment_folder(store):
    first = run_full(store)
    again = run_full(store / "layout_0.1", resume=True)
    assert [r.run_id for r in again] == [r.run_id for r in first]
    assert not (store / "layout_0.1" / "layout_0.1").exists()


# -- stepped metrics while the run is live ------------------------------------------------


def test_stepped_metrics_are_readable_while_the_run_is_live(store, wait_for):
    logged, release = threading.Event(), threading.Event()
    run_ids = []

    @metalab.operation
    def op(capture, runtime):
        run_ids.append(runtime.run_id)
        for i in range(50):
            capture.metric("loss", 100.0 - i, step=i)
        logged.set()
        release.wait(30)
        capture.metric("loss", 0.0, step=50)

    exp = metalab.Experiment("live", "1", {}, op, metalab.grid(), metalab.seeds(0))
    handle = metalab.run(exp, store=store)
    try:
        wait_for(logged.is_set)
        reader = FileStore(store / "live_1")  # a separate reader, straight from disk
        rid = run_ids[0]

        def fifty_steps():
            try:
                return len(reader.read_stepped(rid, "loss")[0]) == 50
            except KeyError:
                return False

        wait_for(fifty_steps, timeout=10)
        steps, values = reader.read_stepped(rid, "loss")
        np.testing.assert_array_equal(steps, np.arange(50))
        np.testing.assert_array_equal(values, 100.0 - np.arange(50))

        live = metalab.load_results(store / "live_1")
        (run,) = live
        assert run.status == "running"
        assert run.data("loss")[:2] == [[0, 100.0], [1, 99.0]]

        # and another process can follow it too
        code = (
            "import sys; from metalab import FileStore; "
            "s, v = FileStore(sys.argv[1]).read_stepped(sys.argv[2], 'loss'); print(len(s), v[-1])"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(store / "live_1"), rid],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        assert out.stdout.split() == ["50", "51.0"]
    finally:
        release.set()
    (run,) = handle.result()
    assert run.status == "success"
    assert len(run.data("loss")) == 51


def test_a_torn_last_line_is_ignored(tmp_path):
    store = FileStore(tmp_path / "exp", "exp:1")
    store.create()
    rid = "0123456789abcdef"
    stream = store.layout.stream(rid, "loss")
    stream.parent.mkdir(parents=True)
    stream.write_text("[0,1.0]\n[1,0.5]\n[2,0.2")  # a writer killed mid-line
    steps, values = store.read_stepped(rid, "loss")
    np.testing.assert_array_equal(steps, [0, 1])
    np.testing.assert_array_equal(values, [1.0, 0.5])
    assert store.get_result(rid, "loss")["data"] == [[0, 1.0], [1, 0.5]]
    assert store.stepped_names(rid) == ["loss"]


def test_stepped_metric_names_with_slashes_stay_in_the_run_folder(sweep, store):
    @metalab.operation
    def op(capture):
        capture.metric("train/loss", 1.0, step=0)

    (run,) = sweep(op)
    assert run.data("train/loss") == [[0, 1.0]]
    assert run.stepped_names() == ["train/loss"]
    assert [p.parent for p in (store / "t_1" / "results").rglob("*.json")] == [
        store / "t_1" / "results" / run.run_id
    ]


# -- moved trees, re-runs, temporaries, atomic writes ---------------------------------


def test_a_moved_tree_still_loads_its_artifacts(store, tmp_path):
    first = run_full(store)
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(store, moved)
    shutil.rmtree(store)
    results = metalab.load_results(moved / "layout_0.1")
    assert len(results) == 2
    for run in results:
        np.testing.assert_array_equal(run.artifact("theta"), [1.0, 2.0, 3.0])
        assert run.artifact("cfg") == {"lr": run.params["lr"]}
        assert run.data("loss")[0] == [0, 1.0]
        assert "lr=" in run.log
        assert str(run.artifact_path("theta")).startswith(str(moved))
    assert {r.run_id for r in results} == {r.run_id for r in first}


def test_a_rerun_log_does_not_mix_with_the_earlier_attempt(store):
    state = {"attempt": 0}

    @metalab.operation
    def flaky(capture):
        state["attempt"] += 1
        capture.log(f"attempt {state['attempt']}")
        if state["attempt"] == 1:
            raise RuntimeError("first attempt fails")

    exp = metalab.Experiment("rerun", "1", {}, flaky, metalab.grid(), metalab.seeds(0))
    (failed,) = metalab.run(exp, store=store).result()
    assert failed.status == "failed"
    (run,) = metalab.run(exp, store=store).result()
    assert run.status == "success"
    assert "attempt 2" in run.log
    assert "attempt 1" not in run.log
    assert "RuntimeError" not in run.log
    assert run.logs() == ["run", "run.attempt1"]
    assert "attempt 1" in run.log_text("run.attempt1")
    assert "RuntimeError: first attempt fails" in run.log_text("run.attempt1")


def test_a_rerun_shows_its_own_curve_while_live(store, wait_for):
    attempt = {"n": 0}
    logged, release = threading.Event(), threading.Event()

    @metalab.operation
    def op(capture):
        attempt["n"] += 1
        n = attempt["n"]
        for i in range(10 if n == 1 else 5):
            capture.metric("loss", float(n), step=i)
        if n == 2:
            logged.set()
            release.wait(30)

    exp = metalab.Experiment("own_curve", "1", {}, op, metalab.grid(), metalab.seeds(0))
    (first,) = metalab.run(exp, store=store).result()
    assert len(first.data("loss")) == 10
    handle = metalab.run(exp, store=store, resume=False)
    try:
        wait_for(logged.is_set)
        reader = FileStore(store / "own_curve_1")

        def five_points():
            try:
                return len(reader.read_stepped(first.run_id, "loss")[0]) == 5
            except KeyError:
                return False

        wait_for(five_points, timeout=10)
        assert set(reader.read_stepped(first.run_id, "loss")[1]) == {2.0}
    finally:
        release.set()
    (second,) = handle.result()
    assert second.data("loss") == [[i, 2.0] for i in range(5)]


def test_no_temporary_files_are_left_behind(store):
    scratch = []

    @metalab.operation
    def op(capture, runtime):
        folder = runtime.scratch_dir
        scratch.append((runtime.run_id, folder))
        (folder / "work.bin").write_bytes(b"x" * 1000)
        for step in (3, 1, 2, 0):  # out of order: sealing has to rewrite the stream
            capture.metric("m", float(step), step=step)
        capture.artifact("a", np.zeros(4))
        capture.artifact("a", np.ones(4))  # replaced
        capture.data("d", {"x": 1})
        capture.file("f", folder / "work.bin")

    exp = metalab.Experiment("tmpfree", "1", {}, op, metalab.grid(i=[1, 2, 3]), metalab.seeds(0))
    results = metalab.run(exp, store=store, executor=metalab.ThreadExecutor(2)).result()
    assert len(results.successful) == 3
    leftovers = [p for p in store.rglob("*") if ".tmp." in p.name or p.suffix == ".jsonl"]
    assert leftovers == []
    tmp_root = Path(tempfile.gettempdir())
    for run_id, folder in scratch:
        assert not folder.exists()
        assert not list(tmp_root.glob(f"metalab_{run_id[:8]}_*"))


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporaries_left_by_a_crashed_writer_are_removed_on_the_next_launch(store):
    first = run_full(store)
    root = store / "layout_0.1"
    run_id = first[0].run_id
    machine = machine_key()
    dead = _dead_pid()
    old = time.time() - atomic.ABANDONED_AFTER - 60
    strays = [  # a killed writer on this machine: its pid is gone
        root / "runs" / f".{run_id}.json.tmp.{machine}-{dead}-1a2b3c4d",
        root / "results" / run_id / f".loss.json.tmp.{machine}-{dead}-deadbeef",
        # an older version's name, or another machine's writer, untouched for long
        root / "artifacts" / run_id / ".theta.npz.tmp.00ff00ff",
        root / "artifacts" / run_id / f".cfg.json.tmp.0badc0de-{os.getpid()}-00ff00ff",
    ]
    live = [  # a live writer on this machine (this process), or an unknown one, recently
        root / f".metalab-index.json.tmp.{machine}-{os.getpid()}-12345678",
        root / "runs" / ".other.json.tmp.0badc0de-1-aaaaaaaa",
    ]
    for path in strays + live:
        path.write_text("half a file")
    for path in strays[2:]:
        os.utime(path, (old, old))
    assert len(metalab.load_results(root)) == 2  # readers ignore them
    run_full(store)
    assert [p for p in strays if p.exists()] == []
    assert [p for p in live if not p.exists()] == []


def test_files_a_reader_sees_are_never_half_written(store, wait_for):
    """Run records and artifact manifests are replaced atomically while a reader polls them."""
    stop = threading.Event()
    bad: list[str] = []
    reads = [0]
    run_ids: list[str] = []

    @metalab.operation
    def op(capture, runtime):
        run_ids.append(runtime.run_id)
        for i in range(60):
            capture.metric("i", i)
            capture.artifact(f"a{i}", {"i": i, "pad": "x" * 2000})
            if i % 20 == 0:
                threading.Event().wait(0.3)  # let the flusher checkpoint the record

    def reader():
        root = store / "atomic_1"
        while not stop.is_set():
            if not run_ids:
                continue
            for path in (
                root / "runs" / f"{run_ids[0]}.json",
                root / "artifacts" / run_ids[0] / "_manifest.json",
            ):
                try:
                    text = path.read_text()
                except FileNotFoundError:
                    continue
                reads[0] += 1
                try:
                    json.loads(text)
                except ValueError:
                    bad.append(text[:80])

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    exp = metalab.Experiment("atomic", "1", {}, op, metalab.grid(), metalab.seeds(0))
    try:
        (run,) = metalab.run(exp, store=store).result()
    finally:
        stop.set()
        thread.join(10)
    assert run.status == "success"
    assert reads[0] > 10
    assert bad == []


def test_store_path_inside_tree_is_not_touched_outside(store, tmp_path):
    sentinel = tmp_path / "outside.txt"
    sentinel.write_text("keep")
    before = sorted(p.name for p in tmp_path.iterdir())
    run_full(store)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({*before, "store"})
    assert sentinel.read_text() == "keep"


def test_unreadable_record_is_skipped_not_fatal(store):
    run_full(store)
    (store / "layout_0.1" / "runs" / "garbage.json").write_text("{not json")
    results = metalab.load_results(store / "layout_0.1")
    assert len(results) == 2


def test_a_rerun_seals_an_earlier_attempts_stream_left_by_a_kill_mid_seal(store):
    # attempt 1 was kept apart and killed while its stream was being sealed; attempt 2
    # was killed before it wrote anything; the run's next attempt seals attempt 1's curve
    @metalab.operation
    def steady(capture):
        capture.metric("loss", 0.25, step=0)

    exp = metalab.Experiment("sealing", "1", {}, steady, metalab.grid(), metalab.seeds(0))
    (run,) = metalab.run(exp, store=store).result()
    layout = FileStore(run.store.root).layout
    kept = layout.results_dir(run.run_id).with_name(f"{run.run_id}.attempt1")
    kept.mkdir()
    (kept / "loss.jsonl").write_text("[[0,1.0],[1,0.5]]\n[[2,0.25]]\n", encoding="utf-8")
    record = layout.runs_dir / f"{run.run_id}.json"
    record.write_text(record.read_text().replace('"success"', '"running"'), encoding="utf-8")
    shutil.rmtree(layout.results_dir(run.run_id))
    run.store.log_path(run.run_id).unlink()

    (again,) = metalab.run(exp, store=store).result()
    assert again.status == "success"
    assert not (kept / "loss.jsonl").exists()
    assert json.loads((kept / "loss.json").read_text())["data"] == [[0, 1.0], [1, 0.5],
                                                                    [2, 0.25]]  # fmt: skip
