"""Grouped search over ids, names, values, fingerprints, tags, artifacts, errors and logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from metalab.index.filter_language import apply, parse_filter
from metalab.index.search import iter_log_hits, search_logs, search_tree, snippet
from metalab.index.tree import TreeIndex


@pytest.fixture
def index(trees: Path) -> TreeIndex:
    return TreeIndex(trees)


def test_short_queries_find_nothing(index: TreeIndex) -> None:
    results = search_tree(index, "a")
    assert not results and "at least 2" in results.note


def test_field_names(index: TreeIndex) -> None:
    results = search_tree(index, "LOSS")
    names = [h.field for h in results.hits["metric_name"]]
    assert names == ["metrics.final_loss"]
    assert results.hits["metric_name"][0].count == 15
    assert [h.field for h in search_tree(index, "opti").hits["param_name"]] == ["params.optimizer"]
    assert [h.field for h in search_tree(index, "depth").hits["param_name"]] == [
        "params.model.depth"
    ]


def test_text_values_carry_a_filter_for_their_runs(index: TreeIndex) -> None:
    results = search_tree(index, "ada")
    (hit,) = results.hits["param_value"]
    assert hit.value == "adam" and hit.count == 9 and hit.experiment == "toy:1"
    table = index.table(hit.experiment)
    runs = apply(table, parse_filter(hit.filter or "", table))
    assert len(runs) == 9
    assert {table.rows[i].params["optimizer"] for i in runs} == {"adam"}


def test_numeric_values_match_exactly(index: TreeIndex) -> None:
    results = search_tree(index, "0.1")
    hits = results.hits["param_value"]
    assert [(h.field, h.count) for h in hits] == [("params.lr", 6)]
    assert hits[0].filter == "params.lr=0.1"
    assert search_tree(index, "64").hits["param_value"][0].field == "params.width"
    assert not search_tree(index, "5000").hits.get("param_value")  # outside every range


def test_run_ids_fingerprints_errors_tags_artifacts(index: TreeIndex) -> None:
    table = index.table("toy:1")
    rid = table.run_ids[3]
    runs = search_tree(index, rid[:10]).hits["run"]
    assert [h.run_id for h in runs] == [rid]
    seed = table.value(3, "record.seed_fingerprint")
    fp = search_tree(index, seed[:12]).hits["fingerprint"]
    assert fp[0].value == seed and fp[0].count == 6
    errors = search_tree(index, "diverged").hits["error"]
    assert errors[0].count == 3 and errors[0].field == "record.error_message"
    tags = search_tree(index, "alic").hits["tag"]
    assert tags[0].value == "alice" and tags[0].count == 4
    exp_tags = search_tree(index, "referen").hits["tag"]
    assert exp_tags[0].text == "experiment tag reference"
    art = search_tree(index, "histo").hits["artifact"]
    assert art[0].value == "history" and art[0].count == 15


def test_experiments_and_limits(index: TreeIndex) -> None:
    results = search_tree(index, "toy")
    assert [h.experiment for h in results.hits["experiment"]] == ["toy:1"]
    many = search_tree(index, "00", limit=2)
    assert all(len(v) <= 2 for v in many.hits.values())
    assert many.totals["run"] >= len(many.hits["run"])
    scoped = search_tree(index, "alic", experiment="toy:1")
    assert not scoped.hits.get("tag")
    assert results.categories()[0] == "experiment"


def test_log_search_first_line_per_run(index: TreeIndex) -> None:
    results = search_logs(index, "GIVING UP")
    hits = results.hits["log"]
    failed = [r.run_id for r in index.table("toy:1").rows if r.status == "failed"]
    assert sorted(h.run_id for h in hits) == sorted(failed)
    assert all(h.log == "run" and h.line_no == 2 for h in hits)
    assert all("giving up" in h.text for h in hits)


def test_log_snippets_are_cut_around_the_match(index: TreeIndex) -> None:
    hits = search_logs(index, "needle").hits["log"]
    assert len(hits) == 4
    for hit in hits:
        assert len(hit.text) <= 80 and "needle" in hit.text and hit.text.startswith("…")
    assert snippet("short line\n", 0, 5) == "short line"
    long = "a" * 50 + "MATCH" + "b" * 50
    cut = snippet(long, 50, 5, width=20)
    assert len(cut) == 20 and "MATCH" in cut and cut[0] == cut[-1] == "…"
    # most of the room goes to what follows the match
    prefix = "2026-11-26 08:38:42 [INFO   ] [metalab.run.731491ce.thread:0] "
    line = prefix + "Converged at iteration 912 with loss=2.25e-03 after 1.2 s of descent"
    cut = snippet(line, len(prefix), len("Converged"), width=48)
    assert len(cut) == 48 and cut[0] == cut[-1] == "…"
    assert cut.index("Converged") <= 17  # the timestamp and logger name mostly left out
    assert cut.startswith("…read:0] Converged at iteration 912 with loss")


def test_log_search_is_capped_newest_first(index: TreeIndex) -> None:
    results = search_logs(index, "needle", max_runs=2)
    assert results.truncated
    assert not results.hits.get("log")  # the 2 newest runs are toy's: no needle there
    capped = search_logs(index, "training", max_hits=3)
    assert capped.truncated and len(capped.hits["log"]) == 3
    state: dict[str, object] = {}
    hits = list(iter_log_hits(index, "needle", state=state))
    assert len(hits) == 4 and state["truncated"] is False
    stopped = list(iter_log_hits(index, "training", cancelled=lambda: True))
    assert stopped == []
