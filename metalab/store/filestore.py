"""One experiment's folder in a results tree: writing runs into it and reading them back.

A :class:`FileStore` is deliberately small and stateless: every method goes to disk,
so several processes (a sweep, a TUI browsing it, a job on another node writing into
a shared folder) can use the same tree at once. One sweep at a time writes a folder
(it holds the experiment's lock, :mod:`metalab.store.lock`); within it each run's files
are written by the one worker running it; files that are replaced are replaced
atomically. Readers take no lock and write nothing.

A tree may be damaged (a truncated record, a torn line) or hostile (a symlink, or an
artifact path, leading out of the tree). Reading never follows either out of the
tree: every file is checked to resolve inside the experiment's folder, and one that
does not is refused with :class:`~metalab.errors.OutsideTreeError`, or skipped by the
methods that list. :meth:`FileStore.scan_run_records` says which records it skipped
and why.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from metalab import artifacts as _artifacts
from metalab.errors import OutsideTreeError, StoreError
from metalab.store import atomic, log_tail, stepped
from metalab.store.bounds import inside_tree
from metalab.store.layout import META_FILE, TreeLayout, decode_name, safe_experiment_id
from metalab.store.lock import ExperimentLock
from metalab.types import ArtifactDescriptor, RunRecord

__all__ = ["FileStore", "Skipped", "decode_json", "open_store"]

log = logging.getLogger("metalab.store")

Skipped = tuple[Path, str]
"""A file a reader left out, and why."""

_UNWRITABLE = "pass a folder you can write to (--store DIR, or store = ... in the experiment file)"


class FileStore:
    """The folder of one experiment (``<collection>/<name>_<version>``)."""

    def __init__(self, root: str | os.PathLike[str], experiment_id: str | None = None) -> None:
        self.root = Path(root).absolute()
        self.layout = TreeLayout(self.root)
        self._real_root: Path | None = None
        self.experiment_id = experiment_id or self._read_experiment_id()

    def _read_experiment_id(self) -> str:
        try:
            meta = json.loads(self._read_bytes(self.layout.meta))
            return str(meta.get("experiment_id") or "") if isinstance(meta, dict) else ""
        except (OSError, ValueError):
            return ""

    # -- staying inside the tree ----------------------------------------------------------

    @property
    def real_root(self) -> Path:
        """The experiment folder with every symlink resolved (the tree's boundary)."""
        if self._real_root is None:
            self._real_root = self.root.resolve()
        return self._real_root

    def contains(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path``, symlinks followed, is inside this experiment's folder."""
        return inside_tree(self.real_root, path)

    def checked(self, path: Path) -> Path:
        """``path`` itself, when it stays inside the tree; else OutsideTreeError."""
        if not self.contains(path):
            try:
                target = f" (it leads to {str(path.resolve())!r})"
            except (OSError, RuntimeError):
                target = ""
            raise OutsideTreeError(
                f"{str(path)!r} leads out of the results tree {str(self.root)!r}{target}; "
                "it was not read"
            )
        return path

    def _read_bytes(self, path: Path) -> bytes:
        return self.checked(path).read_bytes()

    def __repr__(self) -> str:
        return f"FileStore({str(self.root)!r})"

    def get_working_directory(self) -> Path:
        return self.root

    # -- creation ---------------------------------------------------------------

    def create(self) -> None:
        """Make the folder and its sub-folders, and mark it with ``_meta.json``.

        Raises:
            StoreError: the folder cannot be made or written (read-only, not ours).
        """
        try:
            self.layout.ensure()
            if not self.layout.meta.exists():
                atomic.write_json(
                    self.layout.meta,
                    {
                        "created_by": "metalab",
                        "experiment_id": self.experiment_id,
                        "schema_version": "0.1",
                    },
                )
        except OSError as exc:
            raise StoreError(
                f"cannot write the results folder {str(self.root)!r}: "
                f"{exc.strerror or exc}; {_UNWRITABLE}"
            ) from None

    def lock(self, on_lost: Callable[[str], None] | None = None) -> ExperimentLock:
        """The experiment's lock (not yet taken: call ``acquire()``)."""
        return ExperimentLock(self.root, self.experiment_id, on_lost=on_lost)

    def check_writable(self) -> None:
        """Create and remove a file in each of the folder's sub-folders, or raise
        StoreError naming the first one that cannot be written."""
        for folder in (self.root, *self.layout.folders):
            probe = atomic.temp_path_for(folder / "probe")
            try:
                fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                os.close(fd)
                probe.unlink()
            except OSError as exc:
                raise StoreError(
                    f"cannot write to the results folder {str(folder)!r}: "
                    f"{exc.strerror or exc}; {_UNWRITABLE}"
                ) from None

    def sweep_abandoned(self) -> int:
        """Remove temporaries whose writer is gone; call it only while holding the lock."""
        return atomic.sweep_temporaries(self.root)

    # -- run records --------------------------------------------------------------

    def put_run_record(self, record: RunRecord) -> None:
        atomic.write_json(self.layout.run_record(record.run_id), record.to_dict())

    def read_run_record(self, path: Path) -> RunRecord:
        """The record in ``path`` (``runs/<run_id>.json``).

        Raises:
            OSError: it cannot be read (OutsideTreeError: it leads out of the tree).
            ValueError: it is not a run record; the message says what is wrong.
        """
        return self.read_run_payload(path)[0]

    def read_run_payload(self, path: Path) -> tuple[RunRecord, dict[str, Any]]:
        """The record in ``path`` and the JSON object it was parsed from, for a reader
        that shows what the schema maps away (a status metalab does not write, such as
        ``preempted``); raises as :meth:`read_run_record` does."""
        return self._parse_run_record(path, self._read_bytes(path))

    @staticmethod
    def _parse_run_record(path: Path, data: bytes) -> tuple[RunRecord, dict[str, Any]]:
        """The one way a record file's bytes become a record: a record without a
        ``run_id`` is the run its file's name says, one holding another is refused."""
        payload = decode_json(data)
        return RunRecord.from_dict(payload, path.stem), payload

    def get_run_record(self, run_id: str) -> RunRecord | None:
        """The run's record; None when missing, unreadable or damaged."""
        try:
            return self.read_run_record(self.layout.run_record(run_id))
        except (OSError, ValueError):
            return None

    def run_ids(self) -> list[str]:
        try:
            return sorted(
                p.stem for p in self.layout.runs_dir.glob("*.json") if not p.name.startswith(".")
            )
        except OSError:
            return []

    def scan_run_records(self) -> tuple[list[RunRecord], list[Skipped]]:
        """Every readable run record, and the record files skipped with the reason."""
        records: list[RunRecord] = []
        skipped: list[Skipped] = []
        runs_dir = self.layout.runs_dir
        if not runs_dir.is_dir():
            return records, skipped
        if not self.contains(runs_dir):
            return records, [(runs_dir, "the runs folder leads out of the results tree")]
        try:
            entries = sorted(
                (e for e in os.scandir(runs_dir) if e.name.endswith(".json")),
                key=lambda e: e.name,
            )
        except OSError as exc:
            return records, [(runs_dir, f"the runs folder cannot be read: {exc.strerror}")]
        for entry in entries:
            if entry.name.startswith("."):
                continue  # a temporary (or a hidden file): not a record
            path = Path(entry.path)
            try:
                # the folder is inside the tree: only a symlinked entry can lead out of it
                if entry.is_symlink() and not self.contains(path):
                    skipped.append((path, "a symlink out of the results tree: not read"))
                    continue
                records.append(self._parse_run_record(path, path.read_bytes())[0])
            except (OSError, ValueError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                skipped.append((path, f"not a run record: {reason}"))
        return records, skipped

    def list_run_records(self) -> list[RunRecord]:
        """Every readable run record; unreadable ones are skipped, not fatal."""
        return self.scan_run_records()[0]

    def touch_run(self, run_id: str) -> None:
        """Heartbeat: a live run's record mtime keeps moving while it captures."""
        with contextlib.suppress(OSError):
            os.utime(self.layout.run_record(run_id))

    # -- artifacts -----------------------------------------------------------------

    def put_artifact(
        self,
        run_id: str,
        name: str,
        data: bytes,
        *,
        kind: str,
        fmt: str,
        metadata: dict[str, Any] | None = None,
    ) -> ArtifactDescriptor:
        folder = self.layout.artifacts_dir(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.{fmt}" if fmt else folder / name
        atomic.write_bytes(target, data)
        descriptor = ArtifactDescriptor(
            artifact_id=str(uuid.uuid4()),
            name=name,
            kind=kind,
            format=fmt,
            uri=str(target),
            content_hash=hashlib.sha256(data).hexdigest()[:16],
            size_bytes=len(data),
            metadata=dict(metadata or {}),
        )
        manifest = [a for a in self.list_artifacts(run_id) if a.name != name]
        manifest.append(descriptor)
        atomic.write_json(
            self.layout.artifact_manifest(run_id),
            {"artifacts": [a.to_dict() for a in manifest]},
        )
        return descriptor

    def list_artifacts(self, run_id: str) -> list[ArtifactDescriptor]:
        """The run's artifact manifest (ours, ``{"artifacts": [...]}``, or a plain list);
        [] when it is missing, damaged or leads out of the tree."""
        try:
            payload = json.loads(self._read_bytes(self.layout.artifact_manifest(run_id)))
        except (OSError, ValueError):
            return []
        entries = payload.get("artifacts", []) if isinstance(payload, dict) else payload
        if not isinstance(entries, list):
            return []
        return [ArtifactDescriptor.from_dict(a) for a in entries if isinstance(a, dict)]

    def artifact_path(self, run_id: str, descriptor: ArtifactDescriptor) -> Path:
        """Where the artifact is: always in this run's artifact folder, under the file
        name of its recorded uri, so a moved or copied tree still loads and a uri
        pointing elsewhere is never followed out of the tree.

        Raises:
            OutsideTreeError: the file (or the run's artifact folder) is a symlink
                leading out of the tree.
        """
        name = Path(descriptor.uri.replace("\\", "/")).name
        if name in ("", ".", ".."):
            stem = Path(descriptor.name.replace("\\", "/")).name or "artifact"
            name = f"{stem}.{descriptor.format}" if descriptor.format else stem
        local = self.layout.artifacts_dir(run_id) / name
        return self.checked(local)

    def load_artifact(self, run_id: str, descriptor: ArtifactDescriptor) -> Any:
        return _artifacts.load(
            self.artifact_path(run_id, descriptor), descriptor.kind, descriptor.format
        )

    # -- results: stepped metrics and capture.data ---------------------------------

    def put_result(self, run_id: str, name: str, payload: dict[str, Any]) -> None:
        folder = self.layout.results_dir(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        atomic.write_json(self.layout.result(run_id, name), payload, indent=None)

    def list_results(self, run_id: str) -> list[str]:
        """Names of the run's data entries and stepped metrics, sealed or still live."""
        folder = self.layout.results_dir(run_id)
        if not self.contains(folder):
            log.warning("%s leads out of the results tree; it was not listed", folder)
            return []
        try:
            names = {
                decode_name(p.name.rsplit(".", 1)[0])
                for p in folder.iterdir()
                if p.suffix in (".json", ".jsonl") and not p.name.startswith(".")
            }
        except OSError:
            return []
        return sorted(names)

    def get_result(self, run_id: str, name: str) -> dict[str, Any]:
        """A data entry as stored: ``{"data", "dtype", "shape", "metadata"}``.

        Raises:
            KeyError: no such entry. OutsideTreeError: its file leads out of the tree.
            ValueError: its file is damaged (the message names it).
        """
        sealed, stream = self._result_files(run_id, name)
        if sealed.exists():
            try:
                entry = json.loads(self._read_bytes(sealed))
            except ValueError:
                raise ValueError(f"{str(sealed)!r} is damaged: not valid JSON") from None
            if not isinstance(entry, dict):
                raise ValueError(f"{str(sealed)!r} is damaged: not a data entry")
            return entry
        if stream.exists():
            steps, values = stepped.read_stream(self.checked(stream))
            data = [[int(s), float(v)] for s, v in zip(steps, values, strict=True)]
            return {
                "data": data,
                "dtype": None,
                "shape": [len(data), 2],
                "metadata": {**stepped.STEPPED_METADATA, "live": True},
            }
        raise KeyError(f"run {run_id} has no data or stepped metric named {name!r}")

    def read_stepped(self, run_id: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Steps and values of a stepped metric, whether the run is finished or live."""
        sealed, stream = self._result_files(run_id, name)
        if sealed.exists():
            try:
                return stepped.read_sealed(self.checked(sealed))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{str(sealed)!r} is damaged: {exc}") from None
        if stream.exists():
            return stepped.read_stream(self.checked(stream))
        raise KeyError(f"run {run_id} has no stepped metric named {name!r}")

    def _result_files(self, run_id: str, name: str) -> tuple[Path, Path]:
        """The sealed and the live file of a data entry or stepped metric.

        Raises:
            OutsideTreeError: either is there (a symlink too, dangling or not) and leads
                out of the tree: the entry is refused, never taken for missing.
        """
        files = (self.layout.result(run_id, name), self.layout.stream(run_id, name))
        for path in files:
            if os.path.lexists(path):
                self.checked(path)
        return files

    def stepped_names(self, run_id: str) -> list[str]:
        """Names of the run's stepped metrics (live streams and sealed ones). Files
        leading out of the tree are not looked into (they are listed as data entries,
        which then refuse to load)."""
        names = []
        for name in self.list_results(run_id):
            stream = self.layout.stream(run_id, name)
            if os.path.lexists(stream):
                if self.contains(stream):
                    names.append(name)
                continue
            try:
                meta = json.loads(self._read_bytes(self.layout.result(run_id, name)))
                meta = meta.get("metadata") or {}
            except (OSError, ValueError, AttributeError):
                continue
            if isinstance(meta, dict) and meta.get("type") == "stepped_metric":
                names.append(name)
        return names

    # -- logs -------------------------------------------------------------------------

    def log_path(self, run_id: str, name: str = "run") -> Path:
        return self.layout.log(run_id, name)

    def get_log(self, run_id: str, name: str = "run") -> str | None:
        """The log's text (undecodable bytes replaced); None when it is missing, or is a
        symlink out of the tree (then with a warning on the ``metalab.store`` logger)."""
        path = self.layout.log(run_id, name)
        try:
            return self._read_bytes(path).decode("utf-8", errors="replace")
        except OutsideTreeError as exc:
            log.warning("%s", exc)
            return None
        except OSError:
            return None

    def read_log_tail(
        self, run_id: str, name: str = "run", *, lines: int = 1000, before: int | None = None
    ) -> log_tail.LogPage | None:
        """The last ``lines`` lines of the log (before byte ``before``), read from its end,
        so a 200 MB log opens at once; None as for :meth:`get_log`."""
        path = self.layout.log(run_id, name)
        try:
            return log_tail.read_tail(self.checked(path), lines, before=before)
        except OutsideTreeError as exc:
            log.warning("%s", exc)
            return None
        except OSError:
            return None

    def list_logs(self, run_id: str) -> list[str]:
        """Names of the run's logs; none when ``logs/`` leads out of the tree."""
        if not self.contains(self.layout.logs_dir):
            return []
        prefix = f"{run_id}_"
        try:
            return sorted(
                p.name[len(prefix) : -len(".log")]
                for p in self.layout.logs_dir.glob(f"{prefix}*.log")
            )
        except OSError:
            return []

    # -- derived metrics ----------------------------------------------------------------

    def get_derived(self, run_id: str) -> dict[str, Any]:
        try:
            derived = json.loads(self._read_bytes(self.layout.derived(run_id)))
        except (OSError, ValueError):
            return {}
        return dict(derived) if isinstance(derived, dict) else {}

    # -- experiment manifests -----------------------------------------------------------

    def put_experiment_manifest(
        self, manifest: dict[str, Any], *, toml_text: str | None = None
    ) -> Path:
        """Write this launch's manifest (and, when given, the experiment file behind it)."""
        stamp = _dt.datetime.now().strftime("%Y%m%d_%H%M%S")
        base = f"{safe_experiment_id(self.experiment_id)}_{stamp}"
        path = self.layout.manifests_dir / f"{base}.json"
        n = 1
        while path.exists():  # two launches in one second keep both manifests
            path = self.layout.manifests_dir / f"{base}_{n}.json"
            n += 1
        atomic.write_json(path, manifest)
        if toml_text is not None:
            atomic.write_text(path.with_suffix(".toml"), toml_text)
        return path

    def list_manifests(self) -> list[Path]:
        """Manifest files, oldest first; those leading out of the tree are left out."""
        try:
            found = sorted(self.layout.manifests_dir.glob("*.json"))
        except OSError:
            return []
        return [path for path in found if self.contains(path)]

    def latest_manifest(self) -> dict[str, Any] | None:
        for path in reversed(self.list_manifests()):
            try:
                manifest = json.loads(self._read_bytes(path))
            except (OSError, ValueError):
                continue
            if isinstance(manifest, dict):
                return manifest
        return None


def decode_json(data: bytes) -> Any:
    """The JSON value of a file's bytes (NaN too, as the reference writes it); else
    ValueError saying briefly why: ``the file is empty`` or ``not valid JSON``."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass  # not JSON to orjson; maybe NaN, as the reference writes
    try:
        return json.loads(data)
    except ValueError:  # binary garbage too (not UTF-8)
        what = "empty" if not data.strip() else "not valid JSON (truncated?)"
        raise ValueError(f"the file is {what}") from None


def open_store(
    location: str | os.PathLike[str] | None, experiment_id: str, *, create: bool
) -> FileStore:
    """The store for ``experiment_id`` under the collection root ``location``.

    ``location`` defaults to ``./experiments``. A path that exists and is not a folder
    is refused before anything is written.
    """
    collection = Path(location if location is not None else "experiments")
    if isinstance(location, str) and location.startswith("file://"):
        collection = Path(location[len("file://") :])
    if collection.exists() and not collection.is_dir():
        raise StoreError(
            f"store {str(collection)!r} is a file, not a folder: pass the folder that should "
            "hold the results tree (the default is ./experiments)"
        )
    if (collection / META_FILE).is_file():
        root = collection  # already an experiment's folder
    else:
        root = collection / safe_experiment_id(experiment_id)
    if root.exists() and not root.is_dir():
        raise StoreError(
            f"store folder {str(root)!r} exists and is a file; remove it or pick another store"
        )
    store = FileStore(root, experiment_id)
    if create:
        store.create()
    return store
