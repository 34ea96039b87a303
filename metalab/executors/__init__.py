"""Executors: where a sweep's runs execute.

One small interface (:class:`Executor`) with two local engines, threads and
processes; a distributed engine (Dask is planned) implements the same five methods.
"""

from metalab.executors.base import Executor, resolve_executor
from metalab.executors.process import ProcessExecutor
from metalab.executors.thread import ThreadExecutor

__all__ = ["Executor", "ProcessExecutor", "ThreadExecutor", "resolve_executor"]
