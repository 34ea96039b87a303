"""A pane of live loss curves that stays cheap however fast runs log.

Runs may report many times a second, and a plotext frame of 18 curves costs tens of
milliseconds on the UI thread, so this widget never draws on demand. ``set_series``
only stores the data and bumps a revision; drawing happens in ``render``, at most
``MAX_FPS`` (10) times a second, and only when something that changes the picture
(data revision, size, ``log_y``, ``highlight``, ``title``) differs from the frame
already drawn, which is otherwise reused as it is. Updates arriving faster than that
are coalesced: the widget shows the last frame and schedules one redraw for when the
next one is due. If a frame takes long to draw, the interval stretches to three times
its cost, so plotting never takes more than about a third of the UI thread.

Call ``set_series`` from the app's thread (``app.call_from_thread`` from workers);
the arrays handed over must not be modified in place afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable, Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from tui.plotting.render import Series, render_curves

__all__ = ["CurvePlot"]


class CurvePlot(Widget):
    """Curves of a sweep, reduced to the pane and drawn with plotext.

    ``series_count`` is the number of series in the frame last drawn and
    ``render_count`` the number of frames actually drawn (cache misses), for tests
    and diagnostics.
    """

    DEFAULT_CSS = """
    CurvePlot {
        width: 1fr;
        height: 1fr;
        min-height: 8;
        background: $surface;
        color: $foreground;
    }
    """

    MAX_FPS = 10
    """Upper bound on frames drawn per second."""

    COST_FACTOR = 3.0
    """Wait at least this many times the last frame's drawing time before the next."""

    log_y: reactive[bool] = reactive(False)
    """Log-scaled y axis (values <= 0 are left out)."""

    title: reactive[str] = reactive("")
    """Shown bold at the start of the legend line."""

    highlight: reactive[str | None] = reactive(None)
    """Key of the series to emphasise (the selected run), or None."""

    def __init__(
        self,
        *,
        title: str = "",
        xlabel: str = "step",
        ylabel: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.set_reactive(CurvePlot.title, title)
        self.xlabel = xlabel
        self.ylabel = ylabel
        self._series: list[Series] = []
        self._color_by: str | None = None
        self._color_domain: Sequence[object] | None = None
        self._revision = 0
        self._frame_key: Hashable | None = None
        self._frame = Text()
        self._last_drawn_at = float("-inf")
        self._interval = 1.0 / self.MAX_FPS
        self._timer: Timer | None = None
        self.render_count = 0
        self.series_count = 0

    def set_series(
        self,
        series: Iterable[Series],
        *,
        color_by: str | None = None,
        highlight: str | None = None,
        color_domain: Sequence[object] | None = None,
    ) -> None:
        """Replace the curves shown; they are drawn at the next due frame.

        ``color_by`` names the parameter whose values (``Series.color_value``) pick
        the colours and label the legend; ``color_domain`` is every value it takes
        (one a run), so colours and legend do not depend on which runs are shown;
        ``highlight`` is the selected run's key.
        """
        self._series = list(series)
        self._color_by = color_by
        self._color_domain = color_domain
        self._revision += 1
        self.highlight = highlight
        self._request_frame()

    @property
    def revision(self) -> int:
        """Incremented by every ``set_series``."""
        return self._revision

    def render(self) -> RenderResult:
        size = self.content_size
        key = (
            self._revision,
            size.width,
            size.height,
            self.log_y,
            self.highlight,
            self.title,
            self.xlabel,
            self.ylabel,
        )
        if key != self._frame_key:
            if time.monotonic() - self._last_drawn_at >= self._interval:
                self._draw(key, size.width, size.height)
            else:
                self._request_frame()  # show the previous frame until the next is due
        return self._frame

    def _draw(self, key: Hashable, width: int, height: int) -> None:
        started = time.monotonic()
        try:
            ansi = render_curves(
                self._series,
                width,
                height,
                log_y=self.log_y,
                title=self.title,
                xlabel=self.xlabel,
                ylabel=self.ylabel,
                color_by=self._color_by,
                highlight=self.highlight,
                color_domain=self._color_domain,
            )
        except Exception as error:  # a bad curve must not take the whole app down
            self.log.error(f"CurvePlot: drawing failed: {error!r}")
            ansi = f"plot failed: {error!r}"
        self._frame = Text.from_ansi(ansi, no_wrap=True, overflow="crop", end="")
        self._frame_key = key
        self.render_count += 1
        self.series_count = len(self._series)
        finished = time.monotonic()
        self._last_drawn_at = finished
        self._interval = max(1.0 / self.MAX_FPS, self.COST_FACTOR * (finished - started))

    def _request_frame(self) -> None:
        """Refresh now if a frame is due, else once, when it will be."""
        if self._timer is not None:
            return
        wait = self._last_drawn_at + self._interval - time.monotonic()
        if wait <= 0:
            self.refresh()
        elif self.is_mounted:
            self._timer = self.set_timer(wait, self._on_frame_due)

    def _on_frame_due(self) -> None:
        self._timer = None
        self.refresh()
