"""Turning numpy scalars and arrays into plain Python values before they are stored.

Metrics, params and JSON artifacts often carry ``np.float32`` or ``np.int64`` values.
The reference let those break the final write of a run record; we store them as the
plain numbers they stand for.
"""

from __future__ import annotations

from typing import Any


def to_plain(value: Any) -> Any:
    """A JSON-ready copy of ``value``: numpy scalars to numbers, arrays and tuples to lists."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", 1) == 0:
        return item()
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    return value
