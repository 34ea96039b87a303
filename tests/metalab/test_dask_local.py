"""Issue 8: sweeps on a ``distributed.LocalCluster`` of worker processes.

One cluster serves the module (``DaskExecutor(cluster=...)`` leaves a cluster it was
given running), so its few seconds of start-up are paid once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading

import numpy as np
import pytest
from support.ops_dask import paced, parent_process
from support.ops_small import train

import metalab
from metalab import DaskExecutor, ExecutorError, ThreadExecutor
from metalab.events import Event, EventKind


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    made = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=":0", worker_dashboard_address=None, silence_logs=logging.ERROR,
    )  # fmt: skip
    yield made
    made.close()


def train_sweep(name: str = "same") -> metalab.Experiment:
    grid = metalab.grid(lr=[0.1, 0.3, 1.0], optimizer=["sgd", "adam"])
    return metalab.Experiment(name, "1", {}, train, grid, metalab.seeds(7, replicates=2))


def test_a_dask_sweep_writes_what_a_thread_sweep_writes(cluster, tmp_path):
    exp = train_sweep()
    events: list[Event] = []
    on_dask = metalab.run(
        exp, store=tmp_path / "dask", executor=DaskExecutor(cluster=cluster),
        on_event=events.append,
    ).result(timeout=120)  # fmt: skip
    on_threads = metalab.run(exp, store=tmp_path / "threads", executor=ThreadExecutor(2)).result(
        timeout=120
    )

    assert [r.run_id for r in on_dask] == [r.run_id for r in on_threads]
    assert len(on_dask) == 12
    assert on_dask.summary()["by_status"] == {"success": 10, "failed": 2}
    for a, b in zip(on_dask, on_threads, strict=True):
        assert a.status == b.status
        assert a.params == b.params
        assert a.metrics == b.metrics  # the same floats, to the bit
        assert a.data("loss") == b.data("loss")
        if a.status == "success":
            np.testing.assert_array_equal(a.data("grad_norms"), b.data("grad_norms"))
            for name in ("history", "weights"):
                np.testing.assert_array_equal(a.artifact(name), b.artifact(name))
            assert a.artifact("config") == b.artifact("config")
        assert (a.error or {}).get("message") == (b.error or {}).get("message")

    addresses = {a for a in cluster.scheduler_info["workers"]}
    for run in on_dask:
        provenance = run.record.provenance
        assert provenance.executor_id == "dask"
        assert provenance.host == socket.gethostname()
        assert provenance.extra["worker"] in addresses
        assert provenance.extra["attempt"] == 1
    # every run's events came back, from the workers, in order
    for run in on_dask:
        kinds = [str(e.kind) for e in events if e.run_id == run.run_id]
        assert kinds[0] == "run_started"
        assert kinds[-1] == ("run_failed" if run.status == "failed" else "run_finished")
        assert {"progress", "log"} <= set(kinds)
        assert ("artifact_saved" in kinds) == (run.status == "success")
    starts = [e for e in events if e.kind is EventKind.RUN_STARTED]
    assert {e.payload["worker"] for e in starts} <= addresses


def test_progress_lines_follow_a_dask_sweep(cluster, store, capsys):
    exp = metalab.Experiment(
        "shown", "1", {}, paced, metalab.grid(x=[1, 2, 3], steps=[3], pause=[0.0]),
        metalab.seeds(0),
    )  # fmt: skip
    metalab.run(exp, store=store, executor=DaskExecutor(cluster=cluster), progress=True).result(
        timeout=120
    )
    out = capsys.readouterr().out
    assert "[shown] 3/3 (100%) ok=3" in out
    assert "Completed in" in out and "success=3" in out


def test_cancelling_records_the_unfinished_runs_cancelled_and_a_rerun_resumes_them(cluster, store):
    cases = [{"x": x, "steps": 40, "pause": 0.025} for x in range(8)]  # ~1 s each
    exp = metalab.Experiment("cancel", "1", {}, paced, metalab.manual(cases), metalab.seeds(0))
    finished = threading.Event()
    done: list[str] = []

    def on_event(event: Event) -> None:
        if event.kind is EventKind.RUN_FINISHED:
            done.append(event.run_id)
            if len(done) >= 2:
                finished.set()

    handle = metalab.run(exp, store=store, executor=DaskExecutor(cluster=cluster),
                         on_event=on_event)  # fmt: skip
    assert finished.wait(60)
    handle.cancel()
    results = handle.result(timeout=60)

    assert len(results) == 8
    by_status = results.summary()["by_status"]
    assert set(by_status) == {"success", "cancelled"}, by_status
    assert 2 <= by_status["success"] <= 5
    succeeded = {r.run_id for r in results if r.status == "success"}
    for run in results:
        if run.status == "success":
            assert run.metrics["done"] == run.params["x"]
    notes = {r.record.notes for r in results if r.status == "cancelled"}
    assert "cancelled before it started" in notes  # queued runs never ran
    assert handle.status.running == 0 and handle.status.pending == 0

    # a later launch runs only the cancelled ones
    events: list[Event] = []
    again = metalab.run(exp, store=store, executor=DaskExecutor(cluster=cluster),
                        on_event=events.append).result(timeout=120)  # fmt: skip
    assert {r.status for r in again} == {"success"}
    started = {e.run_id for e in events if e.kind is EventKind.RUN_STARTED}
    skipped = {e.run_id for e in events if e.kind is EventKind.RUN_SKIPPED}
    assert skipped == succeeded
    assert started == {r.run_id for r in results} - succeeded


def test_a_worker_process_killed_mid_run_is_replaced_and_its_run_run_again(cluster, store):
    """Dask itself runs the lost task again (its nanny restarts the worker); the run
    notices it is a second attempt."""
    from distributed import Client

    cases = [{"x": 0, "steps": 100, "pause": 0.02}, {"x": 1, "steps": 3, "pause": 0.0}]
    exp = metalab.Experiment("killed", "1", {}, paced, metalab.manual(cases), metalab.seeds(0))
    streaming = threading.Event()
    seen: dict[str, str] = {}

    def on_event(event: Event) -> None:
        if event.kind is EventKind.RUN_STARTED and event.payload["params"]["x"] == 0:
            seen.setdefault("run", event.run_id)
            seen.setdefault("worker", event.payload["worker"])
        progress = event.kind is EventKind.PROGRESS and event.run_id == seen.get("run")
        if progress and (event.payload.get("step") or 0) >= 10:
            streaming.set()

    with Client(cluster, set_as_default=False) as client:
        pids = client.run(os.getpid)
        handle = metalab.run(exp, store=store, executor=DaskExecutor(client=client),
                             on_event=on_event)  # fmt: skip
        assert streaming.wait(60)
        os.kill(pids[seen["worker"]], signal.SIGKILL)
        results = handle.result(timeout=120)
        client.wait_for_workers(2, timeout=60)  # the nanny's new worker, for the next tests
    run = results.get(seen["run"])
    assert run.status == "success"
    assert run.record.provenance.extra["attempt"] == 2
    assert f"worker {seen['worker']} was lost" in run.log
    assert "run x=0 starts" in run.log_text("run.attempt1")
    assert results.get(next(r.run_id for r in results if r.params["x"] == 1)).status == "success"


def test_the_cluster_state_is_shown_while_a_sweep_runs(cluster, store):
    cases = [{"x": x, "steps": 100, "pause": 0.02} for x in range(2)]
    exp = metalab.Experiment("state", "1", {}, paced, metalab.manual(cases), metalab.seeds(0))
    executor = DaskExecutor(cluster=cluster)
    seen: list[Event] = []
    both_running = threading.Event()

    def on_event(event: Event) -> None:
        seen.append(event)
        if sum(e.kind is EventKind.RUN_STARTED for e in seen) == 2:
            both_running.set()

    handle = metalab.run(exp, store=store, executor=executor, on_event=on_event)
    assert both_running.wait(60)
    status = executor.cluster_status()
    handle.result(timeout=60)
    assert status is not None
    assert len(status.workers) == 2 and status.threads == 2
    assert set(status.runs) == {r.run_id for r in handle.result()}
    assert set(status.busy) == set(status.runs.values()) == set(status.workers)
    assert status.idle == ()
    assert status.jobs_pending is None  # not a batch-system cluster
    shown = [e for e in seen if e.kind is EventKind.CLUSTER]
    assert shown, "no cluster event while the sweep ran"
    assert shown[0].run_id is None and len(shown[0].payload["workers"]) == 2
    assert executor.cluster_status() is None  # the sweep is over


def test_an_operation_workers_cannot_import_is_refused_before_anything_is_written(store):
    @metalab.operation
    def nested(params):
        pass

    exp = metalab.Experiment("nested", "1", {}, nested, metalab.grid(), metalab.seeds(0))
    with pytest.raises(ExecutorError, match="module level"):
        metalab.run(exp, store=store, executor=DaskExecutor(address="tcp://127.0.0.1:1"))
    assert not store.exists()


def worker_parents(store, method: str) -> dict[int, str]:
    """Parent pid to parent command line, of the workers of a LocalCluster the executor starts."""
    exp = metalab.Experiment(
        f"parents-{method}", "1", {}, parent_process, metalab.grid(x=list(range(4))),
        metalab.seeds(0),
    )  # fmt: skip
    executor = DaskExecutor(n_workers=2, start_method=method)
    results = metalab.run(exp, store=store, executor=executor).result(timeout=120)
    assert results.summary()["by_status"] == {"success": 4}
    parents = {}
    for run in results:
        pid, _, command = run.log.partition("parent ")[2].partition(": ")
        parents[int(pid)] = command.splitlines()[0]
    return parents


def test_a_local_cluster_forks_its_workers_from_a_server_with_dask_already_imported(store):
    parents = worker_parents(store, "forkserver")
    # both workers come from one server process, not from this one
    assert len(parents) == 1
    ((pid, command),) = parents.items()
    assert pid != os.getpid()
    assert "multiprocessing.forkserver" in command
    # which imported Dask's worker and metalab's task once, for every worker, and not
    # pandas, which Dask's own list would add
    assert "'distributed'" in command and "'metalab.executors.dask_tasks'" in command
    assert "pandas" not in command


def test_spawn_is_there_for_who_asks_for_it(store):
    parents = worker_parents(store, "spawn")
    assert set(parents) == {os.getpid()}  # the nanny in this process spawned each worker


def test_an_unknown_start_method_is_refused():
    with pytest.raises(ExecutorError, match="start_method=.*'forkserver', 'spawn' or 'fork'"):
        DaskExecutor(start_method="vfork")
