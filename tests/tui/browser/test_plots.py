"""The plots tab (issue 4, point 4): the groups and aggregates it holds, checked against
numbers computed here with numpy from the run records; histograms; curves overlaid and
banded; the keys; and the seed's four atlas views, one key each, on the curve_fit tree.

Assertions read the widgets' data (the chart handed to the scalar plot, the series
handed to the curve plot), not pixels; the snapshot tests look at the pixels.
"""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _plots_trees import (
    FOLDER,
    ITERATIONS,
    LRS,
    REPLICATES,
    T975,
    copy_curve_fit,
    records,
    stepped_loss,
)
from textual.pilot import Pilot
from textual.widgets import DataTable, Select, TabbedContent

from tui.browser import BrowserApp
from tui.browser.messages import ScopeChanged, StateChanged
from tui.browser.plots.tab import PlotsPane
from tui.plotting.scalar import ScalarChart
from tui.widgets.curve_plot import CurvePlot
from tui.widgets.scalar_plot import ScalarPlot

SIZE = (160, 48)


@pytest.fixture
def curve_fit(tmp_path: Path) -> Path:
    """A private copy of the curve_fit tree (collection root)."""
    return copy_curve_fit(tmp_path / "curve_fit")


# -- helpers ------------------------------------------------------------------------------


def pane_of(app: BrowserApp) -> PlotsPane:
    return app.screen.query_one(PlotsPane)


def chart_of(app: BrowserApp) -> ScalarChart:
    return pane_of(app).query_one(ScalarPlot).chart


async def settle(pilot: Pilot[Any]) -> None:
    """Let keys, workers (curve loads) and the messages they post all finish."""
    app = pilot.app
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def open_plots(pilot: Pilot[Any], scope: str | None = None) -> PlotsPane:
    app = pilot.app
    await pilot.pause()
    if scope is not None:
        app.screen.post_message(ScopeChanged(scope))
        await pilot.pause()
    await pilot.press("3")
    await settle(pilot)
    pane = pane_of(app)  # type: ignore[arg-type]
    assert app.focused is pane
    return pane


def by_group_and_x(recs: list[dict[str, Any]], x: str, y: str, group: str) -> dict:
    """{(group value, x value): [y of each replicate]} from raw records."""
    out: dict[tuple[Any, Any], list[float]] = defaultdict(list)
    for rec in recs:
        value = rec["metrics"].get(y)
        if value is None:
            continue
        params = rec["params_resolved"]
        out[(params[group], params[x])].append(float(value))
    return out


def ci95(values: list[float]) -> float:
    arr = np.asarray(values)
    return T975[arr.size - 1] * arr.std(ddof=1) / math.sqrt(arr.size)


def chart_points(chart: ScalarChart) -> dict[tuple[str, Any], tuple[float, float, int]]:
    out = {}
    for s in chart.series:
        assert s.err is not None and s.n is not None
        for x, y, err, n in zip(s.x, s.y, s.err, s.n, strict=True):
            out[(s.label, x)] = (float(y), float(err), int(n))
    return out


# -- scalar charts ---------------------------------------------------------------------------


async def test_opens_on_the_first_metric_against_the_first_param(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        cfg = pane.config
        assert (cfg.mode, cfg.kind, cfg.agg) == ("scalar", "scatter", "mean")
        assert cfg.x == "params.learning_rate"
        assert cfg.y == "metrics.final_loss"
        assert cfg.group == "params.n_iterations"
        chart = chart_of(app)
        assert [s.label for s in chart.series] == ["5000", "10000"]
        assert pane.status.startswith("18 runs in scope")


async def test_mean_with_ci95_bars_and_n_match_numpy(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("e", "e", "e")  # none -> std -> sem -> ci95
        await settle(pilot)
        assert pane.config.error == "ci95"
        expected = by_group_and_x(records(curve_fit), "learning_rate", "final_loss", "n_iterations")
        points = chart_points(chart_of(app))
        assert len(points) == len(LRS) * len(ITERATIONS)
        for (group, lr), values in expected.items():
            y, err, n = points[(str(group), lr)]
            assert n == REPLICATES == len(values)
            assert y == pytest.approx(np.mean(values), rel=1e-12)
            assert err == pytest.approx(ci95(values), rel=1e-9)
        assert "± ci95" in chart_of(app).title
        # the table of points under the chart shows the same numbers and n
        table = pane_of(app).query_one("#plot-points", DataTable)
        assert table.row_count == 6
        assert [str(c.label) for c in table.ordered_columns] == [
            "n_iterations", "learning_rate", "mean(final_loss)", "±ci95", "n",
        ]  # fmt: skip
        first = table.get_row_at(0)
        values = expected[(5000, 0.01)]
        assert first[0] == "5000" and first[4] == "3"
        assert float(first[2]) == pytest.approx(np.mean(values), rel=1e-3)
        assert float(first[3]) == pytest.approx(ci95(values), rel=1e-2)


async def test_aggregates_cycle_and_match_numpy(curve_fit: Path) -> None:
    """Each aggregate's points match numpy, and its error bars are the ones that fit it:
    std asked for becomes the interquartile range round a median, and a min, max or
    count has none (the control says n/a and the key is disabled)."""
    app = BrowserApp(curve_fit)
    reducers = {
        "median": np.median,
        "min": np.min,
        "max": np.max,
        "count": len,
    }
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("e")  # std bars
        expected = by_group_and_x(records(curve_fit), "learning_rate", "final_loss", "n_iterations")
        error_select = pane.query_one("#plot-error", Select)
        for agg, reduce in reducers.items():
            await pilot.press("a")
            await settle(pilot)
            assert pane.config.agg == agg
            chart = chart_of(app)
            points = chart_points(chart)
            bars = {
                (s.label, x): (lo, hi)
                for s in chart.series
                if s.low is not None and s.high is not None
                for x, lo, hi in zip(s.x, s.low, s.high, strict=True)
            }
            for (group, lr), values in expected.items():
                y, err, n = points[(str(group), lr)]
                assert y == pytest.approx(float(reduce(values)), rel=1e-12)
                assert math.isnan(err)  # no mean's std round any of these
                if agg == "median":
                    q1, q3 = np.percentile(values, [25, 75])
                    assert bars[(str(group), lr)] == pytest.approx((q1, q3), rel=1e-12)
            if agg == "median":
                assert pane.config.error_drawn == "iqr" and error_select.value == "iqr"
                assert "interquartile range" in chart.title
                assert pane.check_action("cycle_error", ()) is True
            else:
                assert not bars and "±" not in chart.title
                assert error_select.value == "n/a" and error_select.disabled
                assert pane.check_action("cycle_error", ()) is None  # shown disabled
                assert f"no error bars around a {agg}" in pane.status
        await pilot.press("a")  # none: one point per run
        await settle(pilot)
        assert pane.config.agg == "none"
        assert sum(len(s.y) for s in chart_of(app).series) == 18
        assert all(set(s.n.tolist()) == {1} for s in chart_of(app).series)  # type: ignore[union-attr]
        await pilot.press("a")  # back to the mean: the std asked for is drawn again
        await settle(pilot)
        assert pane.config.agg == "mean" and pane.config.error_drawn == "std"
        assert "± std" in chart_of(app).title


async def test_median_with_interquartile_range_and_bootstrap_bars(curve_fit: Path) -> None:
    """Round a median: the interquartile range, then a bootstrap 95% CI of the median
    (seeded: the same bars every time), each in the chart and the table of points."""
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        for _ in range(10):  # group by none: 6 runs per learning rate
            await pilot.press("g")
            await settle(pilot)
            if pane.config.group is None:
                break
        assert pane.config.group is None
        await pilot.press("a", "e")  # median; its first bar, the interquartile range
        await settle(pilot)
        assert (pane.config.agg, pane.config.error_drawn) == ("median", "iqr")
        recs = records(curve_fit)
        by_lr = {
            lr: np.array(
                [r["metrics"]["final_loss"] for r in recs
                 if r["params_resolved"]["learning_rate"] == lr]
            )
            for lr in LRS
        }  # fmt: skip
        (series,) = chart_of(app).series
        assert series.low is not None and series.high is not None
        for x, y, lo, hi in zip(series.x, series.y, series.low, series.high, strict=True):
            q1, med, q3 = np.percentile(by_lr[x], [25, 50, 75])
            assert (y, lo, hi) == pytest.approx((med, q1, q3), rel=1e-12)
        table = pane.query_one("#plot-points", DataTable)
        assert [str(c.label) for c in table.ordered_columns][3] == "q1 – q3"
        q1, q3 = np.percentile(by_lr[LRS[0]], [25, 75])
        lo_text, hi_text = table.get_row_at(0)[3].split(" – ")
        assert (float(lo_text), float(hi_text)) == pytest.approx((q1, q3), rel=1e-3)
        await pilot.press("e")  # the bootstrap CI of the median
        await settle(pilot)
        assert pane.config.error_drawn == "boot95"
        chart = chart_of(app)
        assert "bootstrap 95% CI" in chart.title
        (series,) = chart.series
        for x, y, lo, hi in zip(series.x, series.y, series.low, series.high, strict=True):
            values = by_lr[x]
            picks = np.random.default_rng(0).integers(0, values.size, (2000, values.size))
            want = np.percentile(np.median(values[picks], axis=1), [2.5, 97.5])
            assert (lo, hi) == pytest.approx(tuple(want), rel=1e-12)
            assert lo <= y <= hi
        first = [(lo, hi) for lo, hi in zip(series.low, series.high, strict=True)]
        await pilot.press("e", "e", "e")  # none, iqr, boot95 again: the same bars
        await settle(pilot)
        (again,) = chart_of(app).series
        assert list(zip(again.low, again.high, strict=True)) == first


async def test_box_plot_of_a_metric_against_a_param_by_group(curve_fit: Path) -> None:
    """``k`` reaches the box plot: per (group, x) the median, quartiles, whiskers at
    1.5 IQR and outliers, as numpy has them, in the chart and the table of points."""
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("k", "k", "k", "k")  # scatter, line, bar, histogram, box
        await settle(pilot)
        assert pane.config.kind == "box"
        chart = chart_of(app)
        assert chart.kind == "box" and chart.categorical
        assert "median, quartiles, whiskers at 1.5 IQR, outliers" in chart.title
        assert [s.label for s in chart.series] == [str(i) for i in ITERATIONS]
        expected = by_group_and_x(records(curve_fit), "learning_rate", "final_loss", "n_iterations")
        seen = 0
        for s in chart.series:
            assert s.box is not None and s.outliers is not None
            for x, row, outliers in zip(s.x, s.box, s.outliers, strict=True):
                values = np.asarray(expected[(int(s.label), x)])
                q1, med, q3 = np.percentile(values, [25, 50, 75])
                reach = 1.5 * (q3 - q1)
                inside = values[(values >= q1 - reach) & (values <= q3 + reach)]
                want = (inside.min(), q1, med, q3, inside.max())
                assert tuple(row) == pytest.approx(want, rel=1e-12)
                assert sorted(outliers.tolist()) == sorted(set(values) - set(inside))
                seen += 1
        assert seen == len(LRS) * len(ITERATIONS)
        # aggregates and error bars do not apply to a box plot: their keys are disabled
        assert pane.check_action("cycle_agg", ()) is None
        assert pane.check_action("cycle_error", ()) is None
        table = pane.query_one("#plot-points", DataTable)
        assert [str(c.label) for c in table.ordered_columns] == [
            "n_iterations", "learning_rate", "median", "q1 – q3", "whiskers", "outliers", "n",
        ]  # fmt: skip
        assert table.row_count == len(LRS) * len(ITERATIONS)
        await pilot.press("k")  # and round to the scatter again
        await settle(pilot)
        assert pane.config.kind == "scatter"


async def test_group_by_cycles_and_none_pools_the_groups(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        seen = []
        for _ in range(3):
            await pilot.press("g")
            await settle(pilot)
            seen.append(pane.config.group)
            if pane.config.group is None:
                break
        assert None in seen
        chart = chart_of(app)
        assert len(chart.series) == 1
        assert list(chart.series[0].n) == [6, 6, 6]  # both n_iterations pooled
        recs = records(curve_fit)
        for lr, y in zip(chart.series[0].x, chart.series[0].y, strict=True):
            values = [
                r["metrics"]["final_loss"]
                for r in recs
                if r["params_resolved"]["learning_rate"] == lr
            ]
            assert y == pytest.approx(np.mean(values), rel=1e-12)


async def test_x_and_y_fields_cycle(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert pane.config.x == "params.n_iterations"
        assert pane.config.group is None  # grouping by the x field makes no sense
        await pilot.press("left_square_bracket")
        assert pane.config.x == "params.learning_rate"
        await pilot.press("y")
        await settle(pilot)
        assert pane.config.y == "metrics.iterations_to_converge"
        assert chart_of(app).title.startswith("mean(iterations_to_converge) vs learning_rate")
        await pilot.press("left_curly_bracket")
        assert pane.config.y == "metrics.final_loss"


async def test_log_toggles_change_state_and_chart(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        assert not pane.config.log_x and not pane.config.log_y
        await pilot.press("X")
        await settle(pilot)
        assert pane.config.log_x and chart_of(app).log_x
        await pilot.press("Y")
        await settle(pilot)
        assert pane.config.log_y and chart_of(app).log_y
        assert pane_of(app).query_one("#plot-log-y").value is True  # type: ignore[attr-defined]
        await pilot.press("X", "Y")
        await settle(pilot)
        assert not chart_of(app).log_x and not chart_of(app).log_y
        # in curves mode Y is the curve pane's log axis
        await pilot.press("m")
        await settle(pilot)
        curve = pane_of(app).query_one(CurvePlot)
        assert not curve.log_y
        await pilot.press("Y")
        await settle(pilot)
        assert pane.config.curve_log_y and curve.log_y


async def test_categorical_x_with_failed_runs_left_out(small_tree: Path) -> None:
    """toy:1 (lr x optimizer, 2 replicates; lr=1.0 with sgd fails) by optimizer."""
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot, scope="toy:1")
        assert pane.config.x == "params.lr" and pane.config.group == "params.optimizer"
        pane.query_one("#plot-y", Select).value = "metrics.final_loss"  # as a user picks it
        await settle(pilot)
        assert pane.config.y == "metrics.final_loss"
        await pilot.press("x")  # lr -> optimizer (a text param: a categorical axis)
        await settle(pilot)
        assert pane.config.x == "params.optimizer"
        await pilot.press("g")  # group by lr
        await settle(pilot)
        assert pane.config.group == "params.lr"
        chart = chart_of(app)
        assert sorted(chart.categories or []) == ["adam", "sgd"]  # first-seen order
        points = chart_points(chart)
        assert ("1", "sgd") not in points  # both runs failed: no final_loss
        assert points[("1", "adam")][2] == 2
        assert "2 without final_loss left out" in pane.status
        await pilot.press("k", "k")  # bar chart
        await settle(pilot)
        assert chart_of(app).kind == "bar"


async def test_histogram_counts_match_numpy(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("k", "k", "k")
        await settle(pilot)
        assert pane.config.kind == "histogram"
        recs = records(curve_fit)
        values = np.array([r["metrics"]["final_loss"] for r in recs])
        hist = pane.histogram
        assert hist is not None
        counts, edges = np.histogram(values, bins=hist.bins)
        assert hist.bins == 5  # atlas's automatic count for 18 values
        np.testing.assert_allclose(hist.edges, edges)
        np.testing.assert_array_equal(hist.total, counts)
        chart = chart_of(app)
        assert chart.kind == "histogram"
        assert [s.label for s in chart.series] == ["5000", "10000"]  # groups share the bins
        for s, iters in zip(chart.series, ITERATIONS, strict=True):
            group = [r["metrics"]["final_loss"] for r in recs
                     if r["params_resolved"]["n_iterations"] == iters]  # fmt: skip
            np.testing.assert_array_equal(s.y, np.histogram(group, bins=edges)[0])
        await pilot.press("b", "b")  # auto -> 5 -> 10 bins
        await settle(pilot)
        assert pane.config.bins == 10
        np.testing.assert_array_equal(
            pane.histogram.total,
            np.histogram(values, bins=10)[0],  # type: ignore[union-attr]
        )
        table = pane_of(app).query_one("#plot-points", DataTable)
        assert table.row_count == 10


async def test_plotting_the_selection(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        recs = records(curve_fit)
        chosen = [r["run_id"] for r in recs if r["params_resolved"]["learning_rate"] == 0.1]
        pane.state.selected[:] = chosen
        pane.post_message(StateChanged("selection"))
        await pilot.press("p")
        await settle(pilot)
        assert pane.state.plot_selection
        assert pane.status.startswith("6 selected runs")
        chart = chart_of(app)
        assert sum(int(s.n.sum()) for s in chart.series) == 6  # type: ignore[union-attr]
        assert {x for s in chart.series for x in s.x} == {0.1}
        await pilot.press("p")
        await settle(pilot)
        assert not pane.state.plot_selection
        assert sum(int(s.n.sum()) for s in chart_of(app).series) == 18  # type: ignore[union-attr]


async def test_enter_on_a_point_filters_the_runs_tab_to_its_runs(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        table = pane_of(app).query_one("#plot-points", DataTable)
        table.focus()
        await pilot.press("down", "enter")  # second point: n_iterations 5000, lr 0.05
        await settle(pilot)
        expected = sorted(
            r["run_id"] for r in records(curve_fit)
            if r["params_resolved"]["learning_rate"] == 0.05
            and r["params_resolved"]["n_iterations"] == 5000
        )  # fmt: skip
        condition = pane.state.conditions[-1]
        assert sorted(condition.values) == expected
        assert app.screen.query_one(TabbedContent).active == "runs"


async def test_a_run_written_meanwhile_joins_the_chart(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        rec = records(curve_fit)[0]
        rec["run_id"] = "f" * 16
        rec["params_resolved"]["learning_rate"] = 0.2
        rec["metrics"]["final_loss"] = 0.5
        path = curve_fit / FOLDER / "runs" / f"{rec['run_id']}.json"
        path.write_text(json.dumps(rec), encoding="utf-8")
        await pilot.press("R")  # the screen's refresh (it also runs every 2 s)
        await settle(pilot)
        assert pane.status.startswith("19 runs in scope")
        points = chart_points(chart_of(app))
        group = str(rec["params_resolved"]["n_iterations"])
        assert points[(group, 0.2)] == (0.5, pytest.approx(math.nan, nan_ok=True), 1)


# -- curves ------------------------------------------------------------------------------


async def test_curves_overlay_the_selected_runs(curve_fit: Path, wait_until) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("m")
        await settle(pilot)
        curve = pane_of(app).query_one(CurvePlot)
        assert pane.curve_source is not None and pane.curve_source.key == "stepped:loss"
        assert len(pane.curve_series) == 18 == curve.series_count  # none selected: scope
        for s in pane.curve_series:
            assert s.color_value in LRS  # coloured by learning rate
        chosen = [r["run_id"] for r in records(curve_fit)][:4]
        pane.state.selected[:] = chosen
        pane.post_message(StateChanged("selection"))
        await wait_until(pilot, lambda: "p: plot the selected runs" in pane.status, what="hint")
        await settle(pilot)
        assert len(pane.curve_series) == 18  # still the scope, until p
        await pilot.press("p")
        await wait_until(pilot, lambda: [s.key for s in pane.curve_series] == chosen,
                         what="the selected runs' curves")  # fmt: skip
        await settle(pilot)
        assert curve.series_count == 4
        for s in pane.curve_series:
            steps, values = stepped_loss(curve_fit, s.key)
            np.testing.assert_array_equal(s.x, steps)
            np.testing.assert_array_equal(s.y, values)


async def test_grouped_curves_band_is_the_mean_over_replicates(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("m", "o")
        await settle(pilot)
        assert pane.config.layout == "grouped"
        assert pane.config.curve_group == "params.learning_rate"
        assert list(pane.curve_bands) == list(LRS)
        # three lines per group: the mean and the band's edges, in the group's colour
        assert len(pane.curve_series) == 3 * len(LRS)
        recs = records(curve_fit)
        for lr in LRS:
            runs = [r["run_id"] for r in recs if r["params_resolved"]["learning_rate"] == lr]
            curves = [stepped_loss(curve_fit, run_id)[1] for run_id in runs]
            band = pane.curve_bands[lr]
            for step in (0, 100, 4999):  # every run has these steps: n = 6
                at = [c[step] for c in curves]
                i = int(np.searchsorted(band.steps, step))
                assert band.n[i] == 6
                assert band.center[i] == pytest.approx(np.mean(at), rel=1e-12)
                half = T975[5] * np.std(at, ddof=1) / math.sqrt(6)
                assert band.high[i] - band.center[i] == pytest.approx(half, rel=1e-9)
            longer = [c[7000] for c in curves if c.size > 7000]  # only the 10000-step runs
            i = int(np.searchsorted(band.steps, 7000))
            assert band.n[i] == 3
            assert band.center[i] == pytest.approx(np.mean(longer), rel=1e-12)
        await pilot.press("e")  # ci95 -> std
        await settle(pilot)
        assert pane.config.band == "std"
        await pilot.press("g")  # by n_iterations
        await settle(pilot)
        assert pane.config.curve_group == "params.n_iterations"
        assert list(pane.curve_bands) == list(ITERATIONS)
        assert int(pane.curve_bands[5000].n.max()) == 9


async def test_smoothing_and_the_curve_cache(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("m")
        await settle(pilot)
        reads = pane.loader.reads
        assert reads == 18
        await pilot.press("s")
        await settle(pilot)
        assert pane.config.smoothing == 0.6
        s = pane.curve_series[0]
        raw = stepped_loss(curve_fit, s.key)[1]
        expected = np.empty(50)
        state = raw[0]
        for i in range(50):
            state = 0.6 * state + 0.4 * raw[i] if i else raw[0]
            expected[i] = state
        np.testing.assert_allclose(s.y[:50], expected, rtol=1e-12)
        assert pane.loader.reads == reads  # the curves came from the cache
        await pilot.press("s", "s", "s")
        await settle(pilot)
        assert pane.config.smoothing == 0.0
        np.testing.assert_array_equal(pane.curve_series[0].y, raw)
        # a curve file written again (a live run) is read again, the others are not
        path = curve_fit / FOLDER / "results" / s.key / "loss.json"
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
        await pilot.press("s")
        await settle(pilot)
        assert pane.loader.reads == reads + 1


async def test_curve_sources_cycle_between_stepped_metrics_and_arrays(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("m")
        await settle(pilot)
        keys = [s.key for s in pane.curve_sources]
        # fitted_params is a 1-D array too, but of 3 numbers: the longest array comes first
        assert keys == ["stepped:loss", "artifact:loss_history", "artifact:fitted_params"]
        await pilot.press("c")
        await settle(pilot)
        assert pane.curve_source is not None and pane.curve_source.name == "loss_history"
        for s in pane.curve_series:
            rec = next(r for r in records(curve_fit) if r["run_id"] == s.key)
            assert s.y.size == rec["params_resolved"]["n_iterations"]
            np.testing.assert_array_equal(s.x, np.arange(s.y.size))


async def test_curves_from_a_reference_format_tree(reference_tree: Path) -> None:
    """Artifact uris point at /home/alice on another machine; the files are in the tree."""
    app = BrowserApp(reference_tree)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        assert chart_of(app).series  # final_loss against lr
        await pilot.press("m", "c")
        await settle(pilot)
        assert pane.curve_source is not None and pane.curve_source.kind == "artifact"
        assert len(pane.curve_series) == 4  # the two lr=1.0 sgd runs failed before saving
        assert all(s.y.size == 20 for s in pane.curve_series)


async def test_an_empty_scope_draws_a_message_not_an_error(curve_fit: Path) -> None:
    from metalab.index import parse_filter

    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        pane.state.conditions[:] = parse_filter("learning_rate=7", pane.state.table())
        pane.post_message(StateChanged("filter"))
        await settle(pilot)
        assert pane.status.startswith("0 runs in scope")
        assert chart_of(app).series == []
        await pilot.press("m")
        await settle(pilot)
        assert pane.curve_series == []


# -- the seed's four atlas views ----------------------------------------------------------------


async def test_preset_1_final_loss_vs_learning_rate_by_iterations(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("m", "k", "a")  # wander off first
        await pilot.press("f5")
        await settle(pilot)
        cfg = pane.config
        assert (cfg.mode, cfg.kind, cfg.agg, cfg.error) == ("scalar", "line", "mean", "none")
        chart = chart_of(app)
        assert chart.title == "mean(final_loss) vs learning_rate (by n_iterations)"
        assert chart.log_x  # 0.01 .. 0.1 spans a decade
        assert [s.label for s in chart.series] == ["5000", "10000"]
        expected = by_group_and_x(records(curve_fit), "learning_rate", "final_loss", "n_iterations")
        for s in chart.series:
            assert list(s.x) == list(LRS)
            for lr, y in zip(s.x, s.y, strict=True):
                assert y == pytest.approx(np.mean(expected[(int(s.label), lr)]), rel=1e-12)


async def test_preset_2_convergence_curves_from_the_loss_history_artifact(
    curve_fit: Path,
) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert pane.config.mode == "curves" and pane.config.layout == "overlay"
        assert pane.curve_source is not None and pane.curve_source.key == "artifact:loss_history"
        curve = pane_of(app).query_one(CurvePlot)
        assert curve.series_count == 18 and curve.log_y
        assert curve.title.startswith("loss_history")
        assert {s.color_value for s in pane.curve_series} == set(LRS)


async def test_preset_3_compares_one_run_per_learning_rate(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        await open_plots(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "compare"
        state = pane_of(app).state
        by_id = {r["run_id"]: r for r in records(curve_fit)}
        chosen = [by_id[run_id] for run_id in state.selected]
        assert [r["params_resolved"]["learning_rate"] for r in chosen] == list(LRS)
        assert all(r["params_resolved"]["n_iterations"] == 10000 for r in chosen)
        assert all(r["provenance"]["extra"]["replicate"] == 0 for r in chosen)


async def test_preset_4_error_bars_over_the_three_replicates(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "runs"
        pane = pane_of(app)
        pane.preset(4)  # the screen's global F8 calls this, from any tab
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "plots"
        assert (pane.config.agg, pane.config.error) == ("mean", "ci95")
        expected = by_group_and_x(records(curve_fit), "learning_rate", "final_loss", "n_iterations")
        points = chart_points(chart_of(app))
        assert {n for _, _, n in points.values()} == {3}
        for (group, lr), values in expected.items():
            y, err, _ = points[(str(group), lr)]
            assert y == pytest.approx(np.mean(values), rel=1e-12)
            assert err == pytest.approx(ci95(values), rel=1e-9)
        legend = {f"n_iterations={s.label}" for s in chart_of(app).series}
        assert legend == {"n_iterations=5000", "n_iterations=10000"}
