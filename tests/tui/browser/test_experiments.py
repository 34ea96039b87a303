"""The experiments tab, driven by the pilot: the list's rows and counts (checked against
counts made from the records), sorting with ``s``/``S``, filtering by typing, Enter
scoping the browser to an experiment, ``a`` widening it again, and the detail below
the list for each kind of parameter source (grid, random, manual).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Static

import metalab
from metalab.index.experiment_filter import filter_experiments, parse_experiment_filter
from tui.browser import BrowserApp
from tui.browser.experiments.overview import describe_distribution, describe_params
from tui.browser.experiments.tab import EXPERIMENT_COLUMNS, ExperimentsPane
from tui.widgets.grid import VirtualGrid

SIZE = (160, 48)


def table(app: BrowserApp) -> DataTable[Any]:
    return app.screen.query_one("#experiments-table", DataTable)


def rows(app: BrowserApp) -> list[list[str]]:
    t = table(app)
    return [[c.plain for c in t.get_row_at(i)] for i in range(t.row_count)]


def headers(app: BrowserApp) -> list[str]:
    return [c.label.plain for c in table(app).ordered_columns]


def names(app: BrowserApp) -> list[str]:
    return [r[1].split(" ", 1)[1] for r in rows(app)]


def detail(app: BrowserApp) -> str:
    parts = ("#experiments-headline", "#experiments-info", "#experiments-provenance")
    return "\n".join(str(app.screen.query_one(p, Static).content) for p in parts)


def expected_counts(root: Path) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for run in metalab.load_results(root):
        out.setdefault(run.record.experiment_id, Counter())[run.status] += 1
    return out


def latest_started(root: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    for run in metalab.load_results(root):
        ts = _dt.datetime.fromisoformat(str(run.record.started_at)).timestamp()
        eid = run.record.experiment_id
        out[eid] = max(out.get(eid, ts), ts)
    return out


async def test_lists_every_experiment_with_counts(
    small_tree: Path, fixed_clock: Any, small_tree_info: Any
) -> None:
    counts = expected_counts(small_tree)
    latest = latest_started(small_tree)
    app = BrowserApp(small_tree, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.query_one("TabbedContent").active == "experiments"
        assert headers(app) == ["", *(h for _, h in EXPERIMENT_COLUMNS[:-1]), "latest run ▼"]
        by_name = {r[1].split(" ", 1)[1]: r for r in rows(app)}
        assert set(by_name) == {"toy", "probe"}
        for name, eid in (("toy", small_tree_info.TOY_ID), ("probe", small_tree_info.PROBE_ID)):
            row = by_name[name]
            c = counts[eid]
            total = sum(c.values())
            assert row[1] == f"⚠ {name}"  # both have failures
            assert row[3] == eid.split(":")[1]
            assert row[4] == "complete with failures"
            assert row[5:11] == [str(total), str(c["success"]), str(c["failed"]), "0", "0", "0"]
            assert row[11] == "██████████ 100%"
            minutes = int((small_tree_info.FIXED_NOW - latest[eid]) // 60)
            assert row[12] == (f"{minutes}m ago" if minutes < 60 else f"{minutes // 60}h ago")
        # newest first (the default sort): probe ran after toy
        assert names(app) == ["probe", "toy"]
        count = str(app.screen.query_one("#experiments-count", Static).content)
        assert count == "2 experiments"


async def test_s_cycles_the_sort_column_and_S_reverses(small_tree: Path) -> None:
    counts = expected_counts(small_tree)
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(ExperimentsPane)
        await pilot.press("s")  # wraps around to the first column: name
        await pilot.pause()
        assert pane.sort_label == "name ▲"
        assert names(app) == ["probe", "toy"]
        assert headers(app)[1] == "name ▲"
        await pilot.press("S")
        await pilot.pause()
        assert names(app) == ["toy", "probe"]
        assert headers(app)[1] == "name ▼"
        for _ in range(4):  # name -> tags -> version -> state -> total
            await pilot.press("s")
        await pilot.pause()
        assert pane.sort_label == "total ▲"
        totals = {"toy": sum(counts["toy:1"].values()), "probe": sum(counts["probe:2"].values())}
        assert names(app) == sorted(totals, key=totals.__getitem__)
        await pilot.press("S")
        await pilot.pause()
        assert names(app) == sorted(totals, key=totals.__getitem__, reverse=True)


async def test_filter_by_name_tag_and_state(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f", *"prob")  # typed key by key
        await pilot.pause()
        assert names(app) == ["probe"]
        assert str(app.screen.query_one("#experiments-count", Static).content) == (
            "1 of 2 experiments"
        )
        box = app.screen.query_one("#experiments-filter", Input)
        box.value = "tests"  # a tag of toy
        await pilot.pause()
        assert names(app) == ["toy"]
        box.value = "failures"  # a state
        await pilot.pause()
        assert sorted(names(app)) == ["probe", "toy"]
        box.value = "in progress"
        await pilot.pause()
        assert names(app) == []
        assert "No experiments match the filter." in detail(app)
        box.value = ""
        await pilot.press("enter")  # back to the list
        await pilot.pause()
        assert app.focused is table(app)
        assert len(rows(app)) == 2


def test_plain_words_must_each_match_the_id_name_tags_or_state() -> None:
    class S:
        def __init__(self, key: str, tags: tuple[str, ...], state: str) -> None:
            self.key = self.experiment_id = key
            self.name = key.split(":")[0]
            self.tags = tags
            self.state = state

    sums: Any = [S("toy:1", ("a",), "complete"), S("big:2", ("a", "b"), "in progress")]

    def keep(text: str) -> list[int]:
        return filter_experiments(sums, parse_experiment_filter(text), lambda s: None)

    assert keep("") == [0, 1]
    assert keep("A") == [0, 1]
    assert keep("b progress") == [1]
    assert keep("toy progress") == []


async def test_enter_scopes_the_browser_and_a_widens_it(small_tree: Path) -> None:
    counts = expected_counts(small_tree)
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert names(app) == ["probe", "toy"]
        await pilot.press("down", "enter")
        await pilot.pause()
        state = app.screen.state
        assert state.experiment == "toy:1"
        assert app.screen.query_one("TabbedContent").active == "runs"
        runs = app.screen.query_one("#runs-table", VirtualGrid)
        assert runs.row_count == sum(counts["toy:1"].values())
        await pilot.press("1")
        await pilot.pause()
        assert app.focused is table(app)
        assert rows(app)[1][0] == "▶"  # the scope mark
        assert table(app).cursor_row == 1
        await pilot.press("a")
        await pilot.pause()
        assert state.experiment is None
        assert runs.row_count == sum(sum(c.values()) for c in counts.values())


async def test_detail_of_a_grid_experiment(small_tree: Path) -> None:
    folder = small_tree / "toy_1"
    (manifest_file,) = (folder / "experiments").glob("*.json")
    manifest = json.loads(manifest_file.read_text())
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down")  # toy
        await pilot.pause()
        text = detail(app)
        assert "toy  v1   toy:1" in text
        assert "Complete with failures   12/12 done" in text
        assert "10 success · 2 failed · 0 running · 0 cancelled · failure rate 17%" in text
        assert "a toy sweep for the browser tests" in text
        assert "tags  toy   tests " in text  # chips
        assert "Parameters (grid)" in text
        assert "lr         0.01, 0.1, 1" in text
        assert "optimizer  adam, sgd" in text
        assert "6 combinations" in text
        assert "base 7, 2 replicates" in text
        assert "6 param cases × 2 seeds = 12 runs" in text
        assert f"train  ({manifest['operation']['ref']})" in text
        assert f"Code hash {manifest['operation']['code_hash']}" in text
        assert "History  (1 manifest)" in text
        assert manifest_file.name in text
        # metrics with coverage: the failed runs have none
        assert "final_loss  10/12" in text
        losses = [r.metrics["final_loss"] for r in metalab.load_results(folder)
                  if "final_loss" in r.metrics]  # fmt: skip
        assert f"{min(losses):.4f} → {max(losses):.4f}" in text


async def test_detail_of_a_random_experiment(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = detail(app)  # probe is first
        assert "Parameters (random)" in text
        assert "alpha  Uniform(0, 1)" in text
        assert "depth  IntUniform(1, 3)" in text
        assert "3 trials, seed 11" in text
        assert "3 trials × 1 seed = 3 runs" in text


async def test_detail_of_a_manual_reference_experiment(reference_tree: Path) -> None:
    app = BrowserApp(reference_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        assert names(app) == ["ref_sweep"]
        assert rows(app)[0][0] == "▶"  # one experiment: in scope from the start
        text = detail(app)
        assert "Parameters (manual)" in text
        assert "3 manually specified cases" in text
        assert "lr         0.1, 0.01, 1" in text
        assert "base 5, 2 replicates" in text
        assert "History  (1 manifest)" in text


def test_describe_params_for_each_source() -> None:
    heading, rows_, footer = describe_params(
        {"type": "GridSource", "spec": {"a": [1, 2], "b": ["x"]}, "total_cases": 2}
    )
    assert (heading, rows_, footer) == ("Parameters (grid)", [("a", "1, 2"), ("b", "x")],
                                        "2 combinations")  # fmt: skip
    heading, rows_, footer = describe_params({"type": "RandomSource", "n_trials": 5, "seed": 2,
        "space": {"lr": {"type": "loguniform", "low": 0.001, "high": 1},
                  "opt": {"type": "choice", "options": ["adam", "sgd"]},
                  "n": {"type": "loguniform_int", "low": 1, "high": 64}}})  # fmt: skip
    assert rows_ == [("lr", "LogUniform(0.001, 1)"), ("opt", "Choice([adam, sgd])"),
                     ("n", "LogUniformInt(1, 64)")]  # fmt: skip
    assert footer == "5 trials, seed 2"
    assert describe_params({"type": "ManualSource", "cases": [{"a": 1}, {"a": 2, "b": 3}],
                            "total_cases": 2})[2] == "2 manually specified cases"  # fmt: skip
    assert describe_params({"type": "MySource", "total_cases": 4, "note": "x"}) == (
        "Parameters (MySource)",
        [("note", "x")],
        "4 cases",
    )
    assert describe_params(None)[2] == "not recorded in the manifest"
    assert describe_distribution({"type": "uniform", "low": 0, "high": 1.5}) == "Uniform(0, 1.5)"
