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
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import metalab
from metalab.config import ExperimentSpec, dump_experiment
from metalab.events import Event, EventKind
from metalab.progress import RunState, SweepTracker
from metalab.results import Results
from metalab.runner import plan_runs
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
    """One experiment's sweep: start it, follow it, cancel it.

    ``clock`` (seconds, monotonic) times the runs and the sweep; tests pass a fixed
    one so that elapsed times do not depend on the machine.
    """

    def __init__(
        self,
        spec: ExperimentSpec,
        options: RunOptions,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = spec
        self.options = options
        self.metric = spec.display.metric
        self.clock = clock
        self.tracker = SweepTracker(total_steps=spec.display.total_steps, clock=clock)
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
        self._add_planned_runs()
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
            if self.cancelling:  # cancel() came before there was a handle to cancel
                self.handle.cancel()
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

    def _add_planned_runs(self) -> None:
        """Every run of the sweep as a pending row, in plan order, before any starts."""
        display = self.spec.display
        planned = plan_runs(self.spec.experiment)
        runs = dict(self.tracker.runs)
        for payload in planned:
            runs.setdefault(
                payload.run_id,
                RunState(
                    payload.run_id,
                    params=dict(payload.params),
                    replicate=payload.seeds.replicate_index,
                    total_steps=display.total_steps(payload.params),
                ),
            )
        # no event has come yet (the sweep starts after this); the UI thread may be
        # reading the tracker, so swap the dict whole rather than grow it under it
        self.tracker.runs = runs
        self.tracker.total = max(self.tracker.total, len(planned))
        with self._lock:
            self._changed.update(p.run_id for p in planned)

    def _on_event(self, event: Event) -> None:
        state = self.tracker.update(event)
        if state is None:
            return
        run_id = state.run_id
        if event.kind is EventKind.RUN_STARTED:
            self._restart_curve(run_id)
        if event.kind is EventKind.LOG:
            with self._lock:
                lines = self.logs.get(run_id)
                if lines is None:
                    lines = self.logs[run_id] = deque(maxlen=LOG_LINES_KEPT)
                lines.append(self.format_log(event.payload))
                self.log_revision[run_id] = self.log_revision.get(run_id, 0) + 1
        with self._lock:
            self._changed.add(run_id)

    def format_log(self, payload: dict[str, Any]) -> str:
        """The text shown for one ``log`` event (tests override it to drop timestamps)."""
        return str(payload.get("line", payload.get("message", "")))

    def _restart_curve(self, run_id: str) -> None:
        """A run (re)starting: forget what was read of an earlier attempt's curve.

        A pending row may have been shown before the run started, and the worker clears
        an earlier attempt's curves when it starts; a follower that already read them
        (and took them for the sealed, final curve) would never follow the new ones.
        The new follower's revision continues the old one's, so the change is seen.
        """
        old = self._followers.get(run_id)
        if old is None:
            return
        new = CurveFollower(self.store, run_id, self.metric)
        new.revision = old.revision + 1
        self._followers[run_id] = new

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
        return self.log_tail(run_id)[0]

    def log_tail(self, run_id: str) -> tuple[list[str], int]:
        """(the run's last lines, how many lines it has logged in all).

        Only the last ``LOG_LINES_KEPT`` lines are kept, so the count, not the length
        of the list, tells a follower how many lines are new since it last looked.
        """
        with self._lock:
            lines = self.logs.get(run_id)
            if lines is not None:
                return list(lines), self.log_revision.get(run_id, len(lines))
        text = self.store.get_log(run_id) or ""
        every = text.splitlines()
        return every[-LOG_LINES_KEPT:], len(every)

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
        elif self.finished.is_set() and not follower.sealed:
            # the curve thread has stopped: a run that ended while nobody watched it has
            # only the part of its curve read while it ran; read the rest (once) here
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

    @property
    def results_path(self) -> str:
        """The experiment's folder in the results tree, as shown to the user."""
        return str(self.store.root)

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
