"""Issue 2, point 9: failures, cancellation, Ctrl-C and SIGKILL leave a consistent tree."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import metalab
from metalab import FileStore

# -- an exception in an operation ----------------------------------------------------------


@metalab.operation
def sometimes_fails(params, capture):
    capture.metric("before", params["x"])
    for i in range(3):
        capture.metric("curve", float(i), step=i)
    capture.artifact("partial", np.arange(3))
    capture.log("about to decide")
    if params["x"] == 1:
        raise KeyError("missing thing")
    capture.metric("after", 1)


def test_an_exception_fails_only_its_run_and_keeps_what_was_captured(sweep):
    results = sweep(sometimes_fails, params=metalab.grid(x=[0, 1, 2]))
    assert [r.status for r in results] == ["success", "failed", "success"]
    (failed,) = results.failed
    assert failed.error["type"] == "KeyError"
    assert failed.error["message"] == "'missing thing'"
    assert failed.error["traceback"].startswith("Traceback (most recent call last)")
    assert 'raise KeyError("missing thing")' in failed.error["traceback"]
    assert failed.metrics == {"before": 1}
    assert failed.data("curve") == [[0, 0.0], [1, 1.0], [2, 2.0]]
    np.testing.assert_array_equal(failed.artifact("partial"), np.arange(3))
    assert "about to decide" in failed.log
    assert "Traceback (most recent call last)" in failed.log
    assert "KeyError: 'missing thing'" in failed.log
    assert failed.finished_at is not None and failed.duration_ms >= 0


def test_system_exit_in_an_operation_does_not_end_the_caller(sweep):
    @metalab.operation
    def exits(params):
        if params["x"] == 0:
            sys.exit(3)

    results = sweep(exits, params=metalab.grid(x=[0, 1]))
    assert [r.status for r in results] == ["failed", "success"]
    assert results[0].error["type"] == "SystemExit"
    assert results[0].error["message"] == "3"


def test_keyboard_interrupt_inside_an_operation_ends_only_that_run(sweep):
    @metalab.operation
    def interrupted(params):
        if params["x"] == 0:
            raise KeyboardInterrupt

    results = sweep(interrupted, params=metalab.grid(x=[0, 1]))
    assert results[0].status == "cancelled"
    assert results[1].status == "success"


# -- cancel() -------------------------------------------------------------------------------

RELEASE = threading.Event()


@metalab.operation
def long_runs(params, capture, runtime):
    x = params["x"]
    if x < 2 or RELEASE.is_set():
        capture.metric("done", x)
        return
    i = 0
    while True:
        if x == 3:
            runtime.check_cancelled()  # an operation that captures nothing polls instead
        else:
            capture.metric("tick", i, step=i)
        i += 1
        time.sleep(0.005)


def test_cancel_marks_unfinished_runs_cancelled_and_a_later_run_resumes_them(store, wait_for):
    RELEASE.clear()
    exp = metalab.Experiment(
        "cancel", "1", {}, long_runs, metalab.grid(x=[0, 1, 2, 3, 4, 5]), metalab.seeds(0)
    )
    seen = []
    handle = metalab.run(
        exp, store=store, executor=metalab.ThreadExecutor(max_workers=2), on_event=seen.append
    )
    wait_for(lambda: handle.status.completed == 2 and handle.status.running == 2)
    handle.cancel()
    results = handle.result(timeout=30)
    cancelled = [e for e in seen if e.kind == "run_cancelled"]
    assert {e.run_id for e in cancelled} == {r.run_id for r in results if r.status == "cancelled"}
    assert sorted(e.payload["reason"] for e in cancelled) == (
        ["cancelled before it started"] * 2 + ["cancelled while running"] * 2
    )
    by_x = {r.params["x"]: r.status for r in results}
    assert by_x == {0: "success", 1: "success", 2: "cancelled", 3: "cancelled",
                    4: "cancelled", 5: "cancelled"}  # fmt: skip
    status = handle.status
    assert (status.completed, status.cancelled, status.running, status.pending) == (2, 4, 0, 0)

    root = store / "cancel_1"
    on_disk = [json.loads(p.read_text())["status"] for p in (root / "runs").glob("*.json")]
    assert sorted(on_disk) == ["cancelled"] * 4 + ["success"] * 2
    assert not list(root.rglob("*.jsonl"))  # the cancelled run's curve was sealed
    ticked = results.filter(params={"x": 2})[0]
    assert len(ticked.data("tick")) > 0

    RELEASE.set()
    events = []
    again = metalab.run(exp, store=store, on_event=events.append).result(timeout=30)
    rerun = {e.run_id for e in events if e.kind == "run_started"}
    assert sorted(r.params["x"] for r in again if r.run_id in rerun) == [2, 3, 4, 5]
    assert len(again.successful) == 6


# -- Ctrl-C and SIGKILL, in a real process -------------------------------------------------

INTERRUPT_SCRIPT = """
import json, os, signal, sys, threading, time
import metalab

RESUME = sys.argv[2] == "resume"

@metalab.operation
def op(params, capture):
    if params["x"] < 2 or RESUME:
        capture.metric("done", params["x"])
        return
    i = 0
    while True:
        capture.metric("tick", i, step=i)
        i += 1
        time.sleep(0.005)

exp = metalab.Experiment("kbd", "1", {}, op, metalab.grid(x=[0, 1, 2, 3, 4, 5]), metalab.seeds(0))

if __name__ == "__main__":
    started = []
    handle = metalab.run(exp, store=sys.argv[1], executor=metalab.ThreadExecutor(2),
                         on_event=lambda e: started.append(e) if e.kind == "run_started" else None)

    def waiting_in_result():
        # the main thread's stack: is it inside handle.result() yet? (on a loaded machine
        # the runs can get this far before it is, and a Ctrl-C there is not during result)
        frame = sys._current_frames().get(threading.main_thread().ident)
        while frame is not None:
            if frame.f_code.co_name == "result" and frame.f_code.co_filename.endswith("runner.py"):
                return True
            frame = frame.f_back
        return False

    def press_ctrl_c():
        while not (handle.status.completed == 2 and handle.status.running == 2
                   and waiting_in_result()):
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    try:  # the Ctrl-C can land as soon as the thread starts: start it inside the try
        if not RESUME:
            threading.Thread(target=press_ctrl_c, daemon=True).start()
        handle.result()
        print("FINISHED")
    except KeyboardInterrupt:
        print("INTERRUPTED")
    print(json.dumps({"executed": len(started), "status": vars(handle.status)}))
"""


def run_script(script: Path, store: Path, mode: str, tmp_path: Path) -> list[str]:
    out = subprocess.run(
        [sys.executable, str(script), str(store), mode],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_ctrl_c_during_result_cancels_cleanly_and_a_later_run_resumes(tmp_path, store):
    script = tmp_path / "interrupt_me.py"
    script.write_text(INTERRUPT_SCRIPT)
    first = run_script(script, store, "first", tmp_path)
    assert first[0] == "INTERRUPTED"
    report = json.loads(first[1])
    assert report["status"]["completed"] == 2 and report["status"]["cancelled"] == 4

    results = metalab.load_results(store / "kbd_1")
    assert sorted(str(r.status) for r in results) == ["cancelled"] * 4 + ["success"] * 2
    assert not list((store / "kbd_1").rglob("*.jsonl"))
    assert not list((store / "kbd_1").rglob("*.tmp.*"))

    second = run_script(script, store, "resume", tmp_path)
    assert second[0] == "FINISHED"
    report = json.loads(second[1])
    assert report["executed"] == 4
    assert report["status"]["skipped"] == 2 and report["status"]["completed"] == 4
    assert len(metalab.load_results(store / "kbd_1").successful) == 6


KILL_SCRIPT = """
import sys, time
import numpy as np
import metalab

FAST = sys.argv[2] == "resume"

@metalab.operation
def op(params, capture):
    x = params["x"]
    if x < 3 or FAST:
        for i in range(50):
            capture.metric("t", float(i), step=i)
        capture.metric("final", x)
        capture.artifact("arr", np.arange(x + 3))
        capture.log(f"finished x={x}")
        return
    capture.log("the long run starts")
    i = 0
    while True:  # the live run: one point a millisecond, its value the time it was taken
        capture.metric("t", time.time(), step=i)
        i += 1
        time.sleep(0.001)

exp = metalab.Experiment("killed", "1", {}, op, metalab.grid(x=[0, 1, 2, 3]), metalab.seeds(0))

if __name__ == "__main__":
    results = metalab.run(exp, store=sys.argv[1], executor=metalab.ThreadExecutor(1)).result()
    print(len(results.successful))
"""


def records(root: Path) -> dict[str, dict]:
    out = {}
    for path in (root / "runs").glob("*.json"):
        try:
            out[path.stem] = json.loads(path.read_text())
        except ValueError:  # pragma: no cover - would be a torn record
            out[path.stem] = {"status": "torn"}
    return out


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_loses_no_finished_run_and_at_most_a_second_of_the_live_one(
    tmp_path, store, wait_for
):
    script = tmp_path / "kill_me.py"
    script.write_text(KILL_SCRIPT)
    root = store / "killed_1"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(store), "first"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:

        def live_run_streaming():
            recs = records(root)
            ok = [k for k, r in recs.items() if r["status"] == "success"]
            live = [k for k, r in recs.items() if r["status"] == "running"]
            if len(ok) != 3 or len(live) != 1:
                return None
            stream = root / "results" / live[0] / "t.jsonl"
            if stream.exists() and stream.stat().st_size > 2000:
                return live[0]
            return None

        live_id = wait_for(live_run_streaming, timeout=60)
        time.sleep(0.6)  # let the live run stream for a while longer
        killed_at = time.time()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    # every finished run is intact and loads
    results = metalab.load_results(root)
    assert len(results) == 4
    for run in results.successful:
        assert run.metrics["final"] == run.params["x"]
        assert run.data("t") == [[i, float(i)] for i in range(50)]
        np.testing.assert_array_equal(run.artifact("arr"), np.arange(run.params["x"] + 3))
        assert f"finished x={run.params['x']}" in run.log
    assert len(results.successful) == 3

    # the live run's curve is on disk up to within about a second of the kill
    live = results.get(live_id)
    assert live.status == "running"
    steps, values = FileStore(root).read_stepped(live_id, "t")
    assert len(steps) > 100
    np.testing.assert_array_equal(steps, np.arange(len(steps)))
    assert values[-1] >= killed_at - 1.0, f"lost {killed_at - values[-1]:.2f} s of metrics"
    assert "the long run starts" in live.log

    # a later launch resumes: the killed run is run again, its old attempt does not leak in
    out = subprocess.run(
        [sys.executable, str(script), str(store), "resume"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["4"]
    rerun = metalab.load_results(root).get(live_id)
    assert rerun.status == "success"
    assert rerun.data("t") == [[i, float(i)] for i in range(50)]
    assert "the long run starts" not in rerun.log
    assert "the long run starts" in rerun.log_text("run.attempt1")
    assert not list(root.rglob("*.jsonl"))
