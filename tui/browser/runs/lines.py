"""The one-line texts above and below the runs grid: the scope line and the status line.

Why a module of its own: both are plain functions of the browser's state (the scope
and its runs' counts by status; how many runs the filter shows, the cursor's row, the
selection and the sort), so :class:`~tui.browser.runs.tab.RunsPane` only puts them into its
``#runs-scope`` and ``#runs-status`` widgets.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from metalab.index import Table
from metalab.index.run_row import STATUSES
from tui.browser.columns import column_label, done_text, theme_color
from tui.browser.state import BrowseState

__all__ = ["scope_line", "status_line"]


def scope_line(state: BrowseState, app: Any) -> Text:
    """The scope (an experiment, or all of them), its progress and its runs by status."""
    out = Text()
    index = state.index
    if state.experiment is None:
        out.append("all experiments", style="bold")
        out.append(f"  ({len(index.experiments)})", style="dim")
        counts: dict[str, int] = {}
        total = 0
        for s in index.summaries():
            total += s.total
            for k, v in s.counts.items():
                counts[k] = counts.get(k, 0) + v
        done = counts.get("success", 0) + counts.get("failed", 0)
    else:
        s = next((x for x in index.summaries() if x.key == state.experiment), None)
        out.append(state.experiment, style="bold")
        if s is None:
            return out
        counts, total, done = s.counts, s.total, s.done
        icon = " ✓" if s.complete and not counts.get("failed") else ""
        out.append(f"  {done_text(done, total)}{icon}", style="dim")
    out.append("   ")
    for status, var in (("success", "success"), ("failed", "error"), ("running", "accent"),
                        ("cancelled", "warning")):  # fmt: skip
        n = counts.get(status, 0)
        out.append(f"{n} {status}", style=theme_color(app, var) if n else "dim")
        out.append("  ")
    for status, n in sorted(counts.items()):  # statuses metalab does not write, as written
        if status not in STATUSES and n:
            out.append(f"{n} {status}", style=f"italic {theme_color(app, 'warning')}".strip())
            out.append("  ")
    return out


def status_line(
    table: Table,
    shown: int,
    cursor_row: int,
    selected: int,
    sort: str | None,
    descending: bool,
) -> Text:
    """``12 of 40 runs · row 3 of 12 · 2 selected · sorted by loss ▲``."""
    out = Text()
    n = shown
    out.append(f"{n:,} of {table.n:,} runs" if n != table.n else f"{n:,} runs")
    if n:
        out.append(f" · row {cursor_row + 1:,} of {n:,}")
    if selected:
        out.append(" · ")
        out.append(f"{selected} selected", style="bold")
    if sort:
        arrow = "▼" if descending else "▲"
        out.append(f" · sorted by {column_label(sort, table.names())} {arrow}")
    return out
