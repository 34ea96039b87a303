"""The records metalab writes to disk, in the reference's schema 0.1.

A run record is plain data (JSON in ``runs/<run_id>.json``); these dataclasses give
it names and types and convert to and from that JSON, tolerating missing keys so that
older or foreign trees still load.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "ArtifactDescriptor",
    "Provenance",
    "RunRecord",
    "Status",
    "check_record",
    "json_kind",
    "written_status",
]

SCHEMA_VERSION = "0.1"


class Status(StrEnum):
    """A run's state; a ``str`` enum, so ``run.status == "success"`` holds."""

    SUCCESS = "success"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RUNNING = "running"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Provenance:
    code_hash: str = ""
    python_version: str = ""
    metalab_version: str = ""
    executor_id: str = ""
    host: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ArtifactDescriptor:
    artifact_id: str
    name: str
    kind: str
    format: str
    uri: str
    content_hash: str
    size_bytes: int
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ArtifactDescriptor:
        """The descriptor stored as ``d``; odd sizes and metadata become 0 and {}."""
        try:
            size = int(d.get("size_bytes") or 0)
        except (TypeError, ValueError, OverflowError):  # OverflowError: infinity
            size = 0
        metadata = d.get("metadata")
        return cls(
            artifact_id=str(d.get("artifact_id", "")),
            name=str(d.get("name", "")),
            kind=str(d.get("kind", "")),
            format=str(d.get("format", "")),
            uri=str(d.get("uri", "")),
            content_hash=str(d.get("content_hash", "")),
            size_bytes=size,
            metadata=dict(metadata) if isinstance(metadata, dict) else {},
        )


def _parse_time(value: Any) -> _dt.datetime | None:
    if not value:
        return None
    try:
        return _dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


@dataclass
class RunRecord:
    """Everything known about one run; serialised to ``runs/<run_id>.json``."""

    run_id: str
    experiment_id: str
    status: Status
    context_fingerprint: str = ""
    params_fingerprint: str = ""
    seed_fingerprint: str = ""
    started_at: _dt.datetime | None = None
    finished_at: _dt.datetime | None = None
    duration_ms: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance)
    error: dict[str, str] | None = None
    params_resolved: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: str | None = None
    artifacts: list[ArtifactDescriptor] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys of the stored JSON that this schema does not name, kept for round trips."""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = dict(self.extra)
        d.update(
            {
                "_schema_version": SCHEMA_VERSION,
                "run_id": self.run_id,
                "experiment_id": self.experiment_id,
                "status": Status(self.status).value,
                "context_fingerprint": self.context_fingerprint,
                "params_fingerprint": self.params_fingerprint,
                "seed_fingerprint": self.seed_fingerprint,
                "started_at": self.started_at.isoformat() if self.started_at else None,
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "duration_ms": self.duration_ms,
                "metrics": self.metrics,
                "provenance": asdict(self.provenance),
                "error": self.error,
                "params_resolved": self.params_resolved,
                "tags": self.tags,
                "warnings": self.warnings,
                "notes": self.notes,
                "artifacts": [a.to_dict() for a in self.artifacts],
            }
        )
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], name: str = "") -> RunRecord:
        """The record stored as ``d``; missing keys (and nulls) take their defaults.

        ``name`` is the run id the record's file name says (``runs/<name>.json``): a
        record without a ``run_id`` is that run, one holding another is refused.

        Raises:
            ValueError: ``d`` is not a run record (see :func:`check_record`).
        """
        check_record(d, name)
        prov = d.get("provenance") or {}
        try:
            status = Status(written_status(d))
        except ValueError:
            status = Status.RUNNING
        error = d.get("error")
        duration = d.get("duration_ms")
        return cls(
            run_id=str(d.get("run_id") or name),
            experiment_id=str(d.get("experiment_id") or ""),
            status=status,
            context_fingerprint=str(d.get("context_fingerprint") or ""),
            params_fingerprint=str(d.get("params_fingerprint") or ""),
            seed_fingerprint=str(d.get("seed_fingerprint") or ""),
            started_at=_parse_time(d.get("started_at")),
            finished_at=_parse_time(d.get("finished_at")),
            duration_ms=int(duration or 0),
            metrics=dict(d.get("metrics") or {}),
            provenance=Provenance(
                code_hash=str(prov.get("code_hash") or ""),
                python_version=str(prov.get("python_version") or ""),
                metalab_version=str(prov.get("metalab_version") or ""),
                executor_id=str(prov.get("executor_id") or ""),
                host=str(prov.get("host") or ""),
                extra=dict(prov.get("extra") or {}),
            ),
            error=error,
            params_resolved=dict(d.get("params_resolved") or {}),
            tags=list(d.get("tags") or []),
            warnings=list(d.get("warnings") or []),
            notes=d.get("notes"),
            artifacts=[ArtifactDescriptor.from_dict(a) for a in d.get("artifacts") or []],
            extra={k: v for k, v in d.items() if k not in _KNOWN_KEYS},
        )


_KNOWN_KEYS = frozenset({
    "_schema_version", "run_id", "experiment_id", "status", "context_fingerprint",
    "params_fingerprint", "seed_fingerprint", "started_at", "finished_at", "duration_ms",
    "metrics", "provenance", "error", "params_resolved", "tags", "warnings", "notes",
    "artifacts",
})  # fmt: skip
"""The keys of a schema 0.1 record; any other key is kept in ``RunRecord.extra``."""


def json_kind(value: Any) -> str:
    """What a JSON value is, for a message: 'a list', 'a string', 'null'."""
    if value is None:
        return "null"
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


_KINDS: tuple[tuple[str, type, str], ...] = (
    ("status", str, "a string"),
    ("run_id", str, "a string"),
    ("experiment_id", str, "a string"),
    ("metrics", dict, "an object"),
    ("params_resolved", dict, "an object"),
    ("provenance", dict, "an object"),
    ("error", dict, "an object"),
    ("tags", list, "a list"),
    ("warnings", list, "a list"),
    ("artifacts", list, "a list"),
)
"""The keys whose value, when not null, must be of one kind, and how a message says it."""


def check_record(d: Any, name: str = "") -> dict[str, Any]:
    """``d`` itself when it can be a run record; else ValueError saying briefly why.

    The one check of a record's shape, shared by metalab's readers and the browser's
    index, so a file is a record to both or to neither (``load_results`` and the
    browser skip the same files, in the same words). A null stands for a missing key.
    ``name`` is the run id the record's file name says: a record holding another run
    is not that run's record.
    """
    if not isinstance(d, dict):
        raise ValueError(f"a run record is a JSON object, this is {json_kind(d)}")
    for key, kind, said in _KINDS:
        value = d.get(key)
        if value is not None and not isinstance(value, kind):
            raise ValueError(f"{key!r} is {json_kind(value)}, not {said}")
    extra = (d.get("provenance") or {}).get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise ValueError(f"'provenance.extra' is {json_kind(extra)}, not an object")
    duration = d.get("duration_ms")
    if duration is not None and not _finite_number(duration):
        raise ValueError(f"'duration_ms' is {json_kind(duration)}, not a finite number")
    if not all(isinstance(a, dict) for a in d.get("artifacts") or []):
        raise ValueError("'artifacts' holds something that is not an object")
    run_id = d.get("run_id")
    if run_id and name and run_id != name:
        raise ValueError(f"it holds run {run_id!r}, not the run its name says")
    return d


def written_status(d: dict[str, Any]) -> str:
    """The status as a checked record writes it, also one metalab does not write
    (``preempted``), which the browser shows; a record without one is ``running``."""
    return d.get("status") or "running"


def _finite_number(value: Any) -> bool:
    """Whether ``value`` is a JSON number that is neither a boolean nor NaN/infinity."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
