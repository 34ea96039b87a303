"""Damaged and hostile trees (issue 11) as the index reads them: unreadable records are
skipped and said (in the words ``load_results`` uses), statuses metalab does not write
are kept as written, and nothing outside the tree is read through a symlink or an
artifact uri (an audit hook watches every file opened)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from support.hostile_extras import BrowserDamage, add_browser_damage, opened_paths, outside_reads
from support.hostile_trees import GARBAGE, SECRET, HostileTree, build_hostile_tree
from support.tree_state import describe_changes, tree_state

from metalab.errors import OutsideTreeError
from metalab.index import (
    TreeIndex,
    apply,
    export_csv,
    parse_filter,
    search_logs,
    search_tree,
    select,
)
from metalab.index.tree_bounds import inside_tree


@pytest.fixture
def hostile(tmp_path: Path) -> HostileTree:
    return build_hostile_tree(tmp_path)


@pytest.fixture
def damage(hostile: HostileTree) -> BrowserDamage:
    return add_browser_damage(hostile)


def test_unreadable_records_are_skipped_with_the_reason(
    hostile: HostileTree, damage: BrowserDamage
) -> None:
    with opened_paths() as seen:
        index = TreeIndex(hostile.collection)
        exp = index.experiments[0]
        table = index.table()
    assert outside_reads(seen, hostile.outside) == []
    assert sorted(table.run_ids.tolist()) == sorted(
        [*hostile.good, damage.preempted, damage.queued, damage.running]
    )
    skipped = exp.skipped
    for name, why in hostile.damaged.items():
        assert why in skipped[f"runs/{name}"], (name, skipped[f"runs/{name}"])
    for path in damage.linked:
        assert skipped[path] == "a symlink out of the results tree: not read"
    assert exp.unreadable == sorted(hostile.damaged)
    summary = index.summaries()[0]
    assert dict(summary.skipped) == skipped
    assert summary.flat()["experiment.skipped"] == len(skipped)
    assert SECRET not in repr(table.rows) and SECRET not in repr(exp.manifest)


def test_statuses_metalab_does_not_write_are_kept_and_counted(
    hostile: HostileTree, damage: BrowserDamage
) -> None:
    index = TreeIndex(hostile.collection)
    table = index.table()
    status = dict(zip(table.run_ids.tolist(), table.column("record.status").values, strict=True))
    assert status[damage.preempted] == "preempted"
    assert status[damage.queued] == "queued"
    assert status[damage.running] == status[hostile.torn_stream] == "running"
    found = select(table, "status=preempted")
    assert table.run_ids[found].tolist() == [damage.preempted]
    shown = table.column("record.status").values[
        apply(table, parse_filter("status!=success,failed", table))
    ]
    assert sorted(shown.tolist()) == ["preempted", "queued", "running", "running"]
    summary = index.summaries()[0]
    assert summary.counts["running"] == 2
    assert summary.other_counts == {"preempted": 1, "queued": 1}
    assert summary.flat()["experiment.other"] == 2
    assert not summary.complete


def test_skipped_files_are_retried_when_they_change(hostile: HostileTree) -> None:
    index = TreeIndex(hostile.collection)
    exp = index.experiments[0]
    name = next(n for n, why in hostile.damaged.items() if "not valid JSON" in why)
    assert f"runs/{name}" in exp.skipped
    assert not index.refresh()  # nothing moved: nothing re-read, nothing reported
    good = (hostile.folder / "runs" / f"{hostile.good[0]}.json").read_text()
    (hostile.folder / "runs" / name).write_text(good.replace(hostile.good[0], name[:-5]))
    changes = index.refresh()
    assert changes.added == [name[:-5]]
    assert changes.skipped_changed == [exp.experiment_id]
    assert f"runs/{name}" not in exp.skipped
    assert f"runs/{name}" not in dict(index.summaries()[0].skipped)


def test_a_record_turning_unreadable_is_removed_and_said(hostile: HostileTree) -> None:
    index = TreeIndex(hostile.collection)
    victim = hostile.good[0]
    (hostile.folder / "runs" / f"{victim}.json").write_text('{"run_id": ')
    changes = index.refresh()
    assert changes.removed == [victim]
    why = index.experiments[0].skipped[f"runs/{victim}.json"]
    assert why == "the file is not valid JSON (truncated?)"


def test_the_store_never_reads_outside_the_tree(
    hostile: HostileTree, damage: BrowserDamage
) -> None:
    exp = TreeIndex(hostile.collection).experiments[0]
    with opened_paths() as seen:
        run = exp.run(hostile.escaping_manifest)
        assert [a.name for a in run.artifacts()] == ["secret", "climb", "weights"]
        for name in ("secret", "climb"):  # looked for in the run's own folder: not there
            with pytest.raises(FileNotFoundError):
                run.artifact(name)
        with pytest.raises(OutsideTreeError):  # in the run's folder, but a symlink out
            run.artifact("weights")
        linked = exp.run(hostile.linked_folders)  # its artifacts/ and results/ link out
        assert [a.name for a in linked.artifacts()] == ["weights"]  # the record's copy
        with pytest.raises(OutsideTreeError):
            linked.artifact("weights")
        assert linked.stepped_names() == []
        with pytest.raises(OutsideTreeError):
            linked.stepped("loss")
        with pytest.raises(OutsideTreeError):
            linked.data("loss")
        garbage = exp.run(hostile.garbage_log)
        assert garbage.logs() == ["run", "run.attempt1"]
        assert garbage.log_text("run.attempt1") == ""
        with pytest.raises(OutsideTreeError):
            exp.store.log_path(hostile.garbage_log, "run.attempt1")
        assert "needle" in garbage.log_text("run")
        assert garbage.derived == {}  # derived/<id>.json links out
        steps, values = exp.run(hostile.torn_stream).stepped("loss")
        assert len(steps) == len(values) and np.isfinite(values).all()
    assert outside_reads(seen, hostile.outside) == []


def test_log_search_skips_links_out_and_reads_garbage(hostile: HostileTree) -> None:
    index = TreeIndex(hostile.collection)
    with opened_paths() as seen:
        assert not search_logs(index, SECRET[:12]).totals
        hits = search_logs(index, "needle").hits["log"]
        assert search_tree(index, SECRET[:12]).totals == {}
    assert outside_reads(seen, hostile.outside) == []
    assert [(h.run_id, h.log, h.line_no) for h in hits] == [
        (hostile.garbage_log, "run", GARBAGE.count(b"\n"))
    ]


def test_opening_the_hostile_tree_writes_nothing_into_it(
    hostile: HostileTree, damage: BrowserDamage
) -> None:
    before = tree_state(hostile.collection)
    index = TreeIndex(hostile.collection)
    index.refresh()
    index.save_cache()
    assert describe_changes(before, tree_state(hostile.collection)) == []


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


def test_exporting_a_hostile_tree_writes_its_readable_runs_only(
    hostile: HostileTree, damage: BrowserDamage, tmp_path: Path
) -> None:
    table = TreeIndex(hostile.collection).table()
    with opened_paths() as seen:
        out = export_csv(table, tmp_path / "export" / "runs.csv", include_derived=True)
    assert outside_reads(seen, hostile.outside) == []
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert sorted(r["run_id"] for r in rows) == sorted(table.run_ids.tolist())
    assert {r["status"] for r in rows} == {"success", "running", "preempted", "queued"}
    assert SECRET not in out.read_text(encoding="utf-8")
