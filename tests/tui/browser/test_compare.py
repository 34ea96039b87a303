"""The compare tab: differing rows marked, deltas against the baseline, the ``d`` toggle,
the ``b`` key and the overlaid curves (pilot tests on a tree written by metalab)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import _trees
import numpy as np
import pytest
from rich.text import Text
from textual.widgets import DataTable

import metalab
from metalab.index import RunRow
from tui.browser.app import BrowserApp, BrowserScreen
from tui.browser.compare.artifact_preview import ArtifactPreviewScreen
from tui.browser.compare.tab import HINT, ComparePane, build_compare
from tui.browser.messages import StateChanged
from tui.widgets.curve_plot import CurvePlot

SIZE = (160, 48)
DELTA = re.compile(r"\(([+-][^)]*)\)$")


@pytest.fixture(scope="session")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The moved probe collection (artifact uris point nowhere), shared by the module's
    tests: they only read it (the index's cache file is written atomically)."""
    return _trees.build_probe_tree(tmp_path_factory.mktemp("probe"))


def _runs(root: Path, *picks: tuple[float, int, int]) -> list[metalab.Run]:
    """Runs by (lr, width, replicate), in that order."""
    results = metalab.load_results(root / "probe_1")
    out = []
    for lr, width, rep in picks:
        out.append(
            next(
                r
                for r in results
                if (r.params["lr"], r.params["width"], r.replicate) == (lr, width, rep)
            )
        )
    return out


def _expected_rows(runs: list[metalab.Run]) -> dict[str, list[Any]]:
    """Every compare row key with its values, computed from the records."""
    rows: dict[str, list[Any]] = {"status": [str(r.status) for r in runs]}
    for group, get in (("params", lambda r: r.params), ("metrics", lambda r: r.metrics)):
        for name in sorted({k for r in runs for k in get(r)}):
            rows[f"{group}.{name}"] = [get(r).get(name) for r in runs]
    rows["timing.duration"] = [r.duration_ms for r in runs]
    for name in sorted({a.name for r in runs for a in r.artifacts()}):
        rows[f"artifact.{name}"] = [
            True if any(a.name == name for a in r.artifacts()) else None for r in runs
        ]
    return rows


def _differs(values: list[Any]) -> bool:
    first = values[0]
    return any(type(v) is not type(first) or v != first for v in values[1:])


async def _compare(pilot, run_ids: list[str], wait_until) -> ComparePane:
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
    screen = app.screen
    screen.state.selected = list(run_ids)
    screen.post_message(StateChanged("selection"))
    await pilot.press("4")
    pane = screen.query_one(ComparePane)
    await wait_until(pilot, lambda: pane.model is not None and pane.curve_series is not None)
    await app.workers.wait_for_complete()
    await pilot.pause(0.2)
    return pane


def _table_rows(pane: ComparePane) -> dict[str, list[Any]]:
    table = pane.query_one("#compare-table", DataTable)
    return {
        str(key.value): table.get_row(key)
        for key in table.rows
        if not str(key.value).startswith("section.")
    }


async def test_hint_when_no_runs_are_selected(probe: Path, wait_until):
    app = BrowserApp(probe)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await pilot.press("4")
        await pilot.pause()
        pane = app.screen.query_one(ComparePane)
        hint = pane.query_one("#compare-hint")
        assert hint.display and "select runs with x in the Runs tab" in HINT
        assert not pane.query_one("#compare-table").display


async def test_differing_rows_and_deltas_against_the_baseline(probe: Path, wait_until):
    runs = _runs(probe, (0.01, 8, 0), (0.1, 8, 0), (0.1, 16, 1), (1.0, 8, 0))
    ids = [r.run_id for r in runs]
    expected = _expected_rows(runs)
    differing = sorted(k for k, v in expected.items() if _differs(v))
    app = BrowserApp(probe)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _compare(pilot, ids, wait_until)
        model = pane.model
        assert [r.run_id for r in model.runs] == ids
        assert sorted(r.key for r in model.rows) == sorted(expected)
        assert sorted(model.differing) == differing
        assert "params.lr" in differing and "metrics.label" in differing  # a string differs too
        shown = _table_rows(pane)
        assert list(shown) == [r.key for r in model.rows]
        for key, cells in shown.items():
            marked = str(cells[0]).startswith("≠")
            assert marked == (key in differing), key

        # deltas against the baseline (the first run selected), numbers only
        theme = app.theme_variables
        for key, values in expected.items():
            base = values[0]
            for j in range(1, len(ids)):
                cell: Text = shown[key][j + 1]
                v = values[j]
                numeric = all(
                    isinstance(x, int | float) and not isinstance(x, bool) for x in (v, base)
                )
                match = DELTA.search(cell.plain)
                if not numeric or v == base:
                    assert match is None, (key, cell.plain)
                    assert model.row(key).deltas[j] is None
                    continue
                assert model.row(key).deltas[j] == pytest.approx(v - base)
                if key != "timing.duration":
                    assert float(match.group(1)) == pytest.approx(v - base, rel=1e-3)
                if key.startswith("metrics."):
                    lower = any(w in key for w in ("loss", "error", "time"))
                    better = (v < base) if lower else (v > base)
                    colour = theme["success"] if better else theme["error"]
                    assert any(colour in str(span.style) for span in cell.spans), (key, j)
                # a cell that differs from the baseline's is highlighted
            for j in range(1, len(ids)):
                cell = shown[key][j + 1]
                styled = any("underline" in str(span.style) for span in cell.spans)
                assert styled == _differs([values[0], values[j]]), (key, j)

        # b on the third run's column makes it the baseline
        table = pane.query_one("#compare-table", DataTable)
        assert app.focused is table
        table.move_cursor(row=3, column=3)
        await pilot.press("b")
        await pilot.pause()
        assert app.screen.state.baseline == ids[2]
        assert pane.model.baseline == 2
        loss = expected["metrics.final_loss"]
        assert pane.model.row("metrics.final_loss").deltas[0] == pytest.approx(loss[0] - loss[2])
        assert str(table.ordered_columns[3].label).startswith("★")


async def test_d_shows_only_the_rows_that_differ(probe: Path, wait_until):
    runs = _runs(probe, (0.1, 8, 0), (0.1, 8, 1), (0.1, 16, 0))
    expected = _expected_rows(runs)
    differing = [k for k, v in expected.items() if _differs(v)]
    same = [k for k, v in expected.items() if not _differs(v)]
    assert "params.lr" in same and "artifact.history" in same and "params.width" in differing
    app = BrowserApp(probe)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _compare(pilot, [r.run_id for r in runs], wait_until)
        assert set(_table_rows(pane)) == set(expected)
        await pilot.press("d")
        await pilot.pause()
        assert pane.only_differing
        assert sorted(_table_rows(pane)) == sorted(differing)
        table = pane.query_one("#compare-table", DataTable)
        sections = [str(k.value) for k in table.rows if str(k.value).startswith("section.")]
        assert "section.Artifacts" not in sections  # every run saved the same artifacts
        await pilot.press("d")
        await pilot.pause()
        assert set(_table_rows(pane)) == set(expected)


async def test_curves_of_the_selected_runs_are_overlaid(probe: Path, wait_until):
    runs = _runs(probe, (0.01, 8, 0), (0.1, 16, 0), (1.0, 16, 1))
    app = BrowserApp(probe)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _compare(pilot, [r.run_id for r in runs], wait_until)
        plot = pane.query_one("#compare-curves", CurvePlot)
        await wait_until(pilot, lambda: plot.series_count == len(runs), what="overlaid curves")
        assert pane.curve_source == ("stepped", "acc")  # the first stepped metric they share
        for series, run in zip(pane.curve_series, runs, strict=True):
            assert series.key == run.run_id
            np.testing.assert_array_equal(series.y, run.stepped("acc")[1])
        # the failed run saved no artifacts: only the two stepped metrics are common
        assert pane.curve_options == [("stepped", "acc"), ("stepped", "loss")]
        await pilot.press("c")
        await wait_until(
            pilot,
            lambda: pane.curve_source == ("stepped", "loss") and plot.series_count == 3,
            what="loss curves",
        )
        np.testing.assert_array_equal(pane.curve_series[2].y, runs[2].stepped("loss")[1])


async def test_a_common_1d_artifact_can_be_overlaid(probe: Path, wait_until):
    runs = _runs(probe, (0.01, 8, 0), (0.1, 16, 0))
    app = BrowserApp(probe)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _compare(pilot, [r.run_id for r in runs], wait_until)
        # 2-D arrays and dicts of arrays are not curves: only history qualifies
        assert pane.curve_options == [
            ("stepped", "acc"),
            ("stepped", "loss"),
            ("artifact", "history"),
        ]
        for _ in range(2):
            await pilot.press("c")
            await app.workers.wait_for_complete()
        plot = pane.query_one("#compare-curves", CurvePlot)
        await wait_until(
            pilot,
            lambda: pane.curve_source == ("artifact", "history") and plot.series_count == 2,
            what="history curves",
        )
        for series, run in zip(pane.curve_series, runs, strict=True):
            np.testing.assert_array_equal(series.y, run.artifact("history"))
            np.testing.assert_array_equal(series.x, np.arange(_trees.PROBE_STEPS))


def test_build_compare_treats_missing_bools_and_strings_as_values():
    def row(run_id: str, **metrics: Any) -> RunRow:
        return RunRow(
            run_id=run_id,
            experiment_id="x:1",
            status="success",
            params={"opt": metrics.pop("opt")},
            metrics=metrics,
        )

    runs = [
        row("a" * 16, opt="adam", loss=1.0, ok=True),
        row("b" * 16, opt="adam", loss=0.5, ok=1),
        row("c" * 16, opt="sgd", ok=True),
    ]
    model = build_compare(runs, baseline="b" * 16)
    assert model.baseline == 1
    assert model.row("params.opt").differs and model.key_params == ["opt"]
    assert model.row("metrics.ok").differs  # True is not 1 here
    loss = model.row("metrics.loss")
    assert loss.differs and loss.deltas == [0.5, None, None]
    assert loss.better == [False, None, None]  # a higher loss is worse
    assert not model.row("status").differs
    with pytest.raises(KeyError):
        model.row("experiment")  # shown only when the runs come from several experiments
    other = RunRow(run_id="d" * 16, experiment_id="y:2", status="failed", params={"opt": "sgd"})
    model = build_compare([*runs, other])
    assert model.row("experiment").values == ["x:1", "x:1", "x:1", "y:2"]
    assert model.row("status").differs and model.row("metrics.loss").values[3] is None


@pytest.mark.parametrize(("name", "mode"), [("history", "curve"), ("weights", "matrix")])
async def test_enter_on_an_artifact_cell_previews_that_runs_artifact(
    small_tree: Path, wait_until: Any, name: str, mode: str
) -> None:
    runs = sorted(
        (r for r in metalab.load_results(small_tree / "toy_1") if str(r.status) == "success"),
        key=lambda r: r.run_id,
    )[:2]
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _compare(pilot, [r.run_id for r in runs], wait_until)
        table = pane.query_one("#compare-table", DataTable)
        row = table.get_row_index(f"artifact.{name}")
        column = table.get_column_index(runs[1].run_id)
        table.move_cursor(row=row, column=column)
        table.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ArtifactPreviewScreen),
                         what="the preview")  # fmt: skip
        preview = app.screen
        await wait_until(pilot, lambda: preview.loaded is not None, what="the artifact")
        await pilot.pause()
        assert preview.run_id == runs[1].run_id
        assert np.allclose(preview.loaded, np.asarray(runs[1].artifact(name)))
        assert preview.view.mode == mode
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)
