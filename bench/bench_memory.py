"""How much memory a run with a million stepped points costs, above the process's baseline.

Issue 2: a run that records 1,000,000 steps of one metric must stay under 64 MB of
peak RSS above the process baseline, because stepped metrics are streamed to disk
every quarter second instead of being kept in memory for the whole run.

The measurement runs in a fresh child process, so that nothing this script did
before inflates the peak. The child imports metalab and numpy, does a small warm-up
run (threads started, allocator warmed), collects garbage and reads its baseline
``VmRSS``. It then resets the kernel's high-water mark (``/proc/self/clear_refs``)
and runs the sweep: one run, ``ThreadExecutor(max_workers=1)``, whose operation
calls ``capture.metric("loss", v, step=i)`` in a tight loop, the worst case for the
buffer between two flushes. The peak is the larger of ``VmHWM`` after the run and a
``VmRSS`` sampler thread (every 2 ms, in case the reset is not allowed). The size of
the sealed ``loss.json`` on disk is printed too.

    uv run python bench/bench_memory.py [--steps N]
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import machine_line, proc_status_kb, ratio_line

TARGET_MB = 64.0
STEPS = 1_000_000
WARMUP_STEPS = 20_000


def reset_high_water_mark() -> bool:
    """Reset ``VmHWM`` to the current RSS (Linux >= 4.0); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class RssSampler(threading.Thread):
    """Reads ``VmRSS`` every few milliseconds and keeps the largest value (kB)."""

    def __init__(self, period: float = 0.002) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.period = period
        self.peak_kb = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_kb = max(self.peak_kb, proc_status_kb("VmRSS"))
            self._stop_event.wait(self.period)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        self.peak_kb = max(self.peak_kb, proc_status_kb("VmRSS"))
        return self.peak_kb


def child(steps: int) -> dict[str, Any]:
    """Measure in this (fresh) process; returns the figures as a dict."""
    import metalab

    @metalab.operation
    def many_steps(params: dict[str, Any], capture: metalab.Capture) -> None:
        n = params["steps"]
        for i in range(n):
            capture.metric("loss", 1.0 / (i + 1), step=i)

    def sweep(store: Path, n: int) -> tuple[float, Path]:
        experiment = metalab.Experiment(
            name="bench_memory", version="0.1", context={}, operation=many_steps,
            params=metalab.grid(steps=[n]), seeds=metalab.seeds(base=0, replicates=1),
        )  # fmt: skip
        t0 = time.perf_counter()
        with metalab.ThreadExecutor(max_workers=1) as executor:
            handle = metalab.run(experiment, store=store, executor=executor, progress=False)
            results = handle.result()
        elapsed = time.perf_counter() - t0
        (run,) = list(results)
        if str(run.status) != "success":
            raise SystemExit(f"the run did not succeed: {run!r}")
        return elapsed, handle.store.layout.result(run.run_id, "loss")

    with tempfile.TemporaryDirectory(prefix="metalab-bench-mem-") as tmp:
        sweep(Path(tmp) / "warmup", WARMUP_STEPS)
        gc.collect()
        time.sleep(0.5)  # let the flusher and the event thread settle
        baseline_kb = proc_status_kb("VmRSS")
        hwm_reset = reset_high_water_mark()
        sampler = RssSampler()
        sampler.start()
        elapsed, sealed = sweep(Path(tmp) / "run", steps)
        sampled_kb = sampler.stop()
        hwm_kb = proc_status_kb("VmHWM") if hwm_reset else 0
        tail = sealed.read_bytes()[-120:].decode("utf-8", "replace")
        return {
            "steps": steps,
            "baseline_kb": baseline_kb,
            "hwm_reset": hwm_reset,
            "hwm_kb": hwm_kb,
            "sampled_peak_kb": sampled_kb,
            "peak_kb": max(hwm_kb, sampled_kb),
            "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "sealed_bytes": sealed.stat().st_size,
            "sealed_shape_ok": f'"shape": [{steps}, 2]' in tail,
            "run_seconds": elapsed,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.steps)))
        return

    print(machine_line())
    proc = subprocess.run(
        [sys.executable, __file__, "--child", "--steps", str(args.steps)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"the measuring child process failed ({proc.returncode})")
    m = json.loads(proc.stdout.strip().splitlines()[-1])
    mb = 1024.0
    above = (m["peak_kb"] - m["baseline_kb"]) / mb
    how = "VmHWM after a reset, and a 2 ms VmRSS sampler" if m["hwm_reset"] else (
        "a 2 ms VmRSS sampler (VmHWM reset not allowed)")  # fmt: skip
    print(f"# one run, {m['steps']:,} steps of one metric, tight loop, "
          f"ThreadExecutor(max_workers=1), in a child process; peak from {how}")  # fmt: skip
    print(f"baseline RSS after imports and warm-up: {m['baseline_kb'] / mb:6.1f} MB")
    print(f"peak RSS during the run:                {m['peak_kb'] / mb:6.1f} MB "
          f"(VmHWM {m['hwm_kb'] / mb:.1f}, sampled {m['sampled_peak_kb'] / mb:.1f}, "
          f"lifetime ru_maxrss {m['ru_maxrss_kb'] / mb:.1f})")  # fmt: skip
    print(f"run time: {m['run_seconds']:.2f} s")
    print(f"sealed loss.json on disk: {m['sealed_bytes'] / 1e6:.1f} MB "
          f"({m['sealed_bytes'] / m['steps']:.1f} bytes/step, "
          f"shape [{m['steps']}, 2] {'ok' if m['sealed_shape_ok'] else 'NOT FOUND'})")  # fmt: skip
    print(ratio_line("peak RSS above baseline, 1e6 steps", above, TARGET_MB, " MB"))


if __name__ == "__main__":
    main()
