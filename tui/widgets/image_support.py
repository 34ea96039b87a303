"""Loading textual-image safely once a Textual app already owns the terminal.

Why it exists: textual-image asks the terminal what it can draw (Sixel, the Kitty
graphics protocol, the cell size in pixels) when it is first imported, by writing
escape sequences and reading the answers from stdin. Before an app starts (``metalab-tui
browse``) that just works. But the live dashboard opens the browser (``b``) while its
own app reads stdin: the answers would go to the app as key presses and the question
to the screen. So the dashboard calls :func:`load_image_support` first, which hands
the terminal back for the moment of the import (``App.suspend``), as an app does to
run an editor. Where an app cannot be suspended (tests, the web), stdout is no
terminal and textual-image asks nothing, so it is imported as it is.
"""

from __future__ import annotations

import importlib
import sys

from textual.app import App, SuspendNotSupported

__all__ = ["load_image_support"]

_MODULE = "textual_image.widget"


def load_image_support(app: App[object]) -> None:
    """Import textual-image (once) with ``app``'s hold on the terminal released."""
    if _MODULE in sys.modules:
        return
    try:
        with app.suspend():
            importlib.import_module(_MODULE)
    except SuspendNotSupported:
        importlib.import_module(_MODULE)
