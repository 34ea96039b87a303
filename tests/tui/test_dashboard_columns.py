"""The live runs table at the widths terminals have: every number on screen whole.

Issue 9: at 130 columns the progress column was cut (``5000/50``). Columns are now as
wide as what they hold, and a narrow pane gives up whole columns, least useful first
(:mod:`tui.live.run_columns`), never part of a number. The rules themselves are tested
without a screen; the pilot tests look at the rows as drawn.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from metalab.progress import RunState
from metalab.runner import plan_runs
from tui.live.app import MetalabApp
from tui.live.dashboard import DashboardScreen
from tui.live.run_columns import (
    BAR_WIDTH,
    PADDING,
    SHORT_BAR_WIDTH,
    fit_columns,
    progress_text_width,
)
from tui.live.runs_table import RunsTable, progress_bar
from tui.options import RunOptions

Files = Any  # the sweep_files fixture (conftest.SweepFiles)

PARAMS = ["lr", "batch", "depth", "width", "dropout"]
VALUES = {"lr": [0.001, 0.01], "batch": [32, 64], "depth": [2, 4], "width": [128, 256],
          "dropout": [0.1, 0.25]}  # fmt: skip


def keys_at(available: int, text_width: int = 9) -> list[str]:
    columns, _ = fit_columns(PARAMS, "loss", available, text_width=text_width,
                             param_values=VALUES)  # fmt: skip
    return [c.key for c in columns]


def used(available: int, text_width: int = 9) -> int:
    columns, _ = fit_columns(PARAMS, "loss", available, text_width=text_width,
                             param_values=VALUES)  # fmt: skip
    return sum(c.width + PADDING for c in columns)


def test_a_narrow_pane_gives_up_whole_columns_least_useful_first() -> None:
    every = ["run", "p:lr", "p:batch", "p:depth", "p:width", "p:dropout", "rep", "status",
             "progress", "metric", "time"]  # fmt: skip
    widest = used(500)
    assert keys_at(500) == every
    assert keys_at(widest - 1) == [k for k in every if k != "time"]
    steps = [keys_at(width) for width in range(widest, 20, -1)]
    pairs = zip(steps, steps[1:], strict=False)
    gone = [next(k for k in a if k not in b) for a, b in pairs if a != b]
    assert gone == ["time", "p:dropout", "p:width", "rep", "p:depth", "p:batch", "p:lr",
                    "metric"]  # fmt: skip
    for width in range(widest, 20, -1):
        columns, bar = fit_columns(PARAMS, "loss", width, text_width=9, param_values=VALUES)
        keys = [c.key for c in columns]
        assert {"run", "status", "progress"} <= set(keys)  # never given up
        assert bar in (BAR_WIDTH, SHORT_BAR_WIDTH, 0)
        if used(width) > width:  # only when even the three that stay do not fit
            assert keys == ["run", "status", "progress"] and bar == 0


def test_the_progress_column_holds_the_widest_count() -> None:
    runs = [RunState("a", total_steps=20), RunState("b", total_steps=5000)]
    assert progress_text_width(runs) == len("5000/5000")
    assert progress_text_width([RunState("c")]) == len("step 99999")  # length unknown
    halfway = RunState("b", status="running", step=2499, total_steps=5000)
    assert progress_bar(halfway, 12, 9) == "██████░░░░░░ 2500/5000"
    assert progress_bar(halfway, 0, 9) == "2500/5000"
    short = RunState("a", status="success", step=19, total_steps=20)
    assert progress_bar(short, 5, 9) == "█████     20/20"  # right-aligned under 5000/5000
    assert progress_bar(RunState("p", total_steps=20), 12, 9) == ""  # not started


def drawn_rows(table: RunsTable) -> list[str]:
    """The table's lines as drawn on screen, below its header."""
    height = table.size.height
    return [table.render_line(y).text for y in range(1, height)]


SHOWN = {
    80: (["run", "status", "progress", "metric"], 0),
    100: (["run", "p:lr", "status", "progress", "metric"], SHORT_BAR_WIDTH),
    130: (["run", "p:lr", "p:steps", "status", "progress", "metric"], BAR_WIDTH),
}
"""The columns shown (and the bar's width) by terminal width, for the sweep below."""


@pytest.mark.parametrize("columns", [80, 100, 130])
async def test_every_progress_cell_on_screen_shows_its_whole_count(
    columns: int, sweep_files: Files, wait_until
) -> None:
    lrs = [round(0.0005 * (i + 1), 4) for i in range(14)]
    (spec,) = sweep_files.load(sweep_files.write(lrs, steps=5000, workers=2))
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=(columns, 24 if columns == 80 else 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        table = screen.query_one(RunsTable)
        await wait_until(pilot, lambda: screen.exit_code is not None, what="the sweep's end")
        screen.refresh_from_session(force=True)
        await pilot.pause()
        ids = [p.run_id for p in plan_runs(spec.experiment)]
        rows = drawn_rows(table)
        shown = [(rid, line) for rid in ids for line in rows if line.startswith(" " + rid[:8])]
        assert len(shown) >= min(len(ids), table.size.height - 2), rows
        for _, line in shown:
            assert re.search(r"(?<![\d/])5000/5000(?![\d/])", line), line
        # every number drawn whole: the loss column is the widest value it holds or gone
        header = table.render_line(0).text
        assert "progress" in header or " done" in header
        # 80 columns leave the runs pane ~45 cells: the parameters, rep, time and the bar
        # are given up; the run, its status, its count and its loss stay
        assert (table.shown_columns, table.bar_width) == SHOWN[columns]
        for rid, line in shown:
            assert f" {table.cell(rid, 'metric')} " in line
        await pilot.press("q")
