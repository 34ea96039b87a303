"""Helpers shared by the benchmarks in ``bench/``.

The machines these run on are shared and noisy, so no benchmark reports an absolute
time as its result: each one measures a floor (the same work without metalab) in the
same process, interleaved with the thing being measured, and reports the ratio of
medians. The helpers here keep that discipline in one place: medians, a temporary
results tree built the way ``metalab/worker.py`` builds one, RSS readings from
``/proc``, and the one-line verdicts every script prints.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from metalab.store.filestore import FileStore

__all__ = [
    "BENCH_EXPERIMENT_ID",
    "REPO_ROOT",
    "machine_line",
    "median",
    "proc_status_kb",
    "ratio_line",
    "temp_store",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_EXPERIMENT_ID = "bench:0.1"


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def machine_line() -> str:
    """Where and when the figures were taken: they only mean something as ratios."""
    return (
        f"# {_dt.date.today().isoformat()}, nproc={os.cpu_count()}, "
        f"Python {platform.python_version()} ({sys.implementation.name}), {platform.machine()}"
    )


def ratio_line(label: str, value: float, target: float | None, unit: str = "x") -> str:
    """``label: 3.1x (target <= 4x) -- met``; a target of None reports the figure only."""
    shown = f"{value:.1f}{unit}" if unit != "%" else f"{value:+.1f}%"
    if target is None:
        return f"{label}: {shown} (no target, reported)"
    bound = f"{target:g}{unit}"
    verdict = "met" if value <= target else "MISSED"
    return f"{label}: {shown} (target <= {bound}) -- {verdict}"


@contextmanager
def temp_store() -> Iterator[FileStore]:
    """A fresh experiment folder in a temporary directory, created as a worker creates one."""
    with tempfile.TemporaryDirectory(prefix="metalab-bench-") as tmp:
        store = FileStore(Path(tmp) / "exp", BENCH_EXPERIMENT_ID)
        store.create()
        yield store


def proc_status_kb(field: str) -> int:
    """A ``/proc/self/status`` field in kB (``VmRSS``, ``VmHWM``); 0 if unavailable."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
