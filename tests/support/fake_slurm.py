"""Stand-in ``sbatch``, ``squeue`` and ``scancel`` for the dask-jobqueue tests.

There is no SLURM here, so these three commands do what SLURM would do on one node:
``sbatch FILE`` copies the job script and starts it with bash as a background process
group of its own (so a real dask-jobqueue cluster gets real jobs: Dask workers on this
machine), ``squeue`` lists the jobs whose process is alive, ``scancel ID...`` ends them
(SIGTERM, then SIGKILL). Their state is kept in ``$FAKE_SLURM_DIR``.

:func:`install` writes the three commands into a folder to put first on ``PATH``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["install", "jobs"]


def install(bin_dir: Path, state_dir: Path) -> dict[str, str]:
    """Write ``sbatch``, ``squeue``, ``scancel`` into ``bin_dir``; returns the environment
    (``PATH`` and ``FAKE_SLURM_DIR``) under which they are the ones found."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    state_dir.mkdir(parents=True, exist_ok=True)
    for name in ("sbatch", "squeue", "scancel"):
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{__file__}" {name} "$@"\n')
        shim.chmod(0o755)
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "FAKE_SLURM_DIR": str(state_dir),
    }


def jobs(state_dir: Path) -> dict[str, int]:
    """Job id to the pid of its process group, for every job submitted."""
    found = {}
    for path in sorted(state_dir.glob("*.pid")):
        found[path.stem] = int(path.read_text())
    return found


def _alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sbatch(state: Path, args: list[str]) -> int:
    script = Path(args[-1]).read_text()  # dask-jobqueue deletes its file when we return
    job_id = str(len(list(state.glob("*.sh"))) + 1001)
    kept = state / f"{job_id}.sh"
    kept.write_text(script)
    with open(state / f"{job_id}.out", "wb") as out:
        proc = subprocess.Popen(
            ["bash", str(kept)], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, env={**os.environ, "SLURM_JOB_ID": job_id},
        )  # fmt: skip
    (state / f"{job_id}.pid").write_text(str(proc.pid))
    print(f"Submitted batch job {job_id}")
    return 0


def _squeue(state: Path, args: list[str]) -> int:
    print("JOBID STATE")
    for job_id, pid in jobs(state).items():
        if _alive(pid):
            print(f"{job_id} RUNNING")
    return 0


def _scancel(state: Path, args: list[str]) -> int:
    pids = [jobs(state)[a] for a in args if a in jobs(state)]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    with open(state / "scancel.calls", "a") as fh:
        fh.write(" ".join(args) + "\n")
    return 0


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    folder = Path(os.environ["FAKE_SLURM_DIR"])
    sys.exit({"sbatch": _sbatch, "squeue": _squeue, "scancel": _scancel}[command](folder, rest))
