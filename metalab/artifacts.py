"""How artifacts are turned into files and back.

Arrays and dicts of arrays become compressed ``.npz`` files, JSON-able objects
become ``.json``, and pickle is used only when the user asks for it with
``kind="pickle"`` (a pickle runs code when loaded, so it is never chosen silently).
Names are checked before anything is written: an artifact can never land outside
its run's folder.
"""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np

from metalab.errors import ArtifactNameError
from metalab.plain import to_plain

KINDS = ("json", "numpy", "pickle", "file", "text")

COMPRESS_ABOVE = 1 << 20
"""Arrays larger than this many bytes are saved with zlib compression."""


def check_name(name: Any, what: str = "artifact") -> str:
    """Refuse names that are empty, absolute, hidden or that could escape the run's folder."""
    if not isinstance(name, str) or not name.strip():
        raise ArtifactNameError(
            f"{what} name {name!r} is empty; give it a short name like 'weights'"
        )
    if (
        PurePosixPath(name).is_absolute()
        or PureWindowsPath(name).is_absolute()
        or "/" in name
        or "\\" in name
        or ".." in name
        or name.startswith(".")
        or "\x00" in name
    ):
        raise ArtifactNameError(
            f"{what} name {name!r} is not allowed: names may not be absolute paths, contain "
            "path separators or '..', or start with '.'; use a plain name like 'loss_history'"
        )
    return name


def _is_arrays(obj: Any) -> bool:
    if isinstance(obj, np.ndarray):
        return True
    return (
        isinstance(obj, dict) and bool(obj) and all(isinstance(v, np.ndarray) for v in obj.values())
    )


def _json_bytes(obj: Any) -> bytes | None:
    try:
        return json.dumps(to_plain(obj), indent=2, sort_keys=True, allow_nan=True).encode()
    except (TypeError, ValueError):
        return None


def serialize(name: str, obj: Any, kind: str | None) -> tuple[bytes, str, str]:
    """Encode ``obj``; returns ``(data, kind, format)``."""
    if kind is None:
        if _is_arrays(obj):
            kind = "numpy"
        elif isinstance(obj, str):
            kind = "text"
        else:
            data = _json_bytes(obj)
            if data is None:
                raise ValueError(
                    f"artifact {name!r}: a {type(obj).__name__} is neither an array nor JSON-able; "
                    "pass kind='pickle' to store it with pickle"
                )
            return data, "json", "json"
    if kind == "numpy":
        if not _is_arrays(obj):
            raise ValueError(f"artifact {name!r}: kind='numpy' needs an array or a dict of arrays")
        buf = io.BytesIO()
        arrays = obj if isinstance(obj, dict) else {"arr": obj}
        raw_size = sum(getattr(a, "nbytes", 0) for a in arrays.values())
        # small arrays (curves, parameters) gain little from zlib and cost time to squeeze
        save = np.savez_compressed if raw_size > COMPRESS_ABOVE else np.savez
        save(buf, **arrays)
        return buf.getvalue(), "numpy", "npz"
    if kind == "json":
        data = _json_bytes(obj)
        if data is None:
            raise ValueError(f"artifact {name!r}: the object is not JSON-serialisable")
        return data, "json", "json"
    if kind == "text":
        return str(obj).encode("utf-8"), "text", "txt"
    if kind == "pickle":
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), "pickle", "pkl"
    raise ValueError(f"artifact {name!r}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")


def load(path: Path, kind: str, fmt: str) -> Any:
    """Read an artifact file back into the object it was made from."""
    if kind == "numpy" or fmt == "npz":
        with np.load(path, allow_pickle=False) as npz:
            keys = list(npz.keys())
            if keys == ["arr"]:
                return npz["arr"]
            return {k: npz[k] for k in keys}
    if fmt == "npy":
        return np.load(path, allow_pickle=False)
    if kind == "json" or fmt == "json":
        return json.loads(path.read_text(encoding="utf-8"))
    if kind == "text" or fmt in ("txt", "log", "csv", "md"):
        return path.read_text(encoding="utf-8", errors="replace")
    if kind == "pickle" or fmt == "pkl":
        with open(path, "rb") as fh:
            return pickle.load(fh)  # noqa: S301 - the user stored it as pickle on purpose
    return path.read_bytes()
