"""The Metrics tab: where each of the run's metrics stands among its experiment's runs.

Why a module of its own: a rank, a percentile and the spread are numbers a user acts
on, so :func:`metric_places` computes them from the tree index's table alone and can
be tested without a screen; :func:`fill_metrics_table` only lays them out. Whether a
lower value is the better one is the browser's :class:`~metalab.index.direction.Directions`
(guessed from the metric's name unless the user set it); ``r`` on this tab turns the
highlighted metric's direction round, for every screen that ranks runs or picks a best
one (the compare tab, the experiments tab's best run) and for the next session (it is
kept with the saved view).

Under the table, the metric under the cursor is drawn as its distribution over the
experiment's runs with this run marked (atlas's run page), by the experiments tab's
:class:`~tui.browser.experiments.detail.DistributionView`, from the same table the ranks
come from. Which metric that is, and what to say for one that cannot be drawn (a bool,
a string), is decided here: :func:`default_metric`, :func:`find_place`,
:func:`distribution_note`; :class:`MetricsTab` is the tab that shows them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static, TabPane

from metalab.index import Table, format_cell
from metalab.index.direction import Directions
from metalab.index.stats import describe, rank
from tui.browser.experiments.detail import DistributionView

if TYPE_CHECKING:
    from tui.browser.state import BrowseState

__all__ = [
    "METRIC_COLUMNS",
    "MetricPlace",
    "MetricsTab",
    "default_metric",
    "distribution_note",
    "fill_metrics_table",
    "find_place",
    "metric_places",
    "metrics_caption",
    "position_bar",
]

METRIC_COLUMNS = (
    ("metric", "metric"),
    ("value", "value"),
    ("rank", "rank"),
    ("pctile", "pctile"),
    ("position (min → max)", "position"),
    ("min", "min"),
    ("median", "median"),
    ("max", "max"),
)
"""The metrics table's columns, as (label, key)."""


@dataclass(frozen=True)
class MetricPlace:
    """One scalar metric of the run and where it stands among the experiment's runs."""

    column: str
    """The table column (``metrics.final_loss``, ``derived.x``)."""
    value: Any
    rank: int | None = None
    """1 is the best (the lowest where lower is better, else the highest); None: not ranked."""
    n: int = 0
    """Runs of the experiment with a finite value."""
    percentile: float = math.nan
    """Share (%) of the other runs that this run is at least as good as (100: the best)."""
    lowest: float = math.nan
    median: float = math.nan
    highest: float = math.nan
    lower_better: bool = False
    direction_chosen: bool = False
    """The user set the direction (else it was guessed from the name)."""

    @property
    def name(self) -> str:
        return self.column.split(".", 1)[1] if "." in self.column else self.column


def metric_places(
    table: Table, row: int, directions: Directions | None = None
) -> list[MetricPlace]:
    """Every ``metrics.*`` and ``derived.*`` value of row ``row`` with its rank among the
    table's runs (numbers only; bools and strings are listed unranked), each ranked the
    way ``directions`` says is better (default: guessed from the names)."""
    directions = directions or Directions()
    out = []
    for name in [*table.names("metrics"), *table.names("derived")]:
        column = table.column(name)
        if not column.present[row]:
            continue
        value = column.values[row]
        number = column.num[row]
        numeric = (
            column.kind in ("numeric", "mixed")
            and not isinstance(value, bool)
            and math.isfinite(number)
        )
        if not numeric:
            out.append(MetricPlace(name, value))
            continue
        lower = directions.lower_is_better(name)
        k, n = rank(column.num, row, descending=not lower)
        spread = describe(column.num)
        percentile = 100.0 * (n - k) / (n - 1) if n > 1 else 100.0
        out.append(
            MetricPlace(
                name, value, k, n, percentile, spread.min, spread.median, spread.max, lower,
                directions.is_chosen(name),
            )
        )  # fmt: skip
    return out


def position_bar(value: float, lo: float, hi: float, width: int = 15) -> str:
    """``───●──────``: where ``value`` sits between the lowest and the highest."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or width < 3:
        return ""
    t = (value - lo) / (hi - lo) if hi > lo else 0.5
    at = min(width - 1, max(0, round(t * (width - 1))))
    return "─" * at + "●" + "─" * (width - 1 - at)


def fill_metrics_table(table: DataTable, places: list[MetricPlace], good: str) -> None:
    """Refill the metrics table (:data:`METRIC_COLUMNS`) with ``places``, a rank of 1
    among several runs in the colour ``good``."""
    table.clear()
    for place in places:
        if place.rank is None:
            table.add_row(
                place.name, format_cell(place.value), "—", "—", "", "", "", "", key=place.column
            )
            continue
        rank_text = Text(f"{place.rank} of {place.n}")
        if place.rank == 1 and place.n > 1:
            rank_text.stylize(f"bold {good}")
        arrow = "↓" if place.lower_better else "↑"
        marked = f" {arrow}{'*' if place.direction_chosen else ''}"
        table.add_row(
            Text.assemble(place.name, (marked, "dim")),
            format_cell(place.value),
            rank_text,
            f"{place.percentile:.0f}%",
            position_bar(float(place.value), place.lowest, place.highest),
            format_cell(place.lowest),
            format_cell(place.median),
            format_cell(place.highest),
            key=place.column,
        )
    if not places:
        table.add_row("no scalar metrics", "", "", "", "", "", "", "", key="none")


def metrics_caption(experiment: str) -> str:
    """What the rank and the percentile mean, under the metrics table."""
    return (
        f"Rank: this run's place among the runs of {experiment} that have the metric "
        "(1 is the best; ↓ lower is better, ↑ higher, * as you set it: r turns it round). "
        "Pctile: the share of those other runs that it is at least as good as."
    )


def find_place(places: list[MetricPlace], column: str | None) -> MetricPlace | None:
    """The place of metric ``column`` (``metrics.final_loss``), None when not listed."""
    return next((p for p in places if p.column == column), None)


def default_metric(places: list[MetricPlace], keep: str | None = None) -> str | None:
    """The metric whose distribution to show: ``keep`` while it is still listed, else the
    first ranked (numeric) one, else the first one (None: no metrics at all)."""
    if find_place(places, keep) is not None:
        return keep
    ranked = next((p.column for p in places if p.rank is not None), None)
    return ranked or (places[0].column if places else None)


def distribution_note(place: MetricPlace | None) -> str:
    """Why there is no distribution for ``place`` (a bool, a string, not finite)."""
    if place is None:
        return "this run has no scalar metrics"
    if isinstance(place.value, bool):
        kind = "True or False"
    elif isinstance(place.value, str):
        kind = "text"
    elif isinstance(place.value, int | float):
        kind = "not a finite number"
    else:
        kind = "not a number"
    return f"{place.name} = {format_cell(place.value)} is {kind}: no distribution to draw"


class MetricsTab(TabPane):
    """The run's metrics with their ranks, and the highlighted one's distribution."""

    BINDINGS = [
        Binding(
            "r",
            "flip_direction",
            "Better ↑/↓",
            id="run-metric-direction",
            tooltip="Turn round which way the highlighted metric is better (kept for next time)",
        ),
    ]

    DEFAULT_CSS = """
    MetricsTab #metrics-table { height: auto; max-height: 45%; }
    MetricsTab #metric-distribution { height: 1fr; min-height: 9; }
    MetricsTab #metric-distribution ScalarPlot { height: 1fr; min-height: 6; }
    MetricsTab #metrics-caption { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, state: BrowseState, run_id: str) -> None:
        super().__init__("Metrics", id="metrics")
        self.state = state
        self.run_id = run_id
        self.places: list[MetricPlace] = []
        self.metric_shown: str | None = None
        """The metric whose distribution is shown (``metrics.final_loss``)."""
        self.places_experiment = ""

    def compose(self) -> ComposeResult:
        yield Static(id="metrics-caption")
        yield DataTable(id="metrics-table", cursor_type="row", zebra_stripes=True)
        yield DistributionView(drill_down=False, id="metric-distribution")

    def on_mount(self) -> None:
        table = self.query_one("#metrics-table", DataTable)
        for label, key in METRIC_COLUMNS:
            table.add_column(label, key=key)

    def fill(self, places: list[MetricPlace], experiment: str) -> None:
        """Fill the table, put its cursor on the metric to show (the one shown before, or
        the first numeric one) and show that metric's distribution."""
        self.places = places
        self.places_experiment = experiment
        table = self.query_one("#metrics-table", DataTable)
        fill_metrics_table(table, places, self.app.theme_variables.get("success", "green"))
        self.query_one("#metrics-caption", Static).update(metrics_caption(experiment))
        column = default_metric(places, self.metric_shown)
        if column is not None:
            table.move_cursor(row=table.get_row_index(column), animate=False)
        self._show_distribution(column)

    def _experiment_table(self) -> Table | None:
        """The runs table of this run's experiment, as the tree index holds it now (the
        one the ranks were computed from; None if the run is no longer indexed)."""
        try:
            return self.state.index.find(self.run_id).table
        except KeyError:
            return None

    def _show_distribution(self, column: str | None) -> None:
        """Show metric ``column``'s distribution over the experiment with this run marked,
        or a note when it is not a number."""
        self.metric_shown = column
        view = self.query_one("#metric-distribution", DistributionView)
        place = find_place(self.places, column)
        if place is None or place.rank is None:
            view.show(None, None, note=distribution_note(place))
            return
        table = self._experiment_table()
        if table is None or place.column not in table.columns:
            view.show(None, None, note=f"{place.name}: the experiment's runs are not indexed")
            return
        view.show(table, place.column, this_run=self.run_id)

    def action_flip_direction(self) -> None:
        """The highlighted metric is better the other way now: rank again, here and (as
        the state changed) on every screen that ranks runs."""
        place = find_place(self.places, self.metric_shown)
        if place is None or place.rank is None:
            self.notify("no ranked metric here to turn round", severity="warning")
            return
        lower = self.state.directions.flip(place.column)
        self.state.touch()
        table = self._experiment_table()
        if table is not None and self.run_id in table.run_ids.tolist():
            places = metric_places(table, table.index_of(self.run_id), self.state.directions)
            self.fill(places, self.places_experiment)
        self.notify(f"{place.name}: {'lower' if lower else 'higher'} is better")

    @on(DataTable.RowHighlighted, "#metrics-table")
    def _on_metric_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The cursor moved to another metric: show its distribution (a highlight left
        over from refilling the table, no longer under the cursor, is ignored)."""
        key = event.row_key.value
        if event.cursor_row != event.data_table.cursor_row or key == self.metric_shown:
            return
        self._show_distribution(key)
