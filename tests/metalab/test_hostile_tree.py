"""Issue 11, damaged and hostile trees, from the library's side: ``load_results``, ``Run``
and ``FileStore`` reading the tree of ``tests/support/hostile_trees.py``.

Never a crash, never a read outside the tree (an audit hook watches every file this
process opens), and every skipped file said: in ``Results.skipped`` with the reason,
or as a warning. Writing into such a tree (a resume) stays inside it too.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from support.hostile_trees import (
    SECRET,
    HostileTree,
    build_hostile_tree,
    hostile_experiment,
)

import metalab
from metalab.errors import OutsideTreeError

_WATCHED: list[list[str]] = []


def _audit(event: str, args: tuple) -> None:
    if _WATCHED and event in ("open", "os.listdir", "os.scandir") and args:
        path = args[0]
        if isinstance(path, str | bytes | Path):
            _WATCHED[-1].append(path.decode() if isinstance(path, bytes) else str(path))


sys.addaudithook(_audit)  # audit hooks cannot be removed: this one records only on demand


@pytest.fixture
def opened() -> Iterator[list[str]]:
    """Every path this process opens or lists while the test runs."""
    paths: list[str] = []
    _WATCHED.append(paths)
    try:
        yield paths
    finally:
        _WATCHED.remove(paths)


@pytest.fixture
def tree(tmp_path: Path) -> HostileTree:
    return build_hostile_tree(tmp_path)


def read_everything(run: metalab.Run) -> list[str]:
    """Call every reading method of a run; what each gave (or which error it raised)."""
    seen = []
    calls = [
        ("artifacts", run.artifacts),
        ("stepped", lambda: run.stepped("loss")),
        ("data", lambda: run.data("loss")),
        ("stepped_names", run.stepped_names),
        ("list_data", run.list_data),
        ("log", lambda: run.log),
        ("logs", run.logs),
        ("derived", lambda: run.derived),
        ("tail", lambda: run.store.read_log_tail(run.run_id, lines=10)),
    ]
    calls += [(f"log {n}", lambda n=n: run.log_text(n)) for n in run.logs()]
    calls += [(f"artifact {a.name}", lambda a=a: run.artifact(a.name)) for a in run.artifacts()]
    for name, call in calls:
        try:
            seen.append(f"{name}: {call()!r}")
        except (OutsideTreeError, FileNotFoundError, KeyError) as exc:
            seen.append(f"{name}: {type(exc).__name__}: {exc}")
    return seen


def test_a_hostile_tree_loads_what_it_can_and_never_reads_outside(tree, opened, caplog):
    with caplog.at_level(logging.WARNING):
        results = metalab.load_results(tree.collection)
        everything = [line for run in results for line in read_everything(run)]

    assert sorted(r.run_id for r in results) == sorted(tree.good)
    outside = str(tree.outside.resolve())
    assert [p for p in opened if str(Path(p).resolve()).startswith(outside)] == []
    assert not any(SECRET in line for line in everything)
    assert any("OutsideTreeError" in line for line in everything)

    # every damaged record is skipped, with its reason, and said once as a warning
    skipped = {path.name: reason for path, reason in results.skipped}
    assert set(skipped) == set(tree.damaged)
    for name, fragment in tree.damaged.items():
        assert fragment in skipped[name], (name, skipped[name])
    assert f"skipped {len(tree.damaged)} file(s)" in caplog.text
    assert results.filter(status="success").skipped == results.skipped


def test_a_torn_line_in_the_middle_of_a_stream_is_skipped_and_said(tree, caplog):
    run = metalab.load_results(tree.folder).get(tree.torn_stream)
    with caplog.at_level(logging.WARNING, logger="metalab.store"):
        steps, values = run.stepped("loss")
    assert steps.tolist() == tree.torn_stream_steps
    np.testing.assert_allclose(values, [1.0, 0.5, 0.05, 0.01, 0.001])
    assert "loss.jsonl: skipped 1 damaged line(s)" in caplog.text


def test_binary_garbage_in_a_log_is_read_with_replacement_characters(tree):
    run = metalab.load_results(tree.folder).get(tree.garbage_log)
    assert run.log.splitlines()[-1] == "needle"
    assert "\ufffd" in run.log  # the undecodable bytes, replaced
    page = run.store.read_log_tail(run.run_id, lines=1)
    assert page is not None and page.lines == ["needle"]


def test_symlinks_out_of_the_tree_are_refused_and_said(tree, caplog):
    results = metalab.load_results(tree.folder)
    garbage = results.get(tree.garbage_log)
    with caplog.at_level(logging.WARNING, logger="metalab.store"):
        assert garbage.log_text("run.attempt1") == ""
    assert "run.attempt1.log' leads out of the results tree" in caplog.text

    escaping = results.get(tree.escaping_manifest)
    with pytest.raises(OutsideTreeError, match="weights.npz' leads out of the results tree"):
        escaping.artifact("weights")
    for name in ("secret", "climb"):  # uris pointing outside are never followed
        path = escaping.artifact_path(name)
        assert path.parent == tree.folder / "artifacts" / escaping.run_id
        with pytest.raises(FileNotFoundError):
            escaping.artifact(name)

    linked = results.get(tree.linked_folders)
    with pytest.raises(OutsideTreeError):
        linked.stepped("loss")
    with pytest.raises(OutsideTreeError):
        linked.artifact("weights")
    assert linked.store.list_artifacts(linked.run_id) == []  # its manifest is outside


def test_resuming_a_hostile_tree_writes_only_inside_it(tree):
    before = {p: p.read_bytes() for p in tree.outside.rglob("*") if p.is_file()}
    results = metalab.run(hostile_experiment(), store=tree.collection, resume=False).result()
    assert len(results.successful) == 4
    assert {p: p.read_bytes() for p in tree.outside.rglob("*") if p.is_file()} == before
    linked = results.get(tree.linked_folders)
    assert not (tree.folder / "artifacts" / linked.run_id).is_symlink()
    np.testing.assert_array_equal(linked.artifact("weights"), np.arange(4.0) * linked.params["x"])
    assert len(linked.stepped("loss")[0]) == 5
