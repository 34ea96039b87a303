"""Exports have the columns of Results.to_dataframe(), for exactly the rows shown."""

from __future__ import annotations

import builtins
import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import metalab
from metalab.index.export import (
    PARQUET_HINT,
    export_columns,
    export_csv,
    export_filename,
    export_parquet,
    export_rows,
)
from metalab.index.filter_language import apply, parse_filter, sort_order
from metalab.index.tree import TreeIndex


def _results_for(path: Path, run_ids: list[str]) -> metalab.Results:
    results = metalab.load_results(path)
    by_id = {r.run_id: r for r in results}
    return metalab.Results(results.store, [by_id[r] for r in run_ids])


@pytest.mark.parametrize("experiment", ["toy_1", "ref_sweep_0.3"])
def test_csv_columns_equal_to_dataframe(trees: Path, tmp_path: Path, experiment: str) -> None:
    index = TreeIndex(trees / experiment)
    table = index.table()
    out = export_csv(table, tmp_path / "all.csv")
    frame = metalab.load_results(trees / experiment).to_dataframe()
    written = pd.read_csv(out, dtype={"run_id": str})
    assert list(written.columns) == list(frame.columns)
    assert written["run_id"].tolist() == frame["run_id"].tolist()
    for column in frame.columns:
        if frame[column].dtype.kind in "if":
            np.testing.assert_allclose(
                written[column].astype(float), frame[column].astype(float), equal_nan=True
            )
    starts = [dt.datetime.fromisoformat(s) for s in written["started_at"]]
    assert starts == [t.to_pydatetime() for t in frame["started_at"]]


def test_filtered_sorted_export_matches_the_same_runs(lib_tree: Path, tmp_path: Path) -> None:
    table = TreeIndex(lib_tree).table()
    idx = sort_order(
        table,
        "metrics.accuracy",
        apply(table, parse_filter("optimizer=sgd", table)),
        descending=True,
    )
    ids = table.run_ids[idx].tolist()
    out = export_csv(table, tmp_path / "some.csv", idx)
    frame = _results_for(lib_tree, ids).to_dataframe()
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(frame.columns)
    assert [r[0] for r in rows[1:]] == ids
    assert {r[2] for r in rows[1:]} == {"success", "failed"}
    assert export_columns(table, idx) == list(frame.columns)


def test_only_failed_runs_have_no_metric_columns(lib_tree: Path) -> None:
    table = TreeIndex(lib_tree).table()
    idx = apply(table, parse_filter("status=failed", table))
    columns, rows = export_rows(table, idx)
    frame = _results_for(lib_tree, table.run_ids[idx].tolist()).to_dataframe()
    assert columns == list(frame.columns)
    assert columns == ["run_id", "experiment_id", "status", "duration_ms", "started_at",
                       "finished_at", "param_lr", "param_optimizer"]  # fmt: skip
    assert len(rows) == 3


def test_nested_params_and_derived(reference_tree: Path, tmp_path: Path) -> None:
    rid = "0" * 16
    (reference_tree / "derived" / f"{rid}.json").parent.mkdir(exist_ok=True)
    (reference_tree / "derived" / f"{rid}.json").write_text(json.dumps({"ratio": 2.5}))
    table = TreeIndex(reference_tree).table()
    frame = metalab.load_results(reference_tree).to_dataframe(include_derived=True)
    columns, rows = export_rows(table, include_derived=True)
    assert columns == list(frame.columns)
    assert "param_model" in columns and "derived_ratio" in columns
    assert rows[0]["param_model"] == {"act": "relu", "depth": 2}
    out = export_csv(table, tmp_path / "nested.csv", include_derived=True)
    written = pd.read_csv(out)
    assert written.loc[0, "param_model"] == str({"act": "relu", "depth": 2})
    assert written.loc[0, "derived_ratio"] == 2.5


def test_parquet_needs_pyarrow(
    lib_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_pyarrow(name: str, *args: object, **kwargs: object) -> object:
        if name.split(".")[0] == "pyarrow":
            raise ImportError("No module named 'pyarrow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(ImportError, match="install it with") as info:
        export_parquet(TreeIndex(lib_tree).table(), tmp_path / "x.parquet")
    assert str(info.value) == PARQUET_HINT
    assert not (tmp_path / "x.parquet").exists()


def test_parquet_export_with_metadata(lib_tree: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    table = TreeIndex(lib_tree).table()
    out = export_parquet(table, tmp_path / "x.parquet", experiment_id="toy:1", total_runs=18)
    read = pq.read_table(out)
    assert read.column_names == list(metalab.load_results(lib_tree).to_dataframe().columns)
    meta = {k.decode(): v.decode() for k, v in read.schema.metadata.items()}
    assert meta["experiment_id"] == "toy:1" and meta["total_runs"] == "18"
    assert meta["experiment_name"] == "toy" and meta["experiment_version"] == "1"
    assert "exported_at" in meta


def test_export_filename() -> None:
    when = dt.datetime(2026, 11, 26, 8, 30, 5)
    assert export_filename("curve_fit:0.1", "csv", when) == "curve_fit_0.1_20261126_083005.csv"
    assert export_filename(None, ".parquet", when) == "runs_20261126_083005.parquet"
