"""Another process holding an experiment's lock, as a second terminal's sweep would.

:func:`lock_held` starts a real Python process that takes the lock of an experiment
folder with :class:`metalab.store.lock.ExperimentLock` and keeps it (heartbeat
included) until the test leaves the ``with`` block. :func:`write_lock` writes a lock
file by hand, as a process that is gone (or on another machine) would have left it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from metalab.store.layout import LOCK_FILE

HOLDER = """\
import sys
from metalab.store.lock import ExperimentLock

lock = ExperimentLock(sys.argv[1], sys.argv[2])
lock.acquire()
print("held", flush=True)
sys.stdin.read()  # until the test closes our stdin
lock.release()
"""


@contextmanager
def lock_held(folder: Path, experiment_id: str) -> Iterator[subprocess.Popen[str]]:
    """A live process holding ``folder``'s lock for the duration of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), experiment_id],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line == "held\n", proc.stderr.read() if proc.stderr else line
        yield proc
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def dead_pid() -> int:
    """The pid of a process that has ended and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write_lock(
    folder: Path,
    *,
    pid: int,
    host: str,
    machine: str,
    heartbeat_age: float = 0.0,
    process_started: str = "",
    started_at: str = "2026-01-02T03:04:05",
) -> Path:
    """A lock file as its owner would have left it, last touched ``heartbeat_age`` s ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    path.write_text(
        json.dumps(
            {
                "pid": pid,
                "host": host,
                "machine": machine,
                "process_started": process_started,
                "started_at": started_at,
                "token": f"token-of-{pid}",
            }
        ),
        encoding="utf-8",
    )
    stamp = time.time() - heartbeat_age
    os.utime(path, (stamp, stamp))
    return path
