"""The browser's runs tab: the runs in scope as a sortable, filterable table.

Why it is shaped this way:

* **Only the rows on screen are drawn.** The filtered and sorted order is a numpy
  index array (``BrowseState.rows()``, cached here per filter and sort); the table is
  a :class:`~tui.widgets.grid.VirtualGrid`, which asks this pane for the cells of the
  rows in view and nothing else. So 10,000 runs open, sort and filter as fast as 12:
  a few numpy operations and one screen of lines (``bench/bench_browse_ui.py``).
  A ``DataTable`` stores and measures every row it holds; even a 200-row page of one
  cost a few hundred milliseconds per key.
* **Keyed live updates.** When the tree refreshes and the runs are still in the same
  order, only the rows of the runs that changed are drawn again (a running run's
  status, duration, metrics); when the order changed (a new run sorted in), the table
  takes the new order and the cursor stays on the run it was on.
* **State in one place.** Filter conditions, sort, selection and visible columns live
  in :class:`~tui.browser.state.BrowseState`; this pane changes them and posts
  ``StateChanged`` (or ``ShowTab``/``OpenRun``) up to the screen, which redraws every
  pane. The filter language is the data layer's (``metalab.index.filter_language``): each typed
  condition becomes a removable pill.

The grid's cells and column widths are :mod:`tui.browser.runs.cells`, the scope and
status lines :mod:`tui.browser.runs.lines`, the keys :mod:`tui.browser.runs.keys` and
the export's rows and writing :mod:`tui.browser.runs.export`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rich.style import Style
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input, Static

from metalab.index import Changes, Condition, QueryError, Table, parse_filter
from tui.browser.columns import ALL_KEY, ColumnPicker, default_columns, order_columns
from tui.browser.messages import OpenRun, ShowTab, StateChanged
from tui.browser.pane import BrowserPane
from tui.browser.pills import FilterInput, PillBar, filter_bar
from tui.browser.runs.cells import (
    MARK_KEY,
    RUN_KEY,
    ColumnWidths,
    grid_columns,
    header_labels,
    row_cells,
    row_texts,
    theme_styles,
)
from tui.browser.runs.export import export_experiment, rows_to_export, write_runs
from tui.browser.runs.export_dialog import ExportChoice, ExportDialog
from tui.browser.runs.keys import RUNS_BINDINGS
from tui.browser.runs.lines import scope_line, status_line
from tui.widgets.grid import Cell, VirtualGrid

__all__ = ["RunsPane"]


class RunsPane(BrowserPane):
    """The runs in scope: filter pills, the table, the selection and its count."""

    DEFAULT_CSS = """
    RunsPane { layout: vertical; }
    RunsPane #runs-scope { height: 1; padding: 0 1; background: $panel; }
    RunsPane #runs-filterbar { height: 1; margin-top: 1; }
    RunsPane #runs-filter { width: 1fr; }
    RunsPane #runs-filter-hint { width: auto; max-width: 60%; padding: 0 1; color: $text-muted; }
    RunsPane #runs-filter-error { height: auto; padding: 0 1; color: $error; display: none; }
    RunsPane #runs-filter-error.-shown { display: block; }
    RunsPane #runs-table { height: 1fr; }
    RunsPane #runs-status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    BINDINGS = RUNS_BINDINGS

    def __init__(self, state: Any, **kwargs: Any) -> None:
        super().__init__(state, **kwargs)
        self.columns_shown: list[str] = []
        """Data columns shown after the mark and run id."""
        self.order: np.ndarray = np.zeros(0, dtype=np.intp)
        """Table rows shown, in order (row ``k`` of the grid is ``order[k]``)."""
        self.order_ids: np.ndarray = np.zeros(0, dtype=object)
        """Run ids of :attr:`order`."""
        self._table: Table | None = None
        self._now = 0.0
        self._selected: frozenset[str] = frozenset()
        self._positions: dict[str, int] | None = None
        self._structure: tuple[Any, ...] = ()
        self._rows_key: tuple[Any, ...] | None = None
        self._rows: np.ndarray = np.zeros(0, dtype=np.intp)
        self._widths = ColumnWidths()
        self._cursor_to: str | None = None
        """Where the next redraw puts the cursor: ``top``, or None (the same run)."""
        self._scope: object = object()
        self._styles: dict[str, Style] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="runs-scope")
        yield from filter_bar(
            "runs",
            bar="runs-filterbar",
            side="runs-filter-hint",
            placeholder="filter (f): learning_rate=0.1 final_loss<0.02 status=failed",
        )
        yield VirtualGrid(id="runs-table", fixed_columns=2)
        yield Static("", id="runs-status")

    @property
    def grid(self) -> VirtualGrid:
        return self.query_one("#runs-table", VirtualGrid)

    def focus_default(self) -> None:
        # always the table: when the tab opens, Textual may have moved the focus to the
        # filter box already (the first focusable widget), where keys would be typed
        self.grid.focus()

    # -- what is shown -------------------------------------------------------------------------

    @property
    def scope_key(self) -> str:
        """The key of ``BrowseState.columns`` for the scope (``*``: all experiments)."""
        return self.state.experiment or ALL_KEY

    def rows(self) -> np.ndarray:
        """Table rows shown (filtered, sorted), recomputed only when those change."""
        table = self.state.table()
        key = (id(table), table.n, tuple(self.state.conditions), self.state.sort,
               self.state.descending)  # fmt: skip
        if key != self._rows_key:
            try:
                self._rows = self.state.rows()
            except KeyError:  # the sort column vanished (another experiment in scope)
                self.state.sort = None
                self._rows = self.state.rows()
            self._rows_key = key
        return self._rows

    def default_columns(self, table: Table) -> list[str]:
        several = self.state.experiment is None and len(self.state.index.experiments) > 1
        return default_columns(table, all_experiments=several)

    def visible_columns(self, table: Table) -> list[str]:
        chosen = self.state.columns.get(self.scope_key)
        if chosen is None:
            return self.default_columns(table)
        return [c for c in chosen if c in table]

    def run_id_at(self, row: int) -> str | None:
        if 0 <= row < len(self.order_ids):
            return str(self.order_ids[row])
        return None

    @property
    def cursor_run(self) -> str | None:
        """The run id under the cursor (None on an empty table)."""
        return self.run_id_at(self.grid.cursor_row) if self.grid.row_count else None

    @property
    def cursor_column(self) -> str | None:
        keys = [MARK_KEY, RUN_KEY, *self.columns_shown]
        column = self.grid.cursor_column
        return keys[column] if 0 <= column < len(keys) else None

    def row_texts(self, row: int) -> list[str]:
        """The cells of shown row ``row`` as text (for tests and the status line)."""
        return self.grid.row_texts(row)

    # -- drawing -------------------------------------------------------------------------------

    def _cells(self, row: int) -> list[Cell]:
        """The grid's cell source: the cells of shown row ``row``."""
        table = self._table
        if table is None or not 0 <= row < len(self.order):
            return []
        texts = row_texts(table, int(self.order[row]), self.columns_shown, self._selected,
                          self._now)  # fmt: skip
        return row_cells(texts, self.columns_shown, self._styles)

    def refresh_view(self, changes: Changes | None = None) -> None:
        if self.state.experiment != self._scope:  # another experiment: start at the top
            self._scope = self.state.experiment
            self._cursor_to = "top"
        table = self.state.table()
        rows = self.rows()
        self.columns_shown = order_columns(self.visible_columns(table), table)
        old_ids, old_selected = self.order_ids, self._selected
        ids = table.run_ids[rows] if len(rows) else np.zeros(0, dtype=object)
        self._table, self.order, self.order_ids = table, rows, ids
        self._now = self.state.clock()
        self._selected = frozenset(self.state.selected)
        self._styles = theme_styles(self.app)
        headers = header_labels(table, self.columns_shown, self.state.sort, self.state.descending)
        widths = self._widths.measure(table, rows, self.columns_shown, self.state.conditions,
                                      self._now)  # fmt: skip
        columns = grid_columns(table, self.columns_shown, headers, widths)
        structure = tuple(columns)
        grid = self.grid
        same = (
            structure == self._structure
            and self._cursor_to is None
            and len(ids) == len(old_ids)
            and bool(np.array_equal(ids, old_ids))
        )
        if same:
            touched = set(self._selected ^ old_selected)
            if changes is not None:
                touched.update(changes.changed)
                touched.update(changes.added)
            if touched:
                positions = self._position_map()
                grid.refresh_rows(positions[r] for r in touched if r in positions)
        else:
            self._positions = None
            cursor_row: int | None = 0
            old = old_ids[grid.cursor_row] if 0 <= grid.cursor_row < len(old_ids) else None
            if self._cursor_to is None and old is not None:
                cursor_row = self._position_map().get(str(old), grid.cursor_row)
            old_keys = [c.key for c in (self._structure or ())]
            old_key = old_keys[grid.cursor_column] if grid.cursor_column < len(old_keys) else None
            keys = [c.key for c in columns]
            # the same column if it is still shown, else the run id (not the mark)
            cursor_column = keys.index(old_key) if old_key in keys else 1
            grid.set_data(columns, len(rows), self._cells, cursor_row=cursor_row,
                          cursor_column=cursor_column)  # fmt: skip
            self._structure = structure
            self._cursor_to = None
        self._sync_pills()
        self.query_one("#runs-scope", Static).update(scope_line(self.state, self.app))
        self._update_status(table, rows)

    def _position_map(self) -> dict[str, int]:
        """``{run id: row}`` of the rows shown (built on demand)."""
        if self._positions is None:
            self._positions = {str(r): k for k, r in enumerate(self.order_ids.tolist())}
        return self._positions

    def _sync_pills(self) -> None:
        pills = [(c.label, c.describe()) for c in self.state.conditions]
        self.query_one("#runs-pills", PillBar).set_pills(pills)

    def _update_status(self, table: Table, rows: np.ndarray) -> None:
        line = status_line(table, len(rows), self.grid.cursor_row, len(self.state.selected),
                           self.state.sort, self.state.descending)  # fmt: skip
        self.query_one("#runs-status", Static).update(line)

    # -- state changes -------------------------------------------------------------------------

    def _changed(self, what: str) -> None:
        self.state.touch()
        self.post_message(StateChanged(what))

    def set_conditions(self, conditions: list[Condition]) -> None:
        """Replace the filter (the pills) and go back to the first page."""
        self.state.conditions[:] = conditions
        self._cursor_to = "top"
        self._changed("filter")

    def sort_by(self, name: str) -> None:
        """Sort by ``name``; sorting by the sort column again reverses it."""
        if self.state.sort == name:
            self.state.descending = not self.state.descending
        else:
            self.state.sort, self.state.descending = name, False
        self._cursor_to = "top"
        self._changed("sort")

    # -- events --------------------------------------------------------------------------------

    @on(Input.Changed, "#runs-filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        event.stop()
        hint = self.query_one("#runs-filter-hint", Static)
        self._show_error("")
        text = event.value.strip()
        if not text:
            hint.update("")
            return
        try:
            conditions = parse_filter(text, self.state.table())
        except QueryError:
            hint.update("")
            return
        hint.update("enter: " + "; ".join(c.describe() for c in conditions))

    @on(Input.Submitted, "#runs-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.grid.focus()
            return
        try:
            conditions = parse_filter(text, self.state.table())
        except QueryError as exc:
            self._show_error(str(exc))
            return
        event.input.value = ""
        self.query_one("#runs-filter-hint", Static).update("")
        self.set_conditions([*self.state.conditions, *conditions])
        # back to the table once the filtered rows are drawn (the footer's redraw for
        # the new focus is slower than the filter itself)
        self.call_after_refresh(self.grid.focus)

    @on(FilterInput.PopCondition)
    def _pop_condition(self, event: FilterInput.PopCondition) -> None:
        event.stop()
        if self.state.conditions:
            self.set_conditions(self.state.conditions[:-1])

    def _show_error(self, message: str) -> None:
        error = self.query_one("#runs-filter-error", Static)
        error.update(message)
        error.set_class(bool(message), "-shown")

    @on(PillBar.Removed, "#runs-pills")
    def _pill_removed(self, event: PillBar.Removed) -> None:
        event.stop()
        if event.index < len(self.state.conditions):
            kept = [c for n, c in enumerate(self.state.conditions) if n != event.index]
            self.set_conditions(kept)
        self.grid.focus()

    @on(PillBar.Cleared, "#runs-pills")
    def _pills_cleared(self, event: PillBar.Cleared) -> None:
        event.stop()
        self.set_conditions([])
        self.grid.focus()

    @on(VirtualGrid.CellSelected, "#runs-table")
    def _cell_selected(self, event: VirtualGrid.CellSelected) -> None:
        event.stop()
        run_id = self.run_id_at(event.row)
        if run_id is not None:
            self.post_message(OpenRun(run_id))

    @on(VirtualGrid.HeaderSelected, "#runs-table")
    def _header_selected(self, event: VirtualGrid.HeaderSelected) -> None:
        event.stop()
        if event.column_key != MARK_KEY:
            self.sort_by(event.column_key)

    @on(VirtualGrid.CursorMoved, "#runs-table")
    def _cursor_moved(self, event: VirtualGrid.CursorMoved) -> None:
        event.stop()
        if self._table is not None:
            self._update_status(self._table, self.order)

    # -- actions -------------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one("#runs-filter", FilterInput).focus()

    def action_clear_filter(self) -> None:
        if self.state.conditions:
            self.set_conditions([])

    def action_sort(self) -> None:
        name = self.cursor_column
        if name is None:
            return
        if name == MARK_KEY:
            self.notify("move the cursor to a column to sort by it", severity="warning")
            return
        self.sort_by(name)

    def action_toggle_select(self) -> None:
        run_id = self.cursor_run
        if run_id is not None:
            self.state.toggle_selected(run_id)
            self._changed("selection")

    def action_select_all(self) -> None:
        table = self.state.table()
        chosen = set(self.state.selected)
        ids = table.run_ids[self.rows()].tolist()
        self.state.selected.extend(r for r in ids if r not in chosen)
        self._changed("selection")

    def action_clear_selection(self) -> None:
        if self.state.selected:
            self.state.selected.clear()
            self._changed("selection")

    def action_plot(self) -> None:
        if hasattr(self.state, "plot_selection"):
            self.state.plot_selection = bool(self.state.selected)
        self._changed("plot")
        self.post_message(ShowTab("plots"))

    def action_compare(self) -> None:
        if not self.state.selected:
            self.notify("select runs to compare first: x marks one, A all shown", timeout=4)
        self.post_message(ShowTab("compare"))

    def action_open(self) -> None:
        run_id = self.cursor_run
        if run_id is not None:
            self.post_message(OpenRun(run_id))

    def action_page(self, delta: int) -> None:
        """``[`` and ``]``: a screenful up or down (atlas's page keys)."""
        if delta < 0:
            self.grid.action_page_up()
        else:
            self.grid.action_page_down()

    def action_columns(self) -> None:
        table = self.state.table()
        key = self.scope_key
        title = f"Columns of {self.state.experiment or 'all experiments'}"

        def chosen(columns: list[str] | None) -> None:
            if columns is not None:
                self.state.columns[key] = columns
                self._changed("columns")

        self.app.push_screen(
            ColumnPicker(table, self.columns_shown, self.default_columns(table), title), chosen
        )

    def action_export(self) -> None:
        table = self.state.table()
        rows = self.rows().copy()
        experiment = export_experiment(self.state)
        selected = set(self.state.selected)

        def chosen(choice: ExportChoice | None) -> None:
            if choice is not None:
                chosen_rows = rows_to_export(table, rows, selected, choice.only_selected)
                self.export(choice, table, chosen_rows, experiment)

        eid = None
        if experiment is not None:
            eid = self.state.index.experiment(experiment).experiment_id
        n_selected = sum(1 for r in table.run_ids if r in selected)
        self.app.push_screen(ExportDialog(eid, len(rows), n_selected=n_selected), chosen)

    @work(thread=True, group="runs-export", exit_on_error=False)
    def export(
        self, choice: ExportChoice, table: Table, rows: np.ndarray, experiment: str | None
    ) -> Path | None:
        """Write ``rows`` of ``table`` as the dialog chose (on a thread); notifies when done."""
        try:
            path = write_runs(self.state.index, choice, table, rows, experiment)
        except (OSError, ImportError, ValueError) as exc:
            self.app.notify(f"export failed: {exc}", severity="error", timeout=8)
            return None
        self.app.notify(f"exported {len(rows):,} runs to {path}", title="Export", timeout=8)
        return path
