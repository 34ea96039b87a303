"""Issue 8: the dashboard shows the Dask cluster a sweep runs on, which worker each run is
on, and a worker lost mid-run, in the run's log and on its row."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from support.dask_procs import start_scheduler, start_workers, wait_for_workers
from textual.app import App, ComposeResult

from metalab.events import Event, EventKind
from metalab.progress import RunState, SweepTracker
from metalab.runner import plan_runs
from tui.headless.runner import LinePrinter
from tui.live.app import MetalabApp
from tui.live.cluster_view import ClusterView
from tui.live.dashboard import DashboardScreen
from tui.live.log_pane import LogPane
from tui.live.run_columns import fit_columns, worker_label, worker_text
from tui.live.runs_table import RunsTable
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


# -- the worker on each run's row ---------------------------------------------------------------


def test_a_runs_worker_cell_says_where_it_runs_and_whether_its_worker_died() -> None:
    running = RunState("r1", status="running", worker=A)
    assert worker_text(running) == "127.0.0.1:40001"
    assert worker_text(running, one_host=True) == ":40001"  # a LocalCluster: the port says it
    lost = RunState("r2", status="running", worker=B, lost_worker=B)
    assert lost.waiting_after_loss and worker_text(lost) == "lost 127.0.0.1:40002"
    retried = RunState("r3", status="running", worker=A, attempt=2, lost_worker=B)
    assert not retried.waiting_after_loss and worker_text(retried) == "127.0.0.1:40001 try 2"
    failed = RunState("r4", status="failed", worker=B, lost_worker=B)
    assert worker_text(failed, one_host=True) == "lost :40002"  # no worker took it up again
    assert worker_text(RunState("r5")) == ""  # not started
    assert worker_label("tls://node7.cluster:8786") == "node7.cluster:8786"


def test_the_worker_column_gives_way_only_to_the_parameters_and_the_metric() -> None:
    def keys(available: int, width: int) -> list[str]:
        columns, _ = fit_columns(["lr", "batch"], "loss", available, text_width=9,
                                 worker_width=width)  # fmt: skip
        return [c.key for c in columns]

    assert "worker" not in keys(500, 0)  # a sweep on threads has no worker column
    every = keys(500, len(":40001"))
    assert every == ["run", "p:lr", "p:batch", "rep", "status", "progress", "metric",
                     "worker", "time"]  # fmt: skip
    steps = [keys(width, len(":40001")) for width in range(140, 30, -1)]
    gone = [next(k for k in a if k not in b) for a, b in zip(steps, steps[1:], strict=False)
            if a != b]  # fmt: skip
    assert gone == ["time", "rep", "worker", "p:batch", "p:lr", "metric"]


def test_the_tracker_follows_attempts_and_lost_workers() -> None:
    tracker = SweepTracker(1)
    tracker.update(Event(EventKind.RUN_STARTED, "r1", {"params": {}, "worker": B}))
    assert tracker.note_lost_worker("r1", A) is None  # not the worker it is on
    assert tracker.note_lost_worker("r1", B) is not None
    assert tracker.runs["r1"].waiting_after_loss
    tracker.update(Event(EventKind.RUN_STARTED, "r1",
                         {"params": {}, "worker": A, "attempt": 2, "lost_worker": B}))  # fmt: skip
    state = tracker.runs["r1"]
    assert (state.worker, state.attempt, state.lost_worker) == (A, 2, B)
    # a run that failed for it, with no retry left: the event names the lost worker
    tracker.update(Event(EventKind.RUN_STARTED, "r2", {"params": {}, "worker": A}))
    tracker.update(Event(EventKind.RUN_FAILED, "r2",
                         {"error": "worker lost", "error_type": "WorkerLost",
                          "lost_worker": A}))  # fmt: skip
    assert tracker.runs["r2"].waiting_after_loss


async def test_the_runs_table_shows_each_runs_worker_in_red_when_it_died() -> None:
    states = [
        RunState("aaaaaaaa1", status="running", worker=A, params={"lr": 0.1}),
        RunState("bbbbbbbb2", status="running", worker=B, lost_worker=B, params={"lr": 0.2}),
        RunState(
            "cccccccc3", status="running", worker=A, attempt=2, lost_worker=B, params={"lr": 0.3}
        ),  # fmt: skip
    ]

    class Table(App[None]):
        def compose(self) -> ComposeResult:
            yield RunsTable(["lr"], "loss")

    app = Table()
    async with app.run_test(size=(120, 10)) as pilot:
        table = app.query_one(RunsTable)
        table.set_runs(states, now=0.0)
        await pilot.pause()
        assert "worker" not in table.shown_columns  # until the sweep is seen on a cluster
        table.show_workers([A, "tcp://10.0.0.9:40003"])  # workers on two hosts
        await pilot.pause()
        assert "worker" in table.shown_columns

        def cells() -> dict[str, tuple[str, Any]]:
            lines = {table.render_line(y).text[1:9]: table.render_line(y) for y in range(1, 4)}
            return {
                run: next((seg.text.strip(), seg.style) for seg in strip if ":4000" in seg.text)
                for run, strip in lines.items()
            }

        assert cells()["aaaaaaaa"][0] == "127.0.0.1:40001"
        text, style = cells()["bbbbbbbb"]
        assert text == "lost 127.0.0.1:40002" and style.color.name == "red"
        text, style = cells()["cccccccc"]
        assert text == "127.0.0.1:40001 try 2" and style.color.name == "yellow"
        table.show_workers([A, B])  # all on one host: the port names a worker
        await pilot.pause()
        assert [text for text, _ in cells().values()] == [":40001", "lost :40002",
                                                          ":40001 try 2"]  # fmt: skip


async def test_a_worker_killed_mid_run_shows_on_the_runs_row_and_in_its_log(
    sweep_files: Files, tmp_path: Path, wait_until
) -> None:
    scheduler = start_scheduler(tmp_path)
    workers = {w.address: w for w in start_workers(scheduler.address, tmp_path, 2)}
    try:
        wait_for_workers(scheduler.address, set(workers))
        path = sweep_files.write((0.1, 0.2), steps=6, workers=1, hold=(0.1,))
        text = path.read_text(encoding="utf-8")
        executor = f'kind = "dask"\naddress = "{scheduler.address}"\nretries = 1'
        path.write_text(text.replace('kind = "thread"\nworkers = 1', executor), encoding="utf-8")
        (spec,) = sweep_files.load(path)
        app = MetalabApp([spec], RunOptions())
        async with app.run_test(size=(160, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            tracker = screen.session.tracker

            def runs() -> dict[str, RunState]:
                # read anew each time: the session swaps in the planned runs' dict whole
                return tracker.runs

            held = next(p.run_id for p in plan_runs(spec.experiment) if p.params["lr"] == 0.1)

            def held_running() -> bool:
                state = runs().get(held)
                return state is not None and state.status == "running" and (state.step or 0) >= 2

            async def until(condition: Any, what: str, timeout: float = 60) -> None:
                try:
                    await wait_until(pilot, condition, timeout=timeout, what=what)
                except pytest.fail.Exception:
                    said = diagnosis(screen, held, scheduler, list(workers.values()))
                    pytest.fail(f"timed out waiting for {what}: {said}")

            await until(held_running, "the held run's progress")
            victim = runs()[held].worker
            assert victim in workers
            workers[victim].kill()
            await until(lambda: runs()[held].attempt == 2, "the held run's second attempt")
            sweep_files.release()
            await until(lambda: screen.exit_code is not None, "the sweep's end")
            screen.refresh_from_session(force=True)
            await pilot.pause()

            table = screen.query_one(RunsTable)
            survivor = next(a for a in workers if a != victim)
            assert runs()[held].status == "success"
            assert runs()[held].lost_worker == victim
            port = survivor.rpartition(":")[2]
            assert table.cell(held, "worker") == f":{port} try 2"  # both on 127.0.0.1
            assert "worker" in table.shown_columns
            row = table.render_line(1 + table.row_of(held)).text
            assert f":{port} try 2" in row
            # the log pane: the selected run's log names the worker that died
            table.focus()
            table.move_cursor(row=table.row_of(held))
            await pilot.pause()
            log = screen.query_one(LogPane)
            await until(lambda: any(victim in x for x in log.lines), "the lost worker in the log")
            assert f"on {survivor}" in log.border_title
            await pilot.press("q")
    finally:
        for worker in workers.values():
            worker.kill()
        scheduler.kill()


def diagnosis(screen: DashboardScreen, held: str, scheduler: Any, workers: list[Any]) -> str:
    """What the dashboard and the cluster said, for a wait that timed out."""
    session = screen.session
    states = {
        rid: (s.status, s.step, s.worker, s.attempt) for rid, s in session.tracker.runs.items()
    }
    record = session.store.root / "runs" / f"{held}.json"
    logs = "".join(
        f"--- {p.log.name}\n{p.log.read_text(errors='replace')[-3000:]}\n"
        for p in [scheduler, *workers]
    )
    return (
        f"held run {held}; runs: {states}; error: {session.error!r};"
        f" exit: {screen.exit_code}; record: "
        f"{record.read_text() if record.exists() else 'none'}\n"
        f"log: {list(session.logs.get(held, []))}\n{logs}"
    )


def test_the_headless_lines_say_when_a_run_is_run_again_after_its_worker_died(
    sweep_files: Files,
) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1,)))
    out = io.StringIO()
    printer = LinePrinter(spec, SweepTracker(1), out, as_json=False, every=3600)
    printer(Event(EventKind.RUN_STARTED, "0123456789abcdef", {"params": {"lr": 0.1}, "worker": B}))
    assert out.getvalue() == ""  # a first attempt is not news
    again = {"params": {"lr": 0.1}, "worker": A, "attempt": 2, "lost_worker": B}
    printer(Event(EventKind.RUN_STARTED, "0123456789abcdef", again))
    assert out.getvalue().splitlines() == [
        f"RETRY 0123456789ab lr=0.1: worker {B} was lost; attempt 2 on {A}"
    ]
