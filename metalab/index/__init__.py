"""A results tree as fast, filterable tables: the read API behind ``metalab-tui browse``.

Scripts and notebooks get what the browser gets, on trees of 10,000 runs: open a tree,
filter and sort its runs with the browser's filter language, summarise and aggregate
them, search names, values and logs, export CSV or Parquet::

    from metalab.index import TreeIndex, select
    table = TreeIndex("experiments").table("curve_fit_0.1")
    best = select(table, "learning_rate=0.1 status=success", sort="final_loss")
    print(table.column("metrics.final_loss").num[best[:3]])  # the three lowest

Pure Python and numpy (no textual, no plotext), so every number a screen shows can be
tested without a terminal. It reads a tree and never writes into it. Its modules:

* :mod:`~metalab.index.tree`: :class:`TreeIndex` opens a collection root or one
  experiment's folder, caches parsed records per experiment, and ``refresh()``-es a
  live tree.
* :mod:`~metalab.index.table`: the immutable :class:`Table` it hands out, one numpy
  column per field, and :func:`format_cell`.
* :mod:`~metalab.index.filter_language`: the runs filter language (``lr=0.1
  final_loss<0.02``) and sorting; :mod:`~metalab.index.experiment_filter` extends it
  for the experiments list (``tag:``, ``has_metric:``).
* :mod:`~metalab.index.stats`: aggregates with the error bars that fit them (std, sem,
  ci95 round a mean; iqr, bootstrap ci round a median), box plots, histograms, curve bands.
* :mod:`~metalab.index.export`: CSV/Parquet with ``Results.to_dataframe()``'s columns
  (derived metrics included) and atlas's ``captured_data``.
* :mod:`~metalab.index.search`: grouped search over names, values and log text.
* :mod:`~metalab.index.tree_bounds` and :mod:`~metalab.index.tree_store`: nothing
  outside the tree is read, not through a symlink, nor through an artifact's uri.

A damaged record is skipped, and said (``ExperimentIndex.skipped``, and
``ExperimentSummary.skipped``); a status metalab does not write (``preempted``) is
kept as written.
"""

from metalab.index.export import (
    captured_data,
    export_csv,
    export_filename,
    export_parquet,
    export_rows,
)
from metalab.index.filter_language import (
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
from metalab.index.run_row import RunRow
from metalab.index.search import SearchHit, SearchResults, iter_log_hits, search_logs, search_tree
from metalab.index.stats import (
    BoxStats,
    CurveBand,
    Histogram,
    Plot,
    Point,
    Series,
    Spread,
    aggregate,
    aggregate_table,
    auto_bins,
    bootstrap_ci,
    box_stats,
    curve_band,
    curve_bands,
    describe,
    error_for,
    histogram,
    t_quantile,
)
from metalab.index.summary import Changes, ExperimentSummary
from metalab.index.table import Column, FieldInfo, Table, format_cell
from metalab.index.tree import ExperimentIndex, TreeIndex

__all__ = [
    "BoxStats",
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
    "bootstrap_ci",
    "box_stats",
    "curve_band",
    "curve_bands",
    "describe",
    "error_for",
    "captured_data",
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
