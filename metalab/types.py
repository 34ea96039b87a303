"""The records metalab writes to disk, in the reference's schema 0.1.

A run record is plain data (JSON in ``runs/<run_id>.json``); these dataclasses give
it names and types and convert to and from that JSON, tolerating missing keys so that
older or foreign trees still load.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["ArtifactDescriptor", "Provenance", "RunRecord", "Status"]

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
        return cls(
            artifact_id=str(d.get("artifact_id", "")),
            name=str(d.get("name", "")),
            kind=str(d.get("kind", "")),
            format=str(d.get("format", "")),
            uri=str(d.get("uri", "")),
            content_hash=str(d.get("content_hash", "")),
            size_bytes=int(d.get("size_bytes") or 0),
            metadata=dict(d.get("metadata") or {}),
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
    def from_dict(cls, d: dict[str, Any]) -> RunRecord:
        known = {
            "_schema_version", "run_id", "experiment_id", "status", "context_fingerprint",
            "params_fingerprint", "seed_fingerprint", "started_at", "finished_at",
            "duration_ms", "metrics", "provenance", "error", "params_resolved", "tags",
            "warnings", "notes", "artifacts",
        }  # fmt: skip
        prov = d.get("provenance") or {}
        try:
            status = Status(d.get("status", "running"))
        except ValueError:
            status = Status.RUNNING
        return cls(
            run_id=str(d.get("run_id", "")),
            experiment_id=str(d.get("experiment_id", "")),
            status=status,
            context_fingerprint=str(d.get("context_fingerprint") or ""),
            params_fingerprint=str(d.get("params_fingerprint") or ""),
            seed_fingerprint=str(d.get("seed_fingerprint") or ""),
            started_at=_parse_time(d.get("started_at")),
            finished_at=_parse_time(d.get("finished_at")),
            duration_ms=int(d.get("duration_ms") or 0),
            metrics=dict(d.get("metrics") or {}),
            provenance=Provenance(
                code_hash=str(prov.get("code_hash") or ""),
                python_version=str(prov.get("python_version") or ""),
                metalab_version=str(prov.get("metalab_version") or ""),
                executor_id=str(prov.get("executor_id") or ""),
                host=str(prov.get("host") or ""),
                extra=dict(prov.get("extra") or {}),
            ),
            error=d.get("error"),
            params_resolved=dict(d.get("params_resolved") or {}),
            tags=list(d.get("tags") or []),
            warnings=list(d.get("warnings") or []),
            notes=d.get("notes"),
            artifacts=[ArtifactDescriptor.from_dict(a) for a in d.get("artifacts") or []],
            extra={k: v for k, v in d.items() if k not in known},
        )
