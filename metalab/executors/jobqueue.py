"""Batch-system clusters by name: ``"slurm"``, ``"pbs"``, ``"sge"``, ``"lsf"`` via dask-jobqueue.

``experiments.toml`` names a cluster kind and a table of options; this module turns
them into a ``dask_jobqueue`` cluster, and says which options that cluster accepts
(the parameters of its cluster and job classes, read from their signatures) and
whether their values are usable (by building one job, which checks them as the
cluster would, and starts nothing), so that a bad option is one message at load time
rather than a failure once the sweep has started.
"""

from __future__ import annotations

import inspect
from typing import Any

from metalab.errors import ExecutorError
from metalab.executors.dask import INSTALL_HINT

__all__ = ["CLUSTERS", "cluster_class", "known_options", "make_cluster", "option_problem"]

CLUSTERS = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster", "lsf": "LSFCluster"}
"""Cluster kinds and their dask-jobqueue classes."""

_NOT_OPTIONS = frozenset(
    {"self", "scheduler", "name", "job_cls", "loop", "asynchronous", "security",
     "scheduler_cls", "n_workers", "base_class_kwargs", "job_kwargs"}
)  # fmt: skip
"""Parameters that are metalab's to set (``jobs`` scales), or that a file cannot give."""

_CLUSTER_ONLY = frozenset(
    {"shared_temp_directory", "silence_logs", "dashboard_address", "host", "scheduler_options"}
)


def cluster_class(kind: str) -> Any:
    """The dask-jobqueue class of a cluster kind."""
    try:
        import dask_jobqueue
    except ImportError as exc:
        raise ExecutorError(
            f"a {kind!r} cluster needs dask-jobqueue, which is not installed ({exc}): "
            f"{INSTALL_HINT}"
        ) from None
    if kind not in CLUSTERS:
        raise ExecutorError(f"unknown cluster kind {kind!r}: use one of {', '.join(CLUSTERS)}")
    return getattr(dask_jobqueue, CLUSTERS[kind])


def _parameters(cls: type) -> list[str]:
    """The keyword parameters of the dask-jobqueue classes ``cls`` is made of (not those
    of ``distributed``'s base classes, which a job-queue cluster sets itself)."""
    names: list[str] = []
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or not klass.__module__.startswith("dask_jobqueue"):
            continue
        for name, param in inspect.signature(init).parameters.items():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if name not in _NOT_OPTIONS and name not in names:
                names.append(name)
    return names


def known_options(kind: str) -> list[str]:
    """Every option a cluster of this kind takes, cluster's and job's, in order."""
    cls = cluster_class(kind)
    names = _parameters(cls)
    names += [n for n in _parameters(cls.job_cls) if n not in names]
    return names


def option_problem(kind: str, options: dict[str, Any]) -> tuple[str | None, str] | None:
    """What dask-jobqueue says is wrong with these options: (the key, when one is to
    blame, and its message), or None when a job can be made from them."""
    known = known_options(kind)
    for key in options:
        if key not in known:
            return key, "unknown option"
    cls = cluster_class(kind)
    job_options = {k: v for k, v in options.items() if k not in _CLUSTER_ONLY}
    problem = _job_problem(cls, job_options)
    if problem is None:
        return None
    # which option is to blame: the first that fails on its own, with minimal resources
    for key, value in job_options.items():
        alone = {"cores": 1, "memory": "1GB", key: value}
        rejected = _job_problem(cls, alone)
        if rejected is not None:
            return key, f"{CLUSTERS[kind]} rejected it: {rejected}"
    return None, f"{CLUSTERS[kind]} rejected these options: {problem}"


def _job_problem(cls: Any, options: dict[str, Any]) -> str | None:
    """dask-jobqueue's message when it cannot make a job of these options."""
    try:
        cls.job_cls(scheduler="tcp://127.0.0.1:8786", name="metalab-check", **options)
    except Exception as exc:  # noqa: BLE001 - dask-jobqueue's own message is the answer
        text = " ".join(str(exc).split())
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return None


def make_cluster(kind: str, options: dict[str, Any]) -> Any:
    """A dask-jobqueue cluster of this kind (its scheduler starts here, no job yet)."""
    return cluster_class(kind)(**options)
