"""``metalab.run``: check a sweep, lay out its tree, hand its runs to an executor.

Everything that can be wrong with the user's input (params that cannot be
fingerprinted, an operation with a bad signature, an unknown executor, a store path
that is a file or cannot be written) is checked before the first file is written.
Then the sweep takes the experiment's lock (:mod:`metalab.store.lock`; a second launch
while another sweep writes the same experiment is refused), removes the temporaries
that killed writers left, writes the manifest, skips successful runs (resume), and
submits the rest. The lock is given back when the sweep ends, however it ends. The
returned :class:`SweepHandle` follows the sweep through its own event subscription,
so ``status`` is live and ``cancel()`` leaves every run in a resumable state.
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
import uuid
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from typing import Any

from metalab._canonical import fingerprint
from metalab.errors import OperationError, StoreError
from metalab.events import TERMINAL_KINDS, Event, EventBus, EventCallback, EventKind
from metalab.executors.base import Executor, resolve_executor
from metalab.experiment import Experiment
from metalab.operation import OperationWrapper
from metalab.params import describe_source, iter_cases
from metalab.progress import ProgressPrinter
from metalab.results import Results
from metalab.runtime import CancellationToken
from metalab.store.filestore import FileStore, open_store
from metalab.store.full_disk import full_disk_message
from metalab.store.lock import ExperimentLock
from metalab.termination import sigterm_cancels
from metalab.types import RunRecord, Status
from metalab.worker import RunPayload, SweepContext, cancelled_record

__all__ = ["RunStatus", "SweepHandle", "plan_runs", "run"]

log = logging.getLogger("metalab.runner")


@dataclass(frozen=True)
class RunStatus:
    """Counts of a sweep's runs at one moment."""

    total: int
    completed: int
    running: int
    pending: int
    failed: int
    skipped: int
    cancelled: int = 0

    @property
    def done(self) -> int:
        return self.completed + self.failed + self.skipped + self.cancelled

    @property
    def in_flight(self) -> int:
        return self.running + self.pending


def _as_operation(op: Any) -> OperationWrapper:
    if isinstance(op, OperationWrapper):
        return op
    if callable(op):
        return OperationWrapper(op)  # checks the signature, raising OperationError
    raise OperationError(
        f"experiment operation {op!r} is not callable; decorate a function with @metalab.operation"
    )


def plan_runs(experiment: Experiment) -> list[RunPayload]:
    """Every run of the experiment, in order (param cases outer, replicates inner),
    each once: duplicate cases are run a single time."""
    operation = _as_operation(experiment.operation)
    context_fp = fingerprint(
        experiment.context if experiment.context is not None else {}, "context"
    )
    code_hash = operation.code_hash
    payloads: list[RunPayload] = []
    seen: set[str] = set()
    seed_list = list(experiment.seeds)
    seed_fps = [  # once per replicate, not once per run
        fingerprint({"root_seed": b.root_seed, "replicate_index": b.replicate_index})
        for b in seed_list
    ]
    resolver = experiment.param_resolver
    for case in iter_cases(experiment.params):
        params = case.params
        if resolver is not None:
            resolve = getattr(resolver, "resolve", resolver)
            params = resolve({}, params)
        params_fp = fingerprint(params, "params")
        for bundle, seed_fp in zip(seed_list, seed_fps, strict=True):
            run_id = fingerprint(
                {
                    "experiment_id": experiment.experiment_id,
                    "context_fp": context_fp,
                    "params_fp": params_fp,
                    "seed_fp": seed_fp,
                    "code_fp": code_hash,
                }
            )
            if run_id in seen:
                continue
            seen.add(run_id)
            payloads.append(
                RunPayload(
                    run_id=run_id,
                    experiment_id=experiment.experiment_id,
                    index=len(payloads),
                    params=params,
                    seeds=bundle,
                    context=experiment.context,
                    context_fingerprint=context_fp,
                    params_fingerprint=params_fp,
                    seed_fingerprint=seed_fp,
                    code_hash=code_hash,
                    metadata=dict(experiment.metadata or {}),
                    tags=list(experiment.tags or []) + list(case.tags),
                )
            )
    return payloads


def _manifest(
    experiment: Experiment, op: OperationWrapper, payloads: list[RunPayload]
) -> dict[str, Any]:
    return {
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "version": experiment.version,
        "description": experiment.description,
        "tags": list(experiment.tags or []),
        "operation": {"ref": op.ref, "name": op.name, "code_hash": op.code_hash},
        "params": describe_source(experiment.params),
        "seeds": experiment.seeds.manifest() if hasattr(experiment.seeds, "manifest") else {},
        "context_fingerprint": payloads[0].context_fingerprint if payloads else "",
        "metadata": dict(experiment.metadata or {}),
        "total_runs": len(payloads),
        "run_ids": [p.run_id for p in payloads],
        "submitted_at": _dt.datetime.now().isoformat(),
    }


class SweepHandle:
    """A sweep in progress: live ``status``, ``cancel()``, and ``result()`` when done."""

    def __init__(
        self,
        *,
        store: FileStore,
        executor: Executor,
        owns_executor: bool,
        ctx: SweepContext,
        bus: EventBus,
        payloads: list[RunPayload],
        skipped: list[RunRecord],
        fail_fast: bool,
        lock: ExperimentLock | None = None,
    ) -> None:
        self.job_id = f"local-{uuid.uuid4().hex[:8]}"
        self._store_lock = lock
        if lock is not None:
            lock.on_lost = self._lock_lost
        self.store = store
        self.executor = executor
        self._owns_executor = owns_executor
        self._ctx = ctx
        self._bus = bus
        self._payloads = payloads
        self._skipped = skipped
        self._fail_fast = fail_fast
        self._futures: dict[str, Future[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._state: dict[str, str] = {p.run_id: "pending" for p in payloads}
        self._state.update({r.run_id: "skipped" for r in skipped})
        self._cancelled = False
        self._results: Results | None = None
        self._done = threading.Event()
        self.can_reconnect = False
        self.reconnect_locator = None
        bus.subscribe(self._on_event)

    # -- bookkeeping from the event stream -----------------------------------------

    def _on_event(self, event: Event) -> None:
        kind = event.kind
        if event.run_id is None or event.run_id not in self._state:
            return
        with self._lock:
            if kind is EventKind.RUN_STARTED:
                self._state[event.run_id] = "running"
            elif kind is EventKind.RUN_FINISHED:
                self._state[event.run_id] = "completed"
            elif kind is EventKind.RUN_FAILED:
                self._state[event.run_id] = "failed"
            elif kind is EventKind.RUN_CANCELLED:
                self._state[event.run_id] = "cancelled"
        if kind is EventKind.RUN_FAILED and self._fail_fast and not self._cancelled:
            threading.Thread(target=self.cancel, name="metalab-fail-fast", daemon=True).start()

    @property
    def status(self) -> RunStatus:
        with self._lock:
            states = list(self._state.values())
        return RunStatus(
            total=len(states),
            completed=states.count("completed"),
            running=states.count("running"),
            pending=states.count("pending"),
            failed=states.count("failed"),
            skipped=states.count("skipped"),
            cancelled=states.count("cancelled"),
        )

    @property
    def is_complete(self) -> bool:
        return self._done.is_set()

    @property
    def path(self) -> str:
        """The experiment's folder in the results tree."""
        return str(self.store.root)

    # -- driving ----------------------------------------------------------------------

    def _submit_all(self) -> None:
        self.executor.start(self._ctx)
        for payload in self._payloads:
            self._futures[payload.run_id] = self.executor.submit(payload)
        threading.Thread(target=self._finish_when_done, name="metalab-sweep", daemon=True).start()

    def _finish_when_done(self) -> None:
        wait_futures(list(self._futures.values()))
        try:
            self._record_lost_runs()
            self.executor.finish()
            if self._owns_executor:
                self.executor.shutdown()
        finally:
            if self._store_lock is not None:
                self._store_lock.release()  # every record is written: others may write
            self._bus.close()  # delivers every event, then ends the dispatcher thread
            self._done.set()

    def _lock_lost(self, message: str) -> None:
        """Another launch took the experiment's lock over: stop writing."""
        if not self._done.is_set():
            self.cancel()

    def _record_lost_runs(self) -> None:
        """Runs whose future never produced a record: cancelled before starting, or a
        worker that died. Each gets a final record so the tree stays consistent."""
        for payload in self._payloads:
            fut = self._futures[payload.run_id]
            if fut.cancelled():
                record = cancelled_record(payload, self._ctx, "cancelled before it started")
                self._put_record(record)
                self._ctx.emit(
                    EventKind.RUN_CANCELLED, payload.run_id, reason="cancelled before it started"
                )
                continue
            exc = fut.exception()
            if exc is None:
                continue
            record = self.store.get_run_record(payload.run_id) or cancelled_record(
                payload, self._ctx, ""
            )
            record.status = Status.FAILED
            record.error = {
                "type": type(exc).__name__,
                "message": full_disk_message(exc) or f"worker died: {exc}",
                "traceback": "",
            }
            record.finished_at = _dt.datetime.now()
            self._put_record(record)
            self._ctx.emit(EventKind.RUN_FAILED, payload.run_id, error=record.error["message"],
                           error_type=record.error["type"], traceback="")  # fmt: skip

    def _put_record(self, record: RunRecord) -> None:
        """Write a record the sweep owes the tree; a failure (a full disk) is reported,
        and the run, left ``running`` on disk, is run again by the next launch."""
        try:
            self.store.put_run_record(record)
        except OSError as exc:
            log.warning("could not record run %s as %s: %s", record.run_id, record.status,
                        full_disk_message(exc) or exc)  # fmt: skip

    def cancel(self) -> None:
        """Stop the sweep: queued runs are recorded cancelled, running runs stop at their
        next capture call (or ``runtime.check_cancelled()``) and are recorded cancelled.
        Finished runs are kept; a later ``run`` resumes the rest."""
        self._cancelled = True
        for fut in self._futures.values():
            fut.cancel()
        self.executor.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every run has ended; False on timeout.

        Ctrl-C or SIGTERM while waiting cancels the sweep cleanly, then propagates (see
        :meth:`result`).
        """
        return self._wait_cancelling(timeout)

    def result(self, timeout: float | None = None) -> Results:
        """Wait for the sweep and return its runs: executed ones in order, then skipped ones.

        A KeyboardInterrupt while waiting cancels the sweep cleanly, then propagates; so
        does SIGTERM (a batch system's walltime, ``kill``), after which the process ends
        by SIGTERM as it would have (:mod:`metalab.termination`).
        """
        if self._results is not None:
            return self._results
        if not self._wait_cancelling(timeout):
            raise TimeoutError(f"sweep {self.job_id} did not finish within {timeout} s")
        records: list[RunRecord] = []
        for payload in self._payloads:
            record = self.store.get_run_record(payload.run_id)
            if record is not None:
                records.append(record)
        records.extend(self._skipped)
        self._results = Results(self.store, records)
        return self._results

    def _wait_cancelling(self, timeout: float | None) -> bool:
        with sigterm_cancels():
            try:
                return self._done.wait(timeout)
            except KeyboardInterrupt:
                self.cancel()
                self._done.wait()
                raise

    def set_event_callback(self, callback: EventCallback) -> None:
        self._bus.subscribe(callback)

    def __enter__(self) -> SweepHandle:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self.cancel()
        self.wait()


def run(
    experiment: Experiment,
    store: Any = None,
    executor: Any = None,
    resume: bool = True,
    progress: Any = None,
    on_event: EventCallback | None = None,
    *,
    fail_fast: bool = False,
    definition: str | None = None,
    verbose: bool = False,
) -> SweepHandle:
    """Run every (params, seed) case of ``experiment`` and return a handle at once.

    Args:
        experiment: the sweep to run.
        store: collection root of the results tree (default ``./experiments``); runs go
            to ``<store>/<name>_<version>/``. A path to one experiment's folder works too.
        executor: ``ThreadExecutor(...)``, ``ProcessExecutor(...)``, ``"thread"``,
            ``"process"``, or None for one background thread.
        resume: skip runs that already succeeded in this tree (default); False re-runs all.
        progress: True for a live progress display (plain lines when not a terminal),
            or a callable taking events, such as ``metalab.progress.ProgressPrinter``.
        on_event: called with every :class:`~metalab.events.Event`, on one thread, in order.
        fail_fast: cancel the rest of the sweep at the first failed run.
        definition: the text of the experiment file behind this sweep, saved beside the
            manifest so the sweep can be re-run from the tree.
        verbose: log what is being run to the ``metalab`` logger.
    """
    operation = _as_operation(experiment.operation)
    payloads = plan_runs(experiment)
    exe = resolve_executor(executor)
    check = getattr(exe, "check", None)  # an engine may refuse the operation up front
    if callable(check):
        check(operation)
    owns_executor = executor is None or isinstance(executor, str)
    fs = open_store(store, experiment.experiment_id, create=True)
    lock = fs.lock()
    lock.acquire()  # a live sweep writing this experiment: ExperimentLockedError
    try:
        return _start(experiment, operation, payloads, fs, exe, owns_executor, lock,
                      resume=resume, progress=progress, on_event=on_event,
                      fail_fast=fail_fast, definition=definition, verbose=verbose)  # fmt: skip
    except BaseException:
        lock.release()
        raise


def _start(
    experiment: Experiment,
    operation: OperationWrapper,
    payloads: list[RunPayload],
    fs: FileStore,
    exe: Executor,
    owns_executor: bool,
    lock: ExperimentLock,
    *,
    resume: bool,
    progress: Any,
    on_event: EventCallback | None,
    fail_fast: bool,
    definition: str | None,
    verbose: bool,
) -> SweepHandle:
    """The part of :func:`run` done while holding the lock."""
    fs.check_writable()
    fs.sweep_abandoned()
    try:
        fs.put_experiment_manifest(_manifest(experiment, operation, payloads), toml_text=definition)
    except OSError as exc:
        raise StoreError(
            f"cannot write the sweep's manifest in {str(fs.layout.manifests_dir)!r}: "
            f"{full_disk_message(exc) or exc.strerror or exc}"
        ) from None

    skipped: list[RunRecord] = []
    todo: list[RunPayload] = []
    for payload in payloads:
        record = fs.get_run_record(payload.run_id) if resume else None
        if record is not None and record.status is Status.SUCCESS:
            skipped.append(record)
        else:
            todo.append(payload)

    bus = EventBus()
    ctx = SweepContext(
        operation=operation,
        store=fs,
        emit=bus.emit,
        cancel_token=CancellationToken(),
        executor_id=getattr(exe, "executor_id", type(exe).__name__),
        fail_fast=fail_fast,
        planned_runs=len(todo),
    )
    handle = SweepHandle(
        store=fs, executor=exe, owns_executor=owns_executor, ctx=ctx, bus=bus,
        payloads=todo, skipped=skipped, fail_fast=fail_fast, lock=lock,
    )  # fmt: skip
    if progress:
        printer = progress if callable(progress) and not isinstance(progress, bool) else None
        bus.subscribe(printer or ProgressPrinter(title=experiment.name, total=len(payloads)))
    if on_event is not None:
        bus.subscribe(on_event)
    if verbose:
        log.info("Store: %s", fs.root)
        log.info("Executor: %r", exe)
        log.info("Runs: %d total, %d already completed (resume), %d to execute",
                 len(payloads), len(skipped), len(todo))  # fmt: skip
    for record in skipped:
        bus.emit(EventKind.RUN_SKIPPED, record.run_id, reason="already succeeded",
                 params=record.params_resolved, metrics=record.metrics)  # fmt: skip
    handle._submit_all()
    return handle


def terminal(event: Event) -> bool:
    return event.kind in TERMINAL_KINDS
