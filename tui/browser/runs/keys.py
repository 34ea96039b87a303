"""The runs tab's keys.

Why a module of its own: every action of the tab has a key with a tooltip and an id,
and that list is longer than much of the code it binds.
:class:`~tui.browser.runs.tab.RunsPane` binds :data:`RUNS_BINDINGS`; the actions are the
pane's.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

__all__ = ["RUNS_BINDINGS"]

RUNS_BINDINGS: list[BindingType] = [
    Binding(
        "f",
        "focus_filter",
        "Filter",
        tooltip="Type conditions such as lr=0.1 final_loss<0.02 status=failed",
        id="runs-filter",
    ),
    Binding(
        "F",
        "clear_filter",
        "Clear filter",
        show=False,
        tooltip="Remove every filter condition",
        id="runs-clear-filter",
    ),
    Binding(
        "s",
        "sort",
        "Sort",
        tooltip="Sort by the cursor's column; again to reverse",
        id="runs-sort",
    ),
    Binding(
        "x",
        "toggle_select",
        "Select",
        tooltip="Select or unselect the run under the cursor",
        id="runs-select",
    ),
    Binding(
        "A",
        "select_all",
        "Select all",
        show=False,
        tooltip="Select every run the filter shows",
        id="runs-select-all",
    ),
    Binding(
        "u",
        "clear_selection",
        "Unselect all",
        show=False,
        tooltip="Clear the selection",
        id="runs-clear-selection",
    ),
    Binding("p", "plot", "Plot", tooltip="Plot the selected runs", id="runs-plot"),
    Binding("c", "compare", "Compare", tooltip="Compare the selected runs", id="runs-compare"),
    Binding(
        "C",
        "columns",
        "Columns",
        tooltip="Choose the columns shown for this experiment",
        id="runs-columns",
    ),
    Binding(
        "e",
        "export",
        "Export",
        tooltip="Write the runs shown to CSV or Parquet",
        id="runs-export",
    ),
    Binding(
        "left_square_bracket",
        "page(-1)",
        "Page up",
        show=False,
        tooltip="A screenful up",
        id="runs-page-up",
    ),
    Binding(
        "right_square_bracket",
        "page(1)",
        "Page down",
        show=False,
        tooltip="A screenful down",
        id="runs-page-down",
    ),
    Binding(
        "enter",
        "open",
        "Open run",
        show=False,
        tooltip="Open the run under the cursor",
        id="runs-open",
    ),
]
