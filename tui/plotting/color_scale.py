"""Colours for a parameter with more values than the palette has colours.

Colouring 300 runs by a learning rate with 300 values, one palette colour a value,
repeats each colour 25 times and gives a legend of 300 entries of which one fits:
the colours say nothing. Past ``MANY_VALUES`` distinct values:

* **numbers** are cut into ``BINS`` quantile bins of the distinct values (as many
  values in each; on a log-spaced grid that is log-spaced bins), coloured along an
  ordered ramp, low to high, with a legend that says so:
  ``lr: 0.0001 … 0.094, 6 bins  ■ ≥0.0001  ■ ≥0.00032  ■ ≥0.001  …`` (each bin named by
  its lowest value, so that the legend fits in the pane's header);
* **anything else** (names, flags, a mix) keeps a colour for each of the ``TOP_K``
  most common values and draws the rest in grey as ``other``:
  ``optimizer: 40 values, top 8  ■ adam  ■ sgd  …  ■ other (32)``.

Nothing here imports textual; :func:`tui.plotting.render.render_curves` uses it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BINS",
    "MANY_VALUES",
    "TOP_K",
    "ColorScale",
    "is_number",
    "many_value_scale",
    "value_key",
]

MANY_VALUES = 12
"""Up to this many distinct values, each value has a colour of its own."""

BINS = 6
"""Quantile bins for a numeric parameter with more values."""

TOP_K = 8
"""Values with a colour of their own for a non-numeric parameter with more values."""

RAMP: tuple[int, ...] = (63, 33, 39, 44, 49, 83, 148, 184, 214)
"""An ordered ramp of 256-colour codes, blue to orange, for bins low to high."""

OTHER = 245
"""Grey: the values outside the top ``TOP_K``, and None."""

SAMPLE = "■"

Legend = list[tuple[str, int | None, bool]]
"""Entries ``(text, colour, bold)``; a colour of None is plain text."""


@dataclass
class ColorScale:
    """A colour for any value, and the legend that explains them."""

    legend: Legend
    color: Callable[[object], int]


def many_value_scale(
    name: str | None,
    values: Sequence[object],
    palette: Sequence[int],
    format_value: Callable[[object], str] = str,
) -> ColorScale | None:
    """Bins or top-k for ``values`` (one a run, repeats allowed), or None when there are
    at most ``MANY_VALUES`` distinct values (a colour each, as before). ``palette``
    colours the top-k values; ``format_value`` writes values in the legend."""
    numbers: set[float] = set()
    others: Counter[object] = Counter()
    has_none = False
    for value in values:
        if value is None:
            has_none = True
        elif is_number(value):
            numbers.add(float(value))  # type: ignore[arg-type]
        else:
            others[value_key(value)] += 1
    if len(numbers) + len(others) <= MANY_VALUES:
        return None
    prefix = f"{name}: " if name else ""
    if not others:
        return _binned(prefix, np.array(sorted(numbers)), has_none, format_value)
    return _top_k(prefix, values, palette, format_value)


def _binned(
    prefix: str, distinct: np.ndarray, has_none: bool, format_value: Callable[[object], str]
) -> ColorScale:
    chunks = np.array_split(distinct, BINS)
    highs = np.array([float(chunk[-1]) for chunk in chunks])
    colors = [RAMP[round(i * (len(RAMP) - 1) / (BINS - 1))] for i in range(BINS)]
    low, high = format_value(float(distinct[0])), format_value(float(distinct[-1]))
    legend: Legend = [(f"{prefix}{low} … {high}, {BINS} bins", None, False)]
    for chunk, color in zip(chunks, colors, strict=True):
        legend.append((f"{SAMPLE} ≥{_short(float(chunk[0]))}", color, False))
    if has_none:
        legend.append((f"{SAMPLE} None", OTHER, False))

    def color(value: object) -> int:
        if not is_number(value):
            return OTHER
        at = int(np.searchsorted(highs, float(value), side="left"))  # type: ignore[arg-type]
        return colors[min(at, BINS - 1)]

    return ColorScale(legend, color)


def _top_k(
    prefix: str,
    values: Sequence[object],
    palette: Sequence[int],
    format_value: Callable[[object], str],
) -> ColorScale:
    counts = Counter(value_key(v) for v in values)
    shown = [key for key, _ in counts.most_common(TOP_K)]
    colors = dict(zip(shown, palette, strict=False))
    first = {}
    for value in values:
        first.setdefault(value_key(value), value)
    legend: Legend = [(f"{prefix}{len(counts)} values, top {TOP_K}", None, False)]
    legend += [(f"{SAMPLE} {format_value(first[key])}", colors[key], False) for key in shown]
    legend.append((f"{SAMPLE} other ({len(counts) - len(shown)})", OTHER, False))
    return ColorScale(legend, lambda value: colors.get(value_key(value), OTHER))


def _short(value: float) -> str:
    """A bin's lowest value in the legend: whole numbers as they are, else 2 significant
    digits."""
    if value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.2g}"


def is_number(value: object) -> bool:
    """A real number that is not NaN (bools are not numbers here)."""
    if isinstance(value, bool | np.bool_):
        return False
    if not isinstance(value, int | float | np.integer | np.floating):
        return False
    return not math.isnan(float(value))


def value_key(value: object) -> object:
    """A hashable key for a value (lists by their repr; every NaN one value, where
    ``nan != nan`` would give each NaN a colour of its own)."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    if isinstance(value, float | np.floating) and math.isnan(value):
        return "nan"
    return value
