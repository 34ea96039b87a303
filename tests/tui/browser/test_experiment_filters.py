"""The experiments tab's filter pills, tags and drill-downs, as atlas offers them: the
filter language (words, ``tag:``, ``state:``, ``has_param:``-style terms) turned into
removable pills, ``t`` and clickable tag chips, the tags column, counts by status that
open the runs of that status, a distribution bar (picked with ``<``/``>`` and ``o``, or
clicked) that opens its runs, and ``[``/``]`` paging.

Expectations come from the records (``metalab.load_results``) and plain numpy, never
from the browser's own data layer.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from support.pilot import search_for
from textual.widgets import DataTable, Static

import metalab
from metalab.index.experiment_filter import (
    ExperimentFields,
    ExperimentTerm,
    FilterSyntaxError,
    filter_experiments,
    parse_experiment_filter,
)
from tui.browser import BrowserApp
from tui.browser.experiments.detail import DistributionView
from tui.browser.experiments.tab import ExperimentsPane
from tui.browser.pills import PillBar
from tui.browser.run_detail import RunDetailScreen
from tui.browser.runs.tab import RunsPane
from tui.browser.search_dialog import EXPERIMENTS_FILTER, SearchScreen
from tui.widgets.scalar_plot import ScalarPlot

SIZE = (160, 60)
T = ExperimentTerm


# -- helpers -----------------------------------------------------------------------------------


def exp_pane(app: BrowserApp) -> ExperimentsPane:
    return app.screen.query_one(ExperimentsPane)


def names(app: BrowserApp) -> list[str]:
    t = app.screen.query_one("#experiments-table", DataTable)
    return [t.get_row_at(i)[1].plain.split(" ", 1)[1] for i in range(t.row_count)]


def pills(app: BrowserApp) -> list[str]:
    return app.screen.query_one("#experiments-pills", PillBar).labels


def headline(app: BrowserApp) -> str:
    return str(app.screen.query_one("#experiments-headline", Static).content)


async def highlight(app: BrowserApp, pilot: Any, name: str) -> None:
    """Put the list's cursor on experiment ``name``."""
    t = app.screen.query_one("#experiments-table", DataTable)
    t.move_cursor(row=names(app).index(name))
    await pilot.pause()


async def type_filter(pilot: Any, text: str, *, enter: bool = True) -> None:
    await pilot.press("f", *text, *(["enter"] if enter else []))
    await pilot.pause()


def offset_of(text: str, needle: str) -> tuple[int, int]:
    """(column, line) of ``needle`` in a widget's plain text."""
    for y, line in enumerate(text.split("\n")):
        if needle in line:
            return line.index(needle), y
    raise AssertionError(f"{needle!r} not in {text!r}")


# -- the filter language -----------------------------------------------------------------------


def test_terms_are_parsed_by_key_and_ids_stay_words() -> None:
    text = 'fit tag:Vision state:in-progress has_metric=loss "deep nets" curve_fit:0.1'
    assert parse_experiment_filter(text) == [
        T("text", "fit"),
        T("tag", "vision"),
        T("state", "in progress"),
        T("has_metric", "loss"),
        T("text", "deep nets"),
        T("text", "curve_fit:0.1"),
    ]
    for term in parse_experiment_filter(text):  # a pill's text parses back to itself
        assert parse_experiment_filter(term.text) == [term]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("has_metrc:loss", "unknown filter key 'has_metrc'"),
        ("colour=red", "unknown filter key 'colour'"),
        ("tag:", "needs a value"),
        ('tag:"open', "close the quote"),
    ],
)
def test_bad_terms_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(FilterSyntaxError, match=message):
        parse_experiment_filter(text)


def test_tags_match_any_and_other_terms_all() -> None:
    def summary(key: str, tags: tuple[str, ...], state: str) -> Any:
        return SimpleNamespace(key=key, experiment_id=key, name=key.split(":")[0], tags=tags,
                               state=state)  # fmt: skip

    sums = [
        summary("a:1", ("vision",), "complete"),
        summary("b:1", ("nlp",), "in progress with failures"),
        summary("c:1", ("vision", "nlp"), "in progress"),
    ]
    fields = {
        "a:1": ExperimentFields(params=frozenset({"learning_rate"}), artifacts=frozenset({"w"})),
        "b:1": ExperimentFields(metrics=frozenset({"final_loss"})),
        "c:1": ExperimentFields(derived=frozenset({"auc"}), tags=frozenset({"gpu"})),
    }

    def keep(text: str) -> list[str]:
        terms = parse_experiment_filter(text)
        return [sums[i].key for i in filter_experiments(sums, terms, lambda s: fields[s.key])]

    assert keep("tag:vision") == ["a:1", "c:1"]
    assert keep("tag:vision tag:nlp") == ["a:1", "b:1", "c:1"]  # any tag
    assert keep("tag:vision state:in-progress") == ["c:1"]  # and the rest
    assert keep("state:failures") == ["b:1"]
    assert keep("has_param:rate") == ["a:1"]
    assert keep("has_metric:loss") == ["b:1"]
    assert keep("has_derived:AUC") == ["c:1"]
    assert keep("has_artifact:w") == ["a:1"]
    assert keep("has_tag:gpu") == ["c:1"]
    assert keep("has:loss") == ["b:1"]
    assert keep("has_param:loss") == []


# -- pills, tags and has_* in the app ----------------------------------------------------------


async def test_enter_turns_the_filter_into_pills_that_clicks_remove(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert sorted(names(app)) == ["probe", "toy"]
        assert pills(app) == []
        await type_filter(pilot, "tag:tests")
        assert names(app) == ["toy"]
        assert pills(app) == ["tag: tests ✕"]
        assert app.focused is app.screen.query_one("#experiments-table")
        assert str(app.screen.query_one("#experiments-filter").value) == ""
        await type_filter(pilot, "tag:probe")  # tags: any of them
        assert sorted(names(app)) == ["probe", "toy"]
        assert pills(app) == ["tag: tests ✕", "tag: probe ✕", "clear all ✕"]
        await pilot.click("#experiments-pills Button")  # the first pill
        await pilot.pause()
        assert pills(app) == ["tag: probe ✕"]
        assert names(app) == ["probe"]
        await pilot.press("f", "backspace")  # in an empty box: the last pill goes
        await pilot.pause()
        assert pills(app) == []
        assert sorted(names(app)) == ["probe", "toy"]


async def test_has_field_terms_filter_by_what_experiments_hold(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        box = app.screen.query_one("#experiments-filter")
        for text, expected in [
            ("has_param:optimizer", ["toy"]),
            ("has_param:alpha", ["probe"]),
            ("has_metric:score", ["probe"]),
            ("has_artifact:weights", ["toy"]),
            ("has:loss", ["toy"]),
            ("has_param:nothing_like_it", []),
        ]:
            box.value = text  # applied as typed, before enter
            await pilot.pause()
            assert names(app) == expected, text
        assert "No experiments match the filter." in headline(app)
        box.value = "has_parm:lr"
        box.focus()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        error = str(app.screen.query_one("#experiments-filter-error", Static).content)
        assert "unknown filter key 'has_parm'" in error
        assert pills(app) == []


async def test_tags_column_t_and_tag_chips(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = app.screen.query_one("#experiments-table", DataTable)
        tags = {names(app)[i]: t.get_row_at(i)[2].plain for i in range(t.row_count)}
        assert tags == {"toy": "toy · tests", "probe": "probe"}
        await highlight(app, pilot, "toy")
        await pilot.press("t")  # the experiment's first tag
        await pilot.pause()
        assert pills(app) == ["tag: toy ✕"]
        await pilot.press("t")  # then its next one
        await pilot.pause()
        assert pills(app) == ["tag: toy ✕", "tag: tests ✕", "clear all ✕"]
        await pilot.press("F")
        await pilot.pause()
        assert pills(app) == []
        await highlight(app, pilot, "probe")
        x, y = offset_of(headline(app), " probe ")  # the chip
        await pilot.click("#experiments-headline", offset=(x + 2, y))
        await pilot.pause()
        assert pills(app) == ["tag: probe ✕"]
        assert names(app) == ["probe"]


async def test_a_count_by_status_opens_the_runs_of_that_status(
    small_tree: Path, small_tree_info: Any
) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await highlight(app, pilot, "toy")
        x, y = offset_of(headline(app), f"{small_tree_info.TOY_FAILED} failed")
        await pilot.click("#experiments-headline", offset=(x, y))
        await pilot.pause()
        assert app.screen.query_one("TabbedContent").active == "runs"
        assert app.screen.query_one(RunsPane).state.experiment == small_tree_info.TOY_ID
        runs = app.screen.query_one(RunsPane)
        failed = {r.run_id for r in metalab.load_results(small_tree / "toy_1")
                  if r.status == "failed"}  # fmt: skip
        assert set(runs.order_ids.tolist()) == failed
        assert len(failed) == small_tree_info.TOY_FAILED


async def test_brackets_page_through_the_list(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = app.screen.query_one("#experiments-table", DataTable)
        assert t.cursor_row == 0
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert t.cursor_row == t.row_count - 1
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert t.cursor_row == 0


# -- the distribution's bars lead to their runs ------------------------------------------------


def expected_bins(folder: Path, field: str, bins: int) -> list[set[str]]:
    """The run ids in each of ``bins`` equal bins from min to max of ``field``."""
    runs = [r for r in metalab.load_results(folder) if isinstance(r.metrics.get(field), float)]
    values = np.array([r.metrics[field] for r in runs])
    edges = np.linspace(values.min(), values.max(), bins + 1)
    out: list[set[str]] = [set() for _ in range(bins)]
    for run, v in zip(runs, values, strict=True):
        b = min(int(np.searchsorted(edges, v, side="right")) - 1, bins - 1)
        out[b].add(run.run_id)
    return out


async def toy_distribution(
    app: BrowserApp, pilot: Any, tree: Path
) -> tuple[DistributionView, list[set[str]]]:
    """Highlight toy; its distribution view and, computed here, the runs in each bin."""
    await pilot.pause()
    await highlight(app, pilot, "toy")
    view = app.screen.query_one(DistributionView)
    assert view.current is not None
    field = view.current.field.split(".", 1)[1]
    return view, expected_bins(tree / "toy_1", field, view.current.hist.bins)


async def test_angle_brackets_pick_a_bin_and_o_opens_its_runs(
    small_tree: Path, small_tree_info: Any
) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        view, bins = await toy_distribution(app, pilot, small_tree)
        assert [len(b) for b in bins] == view.current.counts.tolist()
        first = next(i for i, b in enumerate(bins) if b)
        last = max(i for i, b in enumerate(bins) if b)
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert view.chosen_bin == first
        footer = str(app.screen.query_one("#distribution-footer", Static).content)
        assert f"bin {first + 1} of {len(bins)}" in footer
        assert f"{len(bins[first])} run" in footer
        series = app.screen.query_one("#distribution-plot", ScalarPlot).chart.series
        assert [s.label for s in series] == ["other bins", f"bin {first + 1}"]
        await pilot.press("less_than_sign")  # wraps to the last bin with runs
        await pilot.pause()
        assert view.chosen_bin == last
        await pilot.press("o")
        await pilot.pause()
        if len(bins[last]) == 1:
            assert isinstance(app.screen, RunDetailScreen)
            return
        assert app.screen.query_one("TabbedContent").active == "runs"
        runs = app.screen.query_one(RunsPane)
        assert runs.state.experiment == small_tree_info.TOY_ID
        assert set(runs.order_ids.tolist()) == bins[last]


async def test_a_click_on_a_bar_opens_its_runs(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        view, bins = await toy_distribution(app, pilot, small_tree)
        b = max(range(len(bins)), key=lambda i: len(bins[i]))  # the tallest bar
        assert len(bins[b]) > 1
        plot = app.screen.query_one("#distribution-plot", ScalarPlot)
        box = next(line for line in str(plot.render()).split("\n") if "┌" in line)
        left, right = box.index("┌"), box.index("┐")
        x = left + 1 + int((b + 0.5) / len(bins) * (right - left - 1))
        await pilot.click("#distribution-plot", offset=(x, plot.size.height // 2))
        await pilot.pause()
        assert app.screen.query_one("TabbedContent").active == "runs"
        assert set(app.screen.query_one(RunsPane).order_ids.tolist()) == bins[b]


# -- from the search dialog --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "link", "pill", "expected"),
    [
        ("optim", "→ 1 experiment with a parameter named like 'optim'", "has param: optim",
         ["toy"]),
        ("score", "→ 1 experiment with a metric named like 'score'", "has metric: score",
         ["probe"]),
        ("weigh", "→ 1 experiment with an artifact named like 'weigh'", "has artifact: weigh",
         ["toy"]),
    ],
)  # fmt: skip
async def test_a_search_link_lists_the_experiments_having_a_field(
    small_tree: Path, wait_until: Any, query: str, link: str, pill: str, expected: list[str]
) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await search_for(pilot, query, wait_until)
        links = [h for h in screen.hits if h.category == EXPERIMENTS_FILTER]
        assert [h.text for h in links] == [link]
        for _ in range(screen.hits.index(links[0])):
            await pilot.press("down")
        assert screen.highlighted_hit == links[0]
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen),
                         timeout=5, what="the dialog to close")  # fmt: skip
        await pilot.pause()
        assert app.screen.query_one("TabbedContent").active == "experiments"
        assert pills(app) == [f"{pill} ✕"]
        assert names(app) == expected
