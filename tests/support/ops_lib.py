"""The operation of the browse tests' lib tree (``toy_1`` of ``lib_tree``), verbatim.

Run ids fingerprint the operation's source (metalab's code hash), so this function is
kept to the letter and under its own name: editing or renaming it changes every run id
of the tree. That is why it has a module of its own rather than a place in ``trees``,
which holds another operation called ``train``.
"""

from __future__ import annotations

import numpy as np

import metalab


@metalab.operation
def train(params, seeds, capture):
    lr, opt = params["lr"], params["optimizer"]
    rng = seeds.numpy()
    capture.log(f"training with lr={lr} optimizer={opt}")
    loss = 1.0
    for step in range(20):
        loss = loss * (1.0 - min(lr, 0.5) * 0.5) + float(rng.uniform(0, 0.001))
        capture.metric("loss", loss, step=step)
    if lr >= 1.0 and opt == "sgd":
        capture.log("loss is exploding, giving up")
        raise FloatingPointError("loss diverged at step 20")
    capture.metric("final_loss", loss)
    capture.metric("accuracy", float(1.0 - loss / 2))
    capture.metric("converged", loss < 0.01)
    capture.artifact("history", np.linspace(1.0, loss, 20))
    capture.log(f"finished with final_loss={loss:.4g}")
