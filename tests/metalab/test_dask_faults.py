"""Issue 8: a sweep through a running ``dask scheduler`` (``address=``), and a worker
killed mid-run (SIGKILL of its process group, as when a node dies).

The scheduler here gives up on a task at the first worker death
(``allowed-failures = 0``), so the run's retry is metalab's own resubmission; the
LocalCluster tests cover Dask running the task again by itself.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path

import pytest
from support.dask_procs import (
    DaskProc,
    start_scheduler,
    start_worker,
    start_workers,
    wait_for_workers,
)
from support.ops_dask import paced

import metalab
from metalab import DaskExecutor
from metalab.events import Event, EventKind
from metalab.store.filestore import FileStore

LONG = {"x": 0, "steps": 100, "pause": 0.02}  # about 2 s, streaming all along


class Cluster:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.scheduler = start_scheduler(folder)
        self.workers: dict[str, DaskProc] = {}

    def keep(self, n: int) -> None:
        """Exactly ``n`` live workers connected (starting new ones for the dead)."""
        self.workers = {a: w for a, w in self.workers.items() if w.proc.poll() is None}
        for worker in start_workers(self.scheduler.address, self.folder, n - len(self.workers)):
            self.workers[worker.address] = worker
        wait_for_workers(self.scheduler.address, set(self.workers))

    def close(self) -> None:
        for worker in self.workers.values():
            worker.kill()
        self.scheduler.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    os.environ["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = "0"
    try:
        made = Cluster(tmp_path_factory.mktemp("dask"))
    finally:
        del os.environ["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"]
    yield made
    made.close()


def sweep_with_a_kill(cluster: Cluster, store: Path, retries: int):
    """Run one long run and three short ones; kill the long run's worker once it has
    streamed a while. Returns the results, the events and the killed worker."""
    cluster.keep(2)
    cases = [LONG] + [{"x": x, "steps": 5, "pause": 0.01} for x in (1, 2, 3)]
    exp = metalab.Experiment(
        "faults", "1", {}, paced, metalab.manual(cases), metalab.seeds(0)
    )  # fmt: skip
    events: list[Event] = []
    where: dict[str, str] = {}
    streaming = threading.Event()

    def on_event(event: Event) -> None:
        events.append(event)
        if event.kind is EventKind.RUN_STARTED and event.payload["params"]["x"] == 0:
            where.setdefault("long", event.run_id)
            where.setdefault("worker", event.payload["worker"])
        progress = event.kind is EventKind.PROGRESS and event.run_id == where.get("long")
        if progress and (event.payload.get("step") or 0) >= 20:
            streaming.set()

    handle = metalab.run(
        exp, store=store, executor=DaskExecutor(address=cluster.scheduler.address,
                                                retries=retries), on_event=on_event,
    )  # fmt: skip
    assert streaming.wait(60), "the long run never streamed"
    victim = where["worker"]
    cluster.workers[victim].kill()
    results = handle.result(timeout=120)
    return results, events, victim, where["long"]


def test_a_killed_workers_run_is_run_again_on_another_worker(cluster, store):
    results, events, victim, long_id = sweep_with_a_kill(cluster, store, retries=1)

    # the sweep finished; nothing finished was lost
    assert len(results) == 4
    assert all(r.status == "success" for r in results), [r.record.error for r in results]
    for run in results:
        assert run.metrics["done"] == run.params["x"]

    # the lost run ran again, elsewhere, and says so
    run = results.get(long_id)
    extra = run.record.provenance.extra
    assert extra["attempt"] == 2
    assert extra["worker"] != victim and extra["worker"].startswith("tcp://127.0.0.1:")
    assert run.record.provenance.executor_id == "dask"
    assert run.record.provenance.host == socket.gethostname()
    assert f"worker {victim} was lost" in run.log
    assert run.data("t") == [[i, float(i)] for i in range(LONG["steps"])]
    starts = [e.payload["worker"] for e in events
              if e.kind is EventKind.RUN_STARTED and e.run_id == long_id]  # fmt: skip
    assert starts[0] == victim and starts[-1] == extra["worker"]
    assert any(e.kind is EventKind.LOG and e.run_id == long_id and victim in e.payload["message"]
               for e in events)  # fmt: skip

    # the killed attempt's log and partial curve are kept apart
    assert "run x=0 starts" in run.log_text("run.attempt1")
    assert "run x=0 ends" not in run.log_text("run.attempt1")
    partial = (
        FileStore(results.store.root).layout.results_dir(long_id).with_name(f"{long_id}.attempt1")
    )
    points = json.loads((partial / "t.json").read_text())["data"]
    assert 20 <= len(points) < LONG["steps"]
    assert points == [[i, float(i)] for i in range(len(points))]


def test_with_no_retries_the_killed_workers_run_fails_naming_the_worker(cluster, store):
    results, events, victim, long_id = sweep_with_a_kill(cluster, store, retries=0)

    assert len(results) == 4
    run = results.get(long_id)
    assert run.status == "failed"
    assert victim in run.record.error["message"]
    assert "lost" in run.record.error["message"]
    assert run.record.error["type"] == "WorkerLost"
    assert "run x=0 starts" in run.log  # the lost attempt's log stays the run's log
    assert victim in run.log
    failed = [e for e in events if e.kind is EventKind.RUN_FAILED]
    assert [e.run_id for e in failed] == [long_id]
    assert victim in failed[0].payload["error"]
    others = [r for r in results if r.run_id != long_id]
    assert [r.status for r in others] == ["success"] * 3


def test_a_worker_that_cannot_see_the_results_folder_stops_the_sweep_before_any_run(
    cluster, tmp_path
):
    cluster.keep(1)
    hidden = tmp_path / "shared"
    hidden.mkdir()
    blind = start_worker(cluster.scheduler.address, cluster.folder, hide=hidden)
    try:
        wait_for_workers(cluster.scheduler.address, {*cluster.workers, blind.address})
        exp = metalab.Experiment(
            "blind", "1", {}, paced, metalab.grid(x=[1], steps=[1], pause=[0.0]), metalab.seeds(0)
        )
        executor = DaskExecutor(address=cluster.scheduler.address)
        with pytest.raises(metalab.ExecutorError) as info:
            metalab.run(exp, store=hidden / "store", executor=executor)
    finally:
        blind.kill()
    message = str(info.value)
    assert blind.address in message
    assert str(hidden / "store" / "blind_1") in message
    assert "shares" in message
    assert not list((hidden / "store" / "blind_1" / "runs").iterdir())  # no run started
