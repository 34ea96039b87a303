"""Grouped curves are statistics over every run in scope, whatever the table's order.

The tree: 2,050 runs of one experiment (more than the 2,000 the plots tab once took
"from the top"), two learning rates alternating, each run a short ``loss`` curve whose
level is its final loss; run ids grow with the final loss, so the tree's order and a
sort by ``final_loss`` both put the worst runs last. The band drawn must be numpy's mean
over all of them; past the sampling limit (lowered here), an even sample of the tree,
said in the title, never the top of the sorted table.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.trees import run_record, write_json, write_stepped
from textual.pilot import Pilot

from metalab.store import FileStore
from tui.browser import BrowserApp
from tui.browser.messages import StateChanged
from tui.browser.plots import scope
from tui.browser.plots.tab import PlotsPane
from tui.widgets.curve_plot import CurvePlot

SIZE = (150, 44)
RUNS = 2_050
STEPS = np.arange(6)
LRS = (0.1, 0.01)
EXPERIMENT = "ordered:1"


def final_loss(i: int) -> float:
    return 0.01 * (i + 1)  # the larger the id, the worse the run


def loss_curve(i: int) -> np.ndarray:
    return final_loss(i) + 1.0 / (1.0 + STEPS) + 0.001 * (i % 7)


@pytest.fixture(scope="module")
def ordered_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The tree (read only by the tests: the browser never writes into it), on the
    machine's RAM disk when it has one: its 4,100 small files are written in a fraction
    of a second there, against seconds on a busy disk."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        root = Path(tempfile.mkdtemp(prefix="metalab-ordered-", dir=shm))
    else:
        root = tmp_path_factory.mktemp("ordered")
    try:
        yield build_ordered_tree(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def build_ordered_tree(root: Path) -> Path:
    folder = root / "ordered_1"
    FileStore(folder, EXPERIMENT).create()
    ids = []
    for i in range(RUNS):
        run_id = f"{i:016x}"
        ids.append(run_id)
        write_stepped(folder, run_id, "loss", STEPS, loss_curve(i))
        record = run_record(
            run_id,
            EXPERIMENT,
            status="success",
            fingerprints=("c0ffee00c0ffee00", f"{i:016x}", f"{i % 2:016x}"),
            started_at="2026-01-01T10:00:00",
            finished_at="2026-01-01T10:00:01",
            duration_ms=1000,
            metrics={"final_loss": final_loss(i)},
            provenance={"python_version": "3.11.9", "metalab_version": "0.1.0"},
            params={"lr": LRS[i % 2]},
            artifacts=[],
        )
        write_json(folder / "runs" / f"{run_id}.json", record)
    write_json(
        folder / "experiments" / "ordered_1_20260101_095959.json",
        {"experiment_id": EXPERIMENT, "name": "ordered", "version": "1",
         "total_runs": RUNS, "run_ids": ids, "submitted_at": "2026-01-01T09:59:59"},
    )  # fmt: skip
    return root


def all_curves(lr: float) -> np.ndarray:
    """Every run's curve at that learning rate, a row each (numpy's view of the tree)."""
    return np.vstack([loss_curve(i) for i in range(RUNS) if LRS[i % 2] == lr])


async def grouped_curves_sorted_worst_last(pilot: Pilot[Any]) -> PlotsPane:
    """Sort the runs by final loss (worst last), then draw loss curves grouped by lr."""
    app = pilot.app
    await pilot.pause()
    state = app.screen.state  # type: ignore[attr-defined]
    state.sort, state.descending = "metrics.final_loss", False
    app.screen.post_message(StateChanged("sort"))
    await pilot.pause()
    await pilot.press("3", "m", "o")
    for _ in range(4):
        await pilot.pause()
        await app.workers.wait_for_complete()
    pane = app.screen.query_one(PlotsPane)
    assert pane.config.layout == "grouped"
    assert pane.config.curve_group == "params.lr"
    return pane


async def test_grouped_band_is_the_mean_over_every_run_in_scope(ordered_tree: Path) -> None:
    app = BrowserApp(ordered_tree, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        pane = await grouped_curves_sorted_worst_last(pilot)
        rows = pane.state.rows()
        assert len(rows) == RUNS
        worst = pane.state.table().run_ids[rows[-1]]
        assert worst == f"{RUNS - 1:016x}"  # the table shows the worst run last
        assert len(pane.curve_runs) == RUNS and worst in pane.curve_runs
        assert sorted(pane.curve_bands) == sorted(LRS)
        for lr in LRS:
            matrix = all_curves(lr)
            band = pane.curve_bands[lr]
            np.testing.assert_array_equal(band.steps, STEPS)
            assert band.n.tolist() == [matrix.shape[0]] * STEPS.size == [RUNS // 2] * 6
            np.testing.assert_allclose(band.center, matrix.mean(axis=0), rtol=1e-12)
            t = 1.9612  # t(0.975, 1024)
            half = t * matrix.std(axis=0, ddof=1) / math.sqrt(matrix.shape[0])
            np.testing.assert_allclose(band.high - band.center, half, rtol=1e-3)
        title = app.screen.query_one("#curve-plot", CurvePlot).title
        assert title == "loss: mean ± ci95 by lr" and "sampled" not in pane.status
        # the median line with its interquartile band, over every run as well
        await pilot.press("a")
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        assert pane.config.curve_center == "median" and pane.config.band_drawn == "iqr"
        for lr in LRS:
            q1, med, q3 = np.percentile(all_curves(lr), [25, 50, 75], axis=0)
            band = pane.curve_bands[lr]
            np.testing.assert_allclose(band.center, med, rtol=1e-12)
            np.testing.assert_allclose(band.low, q1, rtol=1e-12)
            np.testing.assert_allclose(band.high, q3, rtol=1e-12)
        assert (
            app.screen.query_one("#curve-plot", CurvePlot).title
            == "loss: median, band q1 to q3 by lr"
        )


async def test_past_the_limit_an_even_sample_and_the_title_says_so(
    ordered_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scope, "GROUPED_LIMIT", 100)
    app = BrowserApp(ordered_tree, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        pane = await grouped_curves_sorted_worst_last(pilot)
        title = app.screen.query_one("#curve-plot", CurvePlot).title
        assert title.endswith("· sampled 100 of 2,050 runs evenly")
        assert "sampled 100 of 2,050 runs evenly" in pane.status
        used = [int(r, 16) for r in pane.curve_runs]
        assert len(used) == 100
        # spread over the whole tree, not the top of the sorted table
        assert used == sorted(used) and used[0] == 0 and used[-1] >= RUNS - math.ceil(RUNS / 100)
        assert max(np.diff(used)) <= math.ceil(RUNS / 100)
        for lr in LRS:
            chosen = np.vstack([loss_curve(i) for i in used if LRS[i % 2] == lr])
            band = pane.curve_bands[lr]
            np.testing.assert_allclose(band.center, chosen.mean(axis=0), rtol=1e-12)
