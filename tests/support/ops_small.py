"""The operations of the browser tests' small tree and reference sweep, verbatim.

Run ids fingerprint the operation's source (metalab's code hash) and the browser's
snapshots show those ids, so these functions are kept to the letter and under their own
names: editing or renaming one changes the trees' run ids and every snapshot of them.
"""

from __future__ import annotations

import numpy as np

import metalab


@metalab.operation
def train(params, seeds, capture):
    """A toy training run: a decaying loss, metrics, an artifact of each kind, logs."""
    lr, opt = params["lr"], params["optimizer"]
    rng = seeds.numpy()
    capture.log(f"training with lr={lr} optimizer={opt}")
    loss = 1.0
    losses = []
    for step in range(20):
        loss = loss * (1.0 - min(lr, 0.5) * 0.5) + float(rng.uniform(0, 0.001))
        losses.append(loss)
        capture.metric("loss", loss, step=step)
    if lr >= 1.0 and opt == "sgd":
        capture.log("loss is exploding, giving up", level="error")
        raise FloatingPointError("loss diverged at step 20")
    capture.metric("final_loss", loss)
    capture.metric("accuracy", float(1.0 - loss / 2))
    capture.metric("converged", loss < 0.01)
    capture.metric("best_step", int(np.argmin(losses)))
    capture.artifact("history", np.asarray(losses))
    capture.artifact("weights", rng.normal(size=(4, 3)))
    capture.artifact("curves", {"train": np.asarray(losses), "val": np.asarray(losses) * 1.1})
    capture.artifact("config", {"lr": lr, "optimizer": opt, "layers": [8, 4]})
    capture.artifact("summary", f"lr={lr} optimizer={opt}\nfinal loss {loss:.4f}\n")
    capture.data("grad_norms", np.asarray(losses[:5]) * 0.5)
    capture.log(f"finished with final_loss={loss:.4g}")


@metalab.operation
def probe(params, seeds, capture):
    """A probe over random params: one scalar, and a failure for depth 1."""
    capture.log(f"probing alpha={params['alpha']:.3f} depth={params['depth']}")
    if params["depth"] == 1:
        raise ValueError("depth 1 is too shallow")
    capture.metric("score", float(params["alpha"] * params["depth"]))
    capture.metric("label", f"d{params['depth']}")
