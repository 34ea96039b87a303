"""The compare tab: the selected runs side by side, against a baseline.

Fields are rows and runs are columns (atlas's transposed table), because a sweep's
runs differ in a few fields out of many and the eye reads down a column of names:
status, the union of the parameters, metrics and derived metrics, the duration, and
which artifacts each run saved. What atlas leaves out is what makes a comparison
quick, so it is here too:

* every row whose values are not all equal is marked, and each cell that differs
  from the baseline's is highlighted, numbers or not;
* numeric cells carry their delta to the baseline, green when better and red when
  worse (which way is better is marked ↓ or ↑ by the field, guessed from its name
  unless set, and ``r`` turns it round for the row under the cursor; parameters
  have no better or worse, so their deltas stay neutral);
* ``d`` keeps only the rows that differ;
* Enter on a run's cell of an artifact row opens that artifact in its viewer
  (:class:`~tui.browser.compare.artifact_preview.ArtifactPreviewScreen`);
* the runs' curves are overlaid below the table: a stepped metric they all have, or
  a 1-D array artifact they all saved (``c`` cycles), one colour per run.

The table is computed by :func:`~tui.browser.compare.model.build_compare` (pure,
tested on its own) and redrawn only when the selection, the baseline, the toggle or one
of the runs changed. Curves are read on a worker thread
(:func:`~tui.browser.compare.curves.load_curves`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from metalab.index import Changes, RunRow
from tui.browser.compare.artifact_preview import ArtifactPreviewScreen
from tui.browser.compare.curves import load_curves
from tui.browser.compare.model import (
    CompareModel,
    CompareRow,
    build_compare,
    format_delta,
    run_label,
    value_text,
)
from tui.browser.messages import StateChanged
from tui.browser.pane import BrowserPane
from tui.browser.state import BrowseState
from tui.plotting.render import Series
from tui.widgets.curve_plot import CurvePlot

__all__ = ["HINT", "MAX_RUNS", "CompareModel", "ComparePane", "CompareRow", "build_compare"]

MAX_RUNS = 100
"""At most this many selected runs are compared (the first ones selected)."""
HINT = "No runs selected: select runs with x in the Runs tab, then come back here (4)."


class ComparePane(BrowserPane):
    """The selected runs side by side; ``b`` baseline, ``d`` only differing rows, ``c`` curve."""

    DEFAULT_CSS = """
    ComparePane { layout: vertical; }
    ComparePane #compare-hint { color: $text-muted; padding: 1 2; }
    ComparePane #compare-summary { height: 1; padding: 0 1; color: $text-muted; }
    ComparePane #compare-table { height: 3fr; }
    ComparePane #compare-curve-caption { height: 1; padding: 0 1; color: $text-muted; }
    ComparePane #compare-curves { height: 2fr; min-height: 12; }
    .-short ComparePane #compare-curves { min-height: 10; }
    .-narrow ComparePane #compare-summary { height: auto; }
    """
    SCOPED_CSS = False  # a rule starts with the screen's size class (``.-short``)

    BINDINGS = [
        Binding(
            "b",
            "baseline",
            "Baseline",
            id="compare-baseline",
            tooltip="Make the run under the cursor the baseline",
        ),
        Binding(
            "d",
            "only_differing",
            "Only differing",
            id="compare-only-differing",
            tooltip="Show only the rows whose values differ",
        ),
        Binding(
            "c",
            "next_curve",
            "Curve",
            id="compare-next-curve",
            tooltip="Overlay another stepped metric or 1-D artifact",
        ),
        Binding(
            "r",
            "flip_direction",
            "Better ↑/↓",
            show=False,
            id="compare-direction",
            tooltip="Turn round which way the metric under the cursor is better",
        ),
        Binding("l", "log_y", "Log y", show=False, id="compare-log-y"),
    ]

    @dataclass
    class CurvesLoaded(Message):
        key: tuple[str, ...]
        options: list[tuple[str, str]]
        """(kind, name) of every curve all the runs have: ``stepped`` or ``artifact``."""
        source: tuple[str, str] | None
        series: list[Series]

    def __init__(self, state: BrowseState, **kwargs: Any) -> None:
        super().__init__(state, **kwargs)
        self.only_differing = False
        self.model: CompareModel | None = None
        self.missing: list[str] = []
        """Selected run ids no longer in the tree."""
        self.dropped = 0
        """Selected runs beyond :data:`MAX_RUNS`."""
        self.shown_rows: list[str] = []
        """Keys of the data rows in the table, in order (section rows excluded)."""
        self.curve_options: list[tuple[str, str]] = []
        self.curve_source: tuple[str, str] | None = None
        self.curve_series: list[Series] = []
        self._signature: tuple[Any, ...] | None = None
        self._curve_key: tuple[Any, ...] | None = None
        self._stale = True

    def compose(self) -> ComposeResult:
        yield Static(HINT, id="compare-hint")
        yield Static(id="compare-summary")
        yield DataTable(id="compare-table", cursor_type="cell", fixed_columns=1, header_height=2)
        yield Static(id="compare-curve-caption")
        yield CurvePlot(id="compare-curves", xlabel="step")

    def on_mount(self) -> None:
        self.refresh_view()

    def on_show(self, event: events.Show) -> None:
        if self._stale:
            self.refresh_view()
        table = self.query_one("#compare-table", DataTable)
        if table.display and (
            self.screen.focused is None or self not in self.screen.focused.ancestors_with_self
        ):
            table.focus()

    # -- model ----------------------------------------------------------------------------

    def _runs(self) -> list[RunRow]:
        table = self.state.index.table()
        runs, self.missing = [], []
        for run_id in self.state.selected[:MAX_RUNS]:
            try:
                runs.append(table.rows[table.index_of(run_id)])
            except KeyError:
                self.missing.append(run_id)
        self.dropped = max(0, len(self.state.selected) - MAX_RUNS)
        return runs

    def _hidden(self) -> bool:
        """In a tab not shown: redrawing (and reading curves) waits until it is."""
        return not all(
            node.display for node in self.ancestors_with_self if isinstance(node, Widget)
        )

    def refresh_view(self, changes: Changes | None = None) -> None:
        if not self.is_mounted:
            return
        if self._hidden():
            self._stale = True
            return
        self._stale = False
        runs = self._runs()
        baseline = self.state.baseline
        chosen = tuple(sorted(self.state.directions.chosen.items()))
        signature = (tuple(map(id, runs)), baseline, self.only_differing, chosen)
        if signature == self._signature:
            return
        self._signature = signature
        empty = not runs
        for widget_id in (
            "compare-summary",
            "compare-table",
            "compare-curve-caption",
            "compare-curves",
        ):
            self.query_one(f"#{widget_id}").display = not empty
        self.query_one("#compare-hint").display = empty
        if empty:
            self.model = None
            self.shown_rows = []
            return
        self.model = build_compare(runs, baseline, self.state.directions)
        self._draw_table()
        self._load_curves_if_needed()

    # -- table ------------------------------------------------------------------------------

    def _colours(self) -> dict[str, str]:
        theme = self.app.theme_variables
        return {
            name: theme.get(name, fallback)
            for name, fallback in (
                ("success", "green"),
                ("error", "red"),
                ("warning", "yellow"),
                ("accent", "cyan"),
                ("primary", "blue"),
            )
        }

    def _draw_table(self) -> None:
        model = self.model
        assert model is not None
        colours = self._colours()
        table = self.query_one("#compare-table", DataTable)
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column(Text("field", style="bold"), key="field")
        for j, run in enumerate(model.runs):
            head = Text()
            if j == model.baseline:
                head.append("★ ", colours["accent"])
            head.append(run.run_id[:8], "bold")
            head.append("\n" + run_label(run, model.key_params), "dim")
            table.add_column(head, key=run.run_id)
        self.shown_rows = []
        section = ""
        for row in model.rows:
            if self.only_differing and not row.differs:
                continue
            if row.section != section:
                section = row.section
                label = Text(section.upper(), style=f"bold {colours['primary']}")
                table.add_row(label, *["" for _ in model.runs], key=f"section.{section}")
            table.add_row(self._label(row, colours), *self._cells(row, colours), key=row.key)
            self.shown_rows.append(row.key)
        if table.row_count:
            row = min(max(cursor.row, 1), table.row_count - 1)  # row 0 is a section title
            table.move_cursor(row=row, column=min(max(cursor.column, 1), len(model.runs)))
        differing = len(model.differing)
        parts = [
            f"{len(model.runs)} runs",
            f"baseline {model.runs[model.baseline].run_id[:8]} (b)",
            f"{differing} of {len(model.rows)} rows differ",
            f"only differing: {'on' if self.only_differing else 'off'} (d)",
        ]
        if self.dropped:
            parts.append(f"showing the first {MAX_RUNS} of {len(self.state.selected)} selected")
        if self.missing:
            parts.append(f"{len(self.missing)} selected runs are gone")
        self.query_one("#compare-summary", Static).update("  ·  ".join(parts))

    @staticmethod
    def _label(row: CompareRow, colours: dict[str, str]) -> Text:
        arrow = "" if row.lower_better is None else (" ↓" if row.lower_better else " ↑")
        if row.differs:
            return Text.assemble(
                ("≠ ", f"bold {colours['warning']}"), (row.label, "bold"), (arrow, "dim")
            )
        return Text.assemble("  ", row.label, (arrow, "dim"))

    def _cells(self, row: CompareRow, colours: dict[str, str]) -> list[Text]:
        model = self.model
        assert model is not None
        cells = []
        for j, value in enumerate(row.values):
            text = Text(value_text(row, value))
            if row.key == "status" and value in ("success", "failed"):
                text.stylize(colours["success"] if value == "success" else colours["error"])
            if j != model.baseline and row.differs_from_baseline(j, model.baseline):
                text.stylize(f"bold underline {colours['warning']}")
            delta = row.deltas[j] if j < len(row.deltas) else None
            if delta is not None:
                better = row.better[j]
                style = (
                    "dim"
                    if better is None
                    else (colours["success"] if better else colours["error"])
                )
                text.append(f" ({format_delta(delta, row.key)})", style)
            cells.append(text)
        return cells

    # -- curves -----------------------------------------------------------------------------

    def _load_curves_if_needed(self) -> None:
        model = self.model
        if model is None:
            return
        key = (tuple(map(id, model.runs)), self.curve_source)
        if key == self._curve_key:
            plot = self.query_one("#compare-curves", CurvePlot)
            plot.highlight = model.runs[model.baseline].run_id
            return
        self._curve_key = key
        labels = {
            r.run_id: f"{r.run_id[:8]} {run_label(r, model.key_params)}".strip() for r in model.runs
        }
        ids = tuple(r.run_id for r in model.runs)
        self._load_curves(ids, labels, self.curve_source, key)

    @work(thread=True, exclusive=True, group="compare-curves", exit_on_error=False)
    def _load_curves(
        self,
        run_ids: tuple[str, ...],
        labels: dict[str, str],
        wanted: tuple[str, str] | None,
        key: tuple[Any, ...],
    ) -> None:
        options, source, series = load_curves(self.state.index, run_ids, labels, wanted)
        self.post_message(self.CurvesLoaded(key, options, source, series))

    @on(CurvesLoaded)
    def _on_curves_loaded(self, message: CurvesLoaded) -> None:
        if message.key != self._curve_key or self.model is None:
            return
        self.curve_options = message.options
        self.curve_source = message.source
        self._curve_key = (message.key[0], message.source)
        self.curve_series = message.series
        plot = self.query_one("#compare-curves", CurvePlot)
        caption = self.query_one("#compare-curve-caption", Static)
        if message.source is None:
            plot.title = ""
            plot.set_series([])
            caption.update("the selected runs share no stepped metric or 1-D array artifact")
            return
        kind, name = message.source
        plot.title = name
        plot.xlabel = "step" if kind == "stepped" else "index"
        plot.set_series(message.series, highlight=self.model.runs[self.model.baseline].run_id)
        more = f"  ·  c: next of {len(message.options)}" if len(message.options) > 1 else ""
        what = "stepped metric" if kind == "stepped" else "1-D artifact"
        caption.update(
            f"{name} ({what}), {len(message.series)} of {len(self.model.runs)} runs"
            f"  ·  log-y {'on' if plot.log_y else 'off'} (l){more}"
        )

    # -- actions ---------------------------------------------------------------------------

    @on(DataTable.CellSelected, "#compare-table")
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        """Enter on an artifact cell: preview that run's artifact."""
        event.stop()
        row = str(event.cell_key.row_key.value)
        run_id = str(event.cell_key.column_key.value)
        if not row.startswith("artifact.") or self.model is None:
            return
        name = row.split(".", 1)[1]
        run = next((r for r in self.model.runs if r.run_id == run_id), None)
        if run is None:
            return  # the field-name column
        if name not in run.artifacts:
            self.notify(f"run {run_id[:8]} saved no artifact {name!r}", severity="warning")
            return
        self.app.push_screen(ArtifactPreviewScreen(self.state, run_id, name))

    def action_baseline(self) -> None:
        model = self.model
        if model is None:
            return
        column = self.query_one("#compare-table", DataTable).cursor_coordinate.column
        if column < 1 or column > len(model.runs):
            self.notify("move the cursor to a run's column first", timeout=3)
            return
        self.state.baseline = model.runs[column - 1].run_id
        self.post_message(StateChanged("baseline"))

    def action_only_differing(self) -> None:
        self.only_differing = not self.only_differing
        self.refresh_view()

    def action_flip_direction(self) -> None:
        """The metric under the cursor is better the other way now (on every screen)."""
        table = self.query_one("#compare-table", DataTable)
        if self.model is None or not table.row_count:
            return
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        row = next((r for r in self.model.rows if r.key == key), None)
        if row is None or row.lower_better is None:
            self.notify("move the cursor to a metric's row first", timeout=3)
            return
        lower = self.state.directions.flip(row.key)
        self.notify(f"{row.label}: {'lower' if lower else 'higher'} is better")
        self.post_message(StateChanged("direction"))

    def action_next_curve(self) -> None:
        if not self.curve_options:
            return
        at = (
            self.curve_options.index(self.curve_source)
            if self.curve_source in self.curve_options
            else -1
        )
        self.curve_source = self.curve_options[(at + 1) % len(self.curve_options)]
        self._load_curves_if_needed()

    def action_log_y(self) -> None:
        plot = self.query_one("#compare-curves", CurvePlot)
        plot.log_y = not plot.log_y
