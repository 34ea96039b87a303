"""The browser's experiments tab: every experiment under the root, and the one under
the cursor in detail.

The list is atlas's experiments page (§2.1) in a terminal: name, tags, version, state
(complete, in progress, with failures), run counts by status, a completion bar and the
latest run as a relative time. Sorting runs on the data layer's experiments table
(``TreeIndex.summary_table()``), so it follows the same rules as the runs table's.
Filtering takes words, ``tag:``, ``state:`` and ``has_param:``-style terms
(:mod:`metalab.index.experiment_filter`): what is typed narrows the list at once, enter
turns it into removable pills. ``t`` (or a click on a tag chip in the detail) filters by
the highlighted experiment's tag. ``[``/``]`` page through a long list.

Below the list, :class:`~tui.browser.experiments.overview.ExperimentOverview` shows the
highlighted experiment, with the distribution of one numeric metric over its runs
(``d`` picks the next field; ``<``/``>`` pick a bin and ``o`` opens its runs, as a click
on a bar does) and, with ``h``, its manifest history (see
:mod:`tui.browser.experiments.detail`).

Enter scopes the whole browser to the experiment (a ``ScopeChanged`` up to the screen);
``a`` widens it back to every experiment. Rows are keyed by experiment key and a live
refresh rewrites only the cells that changed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Static

from metalab.index import (
    Changes,
    Condition,
    ExperimentSummary,
    Table,
    runs_condition,
    sort_order,
)
from metalab.index.experiment_filter import (
    ExperimentFields,
    ExperimentTerm,
    FilterSyntaxError,
    experiment_fields,
    filter_experiments,
    parse_experiment_filter,
)
from tui.browser.columns import relative_time, theme_color
from tui.browser.experiments.detail import (
    BinChosen,
    ManifestScreen,
    distribution_fields,
    manifest_versions,
)
from tui.browser.experiments.keys import EXPERIMENTS_BINDINGS
from tui.browser.experiments.overview import ExperimentOverview, StatusChosen, TagChosen
from tui.browser.messages import ExportExperiment, OpenRun, ScopeChanged
from tui.browser.pane import BrowserPane
from tui.browser.pills import FilterInput, PillBar, filter_bar

__all__ = ["EXPERIMENT_COLUMNS", "ExperimentsPane", "experiment_cells", "tags_cell"]

EXPERIMENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("experiment.name", "name"),
    ("experiment.tags", "tags"),
    ("experiment.version", "version"),
    ("experiment.state", "state"),
    ("experiment.total", "total"),
    ("experiment.success", "success"),
    ("experiment.failed", "failed"),
    ("experiment.running", "running"),
    ("experiment.cancelled", "cancelled"),
    ("experiment.other", "other"),
    ("experiment.completion", "completion"),
    ("experiment.latest_run", "latest run"),
)
"""(sort column of the experiments table, header) for each column of the list."""

SCOPE_MARK = "▶"
SKIPPED_MARK = "⚠"
"""After an experiment's name, with how many of its files were skipped as unreadable
(the detail lists them)."""
BAR = 10
"""Width of the completion bar in the list."""
TAGS_IN_LIST = 3
"""Tags shown in the list's tags column (the detail shows more)."""


# -- pure helpers (tested without a terminal) --------------------------------------------------


def tags_cell(tags: tuple[str, ...] | list[str]) -> str:
    """The first tags and how many more: ``vision · baseline +2``."""
    shown = " · ".join(tags[:TAGS_IN_LIST])
    more = len(tags) - TAGS_IN_LIST
    return f"{shown} +{more}" if more > 0 else shown or "—"


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
    if summary.skipped:
        name += f" {SKIPPED_MARK}{len(summary.skipped)}"
    return (
        SCOPE_MARK if in_scope else "",
        f"{icon} {name}",
        tags_cell(summary.tags),
        summary.version or "—",
        summary.state,
        str(summary.total) if summary.total else "—",
        str(c.get("success", 0)),
        str(c.get("failed", 0)),
        str(c.get("running", 0)),
        str(c.get("cancelled", 0)),
        str(summary.other),
        completion_bar(summary.completion),
        relative_time(summary.latest_started_ts, now),
    )


# -- the pane ----------------------------------------------------------------------------------


class ExperimentsPane(BrowserPane):
    """The experiments list with sorting, filter pills, and the highlighted one's detail."""

    DEFAULT_CSS = """
    ExperimentsPane { layout: vertical; }
    ExperimentsPane #experiments-bar { height: 1; }
    ExperimentsPane #experiments-filter { width: 1fr; }
    ExperimentsPane #experiments-count { width: auto; padding: 0 1; color: $text-muted; }
    ExperimentsPane #experiments-filter-error {
        height: auto; padding: 0 1; color: $error; display: none;
    }
    ExperimentsPane #experiments-table { height: auto; max-height: 50%; }
    """

    BINDINGS = EXPERIMENTS_BINDINGS

    def __init__(self, state: Any, **kwargs: Any) -> None:
        super().__init__(state, **kwargs)
        self.sort_column = len(EXPERIMENT_COLUMNS) - 1
        """Index into :data:`EXPERIMENT_COLUMNS` of the sort column (latest run)."""
        self.descending = True
        self.terms: list[ExperimentTerm] = []
        """The filter's pills."""
        self.typed: list[ExperimentTerm] = []
        """The terms being typed in the filter box (applied at once, pills on enter)."""
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
        yield from filter_bar(
            "experiments",
            bar="experiments-bar",
            side="experiments-count",
            placeholder="filter (f): name  tag:vision  state:failures  has_metric:loss",
        )
        yield DataTable(id="experiments-table", cursor_type="row", zebra_stripes=True)
        yield ExperimentOverview(id="experiments-detail")

    # -- drawing -------------------------------------------------------------------------------

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#experiments-table", DataTable)

    @property
    def overview(self) -> ExperimentOverview:
        return self.query_one("#experiments-detail", ExperimentOverview)

    def focus_default(self) -> None:
        self.table.focus()  # not the filter box, where keys would be typed

    def _fields(self, summary: ExperimentSummary) -> ExperimentFields:
        """The names ``has_*`` terms look in, for one experiment."""
        exp = self.state.index.experiment(summary.key)
        rows = exp.rows
        tags = [*summary.tags, *(t for r in rows for t in r.tags)]
        return experiment_fields(exp.table.names(), (r.artifacts for r in rows), tags)

    def ordered(self) -> tuple[Table, list[int]]:
        """The experiments table and the positions shown: filtered, then sorted."""
        summaries = self.state.index.summary_table()
        sums: list[ExperimentSummary] = list(summaries.rows)
        idx = filter_experiments(sums, [*self.terms, *self.typed], self._fields)
        name = EXPERIMENT_COLUMNS[self.sort_column][0]
        if idx and name in summaries:
            order = sort_order(summaries, name, np.asarray(idx), descending=self.descending)
            idx = [int(i) for i in order.tolist()]
        return summaries, idx

    def refresh_view(self, changes: Changes | None = None) -> None:
        now = self.state.clock()
        view = (
            id(self.state.index.summary_table()),
            tuple(self.terms),
            tuple(self.typed),
            self.sort_column,
            self.descending,
            self.state.experiment,
            int(now // 30),  # relative times age
            tuple(sorted(self.state.directions.chosen.items())),  # the best run shown
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
        self.query_one("#experiments-pills", PillBar).set_pills(
            [(t.label, f"keep experiments matching {t.text}") for t in self.terms]
        )
        self.show_detail(self._cursor_key())

    def _styled(self, j: int, text: str, summary: ExperimentSummary) -> Text:
        name = EXPERIMENT_COLUMNS[j - 1][0] if j else "scope"
        if name == "experiment.name" and summary.skipped:
            out = Text(text)
            out.stylize(theme_color(self.app, "warning"), text.rfind(SKIPPED_MARK))
            return out
        if name == "experiment.state":
            var = "error" if "failures" in text else "success" if text == "complete" else "accent"
            return Text(text, style=theme_color(self.app, var))
        if name == "experiment.failed" and text != "0":
            return Text(text, style=theme_color(self.app, "error"), justify="right")
        if name == "experiment.running" and text != "0":
            return Text(text, style=theme_color(self.app, "accent"), justify="right")
        if name == "experiment.other" and text != "0":
            return Text(text, style=theme_color(self.app, "warning"), justify="right")
        if name in ("experiment.total", "experiment.success", "experiment.failed",
                    "experiment.running", "experiment.cancelled",
                    "experiment.other"):  # fmt: skip
            return Text(text, justify="right")
        if name == "experiment.completion":
            filled = text.count("█")
            out = Text("█" * filled, style=theme_color(self.app, "success"))
            out.append(text[filled:], style="dim")
            return out
        if name == "experiment.tags":
            return Text(text, style=theme_color(self.app, "accent") if summary.tags else "dim")
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
        filtered = bool(self.terms or self.typed)
        chosen = tuple(sorted(self.state.directions.chosen.items()))
        view = (key, id(summary), filtered, int(self.state.clock() // 30), chosen)
        if view == self._detail_view:
            return
        self._detail_view = view
        self._detail_key = key
        if summary is None:
            self.overview.show_nothing("No experiments match the filter." if filtered
                                       else "No experiments under this root.")  # fmt: skip
            return
        exp = self.state.index.experiment(summary.key)
        now = self.state.clock()
        self.overview.show(summary, exp.manifest or {}, exp.manifest_files, exp.table, now)
        self._show_distribution(exp.table)

    def _show_distribution(self, table: Table | None, step: int = 0) -> None:
        """Draw the distribution of the chosen field (``step`` fields on) of ``table``."""
        view = self.overview.distribution
        fields = distribution_fields(table) if table is not None else []
        if not fields:
            view.show(None, None)
            return
        if self.distribution_field in fields:
            i = (fields.index(self.distribution_field) + step) % len(fields)
        else:
            i = 0
        self.distribution_field = fields[i]
        view.show(table, fields[i], len(fields), directions=self.state.directions)

    # -- filter --------------------------------------------------------------------------------

    def set_terms(self, terms: list[ExperimentTerm]) -> None:
        """Replace the filter's pills."""
        self.terms = list(dict.fromkeys(terms))
        self.refresh_view()

    def add_terms(self, terms: list[ExperimentTerm]) -> None:
        """Add pills (a term already there is not repeated)."""
        self.set_terms([*self.terms, *terms])

    def _show_error(self, message: str) -> None:
        error = self.query_one("#experiments-filter-error", Static)
        error.update(message)
        error.display = bool(message)

    @on(Input.Changed, "#experiments-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        try:
            self.typed = parse_experiment_filter(event.value)
        except FilterSyntaxError:
            return  # half-typed (``tag:``): keep the list as it was until enter
        self._show_error("")
        self.refresh_view()

    @on(Input.Submitted, "#experiments-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            terms = parse_experiment_filter(event.value)
        except FilterSyntaxError as exc:
            self._show_error(str(exc))
            return
        self._show_error("")
        event.input.value = ""
        self.typed = []
        self.add_terms(terms)
        self.table.focus()

    @on(FilterInput.PopCondition, "#experiments-filter")
    def _pop_term(self, event: FilterInput.PopCondition) -> None:
        event.stop()
        if self.terms:
            self.set_terms(self.terms[:-1])

    @on(PillBar.Removed, "#experiments-pills")
    def _pill_removed(self, event: PillBar.Removed) -> None:
        event.stop()
        self.set_terms([t for n, t in enumerate(self.terms) if n != event.index])
        self.table.focus()

    @on(PillBar.Cleared, "#experiments-pills")
    def _pills_cleared(self, event: PillBar.Cleared) -> None:
        event.stop()
        self.set_terms([])
        self.table.focus()

    @on(TagChosen)
    def _tag_chosen(self, event: TagChosen) -> None:
        event.stop()
        self.add_terms([ExperimentTerm("tag", event.tag.lower())])

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

    @on(StatusChosen)
    def _status_chosen(self, event: StatusChosen) -> None:
        """A count in the headline: the experiment's runs of that status."""
        event.stop()
        if self._detail_key is not None:  # any status, as written (``out of memory`` too)
            status = Condition("record.status", "=", (event.status,), (event.status,))
            self.post_message(ScopeChanged(self._detail_key, conditions=(status,)))

    @on(BinChosen)
    def _bin_chosen(self, event: BinChosen) -> None:
        """A bar of the distribution: its run, or the runs tab filtered to its runs."""
        event.stop()
        self._open_runs(list(event.run_ids), event.caption)

    def _open_runs(self, run_ids: list[str], caption: str) -> None:
        """Open one run, or scope the browser to this experiment filtered to the runs."""
        if self._detail_key is None or not run_ids:
            self.notify("no runs there", severity="warning")
            return
        if len(run_ids) == 1:
            self.post_message(OpenRun(run_ids[0]))
            return
        condition = runs_condition(run_ids, f"{caption}: {len(run_ids)} runs")
        self.post_message(ScopeChanged(self._detail_key, conditions=(condition,)))

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

    def action_move_bin(self, step: int) -> None:
        self.overview.distribution.move_bin(step)

    def action_open_bin(self) -> None:
        if not self.overview.distribution.choose_bin():
            self.notify("pick a bin of the distribution with < and > first")

    def action_filter_tag(self) -> None:
        key = self._cursor_key()
        summary = self._summaries.get(key) if key else None
        if summary is None or not summary.tags:
            self.notify("this experiment has no tags", severity="warning")
            return
        have = {t.value for t in self.terms if t.kind == "tag"}
        tag = next((t for t in summary.tags if t.lower() not in have), None)
        if tag is None:
            self.notify("already filtered by every tag of this experiment")
            return
        self.add_terms([ExperimentTerm("tag", tag.lower())])

    def action_clear_filter(self) -> None:
        self.set_terms([])

    def action_export(self) -> None:
        key = self._cursor_key()
        if key is not None:
            self.post_message(ExportExperiment(key))

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

    def action_page(self, step: int) -> None:
        table = self.table
        if step > 0:
            table.action_page_down()
        else:
            table.action_page_up()

    @property
    def sort_label(self) -> str:
        """The sort column's header and direction, e.g. ``latest run ▼``."""
        label = EXPERIMENT_COLUMNS[self.sort_column][1]
        return f"{label} {'▼' if self.descending else '▲'}"
