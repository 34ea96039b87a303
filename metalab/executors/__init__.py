"""Executors: where a sweep's runs execute.

One small interface (:class:`Executor`) with two local engines, threads and
processes, and a distributed one, :class:`DaskExecutor` (a local Dask cluster, a
running scheduler, or batch-system jobs through dask-jobqueue, which
:class:`SlurmExecutor` sets up from the reference's ``SlurmConfig``). The Dask
modules import dask only when an executor is made: it is an optional extra.
"""

from metalab.executors.base import Executor, resolve_executor
from metalab.executors.dask import ClusterStatus, DaskExecutor
from metalab.executors.process import ProcessExecutor
from metalab.executors.slurm import SlurmConfig, SlurmExecutor
from metalab.executors.thread import ThreadExecutor

__all__ = [
    "ClusterStatus",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SlurmConfig",
    "SlurmExecutor",
    "ThreadExecutor",
    "resolve_executor",
]
