"""Messages the browser's panes send up to the browser screen.

Panes post these; the screen updates :class:`~tui.browser.state.BrowseState` and asks
every pane to redraw. Handlers are named ``on_<message>`` on the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from metalab.index import Condition
    from tui.browser.run_detail.logs import LogLine

__all__ = ["ExportExperiment", "OpenRun", "ScopeChanged", "ShowTab", "StateChanged"]


@dataclass
class ScopeChanged(Message):
    """The user chose an experiment (None: all experiments), optionally with the runs
    filter to start from (a bar of its distribution, a count by status)."""

    experiment: str | None
    conditions: tuple[Condition, ...] = ()


@dataclass
class StateChanged(Message):
    """A pane changed the shared state (filter, sort, selection, baseline)."""

    what: str = ""


@dataclass
class OpenRun(Message):
    """Open the run detail screen for this run; with ``at_log``, on its Logs tab at that
    line (a log hit of the search dialog)."""

    run_id: str
    at_log: LogLine | None = None


@dataclass
class ShowTab(Message):
    """Switch to a tab: ``experiments``, ``runs``, ``plots`` or ``compare``."""

    tab: str


@dataclass
class ExportExperiment(Message):
    """Export every run of one experiment (the experiments tab's ``e``, as atlas's
    experiment page's Export button)."""

    experiment: str
