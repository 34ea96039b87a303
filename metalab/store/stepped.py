"""Stepped metrics on disk: appended while the run is live, sealed when it ends.

While a run is going, each stepped metric is a ``<name>.jsonl`` file to which the
capture's flusher appends one line about every quarter second: a JSON array of the
``[step, value]`` pairs captured since the last flush. Another process (the TUI,
``metalab-tui browse`` on another machine) can follow it, and a killed run loses at
most the last unflushed fraction of a second. Readers ignore a torn last line.

Lines are encoded with orjson: turning floats into shortest round-trip text costs
CPython about 0.6 µs a value, which in a training loop is real overhead; orjson does
it in a tenth of that. (Non-finite values are written as ``null`` and read as NaN.)

When the run ends the stream is sealed into ``<name>.json`` in the reference's
format (``{"data": [[step, value], ...], "shape": [n, 2], ...}``), by splicing its
lines rather than parsing them, so a million steps never sit in memory as objects.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from metalab.store import atomic

STEPPED_METADATA = {"type": "stepped_metric"}

log = logging.getLogger("metalab.store")


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
    """``[step,value]`` lines, one pair each (the slow, careful encoding)."""
    return "".join(f"[{int(step)},{_num(value)}]\n" for step, value in pairs)


_NON_NUMBERS = (b'"', b"true", b"false", b"{")


def encode_chunk(pairs: list[tuple[Any, Any]]) -> bytes:
    """One stream line holding ``pairs``: ``[[step,value],...]`` and a newline.

    Raises:
        TypeError: a value that is not a number.
    """
    try:
        data = orjson.dumps(pairs, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError:
        data = b""
    if not data or any(bad in data for bad in _NON_NUMBERS):
        # bools, numpy bools, strings, odd objects: the careful path converts or refuses
        data = ("[" + ",".join(f"[{int(s)},{_num(v)}]" for s, v in pairs) + "]").encode()
    return data + b"\n"


def _parse_stream_text(text: str, source: object = "a stream") -> tuple[np.ndarray, np.ndarray]:
    cut = text.rfind("\n")
    body = text[: cut + 1] if cut >= 0 else ""
    if not body:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    if body.count("[") != body.count("]"):
        # a line torn mid-file (a write cut short, then more lines appended) loses its
        # closing brackets: flattening would pair the numbers around the tear wrongly
        return _parse_stream_slow(body, source)
    flat = body.replace("[", "").replace("]", "").replace("\n", ",").replace("null", "nan")
    try:
        numbers = np.array(flat.rstrip(",").split(","), dtype=np.float64)
    except ValueError:
        return _parse_stream_slow(body, source)
    if numbers.size % 2:
        return _parse_stream_slow(body, source)
    pairs = numbers.reshape(-1, 2)
    return pairs[:, 0].astype(np.int64), pairs[:, 1]


def _parse_stream_slow(body: str, source: object) -> tuple[np.ndarray, np.ndarray]:
    steps: list[int] = []
    values: list[float] = []
    bad = 0
    for line in body.split("\n"):
        if not line:
            continue
        try:
            item = json.loads(line)
            pairs = item if item and isinstance(item[0], list) else [item]
        except (ValueError, TypeError, KeyError, IndexError):
            bad += 1
            continue  # a torn or foreign line: skip it, keep the rest
        for pair in pairs:
            try:
                step, value = pair
                steps.append(int(step))
                values.append(float("nan") if value is None else float(value))
            except (ValueError, TypeError):
                bad += 1
                continue
    if bad:
        log.warning("%s: skipped %d damaged line(s) or point(s)", source, bad)
    return np.array(steps, dtype=np.int64), np.array(values, dtype=np.float64)


def read_stream(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Steps and values of a live stream; a torn last line is ignored, and damaged
    lines elsewhere are skipped with a warning on the ``metalab.store`` logger."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    return _parse_stream_text(text, path)


def _whole_line(line: str) -> bool:
    """Whether a stream line is whole: a write cut short loses its closing brackets,
    and a line appended after it then joins it with ``][``."""
    return line.count("[") == line.count("]") and "][" not in line


def read_sealed(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Steps and values of a sealed ``<name>.json`` (ours or the reference's)."""
    raw = path.read_bytes()
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:  # the reference writes NaN, which strict JSON lacks
        payload = json.loads(raw)
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
                        if not _whole_line(line):
                            continue  # torn by a failed write: its points are lost
                        if line.startswith("[["):  # a chunk: splice its pairs in
                            inner = line[1:-2]
                            n = inner.count("],[") + 1 if inner else 0
                        else:  # one pair per line
                            inner, n = line[:-1], 1
                        if n:
                            out.write(("," if count else "") + inner)
                            count += n
            else:
                steps, values = read_stream(stream)
                order = np.argsort(steps, kind="stable")
                s_sorted, v_sorted = steps[order].tolist(), values[order].tolist()
                for start in range(0, len(s_sorted), 100_000):
                    pairs = list(zip(s_sorted[start : start + 100_000],
                                     v_sorted[start : start + 100_000], strict=True))  # fmt: skip
                    out.write(("," if count else "") + orjson.dumps(pairs).decode()[1:-1])
                    count += len(pairs)
            meta = json.dumps(STEPPED_METADATA, sort_keys=True)
            out.write(f'], "dtype": null, "metadata": {meta}, "shape": [{count}, 2]}}')
        atomic.move_into_place(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    stream.unlink(missing_ok=True)
    return count
