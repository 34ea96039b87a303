"""The status line and the Overview tab: what the run was given, and how it went.

Why a module of its own: the status words ("Success in 1.2s", "Running since 10:00:02
(for 3m 10s)", "Stale: ...") and the cards' contents are plain functions of the run's
row and record, so they can be tested without a screen; the screen and
:class:`OverviewTab` only put them in their widgets. The headline and the parameters
card need only the tree index's row, which is in memory, so the screen draws them at
once; the error, notes and provenance cards wait for the full record, read on a worker.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, ScrollableContainer, Vertical, VerticalScroll
from textual.widgets import Static, TabPane

from metalab.index import RunRow, Table, format_cell
from metalab.types import RunRecord

__all__ = [
    "HEADLINE_PARAMS",
    "STALE_AFTER",
    "STATUS_ICONS",
    "STATUS_KINDS",
    "OverviewTab",
    "error_texts",
    "elapsed_ms",
    "format_duration",
    "format_time",
    "headline",
    "info_grid",
    "notes_card",
    "params_grid",
    "parse_time",
    "provenance_grid",
    "provenance_text",
    "row_params",
    "run_status",
    "status_headline",
    "varying_params",
]

STALE_AFTER = 30.0
"""A running record untouched this long is stale (the runner touches it every 2 s)."""
HEADLINE_PARAMS = 3
"""Parameters named in the headline; the rest are counted."""
STATUS_KINDS = ("success", "failed", "running", "stale", "cancelled", "other")
"""What :func:`status_headline` may call a status (each a ``-kind`` class of the line);
``other`` is a status metalab does not write (``preempted``), shown as written."""
STATUS_ICONS = {"success": "✔", "failed": "✘", "cancelled": "■", "stale": "⚠", "other": "?"}
"""The status line's icon per kind (``▶`` for running)."""


def format_duration(ms: float | None) -> str:
    """``850 ms``, ``1.2s``, ``2m 05s``, ``1h 02m``, ``3d 4h``."""
    if ms is None or not math.isfinite(ms) or ms < 0:
        return "—"
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def format_time(value: _dt.datetime | None) -> str:
    """A record time as written (no conversion), to the second."""
    if value is None:
        return "—"
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text} {value.tzname()}" if value.tzinfo is not None else text


def parse_time(value: str | None) -> _dt.datetime | None:
    """An ISO time from the tree index's row (None when missing or unreadable)."""
    if not value:
        return None
    try:
        return _dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def status_headline(
    status: str,
    *,
    duration_ms: float | None = None,
    error_type: str | None = None,
    started_at: _dt.datetime | None = None,
    record_mtime: float | None = None,
    now: float | None = None,
    wall: float | None = None,
) -> tuple[str, str]:
    """The status line and its kind (``success``, ``failed``, ``running``, ``stale``,
    ``cancelled``): "Success in 1.2s", "Failed (ValueError)", "Running since 10:00:02
    (for 3m 10s)", or stale when a running record has not been touched for
    :data:`STALE_AFTER` seconds.

    ``now`` is the browser's clock (for the time running; tests pin it), ``wall`` the
    real time that the record's mtime is compared with (both default to now).
    """
    if status == "success":
        return f"Success in {format_duration(duration_ms)}", "success"
    if status == "failed":
        return (f"Failed ({error_type})" if error_type else "Failed"), "failed"
    if status == "cancelled":
        return "Cancelled", "cancelled"
    now = time.time() if now is None else now
    wall = time.time() if wall is None else wall
    if status not in ("running", ""):
        started = ""
        if started_at is not None:
            started = f", started {started_at:%Y-%m-%d %H:%M:%S}"
        return f"Status {status!r} (not one metalab writes){started}", "other"
    since = ""
    elapsed = elapsed_ms(started_at, now)
    if started_at is not None and elapsed is not None:
        since = f" since {started_at:%H:%M:%S} (for {format_duration(elapsed)})"
    if record_mtime is not None and wall - record_mtime > STALE_AFTER:
        quiet = format_duration((wall - record_mtime) * 1000)
        return f"Stale: running{since}, no heartbeat for {quiet}", "stale"
    return f"Running{since}", "running"


def elapsed_ms(started_at: _dt.datetime | None, now: float) -> float | None:
    """Milliseconds from ``started_at`` to ``now`` (None when there is no start)."""
    if started_at is None:
        return None
    try:
        return max(0.0, now - started_at.timestamp()) * 1000
    except (OverflowError, OSError, ValueError):
        return None


def run_status(
    row: RunRow, record: RunRecord | None, status: str, record_mtime: float | None, now: float
) -> tuple[str, str]:
    """:func:`status_headline` for a run: from its full record once read, else its row."""
    started = record.started_at if record is not None else parse_time(row.started_at)
    return status_headline(
        status or row.status,
        duration_ms=(record.duration_ms if record is not None else row.duration_ms),
        error_type=(record.error or {}).get("type") if record is not None else row.error_type,
        started_at=started,
        record_mtime=record_mtime,
        now=now,
    )


def varying_params(table: Table) -> set[str]:
    """The ``params.*`` columns holding more than one distinct value."""
    out = set()
    for name in table.names("params"):
        column = table.column(name)
        values = column.values[column.present].tolist()
        try:
            distinct = len(set(values))
        except TypeError:  # lists or dicts
            distinct = len({repr(v) for v in values})
        if distinct > 1:
            out.add(name)
    return out


# -- the cards ------------------------------------------------------------------------------


def row_params(row: RunRow) -> list[tuple[str, Any]]:
    """The run's parameters as ``(name, value)``, nested names joined with dots."""
    items = list(row.flat_data().items())
    return [(k.split(".", 1)[1], v) for k, v in items if k.startswith("params.")]


def headline(row: RunRow, params: list[tuple[str, Any]], varying: set[str]) -> Text:
    """The first parameters (those that vary in the experiment first), the replicate and
    the seed fingerprint."""
    line = Text()
    first = sorted(params, key=lambda p: f"params.{p[0]}" not in varying)
    for k, (name, value) in enumerate(first[:HEADLINE_PARAMS]):
        if k:
            line.append("   ")
        line.append(f"{name} = ", "dim")
        line.append(_param_text(value))
    if len(params) > HEADLINE_PARAMS:
        line.append(f"   +{len(params) - HEADLINE_PARAMS} more", "dim")
    if not params:
        line.append(f"run {row.run_id}")
    replicate = row.effective_replicate
    if replicate is not None:
        line.append("   ·   replicate ", "dim")
        line.append(str(replicate))
    if row.seed_fingerprint:
        line.append("   ·   seed ", "dim")
        line.append(row.seed_fingerprint[:12])
    return line


def params_grid(params: list[tuple[str, Any]]) -> RichTable:
    """The Parameters card: every parameter as given."""
    grid = _grid()
    for name, value in params:
        grid.add_row(name, _param_text(value))
    if not params:
        grid.add_row("", "no parameters")
    return grid


def info_grid(
    record: RunRecord | None,
    row: RunRow,
    headline: str,
    status: str = "",
    now: float | None = None,
) -> RichTable:
    """The Run card: status, ids, times, where it ran, replicate and seed. The duration
    of a run still ``running`` is the time since it started (at ``now``), "so far"."""
    grid = _grid()
    grid.add_row("Status", headline)
    grid.add_row("Run id", Text.assemble(row.run_id, ("   y: copy", "dim")))
    grid.add_row("Experiment", row.experiment_id or "—")
    if record is not None:
        grid.add_row("Started", format_time(record.started_at))
        grid.add_row("Finished", format_time(record.finished_at))
        duration = record.duration_ms if record.finished_at else None
    else:
        grid.add_row("Started", (row.started_at or "—").replace("T", " ")[:19])
        grid.add_row("Finished", (row.finished_at or "—").replace("T", " ")[:19])
        duration = row.duration_ms if row.finished_at else None
    started = record.started_at if record is not None else parse_time(row.started_at)
    if (status or row.status) == "running" and duration is None and now is not None:
        elapsed = elapsed_ms(started, now)
        shown = f"{format_duration(elapsed)} so far" if elapsed is not None else "—"
    else:
        shown = format_duration(duration)
    grid.add_row("Duration", shown)
    grid.add_row("Executor", row.executor_id or "—")
    grid.add_row("Host", row.host or "—")
    replicate = row.effective_replicate
    grid.add_row("Replicate", "—" if replicate is None else str(replicate))
    grid.add_row("Seed", row.seed_fingerprint or "—")
    return grid


def error_texts(error: dict[str, Any]) -> tuple[Text, Text]:
    """The Error card: ``Type: message``, and the traceback as recorded."""
    head = Text()
    head.append(str(error.get("type") or "Error"), "bold")
    message = str(error.get("message") or "")
    if message:
        head.append(f": {message}")
    trace = str(error.get("traceback") or "").rstrip("\n") or "(no traceback recorded)"
    return head, Text(trace, no_wrap=True)


def notes_card(record: RunRecord) -> tuple[str, list[RenderableType]]:
    """The Notes card's title (``Warnings · Notes · Tags``, as present) and lines."""
    notes: list[RenderableType] = []
    parts = []
    if record.warnings:
        parts.append("Warnings")
        notes.append(Text(f"{len(record.warnings)} warning(s)", "bold"))
        notes.extend(Text(f"• {w}") for w in record.warnings)
    if record.notes:
        parts.append("Notes")
        notes.append(Text.assemble(("Notes: ", "bold"), str(record.notes)))
    if record.tags:
        parts.append("Tags")
        notes.append(Text.assemble(("Tags: ", "bold"), ", ".join(map(str, record.tags))))
    return " · ".join(parts), notes


def provenance_grid(record: RunRecord) -> RichTable:
    """The Provenance card: code hash, versions, fingerprints and the executor's extras."""
    prov = record.provenance
    grid = _grid()
    for label, value in (
        ("Code hash", prov.code_hash),
        ("Python", prov.python_version),
        ("metalab", prov.metalab_version),
        ("Context fp", record.context_fingerprint),
        ("Params fp", record.params_fingerprint),
        ("Seed fp", record.seed_fingerprint),
    ):
        grid.add_row(label, value or "—")
    for key, value in sorted(prov.extra.items()):
        grid.add_row(str(key), format_cell(value))
    return grid


def provenance_text(record: RunRecord) -> str:
    """Everything that identifies the run, one ``key: value`` line each (what ``Y``
    copies)."""
    return "\n".join(
        f"{key}: {value}"
        for key, value in (
            ("run_id", record.run_id),
            ("experiment_id", record.experiment_id),
            ("params_fingerprint", record.params_fingerprint),
            ("seed_fingerprint", record.seed_fingerprint),
            ("context_fingerprint", record.context_fingerprint),
            ("code_hash", record.provenance.code_hash),
        )
    )


def _param_text(value: Any) -> str:
    """A parameter as given: ``0.1``, ``1e-05``, ``adam``, ``[1, 2]`` (never rounded)."""
    if isinstance(value, float):
        return repr(value)
    return format_cell(value)


def _grid() -> RichTable:
    grid = RichTable.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    return grid


class OverviewTab(TabPane):
    """The Overview tab's cards: Error (when failed), Run, Provenance, Parameters, Notes."""

    DEFAULT_CSS = """
    OverviewTab .card {
        height: auto; border: round $panel-lighten-2; border-title-color: $accent;
        padding: 0 1;
    }
    OverviewTab #overview-columns { height: auto; }
    OverviewTab .overview-column { width: 1fr; height: auto; }
    OverviewTab #error-card { border: round $error; border-title-color: $error; }
    OverviewTab #error-message { height: auto; }
    OverviewTab #error-traceback-scroll { height: auto; max-height: 14; }
    OverviewTab #error-traceback { width: auto; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__("Overview", id="overview")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="overview-scroll"):
            with Vertical(id="error-card", classes="card"):
                yield Static(id="error-message")
                with ScrollableContainer(id="error-traceback-scroll"):
                    yield Static(id="error-traceback")
            with Horizontal(id="overview-columns"):
                with Vertical(classes="overview-column"):
                    yield Static(id="overview-info", classes="card")
                    yield Static(id="overview-provenance", classes="card")
                with Vertical(classes="overview-column"):
                    yield Static(id="overview-params", classes="card")
                    yield Static(id="overview-notes", classes="card")

    def on_mount(self) -> None:
        self.query_one("#error-card").display = False
        for card, title in (
            ("#overview-info", "Run"),
            ("#error-card", "Error"),
            ("#overview-params", "Parameters"),
            ("#overview-notes", "Notes"),
            ("#overview-provenance", "Provenance"),
        ):
            self.query_one(card).border_title = title
        self.query_one("#overview-notes").display = False

    def show_params(self, params: list[tuple[str, Any]]) -> None:
        self.query_one("#overview-params", Static).update(params_grid(params))

    def show_info(
        self,
        record: RunRecord | None,
        row: RunRow,
        headline: str,
        status: str = "",
        now: float | None = None,
    ) -> None:
        self.query_one("#overview-info", Static).update(
            info_grid(record, row, headline, status, now)
        )

    def show_record(self, record: RunRecord) -> None:
        """The cards that need the full record: Error, Notes and Provenance."""
        error = record.error if isinstance(record.error, dict) else None
        card = self.query_one("#error-card")
        card.display = bool(error)
        if error:
            message, trace = error_texts(error)
            self.query_one("#error-message", Static).update(message)
            self.query_one("#error-traceback", Static).update(trace)
        title, notes = notes_card(record)
        box = self.query_one("#overview-notes", Static)
        box.display = bool(notes)
        box.border_title = title
        box.update(Group(*notes))
        self.query_one("#overview-provenance", Static).update(provenance_grid(record))
