"""The compare tab: the selected runs side by side, against a baseline.

Fields are rows and runs are columns (atlas's transposed table), because a sweep's
runs differ in a few fields out of many and the eye reads down a column of names:
status, the union of the parameters, metrics and derived metrics, the duration, and
which artifacts each run saved. What atlas leaves out is what makes a comparison
quick, so it is here too:

* every row whose values are not all equal is marked, and each cell that differs
  from the baseline's is highlighted, numbers or not;
* numeric cells carry their delta to the baseline, green when better and red when
  worse (lower is better for names with loss, error, time or duration in them;
  parameters have no better or worse, so their deltas stay neutral);
* ``d`` keeps only the rows that differ;
* Enter on a run's cell of an artifact row opens that artifact in its viewer
  (:class:`~tui.browser.artifact_preview.ArtifactPreviewScreen`);
* the runs' curves are overlaid below the table: a stepped metric they all have, or
  a 1-D array artifact they all saved (``c`` cycles), one colour per run.

The table is computed by :func:`build_compare` (pure, tested on its own) and redrawn
only when the selection, the baseline, the toggle or one of the runs changed.
Curves are read on a worker thread.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tui.browse import Changes, RunRow, format_cell
from tui.browser.artifact_preview import ArtifactPreviewScreen
from tui.browser.messages import StateChanged
from tui.browser.pane import BrowserPane
from tui.browser.run_detail import format_duration, lower_is_better
from tui.browser.state import BrowseState
from tui.plotting.render import Series, format_value
from tui.widgets.curve_plot import CurvePlot

__all__ = ["MAX_RUNS", "CompareModel", "ComparePane", "CompareRow", "build_compare"]

MAX_RUNS = 100
"""At most this many selected runs are compared (the first ones selected)."""
KEY_PARAMS = 2
"""Parameters named under each run's id in the column header."""
HINT = "No runs selected: select runs with x in the Runs tab, then come back here (4)."

SECTIONS = ("Status", "Params", "Metrics", "Derived", "Timing", "Artifacts")


@dataclass
class CompareRow:
    """One field across the compared runs."""

    key: str
    """``status``, ``experiment`` (only when the runs come from several), ``params.lr``,
    ``metrics.loss``, ``timing.duration``, ``artifact.history``."""
    section: str
    label: str
    values: list[Any]
    """One per run (None where the run lacks the field)."""
    differs: bool = False
    """Not all values are equal (a missing value differs from a present one)."""
    deltas: list[float | None] = field(default_factory=list)
    """Value minus the baseline's, for numeric cells that differ from it (else None)."""
    better: list[bool | None] = field(default_factory=list)
    """Whether each delta is an improvement (None: no delta, or no better/worse)."""

    def differs_from_baseline(self, j: int, baseline: int) -> bool:
        return not _same(self.values[j], self.values[baseline])


@dataclass
class CompareModel:
    """What the compare table shows."""

    runs: list[RunRow]
    baseline: int
    """Index into ``runs`` of the baseline run."""
    rows: list[CompareRow]
    key_params: list[str] = field(default_factory=list)
    """Parameters that differ among the runs (they label the columns)."""

    def row(self, key: str) -> CompareRow:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    @property
    def differing(self) -> list[str]:
        return [row.key for row in self.rows if row.differs]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _same(a: Any, b: Any) -> bool:
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return x == y
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    try:
        return bool(a == b)
    except Exception:  # odd values (arrays...) are simply different
        return repr(a) == repr(b)


def build_compare(runs: Sequence[RunRow], baseline: str | None = None) -> CompareModel:
    """The compare table of ``runs`` with deltas against ``baseline`` (a run id; the
    first run when None or not among them)."""
    runs = list(runs)
    ids = [r.run_id for r in runs]
    base = ids.index(baseline) if baseline in ids else 0
    flats = [r.flat_data() for r in runs]
    rows: list[CompareRow] = [CompareRow("status", "Status", "status", [r.status for r in runs])]
    if len({r.experiment_id for r in runs}) > 1:
        rows.append(
            CompareRow("experiment", "Status", "experiment", [r.experiment_id for r in runs])
        )
    for prefix, section in (
        ("params.", "Params"),
        ("metrics.", "Metrics"),
        ("derived.", "Derived"),
    ):
        names = sorted({k for flat in flats for k in flat if k.startswith(prefix)})
        for name in names:
            values = [flat.get(name) for flat in flats]
            rows.append(CompareRow(name, section, name[len(prefix) :], values))
    rows.append(
        CompareRow(
            "timing.duration",
            "Timing",
            "duration",
            [r.duration_ms if r.finished_at else None for r in runs],
        )
    )
    for name in sorted({a for r in runs for a in r.artifacts}):
        rows.append(
            CompareRow(
                f"artifact.{name}",
                "Artifacts",
                name,
                [True if name in r.artifacts else None for r in runs],
            )
        )
    for row in rows:
        values = row.values
        row.differs = any(not _same(v, values[0]) for v in values[1:])
        ranked = row.section in ("Metrics", "Derived", "Timing")
        lower = lower_is_better(row.label)
        row.deltas, row.better = [], []
        b = _number(values[base]) if values else None
        for j, value in enumerate(values):
            v = _number(value)
            if j == base or v is None or b is None or v == b:
                row.deltas.append(None)
                row.better.append(None)
                continue
            delta = v - b
            row.deltas.append(delta)
            row.better.append(((delta < 0) if lower else (delta > 0)) if ranked else None)
    key_params = [r.label for r in rows if r.section == "Params" and r.differs]
    return CompareModel(runs, base, rows, key_params)


def format_delta(delta: float, key: str) -> str:
    """``+0.012``, ``-3``, ``+1.5s`` (durations)."""
    if key == "timing.duration":
        sign = "+" if delta >= 0 else "-"
        return sign + format_duration(abs(delta))
    if float(delta).is_integer() and abs(delta) < 1e6:
        return f"{int(delta):+d}"
    return f"{delta:+.4g}"


def run_label(row: RunRow, key_params: Sequence[str]) -> str:
    """``3f2a1b0c`` and the values of the parameters that tell the runs apart."""
    flat = row.flat_data()
    parts = [f"{k}={format_value(flat.get(f'params.{k}'))}" for k in key_params[:KEY_PARAMS]]
    return " ".join(parts)


class ComparePane(BrowserPane):
    """The selected runs side by side; ``b`` baseline, ``d`` only differing rows, ``c`` curve."""

    DEFAULT_CSS = """
    ComparePane { layout: vertical; }
    ComparePane #compare-hint { color: $text-muted; padding: 1 2; }
    ComparePane #compare-summary { height: 1; padding: 0 1; color: $text-muted; }
    ComparePane #compare-table { height: 3fr; }
    ComparePane #compare-curve-caption { height: 1; padding: 0 1; color: $text-muted; }
    ComparePane #compare-curves { height: 2fr; min-height: 12; }
    """

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
        signature = (tuple(map(id, runs)), baseline, self.only_differing)
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
        self.model = build_compare(runs, baseline)
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
        if row.differs:
            return Text.assemble(("≠ ", f"bold {colours['warning']}"), (row.label, "bold"))
        return Text.assemble("  ", row.label)

    def _cells(self, row: CompareRow, colours: dict[str, str]) -> list[Text]:
        model = self.model
        assert model is not None
        cells = []
        for j, value in enumerate(row.values):
            text = Text(_format(row, value))
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
        index = self.state.index
        runs = []
        stepped_sets: list[list[str]] = []
        array_sets: list[list[str]] = []
        for run_id in run_ids:
            try:
                run = index.run(run_id)
            except KeyError:
                continue
            runs.append(run)
            stepped_sets.append(run.stepped_names())
            array_sets.append(
                [a.name for a in run.artifacts() if a.kind == "numpy" or a.format in ("npz", "npy")]
            )
        options: list[tuple[str, str]] = []
        if runs:
            common = set(stepped_sets[0]).intersection(*map(set, stepped_sets[1:]))
            options += [("stepped", n) for n in stepped_sets[0] if n in common]
            common = set(array_sets[0]).intersection(*map(set, array_sets[1:]))
            first = runs[0]
            options += [
                ("artifact", n)
                for n in array_sets[0]
                if n in common and _is_1d_array(_artifact_path(first, n))
            ]
        source = wanted if wanted in options else (options[0] if options else None)
        series: list[Series] = []
        for run in runs:
            if source is None:
                break
            kind, name = source
            try:
                if kind == "stepped":
                    x, y = run.stepped(name)
                else:
                    value = run.artifact(name)
                    if not isinstance(value, np.ndarray) or value.ndim != 1:
                        continue
                    y = value.astype(float)
                    x = np.arange(y.size)
            except (KeyError, OSError, ValueError, TypeError):
                continue
            series.append(
                Series(key=run.run_id, label=labels.get(run.run_id, run.run_id), x=x, y=y)
            )
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


def _artifact_path(run: Any, name: str) -> Path | None:
    try:
        return Path(run.artifact_path(name))
    except (FileNotFoundError, OSError):
        return None


def _is_1d_array(path: Path | None) -> bool:
    """Whether an ``.npz``/``.npy`` file holds one numeric 1-D array, from its header
    only (a big 2-D artifact is not loaded just to find out it is no curve)."""
    if path is None:
        return False
    try:
        if path.suffix == ".npy":
            with open(path, "rb") as fh:
                return _header_is_1d(fh)
        with zipfile.ZipFile(path) as zf:
            if zf.namelist() != ["arr.npy"]:
                return False
            with zf.open("arr.npy") as fh:
                return _header_is_1d(fh)
    except (OSError, ValueError, zipfile.BadZipFile):
        return False


def _header_is_1d(fh: Any) -> bool:
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    return len(shape) == 1 and dtype.kind in "biuf"


def _format(row: CompareRow, value: Any) -> str:
    if value is None:
        return "—"
    if row.section == "Artifacts":
        return "✓"
    if row.key == "timing.duration":
        return format_duration(value)
    return format_cell(value)
