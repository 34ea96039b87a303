"""The index's two small answers: what a refresh changed, and one experiment's summary.

Why it exists: the screens hold on to these values (a refresh's :class:`Changes` to
update rows by key, an :class:`ExperimentSummary` per line of the experiments list and
for the experiments filter) without needing the index that produced them, so they live
apart from :mod:`metalab.index.tree`.

* :class:`Changes`: run ids added, changed and removed, and experiments added, removed
  or re-launched (a new manifest); merged over a tree with :meth:`Changes.extend`.
* :class:`ExperimentSummary`: counts by status, total (from the manifest when it says),
  completion and state, and :meth:`ExperimentSummary.flat`, the ``experiment.*`` row of
  the experiments table; :meth:`ExperimentSummary.from_rows` computes one.

No textual here: this is the browser's data layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metalab.index.run_row import STATUSES, RunRow

__all__ = ["Changes", "ExperimentSummary"]


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
    skipped_changed: list[str] = field(default_factory=list)
    """Experiments whose list of skipped (unreadable) files changed."""

    def __bool__(self) -> bool:
        return bool(
            self.added or self.changed or self.removed or self.experiments_added
            or self.experiments_removed or self.manifest_changed or self.skipped_changed
        )  # fmt: skip

    def extend(self, other: Changes) -> None:
        for name in ("added", "changed", "removed", "experiments_added",
                     "experiments_removed", "manifest_changed", "skipped_changed"):  # fmt: skip
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
    skipped: tuple[tuple[str, str], ...] = ()
    """Files of the folder left out as unreadable, ``(path in the folder, why)``."""

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[RunRow],
        manifest: Mapping[str, Any] | None,
        *,
        key: str,
        experiment_id: str,
        path: Path,
        manifests: int,
        skipped: Iterable[tuple[str, str]] = (),
    ) -> ExperimentSummary:
        """Summarise an experiment's runs and latest manifest (None: there is none).

        ``counts`` has every status metalab writes (:data:`STATUSES`), and any other
        status a record holds (``queued``), as written.

        Name, version, description, tags and total come from the manifest when it has
        them; otherwise the name and version are read off ``experiment_id``
        (``name:version``) and the total is the number of runs.
        """
        counts = dict.fromkeys(STATUSES, 0)
        latest: tuple[float, str] | None = None
        n_runs = 0
        for row in rows:
            n_runs += 1
            counts[row.status] = counts.get(row.status, 0) + 1
            if row.started_ts is not None and (latest is None or row.started_ts > latest[0]):
                latest = (row.started_ts, row.started_at or "")
        manifest = manifest or {}
        total = manifest.get("total_runs")
        from_manifest = isinstance(total, int) and not isinstance(total, bool)
        name, _, version = experiment_id.partition(":")
        return cls(
            key=key or experiment_id,
            experiment_id=experiment_id,
            name=str(manifest.get("name") or name),
            version=str(manifest.get("version") or version),
            description=str(manifest.get("description") or ""),
            tags=tuple(str(t) for t in manifest.get("tags") or ()),
            path=path,
            counts=counts,
            n_runs=n_runs,
            total=int(total) if from_manifest else n_runs,
            total_from_manifest=from_manifest,
            latest_started_at=latest[1] if latest else None,
            latest_started_ts=latest[0] if latest else None,
            manifests=manifests,
            skipped=tuple(skipped),
        )

    @property
    def done(self) -> int:
        return self.counts.get("success", 0) + self.counts.get("failed", 0)

    @property
    def other_counts(self) -> dict[str, int]:
        """Runs by status, for the statuses metalab does not write (``queued``: 2)."""
        return {k: n for k, n in sorted(self.counts.items()) if k not in STATUSES and n}

    @property
    def other(self) -> int:
        """How many runs have a status metalab does not write."""
        return sum(self.other_counts.values())

    @property
    def completion(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def complete(self) -> bool:
        return (
            self.total > 0
            and self.done >= self.total
            and not self.counts.get("running")
            and not self.other
        )

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
            "experiment.other": self.other,
            "experiment.skipped": len(self.skipped),
            "experiment.completion": self.completion,
            "experiment.latest_run": self.latest_started_at,
        }
