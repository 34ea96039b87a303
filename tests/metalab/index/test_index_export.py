"""Exports have the columns of Results.to_dataframe(include_derived=True), for exactly
the rows shown; given the tree, a last ``captured_data`` column holds each run's
``capture.data`` entries as JSON; Parquet keeps the record's times as timestamps."""

from __future__ import annotations

import builtins
import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import metalab
from metalab.index.export import (
    CAPTURED_DATA,
    PARQUET_HINT,
    captured_data,
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
    frame = metalab.load_results(trees / experiment).to_dataframe(include_derived=True)
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
    frame = _results_for(lib_tree, ids).to_dataframe(include_derived=True)
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
    frame = _results_for(lib_tree, table.run_ids[idx].tolist()).to_dataframe(include_derived=True)
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
    columns, rows = export_rows(table)  # derived columns by default, as atlas's export
    assert columns == list(frame.columns)
    assert "param_model" in columns and "derived_ratio" in columns
    assert rows[0]["param_model"] == {"act": "relu", "depth": 2}
    assert export_columns(table, include_derived=False) == list(
        metalab.load_results(reference_tree).to_dataframe().columns
    )
    out = export_csv(table, tmp_path / "nested.csv")
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
    frame = metalab.load_results(lib_tree).to_dataframe(include_derived=True)
    assert read.column_names == list(frame.columns)
    meta = {k.decode(): v.decode() for k, v in read.schema.metadata.items()}
    assert meta["experiment_id"] == "toy:1" and meta["total_runs"] == "18"
    assert meta["experiment_name"] == "toy" and meta["experiment_version"] == "1"
    assert "exported_at" in meta


def test_export_filename() -> None:
    when = dt.datetime(2026, 11, 26, 8, 30, 5)
    assert export_filename("curve_fit:0.1", "csv", when) == "curve_fit_0.1_20261126_083005.csv"
    assert export_filename(None, ".parquet", when) == "runs_20261126_083005.parquet"


# -- captured data and timestamps ------------------------------------------------------------


def _add_data(folder: Path) -> dict[str, dict[str, dict]]:
    """Store capture.data entries for two runs of ``folder`` (as a finished run's capture
    does, through the store), one with a NaN as the reference writes it; returns
    {run id: {name: entry}}."""
    results = metalab.load_results(folder)
    store = results.store
    first, second = [r.run_id for r in results][:2]
    entries = {
        first: {
            "predictions": {"data": [0.5, 1.5, 2.5], "dtype": "float64", "shape": [3],
                            "metadata": {}},
            "meta": {"data": {"source": "probe", "ok": True}, "dtype": None, "shape": None,
                     "metadata": {"note": "é"}},
        },
        second: {"grads": {"data": [[1, 2], [3, 4]], "dtype": "int64", "shape": [2, 2],
                           "metadata": {}}},
    }  # fmt: skip
    for run_id, named in entries.items():
        for name, entry in named.items():
            store.put_result(run_id, name, entry)
    # the reference writes NaN bare (not strict JSON); the export reads it all the same
    raw = '{"data": [1.0, NaN], "dtype": "float64", "shape": [2], "metadata": {}}'
    (store.layout.result(second, "noisy")).write_text(raw, encoding="utf-8")
    entries[second]["noisy"] = {"data": [1.0, float("nan")], "dtype": "float64",
                                "shape": [2], "metadata": {}}  # fmt: skip
    return entries


@pytest.mark.parametrize("experiment", ["toy_1", "ref_sweep_0.3"])
def test_captured_data_column_holds_each_runs_data_entries(
    trees: Path, tmp_path: Path, experiment: str
) -> None:
    folder = trees / experiment
    entries = _add_data(folder)
    index = TreeIndex(trees)
    table = index.table(index.find(next(iter(entries))).key)
    out = export_csv(table, tmp_path / "data.csv", index=index)
    frame = metalab.load_results(folder).to_dataframe(include_derived=True)
    written = pd.read_csv(out, dtype={"run_id": str, CAPTURED_DATA: str}, keep_default_na=False)
    assert list(written.columns) == [*frame.columns, CAPTURED_DATA]
    results = metalab.load_results(folder)
    stepped = {name for run in results for name in run.stepped_names()}
    assert stepped  # both trees have a stepped loss next to the data: it is left out
    for run_id, cell in zip(written["run_id"], written[CAPTURED_DATA], strict=True):
        if run_id not in entries:
            assert cell == ""
            continue
        got = json.loads(cell)
        assert sorted(got) == sorted(entries[run_id])  # no stepped metric among them
        run = next(r for r in results if r.run_id == run_id)
        for name, entry in got.items():
            assert entry["metadata"] == entries[run_id][name]["metadata"]
            want = run.data(name)  # as metalab reads the entry back
            if isinstance(want, np.ndarray):
                np.testing.assert_array_equal(
                    np.asarray(entry["data"], dtype=entry["dtype"]).reshape(entry["shape"]), want
                )
            else:
                assert entry["data"] == want
    assert CAPTURED_DATA not in export_columns(table, index=index, include_data=False)


def test_captured_data_never_follows_a_symlink_out_of_the_tree(
    lib_tree: Path, tmp_path: Path
) -> None:
    # a hostile tree: a data entry, and a whole results folder, that are symlinks to
    # JSON files elsewhere on the machine; the export reads neither
    entries = _add_data(lib_tree)
    first, second = list(entries)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    secret = {"data": "someone else's", "dtype": None, "shape": None, "metadata": {}}
    (outside / "secret.json").write_text(json.dumps(secret), encoding="utf-8")
    results = lib_tree / "results"
    (results / first / "secret.json").symlink_to(outside / "secret.json")
    shutil.rmtree(results / second)
    (results / second).symlink_to(outside, target_is_directory=True)
    index = TreeIndex(lib_tree)
    data = captured_data(index.experiments[0], [first, second])
    assert sorted(json.loads(data[first] or "{}")) == sorted(entries[first])  # not secret
    assert data[second] is None


def test_parquet_times_are_timestamps_and_data_is_text(lib_tree: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    entries = _add_data(lib_tree)
    index = TreeIndex(lib_tree)
    out = export_parquet(index.table(), tmp_path / "x.parquet", index=index)
    read = pq.read_table(out)
    schema = read.schema
    assert schema.field("started_at").type == pa.timestamp("us")
    assert schema.field("finished_at").type == pa.timestamp("us")
    assert schema.field(CAPTURED_DATA).type == pa.string()
    got = read.to_pandas()
    frame = metalab.load_results(lib_tree).to_dataframe(include_derived=True)
    assert list(got.columns) == [*frame.columns, CAPTURED_DATA]
    assert got["run_id"].tolist() == frame["run_id"].tolist()
    for name in ("started_at", "finished_at"):
        want = [t.to_pydatetime() for t in frame[name]]
        assert [t.to_pydatetime() for t in got[name]] == want
    with_data = got[got[CAPTURED_DATA].notna()]
    assert sorted(with_data["run_id"]) == sorted(entries)


def test_parquet_times_with_a_zone_are_utc(reference_tree: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    record_path = sorted((reference_tree / "runs").glob("*.json"))[0]
    record = json.loads(record_path.read_text())
    record["started_at"] = "2026-01-01T12:00:00+02:00"
    record_path.write_text(json.dumps(record))
    out = export_parquet(TreeIndex(reference_tree).table(), tmp_path / "z.parquet")
    read = pq.read_table(out)
    assert read.schema.field("started_at").type == pa.timestamp("us", tz="UTC")
    starts = read.column("started_at").to_pylist()
    row = read.column("run_id").to_pylist().index(record["run_id"])
    assert starts[row] == dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)
