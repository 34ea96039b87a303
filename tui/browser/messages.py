"""Messages the browser's panes send up to the browser screen.

Panes post these; the screen updates :class:`~tui.browser.state.BrowseState` and asks
every pane to redraw. Handlers are named ``on_<message>`` on the screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

__all__ = ["OpenRun", "ScopeChanged", "ShowTab", "StateChanged"]


@dataclass
class ScopeChanged(Message):
    """The user chose an experiment (None: all experiments)."""

    experiment: str | None


@dataclass
class StateChanged(Message):
    """A pane changed the shared state (filter, sort, selection, baseline)."""

    what: str = ""


@dataclass
class OpenRun(Message):
    """Open the run detail screen for this run."""

    run_id: str


@dataclass
class ShowTab(Message):
    """Switch to a tab: ``experiments``, ``runs``, ``plots`` or ``compare``."""

    tab: str
