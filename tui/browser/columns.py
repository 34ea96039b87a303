"""The runs table's columns: which ones show, how their cells read, and the picker.

Why a module of its own: the runs table, the experiments list and the column picker all
need the same answers (a column's short label, how a duration or a time reads, which
columns a fresh experiment shows), and tests check cells against them. Cells are plain
strings here; the table turns them into styled text, so a live refresh can compare
strings to find the cells that changed.

Columns are the data layer's names (``record.status``, ``params.lr``, ``metrics.loss``);
the runs table always leads with a selection mark and the run id. The picker
(:class:`ColumnPicker`) offers every column of the experiment in four groups (Params,
Metrics, Derived, Record) as checkbox lists; the choice is kept in
``BrowseState.columns`` under the experiment's key (``*`` for all experiments together).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from metalab.index import Table, format_cell

__all__ = [
    "ALL_KEY",
    "GROUPS",
    "MARK",
    "ColumnPicker",
    "cell_text",
    "column_groups",
    "column_label",
    "default_columns",
    "done_text",
    "format_duration",
    "format_time",
    "order_columns",
    "relative_time",
    "running_for",
    "status_text",
    "theme_color",
]

ALL_KEY = "*"
"""The key of ``BrowseState.columns`` used when no single experiment is in scope."""

MARK = "●"
"""The mark of a selected run in the runs table."""

DEFAULT_WIDTH = 10
"""A fresh runs table shows about this many columns (besides the mark and run id)."""

MAX_TEXT = 28
"""Text cells are cut to this many characters (the run detail shows them in full)."""

GROUPS = {"params": "Params", "metrics": "Metrics", "derived": "Derived", "record": "Record"}
"""Column groups in the picker, in order, with their headings."""

RECORD_HEAD = (
    "record.experiment_id",
    "record.status",
    "record.started_at",
    "record.finished_at",
    "record.duration_ms",
)
"""Record columns shown before the params (the rest of the record follows them)."""

RECORD_HIDDEN = ("record.run_id",)
"""Always shown (as the leading run column), so not offered by the picker."""

TIME_COLUMNS = ("record.started_at", "record.finished_at")

STATUS_VARIABLE = {
    "success": "success",
    "failed": "error",
    "running": "accent",
    "cancelled": "warning",
}
"""The theme variable each status is drawn in."""


# -- values ------------------------------------------------------------------------------------


def relative_time(ts: float | None, now: float) -> str:
    """``just now``, ``42s ago``, ``3m ago``, ``5h ago``, ``2d ago``; a date past 30 days."""
    if ts is None or not math.isfinite(ts):
        return "—"
    delta = now - ts
    if delta < 0:
        return "in the future" if delta < -60 else "just now"
    if delta < 5:
        return "just now"
    if delta < 60:
        return f"{int(delta)}s ago"
    if delta < 3600:
        return f"{int(delta // 60)}m ago"
    if delta < 86400:
        return f"{int(delta // 3600)}h ago"
    if delta < 30 * 86400:
        return f"{int(delta // 86400)}d ago"
    return _dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d")


def format_time(ts: float | None) -> str:
    """An absolute local time, to the second (``2026-01-15 09:11:00``)."""
    if ts is None or not math.isfinite(ts):
        return "—"
    return _dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def format_duration(ms: Any) -> str:
    """As atlas shows a duration: ``850 ms`` under a second, ``12.3 s`` under a minute,
    else ``4.5 m`` (minutes); ``—`` when unknown."""
    if ms is None or isinstance(ms, bool) or not isinstance(ms, int | float):
        return "—"
    if isinstance(ms, float) and not math.isfinite(ms):
        return "—"
    if ms < 1000:
        return f"{int(ms)} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    return f"{ms / 60_000:.1f} m"


def done_text(done: int, total: int) -> str:
    """``12/18 done``; ``36 done (18 in the latest launch)`` when runs of earlier
    launches (with other settings) are in the folder too."""
    if not total:
        return f"{done} done"
    if done > total:
        return f"{done} done ({total} in the latest launch)"
    return f"{done}/{total} done"


def _cut(text: str, width: int = MAX_TEXT) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def cell_text(table: Table, i: int, name: str, now: float) -> str:
    """The text of row ``i``'s cell in column ``name`` (``—`` when the run lacks it); a
    running run's duration is the time since it started, ``12.3 s+``."""
    if name == "record.duration_ms":
        running = running_for(table, i, now)
        if running is not None:  # the record says 0 until the run ends
            return f"{format_duration(running)}+"
    col = table.columns.get(name)
    if col is None or not col.present[i]:
        return "—"
    if name == "record.run_id":
        return str(col.values[i])[:8]
    if name == "record.duration_ms":
        return format_duration(col.values[i])
    if name in TIME_COLUMNS:
        return relative_time(float(col.num[i]), now)
    return _cut(format_cell(col.values[i]))


def running_for(table: Table, i: int, now: float) -> float | None:
    """Milliseconds row ``i`` has been running at ``now``, for a run whose record says
    ``running`` and has a start but no end (its recorded duration is 0 until it ends);
    None for any other run."""
    status, started = table.columns.get("record.status"), table.columns.get("record.started_at")
    finished = table.columns.get("record.finished_at")
    if status is None or started is None or status.values[i] != "running":
        return None
    if not started.present[i] or (finished is not None and finished.present[i]):
        return None
    ts = float(started.num[i])
    return max(0.0, now - ts) * 1000 if math.isfinite(ts) else None


def is_numeric(table: Table, name: str) -> bool:
    """Right-align this column's cells (numbers, durations)."""
    col = table.columns.get(name)
    return col is not None and col.kind in ("numeric", "mixed") and name not in TIME_COLUMNS


def theme_color(app: App[Any], variable: str, fallback: str = "") -> str:
    """A theme variable (``success``, ``error`` ...) as a colour Rich understands."""
    value = app.theme_variables.get(variable) if app.theme_variables else None
    if not value:
        return fallback
    try:
        return Color.parse(value).hex
    except ColorParseError:
        return fallback


def status_text(app: App[Any], status: str) -> Text:
    """A status word in its theme colour (bold when failed)."""
    variable = STATUS_VARIABLE.get(status)
    color = theme_color(app, variable) if variable else ""
    style = Style(color=color or None, bold=status == "failed")
    return Text(status, style=style)


# -- which columns -----------------------------------------------------------------------------


def _short(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


def column_label(name: str, names: Iterable[str]) -> str:
    """The header of a column: its key (``lr``), or its full name when two groups share
    the key (``params.loss`` and ``metrics.loss``)."""
    short = _short(name)
    labels = {
        "record.run_id": "run",
        "record.experiment_id": "experiment",
        "record.duration_ms": "duration",
        "record.started_at": "started",
        "record.finished_at": "finished",
        "record.seed_fingerprint": "seed",
        "record.replicate": "rep",
    }
    if name in labels:
        return labels[name]
    clashes = [n for n in names if n != name and _short(n) == short]
    return name if clashes else short


def _scalar(table: Table, name: str) -> bool:
    col = table.columns.get(name)
    return col is not None and col.kind in ("numeric", "bool", "string", "mixed")


def column_groups(table: Table) -> dict[str, list[str]]:
    """Every column the picker offers, by group (see :data:`GROUPS`), in table order."""
    out: dict[str, list[str]] = {group: [] for group in GROUPS}
    for name in table.names():
        group = name.split(".", 1)[0]
        if group in out and name not in RECORD_HIDDEN:
            out[group].append(name)
    head = [n for n in RECORD_HEAD if n in out["record"]]
    out["record"] = head + [n for n in out["record"] if n not in head]
    return out


def order_columns(chosen: Iterable[str], table: Table) -> list[str]:
    """``chosen`` in display order: status and times, params, the rest of the record
    (replicate, seed ...), metrics, derived. Columns the table lacks are kept, last."""
    wanted = list(dict.fromkeys(chosen))
    groups = column_groups(table)
    record = groups["record"]
    head = [n for n in RECORD_HEAD if n in wanted]
    order = (
        head
        + [n for n in groups["params"] if n in wanted]
        + [n for n in record if n in wanted and n not in head]
        + [n for n in groups["metrics"] if n in wanted]
        + [n for n in groups["derived"] if n in wanted]
    )
    return order + [n for n in wanted if n not in order]


def default_columns(table: Table, *, all_experiments: bool = False) -> list[str]:
    """What a fresh runs table shows: status, when it started and how long it took (as
    atlas's runs table always does), every param, the replicate, then scalar metrics up
    to about :data:`DEFAULT_WIDTH` columns (at least two); the experiment first when
    several experiments are shown together."""
    cols = ["record.status", "record.started_at", "record.duration_ms"]
    if all_experiments:
        cols.insert(0, "record.experiment_id")
    cols += table.names("params")
    if "record.replicate" in table and table.column("record.replicate").present.any():
        cols.append("record.replicate")
    room = max(2, DEFAULT_WIDTH - len(cols))
    cols += [n for n in table.names("metrics") if _scalar(table, n)][:room]
    return [c for c in cols if c in table]


# -- the picker --------------------------------------------------------------------------------


class ColumnPicker(ModalScreen[list[str] | None]):
    """Checkbox lists of every column, grouped; dismisses with the chosen columns in
    display order, or None when cancelled."""

    DEFAULT_CSS = """
    ColumnPicker { align: center middle; }
    ColumnPicker > Vertical {
        width: 90%; max-width: 150; height: 80%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    ColumnPicker #columns-help { color: $text-muted; height: auto; margin-bottom: 1; }
    ColumnPicker #columns-groups { height: 1fr; }
    ColumnPicker SelectionList {
        width: 1fr; height: 1fr; border: round $panel-lighten-2; margin-right: 1;
    }
    ColumnPicker SelectionList:focus { border: round $accent; }
    ColumnPicker #columns-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ColumnPicker.-narrow > Vertical { width: 100%; }
    ColumnPicker.-narrow #columns-groups { layout: grid; grid-size: 2; }
    ColumnPicker.-short > Vertical { height: 100%; }
    ColumnPicker.-short #columns-help { margin-bottom: 0; }
    ColumnPicker.-short #columns-buttons { margin-top: 0; }
    ColumnPicker Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="columns-cancel"),
        Binding("ctrl+s", "apply", "Apply", id="columns-apply"),
        Binding("a", "all", "All", id="columns-all"),
        Binding("n", "none", "None", id="columns-none"),
        Binding("d", "defaults", "Defaults", id="columns-defaults"),
    ]

    def __init__(
        self,
        table: Table,
        chosen: Sequence[str],
        defaults: Sequence[str] | None = None,
        title: str = "Columns",
    ) -> None:
        super().__init__()
        self.table = table
        self.chosen = list(chosen)
        self.defaults = list(defaults) if defaults is not None else list(chosen)
        self.title_text = title
        self.groups = column_groups(table)

    def compose(self) -> ComposeResult:
        names = self.table.names()
        with Vertical():
            yield Label(f"[b]{self.title_text}[/b]")
            yield Static(
                "space toggles · tab: next group · a all · n none · d defaults · "
                "ctrl+s apply · escape cancel",
                id="columns-help",
            )
            with Horizontal(id="columns-groups"):
                for group, heading in GROUPS.items():
                    options = [
                        Selection(self._prompt(name, names), name, name in self.chosen)
                        for name in self.groups[group]
                    ]
                    box: SelectionList[str] = SelectionList(*options, id=f"columns-{group}")
                    box.border_title = f"{heading} ({len(options)})"
                    yield box
            with Horizontal(id="columns-buttons"):
                yield Button("Cancel", id="columns-cancel-button")
                yield Button("Apply (ctrl+s)", id="columns-apply-button", variant="primary")

    def _prompt(self, name: str, names: list[str]) -> str:
        label = column_label(name, names)
        return f"{label}  [dim]{self.table.column(name).kind}[/dim]"

    def on_mount(self) -> None:
        for group in GROUPS:
            box = self.query_one(f"#columns-{group}", SelectionList)
            if box.option_count:
                box.focus()
                break

    def lists(self) -> list[SelectionList[str]]:
        return [self.query_one(f"#columns-{g}", SelectionList) for g in GROUPS]

    def selected(self) -> list[str]:
        """The ticked columns, in display order."""
        ticked = [name for box in self.lists() for name in box.selected]
        return order_columns(ticked, self.table)

    def _set(self, predicate: Callable[[str], bool]) -> None:
        for box in self.lists():
            box.deselect_all()
            for name in [box.get_option_at_index(i).value for i in range(box.option_count)]:
                if predicate(name):
                    box.select(name)

    def action_all(self) -> None:
        for box in self.lists():
            box.select_all()

    def action_none(self) -> None:
        for box in self.lists():
            box.deselect_all()

    def action_defaults(self) -> None:
        wanted = set(self.defaults)
        self._set(lambda name: name in wanted)

    def action_apply(self) -> None:
        self.dismiss(self.selected())

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "columns-apply-button":
            self.action_apply()
        else:
            self.action_cancel()
