"""Atomic file replacement: a reader sees the old file or the new one, never half of one.

Writes go to a hidden temporary sibling, are flushed, then renamed over the target
(``os.replace`` is atomic on POSIX and Windows). A crash leaves at worst a stray
temporary file, which :func:`sweep_temporaries` removes on the next open.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

TMP_MARK = ".tmp."


def _tmp_sibling(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_MARK}{uuid.uuid4().hex[:8]}")


def write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically."""
    tmp = _tmp_sibling(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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


def sweep_temporaries(folder: Path) -> int:
    """Remove temporaries left by a crashed writer below ``folder``; returns how many."""
    removed = 0
    if not folder.is_dir():
        return 0
    for tmp in folder.rglob(f".*{TMP_MARK}*"):
        try:
            tmp.unlink()
            removed += 1
        except OSError:
            pass
    return removed
