"""Snapshots of the run detail screen (a successful and a failed run) and the compare tab.

The tree is laid out by hand (``_trees.build_fixed_tree``: fixed run ids, times,
durations and hosts) at a fixed place under the temp folder, since the browser's
header shows its path; nothing on these screens depends on the clock.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import _trees
import pytest

from tui.browser.app import BrowserApp, BrowserScreen
from tui.browser.messages import OpenRun, StateChanged
from tui.browser.run_detail import RunDetailScreen

SIZE = (160, 48)
SUCCESS = "1a2b3c4d5e6f7081"


@pytest.fixture(scope="module")
def tree() -> Path:
    return _trees.shared_fixed_tree(Path(tempfile.gettempdir()) / "metalab-tui-snap-detail")


async def _settle(pilot, condition) -> None:
    for _ in range(200):
        if condition():
            break
        await pilot.pause(0.05)
    else:
        raise AssertionError("the screen did not settle")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.3)  # the curve plot draws at most 10 frames a second


def _open(run_id: str):
    async def run_before(pilot) -> None:
        app = pilot.app
        await _settle(pilot, lambda: isinstance(app.screen, BrowserScreen))
        app.screen.post_message(OpenRun(run_id))
        await _settle(
            pilot,
            lambda: isinstance(app.screen, RunDetailScreen) and app.screen.polls > 0,
        )

    return run_before


def test_run_detail_success(snap_compare, tree: Path):
    assert snap_compare(BrowserApp(tree), run_before=_open(SUCCESS), terminal_size=SIZE)


def test_run_detail_failed(snap_compare, tree: Path):
    assert snap_compare(BrowserApp(tree), run_before=_open(_trees.FIXED_FAILED), terminal_size=SIZE)


def test_run_detail_metrics(snap_compare, tree: Path):
    async def run_before(pilot) -> None:
        await _open(SUCCESS)(pilot)
        await pilot.press("2")
        await pilot.pause(0.2)

    assert snap_compare(BrowserApp(tree), run_before=run_before, terminal_size=SIZE)


def test_compare(snap_compare, tree: Path):
    async def run_before(pilot) -> None:
        app = pilot.app
        await _settle(pilot, lambda: isinstance(app.screen, BrowserScreen))
        screen = app.screen
        screen.state.selected = list(_trees.FIXED_RUNS)
        screen.post_message(StateChanged("selection"))
        await pilot.press("4")
        pane = screen.query_one("#compare-pane")
        await _settle(pilot, lambda: len(pane.curve_series) == len(_trees.FIXED_RUNS))

    assert snap_compare(BrowserApp(tree), run_before=run_before, terminal_size=SIZE)
