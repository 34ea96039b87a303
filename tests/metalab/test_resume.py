"""Issue 2, point 4 (resume): skip successful runs, re-run the rest; resume=False re-runs all."""

from __future__ import annotations

import json

import metalab

CALLS: list[int] = []
FAIL_ON: set[int] = set()


@metalab.operation
def op(params, capture):
    x = params["x"]
    CALLS.append(x)
    if x in FAIL_ON:
        raise RuntimeError(f"x={x} fails")
    capture.metric("y", x * 10)


def experiment() -> metalab.Experiment:
    return metalab.Experiment("resume", "1", {}, op, metalab.grid(x=[0, 1, 2, 3]), metalab.seeds(0))


def launch(store, **kw):
    events = []
    results = metalab.run(experiment(), store=store, on_event=events.append, **kw).result()
    return results, events


def kinds(events, kind):
    return [e.run_id for e in events if e.kind == kind]


def setup_function():
    CALLS.clear()
    FAIL_ON.clear()


def test_resume_skips_successful_and_reruns_failed(store):
    FAIL_ON.add(1)
    first, _ = launch(store)
    assert sorted(CALLS) == [0, 1, 2, 3]
    assert first.summary()["by_status"] == {"success": 3, "failed": 1}
    failed_id = first.failed[0].run_id

    FAIL_ON.clear()
    CALLS.clear()
    second, events = launch(store)
    assert CALLS == [1]
    assert kinds(events, "run_started") == [failed_id]
    assert len(kinds(events, "run_skipped")) == 3
    assert len(second) == 4  # skipped runs are still in the results
    assert all(r.status == "success" for r in second)
    assert sorted(r.metrics["y"] for r in second) == [0, 10, 20, 30]
    assert second[0].run_id == failed_id  # executed runs first, then the skipped ones

    CALLS.clear()
    third, events = launch(store)
    assert CALLS == []
    assert len(third) == 4 and len(kinds(events, "run_skipped")) == 4


def test_resume_false_reruns_everything(store):
    launch(store)
    CALLS.clear()
    results, events = launch(store, resume=False)
    assert sorted(CALLS) == [0, 1, 2, 3]
    assert kinds(events, "run_skipped") == []
    assert len(results.successful) == 4


def test_running_leftover_from_a_crash_is_rerun(store):
    first, _ = launch(store)
    leftover = first[2]
    path = store / "resume_1" / "runs" / f"{leftover.run_id}.json"
    record = json.loads(path.read_text())
    record.update(status="running", metrics={}, finished_at=record["started_at"])
    path.write_text(json.dumps(record, indent=2, sort_keys=True))

    CALLS.clear()
    results, events = launch(store)
    assert CALLS == [2]
    assert kinds(events, "run_started") == [leftover.run_id]
    assert results.get(leftover.run_id).status == "success"
    assert results.get(leftover.run_id).metrics == {"y": 20}


def test_cancelled_run_is_rerun(store):
    first, _ = launch(store)
    target = first[3]
    path = store / "resume_1" / "runs" / f"{target.run_id}.json"
    record = json.loads(path.read_text())
    record["status"] = "cancelled"
    path.write_text(json.dumps(record))

    CALLS.clear()
    _, events = launch(store)
    assert CALLS == [3]
    assert kinds(events, "run_started") == [target.run_id]


def test_changing_the_operation_source_means_new_runs(store):
    launch(store)

    @metalab.operation
    def op(params, capture):  # a new version of the operation: different code hash
        CALLS.append(params["x"])

    CALLS.clear()
    exp = metalab.Experiment("resume", "1", {}, op, metalab.grid(x=[0, 1, 2, 3]), metalab.seeds(0))
    metalab.run(exp, store=store).result()
    assert sorted(CALLS) == [0, 1, 2, 3]
    assert len(metalab.load_results(store / "resume_1")) == 8
