"""A sweep as the dashboard sees it: the runner, its events and its curves, without UI.

:class:`SweepSession` runs the sweep in a child process (``metalab-tui --no-ui --json``,
so that its CPU-bound workers do not share the UI's GIL), follows the events the child
prints (on whatever thread calls :meth:`run`), turns them into a
:class:`~metalab.progress.SweepTracker`, keeps each run's recent log lines, and follows
the curves of the runs being shown, from disk, on a thread of its own.
The UI reads it on a timer at a fixed rate, so the cost of drawing does not depend on
how fast runs log, and no file is read on the UI thread. It imports no textual, so
it is tested on its own.

What it keeps does not grow with the sweep beyond a few small things a run (its state,
its id): the runs in flight are kept apart so that nothing scans every run, the log
lines and curves in memory are those of the runs in flight and of the last few hundred
others (the rest are on disk, read again if asked for), and the sweep's exit code comes
from its events rather than from reading every record back.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import orjson

import tui
from metalab.config import ExperimentSpec
from metalab.errors import MetalabError
from metalab.events import Event, EventKind
from metalab.progress import TERMINAL, RunState, SweepTracker
from metalab.results import Results, load_results
from metalab.runner import plan_runs
from metalab.store.filestore import FileStore, open_store
from tui.live.cluster_view import ClusterView
from tui.live.curve_follower import CurveFollower
from tui.options import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, RunOptions

__all__ = ["SweepSession"]

LOG_LINES_KEPT = 2000
"""Log lines kept in memory per run (the full log is on disk)."""

CURVE_POLL = 0.2
"""Seconds between reads of the shown runs' curves."""

LOGS_KEPT = 256
"""Finished runs whose log lines are kept in memory (runs in flight always are)."""

CURVES_KEPT = 512
"""Curves kept in memory besides those shown and those of runs in flight."""


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
        self._child: subprocess.Popen[bytes] | None = None
        self._child_heard = False  # an event came: the child can take a SIGINT
        self._run_ids: set[str] = set()
        self._started: dict[str, None] = {}  # every run that has left "pending"
        self._code: int | None = None  # the child's exit code, once it has ended
        self.results: Results | None = None
        self.error: BaseException | None = None
        self.cancelling = False
        self.finished = threading.Event()
        self.logs: dict[str, deque[str]] = {}
        self.cluster = ClusterView()
        """The Dask cluster's state, for a sweep on one (else it stays empty)."""
        self.log_revision: dict[str, int] = {}
        self._followers: dict[str, CurveFollower] = {}  # least recently used first
        self._followers_lock = threading.Lock()
        self._follower_serial = itertools.count(1)
        self._watched: set[str] = set()
        self._lock = threading.Lock()
        self._changed: set[str] = set()
        self._curve_thread: threading.Thread | None = None

    # -- the runner side (called on a worker thread) ---------------------------------

    def run(self) -> Results:
        """Run the sweep to its end (:meth:`follow`), then read its records back."""
        self.follow()
        self.results = self._load_results()
        return self.results

    def follow(self) -> int:
        """Run the sweep to its end, in a child process, following it on the calling
        thread; returns its exit code (:meth:`exit_code`)."""
        self._curve_thread = threading.Thread(
            target=self._follow_curves, name="metalab-curves", daemon=True
        )
        self._curve_thread.start()
        try:
            self._code = self._run_child()
            return self.exit_code()
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            self.finished.set()
            self._poll_curves()

    def child_command(self) -> list[str]:
        """The command line of the child process that runs the sweep."""
        spec, options = self.spec, self.options
        cmd = [
            # SIGINT is how the UI cancels the child: take it even when this process was
            # started with it ignored (a background job, nohup), which a child inherits
            sys.executable, "-c", "import signal, sys; signal.signal(signal.SIGINT, "
            "signal.default_int_handler); from tui.cli import main; sys.exit(main())",
            str(spec.source), "--experiment", f"{spec.name}:{spec.version}", "--no-ui", "--json",
        ]  # fmt: skip
        if options.workers is not None:
            cmd += ["--workers", str(options.workers)]
        if options.store is not None:
            cmd += ["--store", str(Path(options.store).resolve())]
        if not options.resume:
            cmd.append("--no-resume")
        if options.fail_fast:
            cmd.append("--fail-fast")
        return cmd

    def _run_child(self) -> int:
        env = dict(os.environ)
        # the child imports tui and metalab from wherever this process does
        root = str(Path(tui.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        child = subprocess.Popen(
            self.child_command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # the terminal's signals are the UI's to handle
        )
        with self._lock:
            self._child = child
        errors: list[bytes] = []
        drain = threading.Thread(
            target=lambda: errors.append(child.stderr.read()),  # type: ignore[union-attr]
            name="metalab-child-stderr",
            daemon=True,
        )
        drain.start()
        try:
            # planned while the child starts up (it plans the same runs itself); its
            # events wait in the pipe until every run has its pending row
            self._add_planned_runs()
            assert child.stdout is not None
            for line in child.stdout:
                self._on_line(line)
            code = child.wait()
        except BaseException:
            if child.poll() is None:
                child.kill()
            raise
        finally:
            drain.join(5)
            child.stdout.close()  # type: ignore[union-attr]
            child.stderr.close()  # type: ignore[union-attr]
        stderr = b"".join(errors).decode("utf-8", "replace").strip()
        if code == EXIT_BAD_INPUT:
            # the child's message, from its last "metalab-tui: error: " on (hints included)
            prefix = "metalab-tui: error: "
            at = stderr.rfind(prefix)
            message = stderr[at + len(prefix) :] if at >= 0 else stderr
            raise MetalabError(message or "the experiment file could not be used")
        if code not in (EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED) or (
            code == EXIT_FAILED and not self.tracker.counts()["done"]
        ):
            raise RuntimeError(
                f"the sweep's process exited with code {code}: {stderr or 'no message'}"
            )
        return code

    def _on_line(self, line: bytes) -> None:
        """One line of the child's output: a JSON event."""
        try:
            data = orjson.loads(line)
            kind = EventKind(data.pop("event"))
        except (orjson.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError):
            return  # not an event (an operation printing to stdout)
        run_id = data.pop("run_id", None)
        data.pop("experiment", None)
        stamp = data.pop("time", None)
        try:
            timestamp = _dt.datetime.fromisoformat(stamp) if stamp else _dt.datetime.now()
        except (TypeError, ValueError):
            timestamp = _dt.datetime.now()
        if run_id is not None:
            self._run_ids.add(run_id)
        self._on_event(Event(kind, run_id, payload=data, timestamp=timestamp))
        if not self._child_heard:
            with self._lock:
                self._child_heard = True
                cancel = self.cancelling
            if cancel:  # cancel() came before the child could take it
                self._interrupt()

    def _interrupt(self) -> None:
        child = self._child
        if child is not None and child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGINT)

    def _load_results(self) -> Results:
        """This sweep's records, as the child left them, in plan order."""
        wanted = [rid for rid in self.tracker.runs if rid in self._run_ids]
        try:
            loaded = load_results(self.store.root)
        except FileNotFoundError:
            return Results(self.store, [])
        by_id = {run.record.run_id: run for run in loaded.runs}
        return Results(self.store, [by_id[rid] for rid in wanted if rid in by_id])

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
        # no event has been read yet (they wait in the pipe); the UI thread may be
        # reading the tracker, so swap the dict whole rather than grow it under it
        self.tracker.runs = runs
        self.tracker.total = max(self.tracker.total, len(planned))
        with self._lock:
            self._changed.update(p.run_id for p in planned)

    def _on_event(self, event: Event) -> None:
        if event.kind is EventKind.CLUSTER:
            self._on_cluster(event.payload)
            return
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
                    running = len(self.tracker.running_ids())
                    if len(self.logs) > LOGS_KEPT + running:
                        self._forget_logs(running)
                lines.append(self.format_log(event.payload))
                self.log_revision[run_id] = self.log_revision.get(run_id, 0) + 1
        with self._lock:
            if state.status != "pending":
                self._started[run_id] = None
            self._changed.add(run_id)

    def _on_cluster(self, payload: dict[str, Any]) -> None:
        """A Dask cluster's new state; a worker lost with runs is said in their logs."""
        for lost in self.cluster.update(payload):
            for run_id in lost.run_ids:
                self.tracker.note_lost_worker(run_id, lost.address)
                with self._lock:
                    lines = self.logs.setdefault(run_id, deque(maxlen=LOG_LINES_KEPT))
                    lines.append(f"[cluster] {lost.message()}")
                    self.log_revision[run_id] = self.log_revision.get(run_id, 0) + 1
                    self._changed.add(run_id)

    def _forget_logs(self, running: int) -> None:
        """Drop the in-memory lines of the finished runs that logged longest ago, down
        to ``LOGS_KEPT`` beside the ``running`` runs' (under ``_lock``); their logs are
        read from disk if asked for."""
        runs = self.tracker.runs
        for run_id in list(self.logs):
            if len(self.logs) <= LOGS_KEPT + running:
                break
            state = runs.get(run_id)
            if state is not None and state.status in TERMINAL:
                del self.logs[run_id]
                self.log_revision.pop(run_id, None)

    def format_log(self, payload: dict[str, Any]) -> str:
        """The text shown for one ``log`` event (tests override it to drop timestamps)."""
        return str(payload.get("line", payload.get("message", "")))

    def _restart_curve(self, run_id: str) -> None:
        """A run (re)starting: forget what was read of an earlier attempt's curve.

        A pending row may have been shown before the run started, and the worker clears
        an earlier attempt's curves when it starts; a follower that already read them
        (and took them for the sealed, final curve) would never follow the new ones.
        The new follower's revisions differ from the old one's, so the change is seen.
        """
        with self._followers_lock:
            if run_id in self._followers:
                self._followers[run_id] = self._new_follower(run_id)

    def _new_follower(self, run_id: str) -> CurveFollower:
        """A follower whose revisions no earlier follower of the run has used (one may
        have been forgotten, or replaced when the run restarted), so a change is seen."""
        follower = CurveFollower(self.store, run_id, self.metric)
        follower.revision = next(self._follower_serial) << 32
        return follower

    def cancel(self) -> None:
        """Cancel the sweep: finished runs are kept, the rest are recorded cancelled."""
        with self._lock:
            self.cancelling = True
            heard = self._child_heard
        if heard:  # else the first event the child prints delivers it
            self._interrupt()

    # -- what the UI reads ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        return not self.finished.is_set()

    def in_flight(self) -> list[str]:
        """The runs running now, in the order they started."""
        return self.tracker.running_ids()

    def started(self) -> list[str]:
        """Every run that has started (or was resumed), in the order it did."""
        with self._lock:
            return list(self._started)

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
        with self._followers_lock:
            follower = self._followers.pop(run_id, None)
            fresh = follower is None
            if follower is None:
                follower = self._new_follower(run_id)
            self._followers[run_id] = follower  # now the most recently used
        if fresh:
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
            wanted = self._watched | set(self.tracker.running_ids())
        for run_id in wanted:
            with self._followers_lock:
                follower = self._followers.get(run_id)
                if follower is None:
                    follower = self._followers[run_id] = self._new_follower(run_id)
            if follower.poll():
                with self._lock:
                    self._changed.add(run_id)
        with self._followers_lock:
            extra = len(self._followers) - CURVES_KEPT - len(wanted)
            if extra > 0:  # forget the least recently used of the curves not wanted now
                for run_id in [r for r in self._followers if r not in wanted][:extra]:
                    del self._followers[run_id]

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
        if self.cancelling:
            return EXIT_INTERRUPTED
        if self._code is None:
            return EXIT_FAILED
        counts = self.tracker.counts()
        return EXIT_FAILED if counts["failed"] or counts["cancelled"] else EXIT_OK

    def params_of(self, run_id: str) -> dict[str, Any]:
        state = self.tracker.runs.get(run_id)
        return state.params if state else {}
