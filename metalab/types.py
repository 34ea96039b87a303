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
        """The descriptor stored as ``d``; odd sizes and metadata become 0 and {}."""
        try:
            size = int(d.get("size_bytes") or 0)
        except (TypeError, ValueError):
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
    def from_dict(cls, d: dict[str, Any]) -> RunRecord:
        """The record stored as ``d``; missing keys take their defaults.

        Raises:
            ValueError: ``d`` is not a run record: not an object, or a key holding the
                wrong kind of value (a list where an object belongs, say). The message
                says which key.
        """
        if not isinstance(d, dict):
            raise ValueError(f"a run record is a JSON object, this is {_kind(d)}")
        prov = _object(d, "provenance")
        raw_status = d.get("status", "running")
        if not isinstance(raw_status, str):
            raise ValueError(f"'status' is {_kind(raw_status)}, not a string")
        try:
            status = Status(raw_status)
        except ValueError:
            status = Status.RUNNING
        for key in ("run_id", "experiment_id"):
            if not isinstance(d.get(key, ""), str):
                raise ValueError(f"{key!r} is {_kind(d[key])}, not a string")
        error = d.get("error")
        if error is not None and not isinstance(error, dict):
            raise ValueError(f"'error' is {_kind(error)}, not an object")
        artifacts = _array(d, "artifacts")
        if not all(isinstance(a, dict) for a in artifacts):
            raise ValueError("'artifacts' holds something that is not an object")
        try:
            duration = int(d.get("duration_ms") or 0)
        except (TypeError, ValueError):
            raise ValueError(
                f"'duration_ms' is {_kind(d.get('duration_ms'))}, not a number"
            ) from None
        return cls(
            run_id=str(d.get("run_id", "")),
            experiment_id=str(d.get("experiment_id", "")),
            status=status,
            context_fingerprint=str(d.get("context_fingerprint") or ""),
            params_fingerprint=str(d.get("params_fingerprint") or ""),
            seed_fingerprint=str(d.get("seed_fingerprint") or ""),
            started_at=_parse_time(d.get("started_at")),
            finished_at=_parse_time(d.get("finished_at")),
            duration_ms=duration,
            metrics=_object(d, "metrics"),
            provenance=Provenance(
                code_hash=str(prov.get("code_hash") or ""),
                python_version=str(prov.get("python_version") or ""),
                metalab_version=str(prov.get("metalab_version") or ""),
                executor_id=str(prov.get("executor_id") or ""),
                host=str(prov.get("host") or ""),
                extra=_object(prov, "extra", "provenance.extra"),
            ),
            error=error,
            params_resolved=_object(d, "params_resolved"),
            tags=_array(d, "tags"),
            warnings=_array(d, "warnings"),
            notes=d.get("notes"),
            artifacts=[ArtifactDescriptor.from_dict(a) for a in artifacts],
            extra={k: v for k, v in d.items() if k not in _KNOWN_KEYS},
        )


_KNOWN_KEYS = frozenset({
    "_schema_version", "run_id", "experiment_id", "status", "context_fingerprint",
    "params_fingerprint", "seed_fingerprint", "started_at", "finished_at", "duration_ms",
    "metrics", "provenance", "error", "params_resolved", "tags", "warnings", "notes",
    "artifacts",
})  # fmt: skip
"""The keys of a schema 0.1 record; any other key is kept in ``RunRecord.extra``."""


def _kind(value: Any) -> str:
    """What a JSON value is, for a message: 'a list', 'a string', 'null'."""
    if value is None:
        return "null"
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def _object(d: dict[str, Any], key: str, label: str | None = None) -> dict[str, Any]:
    value = d.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{label or key!r} is {_kind(value)}, not an object")
    return dict(value)


def _array(d: dict[str, Any], key: str) -> list[Any]:
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{key!r} is {_kind(value)}, not a list")
    return list(value)
