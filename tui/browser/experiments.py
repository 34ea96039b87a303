"""The browser's experiments tab: every experiment under the root, and the one under
the cursor in detail.

The list is atlas's experiments page (§2.1) in a terminal: name, version, state
(complete, in progress, with failures), run counts by status, a completion bar and the
latest run as a relative time. Sorting and filtering run on the data layer's
experiments table (``TreeIndex.summary_table()``), so they follow the same rules as the
runs table's. The detail below it is atlas's experiment page (§2.2) reduced to what
reads well in text: description and tags, a stacked progress bar, the parameters as the
latest manifest (``experiments/*.json``) declares them (grid lists, random
distributions, a count of manual cases), seeds, the operation's ref and code hash, the
manifest history, and a metrics summary with coverage and range. Below those, the
distribution of one numeric metric over the runs (``d`` picks the next field) and, with
``h``, the latest manifest as pretty JSON (``[``/``]`` older and newer versions, ``w``
saves a copy); see :mod:`tui.browser.experiment_detail`.

Enter scopes the whole browser to the experiment (a ``ScopeChanged`` up to the screen);
``a`` widens it back to every experiment. Rows are keyed by experiment key and a live
refresh rewrites only the cells that changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Static

from tui.browse import Changes, ExperimentSummary, Table, format_cell, sort_order
from tui.browser.columns import done_text, format_time, relative_time, theme_color
from tui.browser.experiment_detail import (
    DistributionView,
    ManifestScreen,
    distribution_fields,
    manifest_versions,
)
from tui.browser.messages import ScopeChanged
from tui.browser.pane import BrowserPane

__all__ = [
    "EXPERIMENT_COLUMNS",
    "ExperimentsPane",
    "describe_params",
    "experiment_cells",
    "filter_summaries",
]

EXPERIMENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("experiment.name", "name"),
    ("experiment.version", "version"),
    ("experiment.state", "state"),
    ("experiment.total", "total"),
    ("experiment.success", "success"),
    ("experiment.failed", "failed"),
    ("experiment.running", "running"),
    ("experiment.cancelled", "cancelled"),
    ("experiment.completion", "completion"),
    ("experiment.latest_run", "latest run"),
)
"""(sort column of the experiments table, header) for each column of the list."""

SCOPE_MARK = "▶"
BAR = 10
"""Width of the completion bar in the list."""
DETAIL_BAR = 30
"""Width of the stacked progress bar in the detail."""


# -- pure helpers (tested without a terminal) --------------------------------------------------


def filter_summaries(summaries: list[ExperimentSummary], text: str) -> list[int]:
    """Positions of the experiments matching every word of ``text`` in their id, name,
    tags or state (case-insensitive substrings)."""
    words = text.lower().split()
    out = []
    for i, s in enumerate(summaries):
        hay = " ".join([s.key, s.experiment_id, s.name, " ".join(s.tags), s.state]).lower()
        if all(w in hay for w in words):
            out.append(i)
    return out


def completion_bar(fraction: float, width: int = BAR) -> str:
    """``██████░░░░  60%``."""
    filled = int(round(max(0.0, min(1.0, fraction)) * width))
    return "█" * filled + "░" * (width - filled) + f" {fraction:4.0%}"


def experiment_cells(summary: ExperimentSummary, now: float, in_scope: bool) -> tuple[str, ...]:
    """The list's cells for one experiment, as text (the first is the scope mark)."""
    c = summary.counts
    icon = "✓" if summary.complete and not c.get("failed") else "⚠" if c.get("failed") else "…"
    name = summary.name
    if summary.key not in (summary.experiment_id, f"{summary.name}:{summary.version}"):
        name = summary.key  # two folders share an id: show which
    return (
        SCOPE_MARK if in_scope else "",
        f"{icon} {name}",
        summary.version or "—",
        summary.state,
        str(summary.total) if summary.total else "—",
        str(c.get("success", 0)),
        str(c.get("failed", 0)),
        str(c.get("running", 0)),
        str(c.get("cancelled", 0)),
        completion_bar(summary.completion),
        relative_time(summary.latest_started_ts, now),
    )


_DIST_NAMES = {
    "uniform": "Uniform",
    "loguniform": "LogUniform",
    "randint": "IntUniform",
    "loguniform_int": "LogUniformInt",
    "choice": "Choice",
}


def _value(v: Any) -> str:
    """A declared value as written (``0.01``, not the table's ``0.0100``)."""
    if isinstance(v, float) and not isinstance(v, bool):
        return f"{v:.6g}"
    return format_cell(v) if not isinstance(v, str) else v


def describe_distribution(spec: Any) -> str:
    """``Uniform(0, 1)``, ``LogUniform(0.001, 1)``, ``Choice([adam, sgd])``."""
    if not isinstance(spec, Mapping):
        return _value(spec)
    kind = str(spec.get("type", ""))
    name = _DIST_NAMES.get(kind, kind or "?")
    if kind == "choice":
        options = ", ".join(_value(o) for o in spec.get("options") or [])
        return f"{name}([{options}])"
    if "low" in spec and "high" in spec:
        return f"{name}({_value(spec['low'])}, {_value(spec['high'])})"
    rest = ", ".join(f"{k}={_value(v)}" for k, v in spec.items() if k != "type")
    return f"{name}({rest})"


def describe_params(params: Any) -> tuple[str, list[tuple[str, str]], str]:
    """(heading, [(key, description)], footer) for a manifest's ``params`` entry."""
    if not isinstance(params, Mapping):
        return "Parameters", [], "not recorded in the manifest"
    kind = str(params.get("type") or "")
    total = params.get("total_cases")
    if kind == "GridSource":
        spec = params.get("spec") or {}
        rows = [
            (str(k), ", ".join(_value(v) for v in vs) if isinstance(vs, list) else _value(vs))
            for k, vs in spec.items()
        ]
        return "Parameters (grid)", rows, f"{total} combinations" if total is not None else ""
    if kind == "RandomSource":
        space = params.get("space") or {}
        rows = [(str(k), describe_distribution(d)) for k, d in space.items()]
        trials = params.get("n_trials", total)
        return "Parameters (random)", rows, f"{trials} trials, seed {params.get('seed', '—')}"
    if kind == "ManualSource":
        cases = params.get("cases") or []
        keys: dict[str, None] = {}
        for case in cases:
            if isinstance(case, Mapping):
                keys.update(dict.fromkeys(str(k) for k in case))
        rows = []
        for key in keys:
            seen = list(dict.fromkeys(_value(c.get(key)) for c in cases if isinstance(c, Mapping)))
            rows.append((key, ", ".join(seen)))
        n = total if total is not None else len(cases)
        return "Parameters (manual)", rows, f"{n} manually specified cases"
    rows = [(str(k), _value(v)) for k, v in params.items() if k not in ("type", "total_cases")]
    footer = f"{total} cases" if total is not None else ""
    return f"Parameters ({kind or 'custom source'})", rows, footer


def manifest_history(files: list[Path]) -> list[tuple[str, str, str]]:
    """(file name, submitted at, runs) of each manifest, newest first."""
    out = []
    for path in files:
        submitted, runs = "—", "—"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict):
            submitted = str(data.get("submitted_at") or "—").replace("T", " ")[:19]
            total = data.get("total_runs")
            runs = str(total) if total is not None else "—"
        out.append((path.name, submitted, runs))
    out.sort(key=lambda r: (r[1], r[0]), reverse=True)
    return out


# -- the pane ----------------------------------------------------------------------------------


class ExperimentsFilter(Input):
    """The experiments filter; escape and enter hand the keys back to the list."""

    BINDINGS = [
        Binding("escape", "done", "Back to the list", show=False, id="experiments-filter-done")
    ]

    def action_done(self) -> None:
        self.screen.query_one("#experiments-table", DataTable).focus()


class ExperimentsPane(BrowserPane):
    """The experiments list with sorting and filtering, and the highlighted one's detail."""

    DEFAULT_CSS = """
    ExperimentsPane { layout: vertical; }
    ExperimentsPane #experiments-bar { height: 1; }
    ExperimentsPane #experiments-filter { width: 1fr; }
    ExperimentsPane #experiments-count { width: auto; padding: 0 1; color: $text-muted; }
    ExperimentsPane #experiments-table { height: auto; max-height: 50%; }
    ExperimentsPane #experiments-detail {
        height: 1fr; border-top: solid $panel-lighten-2; padding: 0 1;
    }
    ExperimentsPane #experiments-detail Horizontal { height: auto; margin-top: 1; }
    ExperimentsPane .detail-column { width: 1fr; height: auto; padding-right: 2; }
    """

    BINDINGS = [
        Binding(
            "enter",
            "open",
            "Show runs",
            tooltip="Show the runs of the experiment under the cursor",
            id="experiments-open",
        ),
        Binding(
            "s", "cycle_sort", "Sort", tooltip="Sort by the next column", id="experiments-sort"
        ),
        Binding(
            "S", "reverse_sort", "Reverse", tooltip="Reverse the sort", id="experiments-reverse"
        ),
        Binding(
            "f",
            "focus_filter",
            "Filter",
            tooltip="Filter by name, tag or state",
            id="experiments-filter",
        ),
        Binding(
            "a",
            "all_experiments",
            "All runs",
            tooltip="Show the runs of every experiment together",
            id="experiments-all",
        ),
        Binding(
            "d",
            "next_distribution",
            "Distribution",
            tooltip="Show the distribution of the next numeric metric",
            id="experiments-distribution",
        ),
        Binding(
            "h",
            "manifest_history",
            "Manifests",
            tooltip="View (and save) the experiment's manifest versions",
            id="experiments-manifests",
        ),
        Binding("j", "cursor_down", "Down", show=False, id="experiments-down"),
        Binding("k", "cursor_up", "Up", show=False, id="experiments-up"),
    ]

    def __init__(self, state: Any, **kwargs: Any) -> None:
        super().__init__(state, **kwargs)
        self.sort_column = len(EXPERIMENT_COLUMNS) - 1
        """Index into :data:`EXPERIMENT_COLUMNS` of the sort column (latest run)."""
        self.descending = True
        self.filter_text = ""
        self.keys: list[str] = []
        """Experiment keys in the order shown."""
        self._cells: dict[str, tuple[str, ...]] = {}
        self._summaries: dict[str, ExperimentSummary] = {}
        self._detail_key: str | None = None
        self._shown_headers: list[str] = []
        self._view: tuple[Any, ...] = ()
        self._detail_view: tuple[Any, ...] = ()
        self._visible = False
        self.distribution_field: str | None = None
        """The field whose distribution is shown (kept across experiments that have it)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="experiments-bar"):
            yield ExperimentsFilter(
                placeholder="filter experiments by name, tag or state (f)",
                id="experiments-filter",
                compact=True,
            )
            yield Static("", id="experiments-count")
        yield DataTable(id="experiments-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="experiments-detail"):
            yield Static("", id="experiments-headline")
            with Horizontal():
                yield Static("", id="experiments-info", classes="detail-column")
                yield Static("", id="experiments-provenance", classes="detail-column")
            yield DistributionView(id="experiments-distribution")

    # -- drawing -------------------------------------------------------------------------------

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#experiments-table", DataTable)

    def focus_default(self) -> None:
        self.table.focus()  # not the filter box, where keys would be typed

    def ordered(self) -> tuple[Table, list[int]]:
        """The experiments table and the positions shown: filtered, then sorted."""
        summaries = self.state.index.summary_table()
        sums: list[ExperimentSummary] = list(summaries.rows)
        idx = filter_summaries(sums, self.filter_text)
        name = EXPERIMENT_COLUMNS[self.sort_column][0]
        if idx and name in summaries:
            order = sort_order(summaries, name, np.asarray(idx), descending=self.descending)
            idx = [int(i) for i in order.tolist()]
        return summaries, idx

    def refresh_view(self, changes: Changes | None = None) -> None:
        now = self.state.clock()
        view = (
            id(self.state.index.summary_table()),
            self.filter_text,
            self.sort_column,
            self.descending,
            self.state.experiment,
            int(now // 30),  # relative times age
        )
        if view == self._view and changes is None:
            return  # another pane's change: nothing here moved
        self._view = view
        summaries, idx = self.ordered()
        table = self.table
        sums = [summaries.rows[i] for i in idx]
        keys = [s.key for s in sums]
        cells = {s.key: experiment_cells(s, now, s.key == self.state.experiment) for s in sums}
        self._summaries = {s.key: s for s in sums}
        headers = self._headers()
        with self.app.batch_update():
            if (
                keys == self.keys
                and headers == self._shown_headers
                and table.row_count == len(keys)
            ):
                col_keys = ["scope", *(n for n, _ in EXPERIMENT_COLUMNS)]
                for key in keys:
                    old, new = self._cells.get(key, ()), cells[key]
                    for j, (a, b) in enumerate(zip(old, new, strict=False)):
                        if a != b:
                            styled = self._styled(j, b, self._summaries[key])
                            table.update_cell(key, col_keys[j], styled, update_width=True)
            else:
                current = self._cursor_key()
                table.clear(columns=True)
                table.add_column("", key="scope", width=1)
                for (name, _), label in zip(EXPERIMENT_COLUMNS, headers, strict=True):
                    table.add_column(label, key=name)
                for s in sums:
                    row = [self._styled(j, c, s) for j, c in enumerate(cells[s.key])]
                    table.add_row(*row, key=s.key)
                self.keys = keys
                self._shown_headers = headers
                target = current if current in keys else self.state.experiment
                if target in keys:
                    table.move_cursor(row=keys.index(target), animate=False)
        self._cells = cells
        total = len(summaries.rows)
        shown = f"{len(keys)} of {total}" if len(keys) != total else f"{total}"
        self.query_one("#experiments-count", Static).update(
            f"{shown} experiment{'s' if total != 1 else ''}"
        )
        self.show_detail(self._cursor_key())

    def _styled(self, j: int, text: str, summary: ExperimentSummary) -> Text:
        name = EXPERIMENT_COLUMNS[j - 1][0] if j else "scope"
        if name == "experiment.state":
            var = "error" if "failures" in text else "success" if text == "complete" else "accent"
            return Text(text, style=theme_color(self.app, var))
        if name == "experiment.failed" and text != "0":
            return Text(text, style=theme_color(self.app, "error"), justify="right")
        if name == "experiment.running" and text != "0":
            return Text(text, style=theme_color(self.app, "accent"), justify="right")
        if name in ("experiment.total", "experiment.success", "experiment.failed",
                    "experiment.running", "experiment.cancelled"):  # fmt: skip
            return Text(text, justify="right")
        if name == "experiment.completion":
            filled = text.count("█")
            out = Text("█" * filled, style=theme_color(self.app, "success"))
            out.append(text[filled:], style="dim")
            return out
        if name == "scope":
            return Text(text, style=theme_color(self.app, "accent"))
        return Text(text)

    def _headers(self) -> list[str]:
        """Column headers, the sort column's with its direction."""
        out = []
        for j, (_, label) in enumerate(EXPERIMENT_COLUMNS):
            arrow = (" ▼" if self.descending else " ▲") if j == self.sort_column else ""
            out.append(label + arrow)
        return out

    def _cursor_key(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        row = min(table.cursor_row, table.row_count - 1)
        return self.keys[row] if 0 <= row < len(self.keys) else None

    # -- detail --------------------------------------------------------------------------------

    def on_show(self) -> None:
        self._visible = True
        self.show_detail(self._cursor_key())

    def on_hide(self) -> None:
        self._visible = False

    def show_detail(self, key: str | None) -> None:
        """Show experiment ``key`` below the list (redrawn only when it changed, and only
        while the tab is on screen: its metric summary reads every run)."""
        if not self._visible:
            return
        summary = self._summaries.get(key) if key else None
        view = (key, id(summary), self.filter_text, int(self.state.clock() // 30))
        if view == self._detail_view:
            return
        self._detail_view = view
        headline = self.query_one("#experiments-headline", Static)
        info = self.query_one("#experiments-info", Static)
        prov = self.query_one("#experiments-provenance", Static)
        self._detail_key = key
        if summary is None:
            headline.update(Text("No experiments match the filter." if self.filter_text
                                 else "No experiments under this root."))  # fmt: skip
            info.update("")
            prov.update("")
            self._show_distribution(None)
            return
        exp = self.state.index.experiment(summary.key)
        headline.update(self._headline(summary))
        info.update(self._info(summary, exp.manifest or {}, exp.table))
        prov.update(self._provenance(summary, exp.manifest or {}, exp.manifest_files, exp.table))
        self._show_distribution(exp.table)

    def _show_distribution(self, table: Table | None, step: int = 0) -> None:
        """Draw the distribution of the chosen field (``step`` fields on) of ``table``."""
        view = self.query_one("#experiments-distribution", DistributionView)
        fields = distribution_fields(table) if table is not None else []
        if not fields:
            view.show(None, None)
            return
        if self.distribution_field in fields:
            i = (fields.index(self.distribution_field) + step) % len(fields)
        else:
            i = 0
        self.distribution_field = fields[i]
        view.show(table, fields[i], len(fields))

    def _headline(self, s: ExperimentSummary) -> Text:
        now = self.state.clock()
        c = s.counts
        out = Text()
        out.append(s.name, style="bold")
        out.append(f"  v{s.version}" if s.version else "", style=theme_color(self.app, "accent"))
        out.append(f"   {s.experiment_id}", style="dim")
        out.append("\n")
        state = s.state
        var = "error" if "failures" in state else "success" if state == "complete" else "accent"
        out.append(state.capitalize(), style=f"bold {theme_color(self.app, var)}".strip())
        out.append(f"   {done_text(s.done, s.total)}" if s.n_runs else "   no runs")
        out.append("\n")
        if s.total:
            parts = [("success", "success"), ("failed", "error"), ("running", "accent")]
            used = 0
            for status, var in parts:
                n = int(round(c.get(status, 0) / s.total * DETAIL_BAR))
                n = min(n, DETAIL_BAR - used)
                out.append("█" * n, style=theme_color(self.app, var))
                used += n
            out.append("░" * (DETAIL_BAR - used), style="dim")
            out.append(f" {s.completion:.0%}   ")
        out.append(
            f"{c.get('success', 0)} success · {c.get('failed', 0)} failed · "
            f"{c.get('running', 0)} running · {c.get('cancelled', 0)} cancelled"
        )
        finished = c.get("success", 0) + c.get("failed", 0)
        if c.get("failed") and finished:
            out.append(f" · failure rate {c['failed'] / finished:.0%}")
        out.append("\n")
        if s.latest_started_ts is not None:
            out.append(
                f"latest run {relative_time(s.latest_started_ts, now)} "
                f"({format_time(s.latest_started_ts)})"
            )
        if s.description:
            out.append("\n")
            out.append(s.description, style="italic")
        if s.tags:
            out.append("\ntags: ", style="dim")
            out.append(", ".join(s.tags[:10]))
        return out

    def _info(self, s: ExperimentSummary, manifest: Mapping[str, Any], table: Table) -> Text:
        out = Text()
        if manifest:
            heading, rows, footer = describe_params(manifest.get("params"))
        else:
            heading = "Parameters (seen in the runs; no manifest)"
            rows = []
            for name in table.names("params"):
                info = table.column(name).info()
                vals = ", ".join(_value(v) for v in info.values[:8]) if info.values else "…"
                rows.append((name.split(".", 1)[1], vals))
            footer = ""
        out.append(heading + "\n", style="bold")
        width = max((len(k) for k, _ in rows), default=0)
        for key, desc in rows:
            out.append(f"  {key.ljust(width)}  ", style=theme_color(self.app, "accent"))
            out.append(desc + "\n")
        if footer:
            out.append(f"  {footer}\n", style="dim")
        metrics = [n for n in table.names() if n.split(".", 1)[0] in ("metrics", "derived")]
        if metrics:
            out.append("\nMetrics", style="bold")
            out.append("  (coverage, range)\n", style="dim")
            width = max(len(n.split(".", 1)[1]) for n in metrics)
            for name in metrics:
                info = table.column(name).info()
                short = name.split(".", 1)[1]
                if name.startswith("derived."):
                    short = f"{short} (derived)"
                cov = info.coverage
                var = "success" if cov >= 0.95 else "warning" if cov >= 0.7 else "error"
                out.append(f"  {short.ljust(width)}  ")
                out.append(f"{info.count}/{info.run_count}", style=theme_color(self.app, var))
                if info.type in ("numeric", "mixed") and info.min is not None:
                    rng = f"{format_cell(info.min)} → {format_cell(info.max)}"
                elif info.values:
                    rng = f"{len(info.values)} value{'s' if len(info.values) != 1 else ''}"
                else:
                    rng = info.type
                out.append(f"  {rng}\n")
        return out

    def _provenance(
        self, s: ExperimentSummary, manifest: Mapping[str, Any], files: list[Path], table: Table
    ) -> Text:
        out = Text()
        key_style = theme_color(self.app, "accent")

        def line(key: str, value: str) -> None:
            out.append(f"{key:<10}", style=key_style)
            out.append(value + "\n")

        seeds = manifest.get("seeds") if isinstance(manifest.get("seeds"), Mapping) else {}
        params = manifest.get("params") if isinstance(manifest.get("params"), Mapping) else {}
        reps = seeds.get("replicates") if seeds else None
        if seeds:
            shown = reps if reps is not None else "—"
            plural = "" if reps == 1 else "s"
            line("Seeds", f"base {seeds.get('base', '—')}, {shown} replicate{plural}")
        cases = params.get("total_cases") if params else None
        total = f"{s.total} runs"
        if isinstance(cases, int) and isinstance(reps, int):
            what = "trials" if params.get("type") == "RandomSource" else "param cases"
            total = f"{cases} {what} × {reps} seed{'s' if reps != 1 else ''} = {s.total} runs"
        if not s.total_from_manifest:
            total = f"{s.n_runs} runs (no total in a manifest)"
        line("Total", total)
        op = manifest.get("operation") if isinstance(manifest.get("operation"), Mapping) else {}
        if op:
            line("Operation", f"{op.get('name', '—')}  ({op.get('ref', '—')})")
            line("Code hash", str(op.get("code_hash") or "—"))
        ctx = manifest.get("context_fingerprint")
        if ctx:
            line("Context", str(ctx))
        meta = manifest.get("metadata")
        if isinstance(meta, Mapping) and meta:
            line("Metadata", ", ".join(f"{k}={_value(v)}" for k, v in list(meta.items())[:6]))
        line("Folder", str(s.path.name))
        history = manifest_history(files)
        out.append("\nHistory", style="bold")
        out.append(f"  ({len(history)} manifest{'s' if len(history) != 1 else ''})\n", style="dim")
        for name, submitted, runs in history[:8]:
            out.append(f"  {name}", style=key_style)
            out.append(f"  {submitted}  {runs} runs\n")
        if len(history) > 8:
            out.append(f"  … {len(history) - 8} more\n", style="dim")
        return out

    # -- events --------------------------------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        key = event.row_key.value if event.row_key is not None else None
        if key != self._detail_key:
            self.show_detail(key)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key is not None and event.row_key.value is not None:
            self.post_message(ScopeChanged(str(event.row_key.value)))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        names = [n for n, _ in EXPERIMENT_COLUMNS]
        name = str(event.column_key.value)
        if name not in names:
            return
        j = names.index(name)
        if j == self.sort_column:
            self.descending = not self.descending
        else:
            self.sort_column, self.descending = j, False
        self.refresh_view()

    @on(Input.Changed, "#experiments-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter_text = event.value
        self.refresh_view()

    @on(Input.Submitted, "#experiments-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    # -- actions -------------------------------------------------------------------------------

    def action_open(self) -> None:
        key = self._cursor_key()
        if key is not None:
            self.post_message(ScopeChanged(key))

    def action_next_distribution(self) -> None:
        key = self._cursor_key()
        if key is None:
            return
        self._show_distribution(self.state.index.experiment(key).table, step=1)

    def action_manifest_history(self) -> None:
        key = self._cursor_key()
        if key is None:
            return
        files = manifest_versions(list(self.state.index.experiment(key).manifest_files))
        if not files:
            self.notify("this experiment has no manifest (experiments/*.json)", severity="warning")
            return
        self.app.push_screen(ManifestScreen(files))

    def action_cycle_sort(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(EXPERIMENT_COLUMNS)
        self.descending = False
        self.refresh_view()

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self.refresh_view()

    def action_focus_filter(self) -> None:
        self.query_one("#experiments-filter", Input).focus()

    def action_all_experiments(self) -> None:
        self.post_message(ScopeChanged(None))

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    @property
    def sort_label(self) -> str:
        """The sort column's header and direction, e.g. ``latest run ▼``."""
        label = EXPERIMENT_COLUMNS[self.sort_column][1]
        return f"{label} {'▼' if self.descending else '▲'}"
