"""The operation behind the snapshot apps: fixed curves and log lines, nothing timed.

Each run's loss decays from 1 towards a floor set by its learning rate, with a little
seeded noise, so the curves differ by run and are the same on every machine. Runs
whose learning rate is in ``HOLD`` stop at step ``HOLD_AT`` until the ``GATE`` file
exists (polling for cancellation), which freezes a sweep mid-way for a screenshot.
Both come from the environment: the dashboard runs the sweep in a child process.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

import metalab

STEPS_PER_RUN = 60
HOLD_ENV, GATE_ENV = "METALAB_SNAPSHOT_HOLD", "METALAB_SNAPSHOT_GATE"
HOLD: set[float] = {float(x) for x in os.environ.get(HOLD_ENV, "").split(",") if x}
HOLD_AT = 24


class FileGate:
    """Set once the file named by ``$METALAB_SNAPSHOT_GATE`` exists. (``train``'s source
    must not change: its hash is part of the run ids the snapshots show.)"""

    def wait(self, timeout: float) -> bool:
        path = os.environ.get(GATE_ENV)
        if path and Path(path).exists():
            return True
        time.sleep(timeout)
        return False


GATE = FileGate()


@metalab.operation
def train(params, seeds, capture, runtime):
    lr = params["learning_rate"]
    steps = params["steps"]
    rng = np.random.default_rng(seeds.numpy_seed())
    capture.log(f"training with learning_rate={lr} for {steps} steps")
    floor = 0.02 / lr
    for step in range(steps):
        loss = floor + (1.0 - floor) * (1.0 - lr) ** step + rng.normal(0.0, 0.004)
        capture.metric("loss", loss, step=step)
        if lr in HOLD and step == HOLD_AT:
            capture.log(f"waiting at step {step}")
            while not GATE.wait(0.01):
                runtime.check_cancelled()
    capture.metric("final_loss", loss)
    capture.log(f"finished: loss={loss:.4f}")
