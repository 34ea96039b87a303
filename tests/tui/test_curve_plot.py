"""The curve pane: exact frame geometry, one legend entry per colour, and a widget
that draws only when something changed and never in bursts.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tui.plotting.render import PALETTE, Series, render_curves
from tui.widgets import CurvePlot

ANSI = re.compile(r"\x1b\[[0-9;]*m")
FOREGROUND = re.compile(r"\x1b\[(?:1;)?38;5;(\d+)m")


def plain_lines(frame: str) -> list[str]:
    return ANSI.sub("", frame).split("\n")


def make_series(n: int = 2000, lrs: tuple[float, ...] = (1e-3, 1e-2, 1e-1)) -> list[Series]:
    rng = np.random.default_rng(0)
    x = np.arange(n, dtype=float)
    out = []
    for i, lr in enumerate(lrs):
        y = np.exp(-x / (n / 3)) * (1 + i) + rng.normal(0, 0.01, n) + 0.05
        out.append(Series(key=f"run-{i}", label=f"run {i}", x=x, y=y, color_value=lr))
    return out


def assert_geometry(frame: str, width: int, height: int) -> None:
    lines = plain_lines(frame)
    assert len(lines) == height
    assert [len(line) for line in lines] == [width] * height


@pytest.mark.parametrize(("width", "height"), [(120, 30), (80, 24), (60, 12), (40, 10), (200, 50)])
@pytest.mark.parametrize("log_y", [False, True])
def test_frame_has_requested_size(width: int, height: int, log_y: bool) -> None:
    frame = render_curves(make_series(), width, height, log_y=log_y, title="loss", color_by="lr")
    assert_geometry(frame, width, height)


def test_legend_has_one_entry_per_colour_value() -> None:
    lrs = (1e-3, 1e-2, 1e-3, 1e-2, 1e-3, 1e-2)
    frame = render_curves(make_series(lrs=lrs), 120, 30, color_by="lr")
    text = "\n".join(plain_lines(frame))
    assert text.count("lr=0.001") == 1
    assert text.count("lr=0.01") == 1
    # Six runs, two values: exactly two colours in the whole frame, in palette order.
    assert {int(code) for code in FOREGROUND.findall(frame)} == {PALETTE[0], PALETTE[1]}


def test_without_color_values_each_series_is_its_own_entry() -> None:
    series = make_series(lrs=(0.1, 0.2))
    for s in series:
        s.color_value = None
    text = "\n".join(plain_lines(render_curves(series, 100, 20)))
    assert "run 0" in text and "run 1" in text


def test_highlighted_series_is_named_and_marked() -> None:
    frame = render_curves(make_series(), 100, 25, color_by="lr", highlight="run-1")
    lines = plain_lines(frame)
    assert "● run 1" in lines[0]
    assert any("●" in line for line in lines[1:])  # its newest point, on the plot


def test_legend_overflow_is_summarised() -> None:
    lrs = tuple(i + 0.125 for i in range(1, 13))  # a colour each, too many names to fit
    frame = render_curves(make_series(n=100, lrs=lrs), 60, 10, color_by="lr")
    assert_geometry(frame, 60, 10)
    assert re.search(r"\+\d+ more", "\n".join(plain_lines(frame)))


def test_degenerate_inputs_keep_the_frame_size() -> None:
    x = np.arange(5, dtype=float)
    cases: list[tuple[list[Series], bool]] = [
        ([], False),
        ([Series("a", "a", x, np.full(5, np.nan))], False),
        ([Series("a", "a", np.array([3.0]), np.array([0.5]))], False),
        ([Series("a", "a", x, np.array([-1.0, 0.0, 2.0, 3.0, 4.0]))], True),
        ([Series("a", "a", x, np.array([-1.0, 0.0, -2.0, 0.0, -4.0]))], True),
        ([Series("a", "a", x, np.array([1.7e308, -1.7e308, 1.0, np.inf, 5.0]))], False),
        ([Series("a", "a", x, np.full(5, 2.0))], True),
        ([Series("a", "a", x, np.array([3.0, 2.0, 1.0]))], False),  # caught mid-append
    ]
    for series, log_y in cases:
        frame = render_curves(series, 70, 16, log_y=log_y, title="t")
        assert_geometry(frame, 70, 16)
    assert "waiting for data" in render_curves([], 40, 8)
    assert "waiting for data" in render_curves([Series("a", "a", x, -x)], 40, 8, log_y=True)
    assert_geometry(render_curves(make_series(), 12, 4), 12, 4)  # too small for a plot
    assert render_curves(make_series(), 10, 0) == ""


def test_log_y_uses_decade_ticks() -> None:
    x = np.arange(1000, dtype=float)
    series = [Series("a", "a", x, 10.0 ** (-x / 250))]  # 1 down to 1e-4
    text = "\n".join(plain_lines(render_curves(series, 80, 24, log_y=True)))
    assert "1e-3" in text and "0.01" in text


def test_million_point_curves_render() -> None:
    x = np.arange(1_000_000, dtype=float)
    y = np.random.default_rng(1).normal(size=x.size)
    y[654_321] = 50.0
    frame = render_curves([Series("a", "a", x, y)], 100, 20)
    assert_geometry(frame, 100, 20)
    assert "50" in "\n".join(plain_lines(frame))  # the spike sets the y axis


# --- the widget -----------------------------------------------------------------------


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield CurvePlot(title="loss")


def screen_text(plot: CurvePlot) -> str:
    return "\n".join(plot.render_line(y).text for y in range(plot.size.height))


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 3.0) -> None:
    """Pause until ``condition()`` holds; frames are throttled, and slower on a busy machine."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the plot"
        await pilot.pause(0.05)


async def shown(pilot: Pilot[None], plot: CurvePlot) -> None:
    """Wait until the plot has drawn its current data, then let pending frames settle."""
    await wait_for(pilot, lambda: plot.series_count == len(plot._series) > 0)
    await pilot.pause(0.3)


async def test_widget_draws_series_with_legend() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        plot = app.query_one(CurvePlot)
        plot.set_series(make_series(), color_by="lr", highlight="run-2")
        await shown(pilot, plot)
        assert plot.series_count == 3
        text = screen_text(plot)
        assert "loss" in text
        assert "lr=0.001" in text and "lr=0.01" in text and "lr=0.1" in text
        assert "● run 2" in text


async def test_unchanged_plot_is_not_redrawn() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        plot = app.query_one(CurvePlot)
        plot.set_series(make_series(), color_by="lr")
        await shown(pilot, plot)
        drawn = plot.render_count
        for _ in range(5):
            plot.refresh()
            await pilot.pause(0.05)
        assert plot.render_count == drawn


async def test_toggling_log_y_redraws() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        plot = app.query_one(CurvePlot)
        plot.set_series(make_series(), color_by="lr")
        await shown(pilot, plot)
        drawn = plot.render_count
        before = screen_text(plot)
        plot.log_y = True
        await wait_for(pilot, lambda: plot.render_count > drawn)
        await pilot.pause(0.3)
        assert plot.render_count == drawn + 1
        assert screen_text(plot) != before


async def test_burst_of_updates_is_coalesced() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        plot = app.query_one(CurvePlot)
        series = make_series()
        plot.set_series(series, color_by="lr")
        await shown(pilot, plot)
        drawn = plot.render_count
        for _ in range(50):
            plot.set_series(series, color_by="lr")
        await wait_for(pilot, lambda: plot.render_count > drawn)
        await pilot.pause(0.4)
        assert 1 <= plot.render_count - drawn <= 3
        assert plot.series_count == 3


async def test_updates_spread_over_time_stay_under_the_frame_rate() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        plot = app.query_one(CurvePlot)
        series = make_series(n=200)
        drawn = plot.render_count
        started = time.monotonic()
        for _ in range(30):  # 30 updates at up to ~50 a second
            plot.set_series(series, color_by="lr")
            await pilot.pause(0.02)
        await shown(pilot, plot)
        elapsed = time.monotonic() - started
        # At most 10 frames a second (plus the one already due at the start).
        assert plot.render_count - drawn <= 10 * elapsed + 1
        assert plot.render_count - drawn < 30


async def test_drawing_error_is_shown_not_raised() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        plot = app.query_one(CurvePlot)
        bad = Series("bad", "bad", np.arange(3.0), np.array(["a", "b", "c"], dtype=object))
        plot.set_series([bad])
        await shown(pilot, plot)
        assert "plot failed" in screen_text(plot)
