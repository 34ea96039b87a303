"""The tiny operation of ``bench_executors.py``: a run that logs 20 metric points.

In a module of its own so that worker processes (processes, Dask) import it by name
without importing the benchmark script.
"""

from __future__ import annotations

import metalab


@metalab.operation
def tiny(params, capture):
    x = params["x"]
    for step in range(20):
        capture.metric("loss", x / (step + 1), step=step)
