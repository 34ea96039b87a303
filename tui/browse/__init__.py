"""The data layer of ``metalab-tui browse``: results trees as fast, filterable tables.

Pure Python and numpy (no textual, no plotext), so every number a screen shows can be
tested without a terminal. The screens call:

* :mod:`~tui.browse.index`: :class:`TreeIndex` opens a collection root or one
  experiment's folder, caches parsed records per experiment, and ``refresh()``-es a
  live tree.
* :mod:`~tui.browse.table`: the immutable :class:`Table` it hands out, one numpy
  column per field, and :func:`format_cell`.
* :mod:`~tui.browse.query`: the filter language (``lr=0.1 final_loss<0.02``) and sorting.
* :mod:`~tui.browse.stats`: aggregates with std/sem/ci95 error bars, histograms, curve bands.
* :mod:`~tui.browse.export`: CSV/Parquet with ``Results.to_dataframe()``'s columns.
* :mod:`~tui.browse.search`: grouped search over names, values and log text.
"""

from tui.browse.export import export_csv, export_filename, export_parquet, export_rows
from tui.browse.index import ExperimentIndex, TreeIndex
from tui.browse.query import (
    Condition,
    QueryError,
    apply,
    format_filter,
    parse_filter,
    resolve_field,
    runs_condition,
    select,
    sort_order,
)
from tui.browse.run_row import RunRow
from tui.browse.search import SearchHit, SearchResults, iter_log_hits, search_logs, search_tree
from tui.browse.stats import (
    CurveBand,
    Histogram,
    Plot,
    Point,
    Series,
    Spread,
    aggregate,
    aggregate_table,
    auto_bins,
    curve_band,
    curve_bands,
    describe,
    histogram,
    t_quantile,
)
from tui.browse.summary import Changes, ExperimentSummary
from tui.browse.table import Column, FieldInfo, Table, format_cell

__all__ = [
    "Changes",
    "Column",
    "Condition",
    "CurveBand",
    "ExperimentIndex",
    "ExperimentSummary",
    "FieldInfo",
    "Histogram",
    "Plot",
    "Point",
    "QueryError",
    "RunRow",
    "SearchHit",
    "SearchResults",
    "Series",
    "Spread",
    "Table",
    "TreeIndex",
    "aggregate",
    "aggregate_table",
    "apply",
    "auto_bins",
    "curve_band",
    "curve_bands",
    "describe",
    "export_csv",
    "export_filename",
    "export_parquet",
    "export_rows",
    "format_cell",
    "format_filter",
    "histogram",
    "iter_log_hits",
    "parse_filter",
    "resolve_field",
    "runs_condition",
    "search_tree",
    "search_logs",
    "select",
    "sort_order",
    "t_quantile",
]
