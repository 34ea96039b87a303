"""A pane showing one scalar chart (scatter, line, bar or histogram), drawn only when needed.

A plotext frame costs milliseconds to tens of milliseconds, and Textual asks a widget
to render on every repaint (focus moves, a neighbour's update, a tooltip), so the
widget keeps the last frame and draws again only when its inputs change: the chart
given to :meth:`ScalarPlot.set_chart` (each call is a new revision) or its size.
The chart itself is kept as given, so tests and the plots tab can read what is shown
(``chart.series``) without parsing pixels.
"""

from __future__ import annotations

from collections.abc import Hashable

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from tui.plotting.scalar import ScalarChart, render_scalar

__all__ = ["ScalarPlot"]


class ScalarPlot(Widget):
    """A cached plotext rendering of a :class:`~tui.plotting.scalar.ScalarChart`.

    ``render_count`` counts the frames actually drawn (cache misses), for tests.
    """

    DEFAULT_CSS = """
    ScalarPlot {
        width: 1fr;
        height: 1fr;
        min-height: 8;
        background: $surface;
        color: $foreground;
    }
    """

    def __init__(
        self,
        chart: ScalarChart | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._chart = chart or ScalarChart()
        self._revision = 0
        self._frame_key: Hashable | None = None
        self._frame = Text()
        self.render_count = 0

    @property
    def chart(self) -> ScalarChart:
        """The chart shown (or about to be, at the next repaint)."""
        return self._chart

    @property
    def revision(self) -> int:
        """Incremented by every :meth:`set_chart`."""
        return self._revision

    def set_chart(self, chart: ScalarChart) -> None:
        """Show ``chart``; it must not be modified afterwards (hand over a new one)."""
        self._chart = chart
        self._revision += 1
        self.refresh()

    def x_fraction(self, x: int) -> float | None:
        """Where content column ``x`` falls across the last frame's plot area (0 at its
        left edge, 1 at its right), or None outside it: how a click maps to data."""
        for line in self._frame.plain.split("\n"):
            left, right = line.find("┌"), line.find("┐")
            if 0 <= left < right:
                if left < x < right:
                    return (x - left - 0.5) / (right - left - 1)
                return None
        return None

    def render(self) -> RenderResult:
        size = self.content_size
        key = (self._revision, size.width, size.height)
        if key != self._frame_key:
            try:
                ansi = render_scalar(self._chart, size.width, size.height)
            except Exception as error:  # a bad chart must not take the app down
                self.log.error(f"ScalarPlot: drawing failed: {error!r}")
                ansi = f"plot failed: {error!r}"
            self._frame = Text.from_ansi(ansi, no_wrap=True, overflow="crop", end="")
            self._frame_key = key
            self.render_count += 1
        return self._frame
