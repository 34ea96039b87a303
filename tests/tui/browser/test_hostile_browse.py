"""Issue 11 from the browser's side: a damaged and hostile tree (``support.hostile_trees``
plus ``support.hostile_extras``) is browsed tab by tab, and the run detail of each damaged
run is visited tab by tab. Nothing crashes, what was skipped is said where the user
looks, statuses metalab does not write show as written, and no file outside the tree
is opened (an audit hook records every open) or changed inside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.hostile_extras import BrowserDamage, add_browser_damage, opened_paths, outside_reads
from support.hostile_trees import SECRET, HostileTree, build_hostile_tree
from support.pilot import search_for
from support.tree_state import describe_changes, tree_state
from textual.widgets import DataTable, Static, TabbedContent

from tui.browser import run_detail
from tui.browser.app import BrowserApp, BrowserScreen
from tui.browser.messages import ScopeChanged
from tui.browser.run_detail import RunDetailScreen, RunLog
from tui.widgets.artifact_view import ArtifactView
from tui.widgets.grid import VirtualGrid

SIZE = (160, 48)


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[HostileTree, BrowserDamage]:
    monkeypatch.setattr(run_detail.polling, "POLL_EVERY", 0.2)  # its live runs are polled
    tree = build_hostile_tree(tmp_path)
    return tree, add_browser_damage(tree)


def _status(screen: RunDetailScreen) -> str:
    return str(screen.query_one("#detail-status", Static).content)


def _runs(app: BrowserApp) -> tuple[list[str], dict[str, list[str]]]:
    grid = app.screen.query_one("#runs-table", VirtualGrid)
    labels = [c.label.rstrip(" ▲▼") for c in grid.columns]
    rows = [grid.row_texts(i) for i in range(grid.row_count)]
    return labels, {row[labels.index("run")]: row for row in rows}


async def _settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _open(pilot: Any, browser: BrowserScreen, run_id: str, wait_until: Any) -> Any:
    """Push run ``run_id``'s detail (over whatever is shown); wait until it is read."""
    screen = RunDetailScreen(browser.state, run_id)
    await pilot.app.push_screen(screen)
    await wait_until(pilot, lambda: screen.snapshot is not None and screen.polls > 0,
                     what=f"run {run_id}")  # fmt: skip
    await _settle(pilot)
    return screen


async def _every_artifact(pilot: Any, screen: RunDetailScreen, wait_until: Any) -> list[str]:
    """Highlight each item of the Artifacts tab; what the viewer said of each."""
    await pilot.press("4")
    await _settle(pilot)
    table = screen.query_one("#artifact-list", DataTable)
    view = screen.query_one("#artifact-view", ArtifactView)
    said = []
    for i, item in enumerate(screen.items):
        table.move_cursor(row=i)
        await wait_until(
            pilot,
            lambda item=item: screen.item_shown == item and view.mode != "loading",
            what=f"artifact {item.name}",
        )
        await _settle(pilot)
        shown = " ".join(str(m.render()) for m in view.query(".artifact-message"))
        said.append(f"{item.name} ({view.mode}): {shown}")
    return said


async def test_the_browser_tabs_say_what_was_skipped(
    hostile: tuple[HostileTree, BrowserDamage], fixed_clock: Any, wait_until: Any
) -> None:
    tree, damage = hostile
    before = tree_state(tree.collection)
    app = BrowserApp(tree.collection, clock=fixed_clock, restore=False)
    with opened_paths() as seen:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
            browser = app.screen
            await pilot.press("1")
            await _settle(pilot)

            # the experiments tab: a marker in the list, the skipped files in the detail
            table = browser.query_one("#experiments-table", DataTable)
            cells = [c.plain for c in table.get_row_at(0)]
            labels = [c.label.plain.rstrip(" ▲▼") for c in table.ordered_columns]
            n_skipped = len(tree.damaged) + len(damage.linked)
            assert cells[labels.index("name")].endswith(f"⚠{n_skipped}")
            assert cells[labels.index("other")] == "2"
            assert cells[labels.index("running")] == "2"
            skipped = str(browser.query_one("#experiments-skipped", Static).content)
            assert skipped.startswith(f"{len(tree.damaged)} run records and 2 other files")
            for name, why in tree.damaged.items():
                line = next(x for x in skipped.splitlines() if f"runs/{name}" in x)
                assert why in line
            headline = str(browser.query_one("#experiments-headline", Static).content)
            assert "1 preempted · 1 queued" in headline

            # the runs tab: statuses as written, the running run's time so far
            browser.post_message(ScopeChanged("hostile:1"))
            await _settle(pilot)
            labels, runs = _runs(app)
            status, duration = labels.index("status"), labels.index("duration")
            assert runs[damage.preempted[:8]][status] == "preempted"
            assert runs[damage.queued[:8]][status] == "queued"
            assert runs[damage.running[:8]][duration] == "10.0 m+"  # since 10:50, now 11:00
            scope = str(browser.query_one("#runs-scope", Static).content)
            assert "1 preempted" in scope and "1 queued" in scope

            # plots and compare of the damaged runs
            browser.state.selected[:] = [*tree.good, damage.preempted]
            browser.state.plot_selection = True
            for key in ("3", "4"):
                await pilot.press(key)
                await _settle(pilot)

            # search: the secret is nowhere, the garbage log's line is found
            dialog = await search_for(pilot, SECRET[:14], wait_until)
            assert dialog.hits == []
            await pilot.press("escape")
            dialog = await search_for(pilot, "needle", wait_until)
            assert [h.run_id for h in dialog.hits if h.category == "log"] == [tree.garbage_log]
            await pilot.press("escape")
            await pilot.press("escape")
            await pilot.pause()
    assert outside_reads(seen, tree.outside) == []
    assert describe_changes(before, tree_state(tree.collection)) == []


async def test_the_run_detail_of_each_damaged_run(
    hostile: tuple[HostileTree, BrowserDamage], fixed_clock: Any, wait_until: Any
) -> None:
    tree, damage = hostile
    before = tree_state(tree.collection)
    app = BrowserApp(tree.collection, clock=fixed_clock, restore=False)
    notes: dict[str, list[str]] = {}
    with opened_paths() as seen:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), what="browser")
            browser = app.screen
            for run_id in [*tree.good, damage.preempted, damage.running]:
                screen = await _open(pilot, browser, run_id, wait_until)
                for key in ("2", "3", "5"):  # metrics, curves, logs (overview is shown)
                    await pilot.press(key)
                    await _settle(pilot)
                notes[run_id] = [_status(screen), *await _every_artifact(pilot, screen, wait_until)]
                if run_id == tree.garbage_log:
                    await pilot.press("5")
                    await _settle(pilot)
                    logs = {log.log_name: log for log in screen.query(RunLog)}
                    assert "needle" in logs["run"].all_lines
                    assert not any("\x00" in line or "\r" in line for line in logs["run"].all_lines)
                    assert logs["run.attempt1"].refused
                    tabs = screen.query_one("#log-tabs", TabbedContent)
                    tabs.active = logs["run.attempt1"].parent.id
                    await _settle(pilot)
                    status = str(screen.query_one("#log-status", Static).content)
                    assert status == "not shown: it leads out of the results tree: not read"
                if run_id == tree.torn_stream:
                    assert screen.curve_name == "loss" and screen.curve is not None
    assert outside_reads(seen, tree.outside) == []
    assert describe_changes(before, tree_state(tree.collection)) == []

    everything = "\n".join(sum(notes.values(), []))
    assert SECRET not in everything
    manifest = notes[tree.escaping_manifest]  # uris outside: looked for in the run's folder
    assert any(n.startswith("secret (error)") and "No such file" in n for n in manifest)
    assert any(n.startswith("climb (error)") and "No such file" in n for n in manifest)
    out = "its file leads out of the results tree: not read"
    assert any(n.startswith("weights (info)") and out in n for n in manifest)  # a symlink out
    assert any(out in n for n in notes[tree.linked_folders])  # its artifacts/ links out
    assert notes[damage.preempted][0].startswith("? Status 'preempted' (not one metalab writes)")
    # (stale as well when the test outlives the heartbeat's 30 s: that is the file's age)
    assert "unning since 10:50:00 (for 10m 00s)" in notes[damage.running][0]
