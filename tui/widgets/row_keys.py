"""The keys that move a cursor through rows, the same in every table of the app.

The live dashboard's runs table (a ``DataTable``) and the browser's virtual grid bind
these one list, so ``j``/``k``, ``g``/``G`` and the page keys behave alike wherever a
table has the focus. Both name their actions as ``DataTable`` does.
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
