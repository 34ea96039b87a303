"""Parameter sources: where a sweep's parameter cases come from.

Three sources cover what users sweep: a full ``grid`` (product over sorted keys,
last key varying fastest), ``random`` trials from named distributions (each trial
seeded on its own, so trial ``i`` can be replayed without drawing the ones before
it), and ``manual`` cases. Every source is iterable, has a ``len`` and supports
indexing, and describes itself in the experiment manifest in the reference's shape.
"""

from __future__ import annotations

import itertools
import math
import random as _random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from metalab._canonical import fingerprint

__all__ = [
    "GridSource",
    "ManualSource",
    "ParamCase",
    "ParamSource",
    "RandomSource",
    "choice",
    "grid",
    "loguniform",
    "loguniform_int",
    "manual",
    "randint",
    "random",
    "uniform",
]


@dataclass(frozen=True)
class ParamCase:
    """One set of parameters, with a stable id and the tags its source gives it."""

    params: dict[str, Any]
    case_id: str
    tags: list[str] = field(default_factory=list)


@runtime_checkable
class ParamSource(Protocol):
    """What the runner needs of a parameter source."""

    def __iter__(self) -> Iterator[ParamCase]: ...

    def __len__(self) -> int: ...


def _index(i: int, n: int) -> int:
    j = i + n if i < 0 else i
    if not 0 <= j < n:
        raise IndexError(f"case index {i} out of range for {n} cases")
    return j


class GridSource:
    """Every combination of the given value lists, keys in sorted order."""

    def __init__(self, spec: dict[str, Sequence[Any]]) -> None:
        for key, values in spec.items():
            if isinstance(values, str | bytes) or not isinstance(values, Sequence):
                raise TypeError(f"grid({key}=...) needs a list of values, got {values!r}")
        self.spec = {k: list(spec[k]) for k in sorted(spec)}
        self._keys = list(self.spec)
        self._lists = [self.spec[k] for k in self._keys]

    def __len__(self) -> int:
        return math.prod(len(v) for v in self._lists)

    def _case(self, values: Sequence[Any]) -> ParamCase:
        params = dict(zip(self._keys, values, strict=True))
        return ParamCase(params, fingerprint(params, "params") if params else "empty")

    def __iter__(self) -> Iterator[ParamCase]:
        for values in itertools.product(*self._lists):
            yield self._case(values)

    def __getitem__(self, i: int) -> ParamCase:
        j = _index(i, len(self))
        values = []
        for lst in reversed(self._lists):
            j, r = divmod(j, len(lst))
            values.append(lst[r])
        return self._case(values[::-1])

    def __repr__(self) -> str:
        return f"GridSource({self.spec!r})"

    def manifest(self) -> dict[str, Any]:
        return {"type": "GridSource", "spec": self.spec, "total_cases": len(self)}


class Distribution(Protocol):
    def sample(self, rng: _random.Random) -> Any: ...

    def describe(self) -> dict[str, Any]: ...


def _check_bounds(kind: str, low: float, high: float, positive: bool = False) -> None:
    if not low <= high:
        raise ValueError(f"{kind}(low={low!r}, high={high!r}): low must not exceed high")
    if positive and low <= 0:
        raise ValueError(f"{kind}(low={low!r}, high={high!r}): bounds must be > 0")


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float

    def __post_init__(self) -> None:
        _check_bounds("uniform", self.low, self.high)

    def sample(self, rng: _random.Random) -> float:
        return rng.uniform(self.low, self.high)

    def describe(self) -> dict[str, Any]:
        return {"type": "uniform", "low": self.low, "high": self.high}


@dataclass(frozen=True)
class LogUniform:
    low: float
    high: float

    def __post_init__(self) -> None:
        _check_bounds("loguniform", self.low, self.high, positive=True)

    def sample(self, rng: _random.Random) -> float:
        return math.exp(rng.uniform(math.log(self.low), math.log(self.high)))

    def describe(self) -> dict[str, Any]:
        return {"type": "loguniform", "low": self.low, "high": self.high}


@dataclass(frozen=True)
class LogUniformInt:
    low: int
    high: int

    def __post_init__(self) -> None:
        _check_bounds("loguniform_int", self.low, self.high, positive=True)

    def sample(self, rng: _random.Random) -> int:
        return int(round(math.exp(rng.uniform(math.log(self.low), math.log(self.high)))))

    def describe(self) -> dict[str, Any]:
        return {"type": "loguniform_int", "low": self.low, "high": self.high}


@dataclass(frozen=True)
class RandInt:
    low: int
    high: int

    def __post_init__(self) -> None:
        _check_bounds("randint", self.low, self.high)

    def sample(self, rng: _random.Random) -> int:
        return rng.randint(self.low, self.high)

    def describe(self) -> dict[str, Any]:
        return {"type": "randint", "low": self.low, "high": self.high}


@dataclass(frozen=True)
class Choice:
    options: tuple[Any, ...]

    def __post_init__(self) -> None:
        if not self.options:
            raise ValueError("choice() needs at least one option")

    def sample(self, rng: _random.Random) -> Any:
        return rng.choice(self.options)

    def describe(self) -> dict[str, Any]:
        return {"type": "choice", "options": list(self.options)}


def uniform(low: float, high: float) -> Uniform:
    """A float drawn uniformly from ``[low, high]``."""
    return Uniform(low, high)


def loguniform(low: float, high: float) -> LogUniform:
    """A float whose logarithm is uniform over ``[ln low, ln high]``; bounds must be > 0."""
    return LogUniform(low, high)


def loguniform_int(low: int, high: int) -> LogUniformInt:
    """A log-uniform draw rounded to an int; bounds must be > 0."""
    return LogUniformInt(low, high)


def randint(low: int, high: int) -> RandInt:
    """An int drawn uniformly from ``low`` to ``high``, both included."""
    return RandInt(low, high)


def choice(options: Sequence[Any]) -> Choice:
    """One of ``options``, each equally likely."""
    return Choice(tuple(options))


class RandomSource:
    """``n_trials`` random cases; trial ``i`` is drawn from its own seeded generator."""

    def __init__(self, space: dict[str, Distribution], n_trials: int, seed: int = 0) -> None:
        if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 0:
            raise ValueError(f"random(n_trials=...) must be an int >= 0, got {n_trials!r}")
        self.space = dict(space)
        self.n_trials = n_trials
        self.seed = seed

    def __len__(self) -> int:
        return self.n_trials

    def __getitem__(self, i: int) -> ParamCase:
        j = _index(i, self.n_trials)
        rng = _random.Random(self.seed * 1_000_000_007 + j)
        params = {k: self.space[k].sample(rng) for k in sorted(self.space)}
        return ParamCase(params, fingerprint(params, "params"), [f"trial_{j}"])

    def __iter__(self) -> Iterator[ParamCase]:
        for i in range(self.n_trials):
            yield self[i]

    def __repr__(self) -> str:
        return f"RandomSource(n_trials={self.n_trials}, seed={self.seed})"

    def manifest(self) -> dict[str, Any]:
        return {
            "type": "RandomSource",
            "space": {k: d.describe() for k, d in sorted(self.space.items())},
            "n_trials": self.n_trials,
            "seed": self.seed,
            "total_cases": self.n_trials,
        }


class ManualSource:
    """Explicit cases, in the order given."""

    def __init__(self, cases: Sequence[dict[str, Any]], tags: Sequence[str] | None = None) -> None:
        for i, case in enumerate(cases):
            if not isinstance(case, dict):
                raise TypeError(f"manual(): case {i} must be a dict, got {case!r}")
        self.cases = [dict(c) for c in cases]
        self.tags = list(tags or [])

    def __len__(self) -> int:
        return len(self.cases)

    def __getitem__(self, i: int) -> ParamCase:
        j = _index(i, len(self.cases))
        params = dict(self.cases[j])
        return ParamCase(params, fingerprint(params, "params"), [*self.tags, f"manual_{j}"])

    def __iter__(self) -> Iterator[ParamCase]:
        for i in range(len(self.cases)):
            yield self[i]

    def __repr__(self) -> str:
        return f"ManualSource({len(self.cases)} cases)"

    def manifest(self) -> dict[str, Any]:
        return {"type": "ManualSource", "cases": self.cases, "total_cases": len(self.cases)}


def grid(**spec: Sequence[Any]) -> GridSource:
    """Every combination of the given value lists: ``grid(lr=[0.1, 0.01], depth=[2, 4])``."""
    return GridSource(spec)


def random(space: dict[str, Distribution], n_trials: int, seed: int = 0) -> RandomSource:
    """``n_trials`` cases drawn from ``space``, a dict of distributions."""
    return RandomSource(space, n_trials, seed)


def manual(cases: Sequence[dict[str, Any]], tags: Sequence[str] | None = None) -> ManualSource:
    """Exactly the given cases."""
    return ManualSource(cases, tags)


def iter_cases(source: Any) -> Iterator[ParamCase]:
    """Cases of any source: ours yield ParamCase, a user's iterable may yield plain dicts."""
    for item in source:
        if isinstance(item, ParamCase):
            yield item
        elif isinstance(item, dict):
            yield ParamCase(dict(item), fingerprint(item, "params"))
        else:
            raise TypeError(f"a parameter source yielded {item!r}; expected a dict of params")


def describe_source(source: Any) -> dict[str, Any]:
    """The source's manifest entry, or a generic one for a user's own iterable."""
    if hasattr(source, "manifest"):
        return source.manifest()
    try:
        total: int | None = len(source)
    except TypeError:
        total = None
    return {"type": type(source).__name__, "total_cases": total}
