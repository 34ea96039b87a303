"""The seed's curve_fit tree for the plots tab's tests (imported as ``_plots_trees``),
from ``support.trees``: ``examples/curve_fit``'s 18-run sweep (learning_rate x
n_iterations, 3 replicates), written once per test process and copied for each test,
with helpers that read it back with plain json and numpy."""

from __future__ import annotations

from support.trees import CURVE_FIT_EXAMPLE as EXAMPLE
from support.trees import CURVE_FIT_FOLDER as FOLDER
from support.trees import CURVE_FIT_ITERATIONS as ITERATIONS
from support.trees import CURVE_FIT_LRS as LRS
from support.trees import CURVE_FIT_REPLICATES as REPLICATES
from support.trees import T975, copy_curve_fit, curve_fit_master
from support.trees import curve_fit_loss as stepped_loss
from support.trees import curve_fit_records as records

__all__ = [
    "EXAMPLE",
    "FOLDER",
    "ITERATIONS",
    "LRS",
    "REPLICATES",
    "T975",
    "copy_curve_fit",
    "curve_fit_master",
    "records",
    "stepped_loss",
]
