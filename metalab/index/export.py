"""Export the rows on screen (filtered, in their shown order) to CSV or Parquet.

The columns are those of ``metalab.Results.to_dataframe(include_derived=True)`` for
the same runs, in the same order: ``run_id, experiment_id, status, duration_ms,
started_at, finished_at``, then ``param_<key>`` per top-level param, then one column
per metric, then ``derived_<key>`` per derived metric (``derived/<run_id>.json``; on
by default, as in atlas's export), each the union over the rows in first-seen order,
as pandas builds a frame from dict rows. So a CSV from the browser and one from a
notebook line up. Unlike atlas, which always exports the whole experiment, this
exports the current filter and sort.

Given the tree's :class:`~metalab.index.tree.TreeIndex`, a last column,
``captured_data``, holds each run's ``capture.data`` entries as one JSON object
(``{name: {"data", "dtype", "shape", "metadata"}}``, keys sorted; empty for a run
with none), as atlas's export does. Stepped metrics, which the tree keeps beside
them, are left out: they are curves (the plots tab exports those) and would make
every row as long as a training run.

The rows are rebuilt from the index's :class:`~metalab.index.tree.RunRow`, which keeps
each record's own param and metric dicts: nothing but the data entries is re-read
from disk. A CSV holds times as ISO text (as ``Results.to_csv`` does); a Parquet file
holds them as timestamps (naive, as the records write them; in UTC when a record
gives a time zone). A running run's duration is 0, as ``RunRecord`` reads it. Parquet
needs pyarrow (not a dependency); its schema metadata carries the experiment id, name
and version, total runs and the export time, as atlas's does.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from metalab.index.tree import ExperimentIndex, RunRow, Table, TreeIndex
from metalab.store import atomic
from metalab.store.bounds import inside_tree
from metalab.store.layout import decode_name

__all__ = [
    "CAPTURED_DATA",
    "PARQUET_HINT",
    "RECORD_COLUMNS",
    "captured_data",
    "export_columns",
    "export_csv",
    "export_filename",
    "export_parquet",
    "export_rows",
    "run_data_json",
]

RECORD_COLUMNS = ("run_id", "experiment_id", "status", "duration_ms", "started_at", "finished_at")
"""The leading columns of ``Results.to_dataframe()``."""
TIME_COLUMNS = ("started_at", "finished_at")
CAPTURED_DATA = "captured_data"
"""The column holding each run's ``capture.data`` entries as JSON (atlas's name)."""
_STEPPED_TAIL = 256
"""Bytes read from the end of a data file to tell a sealed stepped metric without
parsing it (its ``"metadata": {"type": "stepped_metric"}`` comes last)."""

PARQUET_HINT = (
    "Parquet export needs pyarrow, which is not installed: install it with "
    "`uv pip install pyarrow` (or `pip install pyarrow`), or export CSV instead"
)


def _entry(path: Path) -> dict[str, Any] | None:
    """A data file's entry, or None for a stepped metric (or a file that is not one)."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - _STEPPED_TAIL))
            if b'"stepped_metric"' in fh.read():
                return None
            fh.seek(0)
            entry = json.loads(fh.read())
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict):
        return None
    meta = entry.get("metadata")
    if isinstance(meta, dict) and meta.get("type") == "stepped_metric":
        return None
    return entry


def run_data_json(results_dir: Path, within: str | os.PathLike[str] | None = None) -> str | None:
    """The ``capture.data`` entries in a run's ``results/<run_id>`` folder as one JSON
    object text, keys sorted (None when there are none). Live streams (``.jsonl``) and
    sealed stepped metrics are curves, not data, and are left out. With ``within`` (the
    experiment's folder), the folder or a file that leads out of it, symlinks followed,
    is left out unread."""
    if within is not None and not inside_tree(within, results_dir):
        return None
    try:
        files = sorted(p for p in results_dir.iterdir() if p.suffix == ".json")
    except OSError:
        return None
    payload: dict[str, Any] = {}
    for path in files:
        if path.name.startswith(".") or (within is not None and not inside_tree(within, path)):
            continue
        entry = _entry(path)
        if entry is not None:
            payload[decode_name(path.stem)] = entry
    if not payload:
        return None
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)


def captured_data(
    index: TreeIndex | ExperimentIndex, run_ids: Iterable[str]
) -> dict[str, str | None]:
    """``{run id: its capture.data entries as JSON text, or None}`` for ``run_ids``."""
    experiments = [index] if isinstance(index, ExperimentIndex) else index.experiments
    folders: dict[str, ExperimentIndex] = {}
    for exp in experiments:
        folders.update((rid, exp) for rid in exp.table.run_ids.tolist())
    out: dict[str, str | None] = {}
    for run_id in run_ids:
        exp = folders.get(run_id)
        out[run_id] = (
            run_data_json(exp.path / "results" / run_id, within=exp.real_path)
            if exp is not None
            else None
        )
    return out


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
    include_derived: bool = True,
    index: TreeIndex | ExperimentIndex | None = None,
    include_data: bool = True,
) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, rows) for the runs ``indices`` of ``table`` (default: all, in order).

    With ``index`` (the tree ``table`` came from) and ``include_data``, the rows end
    with :data:`CAPTURED_DATA`, read from the runs' ``results/`` folders."""
    runs = [table.rows[i] for i in _indices(table, indices)]
    rows = [_row(run, include_derived) for run in runs]
    columns: dict[str, None] = dict.fromkeys(RECORD_COLUMNS)
    for row in rows:
        columns.update(dict.fromkeys(row))
    if index is not None and include_data:
        data = captured_data(index, [run.run_id for run in runs])
        for run, row in zip(runs, rows, strict=True):
            row[CAPTURED_DATA] = data.get(run.run_id)
        columns[CAPTURED_DATA] = None
    return list(columns), rows


def export_columns(
    table: Table,
    indices: Sequence[int] | np.ndarray | None = None,
    *,
    include_derived: bool = True,
    index: TreeIndex | ExperimentIndex | None = None,
    include_data: bool = True,
) -> list[str]:
    """Just the column names an export of these rows would have."""
    return export_rows(table, indices, include_derived=include_derived, index=index,
                       include_data=include_data)[0]  # fmt: skip


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return str(value)  # as pandas writes an object cell
    return value


def export_csv(
    table: Table,
    path: str | os.PathLike[str],
    indices: Sequence[int] | np.ndarray | None = None,
    *,
    include_derived: bool = True,
    index: TreeIndex | ExperimentIndex | None = None,
    include_data: bool = True,
) -> Path:
    """Write the rows as CSV (missing values empty); returns the path written."""
    columns, rows = export_rows(table, indices, include_derived=include_derived, index=index,
                                include_data=include_data)  # fmt: skip
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic.replacing(target) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
    return target


def _timestamps(pa: Any, values: list[Any]) -> Any:
    """ISO times as an Arrow timestamp column: naive when every time is (as metalab
    writes them), else all in UTC (a naive time read as local, as the index reads it)."""
    times = [_dt.datetime.fromisoformat(v) if isinstance(v, str) and v else None for v in values]
    if all(t is None or t.tzinfo is None for t in times):
        return pa.array(times, type=pa.timestamp("us"))
    utc = [None if t is None else t.astimezone(_dt.UTC) for t in times]
    return pa.array(utc, type=pa.timestamp("us", tz="UTC"))


def _arrow_column(pa: Any, values: list[Any], name: str = "") -> Any:
    """An Arrow array (timestamps for the record's times), falling back to text for
    columns that mix types."""
    if name in TIME_COLUMNS:
        try:
            return _timestamps(pa, values)
        except (ValueError, OverflowError):
            pass  # a time that does not parse: the column stays text
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def export_parquet(
    table: Table,
    path: str | os.PathLike[str],
    indices: Sequence[int] | np.ndarray | None = None,
    *,
    include_derived: bool = True,
    index: TreeIndex | ExperimentIndex | None = None,
    include_data: bool = True,
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
    columns, rows = export_rows(table, indices, include_derived=include_derived, index=index,
                                include_data=include_data)  # fmt: skip
    arrays = [_arrow_column(pa, [_cell(r.get(c)) for r in rows], c) for c in columns]
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
    with atomic.replacing(target) as tmp:
        pq.write_table(arrow, tmp)
    return target


def export_filename(experiment_id: str | None, fmt: str, now: _dt.datetime | None = None) -> str:
    """``<experiment id, ':' as '_'>_<YYYYmmdd_HHMMSS>.<fmt>`` (``runs_...`` for several)."""
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d_%H%M%S")
    base = (experiment_id or "runs").replace(":", "_").replace(os.sep, "_")
    return f"{base}_{stamp}.{fmt.lstrip('.')}"
