"""The index cache: parsed run records kept under the user's cache folder, never in the tree.

Why it exists: parsing 10,000 JSON records takes most of a second, so each experiment's
parsed rows are kept, keyed by each record file's (mtime_ns, size, inode), and reopening
re-reads only what changed. Why it lives where it lives: a browser must not change
what it browses (a tree may be shared, read-only, under version control, or someone
else's), so the cache is a file of the user's own, one per experiment folder::

    $XDG_CACHE_HOME/metalab/index/<sha256 of the folder's real path, 32 hex>.json

(``~/.cache/metalab/index/...`` when ``XDG_CACHE_HOME`` is not set). The key is the
folder's real path (symlinks resolved), so the same tree reached by two paths shares
one cache, and a copied or moved tree gets a fresh one. The file also names the folder,
so a file that is not this folder's is ignored. A folder of the old in-tree cache
(``.metalab-index.json``, :data:`LEGACY_CACHE_FILE`) is neither read nor removed.

The file is one JSON object::

    {"format": "metalab-index-cache", "version": 3, "path": "<the folder's real path>",
     "runs":    {"<record file>":  [mtime_ns, size, inode, read_ns, <RunRow.to_cache()>]},
     "derived": {"<derived file>": [mtime_ns, size, inode, read_ns, {...}]}}

The cache is advisory: :func:`decode_cache` turns a foreign, old or malformed file into
None and drops malformed entries one by one, so those files are just re-read; a cache
folder that cannot be written (a read-only home) means browsing uncached. When to trust
an entry and when to save are the index's business (:mod:`metalab.index.tree`).

No textual here: this is the browser's data layer.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metalab.index.experiment_files import FileKey, as_dict
from metalab.index.run_row import RunRow

__all__ = [
    "CACHE_FORMAT",
    "CACHE_VERSION",
    "LEGACY_CACHE_FILE",
    "FileEntry",
    "cache_dir",
    "cache_file",
    "decode_cache",
    "encode_cache",
]

CACHE_FORMAT = "metalab-index-cache"
CACHE_VERSION = 3
LEGACY_CACHE_FILE = ".metalab-index.json"
"""Where versions before 2 kept the cache: inside each experiment folder. Such files
are left as they are (the index writes nothing into a tree) and never read."""


def cache_dir() -> Path:
    """The folder of the index caches: ``$XDG_CACHE_HOME/metalab/index`` (read from the
    environment at each call), by default (or when it is not an absolute path, as the
    XDG spec says) ``~/.cache/metalab/index``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(Path.home(), ".cache")
    return Path(base) / "metalab" / "index"


def cache_file(real_path: str | os.PathLike[str]) -> Path:
    """The cache file of the experiment folder whose real path is ``real_path``."""
    digest = hashlib.sha256(os.fsencode(real_path)).hexdigest()[:32]
    return cache_dir() / f"{digest}.json"


@dataclass
class FileEntry:
    """One parsed file: its key when read, when it was read, and the parsed value
    (a :class:`~metalab.index.run_row.RunRow` for a record, a dict for derived metrics)."""

    key: FileKey
    read_ns: int
    value: Any

    def settled(self, racy_ns: int) -> bool:
        """Whether the file was last modified more than ``racy_ns`` before it was read,
        so an unchanged key can be trusted (git's "racily clean" problem: a same-size
        in-place rewrite inside one mtime tick leaves the key as it was)."""
        return self.key[0] < self.read_ns - racy_ns


def encode_cache(
    real_path: str, runs: Mapping[str, FileEntry], derived: Mapping[str, FileEntry]
) -> str:
    """The cache file's text for the folder ``real_path`` and these record and derived
    entries (all of them: leave out the unsettled ones before). Raises TypeError or
    ValueError on values JSON cannot hold even as text."""
    payload = {
        "format": CACHE_FORMAT,
        "version": CACHE_VERSION,
        "path": real_path,
        "runs": {name: [*e.key, e.read_ns, e.value.to_cache()] for name, e in runs.items()},
        "derived": {name: [*e.key, e.read_ns, e.value] for name, e in derived.items()},
    }
    return json.dumps(payload, separators=(",", ":"), default=str)


def decode_cache(
    data: Any, real_path: str
) -> tuple[dict[str, FileEntry], dict[str, FileEntry]] | None:
    """The record and derived entries of a parsed cache file, or None when it is not one
    of ours for the folder ``real_path`` (another format, version or folder, or not
    shaped like one); bad entries are left out and the rest kept."""
    try:
        if data.get("format") != CACHE_FORMAT or data.get("version") != CACHE_VERSION:
            return None
        if data.get("path") != real_path:
            return None
        runs, derived = data["runs"], data["derived"]
        if not isinstance(runs, dict) or not isinstance(derived, dict):
            return None
    except (AttributeError, KeyError, TypeError):
        return None
    return _entries(runs, RunRow.from_cache), _entries(derived, as_dict)


def _entries(items: dict[str, Any], convert: Callable[[Any], Any]) -> dict[str, FileEntry]:
    out: dict[str, FileEntry] = {}
    for name, item in items.items():
        try:
            mtime, size, ino, read_ns, value = item
            out[name] = FileEntry((int(mtime), int(size), int(ino)), int(read_ns), convert(value))
        except (TypeError, ValueError):
            continue  # this entry is re-read; the rest still count
    return out
