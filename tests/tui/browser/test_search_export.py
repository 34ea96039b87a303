"""Search and export, driven by the pilot.

Search: hits grouped by category (a value, a run id, a metric name, log lines) checked
against what the test finds in the records and log files itself, the minimum length,
and what Enter on each kind of hit does (filter the runs, open a run).

Export: ``e`` in the runs tab writes the current filtered, sorted rows; the CSV must
hold the columns of ``metalab.load_results(tree).to_dataframe(include_derived=True)``
and the same values for those runs, in the shown order, then ``captured_data``: each
run's ``capture.data`` entries as JSON. Parquet is offered only with pyarrow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from support.pilot import search_for
from textual.widgets import Button, Checkbox, DataTable, Input, OptionList, RadioButton, Static

import metalab
from tui.browser import BrowserApp
from tui.browser.messages import ScopeChanged, StateChanged
from tui.browser.run_detail import RunDetailScreen
from tui.browser.runs import export_dialog as export_module
from tui.browser.runs.export_dialog import ExportDialog
from tui.browser.search_dialog import SearchScreen
from tui.widgets.grid import VirtualGrid

SIZE = (160, 48)


# -- search ------------------------------------------------------------------------------------


def listed(screen: SearchScreen) -> list[str]:
    options = screen.query_one("#search-results", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def log_files_with(root: Path, needle: str) -> set[str]:
    return {
        p.name.split("_", 1)[0]
        for p in root.rglob("logs/*.log")
        if needle.lower() in p.read_text(encoding="utf-8").lower()
    }


async def test_search_groups_values_and_log_lines(small_tree: Path, wait_until: Any) -> None:
    runs = metalab.load_results(small_tree)
    adam = [r for r in runs if r.params.get("optimizer") == "adam"]
    logged = log_files_with(small_tree, "optimizer=adam")
    assert logged
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await search_for(pilot, "optimizer=adam", wait_until)
        assert screen.results is not None
        # "optimizer=adam" is no param value; only log lines hold it
        assert {h.run_id for h in screen.log_hits} == logged
        assert all("optimizer=adam" in h.text for h in screen.log_hits)
        lines = listed(screen)
        assert lines[0].startswith("Logs")
        assert lines[0].endswith(str(len(logged)))

        screen.query_one("#search-input", Input).value = "adam"
        await wait_until(pilot, lambda: screen.query_text == "adam" and screen.logs_done
                         and screen.results is not None, timeout=10)  # fmt: skip
        await pilot.pause()
        values = screen.results.hits["param_value"]
        assert [h.text for h in values] == [f"optimizer = adam  ({len(adam)} runs)"]
        assert listed(screen)[0] == "Parameter values  1"
        status = str(screen.query_one("#search-status", Static).content)
        assert status.startswith(f"{1 + len(screen.log_hits)} hits")

        # enter on the first hit (the value) filters the runs to it
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen)
                         and app.screen.query_one("TabbedContent").active == "runs",
                         timeout=5, what="the runs tab")  # fmt: skip
        assert [c.label for c in app.screen.state.conditions] == ["optimizer=adam"]
        table = app.screen.query_one("#runs-table", VirtualGrid)
        assert table.row_count == len(adam)


async def test_search_a_run_id_opens_the_run(small_tree: Path, wait_until: Any) -> None:
    run = sorted(metalab.load_results(small_tree / "toy_1"), key=lambda r: r.run_id)[3]
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await search_for(pilot, run.run_id[:6], wait_until)
        assert screen.results is not None
        hits = screen.results.hits["run"]
        assert [h.run_id for h in hits] == [run.run_id]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen), timeout=5)
        assert app.screen.run_id == run.run_id


async def test_search_a_metric_name_filters_to_runs_having_it(
    small_tree: Path, wait_until: Any
) -> None:
    runs = metalab.load_results(small_tree / "toy_1")
    having = [r for r in runs if "final_loss" in r.metrics]
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pilot.app.screen.post_message(ScopeChanged("toy:1"))
        await pilot.pause()
        screen = await search_for(pilot, "final_lo", wait_until)
        assert screen.results is not None
        (hit,) = screen.results.hits["metric_name"]
        assert hit.field == "metrics.final_loss"
        screen.query_one("#search-results", OptionList).highlighted = 1
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen)
                         and bool(app.screen.state.conditions), timeout=5)  # fmt: skip
        state = app.screen.state
        assert [c.describe() for c in state.conditions] == ["final_loss is present"]
        table = app.screen.query_one("#runs-table", VirtualGrid)
        assert table.row_count == len(having)


async def test_search_an_experiment_scopes_to_it(small_tree: Path, wait_until: Any) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await search_for(pilot, "random pro", wait_until)  # probe's description
        assert screen.results is not None
        (hit,) = screen.results.hits["experiment"]
        assert hit.experiment == "probe:2" and hit.text == "probe:2  (3 runs)"
        assert listed(screen)[:2] == ["Experiments  1", "  probe:2  (3 runs)   probe:2"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.state.experiment == "probe:2", timeout=5)
        await pilot.pause()
        assert app.screen.query_one("TabbedContent").active == "runs"
        assert app.screen.query_one("#runs-table", VirtualGrid).row_count == 3
        assert app.focused is app.screen.query_one("#runs-table")


async def test_search_needs_two_characters(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", "a")
        await pilot.pause(0.4)  # past the debounce: still nothing started
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        assert screen.results is None
        status = str(screen.query_one("#search-status", Static).content)
        assert status == "type at least 2 characters"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen)


async def test_typing_restarts_the_search_and_drops_old_results(
    small_tree: Path, wait_until: Any
) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", "s", "g", "d")  # three quick keys: one search, for "sgd"
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await wait_until(pilot, lambda: screen.logs_done, timeout=10)
        assert screen.query_text == "sgd"
        assert screen.results is not None and screen.results.query == "sgd"
        assert all("sgd" in h.text.lower() for h in screen.log_hits)


# -- export ------------------------------------------------------------------------------------


async def open_filtered_toy(pilot: Any) -> None:
    """Scope to toy, filter to its successful runs, sort by final_loss descending."""
    await pilot.pause()
    pilot.app.screen.post_message(ScopeChanged("toy:1"))
    await pilot.pause()
    await pilot.press("f")
    pilot.app.screen.query_one("#runs-filter", Input).value = "status=success lr<1"
    await pilot.press("enter")
    state = pilot.app.screen.state
    state.sort, state.descending = "metrics.final_loss", True
    pilot.app.screen.post_message(StateChanged("sort"))
    await pilot.pause()


async def open_export_dialog(pilot: Any) -> ExportDialog:
    """Press ``e`` in the runs tab; the export dialog it opens."""
    await pilot.press("e")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ExportDialog)
    return dialog


def captured(run: metalab.Run) -> str | None:
    """A run's capture.data entries (not its stepped metrics) as metalab reads them."""
    stepped = set(run.stepped_names())
    entries = {n: run.store.get_result(run.run_id, n) for n in run.list_data() if n not in stepped}
    return json.dumps(entries) if entries else None


def expected_frame(folder: Path) -> pd.DataFrame:
    """What the export should hold: to_dataframe(include_derived=True) of the same runs,
    in the same order, and their captured data."""
    results = metalab.load_results(folder)
    df = results.to_dataframe(include_derived=True)
    df["captured_data"] = [captured(run) for run in results]
    df = df[(df["status"] == "success") & (df["param_lr"] < 1)]
    return df.sort_values("final_loss", ascending=False, kind="stable").reset_index(drop=True)


def assert_same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for name in want.columns:
        a, b = got[name], want[name]
        if name in ("started_at", "finished_at"):
            same = pd.to_datetime(a, format="ISO8601") == pd.to_datetime(b, format="ISO8601")
            assert same.all(), name
        elif name == "captured_data":
            assert [json.loads(x) for x in a] == [json.loads(x) for x in b]
            assert all("grad_norms" in json.loads(x) for x in a)
        elif pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            assert np.allclose(a.astype(float), b.astype(float), equal_nan=True), name
        else:
            assert [str(x) for x in a] == [str(x) for x in b], name


async def test_export_writes_the_filtered_rows_as_csv(
    small_tree: Path, tmp_path: Path, wait_until: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "out" / "toy.csv"
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await open_filtered_toy(pilot)
        dialog = await open_export_dialog(pilot)
        path_box = dialog.query_one("#export-path", Input)
        default = Path(path_box.value)
        assert default.parent == tmp_path  # <cwd>/<export_filename(...)>
        assert default.name.startswith("toy_1_") and default.suffix == ".csv"
        n = len(expected_frame(small_tree / "toy_1"))
        assert f"Export {n} runs" in str(dialog.query_one("#export-title", Static).content)
        path_box.value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists, timeout=10, what="the CSV")
        await app.workers.wait_for_complete()
        await pilot.pause()
    got = pd.read_csv(target)
    want = expected_frame(small_tree / "toy_1")
    assert len(want) == 8  # lr 0.01 and 0.1, 2 optimizers, 2 replicates
    assert_same_frame(got, want)


async def test_export_can_write_only_the_selected_runs(
    small_tree: Path, tmp_path: Path, wait_until: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "chosen.csv"
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await open_filtered_toy(pilot)
        await pilot.press("x", "down", "down", "x")
        await pilot.pause()
        chosen = list(app.screen.state.selected)
        assert len(chosen) == 2
        dialog = await open_export_dialog(pilot)
        dialog.query_one("#export-selected", Checkbox).value = True
        dialog.query_one("#export-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await wait_until(pilot, target.exists, timeout=10, what="the CSV")
        await app.workers.wait_for_complete()
    got = pd.read_csv(target)
    assert sorted(got["run_id"]) == sorted(chosen)
    want = expected_frame(small_tree / "toy_1")
    assert list(got.columns) == list(want.columns)
    assert list(got.columns)[-1] == "captured_data"


async def test_parquet_is_disabled_without_pyarrow(
    small_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "parquet_available", lambda: False)
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await open_filtered_toy(pilot)
        dialog = await open_export_dialog(pilot)
        parquet = dialog.query_one("#export-parquet", RadioButton)
        assert parquet.disabled
        assert "needs pyarrow" in str(parquet.label)
        reason = str(dialog.query_one("#export-parquet-reason", Static).content)
        assert "pip install pyarrow" in reason
        await pilot.click("#export-cancel-button")
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog)


async def test_export_parquet_with_pyarrow(
    small_tree: Path, tmp_path: Path, wait_until: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    monkeypatch.chdir(tmp_path)
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await open_filtered_toy(pilot)
        dialog = await open_export_dialog(pilot)
        await pilot.click("#export-parquet")
        await pilot.pause()
        path = Path(dialog.query_one("#export-path", Input).value)
        assert path.suffix == ".parquet" and path.parent == tmp_path
        await pilot.click("#export-button")
        await wait_until(pilot, path.exists, timeout=10, what="the Parquet file")
        await app.workers.wait_for_complete()
    table = pq.read_table(path)
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    assert meta["experiment_id"] == "toy:1"
    assert meta["total_runs"] == "12"
    got = table.to_pandas()
    assert pd.api.types.is_datetime64_any_dtype(got["started_at"])  # timestamps, not text
    assert_same_frame(got, expected_frame(small_tree / "toy_1"))


async def test_export_cancel_and_notification(
    small_tree: Path, tmp_path: Path, wait_until: Any
) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await open_filtered_toy(pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog)
        assert not list(tmp_path.glob("*.csv"))
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = str(tmp_path / "x.csv")
        await pilot.click("#export-button")
        await wait_until(pilot, (tmp_path / "x.csv").exists, timeout=10)
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any(m == f"exported 8 runs to {tmp_path / 'x.csv'}" for m in messages), messages
        assert isinstance(app.screen.query_one("#runs-pills Button", Button), Button)


async def test_e_on_the_experiments_tab_exports_the_whole_experiment(
    small_tree: Path, tmp_path: Path, wait_until: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "toy_all.csv"
    want = metalab.load_results(small_tree / "toy_1").to_dataframe(include_derived=True)
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await open_filtered_toy(pilot)  # a filter and a sort on the runs tab first
        await pilot.press("1")
        await pilot.pause()
        table = app.screen.query_one("#experiments-table", DataTable)
        names = [table.get_row_at(i)[1].plain for i in range(table.row_count)]
        table.move_cursor(row=next(i for i, n in enumerate(names) if "toy" in n))
        await pilot.pause()
        dialog = await open_export_dialog(pilot)
        title = str(dialog.query_one("#export-title", Static).content)
        assert f"Export {len(want)} runs" in title
        assert app.screen_stack[-2].state.conditions == []  # the filter no longer applies
        dialog.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists, timeout=10, what="the CSV")
        await app.workers.wait_for_complete()
        await pilot.pause()
    got = pd.read_csv(target)
    assert list(got.columns) == [*want.columns, "captured_data"]
    assert sorted(got["run_id"]) == sorted(want["run_id"])
