"""What a Dask worker does for a metalab sweep: the task that runs one run, and its helpers.

The client (:mod:`metalab.executors.dask`) sends each run to the cluster as a call of
:func:`run_task`, pickled by reference, so this module is imported on every worker.
It keeps, per worker process and per sweep, what the runs of a sweep share (the
imported operation, the store, a cancellation token and an event batcher), built at
the sweep's first run on that worker:

* **Operations are imported by name**, with the folders the client's operation came
  from put on ``sys.path``; one loaded from a file under a hashed name (or from a
  ``__main__`` script) is loaded from that file again. A module left from an earlier
  sweep whose source changed is reloaded (the code hash tells).
* **Events are batched.** Runs emit into a buffer; a thread sends what has gathered
  every tenth of a second with ``Worker.log_event`` under the sweep's topic, which the
  scheduler forwards to the client that subscribed. When a run ends its buffer, with
  the final record, is sent before the task returns: the worker's stream to the
  scheduler is ordered, so the client has a run's last events before it learns the
  task is done.
* **A lost worker is noticed by the next attempt.** When a worker dies mid-run Dask
  runs the task again elsewhere; the run's record, still ``running`` for this sweep
  and naming the dead worker, says it is a retry. Within ``retries`` the run starts
  again with that said first in its log (the earlier attempt's log and curves are
  kept apart by :func:`~metalab.worker.execute_run`); beyond, it is recorded failed
  with a message naming the lost worker.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import importlib
import importlib.util
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from metalab.capture import cancel_live_captures, log_line
from metalab.errors import ExecutorError
from metalab.events import TERMINAL_KINDS, EventKind
from metalab.runtime import CancellationToken
from metalab.store.filestore import FileStore
from metalab.types import RunRecord, Status
from metalab.worker import RunPayload, SweepContext, execute_run

__all__ = [
    "DaskSweep",
    "cancel_sweep",
    "check_worker",
    "end_sweep",
    "lost_worker_failure",
    "run_task",
]

FLUSH_EVERY = 0.1
"""Seconds between batches of events sent from a worker to the client."""

RECORD = "_record"
"""The kind of the batch item that carries a run's final record (not an event)."""

TERMINAL = frozenset(str(kind) for kind in TERMINAL_KINDS)
"""The event kinds (as sent) after which a run is on no worker."""


@dataclass(frozen=True)
class DaskSweep:
    """What every task of one sweep carries: enough to rebuild the sweep on a worker."""

    sweep_id: str
    topic: str
    ref: str
    module_file: str | None
    """The operation's module file on the submitting machine."""
    by_file: bool
    """The module can only be loaded from that file (no importable name)."""
    paths: tuple[str, ...]
    code_hash: str
    store_root: str
    experiment_id: str
    retries: int


# -- per worker process state ------------------------------------------------------------

_LOCK = threading.Lock()
_SWEEPS: dict[str, _WorkerSweep] = {}
_CANCELLED: set[str] = set()


class _Batcher:
    """Events of one sweep on this worker, sent in batches under the sweep's topic."""

    def __init__(self, topic: str, worker: Any) -> None:
        self.topic = topic
        self.worker = worker
        self._items: list[list[Any]] = []
        self._lock = threading.Lock()  # guards _items: held for an append or the swap
        self._sending = threading.Lock()  # one batch leaves at a time, in order

    def emit(self, kind: EventKind, run_id: str | None, /, **payload: Any) -> None:
        item = [str(kind), run_id, payload]
        # under the lock: an append racing flush's swap would land in a batch already sent
        with self._lock:
            self._items.append(item)

    def add_record(self, run_id: str, record: dict[str, Any]) -> None:
        item = [RECORD, run_id, record]
        with self._lock:
            self._items.append(item)

    def flush(self) -> None:
        # batches leave in the order their events came; emitters wait only for the swap
        with self._sending:
            with self._lock:
                items = self._items
                if not items:
                    return
                self._items = []
            try:
                self.worker.log_event(self.topic, items)
            except TypeError:  # a value msgpack cannot carry: send its JSON form
                plain = orjson.loads(
                    orjson.dumps(items, default=str, option=orjson.OPT_SERIALIZE_NUMPY)
                )
                self.worker.log_event(self.topic, plain)


class _WorkerSweep:
    """One sweep, as this worker process runs its runs."""

    def __init__(self, spec: DaskSweep, worker: Any, operation: Any) -> None:
        self.spec = spec
        self.address = str(worker.address)
        self.batcher = _Batcher(spec.topic, worker)
        token = CancellationToken()
        if spec.sweep_id in _CANCELLED:
            token.cancel()
        self.ctx = SweepContext(
            operation=operation,
            store=FileStore(spec.store_root, spec.experiment_id),
            emit=self.batcher.emit,
            cancel_token=token,
            executor_id="dask",
        )
        self.active = 0

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        with _LOCK:
            self.active += 1
        try:
            yield
        finally:
            with _LOCK:
                self.active -= 1

    def cancel(self) -> None:
        self.ctx.cancel_token.cancel()
        cancel_live_captures(self.ctx.store.root)


def _sweep_for(spec: DaskSweep) -> _WorkerSweep:
    from distributed import get_worker

    sweep = _SWEEPS.get(spec.sweep_id)
    if sweep is not None:
        return sweep
    with _BUILDING:
        sweep = _SWEEPS.get(spec.sweep_id)
        if sweep is None:
            worker = get_worker()
            operation, problem = _checked_operation(spec)
            if problem:
                raise ExecutorError(f"Dask worker {worker.address}: {problem}")
            sweep = _WorkerSweep(spec, worker, operation)
            with _LOCK:
                _SWEEPS[spec.sweep_id] = sweep
            _ensure_flusher()
    return sweep


_BUILDING = threading.Lock()
_FLUSHER: threading.Thread | None = None


def _ensure_flusher() -> None:
    global _FLUSHER
    with _LOCK:
        if _FLUSHER is None or not _FLUSHER.is_alive():
            _FLUSHER = threading.Thread(target=_flush_loop, name="metalab-dask-events", daemon=True)
            _FLUSHER.start()


def _flush_loop() -> None:
    while True:
        time.sleep(FLUSH_EVERY)
        with _LOCK:
            sweeps = list(_SWEEPS.values())
        for sweep in sweeps:
            with contextlib.suppress(Exception):  # a closing worker: nothing to send to
                sweep.batcher.flush()


# -- importing the operation ---------------------------------------------------------------


def load_operation(spec: DaskSweep) -> Any:
    """The sweep's operation, imported on this worker, checked against its code hash.

    The module is the one at the client's file when this worker sees that file (a
    long-lived worker may hold a module of the same name from another project, or
    from before the file was edited); else the one ``import`` finds.
    """
    for path in reversed(spec.paths):  # in front, even if already further back
        with contextlib.suppress(ValueError):
            sys.path.remove(path)
        sys.path.insert(0, path)
    module_name, _, qualname = spec.ref.partition(":")
    file = spec.module_file if spec.module_file and os.path.isfile(spec.module_file) else None
    module = sys.modules.get(module_name)
    if module is None and file is None:
        if spec.by_file:
            raise ExecutorError(f"cannot see the operation's file {spec.module_file}")
        module = importlib.import_module(module_name)
    elif module is None or (file is not None and not _same_file(module, file)):
        module = _load_file(module_name, file) if file else importlib.import_module(module_name)
    operation = _attribute(module, qualname)
    if getattr(operation, "code_hash", spec.code_hash) != spec.code_hash:
        module = _load_file(module_name, file) if file else importlib.reload(module)
        operation = _attribute(module, qualname)
        if getattr(operation, "code_hash", spec.code_hash) != spec.code_hash:
            where = getattr(module, "__file__", module_name)
            raise ExecutorError(
                f"the operation {spec.ref} in {where} on this worker is not the code the "
                "sweep was planned with: workers must see the same files as the machine "
                "that submits the sweep"
            )
    return operation


def _same_file(module: Any, file: str) -> bool:
    mine = getattr(module, "__file__", None)
    return bool(mine) and os.path.realpath(mine) == os.path.realpath(file)


def _load_file(name: str, file: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ExecutorError(f"cannot import {file} on this worker")
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        if previous is not None:
            sys.modules[name] = previous
        else:
            sys.modules.pop(name, None)
        raise
    return module


def _attribute(module: Any, qualname: str) -> Any:
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def file_module_name(file: str) -> str:
    """The module name a ``__main__`` script is loaded under on workers."""
    digest = hashlib.sha1(file.encode()).hexdigest()[:10]
    return f"_metalab_main_{digest}"


# -- functions the client runs on every worker (Client.run) --------------------------------


def _store_problem(spec: DaskSweep) -> str | None:
    root = Path(spec.store_root)
    if not (root / "runs").is_dir():
        return (
            f"cannot see the results folder {root} (no such folder on host {socket.gethostname()})"
        )
    probe = root / "runs" / f".metalab-probe-{uuid.uuid4().hex[:8]}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return f"cannot write to the results folder {root}: {exc.strerror or exc}"
    return None


def check_worker(spec: DaskSweep) -> str | None:
    """What stops this worker from running the sweep's runs, or None: it must see the
    results folder (and write to it) and import the operation."""
    return _checked_operation(spec)[1]


def _checked_operation(spec: DaskSweep) -> tuple[Any, str | None]:
    """(the operation as this worker imports it, None), or (None, what stops this
    worker from running the sweep's runs): see :func:`check_worker`."""
    problem = _store_problem(spec)
    if problem:
        return None, problem
    try:
        return load_operation(spec), None
    except ExecutorError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - any import failure is the message
        first = str(exc).strip().splitlines()
        detail = f"{type(exc).__name__}: {first[0]}" if first else type(exc).__name__
        return None, f"cannot import the operation {spec.ref}: {detail}"


def cancel_sweep(sweep_id: str) -> None:
    """Stop the sweep's runs on this worker: those running stop at their next capture
    call, those still to start are recorded cancelled without running."""
    with _LOCK:
        _CANCELLED.add(sweep_id)
        sweep = _SWEEPS.get(sweep_id)
    if sweep is not None:
        sweep.cancel()


def end_sweep(sweep_id: str) -> int:
    """Forget the sweep on this worker once none of its runs is going; returns how many
    still are (the client asks again until none is)."""
    with _LOCK:
        sweep = _SWEEPS.get(sweep_id)
        if sweep is not None and sweep.active:
            return sweep.active
        _SWEEPS.pop(sweep_id, None)
        _CANCELLED.discard(sweep_id)
    if sweep is not None:
        with contextlib.suppress(Exception):
            sweep.batcher.flush()
    return 0


# -- the task ----------------------------------------------------------------------------------


def run_task(payload: RunPayload, spec: DaskSweep) -> dict[str, Any]:
    """Run one run of the sweep on this worker; its final record as a dict."""
    sweep = _sweep_for(spec)
    store = sweep.ctx.store
    attempt, lost = 1, None
    previous = store.get_run_record(payload.run_id)
    if previous is not None and previous.status is Status.RUNNING:
        extra = previous.provenance.extra
        if extra.get("sweep") == spec.sweep_id:  # this sweep started it: its worker died
            attempt = int(extra.get("attempt") or 1) + 1
            lost = str(extra.get("worker") or "of unknown address")
    with sweep.running():
        if previous is not None and lost is not None and attempt > spec.retries + 1:
            record = lost_worker_failure(store, previous, lost, spec.retries)
            failure = record.error or {}
            sweep.batcher.emit(EventKind.RUN_FAILED, payload.run_id, error=failure.get("message"),
                               error_type=failure.get("type"), traceback="",
                               lost_worker=lost)  # fmt: skip
            result = record.to_dict()
        else:
            note = None
            if lost is not None:
                note = (
                    f"attempt {attempt} of {spec.retries + 1}, on worker {sweep.address}: "
                    f"worker {lost} was lost while it ran attempt {attempt - 1}"
                )
            ctx = replace(
                sweep.ctx,
                provenance_extra={
                    "worker": sweep.address,
                    "attempt": attempt,
                    "sweep": spec.sweep_id,
                    **({"lost_worker": lost} if lost is not None else {}),
                },
            )
            result = execute_run(payload, ctx, sweep.address, note=note)
        sweep.batcher.add_record(payload.run_id, result)
        sweep.batcher.flush()  # before the task returns: the client hears the end first
    return result


def lost_worker_failure(
    store: FileStore, record: RunRecord, worker: str, retries: int
) -> RunRecord:
    """Record as failed a run whose worker died while it ran, attempts used up."""
    tries = (
        "it was not retried (retries = 0)"
        if retries == 0
        else (f"it was tried {retries + 1} times (retries = {retries})")
    )
    message = f"worker {worker} was lost (its process died) while running this run; {tries}"
    record = failed_record(store, record, "WorkerLost", message)
    with contextlib.suppress(OSError):
        log = store.log_path(record.run_id)
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(log_line(message, "error", "metalab.dask") + "\n")
    return record


def failed_record(store: FileStore, record: RunRecord, kind: str, message: str) -> RunRecord:
    """``record`` ended as failed with error ``kind: message`` (no traceback: the run's
    own code did not raise it), written to the store."""
    record.status = Status.FAILED
    record.error = {"type": kind, "message": message, "traceback": ""}
    record.finished_at = _dt.datetime.now()
    if record.started_at is not None:
        record.duration_ms = int((record.finished_at - record.started_at).total_seconds() * 1000)
    store.put_run_record(record)
    return record


def worker_paths(module_file: str | None, module_name: str) -> tuple[str, ...]:
    """The folders a worker needs on ``sys.path`` to import ``module_name`` (from
    ``module_file``) and what it imports: the module's root folder first, then this
    process's own source folders (not its installed packages or standard library)."""
    paths: list[str] = []
    if module_file is not None and not module_name.startswith(("_metalab_file_", "_metalab_main_")):
        root = Path(module_file).resolve().parent
        for _ in range(module_name.count(".")):
            root = root.parent
        if Path(module_file).name == "__init__.py":
            root = root.parent
        paths.append(str(root))
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix) if p}
    for entry in sys.path:
        folder = os.path.realpath(entry or os.getcwd())
        if not os.path.isdir(folder) or folder in paths:
            continue
        if any(folder == p or folder.startswith(p + os.sep) for p in prefixes):
            continue
        paths.append(folder)
    return tuple(paths)
