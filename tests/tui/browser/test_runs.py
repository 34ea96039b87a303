"""The runs tab, driven by the pilot: default columns and cells, sorting by the cursor's
column and by header clicks, the filter language with its pills and inline errors, the
selection and its hand-off to plots and compare, the column picker, opening a run,
a tree far taller than the screen (only the rows on screen are drawn), and a
reference-format tree.

Every expectation is computed in the test from the records (``metalab.load_results``)
or with plain Python over them, never read back from the browser's own data layer.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path
from typing import Any

from textual.widgets import Button, Input, Static

import metalab
from metalab.index import format_cell
from tui.browser import BrowserApp
from tui.browser.columns import ColumnPicker, theme_color
from tui.browser.messages import ScopeChanged
from tui.browser.run_detail import RunDetailScreen
from tui.browser.runs.tab import RunsPane
from tui.widgets.grid import VirtualGrid

SIZE = (160, 48)
TOY = "toy:1"


# -- helpers -----------------------------------------------------------------------------------


def pane(app: BrowserApp) -> RunsPane:
    return app.screen.query_one("#runs-pane", RunsPane)


def grid(app: BrowserApp) -> VirtualGrid:
    return app.screen.query_one("#runs-table", VirtualGrid)


def headers(app: BrowserApp) -> list[str]:
    return [col.label for col in grid(app).columns]


def rows(app: BrowserApp) -> list[list[str]]:
    table = grid(app)
    return [table.row_texts(i) for i in range(table.row_count)]


def screen_lines(app: BrowserApp) -> list[str]:
    """The table as drawn: its header and the rows on screen."""
    table = grid(app)
    return [table.render_line(y).text for y in range(table.size.height)]


def column(app: BrowserApp, label: str) -> list[str]:
    j = [h.rstrip(" ▲▼") for h in headers(app)].index(label)
    return [r[j] for r in rows(app)]


def shown_ids(app: BrowserApp) -> list[str]:
    return column(app, "run")


def status_line(app: BrowserApp) -> str:
    return str(app.screen.query_one("#runs-status", Static).content)


def pills(app: BrowserApp) -> list[str]:
    return [str(b.label) for b in app.screen.query("#runs-pills Button").results(Button)]


def records(folder: Path) -> list[metalab.Run]:
    """The runs of one experiment folder, in run-id order (the table's default order)."""
    return sorted(metalab.load_results(folder), key=lambda r: r.run_id)


async def open_runs(pilot: Any, experiment: str = TOY) -> None:
    """Scope the browser to ``experiment`` as Enter in the experiments tab does."""
    await pilot.pause()
    pilot.app.screen.post_message(ScopeChanged(experiment))
    await pilot.pause()
    await pilot.pause()
    assert pilot.app.focused is grid(pilot.app)


def metric(run: metalab.Run, name: str) -> Any:
    return run.metrics.get(name)


def sort_key(value: Any) -> tuple[int, float]:
    """Missing values last, in both directions (as the runs table sorts)."""
    return (1, 0.0) if value is None else (0, float(value))


async def move_to_column(pilot: Any, label: str) -> None:
    app = pilot.app
    target = [h.rstrip(" ▲▼") for h in headers(app)].index(label)
    table = grid(app)
    while table.cursor_column < target:
        await pilot.press("right")
    while table.cursor_column > target:
        await pilot.press("left")


# -- columns and cells -------------------------------------------------------------------------


async def test_default_columns_and_cells(small_tree: Path, fixed_clock: Any) -> None:
    app = BrowserApp(small_tree, clock=fixed_clock)
    runs = records(small_tree / "toy_1")
    async with app.run_test(size=SIZE) as pilot:
        await open_runs(pilot)
        assert app.screen.query_one("TabbedContent").active == "runs"
        assert headers(app) == [
            "●", "run", "status", "started", "duration", "lr", "optimizer", "rep",
            "accuracy", "best_step", "converged", "final_loss",
        ]  # fmt: skip
        assert shown_ids(app) == [r.run_id[:8] for r in runs]
        for row, run in zip(rows(app), runs, strict=True):
            assert row[0] == ""  # nothing selected
            assert row[2] == run.status
            started = _dt.datetime.fromisoformat(str(run.record.started_at)).timestamp()
            minutes = int((fixed_clock() - started) // 60)
            assert row[3] == (f"{minutes}m ago" if minutes < 60 else f"{minutes // 60}h ago")
            ms = run.record.duration_ms
            assert row[4] == f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms} ms"
            assert row[5] == format_cell(run.params["lr"])
            assert row[6] == run.params["optimizer"]
            assert row[7] == str(run.replicate)
            assert row[11] == format_cell(metric(run, "final_loss"))
            if run.status == "failed":
                assert row[8:] == ["—"] * 4
        assert status_line(app) == f"{len(runs)} runs · row 1 of {len(runs)}"
        assert "10 success" in str(app.screen.query_one("#runs-scope", Static).content)


async def test_status_cells_use_theme_colours(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await open_runs(pilot)
        table = grid(app)
        j = headers(app).index("status")
        cells = [table.row_cells(i)[j] for i in range(table.row_count)]
        failed = next(style for text, style in cells if text == "failed")
        success = next(style for text, style in cells if text == "success")
        assert failed is not None and success is not None
        assert str(failed.color.name).lower() == theme_color(app, "error").lower()
        assert failed.bold
        assert str(success.color.name).lower() == theme_color(app, "success").lower()
        # and drawn so: the header, then the first run
        lines = screen_lines(app)
        assert lines[0].split() == [h for h in headers(app) if h]
        assert lines[1].split()[0] == rows(app)[0][1]


# -- sorting -----------------------------------------------------------------------------------


async def test_s_sorts_by_the_cursor_column_and_again_reverses(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    runs = records(small_tree / "toy_1")
    ascending = sorted(runs, key=lambda r: sort_key(metric(r, "final_loss")))
    present = [r for r in runs if metric(r, "final_loss") is not None]
    missing = [r for r in runs if metric(r, "final_loss") is None]
    descending = sorted(present, key=lambda r: -metric(r, "final_loss")) + missing
    async with app.run_test(size=SIZE) as pilot:
        await open_runs(pilot)
        await move_to_column(pilot, "final_loss")
        await pilot.press("s")
        await pilot.pause()
        assert shown_ids(app) == [r.run_id[:8] for r in ascending]
        assert headers(app)[-1] == "final_loss ▲"
        assert "sorted by final_loss ▲" in status_line(app)
        assert grid(app).cursor_row == 0
        await pilot.press("s")
        await pilot.pause()
        assert shown_ids(app) == [r.run_id[:8] for r in descending]
        assert headers(app)[-1] == "final_loss ▼"
        # a text column: optimizer, case-insensitive, stable
        await move_to_column(pilot, "optimizer")
        await pilot.press("s")
        await pilot.pause()
        by_opt = sorted(runs, key=lambda r: r.params["optimizer"])
        assert shown_ids(app) == [r.run_id[:8] for r in by_opt]
        assert app.screen.state.sort == "params.optimizer"


async def test_clicking_a_header_sorts(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    runs = records(small_tree / "toy_1")
    async with app.run_test(size=SIZE) as pilot:
        await open_runs(pilot)
        table = grid(app)
        j = headers(app).index("duration")
        x = sum(c.width + 2 for c in table.columns[:j]) + 2
        await pilot.click("#runs-table", offset=(x, 0))
        await pilot.pause()
        assert app.screen.state.sort == "record.duration_ms"
        by_duration = sorted(runs, key=lambda r: r.record.duration_ms)
        assert shown_ids(app) == [r.run_id[:8] for r in by_duration]
        await pilot.click("#runs-table", offset=(x, 0))
        await pilot.pause()
        assert shown_ids(app) == [r.run_id[:8] for r in reversed(by_duration)]


# -- filtering ---------------------------------------------------------------------------------


async def type_filter(pilot: Any, text: str) -> None:
    """``f``, the text (set at once: typing it key by key is slow), then enter."""
    await pilot.press("f")
    pilot.app.screen.query_one("#runs-filter", Input).value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_filter_language_and_pills(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    runs = records(small_tree / "toy_1")
    async with app.run_test(size=SIZE) as pilot:
        await open_runs(pilot)
        await type_filter(pilot, "lr=0.1 final_loss<0.5")
        expected = [r for r in runs if math.isclose(r.params["lr"], 0.1)
                    and (metric(r, "final_loss") or math.inf) < 0.5]  # fmt: skip
        assert expected and len(expected) < len(runs)
        assert shown_ids(app) == [r.run_id[:8] for r in expected]
        assert pills(app) == ["lr=0.1 ✕", "final_loss<0.5 ✕", "clear all ✕"]
        assert status_line(app).startswith(f"{len(expected)} of {len(runs)} runs")
        assert app.focused is grid(app)  # enter hands the keys back to the table

        await type_filter(pilot, "status=failed")
        assert rows(app) == []  # lr=0.1 never fails
        assert pills(app)[2] == "status=failed ✕"

        # backspace in the empty filter box removes the last condition
        await pilot.press("f", "backspace")
        await pilot.pause()
        assert pills(app) == ["lr=0.1 ✕", "final_loss<0.5 ✕", "clear all ✕"]
        assert shown_ids(app) == [r.run_id[:8] for r in expected]

        # clicking a pill removes that condition
        await pilot.click("#runs-pills Button")
        await pilot.pause()
        assert pills(app) == ["final_loss<0.5 ✕"]
        below = [r for r in runs if (metric(r, "final_loss") or math.inf) < 0.5]
        assert shown_ids(app) == [r.run_id[:8] for r in below]

        # F clears everything
        assert app.focused is grid(app)
        await pilot.press("F")
        await pilot.pause()
        assert pills(app) == []
        assert len(rows(app)) == len(runs)


async def test_filter_errors_are_shown_inline(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await open_runs(pilot)
        await pilot.press("f", *"bogus", "enter")  # typed key by key, as a user does
        error = app.screen.query_one("#runs-filter-error", Static)
        assert error.has_class("-shown")
        assert "`bogus` has no operator" in str(error.content)
        assert app.screen.state.conditions == []
        assert len(rows(app)) == 12
        # typing again clears the error; a bad value is explained too
        await pilot.press("ctrl+u")
        assert not error.has_class("-shown")
        await type_filter(pilot, "optimizer<3")
        assert "holds text" in str(error.content)
        await type_filter(pilot, "lrr=0.1")
        assert "did you mean `lr`" in str(error.content)
        assert app.focused is app.screen.query_one("#runs-filter")


async def test_filter_on_status_and_a_list(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    runs = records(small_tree / "toy_1")
    async with app.run_test(size=SIZE) as pilot:
        await open_runs(pilot)
        await type_filter(pilot, "status=failed")
        failed = [r for r in runs if r.status == "failed"]
        assert shown_ids(app) == [r.run_id[:8] for r in failed]
        await pilot.press("F")
        await type_filter(pilot, "lr in 0.01,1")
        wanted = [r for r in runs if r.params["lr"] in (0.01, 1.0)]
        assert shown_ids(app) == [r.run_id[:8] for r in wanted]
        assert pills(app) == ["lr=0.01,1 ✕"]


# -- selection, plot, compare, open ------------------------------------------------------------


async def test_selection_marks_counts_and_hands_off(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    runs = records(small_tree / "toy_1")
    async with app.run_test(size=SIZE) as pilot:
        await open_runs(pilot)
        state = app.screen.state
        await pilot.press("x", "down", "down", "x")
        await pilot.pause()
        assert state.selected == [runs[0].run_id, runs[2].run_id]
        assert column(app, "●")[:4] == ["●", "", "●", ""]
        assert "2 selected" in status_line(app)
        await pilot.press("x")  # again: unselected
        await pilot.pause()
        assert state.selected == [runs[0].run_id]

        await type_filter(pilot, "optimizer=adam")
        await pilot.press("A")
        await pilot.pause()
        adam = [r.run_id for r in runs if r.params["optimizer"] == "adam"]
        assert set(state.selected) == {runs[0].run_id, *adam}
        assert len(state.selected) == 1 + len(adam)
        assert column(app, "●") == ["●"] * len(adam)
        assert f"{1 + len(adam)} selected" in status_line(app)

        await pilot.press("p")
        await pilot.pause()
        assert app.screen.query_one("TabbedContent").active == "plots"
        assert state.plot_selection is True
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert app.screen.query_one("TabbedContent").active == "compare"
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert state.selected == []
        assert "selected" not in status_line(app)


async def test_enter_opens_the_run_under_the_cursor(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    runs = records(small_tree / "toy_1")
    async with app.run_test(size=SIZE) as pilot:
        await open_runs(pilot)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen)
        assert app.screen.run_id == runs[2].run_id


# -- the column picker -------------------------------------------------------------------------


async def test_column_picker_chooses_and_remembers_per_experiment(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    runs = records(small_tree / "toy_1")
    async with app.run_test(size=SIZE) as pilot:
        await open_runs(pilot)
        await pilot.press("C")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ColumnPicker)
        params = picker.query_one("#columns-params").selected
        assert params == ["params.lr", "params.optimizer"]
        # none, then tick lr (params list) and final_loss (metrics list, 4th), apply
        await pilot.press("n", "space", "tab", "down", "down", "down", "space", "ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ColumnPicker)
        state = app.screen.state
        assert state.columns[TOY] == ["params.lr", "metrics.final_loss"]
        assert headers(app) == ["●", "run", "lr", "final_loss"]
        assert column(app, "final_loss") == [format_cell(metric(r, "final_loss")) for r in runs]

        # another experiment keeps its own columns; coming back restores these
        await open_runs(pilot, "probe:2")
        assert "label" in headers(app) and "final_loss" not in headers(app)
        await open_runs(pilot, TOY)
        assert headers(app) == ["●", "run", "lr", "final_loss"]

        # escape cancels; d restores the defaults
        await pilot.press("C", "a", "escape")
        await pilot.pause()
        assert headers(app) == ["●", "run", "lr", "final_loss"]
        await pilot.press("C", "d", "ctrl+s")
        await pilot.pause()
        assert "optimizer" in headers(app) and "status" in headers(app)


# -- a tree bigger than the screen -----------------------------------------------------------------


def write_big_experiment(root: Path, n: int) -> list[dict[str, Any]]:
    """``n`` runs written by hand (records only), with a metric that sorts differently
    from the run ids; returns the records in run-id order."""
    folder = root / "big_1"
    (folder / "runs").mkdir(parents=True)
    (folder / "_meta.json").write_text(json.dumps({"experiment_id": "big:1"}))
    recs = []
    for i in range(n):
        run_id = f"{i:04d}" + "ab" * 6
        rec = {
            "run_id": run_id,
            "experiment_id": "big:1",
            "status": "failed" if i % 7 == 0 else "success",
            "started_at": f"2026-01-15T10:{i // 60 % 60:02d}:{i % 60:02d}",
            "finished_at": f"2026-01-15T11:{i // 60 % 60:02d}:{i % 60:02d}",
            "duration_ms": 100 + i,
            "params_resolved": {"k": i % 5},
            "metrics": {} if i % 7 == 0 else {"score": float((i * 37) % 101)},
        }
        (folder / "runs" / f"{run_id}.json").write_text(json.dumps(rec))
        recs.append(rec)
    return recs


async def test_a_big_tree_draws_only_the_rows_on_screen(tmp_path: Path) -> None:
    n = 1500
    recs = write_big_experiment(tmp_path / "tree", n)
    ids = [r["run_id"][:8] for r in recs]
    app = BrowserApp(tmp_path / "tree")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.query_one("TabbedContent").active == "runs"  # one experiment
        table = grid(app)
        assert table.row_count == n
        assert shown_ids(app) == ids
        assert status_line(app) == f"{n:,} runs · row 1 of {n:,}"
        # the cell source is asked for the rows on screen only
        asked: list[int] = []
        source = table._source
        table._source = lambda row: (asked.append(row), source(row))[1]  # type: ignore[method-assign]
        table.refresh_all()
        await pilot.pause()
        assert asked and max(asked) < table.size.height and len(set(asked)) < 60
        # ] and [ move a screenful; ctrl+end goes to the last run
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert table.cursor_row == table.page_height
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.cursor_row == n - 1
        assert pane(app).cursor_run == recs[-1]["run_id"]
        assert screen_lines(app)[-1].split()[0] == ids[-1]
        assert f"row {n:,} of {n:,}" in status_line(app)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert table.cursor_row == n - 1 - table.page_height
        # sorting goes back to the top, in the new order
        await move_to_column(pilot, "score")
        await pilot.press("s", "s")
        await pilot.pause()
        scored = sorted((r for r in recs if "score" in r["metrics"]),
                        key=lambda r: -r["metrics"]["score"])  # fmt: skip
        order = scored + [r for r in recs if "score" not in r["metrics"]]
        assert shown_ids(app) == [r["run_id"][:8] for r in order]
        assert table.cursor_row == 0 and table.scroll_y == 0
        assert screen_lines(app)[1].split()[0] == order[0]["run_id"][:8]
        # a filter
        await type_filter(pilot, "k=3 status=success")
        wanted = [r for r in recs if r["params_resolved"]["k"] == 3 and r["status"] == "success"]
        assert sorted(shown_ids(app)) == sorted(r["run_id"][:8] for r in wanted)


# -- a reference-format tree -------------------------------------------------------------------


async def test_reference_tree_opens_on_its_runs(reference_tree: Path) -> None:
    app = BrowserApp(reference_tree)
    runs = records(reference_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.query_one("TabbedContent").active == "runs"
        assert shown_ids(app) == [r.run_id[:8] for r in runs]
        assert column(app, "status") == [r.status for r in runs]
        # no replicate in the records: worked out from the manifest's seed plan
        reps = column(app, "rep")
        assert sorted(reps) == ["0", "0", "0", "1", "1", "1"]
        assert column(app, "lr") == [format_cell(r.params["lr"]) for r in runs]


async def test_all_experiments_together(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    n = len(metalab.load_results(small_tree))
    async with app.run_test(size=SIZE) as pilot:
        pilot.app.screen.post_message(ScopeChanged(None))
        await pilot.pause()
        assert headers(app)[:4] == ["●", "run", "experiment", "status"]
        assert len(rows(app)) == n
        assert sorted(set(column(app, "experiment"))) == ["probe:2", "toy:1"]
        assert "all experiments" in str(app.screen.query_one("#runs-scope", Static).content)
