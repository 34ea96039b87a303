"""Runs on a Dask cluster: a local one, a running scheduler, or a batch system's jobs.

:class:`DaskExecutor` is the executor interface over ``distributed``. It starts a
``LocalCluster`` of worker processes (and closes it when the sweep ends), connects
to a scheduler at ``address=`` (and leaves it running), or uses a ``client=`` or
``cluster=`` it is given (a ``dask_jobqueue`` cluster, scaled to ``jobs`` or
adaptive). Nothing here is a scheduler, a queue or an RPC of metalab's own:

* each run is one task (``pure=False``, a key per run and attempt) calling
  :func:`metalab.executors.dask_tasks.run_task` on a worker, which writes the run's
  files straight into the results tree: every worker must see that folder, at the
  same path, which :meth:`DaskExecutor.start` checks on every worker before any run;
* the workers' events come back as Dask worker events (``log_event``) under a topic
  of the sweep's own that this client subscribes to, in batches, and go into the
  sweep's event bus, so progress displays follow a Dask sweep as a thread sweep;
* a worker lost mid-run: Dask runs the task again on another worker, and the run
  itself counts its attempts (see :mod:`~metalab.executors.dask_tasks`); if Dask
  gives up first (``KilledWorker``), the run is submitted again here, within
  ``retries``, else recorded failed naming the lost worker;
* cancelling tells every worker (``Client.run``) to stop the sweep's runs, then
  cancels the tasks no worker has taken, and records them cancelled.

``dask`` and ``distributed`` are an optional extra: this module imports them only
when an executor is made, so ``import metalab`` works without them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from importlib.util import find_spec
from typing import Any

from metalab.errors import ExecutorError
from metalab.events import EventKind
from metalab.executors.dask_tasks import (
    RECORD,
    TERMINAL,
    DaskSweep,
    cancel_sweep,
    check_worker,
    end_sweep,
    failed_record,
    file_module_name,
    lost_worker_failure,
    run_task,
    worker_paths,
)
from metalab.executors.forkserver import (
    forkserver_available,
    skip_dask_preload,
    warm_forkserver,
)
from metalab.operation import is_local_ref
from metalab.types import RunRecord, Status
from metalab.worker import RunPayload, SweepContext, cancelled_record

__all__ = ["ClusterStatus", "DaskExecutor", "require_dask"]

log = logging.getLogger("metalab.dask")

INSTALL_HINT = "pip install 'metalab[dask]' (or, in a checkout, uv sync --extra dask)"

CLUSTER_POLL = 0.5
"""Seconds between looks at the cluster's state while a sweep runs."""

DRAIN_TIMEOUT = 15.0
"""Seconds a cancelled sweep waits for the runs it could not cancel to stop."""


def require_dask() -> Any:
    """The ``distributed`` module, or an ExecutorError saying how to install it."""
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError as exc:
        raise ExecutorError(
            f"the Dask executor needs dask and distributed, which are not installed "
            f"({exc}): {INSTALL_HINT}"
        ) from None
    return distributed


@dataclass(frozen=True)
class ClusterStatus:
    """The cluster as a sweep sees it at one moment, for a display to show."""

    scheduler: str
    workers: tuple[str, ...] = ()
    """Addresses of the workers connected to the scheduler."""
    busy: tuple[str, ...] = ()
    """Workers running one of this sweep's runs."""
    threads: int = 0
    runs: dict[str, str] = field(default_factory=dict)
    """Run id to the address of the worker running it, for the runs going now."""
    jobs_pending: int | None = None
    """Batch jobs submitted whose worker has not connected yet (dask-jobqueue only)."""
    jobs_running: int | None = None
    """Batch jobs whose worker is connected (dask-jobqueue only)."""

    @property
    def idle(self) -> tuple[str, ...]:
        busy = set(self.busy)
        return tuple(w for w in self.workers if w not in busy)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheduler": self.scheduler,
            "workers": list(self.workers),
            "busy": list(self.busy),
            "idle": list(self.idle),
            "threads": self.threads,
            "runs": dict(self.runs),
            "jobs_pending": self.jobs_pending,
            "jobs_running": self.jobs_running,
        }


@dataclass
class _Run:
    payload: RunPayload
    result: Future[dict[str, Any]]
    task: Any = None
    submissions: int = 0


class DaskExecutor:
    """Run each run as a task on a Dask cluster.

    Args:
        n_workers: worker processes of the ``LocalCluster`` started when no
            ``address``, ``client`` or ``cluster`` is given (default: one per core).
        address: a running scheduler (``tcp://host:8786``) to connect to; it and its
            workers are left running.
        client: a ``distributed.Client`` to use as it is (not closed).
        cluster: a Dask cluster object (``LocalCluster``, ``dask_jobqueue.SLURMCluster``,
            ...) to use; it is not closed. It is scaled to ``jobs``, or made adaptive
            with ``adapt``, when those are given.
        cluster_factory: a function that makes the cluster when the sweep starts; the
            executor closes that cluster when the sweep ends (``SlurmExecutor`` and
            ``experiments.toml`` use this).
        jobs: scale the cluster to this many jobs (dask-jobqueue) or workers.
        adapt: ``{"minimum": m, "maximum": n}``: scale the cluster with the load,
            between those numbers of jobs (dask-jobqueue) or workers.
        max_jobs: with ``cluster_factory`` and neither ``jobs`` nor ``adapt``, the
            cluster is scaled to one job per run, at most this many (default: no cap).
        retries: how many more times a run whose worker was lost (its process died) is
            run, on another worker, before it is recorded failed.
        threads_per_worker: runs at once in each ``LocalCluster`` worker process.
        connect_timeout: seconds to wait for the scheduler at ``address``.
        start_method: how a ``LocalCluster`` this executor starts makes its worker
            processes: ``"forkserver"`` (the default where the platform has it, see
            :mod:`~metalab.executors.forkserver`), ``"spawn"`` (Dask's default) or
            ``"fork"``.
    """

    executor_id = "dask"

    def __init__(
        self,
        n_workers: int | None = None,
        *,
        address: str | None = None,
        client: Any = None,
        cluster: Any = None,
        cluster_factory: Callable[[], Any] | None = None,
        jobs: int | None = None,
        adapt: dict[str, int] | None = None,
        max_jobs: int | None = None,
        retries: int = 2,
        threads_per_worker: int = 1,
        connect_timeout: float = 10.0,
        start_method: str | None = None,
    ) -> None:
        sources = {
            "address": address,
            "client": client,
            "cluster": cluster,
            "cluster_factory": cluster_factory,
        }
        given = [name for name, value in sources.items() if value is not None]
        if len(given) > 1:
            raise ExecutorError(
                f"DaskExecutor takes one of address=, client=, cluster=, cluster_factory=; "
                f"got {' and '.join(given)}"
            )
        for name, value in (("n_workers", n_workers), ("jobs", jobs), ("max_jobs", max_jobs)):
            if value is not None and (not _is_int(value) or value < 1):
                raise ExecutorError(f"DaskExecutor({name}=...) must be an int >= 1, got {value!r}")
        if not _is_int(retries) or retries < 0:
            raise ExecutorError(f"DaskExecutor(retries=...) must be an int >= 0, got {retries!r}")
        if not _is_int(threads_per_worker) or threads_per_worker < 1:
            raise ExecutorError(
                f"DaskExecutor(threads_per_worker=...) must be an int >= 1, "
                f"got {threads_per_worker!r}"
            )
        if jobs is not None and adapt is not None:
            raise ExecutorError("DaskExecutor takes jobs= or adapt=, not both")
        if adapt is not None:
            adapt = _check_adapt(adapt)
        if start_method is None:
            start_method = "forkserver" if forkserver_available() else "spawn"
        if start_method not in ("forkserver", "spawn", "fork"):
            raise ExecutorError(
                f"DaskExecutor(start_method=...) must be 'forkserver', 'spawn' or 'fork', "
                f"got {start_method!r}"
            )
        if start_method == "forkserver" and not forkserver_available():
            raise ExecutorError(
                "DaskExecutor(start_method='forkserver'): this platform has no forkserver; "
                "use start_method='spawn'"
            )
        if not given and start_method == "forkserver" and find_spec("distributed"):
            warm_forkserver()  # imports Dask there while this process imports it here
        require_dask()
        self.start_method = start_method
        self.n_workers = n_workers or os.cpu_count() or 1
        self.address = address
        self.retries = retries
        self.threads_per_worker = threads_per_worker
        self.connect_timeout = connect_timeout
        self.jobs = jobs
        self.adapt = adapt
        self.max_jobs = max_jobs
        self._given_client = client
        self._given_cluster = cluster
        self._cluster_factory = cluster_factory
        self._client: Any = None
        self._cluster: Any = None
        self._owns_client = False
        self._owns_cluster = False
        self._ctx: SweepContext | None = None
        self._spec: DaskSweep | None = None
        self._lock = threading.Lock()
        self._runs: dict[str, _Run] = {}
        self._by_key: dict[str, _Run] = {}
        self._records: dict[str, dict[str, Any]] = {}
        self._where: dict[str, str] = {}
        self._cancelled = False
        self._poller: threading.Thread | None = None
        self._stop_poll = threading.Event()
        self._last_status: dict[str, Any] | None = None

    # -- the executor interface -------------------------------------------------------

    @property
    def max_workers(self) -> int:
        """Runs the cluster can run at once (its threads), as last seen."""
        client = self._client
        if client is not None:
            with contextlib.suppress(Exception):
                return max(1, sum(w.get("nthreads", 0) for w in _workers(client).values()))
        if self._given_client is None and self._given_cluster is None and not self.address:
            return self.n_workers * self.threads_per_worker
        return 1

    def check(self, operation: Any) -> None:
        """Refuse, before anything is written, an operation that workers could not import."""
        ref = getattr(operation, "ref", "")
        if not ref or is_local_ref(ref):
            raise ExecutorError(
                f"DaskExecutor cannot run operation {ref or operation!r}: Dask workers import "
                "it by name, so define it at module level in a file (or use ThreadExecutor)"
            )
        module = sys.modules.get(ref.partition(":")[0])
        if module is None or not getattr(module, "__file__", None):
            raise ExecutorError(
                f"DaskExecutor cannot run operation {ref}: Dask workers import it from its "
                "file, and it has none (an interactive session or notebook?); put it in a "
                ".py file (or use ThreadExecutor)"
            )

    def start(self, ctx: SweepContext) -> None:
        self.check(ctx.operation)
        self._ctx = ctx
        self._cancelled = False
        self._runs, self._by_key, self._records, self._where = {}, {}, {}, {}
        sweep_id = uuid.uuid4().hex[:12]
        try:
            client = self._connect()
            self._spec = _sweep_spec(ctx, sweep_id, self.retries)
            self._check_workers(client)
            client.subscribe_topic(self._spec.topic, self._on_events)
        except BaseException:
            self._release()
            raise
        self._stop_poll.clear()
        self._poller = threading.Thread(
            target=self._poll_cluster, name="metalab-dask-cluster", daemon=True
        )
        self._poller.start()

    def submit(self, payload: RunPayload) -> Future[dict[str, Any]]:
        assert self._client is not None and self._spec is not None, "start() first"
        result: Future[dict[str, Any]] = Future()
        # the runner cannot cancel it: a task may have started on a worker unseen;
        # cancel() below decides which tasks can be dropped
        result.set_running_or_notify_cancel()
        run = _Run(payload, result)
        with self._lock:
            self._runs[payload.run_id] = run
            cancelled = self._cancelled
        if cancelled:
            self._resolve_cancelled(run)
        else:
            self._launch(run)
        return result

    def cancel(self) -> None:
        with self._lock:
            if self._cancelled or self._client is None:
                return
            self._cancelled = True
        threading.Thread(target=self._cancel_tasks, name="metalab-dask-cancel", daemon=True).start()

    def finish(self) -> None:
        self._stop_poll.set()
        if self._poller is not None:
            self._poller.join(timeout=5)
            self._poller = None
        client, spec = self._client, self._spec
        if client is not None and spec is not None:
            self._end_sweep_on_workers(client, spec)
            with contextlib.suppress(Exception):
                client.unsubscribe_topic(spec.topic)
        self._release()
        self._runs, self._by_key, self._records, self._where = {}, {}, {}, {}
        self._ctx = self._spec = None

    def shutdown(self, wait: bool = True) -> None:
        self.finish()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        if self.address:
            where = f"address={self.address!r}"
        elif self._given_client is not None:
            where = "client=..."
        elif self._given_cluster is not None:
            where = f"cluster={type(self._given_cluster).__name__}"
        elif self._cluster_factory is not None:
            where = "cluster_factory=..."
        else:
            where = f"n_workers={self.n_workers}"
        return f"DaskExecutor({where}, retries={self.retries})"

    # -- the cluster's state ------------------------------------------------------------

    def cluster_status(self) -> ClusterStatus | None:
        """Workers connected, busy and idle, which worker runs which run, and batch
        jobs pending and running; None when no sweep is going. Safe from any thread."""
        client = self._client
        if client is None:
            return None
        workers = _workers(client)
        with self._lock:
            runs = dict(self._where)
        spec = self._spec
        # busy: running one of this sweep's runs, as its events said, or holding one of
        # its tasks, as the scheduler says (runs shorter than a poll come and go unseen)
        busy = {w for w in runs.values() if w in workers}
        if spec is not None:
            busy |= {w for w in _holding(client, spec.sweep_id) if w in workers}
        pending = running = None
        jobs = _jobs(self._cluster, workers)
        if jobs is not None:
            pending, running = jobs
        return ClusterStatus(
            scheduler=str(client.scheduler.address),
            workers=tuple(sorted(workers)),
            busy=tuple(sorted(busy)),
            threads=sum(int(w.get("nthreads", 0)) for w in workers.values()),
            runs=runs,
            jobs_pending=pending,
            jobs_running=running,
        )

    def _poll_cluster(self) -> None:
        """Emit a ``cluster`` event at once, then whenever the cluster's state changes."""
        while True:
            ctx = self._ctx
            try:
                status = self.cluster_status()
            except Exception:  # a scheduler going away: the sweep will say so
                status = None
            if status is not None and ctx is not None:
                shown = status.to_dict()
                if shown != self._last_status:
                    self._last_status = shown
                    ctx.emit(EventKind.CLUSTER, None, **shown)
            if self._stop_poll.wait(CLUSTER_POLL):
                return

    # -- connecting -------------------------------------------------------------------------

    def _connect(self) -> Any:
        distributed = require_dask()
        if self._given_client is not None:
            self._client, self._owns_client = self._given_client, False
            return self._client
        if self.address is not None:
            try:
                client = distributed.Client(
                    self.address, timeout=self.connect_timeout, set_as_default=False
                )
            except (OSError, TimeoutError) as exc:
                raise ExecutorError(
                    f"cannot reach the Dask scheduler at {self.address} "
                    f"(waited {self.connect_timeout:g} s): {exc}; start one with "
                    "`dask scheduler` and `dask worker <address>`, or check the address"
                ) from None
            self._client, self._owns_client = client, True
            return client
        if self._given_cluster is not None:
            cluster, self._owns_cluster = self._given_cluster, False
        elif self._cluster_factory is not None:
            with self._scheduler_settings():
                cluster, self._owns_cluster = self._cluster_factory(), True
        else:
            cluster, self._owns_cluster = self._local_cluster(distributed), True
        self._cluster = cluster
        self._scale(cluster)
        self._client = distributed.Client(cluster, set_as_default=False)
        self._owns_client = True
        return self._client

    def _scheduler_settings(self, **settings: Any) -> Any:
        """Settings for a scheduler this executor starts: a lost worker's run is retried
        by the run itself (see dask_tasks), so Dask must not give up on the task first."""
        import dask

        return dask.config.set(
            {"distributed.scheduler.allowed-failures": max(3, self.retries + 1), **settings}
        )

    def _local_cluster(self, distributed: Any) -> Any:
        try:
            method = {"distributed.worker.multiprocessing-method": self.start_method}
            if self.start_method == "forkserver":
                skip_dask_preload(distributed)
            with self._scheduler_settings(**method):
                return distributed.LocalCluster(
                    n_workers=self.n_workers,
                    threads_per_worker=self.threads_per_worker,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=":0",
                    worker_dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
        except Exception as exc:  # noqa: BLE001 - said in one line, with the usual cause
            raise ExecutorError(
                f"starting a local Dask cluster of {self.n_workers} worker processes failed "
                f"({type(exc).__name__}: {exc}); its workers are new processes that import "
                "the main script, so a script that starts one must keep its code under "
                "if __name__ == '__main__':"
            ) from None

    def _scale(self, cluster: Any) -> None:
        """Scale a cluster given or made: to ``jobs``, adaptively, or (one this executor
        made from a factory) to one job per run, at most ``max_jobs``."""
        jobqueue = _is_jobqueue(cluster)
        planned = self._ctx.planned_runs if self._ctx is not None else 0
        if self.adapt is not None:
            low, high = self.adapt["minimum"], self.adapt["maximum"]
            if jobqueue:
                cluster.adapt(minimum_jobs=low, maximum_jobs=high)
            else:
                cluster.adapt(minimum=low, maximum=high)
            return
        jobs = self.jobs
        if jobs is None and self._cluster_factory is not None:
            jobs = min(planned, self.max_jobs) if self.max_jobs else planned
        elif jobs is not None and self._owns_cluster and planned:
            jobs = min(jobs, planned)  # no job would get a run
        if jobs:
            if jobqueue:
                cluster.scale(jobs=jobs)
            else:
                cluster.scale(jobs)

    def _check_workers(self, client: Any) -> None:
        """Every worker connected now must see the results folder and import the
        operation; workers that join later check themselves at their first run."""
        assert self._spec is not None
        if not _workers(client):
            return
        try:
            problems = client.run(check_worker, self._spec)
        except Exception as exc:  # noqa: BLE001 - e.g. metalab not importable there
            raise ExecutorError(
                f"cannot check the Dask workers: {type(exc).__name__}: {exc}; every worker "
                "needs metalab installed, and the results folder on a shared filesystem"
            ) from None
        for worker, problem in sorted(problems.items()):
            if problem:
                raise ExecutorError(
                    f"Dask worker {worker} {problem}; workers write runs straight into the "
                    f"results tree, so {self._spec.store_root} must be on a filesystem "
                    "every worker shares, at the same path"
                )

    def _release(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None and self._owns_client:
            with contextlib.suppress(Exception):
                client.close(timeout=10)
        if cluster is not None and self._owns_cluster:
            with contextlib.suppress(Exception):
                cluster.close(timeout=10)
        self._owns_client = self._owns_cluster = False

    # -- runs -------------------------------------------------------------------------------

    def _launch(self, run: _Run) -> None:
        assert self._client is not None and self._spec is not None
        run.submissions += 1
        key = f"metalab-run-{run.payload.run_id}-{self._spec.sweep_id}-{run.submissions}"
        with self._lock:
            self._by_key[key] = run
        run.task = self._client.submit(
            run_task, run.payload, self._spec, key=key, pure=False, retries=0
        )
        run.task.add_done_callback(self._on_task_done)

    def _on_task_done(self, task: Any) -> None:
        """A task ended (on Dask's callback thread): resolve its run's future."""
        with self._lock:
            run = self._by_key.pop(task.key, None)
        if run is None or run.task is not task or run.result.done():
            return
        status = task.status
        try:
            if status == "finished":
                record = self._records.pop(run.payload.run_id, None)
                if record is None:  # the batch with its record went missing: ask for it
                    record = task.result()
                self._settle(run, record)
            elif status == "cancelled":
                self._resolve_cancelled(run)
            else:
                self._task_failed(run, task.exception())
        except Exception as exc:  # never leave the runner waiting
            log.warning("settling run %s failed", run.payload.run_id, exc_info=True)
            if not run.result.done():
                run.result.set_exception(exc)

    def _settle(self, run: _Run, record: dict[str, Any]) -> None:
        with self._lock:
            self._runs.pop(run.payload.run_id, None)
            self._where.pop(run.payload.run_id, None)
        run.task = None
        run.result.set_result(record)

    def _resolve_cancelled(self, run: _Run) -> None:
        ctx = self._ctx
        assert ctx is not None
        existing = ctx.store.get_run_record(run.payload.run_id)
        if (
            existing is not None
            and existing.status in (Status.SUCCESS, Status.FAILED, Status.CANCELLED)
            and self._spec is not None
            and existing.provenance.extra.get("sweep") == self._spec.sweep_id
        ):
            self._settle(run, existing.to_dict())  # it ran after all: keep what it wrote
            return
        record = cancelled_record(run.payload, ctx, "cancelled before it started")
        ctx.store.put_run_record(record)
        ctx.emit(EventKind.RUN_CANCELLED, run.payload.run_id, reason="cancelled before it started")
        self._settle(run, record.to_dict())

    def _task_failed(self, run: _Run, exc: BaseException | None) -> None:
        from distributed.scheduler import KilledWorker

        ctx, spec = self._ctx, self._spec
        assert ctx is not None and spec is not None
        payload = run.payload
        record = ctx.store.get_run_record(payload.run_id)
        ours = (
            record is not None
            and record.status is Status.RUNNING
            and record.provenance.extra.get("sweep") == spec.sweep_id
        )
        lost: str | None = None
        if isinstance(exc, KilledWorker):
            attempts = int(record.provenance.extra.get("attempt") or 1) if ours else 0  # type: ignore[union-attr]
            if attempts < self.retries + 1 and not self._cancelled:
                self._launch(run)  # Dask gave up on the task; the run has tries left
                return
            if record is not None and ours:
                lost = str(record.provenance.extra.get("worker") or _last_worker(exc))
                record = lost_worker_failure(ctx.store, record, lost, self.retries)
            else:
                lost = _last_address(exc)
                record = self._failed_record(payload, "WorkerLost", _killed_message(exc))
        else:
            name = type(exc).__name__ if exc is not None else "Error"
            message = str(exc) if exc is not None else "the task failed"
            base = record if ours and record is not None else None
            record = self._failed_record(payload, name, message, base)
        error = record.error or {}
        said = {"lost_worker": lost} if lost else {}
        ctx.emit(EventKind.RUN_FAILED, payload.run_id, error=error.get("message"),
                 error_type=error.get("type"), traceback="", **said)  # fmt: skip
        self._settle(run, record.to_dict())

    def _failed_record(
        self, payload: RunPayload, kind: str, message: str, base: RunRecord | None = None
    ) -> RunRecord:
        ctx = self._ctx
        assert ctx is not None
        record = base or cancelled_record(payload, ctx, "")
        record.notes = ""
        return failed_record(ctx.store, record, kind, message)

    def _on_events(self, event: Any) -> None:
        """A batch of a worker's events (on the client's event loop): into the bus."""
        ctx = self._ctx
        if ctx is None:
            return
        _, items = event
        for kind, run_id, payload in items:
            if kind == RECORD:
                self._records[run_id] = payload
                continue
            if kind == "run_started" and payload.get("worker"):
                with self._lock:
                    self._where[run_id] = payload["worker"]
            elif kind in TERMINAL:
                with self._lock:
                    self._where.pop(run_id, None)
            try:
                ctx.emit(EventKind(kind), run_id, **payload)
            except ValueError:
                continue  # a kind this version does not know

    # -- cancelling and ending -----------------------------------------------------------

    def _cancel_tasks(self) -> None:
        client, spec = self._client, self._spec
        if client is None or spec is None:
            return
        try:
            # first every worker's runs see the cancellation, so that a task that
            # starts from now on records itself cancelled without running ...
            client.run(cancel_sweep, spec.sweep_id)
            # ... then the tasks no worker holds are dropped (a worker's own queue is
            # run through: those runs stop at once)
            held = {key for keys in client.processing().values() for key in keys}
        except Exception:
            log.warning("telling the Dask workers to cancel failed", exc_info=True)
            held = set()
        with self._lock:
            runs = list(self._runs.values())
        drop = [
            r.task
            for r in runs
            if r.task is not None and not r.result.done() and r.task.key not in held
        ]
        if drop:
            with contextlib.suppress(Exception):
                client.cancel(drop)

    def _end_sweep_on_workers(self, client: Any, spec: DaskSweep) -> None:
        """Wait (when cancelled, a while) for the workers to finish the sweep's runs
        they hold, then let them forget it."""
        deadline = time.monotonic() + (DRAIN_TIMEOUT if self._cancelled else 0)
        while True:
            try:
                active = sum(client.run(end_sweep, spec.sweep_id).values())
            except Exception:
                return
            if not active or time.monotonic() >= deadline:
                return
            time.sleep(0.1)


# -- helpers ----------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_adapt(adapt: Any) -> dict[str, int]:
    if not isinstance(adapt, dict) or set(adapt) - {"minimum", "maximum"}:
        raise ExecutorError(
            f"DaskExecutor(adapt=...) must be a dict with minimum and maximum, got {adapt!r}"
        )
    minimum, maximum = adapt.get("minimum", 0), adapt.get("maximum")
    if not _is_int(minimum) or minimum < 0 or not _is_int(maximum) or maximum < max(1, minimum):
        raise ExecutorError(
            f"DaskExecutor(adapt=...) needs 0 <= minimum <= maximum, maximum >= 1; got {adapt!r}"
        )
    return {"minimum": minimum, "maximum": maximum}


def _is_jobqueue(cluster: Any) -> bool:
    return any(c.__module__.startswith("dask_jobqueue") for c in type(cluster).__mro__)


def _workers(client: Any) -> dict[str, dict[str, Any]]:
    try:
        info = client.scheduler_info(n_workers=-1)
    except TypeError:  # a distributed from before n_workers: it lists them all
        info = client.scheduler_info()
    return dict(info.get("workers", {}))


def _holding(client: Any, sweep_id: str) -> set[str]:
    """The workers the scheduler has given one of the sweep's tasks to (running it or
    next in line); empty when the scheduler cannot say."""
    try:
        processing = client.processing()
    except Exception:  # noqa: BLE001 - a display's figure: never worth failing a sweep
        return set()
    return {str(w) for w, keys in processing.items() if any(sweep_id in str(k) for k in keys)}


def _jobs(cluster: Any, workers: dict[str, dict[str, Any]]) -> tuple[int, int] | None:
    """Batch jobs (pending, running) of a dask-jobqueue cluster; None for other clusters."""
    if cluster is None or not _is_jobqueue(cluster):
        return None
    names = {str(w.get("name", "")) for w in workers.values()}
    launched = [str(name) for name in list(getattr(cluster, "workers", {}))]
    running = sum(1 for job in launched if any(n == job or n.startswith(f"{job}-") for n in names))
    return len(launched) - running, running


def _last_address(exc: BaseException) -> str | None:
    """The address of the worker a ``KilledWorker`` last saw the task on, if it says."""
    worker = getattr(exc, "last_worker", None)
    address = getattr(worker, "address", worker)
    return str(address) if address else None


def _last_worker(exc: BaseException) -> str:
    return _last_address(exc) or "of unknown address"


def _killed_message(exc: BaseException) -> str:
    return (
        f"worker {_last_worker(exc)} was lost (its process died) while running this run, "
        "and Dask gave up on the task"
    )


def _sweep_spec(ctx: SweepContext, sweep_id: str, retries: int) -> DaskSweep:
    """How workers rebuild this sweep: the operation by name (and file), the store."""
    operation = ctx.operation
    ref: str = operation.ref
    module_name, _, qualname = ref.partition(":")
    module = sys.modules.get(module_name)
    file = getattr(module, "__file__", None)
    file = os.path.realpath(file) if file else None
    by_file = module_name.startswith("_metalab_file_")
    if module_name == "__main__" and file:
        module_name, by_file = file_module_name(file), True
        ref = f"{module_name}:{qualname}"
    return DaskSweep(
        sweep_id=sweep_id,
        topic=f"metalab-{sweep_id}",
        ref=ref,
        module_file=file,
        by_file=by_file,
        paths=worker_paths(file, module_name),
        code_hash=operation.code_hash,
        store_root=str(ctx.store.root),
        experiment_id=ctx.store.experiment_id,
        retries=retries,
    )
