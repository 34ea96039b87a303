"""Plot statistics against numbers computed here with numpy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from metalab.index.stats import (
    aggregate,
    aggregate_table,
    auto_bins,
    curve_band,
    curve_bands,
    describe,
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
@pytest.mark.parametrize("error", ["none", "std", "sem", "ci95"])
def test_aggregate_table_against_numpy(trees: Path, agg: str, error: str) -> None:
    table = TreeIndex(trees).table("toy:1")
    plot = aggregate_table(
        table, None, "params.lr", "metrics.final_loss", "params.optimizer", agg=agg, error=error
    )
    assert [s.group for s in plot.series] == ["adam", "sgd"]  # first seen order for text
    assert not plot.categorical_x
    assert plot.title == f"{agg}(final_loss) vs lr (by optimizer)"
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
            want = {
                "none": math.nan,
                "std": sd,
                "sem": sd / np.sqrt(ys.size),
                "ci95": t_quantile(0.975, ys.size - 1) * sd / np.sqrt(ys.size),
            }[error]
            if math.isnan(want):
                assert math.isnan(point.err)
            else:
                assert point.err == pytest.approx(want)
                assert (point.low, point.high) == pytest.approx((point.y - want, point.y + want))
    # sgd at lr=1.0 always failed: no point there
    sgd = next(s for s in plot.series if s.group == "sgd")
    assert 1.0 not in sgd.xs


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
