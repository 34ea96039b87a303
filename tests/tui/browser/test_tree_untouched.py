"""Issue 9, "leave the user's trees as they are": browsing a tree (opening it, its live
refresh, the run detail, closing the browser) changes nothing in it, not even for a
moment; the index cache goes to the user's cache folder, and the next open uses it."""

from __future__ import annotations

from pathlib import Path

from support.pilot import open_run
from support.tree_state import describe_changes, tree_state

from metalab.index import TreeIndex
from metalab.index import tree as index_module
from metalab.index.cache import LEGACY_CACHE_FILE, cache_dir
from tui.browser.app import BrowserApp, BrowserScreen

SIZE = (160, 48)


async def test_browsing_and_closing_leave_the_tree_byte_identical(
    small_tree: Path, tmp_path: Path, wait_until, monkeypatch
) -> None:
    monkeypatch.setattr(index_module, "RACY_NS", 0)  # the tree was copied just now
    (small_tree / "toy_1" / LEGACY_CACHE_FILE).write_text("{}")  # an old cache: left alone
    before = tree_state(small_tree)
    app = BrowserApp(small_tree)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
        browser = app.screen
        for key in ("2", "3", "4", "1"):
            await pilot.press(key)
            await pilot.pause()
        browser.refresh_tree()  # the live refresh, as its timer runs it
        await app.workers.wait_for_complete()
        run_id = browser.index.table("toy:1").run_ids[0]
        screen = await open_run(pilot, run_id, wait_until)
        for key in ("2", "3", "4", "5"):
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        screen.dismiss()
        await pilot.pause()
        await pilot.press("escape")  # closes the browser, saving the index cache
        await pilot.pause()
    assert describe_changes(before, tree_state(small_tree)) == []
    caches = sorted(cache_dir().glob("*.json"))
    assert len(caches) == 2  # one per experiment, under the test's own cache home
    assert str(cache_dir()).startswith(str(tmp_path))
    again = TreeIndex(small_tree)
    assert again.parsed == 0 and all(e.cache_used for e in again.experiments)
