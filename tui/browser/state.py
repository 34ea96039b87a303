"""What the browser is looking at: the experiment in scope, the filter, the sort, the
selection, the baseline and which way each metric is better. One object shared by every
pane of the browser screen.

Panes never change each other; they change this state (through the screen) and the
screen tells every pane to redraw from it. Keeping it in one plain object is also what
lets tests check it directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from metalab.index import Condition, Table, TreeIndex, apply, sort_order
from metalab.index.direction import Directions

__all__ = ["BrowseState"]


@dataclass
class BrowseState:
    """The browser's view of a results tree."""

    index: TreeIndex
    experiment: str | None = None
    """Key of the experiment in scope; None means every experiment together."""
    conditions: list[Condition] = field(default_factory=list)
    """The runs filter, shown as removable pills."""
    sort: str | None = None
    """Column the runs are sorted by (None: the tree's order)."""
    descending: bool = False
    selected: list[str] = field(default_factory=list)
    """Run ids chosen for plots and compare, in the order chosen."""
    baseline: str | None = None
    """Run id the compare view computes deltas against."""
    columns: dict[str, list[str]] = field(default_factory=dict)
    """Visible columns of the runs table, per experiment key."""
    revision: int = 0
    """Bumped on every change, so panes can skip redraws when nothing moved."""
    plot_selection: bool = False
    """The plots tab draws the selected runs (True) or the runs in scope (False)."""
    directions: Directions = field(default_factory=Directions)
    """Which way each metric is better, as guessed or as the user set it."""
    clock: Callable[[], float] = time.time
    """The time now, in POSIX seconds, for relative times ("3m ago"); tests pin it."""

    def __post_init__(self) -> None:
        if self.experiment is None:
            experiments = self.index.experiments
            if len(experiments) == 1:
                self.experiment = experiments[0].key

    def table(self) -> Table:
        """The runs of the experiment in scope (all experiments when none is)."""
        return self.index.table(self.experiment)

    def rows(self) -> np.ndarray:
        """Indices into :meth:`table` of the runs shown: filtered, then sorted."""
        table = self.table()
        idx = apply(table, self.conditions) if self.conditions else table.all_rows()
        if self.sort:
            idx = sort_order(table, self.sort, idx, descending=self.descending)
        return idx

    def toggle_selected(self, run_id: str) -> None:
        if run_id in self.selected:
            self.selected.remove(run_id)
        else:
            self.selected.append(run_id)
        self.touch()

    def touch(self) -> None:
        self.revision += 1
