"""Issue 2, point 10: the seed's curve_fit example runs as the seed describes it."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import metalab

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "curve_fit" / "run.py"
TRUE = {"a": 2.5, "b": 1.3, "c": 0.5}


def run_example(cwd: Path) -> str:
    out = subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("curve_fit")
    first = run_example(cwd)
    second = run_example(cwd)  # everything resumes
    return cwd, first, second


def after(text: str, marker: str) -> str:
    return text[text.index(marker) :]


def test_eighteen_successful_runs_in_the_default_store(example):
    cwd, out, _ = example
    assert out.startswith("Running 6 parameter cases x 3 seeds")
    assert re.search(r"Completed in \S+: success=18 failed=0 skipped=0 cancelled=0", out)
    results = metalab.load_results(cwd / "experiments" / "curve_fit_0.1")
    assert len(results) == 18 and len(results.successful) == 18
    combos = sorted((r.params["learning_rate"], r.params["n_iterations"], r.replicate)
                    for r in results)  # fmt: skip
    assert combos == sorted(
        (lr, n, rep) for lr in (0.01, 0.05, 0.1) for n in (5000, 10000) for rep in range(3)
    )
    workers = set(re.findall(r"\] \[metalab\.run\.\w{8}\.(thread:\d+)\]",
                             "".join(r.log for r in results)))  # fmt: skip
    assert 2 <= len(workers) <= 4  # ThreadExecutor(max_workers=4)
    run = results[0]
    steps, values = run.stepped("loss")
    assert len(steps) == run.params["n_iterations"]
    np.testing.assert_allclose(values, run.artifact("loss_history"))
    assert run.metrics["final_loss"] == pytest.approx(values[-1])
    assert run.artifact("fitted_params").shape == (3,)
    assert "Starting optimization with lr=" in run.log


def test_results_table_is_printed(example):
    _, out, _ = example
    table = after(out, "\nResults:\n").splitlines()[2:]
    header = table[0].split()
    assert header == ["run_id", "status", "param_learning_rate", "param_n_iterations",
                      "final_loss"]  # fmt: skip
    rows = [line.split() for line in table[1:19]]
    assert len(rows) == 18
    assert all(row[2] == "success" and re.fullmatch(r"[0-9a-f]{16}", row[1]) for row in rows)


def test_best_run_is_printed_against_the_true_parameters(example):
    cwd, out, _ = example
    match = re.search(
        r"Best run ([0-9a-f]{8}) \(lr=([\d.]+), n_iterations=(\d+)\): final_loss=(\S+)\n"
        r"  a: fitted (\S+)   true 2\.5000\n"
        r"  b: fitted (\S+)   true 1\.3000\n"
        r"  c: fitted (\S+)   true 0\.5000\n",
        out,
    )
    assert match, out
    results = metalab.load_results(cwd / "experiments" / "curve_fit_0.1")
    best = min(results, key=lambda r: r.metrics["final_loss"])
    assert best.run_id.startswith(match[1])
    assert float(match[4]) == pytest.approx(best.metrics["final_loss"], rel=1e-3)
    for value, true in zip(match.groups()[4:], TRUE.values(), strict=True):
        assert abs(float(value) - true) < 0.05


def test_dataframe_grouped_by_learning_rate_is_printed(example):
    _, out, _ = example
    section = after(out, "By learning rate (mean over iterations and seeds):").splitlines()
    assert section[1].split() == ["final_loss", "improvement_ratio", "fitted_a", "fitted_b",
                                  "fitted_c"]  # fmt: skip
    assert section[2].split() == ["param_learning_rate"]
    assert [line.split()[0] for line in section[3:6]] == ["0.01", "0.05", "0.10"]
    for line in section[3:6]:
        final_loss, ratio, a, b, c = map(float, line.split()[1:])
        assert final_loss < 0.01 and ratio > 10
        assert abs(a - 2.5) < 0.1 and abs(b - 1.3) < 0.1 and abs(c - 0.5) < 0.1


def test_reducer_dataframe_has_the_reference_columns(example):
    pytest.importorskip("pandas")
    cwd, _, _ = example
    spec = importlib.util.spec_from_file_location("curve_fit_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = metalab.load_results(cwd / "experiments" / "curve_fit_0.1")
    df = results.to_dataframe(artifact_reducers={
        "loss_history": module.loss_reducer, "fitted_params": module.params_reducer,
    })  # fmt: skip
    assert df.shape == (18, 16)
    assert list(df.columns) == [
        "run_id", "experiment_id", "status", "duration_ms", "started_at", "finished_at",
        "param_learning_rate", "param_n_iterations", "final_loss", "iterations_to_converge",
        "initial_loss", "final_loss_check", "improvement_ratio", "fitted_a", "fitted_b",
        "fitted_c",
    ]  # fmt: skip


def test_a_second_run_resumes_and_prints_the_same_numbers(example):
    _, first, second = example
    assert re.search(r"Completed in \S+: success=0 failed=0 skipped=18 cancelled=0", second)
    assert after(second, "\nResults:\n") == after(first, "\nResults:\n")
