"""What the plots tab draws (:class:`PlotConfig`), the choices each setting cycles
through, and how the keys step through them.

Why a module of its own: the tab's keys, its controls and its presets all change this
one object, and the pane draws from it; keeping the settings and their stepping logic
out of the widget lets each be read (and tested) without a terminal. The aggregates and
error bars offered are those :mod:`metalab.index.stats` computes, and ``e`` offers only
the bars that fit the aggregate (:data:`~metalab.index.stats.ERRORS_FOR`): std, sem,
ci95 around a mean, iqr or a bootstrap CI around a median, none around a min, max or
count. In curves mode ``a`` switches the centre line between mean and median, and ``e``
cycles the bands that fit it (:data:`~metalab.index.stats.BANDS_FOR`). What the tab shares with
the other tabs (scope, filter, selection) is not here but in
:class:`~tui.browser.state.BrowseState`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from metalab.index.stats import AGGREGATES, BANDS_FOR, ERRORS_FOR, band_for, error_for
from tui.browser.plots.scope import PresetFields
from tui.plotting.scalar import KINDS

__all__ = [
    "BANDS",
    "BINS",
    "CENTERS",
    "LAYOUTS",
    "SMOOTHING",
    "PlotConfig",
    "cycle",
]

BANDS = ("ci95", "std", "sem", "iqr", "minmax", "none")
"""Every curve band; those offered depend on the centre line (:data:`BANDS_FOR`)."""
CENTERS = ("mean", "median")
SMOOTHING = (0.0, 0.6, 0.9, 0.99)
BINS: tuple[int | None, ...] = (None, 5, 10, 20, 30, 50)
LAYOUTS = ("overlay", "grouped")


def cycle(options: Sequence[Any], current: Any, step: int = 1) -> Any:
    """The option ``step`` after ``current`` (wrapping); the first when ``current`` is
    not an option; ``current`` when there are none."""
    options = list(options)
    if not options:
        return current
    try:
        i = options.index(current)
    except ValueError:
        return options[0]
    return options[(i + step) % len(options)]


@dataclass
class PlotConfig:
    """What the plots tab draws; changed by its keys, its controls and the presets."""

    mode: str = "scalar"
    """``scalar`` or ``curves``."""
    kind: str = "scatter"
    x: str | None = None
    y: str | None = None
    """The y field; for a histogram, the field binned."""
    group: str | None = None
    agg: str = "mean"
    error: str = "none"
    bins: int | None = None
    """Histogram bins (None: automatic, as atlas picks them)."""
    log_x: bool = False
    log_y: bool = False
    source: str | None = None
    """The curve (a :attr:`CurveSource.key`); None: the first found."""
    prefer_artifact: bool = False
    """With ``source`` None, take the first array artifact before any stepped metric."""
    layout: str = "overlay"
    """Curves: ``overlay`` (one line per run) or ``grouped`` (mean and band per group)."""
    curve_group: str | None = None
    """Curves: the param colouring the overlay, or grouping the bands."""
    band: str = "ci95"
    curve_center: str = "mean"
    """Curves, grouped: the centre line, ``mean`` or ``median``."""
    smoothing: float = 0.0
    curve_log_y: bool = False

    # -- a fresh scope ------------------------------------------------------------------

    def fill_defaults(self, fields: list[str], numeric: list[str], preset: PresetFields) -> None:
        """Pick fields for a fresh scope (of these ``fields``, ``numeric`` the numeric
        ones); drop fields the scope no longer has."""
        names = set(fields)
        if self.x not in names:
            self.x = preset.param or next(iter(fields), None)
        if self.y not in set(numeric):
            self.y = preset.metric
        if self.group is not None and self.group not in names:
            self.group = None
        if self.group is None and preset.group and preset.group != self.x:
            self.group = preset.group
        if self.curve_group not in names:
            self.curve_group = preset.param if preset.param in names else None

    # -- what the keys do ---------------------------------------------------------------

    def toggle_mode(self) -> None:
        self.mode = "curves" if self.mode == "scalar" else "scalar"

    def cycle_kind(self) -> None:
        self.kind = cycle(KINDS, self.kind)

    def cycle_agg(self) -> None:
        """The next aggregate, or in curves mode the other centre line."""
        if self.mode == "curves":
            self.curve_center = cycle(CENTERS, self.curve_center)
        else:
            self.agg = cycle(AGGREGATES, self.agg)

    @property
    def error_drawn(self) -> str:
        """The error bar the chart draws: :attr:`error`, or the one that fits :attr:`agg`."""
        return error_for(self.agg, self.error)

    @property
    def errors_offered(self) -> tuple[str, ...]:
        """The error bars that fit :attr:`agg` (just ``none``: error bars do not apply)."""
        return ERRORS_FOR.get(self.agg, ("none",))

    @property
    def error_applies(self) -> bool:
        """Whether the scalar chart has error bars to choose: not on a box plot, nor for
        an aggregate that offers none (min, max, count)."""
        return self.kind != "box" and len(self.errors_offered) > 1

    @property
    def band_drawn(self) -> str:
        """The curve band drawn: :attr:`band`, or the one that fits the centre line."""
        return band_for(self.curve_center, self.band)

    def cycle_error(self) -> None:
        """The next error bar that fits the aggregate, or in curves mode the next band
        that fits the centre line."""
        if self.mode == "curves":
            self.band = cycle(BANDS_FOR[self.curve_center], self.band_drawn)
        elif len(self.errors_offered) > 1:
            self.error = cycle(self.errors_offered, self.error_drawn)

    def cycle_group(self, fields: Sequence[str]) -> None:
        """Group by the next of ``fields`` (params only, in curves mode), or by none; a
        scalar chart skips its x field."""
        if self.mode == "curves":
            self.curve_group = cycle([None, *fields], self.curve_group)
        else:
            self.group = cycle([None, *(f for f in fields if f != self.x)], self.group)

    def toggle_log(self, axis: str) -> None:
        if axis == "x":
            self.log_x = not self.log_x
        elif self.mode == "curves":
            self.curve_log_y = not self.curve_log_y
        else:
            self.log_y = not self.log_y

    def next_field(self, axis: str, options: Sequence[str], step: int) -> None:
        """Put the field ``step`` along ``options`` on ``axis`` (``x`` or ``y``); an x
        field that was the group ends the grouping."""
        if axis == "x":
            self.x = cycle(options, self.x, step)
            if self.group == self.x:
                self.group = None
        else:
            self.y = cycle(options, self.y, step)

    def cycle_bins(self) -> None:
        self.bins = cycle(BINS, self.bins)

    def cycle_smoothing(self) -> None:
        self.smoothing = cycle(SMOOTHING, self.smoothing)

    def toggle_layout(self) -> None:
        self.layout = cycle(LAYOUTS, self.layout)
