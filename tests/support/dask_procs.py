"""Real Dask processes for the Dask executor's tests: a ``dask scheduler`` and ``dask
worker`` processes on 127.0.0.1 (free ports, no dashboards), started as subprocesses
the way a user starts them, and killed the way a machine dies (SIGKILL of the whole
process group: the worker and its nanny)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DaskProc",
    "free_port",
    "start_scheduler",
    "start_worker",
    "start_workers",
    "wait_for_workers",
]

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class DaskProc:
    """A scheduler or worker process (leading its own process group)."""

    proc: subprocess.Popen[bytes]
    address: str
    log: Path

    def kill(self) -> None:
        """SIGKILL the process and everything it started (a worker's nanny and worker)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


def _spawn(args: list[str], log: Path, prefix: list[str] | None = None) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [*(prefix or []), sys.executable, "-m", "dask", *args],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dask exited with {proc.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}:\n{log.read_text()}")


def start_scheduler(folder: Path) -> DaskProc:
    port = free_port()
    log = folder / f"scheduler-{port}.log"
    proc = _spawn(["scheduler", "--host", HOST, "--port", str(port), "--no-dashboard"], log)
    _wait_port(port, proc, log)
    return DaskProc(proc, f"tcp://{HOST}:{port}", log)


def start_workers(scheduler: str, folder: Path, n: int) -> list[DaskProc]:
    """``n`` workers, started together."""
    return [
        _worker_ready(w) for w in [start_worker(scheduler, folder, wait=False) for _ in range(n)]
    ]


def _worker_ready(worker: DaskProc) -> DaskProc:
    port = int(worker.address.rsplit(":", 1)[1])
    _wait_port(port, worker.proc, worker.log)
    return worker


def start_worker(
    scheduler: str, folder: Path, *, hide: Path | None = None, wait: bool = True
) -> DaskProc:
    """A ``dask worker`` with one thread; ``hide`` puts an empty folder over that path
    in the worker's own mount namespace, as on a node that does not share it."""
    port = free_port()
    log = folder / f"worker-{port}.log"
    prefix = None
    if hide is not None:  # root, as in CI: a private mount namespace for this worker
        prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                  f'mount -t tmpfs tmpfs "{hide}" && exec "$@"', "sh"]  # fmt: skip
    args = ["worker", scheduler, "--nthreads", "1", "--no-dashboard", "--host", HOST,
            "--worker-port", str(port), "--name", f"w{port}", "--death-timeout", "30"]  # fmt: skip
    worker = DaskProc(_spawn(args, log, prefix), f"tcp://{HOST}:{port}", log)
    return _worker_ready(worker) if wait else worker


def wait_for_workers(scheduler: str, addresses: set[str], timeout: float = 60) -> None:
    """Until exactly these workers are connected to the scheduler."""
    from distributed import Client

    with Client(scheduler, timeout=30, set_as_default=False) as client:
        deadline = time.monotonic() + timeout
        while set(client.scheduler_info(n_workers=-1)["workers"]) != addresses:
            if time.monotonic() > deadline:
                raise TimeoutError(f"workers {addresses} did not all connect to {scheduler}")
            time.sleep(0.1)
