"""Which way a metric is better, as the screens that rank runs use it: the guess from
the name (``iterations_to_converge`` is a count: lower is better), ``r`` on the run
detail's Metrics tab turning it round, the ranks and the compare tab following, and the
choice still there when the tree is opened again (kept with the saved view, whose older
files, without the key, still load)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _plots_trees import copy_curve_fit, records
from support.pilot import open_run
from textual.widgets import DataTable, Static

from metalab.index import TreeIndex
from metalab.index.direction import Directions
from tui.browser import BrowserApp
from tui.browser.app import BrowserScreen
from tui.browser.compare.tab import build_compare
from tui.browser.experiments.detail import DistributionView
from tui.browser.messages import StateChanged
from tui.browser.saved_view import SavedView, load_view, state_file

SIZE = (150, 44)
METRIC = "metrics.iterations_to_converge"


@pytest.fixture
def curve_fit(tmp_path: Path) -> Path:
    return copy_curve_fit(tmp_path / "curve_fit")


def expected_rank(values: np.ndarray, mine: float, lower: bool) -> str:
    better = values < mine if lower else values > mine
    return f"{1 + int(better.sum())} of {values.size}"


async def rank_shown(pilot: Any, run_id: str, wait_until: Any) -> tuple[str, str]:
    """Open ``run_id``'s Metrics tab, put the cursor on the metric; (rank, name cell)."""
    screen = await open_run(pilot, run_id, wait_until)
    await pilot.press("2")
    await pilot.pause()
    table = screen.query_one("#metrics-table", DataTable)
    table.move_cursor(row=table.get_row_index(METRIC))
    await pilot.pause()
    row = table.get_row(METRIC)
    return str(row[2]), str(row[0])


async def test_flipping_a_metrics_direction_reranks_and_is_remembered(
    curve_fit: Path, wait_until: Any
) -> None:
    recs = records(curve_fit)
    values = np.array([r["metrics"]["iterations_to_converge"] for r in recs], dtype=float)
    run = next(r for r in recs if r["metrics"]["iterations_to_converge"] == 927)
    mine = 927.0
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        rank, name = await rank_shown(pilot, run["run_id"], wait_until)
        assert rank == expected_rank(values, mine, lower=True) == "3 of 18"  # a count
        assert name.endswith("↓")
        await pilot.press("r")  # higher is better, for this metric
        await pilot.pause()
        table = app.screen.query_one("#metrics-table", DataTable)
        row = table.get_row(METRIC)
        assert str(row[2]) == expected_rank(values, mine, lower=False) == "15 of 18"
        assert str(row[0]).endswith("↑*")  # set by the user, not guessed
        place = next(p for p in app.screen.places if p.column == METRIC)  # type: ignore[attr-defined]
        assert place.rank == 15 and not place.lower_better
        # the compare tab's better and worse follow the same choice
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
        assert not app.screen.state.directions.lower_is_better(METRIC)  # type: ignore[attr-defined]
        await pilot.press("q")
        await pilot.pause()
    assert load_view(curve_fit).directions == {"iterations_to_converge": "higher"}  # type: ignore[union-attr]

    app = BrowserApp(curve_fit)  # the tree opened again
    async with app.run_test(size=SIZE) as pilot:
        rank, name = await rank_shown(pilot, run["run_id"], wait_until)
        assert rank == "15 of 18" and name.endswith("↑*")
        await pilot.press("r")  # and back to the guess
        await pilot.pause()
        table = app.screen.query_one("#metrics-table", DataTable)
        assert str(table.get_row(METRIC)[2]) == "3 of 18"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
        await pilot.press("q")
        await pilot.pause()
    assert load_view(curve_fit).directions == {}  # type: ignore[union-attr]


def test_compare_colours_deltas_by_the_chosen_direction(curve_fit: Path) -> None:
    table = TreeIndex(curve_fit).table(None)
    rows = sorted(table.rows, key=lambda r: r.metrics["iterations_to_converge"])
    low, high = rows[0], rows[-1]
    guessed = build_compare([low, high], baseline=low.run_id)
    row = next(r for r in guessed.rows if r.key == METRIC)
    assert row.lower_better is True and row.better == [None, False]  # more iterations: worse
    directions = Directions()
    directions.flip(METRIC)
    chosen = build_compare([low, high], baseline=low.run_id, directions=directions)
    row = next(r for r in chosen.rows if r.key == METRIC)
    assert row.lower_better is False and row.better == [None, True]


def test_a_saved_view_written_before_directions_existed_still_loads(tmp_path: Path) -> None:
    old = {"experiment": "toy:1", "sort": "metrics.final_loss", "descending": True,
           "selected": [], "plot": {"agg": "median", "error": "std"}}  # fmt: skip
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = tmp_path / "tree"
    trees = {str(tree.resolve()): {"saved_at": 1.0, "view": old}}
    path.write_text(json.dumps({"version": 1, "trees": trees}), encoding="utf-8")
    view = load_view(tree)
    assert view is not None and view.directions == {} and view.sort == "metrics.final_loss"
    assert Directions.from_json(view.directions).lower_is_better("iterations_to_converge")
    assert SavedView(directions={"x": "lower"}).directions == {"x": "lower"}


async def test_the_experiments_tab_names_the_best_run_the_chosen_way(curve_fit: Path) -> None:
    recs = records(curve_fit)
    values = {r["run_id"]: r["metrics"]["iterations_to_converge"] for r in recs}
    fewest = min(values, key=lambda k: (values[k], list(values).index(k)))
    most = max(values, key=values.__getitem__)
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        view = app.screen.query_one(DistributionView)
        for _ in range(6):
            if view.current is not None and view.current.field == METRIC:
                break
            await pilot.press("d")
            await pilot.pause()
        title = app.screen.query_one("#distribution-title", Static)
        assert "best (lowest): " in str(title.content)
        assert f"{fewest[:8]} = {values[fewest]}" in str(title.content)
        app.screen.state.directions.flip(METRIC)  # type: ignore[attr-defined]
        app.screen.post_message(StateChanged("direction"))
        await pilot.pause()
        assert f"best (highest): {most[:8]} = {values[most]}" in str(title.content)
