"""Issue 8: the dashboard shows the Dask cluster a sweep runs on, and a worker lost mid-run."""

from __future__ import annotations

from typing import Any

from metalab.events import Event, EventKind
from tui.live.cluster_view import ClusterView
from tui.live.session import SweepSession
from tui.options import RunOptions

Files = Any  # the sweep_files fixture (conftest.SweepFiles)

A, B = "tcp://127.0.0.1:40001", "tcp://127.0.0.1:40002"


def state(workers: list[str], runs: dict[str, str], **jobs: int) -> dict[str, Any]:
    busy = sorted(set(runs.values()))
    idle = [w for w in workers if w not in busy]
    return {"workers": workers, "busy": busy, "idle": idle, "runs": runs, **jobs}


def test_the_summary_counts_workers_and_jobs() -> None:
    view = ClusterView()
    assert view.summary() == ""  # a sweep on threads says nothing of a cluster
    view.update(state([A, B], {"r1": A}))
    assert view.summary() == "dask: 2 workers (1 busy, 1 idle)"
    assert view.worker_of("r1") == A and view.worker_of("r2") is None
    view.update(state([A], {}, jobs_pending=3, jobs_running=1))
    assert view.summary() == "dask: 1 worker (0 busy, 1 idle) · jobs 3 pending, 1 running"


def test_a_worker_that_leaves_with_runs_is_reported_with_them() -> None:
    view = ClusterView()
    assert view.update(state([A, B], {"r1": A, "r2": B, "r3": B})) == []
    lost = view.update(state([A], {"r1": A}))
    assert [(w.address, w.run_ids) for w in lost] == [(B, ("r2", "r3"))]
    assert B in lost[0].message()
    assert view.update(state([A, B], {})) == []  # one that joins is no loss
    assert view.update(state([A], {})) == []  # nor one that leaves idle


def test_the_session_puts_a_lost_worker_in_its_runs_logs(sweep_files: Files) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1,)))
    session = SweepSession(spec, RunOptions())
    session._on_event(Event(EventKind.CLUSTER, None, state([A, B], {"r9": B})))
    session._on_event(Event(EventKind.CLUSTER, None, state([A], {})))
    lines, total = session.log_tail("r9")
    assert total == 1 and B in lines[0] and "lost" in lines[0]
    assert session.cluster.summary() == "dask: 1 worker (0 busy, 1 idle)"


def test_a_dask_sweep_in_the_dashboards_session_shows_its_cluster(sweep_files: Files) -> None:
    path = sweep_files.write((0.1, 0.2), steps=5, workers=1, sleep=0.4)  # > 1 s a run
    text = path.read_text(encoding="utf-8")
    assert 'kind = "thread"' in text
    path.write_text(text.replace('kind = "thread"', 'kind = "dask"'), encoding="utf-8")
    (spec,) = sweep_files.load(path)
    session = SweepSession(spec, RunOptions())
    results = session.run()
    assert [r.status.value for r in results.records] == ["success", "success"]
    assert session.cluster.seen
    assert session.cluster.summary().startswith("dask: 1 worker (")
    workers = {r.record.provenance.extra.get("worker") for r in results.runs}
    assert len(workers) == 1 and next(iter(workers)).startswith("tcp://")
    assert {s.worker for s in session.tracker.runs.values()} == workers
