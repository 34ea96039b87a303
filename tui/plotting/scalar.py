"""Draw scalar charts (scatter, line, bar, histogram, box) with error bars, with plotext.

The plots tab shows one number per run (a metric against a param), usually
aggregated over replicates: a mean per (group, x) with an error bar and the ``n``
behind it. The numbers come from :mod:`metalab.index.stats`; this module only draws
them, into an ANSI string of exactly ``width`` x ``height`` cells, following the
conventions of :mod:`tui.plotting.render` (the curve pane): legend and title in a
header line of our own rather than plotext's boxed legend, colours from the same fixed
256-colour palette, log axes drawn in log10 units with ticks labelled in data units,
and a centred message instead of a plot when there is nothing to draw or no room.

Like the curve pane it never hands plotext more than the pane can show: scatter points
that land on the same sub-cell are drawn once, and a line of more points than twice
the columns is reduced to its per-column envelope, so a raw scatter of 10,000 runs
costs about what a few hundred points cost.

Error bars are vertical strokes with caps, drawn over the points, symmetric
(``err``) or from given ends (``low``/``high``: an interquartile range, a bootstrap
interval); a series' legend entry ends in the ``n`` behind its points (``n=3``, or a
range ``n=2-3``). Histograms take shared bin edges and one count array per group,
stacked. A box plot puts each x in a slot of a categorical axis (groups side by side
in it, as bars are), and draws each series' :attr:`ScalarSeries.box` rows: a box from
the first to the third quartile, a heavy line at the median, whiskers with caps, and
the :attr:`ScalarSeries.outliers` as dots.

A chart may carry markers: vertical lines at given x values (a run's own value over
the distribution of its experiment, as atlas's "This run" line), drawn over the bars
in :data:`MARKER_COLOR`, a colour no series takes, each named in the legend with a
``┃`` sample. A chart without markers draws exactly as it did before they existed.

No textual import: :class:`~tui.widgets.scalar_plot.ScalarPlot` wraps this.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotext as plt

from tui.plotting.reduce import envelope_sorted
from tui.plotting.render import (
    _LOCK,
    PALETTE,
    TOO_SMALL_MESSAGE,
    _fit_line,
    _header_lines,
    _log_ticks,
    _message_frame,
    figure_lines,
    format_value,
    linear_ticks,
)

__all__ = [
    "KINDS",
    "MARKER_CHAR",
    "MARKER_COLOR",
    "NO_DATA_MESSAGE",
    "ScalarChart",
    "ScalarSeries",
    "category_name",
    "category_names",
    "render_scalar",
]

KINDS = ("scatter", "line", "bar", "histogram", "box")
NO_DATA_MESSAGE = "no data to plot"

_MIN_WIDTH = 20
_MIN_PLOT_HEIGHT = 5
_MAX_LEGEND_ROWS = 3
_LEGEND_SAMPLE = "■"
_POINT = "●"
_TOP_CAP = "┬"
_BOTTOM_CAP = "┴"
_OUTLIER = "•"
_HIST_LOG_BASE = -0.15  # log10 of the floor histogram bars start from on a log axis
MARKER_CHAR = "┃"
"""What a marker line is drawn with (plotext's heavy vertical line)."""
MARKER_COLOR = 160
"""A marker's 256-colour code: a red that no series takes (it is not in :data:`PALETTE`)."""


@dataclass(eq=False)
class ScalarSeries:
    """One group's points: ``x`` (numbers, or category names on a categorical axis),
    ``y``, optional error-bar half-widths ``err`` (NaN: no bar) and counts ``n``.

    For a histogram, ``y`` holds the counts per bin of :attr:`ScalarChart.edges`.
    """

    label: str
    x: Sequence[Any]
    y: np.ndarray
    err: np.ndarray | None = None
    n: np.ndarray | None = None
    low: np.ndarray | None = None
    """Lower ends of error bars that are not symmetric (with :attr:`high`; these take
    the place of :attr:`err`; NaN: no bar)."""
    high: np.ndarray | None = None
    box: np.ndarray | None = None
    """Box plot: a row per x of (whisker low, first quartile, median, third quartile,
    whisker high); a series without it is drawn as medians (``y``) only."""
    outliers: Sequence[np.ndarray] | None = None
    """Box plot: per x, the values beyond the whiskers."""


@dataclass(eq=False)
class ScalarChart:
    """Everything a scalar frame depends on (besides its size)."""

    kind: str = "scatter"
    series: list[ScalarSeries] = field(default_factory=list)
    categories: list[str] | None = None
    """Categorical x axis: the category names in axis order (series x are names)."""
    edges: np.ndarray | None = None
    """Histogram bin edges (``kind == "histogram"``)."""
    log_x: bool = False
    log_y: bool = False
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    legend_prefix: str = ""
    """Put before each series label in the legend, e.g. ``n_iterations=``."""
    stacked_note: bool = True
    """Say "(stacked)" in the legend of a histogram of several series (not when the
    series are parts of one, like a highlighted bin)."""
    markers: list[tuple[float, str]] = field(default_factory=list)
    """Vertical lines ``(x, label)`` across the plot, x in data units (a numeric x axis
    only; a marker outside the axis, or not finite, is not drawn). The label, when not
    empty, is the marker's legend entry (kept for a marker not drawn: it still says the
    value)."""

    @property
    def categorical(self) -> bool:
        return self.categories is not None or self.kind in ("bar", "box")


@dataclass
class _Prepared:
    label: str
    color: int
    x: np.ndarray  # plot units: category index, log10(x) or x
    y: np.ndarray  # plot units
    low: np.ndarray  # error-bar ends in plot units (NaN: no bar)
    high: np.ndarray
    n: np.ndarray | None
    box: np.ndarray | None = None  # box plot rows (5 columns) in plot units
    outliers: list[np.ndarray] | None = None


def render_scalar(chart: ScalarChart, width: int, height: int) -> str:
    """Render ``chart`` into ``height`` lines of ``width`` visible cells, joined by newlines.

    Points with a non-finite x or y (or, on a log axis, one <= 0) are left out; when
    nothing is left, the frame says :data:`NO_DATA_MESSAGE`.
    """
    width, height = int(width), int(height)
    if width <= 0 or height <= 0:
        return "\n".join("" for _ in range(max(height, 0)))
    if chart.kind not in KINDS:
        raise ValueError(f"unknown chart kind {chart.kind!r}; use one of {', '.join(KINDS)}")
    title = chart.title
    if chart.kind == "histogram":
        prepared, categories = _prepare_histogram(chart), None
    else:
        prepared, categories = _prepare_points(chart)
    if not prepared:
        return _message_frame([title] if title else [], NO_DATA_MESSAGE, width, height)
    legend = [
        (f"{_LEGEND_SAMPLE} {chart.legend_prefix}{p.label}{_n_text(p.n)}", p.color, False)
        for p in prepared
        if p.label
    ]
    if chart.kind == "histogram" and len(prepared) > 1 and chart.stacked_note:
        legend.append(("(stacked)", None, False))  # type: ignore[arg-type]
    legend += [
        (f"{MARKER_CHAR} {label}", MARKER_COLOR, True) for _, label in chart.markers if label
    ]
    header = _header_lines(title, legend, width, max(0, min(_MAX_LEGEND_ROWS, height - 8)))
    plot_height = height - len(header)
    if width < _MIN_WIDTH or plot_height < _MIN_PLOT_HEIGHT:
        return _message_frame([title] if title else [], TOO_SMALL_MESSAGE, width, height)
    with _LOCK:
        body = _plot(chart, prepared, categories, width, plot_height)
    return "\n".join(_fit_line(line, width) for line in header + body)


def _n_text(n: np.ndarray | None) -> str:
    if n is None or not n.size:
        return ""
    lo, hi = int(n.min()), int(n.max())
    return f" (n={lo})" if lo == hi else f" (n={lo}-{hi})"


# --- preparing the data ----------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def category_names(chart: ScalarChart) -> list[str]:
    """The categorical axis, left to right: :attr:`ScalarChart.categories` when given,
    else (bars or boxes over numbers) the distinct x values, numbers ascending then the
    rest first-seen, missing values left out.

    Public because the plots tab's export lays its figure out on the same axis: the
    order of the categories is decided here once, for the screen and the figure alike."""
    if chart.categories is not None:
        return [str(c) for c in chart.categories]
    values: dict[Any, None] = {}
    for s in chart.series:
        for v in s.x:
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                values.setdefault(v, None)
    nums = sorted(v for v in values if _is_number(v))
    rest = [v for v in values if not _is_number(v)]
    return list(dict.fromkeys(category_name(v) for v in nums + rest))


def category_name(value: Any) -> str:
    """The name of the category an x value falls in (numbers as the legend writes them)."""
    return format_value(value) if _is_number(value) else str(value)


def _numeric(values: list[Any]) -> np.ndarray:
    """Floats of ``values``, NaN for anything that is not a number (None, text, bools)."""
    if not any(isinstance(v, bool | np.bool_ | str) for v in values[:1]):
        try:  # the usual case, all numbers (or None): one C loop instead of a Python one
            out = np.asarray(values, dtype=float)
            if out.ndim == 1:
                return out
        except (TypeError, ValueError):
            pass
    return np.array([float(v) if _is_number(v) else np.nan for v in values], dtype=float)


def _prepare_points(chart: ScalarChart) -> tuple[list[_Prepared], list[str] | None]:
    categories = category_names(chart) if chart.categorical else None
    slot = {c: i for i, c in enumerate(categories or [])}
    out = []
    for i, s in enumerate(chart.series):
        n_points = len(s.x)
        y = np.asarray(s.y, dtype=float).ravel()[:n_points]
        low, high = _bar_ends(s, y)
        counts = None if s.n is None else np.asarray(s.n).ravel()[: y.size]
        if categories is not None:
            x = np.array([slot.get(category_name(v), np.nan) for v in list(s.x)[: y.size]], float)
        else:
            x = _numeric(list(s.x)[: y.size])
        box, outliers = _box_rows(chart, s, y)
        ok = np.isfinite(x) & np.isfinite(y)
        if chart.log_x and categories is None:
            ok &= x > 0
        if chart.log_y:
            ok &= y > 0
        x, y, low, high = x[ok], y[ok], low[ok], high[ok]
        if counts is not None:
            counts = counts[ok]
        if box is not None and outliers is not None:
            box = box[ok]
            outliers = [o for o, keep in zip(outliers, ok.tolist(), strict=True) if keep]
        if not x.size:
            continue
        if chart.log_x and categories is None:
            x = np.log10(x)
        if chart.log_y:
            floor = float(np.nanmin(np.where(low > 0, low, y)))
            if box is not None and outliers is not None:
                floor = min(floor, float(np.nanmin(np.where(box > 0, box, np.inf))))
                box = np.log10(np.where(box > 0, box, floor))
                outliers = [np.log10(o[o > 0]) for o in outliers]
            with np.errstate(invalid="ignore", divide="ignore"):
                low = np.log10(np.where(low > 0, low, floor))
                high = np.log10(high)
            y = np.log10(y)
        if chart.kind == "line" and categories is None:
            order = np.argsort(x, kind="stable")
            x, y, low, high = x[order], y[order], low[order], high[order]
            if counts is not None:
                counts = counts[order]
        color = PALETTE[i % len(PALETTE)]
        out.append(_Prepared(s.label, color, x, y, low, high, counts, box, outliers))
    return out, categories


def _bar_ends(s: ScalarSeries, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's error-bar ends (NaN where it has none): ``low``/``high`` when given,
    else ``y`` -/+ ``err``."""
    if s.low is not None and s.high is not None:
        low = np.asarray(s.low, dtype=float).ravel()[: y.size]
        high = np.asarray(s.high, dtype=float).ravel()[: y.size]
        return low, high
    err = (
        np.full(y.size, np.nan)
        if s.err is None
        else np.asarray(s.err, dtype=float).ravel()[: y.size]
    )
    return y - err, y + err


def _box_rows(
    chart: ScalarChart, s: ScalarSeries, y: np.ndarray
) -> tuple[np.ndarray | None, list[np.ndarray] | None]:
    """A box chart's rows for series ``s`` (a flat box at ``y`` where none is given)."""
    if chart.kind != "box":
        return None, None
    if s.box is None:
        box = np.repeat(y[:, None], 5, axis=1)
    else:
        box = np.asarray(s.box, dtype=float).reshape(-1, 5)[: y.size]
    outliers = [np.asarray(o, dtype=float) for o in (s.outliers or [])][: y.size]
    outliers += [np.zeros(0)] * (y.size - len(outliers))
    return box, outliers


def _prepare_histogram(chart: ScalarChart) -> list[_Prepared]:
    if chart.edges is None or len(chart.edges) < 2:
        return []
    edges = np.asarray(chart.edges, dtype=float)
    centres = (edges[:-1] + edges[1:]) / 2
    out = []
    for i, s in enumerate(chart.series):
        counts = np.asarray(s.y, dtype=float).ravel()[: centres.size]
        if counts.size < centres.size:
            counts = np.concatenate([counts, np.zeros(centres.size - counts.size)])
        nan = np.full(centres.size, np.nan)
        total = np.array([int(np.nansum(counts))])
        out.append(_Prepared(s.label, PALETTE[i % len(PALETTE)], centres, counts, nan, nan, total))
    if not any(np.nansum(p.y) > 0 for p in out):
        return []
    return out


# --- plotext ----------------------------------------------------------------------------


def _plot(
    chart: ScalarChart,
    prepared: list[_Prepared],
    categories: list[str] | None,
    width: int,
    height: int,
) -> list[str]:
    label_rows = 1 if (chart.xlabel or chart.ylabel) else 0
    rows = max(1, height - 3 - label_rows)
    columns = max(1, width - 10)

    fig = plt.figure
    plt.terminal.limit(False, False)  # size by the pane, not by the real terminal
    fig.clear()
    fig.plot_size(width, height)
    fig.theme("simple")

    if chart.kind == "histogram":
        x_lo, x_hi, y_lo, y_hi = _draw_histogram(fig, chart, prepared)
    elif chart.kind == "box":
        x_lo, x_hi, y_lo, y_hi = _draw_boxes(fig, prepared, len(categories or []))
    elif chart.kind == "bar":
        x_lo, x_hi, y_lo, y_hi = _draw_bars(fig, chart, prepared, len(categories or []))
    else:
        x_lo, x_hi, y_lo, y_hi = _draw_points(fig, chart, prepared, columns, rows)

    if categories is None:
        _draw_markers(fig, chart, (x_lo, x_hi), (y_lo, y_hi))
    if chart.xlabel:
        fig.label(chart.xlabel, "x")
    if chart.ylabel:
        fig.label(chart.ylabel, "y")
    fig.ruler("x").lim(x_lo, x_hi)
    fig.ruler("y").lim(y_lo, y_hi)
    if categories is not None:
        fig.ruler("x").ticks(*_category_ticks(categories, columns))
    elif chart.kind == "histogram":
        fig.ruler("x").ticks(*linear_ticks(x_lo, x_hi, max(2, columns // 11)))
    elif chart.log_x:
        fig.ruler("x").ticks(*_log_ticks(x_lo, x_hi, max(2, columns // 9)))
    else:
        fig.ruler("x").ticks(*linear_ticks(x_lo, x_hi, max(2, columns // 11)))
    if chart.log_y:
        fig.ruler("y").ticks(*_log_ticks(y_lo, y_hi, max(2, rows // 2)))
    else:
        counts = chart.kind == "histogram"  # runs per bin: no tick at 2.5 runs
        fig.ruler("y").ticks(*linear_ticks(y_lo, y_hi, max(2, rows // 2), whole=counts))

    return figure_lines(fig, height)


def _padded(lo: float, hi: float, fraction: float = 0.04) -> tuple[float, float]:
    span = hi - lo
    if not (span > 0 and math.isfinite(span)):
        half = abs(lo) * 0.1 if lo else 0.5
        return lo - half, hi + half
    return lo - span * fraction, hi + span * fraction


def _range(prepared: list[_Prepared]) -> tuple[float, float, float, float]:
    xs = np.concatenate([p.x for p in prepared])
    ys = np.concatenate([np.concatenate([p.y, p.low, p.high]) for p in prepared])
    ys = ys[np.isfinite(ys)]
    return float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max())


def _draw_points(
    fig: Any, chart: ScalarChart, prepared: list[_Prepared], columns: int, rows: int
) -> tuple[float, float, float, float]:
    x_lo, x_hi, y_lo, y_hi = _range(prepared)
    if chart.categorical:
        x_lo, x_hi = -0.5, (x_hi if x_hi > 0 else 0) + 0.5
    else:
        x_lo, x_hi = _padded(x_lo, x_hi)
    y_lo, y_hi = _padded(y_lo, y_hi, 0.06)
    dodge = _dodge(chart, prepared)
    for i, p in enumerate(prepared):
        pixel = plt.pixel(foreground=p.color)
        x, y = p.x + dodge * (i - (len(prepared) - 1) / 2), p.y
        many = x.size > columns
        if chart.kind == "line":
            lx, ly = x, y
            if not chart.categorical and lx.size > 2 * columns:
                lx, ly = envelope_sorted(lx, ly, columns, x_range=(x_lo, x_hi))
            line = fig.signal(lx.tolist(), ly.tolist(), marker=plt.marker("hd", pixel))
            line.lines(True)
            fig.draw(line)
        if many:  # one point per half-cell is all the pane can show
            x, y = _thin(x, y, (x_lo, x_hi), (y_lo, y_hi), 2 * columns, 2 * rows)
            if chart.kind == "scatter":
                fig.draw(fig.signal(x.tolist(), y.tolist(), marker=plt.marker("hd", pixel)))
        _draw_error_bars(fig, p, pixel, x)
        if not many:
            fig.draw(fig.signal(x.tolist(), y.tolist(), marker=plt.marker(_POINT, pixel)))
    return x_lo, x_hi, y_lo, y_hi


def _dodge(chart: ScalarChart, prepared: list[_Prepared]) -> float:
    """How far apart to draw the groups' points at one x, so that error bars of
    overlapping groups stay visible side by side (0 without error bars)."""
    if len(prepared) < 2 or not any(np.isfinite(p.high - p.low).any() for p in prepared):
        return 0.0
    if chart.categorical:
        return min(0.1, 0.6 / len(prepared))
    xs = np.concatenate([p.x for p in prepared])
    span = float(xs.max() - xs.min()) or 1.0
    return span * min(0.012, 0.1 / len(prepared))


def _thin(
    x: np.ndarray, y: np.ndarray, xr: tuple[float, float], yr: tuple[float, float], nx: int, ny: int
) -> tuple[np.ndarray, np.ndarray]:
    """The first point of each of ``nx`` x ``ny`` sub-cells that holds any (order kept)."""
    sx = (xr[1] - xr[0]) or 1.0
    sy = (yr[1] - yr[0]) or 1.0
    cx = np.clip(((x - xr[0]) / sx * nx).astype(np.int64), 0, nx)
    cy = np.clip(((y - yr[0]) / sy * ny).astype(np.int64), 0, ny)
    _, first = np.unique(cx * (ny + 1) + cy, return_index=True)
    first.sort()
    return x[first], y[first]


def _draw_error_bars(fig: Any, p: _Prepared, pixel: Any, xs: np.ndarray | None = None) -> None:
    xs = p.x if xs is None else xs
    has = np.isfinite(p.low) & np.isfinite(p.high) & (p.high > p.low)
    if not has.any():
        return
    stroke = plt.line(orientation=1, pixel=pixel)
    for x, lo, hi in zip(xs[has].tolist(), p.low[has].tolist(), p.high[has].tolist(), strict=True):
        fig.draw(fig.segment((x, x), (lo, hi), marker=stroke))
    top = fig.signal(xs[has].tolist(), p.high[has].tolist(), marker=plt.marker(_TOP_CAP, pixel))
    bottom = fig.signal(
        xs[has].tolist(), p.low[has].tolist(), marker=plt.marker(_BOTTOM_CAP, pixel)
    )
    fig.draw(top)
    fig.draw(bottom)


def _draw_bars(
    fig: Any, chart: ScalarChart, prepared: list[_Prepared], n_categories: int
) -> tuple[float, float, float, float]:
    _, _, y_lo, y_hi = _range(prepared)
    base = math.floor(y_lo) - 0.1 if chart.log_y else 0.0
    y_lo, y_hi = min(y_lo, base), max(y_hi, base)
    y_lo, y_hi = _padded(y_lo, y_hi, 0.05)
    if not chart.log_y:
        y_lo = 0.0 if min(p.y.min() for p in prepared) >= 0 else y_lo
    groups = len(prepared)
    slot = 0.8 / groups
    for g, p in enumerate(prepared):
        pixel = plt.pixel(foreground=p.color)
        offset = -0.4 + slot * (g + 0.5)
        centres = p.x + offset
        for c, top in zip(centres.tolist(), p.y.tolist(), strict=True):
            if top == base:
                continue
            half = slot * 0.42
            rect = fig.rectangle(
                (c - half, c + half), (base, top), marker=plt.marker("full", pixel)
            )
            fig.draw(rect)
        _draw_error_bars(fig, p, plt.pixel(foreground=p.color, style="bold"), centres)
    return -0.5, max(n_categories, 1) - 0.5, y_lo, y_hi


def _draw_boxes(
    fig: Any, prepared: list[_Prepared], n_categories: int
) -> tuple[float, float, float, float]:
    """A box per (series, category): whiskers with caps, the quartile box, a heavy
    median line, outliers as dots; the series side by side in each category's slot."""
    values = [p.box.ravel() for p in prepared if p.box is not None]
    values += [o for p in prepared for o in (p.outliers or [])]
    every = np.concatenate(values) if values else np.zeros(0)
    every = every[np.isfinite(every)]
    y_lo, y_hi = _padded(float(every.min()), float(every.max()), 0.06)
    slot = 0.8 / len(prepared)
    for g, p in enumerate(prepared):
        if p.box is None:
            continue
        pixel = plt.pixel(foreground=p.color)
        upright = plt.line(orientation=1, pixel=pixel)
        across = plt.line(orientation=0, pixel=pixel)
        median = plt.line(
            orientation=0, pixel=plt.pixel(foreground=p.color, style="bold"), style="heavy"
        )
        half = slot * 0.3
        centres = p.x - 0.4 + slot * (g + 0.5)
        for c, row, outliers in zip(
            centres.tolist(), p.box.tolist(), p.outliers or [], strict=False
        ):
            low, q1, mid, q3, high = row
            if not all(math.isfinite(v) for v in row):
                continue
            strokes = [
                ((c, c), (low, q1), upright),
                ((c, c), (q3, high), upright),
                ((c - half / 2, c + half / 2), (low, low), across),
                ((c - half / 2, c + half / 2), (high, high), across),
                ((c - half, c - half), (q1, q3), upright),
                ((c + half, c + half), (q1, q3), upright),
                ((c - half, c + half), (q1, q1), across),
                ((c - half, c + half), (q3, q3), across),
                ((c - half, c + half), (mid, mid), median),
            ]
            for xs, ys, marker in strokes:
                fig.draw(fig.segment(xs, ys, marker=marker))
            if len(outliers):
                dots = [float(v) for v in outliers if math.isfinite(v)]
                fig.draw(fig.signal([c] * len(dots), dots, marker=plt.marker(_OUTLIER, pixel)))
    return -0.5, max(n_categories, 1) - 0.5, y_lo, y_hi


def _draw_histogram(
    fig: Any, chart: ScalarChart, prepared: list[_Prepared]
) -> tuple[float, float, float, float]:
    assert chart.edges is not None
    edges = np.asarray(chart.edges, dtype=float)
    cumulative = np.zeros(edges.size - 1)
    tops = []
    for p in prepared:
        below = cumulative.copy()
        cumulative = cumulative + np.nan_to_num(p.y)
        tops.append((p, below, cumulative.copy()))
    y_hi = float(cumulative.max())
    if chart.log_y:
        y_lo, y_hi = _HIST_LOG_BASE, math.log10(max(y_hi, 1.0))
    else:
        y_lo = 0.0
    for p, below, above in tops:
        pixel = plt.pixel(foreground=p.color)
        for b in range(edges.size - 1):
            if above[b] <= below[b]:
                continue
            lo, hi = float(below[b]), float(above[b])
            if chart.log_y:
                lo = math.log10(lo) if lo > 0 else _HIST_LOG_BASE
                hi = math.log10(hi)
            rect = fig.rectangle(
                (float(edges[b]), float(edges[b + 1])), (lo, hi), marker=plt.marker("full", pixel)
            )
            fig.draw(rect)
    x_lo, x_hi = float(edges[0]), float(edges[-1])
    return x_lo, x_hi, y_lo, y_hi + (y_hi - y_lo) * 0.05


def _marker_positions(chart: ScalarChart, x_range: tuple[float, float]) -> list[float]:
    """The markers' x in plot units (log10 on a log axis), those off the axis left out."""
    lo, hi = x_range
    out = []
    for x, _ in chart.markers:
        x = float(x)
        if chart.log_x and chart.kind != "histogram":
            x = math.log10(x) if x > 0 else math.nan
        if math.isfinite(x) and lo <= x <= hi:
            out.append(x)
    return out


def _draw_markers(
    fig: Any, chart: ScalarChart, x_range: tuple[float, float], y_range: tuple[float, float]
) -> None:
    """Each marker as a bold vertical line from the bottom to the top of the plot, over
    whatever is drawn there."""
    positions = _marker_positions(chart, x_range)
    if not positions:
        return
    pixel = plt.pixel(foreground=MARKER_COLOR, style="bold")
    stroke = plt.line(orientation=1, pixel=pixel, style="heavy")
    y_lo, y_hi = y_range
    for x in positions:
        fig.draw(fig.segment((x, x), (y_lo, y_hi), marker=stroke))


def _category_ticks(categories: list[str], columns: int) -> tuple[list[float], list[str]]:
    """Every category's position, labelled when there is room (every k-th otherwise)."""
    if not categories:
        return [0.0], [""]
    room = max(1, columns // len(categories))
    stride = 1
    while room * stride < 4 and stride < len(categories):
        stride += 1
    limit = max(3, room * stride - 1)
    positions = [float(i) for i in range(0, len(categories), stride)]
    labels = [_shorten(categories[i], limit) for i in range(0, len(categories), stride)]
    return positions, labels


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"
