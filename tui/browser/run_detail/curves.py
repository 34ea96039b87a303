"""The Curves tab: one stepped metric of the run, raw and EMA-smoothed, and its caption.

Why a module of its own: what the plot is given (the raw series, plus a smoothed one
while smoothing is on) and the caption's figures are plain functions of the loaded
steps and values, so they can be checked without a screen. The screen reads each
curve on a worker thread (``Run.stepped``), a newer request replacing one still
running, and while the run is live each poll re-reads the curve on display.
"""

from __future__ import annotations

import numpy as np

from tui.browse import format_cell
from tui.plotting.reduce import smooth_ema
from tui.plotting.render import Series

__all__ = ["SMOOTHING", "curve_caption", "curve_series", "next_smoothing"]

SMOOTHING = (0.0, 0.6, 0.9, 0.99)
"""EMA weights the ``s`` key cycles through."""


def next_smoothing(current: float) -> float:
    """The EMA weight after ``current`` in :data:`SMOOTHING` (round and round)."""
    at = SMOOTHING.index(current) if current in SMOOTHING else 0
    return SMOOTHING[(at + 1) % len(SMOOTHING)]


def curve_series(
    name: str, steps: np.ndarray, values: np.ndarray, smoothing: float
) -> list[Series]:
    """What the curve plot draws: the raw curve, then its EMA when ``smoothing`` > 0."""
    series = [Series(key="raw", label=name, x=steps, y=values)]
    if smoothing > 0 and values.size:
        smooth = smooth_ema(values, smoothing)
        series.append(Series(key="smooth", label=f"ema {smoothing}", x=steps, y=smooth))
    return series


def curve_caption(
    name: str, steps: np.ndarray, values: np.ndarray, smoothing: float, log_y: bool
) -> str:
    """The line above the plot: points, step range, last and lowest value, and the keys."""
    finite = values[np.isfinite(values)] if values.size else values
    parts = [f"{name}", f"{values.size} points"]
    if steps.size:
        parts.append(f"steps {int(steps[0])}–{int(steps[-1])}")
    if finite.size:
        parts.append(f"last {format_cell(float(values[-1]))}")
        parts.append(f"min {format_cell(float(finite.min()))}")
    parts.append(f"smoothing {smoothing:g} (s)")
    parts.append(f"log-y {'on' if log_y else 'off'} (l)")
    return "  ·  ".join(parts)
