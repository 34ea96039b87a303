"""The `?` help (issue 9): every key, the footer's hidden ones included, grouped by tab
with the tab in use first, written as a person writes keys, in a list that scrolls with
the keyboard so that even at 80×24 its last key can be reached.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.containers import VerticalScroll

from tui.browser import BrowserApp
from tui.browser.messages import OpenRun, ScopeChanged
from tui.browser.plots.keys import PLOT_BINDINGS
from tui.browser.run_detail import RunDetailScreen
from tui.widgets.dialogs import HelpLine, HelpScreen, key_display

PLOT_KEYS = {
    "plots-mode": "m",
    "plots-controls": "v",
    "plots-kind": "k",
    "plots-group": "g",
    "plots-error": "e",
    "plots-aggregate": "a",
    "plots-log-x": "X",
    "plots-log-y": "Y",
    "plots-x-next": "x, ]",
    "plots-x-prev": "[",
    "plots-y-next": "y, }",
    "plots-y-prev": "{",
    "plots-bins": "b",
    "plots-smoothing": "s",
    "plots-layout": "o",
    "plots-source": "c",
    "plots-selection": "p",
    "plots-preset-1": "F5",
    "plots-preset-2": "F6",
    "plots-preset-3": "F7",
    "plots-preset-4": "F8",
    "plots-export": "w",
}
"""Each plot key's id and how the help must write its keys."""


def _visible(body: VerticalScroll, line: HelpLine) -> bool:
    """Whether ``line`` is wholly inside the scrolled list's window."""
    top = body.scroll_offset.y
    region = line.virtual_region
    return top <= region.y and region.bottom <= top + body.scrollable_content_region.height


async def test_every_plot_key_is_listed_as_written_and_the_list_scrolls_to_it(
    small_tree: Path,
) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.post_message(ScopeChanged("toy:1"))
        await pilot.press("3", "question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        titles = [s.title for s in screen.sections]
        assert titles[0] == "Plots" and screen.sections[0].current
        assert titles[1:] == ["Anywhere in the browser", "Experiments", "Runs", "Compare"]

        plots = screen.sections[0].rows
        bindings = [b for b in PLOT_BINDINGS if isinstance(b, Binding)]
        assert {b.id for b in bindings} == set(PLOT_KEYS)  # a new key: say how it reads
        for binding in bindings:
            matching = [r for r in plots if r.keys == PLOT_KEYS[binding.id]]
            assert len(matching) == 1, (binding.id, [r.keys for r in plots])
            row = matching[0]
            # its description, or its tooltip when that begins with the description
            assert row.action.lower().startswith(binding.description.lower()), row
            assert binding.tooltip in (row.action, row.detail), row
        # scalar mode: the curve keys are listed, shown as not working in this mode
        disabled = {r.keys for r in plots if not r.enabled}
        assert disabled == {"b", "s", "o", "c"}

        body = screen.query_one("#help-body", VerticalScroll)
        assert app.focused is body
        lines = [w for w in screen.query(HelpLine) if w.row in plots]
        last = lines[-1]
        assert last.row.keys == "F8"
        assert _visible(body, lines[0]) and not _visible(body, last)  # cut off at first
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_offset.y > 0 and _visible(body, last)
        await pilot.press("end")
        await pilot.pause()
        assert _visible(body, list(screen.query(HelpLine))[-1])
        await pilot.press("home")
        await pilot.pause()
        assert body.scroll_offset.y == 0
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_the_other_tabs_and_global_keys_read_as_written(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.screen.post_message(ScopeChanged("toy:1"))
        await pilot.press("2", "question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        sections = {s.title: s for s in screen.sections}
        assert screen.sections[0].title == "Runs" and screen.sections[0].current
        anywhere = {r.keys: r.action for r in sections["Anywhere in the browser"].rows}
        assert anywhere["/, ctrl+k"] == "Search"
        assert anywhere["?, F1"] == "Help"
        assert anywhere["q"].startswith("Quit the browser (asks first")
        assert anywhere["ctrl+c"].startswith("Quit")
        assert "esc, q" not in anywhere  # "back to the dashboard" only over the dashboard
        assert {"F5", "F6", "F7", "F8", "1", "2", "3", "4", "R", "esc"} <= set(anywhere)
        runs = {r.keys: r.action for r in sections["Runs"].rows}
        assert runs["["] == "Page up" and runs["]"] == "Page down"
        assert runs["enter"] == "Open run"  # the grid's own enter is not listed twice
        assert runs["↑, k"] == "Up" and runs["ctrl+end, G"] == "Last row"  # the grid's
        assert runs["esc"] == "Back to the list"  # the filter box's
        experiments = {r.keys for r in sections["Experiments"].rows}
        assert {">", "<", "h", "enter"} <= experiments
        every = [r.keys for s in screen.sections for r in s.rows]
        assert not [k for k in every if "_" in k or "," in k.replace(", ", "")], every


async def test_run_detail_help_groups_its_keys_by_tab(small_tree: Path) -> None:
    app = BrowserApp(small_tree)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.post_message(ScopeChanged("toy:1"))
        await pilot.pause()
        run_id = str(app.screen.state.table().run_ids[0])
        app.screen.post_message(OpenRun(run_id))
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen)
        await pilot.press("5", "question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        sections = {s.title: s for s in screen.sections}
        assert list(sections) == ["Every tab", "Curves tab", "Artifacts tab", "Logs tab"]
        assert sections["Logs tab"].current and not sections["Curves tab"].current
        assert {r.keys for r in sections["Logs tab"].rows} == {"/", "f"}
        assert {r.keys for r in sections["Curves tab"].rows} == {"m", "l", "s"}
        every = {r.keys for r in sections["Every tab"].rows}
        assert {"esc, q", "1", "5", "y", "Y", "?, F1"} <= every


def test_keys_read_as_a_person_writes_them() -> None:
    app: App[object] = App()
    written = {
        "slash": "/",
        "ctrl+k": "ctrl+k",
        "question_mark": "?",
        "left_square_bracket": "[",
        "right_curly_bracket": "}",
        "greater_than_sign": ">",
        "f5": "F5",
        "f12": "F12",
        "escape": "esc",
        "enter": "enter",
        "pagedown": "pgdn",
        "ctrl+home": "ctrl+home",
        "G": "G",
        "shift+tab": "shift+tab",
    }
    assert {k: key_display(app, k) for k in written} == written
