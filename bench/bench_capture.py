"""What ``capture.metric(name, v, step=i)`` costs a training loop, as a multiple of ``list.append``.

Issue 2 promises that capturing a metric at every training step never slows training
down: the call must cost at most 4x a bare ``lst.append((i, v))`` in the same loop
(the reference metalab: about 20x). Absolute nanoseconds mean little on a shared,
noisy machine, so every figure is a ratio of medians against that floor, measured in
the same process with the two loops interleaved.

Three figures:

* the hot path: the call alone, timeit-style (garbage collector off, loop of 1e6,
  median of 7), with the background flusher kept away from this capture so that only
  the call is timed;
* amortised: a loop of 1e6 calls on a live ``Capture`` (the flusher draining it every
  quarter second) plus ``finalize()``, which writes and seals what is left, against
  the bare loop: what a run really pays per step;
* the same amortised figure with 1 and 8 threads at once, each thread its own
  ``Capture``, against as many threads doing the bare loop.

    uv run python bench/bench_capture.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import threading
import time
from collections.abc import Callable

from _common import machine_line, median, ratio_line, temp_store

import metalab.capture as capture_module
from metalab.capture import _FLUSHER, Capture
from metalab.store.filestore import FileStore

N = 1_000_000
HOT_TARGET = 4.0
NAME = "loss"
VALUE = 0.5


def bare_loop(n: int) -> float:
    """The floor: seconds for ``n`` appends of ``(i, v)`` to a list."""
    lst: list[tuple[int, float]] = []
    v = VALUE
    t0 = time.perf_counter()
    for i in range(n):
        lst.append((i, v))
    return time.perf_counter() - t0


def metric_loop(capture: Capture, n: int) -> float:
    """Seconds for ``n`` stepped ``capture.metric`` calls, written as a user writes them."""
    name, v = NAME, VALUE
    t0 = time.perf_counter()
    for i in range(n):
        capture.metric(name, v, step=i)
    return time.perf_counter() - t0


def hot_path(n: int, repeats: int) -> tuple[float, float]:
    """Median seconds of (bare loop, metric loop), timeit-style: gc off, interleaved."""
    bare: list[float] = []
    hot: list[float] = []
    limit = capture_module.BUFFER_LIMIT
    # time the call alone (its buffer-size check included, the flush it would trigger not):
    # the flusher's share is timed by the amortised figures below
    capture_module.BUFFER_LIMIT = n + 1
    with temp_store() as store:
        capture = Capture(store, "hot-path")
        _FLUSHER.unregister(capture)
        for _ in range(repeats):
            gc.collect()
            gc.disable()
            try:
                bare.append(bare_loop(n))
                capture._steps.clear()
                hot.append(metric_loop(capture, n))
                appended = len(capture._steps)
                capture._steps.clear()
            finally:
                gc.enable()
            assert appended == n, f"expected {n} buffered points, found {appended}"
        capture.finalize()
    capture_module.BUFFER_LIMIT = limit
    return median(bare), median(hot)


def _amortised_run(store: FileStore, run_id: str, n: int) -> None:
    capture = Capture(store, run_id)
    metric_loop(capture, n)
    capture.finalize()


def _amortised_work(store: FileStore, prefix: str, n: int) -> Callable[[int], None]:
    """Thread ``k``'s share: its own Capture, ``n`` calls, finalize."""
    return lambda k: _amortised_run(store, f"{prefix}-{k}", n)


def threaded_wall(work: Callable[[int], None], n_threads: int) -> float:
    """Wall seconds for ``n_threads`` threads each running ``work(thread_index)`` at once."""
    barrier = threading.Barrier(n_threads + 1)

    def body(k: int) -> None:
        barrier.wait()
        work(k)

    threads = [threading.Thread(target=body, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def amortised(n: int, repeats: int, n_threads: int | None) -> tuple[float, float]:
    """Median seconds of (bare, capture + flusher + finalize); ``None`` threads = main thread."""
    bare: list[float] = []
    full: list[float] = []
    for rep in range(repeats):
        gc.collect()
        with temp_store() as store:
            if n_threads is None:
                bare.append(bare_loop(n))
                t0 = time.perf_counter()
                _amortised_run(store, f"amortised-{rep}", n)
                full.append(time.perf_counter() - t0)
            else:
                bare.append(threaded_wall(lambda _k: bare_loop(n), n_threads))
                work = _amortised_work(store, f"t{n_threads}-{rep}", n)
                full.append(threaded_wall(work, n_threads))
    return median(bare), median(full)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    hot_repeats = 3 if args.quick else 7
    amortised_repeats = 3 if args.quick else 5

    print(machine_line())
    print(f"# loop of {N:,} calls; medians of {hot_repeats} (hot path), "
          f"{amortised_repeats} (amortised)")  # fmt: skip

    bare_s, hot_s = hot_path(N, hot_repeats)
    print(f"list.append((i, v)):              {bare_s / N * 1e9:7.1f} ns/call (floor)")
    print(f"capture.metric(name, v, step=i):  {hot_s / N * 1e9:7.1f} ns/call")
    print(ratio_line("capture.metric / list.append", hot_s / bare_s, HOT_TARGET))

    bare_s, full_s = amortised(N, amortised_repeats, None)
    print(f"amortised, main thread:           {full_s / N * 1e9:7.1f} ns/call "
          f"(floor {bare_s / N * 1e9:.1f})")  # fmt: skip
    print(ratio_line("capture.metric + flusher + finalize / list.append", full_s / bare_s, None))

    for n_threads in (1, 8):
        bare_s, full_s = amortised(N, amortised_repeats, n_threads)
        calls = N * n_threads
        print(f"amortised, {n_threads} thread(s):             {full_s / calls * 1e9:7.1f} "
              f"ns/call wall (floor {bare_s / calls * 1e9:.1f})")  # fmt: skip
        print(ratio_line(f"capture.metric amortised / list.append, {n_threads} thread(s)",
                         full_s / bare_s, None))  # fmt: skip


if __name__ == "__main__":
    main()
