"""One run's artifact in a dialog: what Enter on an artifact cell of the compare table
opens, as atlas's compare page previews artifacts in place.

It uses the run detail's loading (:mod:`tui.browser.run_detail.artifacts`: no pickles,
nothing over the size limit, read on a worker thread) and its viewers
(:class:`~tui.widgets.artifact_view.ArtifactView`: a 1-D array as a curve, a 2-D one as
a heatmap or table, a dict of arrays, JSON as a tree, text, an image drawn), so an
artifact looks the same wherever it is opened; ``o`` opens the file in the system
viewer here too.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tui.browser.run_detail.artifacts import list_items, not_loaded_reason, open_item, read_item
from tui.browser.state import BrowseState
from tui.widgets.artifact_view import ArtifactItem, ArtifactView

__all__ = ["ArtifactPreviewScreen"]


class ArtifactPreviewScreen(ModalScreen[None]):
    """Artifact ``name`` of run ``run_id``, loaded and shown in its viewer."""

    DEFAULT_CSS = """
    ArtifactPreviewScreen { align: center middle; }
    ArtifactPreviewScreen > Vertical {
        width: 90%; height: 85%; border: thick $accent; background: $surface; padding: 0 1;
    }
    ArtifactPreviewScreen.-narrow > Vertical { width: 100%; }
    ArtifactPreviewScreen.-short > Vertical { height: 100%; }
    ArtifactPreviewScreen #preview-title { height: 1; margin-bottom: 1; }
    ArtifactPreviewScreen.-short #preview-title { margin-bottom: 0; }
    ArtifactPreviewScreen #preview-footer { height: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape,q", "dismiss_preview", "Close", id="preview-close"),
        Binding("l", "log_y", "Log y", id="preview-log-y"),
        Binding("t", "toggle_matrix", "Heatmap/table", id="preview-toggle-matrix"),
        Binding("o", "open_artifact", "Open in viewer", id="preview-open"),
    ]

    def __init__(self, state: BrowseState, run_id: str, name: str) -> None:
        super().__init__()
        self.state = state
        self.run_id = run_id
        self.artifact = name
        self.loaded: Any = None
        """The value shown, once read (None before, or when it was not read)."""
        self.item: ArtifactItem | None = None
        """The artifact's entry, once found (its path is what ``o`` opens)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            title = Text(self.artifact, style="bold")
            title.append(f"   run {self.run_id[:12]}", style="dim")
            yield Static(title, id="preview-title")
            yield ArtifactView(id="preview-view")
            yield Static(
                "esc closes · l log y · t heatmap/table · o opens it in the system viewer",
                id="preview-footer",
            )

    @property
    def view(self) -> ArtifactView:
        return self.query_one("#preview-view", ArtifactView)

    async def on_mount(self) -> None:
        await self.view.show_message("loading …", "loading")
        self._load()

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def _load(self) -> tuple[ArtifactItem | None, Any, str | None]:
        """(the artifact's item, its value, why it was not read) off the UI thread."""
        run = self.state.index.run(self.run_id)
        items, descriptors = list_items(run, [])
        item = next((i for i in items if i.name == self.artifact and i.source == "artifact"),
                    None)  # fmt: skip
        if item is None:
            return None, None, f"run {self.run_id[:12]} has no artifact {self.artifact!r}"
        reason = not_loaded_reason(item)
        if reason is not None:
            return item, None, reason
        return item, read_item(run, item, descriptors), None

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "preview":
            return
        if event.state == WorkerState.ERROR:
            await self.view.show_message(f"could not read it: {event.worker.error}", "error")
        elif event.state == WorkerState.SUCCESS and event.worker.result is not None:
            item, value, reason = event.worker.result
            self.item = item
            if item is None:
                await self.view.show_message(reason or "not found", "error")
            elif reason is not None:
                await self.view.show_info(item, reason)
            else:
                self.loaded = value
                await self.view.show_value(self.artifact, value, item)

    def action_log_y(self) -> None:
        self.view.toggle_log_y()

    async def action_toggle_matrix(self) -> None:
        await self.view.toggle_matrix()

    def action_open_artifact(self) -> None:
        result = open_item(self.item)
        self.notify(result.message, severity=result.severity, timeout=result.timeout)

    def action_dismiss_preview(self) -> None:
        self.dismiss(None)
