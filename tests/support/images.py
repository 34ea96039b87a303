"""Real image files for the image-artifact tests, and a tree that holds them.

* :func:`png_bytes` writes a PNG from an RGB array with nothing but zlib and struct, so
  the file is a real PNG made independently of the Pillow that reads it.
* :func:`figure_pixels` is a small, fixed, figure-like picture: white ground, a black
  frame, a blue bar chart and a red rising line; easy to recognise in a snapshot.
* :func:`build_image_tree` lays out ``figs:1`` by hand (fixed run id and times): one run
  with a ``figure`` artifact of kind ``image`` (as the reference's ``capture.figure``
  saves one), a ``photo`` of kind ``file`` in JPEG (as ``capture.file`` saves one) and a
  text ``notes`` artifact; :func:`shared_image_tree` builds it once at a fixed place, for
  snapshots (the browser's header shows the tree's path).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from metalab.store import FileStore

from .trees import run_record, write_json

__all__ = [
    "FIGURE_SIZE",
    "IMAGE_ID",
    "IMAGE_RUN",
    "build_image_tree",
    "figure_pixels",
    "png_bytes",
    "shared_image_tree",
]

IMAGE_ID = "figs:1"
IMAGE_RUN = "f1a9e0c0ffee0001"
FIGURE_SIZE = (120, 200)
"""(height, width) of :func:`figure_pixels`."""


def png_bytes(pixels: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of ``pixels`` (height x width x 3, uint8)."""
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].astype(np.uint8).tobytes() for y in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def figure_pixels(height: int = FIGURE_SIZE[0], width: int = FIGURE_SIZE[1]) -> np.ndarray:
    """A figure-like RGB picture: frame, four blue bars, a red line rising left to right."""
    img = np.full((height, width, 3), 255, dtype=np.uint8)
    img[:4], img[-4:], img[:, :4], img[:, -4:] = 0, 0, 0, 0
    bar_w = width // 10
    for k, frac in enumerate((0.3, 0.55, 0.45, 0.8)):
        left = width // 10 + k * 2 * bar_w
        top = int(height - 8 - frac * (height - 16))
        img[top : height - 8, left : left + bar_w] = (40, 90, 200)
    xs = np.arange(8, width - 8)
    ys = (height - 10 - (xs - 8) * (height - 20) / (width - 16)).astype(int)
    for dy in range(-2, 3):
        img[np.clip(ys + dy, 0, height - 1), xs] = (220, 30, 30)
    return img


def _jpeg_bytes() -> bytes:
    """A small JPEG (a colour gradient), written by Pillow."""
    y, x = np.mgrid[0:48, 0:64]
    pixels = np.stack([x * 4, y * 5, np.full_like(x, 128)], axis=-1).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, format="JPEG", quality=90)
    return out.getvalue()


def build_image_tree(root: Path) -> Path:
    """``figs:1`` with one run holding a PNG figure, a JPEG and a text note; returns
    the collection root."""
    folder = root / "figs_1"
    store = FileStore(folder, IMAGE_ID)
    store.create()
    artifacts = [
        store.put_artifact(IMAGE_RUN, "figure", png_bytes(figure_pixels()), kind="image",
                           fmt="png"),
        store.put_artifact(IMAGE_RUN, "photo", _jpeg_bytes(), kind="file", fmt="jpg"),
        store.put_artifact(IMAGE_RUN, "notes", b"a figure and a photo\n", kind="text",
                           fmt="txt"),
    ]  # fmt: skip
    record = run_record(
        IMAGE_RUN,
        IMAGE_ID,
        status="success",
        fingerprints=("c0ffee00c0ffee00", "0000beefbeefbeef", "5eed000000000000"),
        started_at="2026-01-01T10:00:00",
        finished_at="2026-01-01T10:00:02.500000",
        duration_ms=2500,
        metrics={"score": 0.5},
        provenance={"code_hash": "d1e2f3a4", "executor_id": "thread", "host": "node-7"},
        params={"size": 3},
        artifacts=[a.to_dict() for a in artifacts],
    )
    write_json(folder / "runs" / f"{IMAGE_RUN}.json", record)
    return root


def shared_image_tree(root: Path) -> Path:
    """:func:`build_image_tree` at ``root``, built once while this module is unchanged
    (built aside, then renamed, so two test sessions do not collide)."""
    stamp = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    marker = root / ".built"
    if marker.is_file() and marker.read_text() == stamp:
        return root
    staging = root.with_name(f"{root.name}.{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    build_image_tree(staging)
    (staging / ".built").write_text(stamp)
    shutil.rmtree(root, ignore_errors=True)
    try:
        staging.rename(root)
    except OSError:  # another session put its (identical) tree there first
        shutil.rmtree(staging, ignore_errors=True)
    return root
