"""``w`` in the plots tab writes the plotted points as CSV and the chart as SVG or PNG.

The CSV is checked against numbers computed here with numpy from the run records (and
the stepped files, for curves); the SVG is parsed as XML and must hold one
``<polyline>`` per series with one point per plotted point; the PNG must open as an
image of the figure's size with each series' colour in it.
"""

from __future__ import annotations

import csv
import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _plots_trees import ITERATIONS, LRS, REPLICATES, copy_curve_fit, records, stepped_loss
from PIL import Image
from textual.pilot import Pilot
from textual.widgets import Input, Static

from metalab.index import runs_condition
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
    write_figure,
)

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
