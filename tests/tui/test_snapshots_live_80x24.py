"""The live dashboard and the experiment picker at 80×24 (issue 9), from the same
deterministic apps as ``test_snapshots.py`` (the browser's screens at 80×24:
``browser/test_snapshots_80x24.py``): the header keeps the sweep's counts and
where its results went, the runs table, the curves and the log share the rest.
Update the SVGs only after looking at them, with the pinned versions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from snapshot_apps.snapshot_app import dashboard_app, picker_app, sweep_done

SIZE = (80, 24)

Compare = Callable[..., bool]


def test_dashboard_after_a_finished_sweep(snap_compare: Compare, tmp_path: Path) -> None:
    assert snap_compare(dashboard_app(tmp_path), terminal_size=SIZE, run_before=sweep_done)


def test_experiment_picker(snap_compare: Compare) -> None:
    assert snap_compare(picker_app(), terminal_size=SIZE)
