"""Stepped metrics on disk: appended while the run is live, sealed when it ends.

While a run is going, each stepped metric is a ``<name>.jsonl`` file to which the
capture's flusher appends ``[step, value]`` lines about every quarter second, so
another process (the TUI, ``metalab-tui browse`` on another machine) can follow it,
and a killed run loses at most the last unflushed fraction of a second. Readers
ignore a torn last line.

When the run ends the stream is sealed into ``<name>.json`` in the reference's
format (``{"data": [[step, value], ...], "shape": [n, 2], ...}``), by copying its
lines rather than parsing them, so a million steps never sit in memory as objects.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from metalab.store import atomic

STEPPED_METADATA = {"type": "stepped_metric"}


def _num(value: Any) -> str:
    """A metric value as JSON text; numpy scalars and bools become plain numbers."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    try:
        f = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"a stepped metric value must be a number, got {value!r}") from exc
    if f.is_integer() and not isinstance(value, float) and abs(f) < 2**53:
        # numpy integer types: keep them integral
        return str(int(f))
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    return repr(f)


def format_lines(pairs: Iterable[tuple[Any, Any]]) -> str:
    """``[step,value]`` lines for the stream file."""
    return "".join(f"[{int(step)},{_num(value)}]\n" for step, value in pairs)


def _parse_stream_text(text: str) -> tuple[np.ndarray, np.ndarray]:
    cut = text.rfind("\n")
    body = text[: cut + 1] if cut >= 0 else ""
    if not body:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    flat = body.replace("[", "").replace("]", "").replace("\n", ",")
    try:
        numbers = np.array(flat.rstrip(",").split(","), dtype=np.float64)
    except ValueError:
        return _parse_stream_slow(body)
    if numbers.size % 2:
        return _parse_stream_slow(body)
    pairs = numbers.reshape(-1, 2)
    return pairs[:, 0].astype(np.int64), pairs[:, 1]


def _parse_stream_slow(body: str) -> tuple[np.ndarray, np.ndarray]:
    steps: list[int] = []
    values: list[float] = []
    for line in body.splitlines():
        try:
            step, value = json.loads(line)
            steps.append(int(step))
            values.append(float(value))
        except (ValueError, TypeError):
            continue  # a torn or foreign line: skip it, keep the rest
    return np.array(steps, dtype=np.int64), np.array(values, dtype=np.float64)


def read_stream(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Steps and values of a live stream; a torn last line is ignored."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    return _parse_stream_text(text)


def read_sealed(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Steps and values of a sealed ``<name>.json`` (ours or the reference's)."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    data = payload.get("data") if isinstance(payload, dict) else payload
    arr = np.asarray(data if data else [], dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] >= 2:
        return arr[:, 0].astype(np.int64), arr[:, 1]
    if arr.ndim == 1:  # a plain 1-D data entry: value against index
        return np.arange(arr.size, dtype=np.int64), arr
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)


def seal(stream: Path, target: Path, *, sorted_steps: bool) -> int:
    """Turn a stream into the reference's sealed JSON; returns the number of points.

    The stream's lines are already JSON ``[step,value]`` arrays, so when the steps came
    in order they are copied through as they are. Otherwise they are parsed, stably
    sorted by step (as the reference does) and written back.
    """
    tmp = atomic.temp_path_for(target)
    count = 0
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write('{"data": [')
            if sorted_steps:
                with open(stream, encoding="utf-8", errors="replace") as src:
                    for line in src:
                        if not line.endswith("\n"):
                            break  # torn tail from an earlier crash
                        out.write(("," if count else "") + line[:-1])
                        count += 1
            else:
                steps, values = read_stream(stream)
                order = np.argsort(steps, kind="stable")
                chunk: list[str] = []
                for step, value in zip(steps[order].tolist(), values[order].tolist(), strict=True):
                    chunk.append(f"[{step},{_num(value)}]")
                    if len(chunk) >= 10_000:
                        out.write(("," if count else "") + ",".join(chunk))
                        count += len(chunk)
                        chunk = []
                if chunk:
                    out.write(("," if count else "") + ",".join(chunk))
                    count += len(chunk)
            meta = json.dumps(STEPPED_METADATA, sort_keys=True)
            out.write(f'], "dtype": null, "metadata": {meta}, "shape": [{count}, 2]}}')
        atomic.move_into_place(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    stream.unlink(missing_ok=True)
    return count
