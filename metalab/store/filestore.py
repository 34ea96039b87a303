"""One experiment's folder in a results tree: writing runs into it and reading them back.

A :class:`FileStore` is deliberately small and stateless: every method goes to disk,
so several processes (a sweep, a TUI browsing it, a job on another node writing into
a shared folder) can use the same tree at once. Each run's files are written by the
one worker running it, so no locks are needed; files that are replaced are replaced
atomically.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from metalab import artifacts as _artifacts
from metalab.errors import StoreError
from metalab.store import atomic, stepped
from metalab.store.layout import META_FILE, TreeLayout, decode_name, safe_experiment_id
from metalab.types import ArtifactDescriptor, RunRecord

__all__ = ["FileStore", "open_store"]


class FileStore:
    """The folder of one experiment (``<collection>/<name>_<version>``)."""

    def __init__(self, root: str | os.PathLike[str], experiment_id: str | None = None) -> None:
        self.root = Path(root).absolute()
        self.layout = TreeLayout(self.root)
        self.experiment_id = experiment_id or self._read_experiment_id()

    def _read_experiment_id(self) -> str:
        try:
            meta = json.loads(self.layout.meta.read_text(encoding="utf-8"))
            return str(meta.get("experiment_id") or "")
        except (OSError, ValueError):
            return ""

    def __repr__(self) -> str:
        return f"FileStore({str(self.root)!r})"

    def get_working_directory(self) -> Path:
        return self.root

    # -- creation ---------------------------------------------------------------

    def create(self) -> None:
        """Make the folder and its sub-folders, and mark it with ``_meta.json``."""
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
        atomic.sweep_temporaries(self.root)

    # -- run records --------------------------------------------------------------

    def put_run_record(self, record: RunRecord) -> None:
        atomic.write_json(self.layout.run_record(record.run_id), record.to_dict())

    def get_run_record(self, run_id: str) -> RunRecord | None:
        path = self.layout.run_record(run_id)
        try:
            return RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def run_ids(self) -> list[str]:
        try:
            return sorted(p.stem for p in self.layout.runs_dir.glob("*.json"))
        except OSError:
            return []

    def list_run_records(self) -> list[RunRecord]:
        """Every readable run record; unreadable ones are skipped, not fatal."""
        records = []
        for run_id in self.run_ids():
            record = self.get_run_record(run_id)
            if record is not None:
                records.append(record)
        return records

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
        try:
            payload = json.loads(self.layout.artifact_manifest(run_id).read_text("utf-8"))
        except (OSError, ValueError):
            return []
        return [ArtifactDescriptor.from_dict(a) for a in payload.get("artifacts", [])]

    def artifact_path(self, run_id: str, descriptor: ArtifactDescriptor) -> Path:
        """Where the artifact is now: inside this tree first, so a moved tree still loads."""
        local = self.layout.artifacts_dir(run_id) / Path(descriptor.uri.replace("\\", "/")).name
        if local.exists() or not descriptor.uri:
            return local
        original = Path(descriptor.uri)
        return original if original.exists() else local

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
        """A data entry as stored: ``{"data", "dtype", "shape", "metadata"}``."""
        sealed = self.layout.result(run_id, name)
        if sealed.exists():
            return json.loads(sealed.read_text(encoding="utf-8"))
        stream = self.layout.stream(run_id, name)
        if stream.exists():
            steps, values = stepped.read_stream(stream)
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
        sealed = self.layout.result(run_id, name)
        if sealed.exists():
            return stepped.read_sealed(sealed)
        stream = self.layout.stream(run_id, name)
        if stream.exists():
            return stepped.read_stream(stream)
        raise KeyError(f"run {run_id} has no stepped metric named {name!r}")

    def stepped_names(self, run_id: str) -> list[str]:
        """Names of the run's stepped metrics (live streams and sealed ones)."""
        names = []
        for name in self.list_results(run_id):
            if self.layout.stream(run_id, name).exists():
                names.append(name)
                continue
            try:
                with open(self.layout.result(run_id, name), encoding="utf-8") as fh:
                    head = fh.read()
                meta = json.loads(head).get("metadata") or {}
            except (OSError, ValueError):
                continue
            if meta.get("type") == "stepped_metric":
                names.append(name)
        return names

    # -- logs -------------------------------------------------------------------------

    def log_path(self, run_id: str, name: str = "run") -> Path:
        return self.layout.log(run_id, name)

    def get_log(self, run_id: str, name: str = "run") -> str | None:
        try:
            return self.layout.log(run_id, name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def list_logs(self, run_id: str) -> list[str]:
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
            return dict(json.loads(self.layout.derived(run_id).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

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
        """Manifest files, oldest first."""
        try:
            return sorted(self.layout.manifests_dir.glob("*.json"))
        except OSError:
            return []

    def latest_manifest(self) -> dict[str, Any] | None:
        for path in reversed(self.list_manifests()):
            try:
                return dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        return None


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
