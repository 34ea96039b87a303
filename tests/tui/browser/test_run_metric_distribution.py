"""The run detail's Metrics tab draws the highlighted metric's distribution over the
experiment's runs with this run marked (atlas's run page), and the scalar renderer's
marker lines.

The pilot tests open a run of ``small_tree`` and check what is shown against numpy's
histogram of the metric over the experiment's runs, read back with
:func:`metalab.load_results`: the counts, the marker at this run's value, the bin named
in the footer (found with ``np.searchsorted`` on numpy's edges), the switch to another
metric as the table's cursor moves, and the note for a bool and a string metric. The
renderer tests find the marker's column in the frame and compare a chart without
markers with what the renderer drew before markers existed.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.pilot import open_run
from textual.geometry import Region
from textual.widgets import DataTable, Static

import metalab
from metalab.index import format_cell
from metalab.index.stats import auto_bins
from tui.browser.app import BrowserApp
from tui.browser.experiments.detail import DistributionView
from tui.browser.run_detail import RunDetailScreen
from tui.plotting.render import PALETTE
from tui.plotting.scalar import (
    MARKER_CHAR,
    MARKER_COLOR,
    ScalarChart,
    ScalarSeries,
    render_scalar,
)
from tui.widgets.scalar_plot import ScalarPlot

SIZE = (160, 48)
ANSI = re.compile(r"\x1b\[([0-9;]*)m")


# -- helpers -----------------------------------------------------------------------------------


def _runs(root: Path, eid: str) -> list[metalab.Run]:
    return [run for run in metalab.load_results(root) if run.record.experiment_id == eid]


def _values(runs: list[metalab.Run], name: str) -> np.ndarray:
    """The metric's numbers over the runs that have one (bools are not numbers)."""
    vals = [run.record.metrics.get(name) for run in runs]
    numbers = [v for v in vals if isinstance(v, int | float) and not isinstance(v, bool)]
    return np.asarray(numbers, dtype=float)


def _median_run(runs: list[metalab.Run], name: str) -> metalab.Run:
    """A successful run whose ``name`` is the middle one, so its bin is not an end one."""
    done = sorted((r for r in runs if name in r.record.metrics), key=lambda r: r.metrics[name])
    return done[len(done) // 2]


@asynccontextmanager
async def metrics_tab(
    tree: Path, clock: Any, run_id: str, wait_until: Any
) -> AsyncIterator[tuple[Any, RunDetailScreen]]:
    """Browse ``tree`` and open run ``run_id`` on its Metrics tab: (pilot, the screen)."""
    app = BrowserApp(tree, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot, run_id, wait_until)
        await pilot.press("2")
        await pilot.pause(0.1)
        yield pilot, screen


def _row_keys(screen: RunDetailScreen) -> list[str]:
    table = screen.query_one("#metrics-table", DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


async def _cursor_to(pilot: Any, screen: RunDetailScreen, column: str) -> None:
    """Move the metrics table's cursor to ``column`` with the arrow keys."""
    table = screen.query_one("#metrics-table", DataTable)
    target = _row_keys(screen).index(column)
    for _ in range(table.row_count):
        if table.cursor_row == target:
            break
        await pilot.press("down" if table.cursor_row < target else "up")
    assert table.cursor_row == target
    await pilot.pause(0.1)


def _footer(screen: RunDetailScreen) -> str:
    view = screen.query_one("#metric-distribution", DistributionView)
    return str(view.query_one("#distribution-footer", Static).content)


def _plot_text(plot: ScalarPlot) -> str:
    lines = plot.render_lines(Region(0, 0, *plot.outer_size))
    return textwrap.dedent("\n".join(line.text.rstrip() for line in lines))


def _assert_shows(
    screen: RunDetailScreen, run: metalab.Run, runs: list[metalab.Run], name: str
) -> None:
    """The view shows ``name`` over ``runs``: numpy's counts, a marker at the run's value
    and the footer naming its bin."""
    view = screen.query_one("#metric-distribution", DistributionView)
    assert view.current is not None and view.current.field == f"metrics.{name}"
    values = _values(runs, name)
    expected, edges = np.histogram(values, bins=auto_bins(values.size))
    chart = view.query_one(ScalarPlot).chart
    assert chart.kind == "histogram"
    assert np.allclose(chart.edges, edges)
    assert chart.series[0].y.tolist() == expected.tolist()
    mine = float(run.metrics[name])
    assert [x for x, _ in chart.markers] == [mine]
    bins = len(expected)
    k = min(int(np.searchsorted(edges, mine, side="right")), bins)  # 1-based, max in last
    assert expected[k - 1] >= 1  # this run is counted in the bin named
    assert f"this run: {format_cell(mine)} (bin {k} of {bins})" in _footer(screen)
    assert _footer(screen).startswith(f"{values.size} values across {bins} bins")


# -- the Metrics tab ---------------------------------------------------------------------------


async def test_metrics_tab_shows_the_first_numeric_metric_with_this_run_marked(
    small_tree: Path, small_tree_info: Any, fixed_clock: Any, wait_until: Any
) -> None:
    runs = _runs(small_tree, small_tree_info.TOY_ID)
    run = _median_run(runs, "final_loss")
    async with metrics_tab(small_tree, fixed_clock, run.run_id, wait_until) as (pilot, screen):
        table = screen.query_one("#metrics-table", DataTable)
        ranked = [p.column for p in screen.places if p.rank is not None]
        # the cursor starts on the first ranked (numeric) metric, and that is what is drawn
        assert _row_keys(screen)[table.cursor_row] == ranked[0]
        _assert_shows(screen, run, runs, ranked[0].split(".", 1)[1])
        values = _values(runs, ranked[0].split(".", 1)[1])
        assert values.size == small_tree_info.TOY_RUNS - small_tree_info.TOY_FAILED
        plot = screen.query_one("#metric-distribution", DistributionView).query_one(ScalarPlot)
        assert plot.display and MARKER_CHAR in _plot_text(plot)
        assert "this run: " in _plot_text(plot)  # the marker's legend entry
        # the run detail has no runs list to drill into: no hint to click a bar
        assert "click a bar" not in _footer(screen)


async def test_moving_the_cursor_switches_the_metric(
    small_tree: Path, small_tree_info: Any, fixed_clock: Any, wait_until: Any
) -> None:
    runs = _runs(small_tree, small_tree_info.TOY_ID)
    run = _median_run(runs, "final_loss")
    async with metrics_tab(small_tree, fixed_clock, run.run_id, wait_until) as (pilot, screen):
        view = screen.query_one("#metric-distribution", DistributionView)
        first = view.current.field if view.current else None
        await _cursor_to(pilot, screen, "metrics.final_loss")
        assert first != "metrics.final_loss"
        _assert_shows(screen, run, runs, "final_loss")
        await _cursor_to(pilot, screen, "metrics.best_step")  # an int metric
        _assert_shows(screen, run, runs, "best_step")
        await _cursor_to(pilot, screen, "metrics.final_loss")  # and back up again
        _assert_shows(screen, run, runs, "final_loss")


async def test_a_bool_metric_shows_a_note_instead(
    small_tree: Path, small_tree_info: Any, fixed_clock: Any, wait_until: Any
) -> None:
    runs = _runs(small_tree, small_tree_info.TOY_ID)
    run = _median_run(runs, "final_loss")
    async with metrics_tab(small_tree, fixed_clock, run.run_id, wait_until) as (pilot, screen):
        await _cursor_to(pilot, screen, "metrics.converged")
        view = screen.query_one("#metric-distribution", DistributionView)
        assert view.current is None
        assert not view.query_one(ScalarPlot).display
        converged = format_cell(run.metrics["converged"])
        assert (
            _footer(screen) == f"converged = {converged} is True or False: no distribution to draw"
        )


async def test_a_string_metric_shows_a_note_instead(
    small_tree: Path, small_tree_info: Any, fixed_clock: Any, wait_until: Any
) -> None:
    runs = _runs(small_tree, small_tree_info.PROBE_ID)
    run = next(r for r in runs if "label" in r.record.metrics)
    async with metrics_tab(small_tree, fixed_clock, run.run_id, wait_until) as (pilot, screen):
        _assert_shows(screen, run, runs, "score")  # the numeric one comes first
        await _cursor_to(pilot, screen, "metrics.label")
        view = screen.query_one("#metric-distribution", DistributionView)
        assert view.current is None and not view.query_one(ScalarPlot).display
        label = run.metrics["label"]
        assert _footer(screen) == f"label = {label} is text: no distribution to draw"


# -- the renderer's markers --------------------------------------------------------------------


def _histogram(**kwargs: Any) -> ScalarChart:
    return ScalarChart(
        kind="histogram",
        series=[ScalarSeries("score", [], np.array([3.0, 5, 1, 0, 2, 4]))],
        edges=np.linspace(0.0, 1.0, 7),
        xlabel="score",
        ylabel="runs",
        **kwargs,
    )


def _cells(line: str) -> list[tuple[str, int | None]]:
    """Each visible cell of an ANSI line with its 256-colour foreground (None: default)."""
    out: list[tuple[str, int | None]] = []
    colour: int | None = None
    for token in re.split(r"(\x1b\[[0-9;]*m)", line):
        code = ANSI.fullmatch(token)
        if code is None:
            out += [(ch, colour) for ch in token]
            continue
        parts = code.group(1).split(";")
        if parts in (["0"], [""]):
            colour = None
        elif "38" in parts:
            colour = int(parts[parts.index("38") + 2])
    return out


def _plot_area(lines: list[str]) -> tuple[int, int, int, int]:
    """Top and bottom frame rows, and the left and right frame columns, of a frame."""
    plain = [ANSI.sub("", line) for line in lines]
    top = next(i for i, line in enumerate(plain) if "┌" in line)
    bottom = next(i for i, line in enumerate(plain) if "└" in line)
    return top, bottom, plain[top].index("┌"), plain[top].index("┐")


@pytest.mark.parametrize("value", [0.0, 0.13, 0.5, 0.77, 1.0])
def test_marker_is_drawn_in_the_column_of_its_value(value: float) -> None:
    lines = render_scalar(_histogram(markers=[(value, "this run")]), 70, 16).split("\n")
    top, bottom, left, right = _plot_area(lines)
    expected = left + 0.5 + value * (right - left - 1)  # as ScalarPlot.x_fraction maps
    for row in range(top + 1, bottom):
        cells = _cells(lines[row])
        at = [i for i, (ch, _) in enumerate(cells) if ch == MARKER_CHAR]
        assert len(at) == 1, (row, ANSI.sub("", lines[row]))  # the whole height, once
        assert abs(at[0] - expected) <= 1
        assert cells[at[0]][1] == MARKER_COLOR
    assert MARKER_COLOR not in PALETTE  # no series' colour
    assert f"{MARKER_CHAR} this run" in ANSI.sub("", lines[0])


def test_marker_off_the_axis_is_left_out() -> None:
    frame = render_scalar(_histogram(markers=[(1.5, ""), (float("nan"), "")]), 70, 16)
    assert MARKER_CHAR not in frame
    assert frame == render_scalar(_histogram(), 70, 16)


def test_marker_on_a_log_x_scatter_is_placed_in_log_units() -> None:
    xs = [1e-3, 1e-2, 1e-1, 1.0]
    chart = ScalarChart(
        series=[ScalarSeries("a", xs, np.array([1.0, 2, 3, 4]))], log_x=True, markers=[(0.01, "")]
    )
    lines = render_scalar(chart, 70, 16).split("\n")
    top, bottom, left, right = _plot_area(lines)
    x_lo, x_hi = -3 - 3 * 0.04, 0 + 3 * 0.04  # the renderer pads the x range by 4%
    expected = left + 0.5 + (-2 - x_lo) / (x_hi - x_lo) * (right - left - 1)
    row = ANSI.sub("", lines[top + 2])
    assert abs(row.index(MARKER_CHAR) - expected) <= 1


# What the renderer drew for ``_histogram()`` at 48 x 12 before markers existed (the
# commit before them), ANSI codes left out.
BEFORE_MARKERS = """\
■ score (n=15)
 ┌─────────────────────────────────────────────┐
5┤       █████████                             │
 │       █████████                     ████████│
 │       █████████                     ████████│
 │████████████████                     ████████│
 │████████████████             ████████████████│
 │███████████████████████      ████████████████│
0┤███████████████████████      ████████████████│
 └┬─────────────────────┬─────────────────────┬┘
  0                    0.5                    1
runs                  score"""


def test_a_chart_without_markers_renders_as_before() -> None:
    frame = render_scalar(_histogram(), 48, 12)
    assert "\n".join(ANSI.sub("", line).rstrip() for line in frame.split("\n")) == BEFORE_MARKERS
    assert frame == render_scalar(_histogram(markers=[]), 48, 12)
    # and a marker changes the frame only in its column and the legend line
    marked = render_scalar(_histogram(markers=[(0.5, "this run")]), 48, 12).split("\n")
    _, _, left, right = _plot_area(marked)
    column = round(left + 0.5 + 0.5 * (right - left - 1))
    for before, after in zip(frame.split("\n")[1:], marked[1:], strict=True):
        a, b = _cells(before), _cells(after)
        differ = [i for i in range(len(a)) if a[i] != b[i]]
        assert all(abs(i - column) <= 1 for i in differ)
