"""An experiment: what to run, over which parameters and seeds, under which name.

``name`` and ``version`` together are the experiment id (``"name:version"``) and
decide where its runs are stored. Description, tags and metadata are recorded in the
manifest but do not change any run id, so they can be edited freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Experiment"]


@dataclass
class Experiment:
    """Everything that defines a sweep."""

    name: str
    version: str
    context: Any
    operation: Any
    params: Any
    seeds: Any
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    param_resolver: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def experiment_id(self) -> str:
        return f"{self.name}:{self.version}"
