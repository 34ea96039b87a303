"""The browser reopens a tree as it was left: scope, runs filter and sort, selection,
columns, the experiments list's pills and the plot settings, kept per tree under the
user's state directory (each test has its own, see tests/conftest.py). What no longer
fits the tree is dropped, a broken state file is ignored, and ``--fresh`` starts over.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tui.browser import BrowserApp
from tui.browser.experiments.tab import ExperimentsPane
from tui.browser.plots.tab import PlotsPane
from tui.browser.runs.tab import RunsPane
from tui.browser.saved_view import SavedView, load_view, save_view, state_file
from tui.cli import build_browse_parser

SIZE = (160, 48)
TOY = "toy:1"


def runs(app: BrowserApp) -> RunsPane:
    return app.screen.query_one(RunsPane)


async def leave_a_view(tree: Path) -> dict[str, Any]:
    """Browse ``tree``, change the view with the keyboard, quit; what was set."""
    app = BrowserApp(tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f", *"tag:tests", "enter")  # a pill on the experiments list
        await pilot.pause()
        await pilot.press("enter")  # scope to toy, the only one left
        await pilot.pause()
        await pilot.press("f", *"optimizer=adam", "enter")
        await pilot.pause()
        await pilot.press("x")  # select the first run shown
        await pilot.pause()
        pane = runs(app)
        state = pane.state
        state.columns[TOY] = ["params.lr", "metrics.final_loss"]
        state.sort, state.descending = "metrics.final_loss", True
        app.screen.query_one(PlotsPane).config.log_y = True
        left = {
            "experiment": state.experiment,
            "pills": [c.label for c in state.conditions],
            "selected": list(state.selected),
        }
        await pilot.press("q", "y")  # quit the browser (q asks first)
        await pilot.pause()
    return left


async def test_a_tree_reopens_as_it_was_left(small_tree: Path) -> None:
    left = await leave_a_view(small_tree)
    assert left["experiment"] == TOY and left["pills"] == ["optimizer=adam"]
    assert len(left["selected"]) == 1
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        state = runs(app).state
        assert app.screen.query_one("TabbedContent").active == "runs"
        assert state.experiment == TOY
        assert [c.label for c in state.conditions] == ["optimizer=adam"]
        assert state.selected == left["selected"]
        assert (state.sort, state.descending) == ("metrics.final_loss", True)
        assert runs(app).columns_shown == ["params.lr", "metrics.final_loss"]
        assert [t.text for t in app.screen.query_one(ExperimentsPane).terms] == ["tag:tests"]
        assert app.screen.query_one(PlotsPane).config.log_y is True


async def test_fresh_starts_from_the_default_view(small_tree: Path) -> None:
    await leave_a_view(small_tree)
    app = BrowserApp(small_tree, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        state = runs(app).state
        assert state.experiment is None and state.conditions == [] and state.selected == []
        assert app.screen.query_one("TabbedContent").active == "experiments"
    assert build_browse_parser().parse_args(["--fresh"]).fresh is True
    assert build_browse_parser().parse_args([]).fresh is False


async def test_what_no_longer_fits_the_tree_is_dropped(small_tree: Path) -> None:
    runs_dir = small_tree / "toy_1" / "runs"
    kept, gone = sorted(p.stem for p in runs_dir.glob("*.json"))[:2]
    view = SavedView(
        experiment=TOY,
        filters=[["optimizer=adam", None], ["params.no_such_param=1", None]],
        sort="metrics.no_such_metric",
        selected=[kept, gone, "feedfacefeedface"],
        baseline=gone,
        experiment_filter=["tag:tests", "has_parm:x"],  # the second no longer parses
    )
    save_view(small_tree, view)
    (runs_dir / f"{gone}.json").unlink()  # a run deleted since
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        state = runs(app).state
        assert state.experiment == TOY
        assert [c.label for c in state.conditions] == ["optimizer=adam"]
        assert state.sort is None
        assert state.selected == [kept]
        assert state.baseline is None
        assert [t.text for t in app.screen.query_one(ExperimentsPane).terms] == ["tag:tests"]


async def test_a_scope_that_went_away_falls_back_to_every_experiment(small_tree: Path) -> None:
    save_view(small_tree, SavedView(experiment="probe:2", filters=[["alpha>0", None]]))
    shutil.rmtree(small_tree / "probe_2")
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        state = runs(app).state
        assert state.experiment == TOY  # the one experiment left is scoped by default
        assert state.conditions == []  # its runs have no alpha


def test_views_are_kept_per_tree_and_a_broken_file_is_ignored(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert save_view(a, SavedView(experiment="x:1"))
    assert save_view(b, SavedView(experiment="y:1"))
    assert load_view(a) == SavedView(experiment="x:1")
    assert load_view(b) == SavedView(experiment="y:1")
    assert load_view(tmp_path / "c") is None
    path = state_file()
    assert path.is_relative_to(tmp_path)  # the private state home of this test
    assert set(json.loads(path.read_text())["trees"]) == {str(a.resolve()), str(b.resolve())}
    path.write_text("{not json", encoding="utf-8")
    assert load_view(a) is None
    assert save_view(a, SavedView(experiment="x:2"))  # and it is written anew
    assert load_view(a) == SavedView(experiment="x:2")
