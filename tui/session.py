"""A sweep as the dashboard sees it: the runner, its events and its curves, without UI.

:class:`SweepSession` runs ``metalab.run`` (on whatever thread calls :meth:`run`),
turns events into a :class:`~metalab.progress.SweepTracker`, keeps each run's recent
log lines, and follows the curves of the runs being shown on a thread of its own.
The UI reads it on a timer at a fixed rate, so the cost of drawing does not depend on
how fast runs log, and no file is read on the UI thread. It imports no textual, so
it is tested on its own.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

import numpy as np

import metalab
from metalab.config import ExperimentSpec, dump_experiment
from metalab.events import Event, EventKind
from metalab.progress import SweepTracker
from metalab.results import Results
from metalab.store.filestore import FileStore, open_store
from metalab.types import Status
from tui.cli import RunOptions
from tui.curves import CurveFollower

__all__ = ["SweepSession"]

LOG_LINES_KEPT = 2000
"""Log lines kept in memory per run (the full log is on disk)."""

CURVE_POLL = 0.2
"""Seconds between reads of the shown runs' curves."""


class SweepSession:
    """One experiment's sweep: start it, follow it, cancel it."""

    def __init__(self, spec: ExperimentSpec, options: RunOptions) -> None:
        self.spec = spec
        self.options = options
        self.metric = spec.display.metric
        self.tracker = SweepTracker(total_steps=spec.display.total_steps)
        self.store: FileStore = open_store(
            options.store if options.store is not None else spec.store,
            spec.experiment.experiment_id,
            create=False,
        )
        self.handle: metalab.SweepHandle | None = None
        self.results: Results | None = None
        self.error: BaseException | None = None
        self.cancelling = False
        self.finished = threading.Event()
        self.logs: dict[str, deque[str]] = {}
        self.log_revision: dict[str, int] = {}
        self._followers: dict[str, CurveFollower] = {}
        self._watched: set[str] = set()
        self._lock = threading.Lock()
        self._changed: set[str] = set()
        self._curve_thread: threading.Thread | None = None

    # -- the runner side (called on a worker thread) ---------------------------------

    def run(self) -> Results:
        """Run the sweep to its end on the calling thread; returns its Results."""
        spec, options = self.spec, self.options
        executor = spec.executor.build(options.workers)
        self._curve_thread = threading.Thread(
            target=self._follow_curves, name="metalab-curves", daemon=True
        )
        self._curve_thread.start()
        try:
            self.handle = metalab.run(
                spec.experiment,
                store=options.store if options.store is not None else spec.store,
                executor=executor,
                resume=options.resume,
                on_event=self._on_event,
                fail_fast=options.fail_fast,
                definition=dump_experiment(spec),
            )
            self.tracker.total = max(self.tracker.total, self.handle.status.total)
            self.results = self.handle.result()
            return self.results
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            executor.shutdown()
            self.finished.set()
            self._poll_curves()

    def _on_event(self, event: Event) -> None:
        state = self.tracker.update(event)
        if state is None:
            return
        run_id = state.run_id
        if event.kind is EventKind.LOG:
            with self._lock:
                lines = self.logs.get(run_id)
                if lines is None:
                    lines = self.logs[run_id] = deque(maxlen=LOG_LINES_KEPT)
                lines.append(str(event.payload.get("line", event.payload.get("message", ""))))
                self.log_revision[run_id] = self.log_revision.get(run_id, 0) + 1
        with self._lock:
            self._changed.add(run_id)

    def cancel(self) -> None:
        """Cancel the sweep: finished runs are kept, the rest are recorded cancelled."""
        self.cancelling = True
        if self.handle is not None:
            self.handle.cancel()

    # -- what the UI reads ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        return not self.finished.is_set()

    def take_changed(self) -> set[str]:
        """Run ids whose state changed since the last call."""
        with self._lock:
            changed, self._changed = self._changed, set()
        return changed

    def log_lines(self, run_id: str) -> list[str]:
        """The run's recent log lines: from events while live, else from its log file."""
        with self._lock:
            lines = self.logs.get(run_id)
            if lines is not None:
                return list(lines)
        text = self.store.get_log(run_id) or ""
        return text.splitlines()[-LOG_LINES_KEPT:]

    def watch(self, run_ids: Iterable[str]) -> None:
        """The runs whose curves the UI shows; their followers are polled."""
        with self._lock:
            self._watched = set(run_ids)

    def curve(self, run_id: str) -> tuple[np.ndarray, np.ndarray, int]:
        """(steps, values, revision) of the run's plotted metric, as read so far."""
        follower = self._followers.get(run_id)
        if follower is None:
            follower = self._followers[run_id] = CurveFollower(self.store, run_id, self.metric)
            follower.poll()
        x, y = follower.view()
        return x, y, follower.revision

    def _follow_curves(self) -> None:
        while not self.finished.wait(CURVE_POLL):
            self._poll_curves()

    def _poll_curves(self) -> None:
        with self._lock:
            watched = set(self._watched)
        running = {rid for rid, st in list(self.tracker.runs.items()) if st.status == "running"}
        for run_id in watched | running:
            follower = self._followers.get(run_id)
            if follower is None:
                follower = self._followers[run_id] = CurveFollower(self.store, run_id, self.metric)
            if follower.poll():
                with self._lock:
                    self._changed.add(run_id)

    def summary(self) -> str:
        counts = self.tracker.counts()
        parts = [f"{counts['success']} succeeded"]
        if counts["skipped"]:
            parts.append(f"{counts['skipped']} resumed")
        if counts["failed"]:
            parts.append(f"{counts['failed']} failed")
        if counts["cancelled"]:
            parts.append(f"{counts['cancelled']} cancelled")
        return ", ".join(parts)

    def exit_code(self) -> int:
        from tui.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK

        if self.cancelling:
            return EXIT_INTERRUPTED
        if self.results is None:
            return EXIT_FAILED
        bad = any(r.status in (Status.FAILED, Status.CANCELLED) for r in self.results.records)
        return EXIT_FAILED if bad else EXIT_OK

    def params_of(self, run_id: str) -> dict[str, Any]:
        state = self.tracker.runs.get(run_id)
        return state.params if state else {}
