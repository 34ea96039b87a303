"""Image artifacts (a matplotlib figure saved as PNG, a JPEG sample) drawn in the terminal.

Why it exists: a figure is what a researcher most wants to look at in a run, and a
path is no substitute. The drawing is textual-image's: where the terminal speaks the
Kitty graphics protocol or Sixel the image is shown at full resolution, elsewhere (most
terminals, tmux, an SSH session) as unicode half-blocks, two pixels a cell, which work
everywhere colour does.

textual-image asks the terminal what it can do when it is first imported (it cannot
once Textual owns the terminal), so this module imports it at the top: the browser
imports it before its app starts. ``METALAB_TUI_IMAGES`` overrides the choice:
``halfcell`` (also what tests use, so snapshots are the same on every machine),
``unicode``, ``sixel``, ``tgp`` or ``auto`` (the default).

Files are decoded by :func:`load_image` on a worker thread, and reduced to at most
:data:`MAX_PIXELS` on a side, so drawing (which happens at every resize) stays cheap;
the view shows the file's own size in its caption.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image as PILImage
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.widget import Widget
from textual.widgets import Static
from textual_image.widget import HalfcellImage, SixelImage, TGPImage, UnicodeImage
from textual_image.widget import Image as AutoImage

__all__ = [
    "IMAGE_FORMATS",
    "IMAGES_ENV",
    "MAX_PIXELS",
    "ImageView",
    "LoadedImage",
    "image_widget_class",
    "is_image",
    "load_image",
]

IMAGE_FORMATS = frozenset({"png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff"})
"""File formats drawn as images (whatever the artifact's kind says)."""
IMAGES_ENV = "METALAB_TUI_IMAGES"
"""Environment variable choosing how images are drawn (see the module docstring)."""
MAX_PIXELS = 1600
"""Images are reduced to at most this many pixels on their longer side when loaded."""

_WIDGETS: dict[str, type[Widget]] = {
    "auto": AutoImage,
    "halfcell": HalfcellImage,
    "unicode": UnicodeImage,
    "sixel": SixelImage,
    "tgp": TGPImage,
}


def is_image(kind: str, fmt: str) -> bool:
    """Whether an artifact of this kind and format is drawn as an image: the reference's
    ``image`` kind (``capture.figure``) or an image file format (``capture.file``)."""
    return kind == "image" or fmt.lower().lstrip(".") in IMAGE_FORMATS


def image_widget_class() -> type[Widget]:
    """The textual-image widget that draws images here (``METALAB_TUI_IMAGES``, else auto)."""
    choice = os.environ.get(IMAGES_ENV, "auto").strip().lower() or "auto"
    return _WIDGETS.get(choice, AutoImage)


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image, ready to draw: ``image`` (possibly reduced) and the file's own
    ``width``, ``height`` and ``format``."""

    path: Path
    image: PILImage.Image
    width: int
    height: int
    format: str

    @property
    def reduced(self) -> bool:
        return self.image.size != (self.width, self.height)


def load_image(path: str | os.PathLike[str]) -> LoadedImage:
    """Decode the image at ``path`` (first frame of an animation), as RGB, reduced to
    :data:`MAX_PIXELS`; raises what Pillow raises for a file it cannot read."""
    source = Path(path)
    with PILImage.open(source) as opened:
        width, height = opened.size
        fmt = (opened.format or source.suffix.lstrip(".")).lower()
        opened.seek(0)
        image = opened.convert("RGBA") if opened.mode in ("P", "LA", "PA") else opened.copy()
    if image.mode == "RGBA":  # transparent areas drawn on white, as a viewer does
        background = PILImage.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((MAX_PIXELS, MAX_PIXELS))
    return LoadedImage(source, image, width, height, fmt)


class ImageView(Vertical):
    """An image with a caption line: name, pixel size, format, and the key that opens it."""

    DEFAULT_CSS = """
    ImageView { height: 1fr; width: 1fr; }
    ImageView > .image-caption { height: 1; color: $text-muted; }
    ImageView > .image-frame { height: 1fr; width: 1fr; }
    ImageView .image-body { width: auto; height: auto; }
    """

    def __init__(self, name: str, loaded: LoadedImage, hint: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.title = name
        self.loaded = loaded
        self.hint = hint

    def caption(self) -> str:
        loaded = self.loaded
        text = f"{self.title}  {loaded.width}×{loaded.height} {loaded.format}"
        return f"{text}  ·  {self.hint}" if self.hint else text

    def compose(self) -> ComposeResult:
        yield Static(self.caption(), classes="image-caption")
        with Container(classes="image-frame"):
            yield image_widget_class()(self.loaded.image, classes="image-body")

    @property
    def image_widget(self) -> Widget:
        return self.query_one(".image-body")
