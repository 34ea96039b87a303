"""The index cache: kept under the user's cache folder, keyed by the tree's real path,
reused on the next open, never written into the tree."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from support.tree_state import describe_changes, tree_state

from metalab.index import tree as index_module
from metalab.index.cache import CACHE_FORMAT, LEGACY_CACHE_FILE, cache_dir
from metalab.index.tree import TreeIndex


def _cache_of(index: TreeIndex) -> Path:
    return index.experiments[0].cache_path


def test_cache_is_written_under_the_cache_home_and_reused(
    lib_tree: Path, settled: None, tmp_path: Path
) -> None:
    first = TreeIndex(lib_tree)
    assert first.parsed == 18
    cache = _cache_of(first)
    assert cache.is_file()
    assert cache.parent == tmp_path / "cache-home" / "metalab" / "index" == cache_dir()
    assert json.loads(cache.read_text())["path"] == os.path.realpath(lib_tree)
    again = TreeIndex(lib_tree)
    assert again.parsed == 0
    assert again.experiments[0].cache_used
    assert again.table().run_ids.tolist() == first.table().run_ids.tolist()
    np.testing.assert_array_equal(
        again.table().column("metrics.final_loss").num,
        first.table().column("metrics.final_loss").num,
    )
    assert again.table().column("record.replicate").values.tolist() == (
        first.table().column("record.replicate").values.tolist()
    )


def test_the_cache_home_defaults_to_dot_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "metalab" / "index"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # not absolute: ignored
    assert cache_dir() == Path.home() / ".cache" / "metalab" / "index"


def test_opening_refreshing_and_saving_leave_the_tree_as_it_was(trees: Path, settled: None) -> None:
    before = tree_state(trees)
    index = TreeIndex(trees)
    index.table()
    index.refresh()
    index.save_cache()
    for exp in index.experiments:
        exp.save_cache(force=True)
    TreeIndex(trees).refresh()
    assert describe_changes(before, tree_state(trees)) == []
    assert not list(trees.rglob(LEGACY_CACHE_FILE))


def test_a_tree_reached_through_a_symlink_shares_the_cache(
    lib_tree: Path, settled: None, tmp_path: Path
) -> None:
    TreeIndex(lib_tree)
    link = tmp_path / "elsewhere"
    link.symlink_to(lib_tree)
    again = TreeIndex(link)
    assert again.parsed == 0
    assert _cache_of(again) == _cache_of(TreeIndex(lib_tree))


def test_a_copied_tree_gets_a_cache_of_its_own(
    lib_tree: Path, settled: None, tmp_path: Path
) -> None:
    TreeIndex(lib_tree)
    copy = shutil.copytree(lib_tree, tmp_path / "copy")
    index = TreeIndex(copy)
    assert index.parsed == 18  # the other folder's cache is not taken for this one
    assert _cache_of(index) != _cache_of(TreeIndex(lib_tree))


def test_an_old_in_tree_cache_is_neither_read_nor_removed(lib_tree: Path, settled: None) -> None:
    legacy = lib_tree / LEGACY_CACHE_FILE
    legacy.write_text('{"format": "metalab-tui-index", "version": 1, "runs": {}}')
    text = legacy.read_text()
    index = TreeIndex(lib_tree)
    assert index.parsed == 18 and not index.experiments[0].cache_used
    assert legacy.read_text() == text


def test_a_cache_naming_another_folder_is_ignored(lib_tree: Path, settled: None) -> None:
    cache = _cache_of(TreeIndex(lib_tree))
    data = json.loads(cache.read_text())
    data["path"] = "/somewhere/else"
    cache.write_text(json.dumps(data))
    assert TreeIndex(lib_tree).parsed == 18


def test_cache_invalidated_by_changed_added_and_removed_records(
    lib_tree: Path, settled: None, bump: Callable[[Path], None]
) -> None:
    table = TreeIndex(lib_tree).table()
    ids = table.run_ids.tolist()
    changed, removed = ids[0], ids[1]
    path = lib_tree / "runs" / f"{changed}.json"
    record = json.loads(path.read_text())
    record["metrics"]["final_loss"] = 123.0
    record["status"] = "success"
    path.write_text(json.dumps(record))
    bump(path)
    (lib_tree / "runs" / f"{removed}.json").unlink()
    new = dict(record, run_id="f" * 16, metrics={"final_loss": 7.0})
    (lib_tree / "runs" / f"{'f' * 16}.json").write_text(json.dumps(new))

    index = TreeIndex(lib_tree)
    assert index.parsed == 2  # the changed record and the new one, nothing else
    table = index.table()
    assert len(table) == 18
    assert removed not in table.run_ids.tolist()
    assert table.value(table.index_of(changed), "metrics.final_loss") == 123.0
    assert table.value(table.index_of("f" * 16), "metrics.final_loss") == 7.0


def test_same_size_rewrite_is_caught_by_the_inode(lib_tree: Path, settled: None) -> None:
    TreeIndex(lib_tree)
    rid = TreeIndex(lib_tree).table().run_ids[0]
    path = lib_tree / "runs" / f"{rid}.json"
    text = path.read_text()
    st = path.stat()
    edited = text.replace('"status": "success"', '"status": "running"', 1)
    edited = edited.replace('"status": "failed"', '"status": "running"', 1)
    edited = edited[: len(text)].ljust(len(text))
    tmp = path.with_name("tmp-write")
    tmp.write_text(edited)
    os.replace(tmp, path)  # an atomic replace: new inode, same size and mtime
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    index = TreeIndex(lib_tree)
    assert index.parsed == 1
    assert index.table().value(0, "record.status") == "running"


def test_recent_records_are_not_trusted_from_the_cache(lib_tree: Path) -> None:
    # without the `settled` fixture, records written just now are re-read at every open
    for path in (lib_tree / "runs").iterdir():
        os.utime(path)
    TreeIndex(lib_tree)
    assert TreeIndex(lib_tree).parsed == 18


FOREIGN = '{"format": "metalab-index-cache", "version": 2, "runs": {"a.json": [1]}, "derived": {}}'


@pytest.mark.parametrize("garbage", ["not json", '{"format": "other"}', FOREIGN, "[1, 2]"])
def test_a_corrupt_or_foreign_cache_is_ignored(lib_tree: Path, settled: None, garbage: str) -> None:
    cache = _cache_of(TreeIndex(lib_tree))
    cache.write_text(garbage)
    index = TreeIndex(lib_tree)
    assert index.parsed == 18 and len(index.table()) == 18
    assert json.loads(cache.read_text())["format"] == CACHE_FORMAT


def test_a_cache_entry_for_another_file_version_is_ignored(lib_tree: Path, settled: None) -> None:
    cache_path = _cache_of(TreeIndex(lib_tree))
    cache = json.loads(cache_path.read_text())
    name = sorted(cache["runs"])[0]
    cache["runs"][name][0] -= 1  # an older mtime: the file moved on since
    cache["runs"][name][4][2] = "cancelled"
    cache_path.write_text(json.dumps(cache))
    index = TreeIndex(lib_tree)
    assert index.parsed == 1
    assert "cancelled" not in index.table().column("record.status").values.tolist()


def test_an_unwritable_cache_folder_is_skipped(
    lib_tree: Path, monkeypatch: pytest.MonkeyPatch, settled: None, tmp_path: Path
) -> None:
    # a file where the cache home should be: not even root can make folders in it
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    before = tree_state(lib_tree)
    index = TreeIndex(lib_tree)
    assert len(index.table()) == 18
    assert not index.experiments[0].save_cache(force=True)
    assert TreeIndex(lib_tree).parsed == 18  # nothing cached, every record read again
    assert describe_changes(before, tree_state(lib_tree)) == []


def test_a_refused_write_is_skipped(
    lib_tree: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(index_module.atomic, "write_text", refuse)
    index = TreeIndex(lib_tree)
    assert len(index.table()) == 18
    assert not _cache_of(index).exists()
    assert not index.experiments[0].save_cache(force=True)


def test_use_cache_false_never_touches_the_cache(lib_tree: Path, settled: None) -> None:
    index = TreeIndex(lib_tree, use_cache=False)
    assert not _cache_of(index).exists()
    assert not cache_dir().exists()
