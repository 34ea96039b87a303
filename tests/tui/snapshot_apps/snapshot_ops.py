"""The operation behind the snapshot apps: fixed curves and log lines, nothing timed.

Each run's loss decays from 1 towards a floor set by its learning rate, with a little
seeded noise, so the curves differ by run and are the same on every machine. Runs
whose learning rate is in ``HOLD`` stop at step ``HOLD_AT`` until ``GATE`` is set
(polling for cancellation), which freezes a sweep mid-way for a screenshot.
"""

from __future__ import annotations

import threading

import numpy as np

import metalab

STEPS_PER_RUN = 60
HOLD: set[float] = set()
HOLD_AT = 24
GATE = threading.Event()


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
