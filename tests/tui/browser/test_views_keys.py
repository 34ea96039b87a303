"""The seed's four atlas views are one key away from anywhere in the browser."""

from __future__ import annotations

from pathlib import Path

from tui.browser import BrowserApp
from tui.browser.plots.tab import PlotsPane
from tui.browser.state import BrowseState


async def _settle(pilot, predicate, tries: int = 100) -> None:
    for _ in range(tries):
        await pilot.pause(0.05)
        if predicate():
            return


async def test_f_keys_open_each_view_from_the_runs_tab(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        state: BrowseState = screen.state
        experiments = [e.key for e in state.index.experiments]
        state.experiment = experiments[0]
        screen.redraw()
        screen.action_tab("runs")
        await pilot.pause(0.2)

        await pilot.press("f5")
        await _settle(pilot, lambda: screen.query_one("#tabs").active == "plots")
        assert screen.query_one("#tabs").active == "plots"
        pane = screen.query_one(PlotsPane)
        assert (pane.config.mode, pane.config.agg, pane.config.error) == ("scalar", "mean", "none")

        await pilot.press("f6")
        await pilot.pause(0.2)
        assert (pane.config.mode, pane.config.layout) == ("curves", "overlay")

        screen.action_tab("runs")
        await pilot.pause(0.2)
        await pilot.press("f7")
        await _settle(pilot, lambda: screen.query_one("#tabs").active == "compare")
        assert screen.query_one("#tabs").active == "compare"
        assert len(state.selected) >= 2  # one run per value of the first param

        await pilot.press("f8")
        await _settle(pilot, lambda: screen.query_one("#tabs").active == "plots")
        assert screen.query_one("#tabs").active == "plots"
        assert (pane.config.mode, pane.config.agg, pane.config.error) == ("scalar", "mean", "ci95")
