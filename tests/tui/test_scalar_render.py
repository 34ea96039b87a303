"""The scalar chart renderer: exact frame geometry for every kind, the legend with n,
error bars, log axes, histograms, and a plain message when there is nothing to draw."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from tui.plotting.render import PALETTE
from tui.plotting.scalar import (
    KINDS,
    NO_DATA_MESSAGE,
    ScalarChart,
    ScalarSeries,
    render_scalar,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")
FOREGROUND = re.compile(r"\x1b\[(?:1;)?38;5;(\d+)m")


def plain_lines(frame: str) -> list[str]:
    return ANSI.sub("", frame).split("\n")


def assert_geometry(frame: str, width: int, height: int) -> None:
    lines = plain_lines(frame)
    assert len(lines) == height
    assert [len(line) for line in lines] == [width] * height


def grouped(kind: str = "scatter", **kwargs: object) -> ScalarChart:
    lrs = [0.01, 0.05, 0.1]
    return ScalarChart(
        kind=kind,
        series=[
            ScalarSeries(
                "5000",
                lrs,
                np.array([0.01, 0.004, 0.002]),
                err=np.array([0.002, 0.001, 0.0005]),
                n=np.array([3, 3, 3]),
            ),
            ScalarSeries(
                "10000",
                lrs,
                np.array([0.006, 0.003, 0.002]),
                err=np.array([0.001, 0.0005, np.nan]),
                n=np.array([3, 2, 1]),
            ),
        ],  # fmt: skip
        title="mean(final_loss) vs learning_rate",
        xlabel="learning_rate",
        legend_prefix="n_iterations=",
        **kwargs,  # type: ignore[arg-type]
    )


def histogram_chart(**kwargs: object) -> ScalarChart:
    return ScalarChart(
        kind="histogram",
        series=[
            ScalarSeries("a", [], np.array([1.0, 3, 5, 2, 0])),
            ScalarSeries("b", [], np.array([0.0, 1, 2, 4, 1])),
        ],
        edges=np.linspace(0.0, 1.0, 6),
        title="Distribution of score",
        legend_prefix="g=",
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("width", "height"), [(120, 30), (80, 24), (60, 12), (40, 10), (200, 50)])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("logs", [(False, False), (True, True)])
def test_frame_has_requested_size(
    width: int, height: int, kind: str, logs: tuple[bool, bool]
) -> None:
    chart = histogram_chart() if kind == "histogram" else grouped(kind)
    chart.log_x, chart.log_y = logs
    assert_geometry(render_scalar(chart, width, height), width, height)


def test_legend_names_each_group_with_its_n_in_its_colour() -> None:
    frame = render_scalar(grouped(), 140, 30)
    text = "\n".join(plain_lines(frame))
    assert "mean(final_loss) vs learning_rate" in text
    assert text.count("n_iterations=5000 (n=3)") == 1
    assert text.count("n_iterations=10000 (n=1-3)") == 1
    colours = {int(code) for code in FOREGROUND.findall(frame)}
    assert colours == {PALETTE[0], PALETTE[1]}


def test_error_bars_are_drawn_with_caps() -> None:
    with_bars = "\n".join(plain_lines(render_scalar(grouped(), 120, 30)))
    chart = grouped()
    for s in chart.series:
        s.err = None
    without = "\n".join(plain_lines(render_scalar(chart, 120, 30)))
    # five bars (one point has none), each with a top and a bottom cap
    assert with_bars.count("┬") - without.count("┬") == 5
    assert with_bars.count("┴") - without.count("┴") == 5
    assert "●" in without


def test_categorical_axis_labels_every_category_in_order() -> None:
    chart = ScalarChart(
        kind="bar",
        series=[ScalarSeries("all", ["sgd", "adam", "rmsprop"], np.array([3.0, 1.0, 2.0]))],
    )
    lines = plain_lines(render_scalar(chart, 100, 20))
    ticks = lines[-1]
    assert ticks.index("sgd") < ticks.index("adam") < ticks.index("rmsprop")


def test_numeric_bars_become_sorted_categories() -> None:
    chart = ScalarChart(
        kind="bar", series=[ScalarSeries("all", [0.1, 0.01, 0.05], np.array([3.0, 1.0, 2.0]))]
    )
    ticks = plain_lines(render_scalar(chart, 100, 20))[-1]
    assert ticks.index("0.01") < ticks.index("0.05") < ticks.index("0.1")


def test_log_axes_label_decades_in_data_units() -> None:
    chart = ScalarChart(
        series=[ScalarSeries("all", [1e-4, 1e-3, 1e-2, 1e-1], np.array([1.0, 10.0, 100.0, 1e3]))],
        log_x=True,
        log_y=True,
    )
    text = "\n".join(plain_lines(render_scalar(chart, 100, 24)))
    for label in ("1e-4", "1e-3", "0.01", "0.1", "10", "100", "1000"):
        assert label in text


def test_log_axes_leave_out_non_positive_values() -> None:
    chart = ScalarChart(
        series=[ScalarSeries("all", [-1.0, 0.0, 1.0, 10.0], np.array([1.0, 2.0, -3.0, 4.0]))],
        log_x=True,
        log_y=True,
    )
    text = "\n".join(plain_lines(render_scalar(chart, 80, 20)))
    assert text.count("●") == 1  # only (10, 4) has both coordinates positive


def test_histogram_stacks_groups_over_shared_bins() -> None:
    frame = render_scalar(histogram_chart(), 100, 24)
    text = "\n".join(plain_lines(frame))
    assert "g=a (n=11)" in text and "g=b (n=8)" in text and "(stacked)" in text
    assert {int(code) for code in FOREGROUND.findall(frame)} == {PALETTE[0], PALETTE[1]}
    # the tallest stack (7 = 5 + 2) reaches the top tick
    assert any(line.lstrip().startswith("7┤") for line in plain_lines(frame))


@pytest.mark.parametrize("height", range(10, 30))
def test_a_histograms_count_axis_ticks_whole_runs(height: int) -> None:
    """Its y axis counts runs: no tick at 2.5 of them, whatever the pane's height."""
    chart = ScalarChart(
        kind="histogram", series=[ScalarSeries("a", [], np.array([1.0, 3, 5, 2, 0]))],
        edges=np.linspace(0.0, 1.0, 6),
    )  # fmt: skip
    ticks = [
        line.split("┤")[0].strip()
        for line in plain_lines(render_scalar(chart, 60, height))
        if "┤" in line
    ]
    assert len(ticks) >= 2 and all(t.isdigit() for t in ticks), ticks


@pytest.mark.parametrize(
    "chart",
    [
        ScalarChart(title="nothing"),
        ScalarChart(series=[ScalarSeries("a", [], np.array([]))]),
        ScalarChart(series=[ScalarSeries("a", [1.0, 2.0], np.array([np.nan, np.inf]))]),
        ScalarChart(series=[ScalarSeries("a", [1.0], np.array([-1.0]))], log_y=True),
        ScalarChart(
            kind="histogram",
            series=[ScalarSeries("a", [], np.zeros(3))],
            edges=np.linspace(0, 1, 4),
        ),  # fmt: skip
        ScalarChart(kind="histogram"),
    ],
)
def test_empty_data_says_so(chart: ScalarChart) -> None:
    frame = render_scalar(chart, 60, 12)
    assert_geometry(frame, 60, 12)
    assert NO_DATA_MESSAGE in "\n".join(plain_lines(frame))


def test_tiny_panes_say_so_and_keep_their_size() -> None:
    frame = render_scalar(grouped(), 15, 6)
    assert_geometry(frame, 15, 6)
    assert "pane too small" in "\n".join(plain_lines(frame))
    assert render_scalar(grouped(), 0, 0) == ""


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown chart kind"):
        render_scalar(ScalarChart(kind="pie"), 40, 10)


def test_a_raw_scatter_of_many_runs_is_thinned_to_the_pane() -> None:
    rng = np.random.default_rng(0)

    def chart(n: int) -> ScalarChart:
        x = rng.uniform(0, 1, n)
        return ScalarChart(series=[ScalarSeries("all", x, x**2 + rng.normal(0, 0.05, n))])

    small, large = chart(300), chart(30_000)
    render_scalar(small, 120, 30)
    start = time.perf_counter()
    render_scalar(small, 120, 30)
    t_small = time.perf_counter() - start
    start = time.perf_counter()
    frame = render_scalar(large, 120, 30)
    t_large = time.perf_counter() - start
    assert_geometry(frame, 120, 30)
    # 100x the points, far less than 100x the time (generous: shared CI machines)
    assert t_large < 20 * t_small + 0.5


def test_band_edges_are_drawn_faint_under_their_mean() -> None:
    """The plots tab's grouped curves: a bright mean line and dimmed band edges."""
    from tui.browser.plots.curves import band_series
    from tui.plotting.render import render_curves

    x = np.arange(50.0)
    curves = [(x, np.exp(-x / 10) + 0.05 * k) for k in range(3)]
    series, bands = band_series({0.1: curves}, band="std")
    assert [s.faint for s in series] == [False, True, True]
    np.testing.assert_allclose(bands[0.1].center, np.exp(-x / 10) + 0.05)
    frame = render_curves(series, 100, 24, color_by="lr")
    assert "\x1b[2m" in frame  # dim
    assert "\x1b[2m" not in render_curves(series[:1], 100, 24, color_by="lr")
    assert {int(c) for c in FOREGROUND.findall(frame)} == {PALETTE[0]}  # one colour a group
    assert "\n".join(plain_lines(frame)).count("lr=0.1") == 1  # one legend entry per group


def box_chart(**kwargs: object) -> ScalarChart:
    """Two groups' boxes over three categories; the first box has two outliers."""
    boxes = np.array(
        [[1.0, 2.0, 3.0, 4.0, 6.0], [2.0, 3.0, 3.5, 5.0, 7.0], [1.5, 2.5, 3.0, 3.5, 4.5]]
    )
    return ScalarChart(
        kind="box",
        series=[
            ScalarSeries(
                "a",
                ["x", "y", "z"],
                boxes[:, 2],
                n=np.array([9, 9, 9]),
                box=boxes,
                outliers=[np.array([9.0, 0.2]), np.zeros(0), np.zeros(0)],
            ),
            ScalarSeries(
                "b",
                ["x", "y", "z"],
                boxes[:, 2] + 1,
                n=np.array([5, 5, 5]),
                box=boxes + 1,
                outliers=[np.zeros(0)] * 3,
            ),
        ],  # fmt: skip
        title="score by lr",
        legend_prefix="g=",
        **kwargs,  # type: ignore[arg-type]
    )


def test_box_plot_draws_quartile_boxes_medians_whiskers_and_outliers() -> None:
    frame = render_scalar(box_chart(), 100, 30)
    assert_geometry(frame, 100, 30)
    text = "\n".join(plain_lines(frame))
    assert "g=a (n=9)" in text and "g=b (n=5)" in text
    assert text.count("•") == 2  # the two outliers, nothing else drawn as a dot
    assert text.count("╋") >= 2 * 6  # each box's median meets its sides
    assert "x" in text and "z" in text.split("\n")[-1]  # the categories label the axis
    without = box_chart()
    without.series[0].outliers = None
    assert "\n".join(plain_lines(render_scalar(without, 100, 30))).count("•") == 0
    assert_geometry(render_scalar(box_chart(log_y=True), 80, 24), 80, 24)


def test_error_bars_may_be_uneven() -> None:
    """An interquartile range round a median: the bar runs from low to high, not ± err."""
    chart = ScalarChart(
        kind="scatter",
        series=[ScalarSeries("m", [1.0, 2.0], np.array([1.0, 1.0]),
                             low=np.array([0.9, 0.0]), high=np.array([3.0, 1.1]))],
    )  # fmt: skip
    lines = [line for line in plain_lines(render_scalar(chart, 60, 24)) if "└" not in line]
    tops = [i for i, line in enumerate(lines) if "┬" in line]
    bottoms = [i for i, line in enumerate(lines) if "┴" in line]
    (point,) = [i for i, line in enumerate(lines) if "●" in line]  # both at y = 1
    # the first bar reaches 2 above its point and 0.1 below it; the second 1 below and
    # 0.1 above (that cap is under its point)
    assert len(tops) == 1 and point - tops[0] >= 5
    assert len(bottoms) == 2 and bottoms[0] - point == 1 and bottoms[1] - point >= 5
