"""Runs in a pool of worker processes: true parallelism for pure-Python operations.

Workers are started with ``spawn`` by default (forking a process that has threads
running is unsafe), import the operation by its ``module:qualname`` reference, and
send their events back over a queue that a thread in the parent feeds into the
sweep's event bus, so a UI sees a process sweep exactly as it sees a thread sweep.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from metalab.capture import cancel_live_captures
from metalab.errors import ExecutorError
from metalab.events import EventKind
from metalab.operation import is_local_ref
from metalab.runtime import CancellationToken
from metalab.store.filestore import FileStore
from metalab.worker import RunPayload, SweepContext, execute_run, worker_label

__all__ = ["ProcessExecutor", "import_ref"]

_STOP = None


def import_ref(ref: str) -> Any:
    """The object named by a ``module:qualname`` reference."""
    module_name, _, qualname = ref.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


class ProcessExecutor:
    """Run up to ``max_workers`` runs at once in worker processes."""

    executor_id = "process"

    def __init__(self, max_workers: int = 4, mp_context: str = "spawn") -> None:
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise ValueError(
                f"ProcessExecutor(max_workers=...) must be an int >= 1, got {max_workers!r}"
            )
        self.max_workers = max_workers
        self.mp_context = mp_context
        self._pool: ProcessPoolExecutor | None = None
        self._queue: Any = None
        self._cancel: Any = None
        self._drainer: threading.Thread | None = None

    def check(self, operation: Any) -> None:
        """Refuse, before anything is written, an operation that workers could not import."""
        ref = getattr(operation, "ref", "")
        if not ref or is_local_ref(ref):
            raise ExecutorError(
                f"ProcessExecutor cannot run operation {ref or operation!r}: worker processes "
                "import it by name, so define it at module level (or use ThreadExecutor)"
            )

    def start(self, ctx: SweepContext) -> None:
        self.check(ctx.operation)
        ref = ctx.operation.ref
        mpc = mp.get_context(self.mp_context)
        self._queue = mpc.Queue()
        self._cancel = mpc.Event()
        self._pool = ProcessPoolExecutor(
            self.max_workers,
            mp_context=mpc,
            initializer=_init_worker,
            initargs=(self._queue, self._cancel, ref, str(ctx.store.root), ctx.store.experiment_id),
        )
        self._drainer = threading.Thread(
            target=_drain, args=(self._queue, ctx.emit), name="metalab-process-events", daemon=True
        )
        self._drainer.start()

    def submit(self, payload: RunPayload) -> Future[dict[str, Any]]:
        assert self._pool is not None, "start() first"
        return self._pool.submit(_run_in_process, payload)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def finish(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if self._queue is not None:
            self._queue.put(_STOP)
            if self._drainer is not None:
                self._drainer.join(timeout=10)
            self._queue.close()
        self._queue = self._cancel = self._drainer = None

    def shutdown(self, wait: bool = True) -> None:
        self.finish()

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        return f"ProcessExecutor(max_workers={self.max_workers})"


def _drain(queue: Any, emit: Any) -> None:
    while True:
        item = queue.get()
        if item is _STOP:
            return
        kind, run_id, payload = item
        emit(EventKind(kind), run_id, **payload)


_worker_ctx: SweepContext | None = None


def _init_worker(queue: Any, cancel: Any, ref: str, root: str, experiment_id: str) -> None:
    global _worker_ctx
    token = CancellationToken()

    def emit(kind: EventKind, run_id: str | None, /, **payload: Any) -> None:
        queue.put((str(kind), run_id, payload))

    def watch_cancel() -> None:
        cancel.wait()
        token.cancel()
        cancel_live_captures()

    threading.Thread(target=watch_cancel, name="metalab-cancel-watch", daemon=True).start()
    _worker_ctx = SweepContext(
        operation=import_ref(ref),
        store=FileStore(root, experiment_id),
        emit=emit,
        cancel_token=token,
        executor_id="process",
    )


def _run_in_process(payload: RunPayload) -> dict[str, Any]:
    assert _worker_ctx is not None
    return execute_run(payload, _worker_ctx, worker_label("process"))
