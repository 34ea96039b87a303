"""What the tab panes share with the screen: failed reads reported, attributes read.

Why a module of its own: the Curves and Artifacts tabs read on worker threads of their
own, and a worker's ``StateChanged`` message goes to the widget that ran it and no
further (it does not bubble), so each of them, like the screen with its own workers,
has to say when a read failed: :func:`report_failed_read` is that notice, and
:class:`RunTab` a tab pane that gives it. And what the tabs hold (the metric places,
the curve shown, the artifacts) is read on the screen as well, as before the tabs were
widgets of their own: :class:`TabAttribute` passes such a read on to the tab.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.widget import Widget
from textual.widgets import TabPane
from textual.worker import Worker, WorkerState

__all__ = ["RunTab", "TabAttribute", "report_failed_read"]


def report_failed_read(node: Widget, event: Worker.StateChanged) -> None:
    """Notify the user when the worker behind ``event`` failed reading the run."""
    if event.state == WorkerState.ERROR:
        error = event.worker.error
        node.notify(f"could not read the run: {error}", severity="error", timeout=6)


class RunTab(TabPane):
    """A tab pane of the run detail screen whose workers read the run's files."""

    @on(Worker.StateChanged)
    def _on_worker_state(self, event: Worker.StateChanged) -> None:
        report_failed_read(self, event)


class TabAttribute:
    """A read-only attribute of the screen that is the attribute of the same name of one
    of its tabs: ``places = TabAttribute("metrics_tab")`` makes ``screen.places`` read
    ``screen.metrics_tab.places``."""

    def __init__(self, tab: str) -> None:
        self.tab = tab
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, screen: object, owner: type | None = None) -> Any:
        return self if screen is None else getattr(getattr(screen, self.tab), self.name)

    def __set__(self, screen: object, value: Any) -> None:
        # without this a value set on the screen would hide the tab's from then on
        raise AttributeError(f"{self.name} is the {self.tab}'s: set it there")
