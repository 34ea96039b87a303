"""Issue 11: a 200 MB log. The run detail's Logs tab opens at once, having read only the
log's end (the bytes read are counted); earlier lines come a page at a time; a search
finds a line near the end, and Enter on it opens the log at that line, reading a
bounded window around it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _trees
import pytest
from support.hostile_trees import write_large_log
from support.pilot import search_for
from support.read_counter import CountingOpen
from textual.widgets import Static

from metalab.index import search as search_module
from metalab.index.search import LOG_CHUNK, SEARCH_LOG_BYTES
from metalab.store import log_tail
from tui.browser.app import BrowserApp, BrowserScreen
from tui.browser.run_detail import RunDetailScreen, RunLog, log_reads
from tui.browser.run_detail.log_reads import LOG_PAGE_BYTES, LOG_PAGE_LINES, LOG_TAIL_LINES
from tui.browser.run_detail.logs import LogLine

SIZE = (160, 48)
RUN_ID = next(iter(_trees.FIXED_RUNS))
BIG = 200 * 2**20


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The fixed tree with a 200 MB ``run`` log for its first run; its line count. The
    tests only read it (the browser writes nothing into a tree)."""
    root = _trees.build_fixed_tree(tmp_path_factory.mktemp("big") / "fixed")
    lines = write_large_log(root / "demo_1" / "logs" / f"{RUN_ID}_run.log", BIG)
    return root, lines


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> CountingOpen:
    """Counts what the log readers (the tail reader, the tab's, the search) read."""
    counter = CountingOpen()
    for module in (log_tail, log_reads, search_module):
        monkeypatch.setattr(module, "open", counter, raising=False)
    return counter


def _line_no(text: str) -> int:
    return int(text.split(" line ", 1)[1].split()[0])


async def _open_logs(pilot: Any, wait_until: Any, at: LogLine | None = None) -> RunDetailScreen:
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
    screen = RunDetailScreen(app.screen.state, RUN_ID, at)
    await app.push_screen(screen)
    await wait_until(pilot, lambda: screen.polls > 0, what="the logs to be read")
    await pilot.press("5")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def test_a_200_mb_log_opens_at_its_end_and_pages_back(
    big_tree: tuple[Path, int], reads: CountingOpen, wait_until: Any
) -> None:
    root, n_lines = big_tree
    app = BrowserApp(root, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_logs(pilot, wait_until)
        log = screen.query_one(RunLog)
        assert log.log_name == "run"
        assert log.lines[-1] == "the last line"  # the end of the file, shown at once
        assert len(log.all_lines) == LOG_TAIL_LINES
        assert _line_no(log.all_lines[0]) == n_lines - LOG_TAIL_LINES
        assert log.scroll_y == log.max_scroll_y  # at the end
        assert reads.bytes <= LOG_PAGE_BYTES + 64 * 1024  # of 200 MB
        status = str(screen.query_one("#log-status", Static).content)
        size = (root / "demo_1" / "logs" / f"{RUN_ID}_run.log").stat().st_size
        assert log.start == size - sum(len(x) + 1 for x in log.all_lines)
        assert status.startswith(f"2,000 lines  ·  {log.start / 2**20:,.1f} MB before ([ earlier)")

        # "[" reads the page before; page up at the top, the one before that
        before = reads.bytes
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: len(log.all_lines) > LOG_TAIL_LINES, what="a page back")
        assert _line_no(log.all_lines[0]) == n_lines - LOG_TAIL_LINES - LOG_PAGE_LINES
        log.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        await pilot.press("pageup")
        await wait_until(
            pilot, lambda: len(log.all_lines) > LOG_TAIL_LINES + LOG_PAGE_LINES, what="another"
        )
        await pilot.pause()
        assert _line_no(log.all_lines[0]) == n_lines - LOG_TAIL_LINES - 2 * LOG_PAGE_LINES
        numbers = [_line_no(line) for line in log.all_lines[:-1]]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # no gap, no repeat
        assert reads.bytes - before <= 2 * (LOG_PAGE_BYTES + 64 * 1024)


async def test_a_search_finds_a_line_near_the_end_and_opens_it(
    big_tree: tuple[Path, int], reads: CountingOpen, wait_until: Any
) -> None:
    root, n_lines = big_tree
    wanted = n_lines - 30_000  # about 3 MB before the end: not among the lines first read
    app = BrowserApp(root, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await search_for(pilot, f"line {wanted:09d} ", wait_until)
        (hit,) = [h for h in dialog.hits if h.category == "log"]
        assert (hit.run_id, hit.log, hit.line_no) == (RUN_ID, "run", None)
        status = str(dialog.query_one("#search-status", Static).content)
        size = (root / "demo_1" / "logs" / f"{RUN_ID}_run.log").stat().st_size
        assert f"searched the last 8 MB of 1 log larger than that ({size / 2**20:.0f} MB)" in status
        assert reads.bytes <= SEARCH_LOG_BYTES + 2 * LOG_CHUNK
        reads.bytes = 0
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen), what="the run")
        screen = app.screen
        await wait_until(pilot, lambda: screen.log_target is None, what="the line to be shown")
        await app.workers.wait_for_complete()
        await pilot.pause()
        log = screen.query_one(RunLog)
        assert log.mark is not None
        assert _line_no(log.lines[log.mark]) == wanted
        assert log.lines[-1] == "the last line"  # the window runs on to the end
        assert reads.bytes <= 4 * 2**20  # the tail, a page before the line, the rest
