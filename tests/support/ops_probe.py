"""The operation of the run detail and compare tests' probe tree (``probe_1``), verbatim.

Run ids fingerprint the operation's source (metalab's code hash), so this function is
kept to the letter and under its own name: editing or renaming it changes every run id
of the tree. It has a module of its own since the small tree's operation is also called
``probe``.
"""

from __future__ import annotations

import numpy as np

import metalab

PROBE_STEPS = 30


@metalab.operation
def probe(params, seeds, capture):
    lr, width = params["lr"], params["width"]
    rng = seeds.numpy()
    capture.log(f"start lr={lr} width={width}")
    loss = 1.0
    for step in range(PROBE_STEPS):
        loss = loss * (1.0 - min(lr, 0.5) * 0.3) + float(rng.uniform(0, 1e-3))
        capture.metric("loss", loss, step=step)
        capture.metric("acc", 1.0 - loss, step=step)
        if step % 10 == 0:
            capture.log(f"step {step} loss={loss:.4f}")
    if lr >= 1.0:
        capture.log("Loss exploded, giving up")
        raise ValueError(f"lr={lr} is too large")
    capture.metric("final_loss", loss)
    capture.metric("accuracy", 1.0 - loss / 2)
    capture.metric("train_time", 10.0 + width * lr)
    capture.metric("converged", loss < 0.1)
    capture.metric("label", f"w{width}")
    if width == 16:
        capture.artifact("history", np.zeros(3))  # replaced below: the record warns
    capture.artifact("history", np.linspace(1.0, loss, PROBE_STEPS))
    capture.artifact("weights", rng.normal(size=(6, 8)))
    yy, xx = np.mgrid[0:40, 0:60]
    capture.artifact("field", np.sin(xx / 9.0) * np.cos(yy / 7.0) * width)
    capture.artifact("arrays", {"x": np.arange(10.0) * lr, "grid": np.eye(4)})
    capture.artifact(
        "config",
        {
            "lr": lr,
            "width": width,
            "layers": [width, width * 2, 1],
            "optimizer": {"name": "adam", "betas": [0.9, 0.999]},
        },
    )
    capture.artifact("summary", f"lr={lr}\nwidth={width}\nfinal loss {loss:.4f}\n")
    capture.artifact("model", {"opaque": lr}, kind="pickle")
    capture.data("predictions", np.linspace(0.0, 1.0, 7))
    capture.data("meta", {"source": "probe", "ok": True})
    capture.log(f"done: final_loss={loss:.4f}")
