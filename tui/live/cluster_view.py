"""What the dashboard says of a Dask cluster while a sweep runs on it.

The Dask executor reports the cluster's state as ``cluster`` events (workers connected,
busy and idle, which worker runs which run, and for a dask-jobqueue cluster its jobs
pending and running), and they reach the dashboard through the child sweep's JSON
events like every other event. :class:`ClusterView` keeps the latest, turns it into the
header's one-line summary, and notices a worker that left while it had runs, so the
dashboard can say so in those runs' logs. No textual here: it is tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ClusterView", "LostWorker"]


@dataclass(frozen=True)
class LostWorker:
    """A worker that left the cluster while it was running ``run_ids``."""

    address: str
    run_ids: tuple[str, ...]

    def message(self) -> str:
        return (
            f"worker {self.address} was lost while running this run; "
            "Dask runs it again on another worker (or records it failed past its retries)"
        )


@dataclass
class ClusterView:
    """The latest state of the sweep's cluster (empty until a ``cluster`` event)."""

    workers: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    idle: list[str] = field(default_factory=list)
    runs: dict[str, str] = field(default_factory=dict)
    """Run id -> the address of the worker running it."""
    jobs_pending: int | None = None
    jobs_running: int | None = None
    seen: bool = False
    ever: dict[str, None] = field(default_factory=dict)
    """Every worker seen since the sweep began, in the order they joined (the runs
    table sizes its worker column for them, lost ones included)."""

    def update(self, payload: Mapping[str, Any]) -> list[LostWorker]:
        """Take a ``cluster`` event's payload; returns the workers that left with runs."""
        before_workers, before_runs = set(self.workers), dict(self.runs)
        self.workers = [str(w) for w in payload.get("workers") or []]
        self.busy = [str(w) for w in payload.get("busy") or []]
        self.idle = [str(w) for w in payload.get("idle") or []]
        self.runs = {str(r): str(w) for r, w in (payload.get("runs") or {}).items()}
        self.jobs_pending = payload.get("jobs_pending")
        self.jobs_running = payload.get("jobs_running")
        self.seen = True
        self.ever.update(dict.fromkeys(self.workers))
        gone = before_workers - set(self.workers)
        lost = []
        for address in sorted(gone):
            runs = tuple(r for r, w in before_runs.items() if w == address)
            if runs:
                lost.append(LostWorker(address, runs))
        return lost

    def worker_of(self, run_id: str) -> str | None:
        return self.runs.get(run_id)

    def summary(self) -> str:
        """``dask: 4 workers (3 busy, 1 idle) · jobs 2 pending, 2 running``, or ``""``."""
        if not self.seen:
            return ""
        n = len(self.workers)
        plural = "s" if n != 1 else ""
        text = f"dask: {n} worker{plural} ({len(self.busy)} busy, {len(self.idle)} idle)"
        if self.jobs_pending is not None or self.jobs_running is not None:
            text += f" · jobs {self.jobs_pending or 0} pending, {self.jobs_running or 0} running"
        return text
