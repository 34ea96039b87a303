"""The dashboard on a sweep of many short runs: a table that draws only what is on
screen, "all curves" drawn as an even sample that says so, and colours by a parameter
with many values as bins with a legend that says so.

The sweep has 150 runs (the bench, ``bench/bench_tui_many.py``, times 2,000 and
20,000); the most curves drawn at once is lowered to 20 so that the sample shows.
"""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text

from tui.live import dashboard as dashboard_module
from tui.live.app import MetalabApp
from tui.live.dashboard import DashboardScreen
from tui.live.runs_table import RunsTable
from tui.options import RunOptions
from tui.plotting.color_scale import BINS
from tui.widgets.curve_plot import CurvePlot

Files = Any  # the sweep_files fixture (conftest.SweepFiles)

LEARNING_RATES = [round(0.001 * (i + 1), 3) for i in range(30)]  # 30 values: binned
REPLICATES = 5  # 150 runs


def frame_text(plot: CurvePlot) -> str:
    rendered = plot.render()
    assert isinstance(rendered, Text)
    return rendered.plain


async def test_a_large_sweep_draws_a_screen_of_rows_and_a_sample_of_curves(
    sweep_files: Files, wait_until, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard_module, "MAX_CURVES", 20)
    files = sweep_files.write(LEARNING_RATES, replicates=REPLICATES, workers=2)
    (spec,) = sweep_files.load(files)
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        table = screen.query_one(RunsTable)
        plot = screen.query_one(CurvePlot)
        await wait_until(pilot, lambda: screen.exit_code is not None, what="the sweep's end")
        assert table.row_count == 150

        # the table asks for the cells of the rows on screen only
        asked: set[int] = set()
        cells = table._source
        table._source = lambda row: asked.add(row) or cells(row)
        table.refresh_all()
        await pilot.pause()
        assert asked and max(asked) < table.size.height  # the first rows, no others

        # "all curves": at most 20 of the 150, spread over the sweep, and the title says so
        await pilot.press("a")
        await wait_until(pilot, lambda: plot.series_count > 1, what="the curves drawn")
        assert screen.sampled is not None
        drawn, of = screen.sampled
        assert plot.series_count == drawn and 10 < drawn <= 20 and of == 150
        assert plot.title.endswith(f"coloured by lr · {drawn} of 150 runs")
        order = app.session.started()  # type: ignore[union-attr]
        # the selected run is always drawn; the others are every stride-th run started,
        # from the first to the last (which run is selected depends on which started first)
        selected = order.index(screen.selected)
        at = sorted({order.index(rid) for rid in screen._shown_runs()} - {selected})
        stride = min(b - a for a, b in zip(at, at[1:], strict=False))
        assert at == [i for i in range(0, 150, stride) if i != selected]
        assert selected in {order.index(rid) for rid in screen._shown_runs()}

        # 30 learning rates: six bins, low to high, and the legend says so
        text = frame_text(plot)
        assert f"lr: 0.001 … 0.03, {BINS} bins" in text
        assert "■ ≥0.001  ■ ≥0.006" in text and "■ ≥0.026" in text
        assert "more" not in text  # the whole scale, and the selected run, fit

        # colour by steps, which has one value: one entry, no bins
        await pilot.press("c")
        await wait_until(pilot, lambda: "steps=20" in frame_text(plot), what="steps legend")
        assert "bins" not in frame_text(plot)
        await pilot.press("q")
