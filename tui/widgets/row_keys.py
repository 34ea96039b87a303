"""The keys that move a cursor through rows, the same in every table of the app.

Every table of the app (the browser's runs grid and the live dashboard's runs table,
both a :class:`~tui.widgets.grid.VirtualGrid`) binds this one list, so ``j``/``k``,
``g``/``G`` and the page keys behave alike wherever a table has the focus. The actions
are named as textual's ``DataTable`` names them.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

__all__ = ["ROW_KEYS"]

ROW_KEYS: list[BindingType] = [
    Binding("up,k", "cursor_up", "Up", show=False, id="rows-up"),
    Binding("down,j", "cursor_down", "Down", show=False, id="rows-down"),
    Binding("pageup", "page_up", "Page up", show=False, id="rows-page-up"),
    Binding("pagedown", "page_down", "Page down", show=False, id="rows-page-down"),
    Binding("ctrl+home,g", "scroll_top", "First row", show=False, id="rows-top"),
    Binding("ctrl+end,G", "scroll_bottom", "Last row", show=False, id="rows-bottom"),
]
