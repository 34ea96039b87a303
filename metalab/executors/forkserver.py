"""Worker processes that start in a tenth of a second: a forkserver with Dask preloaded.

A local Dask cluster's workers are new processes. Started the way Dask starts them by
default (``spawn``), each one imports ``distributed`` from scratch: about a second of
CPU per worker, which on a sweep of a few seconds is most of what Dask costs over a
process pool. A *forkserver* imports it once, in a process that starts from a clean
interpreter, and forks every worker from there. Unlike the plain ``fork`` method it
never forks a process of ours that has threads running (the runner's, the cluster's
event loop), which is what makes ``fork`` unsafe.

:func:`warm_forkserver` starts that server as soon as a Dask executor that will start
its own cluster is made, so the server's imports overlap the caller's own (the main
process imports ``distributed`` at the same moment); the first worker forks from it a
second later. The server lives as long as the process that started it, so later
sweeps in the same process start their workers at once.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver
from typing import Any

__all__ = ["PRELOAD", "forkserver_available", "skip_dask_preload", "warm_forkserver"]

PRELOAD = ("distributed", "metalab.executors.dask_tasks", "numpy")
"""Modules the server imports once, for every worker forked from it: Dask's worker,
metalab's task (which brings in the run machinery), and numpy, which nearly every
operation uses. Dask's own preload list adds pandas, which costs a second and few
operations need."""


def forkserver_available() -> bool:
    """Whether this platform has the forkserver start method (not Windows)."""
    return "forkserver" in multiprocessing.get_all_start_methods()


def warm_forkserver() -> bool:
    """Start this process's forkserver, preloading :data:`PRELOAD`, unless it runs.

    Returns at once (the server imports in its own process); False where there is no
    forkserver. A server already running keeps the modules it was started with.
    """
    if not forkserver_available():
        return False
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    forkserver.ensure_running()
    return True


def skip_dask_preload(distributed: Any) -> None:
    """Keep Dask from importing its forkserver preload list in *this* process.

    The first time Dask makes a forkserver context it imports every package it would
    preload (pandas among them: over half a second) into the calling process, to check
    they import, then hands the list to a server that :func:`warm_forkserver` has
    already started, which ignores it. Dask records that it has done so in a private
    flag; setting it skips the wasted imports. Should the flag go away, Dask imports
    them again: slower, and still correct.
    """
    utils = getattr(distributed, "utils", None)
    if utils is not None and hasattr(utils, "_forkserver_preload_set"):
        utils._forkserver_preload_set = True
