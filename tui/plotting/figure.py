"""A chart as a figure file (SVG or PNG) to paste into a paper draft.

Why it exists: the plots tab draws with plotext in a terminal, which is no figure. A
researcher wants the same chart as a file, and should not need matplotlib for it. So
this module lays the chart out itself (axes with round ticks, labels, a legend, one
polyline per series, error bars, bars) as a short list of shapes, and writes the shapes
either as SVG text (no dependency) or as a PNG through Pillow (already installed for
textual-image), drawn at four times the size and reduced, so lines are smooth.

In the SVG every series is a ``<g class="series" data-label="...">`` group holding one
``<polyline>`` (its points, in order; for lines and curves) or its bars or markers, so a
figure can be checked, or restyled in a vector editor, series by series. Points that
cannot be drawn (NaN, or not positive on a log axis) are left out.

No textual here: the plots tab builds a :class:`Figure` from what it shows
(:mod:`tui.browser.plots.export_points`) and calls :func:`write_figure`.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from metalab.store import atomic
from tui.plotting.render import _log_ticks, nice_ticks, tick_decimals

__all__ = [
    "COLORS",
    "FIGURE_FORMATS",
    "Figure",
    "FigureSeries",
    "figure_shapes",
    "png_bytes",
    "svg_text",
    "write_figure",
]

FIGURE_FORMATS = ("svg", "png")
COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
"""Series colours (the common ten-colour scientific palette), in order."""
WIDTH, HEIGHT = 800, 500
"""The figure's size in SVG pixels (the PNG is twice that)."""
PNG_SCALE = 2
_SUPERSAMPLE = 2
_MARKERS_UP_TO = 60
"""A line series with at most this many points gets a marker on each."""
_INK, _GRID, _MUTED = "#222222", "#e3e3e3", "#555555"


@dataclass
class FigureSeries:
    """One series: ``x`` in data units (category positions 0, 1... on a categorical
    axis), ``y``, optional error bars from ``low`` to ``high`` (NaN: none)."""

    label: str
    x: np.ndarray
    y: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    color: int = 0
    """Index into :data:`COLORS` (series of one group share it)."""
    faint: bool = False
    """Drawn thin and light (the edges of a band around a mean curve)."""


@dataclass
class Figure:
    """What to draw: ``kind`` is ``line``, ``scatter``, ``bar`` or ``histogram``."""

    series: list[FigureSeries]
    kind: str = "line"
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    categories: list[str] | None = None
    """Names of the x positions 0, 1... (a categorical axis)."""
    edges: np.ndarray | None = None
    """Bin edges of a histogram (its series' ``y`` are counts per bin, stacked)."""
    log_x: bool = False
    log_y: bool = False


# -- shapes --------------------------------------------------------------------------------


@dataclass
class Shape:
    """One thing drawn, in figure pixels: ``kind`` is ``line``, ``polyline``, ``rect``,
    ``circle`` or ``text``; ``group`` (a series index) puts it in that series' group."""

    kind: str
    points: list[tuple[float, float]] = field(default_factory=list)
    color: str = _INK
    width: float = 1.0
    fill: str | None = None
    radius: float = 0.0
    text: str = ""
    size: float = 12.0
    anchor: str = "start"
    """Text alignment: ``start``, ``middle`` or ``end``."""
    rotate: bool = False
    """Text turned to read upwards (the y axis label)."""
    bold: bool = False
    opacity: float = 1.0
    group: int | None = None


@dataclass
class _Axis:
    lo: float
    hi: float
    log: bool
    ticks: list[float]
    labels: list[str]


def _transform(values: np.ndarray, log: bool) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if not log:
        return values
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), np.nan)


def _tick_labels(ticks: list[float]) -> list[str]:
    """Labels for round ticks (:func:`~tui.plotting.render.nice_ticks`), written out in
    full for a paper rather than the screen's ``12.5k``: just enough decimals for the
    step, exponent form for very large or very small values."""
    if len(ticks) < 2:
        return [f"{t:.4g}" for t in ticks]
    step = ticks[1] - ticks[0]
    biggest = max(abs(t) for t in ticks)
    if biggest >= 1e6 or (biggest and step < 1e-4):
        return [f"{t:.3g}" if t else "0" for t in ticks]
    decimals = tick_decimals(step)
    return [f"{t:.{decimals}f}" if t else "0" for t in ticks]


def _axis(
    values: np.ndarray,
    log: bool,
    *,
    include_zero: bool = False,
    pad: float = 0.05,
    max_ticks: int = 7,
) -> _Axis:
    finite = values[np.isfinite(values)]
    if include_zero and not log:
        finite = np.append(finite, 0.0)
    if finite.size == 0:
        lo, hi = 0.0, 1.0
    else:
        lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:
        half = abs(lo) * 0.1 or (0.5 if not log else 0.25)
        lo, hi = lo - half, hi + half
    span = hi - lo
    lo_pad = 0.0 if include_zero and not log and lo == 0.0 else span * pad
    lo, hi = lo - lo_pad, hi + span * pad
    if log:
        ticks, labels = _log_ticks(lo, hi, max_ticks)
    else:
        ticks = nice_ticks(lo, hi, max_ticks)
        labels = _tick_labels(ticks)
    return _Axis(lo, hi, log, ticks, labels)


def _text_width(text: str, size: float) -> float:
    """A fair estimate of a sans-serif text's width (for the layout only)."""
    return 0.58 * size * len(text)


def figure_shapes(fig: Figure, width: int = WIDTH, height: int = HEIGHT) -> list[Shape]:
    """Lay ``fig`` out as shapes on a ``width`` x ``height`` canvas (white ground)."""
    shapes: list[Shape] = [Shape("rect", [(0, 0), (width, height)], color="none", fill="white")]
    labelled = [s for s in fig.series if s.label and not s.faint]
    legend_w = 0.0
    if len(labelled) > 1 or (labelled and fig.kind == "histogram" and len(fig.series) > 1):
        legend_w = min(240.0, max(_text_width(s.label, 12) for s in labelled) + 44)
    left, right = 78.0, width - 24.0 - legend_w
    top = 54.0 if fig.title else 24.0
    bottom = height - 58.0

    # axes ranges, in plot units (log10 on a log axis)
    if fig.kind == "histogram" and fig.edges is not None:
        xs = _transform(np.asarray(fig.edges, dtype=float), fig.log_x)
    elif fig.categories is not None:
        xs = np.array([-0.5, len(fig.categories) - 0.5])
    else:
        xs = np.concatenate([_transform(s.x, fig.log_x) for s in fig.series] or [np.empty(0)])
    if fig.kind == "histogram":
        stacked = np.sum([np.asarray(s.y, dtype=float) for s in fig.series], axis=0)
        ys = _transform(np.atleast_1d(stacked), fig.log_y)
    else:
        parts = []
        for s in fig.series:
            parts.append(_transform(s.y, fig.log_y))
            for bound in (s.low, s.high):
                if bound is not None:
                    parts.append(_transform(bound, fig.log_y))
        ys = np.concatenate(parts or [np.empty(0)])
    bars = fig.kind in ("bar", "histogram")
    if fig.categories is not None:
        n_cat = len(fig.categories)
        xaxis = _Axis(-0.5, n_cat - 0.5, False, list(range(n_cat)), list(fig.categories))
    else:
        xaxis = _axis(xs, fig.log_x, pad=0.0 if fig.kind == "histogram" else 0.04)
    yaxis = _axis(ys, fig.log_y, include_zero=bars)

    def px(x: float) -> float:
        return left + (x - xaxis.lo) / (xaxis.hi - xaxis.lo) * (right - left)

    def py(y: float) -> float:
        return bottom - (y - yaxis.lo) / (yaxis.hi - yaxis.lo) * (bottom - top)

    # grid, ticks and tick labels
    for t, label in zip(yaxis.ticks, yaxis.labels, strict=True):
        if yaxis.lo - 1e-12 <= t <= yaxis.hi + 1e-12:
            y = py(t)
            shapes.append(Shape("line", [(left, y), (right, y)], color=_GRID))
            shapes.append(Shape("line", [(left - 5, y), (left, y)]))
            shapes.append(
                Shape("text", [(left - 8, y + 4)], text=label, size=11, anchor="end", color=_MUTED)
            )
    step = max(1, math.ceil(len(xaxis.ticks) / 12)) if fig.categories is not None else 1
    for t, label in list(zip(xaxis.ticks, xaxis.labels, strict=True))[::step]:
        if xaxis.lo - 1e-12 <= t <= xaxis.hi + 1e-12:
            x = px(t)
            if fig.categories is None:
                shapes.append(Shape("line", [(x, top), (x, bottom)], color=_GRID))
            shapes.append(Shape("line", [(x, bottom), (x, bottom + 5)]))
            text = label if len(label) <= 14 else label[:13] + "…"
            shapes.append(
                Shape("text", [(x, bottom + 19)], text=text, size=11, anchor="middle", color=_MUTED)
            )

    # the data
    n_series = max(1, len(fig.series))
    base = py(max(yaxis.lo, 0.0)) if not fig.log_y else bottom
    stack = (
        np.zeros(len(fig.edges) - 1) if fig.kind == "histogram" and fig.edges is not None else None
    )
    for index, s in enumerate(fig.series):
        color = COLORS[s.color % len(COLORS)]
        x = np.asarray(s.x, dtype=float)
        y = np.asarray(s.y, dtype=float)
        if fig.kind == "histogram" and fig.edges is not None and stack is not None:
            edges = _transform(np.asarray(fig.edges, dtype=float), fig.log_x)
            for b in range(len(edges) - 1):
                lo_v, hi_v = stack[b], stack[b] + y[b]
                stack[b] = hi_v
                if y[b] <= 0 or not (np.isfinite(edges[b]) and np.isfinite(edges[b + 1])):
                    continue
                y0 = py(_transform(np.array([lo_v]), fig.log_y)[0]) if lo_v > 0 else base
                y1 = py(_transform(np.array([hi_v]), fig.log_y)[0])
                if not math.isfinite(y1):
                    continue
                shapes.append(
                    Shape(
                        "rect",
                        [(px(edges[b]), y1), (px(edges[b + 1]), y0)],
                        color="white",
                        fill=color,
                        width=0.8,
                        group=index,
                    )
                )
            continue
        tx, ty = _transform(x, fig.log_x), _transform(y, fig.log_y)
        keep = np.isfinite(tx) & np.isfinite(ty)
        if fig.kind == "bar":
            slot = 0.8 / n_series
            for xi, yi in zip(tx[keep], ty[keep], strict=True):
                x0 = px(xi - 0.4 + index * slot)
                x1 = px(xi - 0.4 + (index + 1) * slot)
                shapes.append(
                    Shape(
                        "rect",
                        [(x0, min(py(yi), base)), (x1, max(py(yi), base))],
                        color="none",
                        fill=color,
                        group=index,
                    )
                )
            centers = tx - 0.4 + (index + 0.5) * slot
        else:
            centers = tx
            pts = [(px(a), py(b)) for a, b in zip(tx[keep], ty[keep], strict=True)]
            if fig.kind == "line" and pts:
                shapes.append(
                    Shape(
                        "polyline",
                        pts,
                        color=color,
                        width=1.0 if s.faint else 2.0,
                        opacity=0.45 if s.faint else 1.0,
                        group=index,
                    )
                )
            if fig.kind == "scatter" or (
                fig.kind == "line" and len(pts) <= _MARKERS_UP_TO and not s.faint
            ):
                r = 3.5 if fig.kind == "scatter" else 2.5
                shapes.extend(
                    Shape("circle", [p], fill=color, color="none", radius=r, group=index)
                    for p in pts
                )
        if s.low is not None and s.high is not None:
            lows, highs = _transform(s.low, fig.log_y), _transform(s.high, fig.log_y)
            for cx, lo_v, hi_v in zip(centers, lows, highs, strict=True):
                if not (math.isfinite(cx) and math.isfinite(lo_v) and math.isfinite(hi_v)):
                    continue
                if hi_v == lo_v:
                    continue
                x = px(cx)
                shapes.append(
                    Shape(
                        "line", [(x, py(lo_v)), (x, py(hi_v))], color=color, width=1.3, group=index
                    )
                )
                for cap in (lo_v, hi_v):
                    shapes.append(
                        Shape(
                            "line",
                            [(x - 4, py(cap)), (x + 4, py(cap))],
                            color=color,
                            width=1.3,
                            group=index,
                        )
                    )

    # frame, labels, title, legend
    shapes.append(Shape("rect", [(left, top), (right, bottom)], color=_INK, fill=None, width=1))
    if fig.title:
        shapes.append(
            Shape(
                "text",
                [((left + right) / 2, 30)],
                text=fig.title,
                size=15,
                anchor="middle",
                bold=True,
            )
        )
    if fig.xlabel:
        shapes.append(
            Shape(
                "text",
                [((left + right) / 2, height - 16)],
                text=fig.xlabel,
                size=13,
                anchor="middle",
            )
        )
    if fig.ylabel:
        shapes.append(
            Shape(
                "text",
                [(20, (top + bottom) / 2)],
                text=fig.ylabel,
                size=13,
                anchor="middle",
                rotate=True,
            )
        )
    if legend_w:
        y = top + 8
        lx = right + 16
        for s in labelled:
            color = COLORS[s.color % len(COLORS)]
            if fig.kind in ("bar", "histogram"):
                shapes.append(
                    Shape("rect", [(lx, y - 5), (lx + 16, y + 5)], color="none", fill=color)
                )
            else:
                shapes.append(Shape("line", [(lx, y), (lx + 18, y)], color=color, width=2.5))
            text = s.label if len(s.label) <= 30 else s.label[:29] + "…"
            shapes.append(Shape("text", [(lx + 24, y + 4)], text=text, size=12))
            y += 18
            if y > bottom:
                break
    return shapes


# -- SVG -----------------------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _svg_shape(shape: Shape) -> str:
    if shape.kind == "line":
        (x1, y1), (x2, y2) = shape.points
        return (
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke="{shape.color}" stroke-width="{_num(shape.width)}"/>'
        )
    if shape.kind == "polyline":
        points = " ".join(f"{_num(x)},{_num(y)}" for x, y in shape.points)
        opacity = f' stroke-opacity="{shape.opacity}"' if shape.opacity < 1 else ""
        return (
            f'<polyline points="{points}" fill="none" stroke="{shape.color}" '
            f'stroke-width="{_num(shape.width)}" stroke-linejoin="round"{opacity}/>'
        )
    if shape.kind == "rect":
        (x0, y0), (x1, y1) = shape.points
        fill = shape.fill or "none"
        return (
            f'<rect x="{_num(x0)}" y="{_num(y0)}" width="{_num(x1 - x0)}" '
            f'height="{_num(y1 - y0)}" fill="{fill}" stroke="{shape.color}" '
            f'stroke-width="{_num(shape.width)}"/>'
        )
    if shape.kind == "circle":
        (x, y) = shape.points[0]
        return (
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(shape.radius)}" fill="{shape.fill}"/>'
        )
    (x, y) = shape.points[0]
    weight = ' font-weight="bold"' if shape.bold else ""
    turn = f' transform="rotate(-90 {_num(x)} {_num(y)})"' if shape.rotate else ""
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(shape.size)}" '
        f'text-anchor="{shape.anchor}" fill="{shape.color}"{weight}{turn}>'
        f"{escape(shape.text)}</text>"
    )


def svg_text(fig: Figure, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The figure as a standalone SVG document."""
    shapes = figure_shapes(fig, width, height)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">',
    ]
    if fig.title:
        out.append(f"<title>{escape(fig.title)}</title>")
    groups: dict[int, list[str]] = {}
    order: list[tuple[int | None, str]] = []
    for shape in shapes:
        text = _svg_shape(shape)
        if shape.group is None:
            order.append((None, text))
        else:
            if shape.group not in groups:
                groups[shape.group] = []
                order.append((shape.group, ""))
            groups[shape.group].append(text)
    for group, text in order:
        if group is None:
            out.append(text)
        else:
            label = quoteattr(fig.series[group].label)
            out.append(f'<g class="series" data-label={label}>')
            out.extend(groups[group])
            out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- PNG -----------------------------------------------------------------------------------


def _font(size: float, bold: bool = False) -> Any:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError, AttributeError):  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


def _rgb(color: str) -> tuple[int, int, int]:
    if color == "white":
        return (255, 255, 255)
    color = color.lstrip("#")
    return (int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16))


def _blend(color: str, opacity: float) -> tuple[int, int, int]:
    r, g, b = _rgb(color)
    return tuple(round(c * opacity + 255 * (1 - opacity)) for c in (r, g, b))  # type: ignore[return-value]


def png_bytes(fig: Figure, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The figure as a PNG of ``PNG_SCALE`` times the SVG's size."""
    k = PNG_SCALE * _SUPERSAMPLE
    image = Image.new("RGB", (width * k, height * k), "white")
    draw = ImageDraw.Draw(image)
    for shape in figure_shapes(fig, width, height):
        pts = [(x * k, y * k) for x, y in shape.points]
        if shape.kind == "line":
            draw.line(pts, fill=_rgb(shape.color), width=max(1, round(shape.width * k)))
        elif shape.kind == "polyline":
            colour = _blend(shape.color, shape.opacity)
            draw.line(pts, fill=colour, width=max(1, round(shape.width * k)), joint="curve")
        elif shape.kind == "rect":
            (x0, y0), (x1, y1) = pts
            box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            fill = _rgb(shape.fill) if shape.fill else None
            outline = None if shape.color == "none" else _rgb(shape.color)
            draw.rectangle(
                box,
                fill=fill,
                outline=outline,
                width=max(1, round(shape.width * k)) if outline else 0,
            )
        elif shape.kind == "circle":
            (x, y), r = pts[0], shape.radius * k
            draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgb(shape.fill or _INK))
        else:
            _draw_text(image, draw, shape, k)
    out = io.BytesIO()
    image.resize((width * PNG_SCALE, height * PNG_SCALE), Image.Resampling.LANCZOS).save(
        out, format="PNG", dpi=(72 * PNG_SCALE, 72 * PNG_SCALE)
    )
    return out.getvalue()


def _draw_text(image: Image.Image, draw: ImageDraw.ImageDraw, shape: Shape, k: int) -> None:
    font = _font(shape.size * k, shape.bold)
    x, y = shape.points[0][0] * k, shape.points[0][1] * k
    box = draw.textbbox((0, 0), shape.text, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    colour = _rgb(shape.color)
    if shape.rotate:
        layer = Image.new("RGBA", (w + 4, h + 8), (255, 255, 255, 0))
        ImageDraw.Draw(layer).text(
            (-box[0] + 2, -box[1] + 2), shape.text, font=font, fill=(*colour, 255)
        )
        layer = layer.rotate(90, expand=True)
        image.paste(layer, (round(x - layer.width / 2), round(y - layer.height / 2)), layer)
        return
    dx = {"start": 0, "middle": -w / 2, "end": -w}[shape.anchor]
    draw.text((x + dx - box[0], y - h - box[1] + k), shape.text, font=font, fill=colour)
    if shape.bold:  # a second pass one pixel over: a bold face without a bold font file
        draw.text((x + dx - box[0] + k / 2, y - h - box[1] + k), shape.text, font=font, fill=colour)


# -- files ---------------------------------------------------------------------------------


def write_figure(fig: Figure, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write ``fig`` as SVG or PNG (``fmt``, else the path's suffix); returns the path."""
    target = Path(path)
    kind = (fmt or target.suffix.lstrip(".")).lower()
    if kind not in FIGURE_FORMATS:
        raise ValueError(f"a figure is written as SVG or PNG, not {kind or 'no format'!r}")
    data = svg_text(fig).encode("utf-8") if kind == "svg" else png_bytes(fig)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(target, data)
    return target
