"""``metalab-tui`` as a user runs it, in a subprocess: for the tests of faults.

The command is the installed console script when there is one, else the same ``main``
through ``python -c``; the environment keeps Python from writing byte code (so that
"nothing was written" means nothing) and drops PYTHONPATH (the test's tree must not
leak into the child's imports).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    *args: str | os.PathLike[str], cwd: Path, timeout: float = 60
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
