"""TreeIndex: opening trees (ours and the reference's), the field index, the cache, refresh."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import metalab
from metalab.index.filter_language import apply, parse_filter
from metalab.index.tree import RECORD_FIELDS, Table, TreeIndex, format_cell

LIB_ID, REF_ID = "toy:1", "ref_sweep:0.3"
LRS, OPTIMIZERS, REPLICATES = (0.01, 0.1, 1.0), ("sgd", "adam"), 3


def test_opens_a_library_tree_with_the_right_rows(lib_tree: Path) -> None:
    index = TreeIndex(lib_tree)
    table = index.table()
    results = metalab.load_results(lib_tree)
    assert len(table) == len(results) == len(LRS) * len(OPTIMIZERS) * REPLICATES
    by_id = {r.run_id: r for r in results}
    assert set(table.run_ids.tolist()) == set(by_id)
    for i, row in enumerate(table.rows):
        run = by_id[row.run_id]
        assert table.value(i, "record.status") == run.status.value
        assert table.value(i, "params.lr") == run.params["lr"]
        assert table.value(i, "params.optimizer") == run.params["optimizer"]
        assert table.value(i, "metrics.final_loss") == run.metrics.get("final_loss")
        assert table.value(i, "record.replicate") == run.replicate
        assert table.value(i, "record.seed_fingerprint") == run.seed_fingerprint
        assert table.value(i, "record.duration_ms") == run.duration_ms
        assert table.value(i, "record.started_at") == run.started_at.isoformat()
        assert table.column("record.started_at").num[i] == pytest.approx(run.started_at.timestamp())
        if run.status == "failed":
            assert table.value(i, "record.error_type") == "FloatingPointError"
            assert "diverged" in table.value(i, "record.error_message")
            assert not table.column("metrics.final_loss").present[i]
        else:
            assert table.value(i, "record.artifacts") == "history"
    assert list(table.columns)[: len(RECORD_FIELDS)] == list(RECORD_FIELDS)
    assert table.names("params") == ["params.lr", "params.optimizer"]
    # records are written with sorted keys, so first-seen order is alphabetical here
    assert table.names("metrics") == ["metrics.accuracy", "metrics.converged", "metrics.final_loss"]


def test_column_kinds_and_field_index(lib_tree: Path) -> None:
    table = TreeIndex(lib_tree).table()
    kinds = {name: table.column(name).kind for name in table.names()}
    assert kinds["params.lr"] == "numeric"
    assert kinds["params.optimizer"] == "string"
    assert kinds["metrics.converged"] == "bool"
    assert kinds["record.started_at"] == "time"
    fields = table.fields
    lr = fields["params.lr"]
    assert (lr.type, lr.count, lr.min, lr.max) == ("numeric", 18, 0.01, 1.0)
    assert lr.values == LRS and not lr.more_values
    opt = fields["params.optimizer"]
    assert opt.values == ("adam", "sgd") and opt.min is None
    final = fields["metrics.final_loss"]
    assert final.count == 15 and final.run_count == 18
    assert final.coverage == pytest.approx(15 / 18)
    finals = [v for v in table.column("metrics.final_loss").values.tolist() if v is not None]
    assert final.min == min(finals) and final.max == max(finals)
    status = fields["record.status"]
    assert status.type == "string" and set(status.values) == {"success", "failed"}


def test_opens_a_reference_tree_from_another_machine(reference_tree: Path) -> None:
    index = TreeIndex(reference_tree)
    table = index.table()
    assert len(table) == 4
    assert table.value(0, "record.experiment_id") == REF_ID
    # nested params are flattened with dots
    assert table.names("params") == ["params.model.act", "params.model.depth", "params.width"]
    assert table.column("params.model.depth").values.tolist() == [2, 3, 2, 3]
    # no replicate in the provenance: worked out from the manifest's seed plan
    assert table.column("record.replicate").values.tolist() == [0, 1, 0, 1]
    assert table.value(3, "record.status") == "failed"
    assert table.value(3, "record.error_type") == "ValueError"
    assert table.value(0, "record.artifacts") == "weights"
    assert table.value(0, "record.host") == "alice-laptop"
    assert table.column("metrics.label").kind == "string"
    summary = index.summaries()[0]
    assert summary.total == 6 and summary.total_from_manifest
    assert summary.counts == {"success": 3, "failed": 1, "running": 0, "cancelled": 0}
    assert summary.done == 4 and summary.completion == pytest.approx(4 / 6)
    assert not summary.complete and summary.state == "in progress with failures"
    assert summary.latest_started_at == "2026-01-04T10:00:00.500000"
    assert summary.tags == ("reference",) and summary.name == "ref_sweep"


def test_replicate_from_seed_order_without_a_manifest(reference_tree: Path) -> None:
    shutil.rmtree(reference_tree / "experiments")
    table = TreeIndex(reference_tree).table()
    # the seed first seen (earliest start) is replicate 0
    assert table.column("record.replicate").values.tolist() == [0, 1, 0, 1]
    assert TreeIndex(reference_tree).summaries()[0].total == 4


def test_a_collection_root_holds_every_experiment(trees: Path) -> None:
    index = TreeIndex(trees)
    assert [e.key for e in index.experiments] == [REF_ID, LIB_ID]
    combined = index.table()
    assert len(combined) == 22
    assert set(combined.column("record.experiment_id").values.tolist()) == {LIB_ID, REF_ID}
    assert len(index.table(LIB_ID)) == 18 and len(index.table("ref_sweep_0.3")) == 4
    summaries = {s.experiment_id: s for s in index.summaries()}
    toy = summaries[LIB_ID]
    assert toy.total == 18 and toy.counts["failed"] == 3 and toy.complete
    assert toy.state == "complete with failures"
    exp_table = index.summary_table()
    assert exp_table.column("experiment.id").values.tolist() == [REF_ID, LIB_ID]
    assert exp_table.column("experiment.failed").values.tolist() == [1, 3]
    with pytest.raises(KeyError, match="there are"):
        index.experiment("nope")


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no results tree"):
        TreeIndex(tmp_path / "absent")


def test_table_lookup_by_run_id(lib_tree: Path) -> None:
    table = TreeIndex(lib_tree).table()
    rid = table.run_ids[5]
    assert table.index_of(rid) == 5
    assert table.index_of(rid[:12]) == 5
    assert table.row(5)["record.run_id"] == rid
    with pytest.raises(KeyError):
        table.index_of("zzzz")


def test_unreadable_records_are_skipped_and_retried(lib_tree: Path) -> None:
    (lib_tree / "runs" / "broken.json").write_text('{"run_id": "bro')
    index = TreeIndex(lib_tree)
    assert len(index.table()) == 18
    assert index.experiments[0].unreadable == ["broken.json"]
    (lib_tree / "runs" / "broken.json").write_text(
        json.dumps({"run_id": "broken", "experiment_id": LIB_ID, "status": "running"})
    )
    changes = index.refresh()
    assert changes.added == ["broken"]
    assert index.experiments[0].unreadable == []


# -- refresh ---------------------------------------------------------------------------------


def test_refresh_finds_new_changed_and_removed_runs(lib_tree: Path) -> None:
    index = TreeIndex(lib_tree)
    before = index.table()
    assert not index.refresh()
    ids = before.run_ids.tolist()
    template = json.loads((lib_tree / "runs" / f"{ids[0]}.json").read_text())
    new = dict(template, run_id="a" * 16, status="running", finished_at=None, metrics={})
    (lib_tree / "runs" / f"{'a' * 16}.json").write_text(json.dumps(new))
    changed = dict(template, status="cancelled")
    (lib_tree / "runs" / f"{ids[0]}.json").write_text(json.dumps(changed))
    (lib_tree / "runs" / f"{ids[1]}.json").unlink()

    changes = index.refresh()
    assert changes.added == ["a" * 16]
    assert changes.changed == [ids[0]]
    assert changes.removed == [ids[1]]
    after = index.table()
    assert after is not before and len(before) == 18  # the old snapshot is untouched
    assert len(after) == 18
    assert after.value(after.index_of("a" * 16), "record.status") == "running"
    assert after.value(after.index_of(ids[0]), "record.status") == "cancelled"
    assert index.summaries()[0].counts["running"] == 1


def test_refresh_with_a_live_sweep_finds_new_runs(trees: Path, kit: SimpleNamespace) -> None:
    index = TreeIndex(trees)
    assert len(index.table()) == 22
    extra = metalab.Experiment(
        name="toy", version="1", context={}, operation=kit.train,
        params=metalab.grid(lr=[0.5], optimizer=["adam"]), seeds=metalab.seeds(base=7),
    )  # fmt: skip
    metalab.run(extra, store=trees).result()
    changes = index.refresh()
    assert len(changes.added) == 1
    assert changes.manifest_changed == [LIB_ID]
    assert len(index.table()) == 23
    assert 0.5 in index.table(LIB_ID).column("params.lr").values.tolist()
    summary = {s.experiment_id: s for s in index.summaries()}[LIB_ID]
    assert summary.total == 1 and summary.manifests == 2  # the latest launch's manifest


def test_refresh_finds_new_and_removed_experiments(
    trees: Path, tmp_path: Path, kit: SimpleNamespace
) -> None:
    index = TreeIndex(trees)
    other = kit.build_reference_tree(tmp_path / "elsewhere")
    shutil.copytree(other, trees / "more" / "ref_copy")
    changes = index.refresh()
    assert changes.experiments_added == [REF_ID]
    assert len(changes.added) == 4
    keys = [e.key for e in index.experiments]
    assert f"{REF_ID}@ref_copy" in keys and f"{REF_ID}@ref_sweep_0.3" in keys
    shutil.rmtree(trees / "toy_1")
    changes = index.refresh()
    assert changes.experiments_removed == [LIB_ID]
    assert len(changes.removed) == 18
    assert len(index.table()) == 8


def test_derived_metrics_join_the_table(lib_tree: Path) -> None:
    index = TreeIndex(lib_tree)
    rid = index.table().run_ids[2]
    (lib_tree / "derived" / f"{rid}.json").write_text(json.dumps({"gap": 0.25}))
    changes = index.refresh()
    assert changes.changed == [rid]
    table = index.table()
    assert table.value(table.index_of(rid), "derived.gap") == 0.25
    assert table.column("derived.gap").present.sum() == 1


def test_from_dicts_builds_any_table() -> None:
    table = Table.from_dicts([{"a": 1, "b": "x"}, {"a": 2.5}, {"b": [1, 2], "c": True}])
    assert table.column("a").kind == "numeric"
    assert table.column("b").kind == "unknown"
    assert table.column("b").values[2] == [1, 2]
    assert table.column("c").kind == "bool"
    np.testing.assert_array_equal(table.column("a").present, [True, True, False])


def test_format_cell_like_atlas() -> None:
    assert format_cell(None) == "—"
    assert format_cell(3) == "3"
    assert format_cell(True) == "True"
    assert format_cell(0.123456) == "0.1235"
    assert format_cell(1.5e-6) == "1.500e-06"
    assert format_cell(123456.0) == "1.235e+05"
    assert format_cell("adam") == "adam"


def test_the_data_layer_imports_no_ui_library() -> None:
    code = (
        "import sys, metalab.index\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'plotext')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[3])


def test_full_runs_for_the_detail_screen(trees: Path) -> None:
    index = TreeIndex(trees)
    table = index.table("toy:1")
    failed = next(i for i, r in enumerate(table.rows) if r.status == "failed")
    rid = table.run_ids[failed]
    assert index.find(rid[:8]).key == LIB_ID
    run = index.run(rid[:8])
    assert run.run_id == rid and "Traceback" in run.error["traceback"]
    ok = next(i for i, r in enumerate(table.rows) if r.status == "success")
    good = index.run(table.run_ids[ok])
    np.testing.assert_allclose(good.artifact("history")[0], 1.0)
    assert good.stepped("loss")[0].tolist() == list(range(20))
    ref = index.run("0" * 16)  # the reference tree: its curve loads from the copied tree
    assert ref.stepped("loss")[1].tolist() == [1.0, 0.5, 1 / 3, 0.25, 0.2]
    with pytest.raises(KeyError):
        index.run("nope")


def test_an_old_table_is_a_snapshot(lib_tree: Path) -> None:
    index = TreeIndex(lib_tree)
    old = index.table()
    rid = old.run_ids[0]
    (lib_tree / "derived" / f"{rid}.json").write_text(json.dumps({"gap": 1.0}))
    index.refresh()
    assert index.table().rows[0].derived == {"gap": 1.0}
    assert old.rows[0].derived == {} and "derived.gap" not in old


def test_the_worker_and_attempt_of_a_dask_run_are_columns_to_filter_by(lib_tree: Path) -> None:
    # records as the Dask executor writes them: the worker's address, and attempt 2 for
    # a run its first worker died under; find the retried runs, and a node's runs
    files = sorted((lib_tree / "runs").glob("*.json"))
    for i, path in enumerate(files[:3]):
        record = json.loads(path.read_text())
        record["provenance"]["executor_id"] = "dask"
        record["provenance"].setdefault("extra", {}).update(
            worker=f"tcp://10.0.0.{i}:40123", attempt=2 if i == 1 else 1
        )
        path.write_text(json.dumps(record))
    table = TreeIndex(lib_tree).table()
    assert table.column("record.attempt").kind == "numeric"
    retried = apply(table, parse_filter("attempt > 1", table))
    assert [table.value(int(i), "record.worker") for i in retried] == ["tcp://10.0.0.1:40123"]
    on_node = apply(table, parse_filter("worker ~ 10.0.0.2", table))
    assert len(on_node) == 1 and table.value(int(on_node[0]), "record.attempt") == 1
    assert sum(table.column("record.worker").present) == 3  # the others ran on threads
