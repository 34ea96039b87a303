"""The runs tab's export, apart from the dialog: which runs are written, of which
experiment, and writing them to CSV or Parquet.

Why a module of its own: none of it draws anything. ``e`` in
:class:`~tui.browser.runs.tab.RunsPane` opens the
:class:`~tui.browser.runs.export_dialog.ExportDialog` (the pane constructs it, so a test can
pin its folder); with the choice made, the pane picks the rows with
:func:`rows_to_export` and calls :func:`write_runs` on a worker thread, which writes
them with the data layer's ``export_csv``/``export_parquet`` and adds the experiment's
identity to a Parquet file.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from metalab.index import Table, export_csv, export_parquet
from tui.browser.runs.export_dialog import ExportChoice
from tui.browser.state import BrowseState

__all__ = ["export_experiment", "rows_to_export", "write_runs"]


def export_experiment(state: BrowseState) -> str | None:
    """The experiment an export is of: the one in scope, or the only one in the tree."""
    experiment = state.experiment
    if experiment is None and len(state.index.experiments) == 1:
        experiment = state.index.experiments[0].key
    return experiment


def rows_to_export(
    table: Table, rows: np.ndarray, selected: Collection[str], only_selected: bool
) -> np.ndarray:
    """``rows`` (the rows shown), or with ``only_selected`` the selected runs in the
    order shown, then any the filter hides."""
    if not only_selected:
        return rows
    ids = table.run_ids
    in_view = set(rows.tolist())
    shown = [i for i in rows if ids[i] in selected]
    hidden = [i for i in table.all_rows() if ids[i] in selected and i not in in_view]
    return np.array(shown + hidden, dtype=np.intp)


def write_runs(
    index: Any, choice: ExportChoice, table: Table, rows: np.ndarray, experiment: str | None
) -> Path:
    """Write ``rows`` of ``table`` as the dialog chose (with the ``captured_data`` column
    read through ``index``); a Parquet file of an experiment records its id, its number
    of runs and its context fingerprint. Raises ``OSError``, ``ImportError`` (no
    pyarrow) or ``ValueError``."""
    columns: dict[str, Any] = {
        "include_derived": choice.include_derived,
        "index": index,
        "include_data": choice.include_data,
    }
    if choice.fmt == "parquet":
        extra: dict[str, Any] = {}
        if experiment is not None:
            exp = index.experiment(experiment)
            summary = exp.summary()
            extra = {
                "experiment_id": exp.experiment_id,
                "total_runs": summary.total,
                "context_fingerprint": (exp.manifest or {}).get("context_fingerprint"),
            }
        return export_parquet(table, choice.path, rows, **columns, **extra)
    return export_csv(table, choice.path, rows, **columns)
