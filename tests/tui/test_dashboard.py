"""The live dashboard, driven by the pilot: a small sweep from an experiment file in a
temporary folder, and what a user sees of it (rows, statuses, progress, curves, logs)
and can do with the keys (select, log-y, colour, all curves, help, quit and cancel).

The test operation (conftest ``OPS_SOURCE``) fits no model: each run's loss falls by a
factor ``1 - lr`` per step, so every value shown is known in advance. Runs whose
learning rate is in ``hold`` wait halfway until the test releases them, which keeps a
sweep "running" for as long as a test needs without any sleeps.
"""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.message import Message

import metalab
from metalab.runner import plan_runs
from tui.live.app import MetalabApp
from tui.live.dashboard import DashboardScreen
from tui.live.log_pane import LogPane
from tui.live.picker import ExperimentPicker
from tui.live.runs_table import RunsTable
from tui.live.session import LOG_LINES_KEPT
from tui.live.sweep_header import SweepHeader
from tui.options import RunOptions
from tui.widgets.curve_plot import CurvePlot
from tui.widgets.dialogs import ConfirmScreen, HelpScreen

SIZE = (160, 48)
Files = Any  # the sweep_files fixture (conftest.SweepFiles)


def final_loss(lr: float, steps: int) -> float:
    loss = 1.0
    for _ in range(steps):
        loss *= 1.0 - lr
    return loss


def cell(table: RunsTable, run_id: str, column: str) -> str:
    return table.cell(run_id, column)


def row_ids(table: RunsTable) -> list[str]:
    return table.run_ids


def visible_row(table: RunsTable, run_id: str) -> str:
    """The row as drawn on screen (one line below the header), so cut-off cells show."""
    row = table.row_of(run_id)
    assert row is not None
    return table.render_line(row - int(table.scroll_y) + 1).text


def header_text(app: MetalabApp) -> str:
    return str(app.screen.query_one(SweepHeader).render())


def dashboard(app: MetalabApp) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen), screen
    return screen


def finished(app: MetalabApp) -> bool:
    screen = app.screen
    return isinstance(screen, DashboardScreen) and screen.exit_code is not None


def statuses(app: MetalabApp) -> list[str]:
    return [s.status for s in app.session.tracker.runs.values()] if app.session else []


async def test_finished_sweep_shows_every_run_done(sweep_files: Files, wait_until) -> None:
    (spec,) = sweep_files.load(
        sweep_files.write((0.1, 0.2, 0.3), steps=20, replicates=2, hold=[0.3])
    )
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(RunsTable)
        # rows are drawn while values are still short (or empty) before the held runs end
        await wait_until(pilot, lambda: table.row_count == 6 and "running" in statuses(app))
        sweep_files.release()
        await wait_until(pilot, lambda: finished(app), what="the sweep to end")
        await pilot.pause(1.1)  # the table's full refresh, once a second
        planned = plan_runs(spec.experiment)
        assert row_ids(table) == [p.run_id for p in planned]
        assert table.row_count == 6
        for payload in planned:
            rid, lr = payload.run_id, payload.params["lr"]
            assert cell(table, rid, "run") == rid[:8]
            assert cell(table, rid, "p:lr") == str(lr)
            assert cell(table, rid, "p:steps") == "20"
            assert cell(table, rid, "rep") == str(payload.seeds.replicate_index)
            assert cell(table, rid, "status") == "success"
            assert cell(table, rid, "progress") == "█" * 12 + " 20/20"
            loss = f"{final_loss(lr, 20):.4g}"
            assert cell(table, rid, "metric") == loss
            assert loss in visible_row(table, rid)  # drawn whole, not cut to an old width
        text = header_text(app)
        assert "6/6 done · 0 running · 0 failed · 0 skipped" in text
        assert "6 succeeded" in text and str(sweep_files.store / "toy_1") in text
        assert dashboard(app).state == "done"
    assert app.return_value is None  # still up after the sweep, until the user quits


async def test_live_rows_show_pending_running_and_partial_progress(
    sweep_files: Files, wait_until
) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2, 0.3), workers=1, hold=[0.2]))
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(RunsTable)
        first, held, last = (p.run_id for p in plan_runs(spec.experiment))

        def shown() -> tuple[str, ...]:
            if table.row_count < 3:
                return ()
            return tuple(cell(table, r, "status") for r in (first, held, last))

        await wait_until(pilot, lambda: shown() == ("success", "running", "pending"))
        await wait_until(pilot, lambda: cell(table, held, "progress").endswith(" 11/20"))
        assert cell(table, held, "progress") == "███████░░░░░ 11/20"  # held at step 10
        assert cell(table, last, "progress") == ""  # not started: no bar yet
        await wait_until(pilot, lambda: "1/3 done · 1 running" in header_text(app))
        assert "ETA" in header_text(app)
        sweep_files.release()
        await wait_until(pilot, lambda: finished(app))
        await wait_until(pilot, lambda: shown() == ("success",) * 3)


async def test_plot_shows_running_and_selected_runs_and_a_shows_all(
    sweep_files: Files, wait_until
) -> None:
    lrs = (0.1, 0.2, 0.3, 0.4)
    (spec,) = sweep_files.load(sweep_files.write(lrs, workers=2, hold=[0.3, 0.4]))
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        plot = app.screen.query_one(CurvePlot)
        await wait_until(
            pilot, lambda: statuses(app) == ["success", "success", "running", "running"]
        )
        # the two running runs and the selected one (the first row, finished)
        await wait_until(pilot, lambda: plot.series_count == 3, what="3 curves")
        screen = dashboard(app)
        *running, selected = screen._shown_runs()
        assert set(running) == set(list(app.session.tracker.runs)[2:])  # in the order they started
        assert selected == screen.selected
        await pilot.press("a")
        await wait_until(pilot, lambda: plot.series_count == 4, what="every run's curve")
        await pilot.press("a")
        await wait_until(pilot, lambda: plot.series_count == 3, what="back to 3 curves")


async def test_selecting_a_run_shows_its_log_and_highlights_its_curve(
    sweep_files: Files, wait_until
) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2, 0.3)))
    app = MetalabApp([spec], RunOptions())
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await wait_until(pilot, lambda: finished(app))
        table = app.screen.query_one(RunsTable)
        log = app.screen.query_one(LogPane)
        plot = app.screen.query_one(CurvePlot)
        ids = row_ids(table)

        async def selected(index: int, lr: float) -> None:
            rid = ids[index]
            await wait_until(pilot, lambda: log.run_id == rid and plot.highlight == rid)
            assert table.cursor_row == index
            assert dashboard(app).selected == rid
            assert [line.split("] ")[-1] for line in log.lines] == [
                f"training lr={lr} rep=0",
                f"finished lr={lr} loss={final_loss(lr, 20):.3g}",
            ]
            assert log.border_title == f"log · {rid[:8]} lr={lr} steps=20"
            # nothing runs any more: the plot holds the selected run's curve alone
            await wait_until(pilot, lambda: plot.series_count == 1 and plot.highlight == rid)

        await selected(0, 0.1)
        await pilot.press("down")
        await selected(1, 0.2)
        await pilot.press("j")
        await selected(2, 0.3)
        await pilot.press("k")
        await selected(1, 0.2)
    selections = {id(m): m for m in seen if isinstance(m, RunsTable.RunSelected)}  # bubbles
    moves = [m.run_id for m in selections.values()]
    assert moves[-3:] == [ids[1], ids[2], ids[1]]  # one RunSelected message per move


async def test_a_failed_run_shows_its_error(sweep_files: Files, wait_until) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2), fail=[0.2]))
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.pause(1.1)
        table = app.screen.query_one(RunsTable)
        ok, bad = row_ids(table)
        assert cell(table, ok, "status") == "success"
        assert cell(table, bad, "status") == "failed"
        text = header_text(app)
        assert "2/2 done · 0 running · 1 failed" in text and "1 succeeded, 1 failed" in text
        await pilot.press("down")
        log = app.screen.query_one(LogPane)
        await wait_until(pilot, lambda: log.run_id == bad)
        await wait_until(pilot, lambda: any("Traceback" in line for line in log.lines))
        lines = list(log.lines)
        assert lines[0].endswith("training lr=0.2 rep=0")
        assert "ERROR RuntimeError: diverged at lr=0.2" in lines
        assert lines[-1] == "RuntimeError: diverged at lr=0.2"
        await pilot.press("q")
    assert app.return_value == 1


async def test_log_y_and_colour_keys_change_the_plot(sweep_files: Files, wait_until) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2)))
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        plot = app.screen.query_one(CurvePlot)
        await wait_until(pilot, lambda: plot.series_count == 1)
        assert not plot.log_y
        drawn = plot.render_count
        await pilot.press("l")
        assert plot.log_y
        await wait_until(pilot, lambda: plot.render_count > drawn, what="a log-y frame")
        await pilot.press("l")
        assert not plot.log_y

        screen = dashboard(app)
        assert screen.color_by == "lr"
        assert plot.title == "loss by step, coloured by lr"
        await pilot.press("c")
        assert screen.color_by == "steps"
        assert plot.title == "loss by step, coloured by steps"
        await pilot.press("c")
        assert screen.color_by == "lr"


async def test_help_opens_and_escape_closes_it(sweep_files: Files, wait_until) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1,)))
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = [(row.keys, row.action) for row in app.screen.rows]
        keys = [("q", "Quit"), ("l", "Log y"), ("c", "Colour by"), ("a", "All"), ("?, F1", "Help")]
        keys += [("↑, k", "Up"), ("↓, j", "Down"), ("ctrl+c", "Quit")]  # the runs table's too
        for key, action in keys:
            assert any(k == key and a.startswith(action) for k, a in shown), (key, shown)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
    assert app.return_value is None


async def test_quit_while_running_asks_and_no_keeps_running(sweep_files: Files, wait_until) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2), hold=[0.2]))
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "running" in statuses(app))
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert app.session is not None and app.session.running
        assert dashboard(app).state == "running"
        assert app.is_running
        # ctrl+c over the help screen asks too, rather than leaving the sweep behind
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        sweep_files.release()
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("q")
    assert app.return_value == 0


async def test_quit_and_confirm_cancels_keeping_finished_runs(
    sweep_files: Files, wait_until
) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2, 0.3), workers=2, hold=[0.2, 0.3]))
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: statuses(app) == ["success", "running", "running"])
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: app.return_value is not None, what="the app to exit")
    assert app.return_value == 130

    records = sweep_files.records(spec)
    by_lr = {r["params_resolved"]["lr"]: (rid, r["status"]) for rid, r in records.items()}
    assert {lr: status for lr, (_, status) in by_lr.items()} == {
        0.1: "success",
        0.2: "cancelled",
        0.3: "cancelled",
    }
    sweep_files.release()
    handle = metalab.run(spec.experiment, store=sweep_files.store)
    results = handle.result(timeout=60)
    assert handle.status.skipped == 1
    assert handle.status.completed == 2
    executed = {r.run_id for r in results.records[: len(results.records) - 1]}
    assert executed == {by_lr[0.2][0], by_lr[0.3][0]}


async def test_leaving_the_app_without_the_dialog_cancels_the_sweep(
    sweep_files: Files, wait_until
) -> None:
    # An exit that bypasses the dialog (an error, app.exit() from elsewhere) must not
    # leave the sweep running: the process would wait for every run before exiting.
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2), hold=[0.1, 0.2]))
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: statuses(app) == ["running", "running"])
        app.exit(0)
    session = app.session
    assert session is not None
    assert session.finished.wait(20), "the sweep was left running"
    assert statuses(app) == ["cancelled", "cancelled"]


async def test_quit_after_the_sweep_exits_with_its_code(sweep_files: Files, wait_until) -> None:
    (spec,) = sweep_files.load(sweep_files.write((0.1, 0.2)))
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("q")
    assert app.return_value == 0


async def test_several_experiments_open_the_picker(sweep_files: Files, wait_until) -> None:
    specs = sweep_files.load(sweep_files.write((0.1,), names=("alpha", "beta")))
    app = MetalabApp(specs, RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ExperimentPicker))
        options = app.screen.query_one("#experiments")
        assert options.option_count == 2
        labels = [str(options.get_option_at_index(i).prompt) for i in range(2)]
        assert labels == ["alpha 1  (1 runs)  the alpha sweep", "beta 1  (1 runs)  the beta sweep"]
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: finished(app))
        assert app.session is not None and app.session.spec.name == "beta"
        assert dashboard(app).title == "beta 1"
        assert (sweep_files.store / "beta_1" / "runs").is_dir()
        assert not (sweep_files.store / "alpha_1").exists()
        await pilot.press("q")
    assert app.return_value == 0


async def test_escape_on_the_picker_exits(sweep_files: Files, wait_until) -> None:
    specs = sweep_files.load(sweep_files.write((0.1,), names=("alpha", "beta")))
    app = MetalabApp(specs, RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ExperimentPicker))
        await pilot.press("escape")
    assert app.session is None
    assert not sweep_files.store.exists()


async def test_log_pane_follows_a_run_past_the_lines_kept(sweep_files: Files, wait_until) -> None:
    # 2,102 lines, of which the session keeps the last 2,000: however many the pane saw
    # before the oldest were dropped, it must go on with the next ones, no gap, no repeat.
    (spec,) = sweep_files.load(
        sweep_files.write((0.1,), hold=[0.1], extra_log_lines=LOG_LINES_KEPT + 100)
    )
    app = MetalabApp([spec], RunOptions())
    async with app.run_test(size=SIZE) as pilot:
        log = app.screen.query_one(LogPane)
        await wait_until(pilot, lambda: log.line_count > 0)
        sweep_files.release()
        await wait_until(pilot, lambda: finished(app))
        await wait_until(pilot, lambda: log.lines[-1].endswith("finished lr=0.1 loss=0.122"))
        lines = list(log.lines)
        numbers = [int(line.rsplit(" ", 1)[-1]) for line in lines if "filler line" in line]
        assert numbers == list(range(numbers[0], LOG_LINES_KEPT + 100))
        assert len(lines) >= LOG_LINES_KEPT + 1


async def test_a_log_that_outran_the_pane_starts_again_saying_what_came_before() -> None:
    class OneLog(App[None]):
        def compose(self) -> ComposeResult:
            yield LogPane()

    app = OneLog()
    async with app.run_test() as pilot:
        log = app.query_one(LogPane)
        every = [f"line {i}" for i in range(2102)]
        log.show("r1", every[:10], total=10)
        log.show("r1", every[:1500], total=1500)  # 1,490 new lines, all kept: appended
        await pilot.pause()
        assert list(log.lines) == every[:1500]
        log.show("r2", every[:10], total=10)
        # 2,092 new lines, of which the session kept the last 2,000: no silent gap
        log.show("r2", every[-2000:], total=2102)
        await pilot.pause()
        assert list(log.lines) == ["… 102 earlier lines (the browser, b, has them)",
                                   *every[-2000:]]  # fmt: skip
