"""``metalab-tui browse``: the results browser's screens (the data layer is ``metalab.index``)."""

from tui.browser.app import BrowserApp, BrowserScreen

__all__ = ["BrowserApp", "BrowserScreen"]
