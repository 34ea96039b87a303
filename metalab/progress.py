"""Following a sweep: counts, per-run progress and an ETA, and a plain-text display.

:class:`SweepTracker` turns the event stream into state that any front end can show
(the TUI's header and table, ``--no-ui``'s lines, ``progress=True`` in a script). Its
ETA counts the runs in flight by how far along they are (steps done out of the total
when known, else time spent against the typical run's duration), so it does not jump
when a batch of runs finishes together.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from metalab.events import Event, EventKind

__all__ = ["ProgressPrinter", "RunState", "SweepTracker", "format_duration"]

_STATUS_OF = {
    EventKind.RUN_STARTED: "running",
    EventKind.RUN_FINISHED: "success",
    EventKind.RUN_FAILED: "failed",
    EventKind.RUN_SKIPPED: "skipped",
    EventKind.RUN_CANCELLED: "cancelled",
}
TERMINAL = frozenset({"success", "failed", "skipped", "cancelled"})
_COUNTED = (*sorted(TERMINAL), "running")


def _done(counts: dict[str, int]) -> int:
    """The runs that have ended, from counts by status."""
    return sum(counts[status] for status in TERMINAL)


def format_duration(seconds: float | None) -> str:
    """``42s``, ``3m05s``, ``1h02m``; ``--`` when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "--"
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


@dataclass
class RunState:
    """What is known of one run so far."""

    run_id: str
    status: str = "pending"
    params: dict[str, Any] = field(default_factory=dict)
    replicate: int | None = None
    started: float | None = None
    ended: float | None = None
    step: int | None = None
    total_steps: int | None = None
    values: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None
    traceback: str | None = None
    log_lines: int = 0
    worker: str | None = None
    """Where it runs (``thread:1``, ``process:4242``, a Dask worker's address)."""
    attempt: int = 1
    """Which attempt is running: a run whose Dask worker died is run again."""
    lost_worker: str | None = None
    """The last worker that died while it ran this run, if any."""

    @property
    def waiting_after_loss(self) -> bool:
        """Its worker died, and no other worker has started it again yet."""
        return self.lost_worker is not None and self.lost_worker == self.worker

    def elapsed(self, now: float) -> float | None:
        if self.started is None:
            return None
        return (self.ended or now) - self.started

    def fraction(self) -> float | None:
        if self.status in TERMINAL:
            return 1.0
        if self.step is not None and self.total_steps:
            return min(1.0, (self.step + 1) / self.total_steps)
        return None


class SweepTracker:
    """Sweep state built from events; safe to feed from one thread and read from another."""

    def __init__(
        self,
        total: int = 0,
        total_steps: Callable[[dict[str, Any]], int | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self._total_steps = total_steps
        self._clock = clock
        self.started = clock()
        self.finished: float | None = None
        self.runs: dict[str, RunState] = {}
        self.revision = 0
        self._lock = threading.Lock()
        # kept as events come, so that each event costs the same however many runs
        # the sweep has (a count over ``runs`` per event made a sweep quadratic)
        self._by_status: dict[str, int] = dict.fromkeys(_COUNTED, 0)
        self._durations: list[float] = []
        self._running: dict[str, RunState] = {}

    def __call__(self, event: Event) -> None:
        self.update(event)

    def update(self, event: Event) -> RunState | None:
        if event.run_id is None:
            return None
        now = self._clock()
        with self._lock:
            state = self.runs.get(event.run_id)
            if state is None:
                state = self.runs[event.run_id] = RunState(event.run_id)
            p = event.payload
            kind = event.kind
            if kind in _STATUS_OF:
                self._set_status(state, _STATUS_OF[kind])
            if "params" in p and p["params"] is not None:
                state.params = dict(p["params"])
                if self._total_steps is not None and state.total_steps is None:
                    state.total_steps = self._total_steps(state.params)
            if kind is EventKind.RUN_STARTED:
                state.started = now
                state.replicate = p.get("replicate")
                state.worker = p.get("worker")
                state.attempt = int(p.get("attempt") or 1)
                state.lost_worker = p.get("lost_worker") or state.lost_worker
            elif kind is EventKind.PROGRESS:
                if p.get("step") is not None:
                    state.step = int(p["step"])
                state.values.update(p.get("values") or {})
            elif kind is EventKind.LOG:
                state.log_lines += 1
            elif kind in (EventKind.RUN_FINISHED, EventKind.RUN_FAILED, EventKind.RUN_CANCELLED):
                state.ended = now
                if state.started is None and p.get("duration_ms") is not None:
                    state.started = now - p["duration_ms"] / 1000
                state.metrics.update(p.get("metrics") or {})
                if kind is EventKind.RUN_FAILED:
                    state.lost_worker = p.get("lost_worker") or state.lost_worker
                    state.error = p.get("error")
                    state.error_type = p.get("error_type")
                    state.traceback = p.get("traceback")
                if kind is not EventKind.RUN_CANCELLED and state.started is not None:
                    self._durations.append(now - state.started)
            elif kind is EventKind.RUN_SKIPPED:
                state.metrics.update(p.get("metrics") or {})
            if len(self.runs) > self.total:
                self.total = len(self.runs)
            if self.finished is None and self.total and self.done >= self.total:
                self.finished = now
            self.revision += 1
            return state

    def running_ids(self) -> list[str]:
        """The runs running now, in the order they started."""
        with self._lock:
            return list(self._running)

    def note_lost_worker(self, run_id: str, worker: str) -> RunState | None:
        """``worker`` died while it ran ``run_id`` (a cluster said so); the run's state,
        or None when this run is not known or has moved on to another worker."""
        with self._lock:
            state = self.runs.get(run_id)
            if state is None or state.worker != worker:
                return None
            state.lost_worker = worker
            self.revision += 1
            return state

    def _set_status(self, state: RunState, status: str) -> None:
        counts = self._by_status
        if state.status in counts:
            counts[state.status] -= 1
        state.status = status
        if status in counts:
            counts[status] += 1
        if status == "running":
            self._running[state.run_id] = state
        else:
            self._running.pop(state.run_id, None)

    # -- summaries ----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self._lock:
            counts = dict(self._by_status)
        counts["pending"] = self.total - sum(counts.values())
        counts["done"] = _done(counts)
        counts["total"] = self.total
        return counts

    @property
    def done(self) -> int:
        return _done(self._by_status)

    def elapsed(self) -> float:
        return (self.finished or self._clock()) - self.started

    def eta(self) -> float | None:
        """Seconds until the sweep ends, counting the partial work of runs in flight."""
        now = self._clock()
        with self._lock:
            counts = dict(self._by_status)
            running = list(self._running.values())
            durations = list(self._durations)
        done = _done(counts)
        if self.total and done >= self.total:
            return 0.0
        typical = statistics.median(durations) if durations else None
        work_done = float(counts["success"] + counts["failed"] + counts["cancelled"])
        for r in running:
            frac = r.fraction()
            if frac is None and typical and r.started is not None:
                frac = min(0.95, (now - r.started) / typical)
            work_done += frac or 0.0
        work_total = self.total - counts["skipped"]
        spent = now - self.started
        if work_done <= 0 or spent <= 0:
            return None
        rate = work_done / spent
        return max(0.0, (work_total - work_done) / rate)

    def status_line(self, title: str = "") -> str:
        c = self.counts()
        pct = 100 * c["done"] / c["total"] if c["total"] else 0
        line = (
            f"{c['done']}/{c['total']} ({pct:.0f}%) ok={c['success']} fail={c['failed']} "
            f"skip={c['skipped']} running={c['running']}"
        )
        if c["cancelled"]:
            line += f" cancelled={c['cancelled']}"
        line += f" elapsed={format_duration(self.elapsed())} ETA={format_duration(self.eta())}"
        return f"[{title}] {line}" if title else line


class ProgressPrinter:
    """``progress=True``: one redrawn line on a terminal, throttled plain lines otherwise."""

    def __init__(
        self,
        title: str = "sweep",
        total: int = 0,
        stream: TextIO | None = None,
        interval: float | None = None,
    ) -> None:
        self.title = title
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (0.1 if self.tty else 2.0)
        self.tracker = SweepTracker(total)
        self._last = 0.0
        self._closed = False
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        state = self.tracker.update(event)
        with self._lock:
            if self._closed:
                return
            if event.kind is EventKind.RUN_FAILED and state is not None:
                self._line(f"  [FAIL] {state.run_id[:12]} {state.error_type}: {state.error}")
            now = time.monotonic()
            done = self.tracker.total and self.tracker.done >= self.tracker.total
            if done or now - self._last >= self.interval:
                self._last = now
                self._status()
            if done:
                self._finish()

    def _line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def _status(self) -> None:
        text = "  " + self.tracker.status_line(self.title)
        if self.tty:
            self.stream.write("\r\x1b[2K" + text)
            self.stream.flush()
        else:
            self._line(text)

    def _finish(self) -> None:
        self._closed = True
        c = self.tracker.counts()
        if self.tty:
            self.stream.write("\n")
        self.stream.write(
            f"  Completed in {format_duration(self.tracker.elapsed())}: success={c['success']} "
            f"failed={c['failed']} skipped={c['skipped']} cancelled={c['cancelled']}\n"
        )
        self.stream.flush()
