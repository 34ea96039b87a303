"""How fast the results browser's screens answer on a big tree, measured through the UI.

``bench_browse.py`` times the data layer; this script drives the real browser
(``BrowserApp``, headless, through Textual's pilot) on the same generated tree (issue
4: 10,000 runs, each with 1,000 steps of one stepped metric) and times what a user
waits for:

* open: from starting the app to a runs table showing its first page (cold: no index
  cache, every record parsed; warm: the cache written by the cold open reused);
* sort: a key press (``s`` on a column) until the first frame drawn in the new order,
  checked against an order computed here with numpy;
* filter: enter in the filter box until the first frame showing the matching runs;
* a screenful down, select-all, and a live refresh after one more run is written.

The runs table draws only the rows on screen (``tui.widgets.grid.VirtualGrid``) from
the filtered, sorted order, so each answer costs a numpy sort or filter plus one screen
of lines. For comparison, the script also times filling a plain ``DataTable`` with
every run, which is what drawing only the visible rows avoids.

Run with ``uv run python bench/bench_browse_ui.py [--runs N] [--steps N] [--tree DIR]``
(``--tree`` reuses a tree written by an earlier ``--keep``; each run adds one run to
it). Figures are wall times on a shared machine, stated with the tree's size (medians,
with the slowest shown: the first filter also lower-cases the text columns it reads);
targets: open < 2 s, sort and filter < 200 ms. Always exits 0: it reports, it does not
gate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
from bench_browse import generate_tree, line, tree_size, write_run

from metalab.index.cache import cache_file
from metalab.index.tree import TreeIndex
from tui.browser import BrowserApp
from tui.browser.messages import StateChanged
from tui.browser.runs.tab import RunsPane

SIZE = (160, 48)
POLL = 0.002


async def until(pilot: Any, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the browser did not get there in time")
        await pilot.pause(POLL)


def runs_pane(app: BrowserApp) -> RunsPane:
    return app.screen.query_one("#runs-pane", RunsPane)


async def timed_open(root: Path) -> float:
    """Seconds from starting the app to a runs table with its first page."""
    t0 = time.perf_counter()
    app = BrowserApp(root, restore=False)  # the default view, whatever was left last time
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.screen.query("#runs-table"))
                    and app.screen.query_one("#runs-table").row_count > 0)  # fmt: skip
        elapsed = time.perf_counter() - t0
        app.screen.index.save_cache()
    return elapsed


class PaintClock:
    """Notes when the runs table first draws a frame in which ``done()`` holds: what
    the user sees, rather than when the data changed."""

    def __init__(self, grid: Any) -> None:
        self.done: Callable[[], bool] = lambda: False
        self.shown: float | None = None
        render_line = grid.render_line

        def timed_render_line(y: int) -> Any:
            if self.shown is None and self.done():
                self.shown = time.perf_counter()
            return render_line(y)

        grid.render_line = timed_render_line


async def press_and_wait(
    pilot: Any,
    keys: list[str],
    done: Callable[[], bool],
    before: Callable[[], Awaitable[None]],
    clock: PaintClock,
) -> float:
    """Seconds from pressing ``keys`` to the first frame drawn with ``done()`` true."""
    await before()
    await pilot.pause()
    clock.done, clock.shown = done, None
    t0 = time.perf_counter()
    await pilot.press(*keys)
    await until(pilot, lambda: clock.shown is not None)
    assert clock.shown is not None
    clock.done = lambda: False
    return clock.shown - t0


async def interactions(root: Path, folder: Path, steps: int) -> dict[str, list[float]]:
    """Sort, filter, page, select and refresh timings (seconds, several each)."""
    out: dict[str, list[float]] = {}
    app = BrowserApp(root, restore=False)  # the default view, whatever was left last time
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.query_one("#runs-table").row_count > 0)
        pane = runs_pane(app)
        state = app.screen.state
        table = state.table()
        # show the columns sorted below (final_loss is not among the first metrics)
        state.columns[pane.scope_key] = [*pane.columns_shown, "metrics.final_loss"]
        app.screen.post_message(StateChanged("columns"))
        await until(pilot, lambda: "metrics.final_loss" in pane.columns_shown)
        ids = np.asarray(table.run_ids.tolist())
        grid = pane.grid
        clock = PaintClock(grid)

        async def timed(keys: list[str], done: Callable[[], bool], before: Any = None) -> float:
            return await press_and_wait(pilot, keys, done, before or _noop, clock)

        async def to_column(label: str) -> None:
            target = pane.columns_shown.index(label) + 2
            grid.move_cursor(column=target)
            await pilot.pause()

        def expect(order: np.ndarray) -> Callable[[], bool]:
            """The table holds the runs ``order`` in that order."""
            want = ids[order]
            return lambda: (
                len(pane.order_ids) == len(want) and bool(np.array_equal(pane.order_ids, want))
            )

        loss = table.column("metrics.final_loss")
        present = np.flatnonzero(loss.present)
        missing = np.flatnonzero(~loss.present)
        asc = np.concatenate([present[np.argsort(loss.num[present], kind="stable")], missing])
        desc_present = present[np.argsort(-loss.num[present], kind="stable")]
        desc = np.concatenate([desc_present, missing])
        opt = np.array([str(v).lower() for v in table.column("params.optimizer").values])
        by_opt = np.argsort(opt, kind="stable")
        sorts = []
        for _ in range(3):
            sorts.append(await timed(["s"], expect(asc), lambda: to_column("metrics.final_loss")))
            sorts.append(await timed(["s"], expect(desc)))
            app.screen.state.sort = None
            sorts.append(await timed(["s"], expect(by_opt), lambda: to_column("params.optimizer")))
            app.screen.state.sort = None
        out["sort (s on a column)"] = sorts
        app.screen.post_message(StateChanged("sort"))  # back to the tree's order
        await until(pilot, expect(np.arange(len(ids))))

        lr = table.column("params.learning_rate").num
        final = loss.num
        status = table.column("record.status").values
        wanted = np.flatnonzero(
            np.isclose(lr, 0.1) & (final < 0.06) & (status == "success") & loss.present
        )
        filters = []
        box = app.screen.query_one("#runs-filter")
        for _ in range(5):
            await pilot.press("F")
            await pilot.press("f")
            box.value = "learning_rate=0.1 final_loss<0.06 status=success"
            filters.append(await timed(["enter"], expect(wanted)))
        out["filter (enter in the filter box)"] = filters
        await pilot.press("F")
        await until(pilot, expect(np.arange(len(ids))))

        pages = []
        for _ in range(3):
            target = grid.cursor_row + grid.page_height

            def moved(target: int = target) -> bool:
                return grid.cursor_row == target

            pages.append(await timed(["right_square_bracket"], moved))
        out["a screenful down (])"] = pages

        out["select all (A)"] = [
            await timed(["A"], lambda: len(app.screen.state.selected) == len(ids))
        ]
        await pilot.press("u")

        rng = np.random.default_rng(7)
        n = len(ids)
        write_run(folder, n, rng, steps, time.time())
        t0 = time.perf_counter()
        app.screen.refresh_tree()
        status = app.screen.query_one("#runs-status")

        def grown() -> bool:
            return app.screen.state.table().n == n + 1 and f"{n + 1:,} runs" in str(status.content)

        await until(pilot, grown)
        out["live refresh after 1 new run"] = [time.perf_counter() - t0]
    return out


async def _noop() -> None:
    return None


async def naive_fill(root: Path, limit: int) -> float:
    """Seconds to put every run (up to ``limit``) into one plain DataTable."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from tui.browser.columns import cell_text, default_columns

    table = TreeIndex(root).table()
    columns = ["record.run_id", *default_columns(table)]
    now = time.time()

    class Plain(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    app = Plain()
    async with app.run_test(size=SIZE) as pilot:
        grid = app.query_one(DataTable)
        t0 = time.perf_counter()
        grid.add_columns(*columns)
        grid.add_rows(
            [cell_text(table, i, c, now) for c in columns] for i in range(min(table.n, limit))
        )
        await pilot.pause()
        return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=1_000)
    parser.add_argument("--keep", type=Path, default=None, help="write the tree here and keep it")
    parser.add_argument("--tree", type=Path, default=None, help="reuse a tree written by --keep")
    args = parser.parse_args(argv)
    # the browser remembers each tree's view when it closes: not the bench's trees
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="bench_browse_ui_state_")
    # nor its index caches: those of a fresh cache home, removed for a cold open
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="bench_browse_ui_cache_")
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}")  # fmt: skip
    tmp = None
    if args.tree:
        root = args.tree
        folder = next(p.parent for p in root.glob("*/_meta.json"))
    else:
        tmp = None if args.keep else tempfile.mkdtemp(prefix="bench_browse_ui_")
        root = args.keep or Path(tmp or ".")
        t0 = time.perf_counter()
        folder = generate_tree(root, args.runs, args.steps)
        print(f"# tree written in {time.perf_counter() - t0:.1f} s")
        time.sleep(1.1)  # past the index cache's racy window
    try:
        files, size = tree_size(root)
        n = len(list((folder / "runs").glob("*.json")))
        print(f"# tree: {n:,} runs, {files:,} files, {size / 1e6:,.0f} MB")
        cache_file(os.path.realpath(folder)).unlink(missing_ok=True)
        cold = asyncio.run(timed_open(root))
        print(line(f"open to a usable runs table (cold, no cache, {n:,} runs)", cold, 2.0))
        warm = statistics.median(asyncio.run(timed_open(root)) for _ in range(3))
        print(line(f"open to a usable runs table (warm, cache, {n:,} runs)", warm, 2.0))
        results = asyncio.run(interactions(root, folder, args.steps))
        for label, times in results.items():
            target = 0.2 if label.startswith(("sort", "filter")) else None
            middle = statistics.median(times)
            spread = (
                f", slowest of {len(times)} {max(times) * 1000:.0f} ms" if len(times) > 1 else ""
            )
            print(line(f"{label}, {n:,} rows (median{spread})", middle, target))
        naive = asyncio.run(naive_fill(root, n))
        print(line(f"for comparison: a plain DataTable filled with all {n:,} runs", naive))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
