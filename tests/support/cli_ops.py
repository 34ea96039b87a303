"""The operations the headless command-line tests run, as the source of an ``ops.py``
that a test writes into its project folder: ``metalab-tui`` runs them in a child
process, which imports them from that file by name. Their waits give up after 20 s, so
a test that goes wrong fails rather than hangs; the Dask tests keep operations of their
own that wait as long as a loaded machine takes to cancel them."""

from __future__ import annotations

__all__ = ["OPS"]

OPS = '''\
"""Operations for the metalab-tui command-line tests."""

import time
from pathlib import Path

import metalab

HERE = Path(__file__).resolve().parent


def _called(name, value):
    with open(HERE / "calls.txt", "a", encoding="utf-8") as fh:
        fh.write(f"{name} {value}\\n")


def _until(done, capture, what, limit=20.0):
    """Log a loss point every 10 ms until done() (a cancelled sweep stops us there)."""
    deadline = time.monotonic() + limit
    step = 0
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {limit} s")
        capture.metric("loss", 1 / (step + 1), step=step)
        step += 1
        time.sleep(0.01)


@metalab.operation
def op(params, context, capture):
    """n loss points; fails for n == context["fail_at"] until the file `fixed` exists."""
    n = params["n"]
    _called("op", n)
    if n == context.get("fail_at") and not (HERE / "fixed").exists():
        raise ValueError(f"boom at n={n}")
    for i in range(n):
        capture.metric("loss", 1 / (i + 1), step=i)


@metalab.operation
def gated(params, context, capture):
    """k == 0 ends at once, k == fail_at fails, any other k runs until `release` exists."""
    k = params["k"]
    _called("gated", k)
    if k == context.get("fail_at"):
        raise ValueError(f"gate {k} refused")
    if k == 0:
        capture.metric("loss", 1.0, step=0)
        return
    _until((HERE / "release").exists, capture, "release")


@metalab.operation
def barrier(params, capture):
    """Every run waits until `parties` runs have started: it needs that many workers."""
    (HERE / f"started_{params['k']}").touch()
    _until(lambda: len(list(HERE.glob("started_*"))) >= params["parties"], capture,
           "the other runs starting", limit=10.0)


@metalab.operation
def timed(params, capture):
    """Runs for `seconds`, logging as it goes."""
    start = time.monotonic()
    _until(lambda: time.monotonic() - start >= params["seconds"], capture, "time")


@metalab.operation
def shout(params):
    raise RuntimeError("\\x1b[31mred alert\\x1b[0m & <everything> \\"quoted\\"")


def plain(params, capture):
    """Not decorated: not a metalab operation."""
'''
