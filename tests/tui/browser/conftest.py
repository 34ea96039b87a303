"""Results trees and helpers shared by every test of the results browser (``tui/browser``).

Fixtures (names are stable; other test modules of the browser rely on them):

* ``small_tree``: a collection root written by metalab itself, holding two experiments:
  ``toy:1`` (folder ``toy_1``; a grid of lr x optimizer, 2 replicates, 12 runs, the two
  ``lr=1.0, optimizer=sgd`` runs failing; scalar metrics, a stepped ``loss``, artifacts of
  every kind, a ``capture.data`` entry, log lines) and ``probe:2`` (folder ``probe_2``;
  3 random trials, 1 replicate, the depth-1 trial failing).
* ``reference_tree``: ONE experiment folder (``ref_sweep_0.3``) in the reference
  metalab's format as copied from another machine: the same kind of sweep, rewritten so
  artifact uris are absolute paths under ``/home/alice`` and provenance has no replicate;
  its manifest has a manual parameter source.
* ``small_tree_info``: the constants above (keys, param values, failing combinations).
* ``fixed_clock``: the "now" (POSIX seconds) the browser is given in tests, two hours
  after the first run of every tree started, so relative times read the same every run.

Both trees are built by ``support.trees`` once per session (per xdist worker) and copied
for each test, so a test may write into its copy (the live-tree tests do). Everything
that would differ from one build to the next is pinned after the sweep: run times and
durations, host, pid, python version, manifest file names and submission times, the
operation ref, and the timestamps in log lines. Run ids are deterministic already
(fingerprints of params, seeds and the operations' source). So snapshot tests can show
these trees.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from support import ops_small
from support import trees as support_trees


@pytest.fixture(scope="session")
def _browser_trees(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("browser_trees")
    support_trees.build_small_tree(base / "small")
    support_trees.build_reference_sweep(base / "reference")
    return base


@pytest.fixture
def small_tree(_browser_trees: Path, tmp_path: Path) -> Path:
    """A private copy of the two-experiment collection root (``toy_1``, ``probe_2``)."""
    return support_trees.copy_tree(_browser_trees / "small", tmp_path / "small")


@pytest.fixture
def reference_tree(_browser_trees: Path, tmp_path: Path) -> Path:
    """A private copy of the reference-format experiment folder ``ref_sweep_0.3``."""
    return support_trees.copy_tree(
        _browser_trees / "reference" / "ref_sweep_0.3",
        tmp_path / "reference" / "ref_sweep_0.3",
    )


@pytest.fixture(scope="session")
def small_tree_info() -> SimpleNamespace:
    """What the trees hold, for assertions (from ``support.trees``)."""
    t = support_trees
    return SimpleNamespace(
        TOY_ID=t.TOY_ID,
        PROBE_ID=t.SMALL_PROBE_ID,
        REF_ID=t.REF_ID,
        LRS=t.LRS,
        OPTIMIZERS=t.SMALL_OPTIMIZERS,
        REPLICATES=t.SMALL_REPLICATES,
        TOY_RUNS=len(t.LRS) * len(t.SMALL_OPTIMIZERS) * t.SMALL_REPLICATES,
        TOY_FAILED=t.SMALL_REPLICATES,  # lr=1.0 with sgd
        PROBE_RUNS=3,
        REF_RUNS=t.REF_SWEEP_RUNS,
        BASE_TIME=t.BASE_TIME,
        FIXED_NOW=t.FIXED_NOW,
        train=ops_small.train,
        probe=ops_small.probe,
        pin_experiment=t.pin_experiment,
    )


@pytest.fixture(autouse=True)
def _halfcell_images(monkeypatch: pytest.MonkeyPatch) -> None:
    """Images drawn with unicode half-blocks, the same in every terminal and snapshot."""
    monkeypatch.setenv("METALAB_TUI_IMAGES", "halfcell")


@pytest.fixture
def fixed_clock() -> Any:
    """A clock for ``BrowserApp(tree, clock=...)``: always :data:`FIXED_NOW`."""
    return lambda: support_trees.FIXED_NOW
