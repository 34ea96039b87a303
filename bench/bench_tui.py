"""What the live dashboard costs: sweep time against --no-ui, key latency, redraw rate.

Issue 3's performance bullets for the TUI, measured on the repository's own sweep
(``experiments.toml``: curve_fit, 18 runs on 4 threads), each run into a fresh
temporary store with ``--no-resume`` semantics (``RunOptions(resume=False)``):

1. **Sweep time.** The sweep in the TUI, driven by the pilot (``App.run_test`` at
   160x48, from launching the app to the sweep's end), against the same sweep under
   ``--no-ui`` (``tui.headless.runner.run_headless`` writing to a StringIO). After one untimed
   warm-up of each, the two alternate, the order flipping every pair; the figure is
   the median of the per-pair ratios (target <= 1.15x).
2. **Key latency** while the sweep runs, in a separate run: a ``down``/``up`` key is
   handed to the app the way a terminal's driver hands it over, and the clock stops
   when the selection is applied (the cursor moved and the log pane shows the newly
   selected run), then again at the first screen update after that (painted). Median
   and max over 20 presses, 0.05 s apart, only while runs are running (a sweep lasts a
   few seconds, so more sweeps are run until there are 20; target < 100 ms). The
   times are taken in hooks, not by polling, so measuring does not slow the app.
   ``await pilot.press(...)`` is not the measure: after each key it waits for the
   *process* to go idle, which it never does while a sweep computes, so its round trip
   (also printed) is mostly that wait.
3. **Redraw rate** during the timed TUI sweeps: frames drawn by the curve pane
   (``CurvePlot.render_count``) and screen updates (``App._display`` calls, each one
   write to the terminal), per second of sweep, on average and in the busiest
   one-second window (target <= about 10 a second).

Also printed: the UI thread's CPU time as a share of the TUI sweep's wall time. The
sweep's worker threads hold the GIL most of the time (curve_fit is numpy on 60-point
arrays, mostly interpreter time), so that share is roughly what the TUI costs the
sweep, and it is steadier than the timings on a busy machine (the load average is
printed with the date). ``--executor process`` and ``--switch-interval`` are for
diagnosis only; the figures that count use the file as it is.

    uv run python bench/bench_tui.py [--pairs N] [--presses N]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, machine_line, median
from textual import events

from metalab.config import ExecutorSpec, ExperimentSpec, load_experiments
from tui.headless.runner import run_headless
from tui.live.app import MetalabApp
from tui.live.dashboard import DashboardScreen
from tui.live.log_pane import LogPane
from tui.live.runs_table import RunsTable
from tui.options import EXIT_OK, RunOptions
from tui.widgets.curve_plot import CurvePlot

SIZE = (160, 48)
RATIO_TARGET = 1.15
LATENCY_TARGET_MS = 100.0
REDRAW_TARGET = 10.0


def load_spec(executor: str | None = None) -> ExperimentSpec:
    (spec,) = [s for s in load_experiments(REPO_ROOT / "experiments.toml") if s.name == "curve_fit"]
    if executor is not None and executor != spec.executor.kind:
        spec = dataclasses.replace(spec, executor=ExecutorSpec(executor, spec.executor.workers))
    return spec


# -- the two sides ------------------------------------------------------------------------


def headless_sweep(spec: ExperimentSpec) -> float:
    with tempfile.TemporaryDirectory(prefix="metalab-bench-tui-") as tmp:
        started = time.perf_counter()
        code = run_headless([spec], RunOptions(store=Path(tmp), resume=False), out=io.StringIO())
        elapsed = time.perf_counter() - started
    assert code == EXIT_OK, f"headless sweep exited {code}"
    return elapsed


class Displays:
    """Counts (and times) the app's screen updates: one per write to the terminal."""

    def __init__(self, app: MetalabApp) -> None:
        self.times: list[float] = []
        original = app._display

        def counted(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.times.append(time.perf_counter())
            original(screen, renderable)

        app._display = counted  # type: ignore[method-assign]


async def until(
    condition: Callable[[], object], timeout: float = 600.0, step: float = 0.02
) -> None:
    """Poll without the pilot: ``pilot.pause`` would itself refresh the screen."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the TUI sweep did not end in time")
        await asyncio.sleep(step)


def sweep_ended(app: MetalabApp) -> bool:
    screen = app.screen
    return isinstance(screen, DashboardScreen) and screen.exit_code is not None


def busiest_second(times: list[float]) -> int:
    """The most events within any window shorter than a second."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - 1.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def tui_sweep(spec: ExperimentSpec) -> dict[str, float]:
    """The sweep in the TUI; its duration and the redraws seen while it ran."""
    with tempfile.TemporaryDirectory(prefix="metalab-bench-tui-") as tmp:
        app = MetalabApp([spec], RunOptions(store=Path(tmp), resume=False))
        frames: list[float] = []
        started = time.perf_counter()
        ui_cpu = time.thread_time()  # the app runs on this thread, the sweep on others
        async with app.run_test(size=SIZE) as pilot:
            displays = Displays(app)
            plot = app.screen.query_one(CurvePlot)
            last = plot.render_count

            def ended() -> bool:
                nonlocal last
                if plot.render_count != last:
                    frames.extend([time.perf_counter()] * (plot.render_count - last))
                    last = plot.render_count
                return sweep_ended(app)

            await until(ended, step=0.01)
            elapsed = time.perf_counter() - started
            ui_cpu = time.thread_time() - ui_cpu
            code = app.screen.exit_code  # type: ignore[attr-defined]
            await pilot.press("q")
        assert code == EXIT_OK, f"TUI sweep exited {code}"
    screen_updates = [t for t in displays.times if t <= started + elapsed]
    return {
        "seconds": elapsed,
        "ui_cpu_share": ui_cpu / elapsed,
        "frames_per_s": len(frames) / elapsed,
        "frames_max_1s": busiest_second(frames),
        "updates_per_s": len(screen_updates) / elapsed,
        "updates_max_1s": busiest_second(screen_updates),
    }


async def key_latency(spec: ExperimentSpec, presses: int) -> dict[str, list[float]]:
    """Selection changes while the sweep runs: applied, painted, and pilot round trips.

    The times are taken in hooks (the log pane showing the new run, the next screen
    update), and the waiting between is coarse, so measuring does not slow the app.
    """
    applied: list[float] = []
    painted: list[float] = []
    pilot_trips: list[float] = []
    with tempfile.TemporaryDirectory(prefix="metalab-bench-tui-") as tmp:
        app = MetalabApp([spec], RunOptions(store=Path(tmp), resume=False))
        async with app.run_test(size=SIZE) as pilot:
            displays = Displays(app)
            table = app.screen.query_one(RunsTable)
            log = app.screen.query_one(LogPane)
            tracker = app.session.tracker  # type: ignore[union-attr]
            shown: list[tuple[str | None, float]] = []
            show = log.show

            def timed_show(run_id: str | None, *args: Any, **kwargs: Any) -> None:
                show(run_id, *args, **kwargs)
                shown.append((run_id, time.perf_counter()))

            log.show = timed_show  # type: ignore[method-assign]
            await until(lambda: table.row_count >= 2 and tracker.counts()["running"] > 0)
            await asyncio.sleep(0.3)
            assert app.focused is table
            for i in range(presses):
                if not tracker.counts()["running"]:
                    break  # the sweep has ended: later presses would not count
                key = "down" if i % 2 == 0 else "up"
                target = table.run_ids[table.cursor_row + (1 if i % 2 == 0 else -1)]
                shown.clear()
                started = time.perf_counter()
                app._driver.send_message(events.Key(key, None))  # type: ignore[union-attr]
                await until(lambda t=target: any(rid == t for rid, _ in shown), timeout=30)
                done = next(at for rid, at in shown if rid == target)
                applied.append(done - started)
                await until(lambda d=done: displays.times and displays.times[-1] >= d, timeout=30)
                painted.append(min(t for t in displays.times if t >= done) - started)
                await asyncio.sleep(0.05)
            for i in range(min(presses, 6)):  # the pilot's round trip, for comparison
                started = time.perf_counter()
                await pilot.press("down" if i % 2 == 0 else "up")
                pilot_trips.append(time.perf_counter() - started)
            await until(lambda: sweep_ended(app))
            await pilot.press("q")
    return {"applied": applied, "painted": painted, "pilot": pilot_trips}


# -- report -------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=3, help="timed TUI/headless pairs")
    parser.add_argument("--presses", type=int, default=20, help="key presses for latency")
    parser.add_argument("--switch-interval", type=float, help="sys.setswitchinterval (seconds)")
    parser.add_argument(
        "--executor",
        choices=("thread", "process"),
        help="override the file's executor kind (diagnostic: the file's is the measure)",
    )
    args = parser.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
        print(f"# sys.setswitchinterval({args.switch_interval})")

    spec = load_spec(args.executor)
    print(machine_line() + ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(
        f"# sweep: {REPO_ROOT / 'experiments.toml'} [{spec.name}], {spec.executor.kind} executor "
        f"x{spec.executor.workers}, resume=False, temp store"
    )

    headless_sweep(spec)  # warm-up: imports, numpy, the filesystem's caches
    asyncio.run(tui_sweep(spec))
    ratios: list[float] = []
    tui_runs: list[dict[str, float]] = []
    headless_runs: list[float] = []
    for i in range(args.pairs):
        order = ("tui", "headless") if i % 2 == 0 else ("headless", "tui")
        pair: dict[str, float] = {}
        for side in order:
            if side == "tui":
                run = asyncio.run(tui_sweep(spec))
                tui_runs.append(run)
                pair["tui"] = run["seconds"]
            else:
                pair["headless"] = headless_sweep(spec)
                headless_runs.append(pair["headless"])
        ratios.append(pair["tui"] / pair["headless"])
        print(
            f"#   pair {i + 1}: tui {pair['tui']:.2f} s, headless {pair['headless']:.2f} s, "
            f"ratio {ratios[-1]:.3f}"
        )
    ratio = median(ratios)
    print(
        f"# medians: tui {median([r['seconds'] for r in tui_runs]):.2f} s, "
        f"headless {median(headless_runs):.2f} s"
    )
    print(
        f"tui sweep / headless sweep: {ratio:.2f}x (target <= {RATIO_TARGET}x) "
        f"-- {verdict(ratio <= RATIO_TARGET)}"
    )

    ui_share = median([r["ui_cpu_share"] for r in tui_runs])
    print(
        f"# UI thread CPU during the TUI sweep: {100 * ui_share:.1f}% of its wall time "
        "(the sweep runs in a child process)"
    )
    frames = median([r["frames_per_s"] for r in tui_runs])
    frames_max = max(r["frames_max_1s"] for r in tui_runs)
    updates = median([r["updates_per_s"] for r in tui_runs])
    updates_max = max(r["updates_max_1s"] for r in tui_runs)
    print(
        f"plot frames during the sweep: {frames:.1f}/s median, {frames_max:.0f} in the busiest "
        f"second (target <= ~{REDRAW_TARGET:g}/s) -- {verdict(frames_max <= REDRAW_TARGET)}"
    )
    print(
        f"screen updates during the sweep: {updates:.1f}/s median, {updates_max:.0f} in the "
        "busiest second (reported)"
    )

    lat: dict[str, list[float]] = {"applied": [], "painted": [], "pilot": []}
    for _ in range(5):  # a sweep lasts a few seconds: take more sweeps until enough presses
        more = asyncio.run(key_latency(spec, args.presses - len(lat["applied"])))
        for key, values in more.items():
            lat[key].extend(values)
        if len(lat["applied"]) >= args.presses:
            break
    applied = [1000 * s for s in lat["applied"]]
    painted = [1000 * s for s in lat["painted"]]
    print(
        f"key -> selection applied while the sweep runs: median {statistics.median(applied):.1f} "
        f"ms, max {max(applied):.1f} ms over {len(applied)} presses "
        f"(target < {LATENCY_TARGET_MS:g} ms) -- {verdict(max(applied) < LATENCY_TARGET_MS)}"
    )
    print(
        f"key -> first screen update after it: median {statistics.median(painted):.1f} ms, "
        f"max {max(painted):.1f} ms (target < {LATENCY_TARGET_MS:g} ms) "
        f"-- {verdict(max(painted) < LATENCY_TARGET_MS)}"
    )
    trips = [1000 * s for s in lat["pilot"]]
    print(
        f"# await pilot.press() round trip while busy: median {statistics.median(trips):.0f} ms "
        "(waits for the process to idle; not a latency)"
    )


if __name__ == "__main__":
    main()
