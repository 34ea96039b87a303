"""The filter language and sorting, checked against rows picked out in plain Python."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from metalab.index.filter_language import (
    QueryError,
    apply,
    format_filter,
    parse_filter,
    resolve_field,
    runs_condition,
    select,
    sort_order,
)
from metalab.index.tree import RunRow, Table, TreeIndex


@pytest.fixture
def table(trees: Path) -> Table:
    return TreeIndex(trees).table()  # both experiments: 22 runs, some fields missing


def expect(table: Table, keep: Callable[[RunRow], bool]) -> list[int]:
    return [i for i, row in enumerate(table.rows) if keep(row)]


def run(table: Table, text: str) -> list[int]:
    return apply(table, parse_filter(text, table)).tolist()


def metric(row: RunRow, name: str) -> Any:
    return row.metrics.get(name)


def test_equals_numbers_strings_and_status(table: Table) -> None:
    assert run(table, "lr=0.1") == expect(table, lambda r: r.params.get("lr") == 0.1)
    assert run(table, "optimizer=adam") == expect(
        table, lambda r: r.params.get("optimizer") == "adam"
    )
    assert run(table, "status=failed") == expect(table, lambda r: r.status == "failed")
    assert run(table, "status=FAILED") == run(table, "status=failed")  # any case
    assert run(table, "width=64") == expect(table, lambda r: r.params.get("width") == 64)
    assert run(table, "model.depth=3") == expect(
        table, lambda r: r.params.get("model", {}).get("depth") == 3
    )
    assert run(table, "converged=true") == expect(table, lambda r: metric(r, "converged") is True)


def test_the_issue_example(table: Table) -> None:
    got = run(
        table, "learning_rate=0.1 final_loss<0.02 status=failed".replace("learning_rate", "lr")
    )
    assert got == []  # failed runs have no final_loss
    got = run(table, "lr=0.1 final_loss<0.5 status=success")
    assert got == expect(
        table,
        lambda r: (
            r.params.get("lr") == 0.1
            and (metric(r, "final_loss") or 9) < 0.5
            and r.status == "success"
        ),
    )
    assert got


@pytest.mark.parametrize(
    ("op", "check"),
    [
        ("<", lambda v, b: v < b),
        ("<=", lambda v, b: v <= b),
        (">", lambda v, b: v > b),
        (">=", lambda v, b: v >= b),
    ],
)
def test_ordering_operators(table: Table, op: str, check: Callable[[float, float], bool]) -> None:
    finals = sorted(v for v in table.column("metrics.final_loss").values.tolist() if v is not None)
    bound = finals[len(finals) // 2]
    got = run(table, f"final_loss{op}{bound!r}")
    want = expect(
        table,
        lambda r: metric(r, "final_loss") is not None and check(metric(r, "final_loss"), bound),
    )
    assert got == want and 0 < len(got) < len(table)


def test_not_equal_includes_runs_without_the_field(table: Table) -> None:
    assert run(table, "lr!=0.1") == expect(table, lambda r: r.params.get("lr") != 0.1)
    assert run(table, "status!=success,failed") == []


def test_contains_and_not_contains(table: Table) -> None:
    assert run(table, "optimizer~AD") == expect(
        table, lambda r: "ad" in str(r.params.get("optimizer", ""))
    )
    assert run(table, "error_message~diverged") == expect(
        table, lambda r: "diverged" in (r.error_message or "")
    )
    assert run(table, "optimizer!~ad") == expect(
        table, lambda r: "ad" not in str(r.params.get("optimizer", ""))
    )
    assert run(table, "lr~0.0") == expect(table, lambda r: "0.0" in str(r.params.get("lr", "")))


def test_any_of_several_values(table: Table) -> None:
    want = expect(table, lambda r: r.params.get("lr") in (0.1, 0.01))
    assert run(table, "lr in 0.1,0.01") == want
    assert run(table, "lr=0.1,0.01") == want
    assert run(table, "lr in 0.1, 0.01") == want
    assert run(table, "lr not in 0.1,0.01") == expect(
        table, lambda r: r.params.get("lr") not in (0.1, 0.01)
    )
    assert run(table, "status=success,failed") == list(range(len(table)))


def test_none_means_missing(table: Table) -> None:
    assert run(table, "final_loss=none") == expect(table, lambda r: "final_loss" not in r.metrics)
    assert run(table, "error_type!=none") == expect(table, lambda r: r.error_type is not None)


def test_numbers_match_within_a_tiny_tolerance() -> None:
    table = Table.from_dicts([{"params.x": 0.1 + 0.2}, {"params.x": 0.3}, {"params.x": 0.31}])
    assert run(table, "x=0.3") == [0, 1]


def test_quoted_values_stay_text() -> None:
    table = Table.from_dicts([{"params.tag": "0.1"}, {"params.tag": "a b"}, {"params.tag": 0.1}])
    assert run(table, 'tag="a b"') == [1]
    assert run(table, "tag=0.1") == [0, 2]
    assert run(table, "tag='0.1'") == [0, 2]


def test_times_compare_as_times(table: Table) -> None:
    got = run(table, "started_at>=2026-01-02T00:00 started_at<2026-01-04")
    assert got == expect(table, lambda r: r.run_id in ("1" * 16, "2" * 16))
    assert run(table, "started_at=2026-01-03") == expect(table, lambda r: r.run_id == "2" * 16)
    cutoff = dt.datetime(2026, 6, 1).timestamp()
    assert run(table, "started>2026-06-01") == expect(table, lambda r: (r.started_ts or 0) > cutoff)


def test_field_names_resolve(table: Table) -> None:
    assert resolve_field("lr", table) == "params.lr"
    assert resolve_field("params.lr", table) == "params.lr"
    assert resolve_field("param_lr", table) == "params.lr"
    assert resolve_field("depth", table) == "params.model.depth"
    assert resolve_field("status", table) == "record.status"
    assert resolve_field("duration", table) == "record.duration_ms"
    assert resolve_field("final_loss", list(table.columns)) == "metrics.final_loss"


def test_ambiguous_and_unknown_names_raise() -> None:
    table = Table.from_dicts([{"params.loss": 1, "metrics.loss": 2, "metrics.lr": 3}])
    with pytest.raises(QueryError, match=r"ambiguous.*params\.loss.*metrics\.loss"):
        parse_filter("loss<1", table)
    assert parse_filter("metrics.loss<1", table)[0].field == "metrics.loss"
    with pytest.raises(QueryError, match=r"unknown field `lrr`; did you mean `lr`"):
        parse_filter("lrr=1", table)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lr", "has no operator"),
        ("lr=", "cannot read"),
        ("final_loss<abc", "compares numbers"),
        ("optimizer>1", "holds text"),
        ("started_at<yesterday", "not a time"),
    ],
)
def test_helpful_errors(table: Table, text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_filter(text, table)


def test_labels_descriptions_and_tokens(table: Table) -> None:
    conds = parse_filter("lr in 0.1,0.01 final_loss<0.02 status=failed optimizer~ad", table)
    assert [c.label for c in conds] == [
        "lr=0.1,0.01",
        "final_loss<0.02",
        "status=failed",
        "optimizer~ad",
    ]
    assert [c.describe() for c in conds] == [
        "lr is 0.1 or 0.01",
        "final_loss < 0.02",
        "status is failed",
        "optimizer contains 'ad' (any case)",
    ]
    text = format_filter(conds)
    assert (
        text
        == "params.lr=0.1,0.01 metrics.final_loss<0.02 record.status=failed params.optimizer~ad"
    )
    assert parse_filter(text, table) == conds
    # removing a pill = dropping a condition and re-rendering the text
    assert (
        format_filter(conds[1:])
        == "metrics.final_loss<0.02 record.status=failed params.optimizer~ad"
    )


def test_run_selection_condition(table: Table) -> None:
    ids = table.run_ids[[1, 4, 7]].tolist()
    cond = runs_condition(ids, caption="runs: 3 from plot")
    assert cond.label == "runs: 3 from plot"
    assert apply(table, [cond]).tolist() == [1, 4, 7]
    many = runs_condition(table.run_ids[:5].tolist())
    assert many.label == "runs: 5 chosen"


def test_apply_within_given_indices_keeps_their_order(table: Table) -> None:
    order = np.array([5, 3, 1, 0])
    conds = parse_filter("status=success", table)
    assert apply(table, conds, order).tolist() == [
        i for i in [5, 3, 1, 0] if table.rows[i].status == "success"
    ]


# -- sorting --------------------------------------------------------------------------------


def test_sort_numeric_with_missing_last(table: Table) -> None:
    order = sort_order(table, "metrics.final_loss").tolist()
    have = [i for i in range(len(table)) if metric(table.rows[i], "final_loss") is not None]
    missing = [i for i in range(len(table)) if i not in have]
    assert order == sorted(have, key=lambda i: metric(table.rows[i], "final_loss")) + missing
    desc = sort_order(table, "metrics.final_loss", descending=True).tolist()
    assert desc == sorted(have, key=lambda i: -metric(table.rows[i], "final_loss")) + missing


def test_sort_numbers_numerically_not_as_text() -> None:
    table = Table.from_dicts([{"m": 10}, {"m": 9}, {"m": 100}, {}, {"m": -1}])
    assert sort_order(table, "m").tolist() == [4, 1, 0, 2, 3]
    assert sort_order(table, "m", descending=True).tolist() == [2, 0, 1, 4, 3]


def test_sort_text_case_insensitively_and_stably() -> None:
    table = Table.from_dicts([{"s": "b"}, {"s": "A"}, {}, {"s": "a"}, {"s": "C"}, {"s": "b"}])
    assert sort_order(table, "s").tolist() == [1, 3, 0, 5, 4, 2]
    assert sort_order(table, "s", descending=True).tolist() == [4, 0, 5, 1, 3, 2]


def test_sort_mixed_numbers_before_text() -> None:
    table = Table.from_dicts([{"v": "x"}, {"v": 2}, {"v": "a"}, {"v": 1.5}, {}])
    assert sort_order(table, "v").tolist() == [3, 1, 2, 0, 4]


def test_sort_by_several_keys_and_within_indices(table: Table) -> None:
    order = sort_order(table, [("params.optimizer", False), ("params.lr", True)]).tolist()
    present = [i for i in order if "optimizer" in table.rows[i].params]
    keys = [(table.rows[i].params["optimizer"], -table.rows[i].params["lr"]) for i in present]
    assert keys == sorted(keys)
    subset = np.array([10, 2, 7])
    assert sorted(sort_order(table, "record.run_id", subset).tolist()) == [2, 7, 10]


def test_select_filters_then_sorts(table: Table) -> None:
    idx = select(table, "status=success", "metrics.final_loss")
    finals = [metric(table.rows[i], "final_loss") for i in idx]
    present = [v for v in finals if v is not None]
    assert present == sorted(present)
    assert all(table.rows[i].status == "success" for i in idx)
    assert select(table).tolist() == list(range(len(table)))


def test_the_experiments_list_filters_and_sorts_the_same_way(trees: Path) -> None:
    experiments = TreeIndex(trees).summary_table()
    assert run(experiments, "state~complete failed>=2") == [1]
    assert run(experiments, "name~ref") == [0]
    order = sort_order(experiments, "experiment.latest_run", descending=True)
    assert experiments.column("experiment.id").values[order].tolist() == ["toy:1", "ref_sweep:0.3"]


def test_tokens_round_trip_awkward_values() -> None:
    table = Table.from_dicts([{"params.note": 'say "hi", ok'}, {"params.note": "0.1"}, {}])
    for text in ["note='say \"hi\", ok'", 'note="0.1"', "note~'0.1'", "note=none"]:
        conds = parse_filter(text, table)
        again = parse_filter(format_filter(conds), table)
        assert again == conds
        assert apply(table, again).tolist() == apply(table, conds).tolist()
    assert run(table, "note='say \"hi\", ok'") == [0]


def test_select_sorts_by_a_short_field_name_as_the_filter_reads_it(table: Table) -> None:
    # the README's example: `sort="final_loss"` means metrics.final_loss
    got = select(table, "status=success", sort="final_loss").tolist()
    have = [i for i, r in enumerate(table.rows) if r.status == "success"]
    with_value = [i for i in have if metric(table.rows[i], "final_loss") is not None]
    without = [i for i in have if metric(table.rows[i], "final_loss") is None]
    assert got == sorted(with_value, key=lambda i: metric(table.rows[i], "final_loss")) + without
    with pytest.raises(QueryError, match="final_los"):
        select(table, "", sort="final_los")
