"""What the browser keeps of one run record: :class:`RunRow`, its cache form and flat view.

Why it exists: a run record is parsed once (or taken from the on-disk cache) into a
:class:`RunRow`, and every screen, filter, export and table column reads that row
rather than the JSON. The row type lives here, apart from :mod:`metalab.index.tree`
(which scans and refreshes folders), so the cache format (:mod:`metalab.index.cache`)
and the summaries (:mod:`metalab.index.summary`) can use it without importing the index.

It holds:

* :class:`RunRow`: the parsed fields (ours or the reference's schema 0.1), the list
  form the cache stores (:meth:`RunRow.to_cache` / :meth:`RunRow.from_cache`), and
  :meth:`RunRow.flat`, the ``{column name: value}`` view the tables are built from.
* :func:`guess_replicates`: the replicate of runs whose record does not say it, worked
  out from the manifest's seed plan or, failing that, the order seeds were first seen.

No textual here: this is the browser's data layer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metalab._canonical import fingerprint
from metalab.index.table import RECORD_FIELDS, _iso_and_ts
from metalab.types import check_record, written_status

__all__ = ["STATUSES", "RecordError", "RunRow", "guess_replicates"]

STATUSES = ("success", "failed", "running", "cancelled")
"""The statuses metalab writes. A record may hold any other string (another tool's
``queued`` or ``preempted``): the row keeps it as written, and the screens show it so."""


class RecordError(ValueError):
    """A file in ``runs/`` that is not a run record; the message says why, briefly
    (``the file is not valid JSON (truncated?)``, ``'metrics' is a list, not an
    object``), in the words ``load_results`` uses for the same files."""


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
    worker: str = ""
    """``provenance.extra.worker``: the Dask worker (or thread, process) that ran it."""
    attempt: int | None = None
    """``provenance.extra.attempt``: 2 and more for a run run again after its worker died."""
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
        "replicate", "executor_id", "host", "worker", "attempt", "artifacts", "warnings",
        "notes", "record_file",
    )  # fmt: skip

    @classmethod
    def from_record(cls, d: Any, record_file: str = "") -> RunRow:
        """Parse a run record dict (ours or the reference's schema 0.1; missing keys ok).

        The status is kept as written, also one metalab does not write (a record
        without one is ``running``, as metalab reads it).

        Raises:
            RecordError: ``d`` is not a run record (see :func:`metalab.types.check_record`,
                which ``load_results`` checks records with too).
        """
        try:
            check_record(d, Path(record_file).stem)
        except ValueError as exc:
            raise RecordError(str(exc)) from None
        prov = d.get("provenance") or {}
        extra = prov.get("extra") or {}
        error = d.get("error")
        status = written_status(d)
        started, started_ts = _iso_and_ts(d.get("started_at"))
        finished, finished_ts = _iso_and_ts(d.get("finished_at"))
        replicate = extra.get("replicate")
        attempt = extra.get("attempt")
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
            replicate=replicate
            if isinstance(replicate, int) and not isinstance(replicate, bool) and replicate >= 0
            else None,
            executor_id=str(prov.get("executor_id") or ""),
            host=str(prov.get("host") or ""),
            worker=str(extra.get("worker") or ""),
            attempt=attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else None,
            artifacts=[str(a.get("name")) for a in artifacts],
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
            self.worker or None,
            self.attempt,
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


def guess_replicates(rows: list[RunRow], manifest: Mapping[str, Any] | None) -> dict[str, int]:
    """``{seed fingerprint: replicate}`` from the manifest's seed plan, else seed order.

    Empty when every row records its replicate. With a ``seeds: {base, replicates}`` plan
    in the manifest, each planned seed's fingerprint maps to its replicate index; when no
    run lacking a replicate matches the plan, every seed is numbered in the order it was
    first started (never-started seeds last, ties by fingerprint).
    """
    missing = [r for r in rows if r.replicate is None]
    if not missing:
        return {}
    mapping: dict[str, int] = {}
    seeds = (manifest or {}).get("seeds") or {}
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
