"""The experiments tab's keys.

Why a module of its own: every action of the tab has a key with a tooltip and an id,
and that list is longer than much of the code it binds (as for the runs and plots
tabs). :class:`~tui.browser.experiments.tab.ExperimentsPane` binds
:data:`EXPERIMENTS_BINDINGS`; the actions are the pane's.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

__all__ = ["EXPERIMENTS_BINDINGS"]

EXPERIMENTS_BINDINGS: list[BindingType] = [
    Binding(
        "enter",
        "open",
        "Show runs",
        tooltip="Show the runs of the experiment under the cursor",
        id="experiments-open",
    ),
    Binding("s", "cycle_sort", "Sort", tooltip="Sort by the next column", id="experiments-sort"),
    Binding(
        "S",
        "reverse_sort",
        "Reverse",
        show=False,
        tooltip="Reverse the sort",
        id="experiments-reverse",
    ),
    Binding(
        "f",
        "focus_filter",
        "Filter",
        tooltip="Filter by name, tag:, state: or has_param:/has_metric:/has_artifact:",
        id="experiments-filter",
    ),
    Binding(
        "t",
        "filter_tag",
        "Tag",
        tooltip="Filter by the next tag of the experiment under the cursor",
        id="experiments-tag",
    ),
    Binding("F", "clear_filter", "Clear filter", show=False, id="experiments-clear-filter"),
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
        "greater_than_sign",
        "move_bin(1)",
        "Next bin",
        show=False,
        id="experiments-next-bin",
    ),
    Binding(
        "less_than_sign",
        "move_bin(-1)",
        "Previous bin",
        show=False,
        id="experiments-previous-bin",
    ),
    Binding(
        "o",
        "open_bin",
        "Open bin",
        tooltip="Open the runs in the distribution's chosen bin (< and > choose it)",
        show=False,
        id="experiments-open-bin",
    ),
    Binding(
        "e",
        "export",
        "Export",
        tooltip="Write every run of the experiment to CSV or Parquet",
        id="experiments-export",
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
    Binding(
        "left_square_bracket", "page(-1)", "Previous page", show=False, id="experiments-page-up"
    ),  # fmt: skip
    Binding(
        "right_square_bracket", "page(1)", "Next page", show=False, id="experiments-page-down"
    ),  # fmt: skip
]
