"""Running one run, start to finish, on whatever thread or process an executor gives it.

This is where a run's life is written to disk in order: a ``running`` record first
(so a crash leaves evidence), then whatever the operation captures, then the final
record, atomically. Any exception, even ``SystemExit``, becomes a failed record with
its traceback in the run's log; cancellation becomes a cancelled record. A write that
fails for want of room (a full disk, a quota, a file-size limit), whether in the
operation or in metalab's own writing, fails the run with a message that says so. The
sweep always goes on.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import platform
import shutil
import socket
import time
import traceback
from dataclasses import dataclass, field, replace
from typing import Any

from metalab._version import __version__
from metalab.capture import Capture
from metalab.errors import CancelledError
from metalab.events import EventKind
from metalab.plain import to_plain
from metalab.runtime import CancellationToken, Runtime
from metalab.seeds import SeedBundle
from metalab.store import stepped
from metalab.store.filestore import FileStore
from metalab.store.full_disk import full_disk_message
from metalab.types import Provenance, RunRecord, Status

__all__ = ["RunPayload", "SweepContext", "execute_run"]


@dataclass(frozen=True)
class RunPayload:
    """Everything a worker needs to run one run; picklable for process executors."""

    run_id: str
    experiment_id: str
    index: int
    params: dict[str, Any]
    seeds: SeedBundle
    context: Any
    context_fingerprint: str
    params_fingerprint: str
    seed_fingerprint: str
    code_hash: str
    metadata: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


@dataclass
class SweepContext:
    """What all the runs of one sweep share, on the worker's side."""

    operation: Any
    store: FileStore
    emit: Any
    cancel_token: CancellationToken
    executor_id: str = "thread"
    fail_fast: bool = False
    """A failed run cancels the sweep at once: no later run starts in this process."""
    planned_runs: int = 0
    """Runs the sweep hands the executor (an engine that starts machines sizes by it)."""
    provenance_extra: dict[str, Any] = field(default_factory=dict)
    """Added to each run record's ``provenance.extra`` (a distributed engine puts the
    worker's address and the attempt number here)."""


def _base_record(payload: RunPayload, ctx: SweepContext, status: Status) -> RunRecord:
    return RunRecord(
        run_id=payload.run_id,
        experiment_id=payload.experiment_id,
        status=status,
        context_fingerprint=payload.context_fingerprint,
        params_fingerprint=payload.params_fingerprint,
        seed_fingerprint=payload.seed_fingerprint,
        params_resolved=to_plain(payload.params),
        tags=list(payload.tags),
        provenance=Provenance(
            code_hash=payload.code_hash,
            python_version=platform.python_version(),
            metalab_version=__version__,
            executor_id=ctx.executor_id,
            host=socket.gethostname(),
            extra={
                "pid": os.getpid(),
                "replicate": payload.seeds.replicate_index,
                **ctx.provenance_extra,
            },
        ),
    )


def cancelled_record(payload: RunPayload, ctx: SweepContext, note: str) -> RunRecord:
    """The record of a run that never started because its sweep was cancelled."""
    record = _base_record(payload, ctx, Status.CANCELLED)
    record.notes = note
    now = _dt.datetime.now()
    record.started_at = record.finished_at = now
    return record


def _archive_previous_attempt(store: FileStore, run_id: str) -> None:
    """Keep an earlier attempt's log and curves apart, so a re-run's are its own.

    The log becomes ``logs/<run_id>_run.attempt<n>.log`` and the results folder
    ``results/<run_id>.attempt<n>/`` (its half-written streams sealed, so a killed
    attempt's partial curves stay readable), with the first ``n`` free for both.
    """
    log = store.log_path(run_id)
    results = store.layout.results_dir(run_id)
    has_log = log.exists() and log.stat().st_size > 0
    has_results = results.is_dir() and any(results.iterdir())
    if not has_log:
        log.unlink(missing_ok=True)
    if not has_results:
        shutil.rmtree(results, ignore_errors=True)
    n = 1  # the first attempt number free for both the log and the results folder
    while (
        store.log_path(run_id, f"run.attempt{n}").exists()
        or results.with_name(f"{run_id}.attempt{n}").exists()
    ):
        n += 1
    if has_log:
        os.replace(log, store.log_path(run_id, f"run.attempt{n}"))
    if has_results:
        os.replace(results, results.with_name(f"{run_id}.attempt{n}"))
    # seal every earlier attempt's streams: this one's, and any that a kill left
    # mid-seal, even when the attempt just before left nothing to keep
    kept = n if (has_log or has_results) else n - 1
    for i in range(1, kept + 1):
        for stream in results.with_name(f"{run_id}.attempt{i}").glob("*.jsonl"):
            try:
                stepped.seal(stream, stream.with_suffix(".json"), sorted_steps=False)
            except (OSError, ValueError):
                continue  # an unreadable stream stays as it was, apart from the new attempt


def _attempt_of(ctx: SweepContext) -> dict[str, Any]:
    """For the ``run_started`` event of an engine that counts attempts (Dask, whose
    workers can die mid-run): ``attempt``, and ``lost_worker``, the worker that died
    while it ran the one before; nothing for the others."""
    extra = ctx.provenance_extra
    return {k: extra[k] for k in ("attempt", "lost_worker") if extra.get(k)}


def execute_run(
    payload: RunPayload, ctx: SweepContext, worker: str = "thread:0", note: str | None = None
) -> dict[str, Any]:
    """Run one run and return its final record as a dict (dicts cross process borders).

    ``worker`` names where it runs (in log lines and the ``run_started`` event);
    ``note``, when given, is the first line of the run's log, as a warning (an engine
    says there why this is a new attempt).
    """
    store, emit = ctx.store, ctx.emit
    if ctx.cancel_token.is_cancelled:
        record = cancelled_record(payload, ctx, "cancelled before it started")
        store.put_run_record(record)
        emit(EventKind.RUN_CANCELLED, payload.run_id, reason="cancelled before it started")
        return record.to_dict()

    record = _base_record(payload, ctx, Status.RUNNING)
    started = _dt.datetime.now()
    t0 = time.perf_counter()
    record.started_at = started
    try:
        _prepare_run_folders(store, payload.run_id)
        store.put_run_record(record)
    except OSError as exc:  # a full disk before the run could start: fail it, if we can
        return _failed_to_start(record, exc, ctx, t0)

    def checkpoint(metrics: dict[str, Any]) -> None:
        # the running record carries the scalar metrics captured so far
        store.put_run_record(replace(record, metrics=metrics))

    capture = Capture(store, payload.run_id, emit=emit, worker=worker, on_checkpoint=checkpoint)
    try:
        capture.open_log()
    except OSError as exc:
        with contextlib.suppress(OSError):
            capture.finalize()
        return _failed_to_start(record, exc, ctx, t0)
    runtime = Runtime(payload.run_id, ctx.cancel_token, payload.metadata, worker)
    emit(
        EventKind.RUN_STARTED,
        payload.run_id,
        params=record.params_resolved,
        replicate=payload.seeds.replicate_index,
        index=payload.index,
        started_at=started.isoformat(),
        worker=worker,
        **_attempt_of(ctx),
    )
    if note:
        capture.log(note, "warning")
    if ctx.cancel_token.is_cancelled:
        capture.cancel()

    status = Status.SUCCESS
    error: dict[str, str] | None = None
    returned: Any = None
    try:
        returned = ctx.operation.run(
            payload.context, payload.params, payload.seeds, runtime, capture
        )
    except CancelledError:
        status = Status.CANCELLED
        capture.write_error("run cancelled")
    except BaseException as exc:  # noqa: BLE001 - a run's failure, whatever it is, is recorded
        if isinstance(exc, KeyboardInterrupt):
            status = Status.CANCELLED
        else:
            status = Status.FAILED
            tb = traceback.format_exc()
            error = _error(exc, tb)
            capture.write_error(tb.rstrip("\n"))

    if status is Status.SUCCESS and returned is not None:
        status, error = _merge_returned(returned, capture, record)

    try:
        capture.finalize()
    except OSError:
        pass  # kept in capture.failed_write, just below
    finally:
        runtime.cleanup()
    if capture.failed_write is not None and status is not Status.FAILED:
        # metalab's own writing failed (the flusher, sealing): the run has lost data
        status = Status.FAILED
        error = _error(capture.failed_write, "")

    finished = _dt.datetime.now()
    record.status = status
    record.error = error
    record.finished_at = finished
    record.duration_ms = int((time.perf_counter() - t0) * 1000)
    record.metrics = {**record.metrics, **capture.metrics}
    record.artifacts = [
        replace(a, metadata={**a.metadata, "_run_id": payload.run_id}) for a in capture.artifacts
    ]
    record.warnings = list(capture.warnings)
    store.put_run_record(record)
    if status is Status.FAILED and ctx.fail_fast:
        ctx.cancel_token.cancel()  # before this worker can take the next run

    if status is Status.SUCCESS:
        emit(EventKind.RUN_FINISHED, payload.run_id, duration_ms=record.duration_ms,
             metrics=record.metrics)  # fmt: skip
    elif status is Status.FAILED:
        assert error is not None
        emit(EventKind.RUN_FAILED, payload.run_id, error=error["message"],
             error_type=error["type"], traceback=error["traceback"],
             duration_ms=record.duration_ms)  # fmt: skip
    else:
        emit(EventKind.RUN_CANCELLED, payload.run_id, reason="cancelled while running",
             duration_ms=record.duration_ms)  # fmt: skip
    return record.to_dict()


def _error(exc: BaseException, tb: str) -> dict[str, str]:
    """A failed record's ``error``: a full disk says so, in words."""
    message = full_disk_message(exc) or str(exc)
    return {"type": type(exc).__name__, "message": message, "traceback": tb}


def _prepare_run_folders(store: FileStore, run_id: str) -> None:
    """Clear what an earlier attempt left, and never write through a symlink out of the
    tree: a run's folders that are symlinks are removed, not followed."""
    log = store.log_path(run_id)
    if log.is_symlink():
        log.unlink()
    for folder in (store.layout.results_dir(run_id), store.layout.artifacts_dir(run_id)):
        if folder.is_symlink():
            folder.unlink()
    # an earlier attempt's log and curves (a killed run's half stream, or a finished
    # run's sealed ones) must not mix into this attempt's, nor be shown as its live data
    _archive_previous_attempt(store, run_id)


def _failed_to_start(
    record: RunRecord, exc: OSError, ctx: SweepContext, t0: float
) -> dict[str, Any]:
    """The record of a run whose own files could not be written before it began.

    Raises:
        OSError: not even the failed record could be written (the sweep's lost-run
            bookkeeping reports it).
    """
    record.status = Status.FAILED
    record.error = _error(exc, "")
    record.finished_at = _dt.datetime.now()
    record.duration_ms = int((time.perf_counter() - t0) * 1000)
    ctx.store.put_run_record(record)
    ctx.emit(EventKind.RUN_FAILED, record.run_id, error=record.error["message"],
             error_type=record.error["type"], traceback="",
             duration_ms=record.duration_ms)  # fmt: skip
    return record.to_dict()


def _merge_returned(
    returned: Any, capture: Capture, record: RunRecord
) -> tuple[Status, dict[str, str] | None]:
    """An operation may return None, a dict of scalar metrics, or a RunRecord."""
    if isinstance(returned, RunRecord):
        record.metrics = to_plain(returned.metrics)
        record.tags = [*record.tags, *returned.tags]
        return Status(returned.status), returned.error
    if isinstance(returned, dict):
        record.metrics = to_plain(returned)
        return Status.SUCCESS, None
    message = (
        f"the operation returned a {type(returned).__name__}; return None, a dict of "
        "metrics, or nothing and record results with capture"
    )
    capture.write_error(message)
    return Status.FAILED, {"type": "TypeError", "message": message, "traceback": ""}


def worker_label(kind: str) -> str:
    """``thread:<n>`` or ``process:<pid>``, as shown in log lines."""
    import threading

    if kind == "process":
        return f"process:{os.getpid()}"
    name = threading.current_thread().name
    return f"thread:{name.rsplit('_', 1)[-1]}" if "_" in name else f"thread:{name}"
