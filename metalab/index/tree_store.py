"""The store the browser reads a run through: a FileStore that never leaves the tree.

Why it exists: the run detail, the plots and compare read a run's record, artifacts,
data, curves and logs through :class:`~metalab.store.filestore.FileStore`, which
trusts the tree. A damaged or hostile tree is not to be trusted: a symlink in
``artifacts/``, ``results/`` or ``logs/`` may lead to any file on the machine, an
artifact descriptor may record a uri anywhere, a record may hold the wrong kinds of
values. :class:`TreeStore` is what :attr:`ExperimentIndex.store
<metalab.index.tree.ExperimentIndex.store>` hands out: every file it reads is first
checked to lie inside the experiment's folder (:func:`~metalab.index.tree_bounds.
inside_tree`), and one that does not is refused with
:class:`~metalab.errors.OutsideTreeError` (a ``PermissionError``, so a screen
that shows "could not be read: ..." says why), or left out of a list. Artifacts are
looked for in the run's own artifact folder only, under the file name of their
recorded uri, so a tree copied from another machine still loads and a uri pointing
elsewhere is never followed. A record that cannot be read as one is None, as a
missing one is.

:func:`read_record` reads a record once and gives, with the parsed
:class:`~metalab.types.RunRecord` (whose status is one of metalab's), the status as
the record writes it (``preempted``), which the screens show.

No textual here: this is the browser's data layer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from metalab.errors import OutsideTreeError
from metalab.index.tree_bounds import OUTSIDE_TREE, inside_tree, real_path
from metalab.store.filestore import FileStore
from metalab.types import ArtifactDescriptor, RunRecord

__all__ = ["TreeStore", "read_record"]


class TreeStore(FileStore):
    """A :class:`FileStore` that reads only files inside its experiment folder."""

    def __init__(self, root: str | os.PathLike[str], experiment_id: str | None = None) -> None:
        self.bounds = real_path(root)
        """The folder's real path: nothing outside it is read."""
        super().__init__(root, experiment_id)

    def _read_experiment_id(self) -> str:
        if not inside_tree(self.bounds, self.layout.meta):
            return ""
        return super()._read_experiment_id()

    def contains(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path``, symlinks followed, is inside this experiment's folder."""
        return inside_tree(self.bounds, path)

    def checked(self, path: Path) -> Path:
        """``path`` itself when it stays inside the tree; else :class:`OutsideTreeError`."""
        if not self.contains(path):
            raise OutsideTreeError(f"{path.relative_to(self.root)} {OUTSIDE_TREE}")
        return path

    # -- records ---------------------------------------------------------------------------

    def get_run_record(self, run_id: str) -> RunRecord | None:
        """The run's record; None when missing, leading out of the tree, or not a record."""
        return read_record(self, run_id)[0]

    # -- artifacts -------------------------------------------------------------------------

    def list_artifacts(self, run_id: str) -> list[ArtifactDescriptor]:
        """The run's artifact manifest (``{"artifacts": [...]}`` or a plain list); []
        when missing, damaged or leading out of the tree. Entries that are not
        descriptors are left out."""
        path = self.layout.artifact_manifest(run_id)
        try:
            payload = json.loads(self.checked(path).read_bytes())
        except (OSError, ValueError):
            return []
        entries = payload.get("artifacts", []) if isinstance(payload, dict) else payload
        return _descriptors(entries if isinstance(entries, list) else [])

    def artifact_path(self, run_id: str, descriptor: ArtifactDescriptor) -> Path:
        """The artifact's file in this run's artifact folder, under the file name of its
        recorded uri (never the uri itself). Raises :class:`OutsideTreeError` when that file
        (or the folder) is a symlink leading out of the tree."""
        name = Path(descriptor.uri.replace("\\", "/")).name
        if name in ("", ".", ".."):
            stem = Path(descriptor.name.replace("\\", "/")).name or "artifact"
            name = f"{stem}.{descriptor.format}" if descriptor.format else stem
        return self.checked(self.layout.artifacts_dir(run_id) / name)

    # -- results ---------------------------------------------------------------------------

    def list_results(self, run_id: str) -> list[str]:
        """The run's data entries and stepped metrics; none when its results folder
        leads out of the tree."""
        if not self.contains(self.layout.results_dir(run_id)):
            return []
        return super().list_results(run_id)

    def get_result(self, run_id: str, name: str) -> dict[str, Any]:
        for path in (self.layout.result(run_id, name), self.layout.stream(run_id, name)):
            if os.path.lexists(path):
                self.checked(path)
        entry = super().get_result(run_id, name)
        if not isinstance(entry, dict):
            raise ValueError(f"data entry {name!r} is damaged: not a JSON object")
        return entry

    def read_stepped(self, run_id: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        for path in (self.layout.result(run_id, name), self.layout.stream(run_id, name)):
            if os.path.lexists(path):
                self.checked(path)
        return super().read_stepped(run_id, name)

    def stepped_names(self, run_id: str) -> list[str]:
        """The run's stepped metrics; files leading out of the tree are not looked into
        (they are listed as data entries, which then refuse to load)."""
        names = []
        for name in self.list_results(run_id):
            stream = self.layout.stream(run_id, name)
            if os.path.lexists(stream):
                if self.contains(stream):
                    names.append(name)
                continue
            sealed = self.layout.result(run_id, name)
            if not self.contains(sealed):
                continue
            try:
                meta = json.loads(sealed.read_bytes()).get("metadata") or {}
            except (OSError, ValueError, AttributeError):
                continue
            if isinstance(meta, dict) and meta.get("type") == "stepped_metric":
                names.append(name)
        return names

    # -- logs, derived, manifests ----------------------------------------------------------

    def log_path(self, run_id: str, name: str = "run") -> Path:
        """The log's file, checked: :class:`OutsideTreeError` when it leads out of the tree."""
        return self.checked(self.layout.log(run_id, name))

    def get_log(self, run_id: str, name: str = "run") -> str | None:
        try:
            return self.log_path(run_id, name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def list_logs(self, run_id: str) -> list[str]:
        if not self.contains(self.layout.logs_dir):
            return []
        return super().list_logs(run_id)

    def get_derived(self, run_id: str) -> dict[str, Any]:
        path = self.layout.derived(run_id)
        try:
            derived = json.loads(self.checked(path).read_bytes())
        except (OSError, ValueError):
            return {}
        return derived if isinstance(derived, dict) else {}

    def list_manifests(self) -> list[Path]:
        return [p for p in super().list_manifests() if self.contains(p)]


def read_record(store: FileStore, run_id: str) -> tuple[RunRecord | None, str | None]:
    """The run's record and its status as written, read once; (None, None) when the
    record is missing, unreadable, not a record, or (with a :class:`TreeStore`) leads
    out of the tree. A record without a status is ``running``, as metalab reads it."""
    path = store.layout.run_record(run_id)
    if isinstance(store, TreeStore) and not store.contains(path):
        return None, None
    try:
        data = json.loads(path.read_bytes())
        record = RunRecord.from_dict(data)
    except (OSError, ValueError, TypeError, AttributeError):
        return None, None
    status = data.get("status") or "running"
    return record, status if isinstance(status, str) else str(record.status.value)


def _descriptors(entries: list[Any]) -> list[ArtifactDescriptor]:
    out = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        try:
            out.append(ArtifactDescriptor.from_dict(entry))
        except (TypeError, ValueError):
            continue  # a damaged descriptor: the rest still count
    return out
