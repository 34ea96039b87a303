"""Runs on a pool of threads in this process: cheap to start, shares the operation object.

Good for operations that release the GIL (numpy, I/O) and for closures and notebook
functions, which a process pool cannot import.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from metalab.capture import cancel_live_captures
from metalab.worker import RunPayload, SweepContext, execute_run, worker_label

__all__ = ["ThreadExecutor"]


class ThreadExecutor:
    """Run up to ``max_workers`` runs at once on threads."""

    executor_id = "thread"

    def __init__(self, max_workers: int = 4) -> None:
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise ValueError(
                f"ThreadExecutor(max_workers=...) must be an int >= 1, got {max_workers!r}"
            )
        self.max_workers = max_workers
        self._pool: ThreadPoolExecutor | None = None
        self._ctx: SweepContext | None = None
        self._lock = threading.Lock()

    def _get_pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="metalab")
            return self._pool

    def start(self, ctx: SweepContext) -> None:
        self._ctx = ctx

    def submit(self, payload: RunPayload) -> Future[dict[str, Any]]:
        ctx = self._ctx
        assert ctx is not None, "start() first"
        return self._get_pool().submit(_run_on_thread, payload, ctx)

    def cancel(self) -> None:
        ctx = self._ctx
        if ctx is None:
            return
        ctx.cancel_token.cancel()
        cancel_live_captures(ctx.store.root)

    def finish(self) -> None:
        self._ctx = None

    def shutdown(self, wait: bool = True) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)

    def __enter__(self) -> ThreadExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        return f"ThreadExecutor(max_workers={self.max_workers})"


def _run_on_thread(payload: RunPayload, ctx: SweepContext) -> dict[str, Any]:
    return execute_run(payload, ctx, worker_label("thread"))
