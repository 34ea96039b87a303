"""Plot statistics against numbers computed here with numpy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from metalab.index.stats import (
    ERROR_BARS,
    ERRORS_FOR,
    aggregate,
    aggregate_table,
    auto_bins,
    band_for,
    bootstrap_ci,
    box_stats,
    column_quantiles,
    curve_band,
    curve_bands,
    describe,
    error_for,
    histogram,
    rank,
    t_cdf,
    t_quantile,
)
from metalab.index.tree import TreeIndex


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706), (2, 4.303), (4, 2.776), (10, 2.228), (30, 2.042), (100, 1.984)],
)
def test_t_quantiles_match_the_tables(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=5e-4)


def test_t_quantile_properties() -> None:
    assert t_quantile(0.975, 1) == pytest.approx(math.tan(math.pi * 0.475), rel=1e-10)
    assert t_quantile(0.975, 2) == pytest.approx(math.sqrt(2 / (0.05 * (2 - 0.05)) - 2), rel=1e-10)
    assert t_quantile(0.025, 5) == pytest.approx(-t_quantile(0.975, 5))
    assert t_quantile(0.5, 7) == 0.0
    assert t_quantile(0.975, math.inf) == pytest.approx(1.959964, abs=1e-6)
    for df in (1, 3, 12.5, 50):
        for p in (0.6, 0.9, 0.995):
            assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-10)
    with pytest.raises(ValueError):
        t_quantile(1.0, 3)
    with pytest.raises(ValueError):
        t_quantile(0.9, 0)


def test_describe_matches_numpy() -> None:
    values = np.array([0.3, 0.1, 0.4, 0.15, 0.9, np.nan])
    finite = values[np.isfinite(values)]
    s = describe(values)
    sd = np.std(finite, ddof=1)
    assert s.n == 5
    assert s.mean == pytest.approx(np.mean(finite))
    assert s.median == pytest.approx(np.median(finite))
    assert s.std == pytest.approx(sd)
    assert s.sem == pytest.approx(sd / np.sqrt(5))
    assert s.ci95 == pytest.approx(2.776445 * sd / np.sqrt(5), rel=1e-6)
    assert (s.min, s.max) == (0.1, 0.9)
    assert (s.q1, s.q3) == tuple(np.percentile(finite, [25, 75]))
    one = describe([2.0])
    assert one.n == 1 and one.mean == 2.0 and math.isnan(one.std) and math.isnan(one.ci95)
    assert describe([]).n == 0


@pytest.mark.parametrize("agg", ["mean", "median", "min", "max", "count"])
@pytest.mark.parametrize("error", ["none", "std", "sem", "ci95", "iqr", "boot95"])
def test_aggregate_table_against_numpy(trees: Path, agg: str, error: str) -> None:
    table = TreeIndex(trees).table("toy:1")
    plot = aggregate_table(
        table, None, "params.lr", "metrics.final_loss", "params.optimizer", agg=agg, error=error
    )
    assert [s.group for s in plot.series] == ["adam", "sgd"]  # first seen order for text
    assert not plot.categorical_x
    assert plot.title == f"{agg}(final_loss) vs lr (by optimizer)"
    # the bar drawn is one that fits the aggregate: a mean's bar never goes round a median
    drawn = error_for(agg, error)
    assert plot.error == drawn and drawn in ERRORS_FOR[agg]
    if agg in ("min", "max", "count"):
        assert drawn == "none"
    reducers = {"mean": np.mean, "median": np.median, "min": np.min, "max": np.max, "count": len}
    for series in plot.series:
        expected_x = [lr for lr in (0.01, 0.1, 1.0) if _ys(table, series.group, lr).size]
        assert series.xs == expected_x
        for point in series.points:
            ys = _ys(table, series.group, point.x)
            assert point.n == ys.size
            assert point.y == pytest.approx(float(reducers[agg](ys)))
            rows = {table.rows[i].run_id for i in point.rows}
            assert len(rows) == ys.size
            sd = np.std(ys, ddof=1)
            half = {
                "std": sd,
                "sem": sd / np.sqrt(ys.size),
                "ci95": t_quantile(0.975, ys.size - 1) * sd / np.sqrt(ys.size),
            }.get(drawn, math.nan)
            if drawn == "iqr":
                q1, q3 = np.percentile(ys, [25, 75])
                assert math.isnan(point.err)
                assert (point.low, point.high) == pytest.approx((q1, q3))
                assert point.low <= point.y <= point.high
            elif drawn == "boot95":
                assert (point.low, point.high) == pytest.approx(_bootstrap_median(ys))
                assert point.low <= point.y <= point.high
            elif math.isnan(half):
                assert math.isnan(point.err)
                assert point.low == point.high == point.y  # no bar
            else:
                assert point.err == pytest.approx(half)
                assert (point.low, point.high) == pytest.approx((point.y - half, point.y + half))
    # sgd at lr=1.0 always failed: no point there
    sgd = next(s for s in plot.series if s.group == "sgd")
    assert 1.0 not in sgd.xs


def _bootstrap_median(ys: np.ndarray, resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """The documented bootstrap, written out with numpy in one draw."""
    picks = np.random.default_rng(seed).integers(0, ys.size, size=(resamples, ys.size))
    medians = np.median(ys[picks], axis=1)
    lo, hi = np.percentile(medians, [2.5, 97.5])
    return float(lo), float(hi)


def test_error_bars_fit_their_aggregate() -> None:
    assert error_for("mean", "ci95") == "ci95"
    assert error_for("median", "ci95") == "boot95" and error_for("median", "std") == "iqr"
    assert error_for("mean", "iqr") == "std" and error_for("mean", "boot95") == "ci95"
    assert {error_for(a, e) for a in ("min", "max", "count", "none") for e in ERROR_BARS} == {
        "none"
    }
    assert band_for("median", "ci95") == "iqr" and band_for("mean", "iqr") == "std"
    assert band_for("median", "minmax") == "minmax"


def test_bootstrap_ci_of_the_median_is_seeded() -> None:
    rng = np.random.default_rng(7)
    values = rng.lognormal(0.0, 1.0, 301)
    first = bootstrap_ci(values)
    assert first == bootstrap_ci(values)  # the same data, the same interval
    assert first == pytest.approx(_bootstrap_median(values))
    lo, hi = first
    assert lo < np.median(values) < hi
    # drawn in blocks of rows when n is large: the same numbers as one draw
    big = rng.normal(size=5000)
    assert bootstrap_ci(big, resamples=500) == pytest.approx(_bootstrap_median(big, 500))
    assert bootstrap_ci(values, seed=1) != first
    assert all(math.isnan(v) for v in bootstrap_ci([1.0]))


def test_box_stats_against_numpy() -> None:
    values = np.array([1.0, 2.0, 2.5, 3.0, 3.2, 3.5, 4.0, 4.1, 30.0, -12.0, np.nan])
    box = box_stats(values)
    finite = values[np.isfinite(values)]
    q1, med, q3 = np.percentile(finite, [25, 50, 75])
    assert (box.n, box.q1, box.median, box.q3) == (10, q1, med, q3)
    reach = 1.5 * (q3 - q1)
    inside = finite[(finite >= q1 - reach) & (finite <= q3 + reach)]
    assert (box.whisker_low, box.whisker_high) == (inside.min(), inside.max()) == (1.0, 4.1)
    assert sorted(box.outliers.tolist()) == [-12.0, 30.0]
    flat = box_stats([2.0, 2.0, 2.0])
    assert flat.whisker_low == flat.whisker_high == 2.0 and not flat.outliers.size
    assert box_stats([]).n == 0
    # aggregated with boxes: one box per (group, x), its median the point
    series = aggregate([1, 1, 1, 1, 2], [1.0, 2.0, 3.0, 40.0, 5.0], boxes=True, agg="median")
    first = series[0].points[0]
    assert first.box is not None and first.y == first.box.median == 2.5
    assert first.box.outliers.tolist() == [40.0]


def _ys(table, optimizer, lr) -> np.ndarray:
    return np.array(
        [
            r.metrics["final_loss"]
            for r in table.rows
            if r.params["optimizer"] == optimizer
            and r.params["lr"] == lr
            and "final_loss" in r.metrics
        ]
    )


def test_aggregate_raw_points_and_categories() -> None:
    series = aggregate(["b", "a", "b", None], [1.0, 2.0, 3.0, 4.0], agg="none")
    assert len(series) == 1 and series[0].label == "all"
    assert [(p.x, p.y) for p in series[0].points] == [("b", 1.0), ("b", 3.0), ("a", 2.0)]
    grouped = aggregate([1, 1, 2, 2], [1.0, 3.0, 5.0, np.nan], group=[None, None, "g", "g"])
    assert [s.label for s in grouped] == ["g", "(none)"]
    assert [(p.x, p.y, p.n) for p in grouped[1].points] == [(1, 2.0, 2)]
    assert [(p.x, p.y, p.n) for p in grouped[0].points] == [(2, 5.0, 1)]
    with pytest.raises(ValueError, match="unknown aggregate"):
        aggregate([1], [1.0], agg="mode")


def test_histogram_bins() -> None:
    assert [auto_bins(n) for n in (0, 10, 30, 100, 1000, 10**6)] == [5, 5, 6, 8, 11, 21]
    values = np.array([0.0, 0.1, 0.5, 0.55, 0.9, 1.0, np.nan])
    h = histogram(values, bins=4)
    counts, edges = np.histogram(values[np.isfinite(values)], bins=4)
    np.testing.assert_array_equal(h.counts[None], counts)
    np.testing.assert_allclose(h.edges, edges)
    assert h.bin_of.tolist() == [0, 0, 2, 2, 3, 3, -1]
    assert h.members(2).tolist() == [2, 3]
    auto = histogram(np.arange(100.0))
    assert auto.bins == 8 and auto.total.sum() == 100
    same = histogram([3.0, 3.0])
    assert same.total.sum() == 2 and same.edges[0] < 3.0 < same.edges[-1]


def test_histogram_groups_share_bins() -> None:
    h = histogram([1.0, 2.0, 3.0, 4.0], bins=2, groups=["a", "b", "a", None])
    assert list(h.counts) == ["a", "b", "(none)"]
    assert h.counts["a"].tolist() == [1, 1]
    assert h.counts["b"].tolist() == [1, 0]
    assert h.total.tolist() == [2, 2]


def test_curve_band_on_the_union_of_steps() -> None:
    a = (np.array([0, 1, 2, 3]), np.array([1.0, 2.0, 3.0, 4.0]))
    b = (np.array([0, 1, 2, 3]), np.array([3.0, 2.0, 5.0, 6.0]))
    c = (np.array([0, 2]), np.array([2.0, 4.0]))  # a shorter, coarser curve: interpolated
    band = curve_band([a, b, c], band="ci95")
    assert band.steps.tolist() == [0, 1, 2, 3]
    matrix = np.array([[1, 2, 3, 4], [3, 2, 5, 6], [2, 3, 4, np.nan]])
    n = np.sum(np.isfinite(matrix), axis=0)
    assert band.n.tolist() == n.tolist() == [3, 3, 3, 2]
    mean = np.nanmean(matrix, axis=0)
    np.testing.assert_allclose(band.center, mean)
    sd = np.nanstd(matrix, axis=0, ddof=1)
    half = np.array([t_quantile(0.975, k - 1) for k in n]) * sd / np.sqrt(n)
    np.testing.assert_allclose(band.high - band.center, half)
    np.testing.assert_allclose(band.center - band.low, half)
    std = curve_band([a, b, c], band="std")
    np.testing.assert_allclose(std.high - std.center, sd)
    sem = curve_band([a, b], band="sem", center="median")
    np.testing.assert_allclose(sem.center, [2.0, 2.0, 4.0, 5.0])


def test_curve_band_on_a_grid_and_by_group() -> None:
    x = np.arange(1000)
    curves = [(x, np.exp(-x / 100) + k) for k in range(3)]
    band = curve_band(curves, grid=11)
    assert band.steps.tolist() == list(np.linspace(0, 999, 11))
    np.testing.assert_allclose(band.center, np.exp(-band.steps / 100) + 1, atol=1e-3)
    bands = curve_bands({0.1: curves[:2], 0.01: curves[2:]}, band="minmax")
    assert list(bands) == [0.1, 0.01]
    np.testing.assert_allclose(bands[0.1].high - bands[0.1].low, 1.0, atol=1e-9)
    assert bands[0.01].n.max() == 1


def test_column_quantiles_match_nanquantile() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(57, 40))
    matrix[rng.random(matrix.shape) < 0.3] = np.nan
    matrix[:, 5] = np.nan  # a step no curve covers
    matrix[:, 6] = np.nan
    matrix[3, 6] = 1.5  # a step one curve covers
    got = column_quantiles(matrix, (0.25, 0.5, 0.75))
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        want = np.nanquantile(matrix, [0.25, 0.5, 0.75], axis=0)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, equal_nan=True)


def test_median_curve_band_with_its_interquartile_range() -> None:
    rng = np.random.default_rng(11)
    x = np.arange(50)
    curves = [(x, rng.normal(size=50)) for _ in range(9)] + [(x[:20], rng.normal(size=20))]
    band = curve_band(curves, band="iqr", center="median")
    matrix = np.full((10, 50), np.nan)
    for row, (s, v) in enumerate(curves):
        matrix[row, : s.size] = v
    q1, med, q3 = np.nanpercentile(matrix, [25, 50, 75], axis=0)
    np.testing.assert_allclose(band.center, med)
    np.testing.assert_allclose(band.low, q1)
    np.testing.assert_allclose(band.high, q3)
    assert band.n.tolist() == [10] * 20 + [9] * 30
    with pytest.raises(ValueError, match="unknown band"):
        curve_band(curves, band="boot")


def test_curve_band_over_thousands_of_curves_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of curves: the grid is worked through in blocks of columns, and the
    numbers are numpy's over the whole matrix at once."""
    import metalab.index.stats as stats

    rng = np.random.default_rng(5)
    steps = np.arange(0, 300, 3)
    curves = [(steps, rng.normal(k % 7, 1.0, steps.size)) for k in range(3000)]
    curves.append((np.arange(0, 301, 10), rng.normal(size=31)))  # other steps: interpolated
    monkeypatch.setattr(stats, "BAND_BLOCK_CELLS", 50_000)  # 16 columns a block
    band = curve_band(curves, band="ci95", grid="auto")
    grid = np.union1d(steps, np.arange(0, 301, 10))
    np.testing.assert_array_equal(band.steps, grid)
    matrix = np.vstack(
        [np.where((grid >= s[0]) & (grid <= s[-1]), np.interp(grid, s, v), np.nan)
         for s, v in curves]
    )  # fmt: skip
    n = np.isfinite(matrix).sum(axis=0)
    np.testing.assert_array_equal(band.n, n)
    np.testing.assert_allclose(band.center, np.nanmean(matrix, axis=0), rtol=1e-10)
    assert n[-1] == 1  # step 300: only the last curve reaches it, no band there
    t = np.array([t_quantile(0.975, k - 1) if k > 1 else np.nan for k in n])
    with pytest.warns(RuntimeWarning):
        sd = np.nanstd(matrix, axis=0, ddof=1)
    half = t * sd / np.sqrt(n)
    np.testing.assert_allclose(band.high - band.center, half, rtol=1e-9, equal_nan=True)
    median = curve_band(curves, band="iqr", center="median", grid="auto")
    np.testing.assert_allclose(median.center, np.nanmedian(matrix, axis=0))


def test_auto_grid_falls_back_to_evenly_spaced_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    import metalab.index.stats as stats

    monkeypatch.setattr(stats, "UNION_GRID_LIMIT", 100)
    monkeypatch.setattr(stats, "AUTO_GRID_POINTS", 50)
    curves = [(np.arange(k, 1000, 7), np.ones(len(range(k, 1000, 7)))) for k in range(7)]
    band = curve_band(curves, grid="auto")
    assert band.steps.size == 50 and band.steps[0] == 0 and band.steps[-1] == 999
    np.testing.assert_allclose(band.center, 1.0)


def test_curve_band_from_the_tree_replicates(lib_tree: Path) -> None:
    import metalab

    runs = [
        r for r in metalab.load_results(lib_tree) if r.params == {"lr": 0.1, "optimizer": "adam"}
    ]
    curves = [r.stepped("loss") for r in runs]
    band = curve_band(curves, band="sem")
    stacked = np.vstack([v for _, v in curves])
    np.testing.assert_allclose(band.center, stacked.mean(axis=0))
    np.testing.assert_allclose(band.high - band.center, stacked.std(axis=0, ddof=1) / np.sqrt(3))
    assert band.n.tolist() == [3] * 20


def test_rank_among_runs() -> None:
    values = np.array([0.3, 0.1, np.nan, 0.2, 0.1])
    assert rank(values, 0) == (4, 4)
    assert rank(values, 1) == (1, 4)
    assert rank(values, 0, descending=True) == (1, 4)
    assert rank(values, 2) == (0, 4)
