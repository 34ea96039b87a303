"""Seeds derived by name, so that every random stream in a run is reproducible.

A run gets a :class:`SeedBundle` (a root seed and a replicate index). Each named
stream is derived from it by hashing ``"{root}:{name}:{replicate}"``, exactly as the
reference implementation does, so the same experiment draws the same numbers under
either implementation.
"""

from __future__ import annotations

import hashlib
import random as _random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["SeedBundle", "SeedPlan", "seeds"]


def _derive(root: int, name: str, replicate: int) -> int:
    digest = hashlib.sha256(f"{root}:{name}:{replicate}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True)
class SeedBundle:
    """The seeds of one run: a root seed and which replicate this is."""

    root_seed: int
    replicate_index: int | None = None

    def derive(self, name: str = "default") -> int:
        """An unsigned 64-bit seed for the stream called ``name``."""
        return _derive(self.root_seed, name, self.replicate_index or 0)

    def rng(self, name: str = "default") -> _random.Random:
        """A :class:`random.Random` seeded for the stream called ``name``."""
        return _random.Random(self.derive(name))

    def numpy_seed(self, name: str = "default") -> int:
        """The derived seed reduced to numpy's 32-bit range."""
        return abs(self.derive(name)) % 2**32

    def numpy(self, name: str = "default") -> np.random.Generator:
        """A :func:`numpy.random.default_rng` generator for the stream called ``name``."""
        try:
            import numpy as np
        except ImportError as exc:  # pragma: no cover - numpy is a dependency
            raise ImportError("SeedBundle.numpy() needs numpy: pip install numpy") from exc
        return np.random.default_rng(self.numpy_seed(name))

    def to_dict(self) -> dict[str, Any]:
        return {"root_seed": self.root_seed, "replicate_index": self.replicate_index}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeedBundle:
        return cls(int(data["root_seed"]), data.get("replicate_index"))

    @classmethod
    def for_preprocessing(cls, base: int) -> SeedBundle:
        """A bundle for work shared by every replicate (data generation, say)."""
        return cls(_derive(base, "preprocessing", 0), None)


class SeedPlan:
    """``replicates`` seed bundles sharing one base seed; iterate it for one per run."""

    def __init__(self, base: int, replicates: int = 1) -> None:
        if isinstance(base, bool) or not isinstance(base, int):
            raise TypeError(f"seeds(base=...) must be an int, got {base!r}")
        if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
            raise ValueError(f"seeds(replicates=...) must be an int >= 1, got {replicates!r}")
        self.base_seed = base
        self.replicates = replicates

    def __iter__(self) -> Iterator[SeedBundle]:
        for i in range(self.replicates):
            yield SeedBundle(self.base_seed, i)

    def __len__(self) -> int:
        return self.replicates

    def __getitem__(self, index: int) -> SeedBundle:
        if not 0 <= index < self.replicates:
            raise IndexError(f"replicate {index} out of range 0..{self.replicates - 1}")
        return SeedBundle(self.base_seed, index)

    def __repr__(self) -> str:
        return f"SeedPlan(base={self.base_seed}, replicates={self.replicates})"

    def manifest(self) -> dict[str, Any]:
        return {"type": "SeedPlan", "base": self.base_seed, "replicates": self.replicates}


def seeds(base: int, replicates: int = 1) -> SeedPlan:
    """A plan of ``replicates`` seed bundles derived from ``base``."""
    return SeedPlan(base, replicates)
