"""Whether the process that left something in a results tree is still alive.

Two things in a tree name the process that made them: the experiment's lock (see
:mod:`metalab.store.lock`) and a temporary file being written (see
:mod:`metalab.store.atomic`). Both may only be taken over or removed when their owner is
provably gone, and a pid says that only on the machine it came from. So each owner is
named by a *machine key* as well as its pid: a short hash of the host name, the boot id
and the pid namespace, so that a container sharing the host name, or the same machine
after a reboot, is not taken for this one. On the same machine a pid is checked
directly; elsewhere only the owner's heartbeat can tell (the caller's job).
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
from pathlib import Path

__all__ = ["machine_key", "pid_alive", "process_started"]


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


@functools.cache
def machine_key() -> str:
    """Eight hex digits naming this machine, boot and pid namespace."""
    parts = (socket.gethostname(), _read("/proc/sys/kernel/random/boot_id"), _pid_namespace())
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:8]


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this machine (any owner)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is someone else's
    except OSError:
        return False
    return True


def process_started(pid: int) -> str:
    """When the process ``pid`` started, as an opaque stamp ('' when unknown).

    On Linux it is the start time in clock ticks since boot, from ``/proc``; a pid
    reused by a newer process has a different stamp. Elsewhere it is ''.
    """
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return ""
    # the command name (field 2) is in parentheses and may hold spaces: split after it
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""
