"""Issue 2, point 6 (results): Results, Run and load_results."""

from __future__ import annotations

import csv
import math
import warnings

import numpy as np
import pytest

import metalab


@metalab.operation
def train(params, seeds, capture):
    lr, depth = params["lr"], params["depth"]
    capture.log(f"lr={lr} depth={depth}")
    capture.metric("acc", round(1 - lr * depth, 6))
    capture.metric("final_loss", round(lr * depth + seeds.replicate_index * 0.001, 6))
    if depth != 3:
        capture.artifact("history", np.array([1.0, 0.5, lr * depth]))
    if lr == 0.1 and depth == 4:
        raise RuntimeError("diverged")


def experiment(name="res", tags=("baseline",)):
    return metalab.Experiment(
        name, "1", {}, train, metalab.grid(lr=[0.01, 0.1], depth=[2, 4]),
        metalab.seeds(base=1, replicates=2), tags=list(tags),
    )  # fmt: skip


@pytest.fixture
def results(store):
    return metalab.run(experiment(), store=store).result()


def test_collection_basics(results):
    assert len(results) == 8
    assert isinstance(results[0], metalab.Run)
    assert isinstance(results[1:3], metalab.Results) and len(results[1:3]) == 2
    assert [r.run_id for r in results] == [r.run_id for r in results.runs]
    assert repr(results) == "Results(8 runs: failed=2, success=6)"
    assert len(results.successful) == 6 and len(results.failed) == 2
    assert all(r.status == "success" for r in results.successful)
    assert {r.params["lr"] for r in results.failed} == {0.1}
    assert results.get(results[3].run_id[:6]) is results[3]
    with pytest.raises(KeyError):
        results.get("zzzz")


def test_run_accessors(results):
    run = results.filter(params={"lr": 0.01, "depth": 2}, where=lambda r: r.replicate == 1)[0]
    assert len(run.run_id) == 16
    assert run.status is metalab.Status.SUCCESS and run.status == "success"
    assert run.params == {"depth": 2, "lr": 0.01}
    assert run.metrics == {"acc": 0.98, "final_loss": 0.021}
    np.testing.assert_allclose(run.artifact("history"), [1.0, 0.5, 0.02])
    assert "lr=0.01 depth=2" in run.log
    assert run.experiment_id == "res:1"
    assert run.started_at <= run.finished_at
    assert repr(run) == f"Run({run.run_id[:8]}..., status=success)"
    run.metrics["acc"] = 0  # copies: the record is not changed
    assert run.metrics["acc"] == 0.98


def test_filter_on_params_metrics_status_and_predicates(results):
    assert len(results.filter(params={"lr": 0.1})) == 4
    assert len(results.filter(lr=0.1)) == 4  # a bare keyword falls back to params
    assert len(results.filter(lr=0.1, depth=2)) == 2
    assert len(results.filter(params={"depth": [2, 3]})) == 4  # a list of accepted values
    assert len(results.filter(params={"lr": lambda v: v < 0.05})) == 4
    assert len(results.filter(metrics={"final_loss": lambda v: v < 0.1})) == 4
    assert len(results.filter(acc=0.96)) == 2  # a bare keyword looks in metrics first
    assert len(results.filter(status="failed")) == 2
    assert len(results.filter(status=metalab.Status.SUCCESS)) == 6
    assert len(results.filter(status=["failed", "success"])) == 8
    assert len(results.filter(status="success", lr=0.1)) == 2
    assert len(results.filter(where=lambda r: r.replicate == 0)) == 4
    assert len(results.filter(tags=["baseline"])) == 8
    assert len(results.filter(nonexistent=1)) == 0
    assert len(results.filter(params={"lr": 0.1}).filter(depth=4).failed) == 2


def test_table_has_param_columns(results):
    rows = results.table()
    assert len(rows) == 8
    row = rows[0]
    assert {"run_id", "experiment_id", "status", "duration_ms", "started_at", "finished_at",
            "param_depth", "param_lr", "acc", "final_loss"} <= set(row)  # fmt: skip
    assert row["status"] == "success" and isinstance(row["started_at"], str)
    pytest.importorskip("pandas")
    df = results.table(as_dataframe=True)
    assert df.shape[0] == 8
    assert list(df["param_lr"]) == [r.params["lr"] for r in results]


def test_to_dataframe_columns_in_the_reference_order(results):
    pytest.importorskip("pandas")

    def by_array(history):
        return {"first": float(history[0]), "last": float(history[-1])}

    def with_run(history, run):
        return {"lr_times_len": run.params["lr"] * len(history)}

    df = results.to_dataframe(artifact_reducers={"history": by_array})
    assert list(df.columns) == [
        "run_id", "experiment_id", "status", "duration_ms", "started_at", "finished_at",
        "param_depth", "param_lr", "acc", "final_loss", "first", "last",
    ]  # fmt: skip
    assert df.shape == (8, 12)
    assert list(df["last"]) == pytest.approx([r.params["lr"] * r.params["depth"] for r in results])

    df2 = results.successful.to_dataframe(artifact_reducers={"history": with_run})
    assert list(df2.columns)[-1] == "lr_times_len"
    expected = [r.params["lr"] * 3 for r in results.successful]
    assert list(df2["lr_times_len"]) == pytest.approx(expected)
    means = df.groupby("param_lr")["final_loss"].mean()
    assert list(means.index) == [0.01, 0.1]

    narrow = results.to_dataframe(include_record=False, include_metrics=False)
    assert list(narrow.columns) == ["param_depth", "param_lr"]


def test_reducer_problems_do_not_lose_rows(store):
    pytest.importorskip("pandas")

    @metalab.operation
    def op(params, capture):
        if params["k"] != 1:
            capture.artifact("a", np.arange(3) + params["k"])

    exp = metalab.Experiment("reduce", "1", {}, op, metalab.grid(k=[0, 1, 2]), metalab.seeds(0))
    res = metalab.run(exp, store=store).result()

    def picky(arr):
        if arr[0] == 2:
            raise ValueError("no")
        return {"head": int(arr[0])}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = res.to_dataframe(artifact_reducers={"a": picky})
    assert len(df) == 3
    assert df.loc[0, "head"] == 0
    assert math.isnan(df.loc[1, "head"])  # no artifact: left empty
    assert math.isnan(df.loc[2, "head"])  # reducer failed: a warning, the row stays
    assert any("no" in str(w.message) for w in caught)


def test_to_csv(results, tmp_path):
    path = results.to_csv(tmp_path / "out.csv")
    assert path == tmp_path / "out.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 8
    assert {"run_id", "status", "param_lr", "param_depth", "acc"} <= set(rows[0])
    assert "params_fingerprint" not in rows[0]
    assert [float(r["param_lr"]) for r in rows] == [r.params["lr"] for r in results]

    folder = results.to_csv(tmp_path / "folder")
    assert folder == tmp_path / "folder" / "results.csv"
    with open(results.to_csv(tmp_path / "fp.csv", include_fingerprints=True), newline="") as fh:
        assert "params_fingerprint" in next(csv.DictReader(fh))
    stamped = results.to_csv(tmp_path / "stamped", timestamp=True)
    assert stamped.name.startswith("results_") and stamped.suffix == ".csv"


def test_summary(results):
    summary = results.summary()
    assert summary["total_runs"] == 8
    assert summary["by_status"] == {"success": 6, "failed": 2}
    durations = [r.duration_ms for r in results]
    assert summary["min_duration_ms"] == min(durations)
    assert summary["max_duration_ms"] == max(durations)
    assert summary["avg_duration_ms"] == pytest.approx(sum(durations) / 8)


def test_load_results_on_an_experiment_folder_and_a_collection_root(results, store):
    metalab.run(experiment("second", tags=()), store=store).result()
    one = metalab.load_results(store / "res_1")
    assert sorted(r.run_id for r in one) == sorted(r.run_id for r in results)
    loaded = one.get(results[0].run_id)
    assert loaded.metrics == results[0].metrics
    np.testing.assert_array_equal(loaded.artifact("history"), results[0].artifact("history"))

    both = metalab.load_results(store)
    assert len(both) == 16
    assert {r.experiment_id for r in both} == {"res:1", "second:1"}
    only = metalab.load_results(store, experiment_id="second:1")
    assert len(only) == 8 and {r.experiment_id for r in only} == {"second:1"}
    assert sorted(p.name for p in store.iterdir()) == ["res_1", "second_1"]

    with pytest.raises(FileNotFoundError):
        metalab.load_results(store / "missing")


def test_load_results_while_empty(tmp_path):
    empty = tmp_path / "nothing_here"
    empty.mkdir()
    assert len(metalab.load_results(empty)) == 0
