"""The run detail screen: headline, status, error, metric ranks, curves, artifact viewers,
logs with a filter, and following a live run (pilot tests on trees the tests build)."""

from __future__ import annotations

import datetime as _dt
import json
import os
import textwrap
import time
from pathlib import Path

import _trees
import numpy as np
import pytest
from support.pilot import open_run
from textual.geometry import Region

import metalab
from metalab.index import TreeIndex
from metalab.index.direction import default_lower_is_better
from tui.browser import run_detail
from tui.browser.app import BrowserApp, BrowserScreen
from tui.browser.run_detail import (
    STALE_AFTER,
    RunDetailScreen,
    RunLog,
    format_duration,
    metric_places,
    status_headline,
)
from tui.plotting.reduce import smooth_ema
from tui.widgets.artifact_view import (
    ArraysView,
    ArrayTable,
    ArtifactView,
    HeatmapView,
    JsonTree,
    MatrixView,
    TextView,
    classify,
    heatmap_lines,
)
from tui.widgets.curve_plot import CurvePlot
from tui.widgets.dialogs import HelpScreen

SIZE = (160, 48)


@pytest.fixture(scope="session")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The moved probe collection (artifact uris point nowhere), shared by the module's
    tests: they only read it (the index's cache file is written atomically)."""
    return _trees.build_probe_tree(tmp_path_factory.mktemp("probe"))


@pytest.fixture
def fixed(tmp_path: Path) -> Path:
    return _trees.build_fixed_tree(tmp_path / "fixed")


def _results(root: Path) -> metalab.Results:
    return metalab.load_results(root / "probe_1")


def _pick(root: Path, status: str, lr: float = 0.1, width: int = 8) -> metalab.Run:
    for run in _results(root):
        if str(run.status) == status and run.params["lr"] == lr and run.params["width"] == width:
            return run
    raise LookupError(status)


def _text(screen: RunDetailScreen, selector: str) -> str:
    """What the widget shows, as plain text (trailing blanks stripped)."""
    widget = screen.query_one(selector)
    lines = widget.render_lines(Region(0, 0, *widget.outer_size))
    return textwrap.dedent("\n".join(line.text.rstrip() for line in lines)).strip("\n")


async def _tab(pilot, key: str) -> None:
    await pilot.press(key)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.15)


async def _show_item(pilot, screen: RunDetailScreen, name: str, wait_until) -> ArtifactView:
    from textual.widgets import DataTable

    table = screen.query_one("#artifact-list", DataTable)
    index = next(i for i, item in enumerate(screen.items) if item.name == name)
    table.move_cursor(row=index)
    view = screen.query_one("#artifact-view", ArtifactView)
    await wait_until(
        pilot,
        lambda: (
            screen.item_shown is not None
            and screen.item_shown.name == name
            and view.mode not in ("loading", "empty")
        ),
        what=f"artifact {name}",
    )
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return view


# -- overview -----------------------------------------------------------------------------


async def test_success_run_shows_params_status_timing_and_provenance(probe: Path, wait_until):
    run = _pick(probe, "success", lr=0.1, width=16)
    app = BrowserApp(probe)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot, run.run_id, wait_until)
        headline = _text(screen, "#detail-headline")
        assert "lr = 0.1" in headline and "width = 16" in headline
        assert f"replicate {run.replicate}" in headline
        assert run.seed_fingerprint[:12] in headline
        status = _text(screen, "#detail-status")
        assert status == f"✔ Success in {format_duration(run.duration_ms)}"
        assert screen.status_kind == "success"
        info = _text(screen, "#overview-info")
        assert run.run_id in info
        assert run.record.provenance.executor_id in info
        assert run.record.provenance.host in info
        assert run.record.started_at.strftime("%Y-%m-%d %H:%M:%S") in info
        params = _text(screen, "#overview-params")
        assert "lr" in params and "0.1" in params and "16" in params
        assert not screen.query_one("#error-card").display
        # width 16 saved its history twice: the record's warning is shown, with the tags
        notes = _text(screen, "#overview-notes")
        assert screen.query_one("#overview-notes").display
        assert "saved twice" in notes and "probe" in notes
        await pilot.press("y")
        assert app.clipboard == run.run_id
        await pilot.press("Y")
        copied = dict(line.split(": ", 1) for line in app.clipboard.splitlines())
        assert copied["run_id"] == run.run_id
        assert copied["seed_fingerprint"] == run.record.seed_fingerprint
        assert copied["params_fingerprint"] == run.record.params_fingerprint
        assert copied["code_hash"] == run.record.provenance.code_hash
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)


async def test_failed_run_shows_the_error_and_its_traceback(probe: Path, wait_until):
    run = _pick(probe, "failed", lr=1.0, width=8)
    app = BrowserApp(probe)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot, run.run_id, wait_until)
        assert _text(screen, "#detail-status") == "✘ Failed (ValueError)"
        assert screen.query_one("#error-card").display
        assert _text(screen, "#error-message") == "ValueError: lr=1.0 is too large"
        trace = _text(screen, "#error-traceback")
        assert trace == run.error["traceback"].rstrip("\n")
        assert trace.startswith("Traceback (most recent call last)")
        assert 'raise ValueError(f"lr={lr} is too large")' in trace
        # a failed run has no scalar metrics, but its stepped metrics were kept
        assert [p.name for p in screen.places] == []
        assert screen.stepped == ["acc", "loss"]


# -- metrics ------------------------------------------------------------------------------


async def test_metric_rank_and_percentile_match_numpy(probe: Path, wait_until):
    run = _pick(probe, "success", lr=0.1, width=8)
    results = _results(probe)
    app = BrowserApp(probe)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot, run.run_id, wait_until)
        await _tab(pilot, "2")
        from textual.widgets import DataTable

        table = screen.query_one("#metrics-table", DataTable)
        for name in ("final_loss", "accuracy", "train_time"):
            values = np.array([r.metrics[name] for r in results if name in r.metrics])
            mine = run.metrics[name]
            if default_lower_is_better(name):
                k = 1 + int((values < mine).sum())
            else:
                k = 1 + int((values > mine).sum())
            n = values.size
            assert n == 8  # the 8 successful runs
            row = table.get_row(f"metrics.{name}")
            assert str(row[2]) == f"{k} of {n}"
            assert row[3] == f"{100 * (n - k) / (n - 1):.0f}%"
            place = next(p for p in screen.places if p.name == name)
            assert (place.rank, place.n) == (k, n)
            assert place.lowest == values.min() and place.highest == values.max()
            assert place.median == pytest.approx(np.median(values))
        # bools and strings are listed, not ranked
        assert str(table.get_row("metrics.label")[2]) == "—"
        assert table.get_row("metrics.converged")[1] in ("True", "False")


def test_metric_places_ranks_ties_and_direction(tmp_path: Path):
    tree = _trees.build_fixed_tree(tmp_path / "fixed")
    table = TreeIndex(tree).table()
    i = table.index_of("1a2b3c4d5e6f7081")
    places = {p.name: p for p in metric_places(table, i)}
    # final_loss: 0.0123 among 0.0123, 0.0456, 0.0089 -> 2nd lowest
    assert (places["final_loss"].rank, places["final_loss"].n) == (2, 3)
    assert places["final_loss"].lower_better
    # accuracy: 0.912 among 0.912, 0.874, 0.931 -> 2nd highest
    assert (places["accuracy"].rank, places["accuracy"].percentile) == (2, 50.0)
    assert places["label"].rank is None and places["converged"].rank is None


# -- curves -------------------------------------------------------------------------------


async def test_curve_pane_draws_the_stepped_metric_with_smoothing_and_log_y(
    probe: Path, wait_until
):
    run = _pick(probe, "success", lr=0.1, width=8)
    steps, acc = run.stepped("acc")
    _, loss = run.stepped("loss")
    app = BrowserApp(probe)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot, run.run_id, wait_until)
        await _tab(pilot, "3")
        plot = screen.query_one("#curve-plot", CurvePlot)
        await wait_until(pilot, lambda: plot.series_count == 1, what="the curve")
        assert screen.curve_name == "acc"
        (series,) = screen.curve_series
        assert len(series.x) == len(series.y) == _trees.PROBE_STEPS
        np.testing.assert_array_equal(series.x, steps)
        np.testing.assert_array_equal(series.y, acc)

        await pilot.press("m")  # the next metric
        await wait_until(
            pilot,
            lambda: (
                screen.curve_name == "loss"
                and screen.curve is not None
                and np.array_equal(screen.curve[1], loss)
            ),
            what="loss",
        )
        await pilot.press("s")  # smoothing 0.6: the raw curve plus its EMA
        await wait_until(pilot, lambda: plot.series_count == 2, what="the smoothed curve")
        raw, smooth = screen.curve_series
        np.testing.assert_allclose(smooth.y, smooth_ema(loss, 0.6))
        np.testing.assert_array_equal(raw.y, loss)
        assert screen.smoothing == 0.6
        for expected in (0.9, 0.99, 0.0):
            await pilot.press("s")
            assert screen.smoothing == expected
        await pilot.pause(0.15)
        assert len(screen.curve_series) == 1
        assert not plot.log_y
        await pilot.press("l")
        assert plot.log_y


# -- artifacts ----------------------------------------------------------------------------


async def test_artifacts_of_a_moved_tree_open_in_their_viewers(probe: Path, wait_until):
    run = _pick(probe, "success", lr=0.1, width=8)
    descriptor = next(a for a in run.artifacts() if a.name == "history")
    assert not Path(descriptor.uri).exists()  # the tree was moved since it was written
    app = BrowserApp(probe)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot, run.run_id, wait_until)
        await _tab(pilot, "4")
        names = [(i.name, i.source) for i in screen.items]
        assert ("history", "artifact") in names and ("predictions", "data") in names
        assert ("loss", "data") not in names  # stepped metrics are in the curves tab
        history = next(i for i in screen.items if i.name == "history")
        assert history.kind_format == "numpy / npz" and history.size == descriptor.size_bytes

        # 1-D npz: a curve against the index
        view = await _show_item(pilot, screen, "history", wait_until)
        assert view.mode == "curve"
        np.testing.assert_array_equal(view.viewer.values, run.artifact("history"))
        await pilot.pause(0.15)
        assert view.viewer.series_count == 1
        await pilot.press("l")
        assert view.viewer.log_y

        # JSON: a tree
        view = await _show_item(pilot, screen, "config", wait_until)
        assert view.mode == "json"
        tree = view.viewer
        assert isinstance(tree, JsonTree)
        labels = [str(node.label) for node in tree.root.children]
        assert labels == ["layers [3]", "lr: 0.1", "optimizer {2}", "width: 8"]
        optimizer = tree.root.children[2]
        assert [str(n.label) for n in optimizer.children] == ["betas [2]", 'name: "adam"']

        # 2-D: a table when small, a heatmap when large; t switches
        view = await _show_item(pilot, screen, "weights", wait_until)
        matrix = view.viewer
        assert isinstance(matrix, MatrixView) and matrix.mode == "table"
        table = matrix.query_one(ArrayTable)
        assert (table.row_count, len(table.columns)) == (6, 9)
        weights = run.artifact("weights")
        assert str(table.get_row("r2")[4]) == f"{weights[2, 3]:.4g}"
        await pilot.press("t")
        await pilot.pause()
        assert matrix.mode == "heatmap" and matrix.query(HeatmapView)
        view = await _show_item(pilot, screen, "field", wait_until)
        assert view.viewer.mode == "heatmap"
        await pilot.pause()
        heat = view.viewer.query_one(HeatmapView)
        assert heat.pixels[0] > 0 and heat.pixels[1] > 0
        assert heat.lo == pytest.approx(run.artifact("field").min())

        # a dict of arrays: pick a key
        view = await _show_item(pilot, screen, "arrays", wait_until)
        arrays = view.viewer
        assert isinstance(arrays, ArraysView) and arrays.keys == ["x", "grid"]
        await pilot.pause()
        assert arrays.inner.mode == "curve"
        np.testing.assert_array_equal(arrays.inner.viewer.values, np.arange(10.0) * 0.1)

        # text, capture.data entries, and a pickle that is never unpickled
        view = await _show_item(pilot, screen, "summary", wait_until)
        assert isinstance(view.viewer, TextView) and "width=8" in view.viewer.text
        view = await _show_item(pilot, screen, "predictions", wait_until)
        assert view.mode == "curve"
        np.testing.assert_allclose(view.viewer.values, np.linspace(0.0, 1.0, 7))
        view = await _show_item(pilot, screen, "meta", wait_until)
        assert view.mode == "json"
        view = await _show_item(pilot, screen, "model", wait_until)
        assert view.mode == "info" and "pickle" in str(view.query_one(".artifact-message").render())


async def test_reference_tree_with_absolute_uris_loads_the_artifact(tmp_path: Path, wait_until):
    folder = _trees.build_reference_tree(tmp_path / "ref")
    run_id = _trees.ref_run_ids()[0]
    app = BrowserApp(folder)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot, run_id, wait_until)
        assert _text(screen, "#detail-status") == "✔ Success in 1.5s"
        await _tab(pilot, "4")
        item = screen.items[0]
        assert item.name == "weights" and item.path == folder / "artifacts" / run_id / "weights.npz"
        view = await _show_item(pilot, screen, "weights", wait_until)
        assert view.mode == "curve"
        np.testing.assert_array_equal(view.viewer.values, np.linspace(0.0, 1.0, 16))


# -- logs ---------------------------------------------------------------------------------


async def test_log_filter_shows_only_matching_lines(probe: Path, wait_until):
    run = _pick(probe, "success", lr=0.01, width=8)
    lines = run.log_text().splitlines()
    app = BrowserApp(probe)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot, run.run_id, wait_until)
        await _tab(pilot, "5")
        log = screen.query_one(RunLog)
        assert log.shown == lines
        await pilot.press("slash")
        for key in "STEP ":
            await pilot.press("space" if key == " " else key)
        await pilot.pause()
        expected = [line for line in lines if "step " in line.lower()]
        assert 0 < len(expected) < len(lines)
        assert log.shown == expected
        assert _text(screen, "#log-status").startswith(f"{len(expected)} of {len(lines)} lines")
        await pilot.press("escape")  # clears the filter first
        assert log.shown == lines
        await pilot.press("escape")  # then leaves the input
        assert isinstance(app.screen, RunDetailScreen)


async def test_each_log_has_a_tab_and_the_filter_applies_to_all(fixed: Path, wait_until):
    run_id = "2b3c4d5e6f708192"
    logs = fixed / "demo_1" / "logs"
    earlier = ["attempt 1 started", "attempt 1 died: out of memory", "bye"]
    (logs / f"{run_id}_run.attempt1.log").write_text("\n".join(earlier) + "\n")
    app = BrowserApp(fixed)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot, run_id, wait_until)
        await _tab(pilot, "5")
        views = {log.log_name: log for log in screen.query(RunLog)}
        assert sorted(views) == ["run", "run.attempt1"]
        assert views["run.attempt1"].shown == earlier
        assert len(views["run"].shown) == 4
        screen.query_one("#log-filter").value = "ATTEMPT 1"
        await pilot.pause()
        assert views["run.attempt1"].shown == earlier[:2]
        assert views["run"].shown == []


def _make_running(folder: Path, run_id: str, *, age: float = 0.0) -> Path:
    path = folder / "runs" / f"{run_id}.json"
    record = json.loads(path.read_text())
    record.update(status="running", finished_at=None)
    record["started_at"] = (_dt.datetime.now() - _dt.timedelta(seconds=75)).isoformat()
    path.write_text(json.dumps(record))
    if age:
        past = time.time() - age
        os.utime(path, (past, past))
    return path


async def test_follow_mode_appends_lines_while_the_run_is_live(
    fixed: Path, wait_until, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(run_detail.polling, "POLL_EVERY", 0.2)
    run_id = "2b3c4d5e6f708192"
    folder = fixed / "demo_1"
    record_path = _make_running(folder, run_id)
    log_path = folder / "logs" / f"{run_id}_run.log"
    app = BrowserApp(fixed)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot, run_id, wait_until)
        assert screen.status_kind == "running"
        assert _text(screen, "#detail-status").startswith("▶ Running since ")
        await _tab(pilot, "5")
        log = screen.query_one(RunLog)
        assert len(log.shown) == 4
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write("2026-01-02 10:00:04 [INFO   ] [metalab.run] a line appended by the test\n")
            fh.write("a torn line without its newline")
        await wait_until(
            pilot,
            lambda: "appended by the test" in "".join(log.shown),
            timeout=10,
            what="the appended line",
        )
        assert log.shown[-1].endswith("a line appended by the test")  # not the torn one
        assert "following" in _text(screen, "#log-status")

        # the run finishes: the torn line is completed, the status turns final, polling stops
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(", now whole\n")
        record = json.loads(record_path.read_text())
        record.update(status="success", finished_at="2026-01-02T10:00:05")
        record_path.write_text(json.dumps(record))
        await wait_until(pilot, lambda: screen.status_kind == "success", timeout=10, what="done")
        await wait_until(pilot, lambda: "run finished" in _text(screen, "#log-status"), timeout=10)
        await app.workers.wait_for_complete()  # the final reload, and its last read of the logs
        await pilot.pause(0.2)
        assert log.shown[-1] == "a torn line without its newline, now whole"
        assert log.shown.count(log.shown[-1]) == 1
        polls = screen.polls
        await pilot.pause(0.8)  # four polls, were it still polling
        assert screen.polls == polls


async def test_a_running_record_left_untouched_is_stale(fixed: Path, wait_until):
    run_id = "2b3c4d5e6f708192"
    _make_running(fixed / "demo_1", run_id, age=STALE_AFTER + 90)
    app = BrowserApp(fixed)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot, run_id, wait_until)
        assert screen.status_kind == "stale"
        assert "no heartbeat for 2m" in _text(screen, "#detail-status")


# -- the pure parts -----------------------------------------------------------------------


def test_status_headline():
    started = _dt.datetime(2026, 1, 1, 10, 0, 2)
    t0 = started.timestamp()
    assert status_headline("success", duration_ms=1234) == ("Success in 1.2s", "success")
    assert status_headline("failed", error_type="KeyError") == ("Failed (KeyError)", "failed")
    assert status_headline("cancelled") == ("Cancelled", "cancelled")
    text, kind = status_headline(
        "running", started_at=started, record_mtime=t0 + 60, now=t0 + 65, wall=t0 + 65
    )
    assert (text, kind) == ("Running since 10:00:02 (for 1m 05s)", "running")
    text, kind = status_headline(
        "running", started_at=started, record_mtime=t0, now=t0 + 95, wall=t0 + 95
    )
    assert kind == "stale" and text.endswith("no heartbeat for 1m 35s")


def test_format_duration():
    assert [format_duration(v) for v in (None, 850, 1200, 125_000, 3_720_000, 97_200_000)] == [
        "—",
        "850 ms",
        "1.2s",
        "2m 05s",
        "1h 02m",
        "1d 3h",
    ]


def test_classify_and_heatmap():
    assert classify(np.arange(3)) == "curve"
    assert classify(np.ones((2, 2))) == "matrix"
    assert classify(np.ones((2, 2, 2))) == "array"
    assert classify({"a": np.ones(2)}) == "arrays"
    assert classify({"a": 1}) == "json" and classify([1, "x"]) == "json"
    assert classify([1.0, 2.0]) == "curve" and classify("hi") == "text"
    assert classify(b"\x00") == "other"
    lines, rows, cols = heatmap_lines(np.arange(12.0).reshape(3, 4), 40, 10)
    assert (rows, cols) == (18, 24)  # scaled by 6 on both axes: square cells
    assert len(lines) == 9 and all(line.cell_len == 24 for line in lines)
    lines, rows, cols = heatmap_lines(np.random.default_rng(0).random((500, 700)), 80, 20)
    assert (rows, cols) == (40, 80) and len(lines) == 20
