"""Leaving the browser loses nothing (issue 9): escape never quits from a main tab, `q`
asks first, `ctrl+c` quits at once, and the view is kept whichever way the browser
ends. Over the live dashboard (its `b` key), `q` and escape go back to the dashboard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, TabbedContent

from tui.browser import BrowserApp
from tui.browser.app import BrowserScreen
from tui.browser.messages import ScopeChanged
from tui.browser.saved_view import load_view
from tui.browser.search_dialog import SearchScreen
from tui.live.app import MetalabApp
from tui.live.dashboard import DashboardScreen
from tui.options import RunOptions
from tui.widgets.dialogs import ConfirmScreen

SIZE = (120, 36)
TOY = "toy:1"


async def _scope_toy(pilot: Any) -> None:
    await pilot.pause()
    pilot.app.screen.post_message(ScopeChanged(TOY))
    await pilot.pause()


async def _close_something(pilot: Any, tab: str) -> None:
    """What a user closes with escape before pressing one escape too many: the filter
    box on the tabs that have one, the search dialog on the others."""
    app = pilot.app
    if tab in ("experiments", "runs"):
        await pilot.press("f", "a")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        await pilot.press("escape")  # leaves the filter box
        await pilot.pause()
        assert not isinstance(app.focused, Input)
    else:
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("escape")  # closes the dialog
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)


async def test_escape_never_quits_from_a_main_tab(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await _scope_toy(pilot)
        for number, tab in enumerate(("experiments", "runs", "plots", "compare"), 1):
            await pilot.press(str(number))
            await pilot.pause()
            assert app.screen.query_one(TabbedContent).active == tab
            await _close_something(pilot, tab)
            await pilot.press(*["escape"] * 5)
            await pilot.pause()
            assert app.is_running and app.return_value is None, tab
            assert isinstance(app.screen, BrowserScreen), tab
            assert app.screen.query_one(TabbedContent).active == tab
            assert app.focused is not None and app.focused is not app.screen, tab


async def test_q_asks_first_and_n_stays(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await _scope_toy(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)
        assert app.is_running and app.return_value is None
        await pilot.press("q")  # escape answers no too
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen) and app.is_running


async def _leave_a_view(pilot: Any) -> dict[str, Any]:
    """Scope to toy, filter, select a run: what a saved view must hold afterwards."""
    app = pilot.app
    await _scope_toy(pilot)
    await pilot.press("f", *"optimizer=adam", "enter")
    await pilot.pause()
    await pilot.press("x")
    await pilot.pause()
    state = app.screen.state
    assert state.experiment == TOY and len(state.selected) == 1
    return {"selected": list(state.selected)}


async def test_q_then_y_quits_and_keeps_the_view(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        left = await _leave_a_view(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.return_value == 0
        view = load_view(small_tree)  # written before the app has finished closing
        assert view is not None
    assert view.experiment == TOY
    assert [token for token, _caption in view.filters] == ["params.optimizer=adam"]
    assert view.selected == left["selected"]


async def test_ctrl_c_quits_at_once_and_keeps_the_view(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        left = await _leave_a_view(pilot)
        await pilot.press("slash")  # even from a dialog, with the focus in its box
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.return_value == 0
    view = load_view(small_tree)
    assert view is not None and view.experiment == TOY
    assert view.selected == left["selected"]


async def test_over_the_dashboard_q_and_escape_go_back_to_it(sweep_files: Any, wait_until) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2)))
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        dashboard = app.screen
        await wait_until(pilot, lambda: dashboard.exit_code is not None, what="the sweep")
        for key in ("q", "escape"):
            await pilot.press("b")
            await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
            await pilot.pause()
            grid = app.screen.query_one("#runs-table")  # the dashboard's CSS left it alone
            assert grid.size.height >= 5 and grid.size.width >= 60
            assert "q" in app.screen.active_bindings  # shown as "Back", not "Quit"
            assert app.screen.active_bindings["q"].binding.description == "Back"
            await pilot.press(key)
            await wait_until(pilot, lambda: app.screen is dashboard, what="the dashboard")
            assert app.is_running and app.return_value is None
        await pilot.press("q")  # the dashboard's own q: the sweep is over, it quits
        await wait_until(pilot, lambda: app.return_value is not None, what="the app to exit")
    assert app.return_value == 0
