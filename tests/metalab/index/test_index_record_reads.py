"""The browser opens a run's record the way ``load_results`` reads it: one parse path.

A record without a ``run_id`` is the run its file's name says (the index's row already
says so, and the run opened from it must too); a record holding another run than its
file's name says is not that run's record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metalab.index import TreeIndex
from metalab.index.table import format_size
from metalab.index.tree_store import read_record
from metalab.store.filestore import FileStore


def _rewrite(record_file: Path, **changes: object) -> dict:
    """Rewrite the record in ``record_file`` with ``changes`` (None: the key removed)."""
    record = json.loads(record_file.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    record_file.write_text(json.dumps(record), encoding="utf-8")
    return record


def test_a_record_without_run_id_opens_under_its_file_name(lib_tree: Path) -> None:
    run_id = FileStore(lib_tree).run_ids()[0]
    written = _rewrite(lib_tree / "runs" / f"{run_id}.json", run_id=None)
    exp = TreeIndex(lib_tree).experiments[0]
    assert run_id in exp.table.run_ids.tolist()  # the index's row: its file's name

    record, status = read_record(exp.store, run_id)
    assert record is not None and record.run_id == run_id
    assert status == written["status"]
    assert exp.run(run_id).run_id == run_id
    assert exp.store.get_run_record(run_id) == FileStore(lib_tree).get_run_record(run_id)


def test_a_record_holding_another_run_is_not_opened(lib_tree: Path) -> None:
    first, second = FileStore(lib_tree).run_ids()[:2]
    exp = TreeIndex(lib_tree).experiments[0]
    _rewrite(lib_tree / "runs" / f"{first}.json", run_id=second)  # after the index read it

    assert read_record(exp.store, first) == (None, None)
    assert exp.store.get_run_record(first) is None
    with pytest.raises(KeyError):
        exp.run(first)


def test_byte_sizes_read_alike_wherever_they_show() -> None:
    assert [format_size(n) for n in (None, 763, 1000, 2_500_000)] == [
        "—", "763 B", "1.0 kB", "2.5 MB",
    ]  # fmt: skip
    assert format_size(200 * 2**20 + 2**19, binary=True) == "200.5 MB"
    assert format_size(8 * 2**20, 0, binary=True) == "8 MB"
    assert format_size(3 * 2**30, binary=True) == "3.0 GB"
