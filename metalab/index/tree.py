"""The browser's view of a results tree: every run record as one row, cached and refreshed.

The rows become the columnar, immutable :class:`~metalab.index.table.Table` of
:mod:`metalab.index.table` (why columns, and why immutable, is said there); this module
finds the experiments, reads their records and keeps them fresh:
:class:`ExperimentIndex` is one experiment folder, :class:`TreeIndex` a collection root.

Why it is shaped this way:

* **A cache per experiment, outside the tree.** Parsing 10,000 JSON records takes
  most of a second; a file under the user's cache folder (``$XDG_CACHE_HOME/metalab/
  index/``, keyed by the experiment folder's real path) keeps the parsed rows keyed by
  each record file's (mtime_ns, size, inode), so reopening re-reads only what changed.
  Nothing is ever written into the tree, so a read-only, shared or version-controlled
  tree opens as fast as one's own. The cache is advisory: a missing, foreign or
  corrupt cache (or entry) just means re-reading those files; it is written
  atomically, and not at all when the cache folder cannot be written. Records
  modified within :data:`RACY_NS` of being read are never trusted from the cache
  (git's "racily clean" problem: a same-size in-place rewrite inside one mtime tick).
  Where the file is and its format are :mod:`metalab.index.cache`'s.
* **Cheap refresh.** A tree that another process is writing is followed by stat-ing
  ``runs/`` and re-parsing only the records whose key moved; :meth:`TreeIndex.refresh`
  reports which runs were added, changed or removed so a UI can update rows by key.
  A refresh that changes anything builds a new :class:`~metalab.index.table.Table`.

The pieces it is built from live in their own modules: :class:`RunRow` (one record) in
:mod:`metalab.index.run_row`, :class:`Changes` and :class:`ExperimentSummary` in
:mod:`metalab.index.summary`, the folder scan and manifest ranking in
:mod:`metalab.index.experiment_files`. They, and
:class:`~metalab.index.table.Column`, :class:`~metalab.index.table.FieldInfo`,
:class:`~metalab.index.table.Table`, :func:`~metalab.index.table.format_cell`,
:data:`~metalab.index.table.RECORD_FIELDS` and :data:`~metalab.index.table.TIME_FIELDS` are
importable from here too, as they were before they moved.

No textual or plotext here: this module is the data layer the screens call.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from metalab.index.cache import FileEntry, cache_file, decode_cache, encode_cache
from metalab.index.experiment_files import (
    MANIFEST_DIR,
    FileKey,
    latest_manifest,
    read_json,
    scan_files,
)
from metalab.index.run_row import RecordError, RunRow, guess_replicates
from metalab.index.summary import Changes, ExperimentSummary
from metalab.index.table import (
    RECORD_FIELDS,
    TIME_FIELDS,
    Column,
    FieldInfo,
    Table,
    format_cell,
)
from metalab.index.tree_bounds import OUTSIDE_TREE, SYMLINK_OUT, inside_tree
from metalab.index.tree_store import TreeStore
from metalab.results import Run
from metalab.store import atomic
from metalab.store.filestore import decode_json
from metalab.store.layout import META_FILE, find_experiment_dirs
from metalab.types import json_kind

__all__ = [
    "RECORD_FIELDS",
    "TIME_FIELDS",
    "Changes",
    "Column",
    "ExperimentIndex",
    "ExperimentSummary",
    "FieldInfo",
    "RunRow",
    "Table",
    "TreeIndex",
    "format_cell",
]

RACY_NS = 1_000_000_000
"""A record modified less than this long before it was read is re-read next time.

Read from this module at every check (:meth:`~metalab.index.cache.FileEntry.settled`
takes it as an argument), so setting ``metalab.index.tree.RACY_NS`` takes effect."""
CACHE_SAVE_INTERVAL = 10.0
"""Seconds between cache writes while a live tree is being refreshed."""


# -- one experiment --------------------------------------------------------------------------

_F = TypeVar("_F", bound=Callable[..., Any])


def _locked(method: _F) -> _F:
    """Run the method holding the tree's lock: a UI may refresh in a worker thread while
    its main thread asks for a table."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class ExperimentIndex:
    """One experiment folder: its run rows (cached on disk), manifest and table."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        use_cache: bool = True,
        lock: threading.RLock | None = None,
    ) -> None:
        self.path = Path(path)
        self.real_path = os.path.realpath(self.path)
        """The folder with every symlink resolved: the tree's boundary and the cache key."""
        self.use_cache = use_cache
        self._lock = lock or threading.RLock()
        self.meta: dict[str, Any] = {}
        self.manifest: dict[str, Any] | None = None
        """The latest experiment manifest (``experiments/*.json``), or None."""
        self.manifest_files: list[Path] = []
        """Manifest files, oldest first."""
        self.parsed = 0
        """How many record files were parsed (not taken from the cache) so far."""
        self.cache_used = False
        self.key = ""
        self._runs: dict[str, FileEntry] = {}
        self._derived: dict[str, FileEntry] = {}
        self._manifest_keys: dict[str, FileKey] = {}
        self._skips: dict[str, dict[str, str]] = {}
        """What each area (``runs``, ``derived``, ``experiments``, ``meta``) left out."""
        self._failed: dict[str, dict[str, tuple[FileEntry, str]]] = {}
        """Files that could not be parsed, by area: when (their key) and why."""
        self._rows: list[RunRow] | None = None
        self._table: Table | None = None
        self._dirty = False
        self._cache_writable = True
        self._last_save = 0.0
        self._read_meta()
        self._load_manifests()
        if use_cache:
            self._load_cache()
        self._update()
        self.save_cache()

    def __repr__(self) -> str:
        return f"ExperimentIndex({self.experiment_id!r}, {len(self._runs)} runs)"

    # -- identity ------------------------------------------------------------------------

    def _read_meta(self) -> None:
        path = self.path / META_FILE
        self.meta = {}
        self._skips.pop("meta", None)
        if not inside_tree(self.real_path, path):
            self._skips["meta"] = {META_FILE: SYMLINK_OUT}
            return
        try:
            self.meta = _read_object(path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            self._skips["meta"] = {META_FILE: _skip_reason(exc)}

    @property
    def experiment_id(self) -> str:
        eid = self.meta.get("experiment_id") or (self.manifest or {}).get("experiment_id")
        if eid:
            return str(eid)
        for entry in self._runs.values():
            if entry.value.experiment_id:
                return str(entry.value.experiment_id)
        return self.path.name

    @property
    def runs_dir(self) -> Path:
        return self.path / "runs"

    @property
    def cache_path(self) -> Path:
        """This experiment's cache file (under the user's cache folder, never the tree)."""
        return cache_file(self.real_path)

    # -- manifests ----------------------------------------------------------------------

    def _load_manifests(self) -> bool:
        """Re-read the manifests if any moved; True when they did. Manifests that lead
        out of the tree are left out (and said so in :attr:`skipped`)."""
        folder = self.path / MANIFEST_DIR
        keys, self._skips[MANIFEST_DIR] = self._scan(MANIFEST_DIR)
        if keys == self._manifest_keys:
            return False
        self._manifest_keys = keys
        latest = latest_manifest(self.path, keys)
        self.manifest = latest[1] if latest else None
        self.manifest_files = [folder / n for n in sorted(keys)]
        return True

    # -- cache ----------------------------------------------------------------------------

    def _load_cache(self) -> None:
        try:
            data = read_json(self.cache_path)
        except (OSError, ValueError):
            return
        entries = decode_cache(data, self.real_path)
        if entries is None:
            return  # another format, version or folder: every file is read afresh
        runs, derived = entries
        self._runs.update(runs)
        self._derived.update(derived)
        self.cache_used = bool(self._runs)

    @_locked
    def save_cache(self, *, force: bool = False) -> bool:
        """Write the cache file if anything changed (atomically, under the user's cache
        folder, never into the tree); False when not written."""
        if not (self.use_cache and self._cache_writable and (self._dirty or force)):
            return False
        runs = {name: e for name, e in self._runs.items() if e.settled(RACY_NS)}
        derived = {name: e for name, e in self._derived.items() if e.settled(RACY_NS)}
        path = self.cache_path
        try:
            text = encode_cache(self.real_path, runs, derived)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_text(path, text)
        except (OSError, TypeError, ValueError):
            self._cache_writable = False  # read-only home (or odd values): browse uncached
            return False
        self._dirty = False
        self._last_save = time.monotonic()
        return True

    # -- scanning -------------------------------------------------------------------------

    def _scan(self, sub: str) -> tuple[dict[str, FileKey], dict[str, str]]:
        """The visible ``*.json`` files of folder ``sub`` that stay inside the tree, and
        what was left out because it leads out of the tree (``{path: reason}``)."""
        folder = self.path / sub
        if not inside_tree(self.real_path, folder):
            return {}, {f"{sub}/": f"the folder {OUTSIDE_TREE}"}
        outside: list[str] = []
        keys = scan_files(folder, ".json", within=self.real_path, outside=outside)
        return keys, {f"{sub}/{name}": SYMLINK_OUT for name in outside}

    def _sync(
        self, sub: str, entries: dict[str, FileEntry], parse: Callable[[Path, str], Any]
    ) -> tuple[list[str], list[str], list[str]]:
        """Bring ``entries`` in line with folder ``sub``; returns added, changed, removed
        names. Files that cannot be parsed are left out, their reasons kept in
        :attr:`skipped` (and read again only once they change)."""
        folder = self.path / sub
        keys, skips = self._scan(sub)
        failed = self._failed.setdefault(sub, {})
        added: list[str] = []
        changed: list[str] = []
        removed = [name for name in entries if name not in keys]
        for name in removed:
            del entries[name]
        for name in [n for n in failed if n not in keys]:
            del failed[name]
        for name, key in keys.items():
            old = entries.get(name)
            if old is not None and old.key == key and old.settled(RACY_NS):
                continue
            bad = failed.get(name)
            if bad is not None and bad[0].key == key and bad[0].settled(RACY_NS):
                skips[f"{sub}/{name}"] = bad[1]
                continue
            read_ns = time.time_ns()
            try:
                value = parse(folder / name, name)
            except (OSError, ValueError) as exc:
                reason = _skip_reason(exc)
                failed[name] = (FileEntry(key, read_ns, None), reason)
                skips[f"{sub}/{name}"] = reason
                if entries.pop(name, None) is not None:
                    removed.append(name)
                continue
            failed.pop(name, None)
            entries[name] = FileEntry(key, read_ns, value)
            self._dirty = True
            if old is None:
                added.append(name)
            elif old.key != key or _differs(old.value, value):
                changed.append(name)
        self._skips[sub] = skips
        return added, changed, removed

    def _parse_record(self, path: Path, name: str) -> RunRow:
        row = RunRow.from_record(_read_value(path), name)
        self.parsed += 1
        return row

    @staticmethod
    def _parse_derived(path: Path, name: str) -> dict[str, Any]:
        return _read_object(path)

    @property
    def skipped(self) -> dict[str, str]:
        """The files of this experiment left out at the last scan, and why, by path
        inside the folder (``runs/abc.json``: ``not JSON (truncated?)``)."""
        out: dict[str, str] = {}
        for area in sorted(self._skips):
            out.update(self._skips[area])
        return dict(sorted(out.items()))

    @property
    def unreadable(self) -> list[str]:
        """The names of the run record files left out at the last scan."""
        return sorted(p.split("/", 1)[1] for p in self._skips.get("runs", {}) if p != "runs/")

    def _update(self) -> Changes:
        skipped_before = self.skipped
        old_ids = {n: e.value.run_id for n, e in self._runs.items()}
        added, changed, removed = self._sync("runs", self._runs, self._parse_record)
        d_added, d_changed, d_removed = self._sync("derived", self._derived, self._parse_derived)
        changes = Changes()
        changes.added = [self._runs[n].value.run_id for n in added]
        changes.changed = [self._runs[n].value.run_id for n in changed]
        changes.removed = [old_ids.get(n, Path(n).stem) for n in removed]
        touched = set(changes.added) | set(changes.changed)
        for name in (*d_added, *d_changed, *d_removed):
            run_id = Path(name).stem
            if run_id not in touched and any(e.value.run_id == run_id for e in self._runs.values()):
                changes.changed.append(run_id)
                touched.add(run_id)
        if self.skipped != skipped_before:
            changes.skipped_changed.append(self.experiment_id)
        if changes or d_added or d_changed or d_removed:
            self._dirty = True
            self._rows = None
            self._table = None
        return changes

    @_locked
    def refresh(self) -> Changes:
        """Re-stat the folder and re-read only what moved; the cache is saved now and then."""
        self._read_meta()
        manifest_moved = self._load_manifests()
        changes = self._update()
        if manifest_moved:
            changes.manifest_changed.append(self.experiment_id)
            self._rows = None
            self._table = None
        if self._dirty and time.monotonic() - self._last_save >= CACHE_SAVE_INTERVAL:
            self.save_cache()
        return changes

    # -- rows and table --------------------------------------------------------------------

    @property
    @_locked
    def rows(self) -> list[RunRow]:
        """The runs, ordered by record file name (so by run id)."""
        if self._rows is None:
            derived = {Path(n).stem: e.value for n, e in self._derived.items()}
            names = sorted(self._runs)
            guesses = guess_replicates([self._runs[n].value for n in names], self.manifest)
            rows = []
            for name in names:
                entry = self._runs[name]
                row = entry.value
                d, g = derived.get(row.run_id, {}), guesses.get(row.seed_fingerprint)
                if row.replicate is not None:
                    g = None
                if row.derived != d or row.replicate_guess != g:
                    # a copy: rows already handed out in an older Table stay as they were
                    row = entry.value = dataclasses.replace(row, derived=d, replicate_guess=g)
                rows.append(row)
            self._rows = rows
        return self._rows

    @property
    @_locked
    def table(self) -> Table:
        """The runs table of this experiment (rebuilt only after a change)."""
        if self._table is None:
            self._table = Table.from_rows(self.rows)
        return self._table

    @_locked
    def summary(self) -> ExperimentSummary:
        return ExperimentSummary.from_rows(
            (entry.value for entry in self._runs.values()),
            self.manifest,
            key=self.key,
            experiment_id=self.experiment_id,
            path=self.path,
            manifests=len(self.manifest_files),
            skipped=self.skipped.items(),
        )

    @property
    def store(self) -> TreeStore:
        """The metalab store of this folder, for a run's artifacts, curves and logs; it
        reads nothing that leads out of the tree (see :mod:`metalab.index.tree_store`)."""
        return TreeStore(self.path, self.experiment_id)

    def run(self, run_id: str) -> Run:
        """The full run (record read afresh: traceback, provenance, artifacts), as metalab's
        :class:`~metalab.Run`; ``run_id`` may be a unique prefix.

        Raises:
            KeyError: no such run, or its record cannot be read.
        """
        full = self.table.run_ids[self.table.index_of(run_id)]
        store = self.store
        record = store.get_run_record(full)
        if record is None:
            raise KeyError(f"run {full} has no readable record in {self.path}")
        return Run(store, record)


def _read_value(path: Path) -> Any:
    """The JSON value in ``path``, decoded as metalab decodes a record; RecordError
    saying briefly what else it holds."""
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return decode_json(data)
    except ValueError as exc:
        raise RecordError(str(exc)) from None


def _read_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; RecordError saying briefly what else it holds."""
    value = _read_value(path)
    if not isinstance(value, dict):
        raise RecordError(f"a JSON object was expected, this is {json_kind(value)}")
    return value


def _skip_reason(exc: BaseException) -> str:
    """Why a file was left out, in a few words."""
    if isinstance(exc, RecordError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"cannot be read ({exc.strerror or exc})"
    return f"not readable ({exc})"


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, RunRow) and isinstance(new, RunRow):
        return old.to_cache() != new.to_cache()
    return bool(old != new)


# -- a whole tree ---------------------------------------------------------------------------


def _experiment_dirs(root: Path) -> list[Path]:
    if (root / META_FILE).is_file() or (root / "runs").is_dir():
        return [root]
    return find_experiment_dirs(root)


class TreeIndex:
    """Every experiment under a collection root (or the one experiment folder given).

    ``TreeIndex(root)`` opens the tree (using and refreshing the caches);
    :meth:`refresh` follows a live tree; :meth:`table` gives one experiment's runs, or
    all of them together.
    """

    def __init__(self, root: str | os.PathLike[str] = "experiments", *, use_cache: bool = True
                 ) -> None:  # fmt: skip
        self.root = Path(root)
        if not self.root.exists():
            raise FileNotFoundError(f"no results tree at {self.root}")
        if not self.root.is_dir():
            raise NotADirectoryError(f"{self.root} is a file, not a results tree folder")
        self.use_cache = use_cache
        self._lock = threading.RLock()
        self._experiments: dict[Path, ExperimentIndex] = {}
        self._combined: Table | None = None
        self._summaries: Table | None = None
        for path in _experiment_dirs(self.root):
            self._experiments[path] = self._open(path)
        self._assign_keys()

    def _open(self, path: Path) -> ExperimentIndex:
        return ExperimentIndex(path, use_cache=self.use_cache, lock=self._lock)

    def __repr__(self) -> str:
        return f"TreeIndex({str(self.root)!r}, {len(self._experiments)} experiments)"

    def _assign_keys(self) -> None:
        by_id: dict[str, list[ExperimentIndex]] = {}
        for exp in self._experiments.values():
            by_id.setdefault(exp.experiment_id, []).append(exp)
        for eid, exps in by_id.items():
            for exp in exps:
                exp.key = eid if len(exps) == 1 else f"{eid}@{exp.path.name}"

    @property
    @_locked
    def experiments(self) -> list[ExperimentIndex]:
        return sorted(self._experiments.values(), key=lambda e: (e.key, str(e.path)))

    def experiment(self, key: str) -> ExperimentIndex:
        """An experiment by key (its id, unless two folders share one) or folder name."""
        for exp in self._experiments.values():
            if key in (exp.key, exp.experiment_id, exp.path.name):
                return exp
        known = ", ".join(e.key for e in self.experiments) or "none"
        raise KeyError(f"no experiment {key!r} under {self.root} (there are: {known})")

    @_locked
    def summaries(self) -> list[ExperimentSummary]:
        return [e.summary() for e in self.experiments]

    @_locked
    def summary_table(self) -> Table:
        """The experiments list as a :class:`Table` of ``experiment.*`` columns."""
        if self._summaries is None:
            sums = self.summaries()
            self._summaries = Table.from_dicts([s.flat() for s in sums], sums)
        return self._summaries

    @_locked
    def table(self, experiment: str | None = None) -> Table:
        """One experiment's runs table, or (``None``) every experiment's runs together."""
        if experiment is not None:
            return self.experiment(experiment).table
        if len(self._experiments) == 1:
            return next(iter(self._experiments.values())).table
        if self._combined is None:
            rows = [r for e in self.experiments for r in e.rows]
            self._combined = Table.from_rows(rows)
        return self._combined

    def fields(self, experiment: str | None = None) -> dict[str, FieldInfo]:
        return self.table(experiment).fields

    @property
    def parsed(self) -> int:
        """Record files parsed so far, over all experiments (the cache avoids the rest)."""
        return sum(e.parsed for e in self._experiments.values())

    @_locked
    def refresh(self) -> Changes:
        """Pick up new, changed and deleted runs and experiments; cheap when nothing moved."""
        changes = Changes()
        current = set(_experiment_dirs(self.root)) if self.root.is_dir() else set()
        for path in list(self._experiments):
            if path not in current:
                exp = self._experiments.pop(path)
                changes.experiments_removed.append(exp.key)
                changes.removed.extend(r.run_id for r in exp.rows)
        for exp in self._experiments.values():
            changes.extend(exp.refresh())
        for path in sorted(current - set(self._experiments)):
            exp = self._experiments[path] = self._open(path)
            changes.experiments_added.append(exp.experiment_id)
            changes.added.extend(r.run_id for r in exp.rows)
        if changes:
            self._assign_keys()
            self._combined = None
            self._summaries = None
        return changes

    def find(self, run_id: str) -> ExperimentIndex:
        """The experiment holding ``run_id`` (or a unique prefix of one).

        Raises:
            KeyError: no experiment has it.
        """
        for exp in self.experiments:
            try:
                exp.table.index_of(run_id)
            except KeyError:
                continue
            return exp
        raise KeyError(f"no run {run_id!r} under {self.root}")

    def run(self, run_id: str) -> Run:
        """The full :class:`~metalab.Run` for the run detail screen."""
        return self.find(run_id).run(run_id)

    def save_cache(self) -> None:
        """Write every experiment's cache that has unsaved changes (call on exit)."""
        for exp in self._experiments.values():
            exp.save_cache()
