"""One sweep at a time writes an experiment's folder: the experiment lock.

Two launches of the same experiment into the same tree (a second terminal, a CI retry,
a job array) would otherwise run the same runs twice, each clearing the other's files
as it starts its own attempt. So a sweep takes ``<experiment>/.metalab.lock`` before it
writes anything, and a second launch is refused with one line naming the holder (pid,
host, since when) and what to do. Cooperation (the second launch running only what the
first is not) was the alternative; it needs a claim per run that is exactly-once across
machines and survives kills, which is much more machinery than a refusal, and a second
launch has little to add while the first is still going: once it ends, launching again
skips every finished run.

The lock file is JSON (pid, host, machine key, start time, a token) created atomically:
written to a temporary, then hard-linked to its name, which fails if the name exists
(``O_CREAT | O_EXCL`` on filesystems without hard links). While the sweep runs, a
thread touches the file every :data:`HEARTBEAT_EVERY` seconds: its modification time
is the heartbeat.

A lock is stale, and is taken over with a warning on the ``metalab.lock`` logger, when
its owner is provably gone: on the same machine (see :mod:`metalab.store.liveness`)
when its pid has ended or now belongs to a newer process; from another machine when
its heartbeat is older than :data:`STALE_AFTER` seconds. Two launches racing to take
over the same stale lock go through a short-lived guard file, so only one removes it.

Readers (``load_results``, the browser, the dashboard following a tree) never take
the lock and never wait for it.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as _dt
import errno
import json
import logging
import os
import socket
import sys
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from metalab.errors import ExperimentLockedError, StoreError
from metalab.store import atomic
from metalab.store.layout import LOCK_FILE
from metalab.store.liveness import machine_key, pid_alive, process_started

__all__ = [
    "HEARTBEAT_EVERY",
    "LOCK_FILE",
    "STALE_AFTER",
    "ExperimentLock",
    "LockOwner",
    "read_owner",
    "stale_reason",
]

log = logging.getLogger("metalab.lock")

HEARTBEAT_EVERY = 2.0
"""Seconds between touches of a held lock."""
STALE_AFTER = 30.0
"""Seconds without a heartbeat after which another machine's lock is stale."""
GUARD_STALE_AFTER = 10.0
"""Seconds after which a takeover guard left by a killed launcher is removed."""
UNREADABLE_GRACE = 5.0
"""Seconds an unreadable lock file is given to be a launcher still writing it."""

_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV}
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


@dataclass(frozen=True)
class LockOwner:
    """Who holds an experiment's lock, as its lock file says."""

    pid: int
    host: str
    machine: str
    started_at: str
    process_started: str
    token: str
    heartbeat: float
    """The lock file's modification time (seconds since the epoch)."""

    @property
    def since(self) -> str:
        """The start time as shown to people: local, to the second."""
        try:
            return _dt.datetime.fromisoformat(self.started_at).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            return self.started_at or "an unknown time"


def _lock_path(folder: Path) -> Path:
    return folder / LOCK_FILE


def read_owner(folder: str | os.PathLike[str]) -> LockOwner | None:
    """The holder of the experiment folder's lock; None when unlocked or unreadable."""
    path = _lock_path(Path(folder))
    try:
        with open(path, "rb") as fh:
            heartbeat = os.fstat(fh.fileno()).st_mtime
            data = json.loads(fh.read(64 * 1024))
        return LockOwner(
            pid=int(data["pid"]),
            host=str(data.get("host", "")),
            machine=str(data.get("machine", "")),
            started_at=str(data.get("started_at", "")),
            process_started=str(data.get("process_started", "")),
            token=str(data["token"]),
            heartbeat=heartbeat,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def stale_reason(owner: LockOwner, *, now: float | None = None) -> str | None:
    """Why ``owner``'s lock can be taken over, or None while the owner may be alive."""
    if owner.machine == machine_key():
        if not pid_alive(owner.pid):
            return f"pid {owner.pid} on {owner.host} is no longer running"
        current = process_started(owner.pid)
        if owner.process_started and current and current != owner.process_started:
            return f"pid {owner.pid} on {owner.host} is now another process"
        return None
    age = (time.time() if now is None else now) - owner.heartbeat
    if age > STALE_AFTER:
        return f"the sweep (pid {owner.pid} on {owner.host}) has sent no heartbeat for {age:.0f} s"
    return None


def _age(path: Path) -> float | None:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return None


class ExperimentLock:
    """The lock of one experiment folder, held by the sweep writing it.

    ``acquire()`` takes it (taking over a stale one) or raises
    :class:`~metalab.errors.ExperimentLockedError`; ``release()`` gives it back; both are
    idempotent. ``on_lost`` is called (on the heartbeat thread) if another launch takes
    the lock over while this one holds it, for instance after this process was stopped
    for longer than :data:`STALE_AFTER` on a shared filesystem.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        experiment_id: str = "",
        *,
        on_lost: Callable[[str], None] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.path = _lock_path(self.folder)
        self.experiment_id = experiment_id
        self.on_lost = on_lost
        self.token = uuid.uuid4().hex
        self._held = False
        self._pid = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mutex = threading.Lock()

    @property
    def held(self) -> bool:
        return self._held

    def __repr__(self) -> str:
        return f"ExperimentLock({str(self.path)!r}, held={self._held})"

    # -- taking it ---------------------------------------------------------------------

    def _payload(self) -> bytes:
        pid = os.getpid()
        return json.dumps(
            {
                "pid": pid,
                "host": socket.gethostname(),
                "machine": machine_key(),
                "process_started": process_started(pid),
                "started_at": _dt.datetime.now().isoformat(timespec="seconds"),
                "experiment_id": self.experiment_id,
                "command": " ".join(sys.argv),
                "token": self.token,
            },
            indent=2,
        ).encode()

    def _create(self) -> bool:
        """Create the lock file with our payload; False when it already exists."""
        data = self._payload()
        tmp = atomic.temp_path_for(self.path)
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except OSError as exc:
            raise self._not_writable(exc) from None
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            try:
                os.link(tmp, self.path)
                return True
            except FileExistsError:
                return False
            except OSError as exc:
                if exc.errno not in _NO_HARD_LINKS:
                    raise self._not_writable(exc) from None
            try:  # a filesystem without hard links
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                return False
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def _not_writable(self, exc: OSError) -> Exception:
        if exc.errno in _NOT_WRITABLE or isinstance(exc, PermissionError):
            return StoreError(
                f"cannot write to the results folder {str(self.folder)!r}: "
                f"{exc.strerror or exc}; pass a folder you can write to (--store DIR, or "
                "store = ... in the experiment file)"
            )
        return exc

    def acquire(self) -> None:
        """Take the lock, taking over a stale one; raise if a live sweep holds it."""
        if self._held:
            return
        for _ in range(100):
            if self._create():
                break
            owner = read_owner(self.folder)
            if owner is None:
                age = _age(self.path)
                if age is None:
                    continue  # released between our attempt and our look
                if age <= UNREADABLE_GRACE:
                    raise ExperimentLockedError(self._starting_message())
                reason = f"the lock file is unreadable and {age:.0f} s old"
            else:
                reason = stale_reason(owner)
                if reason is None:
                    raise ExperimentLockedError(self._held_message(owner))
            if self._remove_stale(owner):
                log.warning(
                    "took over the stale lock of %s: %s (it was taken %s)",
                    self.folder,
                    reason,
                    owner.since if owner else "at an unknown time",
                )
        else:
            raise ExperimentLockedError(
                f"could not take the lock {str(self.path)!r}: other launches keep taking it; "
                "launch again once they have ended"
            )
        self._held = True
        self._pid = os.getpid()
        _HELD.add(self)
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="metalab-lock", daemon=True)
        self._thread.start()

    def _remove_stale(self, seen: LockOwner | None) -> bool:
        """Remove the lock we judged stale, unless it changed meanwhile; under a guard so
        two launches taking over at once cannot remove each other's fresh lock."""
        guard = self.folder / f"{LOCK_FILE}.takeover"
        try:
            os.close(os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            age = _age(guard)
            if age is not None and age > GUARD_STALE_AFTER:
                guard.unlink(missing_ok=True)  # left by a launcher killed mid-takeover
            else:
                time.sleep(0.05)
            return False
        except OSError as exc:
            raise self._not_writable(exc) from None
        try:
            now = read_owner(self.folder)
            same = (now is None and seen is None) or (
                now is not None and seen is not None and now.token == seen.token
            )
            if same:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                return True
            return False
        finally:
            guard.unlink(missing_ok=True)

    @staticmethod
    def _how_to_proceed(path: Path) -> str:
        return (
            "wait for it to end, or stop it, and launch again (finished runs are kept and "
            f"skipped); if no such sweep is running, delete {str(path)!r}"
        )

    def _held_message(self, owner: LockOwner) -> str:
        what = f"experiment {self.experiment_id!r}" if self.experiment_id else "this experiment"
        beat = max(0.0, time.time() - owner.heartbeat)
        return (
            f"another sweep is writing {what} in {str(self.folder)!r}: pid {owner.pid} on "
            f"host {owner.host}, since {owner.since} (last heartbeat {beat:.0f} s ago); "
            + self._how_to_proceed(self.path)
        )

    def _starting_message(self) -> str:
        what = f"experiment {self.experiment_id!r}" if self.experiment_id else "this experiment"
        return (
            f"another sweep of {what} is starting in {str(self.folder)!r} (its lock file "
            "is being written); " + self._how_to_proceed(self.path)
        )

    # -- holding it --------------------------------------------------------------------

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY):
            with self._mutex:
                if not self._held:
                    return
                owner = read_owner(self.folder)
                if owner is not None and owner.token == self.token:
                    with contextlib.suppress(OSError):
                        os.utime(self.path)
                    continue
                if owner is None and not self.path.exists():
                    try:  # deleted by hand while we hold it: put it back
                        if self._create():
                            continue
                    except Exception:  # noqa: BLE001 - reported as lost below
                        pass
                    owner = read_owner(self.folder)
                if owner is None and self.path.exists() and (_age(self.path) or 0) < 1:
                    continue  # someone is writing a lock file: look again next beat
                self._held = False
                _HELD.discard(self)
            who = f"pid {owner.pid} on {owner.host}" if owner else "another process"
            message = f"the lock of {self.folder} was taken over by {who}"
            log.warning("%s; this sweep stops", message)
            if self.on_lost is not None:
                self.on_lost(message)
            return

    def release(self) -> None:
        """Give the lock back (only if it is still ours)."""
        with self._mutex:
            if not self._held or os.getpid() != self._pid:
                return  # not held, or a forked child's copy: the lock is its parent's
            self._held = False
            _HELD.discard(self)
            self._stop.set()
            owner = read_owner(self.folder)
            if owner is not None and owner.token == self.token:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def __enter__(self) -> ExperimentLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_HELD: weakref.WeakSet[ExperimentLock] = weakref.WeakSet()


@atexit.register
def _release_at_exit() -> None:
    """A process ending with a sweep unfinished (a script that never waited for it, a
    second Ctrl-C) gives its locks back rather than leave them for a takeover."""
    for lock in list(_HELD):
        with contextlib.suppress(Exception):
            lock.release()
