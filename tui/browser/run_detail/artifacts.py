"""The Artifacts tab: the run's artifacts and data files, listed, and loaded for the viewer.

Why a module of its own: listing reads the run's artifact descriptors and peeks into
small data files for their dtype and shape, and loading parses (or unpickles) a file;
both run on worker threads (the screen's snapshot, :class:`ArtifactsTab`'s loads), so
they are plain functions here. Data entries that are stepped metrics are left to the
Curves tab. A pickle is never loaded (unpickling runs code), nor a file over
:data:`MAX_LOAD_BYTES`, nor one that leads out of the results tree (a symlink; an
artifact is only ever looked for in its run's folder): the viewer says why and shows
the file's details instead. An image (kind ``image``, or a PNG, JPEG... file) is
decoded here and drawn by the viewer; ``o`` hands the file shown to the system viewer
(:mod:`tui.browser.system_viewer`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable

from metalab.index.table import format_size
from metalab.index.tree_bounds import OUTSIDE_TREE, inside_tree
from metalab.results import Run
from metalab.types import ArtifactDescriptor
from tui.browser.run_detail.tab import RunTab
from tui.browser.system_viewer import OpenResult, open_in_viewer
from tui.widgets.artifact_view import ArtifactItem, ArtifactView
from tui.widgets.image_view import load_image

__all__ = [
    "ARTIFACT_COLUMNS",
    "MAX_LOAD_BYTES",
    "ArtifactsTab",
    "fill_artifact_list",
    "list_items",
    "not_loaded_reason",
    "open_item",
    "read_item",
]

MAX_LOAD_BYTES = 256 * 1024 * 1024
"""Artifacts larger than this are not loaded into a viewer (their path is shown)."""
ARTIFACT_COLUMNS = (("name", "name"), ("kind / format", "kind"), ("size", "size"))
"""The artifacts list's columns, as (label, key)."""


def list_items(
    run: Run, stepped: list[str]
) -> tuple[list[ArtifactItem], dict[str, ArtifactDescriptor]]:
    """The run's artifacts, then its data entries that are not ``stepped`` metrics; and
    the artifacts' descriptors by name (what :func:`read_item` loads them with)."""
    store = run.store
    items: list[ArtifactItem] = []
    descriptors: dict[str, ArtifactDescriptor] = {}
    for desc in run.artifacts():
        try:
            path: Path | None = store.artifact_path(run.run_id, desc)
        except PermissionError:  # its file leads out of the results tree
            path = None
        size = desc.size_bytes or (_size(path) if path is not None else None)
        items.append(ArtifactItem(desc.name, "artifact", desc.kind, desc.format, size, path))
        descriptors[desc.name] = desc
    for name in run.list_data():
        if name in stepped:
            continue
        path = store.layout.result(run.run_id, name)
        if not inside_tree(store.root, path):
            items.append(ArtifactItem(name, "data", "data", "json", None, None))
            continue
        size = _size(path)
        fmt = "json"
        try:
            if size is not None and size < 1_000_000:
                entry = store.get_result(run.run_id, name)
                if entry.get("dtype") and entry.get("shape") is not None:
                    fmt = f"{entry['dtype']} [{', '.join(map(str, entry['shape']))}]"
        except (OSError, ValueError, KeyError):
            pass
        items.append(ArtifactItem(name, "data", "data", fmt, size, path))
    return items, descriptors


def not_loaded_reason(item: ArtifactItem) -> str | None:
    """Why the viewer shows only ``item``'s details instead of loading it (None: load it)."""
    if item.path is None:
        return f"its file {OUTSIDE_TREE}"
    if not item.loadable:
        return "a pickle is not loaded here: unpickling runs code"
    if item.size is not None and item.size > MAX_LOAD_BYTES:
        return "too large to preview"
    return None


def read_item(
    run: Run, item: ArtifactItem, descriptors: Mapping[str, ArtifactDescriptor] | None
) -> Any:
    """The value an artifact or data entry holds (raises what reading it raised); an
    image as a :class:`~tui.widgets.image_view.LoadedImage`."""
    if item.is_image and item.path is not None:
        return load_image(item.path)
    if item.source == "artifact":
        desc = descriptors[item.name] if descriptors is not None else None
        if desc is None:
            raise FileNotFoundError(item.name)
        return run.store.load_artifact(run.run_id, desc)
    return run.data(item.name)


def open_item(item: ArtifactItem | None) -> OpenResult:
    """Open ``item``'s file in the system viewer (or say why not, with its path)."""
    if item is None or item.path is None:
        return OpenResult(False, "choose an artifact to open")
    return open_in_viewer(item.path)


def fill_artifact_list(
    table: DataTable, items: list[ArtifactItem], shown: ArtifactItem | None
) -> None:
    """Refill the artifacts list (:data:`ARTIFACT_COLUMNS`), the cursor kept on ``shown``."""
    table.clear()
    for i, item in enumerate(items):
        name = item.name if item.source == "artifact" else f"{item.name} (data)"
        table.add_row(name, item.kind_format, format_size(item.size), key=f"item-{i}")
    if not items:
        table.add_row("no artifacts or data", "", "", key="none")
    elif shown is not None:
        for i, item in enumerate(items):
            if item.name == shown.name and item.source == shown.source:
                table.move_cursor(row=i)


def _size(path: Path) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


class ArtifactsTab(RunTab):
    """The list of the run's artifacts and data files, and the viewer of the one
    highlighted (loaded on a worker)."""

    DEFAULT_CSS = """
    ArtifactsTab #artifact-list { width: 56; height: 1fr; }
    """

    @dataclass
    class ItemLoaded(Message):
        item: ArtifactItem
        value: Any = None
        error: str | None = None

    def __init__(self) -> None:
        super().__init__("Artifacts", id="artifacts")
        self.run: Run | None = None
        self.items: list[ArtifactItem] = []
        self.descriptors: dict[str, ArtifactDescriptor] | None = None
        self.item_shown: ArtifactItem | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield DataTable(id="artifact-list", cursor_type="row", zebra_stripes=True)
            yield ArtifactView(id="artifact-view")

    def on_mount(self) -> None:
        table = self.query_one("#artifact-list", DataTable)
        for label, key in ARTIFACT_COLUMNS:
            table.add_column(label, key=key)

    @property
    def view(self) -> ArtifactView:
        return self.query_one("#artifact-view", ArtifactView)

    def fill(
        self, run: Run, items: list[ArtifactItem], descriptors: dict[str, ArtifactDescriptor]
    ) -> None:
        """List ``items`` of ``run`` (the cursor kept on the one shown)."""
        self.run, self.items, self.descriptors = run, items, descriptors
        table = self.query_one("#artifact-list", DataTable)
        fill_artifact_list(table, self.items, self.item_shown)

    @on(DataTable.RowHighlighted, "#artifact-list")
    def _on_item_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value or ""
        if not key.startswith("item-"):
            return
        item = self.items[int(key[5:])]
        if item == self.item_shown:
            return
        self.item_shown = item
        self._open_item(item)

    def open_shown(self) -> None:
        """``o``: the artifact shown, in the system viewer (a notification says how it went)."""
        result = open_item(self.item_shown)
        self.notify(result.message, severity=result.severity, timeout=result.timeout)

    def _open_item(self, item: ArtifactItem) -> None:
        view = self.view
        reason = not_loaded_reason(item)
        if reason is not None:
            self.call_later(view.show_info, item, reason)
            return
        self.call_later(view.show_message, f"loading {item.name} …", "loading")
        if self.run is not None:
            self._load_item(self.run, item)

    @work(thread=True, exclusive=True, group="detail-item", exit_on_error=False)
    def _load_item(self, run: Run, item: ArtifactItem) -> None:
        try:
            value = read_item(run, item, self.descriptors)
        except Exception as error:  # a broken file is shown, not raised
            self.post_message(self.ItemLoaded(item, error=f"{type(error).__name__}: {error}"))
            return
        self.post_message(self.ItemLoaded(item, value))

    @on(ItemLoaded)
    async def _on_item_loaded(self, message: ItemLoaded) -> None:
        if message.item != self.item_shown:
            return
        view = self.view
        if message.error is not None:
            await view.show_info(message.item, f"could not be loaded: {message.error}")
            view.mode = "error"
        else:
            await view.show_value(message.item.name, message.value, message.item)
        self.refresh_bindings()
