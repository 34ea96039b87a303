"""What the plots tab's ``w`` writes: the plotted points as CSV, the chart as a figure.

Why a module of its own, without textual: a researcher pastes the figure into a paper
draft and the numbers into a table, so both must be exactly what the tab shows, and
that is checked against numpy without a terminal. :func:`plot_export` takes what the
pane drew and returns a :class:`PlotExport`: the CSV's columns and rows and a
:class:`~tui.plotting.figure.Figure`; :func:`write_plot_export` writes them.

The CSV holds the chart's points at full precision, one row per point, in long form:

* a scalar chart (points aggregated over replicates, or one per run):
  ``<group field>, <x field>, <y as drawn>, n, <error kind>, low, high`` (the error
  bar's half-width and its ends; an interquartile range or a bootstrap interval, not
  symmetric, has its ends only; all empty without error bars). A bar or box chart's
  figure puts its categories in the screen's order
  (:func:`~tui.plotting.scalar.category_names`);
* a histogram: ``<group field>, bin_low, bin_high, count`` per group and bin;
* curves: ``series, step, value`` per point of each line drawn (a run's id; or, for
  grouped curves, ``<group value>:mean``, ``:low``, ``:high``), smoothed as drawn.
"""

from __future__ import annotations

import csv
import datetime as _dt
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from metalab.index import Histogram, Plot, Point
from metalab.index.export import export_filename
from metalab.store import atomic
from tui.browser.plots.config import PlotConfig
from tui.browser.plots.scope import short_name
from tui.plotting.figure import Figure, FigureSeries, write_figure
from tui.plotting.render import Series, format_value
from tui.plotting.scalar import ScalarChart, category_name, category_names

__all__ = ["PlotExport", "default_name", "plot_export", "write_plot_export"]


@dataclass
class PlotExport:
    """The points of a chart (``columns``, ``rows``) and the chart as a figure."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    figure: Figure | None = None

    @property
    def empty(self) -> bool:
        return not self.rows


def _cell(value: Any) -> Any:
    """A CSV cell: NaN and None empty, numpy scalars as Python numbers."""
    if value is None:
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return value


def _scalar(plot: Plot, chart: ScalarChart, cfg: PlotConfig) -> PlotExport:
    grouped = plot.group is not None
    y_label = f"{plot.agg}({short_name(plot.y)})" if plot.agg != "none" else short_name(plot.y)
    error = plot.error if plot.error != "none" else "error"
    columns = [
        short_name(plot.group) if grouped else "group",
        short_name(plot.x),
        y_label,
        "n",
        error,
        "low",
        "high",
    ]
    rows: list[list[Any]] = []
    figure_series: list[FigureSeries] = []
    categories = _categories(chart)
    position = {name: i for i, name in enumerate(categories or [])}
    bars = plot.error != "none"
    for index, s in enumerate(plot.series):
        label = s.label if grouped else "all"
        for p in s.points:
            low, high = _bar_ends(p) if bars else (None, None)
            half_width = p.err if bars and math.isfinite(p.err) else None
            rows.append([label, p.x, p.y, p.n, half_width, low, high])
        if categories is not None:
            xs = np.array([position.get(category_name(x), np.nan) for x in s.xs], dtype=float)
        else:
            xs = np.array([float(x) for x in s.xs], dtype=float)
        lows = np.array([p.low if bars else np.nan for p in s.points], dtype=float)
        highs = np.array([p.high if bars else np.nan for p in s.points], dtype=float)
        legend = f"{chart.legend_prefix}{s.label}" if grouped else y_label
        figure_series.append(
            FigureSeries(
                legend, xs, s.ys, lows if bars else None, highs if bars else None, color=index
            )
        )
    figure = Figure(
        figure_series,
        kind=chart.kind if chart.kind in ("line", "scatter", "bar") else "scatter",
        title=chart.title,
        xlabel=chart.xlabel or short_name(plot.x),
        ylabel=y_label,
        categories=categories,
        log_x=chart.log_x and categories is None,
        log_y=chart.log_y,
    )
    return PlotExport(chart.title, columns, rows, figure)


def _bar_ends(p: Point) -> tuple[float | None, float | None]:
    """The ends of a point's error bar as drawn, or (None, None) where it has none.

    Why not ``err``: the interquartile range and the bootstrap interval are not
    symmetric, so their points carry the ends (``bounds``) and a NaN ``err``; the ends
    must come from the bar, whichever kind it is (a symmetric bar of n < 2 has none)."""
    if p.bounds is None and not math.isfinite(p.err):
        return None, None
    return p.low, p.high


def _categories(chart: ScalarChart) -> list[str] | None:
    """The categorical axis's names in the screen's order (None for a numeric axis).

    Taken from the renderer (:func:`~tui.plotting.scalar.category_names`), not worked out
    again here: a bar or box chart over numbers has no :attr:`ScalarChart.categories`,
    and an order of our own (first seen, group by group) put a figure's bars where the
    screen has none."""
    return category_names(chart) if chart.categorical else None


def _histogram(hist: Histogram, chart: ScalarChart, cfg: PlotConfig) -> PlotExport:
    group = cfg.group
    grouped = len(hist.counts) > 1 or (group is not None and None not in hist.counts)
    columns = [short_name(group) if grouped and group else "group", "bin_low", "bin_high", "count"]
    rows: list[list[Any]] = []
    series: list[FigureSeries] = []
    for index, (key, counts) in enumerate(hist.counts.items()):
        label = "all" if key is None else format_value(key)
        for b in range(hist.bins):
            rows.append([label, hist.edges[b], hist.edges[b + 1], int(counts[b])])
        legend = f"{chart.legend_prefix}{label}" if grouped else "count"
        series.append(FigureSeries(legend, np.empty(0), counts.astype(float), color=index))
    figure = Figure(
        series,
        kind="histogram",
        title=chart.title,
        xlabel=chart.xlabel,
        ylabel="count",
        edges=np.asarray(hist.edges, dtype=float),
        log_y=chart.log_y,
    )
    return PlotExport(chart.title, columns, rows, figure)


def _curves(series: Sequence[Series], title: str, ylabel: str, log_y: bool) -> PlotExport:
    rows: list[list[Any]] = []
    colours: dict[Any, int] = {}
    figure_series: list[FigureSeries] = []
    for index, s in enumerate(series):
        x = np.asarray(s.x, dtype=float)
        y = np.asarray(s.y, dtype=float)
        rows.extend(
            [s.key, step, value] for step, value in zip(x.tolist(), y.tolist(), strict=True)
        )
        key = s.color_value if s.color_value is not None else ("series", index)
        colour = colours.setdefault(key, len(colours))
        label = "" if s.faint else s.label
        figure_series.append(FigureSeries(label, x, y, color=colour, faint=s.faint))
    figure = Figure(
        figure_series, kind="line", title=title, xlabel="step", ylabel=ylabel, log_y=log_y
    )
    return PlotExport(title, ["series", "step", "value"], rows, figure)


def plot_export(
    cfg: PlotConfig,
    *,
    plot: Plot | None,
    histogram: Histogram | None,
    chart: ScalarChart | None,
    curve_series: Sequence[Series] = (),
    curve_title: str = "",
    curve_name: str = "value",
) -> PlotExport:
    """What the tab shows, ready to write: in curves mode ``curve_series`` (titled
    ``curve_title``, ``curve_name`` on y), else the scalar ``plot`` or ``histogram``
    drawn as ``chart``. Empty (no rows) when nothing is plotted."""
    if cfg.mode == "curves":
        return _curves(curve_series, curve_title or curve_name, curve_name, cfg.curve_log_y)
    if chart is not None and histogram is not None and chart.kind == "histogram":
        return _histogram(histogram, chart, cfg)
    if chart is not None and plot is not None:
        return _scalar(plot, chart, cfg)
    return PlotExport(chart.title if chart else "", [], [])


def default_name(experiment: str | None, title: str, now: _dt.datetime | None = None) -> str:
    """``<experiment>_<plot title as a name>_<YYYYmmdd_HHMMSS>.csv``."""
    slug = re.sub(r"[^A-Za-z0-9.+-]+", "_", title).strip("_")[:60] or "plot"
    base = f"{(experiment or 'runs').replace(':', '_')}_{slug}"
    return export_filename(base, "csv", now)


def write_plot_export(
    export: PlotExport, csv_path: str | os.PathLike[str], figure_format: str | None = None
) -> list[Path]:
    """Write the points to ``csv_path`` and, with ``figure_format`` (``svg`` or
    ``png``), the figure beside it with that suffix; returns the paths written."""
    target = Path(csv_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic.replacing(target) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(export.columns)
        writer.writerows([_cell(v) for v in row] for row in export.rows)
    written = [target]
    if figure_format is not None and export.figure is not None:
        written.append(write_figure(export.figure, target.with_suffix(f".{figure_format}")))
    return written
