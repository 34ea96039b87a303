"""Results trees for the browser's data-layer tests (built by ``support.trees``).

``lib_tree`` is written by metalab itself (a real sweep: scalar metrics, a stepped
metric, an artifact, log lines, some runs failing); ``reference_tree`` is laid out by
hand the way the reference metalab writes one on another machine (schema 0.1 keys,
absolute artifact paths under /home/alice, no replicate in the provenance). Both are
built once per session; tests that change a tree get their own copy.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from support import ops_lib
from support import trees as support_trees

from metalab.index import tree as index_module


@pytest.fixture(scope="session")
def _session_trees(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trees") / "collection"
    support_trees.build_lib_tree(root)
    support_trees.build_reference_tree(root)
    return root


@pytest.fixture
def trees(_session_trees: Path, tmp_path: Path) -> Path:
    """A private copy of a collection root holding ``toy_1`` and ``ref_sweep_0.3``."""
    return support_trees.copy_tree(_session_trees, tmp_path / "collection")


@pytest.fixture
def lib_tree(trees: Path) -> Path:
    return trees / "toy_1"


@pytest.fixture
def reference_tree(trees: Path) -> Path:
    return trees / "ref_sweep_0.3"


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust freshly written records in the cache (normally they are re-read for 1 s)."""
    monkeypatch.setattr(index_module, "RACY_NS", 0)


@pytest.fixture
def bump() -> Callable[[Path], None]:
    """Move a file's mtime forward, as a later write would."""

    def _bump(path: Path) -> None:
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))

    return _bump


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The lib and reference trees' constants and builders (all in ``support.trees``)."""
    return SimpleNamespace(
        LIB_ID=support_trees.TOY_ID,
        REF_ID=support_trees.REF_ID,
        LRS=support_trees.LRS,
        OPTIMIZERS=support_trees.LIB_OPTIMIZERS,
        REPLICATES=support_trees.LIB_REPLICATES,
        train=ops_lib.train,
        build_lib_tree=support_trees.build_lib_tree,
        build_reference_tree=support_trees.build_reference_tree,
    )
