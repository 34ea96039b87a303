"""Draw a set of loss curves into an ANSI string of an exact size, with plotext.

plotext costs tens of microseconds of Python per point, so no curve reaches it whole:
each is cleaned, then reduced to a min/max envelope per plot column
(:mod:`tui.plotting.reduce`) on one x range shared by all curves, so a frame of 18
curves costs about the same at 1,000 steps as at 1,000,000. Where a column's min and
max would land on the same pixel only one of them is drawn, which roughly halves the
points for smooth curves.

Runs of a sweep are coloured by one parameter (``color_by``): series with the same
``color_value`` share a colour from a fixed palette, and the legend lists each value
once; past a dozen values, numbers are binned and other values reduced to the most
common few (:mod:`tui.plotting.color_scale`). ``color_domain``, the values of every
run in the sweep, keeps a value's colour the same whichever runs are drawn. The
legend and title are drawn here, in a header line above the plot, rather than by
plotext, whose boxed legend takes two rows per entry and covers the curves.
The selected run (``highlight``) is drawn last, in bold, with its newest point marked.

plotext 6 keeps one module-level figure: every call clears it and rebuilds from
scratch, under a lock; rendering is expected to happen on one thread anyway.
No textual import here: the result is a plain string (``Text.from_ansi`` it).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotext as plt

from tui.plotting.color_scale import OTHER, is_number, many_value_scale, value_key
from tui.plotting.reduce import envelope_sorted, finite_sorted

__all__ = [
    "PALETTE",
    "Series",
    "format_value",
    "linear_ticks",
    "nice_ticks",
    "render_curves",
    "tick_decimals",
]

# 256-colour codes (16+ are fixed RGB, not remapped by terminal or Textual themes),
# chosen to stay apart from each other on dark and light backgrounds.
PALETTE: tuple[int, ...] = (39, 208, 41, 205, 178, 141, 44, 196, 112, 33, 215, 170)

WAITING_MESSAGE = "waiting for data"
TOO_SMALL_MESSAGE = "pane too small"

_MIN_WIDTH = 20  # below this plotext's frame and ticks leave no canvas
_MIN_PLOT_HEIGHT = 5
_MAX_LEGEND_ROWS = 3
_LEGEND_SAMPLE = "■"
_HIGHLIGHT_SAMPLE = "●"
_HUGE = 1e300  # plotext overflows on spans near float max; clip magnitudes to this
_ANSI_TOKEN = re.compile(r"(\x1b\[[0-9;]*m)")
_RESET = "\x1b[0m"
_LOCK = threading.Lock()
_DOMAIN_COLORS: tuple[object, Sequence[object], Callable[[object], int], Any] | None = None
"""(color_by, domain, colour of a value, legend) of the last ``color_domain`` drawn."""


@dataclass(eq=False)
class Series:
    """One curve: ``key`` identifies the run, ``label`` names it in the legend.

    ``color_value`` is the value of the colouring parameter for this run (e.g. its
    learning rate); series with equal values are drawn in the same colour. A ``faint``
    series (the edges of a band around a mean curve) is drawn dimmed, under the others.
    """

    key: str
    label: str
    x: np.ndarray
    y: np.ndarray
    color_value: object | None = None
    faint: bool = False


@dataclass
class _Prepared:
    series: Series
    x: np.ndarray
    y: np.ndarray  # in plot units: log10(y) when log_y
    color: int


def format_value(value: object) -> str:
    """Short legend text for a parameter value: ``0.001``, ``3e-05``, ``64``, ``adam``."""
    if value is None or isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    return str(value)


def render_curves(
    series: Sequence[Series],
    width: int,
    height: int,
    *,
    log_y: bool = False,
    title: str = "",
    xlabel: str = "step",
    ylabel: str = "",
    color_by: str | None = None,
    highlight: str | None = None,
    color_domain: Sequence[object] | None = None,
) -> str:
    """Render ``series`` into ``height`` lines of ``width`` visible cells, joined by newlines.

    ANSI colour codes are included; nothing else sets the background, so the pane's own
    shows through. ``log_y`` drops values <= 0 and puts decades on the y axis.
    ``highlight`` is the key of the series to emphasise. ``color_domain`` (the colouring
    value of every run, not only those drawn) is read once per list object: pass a new
    list when it changes, never the same one modified. Series with no finite (or, in
    log mode, positive) point are skipped; when none is left the frame just says
    that it is waiting for data.
    """
    width, height = int(width), int(height)
    if width <= 0 or height <= 0:
        return "\n".join("" for _ in range(max(height, 0)))

    colors, legend = _assign_colors(series, color_by, color_domain)
    prepared = []
    for item in series:
        x, y = np.asarray(item.x), np.asarray(item.y)
        n = min(x.size, y.size)  # a live curve may be caught mid-append: draw what pairs up
        x, y = finite_sorted(x.ravel()[:n], y.ravel()[:n], positive_only=log_y)
        if x.size:
            prepared.append(_Prepared(item, x, y, colors[id(item)]))

    header = [title] if title else []
    if not prepared:
        return _message_frame(header, WAITING_MESSAGE, width, height)
    chosen = next((p for p in prepared if p.series.key == highlight), None)
    if chosen is not None:
        legend = [*legend, (f"{_HIGHLIGHT_SAMPLE} {chosen.series.label}", chosen.color, True)]
    header = _header_lines(title, legend, width, max(0, min(_MAX_LEGEND_ROWS, height - 8)))
    plot_height = height - len(header)
    if width < _MIN_WIDTH or plot_height < _MIN_PLOT_HEIGHT:
        return _message_frame([title] if title else [], TOO_SMALL_MESSAGE, width, height)

    with _LOCK:
        body = _plot(prepared, chosen, width, plot_height, log_y, xlabel, ylabel)
    return "\n".join(_fit_line(line, width) for line in header + body)


# --- colours and legend -------------------------------------------------------------


def _assign_colors(
    series: Sequence[Series], color_by: str | None, domain: Sequence[object] | None = None
) -> tuple[dict[int, int], list[tuple[str, int | None, bool]]]:
    """Colour per series (by ``id``) and legend entries ``(text, colour, bold)``.

    With a colouring parameter (``color_by`` or any ``color_value`` set), colours go to
    the distinct values of ``domain`` (default: the series' own values), numbers in
    ascending order, then others in order of first appearance, then None, or to bins or
    the most common values when there are many; otherwise each series is its own
    group, named by its label.
    """
    by_value = color_by is not None or any(s.color_value is not None for s in series)
    if not by_value:
        colors = {id(s): PALETTE[i % len(PALETTE)] for i, s in enumerate(series)}
        return colors, [(f"{_LEGEND_SAMPLE} {s.label}", colors[id(s)], False) for s in series]
    global _DOMAIN_COLORS
    if domain is None:
        color_of, legend = _value_colors(color_by, [s.color_value for s in series])
    else:  # a sweep's domain is the same list frame after frame: its colours, once
        cached = _DOMAIN_COLORS
        if cached is None or cached[0] != color_by or cached[1] is not domain:
            cached = _DOMAIN_COLORS = (color_by, domain, *_value_colors(color_by, domain))
        color_of, legend = cached[2], cached[3]
    return {id(s): color_of(s.color_value) for s in series}, legend


def _value_colors(
    color_by: str | None, values: Sequence[object]
) -> tuple[Callable[[object], int], list[tuple[str, int | None, bool]]]:
    """A colour for each value (one per distinct value, or a scale past a dozen of
    them) and the legend; a value not among ``values`` is drawn grey."""
    scale = many_value_scale(color_by, values, PALETTE, format_value)
    if scale is not None:
        return scale.color, scale.legend
    numbers: list[object] = []
    others: list[object] = []
    has_none = False
    seen: set[object] = set()
    for value in values:
        if value is None:
            has_none = True
            continue
        marker = value_key(value)
        if marker in seen:
            continue
        seen.add(marker)
        if is_number(value):
            numbers.append(value)
        else:
            others.append(value)
    ordered = sorted(numbers, key=float) + others + ([None] if has_none else [])
    slot = {value_key(v): PALETTE[i % len(PALETTE)] for i, v in enumerate(ordered)}
    prefix = f"{color_by}=" if color_by else ""
    legend: list[tuple[str, int | None, bool]] = [
        (f"{_LEGEND_SAMPLE} {prefix}{format_value(v)}", slot[value_key(v)], False) for v in ordered
    ]
    return (lambda value: slot.get(value_key(value), OTHER)), legend


def _header_lines(
    title: str, legend: list[tuple[str, int | None, bool]], width: int, max_rows: int
) -> list[str]:
    """Title (bold) then legend entries, wrapped into at most ``max_rows`` lines.

    Entries that do not fit are counted in a trailing ``+k more``.
    """
    entries: list[tuple[str, int | None, bool]] = [(title, None, True)] if title else []
    if max_rows <= 0:
        return [_style(title[:width], bold=True)] if title else []
    entries += legend
    rows: list[list[tuple[str, int | None, bool]]] = []
    row: list[tuple[str, int | None, bool]] = []
    used = 0
    for index, (text, color, bold) in enumerate(entries):
        text = text[:width]
        gap = 2 if row else 0
        if row and used + gap + len(text) > width:
            rows.append(row)
            row, used, gap = [], 0, 0
            if len(rows) == max_rows:
                rows[-1] = _with_more(rows[-1], len(entries) - index, width)
                break
        row.append((text, color, bold))
        used += gap + len(text)
    else:
        if row:
            rows.append(row)
    return ["  ".join(_style(text, color, bold) for text, color, bold in r) for r in rows]


def _with_more(
    row: list[tuple[str, int | None, bool]], remaining: int, width: int
) -> list[tuple[str, int | None, bool]]:
    """``row`` plus a ``+k more`` entry, dropping entries from its end until it fits."""
    while True:
        more = f"+{remaining} more"
        used = sum(len(text) + 2 for text, _, _ in row)
        if not row or used + len(more) <= width:
            return [*row, (more[:width], None, False)]
        row = row[:-1]
        remaining += 1


def _style(text: str, color: int | None = None, bold: bool = False) -> str:
    codes = (["1"] if bold else []) + ([f"38;5;{color}"] if color is not None else [])
    if not codes or not text:
        return text
    return f"\x1b[{';'.join(codes)}m{text}{_RESET}"


# --- plotext ------------------------------------------------------------------------


def _plot(
    prepared: list[_Prepared],
    chosen: _Prepared | None,
    width: int,
    height: int,
    log_y: bool,
    xlabel: str,
    ylabel: str,
) -> list[str]:
    x_lo = min(float(p.x[0]) for p in prepared)
    x_hi = max(float(p.x[-1]) for p in prepared)
    y_lo = min(float(p.y.min()) for p in prepared)
    y_hi = max(float(p.y.max()) for p in prepared)
    if log_y:
        y_lo, y_hi = math.log10(y_lo), math.log10(y_hi)
    label_rows = 1 if (xlabel or ylabel) else 0
    rows = max(1, height - 3 - label_rows)  # minus frame top, frame bottom, x tick labels
    columns = max(1, width - 8)  # minus y tick labels and frame, roughly
    y_span = y_hi - y_lo
    min_dy = y_span / (4 * rows) if math.isfinite(y_span) else 0.0  # half a sub-row

    fig = plt.figure
    plt.terminal.limit(False, False)  # size by the pane, not by the real terminal
    fig.clear()
    fig.plot_size(width, height)
    fig.theme("simple")  # no frame or canvas colours: the pane's own colours show

    ordered = [p for p in prepared if p.series.faint and p is not chosen]
    ordered += [p for p in prepared if not p.series.faint and p is not chosen]
    ordered += [chosen] if chosen else []
    for p in ordered:
        rx, ry = envelope_sorted(
            p.x, p.y, columns, x_range=(x_lo, x_hi), min_dy=min_dy, log_y=log_y
        )
        if log_y:
            ry = np.log10(ry)
        rx, ry = _clip_huge(rx), _clip_huge(ry)
        bold = p is chosen
        style = "bold" if bold else "dim" if p.series.faint else None
        pixel = plt.pixel(foreground=p.color, style=style)
        signal = fig.signal(rx.tolist(), ry.tolist(), marker=plt.marker("hd", pixel))
        fig.draw(signal.lines())
        if bold:
            dot = plt.marker(_HIGHLIGHT_SAMPLE, plt.pixel(foreground=p.color, style="bold"))
            fig.draw(fig.signal([float(rx[-1])], [float(ry[-1])], marker=dot))

    if xlabel:
        fig.label(xlabel, "x")
    if ylabel:
        fig.label(ylabel, "y")
    if x_hi > x_lo and math.isfinite(x_hi - x_lo):
        fig.ruler("x").ticks(*linear_ticks(x_lo, x_hi, max(2, columns // 11)))
    if log_y:
        fig.ruler("y").ticks(*_log_ticks(y_lo, y_hi, max(2, rows // 2)))

    return figure_lines(fig, height)


def figure_lines(fig: Any, height: int) -> list[str]:
    """A built plotext figure as exactly ``height`` lines (cut or padded)."""
    lines = fig.build().string().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = lines[:height]
    return lines + [""] * (height - len(lines))


def _clip_huge(values: np.ndarray) -> np.ndarray:
    if values.size and (values.max() > _HUGE or values.min() < -_HUGE):
        return np.clip(values, -_HUGE, _HUGE)
    return values


def nice_ticks(lo: float, hi: float, max_ticks: int, *, whole: bool = False) -> list[float]:
    """Round positions (1, 2, 2.5 or 5 times a power of ten apart) inside ``[lo, hi]``,
    at most ``max_ticks`` of them; ``whole`` for an axis of counts: whole numbers only
    (no tick at 2.5 runs).

    The one rule for round ticks: the curve pane, the scalar charts and the exported
    figure (:mod:`tui.plotting.figure`) all tick their linear axes with it, so a figure
    pasted into a paper reads like the chart on screen."""
    span = hi - lo
    if not (span > 0 and math.isfinite(span)):
        return [lo]
    raw = span / max(1, max_ticks - 1)
    power = 10.0 ** math.floor(math.log10(raw))
    steps = (1, 2, 2.5, 5, 10)
    if whole:
        power = max(1.0, power)
        steps = (1, 2, 5, 10) if power == 1 else steps  # 25, 250: whole, and round
    step = next(m * power for m in steps if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [k * step for k in range(first, last + 1)] or [lo]


def linear_ticks(
    lo: float, hi: float, max_ticks: int, *, whole: bool = False
) -> tuple[list[float], list[str]]:
    """:func:`nice_ticks` over ``[lo, hi]`` with their compact labels (:func:`_format_tick`)."""
    positions = nice_ticks(lo, hi, max_ticks, whole=whole)
    step = positions[1] - positions[0] if len(positions) > 1 else (hi - lo) or 1.0
    return positions, [_format_tick(v, step) for v in positions]


def tick_decimals(step: float) -> int:
    """The decimals that write every multiple of ``step`` exactly (at most 6): 0 for a
    step of 5 or 25, 1 for 2.5 or 0.5, 2 for 0.25.

    Why not the step's order of magnitude alone: ticks 2.5 apart would then read
    2, 5, 8, 10 instead of 2.5, 5, 7.5, 10."""
    if not (step > 0 and math.isfinite(step)):
        return 0
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    while decimals < 6 and abs(round(step, decimals) - step) > step * 1e-6:
        decimals += 1
    return decimals


def _format_tick(value: float, step: float) -> str:
    """Compact tick label: ``0``, ``250``, ``12.5k``, ``1M``, ``0.05``."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    for scale, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= scale:
            return _trim(value / scale, step / scale) + suffix
    if magnitude < 1e-3:
        return f"{value:.2g}"
    return _trim(value, step)


def _trim(value: float, step: float) -> str:
    text = f"{value:.{tick_decimals(step)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _log_ticks(lo: float, hi: float, max_ticks: int) -> tuple[list[float], list[str]]:
    """Y ticks for a log plot whose axis is in log10 units, labelled in data units.

    Decades when there are at least 3 of them; else 1-2-5 steps; else round linear
    values; else a single tick, so the axis never shows raw log10 numbers.
    """
    decades = list(range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1))
    if len(decades) >= 3:
        stride = -(-len(decades) // max_ticks)
        chosen = decades[::stride]
        return [float(k) for k in chosen], [_format_decade(k) for k in chosen]
    low, high = 10.0**lo * (1 - 1e-9), 10.0**hi * (1 + 1e-9)
    steps = [
        m * 10.0**k
        for k in range(math.floor(lo) - 1, math.ceil(hi) + 1)
        for m in (1, 2, 5)
        if low <= m * 10.0**k <= high
    ]
    if 2 <= len(steps) <= max_ticks:
        return [math.log10(v) for v in steps], [f"{v:.3g}" for v in steps]
    if len(decades) >= 2:
        return [float(k) for k in decades], [_format_decade(k) for k in decades]
    values = [v for v in nice_ticks(10.0**lo, 10.0**hi, max_ticks) if v > 0]
    if len(values) >= 2:
        return [math.log10(v) for v in values], [f"{v:.3g}" for v in values]
    middle = (lo + hi) / 2
    return [middle], [f"{10.0**middle:.3g}"]


def _format_decade(power: int) -> str:
    return {-2: "0.01", -1: "0.1", 0: "1", 1: "10", 2: "100", 3: "1000"}.get(power, f"1e{power}")


# --- frames ---------------------------------------------------------------------------


def _message_frame(header: list[str], message: str, width: int, height: int) -> str:
    """A frame with only the (bold) title on top and ``message`` in the middle."""
    lines = [_style(h[:width], bold=True) for h in header][:height]
    body = height - len(lines)
    centre = [" " * width for _ in range(body)]
    if body:
        centre[body // 2] = message[:width].center(width)
    return "\n".join(_fit_line(line, width) for line in lines + centre)


def _fit_line(line: str, width: int) -> str:
    """Pad with spaces, or crop, so ``line`` shows exactly ``width`` cells."""
    visible = 0
    out: list[str] = []
    cropped = False
    for token in _ANSI_TOKEN.split(line):
        if not token:
            continue
        if token.startswith("\x1b["):
            out.append(token)
            continue
        room = width - visible
        if len(token) > room:
            token, cropped = token[:room], True
        out.append(token)
        visible += len(token)
    if cropped:
        out.append(_RESET)
    return "".join(out) + " " * (width - visible)
