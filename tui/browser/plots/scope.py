"""What of the scope the plots tab draws from: which runs (the runs in scope, or the
selection), and which of their fields can go on an axis, group, or feed a preset.

Why a module of its own: the scalar charts, the curves, the config's defaults and the
presets all start from the same answers, and each is a function of the shared
:class:`~tui.browser.state.BrowseState` and its :class:`~metalab.index.Table` alone (which
rows are plotted; which columns are params, metrics or derived; which are numeric;
which have few enough values to group by), so here they are plain functions of those.
The small helpers they share (a field's short name, how group values are ordered) live
here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from metalab.index import Table, format_filter
from tui.browser.state import BrowseState

__all__ = [
    "GROUPED_LIMIT",
    "GROUP_CYCLE_MAX",
    "OVERLAY_LIMIT",
    "CurveRuns",
    "PresetFields",
    "curve_runs",
    "even_sample",
    "group_fields",
    "is_number",
    "numeric_fields",
    "ordered_groups",
    "plot_fields",
    "preset_fields",
    "scope_rows",
    "selected_rows",
    "short_name",
]

OVERLAY_LIMIT = 50
"""Runs overlaid when none are selected: the first this many in scope."""
GROUPED_LIMIT = 20_000
"""Grouped curves (bands) are computed over every run in scope up to this many; over
more, over this many sampled evenly (:func:`even_sample`), and the plot says so. Loading
is the cost (about 0.7 ms a curve of 1,000 steps, on the worker): 20,000 runs take
some 15 s, so beyond that a sample is the better answer."""
GROUP_CYCLE_MAX = 12
"""``g`` cycles through fields with at most this many distinct values."""


@dataclass
class PresetFields:
    """The fields the presets use, worked out from the experiment in scope."""

    metric: str | None
    param: str | None
    """First numeric param that varies."""
    group: str | None
    """The next param that varies."""


def short_name(name: str | None) -> str:
    """A field without its group: ``params.lr`` reads ``lr``."""
    if not name:
        return ""
    return name.split(".", 1)[1] if "." in name else name


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def ordered_groups(values: Sequence[Any]) -> list[Any]:
    """Distinct values: numbers ascending, then the rest in first-seen order."""
    seen = list(dict.fromkeys(values))
    nums = sorted(v for v in seen if is_number(v))
    return nums + [v for v in seen if not is_number(v)]


def plot_fields(table: Table) -> list[str]:
    """Every field that can go on an axis: params, metrics, derived (atlas offers these)."""
    return [n for n in table.names() if n.split(".", 1)[0] in ("params", "metrics", "derived")]


def numeric_fields(table: Table) -> list[str]:
    return [n for n in plot_fields(table) if table.column(n).is_numeric]


def group_fields(table: Table, params_only: bool = False) -> list[str]:
    """Fields worth grouping by: few distinct values (``g`` cycles through these)."""
    out = []
    for name in plot_fields(table):
        if params_only and not name.startswith("params."):
            continue
        info = table.column(name).info()
        if not info.more_values and 1 < len(info.values) <= GROUP_CYCLE_MAX:
            out.append(name)
    return out


def preset_fields(table: Table) -> PresetFields:
    """First metric, first varying numeric param, and the next varying param."""
    numeric = numeric_fields(table)
    metric = next((n for n in numeric if n.startswith("metrics.")), None)
    metric = metric or next((n for n in numeric if n.startswith("derived.")), None)
    params = [n for n in table.names("params")]
    varying = [n for n in params if len(table.column(n).info().values) != 1]
    numeric_params = [n for n in varying if n in numeric] or [n for n in params if n in numeric]
    param = numeric_params[0] if numeric_params else (varying[0] if varying else None)
    group = next((n for n in varying if n != param), None)
    return PresetFields(metric, param, group)


# -- runs -----------------------------------------------------------------------------------


@dataclass
class CurveRuns:
    """The runs whose curves are drawn, and how to say so."""

    run_ids: list[str]
    scope: str
    """For the status line: which runs, and (sampled) how they were chosen."""
    sampled_from: int | None = None
    """Grouped curves over an even sample: how many runs were in scope."""


def even_sample(rows: np.ndarray, limit: int) -> np.ndarray:
    """``limit`` of ``rows`` spread evenly over them in the tree's order (whatever the
    sort), so a sample of a sorted table is not its top: every k-th run by row index."""
    ordered = np.sort(np.asarray(rows, dtype=np.intp))
    if ordered.size <= limit:
        return ordered
    picks = np.floor(np.arange(limit) * (ordered.size / limit)).astype(np.intp)
    return ordered[picks]


def selected_rows(state: BrowseState, table: Table) -> np.ndarray:
    """Rows of ``table`` of the selected runs, in the order chosen (runs outside the
    scope left out)."""
    rows = []
    for run_id in state.selected:
        try:
            rows.append(table.index_of(run_id))
        except KeyError:
            continue
    return np.asarray(rows, dtype=np.intp)


def scope_rows(state: BrowseState, table: Table) -> tuple[np.ndarray, str]:
    """Rows of ``table`` plotted (the selection, or the runs in scope) and how to say so."""
    if state.plot_selection:
        rows = selected_rows(state, table)
        if rows.size:
            return rows, f"{rows.size} selected runs"
        note = "no selected runs in scope: plotting the runs in scope; "
    else:
        note = ""
    rows_in_scope = state.rows()
    where = f" (filter: {format_filter(state.conditions)})" if state.conditions else ""
    return rows_in_scope, f"{note}{len(rows_in_scope)} runs in scope{where}"


def curve_runs(state: BrowseState, table: Table, layout: str) -> CurveRuns:
    """The runs whose curves are drawn: overlaid, the selected runs (every one, a line
    each) when "plot selection" (``p``) is on, else the first of the runs in scope;
    grouped, every run in scope (an even sample of :data:`GROUPED_LIMIT` beyond that
    many)."""
    if layout == "overlay":
        chosen = selected_rows(state, table) if state.plot_selection else None
        if chosen is not None and chosen.size:
            ids = [str(r) for r in table.run_ids[chosen].tolist()]
            return CurveRuns(ids, f"{chosen.size} selected runs")
        rows, scope = scope_rows(state, table)
        ids = [str(r) for r in table.run_ids[rows[:OVERLAY_LIMIT]].tolist()]
        if len(rows) > OVERLAY_LIMIT:
            scope += f" · the first {OVERLAY_LIMIT} drawn"
        if not state.plot_selection and selected_rows(state, table).size:
            scope += " · p: plot the selected runs"
        elif len(rows) > OVERLAY_LIMIT:
            scope += " (select runs, then p)"
        return CurveRuns(ids, scope)
    rows, scope = scope_rows(state, table)
    if len(rows) <= GROUPED_LIMIT:
        return CurveRuns([str(r) for r in table.run_ids[rows].tolist()], scope)
    sample = even_sample(rows, GROUPED_LIMIT)
    scope += f" · sampled {sample.size:,} of {len(rows):,} runs evenly"
    return CurveRuns([str(r) for r in table.run_ids[sample].tolist()], scope, len(rows))
