"""Issue 11, two launches on one tree: the experiment lock, from the library's side.

A second ``metalab.run`` of an experiment that another live process is writing is
refused with one message naming the holder; a lock whose owner is gone is taken over
with a warning; the lock is given back however a sweep ends; readers never take it.
The other process is a real one (``tests/support/lock_holder.py``).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support.lock_holder import dead_pid, lock_held, write_lock

import metalab
from metalab.errors import ExperimentLockedError, MetalabError
from metalab.store import lock as lock_module
from metalab.store.layout import LOCK_FILE
from metalab.store.liveness import machine_key
from metalab.store.lock import STALE_AFTER, ExperimentLock, read_owner

CALLS: list[int] = []


@metalab.operation
def op(params, capture):
    CALLS.append(params["x"])
    for i in range(3):
        capture.metric("loss", 1.0 / (i + 1), step=i)
    capture.log(f"x={params['x']}")


GATE = threading.Event()


@metalab.operation
def gated(params, capture, runtime):
    """Captures until GATE is set (a cancelled sweep stops it at its next metric)."""
    deadline = time.monotonic() + 20
    step = 0
    while not GATE.is_set():
        if time.monotonic() > deadline:
            raise TimeoutError("the gate was never opened")
        capture.metric("loss", 1.0, step=step)
        step += 1
        time.sleep(0.01)


def experiment(operation=op, n: int = 3) -> metalab.Experiment:
    return metalab.Experiment(
        "locked", "1", {}, operation, metalab.grid(x=list(range(n))), metalab.seeds(0)
    )


def folder_of(store: Path) -> Path:
    return store / "locked_1"


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its size and modification time."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    GATE.clear()
    yield
    GATE.set()


# -- a second launch --------------------------------------------------------------------


def test_a_second_launch_is_refused_while_another_process_writes_and_writes_nothing(store):
    metalab.run(experiment(), store=store).result()
    CALLS.clear()
    folder = folder_of(store)
    with lock_held(folder, "locked:1") as holder:
        before = snapshot(folder)
        with pytest.raises(ExperimentLockedError) as caught:
            metalab.run(experiment(), store=store, resume=False)
        assert snapshot(folder) == before  # no manifest, no record, no temporary
    assert CALLS == []
    message = str(caught.value)
    assert isinstance(caught.value, MetalabError)
    assert "\n" not in message
    assert f"pid {holder.pid} on host {socket.gethostname()}, since " in message
    assert "'locked:1'" in message and str(folder) in message
    assert "launch again" in message and str(folder / LOCK_FILE) in message

    # the holder has gone: the next launch runs, and gives the lock back at the end
    results = metalab.run(experiment(), store=store, resume=False).result()
    assert len(results.successful) == 3
    assert not (folder / LOCK_FILE).exists()


def test_the_holder_is_named_while_its_sweep_runs_and_the_lock_is_gone_after(store):
    handle = metalab.run(experiment(gated, n=1), store=store)
    try:
        owner = read_owner(folder_of(store))
        assert owner is not None and owner.pid == os.getpid()
        with pytest.raises(ExperimentLockedError, match=f"pid {os.getpid()} "):
            metalab.run(experiment(gated, n=1), store=store)
    finally:
        GATE.set()
    assert [r.status for r in handle.result()] == ["success"]
    assert not (folder_of(store) / LOCK_FILE).exists()


# -- giving it back ------------------------------------------------------------------------


@metalab.operation
def fails(params):
    raise RuntimeError("no good")


class BrokenExecutor(metalab.ThreadExecutor):
    def start(self, ctx):
        raise RuntimeError("the executor could not start")


def test_the_lock_is_given_back_however_the_sweep_ends(store, wait_for):
    lock_file = folder_of(store) / LOCK_FILE

    results = metalab.run(experiment(fails, n=2), store=store).result()
    assert [r.status for r in results] == ["failed", "failed"]
    assert not lock_file.exists()

    handle = metalab.run(experiment(gated, n=2), store=store)
    wait_for(lambda: handle.status.running)
    assert lock_file.exists()
    handle.cancel()
    assert {r.status for r in handle.result()} == {"cancelled"}
    assert not lock_file.exists()

    with pytest.raises(RuntimeError, match="could not start"):
        metalab.run(experiment(), store=store, executor=BrokenExecutor(1))
    assert not lock_file.exists()


def test_a_live_holder_keeps_its_heartbeat_fresh(store, wait_for, monkeypatch):
    monkeypatch.setattr(lock_module, "HEARTBEAT_EVERY", 0.05)
    handle = metalab.run(experiment(gated, n=1), store=store)
    try:
        lock_file = folder_of(store) / LOCK_FILE
        long_ago = time.time() - 3600
        os.utime(lock_file, (long_ago, long_ago))
        wait_for(lambda: time.time() - lock_file.stat().st_mtime < 60)
    finally:
        GATE.set()
    handle.result()


def test_a_sweep_whose_lock_is_taken_over_stops(store, wait_for, monkeypatch, caplog):
    monkeypatch.setattr(lock_module, "HEARTBEAT_EVERY", 0.05)
    handle = metalab.run(experiment(gated, n=2), store=store)
    wait_for(lambda: handle.status.running)
    folder = folder_of(store)
    (folder / LOCK_FILE).unlink()  # as a launch that judged it stale would
    write_lock(folder, pid=4321, host="node-9", machine="0badc0de")
    with caplog.at_level(logging.WARNING, logger="metalab.lock"):
        results = handle.result(timeout=30)
    assert {r.status for r in results} == {"cancelled"}
    assert "taken over by pid 4321 on node-9" in caplog.text
    assert read_owner(folder).pid == 4321  # the new holder's lock is left alone


# -- stale locks ---------------------------------------------------------------------------


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_warning(store, caplog):
    pid = dead_pid()
    write_lock(folder_of(store), pid=pid, host=socket.gethostname(), machine=machine_key())
    with caplog.at_level(logging.WARNING, logger="metalab.lock"):
        results = metalab.run(experiment(), store=store).result()
    assert len(results.successful) == 3
    assert f"took over the stale lock of {folder_of(store)}" in caplog.text
    assert f"pid {pid} on {socket.gethostname()} is no longer running" in caplog.text
    assert "2026-01-02 03:04:05" in caplog.text  # when the dead sweep took it


def test_a_lock_whose_pid_now_belongs_to_another_process_is_stale(store, caplog):
    write_lock(
        folder_of(store), pid=os.getpid(), host=socket.gethostname(), machine=machine_key(),
        process_started="1",  # not when this process started: the pid was reused
    )  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="metalab.lock"):
        metalab.run(experiment(), store=store).result()
    assert f"pid {os.getpid()} on {socket.gethostname()} is now another process" in caplog.text


def test_another_machines_lock_is_stale_only_once_its_heartbeat_stops(store, caplog):
    folder = folder_of(store)
    write_lock(folder, pid=77, host="node-7", machine="0badc0de", heartbeat_age=5)
    with pytest.raises(ExperimentLockedError, match="pid 77 on host node-7, since 2026-01-02"):
        metalab.run(experiment(), store=store)
    assert CALLS == []

    write_lock(folder, pid=77, host="node-7", machine="0badc0de",
               heartbeat_age=STALE_AFTER + 30)  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="metalab.lock"):
        results = metalab.run(experiment(), store=store).result()
    assert len(results.successful) == 3
    assert "(pid 77 on node-7) has sent no heartbeat for" in caplog.text


def _race(locks: list[ExperimentLock]) -> list[str]:
    """Acquire every lock at once, one thread each; what each got."""
    outcomes: list[str] = []
    barrier = threading.Barrier(len(locks))

    def launch(lock: ExperimentLock) -> None:
        barrier.wait()
        try:
            lock.acquire()
            outcomes.append("held")
        except ExperimentLockedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=launch, args=(lock,)) for lock in locks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return outcomes


def test_two_launches_taking_over_one_stale_lock_never_both_get_it(tmp_path):
    folder = tmp_path / "exp"
    pid = dead_pid()
    for _ in range(30):
        write_lock(folder, pid=pid, host=socket.gethostname(), machine=machine_key())
        locks = [ExperimentLock(folder, "exp:1") for _ in range(2)]
        assert sorted(_race(locks)) == ["held", "refused"]
        (winner,) = [lock for lock in locks if lock.held]
        assert read_owner(folder).token == winner.token
        winner.release()
        assert not (folder / LOCK_FILE).exists()


# -- readers -------------------------------------------------------------------------------


def test_readers_take_no_lock_and_write_nothing(store):
    metalab.run(experiment(), store=store).result()
    folder = folder_of(store)
    with lock_held(folder, "locked:1"):
        before = snapshot(folder)
        results = metalab.load_results(store)
        assert len(results) == 3
        for run in results:
            assert run.data("loss") == [[0, 1.0], [1, 0.5], [2, 1.0 / 3]]
            assert f"x={run.params['x']}" in run.log
            run.stepped("loss")
        assert snapshot(folder) == before


SCRIPT = """\
import sys, time
from pathlib import Path
import metalab

@metalab.operation
def op(params, capture):
    if params["x"] == 0:
        return  # finishes at once
    Path(sys.argv[2], "started").touch()
    for step in range(100_000):  # until the sweep is cancelled (at a metric call)
        capture.metric("loss", 1.0, step=step)
        time.sleep(0.01)

exp = metalab.Experiment("locked", "1", {}, op, metalab.grid(x=[0, 1]), metalab.seeds(0))
handle = metalab.run(exp, store=sys.argv[1], executor=metalab.ThreadExecutor(1))
handle.result()
"""


@pytest.mark.parametrize("wait", ["result", "wait"])
def test_sigterm_while_a_script_waits_cancels_the_sweep_and_gives_the_lock_back(tmp_path, wait):
    # a batch system's walltime: the script ends by SIGTERM, as it would have, but its
    # run in flight is recorded cancelled and the lock is gone, so the next launch
    # resumes without taking over a stale lock
    store = tmp_path / "store"
    script = tmp_path / "sweep.py"
    script.write_text(SCRIPT.replace("handle.result()", f"handle.{wait}()"), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(store), str(tmp_path)],
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "started").exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the long run never started"
            time.sleep(0.02)
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == -signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not (folder_of(store) / LOCK_FILE).exists()
    results = metalab.load_results(folder_of(store))
    assert sorted(r.status for r in results) == ["cancelled", "success"]
    cancelled = next(r for r in results if r.status == "cancelled")
    assert cancelled.data("loss")  # its curve so far is kept


def test_a_sigterm_handler_of_the_callers_own_is_left_alone(store):
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda *_: seen.append("theirs"))
    try:
        handle = metalab.run(experiment(), store=store)
        handle.result()
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        assert seen == ["theirs"]
    finally:
        signal.signal(signal.SIGTERM, previous)
