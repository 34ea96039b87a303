"""Issue 8: ``metalab-tui`` runs ``kind = "dask"`` sweeps from the experiment file.

The sweeps go to a real ``dask scheduler`` with two ``dask worker`` processes started
for this module (``address = ...``), except one that lets metalab start a LocalCluster
(to check ``--workers``). The command runs as a user runs it, as a subprocess.
"""

from __future__ import annotations

import json
import signal
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support.cli_process import (
    calls,
    experiment_toml,
    interrupt_mid_sweep,
    statuses,
    summary_line,
)
from support.cli_process import run_cli as cli
from support.cli_process import write_experiments as write
from support.dask_procs import start_scheduler, start_workers, wait_for_workers

OPS = '''\
"""Operations for the Dask command-line tests; they run on Dask workers."""

import time
from pathlib import Path

import metalab

HERE = Path(__file__).resolve().parent


def _called(name, value):
    with open(HERE / "calls.txt", "a", encoding="utf-8") as fh:
        fh.write(f"{name} {value}\\n")


@metalab.operation
def op(params, context, capture):
    """n loss points; fails for n == context["fail_at"] until the file `fixed` exists."""
    n = params["n"]
    _called("op", n)
    if n == context.get("fail_at") and not (HERE / "fixed").exists():
        raise ValueError(f"boom at n={n}")
    for i in range(n):
        capture.metric("loss", 1 / (i + 1), step=i)


@metalab.operation
def gated(params, capture):
    """k == 0 ends at once; any other k runs until the file `release` exists."""
    k = params["k"]
    _called("gated", k)
    step = 0
    while k and not (HERE / "release").exists():
        capture.metric("loss", 1 / (step + 1), step=step)  # raises once cancelled
        step += 1
        time.sleep(0.01)
'''


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    made = start_scheduler(folder)
    workers = start_workers(made.address, folder, 2)
    wait_for_workers(made.address, {w.address for w in workers})
    yield made.address
    for proc in (*workers, made):
        proc.kill()


def dask_experiment(executor: str, operation: str = "ops:op", grid: str = "n = [1, 2, 3]",
                    context: str = "") -> str:  # fmt: skip
    return experiment_toml(operation=operation, grid=grid, context=context, workers=None,
                           executor=f'kind = "dask"\n{executor}')  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path.resolve()
    (folder / "ops.py").write_text(OPS, encoding="utf-8")
    return folder


def test_no_ui_runs_a_dask_sweep_with_its_exit_code_and_junit_report(project, scheduler):
    write(project, dask_experiment(f'address = "{scheduler}"', context="fail_at = 2"))
    done = cli("--no-ui", "--junit", "report.xml", cwd=project)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "FAIL" in done.stdout and "ValueError: boom at n=2" in done.stdout
    assert summary_line(done.stdout).startswith("demo: 2/3 succeeded (0 resumed), 1 failed")
    tree = project / "experiments" / "demo_1"
    assert statuses(tree, "n") == {1: "success", 2: "failed", 3: "success"}
    for record in (tree / "runs").glob("*.json"):
        provenance = json.loads(record.read_text())["provenance"]
        assert provenance["executor_id"] == "dask"
        assert provenance["extra"]["worker"].startswith("tcp://127.0.0.1:")
    suite = ET.parse(project / "report.xml").getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "1")

    # --json: one event per line, the workers named; a resumed launch runs only n=2
    (project / "fixed").touch()
    again = cli("--no-ui", "--json", cwd=project)
    assert again.returncode == 0, again.stderr
    events = [json.loads(line) for line in again.stdout.splitlines()]
    started = [e for e in events if e["event"] == "run_started"]
    assert [e["params"] for e in started] == [{"n": 2}]
    assert started[0]["worker"].startswith("tcp://127.0.0.1:")
    assert {e["event"] for e in events} >= {"run_skipped", "run_started", "progress",
                                            "run_finished"}  # fmt: skip
    assert calls(project)[-1] == "op 2"


def test_sigint_cancels_a_dask_sweep_and_a_later_launch_resumes_it(project, scheduler):
    write(project, dask_experiment(f'address = "{scheduler}"', operation="ops:gated",
                                   grid="k = [0, 1, 2, 3]"))  # fmt: skip
    tree = project / "experiments" / "demo_1"
    returncode, out, err = interrupt_mid_sweep(tree, project, signal.SIGINT, timeout=60)

    assert returncode == 130, out + err
    assert "Traceback" not in out + err
    assert statuses(tree, "k") == {0: "success", 1: "cancelled", 2: "cancelled", 3: "cancelled"}
    assert summary_line(out).startswith("demo: 1/4 succeeded (0 resumed), 0 failed, 3 cancelled")
    ran_before = len(calls(project))

    (project / "release").touch()
    again = cli("--no-ui", cwd=project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert sorted(calls(project)[ran_before:]) == ["gated 1", "gated 2", "gated 3"]
    assert set(statuses(tree, "k").values()) == {"success"}


def test_an_operation_file_outside_the_project_runs_on_the_workers(tmp_path, scheduler):
    """A file with no importable module name: workers load it from its path."""
    lib = tmp_path / "my-lib"
    lib.mkdir()
    (lib / "train.py").write_text(
        "import metalab\n\n"
        "@metalab.operation\n"
        "def fit(params, capture):\n"
        "    capture.metric('n2', params['n'] ** 2)\n"
    )
    project = tmp_path / "project"
    project.mkdir()
    write(project, dask_experiment(f'address = "{scheduler}"', operation="../my-lib/train.py:fit"))
    done = cli("--no-ui", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    runs = (project / "experiments" / "demo_1" / "runs").glob("*.json")
    records = [json.loads(path.read_text()) for path in runs]
    assert {r["params_resolved"]["n"]: r["metrics"]["n2"] for r in records} == {1: 1, 2: 4, 3: 9}


def test_workers_sets_the_size_of_the_local_cluster(project):
    write(project, dask_experiment("workers = 3"))
    done = cli("--no-ui", "--workers", "1", cwd=project, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    tree = project / "experiments" / "demo_1"
    workers = {json.loads(p.read_text())["provenance"]["extra"]["worker"]
               for p in (tree / "runs").glob("*.json")}  # fmt: skip
    assert len(workers) == 1


def test_workers_that_ran_an_earlier_version_of_the_operation_run_the_edited_one(
    tmp_path, scheduler
):
    """Long-lived workers keep imported modules: an edited operation file (or another
    project's file of the same module name) must not run the old code."""
    project = tmp_path / "edited"
    project.mkdir()
    write(project, dask_experiment(f'address = "{scheduler}"', operation="ops:value",
                                   grid="n = [1, 2]"))  # fmt: skip
    tree = project / "experiments" / "demo_1"
    for version in (1, 2):
        (project / "ops.py").write_text(
            "import metalab\n\n"
            "@metalab.operation\n"
            "def value(params, capture):\n"
            f"    capture.metric('version', {version})\n" + "# edited\n" * version
        )  # a new size too: Python's bytecode cache checks size and mtime (in seconds)
        done = cli("--no-ui", cwd=project)
        assert done.returncode == 0, done.stdout + done.stderr
        records = [json.loads(p.read_text()) for p in (tree / "runs").glob("*.json")]
        latest = {r["metrics"]["version"] for r in records}
        assert version in latest
    assert len(records) == 4  # the edit changed the code hash: new runs, new ids
    assert sorted(r["metrics"]["version"] for r in records) == [1, 1, 2, 2]
