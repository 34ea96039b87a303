"""Snapshots of the browser screens the other snapshot modules leave out: the run
detail's Curves, Artifacts (a 2-D array as a heatmap, a JSON artifact as a tree) and Logs
(opened from a search hit, at its line) tabs, the runs tab's export dialog, the manifest
history, and the experiments tab with filter pills and a distribution bin picked.

The run detail tabs show the fixed ``demo:1`` tree (``_trees.shared_fixed_tree``: fixed
run ids, times, durations and hosts) at a fixed place under the temp folder; nothing on
them depends on the clock. The others show the pinned ``small_tree`` with the clock
pinned (``fixed_clock``) and the header's subtitle (the tree's temporary path) replaced
by a fixed name, as in ``test_snapshots_browser``; the export dialog's default path
(the current directory and the time) is pinned too.

Update the SVGs only after looking at them, with the pinned versions.
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
from support.pilot import open_run, search_for
from support.trees import FIXED_NOW
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from metalab.index.export import export_filename
from tui.browser import BrowserApp
from tui.browser.app import BrowserScreen
from tui.browser.experiments.detail import ManifestScreen
from tui.browser.experiments.tab import ExperimentsPane
from tui.browser.messages import ScopeChanged
from tui.browser.run_detail import RunDetailScreen
from tui.browser.runs import export_dialog
from tui.browser.runs import tab as runs_tab
from tui.browser.runs.export_dialog import ExportDialog
from tui.widgets.artifact_view import ArtifactView, MatrixView

SIZE = (160, 48)
SUCCESS = "1a2b3c4d5e6f7081"
"""The fixed tree's first run: a success with stepped metrics and three artifacts."""
LOG_QUERY = "batch"
"""A word on one line of one log only: line 8 of the failed run's (the traceback)."""
EXPORT_CWD = Path("/home/user/sweeps")
"""The current directory the export dialog is given (its default path starts there)."""

Compare = Callable[..., bool]
WaitUntil = Callable[..., Awaitable[None]]
"""The ``wait_until`` fixture of ``tests/tui/conftest.py``."""


@pytest.fixture(scope="module")
def tree() -> Path:
    return _trees.shared_fixed_tree(Path(tempfile.gettempdir()) / "metalab-tui-snap-screens")


async def _settle(
    pilot: Pilot[Any], wait_until: WaitUntil, condition: Callable[[], object], what: str
) -> None:
    """Run the app until ``condition()`` holds, then until every worker is done and the
    last frame is drawn (the curve plot draws at most 10 frames a second)."""
    await wait_until(pilot, condition, what=what)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.3)


# -- the run detail's tabs (the fixed tree) -------------------------------------------------


async def _show_artifact(pilot: Pilot[Any], wait_until: WaitUntil, name: str) -> ArtifactView:
    """Open run :data:`SUCCESS` on its Artifacts tab and show artifact ``name``."""
    screen = await open_run(pilot, SUCCESS, wait_until)
    await pilot.press("4")
    index = next(i for i, item in enumerate(screen.items) if item.name == name)
    screen.query_one("#artifact-list", DataTable).move_cursor(row=index)
    view = screen.query_one("#artifact-view", ArtifactView)

    def shown() -> bool:
        item = screen.item_shown
        return item is not None and item.name == name and view.mode not in ("empty", "loading")

    await _settle(pilot, wait_until, shown, f"artifact {name}")
    return view


def test_run_detail_curves(snap_compare: Compare, tree: Path, wait_until: WaitUntil) -> None:
    """The stepped ``loss`` against its step (``m`` from the first one, ``grad_norm``)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        screen = await open_run(pilot, SUCCESS, wait_until)
        await pilot.press("3")
        assert screen.stepped == ["grad_norm", "loss"]
        await pilot.press("m")
        await _settle(
            pilot,
            wait_until,
            lambda: [s.label for s in screen.curve_series] == ["loss"],
            "the loss curve",
        )

    assert snap_compare(BrowserApp(tree), run_before=run_before, terminal_size=SIZE)


def test_run_detail_artifact_heatmap(
    snap_compare: Compare, tree: Path, wait_until: WaitUntil
) -> None:
    """The 3 x 4 ``weights`` array, switched from its table to the heatmap with ``t``."""

    async def run_before(pilot: Pilot[Any]) -> None:
        view = await _show_artifact(pilot, wait_until, "weights")
        matrix = view.viewer
        assert isinstance(matrix, MatrixView) and matrix.mode == "table"
        await pilot.press("t")
        await _settle(pilot, wait_until, lambda: matrix.mode == "heatmap", "the heatmap")

    assert snap_compare(BrowserApp(tree), run_before=run_before, terminal_size=SIZE)


def test_run_detail_artifact_json_tree(
    snap_compare: Compare, tree: Path, wait_until: WaitUntil
) -> None:
    """The ``config`` artifact, a JSON object, as a tree."""

    async def run_before(pilot: Pilot[Any]) -> None:
        view = await _show_artifact(pilot, wait_until, "config")
        assert view.mode == "json"

    assert snap_compare(BrowserApp(tree), run_before=run_before, terminal_size=SIZE)


def test_run_detail_logs_at_a_search_hit(
    snap_compare: Compare, tree: Path, wait_until: WaitUntil
) -> None:
    """``/``, a word found on one log line, Enter: the failed run's log, that line marked
    and the word highlighted on it."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
        dialog = await search_for(pilot, LOG_QUERY, wait_until)
        hit = dialog.highlighted_hit
        assert [h.category for h in dialog.hits] == ["log"] and hit is not None
        assert (hit.run_id, hit.log, hit.line_no) == (_trees.FIXED_FAILED, "run", 8)
        await pilot.press("enter")

        def at_line() -> bool:
            screen = app.screen
            if not isinstance(screen, RunDetailScreen) or screen.polls == 0:
                return False
            log = screen._active_log()
            return (
                screen.log_target is None
                and log is not None
                and log.mark is not None
                and not log._center_pending
            )

        await _settle(pilot, wait_until, at_line, "the log line to be shown")

    assert snap_compare(BrowserApp(tree), run_before=run_before, terminal_size=SIZE)


# -- the browser's dialogs and the experiments tab (the small tree, a fixed clock) ----------


async def _settle_browser(pilot: Pilot[Any], wait_until: WaitUntil) -> None:
    """Wait for the browser, and pin its header's subtitle (the tree's temporary path)."""
    app = pilot.app
    await _settle(pilot, wait_until, lambda: isinstance(app.screen, BrowserScreen), "browser")
    app.screen.sub_title = "small_tree"
    await pilot.pause()


@pytest.fixture
def pinned_export(monkeypatch: pytest.MonkeyPatch) -> None:
    """The export dialog as if opened in :data:`EXPORT_CWD` at the fixed clock's time,
    with Parquet offered whether pyarrow is installed or not."""
    now = _dt.datetime.fromtimestamp(FIXED_NOW)
    monkeypatch.setattr(
        export_dialog, "export_filename", functools.partial(export_filename, now=now)
    )
    monkeypatch.setattr(export_dialog, "parquet_available", lambda: True)
    monkeypatch.setattr(runs_tab, "ExportDialog", functools.partial(ExportDialog, cwd=EXPORT_CWD))


def test_export_dialog(
    snap_compare: Compare,
    small_tree: Path,
    fixed_clock: Any,
    wait_until: WaitUntil,
    pinned_export: None,
) -> None:
    """``e`` on the runs tab of ``toy:1`` with two runs selected."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await _settle_browser(pilot, wait_until)
        screen = app.screen
        screen.post_message(ScopeChanged("toy:1"))
        await _settle(pilot, wait_until, lambda: screen.state.experiment == "toy:1", "toy:1")
        await pilot.press("x", "down", "down", "x", "e")
        await _settle(
            pilot, wait_until, lambda: isinstance(app.screen, ExportDialog), "the export dialog"
        )
        for box in app.screen.query(Input):
            box.cursor_blink = False  # drawn or not by the clock otherwise
        await pilot.pause()

    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_manifest_history(
    snap_compare: Compare, small_tree: Path, fixed_clock: Any, wait_until: WaitUntil
) -> None:
    """``h`` on ``toy:1`` in the experiments tab: its manifest as pretty JSON."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await _settle_browser(pilot, wait_until)
        pane = app.screen.query_one(ExperimentsPane)
        await pilot.press(*["down"] * pane.keys.index("toy:1"), "h")
        await _settle(
            pilot, wait_until, lambda: isinstance(app.screen, ManifestScreen), "the manifest"
        )

    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_experiments_filter_pills_and_a_bin(
    snap_compare: Compare, small_tree: Path, fixed_clock: Any, wait_until: WaitUntil
) -> None:
    """Pills ``tag:toy`` and ``has_metric:loss`` (one of the two experiments left), and
    the second bin with runs of its distribution picked with ``>``."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await _settle_browser(pilot, wait_until)
        pane = app.screen.query_one(ExperimentsPane)
        await pilot.press("f")
        pane.query_one("#experiments-filter", Input).value = "tag:toy has_metric:loss"
        await pilot.press("enter")
        await _settle(pilot, wait_until, lambda: len(pane.terms) == 2, "the pills")
        await pilot.press("greater_than_sign", "greater_than_sign")
        await _settle(
            pilot, wait_until, lambda: pane.overview.distribution.chosen_bin is not None, "the bin"
        )

    app = BrowserApp(small_tree, clock=fixed_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
