"""Operations for the Dask executor's tests, importable by name on Dask workers."""

from __future__ import annotations

import os
import time
from pathlib import Path

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


@metalab.operation
def parent_process(params, seeds, capture):
    """Logs the pid and command line of the process that started this worker process."""
    parent = os.getppid()
    command = Path(f"/proc/{parent}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    capture.log(f"parent {parent}: {command}")
