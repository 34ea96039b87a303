"""A table that draws only the rows on screen: the browser's runs tab, the live runs table.

Why not ``DataTable``: it keeps, measures and lays out every row it is given, so
10,000 runs take seconds to load and every sort or filter that reorders them pays for
all rows again (a page of 200 rows still cost a few hundred milliseconds per key on a
busy machine). This widget is a Line API ``ScrollView``: its virtual height is the
number of rows, and ``render_line`` asks a *cell source* (a function of the row
number, given by the runs pane) for the cells of just the rows in view. Reordering
10,000 runs is then a new index array in the pane and one screen of lines here.

What it keeps: the columns (key, label, width, alignment) with the first
``fixed_columns`` of them held in place while the rest scroll sideways; a cell cursor
(row and column; its row is tinted, its cell highlighted; with ``row_cursor`` the whole
row is highlighted and left/right scroll sideways); rendered rows in an LRU cache
of strips, dropped when the source says rows changed (:meth:`refresh_rows`, so a live
refresh redraws only the runs that changed) or when the data is replaced
(:meth:`set_data`). It posts ``CellSelected`` (enter, or a click on the cursor cell),
``HeaderSelected`` (a click on a header) and ``CursorMoved``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.widgets.row_keys import ROW_KEYS

__all__ = ["Cell", "GridColumn", "VirtualGrid"]

Cell = tuple[str, Style | None]
"""A cell's text and its own style (a status colour), or None."""

PADDING = 1
"""Blank cells on either side of every cell."""

SIDE_STEP = 8
"""Cells that left/right scroll by when the cursor is a row."""


@dataclass(frozen=True)
class GridColumn:
    """One column: ``width`` is the text width (padding comes on top)."""

    key: str
    label: str
    width: int
    justify: str = "left"
    """``left`` or ``right``."""


def _fit(text: str, width: int, justify: str) -> str:
    """``text`` cut (with an ellipsis) or padded to exactly ``width`` cells."""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, max(0, width - 1)) + "…" if width > 0 else ""
    if justify == "right":
        return " " * (width - length) + text
    return text + " " * (width - length)


class VirtualGrid(ScrollView, can_focus=True):
    """Rows drawn on demand from a cell source; see the module docstring."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-grid--header",
        "virtual-grid--cursor",
        "virtual-grid--cursor-row",
        "virtual-grid--even-row",
        "virtual-grid--fixed",
    }

    DEFAULT_CSS = """
    VirtualGrid {
        background: $surface;
        color: $foreground;
        & > .virtual-grid--header { text-style: bold; background: $panel; color: $foreground; }
        & > .virtual-grid--even-row { background: $surface-lighten-1 50%; }
        & > .virtual-grid--cursor-row { background: $boost; }
        & > .virtual-grid--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .virtual-grid--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *ROW_KEYS,
        Binding("left", "cursor_left", "Left", show=False, id="grid-left"),
        Binding("right", "cursor_right", "Right", show=False, id="grid-right"),
        Binding("home", "first_column", "First column", show=False, id="grid-first-column"),
        Binding("end", "last_column", "Last column", show=False, id="grid-last-column"),
        Binding("enter", "select", "Open", show=False, id="grid-select"),
    ]

    @dataclass
    class CellSelected(Message):
        """Enter on the cursor cell, or a click on it."""

        grid: VirtualGrid
        row: int
        column: int

        @property
        def control(self) -> VirtualGrid:
            return self.grid

    @dataclass
    class HeaderSelected(Message):
        """A click on a column's header."""

        grid: VirtualGrid
        column_key: str

        @property
        def control(self) -> VirtualGrid:
            return self.grid

    @dataclass
    class CursorMoved(Message):
        grid: VirtualGrid
        row: int
        column: int

        @property
        def control(self) -> VirtualGrid:
            return self.grid

    def __init__(
        self, *, fixed_columns: int = 0, row_cursor: bool = False, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.fixed_columns = fixed_columns
        self.row_cursor = row_cursor
        self.columns: list[GridColumn] = []
        self.row_count = 0
        self.cursor_row = 0
        self.cursor_column = 0
        self._source: Callable[[int], Sequence[Cell]] = lambda row: ()
        self._cache: LRUCache[int, Strip] = LRUCache(512)
        self._total_width = 0
        self._fixed_width = 0

    # -- data ----------------------------------------------------------------------------------

    def set_data(
        self,
        columns: Sequence[GridColumn],
        row_count: int,
        source: Callable[[int], Sequence[Cell]],
        *,
        cursor_row: int | None = None,
        cursor_column: int | None = None,
    ) -> None:
        """Show ``row_count`` rows whose cells ``source(row)`` gives; the cursor is kept
        (clamped) unless a new position is given."""
        self.columns = list(columns)
        self.row_count = row_count
        self._source = source
        self._cache.clear()
        widths = [c.width + 2 * PADDING for c in self.columns]
        self._total_width = sum(widths)
        self._fixed_width = sum(widths[: self.fixed_columns])
        self.virtual_size = Size(self._total_width, row_count + 1)
        row = self.cursor_row if cursor_row is None else cursor_row
        column = self.cursor_column if cursor_column is None else cursor_column
        self.cursor_row = max(0, min(row, row_count - 1))
        self.cursor_column = max(0, min(column, len(self.columns) - 1))
        self.refresh()
        if self.is_mounted:
            self.call_after_refresh(self.scroll_to_cursor)

    def refresh_rows(self, rows: Iterable[int]) -> None:
        """The cells of these rows changed: draw them again (only those on screen are
        repainted now; the others are drawn afresh when they scroll into view)."""
        shown = self.visible_rows
        lines = []
        for row in rows:
            self._cache.discard(row)
            if row in shown:
                lines.append(Region(0, row - shown.start + 1, self.size.width, 1))
        if len(lines) > len(shown) // 2:
            self.refresh()
        elif lines:
            self.refresh(*lines)

    def refresh_all(self) -> None:
        self._cache.clear()
        self.refresh()

    def row_cells(self, row: int) -> list[Cell]:
        """The cells of ``row`` as the source gives them: (text, style)."""
        return list(self._source(row))

    def row_texts(self, row: int) -> list[str]:
        """The cells of ``row`` as text (what the row shows, uncut)."""
        return [text for text, _ in self._source(row)]

    @property
    def visible_rows(self) -> range:
        """Rows on screen now."""
        top = int(self.scroll_y)
        return range(top, min(self.row_count, top + max(0, self.size.height - 1)))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing -------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            strip = self._header()
        else:
            row = scroll_y + y - 1
            if row >= self.row_count or not self.columns:
                return Strip.blank(width, self.rich_style)
            strip = self._row(row)
        return self._window(strip, scroll_x, width)

    def _window(self, strip: Strip, scroll_x: int, width: int) -> Strip:
        """The fixed columns, then the rest scrolled by ``scroll_x``, ``width`` wide."""
        fixed = min(self._fixed_width, width)
        left = strip.crop(0, fixed)
        start = self._fixed_width + scroll_x
        right = strip.crop_extend(start, start + width - fixed, self.rich_style)
        return Strip.join([left, right])

    def _header(self) -> Strip:
        style = self.get_component_rich_style("virtual-grid--header")
        segments = []
        for c, column in enumerate(self.columns):
            pad = " " * PADDING
            text = pad + _fit(column.label, column.width, column.justify) + pad
            segments.append(Segment(text, style + Style.from_meta({"row": -1, "column": c})))
        return Strip(segments, self._total_width)

    def _row(self, row: int) -> Strip:
        cursor = row == self.cursor_row
        if not cursor:
            cached = self._cache.get(row)
            if cached is not None:
                return cached
        base = self.rich_style
        if row % 2:
            base += self.get_component_rich_style("virtual-grid--even-row")
        if cursor:
            base += self.get_component_rich_style("virtual-grid--cursor-row")
            cursor_style = self.get_component_rich_style("virtual-grid--cursor")
        cells = self._source(row)
        pad = " " * PADDING
        segments = []
        for c, column in enumerate(self.columns):
            text, own = cells[c] if c < len(cells) else ("", None)
            style = base + own if own is not None else base
            if cursor and (self.row_cursor or c == self.cursor_column):
                style += cursor_style
            style += Style.from_meta({"row": row, "column": c})
            segments.append(Segment(pad + _fit(text, column.width, column.justify) + pad, style))
        strip = Strip(segments, self._total_width)
        if not cursor:
            self._cache[row] = strip
        return strip

    # -- the cursor ----------------------------------------------------------------------------

    def move_cursor(
        self, row: int | None = None, column: int | None = None, *, scroll: bool = True
    ) -> None:
        """Put the cursor on (``row``, ``column``), clamped; None keeps that coordinate."""
        if not self.row_count:
            self.cursor_row = 0
            return
        new_row = self.cursor_row if row is None else max(0, min(row, self.row_count - 1))
        new_col = self.cursor_column if column is None or self.row_cursor else column
        new_col = max(0, min(new_col, len(self.columns) - 1))
        moved = (new_row, new_col) != (self.cursor_row, self.cursor_column)
        self.cursor_row, self.cursor_column = new_row, new_col
        if scroll:
            self.scroll_to_cursor()
        self.refresh()
        if moved:
            self.post_message(self.CursorMoved(self, new_row, new_col))

    def scroll_to_cursor(self) -> None:
        """Scroll just enough to show the cursor cell."""
        height = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        y = None
        if self.cursor_row < top:
            y = self.cursor_row
        elif self.cursor_row >= top + height:
            y = self.cursor_row - height + 1
        x = None
        if self.columns and self.cursor_column >= self.fixed_columns:
            start = sum(c.width + 2 * PADDING for c in self.columns[: self.cursor_column])
            start -= self._fixed_width
            end = start + self.columns[self.cursor_column].width + 2 * PADDING
            view = max(1, self.size.width - self._fixed_width)
            left = int(self.scroll_x)
            if start < left:
                x = start
            elif end > left + view:
                x = end - view
        if x is not None or y is not None:
            self.scroll_to(x=x, y=y, animate=False, immediate=True)

    @property
    def page_height(self) -> int:
        return max(1, self.size.height - 2)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_cursor_left(self) -> None:
        if self.row_cursor:
            self.scroll_to(x=self.scroll_x - SIDE_STEP, animate=False)
        else:
            self.move_cursor(column=self.cursor_column - 1)

    def action_cursor_right(self) -> None:
        if self.row_cursor:
            self.scroll_to(x=self.scroll_x + SIDE_STEP, animate=False)
        else:
            self.move_cursor(column=self.cursor_column + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - self.page_height)

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + self.page_height)

    def action_scroll_top(self) -> None:
        self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        self.move_cursor(row=self.row_count - 1)

    def action_first_column(self) -> None:
        self.move_cursor(column=0)

    def action_last_column(self) -> None:
        self.move_cursor(column=len(self.columns) - 1)

    def action_select(self) -> None:
        if self.row_count:
            self.post_message(self.CellSelected(self, self.cursor_row, self.cursor_column))

    async def _on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        if "row" not in meta or "column" not in meta:
            return
        row, column = int(meta["row"]), int(meta["column"])
        if row == -1:
            if 0 <= column < len(self.columns):
                self.post_message(self.HeaderSelected(self, self.columns[column].key))
            return
        event.stop()
        if (row, column) == (self.cursor_row, self.cursor_column):
            self.post_message(self.CellSelected(self, row, column))
        else:
            self.move_cursor(row=row, column=column)
