"""`p` in the plots tab's overlaid curves (issue 9): it switches between the runs in
scope and the runs selected in the runs tab, and the selection is drawn a line per run,
each labelled with its run id and its value of the colouring param.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from _plots_trees import copy_curve_fit, records, stepped_loss
from textual.pilot import Pilot

from tui.browser import BrowserApp
from tui.browser.plots.tab import PlotsPane
from tui.widgets.curve_plot import CurvePlot


async def settle(pilot: Pilot[Any]) -> None:
    """Let keys, curve loads and the messages they post all finish."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_p_plots_the_selected_runs_curves_overlaid(tmp_path: Path, wait_until) -> None:
    tree = copy_curve_fit(tmp_path / "curve_fit")
    app = BrowserApp(tree)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("x", "down", "down", "x", "down", "down", "down", "x")
        await settle(pilot)
        state = app.screen.state
        chosen = list(state.selected)
        assert len(chosen) == 3
        await pilot.press("3", "m")  # plots tab, curves
        await settle(pilot)
        pane = app.screen.query_one(PlotsPane)
        assert (pane.config.mode, pane.config.layout) == ("curves", "overlay")
        await wait_until(pilot, lambda: len(pane.curve_series) == 18, what="the runs in scope")
        await pilot.press("p")
        await wait_until(pilot, lambda: [s.key for s in pane.curve_series] == chosen,
                         what="the selected runs' curves")  # fmt: skip
        await settle(pilot)
        assert state.plot_selection
        plot = pane.query_one(CurvePlot)
        assert [s.key for s in pane.curve_series] == chosen
        assert plot.series_count == 3
        assert pane.status.startswith("3 selected runs")
        lrs = {r["run_id"]: r["params_resolved"]["learning_rate"] for r in records(tree)}
        for series in pane.curve_series:
            assert series.label == f"{series.key[:8]} learning_rate={lrs[series.key]:g}"
            assert series.color_value is None  # a colour per run, not per value
            steps, values = stepped_loss(tree, series.key)
            np.testing.assert_array_equal(series.x, steps)
            np.testing.assert_array_equal(series.y, values)
        await pilot.press("p")  # and back to the runs in scope
        await wait_until(pilot, lambda: len(pane.curve_series) == 18, what="the scope's curves")
        assert not state.plot_selection
