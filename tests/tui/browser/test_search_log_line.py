"""Enter on a log hit of the search dialog opens the run's log at the matching line.

The tree is the fixed demo tree of ``_trees`` with two long logs written into it for one
run: ``run`` (300 lines, the word ``XYZZY`` on line 200 only) and ``logging`` (150
lines, ``plugh`` on line 120 only). ``logging`` sorts first, so it is the tab a run
opens on: the ``run`` hit shows that the hit's own log is chosen. Blank lines before
the match (which the log view does not show) check that the line found is the file's
line, not merely the 200th line shown. Pilot tests: type the query, press Enter, and
look at what the log widget shows.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import _trees
import pytest
from rich.style import Style
from support.pilot import search_for
from textual.app import App, ComposeResult
from textual.widgets import Input, TabbedContent

from metalab.index import TreeIndex, iter_log_hits
from metalab.index.search import SearchHit
from tui.browser import BrowserApp, run_detail
from tui.browser.run_detail import LogLine, RunDetailScreen, RunLog
from tui.browser.search_dialog import SearchScreen, log_line

SIZE = (160, 48)
RUN_ID = "1a2b3c4d5e6f7081"
BLANK_LINES = (50, 100)
"""1-based numbers of blank lines in the ``run`` log (before the match)."""
RUN_MATCH = (200, "Needle found: XYZZY at step 199", "xyzzy")
LOGGING_MATCH = (120, "plugh: the cache was cold", "PLUGH")
"""(line number, line text, query) of the one match in each log."""


def _log_lines(n: int, name: str, match: tuple[int, str, str], blanks=()) -> list[str]:
    """``n`` distinct lines of log ``name``, ``match``'s text on its line, blanks as asked."""
    lines = []
    for i in range(1, n + 1):
        if i == match[0]:
            lines.append(match[1])
        elif i in blanks:
            lines.append("")
        else:
            lines.append(f"2026-01-01 10:{i // 60:02d}:{i % 60:02d} [INFO   ] [{name}] step {i}")
    return lines


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The fixed tree, one run of it with a long ``run`` log and a ``logging`` log."""
    root = _trees.build_fixed_tree(tmp_path / "fixed")
    logs = root / "demo_1" / "logs"
    run = _log_lines(300, "metalab.run", RUN_MATCH, BLANK_LINES)
    (logs / f"{RUN_ID}_run.log").write_text("\n".join(run) + "\n", encoding="utf-8")
    logging = _log_lines(150, "app", LOGGING_MATCH)
    (logs / f"{RUN_ID}_logging.log").write_text("\n".join(logging) + "\n", encoding="utf-8")
    return root


def _make_running(root: Path, run_id: str) -> Path:
    """Turn a finished run back into a live one (its record says running, just now)."""
    path = root / "demo_1" / "runs" / f"{run_id}.json"
    record = json.loads(path.read_text())
    record.update(status="running", finished_at=None)
    record["started_at"] = (_dt.datetime.now() - _dt.timedelta(seconds=30)).isoformat()
    path.write_text(json.dumps(record))
    return path


async def _search_and_enter(pilot: Any, query: str, wait_until: Any) -> SearchScreen:
    """Open the dialog, type ``query``, wait for all its hits, press Enter on the first."""
    await pilot.pause()
    dialog = await search_for(pilot, query, wait_until)
    assert dialog.highlighted_hit is not None
    await pilot.press("enter")
    return dialog


async def _opened_at_line(pilot: Any, wait_until: Any) -> tuple[RunDetailScreen, RunLog]:
    """The run detail the hit opened, once the marked line has been scrolled to."""
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen), what="the run")
    screen = app.screen
    await wait_until(pilot, lambda: screen.polls > 0 and screen.log_target is None,
                     what="the log line to be shown")  # fmt: skip
    log = screen._active_log()
    assert log is not None
    await wait_until(pilot, lambda: log.mark is not None and not log._center_pending,
                     what="the line to be scrolled to")  # fmt: skip
    await pilot.pause()
    return screen, log


def _visible(log: RunLog) -> list[tuple[int, str, list[Style]]]:
    """The rows the log widget draws now: (line index, text, segment styles)."""
    top = log.scroll_offset.y
    rows = []
    for row in range(log.scrollable_content_region.height):
        strip = log.render_line(row)
        styles = [seg.style for seg in strip if seg.style is not None and seg.text.strip()]
        rows.append((top + row, strip.text.rstrip(), styles))
    return rows


def _assert_marked(log: RunLog, line: str, match: str, *, middle: bool = True) -> None:
    """``line`` is drawn in the view (near its middle, if ``middle``) as the only marked
    row, with ``match`` on it in the match style."""
    mark_bg = log.get_component_rich_style("run-log--mark").bgcolor
    match_bg = log.get_component_rich_style("run-log--match").bgcolor
    assert mark_bg is not None and match_bg is not None and mark_bg != match_bg
    rows = _visible(log)
    height = len(rows)
    assert height >= 10
    found = [(i, row) for i, row in enumerate(rows) if row[1] == line]
    assert len(found) == 1, f"{line!r} is not in the view {[r[1] for r in rows]}"
    row, (index, _text, styles) = found[0]
    assert index == log.mark and log.lines[index] == line
    assert abs(row - height // 2) <= 1 or not middle
    assert log.scroll_offset.y <= log.mark < log.scroll_offset.y + height
    assert any(s.bgcolor == mark_bg for s in styles)
    strip = log.render_line(row)
    matched = [seg for seg in strip if seg.text.lower() == match.lower()]
    assert matched and matched[0].style.bgcolor == match_bg
    others = [r for i, r in enumerate(rows) if i != row]
    assert not any(s.bgcolor in (mark_bg, match_bg) for r in others for s in r[2])


# -- the hit says where it is ----------------------------------------------------------------


def test_a_log_hit_carries_its_log_line_and_matched_text(tree: Path) -> None:
    hits = {h.log: h for h in iter_log_hits(TreeIndex(tree), "xyzzy")}
    assert list(hits) == ["run"]
    assert (hits["run"].run_id, hits["run"].line_no, hits["run"].match) == (RUN_ID, 200, "XYZZY")
    target = log_line(hits["run"])
    run_log = (tree / "demo_1" / "logs" / f"{RUN_ID}_run.log").read_bytes()
    at = sum(len(line) + 1 for line in run_log.split(b"\n")[:199])  # line 200's first byte
    assert target == LogLine("run", 200, "XYZZY", at)
    (hit,) = iter_log_hits(TreeIndex(tree), LOGGING_MATCH[2])
    assert log_line(hit) == LogLine("logging", 120, "plugh", hit.offset)
    other = SearchHit("run", "demo:1", "a run", run_id=RUN_ID)
    assert log_line(other) is None


# -- enter on a log hit -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("match", "log_name"),
    [(RUN_MATCH, "run"), (LOGGING_MATCH, "logging")],
    ids=["second-log", "first-log"],
)
async def test_enter_on_a_log_hit_opens_the_log_at_the_line(
    tree: Path, wait_until: Any, match: tuple[int, str, str], log_name: str
) -> None:
    line_no, line, query = match
    app = BrowserApp(tree)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _search_and_enter(pilot, query, wait_until)
        assert [h.category for h in dialog.hits] == ["log"]
        screen, log = await _opened_at_line(pilot, wait_until)
        assert screen.run_id == RUN_ID
        assert screen.active_tab == "logs"
        tabs = screen.query_one("#log-tabs", TabbedContent)
        assert tabs.active_pane is not None and log in tabs.active_pane.query(RunLog)
        assert log.log_name == log_name
        assert sorted(v.log_name for v in screen.query(RunLog)) == ["logging", "run"]
        assert screen.focused is log
        assert log.needle == "" and screen.query_one("#log-filter", Input).value == ""
        # the line shown is the file's line, though blank lines above it are not shown
        file_lines = (tree / "demo_1" / "logs" / f"{RUN_ID}_{log_name}.log").read_text()
        assert file_lines.splitlines()[line_no - 1] == line
        _assert_marked(log, line, query)
        assert log.scroll_offset.y > 0  # not the top of the log, where a run opens
        assert log.scroll_offset.y < log.max_scroll_y  # nor its end

        # the mark stays while the user scrolls about, and goes when the filter changes
        await pilot.press("down")
        await pilot.pause()
        assert log.mark is not None and log.lines[log.mark] == line
        screen.query_one("#log-filter", Input).value = "step 1"
        await pilot.pause()
        assert log.mark is None
        assert not any(s.bgcolor is not None and s.bgcolor ==
                       log.get_component_rich_style("run-log--mark").bgcolor
                       for _i, _t, styles in _visible(log) for s in styles)  # fmt: skip


async def test_the_hit_is_found_when_the_run_is_opened_with_a_filtered_log(
    tree: Path, wait_until: Any
) -> None:
    """A filter typed on a RunDetailScreen is cleared when it opens at a line."""
    app = BrowserApp(tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = RunDetailScreen(app.screen.state, RUN_ID, LogLine("run", 200, "XYZZY"))
        await app.push_screen(screen)
        screen.query_one("#log-filter", Input).value = "no such text"  # before the logs came
        _, log = await _opened_at_line(pilot, wait_until)
        assert screen.query_one("#log-filter", Input).value == ""
        assert len(log.lines) == 300 - len(BLANK_LINES)
        _assert_marked(log, RUN_MATCH[1], "XYZZY")


async def test_other_hits_still_open_the_run_on_its_overview(tree: Path, wait_until: Any) -> None:
    app = BrowserApp(tree)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _search_and_enter(pilot, RUN_ID[:8], wait_until)
        assert dialog.hits[0].category == "run"
        await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen), what="the run")
        screen = app.screen
        await wait_until(pilot, lambda: screen.polls > 0, what="the logs to be read")
        await pilot.pause()
        assert screen.active_tab == "overview"
        assert screen.log_target is None
        assert all(v.mark is None and v.follow for v in screen.query(RunLog))


# -- a live run ---------------------------------------------------------------------------


async def test_a_live_log_opened_at_a_line_stops_following_until_f(
    tree: Path, wait_until: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_detail.polling, "POLL_EVERY", 0.2)
    _make_running(tree, RUN_ID)
    # the match near the end: centred, the view is at the end of the log, where a
    # following log would scroll on with each new line
    log_path = tree / "demo_1" / "logs" / f"{RUN_ID}_run.log"
    lines = _log_lines(300, "metalab.run", (297, RUN_MATCH[1], "xyzzy"))
    log_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    app = BrowserApp(tree)
    async with app.run_test(size=SIZE) as pilot:
        await _search_and_enter(pilot, "xyzzy", wait_until)
        screen, log = await _opened_at_line(pilot, wait_until)
        assert screen.status_kind == "running"
        assert log.log_name == "run" and not log.follow
        status = str(screen.query_one("#log-status").render())
        assert "paused" in status and "following" not in status
        top = log.scroll_offset.y
        assert top == log.max_scroll_y

        # new lines come in: the view stays on the hit, which stays marked
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.writelines(f"appended line {i}\n" for i in range(60))
        await wait_until(pilot, lambda: log.lines[-1] == "appended line 59", timeout=10,
                         what="the appended lines")  # fmt: skip
        await pilot.pause()
        assert log.scroll_offset.y == top < log.max_scroll_y
        _assert_marked(log, RUN_MATCH[1], "xyzzy", middle=False)

        # f follows again: to the end, the mark dropped, new lines followed
        await pilot.press("f")
        await pilot.pause()
        assert log.follow and log.mark is None
        assert log.scroll_offset.y == log.max_scroll_y
        assert "following" in str(screen.query_one("#log-status").render())
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write("one more line\n")
        await wait_until(pilot, lambda: log.lines[-1] == "one more line", timeout=10,
                         what="the last line")  # fmt: skip
        await pilot.pause()
        assert log.scroll_offset.y == log.max_scroll_y
        assert any(text == "one more line" for _i, text, _s in _visible(log))


# -- finding the line ---------------------------------------------------------------------


class _OneLog(App[None]):
    """Just a RunLog, to try :meth:`RunLog.locate` on lines of its own."""

    def compose(self) -> ComposeResult:
        yield RunLog("run", id="log")


async def test_locate_goes_by_the_line_number_and_skips_blank_lines() -> None:
    lines = ["a match", "", "x", "", "another match", "y", "match again"]
    app = _OneLog()
    async with app.run_test(size=(80, 10)) as pilot:
        log = app.query_one(RunLog)
        log.add_text("\n".join(lines) + "\n")
        await pilot.pause()
        assert log.shown == [line for line in lines if line]
        # the file's line 5 is the 3rd line shown (the blank lines are not shown)
        assert log.locate(5, "MATCH") == 2
        assert log.locate(7, "match") == 4
        assert log.locate(3, "") == 1
        # a line number that does not hold the match: its first line that does
        assert log.locate(6, "again") == 4
        assert log.locate(400, "match") == 0
        assert log.locate(400, "nowhere") is None
        # the start of a huge log was not read: line numbers mean nothing, text decides
        log.skipped = 1000
        assert log.locate(5, "match") == 0
