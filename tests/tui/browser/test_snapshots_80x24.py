"""Every browser screen at 80×24 (issue 9): the four tabs (plots in scalar and curves
modes, and with its controls shown), the run detail's five tabs, and the dialogs
(search, export, column picker, quit, help, artifact preview). In a terminal this
small the plots tab folds its controls into a one-line summary (``v`` shows them) so
the chart keeps most of the height, and the other screens lose nothing essential.

The trees and pins are those of the 160×48 snapshots: the pinned ``small_tree`` with
the clock pinned, the seed's ``curve_fit`` tree, and the fixed ``demo:1`` tree at a
fixed place under the temp folder; the header's subtitle (a tree's temporary path) is
replaced by a fixed name. Update the SVGs only after looking at them.
"""

from __future__ import annotations

import datetime as _dt
import functools
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import _trees
import pytest
from _plots_trees import copy_curve_fit
from support.pilot import open_run, search_for
from support.trees import FIXED_NOW
from textual.pilot import Pilot
from textual.widgets import Input

from metalab.index.export import export_filename
from tui.browser import BrowserApp
from tui.browser.app import BrowserScreen
from tui.browser.columns import ColumnPicker
from tui.browser.compare.artifact_preview import ArtifactPreviewScreen
from tui.browser.messages import ScopeChanged
from tui.browser.plots.tab import PlotsPane
from tui.browser.runs import export_dialog
from tui.browser.runs import tab as runs_tab
from tui.browser.runs.export_dialog import ExportDialog
from tui.widgets.dialogs import ConfirmScreen, HelpScreen

SIZE = (80, 24)
SUCCESS = "1a2b3c4d5e6f7081"
"""The fixed tree's first run: a success with stepped metrics and three artifacts."""

Compare = Callable[..., bool]
WaitUntil = Callable[..., Awaitable[None]]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture(scope="module")
def fixed_tree() -> Path:
    return _trees.shared_fixed_tree(Path(tempfile.gettempdir()) / "metalab-tui-snap-80x24")


async def _settle(pilot: Pilot[Any], name: str | None = None) -> None:
    """Let keys, workers and the messages they post finish; pin the browser's header
    subtitle to ``name`` (it shows a tree's temporary path); leave time for the plots'
    last frame (they draw at most 10 frames a second)."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    for screen in pilot.app.screen_stack:
        if isinstance(screen, BrowserScreen) and name is not None:
            screen.sub_title = name
        for box in screen.query(Input):
            box.cursor_blink = False  # a blinking cursor is drawn or not by the clock
    await pilot.pause(0.3)


def _small(*keys: str, scope: str | None = "toy:1") -> RunBefore:
    """A ``run_before`` on the small tree: scope (to ``toy:1``), then press ``keys``."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot, "small_tree")
        if scope is not None:
            pilot.app.screen.post_message(ScopeChanged(scope))
            await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot, "small_tree")

    return run_before


def _plots(*keys: str) -> RunBefore:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("3", *keys)
        await _settle(pilot, "curve_fit")

    return run_before


def _run_tab(tab: str, wait_until: WaitUntil) -> RunBefore:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_run(pilot, SUCCESS, wait_until)
        await pilot.press(tab)
        await _settle(pilot)

    return run_before


# -- the tabs ---------------------------------------------------------------------------------


def test_experiments_tab(snap_compare: Compare, small_tree: Path, fixed_clock: Any) -> None:
    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=_small("down", scope=None))


def test_runs_tab(snap_compare: Compare, small_tree: Path, fixed_clock: Any) -> None:
    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=_small("x", "down", "down", "x"))


def test_plots_scalar(snap_compare: Compare, tmp_path: Path) -> None:
    """Controls summed up in a line, the chart 14 rows, the table of points under it."""
    app = BrowserApp(copy_curve_fit(tmp_path / "curve_fit"))
    assert snap_compare(app, terminal_size=SIZE, run_before=_plots("f8"))


def test_plots_curves(snap_compare: Compare, tmp_path: Path) -> None:
    app = BrowserApp(copy_curve_fit(tmp_path / "curve_fit"))
    assert snap_compare(app, terminal_size=SIZE, run_before=_plots("m"))


def test_plots_with_the_controls_shown(snap_compare: Compare, tmp_path: Path) -> None:
    """``v``: the controls beside the chart, which keeps its height."""
    app = BrowserApp(copy_curve_fit(tmp_path / "curve_fit"))
    assert snap_compare(app, terminal_size=SIZE, run_before=_plots("v"))


def test_compare_tab(snap_compare: Compare, small_tree: Path, fixed_clock: Any) -> None:
    app = BrowserApp(small_tree, clock=fixed_clock)
    run_before = _small("x", "down", "down", "x", "4")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


# -- the run detail -----------------------------------------------------------------------------


@pytest.mark.parametrize("tab", ["1", "2", "3", "4", "5"])
def test_run_detail(
    snap_compare: Compare, fixed_tree: Path, wait_until: WaitUntil, tab: str
) -> None:
    """Overview, Metrics, Curves, Artifacts and Logs of a successful run."""
    app = BrowserApp(fixed_tree)
    assert snap_compare(app, terminal_size=SIZE, run_before=_run_tab(tab, wait_until))


# -- dialogs ----------------------------------------------------------------------------------


def test_search_dialog(
    snap_compare: Compare, small_tree: Path, fixed_clock: Any, wait_until: WaitUntil
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot, "small_tree")
        await search_for(pilot, "adam", wait_until)
        await pilot.press("down")
        await _settle(pilot, "small_tree")

    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.fixture
def pinned_export(monkeypatch: pytest.MonkeyPatch) -> None:
    """The export dialog as if opened in a fixed folder at the fixed clock's time, with
    Parquet offered whether pyarrow is installed or not."""
    now = _dt.datetime.fromtimestamp(FIXED_NOW)
    monkeypatch.setattr(
        export_dialog, "export_filename", functools.partial(export_filename, now=now)
    )
    monkeypatch.setattr(export_dialog, "parquet_available", lambda: True)
    cwd = Path("/home/user/sweeps")
    monkeypatch.setattr(runs_tab, "ExportDialog", functools.partial(ExportDialog, cwd=cwd))


def test_export_dialog(
    snap_compare: Compare, small_tree: Path, fixed_clock: Any, pinned_export: None
) -> None:
    """Every part of the dialog, its buttons included, inside the terminal."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await _small("e")(pilot)
        assert isinstance(pilot.app.screen, ExportDialog)

    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_column_picker(snap_compare: Compare, small_tree: Path, fixed_clock: Any) -> None:
    """Two lists a row, wide enough for the names."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await _small("C")(pilot)
        assert isinstance(pilot.app.screen, ColumnPicker)

    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_quit_asks_first(snap_compare: Compare, small_tree: Path, fixed_clock: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _small("q", scope=None)(pilot)
        assert isinstance(pilot.app.screen, ConfirmScreen)

    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_on_the_plots_tab(snap_compare: Compare, small_tree: Path, fixed_clock: Any) -> None:
    """The plots tab's keys first (those of the other mode dimmed), in a list that
    scrolls; its foot line shows how."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await _small("3", "question_mark")(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)

    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_artifact_preview(snap_compare: Compare, fixed_tree: Path, wait_until: WaitUntil) -> None:
    """The compare tab's preview of a run's artifact (the ``history`` curve)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        screen.sub_title = "demo"
        await pilot.press("4")
        app.push_screen(ArtifactPreviewScreen(screen.state, SUCCESS, "history"))
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ArtifactPreviewScreen) and app.screen.loaded is not None,
            what="the artifact",
        )
        await _settle(pilot)

    app = BrowserApp(fixed_tree)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_the_plots_chart_keeps_most_of_the_height(tmp_path: Path) -> None:
    """At 80×24 the chart has at least 14 rows in both modes; ``v`` brings the
    controls back beside it without taking rows from it, and hides them again."""
    app = BrowserApp(copy_curve_fit(tmp_path / "curve_fit"))
    async with app.run_test(size=SIZE) as pilot:
        await _plots()(pilot)
        pane = app.screen.query_one(PlotsPane)
        controls, summary = pane.query_one("#plot-controls"), pane.query_one("#plot-summary")
        assert not controls.display and summary.display
        assert str(summary.content).startswith("v: controls │ scatter")
        assert pane.query_one("#scalar-plot").size.height >= 14
        await pilot.press("m")
        await _settle(pilot)
        assert pane.query_one("#curve-plot").size.height >= 17
        await pilot.press("v")
        await _settle(pilot)
        assert controls.display and not summary.display
        assert pane.query_one("#curve-plot").size.height >= 17
        await pilot.press("v")
        await _settle(pilot)
        assert not controls.display and summary.display
