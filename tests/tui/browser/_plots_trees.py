"""The seed's curve_fit tree for the plots tab's tests (imported as ``_plots_trees``).

``examples/curve_fit/run.py``'s 18-run sweep (learning_rate x n_iterations, 3
replicates; a stepped ``loss`` and a ``loss_history`` artifact per run) takes a few
seconds to run, so it is written once per test process into a temporary folder and
copied for each test. Run ids and every number in it come from fixed seeds; only times
vary, and the plots tab shows none. Helpers here read the tree back with plain json and
numpy, so the tests check the tab against numbers computed without ``tui.browse``.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import metalab

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "curve_fit" / "run.py"
FOLDER = "curve_fit_0.1"
LRS = (0.01, 0.05, 0.1)
ITERATIONS = (5000, 10000)
REPLICATES = 3

T975 = {2: 4.302652729911275, 5: 2.570581835636314}
"""Student's t 0.975 quantiles (scipy.stats.t.ppf(0.975, df)), for 95% intervals."""

_BUILT: dict[str, Path] = {}


def _example() -> Any:
    spec = importlib.util.spec_from_file_location("curve_fit_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def curve_fit_master() -> Path:
    """The tree, written once per process (a collection root holding ``curve_fit_0.1``)."""
    if "root" not in _BUILT:
        base = Path(tempfile.mkdtemp(prefix="metalab-plots-"))
        atexit.register(shutil.rmtree, base, ignore_errors=True)
        root = base / "trees"
        metalab.run(
            _example().make_experiment(), store=root, executor=metalab.ThreadExecutor(4)
        ).result()
        for cache in root.rglob(".metalab-index*"):
            cache.unlink()
        _BUILT["root"] = root
    return _BUILT["root"]


def copy_curve_fit(target: Path) -> Path:
    """A private copy of the tree at ``target``; returns the collection root."""
    shutil.copytree(curve_fit_master(), target)
    return target


def records(root: Path) -> list[dict[str, Any]]:
    """Every run record of the tree, by run id."""
    folder = root / FOLDER / "runs"
    return [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))]


def stepped_loss(root: Path, run_id: str) -> tuple[np.ndarray, np.ndarray]:
    """A run's stepped ``loss`` (steps, values), read straight from its JSON file."""
    data = json.loads((root / FOLDER / "results" / run_id / "loss.json").read_text("utf-8"))
    arr = np.asarray(data["data"], dtype=float)
    return arr[:, 0], arr[:, 1]
