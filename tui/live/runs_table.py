"""The live runs table: one row per run, updated in place by key.

Rows are keyed by run id and only the cells that changed are rewritten, all inside
one ``batch_update``, so a sweep of hundreds of runs updates without flicker or a
full redraw; the cursor stays on the same run while rows change.

Every column has a fixed width, sized for what it can hold (the parameter columns for
the sweep's values, given up front). Columns do not jump as values change, and no
cell is ever drawn at a stale width: textual's DataTable measures auto-width columns
on idle without invalidating the cells it has already drawn, so a value that grew
(a loss going from ``0.5`` to ``1.234e-05``) could stay cut off until its next change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from metalab.progress import RunState, format_duration
from tui.widgets.row_keys import ROW_KEYS

__all__ = ["RunsTable", "cell_text", "progress_bar"]

BAR_WIDTH = 12
STATUS_WIDTH = len("cancelled")
METRIC_WIDTH = len("-1.235e-05")  # f"{v:.4g}"; exponents beyond +-99 are cut
TIME_WIDTH = len("59m59s")  # and "1h02m"; 100 hours and more are cut
REP_WIDTH = 3


def progress_bar(state: RunState, width: int = BAR_WIDTH) -> str:
    """``███████░░░░░ 3500/5000`` for a run of known length; a status word otherwise."""
    frac = state.fraction()
    if frac is None:
        if state.status == "running" and state.step is not None:
            return f"step {state.step + 1}"
        return ""
    filled = int(round(frac * width))
    bar = "█" * filled + "░" * (width - filled)
    if state.total_steps:
        done = (
            state.total_steps if state.status in ("success", "skipped") else (state.step or -1) + 1
        )
        return f"{bar} {min(done, state.total_steps)}/{state.total_steps}"
    return f"{bar} {frac:4.0%}"


def cell_text(v: object) -> str:
    """A parameter or metric value as the table shows it: floats to 4 significant digits."""
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)


_value = cell_text


class RunsTable(DataTable[str | Text]):
    """One live row per run: id, params, replicate, status, progress, metric, time."""

    BINDINGS = ROW_KEYS

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
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.param_keys = list(param_keys)
        self.metric = metric
        values = param_values or {}
        self.param_widths = {
            key: max([len(key), *(len(cell_text(v)) for v in values.get(key, ()))])
            if key in values
            else max(len(key), 10)
            for key in self.param_keys
        }
        self._cells: dict[str, tuple[str, ...]] = {}

    def on_mount(self) -> None:
        self.add_column("run", key="run", width=8)
        for key in self.param_keys:
            self.add_column(key, key=f"p:{key}", width=self.param_widths[key])
        self.add_column("rep", key="rep", width=REP_WIDTH)
        self.add_column("status", key="status", width=STATUS_WIDTH)
        self.add_column("progress", key="progress", width=BAR_WIDTH + 12)
        self.add_column(self.metric, key="metric", width=max(len(self.metric), METRIC_WIDTH))
        self.add_column("time", key="time", width=TIME_WIDTH)

    def _row(self, state: RunState, now: float) -> tuple[str, ...]:
        value = state.values.get(self.metric)
        if value is None:
            value = state.metrics.get(self.metric, state.metrics.get(f"final_{self.metric}"))
        return (
            state.run_id[:8],
            *(_value(state.params.get(k)) for k in self.param_keys),
            _value(state.replicate),
            state.status,
            progress_bar(state),
            _value(value),
            format_duration(state.elapsed(now)) if state.started is not None else "",
        )

    def sync(self, states: Iterable[RunState], now: float) -> None:
        """Add new runs and rewrite the cells that changed."""
        keys = [
            "run",
            *(f"p:{k}" for k in self.param_keys),
            "rep",
            "status",
            "progress",
            "metric",
            "time",
        ]
        with self.app.batch_update():
            for state in states:
                cells = self._row(state, now)
                old = self._cells.get(state.run_id)
                if old == cells:
                    continue
                rendered = [Text(c) for c in cells]
                status_i = keys.index("status")
                rendered[status_i] = Text(cells[status_i], style=_style(state.status))
                if old is None:
                    self.add_row(*rendered, key=state.run_id)
                else:
                    for i, (a, b) in enumerate(zip(old, cells, strict=True)):
                        if a != b:
                            self.update_cell(state.run_id, keys[i], rendered[i])
                self._cells[state.run_id] = cells

    @property
    def selected_run(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return str(key.value) if key.value is not None else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.RunSelected(self, str(event.row_key.value)))


def _style(status: str) -> str:
    return {
        "pending": "dim",
        "running": "bold",
        "success": "green",
        "failed": "bold red",
        "skipped": "cyan",
        "cancelled": "yellow",
    }.get(status, "")
