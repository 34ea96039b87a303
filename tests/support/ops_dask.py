"""Operations for the Dask executor's tests, importable by name on Dask workers."""

from __future__ import annotations

import time

import metalab


@metalab.operation
def paced(params, seeds, capture):
    """``steps`` points of ``t``, ``pause`` seconds apart; a scalar ``done`` at the end."""
    capture.log(f"run x={params['x']} starts")
    for step in range(params["steps"]):
        capture.metric("t", float(step), step=step)
        time.sleep(params["pause"])
    capture.metric("done", float(params["x"]))
    capture.log(f"run x={params['x']} ends")
