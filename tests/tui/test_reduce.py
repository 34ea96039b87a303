"""The envelope reduction must keep what a plot of the full curve would show.

Checked against a deliberately slow per-column reference on random data, plus the
properties the UI relies on: spikes survive, the newest value is exact, the output
is bounded whatever the input length.
"""

from __future__ import annotations

import numpy as np
import pytest

from tui.plotting.reduce import envelope_sorted, log_safe, reduce_envelope, smooth_ema


def _reference_columns(
    x: np.ndarray, y: np.ndarray, columns: int, lo: float, hi: float
) -> dict[int, tuple[float, float]]:
    """Per-column (min, max) of y, computed point by point."""
    out: dict[int, tuple[float, float]] = {}
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        if not lo <= xi <= hi:
            continue
        col = min(int((xi - lo) / (hi - lo) * columns), columns - 1)
        low, high = out.get(col, (yi, yi))
        out[col] = (min(low, yi), max(high, yi))
    return out


def _column_of(x: np.ndarray, columns: int, lo: float, hi: float) -> np.ndarray:
    return np.minimum(((x - lo) / (hi - lo) * columns).astype(int), columns - 1)


def test_keeps_global_min_and_max_of_noisy_signal() -> None:
    rng = np.random.default_rng(0)
    n = 200_000
    x = np.arange(n, dtype=float)
    y = np.exp(-x / 50_000) + rng.normal(0, 0.05, n)
    y[123_457] = 25.0  # a single-step spike up
    y[77_001] = -9.0  # and one down
    rx, ry = reduce_envelope(x, y, 80)
    assert ry.max() == y.max() == 25.0
    assert ry.min() == y.min() == -9.0
    assert 123_457.0 in rx and 77_001.0 in rx


def test_keeps_last_point_exactly() -> None:
    rng = np.random.default_rng(1)
    x = np.arange(100_001, dtype=float)
    y = rng.normal(size=x.size)
    y[-1] = 0.123456789  # neither the min nor the max of its column
    rx, ry = reduce_envelope(x, y, 64)
    assert rx[-1] == x[-1]
    assert ry[-1] == 0.123456789


@pytest.mark.parametrize("columns", [1, 7, 120, 333])
def test_million_points_reduce_to_at_most_two_per_column_plus_one(columns: int) -> None:
    rng = np.random.default_rng(2)
    x = np.arange(1_000_000, dtype=float)
    y = rng.normal(size=x.size)
    rx, ry = reduce_envelope(x, y, columns)
    assert 2 <= rx.size <= 2 * columns + 1
    assert rx.size == ry.size
    assert np.all(np.diff(rx) > 0)


def test_small_input_is_returned_unchanged_as_copies() -> None:
    x = np.arange(20, dtype=float)
    y = np.sin(x)
    rx, ry = reduce_envelope(x, y, 10)  # 20 <= 2 * 10
    np.testing.assert_array_equal(rx, x)
    np.testing.assert_array_equal(ry, y)
    assert not np.shares_memory(rx, x) and not np.shares_memory(ry, y)


def test_non_finite_values_are_dropped() -> None:
    rng = np.random.default_rng(3)
    x = np.arange(10_000, dtype=float)
    y = rng.normal(size=x.size)
    y[::7] = np.nan
    y[5] = np.inf
    y[6] = -np.inf
    x[8] = np.nan
    rx, ry = reduce_envelope(x, y, 50)
    assert np.isfinite(rx).all() and np.isfinite(ry).all()
    keep = np.isfinite(x) & np.isfinite(y)
    ex, ey = reduce_envelope(x[keep], y[keep], 50)
    np.testing.assert_array_equal(rx, ex)
    np.testing.assert_array_equal(ry, ey)
    # Small inputs too: unchanged except for the dropped points.
    sx, sy = reduce_envelope(np.array([0.0, 1.0, 2.0]), np.array([1.0, np.nan, 3.0]), 10)
    np.testing.assert_array_equal(sx, [0.0, 2.0])
    np.testing.assert_array_equal(sy, [1.0, 3.0])


def test_all_nan_gives_empty_arrays() -> None:
    rx, ry = reduce_envelope(np.arange(1000.0), np.full(1000, np.nan), 10)
    assert rx.size == 0 and ry.size == 0


@pytest.mark.parametrize("seed", range(5))
def test_per_column_min_max_match_slow_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(500, 5000))
    columns = int(rng.integers(3, 60))
    x = np.cumsum(rng.exponential(size=n))  # irregular steps: some columns empty
    y = np.round(rng.normal(size=n), 1)  # ties, so "first of equal values" matters
    lo, hi = float(x[0]), float(x[-1])
    rx, ry = reduce_envelope(x, y, columns)

    ref = _reference_columns(x, y, columns, lo, hi)
    got_cols = _column_of(rx, columns, lo, hi)
    last_col = _column_of(x[-1:], columns, lo, hi)[0]
    assert set(got_cols.tolist()) == set(ref)
    for col, (low, high) in ref.items():
        in_col = got_cols == col
        assert ry[in_col].min() == low
        assert ry[in_col].max() == high
        extra = 1 if col == last_col else 0  # the last point may add one more
        assert in_col.sum() <= 2 + extra
        # The kept points are the first occurrences of the min and the max, in x order.
        members = np.flatnonzero(_column_of(x, columns, lo, hi) == col)
        first_min = members[np.argmax(y[members] == low)]
        first_max = members[np.argmax(y[members] == high)]
        expected = sorted({first_min, first_max} | ({n - 1} if extra else set()))
        np.testing.assert_array_equal(rx[in_col], x[expected])


def test_spike_order_within_a_column_follows_x() -> None:
    x = np.arange(1000, dtype=float)
    y = np.zeros(1000)
    y[10] = 5.0  # the max comes first in column 0 ...
    y[20] = -5.0  # ... then the min
    rx, ry = reduce_envelope(x, y, 10)
    np.testing.assert_array_equal(rx[:2], [10.0, 20.0])
    np.testing.assert_array_equal(ry[:2], [5.0, -5.0])


def test_unsorted_input_is_sorted_first() -> None:
    rng = np.random.default_rng(4)
    x = np.arange(5000, dtype=float)
    y = rng.normal(size=x.size)
    order = rng.permutation(x.size)
    sx, sy = reduce_envelope(x, y, 40)
    ux, uy = reduce_envelope(x[order], y[order], 40)
    np.testing.assert_array_equal(ux, sx)
    np.testing.assert_array_equal(uy, sy)


def test_x_range_bins_and_clips() -> None:
    x = np.arange(10_000, dtype=float)
    y = np.sin(x / 100)
    rx, _ = reduce_envelope(x, y, 20, x_range=(2000.0, 6000.0))
    assert rx.min() >= 2000.0 and rx.max() == 6000.0
    assert rx.size <= 41
    ref = _reference_columns(x, y, 20, 2000.0, 6000.0)
    assert set(_column_of(rx, 20, 2000.0, 6000.0).tolist()) == set(ref)


def test_constant_and_single_x_inputs() -> None:
    x = np.arange(100_000, dtype=float)
    rx, ry = reduce_envelope(x, np.full(x.size, 3.0), 30)
    assert rx.size <= 61 and np.all(ry == 3.0) and rx[-1] == x[-1]
    rx, ry = reduce_envelope(np.zeros(1000), np.arange(1000.0), 30)  # all at one x
    assert ry.min() == 0.0 and ry.max() == 999.0 and ry[-1] == 999.0


def test_min_dy_keeps_one_point_for_flat_columns() -> None:
    x = np.arange(10_000, dtype=float)
    y = x * 1e-9  # tiny change within each column
    y[5000] = 1.0  # one real spike
    rx, ry = envelope_sorted(x, y, 50, min_dy=1e-3)
    assert ry.max() == 1.0 and rx[-1] == x[-1]
    assert rx.size <= 50 + 2


def test_invalid_columns() -> None:
    with pytest.raises(ValueError):
        reduce_envelope(np.arange(10.0), np.arange(10.0), 0)
    with pytest.raises(ValueError):
        reduce_envelope(np.arange(10.0), np.arange(9.0), 4)


def test_ema_matches_hand_computation() -> None:
    # s0 = 1; s1 = .5 * 1 + .5 * 2 = 1.5; s2 = .5 * 1.5 + .5 * 4 = 2.75
    np.testing.assert_allclose(smooth_ema(np.array([1.0, 2.0, 4.0]), 0.5), [1.0, 1.5, 2.75])
    # alpha = .9: s1 = .9 * 10 + .1 * 0 = 9; s2 = .9 * 9 + .1 * 0 = 8.1
    np.testing.assert_allclose(smooth_ema(np.array([10.0, 0.0, 0.0]), 0.9), [10.0, 9.0, 8.1])


@pytest.mark.parametrize("alpha", [0.3, 0.9, 0.999])
def test_ema_matches_loop_across_blocks(alpha: float) -> None:
    rng = np.random.default_rng(5)
    y = rng.normal(size=1_000)  # several internal blocks, the last one partial
    expected = np.empty_like(y)
    state = y[0]
    for i, value in enumerate(y):
        state = alpha * state + (1 - alpha) * value
        expected[i] = state
    np.testing.assert_allclose(smooth_ema(y, alpha), expected, rtol=1e-10, atol=1e-12)


def test_ema_edge_cases() -> None:
    y = np.array([1.0, 2.0, 3.0])
    out = smooth_ema(y, 0.0)
    np.testing.assert_array_equal(out, y)
    assert not np.shares_memory(out, y)
    # Non-finite entries are skipped by the average and come out as NaN.
    np.testing.assert_allclose(smooth_ema(np.array([1.0, np.nan, 3.0]), 0.5), [1.0, np.nan, 2.0])
    assert smooth_ema(np.array([]), 0.5).size == 0
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError):
            smooth_ema(y, bad)


def test_log_safe_masks_non_positive() -> None:
    y = np.array([-1.0, 0.0, 1e-3, 2.0, np.nan])
    out = log_safe(y)
    np.testing.assert_array_equal(out, [np.nan, np.nan, 1e-3, 2.0, np.nan])
    assert y[0] == -1.0  # input untouched
