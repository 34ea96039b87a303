"""The executor interface: what the runner needs from an engine that runs runs.

An engine is handed a sweep (:meth:`Executor.start`), then one payload at a time
(:meth:`Executor.submit`, returning a :class:`concurrent.futures.Future` of the
final record as a dict), may be asked to stop the sweep's running runs
(:meth:`Executor.cancel`), and is told when the sweep is over
(:meth:`Executor.finish`). Events flow back through the sweep context's ``emit``,
from whatever thread or process the engine uses.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from metalab.errors import ExecutorError
from metalab.executors.dask import DaskExecutor
from metalab.executors.process import ProcessExecutor
from metalab.executors.thread import ThreadExecutor

if TYPE_CHECKING:
    from metalab.worker import RunPayload, SweepContext

__all__ = ["Executor", "resolve_executor"]


@runtime_checkable
class Executor(Protocol):
    executor_id: str
    max_workers: int

    def start(self, ctx: SweepContext) -> None:
        """Prepare to run the runs of one sweep."""

    def submit(self, payload: RunPayload) -> Future[dict[str, Any]]:
        """Queue one run; the future resolves to its final record as a dict."""

    def cancel(self) -> None:
        """Ask the sweep's running runs to stop (queued futures are cancelled by the runner)."""

    def finish(self) -> None:
        """Release what :meth:`start` set up, once every future is done."""

    def shutdown(self, wait: bool = True) -> None:
        """Release the engine itself."""


def resolve_executor(executor: Any) -> Executor:
    """An executor from an instance, ``None`` (one thread) or a name ("thread", "process",
    "dask": a local Dask cluster)."""
    if executor is None:
        return ThreadExecutor(max_workers=1)
    if isinstance(executor, str):
        kinds = {"thread": ThreadExecutor, "process": ProcessExecutor, "dask": DaskExecutor}
        if executor not in kinds:
            raise ExecutorError(
                f"unknown executor {executor!r}: use 'thread', 'process', 'dask', or an executor "
                "instance such as metalab.ThreadExecutor(max_workers=4)"
            )
        return kinds[executor]()
    if all(hasattr(executor, m) for m in ("start", "submit", "cancel", "finish")):
        return executor  # type: ignore[no-any-return]
    raise ExecutorError(
        f"{executor!r} is not an executor: pass metalab.ThreadExecutor(...), "
        "metalab.ProcessExecutor(...), or an object with start/submit/cancel/finish"
    )
