"""The on-disk index cache, ``<experiment>/.metalab-index.json``: its entries and format.

Why it exists: parsing 10,000 JSON records takes most of a second, so each experiment
keeps its parsed rows in this file, keyed by each record file's (mtime_ns, size, inode),
and reopening re-reads only what changed. The format is written down once, here; when
to trust an entry, when to save and where the file goes are the index's business
(:mod:`metalab.index.tree`), which also does the reading and the atomic write.

The file is one JSON object::

    {"format": "metalab-tui-index", "version": 1,
     "runs":    {"<record file>":  [mtime_ns, size, inode, read_ns, <RunRow.to_cache()>]},
     "derived": {"<derived file>": [mtime_ns, size, inode, read_ns, {...}]}}

The cache is advisory: :func:`decode_cache` turns a foreign, old or malformed file into
None and drops malformed entries one by one, so those files are just re-read.

No textual here: this is the browser's data layer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from metalab.index.experiment_files import FileKey, as_dict
from metalab.index.run_row import RunRow

__all__ = [
    "CACHE_FILE",
    "CACHE_FORMAT",
    "CACHE_VERSION",
    "FileEntry",
    "decode_cache",
    "encode_cache",
]

CACHE_FILE = ".metalab-index.json"
CACHE_FORMAT = "metalab-tui-index"
CACHE_VERSION = 1


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


def encode_cache(runs: Mapping[str, FileEntry], derived: Mapping[str, FileEntry]) -> str:
    """The cache file's text for these record and derived entries (all of them: leave
    out the unsettled ones before). Raises TypeError or ValueError on values JSON cannot
    hold even as text."""
    payload = {
        "format": CACHE_FORMAT,
        "version": CACHE_VERSION,
        "runs": {name: [*e.key, e.read_ns, e.value.to_cache()] for name, e in runs.items()},
        "derived": {name: [*e.key, e.read_ns, e.value] for name, e in derived.items()},
    }
    return json.dumps(payload, separators=(",", ":"), default=str)


def decode_cache(data: Any) -> tuple[dict[str, FileEntry], dict[str, FileEntry]] | None:
    """The record and derived entries of a parsed cache file, or None when it is not one
    of ours (another format or version, or not shaped like one); bad entries are left
    out and the rest kept."""
    try:
        if data.get("format") != CACHE_FORMAT or data.get("version") != CACHE_VERSION:
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
