"""Export the rows on screen (filtered, in their shown order) to CSV or Parquet.

The columns are exactly those of ``metalab.Results.to_dataframe()`` for the same runs,
in the same order: ``run_id, experiment_id, status, duration_ms, started_at,
finished_at``, then ``param_<key>`` per top-level param, then one column per metric
(and ``derived_<key>`` with ``include_derived``), each the union over the rows in
first-seen order, as pandas builds a frame from dict rows. So a CSV from the browser
and one from a notebook line up. Unlike atlas, which always exports the whole
experiment, this exports the current filter and sort.

The rows are rebuilt from the index's :class:`~metalab.index.tree.RunRow`, which keeps
each record's own param and metric dicts: nothing is re-read from disk. Times are
written as ISO text (as ``Results.to_csv`` does); a running run's duration is 0, as
``RunRecord`` reads it. Parquet needs pyarrow (not a dependency); its schema metadata
carries the experiment id, name and version, total runs and the export time, as
atlas's does.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from metalab.index.tree import RunRow, Table

__all__ = [
    "PARQUET_HINT",
    "RECORD_COLUMNS",
    "export_columns",
    "export_csv",
    "export_filename",
    "export_parquet",
    "export_rows",
]

RECORD_COLUMNS = ("run_id", "experiment_id", "status", "duration_ms", "started_at", "finished_at")
"""The leading columns of ``Results.to_dataframe()``."""

PARQUET_HINT = (
    "Parquet export needs pyarrow, which is not installed: install it with "
    "`uv pip install pyarrow` (or `pip install pyarrow`), or export CSV instead"
)


def _row(run: RunRow, include_derived: bool) -> dict[str, Any]:
    """What ``Results.rows()`` gives for this run (times as ISO text)."""
    row: dict[str, Any] = {
        "run_id": run.run_id,
        "experiment_id": run.experiment_id,
        "status": run.status,
        "duration_ms": int(run.duration_ms or 0),
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }
    row.update({f"param_{k}": v for k, v in run.params.items()})
    row.update(run.metrics)
    if include_derived:
        row.update({f"derived_{k}": v for k, v in run.derived.items()})
    return row


def _indices(table: Table, indices: Sequence[int] | np.ndarray | None) -> list[int]:
    if indices is None:
        return list(range(table.n))
    return [int(i) for i in np.asarray(indices).tolist()]


def export_rows(
    table: Table,
    indices: Sequence[int] | np.ndarray | None = None,
    *,
    include_derived: bool = False,
) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, rows) for the runs ``indices`` of ``table`` (default: all, in order)."""
    rows = [_row(table.rows[i], include_derived) for i in _indices(table, indices)]
    columns: dict[str, None] = dict.fromkeys(RECORD_COLUMNS)
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns), rows


def export_columns(
    table: Table,
    indices: Sequence[int] | np.ndarray | None = None,
    *,
    include_derived: bool = False,
) -> list[str]:
    """Just the column names an export of these rows would have."""
    return export_rows(table, indices, include_derived=include_derived)[0]


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return str(value)  # as pandas writes an object cell
    return value


def export_csv(
    table: Table,
    path: str | os.PathLike[str],
    indices: Sequence[int] | np.ndarray | None = None,
    *,
    include_derived: bool = False,
) -> Path:
    """Write the rows as CSV (missing values empty); returns the path written."""
    columns, rows = export_rows(table, indices, include_derived=include_derived)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in columns])
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _arrow_column(pa: Any, values: list[Any]) -> Any:
    """An Arrow array, falling back to text for columns that mix types."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def export_parquet(
    table: Table,
    path: str | os.PathLike[str],
    indices: Sequence[int] | np.ndarray | None = None,
    *,
    include_derived: bool = False,
    experiment_id: str | None = None,
    total_runs: int | None = None,
    context_fingerprint: str | None = None,
) -> Path:
    """Write the rows as Parquet with atlas-like schema metadata.

    Raises:
        ImportError: pyarrow is not installed (the message says how to install it).
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError(PARQUET_HINT) from exc
    columns, rows = export_rows(table, indices, include_derived=include_derived)
    arrays = [_arrow_column(pa, [_cell(r.get(c)) for r in rows]) for c in columns]
    eids = sorted({r["experiment_id"] for r in rows})
    eid = experiment_id or (eids[0] if len(eids) == 1 else ",".join(eids))
    name, _, version = eid.partition(":")
    metadata = {
        "experiment_id": eid,
        "experiment_name": name,
        "experiment_version": version,
        "total_runs": str(total_runs if total_runs is not None else len(rows)),
        "exported_rows": str(len(rows)),
        "exported_at": _dt.datetime.now().isoformat(timespec="seconds"),
        "exported_by": "metalab-tui browse",
    }
    if context_fingerprint:
        metadata["context_fingerprint"] = context_fingerprint
    arrow = pa.Table.from_arrays(arrays, names=columns).replace_schema_metadata(metadata)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    try:
        pq.write_table(arrow, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def export_filename(experiment_id: str | None, fmt: str, now: _dt.datetime | None = None) -> str:
    """``<experiment id, ':' as '_'>_<YYYYmmdd_HHMMSS>.<fmt>`` (``runs_...`` for several)."""
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d_%H%M%S")
    base = (experiment_id or "runs").replace(":", "_").replace(os.sep, "_")
    return f"{base}_{stamp}.{fmt.lstrip('.')}"
