"""Viewers for what a run saved: arrays, dicts of arrays, JSON, text, anything else.

The run detail screen loads an artifact (or a ``capture.data`` entry) on a worker
thread and hands the Python value to :class:`ArtifactView`, which picks a viewer by
the value's shape rather than by the file's declared kind, since the same array may
arrive as an ``.npz`` artifact, a ``.npy`` file or a JSON list in ``capture.data``:

* a 1-D numeric array is a curve against its index (:class:`~tui.widgets.curve_plot.CurvePlot`,
  reduced to the pane's width, so a million points cost what a thousand do);
* a 2-D numeric array is a heatmap of unicode half-blocks (two pixels per cell, each
  coloured by value) or, when small enough to read, a table; ``t`` switches;
* a dict of arrays is a list of its keys, each opening in one of the viewers above;
* an image (decoded on the worker into a :class:`~tui.widgets.image_view.LoadedImage`)
  is drawn in the terminal (:class:`~tui.widgets.image_view.ImageView`);
* JSON is a tree, text is scrollable text, and anything else (a pickle, bytes, an
  array of more dimensions) is its path, size and shape, never unpickled.

Nothing here reads files: the viewers draw values they are given, so they can be
tested and reused (the compare tab and the plots tab may show the same arrays).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.color import Color
from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, OptionList, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from metalab.index.table import format_size
from tui.plotting.render import Series
from tui.widgets.curve_plot import CurvePlot
from tui.widgets.image_view import ImageView, LoadedImage, is_image

__all__ = [
    "ArrayCurve",
    "ArraysView",
    "ArtifactItem",
    "ArtifactView",
    "HeatmapView",
    "JsonTree",
    "MatrixView",
    "TextView",
    "classify",
    "heatmap_lines",
]

TABLE_MAX_CELLS = 400
"""A 2-D array up to this many cells opens as a table; larger ones as a heatmap."""
TABLE_MAX_ROWS = 1000
TABLE_MAX_COLUMNS = 100
"""Larger arrays have no table view (the heatmap shows them whole, reduced)."""
TEXT_MAX_CHARS = 200_000
"""Text beyond this is cut, and the viewer says so."""
JSON_MAX_NODES = 5000
"""A JSON tree stops adding nodes after this many (the rest is counted)."""

# Perceptually ordered colour ramp (viridis anchors): dark blue for low, yellow for high.
# Data colours, not theme colours: a heatmap must read the same in every theme.
_RAMP: tuple[tuple[int, int, int], ...] = (
    (68, 1, 84),
    (59, 82, 139),
    (33, 145, 140),
    (94, 201, 98),
    (253, 231, 37),
)
_UPPER_HALF = "▀"


@dataclass(frozen=True)
class ArtifactItem:
    """One entry of a run's artifacts list: a saved artifact or a ``capture.data`` entry."""

    name: str
    source: str
    """``artifact`` or ``data``."""
    kind: str
    """The artifact's kind (``numpy``, ``json``, ``text``, ``pickle``, ``file``, ``image``)
    or ``data``."""
    format: str
    """The file format (``npz``, ``json``, ``txt``...) or, for data, ``dtype [shape]``."""
    size: int | None
    path: Path | None
    """Where the file is now (inside the tree, for a moved tree)."""

    @property
    def kind_format(self) -> str:
        return f"{self.kind} / {self.format}" if self.format else self.kind

    @property
    def is_image(self) -> bool:
        """Whether it is drawn as an image (kind ``image``, or a PNG, JPEG... file)."""
        return self.source == "artifact" and is_image(self.kind, self.format)

    @property
    def loadable(self) -> bool:
        """Whether the viewer may load it: never a pickle (loading one runs its code)."""
        return self.kind != "pickle" and self.format != "pkl"


def _numeric(array: np.ndarray) -> bool:
    return array.dtype.kind in "biuf"


def as_array(value: Any) -> np.ndarray | None:
    """``value`` as a numeric array when it is one (or a list of numbers), else None."""
    if isinstance(value, np.ndarray):
        return value if _numeric(value) else None
    if isinstance(value, list) and value:
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            return None
        if array.dtype != object and _numeric(array) and array.ndim in (1, 2):
            return array
    return None


def classify(value: Any) -> str:
    """The viewer for ``value``: ``curve``, ``matrix``, ``arrays``, ``json``, ``text``,
    ``image``, ``array`` (an array no viewer draws: shown as shape and dtype) or ``other``."""
    if isinstance(value, LoadedImage):
        return "image"
    if isinstance(value, np.ndarray):
        if _numeric(value) and value.ndim == 1:
            return "curve"
        if _numeric(value) and value.ndim == 2:
            return "matrix"
        return "array"
    if isinstance(value, dict) and value and all(isinstance(v, np.ndarray) for v in value.values()):
        return "arrays"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bytes | bytearray):
        return "other"
    array = as_array(value)
    if array is not None:
        return "curve" if array.ndim == 1 else "matrix"
    if value is None or isinstance(value, dict | list | int | float | bool):
        return "json"
    return "other"


# -- heatmap ------------------------------------------------------------------------------


def _ramp(t: float) -> Color:
    """The ramp's colour at ``t`` in [0, 1]."""
    t = min(1.0, max(0.0, t)) * (len(_RAMP) - 1)
    i = min(int(t), len(_RAMP) - 2)
    f = t - i
    a, b = _RAMP[i], _RAMP[i + 1]
    return Color.from_rgb(*(round(a[k] + (b[k] - a[k]) * f) for k in range(3)))


def _resample(array: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """``array`` reduced to ``rows`` x ``cols`` (each at most the array's) by block means
    over the finite values; a block with none is NaN."""
    r, c = array.shape
    finite = np.isfinite(array)
    values = np.where(finite, array, 0.0).astype(float)
    row_edges = np.floor(np.arange(rows) * r / rows).astype(int)
    col_edges = np.floor(np.arange(cols) * c / cols).astype(int)
    sums = np.add.reduceat(np.add.reduceat(values, row_edges, axis=0), col_edges, axis=1)
    counts = np.add.reduceat(
        np.add.reduceat(finite.astype(float), row_edges, axis=0), col_edges, axis=1
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def heatmap_lines(array: np.ndarray, width: int, height: int) -> tuple[list[Text], int, int]:
    """Draw a 2-D array into at most ``height`` lines of ``width`` cells.

    Each cell is an upper half-block whose foreground is one pixel and background the
    pixel below, so a cell holds two rows of the array. Arrays larger than the area are
    reduced by block means; smaller ones are scaled up by a whole factor, the same on
    both axes, so the cells stay square. NaN pixels are left blank.

    Returns the lines and the (rows, columns) of pixels drawn.
    """
    data = np.asarray(array, dtype=float)
    if data.ndim != 2 or data.size == 0 or width <= 0 or height <= 0:
        return [], 0, 0
    r, c = data.shape
    if r <= 2 * height and c <= width:
        factor = max(1, min(width // c, (2 * height) // r))
        pixels = np.repeat(np.repeat(data, factor, axis=0), factor, axis=1)
        pixels = np.where(np.isfinite(pixels), pixels, np.nan)
    else:
        pixels = _resample(data, min(r, 2 * height), min(c, width))
    rows, cols = pixels.shape
    finite = pixels[np.isfinite(pixels)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 1.0
    span = hi - lo if hi > lo else 1.0
    lines: list[Text] = []
    for top in range(0, rows, 2):
        line = Text(no_wrap=True, overflow="crop")
        for j in range(cols):
            up = pixels[top, j]
            down = pixels[top + 1, j] if top + 1 < rows else math.nan
            fg = _ramp((up - lo) / span) if math.isfinite(up) else None
            bg = _ramp((down - lo) / span) if math.isfinite(down) else None
            if fg is None and bg is None:
                line.append(" ")
            elif fg is None:
                line.append("▄", Style(color=bg))
            else:
                line.append(_UPPER_HALF, Style(color=fg, bgcolor=bg))
        lines.append(line)
    return lines, rows, cols


def colour_bar(lo: float, hi: float, width: int) -> Text:
    """``lo ▕gradient▏ hi``: the heatmap's scale."""
    left, right = f"{_short(lo)} ", f" {_short(hi)}"
    n = max(4, min(40, width - len(left) - len(right)))
    bar = Text(left, no_wrap=True, overflow="crop")
    for k in range(n):
        bar.append(" ", Style(bgcolor=_ramp(k / max(1, n - 1))))
    bar.append(right)
    return bar


def _short(value: float) -> str:
    return f"{value:.4g}"


class HeatmapView(Widget):
    """A 2-D array drawn with half-blocks, reduced to the widget's size, with its scale."""

    DEFAULT_CSS = """
    HeatmapView { height: 1fr; width: 1fr; background: $surface; }
    """

    def __init__(self, array: np.ndarray, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.array = np.asarray(array, dtype=float)
        finite = self.array[np.isfinite(self.array)]
        self.lo = float(finite.min()) if finite.size else math.nan
        self.hi = float(finite.max()) if finite.size else math.nan
        self.pixels: tuple[int, int] = (0, 0)
        """Rows and columns of pixels in the frame last drawn (for tests)."""
        self._cache: tuple[tuple[int, int], Text] | None = None

    def render(self) -> RenderResult:
        size = (self.content_size.width, self.content_size.height)
        if self._cache is not None and self._cache[0] == size:
            return self._cache[1]
        width, height = size
        lines, rows, cols = heatmap_lines(self.array, width, max(1, height - 1))
        self.pixels = (rows, cols)
        out = Text("\n").join(lines)
        if math.isfinite(self.lo):
            out.append("\n")
            out.append_text(colour_bar(self.lo, self.hi, width))
        else:
            out = Text("no finite values")
        self._cache = (size, out)
        return out


class ArrayTable(DataTable[Text]):
    """A small 2-D array as a table: one row per array row, values to 4 significant digits."""

    def __init__(self, array: np.ndarray, **kwargs: Any) -> None:
        super().__init__(zebra_stripes=True, cursor_type="cell", **kwargs)
        self.array = array

    def on_mount(self) -> None:
        rows, cols = self.array.shape
        self.add_column("", key="row")
        for j in range(min(cols, TABLE_MAX_COLUMNS)):
            self.add_column(str(j), key=f"c{j}")
        for i in range(min(rows, TABLE_MAX_ROWS)):
            values = [_cell(v) for v in self.array[i, :TABLE_MAX_COLUMNS].tolist()]
            self.add_row(Text(str(i), style="dim"), *values, key=f"r{i}")


def _cell(value: Any) -> Text:
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    return Text(text, justify="right")


class MatrixView(Vertical):
    """A 2-D array as a heatmap or a table; :meth:`toggle` switches (when a table fits)."""

    DEFAULT_CSS = """
    MatrixView { height: 1fr; }
    MatrixView > .matrix-caption { height: 1; color: $text-muted; }
    """

    def __init__(self, name: str, array: np.ndarray, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.title = name
        self.array = np.asarray(array)
        rows, cols = self.array.shape
        self.table_possible = rows <= TABLE_MAX_ROWS and cols <= TABLE_MAX_COLUMNS
        self.mode = (
            "table" if self.table_possible and self.array.size <= TABLE_MAX_CELLS else "heatmap"
        )
        """``heatmap`` or ``table``."""

    def compose(self) -> ComposeResult:
        yield Static(self._caption(), classes="matrix-caption")
        yield self._viewer()

    def _caption(self) -> str:
        rows, cols = self.array.shape
        other = "table" if self.mode == "heatmap" else "heatmap"
        hint = f"  ·  t: {other}" if self.table_possible else ""
        return f"{self.title}  {rows} × {cols}  {self.array.dtype}  ·  {self.mode}{hint}"

    def _viewer(self) -> Widget:
        if self.mode == "table":
            return ArrayTable(self.array, classes="matrix-body")
        return HeatmapView(self.array, classes="matrix-body")

    async def toggle(self) -> None:
        if not self.table_possible:
            return
        self.mode = "table" if self.mode == "heatmap" else "heatmap"
        await self.query(".matrix-body").remove()
        await self.mount(self._viewer())
        self.query_one(".matrix-caption", Static).update(self._caption())


class ArrayCurve(CurvePlot):
    """A 1-D array drawn against its index."""

    def __init__(self, name: str, array: np.ndarray, **kwargs: Any) -> None:
        values = np.asarray(array, dtype=float).ravel()
        super().__init__(
            title=f"{name} ({values.size} points, {array.dtype})", xlabel="index", **kwargs
        )
        self.values = values
        self.set_series([Series(key=name, label=name, x=np.arange(values.size), y=values)])


class ArraysView(Horizontal):
    """A dict of arrays: pick a key on the left, see its array on the right."""

    DEFAULT_CSS = """
    ArraysView { height: 1fr; }
    ArraysView > OptionList { width: 32; height: 1fr; }
    ArraysView > ArtifactView { width: 1fr; }
    """

    def __init__(self, name: str, arrays: dict[str, np.ndarray], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.title = name
        self.arrays = arrays
        self.keys = list(arrays)

    def compose(self) -> ComposeResult:
        options = [
            Option(f"{k}  {'×'.join(map(str, a.shape)) or 'scalar'}  {a.dtype}", id=f"key-{i}")
            for i, (k, a) in enumerate(self.arrays.items())
        ]
        yield OptionList(*options, classes="arrays-keys")
        yield ArtifactView(classes="arrays-value")

    def on_mount(self) -> None:
        keys = self.query_one(OptionList)
        if self.keys:
            keys.highlighted = 0

    async def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        index = event.option_index
        if 0 <= index < len(self.keys):
            key = self.keys[index]
            await self.query_one(ArtifactView).show_value(f"{self.title}[{key}]", self.arrays[key])

    @property
    def inner(self) -> ArtifactView:
        return self.query_one(ArtifactView)


class JsonTree(Tree[Any]):
    """A JSON value as an expandable tree (first two levels open)."""

    def __init__(self, name: str, value: Any, **kwargs: Any) -> None:
        super().__init__(name, data=value, **kwargs)
        self.nodes_added = 0
        self.truncated = 0
        self._fill(self.root, value, depth=0)
        self.root.expand()

    def _fill(self, node: TreeNode[Any], value: Any, depth: int) -> None:
        items: Sequence[tuple[str, Any]]
        if isinstance(value, dict):
            items = [(str(k), v) for k, v in value.items()]
        elif isinstance(value, list):
            items = [(f"[{i}]", v) for i, v in enumerate(value)]
        else:
            node.add_leaf(_json_scalar(value), data=value)
            self.nodes_added += 1
            return
        for key, item in items:
            if self.nodes_added >= JSON_MAX_NODES:
                self.truncated += 1
                continue
            self.nodes_added += 1
            if isinstance(item, dict | list) and item:
                size = f"{{{len(item)}}}" if isinstance(item, dict) else f"[{len(item)}]"
                label = Text.assemble((key, "bold"), f" {size}")
                child = node.add(label, data=item, expand=depth < 1)
                self._fill(child, item, depth + 1)
            else:
                node.add_leaf(Text.assemble((key, "bold"), ": ", _json_scalar(item)), data=item)
        if self.truncated and depth == 0:
            node.add_leaf(f"… {self.truncated} more values not shown")


def _json_scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return json.dumps(value, default=str)


class TextView(ScrollableContainer):
    """Scrollable text (cut at :data:`TEXT_MAX_CHARS`)."""

    DEFAULT_CSS = """
    TextView { height: 1fr; background: $surface; }
    TextView > Static { width: auto; }
    """

    def __init__(self, text: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.truncated = len(text) > TEXT_MAX_CHARS
        self.text = text[:TEXT_MAX_CHARS]

    def compose(self) -> ComposeResult:
        body = Text(self.text, no_wrap=True)
        if self.truncated:
            body.append(f"\n… cut at {TEXT_MAX_CHARS:,} characters", style="italic")
        yield Static(body)


class ArtifactView(Vertical):
    """Shows one loaded value in the viewer its shape calls for.

    ``mode`` says which viewer is up (``empty``, ``loading``, ``curve``, ``matrix``,
    ``arrays``, ``json``, ``text``, ``image``, ``info`` or ``error``).
    """

    IMAGE_HINT = "o: open in viewer"
    """The caption's hint under an image (the screens that show one bind ``o``)."""

    DEFAULT_CSS = """
    ArtifactView { height: 1fr; width: 1fr; }
    ArtifactView > .artifact-message { color: $text-muted; padding: 1 2; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = "empty"
        self.title = ""

    def compose(self) -> ComposeResult:
        yield Static("choose an artifact on the left", classes="artifact-message")

    @property
    def viewer(self) -> Widget | None:
        """The viewer widget shown (None for a message)."""
        children = [c for c in self.children if not c.has_class("artifact-message")]
        return children[0] if children else None

    async def _replace(self, widget: Widget, mode: str) -> None:
        await self.remove_children()
        self.mode = mode
        await self.mount(widget)

    async def show_message(self, text: RenderableType, mode: str = "info") -> None:
        await self._replace(Static(text, classes="artifact-message"), mode)

    async def show_info(self, item: ArtifactItem, note: str = "") -> None:
        """Path, size and kind, for what no viewer draws."""
        lines = Text()
        lines.append(item.name, "bold")
        lines.append(f"\n{item.kind_format}  ·  {format_size(item.size)}")
        lines.append(f"\n{item.path}" if item.path else "")
        if note:
            lines.append(f"\n\n{note}", "italic")
        await self.show_message(lines, "info")

    async def show_value(self, name: str, value: Any, item: ArtifactItem | None = None) -> None:
        """Show ``value`` (called ``name``) in the viewer :func:`classify` picks."""
        self.title = name
        kind = classify(value)
        if kind == "curve":
            array = value if isinstance(value, np.ndarray) else as_array(value)
            assert array is not None
            await self._replace(ArrayCurve(name, array, classes="artifact-body"), "curve")
        elif kind == "matrix":
            array = value if isinstance(value, np.ndarray) else as_array(value)
            assert array is not None
            await self._replace(MatrixView(name, array, classes="artifact-body"), "matrix")
        elif kind == "arrays":
            await self._replace(ArraysView(name, value, classes="artifact-body"), "arrays")
        elif kind == "json":
            await self._replace(JsonTree(name, value, classes="artifact-body"), "json")
        elif kind == "text":
            await self._replace(TextView(value, classes="artifact-body"), "text")
        elif kind == "image":
            view = ImageView(name, value, self.IMAGE_HINT, classes="artifact-body")
            await self._replace(view, "image")
        elif kind == "array":
            note = f"an array of shape {tuple(value.shape)} and dtype {value.dtype}: no viewer"
            if item is not None:
                await self.show_info(item, note)
            else:
                await self.show_message(note)
        elif item is not None:
            await self.show_info(item, "no preview for this kind")
        else:
            await self.show_message(f"{name}: {type(value).__name__}, no preview")

    @property
    def shows_curve(self) -> bool:
        return isinstance(self.innermost().viewer, CurvePlot)

    @property
    def shows_matrix(self) -> bool:
        viewer = self.innermost().viewer
        return isinstance(viewer, MatrixView) and viewer.table_possible

    def innermost(self) -> ArtifactView:
        """The view actually showing a value (inside a dict of arrays, the chosen one's)."""
        viewer = self.viewer
        if isinstance(viewer, ArraysView):
            return viewer.inner.innermost()
        return self

    async def toggle_matrix(self) -> bool:
        """Heatmap ⇄ table for a 2-D array; False when no matrix is shown."""
        viewer = self.innermost().viewer
        if isinstance(viewer, MatrixView) and viewer.table_possible:
            await viewer.toggle()
            return True
        return False

    def toggle_log_y(self) -> bool:
        """Log-scaled y for a curve; False when no curve is shown."""
        viewer = self.innermost().viewer
        if isinstance(viewer, CurvePlot):
            viewer.log_y = not viewer.log_y
            return True
        return False
