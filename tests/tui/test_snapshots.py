"""Snapshots of metalab-tui's main screens (pytest-textual-snapshot).

The apps come from ``snapshot_apps/snapshot_app.py``: the real app and a real sweep,
with a fixed clock, fixed log timestamps and a fixed results path, one worker, and an
operation whose curves are the same everywhere. Update the SVGs in ``__snapshots__``
only after looking at the report (or the SVGs), and only with the pinned versions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from snapshot_apps.snapshot_app import (
    dashboard_app,
    picker_app,
    release,
    settled,
    sweep_done,
    sweep_held,
    wait_for,
)
from textual.pilot import Pilot

from tui.live.dashboard import DashboardScreen
from tui.widgets.dialogs import ConfirmScreen, HelpScreen

SIZE = (160, 48)

Compare = Callable[..., bool]


def test_dashboard_after_a_finished_sweep(snap_compare: Compare, tmp_path: Path) -> None:
    """Six succeeded runs, the first selected: its curve highlighted and its log shown."""
    assert snap_compare(dashboard_app(tmp_path), terminal_size=SIZE, run_before=sweep_done)


def test_dashboard_showing_all_curves(snap_compare: Compare, tmp_path: Path) -> None:
    """After `a` and two `down`s: every run's curve, coloured by learning rate, the
    third run highlighted and its log shown."""

    async def run_before(pilot: Pilot[int]) -> None:
        await sweep_done(pilot)
        await pilot.press("a", "down", "down")
        await settled(pilot)

    assert snap_compare(dashboard_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare: Compare, tmp_path: Path) -> None:
    """`?` on the dashboard: the keys and what they do, over the dimmed dashboard."""

    async def run_before(pilot: Pilot[int]) -> None:
        await sweep_done(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))

    assert snap_compare(dashboard_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_confirm_dialog_while_running(snap_compare: Compare, tmp_path: Path) -> None:
    """`q` while the first run is held mid-way and five are pending: the dialog asks
    before cancelling, over the live dashboard."""
    app = dashboard_app(tmp_path, hold=[0.05])

    async def run_before(pilot: Pilot[int]) -> None:
        await sweep_held(pilot)
        assert isinstance(pilot.app.screen, DashboardScreen)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        release(app)


def test_experiment_picker(snap_compare: Compare) -> None:
    """A file with two experiments: the picker lists both, with run counts."""
    assert snap_compare(picker_app(), terminal_size=(120, 24))
