"""``w`` in the plots tab writes the plotted points as CSV and the chart as SVG or PNG.

The CSV is checked against numbers computed here with numpy from the run records (and
the stepped files, for curves); the SVG is parsed as XML and must hold one
``<polyline>`` per series with one point per plotted point; the PNG must open as an
image of the figure's size with each series' colour in it.
"""

from __future__ import annotations

import csv
import math
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _plots_trees import ITERATIONS, LRS, REPLICATES, copy_curve_fit, records, stepped_loss
from PIL import Image
from support.trees import run_record, write_json
from textual.pilot import Pilot
from textual.widgets import Input, Static

from metalab.index import runs_condition
from metalab.store import FileStore
from tui.browser import BrowserApp
from tui.browser.messages import StateChanged
from tui.browser.plots.export_dialog import PlotExportDialog
from tui.browser.plots.tab import PlotsPane
from tui.plotting.figure import (
    COLORS,
    HEIGHT,
    PNG_SCALE,
    WIDTH,
    Figure,
    FigureSeries,
    svg_text,
    write_figure,
)
from tui.plotting.render import format_value, nice_ticks
from tui.plotting.scalar import ScalarChart, ScalarSeries, render_scalar
from tui.widgets.curve_plot import CurvePlot
from tui.widgets.scalar_plot import ScalarPlot

SIZE = (160, 48)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def curve_fit(tmp_path: Path) -> Path:
    return copy_curve_fit(tmp_path / "curve_fit")


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_plots(pilot: Pilot[Any]) -> PlotsPane:
    await pilot.pause()
    await pilot.press("3")
    await settle(pilot)
    return pilot.app.screen.query_one(PlotsPane)


async def export(pilot: Pilot[Any], target: Path, wait_until: Any, png: bool = False) -> Path:
    """Press ``w``, write to ``target`` (with the figure as SVG, or PNG); the figure's path."""
    await pilot.press("w")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, PlotExportDialog)
    if png:
        await pilot.click("#plot-export-png")
        await pilot.pause()
    dialog.query_one("#plot-export-path", Input).value = str(target)
    await pilot.pause()
    figure = target.with_suffix(".png" if png else ".svg")
    assert str(figure) in str(dialog.query_one("#plot-export-figure-path", Static).content)
    # enter in the path box; ctrl+s from anywhere (the click moved the focus to the radios)
    await pilot.press("ctrl+s" if png else "enter")
    await wait_until(pilot, figure.exists, timeout=20, what="the figure")
    await settle(pilot)
    return figure


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def svg_series(path: Path) -> list[ET.Element]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "series"]


def polyline_points(group: ET.Element) -> list[tuple[float, float]]:
    lines = group.findall(f"{SVG}polyline")
    assert len(lines) == 1
    return [tuple(map(float, p.split(","))) for p in lines[0].get("points", "").split()]


async def test_scalar_points_and_figure(
    curve_fit: Path, tmp_path: Path, wait_until: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    groups: dict[tuple[int, float], list[float]] = defaultdict(list)
    for rec in records(curve_fit):
        params = rec["params_resolved"]
        groups[(params["n_iterations"], params["learning_rate"])].append(
            float(rec["metrics"]["final_loss"])
        )
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("e", "k")  # std error bars; scatter -> line
        await settle(pilot)
        assert (pane.config.error, pane.config.kind) == ("std", "line")
        # the dialog proposes <cwd>/<experiment>_<plot title>_<time>.csv
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PlotExportDialog)
        default = Path(dialog.query_one("#plot-export-path", Input).value)
        assert default.parent == tmp_path and default.suffix == ".csv"
        assert default.name.startswith("curve_fit_0.1_mean_final_loss_vs_learning_rate_by_n_it")
        await pilot.press("escape")
        await pilot.pause()
        figure = await export(pilot, tmp_path / "out" / "loss_vs_lr.csv", wait_until)
        messages = [str(n.message) for n in app._notifications]
        assert any("exported 6 points" in m and str(figure) in m for m in messages), messages

        # histogram: counts per group and bin, against numpy with the same edges
        await pilot.press("k", "k")  # line -> bar -> histogram
        await settle(pilot)
        assert pane.config.kind == "histogram"
        await export(pilot, tmp_path / "hist.csv", wait_until)

    header, rows = read_csv(tmp_path / "out" / "loss_vs_lr.csv")
    assert header == [
        "n_iterations",
        "learning_rate",
        "mean(final_loss)",
        "n",
        "std",
        "low",
        "high",
    ]
    assert len(rows) == len(groups) == len(LRS) * len(ITERATIONS)
    for group, x, y, n, err, low, high in rows:
        values = np.asarray(groups[(int(group), float(x))])
        assert int(n) == REPLICATES == values.size
        assert float(y) == pytest.approx(values.mean(), rel=1e-12)
        assert float(err) == pytest.approx(values.std(ddof=1), rel=1e-9)
        assert float(low) == pytest.approx(values.mean() - values.std(ddof=1), rel=1e-9)
        assert float(high) == pytest.approx(values.mean() + values.std(ddof=1), rel=1e-9)

    series = svg_series(figure)
    assert [g.get("data-label") for g in series] == ["n_iterations=5000", "n_iterations=10000"]
    for g in series:
        points = polyline_points(g)
        assert len(points) == len(LRS)
        xs = [p[0] for p in points]
        assert xs == sorted(xs)  # learning rates in order, left to right
        # an error bar (a stem and two caps) per point
        assert len(g.findall(f"{SVG}line")) == 3 * len(LRS)

    header, rows = read_csv(tmp_path / "hist.csv")
    assert header == ["n_iterations", "bin_low", "bin_high", "count"]
    edges = sorted({float(r[1]) for r in rows} | {float(r[2]) for r in rows})
    for iterations in ITERATIONS:
        mine = [r for r in rows if r[0] == str(iterations)]
        flat = np.concatenate([vs for (it, _), vs in groups.items() if it == iterations])
        want, _ = np.histogram(flat, bins=np.asarray(edges))
        assert [int(r[3]) for r in mine] == want.tolist()


async def test_curve_points_and_png(
    curve_fit: Path, tmp_path: Path, wait_until: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    chosen = [r["run_id"] for r in records(curve_fit)][:3]
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        pane.state.selected[:] = chosen
        pane.post_message(StateChanged("selection"))
        await pilot.press("m", "p")  # curves, overlaid, of the selected runs
        await settle(pilot)
        assert [s.key for s in pane.curve_series] == chosen
        svg = await export(pilot, tmp_path / "loss.csv", wait_until)
        png = await export(pilot, tmp_path / "loss_png.csv", wait_until, png=True)

    header, rows = read_csv(tmp_path / "loss.csv")
    assert header == ["series", "step", "value"]
    by_run: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for run_id, step, value in rows:
        by_run[run_id].append((float(step), float(value)))
    assert list(by_run) == chosen
    for run_id in chosen:
        steps, values = stepped_loss(curve_fit, run_id)
        got = np.asarray(by_run[run_id])
        np.testing.assert_array_equal(got[:, 0], steps)
        np.testing.assert_array_equal(got[:, 1], values)

    series = svg_series(svg)
    # each selected run's own line, labelled by its id (and its group's value)
    assert [g.get("data-label").split()[0] for g in series] == [s[:8] for s in chosen]
    for g, run_id in zip(series, chosen, strict=True):
        steps, values = stepped_loss(curve_fit, run_id)
        assert len(polyline_points(g)) == int(np.isfinite(values).sum()) == steps.size

    image = Image.open(png)
    assert image.format == "PNG" and image.size == (WIDTH * PNG_SCALE, HEIGHT * PNG_SCALE)
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    for colour in COLORS[: len(chosen)]:  # the three runs are coloured by their own
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        near = np.abs(pixels.astype(int) - rgb).sum(axis=1) < 30
        assert near.sum() > 200, colour


async def test_nothing_plotted_says_so(curve_fit: Path) -> None:
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        pane.state.conditions.append(runs_condition([], "no runs"))  # a filter none pass
        pane.post_message(StateChanged("filter"))
        await settle(pilot)
        await pilot.press("w")
        await pilot.pause()
        assert not isinstance(app.screen, PlotExportDialog)
        assert any("nothing is plotted" in str(n.message) for n in app._notifications)


def test_png_and_svg_of_an_empty_series_are_still_figures(tmp_path: Path) -> None:
    fig = Figure(
        [FigureSeries("a", np.array([1.0, 2.0]), np.array([math.nan, -1.0]))],
        kind="line",
        title="t",
        log_y=True,
    )
    svg = write_figure(fig, tmp_path / "f.svg")
    assert svg_series(svg) == []  # nothing drawable (NaN; -1 on a log axis): no line
    assert ET.parse(svg).getroot().find(f"{SVG}title").text == "t"
    png = write_figure(fig, tmp_path / "f.png")
    assert Image.open(png).size == (WIDTH * PNG_SCALE, HEIGHT * PNG_SCALE)
    with pytest.raises(ValueError, match="SVG or PNG"):
        write_figure(fig, tmp_path / "f.pdf")


# -- the export shows what the screen shows ----------------------------------------------------

WIDTHS_ID = "widths:1"
WIDTHS_BY_DEPTH = {1: (32, 64), 2: (16, 32)}
"""Each depth's widths: the groups share 32 only, so the categories seen first (depth 1's)
are not the axis's order (16, 32, 64)."""
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def accuracy(depth: int, width: int, replicate: int) -> float:
    return round(0.5 + 0.004 * width - 0.05 * depth + 0.01 * replicate, 6)


@pytest.fixture
def widths_tree(tmp_path: Path) -> Path:
    """``widths:1``: accuracy over width by depth, 3 replicates each, the depths'
    widths overlapping in one value only (:data:`WIDTHS_BY_DEPTH`)."""
    folder = tmp_path / "widths" / "widths_1"
    FileStore(folder, WIDTHS_ID).create()
    ids = []
    for depth, widths in WIDTHS_BY_DEPTH.items():
        for width in widths:
            for replicate in range(3):
                run_id = f"{depth:04x}{width:04x}{replicate:08x}"
                ids.append(run_id)
                record = run_record(
                    run_id,
                    WIDTHS_ID,
                    status="success",
                    fingerprints=("c0ffee00c0ffee00", f"{depth:08x}{width:08x}", run_id),
                    started_at="2026-01-01T10:00:00",
                    finished_at="2026-01-01T10:00:01",
                    duration_ms=1000,
                    metrics={"acc": accuracy(depth, width, replicate)},
                    provenance={"python_version": "3.11.9", "metalab_version": "0.1.0"},
                    params={"depth": depth, "width": width},
                    artifacts=[],
                )
                write_json(folder / "runs" / f"{run_id}.json", record)
    write_json(
        folder / "experiments" / "widths_1_20260101_095959.json",
        {"experiment_id": WIDTHS_ID, "name": "widths", "version": "1",
         "total_runs": len(ids), "run_ids": ids, "submitted_at": "2026-01-01T09:59:59"},
    )  # fmt: skip
    return tmp_path / "widths"


def screen_categories(pane: PlotsPane, names: set[str]) -> list[str]:
    """The x axis's category labels as the pane draws them, left to right: the line of
    the frame that holds nothing but those labels."""
    plot = pane.query_one(ScalarPlot)
    frame = ANSI.sub("", render_scalar(plot.chart, plot.size.width, plot.size.height))
    for line in frame.split("\n"):
        tokens = line.split()
        if tokens and set(tokens) == names:
            return tokens
    raise AssertionError(f"no line of category labels {sorted(names)} in\n{frame}")


def figure_categories(svg: Path, names: set[str]) -> dict[str, float]:
    """The figure's category tick labels and their x (figure pixels)."""
    root = ET.parse(svg).getroot()
    return {
        t.text: float(t.get("x", "nan"))
        for t in root.iter(f"{SVG}text")
        if t.text in names and t.get("text-anchor") == "middle"
    }


def mark_centres(group: ET.Element) -> list[float]:
    """The x of each bar (its centre) or point of a series' group, left to right."""
    xs = [float(r.get("x", "0")) + float(r.get("width", "0")) / 2 for r in group.iter(f"{SVG}rect")]
    xs += [float(c.get("cx", "0")) for c in group.iter(f"{SVG}circle")]
    return sorted(xs)


async def plot_widths(pilot: Pilot[Any], pane: PlotsPane, kind: str) -> None:
    """Accuracy over width by depth, as a ``kind`` chart."""
    cfg = pane.config
    cfg.kind, cfg.x, cfg.y, cfg.group = kind, "params.width", "metrics.acc", "params.depth"
    pane.refresh_view()
    await settle(pilot)
    assert pane.query_one(ScalarPlot).chart.kind == kind


@pytest.mark.parametrize("kind", ["bar", "box"])
async def test_the_figure_orders_categories_as_the_screen_does(
    kind: str, widths_tree: Path, tmp_path: Path, wait_until: Any
) -> None:
    """A bar or box chart over a numeric param whose groups have different values: the
    exported figure names its categories in the order the screen does, and each bar (or
    median) of the figure stands over the category its CSV row says."""
    names = {str(w) for ws in WIDTHS_BY_DEPTH.values() for w in ws}
    app = BrowserApp(widths_tree, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await plot_widths(pilot, pane, kind)
        on_screen = screen_categories(pane, names)
        svg = await export(pilot, tmp_path / f"{kind}.csv", wait_until)
    assert on_screen == ["16", "32", "64"]
    ticks = figure_categories(svg, names)
    assert sorted(ticks, key=ticks.__getitem__) == on_screen
    _, rows = read_csv(tmp_path / f"{kind}.csv")
    by_depth: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_depth[row[0]].append(row[1])
    series = svg_series(svg)
    assert [g.get("data-label") for g in series] == ["depth=1", "depth=2"]
    for g, depth in zip(series, ("1", "2"), strict=True):
        under = [min(ticks, key=lambda name: abs(ticks[name] - x)) for x in mark_centres(g)]
        assert under == by_depth[depth] == [str(w) for w in WIDTHS_BY_DEPTH[int(depth)]]


async def test_interquartile_and_bootstrap_bars_are_exported_as_drawn(
    curve_fit: Path, tmp_path: Path, wait_until: Any
) -> None:
    """The median's interquartile range and bootstrap 95% CI: the CSV's ``low`` and
    ``high`` are the bar's ends, numpy's quartiles and the seeded bootstrap's interval,
    as the chart draws them."""
    by_point: dict[tuple[str, str], np.ndarray] = {}
    for rec in records(curve_fit):
        params = rec["params_resolved"]
        key = (str(params["n_iterations"]), format_value(params["learning_rate"]))
        by_point[key] = np.append(by_point.get(key, []), float(rec["metrics"]["final_loss"]))
    app = BrowserApp(curve_fit)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_plots(pilot)
        await pilot.press("a", "e")  # the median; the interquartile range
        await settle(pilot)
        assert pane.config.error_drawn == "iqr"
        await export(pilot, tmp_path / "iqr.csv", wait_until)
        await pilot.press("e")  # the bootstrap 95% CI of the median
        await settle(pilot)
        assert pane.config.error_drawn == "boot95"
        drawn = {
            (s.label, format_value(x)): (lo, hi)
            for s in pane.query_one(ScalarPlot).chart.series
            for x, lo, hi in zip(s.x, s.low, s.high, strict=True)
        }
        await export(pilot, tmp_path / "boot95.csv", wait_until)

    header, rows = read_csv(tmp_path / "iqr.csv")
    assert header[2:] == ["median(final_loss)", "n", "iqr", "low", "high"]
    assert len(rows) == len(by_point)
    for group, x, median, _, _, low, high in rows:
        q1, med, q3 = np.percentile(by_point[(group, format_value(float(x)))], [25, 50, 75])
        assert (float(median), float(low), float(high)) == pytest.approx((med, q1, q3), rel=1e-12)

    header, rows = read_csv(tmp_path / "boot95.csv")
    assert header[4:] == ["boot95", "low", "high"]
    assert len(rows) == len(drawn)
    for group, x, median, _, _, low, high in rows:
        values = by_point[(group, format_value(float(x)))]
        picks = np.random.default_rng(0).integers(0, values.size, (2000, values.size))
        want = np.percentile(np.median(values[picks], axis=1), [2.5, 97.5])
        assert (float(low), float(high)) == pytest.approx(tuple(want), rel=1e-12)
        assert (float(low), float(high)) == drawn[(group, format_value(float(x)))]
        assert float(low) <= float(median) <= float(high)


async def test_the_controls_summary_names_the_bars_and_band_drawn(curve_fit: Path) -> None:
    """In a narrow terminal the controls are summed up in a line: it names the error bar
    (or curve band) the chart draws, not one asked for that does not fit the aggregate,
    and says so when none is drawn."""
    app = BrowserApp(curve_fit)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_plots(pilot)
        summary = pane.query_one("#plot-summary", Static)

        async def settings(*keys: str) -> list[str]:
            """Press ``keys``; the summary's settings, before the fields it names."""
            await pilot.press(*keys)
            await settle(pilot)
            assert summary.display
            return str(summary.content).split(" │ ", 1)[1].split(" · by ")[0].split(" · ")

        assert await settings("e") == ["scatter", "mean", "error std"]
        # a median's counterpart of std: the interquartile range, as the title says
        assert await settings("a") == ["scatter", "median", "error iqr"]
        assert "interquartile range" in pane.query_one(ScalarPlot).chart.title
        # around a minimum no bar applies: the std asked for is not drawn
        assert pane.config.error == "std"
        assert await settings("a") == ["scatter", "min", "no error bars"]
        # back to a mean (max, count, none, mean) and on to the box plot: quartiles
        assert await settings("a", "a", "a", "a") == ["scatter", "mean", "error std"]
        assert await settings("k", "k", "k", "k") == ["box", "median and quartiles"]
        # grouped curves around a median: the band is the interquartile range, not ci95
        await settings("m", "o", "a")
        assert (pane.config.band, pane.config.band_drawn) == ("ci95", "iqr")
        assert "band q1 to q3" in pane.query_one(CurvePlot).title
        assert "band iqr" in str(summary.content)
        assert "ci95" not in str(summary.content)


# -- round ticks: one rule for the screen and the figure, labels that read as their values -----

Y_TICK = re.compile(r"^\s*(\S+)┤")


def screen_y_ticks(frame: str) -> list[float]:
    """The values the y axis of a drawn frame names, top to bottom."""
    return [float(m[1]) for line in ANSI.sub("", frame).split("\n") if (m := Y_TICK.match(line))]


def figure_y_axis(svg: str) -> tuple[float, float, list[float]]:
    """The figure's y axis: the values at the bottom and the top of its frame (from where
    its tick labels stand) and the values its tick labels name, bottom to top."""
    root = ET.fromstring(svg)
    frame = next(
        r for r in root.iter(f"{SVG}rect") if r.get("fill") == "none" and r.get("stroke") != "none"
    )
    top = float(frame.get("y", "nan"))
    bottom = top + float(frame.get("height", "nan"))
    labels = [
        (float(t.get("y", "nan")) - 4, float(t.text or "nan"))
        for t in root.iter(f"{SVG}text")
        if t.get("text-anchor") == "end"
    ]
    labels.sort(key=lambda pv: -pv[0])
    (p0, v0), (p1, v1) = labels[0], labels[-1]
    per_pixel = (v1 - v0) / (p0 - p1)
    return v0 - (bottom - p0) * per_pixel, v0 + (p0 - top) * per_pixel, [v for _, v in labels]


@pytest.mark.parametrize("top", [1.4, 9.0, 14.0, 23.0, 140.0, 0.06])
def test_the_figure_ticks_its_axis_as_the_screen_does(top: float) -> None:
    """The exported figure's y axis is ticked by the screen's rule for round ticks (1,
    2, 2.5 or 5 times a power of ten apart, at most 7 of them on a figure), its labels
    naming the values where they stand."""
    fig = Figure([FigureSeries("loss", np.arange(3.0), np.array([top / 14, top / 2, top]))])
    lo, hi, labels = figure_y_axis(svg_text(fig))
    assert labels == pytest.approx(nice_ticks(lo, hi, 7), rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("height", range(14, 40))
def test_the_screens_tick_labels_read_as_their_values(height: int) -> None:
    """Ticks 2.5 apart are labelled 2.5, 5, 7.5 on screen, not 2, 5, 8: evenly spaced
    ticks read as evenly spaced values."""
    chart = ScalarChart(
        kind="line", series=[ScalarSeries("loss", x=[0, 1, 2], y=np.array([1.0, 7.0, 14.0]))]
    )
    values = screen_y_ticks(render_scalar(chart, 60, height))
    assert len(values) >= 2
    steps = np.diff(values)
    assert steps == pytest.approx(np.full(steps.size, steps[0]), rel=1e-9)
