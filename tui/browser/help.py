"""The browser's key help (``?``): every key, grouped by tab, the tab in use first;
and the run detail's, grouped the same way.

Why a module of its own: a tab's keys are not only its pane's bindings but those of
the widgets it holds (the runs tab's grid moves with the row keys; a filter box gives
the keys back with escape), and which of the screen's keys apply depends on where the
browser runs (``q`` quits the app, or goes back to the live dashboard). This gathers
them, section by section, for :class:`~tui.widgets.dialogs.HelpScreen`.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.browser.pane import BrowserPane
from tui.browser.pills import FilterInput
from tui.widgets.dialogs import HelpScreen, HelpSection, binding_rows
from tui.widgets.grid import VirtualGrid

__all__ = ["RUN_TAB_KEYS", "TAB_TITLES", "browser_help", "run_detail_help"]

TAB_TITLES = {
    "experiments": "Experiments",
    "runs": "Runs",
    "plots": "Plots",
    "compare": "Compare",
}
"""The browser's tabs, in their order, and their titles in the help."""

_WIDGET_KEYS: dict[str, list[BindingType]] = {
    "experiments": [*FilterInput.BINDINGS],
    "runs": [*FilterInput.BINDINGS, *VirtualGrid.BINDINGS],
}
"""Keys of the widgets inside a tab, listed after the pane's own."""


def browser_help(screen: Screen[object], active: str) -> HelpScreen:
    """The help of the browser ``screen`` whose tab ``active`` is shown: that tab's
    keys first, then the keys that work anywhere, then the other tabs'."""
    app = screen.app
    sections: dict[str, HelpSection] = {}
    for tab, title in TAB_TITLES.items():
        pane = screen.query_one(f"#{tab}-pane", BrowserPane)
        bindings = [*pane.BINDINGS, *_WIDGET_KEYS.get(tab, [])]
        sections[tab] = HelpSection(title, binding_rows(app, bindings, node=pane))
    anywhere = binding_rows(app, [*screen.BINDINGS, *app.BINDINGS], node=screen)
    ordered = [HelpSection("Anywhere in the browser", anywhere)]
    if active in sections:
        current = sections.pop(active)
        current.current = True
        ordered.insert(0, current)
    ordered += sections.values()
    return HelpScreen("Results browser: keys", ordered)


RUN_TAB_KEYS: dict[str, tuple[str, ...]] = {
    "Curves": ("run-next-metric", "run-log-y", "run-smoothing"),
    "Artifacts": ("run-log-y", "run-toggle-matrix"),
    "Logs": ("run-filter-logs", "run-follow-log"),
}
"""The run detail's keys that work on one of its tabs only (by binding id)."""


def run_detail_help(screen: Screen[object], run_id: str, active: str) -> HelpScreen:
    """The help of a run's detail ``screen``, showing tab ``active``: the keys that
    work on every tab, then each tab's own, the tab shown marked."""
    app = screen.app
    bindings = [b for b in screen.BINDINGS if isinstance(b, Binding)]
    per_tab = {i for ids in RUN_TAB_KEYS.values() for i in ids}
    everywhere = [b for b in bindings if b.id not in per_tab]
    sections = [HelpSection("Every tab", binding_rows(app, [*everywhere, *app.BINDINGS]))]
    for title, ids in RUN_TAB_KEYS.items():
        rows = binding_rows(app, [b for b in bindings if b.id in ids])
        sections.append(HelpSection(f"{title} tab", rows, current=title.lower() == active))
    return HelpScreen(f"Run {run_id[:12]}: keys", sections)
