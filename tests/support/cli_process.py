"""``metalab-tui`` as a user runs it, in a subprocess, and what the command-line tests
read back: the runs' records in a tree, the calls an operation made, a summary line.

The command is the installed console script when there is one, else the same ``main``
through ``python -c``; the environment keeps Python from writing byte code (so that
"nothing was written" means nothing) and drops PYTHONPATH (the test's tree must not
leak into the child's imports).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(sys.executable).with_name("metalab-tui")
MAIN = "import sys; from tui.cli import main; sys.exit(main())"


def command(*args: str | os.PathLike[str]) -> list[str]:
    """The console script (as users run it), else the same ``main`` via -c."""
    head = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-c", MAIN]
    return [*head, *map(str, args)]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONPATH", None)
    return env


def run_cli(
    *args: str | os.PathLike[str], cwd: Path, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args), cwd=cwd, env=environment(), capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def start_cli(*args: str | os.PathLike[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(*args), cwd=cwd, env=environment(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def limited_command(file_size_limit: int, *args: str | os.PathLike[str]) -> list[str]:
    """``main`` in a process that may write no file larger than ``file_size_limit``
    bytes (``ulimit -f``); SIGXFSZ is ignored, so an over-long write fails with EFBIG
    instead of killing the process."""
    prelude = (
        "import resource, signal, sys; "
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({file_size_limit}, {file_size_limit})); "
        "from tui.cli import main; sys.exit(main())"
    )
    return [sys.executable, "-c", prelude, *map(str, args)]


def poll(condition: Callable[[], object], what: str, timeout: float = 60.0) -> Any:
    """``condition()``'s first truthy value, looked for every 20 ms; the test fails
    after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)
    return value


def interrupt_mid_sweep(
    tree: Path, cwd: Path, signum: int, timeout: float = 60.0
) -> tuple[int, str, str]:
    """``--no-ui`` in ``cwd``, sent ``signum`` once its run ``k = 0`` has succeeded and
    another is running; its exit code, stdout and stderr (killed if it does not end
    within ``timeout`` seconds)."""
    proc = start_cli("--no-ui", cwd=cwd)
    try:
        poll(lambda: statuses(tree, "k").get(0) == "success", "the first run to finish")
        poll(lambda: "running" in statuses(tree, "k").values(), "a run in flight")
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out, err


def records(tree: Path) -> list[dict[str, Any]]:
    """The run records in an experiment's tree (one being written is passed over)."""
    found = []
    for path in sorted((tree / "runs").glob("*.json")):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    return found


def by_param(tree: Path, key: str) -> dict[Any, dict[str, Any]]:
    """The tree's records by the value of parameter ``key``."""
    return {r["params_resolved"][key]: r for r in records(tree)}


def statuses(tree: Path, key: str) -> dict[Any, str]:
    """Each run's status, by the value of parameter ``key``."""
    return {value: r["status"] for value, r in by_param(tree, key).items()}


def calls(folder: Path) -> list[str]:
    """The lines the test operations append to ``calls.txt`` (``op 3``), in order."""
    path = folder / "calls.txt"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def summary_line(stdout: str, name: str = "demo") -> str:
    """The one summary line ``--no-ui`` prints for experiment ``name``."""
    lines = [line for line in stdout.splitlines() if line.startswith(f"{name}: ")]
    assert len(lines) == 1, stdout
    return lines[0]


def experiment_toml(
    name: str = "demo",
    operation: str = "ops:op",
    grid: str = "n = [1, 2, 3]",
    *,
    workers: int | None = 1,
    executor: str = "",
    context: str = "",
    extra: str = "",
) -> str:
    """One ``[[experiment]]`` table: ``executor`` holds more lines of its executor
    table (``kind = "dask"``, ``address = ...``); ``workers=None`` leaves the count out;
    ``extra`` goes after the operation."""
    lines = ([f"workers = {workers}"] if workers is not None else []) + (
        [executor] if executor else []
    )
    executor_table = "\n".join(lines)
    return f"""\
[[experiment]]
name = "{name}"
version = "1"
operation = "{operation}"
{extra}
[experiment.grid]
{grid}

[experiment.seeds]
base = 0

[experiment.executor]
{executor_table}

[experiment.context]
{context}

[experiment.display]
metric = "loss"
"""


def write_experiments(folder: Path, *experiments: str, name: str = "experiments.toml") -> Path:
    """An experiment file of these tables in ``folder``."""
    path = folder / name
    path.write_text("\n".join(experiments), encoding="utf-8")
    return path
