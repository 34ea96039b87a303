"""What the screen reads once when a run is opened, and again when a live run ends.

Why a module of its own: this is the screen's one slow read (the full record, every
metric's rank among the experiment's runs, the list of stepped metrics, which may mean
parsing large sealed files, and the artifacts), so it runs on a worker thread and
comes back as one :class:`Snapshot` that the screen applies in one go. Until then the
screen shows what the tree index's row already holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from metalab.index import RunRow, TreeIndex
from metalab.index.direction import Directions
from metalab.index.tree_store import read_record
from metalab.results import Run
from metalab.types import ArtifactDescriptor
from tui.browser.run_detail.artifacts import list_items
from tui.browser.run_detail.metrics import MetricPlace, metric_places
from tui.widgets.artifact_view import ArtifactItem

__all__ = ["Snapshot", "file_mtime", "read_snapshot"]


@dataclass
class Snapshot:
    """Everything the screen shows that needs files read, read at once on a worker."""

    run: Run
    row: RunRow
    experiment: str
    places: list[MetricPlace]
    stepped: list[str]
    items: list[ArtifactItem]
    descriptors: dict[str, ArtifactDescriptor]
    record_mtime: float | None
    status: str
    """The status as the record writes it (``preempted`` too)."""


def file_mtime(path: Path) -> float | None:
    """``path``'s mtime, or None when it cannot be read."""
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def read_snapshot(index: TreeIndex, run_id: str, directions: Directions | None = None) -> Snapshot:
    """Read run ``run_id`` of ``index`` in full (on a worker thread: this reads files);
    its metrics ranked the way ``directions`` says is better."""
    exp = index.find(run_id)
    table = exp.table
    i = table.index_of(run_id)
    row = table.rows[i]
    store = exp.store
    record, status = read_record(store, row.run_id)
    if record is None:
        raise KeyError(f"run {row.run_id} has no readable record in {exp.path}")
    run = Run(store, record)
    places = metric_places(table, i, directions)
    stepped = run.stepped_names()
    items, descriptors = list_items(run, stepped)
    mtime = file_mtime(run.store.layout.run_record(run.run_id))
    return Snapshot(
        run, row, exp.key, places, stepped, items, descriptors, mtime, status or row.status
    )
