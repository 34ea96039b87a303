"""How fast the run detail's Logs tab opens on a 200 MB log, against a 20 KB one.

Issue 11: "a 200 MB log file: the run detail's log tab opens at once (read the tail,
page backwards), search over logs stays responsive". This script writes a results tree
of two runs, one with a 20 KB log and one with a 200 MB log (numbered lines of about
100 bytes), and drives the real browser (``BrowserApp``, headless, through Textual's
pilot):

* open: from pushing a run's detail screen and pressing ``5`` to its Logs tab showing
  the log's last line; the 20 KB log is the floor, measured interleaved (A B A B ...),
  and the figure is the ratio of the medians;
* page back: ``[`` until the page before is shown, on the 200 MB log;
* search: ``metalab.index.search.find_in_log`` (what the search dialog runs on each
  log) for a line near the end of each log (the 200 MB log is searched in its last
  8 MB only), against the 20 KB log and an 8 MB one; and ``search_logs`` over the tree,
  whose note says how much of the large logs it read.

Run with ``uv run python bench/bench_browse_log.py [--size MB] [--repeat N]``.
Always exits 0: it reports, it does not gate (target: the 200 MB log opens within 2x
of the 20 KB one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _common import machine_line, ratio_line

from metalab.index import TreeIndex, search_logs
from metalab.index.search import find_in_log
from tui.browser import BrowserApp
from tui.browser.app import BrowserScreen
from tui.browser.run_detail import RunDetailScreen, RunLog

SIZE = (160, 48)
EXPERIMENT_ID = "logs:1"
RUNS = {"small": "5a11000000000001", "medium": "3ed1000000000002", "big": "b1900000000000003"}


def write_log(path: Path, size: int, tag: str) -> int:
    """Numbered lines of about 100 bytes (``<tag> line <n>``) up to ``size`` bytes;
    returns the line count."""
    pad = "x" * (54 - len(tag))
    block_lines = 10_000
    one = len(f"2026-01-01 00:00:00 {tag} line {0:09d} {pad}\n")
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        while n * one < size:
            count = min(block_lines, max(1, (size - n * one) // one))
            fh.write(
                "".join(f"2026-01-01 00:00:00 {tag} line {n + i:09d} {pad}\n" for i in range(count))
            )
            n += count
        fh.write("the last line\n")
    return n + 1


def write_tree(root: Path, sizes: dict[str, int]) -> dict[str, int]:
    """One experiment, a run per log size; returns each run's line count."""
    folder = root / "logs_1"
    for sub in ("runs", "logs", "experiments", "results", "artifacts"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    meta = {"created_by": "metalab", "experiment_id": EXPERIMENT_ID, "schema_version": "0.1"}
    (folder / "_meta.json").write_text(json.dumps(meta))
    counts = {}
    for name, size in sizes.items():
        run_id = RUNS[name]
        record = {
            "run_id": run_id, "experiment_id": EXPERIMENT_ID, "status": "success",
            "started_at": "2026-01-01T00:00:00", "finished_at": "2026-01-01T00:10:00",
            "duration_ms": 600_000, "params_resolved": {"log": name}, "metrics": {},
        }  # fmt: skip
        (folder / "runs" / f"{run_id}.json").write_text(json.dumps(record))
        counts[name] = write_log(folder / "logs" / f"{run_id}_run.log", size, name)
    return counts


async def open_logs(app: BrowserApp, pilot, run_id: str) -> float:
    """Seconds from pushing the run's detail to its Logs tab showing the last line."""
    while not isinstance(app.screen, BrowserScreen):
        await pilot.pause(0.01)
    t0 = time.perf_counter()
    screen = RunDetailScreen(app.screen.state, run_id)
    await app.push_screen(screen)
    await pilot.press("5")
    while True:
        logs = list(screen.query(RunLog))
        if logs and logs[0].lines and logs[0].lines[-1] == "the last line":
            break
        await pilot.pause(0.005)
    elapsed = time.perf_counter() - t0
    screen.dismiss()
    await pilot.pause()
    return elapsed


async def page_back(app: BrowserApp, pilot, run_id: str) -> float:
    """Seconds from ``[`` to the page before being shown, on ``run_id``'s log."""
    screen = RunDetailScreen(app.screen.state, run_id)
    await app.push_screen(screen)
    await pilot.press("5")
    while not (list(screen.query(RunLog)) and screen.query_one(RunLog).lines):
        await pilot.pause(0.005)
    log = screen.query_one(RunLog)
    before = len(log.all_lines)
    t0 = time.perf_counter()
    await pilot.press("left_square_bracket")
    while len(log.all_lines) == before:
        await pilot.pause(0.005)
    elapsed = time.perf_counter() - t0
    screen.dismiss()
    await pilot.pause()
    return elapsed


async def measure(root: Path, repeat: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"small": [], "big": [], "page": []}
    app = BrowserApp(root, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_logs(app, pilot, RUNS["small"])  # warm-up: imports, first layout
        for _ in range(repeat):
            out["small"].append(await open_logs(app, pilot, RUNS["small"]))
            out["big"].append(await open_logs(app, pilot, RUNS["big"]))
        for _ in range(repeat):
            out["page"].append(await page_back(app, pilot, RUNS["big"]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200, help="the big log, in MB")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    print(machine_line())
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="bench_log_state_")
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="bench_log_cache_")
    tmp = Path(tempfile.mkdtemp(prefix="bench_browse_log_"))
    try:
        t0 = time.perf_counter()
        sizes = {"small": 20 * 1024, "medium": 8 * 2**20, "big": args.size * 2**20}
        counts = write_tree(tmp, sizes)
        print(f"# logs of 20 KB, 8 MB and {args.size} MB ({counts['big']:,} lines), "
              f"written in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        times = asyncio.run(measure(tmp, args.repeat))
        small, big = statistics.median(times["small"]), statistics.median(times["big"])
        print(f"Logs tab open, 20 KB log: median {small * 1000:.0f} ms "
              f"(of {args.repeat}: {min(times['small']) * 1000:.0f}-"
              f"{max(times['small']) * 1000:.0f} ms)")  # fmt: skip
        print(f"Logs tab open, {args.size} MB log: median {big * 1000:.0f} ms "
              f"({min(times['big']) * 1000:.0f}-{max(times['big']) * 1000:.0f} ms)")  # fmt: skip
        print(ratio_line(f"Logs tab open, {args.size} MB log / 20 KB log", big / small, 2.0))
        page = statistics.median(times["page"])
        print(f"one page back ([) on the {args.size} MB log: median {page * 1000:.0f} ms")

        folder = tmp / "logs_1" / "logs"
        searched: dict[str, list[float]] = {"small": [], "medium": [], "big": []}
        for _ in range(args.repeat):
            for name in searched:
                query = f"{name} line {counts[name] - 100:09d} "  # near the end of this log
                t0 = time.perf_counter()
                scan = find_in_log(folder / f"{RUNS[name]}_run.log", query)
                searched[name].append(time.perf_counter() - t0)
                assert scan is not None and scan.match is not None, query
        med = {k: statistics.median(v) for k, v in searched.items()}
        print(f"searching one log for a line near its end: 20 KB {med['small'] * 1000:.0f} ms, "
              f"8 MB {med['medium'] * 1000:.0f} ms, {args.size} MB {med['big'] * 1000:.0f} ms"
              " (only the last 8 MB of a larger log is searched)")  # fmt: skip
        print(ratio_line(f"log search, {args.size} MB log / 8 MB log", med["big"] / med["medium"],
                         1.5))  # fmt: skip
        index = TreeIndex(tmp)
        t0 = time.perf_counter()
        results = search_logs(index, f"big line {counts['big'] - 100:09d} ")
        whole = time.perf_counter() - t0
        print(f"search_logs over the tree's three logs: {whole * 1000:.0f} ms ({results.note})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
