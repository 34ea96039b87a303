"""A results tree written by another process while the browser is open updates in place.

The browser screen re-scans the tree every couple of seconds on a worker thread; these
tests write into the tree from the test (a new sweep launched with metalab, or a run
record written as a running run and then finished) and wait, at most 5 seconds, for
the runs table and the experiments list to show it, without any refresh key pressed.
A finishing run is redrawn alone (the table keeps its order and cursor); an experiment
whose folder disappears drops out, and the browser widens its scope to what is left.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import json
import shutil
from pathlib import Path
from typing import Any

from textual.widgets import DataTable

import metalab
from tui.browser import BrowserApp
from tui.browser.columns import format_duration
from tui.browser.runs.tab import RunsPane
from tui.widgets.grid import VirtualGrid

SIZE = (160, 48)
WAIT = 20.0
"""Seconds a change may take to show: the screen re-scans every 2 s, but a loaded
2-core CI machine running two test workers can stretch that several times over."""


def runs_table(app: BrowserApp) -> VirtualGrid:
    return app.screen.query_one("#runs-table", VirtualGrid)


def cell(app: BrowserApp, run_id: str, label: str) -> str:
    table = runs_table(app)
    labels = [c.label.rstrip(" ▲▼") for c in table.columns]
    return table.row_texts(row_keys(app).index(run_id))[labels.index(label)]


def experiment_cell(app: BrowserApp, key: str, column: str) -> str:
    table = app.screen.query_one("#experiments-table", DataTable)
    return table.get_cell(key, column).plain


def row_keys(app: BrowserApp) -> list[str]:
    """Run ids of the rows shown, in order."""
    return [str(r) for r in app.screen.query_one("#runs-pane", RunsPane).order_ids.tolist()]


async def open_toy(pilot: Any) -> None:
    await pilot.pause()
    await pilot.press("down", "enter")  # toy is second (newest first)
    await pilot.pause()
    assert pilot.app.screen.state.experiment == "toy:1"


async def test_a_new_sweep_shows_its_runs(
    small_tree: Path, small_tree_info: Any, wait_until: Any
) -> None:
    before = {r.run_id for r in metalab.load_results(small_tree / "toy_1")}
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await open_toy(pilot)
        assert runs_table(app).row_count == len(before)
        assert experiment_cell(app, "toy:1", "experiment.success") == "10"
        cursor_run = row_keys(app)[5]
        await pilot.press(*["down"] * 5)
        await pilot.pause()

        def launch() -> None:
            exp = metalab.Experiment(
                name="toy", version="1", context={}, operation=small_tree_info.train,
                params=metalab.grid(lr=[0.05], optimizer=["adam", "sgd"]),
                seeds=metalab.seeds(base=7, replicates=1),
            )  # fmt: skip
            metalab.run(exp, store=small_tree).result(timeout=60)

        await asyncio.to_thread(launch)
        after = {r.run_id for r in metalab.load_results(small_tree / "toy_1")}
        new = after - before
        assert len(new) == 2
        await wait_until(pilot, lambda: runs_table(app).row_count == len(after),
                         timeout=WAIT, what="the new runs in the runs table")  # fmt: skip
        assert set(row_keys(app)) == after
        assert row_keys(app) == sorted(after)  # the tree's order: by run id
        # a poll while the sweep ran may have shown them running: the next says success
        await wait_until(pilot, lambda: {cell(app, r, "status") for r in new} == {"success"},
                         timeout=WAIT, what="the new runs' final status")  # fmt: skip
        for run_id in new:
            assert cell(app, run_id, "lr") == "0.0500"
        # the cursor stayed on its run although rows were inserted around it
        table = runs_table(app)
        assert row_keys(app)[table.cursor_row] == cursor_run
        await wait_until(pilot, lambda: experiment_cell(app, "toy:1", "experiment.success")
                         == "12", timeout=WAIT, what="the experiments count")  # fmt: skip
        scope = str(app.screen.query_one("#runs-scope").content)
        assert "12 success" in scope


def write_record(folder: Path, record: dict[str, Any]) -> None:
    """Write a run record the way metalab does: to a temporary file, then rename."""
    target = folder / "runs" / f"{record['run_id']}.json"
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(target)


async def test_a_running_run_finishes_in_place(
    small_tree: Path, wait_until: Any, fixed_clock: Any
) -> None:
    folder = small_tree / "toy_1"
    template_file = sorted((folder / "runs").glob("*.json"))[0]
    record = json.loads(template_file.read_text(encoding="utf-8"))
    run_id = "0" * 8 + "feedface"
    record.update(run_id=run_id, status="running", finished_at=None, duration_ms=None,
                  metrics={})  # fmt: skip
    started = _dt.datetime.fromisoformat(record["started_at"]).timestamp()
    app = BrowserApp(small_tree, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_toy(pilot)
        n = runs_table(app).row_count
        write_record(folder, record)
        await wait_until(pilot, lambda: runs_table(app).row_count == n + 1,
                         timeout=WAIT, what="the running run")  # fmt: skip
        assert row_keys(app)[0] == run_id
        assert runs_table(app).cursor_row == 1  # still on the run it was on
        assert cell(app, run_id, "status") == "running"
        running_for = (fixed_clock() - started) * 1000  # the time since it started
        assert cell(app, run_id, "duration") == f"{format_duration(running_for)}+"
        assert cell(app, run_id, "final_loss") == "—"
        await wait_until(pilot, lambda: experiment_cell(app, "toy:1", "experiment.running")
                         == "1", timeout=WAIT, what="1 running")  # fmt: skip
        assert "in progress" in experiment_cell(app, "toy:1", "experiment.state")

        grid = runs_table(app)
        rebuilds: list[int] = []
        redrawn: list[int] = []
        set_data, refresh_rows = grid.set_data, grid.refresh_rows

        def spy_set_data(*args: Any, **kwargs: Any) -> None:
            rebuilds.append(1)
            set_data(*args, **kwargs)

        def spy_refresh_rows(rows: Any) -> None:
            rows = list(rows)
            redrawn.extend(rows)
            refresh_rows(rows)

        grid.set_data = spy_set_data  # type: ignore[method-assign]
        grid.refresh_rows = spy_refresh_rows  # type: ignore[method-assign]
        keys = row_keys(app)
        await pilot.press("down", "down")
        record.update(status="success", finished_at=record["started_at"], duration_ms=4321,
                      metrics={"final_loss": 0.123, "accuracy": 0.9, "best_step": 7,
                               "converged": True})  # fmt: skip
        write_record(folder, record)
        await wait_until(pilot, lambda: cell(app, run_id, "status") == "success",
                         timeout=WAIT, what="the run's success")  # fmt: skip
        assert cell(app, run_id, "duration") == "4.3 s"
        assert cell(app, run_id, "final_loss") == "0.1230"
        assert cell(app, run_id, "converged") == "True"
        assert rebuilds == []  # updated in place: only that run's row is drawn again
        assert set(redrawn) == {0}
        assert row_keys(app) == keys
        assert runs_table(app).cursor_row == 3
        await wait_until(pilot, lambda: experiment_cell(app, "toy:1", "experiment.running")
                         == "0", timeout=WAIT, what="none running")  # fmt: skip
        assert experiment_cell(app, "toy:1", "experiment.success") == "11"


async def test_a_new_experiment_appears_in_the_list(
    small_tree: Path, small_tree_info: Any, wait_until: Any
) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#experiments-table", DataTable)
        assert table.row_count == 2

        def launch() -> None:
            exp = metalab.Experiment(
                name="late", version="1", context={}, operation=small_tree_info.probe,
                params=metalab.grid(alpha=[0.5], depth=[2]), seeds=metalab.seeds(base=1),
            )  # fmt: skip
            metalab.run(exp, store=small_tree).result(timeout=60)

        await asyncio.to_thread(launch)
        await wait_until(pilot, lambda: table.row_count == 3, timeout=WAIT,
                         what="the new experiment")  # fmt: skip
        assert experiment_cell(app, "late:1", "experiment.success") == "1"
        # the newest is first, as the list sorts by latest run
        assert str(table.ordered_rows[0].key.value) == "late:1"


async def test_the_experiment_in_scope_is_deleted(small_tree: Path, wait_until: Any) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # probe (newest first)
        await pilot.pause()
        assert app.screen.state.experiment == "probe:2"
        shutil.rmtree(small_tree / "probe_2")
        await wait_until(pilot, lambda: app.screen.state.experiment is None,
                         timeout=WAIT, what="the scope to widen")  # fmt: skip
        toy = {r.run_id for r in metalab.load_results(small_tree)}
        await wait_until(pilot, lambda: set(row_keys(app)) == toy, timeout=WAIT)
        table = app.screen.query_one("#experiments-table", DataTable)
        assert [str(r.key.value) for r in table.ordered_rows] == ["toy:1"]
