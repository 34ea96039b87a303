"""Image artifacts are drawn in the terminal, and ``o`` opens them in the system viewer.

The trees hold real image files: a PNG written with zlib and struct
(``support.images.png_bytes``), a JPEG written by Pillow, and a PNG that metalab itself
copied in with ``capture.file`` during a real sweep. The system viewer is a stand-in
``xdg-open`` script put first on PATH: a real process that writes the path it was given
to a file. Images are drawn with half-blocks in tests (``METALAB_TUI_IMAGES=halfcell``).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import numpy as np
import pytest
from support.images import (
    IMAGE_RUN,
    build_image_tree,
    figure_pixels,
    png_bytes,
    shared_image_tree,
)
from support.pilot import open_run
from textual.widgets import DataTable
from textual_image.widget import HalfcellImage

import metalab
from tui.browser.app import BrowserApp, BrowserScreen
from tui.browser.compare.artifact_preview import ArtifactPreviewScreen
from tui.browser.state import BrowseState
from tui.widgets.artifact_view import ArtifactView
from tui.widgets.image_view import ImageView

SIZE = (120, 36)


@pytest.fixture
def image_tree(tmp_path: Path) -> Path:
    return build_image_tree(tmp_path / "tree")


@pytest.fixture
def viewer_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in ``xdg-open`` first on PATH that appends its argument to a log file;
    a display is set, as on a desktop."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "viewer.log"
    script = bin_dir / "xdg-open"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("DISPLAY", ":0")
    return log


async def _artifacts(pilot, run_id: str, wait_until) -> tuple[object, ArtifactView]:
    screen = await open_run(pilot, run_id, wait_until)
    await pilot.press("4")
    view = screen.query_one("#artifact-view", ArtifactView)
    await wait_until(pilot, lambda: view.mode not in ("empty", "loading"), what="the first item")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen, view


async def _show(pilot, screen, name: str, wait_until) -> None:
    table = screen.query_one("#artifact-list", DataTable)
    table.move_cursor(row=next(i for i, it in enumerate(screen.items) if it.name == name))
    await wait_until(
        pilot,
        lambda: screen.item_shown.name == name and screen.artifacts_tab.view.mode != "loading",
        what=f"artifact {name}",
    )
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_png_and_jpeg_artifacts_are_drawn_as_images(image_tree: Path, wait_until) -> None:
    app = BrowserApp(image_tree)
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await _artifacts(pilot, IMAGE_RUN, wait_until)
        assert screen.item_shown.name == "figure" and view.mode == "image"
        image_view = view.viewer
        assert isinstance(image_view, ImageView)
        # the pixels drawn are the file's: decoded, not reduced (it is small)
        np.testing.assert_array_equal(np.asarray(image_view.loaded.image), figure_pixels())
        assert "figure  200×120 png" in image_view.caption()
        widget = image_view.image_widget
        assert isinstance(widget, HalfcellImage)
        # it fills the pane's width or height and keeps the figure's shape (5:3, with
        # half-blocks two pixels a cell)
        frame = image_view.query_one(".image-frame").content_size
        width, height = widget.size
        assert width == frame.width or height == frame.height
        assert width / (2 * height) == pytest.approx(200 / 120, rel=0.15)
        # the red line is drawn: some half-block cell is red on top or at the bottom
        strips = widget.render_lines(widget.region.reset_offset)
        colours = {
            (s.color.triplet if s.color else None, s.bgcolor.triplet if s.bgcolor else None)
            for strip in strips
            for seg in strip
            if (s := seg.style) is not None
        }
        reds = [c for pair in colours for c in pair if c and c.red > 150 and c.green < 120]
        assert reds
        # a JPEG saved with kind "file" (as capture.file saves one) is drawn too; text is not
        await _show(pilot, screen, "photo", wait_until)
        view = screen.artifacts_tab.view
        assert view.mode == "image"
        assert view.viewer.loaded.format == "jpeg" and view.viewer.loaded.width == 64
        await _show(pilot, screen, "notes", wait_until)
        assert view.mode == "text"


@metalab.operation
def plot_op(params, seeds, capture):
    """Save a PNG 'figure' with capture.file, as a script saving a matplotlib plot does."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "loss.png"
        path.write_bytes(png_bytes(figure_pixels(60, 80)))
        capture.file("loss_plot", path)
    capture.metric("score", float(params["k"]))


async def test_a_png_saved_by_a_sweep_with_capture_file(tmp_path: Path, wait_until) -> None:
    experiment = metalab.Experiment(
        name="plots", version="1", context={}, operation=plot_op,
        params=metalab.grid(k=[1]), seeds=metalab.seeds(base=1, replicates=1),
    )  # fmt: skip
    metalab.run(experiment, store=tmp_path, executor=metalab.ThreadExecutor(1)).result()
    run = next(iter(metalab.load_results(tmp_path / "plots_1")))
    assert [(a.kind, a.format) for a in run.artifacts()] == [("file", "png")]
    app = BrowserApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        _, view = await _artifacts(pilot, run.run_id, wait_until)
        assert view.mode == "image"
        np.testing.assert_array_equal(np.asarray(view.viewer.loaded.image), figure_pixels(60, 80))


async def test_o_opens_the_image_with_the_system_viewer(
    image_tree: Path, viewer_log: Path, wait_until
) -> None:
    app = BrowserApp(image_tree)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await _artifacts(pilot, IMAGE_RUN, wait_until)
        await pilot.press("o")
        await wait_until(pilot, viewer_log.exists, what="the viewer to be started")
        expected = screen.item_shown.path
        assert viewer_log.read_text().splitlines() == [str(expected)]
        assert expected.name == "figure.png" and expected.is_file()
        assert any("opened figure.png" in str(n.message) for n in app._notifications)


async def test_without_a_viewer_or_a_display_the_notification_gives_the_path(
    image_tree: Path, viewer_log: Path, monkeypatch: pytest.MonkeyPatch, wait_until
) -> None:
    app = BrowserApp(image_tree)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await _artifacts(pilot, IMAGE_RUN, wait_until)
        path = str(screen.item_shown.path)
        # over SSH: the viewer is on PATH, but there is no display to show it on
        monkeypatch.delenv("DISPLAY")
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        await pilot.press("o")
        await pilot.pause(0.3)
        messages = [str(n.message) for n in app._notifications]
        assert any("no display" in m and path in m for m in messages), messages
        assert not viewer_log.exists()
        # a display, but no viewer installed
        app.clear_notifications()
        monkeypatch.setenv("DISPLAY", ":0")
        empty = viewer_log.parent / "empty-bin"
        empty.mkdir()
        monkeypatch.setenv("PATH", str(empty))
        await pilot.press("o")
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any("xdg-open" in m and path in m for m in messages), messages
        assert not viewer_log.exists()


async def test_compare_preview_draws_the_image_and_opens_it(
    image_tree: Path, viewer_log: Path, wait_until
) -> None:
    app = BrowserApp(image_tree)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
        state: BrowseState = app.screen.state
        preview = ArtifactPreviewScreen(state, IMAGE_RUN, "figure")
        await app.push_screen(preview)
        await wait_until(pilot, lambda: preview.view.mode == "image", what="the image")
        assert isinstance(preview.view.viewer, ImageView)
        await pilot.press("o")
        await wait_until(pilot, viewer_log.exists, what="the viewer to be started")
        assert viewer_log.read_text().strip().endswith("figure.png")


SNAP_SIZE = (100, 30)


@pytest.fixture(scope="module")
def snap_tree() -> Path:
    return shared_image_tree(Path(tempfile.gettempdir()) / "metalab-tui-snap-images")


def test_snapshot_image_artifact(snap_compare, snap_tree: Path, wait_until) -> None:
    async def run_before(pilot) -> None:
        await _artifacts(pilot, IMAGE_RUN, wait_until)
        await pilot.pause(0.2)

    assert snap_compare(BrowserApp(snap_tree), run_before=run_before, terminal_size=SNAP_SIZE)
