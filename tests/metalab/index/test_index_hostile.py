"""Damaged and hostile trees (issue 11) as the index reads them: unreadable records are
skipped and said, statuses metalab does not write are kept as written, and nothing
outside the tree is read through a symlink or an artifact uri."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.hostile_trees import (
    DAMAGED_RECORDS,
    SECRET,
    HostileTree,
    build_hostile_tree,
    opened_paths,
    outside_reads,
)
from support.tree_state import describe_changes, tree_state

from metalab.index import TreeIndex, apply, parse_filter, search_logs, search_tree, select
from metalab.index.tree_bounds import OutsideTree, inside_tree


@pytest.fixture
def hostile(tmp_path: Path) -> HostileTree:
    return build_hostile_tree(tmp_path)


def test_unreadable_records_are_skipped_with_the_reason(hostile: HostileTree) -> None:
    with opened_paths() as seen:
        index = TreeIndex(hostile.root)
        exp = index.experiments[0]
        table = index.table()
    assert outside_reads(seen, hostile.outside) == []
    assert len(table) == 7  # the four good runs, preempted, queued, running
    skipped = exp.skipped
    for path, why in DAMAGED_RECORDS.items():
        assert why in skipped[path], (path, skipped[path])
    assert "leads out of the results tree" in skipped[f"derived/{hostile.good}.json"]
    assert "leads out of the results tree" in skipped["experiments/leak.json"]
    summary = index.summaries()[0]
    assert dict(summary.skipped) == skipped
    assert summary.flat()["experiment.skipped"] == len(skipped)
    assert SECRET not in repr(table.rows) and SECRET not in repr(exp.manifest)


def test_statuses_metalab_does_not_write_are_kept_and_counted(hostile: HostileTree) -> None:
    index = TreeIndex(hostile.root)
    table = index.table()
    status = dict(zip(table.run_ids.tolist(), table.column("record.status").values, strict=True))
    assert status[hostile.preempted] == "preempted"
    assert status[hostile.queued] == "queued"
    assert status[hostile.running] == "running"
    found = select(table, "status=preempted")
    assert table.run_ids[found].tolist() == [hostile.preempted]
    summary = index.summaries()[0]
    assert summary.counts["running"] == 1
    assert summary.other_counts == {"preempted": 1, "queued": 1}
    assert summary.flat()["experiment.other"] == 2
    assert not summary.complete


def test_skipped_files_are_retried_when_they_change(hostile: HostileTree) -> None:
    index = TreeIndex(hostile.root)
    exp = index.experiments[0]
    assert "runs/truncated.json" in exp.skipped
    assert not index.refresh()  # nothing moved: nothing re-read, nothing reported
    good = (hostile.folder / "runs" / f"{hostile.good}.json").read_text()
    fixed = good.replace(hostile.good, "truncated")
    (hostile.folder / "runs" / "truncated.json").write_text(fixed)
    changes = index.refresh()
    assert changes.added == ["truncated"]
    assert changes.skipped_changed == [exp.experiment_id]
    assert "runs/truncated.json" not in exp.skipped
    assert "runs/truncated.json" not in dict(index.summaries()[0].skipped)


def test_a_record_turning_unreadable_is_removed_and_said(hostile: HostileTree) -> None:
    index = TreeIndex(hostile.root)
    (hostile.folder / "runs" / f"{hostile.queued}.json").write_text('{"run_id": ')
    changes = index.refresh()
    assert changes.removed == [hostile.queued]
    assert index.experiments[0].skipped[f"runs/{hostile.queued}.json"] == "not JSON (truncated?)"


def test_the_store_never_reads_outside_the_tree(hostile: HostileTree) -> None:
    index = TreeIndex(hostile.root)
    exp = index.experiments[0]
    with opened_paths() as seen:
        run = exp.run(hostile.good)
        names = [a.name for a in run.artifacts()]
        assert {"leak", "absolute", "relative"} <= set(names)
        with pytest.raises(OutsideTree):
            run.artifact("leak")
        for name in ("absolute", "relative"):  # looked for in the run's folder: not there
            with pytest.raises(FileNotFoundError):
                run.artifact(name)
        assert "leak" not in run.stepped_names()
        assert "leak" in run.list_data()
        with pytest.raises(OutsideTree):
            run.data("leak")
        assert run.derived == {}
        assert "leak" in run.logs()
        assert run.log_text("leak") == ""
        with pytest.raises(OutsideTree):
            exp.store.log_path(hostile.good, "leak")
        assert exp.store.list_artifacts(hostile.preempted) == []
        steps, values = exp.run(hostile.running).stepped("loss")
        assert len(steps) == len(values) and np.isfinite(values).all()
    assert outside_reads(seen, hostile.outside) == []


def test_log_search_skips_links_out_and_reads_garbage(hostile: HostileTree) -> None:
    index = TreeIndex(hostile.root)
    with opened_paths() as seen:
        assert not search_logs(index, SECRET[:12]).totals
        hits = search_logs(index, "after the garbage").hits["log"]
        assert search_tree(index, SECRET[:12]).totals == {}
    assert outside_reads(seen, hostile.outside) == []
    assert [h.run_id for h in hits] == [hostile.good]


def test_opening_the_hostile_tree_writes_nothing_into_it(hostile: HostileTree) -> None:
    before = tree_state(hostile.root)
    index = TreeIndex(hostile.root)
    index.refresh()
    index.save_cache()
    assert describe_changes(before, tree_state(hostile.root)) == []


def test_inside_tree(tmp_path: Path) -> None:
    (tmp_path / "tree" / "a").mkdir(parents=True)
    (tmp_path / "treehouse").mkdir()
    (tmp_path / "tree" / "up").symlink_to(tmp_path / "treehouse")
    (tmp_path / "alias").symlink_to(tmp_path / "tree")
    assert inside_tree(tmp_path / "tree", tmp_path / "tree" / "a" / "b.json")
    assert inside_tree(tmp_path / "alias", tmp_path / "tree" / "a")
    assert not inside_tree(tmp_path / "tree", tmp_path / "treehouse")  # a prefix, not a parent
    assert not inside_tree(tmp_path / "tree", tmp_path / "tree" / "up" / "x.json")
    assert not inside_tree(tmp_path / "tree", tmp_path / "tree" / ".." / "treehouse")


def test_parse_filter_accepts_any_status(hostile: HostileTree) -> None:
    table = TreeIndex(hostile.root).table()
    conditions = parse_filter("status!=success,failed", table)
    shown = sorted(table.column("record.status").values[apply(table, conditions)].tolist())
    assert shown == ["preempted", "queued", "running"]
