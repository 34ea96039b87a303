"""``metalab-tui --no-ui``: the same sweeps, for CI logs and terminals without a UI.

Output is line-oriented and throttled (a status line every few seconds, never a
redrawn table), each failure is printed the moment it happens with its run id and
error, and a summary table closes each experiment. ``--json`` prints one JSON object
per event instead, for machines. Nothing here imports textual.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any, TextIO

import orjson

import metalab
from metalab.config import ExperimentSpec, dump_experiment
from metalab.errors import MetalabError
from metalab.events import Event, EventKind
from metalab.progress import SweepTracker, format_duration
from metalab.runner import plan_runs
from metalab.store.filestore import FileStore
from metalab.types import RunRecord, Status
from tui.headless.junit import SuiteResult, write_report
from tui.options import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, RunOptions

STATUS_EVERY = 2.0
"""Seconds between status lines."""


class LinePrinter:
    """Turns events into throttled progress lines (or JSON lines)."""

    def __init__(
        self,
        spec: ExperimentSpec,
        tracker: SweepTracker,
        out: TextIO,
        *,
        as_json: bool,
        every: float = STATUS_EVERY,
    ) -> None:
        self.spec = spec
        self.tracker = tracker
        self.out = out
        self.as_json = as_json
        self.every = every
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        state = self.tracker.update(event)
        with self._lock:
            if self.as_json:
                record = {"experiment": self.spec.name, **event.to_dict()}
                self.out.write(strict_json(record) + "\n")
                self.out.flush()
                return
            if event.kind is EventKind.RUN_FAILED and state is not None:
                self._write(f"FAIL {state.run_id[:12]} {_params(state.params)}: "
                            f"{state.error_type or 'Error'}: {state.error}")  # fmt: skip
            elif event.kind is EventKind.RUN_STARTED and state is not None and state.attempt > 1:
                lost = event.payload.get("lost_worker")
                why = f"worker {lost} was lost; " if lost else ""
                self._write(f"RETRY {state.run_id[:12]} {_params(state.params)}: {why}"
                            f"attempt {state.attempt} on {state.worker}")  # fmt: skip
            now = time.monotonic()
            if now - self._last >= self.every:
                self._last = now
                self._write(self.tracker.status_line(self.spec.name))

    def _write(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()


def strict_json(obj: Any) -> str:
    """JSON that any parser reads: NaN and infinities (a diverged loss) become null."""
    return orjson.dumps(obj, default=str, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def _params(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items())


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def _last_value(store: FileStore, record: RunRecord, metric: str) -> float | None:
    """The last value of the run's stepped ``metric``, when it has one."""
    if metric in record.metrics or f"final_{metric}" in record.metrics:
        return None  # the summary shows the scalar
    try:
        _, values = store.read_stepped(record.run_id, metric)
    except (KeyError, OSError, ValueError):
        return None
    return float(values[-1]) if len(values) else None


def summary_table(
    records: Sequence[RunRecord], metric: str, values: dict[str, Any] | None = None
) -> str:
    """A plain-text table of the runs: id, params, replicate, status, metric, duration.

    ``values`` maps run ids to the metric's value when it is not a scalar of the record
    (a stepped metric's last value).
    """
    param_keys: list[str] = []
    for r in records:
        for k in r.params_resolved:
            if k not in param_keys:
                param_keys.append(k)
    header = ["run", *param_keys, "rep", "status", metric, "time"]
    rows = []
    for r in records:
        value = r.metrics.get(metric, r.metrics.get(f"final_{metric}"))
        if value is None and values is not None:
            value = values.get(r.run_id)
        rows.append(
            [r.run_id[:8], *(_fmt(r.params_resolved.get(k)) for k in param_keys),
             _fmt(r.provenance.extra.get("replicate")), r.status.value, _fmt(value),
             format_duration(r.duration_ms / 1000)]
        )  # fmt: skip
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(header)]  # fmt: skip
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def run_one(spec: ExperimentSpec, options: RunOptions, out: TextIO) -> tuple[int, SuiteResult]:
    """Run one experiment to the end; returns its exit code and its JUnit suite."""
    experiment = spec.experiment
    executor = spec.executor.build(options.workers)
    # the total is known up front: counts, elapsed time and ETA must not treat the runs
    # seen so far as the whole sweep (a resumed or one-worker sweep would look finished)
    tracker = SweepTracker(len(plan_runs(experiment)), total_steps=spec.display.total_steps)
    printer = LinePrinter(spec, tracker, out, as_json=options.json)
    store = options.store if options.store is not None else spec.store
    if not options.json:
        out.write(f"== {spec.name} {spec.version}: {spec.experiment_dir.name} -> {store}\n")
        out.flush()
    interrupted = False
    with _DeferredInterrupt() as deferred:  # Ctrl-C while starting: cancel once started
        handle = metalab.run(
            experiment,
            store=store,
            executor=executor,
            resume=options.resume,
            on_event=printer,
            fail_fast=options.fail_fast,
            definition=dump_experiment(spec),
        )
    try:
        if deferred.hit:
            interrupted = True
            handle.cancel()
        results = handle.result()
    except KeyboardInterrupt:
        interrupted = True
        results = handle.result()
    finally:
        executor.shutdown()
    records = results.records
    skipped_ids = frozenset(r.run_id for r in records[len(records) - handle.status.skipped :])
    if not options.json:
        counts = tracker.counts()
        out.write(tracker.status_line(spec.name) + "\n")
        metric = spec.display.metric
        values = {r.run_id: _last_value(handle.store, r, metric) for r in records}
        out.write(summary_table(records, metric, values) + "\n")
        out.write(
            f"{spec.name}: {counts['success'] + counts['skipped']}/{len(records)} succeeded"
            f" ({counts['skipped']} resumed), {counts['failed']} failed,"
            f" {counts['cancelled']} cancelled in {format_duration(tracker.elapsed())};"
            f" results in {handle.path}\n"
        )
        out.flush()
    suite = SuiteResult(experiment.experiment_id, records, skipped_ids)
    if interrupted:
        return EXIT_INTERRUPTED, suite
    bad = any(r.status in (Status.FAILED, Status.CANCELLED) for r in records)
    return (EXIT_FAILED if bad else EXIT_OK), suite


def run_headless(
    specs: Sequence[ExperimentSpec], options: RunOptions, out: TextIO | None = None
) -> int:
    """Run every experiment in order; the exit code is the worst of them."""
    stream = out or sys.stdout
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_interrupt)
    code = EXIT_OK
    suites: list[SuiteResult] = []
    try:
        for spec in specs:
            try:
                one, suite = run_one(spec, options, stream)
            except MetalabError as exc:
                print(f"metalab-tui: error: {exc}", file=sys.stderr)
                return EXIT_BAD_INPUT
            suites.append(suite)
            code = max(code, one) if one != EXIT_INTERRUPTED else EXIT_INTERRUPTED
            if code == EXIT_INTERRUPTED or (options.fail_fast and code == EXIT_FAILED):
                break
    finally:
        if options.junit is not None and suites:
            try:
                write_report(options.junit, suites)
            except OSError as exc:
                reason = exc.strerror or exc
                print(f"metalab-tui: error: cannot write the JUnit report "
                      f"{str(options.junit)!r}: {reason}", file=sys.stderr)  # fmt: skip
                code = max(code, EXIT_BAD_INPUT)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)
    return code


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class _DeferredInterrupt:
    """Holds back SIGINT and SIGTERM while a sweep starts: a KeyboardInterrupt raised
    inside ``metalab.run`` would leave its runs going with no handle to cancel them."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.hit = False
        self._previous: dict[int, Any] = {}

    def _note(self, signum: int, frame: object) -> None:
        self.hit = True

    def __enter__(self) -> _DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._note) for s in self.SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
