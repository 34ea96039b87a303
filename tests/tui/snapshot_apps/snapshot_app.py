"""The metalab-tui app, made deterministic for snapshot tests.

Everything a screenshot shows must be the same on every run and every machine, so the
app differs from the real one in exactly these ways, all through test hooks:

* the session's clock is fixed, so every elapsed time reads ``0s`` and no ETA is known;
* log lines keep their shape but carry a fixed timestamp;
* the results tree's path is shown as ``experiments/<name>_<version>`` wherever it is;
* the sweep runs on one worker, so rows start in order and log as ``thread:0``.

The operation (``snapshot_ops.py``) draws fixed curves. Look at a screen by hand with

    uv run python tests/tui/snapshot_apps/snapshot_app.py [--picker] [--hold]
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tui.live.app
from metalab.config import ExperimentSpec, load_experiments
from tui.live.app import MetalabApp
from tui.live.dashboard import DashboardScreen
from tui.live.session import SweepSession
from tui.options import RunOptions
from tui.widgets.curve_plot import CurvePlot

HERE = Path(__file__).resolve().parent
EXPERIMENTS = HERE / "experiments.toml"
FIXED_TIME = "2025-01-01 12:00:00"
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


class FixedSession(SweepSession):
    """A real sweep whose clock, log timestamps and shown path never vary."""

    def __init__(self, spec: ExperimentSpec, options: RunOptions) -> None:
        super().__init__(spec, options, clock=lambda: 0.0)

    def format_log(self, payload: dict[str, Any]) -> str:
        return _TIMESTAMP.sub(FIXED_TIME, super().format_log(payload))

    def log_tail(self, run_id: str) -> tuple[list[str], int]:
        # a run's first lines may come from its log file (read before their events
        # arrived): those carry the real time too
        lines, total = super().log_tail(run_id)
        return [_TIMESTAMP.sub(FIXED_TIME, line) for line in lines], total

    @property
    def results_path(self) -> str:
        return f"experiments/{self.spec.experiment_dir.name}"


class SnapshotApp(MetalabApp):
    # a relative CSS_PATH is read from the subclass's folder: point at the real one
    CSS_PATH = str(Path(tui.live.app.__file__).resolve().parent / "app.tcss")

    def make_session(self, spec: ExperimentSpec) -> SweepSession:
        return FixedSession(spec, self.options)


def load_specs() -> list[ExperimentSpec]:
    return load_experiments(EXPERIMENTS)


def ops_globals(spec: ExperimentSpec) -> dict[str, Any]:
    """The operation module's globals: ``HOLD_AT``, ``HOLD_ENV``, ``GATE_ENV``."""
    return spec.experiment.operation.func.__globals__


def _gate(store: Path) -> Path:
    """The file whose existence releases the held runs (next to the results tree)."""
    return store.with_name(store.name + ".release")


def dashboard_app(store: Path, *, hold: Sequence[float] = ()) -> SnapshotApp:
    """The first experiment's dashboard; runs with a learning rate in ``hold`` wait
    mid-way until ``release(app)``. The sweep runs in a child process: what to hold
    and the release file reach it through its environment."""
    spec = load_specs()[0]
    ops = ops_globals(spec)
    os.environ[ops["HOLD_ENV"]] = ",".join(str(lr) for lr in hold)
    os.environ[ops["GATE_ENV"]] = str(_gate(store))
    _gate(store).unlink(missing_ok=True)
    return SnapshotApp([spec], RunOptions(store=store, resume=False))


def picker_app() -> SnapshotApp:
    specs = load_specs()
    ops = ops_globals(specs[0])
    os.environ.pop(ops["HOLD_ENV"], None)
    os.environ.pop(ops["GATE_ENV"], None)
    return SnapshotApp(specs, RunOptions())


def release(app: MetalabApp) -> None:
    if app.options.store is not None:
        _gate(Path(app.options.store)).touch()


# -- waiting until a screen is settled, for run_before ----------------------------------


async def wait_for(pilot: Any, condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"snapshot app: timed out waiting for {condition}")
        await pilot.pause(0.05)


async def settled(pilot: Any) -> None:
    """Wait until the dashboard shows the session's final state, its plot drawn."""
    app = pilot.app
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    plot = screen.query_one(CurvePlot)
    previous: object = None
    stable_since = time.monotonic()
    while True:  # the shown curves and the drawn frame unchanged for half a second
        await pilot.pause(0.05)
        screen.refresh_from_session(force=True)
        now = (screen._shown_key, plot.render_count, plot._timer is None)
        if now != previous:
            previous, stable_since = now, time.monotonic()
        elif plot._timer is None and time.monotonic() - stable_since > 0.5:
            break
    app.clear_notifications()
    await pilot.pause()


async def sweep_done(pilot: Any) -> None:
    """run_before: the sweep has ended and the screen shows it."""
    app = pilot.app
    await wait_for(pilot, lambda: getattr(app.screen, "exit_code", None) is not None)
    await settled(pilot)


async def sweep_held(pilot: Any) -> None:
    """run_before: the first run is held mid-way (step HOLD_AT) and the rest pending."""
    app = pilot.app
    session = app.session
    assert session is not None
    hold_at = ops_globals(session.spec)["HOLD_AT"]

    def held() -> bool:
        runs = list(session.tracker.runs.values())
        if not runs or runs[0].status != "running" or runs[0].step != hold_at:
            return False
        x, _, _ = session.curve(runs[0].run_id)
        return len(x) == hold_at + 1 and len(session.log_lines(runs[0].run_id)) == 2

    await wait_for(pilot, held)
    await settled(pilot)


def main(argv: list[str]) -> None:
    if "--picker" in argv:
        picker_app().run()
        return
    with tempfile.TemporaryDirectory(prefix="metalab-snapshot-") as tmp:
        app = dashboard_app(Path(tmp), hold=[0.05] if "--hold" in argv else ())
        try:
            app.run()
        finally:
            release(app)


if __name__ == "__main__":
    main(sys.argv[1:])
