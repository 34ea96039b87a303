"""Shrink long curves to what a terminal pane can show, before plotext ever sees them.

plotext spends tens of microseconds of Python per point it is handed, so a curve of
1,000,000 steps must not reach it. A pane only has a few hundred columns, though, and
a line plot drawn there cannot show more than the lowest and the highest value of
each column. :func:`reduce_envelope` keeps exactly those two points per column, in
the order they were logged so the line still goes up and down through a spike, plus
the newest point untouched, so the value the user watches is exact.

Everything here is numpy only (no textual, no plotext) and vectorised: the work is a
handful of O(n) passes, with no Python loop over points.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "envelope_sorted",
    "finite_sorted",
    "log_safe",
    "reduce_envelope",
    "smooth_ema",
]

# Block length of the blocked EMA scan: one (n/L, L) @ (L, L) product plus a Python
# loop over n/L blocks. 128 keeps both parts to a few milliseconds for 1e6 points.
_EMA_BLOCK = 128


def finite_sorted(
    x: np.ndarray, y: np.ndarray, *, positive_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Return float64 ``(x, y)`` with non-finite pairs dropped, sorted by x.

    ``positive_only`` also drops pairs with y <= 0 (for a log-y plot), in the same
    pass, without the copy :func:`log_safe` makes.

    Sorting is stable and skipped when x is already non-decreasing (the usual case:
    x is a step counter). The result may share memory with the input when nothing
    had to be dropped or reordered; copy it before mutating.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y differ in length: {x.size} != {y.size}")
    finite = np.isfinite(x)
    finite &= np.isfinite(y)
    if positive_only:
        finite &= y > 0
    if not finite.all():
        x = x[finite]
        y = y[finite]
    if x.size > 1 and not (x[1:] >= x[:-1]).all():
        order = np.argsort(x, kind="stable")
        x = x[order]
        y = y[order]
    return x, y


def envelope_sorted(
    x: np.ndarray,
    y: np.ndarray,
    columns: int,
    *,
    x_range: tuple[float, float] | None = None,
    min_dy: float = 0.0,
    log_y: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`reduce_envelope` for input already cleaned by :func:`finite_sorted`.

    Split out so a caller reducing many curves onto one shared x axis can clean each
    curve once, take the common range, and then reduce.

    ``min_dy`` (>= 0): a column whose max - min is below it keeps only its first
    point, since both would land on the same pixel. 0 keeps every min/max pair.
    With ``log_y`` that extent is measured in decades (log10(max) - log10(min)); y
    must then be positive.
    """
    if columns < 1:
        raise ValueError(f"columns must be >= 1, got {columns}")
    if x_range is not None:
        lo, hi = float(x_range[0]), float(x_range[1])
        if lo > hi:
            lo, hi = hi, lo
        start = int(np.searchsorted(x, lo, side="left"))
        stop = int(np.searchsorted(x, hi, side="right"))
        x, y = x[start:stop], y[start:stop]
    n = x.size
    if n <= 2 * columns:
        return x.copy(), y.copy()
    if x_range is None:
        lo, hi = float(x[0]), float(x[-1])

    # x is sorted, so each column is one contiguous run of points: find where each
    # column starts by binary search on the column edges instead of binning every point.
    span = hi - lo
    if span > 0 and np.isfinite(span):
        edges = lo + span * (np.arange(1, columns) / columns)
        bounds = np.searchsorted(x, edges, side="left")
    else:
        bounds = np.empty(0, dtype=np.intp)
    starts = np.concatenate(([0], bounds))
    lengths = np.diff(np.append(starts, n))
    occupied = lengths > 0
    starts, lengths = starts[occupied], lengths[occupied]

    mins = np.minimum.reduceat(y, starts)
    maxs = np.maximum.reduceat(y, starts)
    imin = _first_match_per_run(y, starts, lengths, mins)
    imax = _first_match_per_run(y, starts, lengths, maxs)

    first = np.minimum(imin, imax)
    second = np.maximum(imin, imax)
    keep_second = second != first
    if min_dy > 0:
        extent = np.log10(maxs) - np.log10(mins) if log_y else maxs - mins
        keep_second &= extent >= min_dy
    pairs = np.column_stack((first, second)).ravel()
    keep = np.column_stack((np.ones_like(keep_second), keep_second)).ravel()
    idx = pairs[keep]
    if idx[-1] != n - 1:
        idx = np.append(idx, n - 1)
    return x[idx], y[idx]


def _first_match_per_run(
    y: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    values: np.ndarray,
) -> np.ndarray:
    """Index of the first point of each run whose y equals that run's value.

    Runs are ``y[starts[k] : starts[k] + lengths[k]]``, contiguous and in order; each
    ``values[k]`` is an exact y of run k (its min or max), so every run has a match.
    """
    at_start = y[starts] == values
    if at_start.all():  # common for flat stretches, and free to check
        return starts
    match = y == np.repeat(values, lengths)
    hits = np.flatnonzero(match)
    if hits.size > 8 * starts.size:
        # Flat stretches match everywhere: take the per-run minimum of the hit indices
        # in one pass rather than locating each of many hits.
        index = np.where(match, np.arange(y.size), y.size)
        return np.minimum.reduceat(index, starts)
    run = np.searchsorted(starts, hits, side="right") - 1
    first = np.ones(hits.size, dtype=bool)
    first[1:] = run[1:] != run[:-1]
    return hits[first]


def reduce_envelope(
    x: np.ndarray,
    y: np.ndarray,
    columns: int,
    *,
    x_range: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Reduce a curve to at most ``2 * columns + 1`` points that draw the same at that width.

    The x range (``x_range``, default the data's min..max) is cut into ``columns``
    equal-width bins; for each bin the point with the lowest and the point with the
    highest y are kept, in x order so a line through them draws the spike. The last
    point (largest x) is always kept as it is. Points outside ``x_range`` are dropped,
    as are pairs where x or y is NaN or infinite. x is expected non-decreasing (steps);
    otherwise it is stably sorted first.

    Inputs of at most ``2 * columns`` points (after dropping non-finite ones) come back
    unchanged, as copies. Returns float64 arrays ``(x, y)``.
    """
    xs, ys = finite_sorted(x, y)
    return envelope_sorted(xs, ys, columns, x_range=x_range)


def smooth_ema(y: np.ndarray, alpha: float) -> np.ndarray:
    """Exponential moving average: ``s[0] = y[0]``, ``s[t] = alpha * s[t-1] + (1 - alpha) * y[t]``.

    ``alpha`` is the weight of the past, ``0 <= alpha < 1`` (0: no smoothing, as in
    TensorBoard's slider). NaN or infinite entries are skipped (the average carries
    over them) and come out as NaN, so one bad step does not blank the rest of a curve.

    Vectorised as a blocked scan: within blocks of 128 points the recurrence is a
    matrix product; only the carried state between blocks is a (short) Python loop.
    Should run before :func:`reduce_envelope`, on the full curve.
    """
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"alpha must satisfy 0 <= alpha < 1, got {alpha}")
    y = np.asarray(y, dtype=np.float64).ravel()
    out = np.full(y.shape, np.nan)
    finite = np.isfinite(y)
    values = y[finite]
    n = values.size
    if n == 0:
        return out
    if alpha == 0.0:
        out[finite] = values
        return out

    block = min(_EMA_BLOCK, n)
    lag = np.arange(block)
    diff = lag[None, :] - lag[:, None]  # diff[k, j] = j - k
    weights = np.where(diff >= 0, (1.0 - alpha) * alpha ** np.maximum(diff, 0), 0.0)
    carry_weight = alpha ** (lag + 1.0)  # weight of the state before the block at offset j

    nblocks = -(-n // block)
    padded = np.zeros(nblocks * block)
    padded[:n] = values
    local = padded.reshape(nblocks, block) @ weights  # each block started from state 0

    decay = alpha**block
    state = float(values[0])  # state before the first point, so that s[0] == y[0]
    before = []
    for block_end in local[:, -1].tolist():
        before.append(state)
        state = block_end + decay * state
    smoothed = local + np.array(before)[:, None] * carry_weight[None, :]
    out[finite] = smoothed.ravel()[:n]
    return out


def log_safe(y: np.ndarray) -> np.ndarray:
    """Return a float64 copy of ``y`` with values <= 0 (and NaN) replaced by NaN.

    For a log-y plot: non-positive losses have no logarithm, and NaN is what
    :func:`reduce_envelope` drops.
    """
    out = np.array(y, dtype=np.float64, copy=True)
    with np.errstate(invalid="ignore"):
        out[~(out > 0)] = np.nan
    return out
