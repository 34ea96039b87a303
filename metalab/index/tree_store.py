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

Every read is :class:`FileStore`'s own (the same checks of a file's place and shape,
the same record parsing as ``load_results``); what is here is only what the browser
says differently: a refused file named inside the tree, and a log's path handed out
checked, for the Logs tab to read. It writes nothing (as no reader does).

:func:`read_record` reads a record once and gives, with the parsed
:class:`~metalab.types.RunRecord` (whose status is one of metalab's), the status as
the record writes it (``preempted``), which the screens show.

No textual here: this is the browser's data layer.
"""

from __future__ import annotations

from pathlib import Path

from metalab.errors import OutsideTreeError
from metalab.index.tree_bounds import OUTSIDE_TREE
from metalab.store.filestore import FileStore
from metalab.types import RunRecord, written_status

__all__ = ["TreeStore", "read_record"]


class TreeStore(FileStore):
    """A :class:`FileStore` that reads only files inside its experiment folder."""

    def checked(self, path: Path) -> Path:
        """``path`` itself when it stays inside the tree; else :class:`OutsideTreeError`
        naming it inside the tree only (the screens show the message)."""
        if not self.contains(path):
            raise OutsideTreeError(f"{path.relative_to(self.root)} {OUTSIDE_TREE}")
        return path

    def log_path(self, run_id: str, name: str = "run") -> Path:
        """The log's file, checked: :class:`OutsideTreeError` when it leads out of the tree."""
        return self.checked(self.layout.log(run_id, name))


def read_record(store: FileStore, run_id: str) -> tuple[RunRecord | None, str | None]:
    """The run's record and its status as written, read once, as ``load_results`` reads
    it; (None, None) when the record is missing, unreadable, not a record (one holding
    another run than its file's name says too), or leads out of the tree."""
    try:
        record, payload = store.read_run_payload(store.layout.run_record(run_id))
    except (OSError, ValueError):
        return None, None
    return record, written_status(payload)
