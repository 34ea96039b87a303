"""Atomic file replacement: a reader sees the old file or the new one, never half of one.

Writes go to a hidden temporary sibling, are flushed, then renamed over the target
(``os.replace`` is atomic on POSIX and Windows). A crash leaves at worst a stray
temporary file. Each temporary's name says who is writing it
(``.<name>.tmp.<machine>-<pid>-<random>``), so that :func:`sweep_temporaries` can remove
the ones whose writer is provably gone (a dead pid on this machine) and leave alone the
ones another live process is still writing: a browser writing its cache, or a sweep
on another node of a cluster. A temporary whose writer cannot be checked (another
machine, or a name from an older version) is removed once nobody has written to it for
:data:`ABANDONED_AFTER` seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from metalab.store.liveness import machine_key, pid_alive

TMP_MARK = ".tmp."

ABANDONED_AFTER = 600.0
"""Seconds without a write after which a temporary of an unknown writer is abandoned."""

_OWNER = re.compile(r"\.tmp\.([0-9a-f]{8})-(\d+)-[0-9a-f]{8}$")


def _tmp_sibling(path: Path) -> Path:
    owner = f"{machine_key()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    return path.with_name(f".{path.name}{TMP_MARK}{owner}")


def is_temporary(name: str) -> bool:
    """Whether a file name is one of these temporaries (readers skip them)."""
    return name.startswith(".") and TMP_MARK in name


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary sibling of ``path`` for the body to write; renamed over ``path`` when
    the body ends, removed when it raises (an OSError then names ``path``). For writers
    that write a file their own way (csv, pyarrow)."""
    tmp = _tmp_sibling(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise with_filename(exc, path) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically."""
    with replacing(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()


def with_filename(exc: OSError, path: Path | str) -> OSError:
    """``exc`` naming ``path`` when it names no file (a failed write() names none)."""
    if exc.filename is not None or exc.errno is None:
        return exc
    return type(exc)(exc.errno, exc.strerror, str(path))


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj: Any, *, indent: int | None = 2) -> None:
    """Replace ``path`` with ``obj`` as sorted-key JSON (the reference's formatting)."""
    write_text(path, json.dumps(obj, indent=indent, sort_keys=True, default=str))


def move_into_place(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)


def temp_path_for(path: Path) -> Path:
    """A temporary sibling of ``path`` for a writer that streams its own output."""
    return _tmp_sibling(path)


def abandoned(tmp: Path, *, now: float | None = None, older_than: float = ABANDONED_AFTER) -> bool:
    """Whether the temporary ``tmp`` can no longer be finished by its writer."""
    match = _OWNER.search(tmp.name)
    if match is not None and match.group(1) == machine_key():
        return not pid_alive(int(match.group(2)))
    try:
        age = (time.time() if now is None else now) - tmp.lstat().st_mtime
    except OSError:
        return False
    return age > older_than


def sweep_temporaries(folder: Path, *, older_than: float = ABANDONED_AFTER) -> int:
    """Remove the abandoned temporaries below ``folder``; returns how many.

    Call it only while holding the experiment's lock: then no other sweep writes here,
    and the temporaries of live readers (a browser's cache) are kept by their pid.
    """
    removed = 0
    now = time.time()
    # os.walk does not follow symlinked folders: a link out of the tree is not entered
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            tmp = Path(dirpath) / name
            if not is_temporary(name) or not abandoned(tmp, now=now, older_than=older_than):
                continue
            try:
                tmp.unlink()
                removed += 1
            except OSError:
                pass
    return removed
