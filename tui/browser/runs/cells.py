"""The runs grid's cells: header labels, each row's texts and styles, column widths.

Why a module of its own: what a cell of the runs tab says and how wide a column is
depend only on the table, the columns shown, the selection and the clock, not on the
widget. :class:`~tui.browser.runs.tab.RunsPane` hands :func:`row_cells` to the
:class:`~tui.widgets.grid.VirtualGrid` as its cell source (so only the rows on screen
are ever formatted) and builds the grid's columns from :func:`header_labels`,
:class:`ColumnWidths` and :func:`grid_columns` on each redraw.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
from rich.cells import cell_len
from rich.style import Style

from metalab.index import Table
from tui.browser.columns import (
    MARK,
    STATUS_VARIABLE,
    cell_text,
    column_label,
    is_numeric,
    status_text,
    theme_color,
)
from tui.widgets.grid import Cell, GridColumn

__all__ = [
    "MARK_KEY",
    "RUN_KEY",
    "WIDTH_SAMPLE",
    "ColumnWidths",
    "grid_columns",
    "header_labels",
    "row_cells",
    "row_texts",
    "theme_styles",
]

WIDTH_SAMPLE = 400
"""Column widths are measured on at most this many of the rows shown (spread evenly)."""

MARK_KEY = "_mark"
RUN_KEY = "record.run_id"


def header_labels(
    table: Table, columns: Sequence[str], sort: str | None, descending: bool
) -> list[str]:
    """The mark, the run id and ``columns``' labels; the sort column gets ▲ or ▼."""
    names = table.names()
    out = [MARK, column_label(RUN_KEY, names)]
    for name in columns:
        label = column_label(name, names)
        if name == sort:
            label += " ▼" if descending else " ▲"
        out.append(label)
    if sort == RUN_KEY:
        out[1] += " ▼" if descending else " ▲"
    return out


def row_texts(
    table: Table, i: int, columns: Sequence[str], selected: Collection[str], now: float
) -> list[str]:
    """The texts of table row ``i``: the mark, the run id, then ``columns``."""
    run_id = table.rows[i].run_id
    return [
        MARK if run_id in selected else "",
        cell_text(table, i, RUN_KEY, now),
        *(cell_text(table, i, name, now) for name in columns),
    ]


def row_cells(texts: list[str], columns: Sequence[str], styles: dict[str, Style]) -> list[Cell]:
    """The grid cells of one row's :func:`row_texts`, styled by :func:`theme_styles`."""
    cells: list[Cell] = [(texts[0], styles.get("mark")), (texts[1], None)]
    for name, text in zip(columns, texts[2:], strict=True):
        if name == "record.status":  # a status metalab does not write: as written, set apart
            cells.append((text, styles.get(text, styles["other"])))
        elif text == "—":
            cells.append((text, styles["missing"]))
        else:
            cells.append((text, None))
    return cells


class ColumnWidths:
    """Column widths from an even sample of the rows shown (the same for any order),
    measured again only when the rows, the filter, the columns or the half-minute change."""

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._widths: dict[str, int] = {}

    def measure(
        self,
        table: Table,
        rows: np.ndarray,
        columns: Sequence[str],
        conditions: Sequence[Any],
        now: float,
    ) -> dict[str, int]:
        key = (id(table), len(rows), tuple(conditions), tuple(columns), int(now // 30))
        if key == self._key:
            return self._widths
        ordered = np.sort(rows)
        if len(ordered) > WIDTH_SAMPLE:
            ordered = ordered[np.linspace(0, len(ordered) - 1, WIDTH_SAMPLE).astype(np.intp)]
        names = [RUN_KEY, *columns]
        widths = dict.fromkeys(names, 1)
        for i in ordered.tolist():
            for name, text in zip(names, row_texts(table, i, columns, (), now)[1:], strict=True):
                widths[name] = max(widths[name], cell_len(text))
        self._key, self._widths = key, widths
        return widths


def grid_columns(
    table: Table, columns: Sequence[str], headers: list[str], widths: dict[str, int]
) -> list[GridColumn]:
    """The grid's columns: the mark, the run id and ``columns``, numbers right-aligned."""
    out = [GridColumn(MARK_KEY, headers[0], 1)]
    for name, label in zip([RUN_KEY, *columns], headers[1:], strict=True):
        numeric = is_numeric(table, name) or name == "record.duration_ms"
        width = max(widths.get(name, 1), cell_len(label))
        out.append(GridColumn(name, label, width, "right" if numeric else "left"))
    return out


def theme_styles(app: Any) -> dict[str, Style]:
    """The styles of the status cells, the selection mark and a missing value."""
    out = {status: status_text(app, status).style for status in STATUS_VARIABLE}
    out["other"] = Style(italic=True)
    out["mark"] = Style(color=theme_color(app, "accent") or None)
    out["missing"] = Style(dim=True)
    return {k: v if isinstance(v, Style) else Style.parse(str(v)) for k, v in out.items()}
