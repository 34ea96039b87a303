"""Issue 11 through ``metalab-tui``: two launches on one tree, a killed holder, a store that
cannot be written, a full disk (a file-size limit), and the dashboard refused a tree.

Every process here is real: the CLI as a user runs it, a second one in parallel, a
child under ``RLIMIT_FSIZE``. Operations that must be caught mid-run wait for a file.
"""

from __future__ import annotations

import json
import os
import signal
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.cli_process import (
    environment,
    experiment_toml,
    limited_command,
    poll,
    run_cli,
    start_cli,
)
from support.cli_process import write_experiments as write
from support.lock_holder import lock_held
from support.read_only import READ_ONLY_MOUNT, read_only_folder

import metalab
from metalab.errors import MetalabError
from metalab.store.layout import LOCK_FILE
from tui.live.session import SweepSession
from tui.options import RunOptions

OPS = '''\
"""Operations for the fault tests."""

import time
from pathlib import Path

import numpy as np

import metalab

HERE = Path(__file__).resolve().parent


def _called(value):
    with open(HERE / "calls.txt", "a", encoding="utf-8") as fh:
        fh.write(f"{value}\\n")


@metalab.operation
def gated(params, capture):
    """k == 0 ends at once; any other k captures until the file `release` exists."""
    k = params["k"]
    _called(k)
    step = 0
    deadline = time.monotonic() + 30
    while k and not (HERE / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        capture.metric("loss", 1.0 / (step + 1), step=step)
        step += 1
        time.sleep(0.01)
    capture.metric("final", k)


@metalab.operation
def heavy(params, capture):
    """x == 2 saves a 400 kB artifact; x == 3 streams 60,000 points; the rest are small."""
    x = params["x"]
    _called(x)
    for i in range(20):
        capture.metric("loss", 1.0 / (i + 1), step=i)
    if x == 2:
        capture.artifact("big", np.random.default_rng(0).random(50_000))
    if x == 3:
        for i in range(60_000):
            capture.metric("noise", 0.123456789 * i, step=i)
            if i % 20_000 == 0:
                time.sleep(0.3)  # let the flusher write the stream as it grows
    capture.artifact("small", np.arange(10) * x)
    capture.metric("final", x)
'''


def toml(operation: str, grid: str, workers: int = 1) -> str:
    return experiment_toml(operation=f"ops:{operation}", grid=grid, workers=workers)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path.resolve()
    (folder / "ops.py").write_text(OPS, encoding="utf-8")
    return folder


def calls(project: Path) -> list[str]:
    path = project / "calls.txt"
    return path.read_text(encoding="utf-8").split() if path.exists() else []


def records(tree: Path) -> dict[Any, dict[str, Any]]:
    out = {}
    for path in sorted((tree / "runs").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        out[next(iter(record["params_resolved"].values()))] = record
    return out


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("metalab-tui: error: "), stderr
    return lines[0]


# -- two launches --------------------------------------------------------------------------


def test_a_second_launch_in_another_terminal_is_refused_in_one_line(project: Path):
    write(project, toml("gated", "k = [0, 1, 2]", workers=2))
    tree = project / "experiments" / "demo_1"
    first = start_cli("--no-ui", cwd=project)
    try:
        poll(lambda: records(tree).get(0, {}).get("status") == "success", "the first run")
        second = run_cli("--no-ui", cwd=project)
        (project / "release").touch()
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()

    assert second.returncode == 2, second.stdout + second.stderr
    line = one_error_line(second.stderr)
    assert "another sweep is writing experiment 'demo:1'" in line
    assert f"pid {first.pid} on host {socket.gethostname()}, since " in line
    assert str(tree / LOCK_FILE) in line
    assert first.returncode == 0, out + err
    assert sorted(calls(project)) == ["0", "1", "2"]  # every run ran once, by the first
    assert len(list((tree / "experiments").glob("*.json"))) == 1  # one launch's manifest
    assert not (tree / LOCK_FILE).exists()


def test_a_killed_sweeps_lock_is_taken_over_by_the_next_launch_with_a_notice(project: Path):
    write(project, toml("gated", "k = [0, 1]", workers=2))
    tree = project / "experiments" / "demo_1"
    first = start_cli("--no-ui", cwd=project)
    try:
        poll(lambda: records(tree).get(1, {}).get("status") == "running", "a run in flight")
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert (tree / LOCK_FILE).exists()  # nobody gave it back

    (project / "release").touch()
    again = run_cli("--no-ui", cwd=project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"took over the stale lock of {tree}: pid {first.pid}" in again.stderr
    assert "is no longer running" in again.stderr
    assert "Traceback" not in again.stderr
    assert {r["status"] for r in records(tree).values()} == {"success"}
    assert not (tree / LOCK_FILE).exists()


def test_the_dashboard_reports_a_locked_tree_as_one_clear_error(sweep_files):
    (spec,) = sweep_files.load(sweep_files.write((0.1,)))
    folder = sweep_files.store / spec.experiment_dir.name
    with lock_held(folder, spec.experiment.experiment_id) as holder:
        session = SweepSession(spec, RunOptions())
        with pytest.raises(MetalabError) as caught:
            session.run()
    message = str(caught.value)
    assert message.startswith("another sweep is writing experiment 'toy:1'")
    assert f"pid {holder.pid} on host " in message
    assert "\n" not in message and "Traceback" not in message
    assert not list((folder / "runs").glob("*.json"))


# -- stores that cannot be written ---------------------------------------------------------


def test_a_store_on_a_read_only_mount_is_refused_before_anything_runs(project: Path):
    write(project, toml("gated", "k = [0]"))
    result = run_cli("--no-ui", "--store", READ_ONLY_MOUNT, cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    line = one_error_line(result.stderr)
    assert f"cannot write the results folder '{READ_ONLY_MOUNT / 'demo_1'}'" in line
    assert "--store DIR" in line
    assert calls(project) == []


def test_an_experiment_folder_that_cannot_be_written_is_refused_before_anything_runs(
    project: Path,
):
    write(project, toml("gated", "k = [0]"))
    assert run_cli("--no-ui", cwd=project).returncode == 0
    tree = project / "experiments" / "demo_1"
    (tree / "runs" / next(iter(os.listdir(tree / "runs")))).unlink()  # one run to redo
    before = sorted(str(p) for p in project.rglob("*"))
    with read_only_folder(tree) as how:
        result = run_cli("--no-ui", cwd=project)
    assert result.returncode == 2, f"{how}: {result.stdout}{result.stderr}"
    line = one_error_line(result.stderr)
    assert "cannot write" in line and "demo_1" in line, line
    assert calls(project) == ["0"]  # the first launch's only
    assert sorted(str(p) for p in project.rglob("*")) == before


# -- a full disk (a file-size limit) -------------------------------------------------------

LIMIT = 64 * 1024


def limited(project: Path, *args: str):
    import subprocess

    return subprocess.run(
        limited_command(LIMIT, "--no-ui", *args), cwd=project, env=environment(),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("fail_fast", [False, True], ids=["goes-on", "fail-fast"])
def test_a_file_size_limit_fails_the_run_that_hit_it_and_damages_nothing(
    project: Path, fail_fast: bool
):
    write(project, toml("heavy", "x = [1, 2, 3, 4]"))
    tree = project / "experiments" / "demo_1"
    result = limited(project, *(["--fail-fast"] if fail_fast else []))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    by_x = records(tree)

    big = by_x[2]
    assert big["status"] == "failed"
    assert big["error"]["type"] == "OSError"
    assert big["error"]["message"].startswith("file size limit reached while writing ")
    assert (
        big["error"]["message"]
        .split(" while writing ")[1]
        .startswith(str(tree / "artifacts" / big["run_id"] / "big.npz"))
    )
    assert "FAIL " in result.stdout and "file size limit reached" in result.stdout

    if fail_fast:
        assert [by_x[x]["status"] for x in (1, 3, 4)] == ["success", "cancelled", "cancelled"]
    else:
        assert by_x[1]["status"] == "success" and by_x[4]["status"] == "success"
        stream = by_x[3]
        assert stream["status"] == "failed"
        assert stream["error"]["message"].startswith("file size limit reached while writing ")
        assert "noise.jsonl" in stream["error"]["message"]
        # what was written of the stream before the limit is whole: no torn line
        kept = (tree / "results" / stream["run_id"] / "noise.jsonl").read_text("utf-8")
        assert kept.endswith("\n") and 0 < len(kept) <= LIMIT
        for line in kept.splitlines():
            json.loads(line)

    # nothing already on disk was damaged, and no temporary is left
    results = metalab.load_results(tree)
    assert results.skipped == []
    ok = results.get(by_x[1]["run_id"])
    assert ok.data("loss") == [[i, 1.0 / (i + 1)] for i in range(20)]
    np.testing.assert_array_equal(ok.artifact("small"), np.arange(10))
    assert [a.name for a in results.get(big["run_id"]).artifacts()] == []
    assert not [p for p in tree.rglob("*") if ".tmp." in p.name]

    # with room again, a resume runs exactly what did not succeed
    before = calls(project)
    again = run_cli("--no-ui", cwd=project)
    assert again.returncode == 0, again.stdout + again.stderr
    done = {x for x, r in by_x.items() if r["status"] == "success"}
    assert sorted(calls(project)[len(before) :]) == sorted(str(x) for x in {1, 2, 3, 4} - done)
    assert {r["status"] for r in records(tree).values()} == {"success"}
