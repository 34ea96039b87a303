"""Curves for the plots tab: which curves a tree has, loading them, and what to draw.

Why a module of its own, without textual: loading curves is file I/O that the plots
tab runs on a worker thread, and the numbers it draws (a group's mean curve and its
band) must be testable without a terminal.

* :class:`CurveSource` names a curve every run may have: a stepped metric
  (``Run.stepped(name)``) or a 1-D numeric array artifact (``loss_history``),
  drawn against its index as the step.
* :class:`CurveLoader` finds the sources of a few sample runs and loads each run's
  curve, with a cache keyed by (run id, source, file mtime): a finished run is read
  once, a live run again whenever its file grows. The cache is bounded by the bytes it
  holds; steps ``0, 1, ..., n-1`` (most curves) are kept once for all the curves that
  have them, so a sweep of 10,000 runs of 1,000 steps fits (80 MB) and redrawing its
  bands with another band, centre or grouping reads no file again.
* :func:`overlay_series` and :func:`band_series` turn loaded curves into the
  :class:`~tui.plotting.render.Series` the curve pane draws: one line per run, or per
  group a mean (or median) line with lower and upper band lines in the group's colour
  (:func:`metalab.index.stats.curve_band`, over every curve given: thousands are a
  fraction of a second of numpy), smoothed with an EMA when asked. This runs on
  the worker too, and a very long curve leaves it already reduced to a per-column
  envelope far wider than any terminal (:data:`PREPARE_COLUMNS`), so the UI thread's
  frames cost the same for a curve of a thousand or of a million steps.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from metalab.index import CurveBand, TreeIndex, curve_band
from metalab.index.tree import ExperimentIndex
from metalab.types import ArtifactDescriptor
from tui.plotting.reduce import reduce_envelope, smooth_ema
from tui.plotting.render import Series, format_value

__all__ = [
    "MAX_CACHED_BYTES",
    "PREPARE_COLUMNS",
    "PROGRESS_EVERY",
    "Curve",
    "CurveLoader",
    "CurveSource",
    "band_series",
    "overlay_series",
]

Curve = tuple[np.ndarray, np.ndarray]
"""A loaded curve: its steps and its values, as float arrays."""

PREPARE_COLUMNS = 8_192
"""Curves longer than twice this are reduced to a per-column envelope of this many
columns on the worker, before they reach the curve pane: wider than any terminal, so
the picture is the same, but a frame then costs the same for any length of curve."""
PROGRESS_EVERY = 500
""":meth:`CurveLoader.load_many` reports its progress every this many runs."""
MAX_CACHED_BYTES = 160_000_000
"""The loader's cache keeps curves up to this many bytes (8 a value, 8 a step unless the
steps are the shared ``0..n-1``), the most recently used first."""


@dataclass(frozen=True)
class CurveSource:
    """A curve runs can have: ``kind`` is ``stepped`` or ``artifact``."""

    kind: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({'stepped' if self.kind == 'stepped' else 'array'})"

    @property
    def key(self) -> str:
        """Stable text form, for a Select's value: ``stepped:loss``, ``artifact:loss_history``."""
        return f"{self.kind}:{self.name}"

    @classmethod
    def parse(cls, key: str) -> CurveSource:
        kind, _, name = key.partition(":")
        return cls(kind, name)


class CurveLoader:
    """Loads runs' curves from a tree; safe to call from one worker thread at a time
    (a lock guards the cache, so a second thread is merely serialised)."""

    def __init__(self, index: TreeIndex, *, max_bytes: int = MAX_CACHED_BYTES) -> None:
        self.index = index
        self.max_bytes = max_bytes
        self._lock = threading.RLock()
        self._cache: OrderedDict[tuple[str, str, int], Curve] = OrderedDict()
        self._bytes = 0
        self._aranges: dict[int, np.ndarray] = {}
        self._experiments: dict[str, ExperimentIndex] = {}
        self._artifacts: dict[tuple[str, str], tuple[ArtifactDescriptor, Path]] = {}
        self._sources: dict[tuple[str, ...], list[CurveSource]] = {}
        self.reads = 0
        """Curve files actually read (cache misses), for tests."""

    # -- where a run lives ------------------------------------------------------------

    def _experiment(self, run_id: str) -> ExperimentIndex:
        exp = self._experiments.get(run_id)
        if exp is None:
            exp = self._experiments[run_id] = self.index.find(run_id)
        return exp

    def _descriptors(self, run_id: str) -> list[ArtifactDescriptor]:
        """The run's artifacts: the manifest on disk, else the record's copy (trees
        copied from the reference metalab may have no manifest)."""
        exp = self._experiment(run_id)
        descriptors = exp.store.list_artifacts(run_id)
        if not descriptors:
            try:
                descriptors = exp.run(run_id).artifacts()
            except (KeyError, OSError, ValueError):
                descriptors = []
        return descriptors

    def _artifact(self, run_id: str, name: str) -> tuple[ArtifactDescriptor, Path] | None:
        key = (run_id, name)
        if key in self._artifacts:
            return self._artifacts[key]
        store = self._experiment(run_id).store
        try:
            found = next(
                ((d, store.artifact_path(run_id, d)) for d in self._descriptors(run_id)
                 if d.name == name),
                None,
            )  # fmt: skip
        except OSError:  # its file leads out of the results tree: not a curve here
            return None
        if found is not None:  # a live run may save it later: only remember hits
            self._artifacts[key] = found
        return found

    def _file(self, run_id: str, source: CurveSource) -> Path | None:
        if source.kind == "artifact":
            found = self._artifact(run_id, source.name)
            return None if found is None else found[1]
        layout = self._experiment(run_id).store.layout
        sealed = layout.result(run_id, source.name)
        if sealed.exists():
            return sealed
        stream = layout.stream(run_id, source.name)
        return stream if stream.exists() else None

    # -- sources -------------------------------------------------------------------------

    def sources(self, run_ids: Sequence[str]) -> list[CurveSource]:
        """The stepped metrics and 1-D array artifacts of these (sample) runs: stepped
        metrics by name, then arrays, longest first."""
        key = tuple(run_ids)
        with self._lock:
            if key in self._sources:
                return list(self._sources[key])
        stepped: dict[str, None] = {}
        arrays: dict[str, int] = {}
        for run_id in run_ids:
            try:
                exp = self._experiment(run_id)
            except KeyError:
                continue
            store = exp.store
            stepped.update(dict.fromkeys(store.stepped_names(run_id)))
            for descriptor in self._descriptors(run_id):
                if descriptor.name in arrays or descriptor.kind not in ("numpy", "json"):
                    continue
                try:
                    value = store.load_artifact(run_id, descriptor)
                except Exception:  # unreadable or foreign: not a curve
                    continue
                arr = _as_curve_array(value)
                if arr is not None:
                    arrays[descriptor.name] = arr.size
        found = [CurveSource("stepped", n) for n in sorted(stepped)]
        found += [
            CurveSource("artifact", n) for n, _ in sorted(arrays.items(), key=lambda kv: -kv[1])
        ]
        with self._lock:
            if found:  # runs still starting may have none yet: ask again next time
                self._sources[key] = found
        return found

    # -- loading -------------------------------------------------------------------------

    def load(self, run_id: str, source: CurveSource) -> Curve | None:
        """The run's curve as (steps, values) float arrays, or None when it has none."""
        try:
            path = self._file(run_id, source)
        except KeyError:
            return None
        if path is None:
            return None
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            return None
        key = (run_id, source.key, mtime)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        curve = self._read(run_id, source)
        if curve is None:
            return None
        with self._lock:
            curve = self._shared_steps(curve)
            self.reads += 1
            self._cache[key] = curve
            self._bytes += self._size(curve)
            while self._bytes > self.max_bytes and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self._bytes -= self._size(old)
        return curve

    def _shared_steps(self, curve: Curve) -> Curve:
        """The curve, its steps replaced by the shared ``0..n-1`` when they are that."""
        steps, values = curve
        n = steps.size
        if n and steps[0] == 0 and steps[-1] == n - 1:
            shared = self._aranges.get(n)
            if shared is None:
                shared = np.arange(n, dtype=float)
                shared.flags.writeable = False
            if np.array_equal(steps, shared):
                self._aranges[n] = shared
                return shared, values
        return curve

    def _size(self, curve: Curve) -> int:
        steps, values = curve
        shared = self._aranges.get(steps.size) is steps
        return values.nbytes + (0 if shared else steps.nbytes)

    def _read(self, run_id: str, source: CurveSource) -> Curve | None:
        store = self._experiment(run_id).store
        try:
            if source.kind == "stepped":
                steps, values = store.read_stepped(run_id, source.name)
                return np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
            found = self._artifact(run_id, source.name)
            if found is None:
                return None
            arr = _as_curve_array(store.load_artifact(run_id, found[0]))
        except (KeyError, OSError, ValueError):
            return None
        if arr is None:
            return None
        return np.arange(arr.size, dtype=float), arr

    def load_many(
        self,
        run_ids: Iterable[str],
        source: CurveSource,
        cancelled: Callable[[], bool] = lambda: False,
        progress: Callable[[int], None] | None = None,
    ) -> dict[str, Curve]:
        """Curves of the runs that have one, in the order given; stops early when
        cancelled. ``progress`` is called with the count of runs done, every
        :data:`PROGRESS_EVERY` runs (for a status line during a long load)."""
        out: dict[str, Curve] = {}
        for done, run_id in enumerate(run_ids):
            if cancelled():
                break
            if progress is not None and done and done % PROGRESS_EVERY == 0:
                progress(done)
            curve = self.load(run_id, source)
            if curve is not None:
                out[run_id] = curve
        return out


def _as_curve_array(value: Any) -> np.ndarray | None:
    """A 1-D float array of at least 2 numbers, or None."""
    if isinstance(value, Mapping) or value is None or isinstance(value, str | bytes):
        return None
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if arr.ndim != 1 or arr.size < 2 or arr.dtype.kind not in "biuf":
        return None
    return arr.astype(float)


# -- what to draw --------------------------------------------------------------------------


def _smooth(values: np.ndarray, alpha: float) -> np.ndarray:
    return smooth_ema(values, alpha) if alpha > 0 else values


def _prepared(steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The curve as drawn: itself, or when very long its envelope (see PREPARE_COLUMNS)."""
    if steps.size <= 2 * PREPARE_COLUMNS:
        return steps, values
    return reduce_envelope(steps, values, PREPARE_COLUMNS)


def overlay_series(
    curves: Mapping[str, Curve],
    *,
    labels: Mapping[str, str] | None = None,
    color_values: Mapping[str, Any] | None = None,
    smoothing: float = 0.0,
) -> list[Series]:
    """One series per run (key: the run id), smoothed with an EMA of weight ``smoothing``."""
    out = []
    for run_id, (steps, values) in curves.items():
        x, y = _prepared(steps, _smooth(values, smoothing))
        out.append(
            Series(
                key=run_id,
                label=(labels or {}).get(run_id, run_id[:8]),
                x=x,
                y=y,
                color_value=None if color_values is None else color_values.get(run_id),
            )
        )
    return out


def band_series(
    groups: Mapping[Any, Sequence[Curve]],
    *,
    band: str = "ci95",
    center: str = "mean",
    smoothing: float = 0.0,
) -> tuple[list[Series], dict[Any, CurveBand]]:
    """Per group: the centre curve (``mean`` or ``median``) and its band as three series
    of the group's colour (keys ``<group>:<centre>``, ``:low``, ``:high``), plus the
    bands themselves. Steps are the union of the curves' (``grid="auto"``: evenly
    spaced ones when that union is very large)."""
    series: list[Series] = []
    bands: dict[Any, CurveBand] = {}
    for group, curves in groups.items():
        if not curves:
            continue
        result = curve_band(curves, band=band, center=center, grid="auto")
        bands[group] = result
        text = format_value(group)
        n = int(result.n.max()) if result.n.size else 0
        lines = [(center, result.center)]
        if band != "none":
            lines += [("low", result.low), ("high", result.high)]
        for part, values in lines:
            x, y = _prepared(result.steps, _smooth(values, smoothing))
            series.append(
                Series(
                    key=f"{text}:{part}",
                    label=f"{text} {part} (n={n})",
                    x=x,
                    y=y,
                    color_value=group,
                    faint=part not in ("mean", "median"),
                )
            )
    return series, bands
