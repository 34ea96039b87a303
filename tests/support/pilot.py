"""Steps the browser's pilot tests take again and again: searching from the dialog and
opening a run's detail screen, each waiting until what it opened has settled.

``wait_until`` is the TUI tests' fixture (``tests/tui/conftest.py``): it polls a
condition between pilot pauses and fails the test with ``what`` on timeout.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from tui.browser.app import BrowserScreen
from tui.browser.messages import OpenRun
from tui.browser.run_detail import RunDetailScreen
from tui.browser.search_dialog import SearchScreen

__all__ = ["open_run", "search_for"]


async def search_for(pilot: Any, text: str, wait_until: Any) -> SearchScreen:
    """Open the search dialog, type ``text`` (set at once) and wait for every hit,
    the log scan's included."""
    await pilot.press("slash")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SearchScreen)
    screen.query_one("#search-input", Input).value = text
    await wait_until(pilot, lambda: screen.results is not None and screen.logs_done,
                     timeout=10, what=f"search results for {text!r}")  # fmt: skip
    await pilot.pause()
    return screen


async def open_run(pilot: Any, run_id: str, wait_until: Any) -> RunDetailScreen:
    """Open run ``run_id``'s detail from the browser; wait until its record, metrics
    and logs have been read."""
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
    app.screen.post_message(OpenRun(run_id))
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, RunDetailScreen) and app.screen.snapshot is not None,
        what="the run to load",
    )
    screen = app.screen
    await wait_until(pilot, lambda: screen.polls > 0, what="the logs to be read")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen
