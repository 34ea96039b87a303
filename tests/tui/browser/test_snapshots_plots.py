"""Snapshots of the plots tab on the seed's curve_fit tree (pytest-textual-snapshot).

Five views: the scalar chart aggregated over replicates with ci95 error bars (preset
F8), the median with its interquartile range as bars, a box plot, a histogram whose
groups share bins, and curves grouped by learning rate as a mean with a band. Every
number shown comes from fixed seeds; the one thing that varies between runs, the
tree's path in the header, is replaced before the picture is taken.
Update the SVGs only after looking at them, with the pinned versions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from _plots_trees import copy_curve_fit
from textual.pilot import Pilot

from tui.browser import BrowserApp

SIZE = (150, 44)

Compare = Callable[..., bool]


@pytest.fixture
def app(tmp_path: Path) -> BrowserApp:
    return BrowserApp(copy_curve_fit(tmp_path / "curve_fit"))


def showing(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A ``run_before``: open the plots tab, press ``keys``, wait for every curve load,
    and pin the header (it shows the tree's temporary path)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press("3", *keys)
        for _ in range(3):
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
        pilot.app.screen.sub_title = "curve_fit"
        await pilot.pause(0.3)  # the curve pane draws at most 10 frames a second

    return run_before


def test_scalar_mean_with_ci95_error_bars(snap_compare: Compare, app: BrowserApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=showing("f8"))


def test_histogram_with_groups_sharing_bins(snap_compare: Compare, app: BrowserApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=showing("k", "k", "k", "b", "b"))


def test_curves_grouped_with_a_band(snap_compare: Compare, app: BrowserApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=showing("m", "o", "Y"))


def test_scalar_median_with_interquartile_range(snap_compare: Compare, app: BrowserApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=showing("a", "e"))


def test_box_plot_by_group(snap_compare: Compare, app: BrowserApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=showing("k", "k", "k", "k"))
