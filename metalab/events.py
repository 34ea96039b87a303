"""Live events of a sweep, delivered as they happen, in order, off the workers' threads.

Workers and the metric flusher put events on a queue; one dispatcher thread hands
them to every subscriber. So a slow subscriber (a UI, a progress printer) never
slows an operation down, a subscriber that raises is logged and skipped, and every
subscriber sees one ordered stream whichever executor produced it.

Kinds: ``run_started``, ``progress`` (throttled: the latest step and value of each
stepped metric), ``log``, ``artifact_saved``, ``run_finished``, ``run_failed``,
``run_skipped``, ``run_cancelled``; and ``cluster`` (no run id: the state of a Dask
cluster's workers and jobs, sent by :class:`~metalab.executors.dask.DaskExecutor` when
it changes).
"""

from __future__ import annotations

import datetime as _dt
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Event", "EventBus", "EventCallback", "EventKind"]

log = logging.getLogger("metalab.events")


class EventKind(StrEnum):
    RUN_STARTED = "run_started"
    RUN_FINISHED = "run_finished"
    RUN_FAILED = "run_failed"
    RUN_SKIPPED = "run_skipped"
    RUN_CANCELLED = "run_cancelled"
    ARTIFACT_SAVED = "artifact_saved"
    PROGRESS = "progress"
    LOG = "log"
    CLUSTER = "cluster"


TERMINAL_KINDS = frozenset(
    {EventKind.RUN_FINISHED, EventKind.RUN_FAILED, EventKind.RUN_SKIPPED, EventKind.RUN_CANCELLED}
)


@dataclass(frozen=True)
class Event:
    """Something that happened to one run (``run_id``) of a sweep."""

    kind: EventKind
    run_id: str | None
    payload: dict[str, Any] = field(default_factory=dict)
    timestamp: _dt.datetime = field(default_factory=_dt.datetime.now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": str(self.kind),
            "run_id": self.run_id,
            "time": self.timestamp.isoformat(),
            **self.payload,
        }


EventCallback = Callable[[Event], None]

_STOP = object()


class EventBus:
    """A queue drained by one dispatcher thread that calls each subscriber in turn."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._subscribers: list[EventCallback] = []
        self._thread = threading.Thread(target=self._dispatch, name="metalab-events", daemon=True)
        self._thread.start()

    def subscribe(self, callback: EventCallback) -> None:
        self._subscribers.append(callback)

    def put(self, event: Event) -> None:
        self._queue.put(event)

    def emit(self, kind: EventKind, run_id: str | None, /, **payload: Any) -> None:
        self._queue.put(Event(kind, run_id, payload))

    def _dispatch(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if isinstance(item, threading.Event):  # a drain marker
                item.set()
                continue
            for callback in list(self._subscribers):
                try:
                    callback(item)
                except Exception:  # a subscriber's bug must not stop the sweep
                    log.warning("event subscriber %r raised", callback, exc_info=True)

    def drain(self, timeout: float | None = 10.0) -> None:
        """Wait until every event put so far has been delivered."""
        if not self._thread.is_alive() or threading.current_thread() is self._thread:
            return
        marker = threading.Event()
        self._queue.put(marker)
        marker.wait(timeout)

    def close(self) -> None:
        self.drain()
        self._queue.put(_STOP)
