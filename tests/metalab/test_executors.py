"""Issue 2, point 6 (executors) and point 7 (events from every executor)."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import Future

import numpy as np
import pytest

import metalab
from metalab import ExecutorError, ProcessExecutor, ThreadExecutor

# Operations run by ProcessExecutor must be importable by name, so they live at module level.


@metalab.operation
def curve_op(params, seeds, capture):
    x = params["x"]
    rng = seeds.numpy()
    capture.log(f"start x={x}")
    for i in range(20):
        capture.metric("loss", float(rng.random()) / (i + 1), step=i)
    capture.metric("final", float(rng.random()) + x)
    capture.artifact("noise", rng.normal(size=5))
    capture.data("table", {"x": x})
    if x == 2:
        raise ValueError("x=2 is not allowed")
    capture.log("done")


@metalab.operation
def looping_op(params, capture):
    for i in range(100_000):
        capture.metric("i", i, step=i)
        time.sleep(0.01)


def experiment(name: str, op=curve_op, xs=(0, 1, 2)) -> metalab.Experiment:
    return metalab.Experiment(
        name, "1", {}, op, metalab.grid(x=list(xs)), metalab.seeds(base=11, replicates=2)
    )


def strip_log(text: str) -> list[str]:
    """Log lines without their timestamp and worker label, which legitimately differ."""
    return [re.sub(r"^.*?\] \[.*?\] ", "", line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The same sweep under threads and under processes, with the events of each."""
    out = {}
    for label, executor in (("thread", ThreadExecutor(max_workers=2)),
                            ("process", ProcessExecutor(max_workers=2))):  # fmt: skip
        store = tmp_path_factory.mktemp(label)
        events = []
        results = metalab.run(
            experiment("same"), store=store, executor=executor, on_event=events.append
        ).result(timeout=120)
        executor.shutdown()
        out[label] = (results, events)
    return out


def test_thread_and_process_executors_produce_the_same_records(both):
    threads, _ = both["thread"]
    procs, _ = both["process"]
    assert [r.run_id for r in threads] == [r.run_id for r in procs]
    assert len(threads) == 6
    for a, b in zip(threads, procs, strict=True):
        assert a.status == b.status
        assert a.params == b.params
        assert a.metrics == b.metrics
        assert a.data("loss") == b.data("loss")
        assert a.data("table") == b.data("table")
        np.testing.assert_array_equal(a.artifact("noise"), b.artifact("noise"))
        assert strip_log(a.log)[:2] == strip_log(b.log)[:2]
        assert (a.error or {}).get("type") == (b.error or {}).get("type")
    assert [r.record.provenance.executor_id for r in procs] == ["process"] * 6
    assert [r.record.provenance.executor_id for r in threads] == ["thread"] * 6


def test_a_failure_in_a_worker_process_is_a_failed_run(both):
    procs, _ = both["process"]
    assert procs.summary()["by_status"] == {"success": 4, "failed": 2}
    for run in procs.failed:
        assert run.params == {"x": 2}
        assert run.error["type"] == "ValueError"
        assert run.error["message"] == "x=2 is not allowed"
        assert "Traceback" in run.error["traceback"]
        assert run.metrics["final"] >= 2  # captured before the failure, kept
        assert "ValueError: x=2 is not allowed" in run.log


def test_process_executor_events_reach_the_caller(both):
    procs, events = both["process"]
    by_run: dict[str, list] = {}
    for event in events:
        by_run.setdefault(event.run_id, []).append(event)
    assert set(by_run) == {r.run_id for r in procs}
    for run in procs:
        got = [str(e.kind) for e in by_run[run.run_id]]
        assert got[0] == "run_started"
        assert got[-1] == ("run_failed" if run.status == "failed" else "run_finished")
        assert {"progress", "log", "artifact_saved"} <= set(got)
        last_progress = [e for e in by_run[run.run_id] if e.kind == "progress"][-1]
        assert last_progress.payload["values"]["loss"] == pytest.approx(run.data("loss")[-1][1])
        logs = [e.payload["message"] for e in by_run[run.run_id] if e.kind == "log"]
        assert logs[0] == f"start x={run.params['x']}"


def test_nested_operation_with_process_executor_fails_before_writing(store):
    @metalab.operation
    def nested(params):
        pass

    with pytest.raises(ExecutorError) as info:
        metalab.run(experiment("nested", nested), store=store, executor=ProcessExecutor(1))
    assert isinstance(info.value, metalab.MetalabError)
    assert "module level" in str(info.value)
    assert not store.exists()


def test_cancelling_a_process_sweep_stops_the_running_run(store, wait_for):
    started = threading.Event()

    def on_event(event):
        if event.kind == "run_started":
            started.set()

    executor = ProcessExecutor(max_workers=1)
    handle = metalab.run(
        experiment("pcancel", looping_op, xs=(0,)), store=store, executor=executor,
        on_event=on_event,
    )  # fmt: skip
    wait_for(started.is_set, timeout=60)
    handle.cancel()
    results = handle.result(timeout=60)
    assert [r.status for r in results] == ["cancelled", "cancelled"]
    assert handle.status.cancelled == 2
    executor.shutdown()


def test_executor_names_are_accepted(sweep):
    @metalab.operation
    def op(capture):
        capture.metric("ok", 1)

    assert sweep(op, executor="thread")[0].metrics == {"ok": 1}


def test_run_returns_at_once_and_status_is_live(store, wait_for):
    gate = threading.Event()
    started = threading.Event()

    @metalab.operation
    def op(params):
        if params["x"] == 0:
            started.set()
            gate.wait(30)

    exp = metalab.Experiment(
        "live_status", "1", {}, op, metalab.grid(x=[0, 1, 2]), metalab.seeds(0)
    )
    handle = metalab.run(exp, store=store, executor=ThreadExecutor(max_workers=1))
    try:
        wait_for(started.is_set)
        wait_for(lambda: handle.status.running == 1)
        status = handle.status
        assert (status.total, status.running, status.pending, status.completed) == (3, 1, 2, 0)
        assert status.in_flight == 3 and status.done == 0
        assert not handle.is_complete
        with pytest.raises(TimeoutError):
            handle.result(timeout=0.05)
    finally:
        gate.set()
    results = handle.result()
    assert handle.is_complete
    status = handle.status
    assert (status.completed, status.running, status.pending, status.done) == (3, 0, 0, 3)
    assert handle.result() is results  # cached


class InlineExecutor:
    """A third-party engine written against the executor interface: runs each run as
    it is submitted, on the caller's thread."""

    executor_id = "inline"
    max_workers = 1

    def __init__(self):
        self.calls = []

    def start(self, ctx):
        self.ctx = ctx
        self.calls.append("start")

    def submit(self, payload):
        from metalab.worker import execute_run

        fut: Future = Future()
        fut.set_running_or_notify_cancel()
        fut.set_result(execute_run(payload, self.ctx, "inline:0"))
        self.calls.append("submit")
        return fut

    def cancel(self):
        self.ctx.cancel_token.cancel()

    def finish(self):
        self.calls.append("finish")

    def shutdown(self, wait=True):
        pass


def test_a_custom_engine_implementing_the_interface_runs_a_sweep(store):
    engine = InlineExecutor()
    assert isinstance(engine, metalab.Executor)
    results = metalab.run(experiment("inline", xs=(0, 1)), store=store, executor=engine).result()
    assert len(results.successful) == 4
    assert engine.calls == ["start", "submit", "submit", "submit", "submit", "finish"]
    assert {r.record.provenance.executor_id for r in results} == {"inline"}


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_bad_worker_counts_are_refused(workers):
    with pytest.raises(ValueError):
        ThreadExecutor(max_workers=workers)
    with pytest.raises(ValueError):
        ProcessExecutor(max_workers=workers)
