"""The browser's view of a results tree: every run record as one row, cached and refreshed.

The rows become the columnar, immutable :class:`~tui.browse.table.Table` of
:mod:`tui.browse.table` (why columns, and why immutable, is said there); this module
finds the experiments, reads their records and keeps them fresh.

Why it is shaped this way:

* **A cache per experiment.** Parsing 10,000 JSON records takes most of a second;
  ``<experiment>/.metalab-index.json`` keeps the parsed rows keyed by each record
  file's (mtime_ns, size, inode), so reopening re-reads only what changed. The cache is
  advisory: a missing, foreign or corrupt cache (or entry) just means re-reading those
  files; it is written atomically, and not at all when the tree is read-only. Records
  modified within :data:`RACY_NS` of being read are never trusted from the cache
  (git's "racily clean" problem: a same-size in-place rewrite inside one mtime tick).
* **Cheap refresh.** A tree that another process is writing is followed by stat-ing
  ``runs/`` and re-parsing only the records whose key moved; :meth:`TreeIndex.refresh`
  reports which runs were added, changed or removed so a UI can update rows by key.
  A refresh that changes anything builds a new :class:`~tui.browse.table.Table`.

:class:`~tui.browse.table.Column`, :class:`~tui.browse.table.FieldInfo`,
:class:`~tui.browse.table.Table`, :func:`~tui.browse.table.format_cell`,
:data:`~tui.browse.table.RECORD_FIELDS` and :data:`~tui.browse.table.TIME_FIELDS` are
importable from here too, as they were before they moved.

No textual or plotext here: this module is the data layer the screens call.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from metalab._canonical import fingerprint
from metalab.results import Run
from metalab.store import atomic
from metalab.store.filestore import FileStore
from metalab.store.layout import META_FILE, find_experiment_dirs
from tui.browse.table import (
    RECORD_FIELDS,
    TIME_FIELDS,
    Column,
    FieldInfo,
    Table,
    _iso_and_ts,
    format_cell,
)

__all__ = [
    "CACHE_FILE",
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

CACHE_FILE = ".metalab-index.json"
CACHE_FORMAT = "metalab-tui-index"
CACHE_VERSION = 1
RACY_NS = 1_000_000_000
"""A record modified less than this long before it was read is re-read next time."""
CACHE_SAVE_INTERVAL = 10.0
"""Seconds between cache writes while a live tree is being refreshed."""

STATUSES = ("success", "failed", "running", "cancelled")


# -- rows ---------------------------------------------------------------------------------


@dataclass(slots=True)
class RunRow:
    """What the browser keeps of one run record (the rest is read on demand).

    ``params``, ``metrics`` and ``derived`` keep the record's own (nested) dicts and key
    order, so an export can rebuild exactly what ``Results.rows()`` gives.
    """

    run_id: str
    experiment_id: str
    status: str
    started_at: str | None = None
    finished_at: str | None = None
    started_ts: float | None = None
    finished_ts: float | None = None
    duration_ms: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    error_type: str | None = None
    error_message: str | None = None
    context_fingerprint: str = ""
    params_fingerprint: str = ""
    seed_fingerprint: str = ""
    replicate: int | None = None
    """``provenance.extra.replicate`` as recorded (None for trees that lack it)."""
    executor_id: str = ""
    host: str = ""
    artifacts: list[str] = field(default_factory=list)
    warnings: int = 0
    notes: str | None = None
    record_file: str = ""
    derived: dict[str, Any] = field(default_factory=dict)
    """``derived/<run_id>.json``, merged in by the experiment (not part of the record)."""
    replicate_guess: int | None = None
    """The replicate worked out from the seed fingerprint when the record has none."""

    _CACHED = (
        "run_id", "experiment_id", "status", "started_at", "finished_at", "started_ts",
        "finished_ts", "duration_ms", "params", "metrics", "tags", "error_type",
        "error_message", "context_fingerprint", "params_fingerprint", "seed_fingerprint",
        "replicate", "executor_id", "host", "artifacts", "warnings", "notes", "record_file",
    )  # fmt: skip

    @classmethod
    def from_record(cls, d: Mapping[str, Any], record_file: str = "") -> RunRow:
        """Parse a run record dict (ours or the reference's schema 0.1; missing keys ok)."""
        prov = d.get("provenance") or {}
        extra = prov.get("extra") or {} if isinstance(prov, dict) else {}
        error = d.get("error") if isinstance(d.get("error"), dict) else None
        status = str(d.get("status") or "running")
        if status not in STATUSES:
            status = "running"  # as RunRecord.from_dict does
        started, started_ts = _iso_and_ts(d.get("started_at"))
        finished, finished_ts = _iso_and_ts(d.get("finished_at"))
        replicate = extra.get("replicate") if isinstance(extra, dict) else None
        duration = d.get("duration_ms")
        artifacts = d.get("artifacts") or []
        return cls(
            run_id=str(d.get("run_id") or Path(record_file).stem),
            experiment_id=str(d.get("experiment_id") or ""),
            status=status,
            started_at=started,
            finished_at=finished,
            started_ts=started_ts,
            finished_ts=finished_ts,
            duration_ms=int(duration) if isinstance(duration, int | float) else None,
            params=dict(d.get("params_resolved") or {}),
            metrics=dict(d.get("metrics") or {}),
            tags=[str(t) for t in d.get("tags") or []],
            error_type=str(error.get("type")) if error and error.get("type") else None,
            error_message=str(error.get("message")) if error and error.get("message") else None,
            context_fingerprint=str(d.get("context_fingerprint") or ""),
            params_fingerprint=str(d.get("params_fingerprint") or ""),
            seed_fingerprint=str(d.get("seed_fingerprint") or ""),
            replicate=replicate if isinstance(replicate, int) and replicate >= 0 else None,
            executor_id=str(prov.get("executor_id") or "") if isinstance(prov, dict) else "",
            host=str(prov.get("host") or "") if isinstance(prov, dict) else "",
            artifacts=[str(a.get("name")) for a in artifacts if isinstance(a, dict)],
            warnings=len(d.get("warnings") or []),
            notes=d.get("notes") if isinstance(d.get("notes"), str) else None,
            record_file=record_file,
        )

    def to_cache(self) -> list[Any]:
        return [getattr(self, name) for name in self._CACHED]

    @classmethod
    def from_cache(cls, values: list[Any]) -> RunRow:
        if not isinstance(values, list) or len(values) != len(cls._CACHED):
            raise ValueError("cache entry has the wrong shape")
        row = cls(*values)  # _CACHED lists the leading fields in declaration order
        if not isinstance(row.params, dict) or not isinstance(row.metrics, dict):
            raise ValueError("cache entry is malformed")
        return row

    @property
    def effective_replicate(self) -> int | None:
        return self.replicate if self.replicate is not None else self.replicate_guess

    def record_fields(self) -> tuple[Any, ...]:
        """The values of :data:`RECORD_FIELDS`, in that order (times as ISO text)."""
        return (
            self.run_id,
            self.experiment_id,
            self.status,
            self.started_at,
            self.finished_at,
            self.duration_ms,
            self.effective_replicate,
            self.seed_fingerprint or None,
            self.params_fingerprint or None,
            self.context_fingerprint or None,
            self.executor_id or None,
            self.host or None,
            ",".join(self.tags) or None,
            self.error_type,
            self.error_message,
            ",".join(self.artifacts) or None,
            self.warnings,
        )

    def flat(self) -> dict[str, Any]:
        """This run as ``{column name: value}`` (times as ISO text, missing keys absent)."""
        out = dict(zip(RECORD_FIELDS, self.record_fields(), strict=True))
        out.update(self.flat_data())
        return out

    def flat_data(self) -> dict[str, Any]:
        """Just the ``params.*``, ``metrics.*`` and ``derived.*`` part of :meth:`flat`."""
        out: dict[str, Any] = {}
        _flatten("params.", self.params, out)
        _flatten("metrics.", self.metrics, out)
        _flatten("derived.", self.derived, out)
        return out


def _flatten(prefix: str, data: Mapping[str, Any], out: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, dict) and value:
            _flatten(f"{prefix}{key}.", value, out)
        else:
            out[f"{prefix}{key}"] = value


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


FileKey = tuple[int, int, int]
"""(mtime_ns, size, inode) of a file: a change in any means re-read it."""


@dataclass
class Changes:
    """What a refresh found: run ids added, changed and removed, and experiments."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    experiments_added: list[str] = field(default_factory=list)
    experiments_removed: list[str] = field(default_factory=list)
    manifest_changed: list[str] = field(default_factory=list)
    """Experiments whose manifests changed (a new launch)."""

    def __bool__(self) -> bool:
        return bool(
            self.added or self.changed or self.removed or self.experiments_added
            or self.experiments_removed or self.manifest_changed
        )  # fmt: skip

    def extend(self, other: Changes) -> None:
        for name in ("added", "changed", "removed", "experiments_added",
                     "experiments_removed", "manifest_changed"):  # fmt: skip
            getattr(self, name).extend(getattr(other, name))


@dataclass(frozen=True)
class ExperimentSummary:
    """One line of the experiments list (atlas §2.1)."""

    key: str
    experiment_id: str
    name: str
    version: str
    description: str
    tags: tuple[str, ...]
    path: Path
    counts: dict[str, int]
    n_runs: int
    total: int
    total_from_manifest: bool
    latest_started_at: str | None
    latest_started_ts: float | None
    manifests: int

    @property
    def done(self) -> int:
        return self.counts.get("success", 0) + self.counts.get("failed", 0)

    @property
    def completion(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total and not self.counts.get("running")

    @property
    def state(self) -> str:
        """``complete`` or ``in progress``, plus `` with failures`` when any run failed."""
        base = "complete" if self.complete else "in progress"
        return f"{base} with failures" if self.counts.get("failed") else base

    def flat(self) -> dict[str, Any]:
        """As a row of the experiments table (so filters and sorts work on it)."""
        return {
            "experiment.id": self.experiment_id,
            "experiment.name": self.name,
            "experiment.version": self.version,
            "experiment.tags": ",".join(self.tags) or None,
            "experiment.state": self.state,
            "experiment.total": self.total,
            "experiment.success": self.counts.get("success", 0),
            "experiment.failed": self.counts.get("failed", 0),
            "experiment.running": self.counts.get("running", 0),
            "experiment.cancelled": self.counts.get("cancelled", 0),
            "experiment.completion": self.completion,
            "experiment.latest_run": self.latest_started_at,
        }


def _scan(folder: Path, suffix: str) -> dict[str, FileKey]:
    """``{file name: key}`` of the visible ``*suffix`` files in ``folder``."""
    out: dict[str, FileKey] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or not name.endswith(suffix):
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                out[name] = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        pass
    return out


def _read_json(path: Path) -> Any:
    with open(path, "rb") as fh:
        return json.loads(fh.read())


@dataclass
class _Entry:
    key: FileKey
    read_ns: int
    value: Any

    @property
    def settled(self) -> bool:
        return self.key[0] < self.read_ns - RACY_NS


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
        self.use_cache = use_cache
        self._lock = lock or threading.RLock()
        self.meta: dict[str, Any] = {}
        self.manifest: dict[str, Any] | None = None
        """The latest experiment manifest (``experiments/*.json``), or None."""
        self.manifest_files: list[Path] = []
        """Manifest files, oldest first."""
        self.unreadable: list[str] = []
        """Record files that could not be parsed at the last scan (retried each refresh)."""
        self.parsed = 0
        """How many record files were parsed (not taken from the cache) so far."""
        self.cache_used = False
        self.key = ""
        self._runs: dict[str, _Entry] = {}
        self._derived: dict[str, _Entry] = {}
        self._manifest_keys: dict[str, FileKey] = {}
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
        try:
            meta = _read_json(self.path / META_FILE)
            self.meta = meta if isinstance(meta, dict) else {}
        except (OSError, ValueError):
            self.meta = {}

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
        return self.path / CACHE_FILE

    # -- manifests ----------------------------------------------------------------------

    def _load_manifests(self) -> bool:
        keys = _scan(self.path / "experiments", ".json")
        if keys == self._manifest_keys:
            return False
        self._manifest_keys = keys
        latest: tuple[str, str, dict[str, Any]] | None = None
        for name in keys:
            try:
                data = _read_json(self.path / "experiments" / name)
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict):
                continue
            rank = (str(data.get("submitted_at") or ""), name, data)
            if latest is None or rank[:2] > latest[:2]:
                latest = rank
        self.manifest = latest[2] if latest else None
        self.manifest_files = [self.path / "experiments" / n for n in sorted(keys)]
        return True

    # -- cache ----------------------------------------------------------------------------

    def _load_cache(self) -> None:
        try:
            data = _read_json(self.cache_path)
        except (OSError, ValueError):
            return
        try:
            if data.get("format") != CACHE_FORMAT or data.get("version") != CACHE_VERSION:
                return
            runs, derived = data["runs"], data["derived"]
            if not isinstance(runs, dict) or not isinstance(derived, dict):
                return
        except (AttributeError, KeyError, TypeError):
            return
        for target, entries, convert in (
            (self._runs, runs, RunRow.from_cache),
            (self._derived, derived, _as_dict),
        ):
            for name, item in entries.items():
                try:
                    mtime, size, ino, read_ns, value = item
                    target[name] = _Entry(
                        (int(mtime), int(size), int(ino)), int(read_ns), convert(value)
                    )
                except (TypeError, ValueError):
                    continue  # this entry is re-read; the rest still count
        self.cache_used = bool(self._runs)

    @_locked
    def save_cache(self, *, force: bool = False) -> bool:
        """Write the cache if anything changed (atomically); False when not written."""
        if not (self.use_cache and self._cache_writable and (self._dirty or force)):
            return False
        payload = {
            "format": CACHE_FORMAT,
            "version": CACHE_VERSION,
            "runs": {
                name: [*e.key, e.read_ns, e.value.to_cache()]
                for name, e in self._runs.items()
                if e.settled
            },
            "derived": {
                name: [*e.key, e.read_ns, e.value] for name, e in self._derived.items() if e.settled
            },
        }
        try:
            text = json.dumps(payload, separators=(",", ":"), default=str)
            atomic.write_text(self.cache_path, text)
        except (OSError, TypeError, ValueError):
            self._cache_writable = False  # read-only tree (or odd values): browse uncached
            return False
        self._dirty = False
        self._last_save = time.monotonic()
        return True

    # -- scanning -------------------------------------------------------------------------

    def _sync(
        self, folder: Path, entries: dict[str, _Entry], parse: Any
    ) -> tuple[list[str], list[str], list[str]]:
        """Bring ``entries`` in line with ``folder``; returns added, changed, removed names."""
        keys = _scan(folder, ".json")
        added: list[str] = []
        changed: list[str] = []
        removed = [name for name in entries if name not in keys]
        for name in removed:
            del entries[name]
        for name, key in keys.items():
            old = entries.get(name)
            if old is not None and old.key == key and old.settled:
                continue
            read_ns = time.time_ns()
            try:
                value = parse(folder / name, name)
            except (OSError, ValueError, TypeError, AttributeError):
                entries.pop(name, None)
                if folder == self.runs_dir:
                    self.unreadable.append(name)
                    if old is not None:
                        removed.append(name)
                continue
            entries[name] = _Entry(key, read_ns, value)
            self._dirty = True
            if old is None:
                added.append(name)
            elif old.key != key or _differs(old.value, value):
                changed.append(name)
        return added, changed, removed

    def _parse_record(self, path: Path, name: str) -> RunRow:
        data = _read_json(path)
        if not isinstance(data, dict):
            raise ValueError(f"{path} is not a run record")
        self.parsed += 1
        return RunRow.from_record(data, name)

    @staticmethod
    def _parse_derived(path: Path, name: str) -> dict[str, Any]:
        return _as_dict(_read_json(path))

    def _update(self) -> Changes:
        self.unreadable = []
        old_ids = {n: e.value.run_id for n, e in self._runs.items()}
        added, changed, removed = self._sync(self.runs_dir, self._runs, self._parse_record)
        d_added, d_changed, d_removed = self._sync(
            self.path / "derived", self._derived, self._parse_derived
        )
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
            guesses = self._guess_replicates([self._runs[n].value for n in names])
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

    def _guess_replicates(self, rows: list[RunRow]) -> dict[str, int]:
        """``{seed fingerprint: replicate}`` from the manifest's seed plan, else seed order."""
        missing = [r for r in rows if r.replicate is None]
        if not missing:
            return {}
        mapping: dict[str, int] = {}
        seeds = (self.manifest or {}).get("seeds") or {}
        try:
            base, reps = int(seeds["base"]), int(seeds["replicates"])
            for i in range(min(reps, 10_000)):
                mapping[fingerprint({"root_seed": base, "replicate_index": i})] = i
        except (KeyError, TypeError, ValueError):
            pass
        if not any(r.seed_fingerprint in mapping for r in missing):
            first_seen: dict[str, float] = {}
            for r in rows:
                if r.seed_fingerprint:
                    ts = r.started_ts if r.started_ts is not None else math.inf
                    first_seen[r.seed_fingerprint] = min(first_seen.get(r.seed_fingerprint, ts), ts)
            order = sorted(first_seen, key=lambda fp: (first_seen[fp], fp))
            mapping = {fp: i for i, fp in enumerate(order)}
        return mapping

    @property
    @_locked
    def table(self) -> Table:
        """The runs table of this experiment (rebuilt only after a change)."""
        if self._table is None:
            self._table = Table.from_rows(self.rows)
        return self._table

    @_locked
    def summary(self) -> ExperimentSummary:
        counts = dict.fromkeys(STATUSES, 0)
        latest: tuple[float, str] | None = None
        for entry in self._runs.values():
            row = entry.value
            counts[row.status] = counts.get(row.status, 0) + 1
            if row.started_ts is not None and (latest is None or row.started_ts > latest[0]):
                latest = (row.started_ts, row.started_at or "")
        manifest = self.manifest or {}
        total = manifest.get("total_runs")
        from_manifest = isinstance(total, int) and not isinstance(total, bool)
        eid = self.experiment_id
        name, _, version = eid.partition(":")
        return ExperimentSummary(
            key=self.key or eid,
            experiment_id=eid,
            name=str(manifest.get("name") or name),
            version=str(manifest.get("version") or version),
            description=str(manifest.get("description") or ""),
            tags=tuple(str(t) for t in manifest.get("tags") or ()),
            path=self.path,
            counts=counts,
            n_runs=len(self._runs),
            total=int(total) if from_manifest else len(self._runs),
            total_from_manifest=from_manifest,
            latest_started_at=latest[1] if latest else None,
            latest_started_ts=latest[0] if latest else None,
            manifests=len(self.manifest_files),
        )

    @property
    def store(self) -> FileStore:
        """The metalab store of this folder, for a run's artifacts, curves and logs."""
        return FileStore(self.path, self.experiment_id)

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


def _as_dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


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
