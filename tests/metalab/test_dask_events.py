"""Issue 8: a Dask worker's events reach the client in full: the batch of a sweep's events
on one worker takes every event, however its threads (runs, their capture flushers and
the batch's sender) interleave. A lost event stalls a run's row: its last progress."""

from __future__ import annotations

import sys
import threading
from typing import Any

import msgpack

from metalab.events import EventKind
from metalab.executors.dask_tasks import _Batcher


class Wire:
    """What a worker's ``log_event`` does with a batch: it is packed for the scheduler,
    so what is added to the list after that is not sent."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def log_event(self, topic: str, msg: Any) -> None:
        self.sent.extend(msgpack.unpackb(msgpack.packb(msg)))


def test_no_event_is_lost_between_the_runs_threads_and_the_sender() -> None:
    wire = Wire()
    batcher = _Batcher("metalab-test", wire)
    emitters, per_thread = 4, 20_000
    done = threading.Event()

    def run(n: int) -> None:
        for step in range(per_thread):
            batcher.emit(EventKind.PROGRESS, f"run{n}", step=step)

    def send() -> None:
        while not done.is_set():
            batcher.flush()

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads trade places as often as they can
    try:
        sender = threading.Thread(target=send)
        sender.start()
        runs = [threading.Thread(target=run, args=(n,)) for n in range(emitters)]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join()
        done.set()
        sender.join()
    finally:
        sys.setswitchinterval(switch)
    batcher.flush()
    steps: dict[str, list[int]] = {}
    for _kind, run_id, payload in wire.sent:
        steps.setdefault(run_id, []).append(payload["step"])
    # every event, each once, and each run's in the order it emitted them
    assert steps == {f"run{n}": list(range(per_thread)) for n in range(emitters)}
