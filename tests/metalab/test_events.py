"""Issue 2, point 7: live events, in order, as they happen."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import metalab
from metalab import EventKind

TERMINAL = {"run_finished", "run_failed", "run_cancelled", "run_skipped"}


@metalab.operation
def op(params, capture):
    capture.log("hello")
    for i in range(5):
        capture.metric("loss", 10.0 - i, step=i)
    capture.artifact("arr", np.zeros(3))
    if params["x"] == 1:
        raise RuntimeError("boom")


def launch(store, **kw):
    events = []
    exp = metalab.Experiment("ev", "1", {}, op, metalab.grid(x=[0, 1]), metalab.seeds(0, 2))
    results = metalab.run(exp, store=store, on_event=events.append, **kw).result()
    return results, events


def per_run(events):
    out: dict[str, list] = {}
    for event in events:
        out.setdefault(event.run_id, []).append(event)
    return out


def test_event_kinds_and_their_order_for_each_run(store):
    results, events = launch(store, executor=metalab.ThreadExecutor(2))
    runs = per_run(events)
    assert set(runs) == {r.run_id for r in results}
    for run in results:
        kinds = [str(e.kind) for e in runs[run.run_id]]
        assert kinds[0] == "run_started"
        assert kinds[-1] == ("run_failed" if run.params["x"] == 1 else "run_finished")
        assert sum(k in TERMINAL for k in kinds) == 1
        assert kinds.index("log") < kinds.index("artifact_saved")
        assert "progress" in kinds

        started = runs[run.run_id][0].payload
        assert started["params"] == run.params
        assert started["replicate"] == run.replicate
        log = next(e for e in runs[run.run_id] if e.kind == "log")
        assert log.payload["message"] == "hello" and log.payload["level"] == "info"
        saved = next(e for e in runs[run.run_id] if e.kind == "artifact_saved")
        assert saved.payload["name"] == "arr"
        progress = [e for e in runs[run.run_id] if e.kind == "progress"][-1]
        assert progress.payload["values"] == {"loss": 6.0}
        assert progress.payload["step"] == 4
        end = runs[run.run_id][-1]
        if run.status == "failed":
            assert end.payload["error"] == "boom"
            assert end.payload["error_type"] == "RuntimeError"
        else:
            assert end.payload["metrics"] == run.metrics
            assert end.payload["duration_ms"] >= 0


def test_resumed_runs_are_reported_skipped(store):
    launch(store)
    _, events = launch(store)
    skipped = [e for e in events if e.kind == "run_skipped"]
    assert len(skipped) == 2  # the two successful runs
    assert all(e.payload["params"] == {"x": 0} for e in skipped)
    assert {str(e.kind) for e in events} >= {"run_skipped", "run_started", "run_failed"}


def test_events_arrive_while_the_run_is_still_going(store, wait_for):
    seen = []
    release = threading.Event()

    @metalab.operation
    def waiting(capture):
        capture.log("waiting now")
        capture.metric("m", 1.0, step=0)
        release.wait(30)

    exp = metalab.Experiment("live_ev", "1", {}, waiting, metalab.grid(), metalab.seeds(0))
    handle = metalab.run(exp, store=store, on_event=seen.append)
    try:
        wait_for(lambda: {"run_started", "log", "progress"} <= {str(e.kind) for e in seen})
        assert not any(str(e.kind) in TERMINAL for e in seen)
    finally:
        release.set()
    handle.result()
    assert seen[-1].kind == EventKind.RUN_FINISHED


def test_progress_is_throttled_and_carries_the_latest_values(store):
    n = 4_000

    @metalab.operation
    def many_steps(capture):
        for i in range(n):
            capture.metric("loss", 1.0 / (i + 1), step=i)
            capture.metric("acc", i / n, step=i)
            if i % 10 == 0:
                time.sleep(0.001)  # a loop that takes a while: about half a second

    events = []
    exp = metalab.Experiment("throttle", "1", {}, many_steps, metalab.grid(), metalab.seeds(0))
    (run,) = metalab.run(exp, store=store, on_event=events.append).result()
    progress = [e for e in events if e.kind == "progress"]
    # far fewer events than the 8,000 points (and the 400 pauses) of the loop
    assert 1 <= len(progress) < 50
    last = progress[-1].payload
    assert last["step"] == n - 1
    assert last["values"] == {"loss": pytest.approx(1 / n), "acc": pytest.approx((n - 1) / n)}
    assert last["steps"] == {"loss": n - 1, "acc": n - 1}
    steps = [e.payload["step"] for e in progress]
    assert steps == sorted(steps)
    assert len(run.data("loss")) == n


def test_a_raising_subscriber_does_not_break_the_sweep(store):
    received = []
    calls = [0]

    def broken(event):
        calls[0] += 1
        raise RuntimeError("subscriber bug")

    exp = metalab.Experiment("broken_cb", "1", {}, op, metalab.grid(x=[0, 2]), metalab.seeds(0))
    # `progress` may be any callable taking events; it is subscribed before on_event
    results = metalab.run(exp, store=store, progress=broken, on_event=received.append).result()
    assert len(results.successful) == 2
    assert calls[0] == len(received) > 0
    assert [str(e.kind) for e in received].count("run_finished") == 2


def test_event_to_dict_is_json_friendly(store):
    import json

    _, events = launch(store)
    for event in events:
        d = event.to_dict()
        assert d["event"] == str(event.kind)
        assert d["run_id"] == event.run_id
        json.dumps(d)
