"""Canonical JSON and fingerprints: the hashes behind run ids.

Run ids must come out the same as the reference implementation's for the same
experiment, so that a sweep started with one can be resumed with the other. That
fixes the encoding: floats hash as their ``repr`` string (so ``1`` and ``1.0``
differ), dict keys are sorted, sets are sorted lists, and the JSON is compact.
Values that have no stable encoding (NaN, infinity, numpy scalars, arrays, ...)
are refused with a :class:`~metalab.errors.CanonicalizeError` naming where they are,
(numpy scalars count as the plain numbers they hold; arrays are refused),
before anything is written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from typing import Any

from metalab.errors import CanonicalizeError

__all__ = ["canonical", "canonical_json", "fingerprint"]


def canonical(value: Any, where: str = "value") -> Any:
    """Return a JSON-ready structure whose encoding is stable across runs and machines."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if type(value) is not int:  # IntEnum and friends: hash the plain number
            return int(value)
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise CanonicalizeError(
                f"{where} is {value!r}: NaN and infinity have no stable fingerprint; "
                "use a finite number or a string such as 'inf'"
            )
        return repr(float(value))
    if isinstance(value, bytes):
        return {"__bytes__": value.hex()}
    if isinstance(value, list | tuple):
        return [canonical(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, set | frozenset):
        items = [canonical(v, f"{where}{{}}") for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, dict):
        return {str(k): canonical(v, f"{where}[{k!r}]") for k, v in value.items()}
    if hasattr(value, "fingerprint_payload"):
        return canonical(value.fingerprint_payload(), where)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return canonical(dataclasses.asdict(value), where)
    module = type(value).__module__
    if (module == "numpy" or module.startswith("numpy.")) and getattr(value, "ndim", None) == 0:
        # np.int64(3) fingerprints as 3, np.float32(0.5) as 0.5: the numbers they stand for
        return canonical(value.item(), where)
    if module == "numpy" or module.startswith("numpy."):
        raise CanonicalizeError(
            f"{where} is a numpy {type(value).__name__} ({value!r}), which has no stable "
            "fingerprint; convert it with .item() or .tolist() first"
        )
    if hasattr(value, "__dict__") and not callable(value):
        return canonical(vars(value), where)
    raise CanonicalizeError(
        f"{where} is a {type(value).__name__} ({value!r:.60}), which cannot be fingerprinted; "
        "use numbers, strings, booleans, lists or dicts"
    )


def canonical_json(value: Any, where: str = "value") -> str:
    """Encode ``value`` as compact, key-sorted canonical JSON."""
    return json.dumps(canonical(value, where), sort_keys=True, separators=(",", ":"))


def fingerprint(value: Any, where: str = "value") -> str:
    """The first 16 hex digits of the sha256 of ``value``'s canonical JSON."""
    return hashlib.sha256(canonical_json(value, where).encode("utf-8")).hexdigest()[:16]
