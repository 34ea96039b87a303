"""Following a run's stepped metric on disk while the run is live, cheaply.

A :class:`CurveFollower` remembers how far into the run's ``<metric>.jsonl`` stream it
has read and parses only the bytes appended since, into arrays that grow by
doubling. When the run ends and its stream is sealed into ``<metric>.json``, the
follower reads that once and stops. So following 18 runs costs what they append,
not what they hold, and works just the same for a tree written by another process.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from metalab.store import stepped
from metalab.store.filestore import FileStore

__all__ = ["CurveFollower", "GrowingSeries"]


class GrowingSeries:
    """x/y arrays that grow by amortised doubling; ``view()`` is a cheap snapshot."""

    def __init__(self) -> None:
        self._x = np.empty(1024, dtype=np.float64)
        self._y = np.empty(1024, dtype=np.float64)
        self.size = 0

    def extend(self, x: np.ndarray, y: np.ndarray) -> None:
        need = self.size + len(x)
        if need > len(self._x):
            cap = max(need, 2 * len(self._x))
            self._x = np.resize(self._x, cap)
            self._y = np.resize(self._y, cap)
        self._x[self.size : need] = x
        self._y[self.size : need] = y
        self.size = need

    def replace(self, x: np.ndarray, y: np.ndarray) -> None:
        self.size = 0
        self.extend(x, y)

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        # slices of arrays that are only ever appended past `size`: safe to hand out
        return self._x[: self.size], self._y[: self.size]


class CurveFollower:
    """Incrementally reads one run's stepped metric."""

    def __init__(self, store: FileStore, run_id: str, metric: str) -> None:
        self.stream: Path = store.layout.stream(run_id, metric)
        self.sealed_path: Path = store.layout.result(run_id, metric)
        self.series = GrowingSeries()
        self.offset = 0
        self.sealed = False
        self.revision = 0
        self._lock = threading.Lock()

    def poll(self) -> bool:
        """Read what was appended since the last poll; True when the curve changed."""
        with self._lock:
            if self.sealed:
                return False
            try:
                with open(self.stream, "rb") as fh:
                    fh.seek(self.offset)
                    chunk = fh.read()
            except FileNotFoundError:
                return self._read_sealed()
            cut = chunk.rfind(b"\n")
            if cut < 0:
                return False
            steps, values = stepped._parse_stream_text(chunk[: cut + 1].decode("utf-8", "replace"))
            self.offset += cut + 1
            if not len(steps):
                return False
            self.series.extend(steps.astype(np.float64), values)
            self.revision += 1
            return True

    def _read_sealed(self) -> bool:
        if not self.sealed_path.exists():
            return False
        try:
            steps, values = stepped.read_sealed(self.sealed_path)
        except (OSError, ValueError):
            return False
        self.series.replace(steps.astype(np.float64), values)
        self.sealed = True
        self.revision += 1
        return True

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self.series.view()
