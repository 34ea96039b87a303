"""``metalab-tui`` run as a user or a CI job runs it: a subprocess, its output, exit code and files.

Each test writes a tiny operation module (``ops.py``) and an experiment file into its own
``tmp_path`` and runs the installed ``metalab-tui`` command there, so nothing here depends
on the current directory or on another test. The operations that must be caught mid-run
wait for a file the test creates (never for a fixed sleep), so the tests are quick and do
not depend on the machine's speed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.cli_ops import OPS
from support.cli_process import (
    by_param,
    calls,
    environment,
    interrupt_mid_sweep,
    poll,
    records,
    statuses,
    summary_line,
)
from support.cli_process import (
    experiment_toml as experiment,
)
from support.cli_process import run_cli as cli
from support.cli_process import start_cli as start
from support.cli_process import (
    write_experiments as write,
)

from tui.headless.runner import _DeferredInterrupt

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder holding ``ops.py``; tests add the experiment file."""
    folder = tmp_path.resolve()  # the paths metalab-tui prints are resolved
    (folder / "ops.py").write_text(OPS, encoding="utf-8")
    return folder


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stdout, result.stdout
    assert "Traceback" not in result.stderr, result.stderr


def snapshot(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --- a successful sweep -------------------------------------------------------------------


def test_no_ui_success_prints_each_run_and_writes_the_tree(project: Path):
    path = write(project, experiment(workers=2))
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()

    result = cli(path, "--no-ui", cwd=elsewhere)  # the store is relative to the file, not cwd

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    no_traceback(result)
    tree = project / "experiments" / "demo_1"
    assert not (elsewhere / "experiments").exists()
    runs = by_param(tree, "n")
    assert sorted(runs) == [1, 2, 3]
    assert {r["status"] for r in runs.values()} == {"success"}
    assert sorted(calls(project)) == ["op 1", "op 2", "op 3"]

    lines = result.stdout.splitlines()
    assert lines[0] == f"== demo 1: demo_1 -> {project / 'experiments'}"
    table = next(i for i, line in enumerate(lines) if line.split()[:1] == ["run"])
    assert lines[table].split() == ["run", "n", "rep", "status", "loss", "time"]
    rows = {line.split()[0]: line.split() for line in lines[table + 1 : table + 4]}
    assert set(rows) == {r["run_id"][:8] for r in runs.values()}, result.stdout
    for n, record in runs.items():
        row = rows[record["run_id"][:8]]
        assert row[1:4] == [str(n), "0", "success"]
        assert row[4] == f"{1 / n:.4g}"  # the stepped loss's last value
    assert lines[table - 1].startswith("[demo] 3/3 (100%) ok=3 fail=0 skip=0 running=0")
    assert summary_line(result.stdout).startswith(
        "demo: 3/3 succeeded (0 resumed), 0 failed, 0 cancelled in "
    )
    assert summary_line(result.stdout).endswith(f"; results in {tree}")
    assert (tree / "results" / runs[3]["run_id"] / "loss.json").is_file()


def test_the_tree_keeps_a_copy_of_the_definition_that_loads_back_to_the_same_runs(
    project: Path,
):
    path = write(project, experiment(context="fail_at = 99", extra='description = "d"\n'))
    assert cli("--no-ui", cwd=project).returncode == 0

    manifests = sorted((project / "experiments" / "demo_1" / "experiments").iterdir())
    assert [p.suffix for p in manifests] == [".json", ".toml"]
    assert manifests[0].stem == manifests[1].stem  # the definition sits beside its manifest
    script = (
        "import json, sys\n"
        "from metalab.config import load_experiments\n"
        "from metalab.runner import plan_runs\n"
        "out = []\n"
        "for path in sys.argv[1:]:\n"
        "    (spec,) = load_experiments(path)\n"
        "    ids = [p.run_id for p in plan_runs(spec.experiment)]\n"
        "    out.append({'table': spec.table, 'ids': ids, 'id': spec.experiment.experiment_id})\n"
        "print(json.dumps(out))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script, str(manifests[1]), str(path)], cwd=project,
        env=environment(), capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    copy, original = json.loads(loaded.stdout)
    assert copy == original
    assert len(copy["ids"]) == 3
    assert sorted(copy["ids"]) == sorted(r["run_id"] for r in records(manifests[0].parents[1]))


def test_elapsed_time_and_counts_cover_the_whole_sweep(project: Path):
    # one worker: the first run ends before the second is seen, which must not look
    # like the end of the sweep (the total is known from the start)
    cases = "[[experiment.cases]]\nseconds = 0\n\n[[experiment.cases]]\nseconds = 0.8\n"
    text = experiment(operation="ops:timed").replace("[experiment.grid]\nn = [1, 2, 3]\n", cases)
    write(project, text)

    result = cli("--no-ui", cwd=project)

    assert result.returncode == 0, result.stderr
    status = [line for line in result.stdout.splitlines() if line.startswith("[demo] ")]
    assert all(re.match(r"\[demo\] \d+/2 ", line) for line in status), result.stdout
    seconds = re.search(r" cancelled in (\d+)s;", summary_line(result.stdout))
    assert seconds is not None and int(seconds.group(1)) >= 1, result.stdout


# --- failures -----------------------------------------------------------------------------


def test_a_failing_run_is_reported_and_the_others_succeed(project: Path):
    write(project, experiment(context="fail_at = 2"))

    result = cli("--no-ui", cwd=project)

    assert result.returncode == 1
    assert result.stderr == ""
    no_traceback(result)
    tree = project / "experiments" / "demo_1"
    assert statuses(tree, "n") == {1: "success", 2: "failed", 3: "success"}
    failed = by_param(tree, "n")[2]
    lines = result.stdout.splitlines()
    fail_line = f"FAIL {failed['run_id'][:12]} n=2: ValueError: boom at n=2"
    assert fail_line in lines
    table = next(i for i, line in enumerate(lines) if line.split()[:1] == ["run"])
    assert lines.index(fail_line) < table
    assert summary_line(result.stdout).startswith(
        "demo: 2/3 succeeded (0 resumed), 1 failed, 0 cancelled"
    )
    assert "Traceback" in failed["error"]["traceback"]  # kept in the tree, not printed


def test_the_failure_line_is_printed_while_the_sweep_still_runs(project: Path):
    # k=1 fails at once; k=2 (next, one worker) runs until the test creates `release`
    write(project, experiment(operation="ops:gated", grid="k = [1, 2]", context="fail_at = 1"))
    proc = start("--no-ui", cwd=project)
    try:
        assert proc.stdout is not None
        lines = []
        while not (lines and lines[-1].startswith("FAIL ")):
            line = proc.stdout.readline()
            assert line, f"the output ended without a FAIL line: {lines}"
            lines.append(line.rstrip("\n"))
        assert lines[-1].endswith(": ValueError: gate 1 refused")
        assert proc.poll() is None, "the failure must be printed as it happens"
        tree = project / "experiments" / "demo_1"
        poll(lambda: statuses(tree, "k").get(2) == "running", "k=2 to run")
    finally:
        (project / "release").touch()
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    assert statuses(tree, "k") == {1: "failed", 2: "success"}
    assert "Traceback" not in out + err


def test_fail_fast_stops_at_the_first_failure(project: Path):
    # one worker, in order: k=0 succeeds, k=1 fails, k=2 and k=3 would run until `release`
    write(
        project,
        experiment(operation="ops:gated", grid="k = [0, 1, 2, 3]", context="fail_at = 1"),
        experiment("later", operation="ops:op"),
    )

    result = cli("--no-ui", "--fail-fast", "--junit", "report.xml", cwd=project)

    assert result.returncode == 1, result.stderr
    no_traceback(result)
    tree = project / "experiments" / "demo_1"
    assert statuses(tree, "k") == {0: "success", 1: "failed", 2: "cancelled", 3: "cancelled"}
    assert "gated 3" not in calls(project)
    assert summary_line(result.stdout).startswith(
        "demo: 1/4 succeeded (0 resumed), 1 failed, 2 cancelled"
    )
    # the sweep stops there: the next experiment does not start
    assert not (project / "experiments" / "later_1").exists()
    assert "== later" not in result.stdout
    suites = ET.parse(project / "report.xml").getroot()
    assert [s.get("name") for s in suites] == ["demo:1"]
    assert (suites.get("tests"), suites.get("failures"), suites.get("skipped")) == ("4", "1", "2")


# --- --json and --junit -------------------------------------------------------------------


def _strict(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def test_json_prints_one_event_per_line_and_nothing_else(project: Path):
    write(project, experiment(context="fail_at = 2"))

    result = cli("--no-ui", "--json", cwd=project)

    assert result.returncode == 1
    assert result.stderr == ""
    events = [json.loads(line, parse_constant=_strict) for line in result.stdout.splitlines()]
    assert events and all(isinstance(e, dict) for e in events)
    assert {e["experiment"] for e in events} == {"demo"}
    kinds = [e["event"] for e in events]
    assert {"run_started", "progress", "run_finished", "run_failed"} <= set(kinds)
    assert kinds.count("run_started") == 3 and kinds.count("run_finished") == 2
    runs = by_param(project / "experiments" / "demo_1", "n")
    ids = {r["run_id"] for r in runs.values()}
    assert {e["run_id"] for e in events} == ids
    (failed,) = [e for e in events if e["event"] == "run_failed"]
    assert failed["run_id"] == runs[2]["run_id"]
    assert (failed["error_type"], failed["error"]) == ("ValueError", "boom at n=2")
    last = {e["run_id"]: e for e in events if e["event"] == "progress"}
    assert last[runs[3]["run_id"]]["values"]["loss"] == pytest.approx(1 / 3)
    for run_id in ids:  # each run's events in order: started first, its end last
        mine = [e["event"] for e in events if e["run_id"] == run_id]
        assert mine[0] == "run_started" and mine[-1] in ("run_finished", "run_failed")

    again = cli("--no-ui", "--json", cwd=project)  # resumed runs are events too
    skipped = [json.loads(line) for line in again.stdout.splitlines()]
    assert {e["run_id"] for e in skipped if e["event"] == "run_skipped"} == ids - {
        runs[2]["run_id"]
    }


def test_junit_report_has_a_test_case_per_run(project: Path):
    write(project, experiment(context="fail_at = 2"))

    result = cli("--no-ui", "--junit", "reports/ci/junit.xml", cwd=project)

    assert result.returncode == 1
    root = ET.parse(project / "reports" / "ci" / "junit.xml").getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "0")
    (suite,) = root
    assert suite.get("name") == "demo:1"
    counts = [suite.get(k) for k in ("tests", "failures", "errors", "skipped")]
    assert counts == ["3", "1", "0", "0"]
    runs = by_param(project / "experiments" / "demo_1", "n")
    cases = {case.get("name").split()[0]: case for case in suite.iter("testcase")}
    assert set(cases) == {r["run_id"][:8] for r in runs.values()}
    for n, record in runs.items():
        case = cases[record["run_id"][:8]]
        assert f"n={n}" in case.get("name") and "rep=0" in case.get("name")
        assert case.get("classname") == "demo:1"
        assert float(case.get("time")) >= 0
        failures = case.findall("failure")
        if n == 2:
            (failure,) = failures
            assert failure.get("message") == "ValueError: boom at n=2"
            assert failure.get("type") == "ValueError"
            assert "Traceback (most recent call last)" in failure.text
            assert "ValueError: boom at n=2" in failure.text
        else:
            assert failures == [] and case.findall("skipped") == []
    total = sum(float(c.get("time")) for c in cases.values())
    assert float(root.get("time")) == pytest.approx(total, abs=0.01)

    (project / "fixed").touch()
    cli("--no-ui", "--junit", "reports/ci/junit.xml", cwd=project)  # resumes, rewrites it
    (suite,) = ET.parse(project / "reports" / "ci" / "junit.xml").getroot()
    assert [suite.get(k) for k in ("tests", "failures", "skipped")] == ["3", "0", "0"]
    resumed = [c for c in suite.iter("testcase") if c.findtext("system-out")]
    assert len(resumed) == 2 and "resumed" in resumed[0].findtext("system-out")


def test_junit_report_survives_control_characters_in_an_error(project: Path):
    write(project, experiment(operation="ops:shout", grid="n = [1]"))

    result = cli("--no-ui", "--junit", "junit.xml", cwd=project)

    assert result.returncode == 1
    (failure,) = ET.parse(project / "junit.xml").getroot().iter("failure")
    assert "red alert" in failure.get("message")
    assert '& <everything> "quoted"' in failure.get("message")
    assert "RuntimeError" in failure.text


# --- resume -------------------------------------------------------------------------------


def test_a_second_run_resumes_and_no_resume_runs_everything_again(project: Path):
    write(project, experiment(context="fail_at = 2"))
    tree = project / "experiments" / "demo_1"
    first = cli("--no-ui", cwd=project)
    assert first.returncode == 1
    assert sorted(calls(project)) == ["op 1", "op 2", "op 3"]

    (project / "fixed").touch()  # the user fixes the failure (same code, same run ids)
    second = cli("--no-ui", cwd=project)

    assert second.returncode == 0, second.stdout + second.stderr
    assert calls(project)[3:] == ["op 2"]  # only the failed run ran again
    assert statuses(tree, "n") == {1: "success", 2: "success", 3: "success"}
    assert summary_line(second.stdout).startswith(
        "demo: 3/3 succeeded (2 resumed), 0 failed, 0 cancelled"
    )
    assert "skip=2" in second.stdout

    third = cli("--no-ui", "--no-resume", cwd=project)

    assert third.returncode == 0
    assert sorted(calls(project)[4:]) == ["op 1", "op 2", "op 3"]
    assert summary_line(third.stdout).startswith("demo: 3/3 succeeded (0 resumed)")
    assert len(records(tree)) == 3


# --- options --------------------------------------------------------------------------------


def test_workers_overrides_the_file(project: Path):
    # each run waits until both have started: one worker (the file's) could never finish
    write(project, experiment(operation="ops:barrier", grid="k = [1, 2]\nparties = [2]"))

    result = cli("--no-ui", "--workers", "2", cwd=project, timeout=30)

    assert result.returncode == 0, result.stdout + result.stderr
    assert statuses(project / "experiments" / "demo_1", "k") == {1: "success", 2: "success"}


def test_store_and_experiment_pick_where_and_what(project: Path):
    write(project, experiment("first"), experiment("second", grid="n = [4]"))

    result = cli("--no-ui", "--experiment", "second", "--store", "results", cwd=project)

    assert result.returncode == 0, result.stderr
    assert not (project / "experiments").exists()
    assert [p.name for p in (project / "results").iterdir()] == ["second_1"]
    assert statuses(project / "results" / "second_1", "n") == {4: "success"}
    assert calls(project) == ["op 4"]
    assert "== first" not in result.stdout
    assert summary_line(result.stdout, "second").endswith(
        f"results in {project / 'results' / 'second_1'}"
    )


def test_experiment_name_with_version_picks_one_of_two_versions(project: Path):
    v2 = experiment("same", grid="n = [7]").replace('version = "1"', 'version = "2"')
    write(project, experiment("same", grid="n = [6]"), v2)

    result = cli("--no-ui", "--experiment", "same:2", cwd=project)

    assert result.returncode == 0, result.stderr
    assert [p.name for p in (project / "experiments").iterdir()] == ["same_2"]
    assert calls(project) == ["op 7"]


def test_without_experiment_every_experiment_runs_in_order(project: Path):
    write(
        project,
        experiment("first", context="fail_at = 2"),
        experiment("second", grid="n = [4, 5]"),
    )

    result = cli("--no-ui", cwd=project)

    assert result.returncode == 1  # the worst of the experiments
    out = result.stdout
    assert out.index("== first") < out.index("first: ") < out.index("== second")
    assert out.index("== second") < out.index("second: ")
    assert statuses(project / "experiments" / "first_1", "n") == {
        1: "success", 2: "failed", 3: "success",
    }  # fmt: skip
    assert statuses(project / "experiments" / "second_1", "n") == {4: "success", 5: "success"}
    assert summary_line(out, "second").startswith("second: 2/2 succeeded")


# --- bad input -----------------------------------------------------------------------------

GOOD = experiment()

BAD_FILES = {
    # id: (file text, the start of the line the message must name, fragments of the message)
    "toml-syntax": (GOOD.replace('name = "demo"', "name = demo"), "name = demo",
                    ["invalid TOML", 'name = "demo"']),
    "unknown-key": (GOOD.replace("[experiment.grid]", "lr = 0.1\n[experiment.grid]"), "lr = 0.1",
                    ["experiment[0].lr", "unknown key"]),
    "wrong-type": (GOOD.replace("workers = 1", 'workers = "two"'), 'workers = "two"',
                   ["experiment[0].executor.workers", "integer", "workers = 4"]),
    "operation-module-missing": (GOOD.replace("ops:op", "no_such_module:op"), "operation =",
                                 ["experiment[0].operation", "'no_such_module'", "not found"]),
    "operation-import-fails": (GOOD.replace("ops:op", "broken:op"), "operation =",
                               ["'broken'", "RuntimeError: broken on import"]),
    "not-a-metalab-operation": (GOOD.replace("ops:op", "ops:plain"), "operation =",
                                ["'ops:plain' is a function, not a metalab operation",
                                 "@metalab.operation"]),
}  # fmt: skip

BAD_ARGUMENTS = {
    # id: (arguments, fragments of the message); the file defines "first" and "second"
    "missing-file": (["missing.toml", "--no-ui"], ["missing.toml: file not found"]),
    "json-without-no-ui": (["--json"], ["--json", "--no-ui"]),
    "workers-0": (["--no-ui", "--workers", "0"], ["--workers", "at least 1"]),
    "unknown-experiment": (["--no-ui", "--experiment", "nope"],
                           ["experiments.toml", "no experiment named 'nope'", "first, second"]),
    "store-is-a-file": (["--no-ui", "--store", "a_file"], ["--store", "'a_file'", "is a file"]),
    "junit-is-a-folder": (["--no-ui", "--junit", "a_folder"],
                          ["--junit", "'a_folder'", "is a folder"]),
    "junit-under-a-file": (["--no-ui", "--junit", "a_file/junit.xml"],
                           ["--junit", "'a_file' is a file"]),
}  # fmt: skip


@dataclass
class Refusal:
    folder: Path
    before: list[str]
    result: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Refusal]:
    """Every bad-input case, each in its own folder and process, launched all at once
    (they share nothing, and one after the other they would take seconds)."""
    launched: dict[str, tuple[Path, list[str], list[str], subprocess.Popen]] = {}
    done: dict[str, Refusal] = {}
    try:
        for case, (text, _, _) in BAD_FILES.items():
            folder = tmp_path_factory.mktemp(case).resolve()
            (folder / "ops.py").write_text(OPS, encoding="utf-8")
            (folder / "broken.py").write_text('raise RuntimeError("broken on import")\n')
            write(folder, text)
            args = ["experiments.toml", "--no-ui"]
            launched[case] = (folder, snapshot(folder), args, start(*args, cwd=folder))
        for case, (args, _) in BAD_ARGUMENTS.items():
            folder = tmp_path_factory.mktemp(case).resolve()
            (folder / "ops.py").write_text(OPS, encoding="utf-8")
            write(folder, experiment("first"), experiment("second"))
            (folder / "a_file").write_text("not a folder\n")
            (folder / "a_folder").mkdir()
            launched[case] = (folder, snapshot(folder), args, start(*args, cwd=folder))
        for case, (folder, before, args, proc) in launched.items():
            out, err = proc.communicate(timeout=120)
            result = subprocess.CompletedProcess(args, proc.returncode, out, err)
            done[case] = Refusal(folder, before, result)
    finally:
        for *_, proc in launched.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    return done


def assert_refused(refusal: Refusal) -> None:
    """Exit 2, one message on stderr, no traceback, and not a file written."""
    result = refusal.result
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    no_traceback(result)
    assert result.stderr.count("error:") == 1, result.stderr
    assert result.stderr.startswith(("metalab-tui: error: ", "usage: metalab-tui")), result.stderr
    assert not (refusal.folder / "experiments").exists()
    assert snapshot(refusal.folder) == refusal.before
    assert calls(refusal.folder) == []


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_experiment_file_is_refused_before_anything_runs(
    refusals: dict[str, Refusal], case: str
):
    text, bad_line, fragments = BAD_FILES[case]
    refusal = refusals[case]
    assert_refused(refusal)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith(bad_line))
    stderr = refusal.result.stderr
    assert stderr.startswith(f"metalab-tui: error: experiments.toml:{line}: ")
    for fragment in fragments:
        assert fragment in stderr


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_bad_arguments_are_refused_before_anything_runs(refusals: dict[str, Refusal], case: str):
    _, fragments = BAD_ARGUMENTS[case]
    refusal = refusals[case]
    assert_refused(refusal)
    for fragment in fragments:
        assert fragment in refusal.result.stderr


# --- interrupts ----------------------------------------------------------------------------


class Escaped(Exception):
    """A signal got through to the code it was to be held back from."""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_a_sweep_starts_is_held_until_it_can_be_cancelled(signum: int):
    # --no-ui turns SIGINT and SIGTERM into a KeyboardInterrupt; raised inside
    # metalab.run, it would leave the runs going with no handle to cancel them, so the
    # start holds either back and the sweep is cancelled as soon as it has a handle
    def escape(signum: int, frame: object) -> None:
        raise Escaped(signum)

    previous = signal.signal(signum, escape)
    try:
        with _DeferredInterrupt() as deferred:
            os.kill(os.getpid(), signum)
            time.sleep(0.05)  # a handler runs in the main thread, between bytecodes
        assert deferred.hit
        assert signal.getsignal(signum) is escape  # given back when the start is over
    finally:
        signal.signal(signum, previous)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_sweep_cancels_cleanly_and_resumes(project: Path, signum: int):
    # two workers: k=0 ends at once, k=1..3 run until `release` exists (not yet)
    write(project, experiment(operation="ops:gated", grid="k = [0, 1, 2, 3]", workers=2))
    tree = project / "experiments" / "demo_1"
    returncode, out, err = interrupt_mid_sweep(tree, project, signum, timeout=30)

    assert returncode == 130, out + err
    assert "Traceback" not in out + err
    final = statuses(tree, "k")
    assert final == {0: "success", 1: "cancelled", 2: "cancelled", 3: "cancelled"}
    assert summary_line(out).startswith("demo: 1/4 succeeded (0 resumed), 0 failed, 3 cancelled")
    ran_before = len(calls(project))

    (project / "release").touch()
    again = cli("--no-ui", cwd=project)

    assert again.returncode == 0, again.stdout + again.stderr
    assert sorted(calls(project)[ran_before:]) == ["gated 1", "gated 2", "gated 3"]
    assert set(statuses(tree, "k").values()) == {"success"}
    assert summary_line(again.stdout).startswith("demo: 4/4 succeeded (1 resumed), 0 failed")


# --- help, version, imports, the repository's own file ---------------------------------------


def test_help_and_version(tmp_path: Path):
    import metalab

    shown = cli("--help", cwd=tmp_path)
    assert shown.returncode == 0 and shown.stderr == ""
    assert shown.stdout.startswith("usage: metalab-tui")
    for flag in ("--experiment", "--no-ui", "--workers", "--store", "--no-resume",
                 "--fail-fast", "--json", "--junit", "--version"):  # fmt: skip
        assert flag in shown.stdout

    version = cli("--version", cwd=tmp_path)
    assert version.returncode == 0
    assert version.stdout.strip() == f"metalab-tui {metalab.__version__}"
    assert list(tmp_path.iterdir()) == []


def loaded_by_the_command(project: Path, args: list[str], packages: set[str]) -> tuple[int, str]:
    """Run ``metalab-tui ARGS`` in a fresh interpreter; its exit code and which of
    ``packages`` it had imported by the end (printed to stderr, after its own output)."""
    wrapper = (
        "import sys\n"
        "from tui.cli import main\n"
        "code = 0\n"
        "try:\n"
        "    code = main()\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "finally:\n"
        f"    print(sorted({{m.split('.')[0] for m in sys.modules}} & {packages!r}),\n"
        "          file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", wrapper, *args], cwd=project, env=environment(),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return result.returncode, result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("args", [["--no-ui"], ["--help"]], ids=["no-ui", "help"])
def test_no_ui_and_help_never_import_textual(project: Path, args: list[str]):
    write(project, experiment())
    assert loaded_by_the_command(project, args, {"textual", "plotext"}) == (0, "[]")


@pytest.mark.parametrize("args", [["--help"], ["--bogus"], ["--json"]])
def test_help_and_a_mistyped_command_answer_without_loading_the_runner(
    project: Path, args: list[str]
):
    _, loaded = loaded_by_the_command(project, args, {"metalab", "numpy"})
    assert loaded == "[]"  # answered in a tenth of a second


def test_the_repository_experiment_file_defines_the_curve_fit_sweep():
    from metalab.config import load_experiments
    from metalab.runner import plan_runs

    (spec,) = load_experiments(REPO / "experiments.toml")
    assert (spec.name, spec.version) == ("curve_fit", "0.1")
    assert spec.operation_ref == "examples.curve_fit.run:fit_curve"
    assert spec.experiment.operation.name == "fit_curve"
    assert len(plan_runs(spec.experiment)) == 18
    assert spec.store == REPO / "experiments"
    assert (spec.executor.kind, spec.display.metric, spec.display.steps) == (
        "thread", "loss", "n_iterations",
    )  # fmt: skip
