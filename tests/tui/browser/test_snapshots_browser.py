"""Snapshots of the browser's experiments and runs tabs, the search dialog and the column
picker, on the pinned ``small_tree`` (fixed run ids, times, hosts and manifests) with
the clock pinned too, so every relative time reads the same on every run. The header's
subtitle (the tree's temporary path) is replaced by a fixed name.

Accept changes with ``--snapshot-update`` only after looking at the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input

from tui.browser import BrowserApp
from tui.browser.messages import ScopeChanged
from tui.browser.search_dialog import SearchScreen

SIZE = (160, 48)


async def _settle(pilot: Any) -> None:
    await pilot.pause()
    pilot.app.screen.sub_title = "small_tree"
    await pilot.pause()


async def _scope_toy(pilot: Any) -> None:
    await _settle(pilot)
    pilot.app.screen.post_message(ScopeChanged("toy:1"))
    await pilot.pause()


def test_experiments_tab(snap_compare: Any, small_tree: Path, fixed_clock: Any) -> None:
    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=_settle, press=["down"])


def test_runs_tab_with_a_filter_and_a_selection(
    snap_compare: Any, small_tree: Path, fixed_clock: Any
) -> None:
    async def run_before(pilot: Any) -> None:
        await _scope_toy(pilot)
        await pilot.press("f")
        pilot.app.screen.query_one("#runs-filter", Input).value = "lr<1 status=success"
        await pilot.press("enter", "end", "s")  # sort by the last column, final_loss
        await pilot.pause()
        await pilot.press("x", "down", "down", "x", "down")

    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_search_dialog(snap_compare: Any, small_tree: Path, fixed_clock: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _settle(pilot)
        await pilot.press("slash")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, SearchScreen)
        screen.query_one("#search-input", Input).value = "adam"
        for _ in range(200):
            if screen.results is not None and screen.logs_done:
                break
            await pilot.pause(0.05)
        await pilot.press("down")
        screen.query_one("#search-input", Input).cursor_blink = False  # else the clock decides
        await pilot.pause()

    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_column_picker(snap_compare: Any, small_tree: Path, fixed_clock: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _scope_toy(pilot)
        await pilot.press("C")
        await pilot.pause()
        await pilot.press("tab", "down", "space")  # untick best_step

    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
