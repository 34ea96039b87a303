"""The base of the browser's panes: each draws itself from the shared state."""

from __future__ import annotations

from textual.widget import Widget

from metalab.index import Changes
from tui.browser.state import BrowseState

__all__ = ["BrowserPane"]


class BrowserPane(Widget):
    """A tab of the browser. The screen sets ``state`` before mounting it and calls
    :meth:`refresh_view` whenever the state or the tree changed."""

    DEFAULT_CSS = """
    BrowserPane { height: 1fr; }
    """

    def __init__(self, state: BrowseState, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.state = state

    def refresh_view(self, changes: Changes | None = None) -> None:
        """Redraw from ``self.state``; ``changes`` says what a tree refresh brought."""

    def focus_default(self) -> None:
        """Give this pane the keyboard (the screen calls it when the pane's tab opens):
        its first focusable widget, unless the focus is already inside the pane."""
        focused = self.screen.focused
        if focused is not None and self in focused.ancestors:
            return
        for widget in self.query("*"):
            if widget.focusable:
                widget.focus()
                return
