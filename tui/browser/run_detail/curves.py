"""The Curves tab: one stepped metric of the run, raw and EMA-smoothed, and its caption.

Why a module of its own: what the plot is given (the raw series, plus a smoothed one
while smoothing is on) and the caption's figures are plain functions of the loaded
steps and values, so they can be checked without a screen. :class:`CurvesTab` reads
each curve on a worker thread (``Run.stepped``), a newer request replacing one still
running; while the run is live each of the screen's polls re-reads the curve on
display and hands it to :meth:`CurvesTab.show_curve`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from metalab.index import format_cell
from metalab.results import Run
from tui.browser.run_detail.tab import RunTab
from tui.plotting.reduce import smooth_ema
from tui.plotting.render import Series
from tui.widgets.curve_plot import CurvePlot

__all__ = ["SMOOTHING", "CurvesTab", "curve_caption", "curve_series", "next_smoothing"]

SMOOTHING = (0.0, 0.6, 0.9, 0.99)
"""EMA weights the ``s`` key cycles through."""


def next_smoothing(current: float) -> float:
    """The EMA weight after ``current`` in :data:`SMOOTHING` (round and round)."""
    at = SMOOTHING.index(current) if current in SMOOTHING else 0
    return SMOOTHING[(at + 1) % len(SMOOTHING)]


def curve_series(
    name: str, steps: np.ndarray, values: np.ndarray, smoothing: float
) -> list[Series]:
    """What the curve plot draws: the raw curve, then its EMA when ``smoothing`` > 0."""
    series = [Series(key="raw", label=name, x=steps, y=values)]
    if smoothing > 0 and values.size:
        smooth = smooth_ema(values, smoothing)
        series.append(Series(key="smooth", label=f"ema {smoothing}", x=steps, y=smooth))
    return series


def curve_caption(
    name: str, steps: np.ndarray, values: np.ndarray, smoothing: float, log_y: bool
) -> str:
    """The line above the plot: points, step range, last and lowest value, and the keys."""
    finite = values[np.isfinite(values)] if values.size else values
    parts = [f"{name}", f"{values.size} points"]
    if steps.size:
        parts.append(f"steps {int(steps[0])}–{int(steps[-1])}")
    if finite.size:
        parts.append(f"last {format_cell(float(values[-1]))}")
        parts.append(f"min {format_cell(float(finite.min()))}")
    parts.append(f"smoothing {smoothing:g} (s)")
    parts.append(f"log-y {'on' if log_y else 'off'} (l)")
    return "  ·  ".join(parts)


class CurvesTab(RunTab):
    """The list of the run's stepped metrics and the plot of the one highlighted."""

    DEFAULT_CSS = """
    CurvesTab #curve-list { width: 28; height: 1fr; }
    CurvesTab #curve-caption { height: 1; color: $text-muted; padding: 0 1; }
    """

    @dataclass
    class CurveLoaded(Message):
        name: str
        steps: np.ndarray
        values: np.ndarray

    def __init__(self) -> None:
        super().__init__("Curves", id="curves")
        self.run: Run | None = None
        self.stepped: list[str] = []
        self.curve_name: str | None = None
        self.curve: tuple[np.ndarray, np.ndarray] | None = None
        """Steps and values of the stepped metric shown."""
        self.curve_series: list[Series] = []
        """What the curve plot was last given (raw, then smoothed when smoothing)."""
        self.smoothing = 0.0

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield OptionList(id="curve-list")
            with Vertical():
                yield Static(id="curve-caption")
                yield CurvePlot(id="curve-plot")

    def fill(self, run: Run, names: list[str]) -> None:
        """List the stepped metrics ``names`` of ``run`` and show one: the one shown
        before while it is still listed, else the first."""
        self.run = run
        self.stepped = names
        options = self.query_one("#curve-list", OptionList)
        keep = self.curve_name if self.curve_name in names else (names[0] if names else None)
        options.clear_options()
        options.add_options([Option(n, id=f"curve-{i}") for i, n in enumerate(names)])
        if keep is None:
            self.query_one("#curve-caption", Static).update("this run has no stepped metrics")
            return
        options.highlighted = names.index(keep)
        self._select_curve(keep)

    def _select_curve(self, name: str) -> None:
        self.curve_name = name
        if self.run is not None:
            self._load_curve(self.run, name)

    @work(thread=True, exclusive=True, group="detail-curve", exit_on_error=False)
    def _load_curve(self, run: Run, name: str) -> None:
        steps, values = run.stepped(name)
        self.post_message(self.CurveLoaded(name, steps, values))

    @on(CurveLoaded)
    def _on_curve_loaded(self, message: CurveLoaded) -> None:
        if message.name == self.curve_name:
            self.show_curve(message.name, message.steps, message.values)

    def show_curve(self, name: str, steps: np.ndarray, values: np.ndarray) -> None:
        """Plot stepped metric ``name`` (as loaded, or as a poll re-read it)."""
        self.curve = (steps, values)
        plot = self.query_one("#curve-plot", CurvePlot)
        series = curve_series(name, steps, values, self.smoothing)
        self.curve_series = series
        plot.title = name
        plot.set_series(series, highlight="smooth" if len(series) > 1 else None)
        caption = curve_caption(name, steps, values, self.smoothing, plot.log_y)
        self.query_one("#curve-caption", Static).update(caption)

    @on(OptionList.OptionHighlighted, "#curve-list")
    def _on_curve_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        index = event.option_index
        if 0 <= index < len(self.stepped) and self.stepped[index] != self.curve_name:
            self._select_curve(self.stepped[index])

    def next_curve(self) -> None:
        """Highlight the next stepped metric in the list (round and round)."""
        if not self.stepped:
            return
        at = self.stepped.index(self.curve_name) if self.curve_name in self.stepped else -1
        nxt = (at + 1) % len(self.stepped)
        self.query_one("#curve-list", OptionList).highlighted = nxt

    def cycle_smoothing(self) -> None:
        self.smoothing = next_smoothing(self.smoothing)
        self._redraw()

    def toggle_log_y(self) -> None:
        plot = self.query_one("#curve-plot", CurvePlot)
        plot.log_y = not plot.log_y
        self._redraw()

    def _redraw(self) -> None:
        if self.curve is not None and self.curve_name is not None:
            self.show_curve(self.curve_name, *self.curve)
