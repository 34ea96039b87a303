"""The dashboard's model without any UI: a SweepSession running a small sweep from an
experiment file, and the CurveFollower that reads a run's curve as it grows."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import metalab
from metalab.runner import plan_runs
from metalab.store import stepped
from metalab.store.filestore import FileStore
from tui.live import session as session_module
from tui.live.curve_follower import CurveFollower, GrowingSeries
from tui.live.session import LOG_LINES_KEPT, SweepSession
from tui.options import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, RunOptions

Files = Any  # the sweep_files fixture (conftest.SweepFiles)


def final_loss(lr: float, steps: int, scale: float = 1.0) -> float:
    """The loss the test operation ends with, computed the way it computes it."""
    loss = scale
    for _ in range(steps):
        loss *= 1.0 - lr
    return loss


def poll(condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def start(session: SweepSession) -> threading.Thread:
    """Run the session's sweep on a thread, as the dashboard's worker does."""
    thread = threading.Thread(target=session.run, name="test-sweep", daemon=True)
    thread.start()
    return thread


def test_a_finished_sweep_has_every_run_its_logs_and_curves(sweep_files: Files) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.3), steps=25, replicates=2))
    session = SweepSession(spec, RunOptions())
    results = session.run()

    planned = [p.run_id for p in plan_runs(spec.experiment)]
    assert [r.run_id for r in results.records] == planned
    assert list(session.tracker.runs) == planned  # the table's order is the plan's
    assert session.tracker.counts() | {"pending": 0} == {
        "success": 4, "failed": 0, "skipped": 0, "cancelled": 0, "running": 0,
        "pending": 0, "done": 4, "total": 4,
    }  # fmt: skip
    assert session.exit_code() == EXIT_OK
    assert session.summary() == "4 succeeded"
    assert not session.running
    assert session.results_path == str(sweep_files.store / "toy_1")

    for run_id, state in session.tracker.runs.items():
        lr = state.params["lr"]
        assert state.total_steps == 25 and state.step == 24
        assert state.values["loss"] == pytest.approx(final_loss(lr, 25))
        lines = session.log_lines(run_id)
        assert len(lines) == 2
        assert lines[0].endswith(f"training lr={lr} rep={state.replicate}")
        assert lines[1].endswith(f"finished lr={lr} loss={final_loss(lr, 25):.3g}")
        x, y, revision = session.curve(run_id)
        assert revision >= 1
        np.testing.assert_array_equal(x, np.arange(25))
        np.testing.assert_allclose(y, [final_loss(lr, k) for k in range(1, 26)])


def test_every_run_is_a_pending_row_before_it_starts(sweep_files: Files) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2, 0.3), workers=1, hold=[0.1]))
    session = SweepSession(spec, RunOptions())
    thread = start(session)

    def statuses() -> list[str]:
        return [r.status for r in session.tracker.runs.values()]

    poll(lambda: statuses() == ["running", "pending", "pending"])
    runs = session.tracker.runs
    first, *rest = runs.values()
    assert session.in_flight() == session.started() == [first.run_id]
    assert first.params["lr"] == 0.1
    assert [(r.status, r.params["lr"], r.replicate, r.total_steps) for r in rest] == [
        ("pending", 0.2, 0, 20),
        ("pending", 0.3, 0, 20),
    ]
    assert session.tracker.counts()["pending"] == 2
    assert session.running
    assert set(session.take_changed()) == set(runs)  # every new row is news to the UI

    session.cancel()
    thread.join(20)
    assert not thread.is_alive()
    assert session.exit_code() == EXIT_INTERRUPTED
    assert [r.status for r in runs.values()] == ["cancelled"] * 3
    assert session.summary() == "0 succeeded, 3 cancelled"


def test_cancel_before_the_sweep_has_started_still_cancels_it(sweep_files: Files) -> None:
    # "q", "y" in the first instant: cancel() comes before metalab.run has a handle.
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2), hold=[0.1, 0.2]))
    session = SweepSession(spec, RunOptions())
    session.cancel()
    thread = start(session)
    thread.join(20)
    assert not thread.is_alive(), "the held runs were never cancelled"
    assert session.exit_code() == EXIT_INTERRUPTED
    assert [s.status for s in session.tracker.runs.values()] == ["cancelled", "cancelled"]


def test_a_failed_run_carries_its_error(sweep_files: Files) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2), fail=[0.2]))
    session = SweepSession(spec, RunOptions())
    session.run()
    assert session.exit_code() == EXIT_FAILED
    assert session.summary() == "1 succeeded, 1 failed"
    (failed,) = [s for s in session.tracker.runs.values() if s.status == "failed"]
    assert failed.params["lr"] == 0.2
    assert failed.error_type == "RuntimeError"
    assert failed.error == "diverged at lr=0.2"
    assert "Traceback" in (failed.traceback or "")


def test_resumed_runs_show_their_log_from_the_tree(sweep_files: Files) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2)))
    SweepSession(spec, RunOptions()).run()
    again = SweepSession(spec, RunOptions())
    again.run()
    assert again.summary() == "0 succeeded, 2 resumed"
    assert again.exit_code() == EXIT_OK
    for run_id, state in again.tracker.runs.items():
        assert state.status == "skipped"
        lines, total = again.log_tail(run_id)
        assert total == len(lines) == 2  # read from logs/<run_id>_run.log
        assert lines[0].endswith(f"training lr={state.params['lr']} rep=0")


def test_log_tail_counts_lines_beyond_those_kept(sweep_files: Files) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1,), extra_log_lines=LOG_LINES_KEPT + 100))
    session = SweepSession(spec, RunOptions())
    session.run()
    (run_id,) = session.tracker.runs
    lines, total = session.log_tail(run_id)
    assert total == LOG_LINES_KEPT + 102
    assert len(lines) == LOG_LINES_KEPT
    assert lines[-1].endswith("finished lr=0.1 loss=0.122")
    assert lines[0].endswith("filler line 101")  # 2,102 lines, the last 2,000 kept


def test_an_injected_clock_times_runs_and_sweep(sweep_files: Files) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2)))
    session = SweepSession(spec, RunOptions(), clock=lambda: 1000.0)
    session.run()
    assert session.tracker.elapsed() == 0.0
    assert all(s.elapsed(1e9) == 0.0 for s in session.tracker.runs.values())


def test_a_re_run_follows_its_own_curve_not_the_previous_attempts(sweep_files: Files) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1,), steps=10))
    SweepSession(spec, RunOptions()).run()
    sweep_files.set_scale(2.0)
    session = SweepSession(spec, RunOptions(resume=False))
    (run_id,) = [p.run_id for p in plan_runs(spec.experiment)]
    _, y_old, _ = session.curve(run_id)  # the pending row, shown before the re-run starts
    assert y_old[-1] == pytest.approx(final_loss(0.1, 10))
    session.run()
    _, y, _ = session.curve(run_id)
    assert y[-1] == pytest.approx(final_loss(0.1, 10, scale=2.0))


def test_a_curve_read_while_running_is_complete_after_the_sweep(sweep_files: Files) -> None:
    # The curve thread starts following a running run; the run ends between two polls,
    # unwatched; once the sweep is over, asking for its curve must give all of it.
    (spec,) = sweep_files.load(sweep_files.write((0.1,), steps=60, sleep=0.01))
    session = SweepSession(spec, RunOptions())
    session.run()
    (run_id,) = session.tracker.runs
    assert run_id in session._followers  # made by the curve thread while the run ran
    x, _, _ = session.curve(run_id)
    assert len(x) == 60


def test_a_long_sweep_keeps_only_recent_logs_and_curves_in_memory(
    sweep_files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "LOGS_KEPT", 3)
    monkeypatch.setattr(session_module, "CURVES_KEPT", 2)
    lrs = [round(0.01 * (i + 1), 2) for i in range(10)]
    (spec,) = sweep_files.load(sweep_files.write(lrs, workers=1))
    session = SweepSession(spec, RunOptions())
    assert session.follow() == EXIT_OK  # the exit code comes from the events
    assert session.results is None  # so no record was read back for it
    ids = list(session.tracker.runs)
    assert session.started() == ids and session.in_flight() == []
    # in memory: the lines of the last 3 finished runs and of the run in flight when
    # the last one started logging; the rest are on disk
    assert list(session.logs) == ids[-4:]
    lines = session.log_lines(ids[0])
    assert len(lines) == 2 and lines[0].endswith("training lr=0.01 rep=0")

    revisions = {rid: session.curve(rid)[2] for rid in ids}  # each read, then forgotten
    session._poll_curves()
    assert len(session._followers) <= 2
    x, y, revision = session.curve(ids[0])  # read again from the tree, whole
    np.testing.assert_allclose(y, [final_loss(0.01, k) for k in range(1, 21)])
    assert revision != revisions[ids[0]]  # a reader never takes it for the old one


def test_cancel_keeps_finished_runs_and_a_later_run_resumes_the_rest(sweep_files: Files) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2, 0.3), workers=2, hold=[0.2, 0.3]))
    session = SweepSession(spec, RunOptions())
    thread = start(session)
    poll(
        lambda: (
            [s.status for s in session.tracker.runs.values()] == ["success", "running", "running"]
        )
    )
    session.cancel()
    thread.join(20)
    assert session.exit_code() == EXIT_INTERRUPTED
    records = sweep_files.records(spec)
    assert sorted(r["status"] for r in records.values()) == ["cancelled", "cancelled", "success"]

    sweep_files.release()
    handle = metalab.run(spec.experiment, store=sweep_files.store)
    results = handle.result(timeout=60)
    assert handle.status.skipped == 1
    redone = {r.run_id for r in results.records if r.status is metalab.Status.SUCCESS} - {
        rid for rid, r in records.items() if r["status"] == "success"
    }
    assert redone == {rid for rid, r in records.items() if r["status"] == "cancelled"}


# --- CurveFollower ------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    fs = FileStore(tmp_path / "exp", "exp:1")
    fs.create()
    return fs


def append(store: FileStore, text: str, run_id: str = "r1") -> None:
    path = store.layout.stream(run_id, "loss")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def test_follower_reads_only_what_was_appended(store: FileStore) -> None:
    follower = CurveFollower(store, "r1", "loss")
    assert not follower.poll()  # nothing on disk yet
    assert follower.revision == 0
    append(store, stepped.format_lines([(0, 1.0), (1, 0.5)]))
    assert follower.poll()
    assert follower.revision == 1
    append(store, "[2,0.25]\n[3,0.1")  # a torn last line waits for its newline
    assert follower.poll()
    x, y = follower.view()
    np.testing.assert_array_equal(x, [0, 1, 2])
    np.testing.assert_array_equal(y, [1.0, 0.5, 0.25])
    assert not follower.poll()
    append(store, "25]\n")
    assert follower.poll()
    np.testing.assert_array_equal(follower.view()[1], [1.0, 0.5, 0.25, 0.125])
    assert follower.revision == 3


def test_follower_reads_the_sealed_curve_once(store: FileStore) -> None:
    follower = CurveFollower(store, "r1", "loss")
    append(store, stepped.format_lines([(0, 1.0)]))
    assert follower.poll()
    append(store, stepped.format_lines([(1, 0.5), (2, 0.25)]))
    stepped.seal(
        store.layout.stream("r1", "loss"), store.layout.result("r1", "loss"), sorted_steps=True
    )
    assert follower.poll()  # the stream is gone: the sealed file replaces what was read
    assert follower.sealed
    np.testing.assert_array_equal(follower.view()[0], [0, 1, 2])
    assert not follower.poll()
    assert follower.revision == 2


def test_growing_series_keeps_every_point_past_its_first_capacity() -> None:
    series = GrowingSeries()
    for start in range(0, 5000, 700):
        x = np.arange(start, start + 700, dtype=float)
        series.extend(x, -x)
    x, y = series.view()
    np.testing.assert_array_equal(x, np.arange(5600))
    np.testing.assert_array_equal(y, -np.arange(5600))
    series.replace(np.array([1.0]), np.array([2.0]))
    assert series.size == 1
