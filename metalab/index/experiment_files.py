"""Reading an experiment folder's files: stat keys, JSON, and the latest manifest.

Why it exists: the index (:mod:`metalab.index.tree`) and the SLURM badge's reader
(:mod:`metalab.index.slurm_status`) both look at ``<experiment>/experiments/*.json`` and must
agree on which manifest is the latest, so the ranking is written once, here, next to
the folder scan the index uses to notice that a file moved.

* :data:`FileKey` and :func:`scan_files`: ``{file name: (mtime_ns, size, inode)}`` of a
  folder's visible files with a given ending; a change in any part means re-read it.
* :func:`read_json` and :func:`as_dict`: one JSON file, parsed, and the check that it
  holds an object.
* :func:`latest_manifest`: the newest readable manifest, by ``submitted_at`` and then
  file name.

No textual here: this is the browser's data layer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from metalab.index.tree_bounds import inside_tree

__all__ = ["MANIFEST_DIR", "FileKey", "as_dict", "latest_manifest", "read_json", "scan_files"]

MANIFEST_DIR = "experiments"
"""The folder of an experiment that holds its manifests, one per launch."""

FileKey = tuple[int, int, int]
"""(mtime_ns, size, inode) of a file: a change in any means re-read it."""


def scan_files(
    folder: Path, suffix: str, *, within: str | None = None, outside: list[str] | None = None
) -> dict[str, FileKey]:
    """``{file name: key}`` of the visible ``*suffix`` files in ``folder``.

    Hidden files (a leading ``.``), files that vanish while being listed and a missing
    or unreadable folder are left out rather than raised. With ``within`` (a tree's
    real path), a symlink that leads out of it is left out too, not even stat-ed, and
    its name added to ``outside``.
    """
    out: dict[str, FileKey] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or not name.endswith(suffix):
                    continue
                leaves = within is not None and entry.is_symlink()
                if leaves and not inside_tree(within or "", entry.path):
                    if outside is not None:
                        outside.append(name)
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                out[name] = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        pass
    return out


def read_json(path: Path) -> Any:
    """The parsed JSON of ``path`` (raises OSError or ValueError as ``json`` does)."""
    with open(path, "rb") as fh:
        return json.loads(fh.read())


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` itself when it is a JSON object (a dict); ValueError otherwise."""
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def latest_manifest(
    experiment_dir: str | os.PathLike[str], names: Iterable[str] | None = None
) -> tuple[Path, dict[str, Any]] | None:
    """The newest readable manifest in ``<experiment_dir>/experiments/`` and its path.

    Newest by ``submitted_at``, then file name. ``names`` are the manifest file names
    to rank when the caller has just scanned the folder (default: scan it now, leaving
    out symlinks that lead out of the experiment's folder). Files that cannot be read,
    or do not hold a JSON object, are skipped; None when no manifest is left.
    """
    folder = Path(experiment_dir) / MANIFEST_DIR
    if names is None:
        within = os.path.realpath(experiment_dir)
        names = scan_files(folder, ".json", within=within) if inside_tree(within, folder) else {}
    best: tuple[str, str, dict[str, Any]] | None = None
    for name in names:
        try:
            data = read_json(folder / name)
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        rank = (str(data.get("submitted_at") or ""), name)
        if best is None or rank > best[:2]:
            best = (*rank, data)
    return (folder / best[1], best[2]) if best else None
