"""The live runs table: one row per run, drawn only where it is on screen.

A sweep may have tens of thousands of runs. The table is a
:class:`~tui.widgets.grid.VirtualGrid`: it holds the runs' states in plan order and
draws the rows in view from them when asked, so a run that changes off screen costs
nothing but a cache entry dropped, and the cost of a refresh is one screen of rows
whatever the sweep's size. The cursor is a row and stays on the same run while rows
change.

Columns are sized to what they hold and given up, least useful first, when the pane
is narrow (:mod:`tui.live.run_columns`), so a number on screen is never cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.style import Style
from textual import events, on
from textual.message import Message

from metalab.progress import RunState, format_duration
from tui.live.run_columns import (
    BAR_WIDTH,
    LiveColumn,
    cell_text,
    fit_columns,
    progress_text,
    progress_text_width,
    worker_text,
)
from tui.widgets.grid import Cell, GridColumn, VirtualGrid

__all__ = ["RunsTable", "cell_text", "progress_bar"]

STATUS_STYLES = {
    "pending": Style(dim=True),
    "running": Style(bold=True),
    "success": Style(color="green"),
    "failed": Style(bold=True, color="red"),
    "skipped": Style(color="cyan"),
    "cancelled": Style(color="yellow"),
}

LOST_STYLE = Style(bold=True, color="red")
"""A worker cell whose worker died with the run on it."""
RETRIED_STYLE = Style(color="yellow")
"""A worker cell of a run started again after its worker died."""


def progress_bar(state: RunState, width: int = BAR_WIDTH, text_width: int = 0) -> str:
    """``███████░░░░░ 3500/5000``: a bar of ``width`` cells (none for 0), then the
    progress text right-aligned in ``text_width``; empty for a run not started."""
    text = progress_text(state)
    if not text:
        return ""
    frac = state.fraction()
    if not width or frac is None:
        return text.rjust(text_width)
    filled = int(round(frac * width))
    return "█" * filled + "░" * (width - filled) + " " + text.rjust(text_width)


class RunsTable(VirtualGrid):
    """One live row per run: id, params, replicate, status, progress, metric, the
    worker (on a cluster), time."""

    DEFAULT_CSS = """
    RunsTable {
        scrollbar-size-vertical: 1;
    }
    """

    @dataclass
    class RunSelected(Message):
        """The cursor moved to another run."""

        table: RunsTable
        run_id: str

        @property
        def control(self) -> RunsTable:
            return self.table

    def __init__(
        self,
        param_keys: Sequence[str],
        metric: str,
        *,
        param_values: Mapping[str, Iterable[object]] | None = None,
        **kwargs: object,
    ) -> None:
        """``param_values``: the values each parameter takes in the sweep, to size its
        column (a parameter left out gets a column as wide as its name, or 10)."""
        super().__init__(fixed_columns=1, row_cursor=True, **kwargs)
        self.param_keys = list(param_keys)
        self.metric = metric
        self.param_values = param_values or {}
        self.states: list[RunState] = []
        self._index: dict[str, int] = {}
        self._now = 0.0
        self._text_width = progress_text_width(())
        self._bar_width = BAR_WIDTH
        self._shown: list[LiveColumn] = []
        self._fitted_to: tuple[int, int, int] | None = None
        self._on_cluster = False
        self._one_host = False
        self._worker_width = 0

    # -- the runs ------------------------------------------------------------------------------

    def set_runs(self, states: Sequence[RunState], now: float) -> None:
        """Show these runs, in this order; the cursor stays on the run it was on."""
        selected = self.selected_run
        self.states = list(states)
        self._index = {state.run_id: i for i, state in enumerate(self.states)}
        self._now = now
        self._text_width = progress_text_width(self.states)
        self._worker_width = self._widest_worker(self.states) if self._on_cluster else 0
        row = self._index.get(selected, 0) if selected is not None else 0
        self._fit(force=True, cursor_row=row)

    def sync(self, states: Iterable[RunState], now: float) -> None:
        """These runs changed: draw their rows again (runs not shown yet are added)."""
        self._now = now
        rows = []
        new = []
        for state in states:
            row = self._index.get(state.run_id)
            if row is None:
                new.append(state)
            else:
                self.states[row] = state
                rows.append(row)
        if new:
            self.set_runs([*self.states, *new], now)
            return
        if self._on_cluster:  # a retry or a loss may widen the worker column
            widest = self._widest_worker(self.states[r] for r in rows)
            if widest > self._worker_width:
                self._worker_width = widest
                self._fit()
        if rows:
            self.refresh_rows(rows)

    def tick(self, now: float) -> None:
        """Time passed: redraw the rows on screen whose elapsed time runs on."""
        self._now = now
        shown = self.visible_rows
        self.refresh_rows(r for r in shown if self.states[r].status == "running")

    def show_workers(self, addresses: Iterable[str]) -> None:
        """The sweep runs on a cluster of these workers (every one seen so far): give
        each run's worker a column, as wide as its widest cell, which names workers by
        port alone while they all share one host."""
        hosts = {a.partition("://")[2].rpartition(":")[0] or a for a in addresses}
        one_host = len(hosts) == 1
        if self._on_cluster and one_host == self._one_host:
            return
        self._on_cluster, self._one_host = True, one_host
        self._worker_width = self._widest_worker(self.states)
        self._fit(force=True)

    def _widest_worker(self, states: Iterable[RunState]) -> int:
        return max((len(worker_text(s, self._one_host)) for s in states), default=0)

    @property
    def run_ids(self) -> list[str]:
        return [state.run_id for state in self.states]

    def row_of(self, run_id: str) -> int | None:
        return self._index.get(run_id)

    @property
    def selected_run(self) -> str | None:
        if not self.row_count or not self.states:
            return None
        return self.states[min(self.cursor_row, len(self.states) - 1)].run_id

    @property
    def shown_columns(self) -> list[str]:
        """The keys of the columns on screen (``run``, ``p:lr``, ``status``, ...)."""
        return [column.key for column in self._shown]

    @property
    def bar_width(self) -> int:
        return self._bar_width

    def cell(self, run_id: str, key: str) -> str:
        """The text of a run's cell in column ``key``, shown or not (the progress cell
        with a full-width bar when its column is not shown)."""
        state = self.states[self._index[run_id]]
        return self._text(state, key, self._bar_width if key in self.shown_columns else BAR_WIDTH)

    # -- drawing -------------------------------------------------------------------------------

    def _text(self, state: RunState, key: str, bar: int) -> str:
        if key == "run":
            return state.run_id[:8]
        if key.startswith("p:"):
            return cell_text(state.params.get(key[2:]))
        if key == "rep":
            return cell_text(state.replicate)
        if key == "status":
            return state.status
        if key == "progress":
            return progress_bar(state, bar, self._text_width)
        if key == "metric":
            value = state.values.get(self.metric)
            if value is None:
                value = state.metrics.get(self.metric, state.metrics.get(f"final_{self.metric}"))
            return cell_text(value)
        if key == "time":
            return format_duration(state.elapsed(self._now)) if state.started is not None else ""
        if key == "worker":
            return worker_text(state, self._one_host)
        raise KeyError(key)

    def _cells(self, row: int) -> list[Cell]:
        state = self.states[row]
        bar = self._bar_width
        return [(self._text(state, c.key, bar), _style(state, c.key)) for c in self._shown]

    def _available(self) -> int:
        """Cells across for the columns: the pane less a vertical scrollbar if one is due."""
        width, height = self.size
        scrollbar = self.styles.scrollbar_size_vertical if len(self.states) + 1 > height else 0
        return max(0, width - scrollbar)

    def _fit(self, *, force: bool = False, cursor_row: int | None = None) -> None:
        """Choose the columns for the pane's width (when it or the rows changed)."""
        key = (self._available(), self._text_width, self._worker_width)
        if not force and key == self._fitted_to:
            return
        self._fitted_to = key
        self._shown, self._bar_width = fit_columns(
            self.param_keys,
            self.metric,
            key[0],
            text_width=self._text_width,
            param_values=self.param_values,
            worker_width=self._worker_width,
        )
        columns = [GridColumn(c.key, c.label, c.width, c.justify) for c in self._shown]
        self.set_data(columns, len(self.states), self._cells, cursor_row=cursor_row)

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    @on(VirtualGrid.CursorMoved)
    def _cursor_moved(self, event: VirtualGrid.CursorMoved) -> None:
        event.stop()
        if 0 <= event.row < len(self.states):
            self.post_message(self.RunSelected(self, self.states[event.row].run_id))


def _style(state: RunState, key: str) -> Style | None:
    """The status cell in its status's colour; a worker cell red when its worker died
    with the run on it, yellow on a later attempt."""
    if key == "status":
        return STATUS_STYLES.get(state.status)
    if key == "worker" and state.lost_worker is not None:
        return LOST_STYLE if state.waiting_after_loss else RETRIED_STYLE
    return None
