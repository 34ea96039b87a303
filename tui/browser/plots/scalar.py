"""The plots tab's scalar charts: from the browse table to a chart and its table of points.

Why a module of its own: turning the runs in scope into what is drawn (aggregating over
replicates with :func:`metalab.index.aggregate_table`, with the error bar that fits the
aggregate, or one box per bucket for a box plot; or binning with
:func:`metalab.index.histogram`, then the :class:`~tui.plotting.scalar.ScalarChart` and the
rows of the table of points under it, each remembering the runs behind it for Enter)
is glue between the data layer and the drawing, and does not need the widget. The pane
asks :func:`scalar_view` for a :class:`ScalarView` and shows it, filling its
``DataTable`` with :func:`fill_points_table`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from textual.widgets import DataTable

from metalab.index import Histogram, Plot, Table, aggregate_table, format_cell, histogram
from tui.browser.plots.config import PlotConfig
from tui.browser.plots.scope import is_number, short_name
from tui.plotting.render import format_value
from tui.plotting.scalar import ScalarChart, ScalarSeries

__all__ = [
    "ERROR_TITLES",
    "TABLE_LIMIT",
    "PointRow",
    "ScalarView",
    "fill_points_table",
    "scalar_view",
]

TABLE_LIMIT = 200
"""Rows of the table of points under a scalar chart."""

PointRow = tuple[str, list[str], list[str]]
"""A row of the table of points: its key, its cells, and the run ids behind it."""
ERROR_TITLES = {
    "std": " ± std",
    "sem": " ± sem",
    "ci95": " ± ci95",
    "iqr": ", bars: interquartile range",
    "boot95": ", bars: bootstrap 95% CI",
}
"""What the chart's title says of its error bars."""


@dataclass
class ScalarView:
    """A scalar chart to draw, what it was computed from, and its table of points."""

    chart: ScalarChart
    plot: Plot | None = None
    """The aggregated data drawn (None for histograms and messages)."""
    histogram: Histogram | None = None
    """The histogram drawn, if it is one."""
    headers: list[str] = field(default_factory=list)
    """The columns of the table of points (none: an empty table)."""
    rows: list[PointRow] = field(default_factory=list)
    total: int | None = None
    """How many points there are, when more than ``rows`` holds (None: ``len(rows)``)."""
    notes: list[str] = field(default_factory=list)
    """Said after the scope in the status line."""


def _fmt(value: float, digits: int = 4) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}g}"


def scalar_view(table: Table, rows: np.ndarray, cfg: PlotConfig) -> ScalarView:
    """The chart ``cfg`` asks for over these ``rows`` of ``table``."""
    if cfg.y is None or cfg.y not in table:
        return ScalarView(ScalarChart(kind=cfg.kind, title="no numeric field to plot"))
    if cfg.kind == "histogram":
        return _histogram_view(table, rows, cfg)
    if cfg.kind == "box":
        view, missing = _box_view(table, rows, cfg)
    else:
        view, missing = _aggregate_view(table, rows, cfg)
    if missing:
        view.notes.append(f"{missing} without {short_name(cfg.y)} left out")
    if cfg.log_x and view.chart.categorical:
        view.notes.append("no log x on a categorical axis")
    return view


def _aggregate_view(table: Table, rows: np.ndarray, cfg: PlotConfig) -> tuple[ScalarView, int]:
    """Points aggregated over replicates, and how many runs lack the y field."""
    x = cfg.x if cfg.x in table else None
    if x is None:
        return ScalarView(ScalarChart(kind=cfg.kind, title="choose an x field")), 0
    group = cfg.group if cfg.group in table and cfg.group != x else None
    plot = aggregate_table(table, rows, x, cfg.y, group, agg=cfg.agg, error=cfg.error)
    error = plot.error
    missing = _missing(table, rows, cfg.y)
    categories = _categories(table, plot, x)
    label_all = plot.title.split(" vs ")[0]
    asymmetric = error in ("iqr", "boot95")
    series = [
        ScalarSeries(
            label=s.label if group else label_all,
            x=s.xs,
            y=s.ys,
            err=s.errs,
            n=s.ns,
            low=s.lows if asymmetric else None,
            high=s.highs if asymmetric else None,
        )
        for s in plot.series
    ]
    title = plot.title + ERROR_TITLES.get(error, "")
    chart = ScalarChart(
        kind=cfg.kind,
        series=series,
        categories=categories,
        log_x=cfg.log_x and categories is None,
        log_y=cfg.log_y,
        title=title,
        xlabel=short_name(x),
        legend_prefix=f"{short_name(group)}=" if group else "",
    )
    headers = [short_name(group) if group else "group", short_name(x)]
    headers.append(label_all if cfg.agg != "none" else short_name(cfg.y))
    bar_header = {"none": "±", "iqr": "q1 – q3", "boot95": "ci95 (bootstrap)"}
    headers += [bar_header.get(error, "±" + error), "n"]
    body: list[PointRow] = []
    run_ids = table.run_ids
    total = sum(len(s.points) for s in plot.series)
    for si, s in enumerate(plot.series):
        for pi, p in enumerate(s.points):
            if len(body) == TABLE_LIMIT:  # the rest are counted, not built
                break
            bar = f"{_fmt(p.low)} – {_fmt(p.high)}" if p.bounds is not None else _fmt(p.err, 3)
            cells = [s.label if group else "all", format_cell(p.x), _fmt(p.y), bar, str(p.n)]
            body.append((f"{si}:{pi}", cells, [str(r) for r in run_ids[p.rows].tolist()]))
    view = ScalarView(chart, plot=plot, headers=headers, rows=body, total=total)
    if cfg.error != "none" and error == "none" and cfg.agg != "none":
        view.notes.append(f"no error bars around a {cfg.agg}")
    return view, missing


def _missing(table: Table, rows: np.ndarray, y: str) -> int:
    """How many of ``rows`` have no finite ``y``."""
    ycol = table.column(y)
    return int(np.count_nonzero(~(ycol.present[rows] & np.isfinite(ycol.num[rows]))))


def _categories(table: Table, plot: Plot, x: str) -> list[str] | None:
    """The category names of a categorical (or bool) x axis, in the plot's order."""
    if not (plot.categorical_x or table.column(x).kind == "bool"):
        return None
    return list(
        dict.fromkeys(
            format_value(p.x) if is_number(p.x) else str(p.x) for s in plot.series for p in s.points
        )
    )


def _box_view(table: Table, rows: np.ndarray, cfg: PlotConfig) -> tuple[ScalarView, int]:
    """A box per (group, x): median, quartiles, whiskers at 1.5 IQR, outliers; a row of
    those numbers per box in the table of points."""
    x = cfg.x if cfg.x in table else None
    if x is None:
        return ScalarView(ScalarChart(kind="box", title="choose an x field")), 0
    group = cfg.group if cfg.group in table and cfg.group != x else None
    plot = aggregate_table(table, rows, x, cfg.y, group, agg="median", boxes=True)
    series = []
    for s in plot.series:
        boxes = [p.box for p in s.points if p.box is not None]
        series.append(
            ScalarSeries(
                label=s.label if group else short_name(cfg.y),
                x=s.xs,
                y=s.ys,
                n=s.ns,
                box=np.array(
                    [[b.whisker_low, b.q1, b.median, b.q3, b.whisker_high] for b in boxes]
                ).reshape(-1, 5),
                outliers=[b.outliers for b in boxes],
            )
        )
    chart = ScalarChart(
        kind="box",
        series=series,
        categories=_categories(table, plot, x),
        log_y=cfg.log_y,
        title=f"{plot.title}: median, quartiles, whiskers at 1.5 IQR, outliers",
        xlabel=short_name(x),
        legend_prefix=f"{short_name(group)}=" if group else "",
    )
    headers = [short_name(group) if group else "group", short_name(x), "median"]
    headers += ["q1 – q3", "whiskers", "outliers", "n"]
    body: list[PointRow] = []
    run_ids = table.run_ids
    total = sum(len(s.points) for s in plot.series)
    for si, s in enumerate(plot.series):
        for pi, p in enumerate(s.points):
            if len(body) == TABLE_LIMIT or p.box is None:
                break
            b = p.box
            cells = [
                s.label if group else "all",
                format_cell(p.x),
                _fmt(b.median),
                f"{_fmt(b.q1)} – {_fmt(b.q3)}",
                f"{_fmt(b.whisker_low)} – {_fmt(b.whisker_high)}",
                str(b.outliers.size),
                str(p.n),
            ]
            body.append((f"{si}:{pi}", cells, [str(r) for r in run_ids[p.rows].tolist()]))
    view = ScalarView(chart, plot=plot, headers=headers, rows=body, total=total)
    return view, _missing(table, rows, cfg.y)


def _histogram_view(table: Table, rows: np.ndarray, cfg: PlotConfig) -> ScalarView:
    """The y field binned (bins shared by the groups), a row of counts per bin."""
    assert cfg.y is not None
    col = table.column(cfg.y)
    values = np.where(col.present[rows], col.num[rows], np.nan)
    group = cfg.group if cfg.group in table else None
    groups = table.column(group).values[rows] if group else None
    hist = histogram(values, cfg.bins, groups=groups)
    labels = [("all" if g is None else format_value(g)) for g in hist.counts]
    series = [
        ScalarSeries(label=label if group else "", x=[], y=counts.astype(float))
        for label, counts in zip(labels, hist.counts.values(), strict=True)
    ]
    by = f" (by {short_name(group)})" if group else ""
    chart = ScalarChart(
        kind="histogram",
        series=series,
        edges=hist.edges,
        log_y=cfg.log_y,
        title=f"Distribution of {short_name(cfg.y)}{by}, {hist.bins} bins",
        xlabel=short_name(cfg.y),
        legend_prefix=f"{short_name(group)}=" if group else "",
    )
    headers = ["bin", *labels, "total"] if group else ["bin", "count"]
    body: list[PointRow] = []
    run_ids = table.run_ids[rows]
    totals = hist.total
    for b in range(hist.bins):
        lo, hi = hist.edges[b], hist.edges[b + 1]
        cells = [f"{lo:.4g} – {hi:.4g}"]
        cells += [str(int(c[b])) for c in hist.counts.values()]
        if group:
            cells.append(str(int(totals[b])))
        members = [str(r) for r in run_ids[hist.members(b)].tolist()]
        body.append((f"bin:{b}", cells, members))
    return ScalarView(chart, histogram=hist, headers=headers, rows=body)


def fill_points_table(
    table: DataTable, headers: list[str], body: list[PointRow], total: int | None = None
) -> dict[str, list[str]]:
    """The table under the chart: one row per point (``total`` of them; the first
    :data:`TABLE_LIMIT` shown). Returns the runs behind each row, by row key, for Enter."""
    table.clear(columns=True)
    point_runs: dict[str, list[str]] = {}
    if not headers:
        return point_runs
    table.add_columns(*headers)
    for key, cells, run_ids in body[:TABLE_LIMIT]:
        table.add_row(*cells, key=key)
        point_runs[key] = run_ids
    total = len(body) if total is None else total
    if total > TABLE_LIMIT:
        extra = [f"+{total - TABLE_LIMIT} more"] + [""] * (len(headers) - 1)
        table.add_row(*extra, key="more")
    return point_runs
