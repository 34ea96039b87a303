"""The experiments tab's distribution and manifest history (atlas §2.2), driven by the
pilot on ``small_tree``: the histogram's counts against numpy's for the same bins, ``d``
cycling the field, ``h`` opening the manifest viewer with the manifest's run ids, and
``w`` saving a byte-for-byte copy to the current directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from textual.widgets import DataTable, Static

import metalab
from metalab.index.stats import auto_bins
from tui.browser import BrowserApp
from tui.browser.experiments.detail import DistributionView, ManifestScreen
from tui.browser.experiments.tab import ExperimentsPane
from tui.widgets.scalar_plot import ScalarPlot

SIZE = (160, 48)


async def _to(pilot: Any, app: BrowserApp, key: str) -> ExperimentsPane:
    """Put the experiments list's cursor on experiment ``key``."""
    await pilot.pause()
    pane = app.screen.query_one(ExperimentsPane)
    table = app.screen.query_one("#experiments-table", DataTable)
    table.move_cursor(row=pane.keys.index(key), animate=False)
    await pilot.pause()
    return pane


def _metric(root: Path, eid: str, name: str) -> np.ndarray:
    vals = [
        run.record.metrics.get(name)
        for run in metalab.load_results(root)
        if run.record.experiment_id == eid
    ]
    return np.asarray([v for v in vals if isinstance(v, int | float)], dtype=float)


async def test_histogram_counts_equal_numpys(
    small_tree: Path, fixed_clock: Any, small_tree_info: Any
) -> None:
    app = BrowserApp(small_tree, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _to(pilot, app, small_tree_info.TOY_ID)
        view = app.screen.query_one(DistributionView)
        dist = view.current
        assert dist is not None and dist.field == pane.distribution_field
        short = dist.field.split(".", 1)[1]
        values = _metric(small_tree, small_tree_info.TOY_ID, short)
        # the 10 successful toy runs have every scalar metric
        assert values.size == small_tree_info.TOY_RUNS - small_tree_info.TOY_FAILED
        assert np.allclose(np.sort(dist.values), np.sort(values))
        bins = auto_bins(values.size)
        expected, edges = np.histogram(values, bins=bins)
        assert dist.hist.bins == bins
        assert np.allclose(dist.hist.edges, edges)
        assert dist.counts.tolist() == expected.tolist()
        footer = str(app.screen.query_one("#distribution-footer", Static).content)
        assert footer.startswith(f"{values.size} values across {bins} bins   ")
        plot = app.screen.query_one("#distribution-plot", ScalarPlot)
        assert plot.chart.kind == "histogram"
        assert plot.chart.series[0].y.tolist() == expected.tolist()


async def test_d_cycles_the_metric(
    small_tree: Path, fixed_clock: Any, small_tree_info: Any
) -> None:
    app = BrowserApp(small_tree, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _to(pilot, app, small_tree_info.TOY_ID)
        view = app.screen.query_one(DistributionView)
        plot = app.screen.query_one("#distribution-plot", ScalarPlot)
        seen = [view.current.field]
        revision = plot.revision
        for _ in range(6):
            await pilot.press("d")
            await pilot.pause()
            seen.append(view.current.field)
        assert plot.revision > revision
        assert pane.distribution_field == seen[-1]
        assert seen[1] != seen[0]
        fields = list(dict.fromkeys(seen))
        assert len(fields) >= 2
        # every step moves on, and the cycle comes back round
        assert all(a != b for a, b in zip(seen, seen[1:], strict=False))
        assert seen[len(fields)] == seen[0]
        # each shown field's histogram holds its finite values, nothing else
        for field in fields:
            values = _metric(small_tree, small_tree_info.TOY_ID, field.split(".", 1)[1])
            while view.current.field != field:
                await pilot.press("d")
                await pilot.pause()
            assert int(view.current.counts.sum()) == values.size
            assert np.allclose(np.sort(view.current.values), np.sort(values))


def _manifests(root: Path, folder: str) -> list[Path]:
    return sorted((root / folder / "experiments").glob("*.json"))


async def test_h_shows_the_manifest_with_its_run_ids(
    small_tree: Path, fixed_clock: Any, small_tree_info: Any
) -> None:
    (path,) = _manifests(small_tree, "toy_1")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    app = BrowserApp(small_tree, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await _to(pilot, app, small_tree_info.TOY_ID)
        await pilot.press("h")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ManifestScreen)
        assert screen.path == path
        title = str(screen.query_one("#manifest-title", Static).content)
        assert path.name in title
        shown = str(screen.query_one("#manifest-json", Static).content)
        assert json.loads(shown) == manifest
        assert len(manifest["run_ids"]) == small_tree_info.TOY_RUNS
        for run_id in manifest["run_ids"]:
            assert run_id in shown
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ManifestScreen)


async def test_w_saves_a_copy_to_the_current_directory(
    small_tree: Path,
    fixed_clock: Any,
    small_tree_info: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    (path,) = _manifests(small_tree, "probe_2")
    app = BrowserApp(small_tree, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await _to(pilot, app, small_tree_info.PROBE_ID)
        await pilot.press("h")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ManifestScreen)
        await pilot.press("w")
        await pilot.pause()
        target = out / path.name
        assert screen.saved == target
        assert target.read_bytes() == path.read_bytes()
        assert any(str(target) in str(n.message) for n in app._notifications)
