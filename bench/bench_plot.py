"""How much a plot frame costs as curves grow, as ratios measured in one run.

The curve pane reduces every curve to the pane's width before plotext sees it, so a
frame of 18 curves of 100,000 steps should cost about what 18 curves of 1,000 steps
cost (target: at most 2x), and the reduction itself should grow roughly linearly and
cheaply with the curve length. Ratios are printed rather than absolute times so the
figures mean the same on a slow CI machine (the absolute medians are printed as ``#``
comments); the sizes are timed in turn, so load hits them alike.

Run with ``uv run python bench/bench_plot.py``. Always exits 0: this reports, it does
not gate (a missed target reads ``MISSED``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

import numpy as np
from _common import machine_line, median, ratio_line

from tui.plotting.reduce import reduce_envelope
from tui.plotting.render import Series, render_curves

WIDTH, HEIGHT = 120, 30
RUNS = 18
LEARNING_RATES = (1e-4, 1e-3, 1e-2)


def sweep(steps: int, seed: int = 0) -> list[Series]:
    """18 noisy decaying loss curves: 3 learning rates x 6 seeds."""
    rng = np.random.default_rng(seed)
    x = np.arange(steps, dtype=np.float64)
    out = []
    for i in range(RUNS):
        lr = LEARNING_RATES[i % len(LEARNING_RATES)]
        rate = 3.0 * (1 + i % len(LEARNING_RATES)) / steps
        y = np.exp(-rate * x) * (1.0 + 0.05 * i) + 0.05 + rng.normal(0.0, 0.02, steps)
        out.append(Series(key=f"run-{i}", label=f"run {i}", x=x, y=y, color_value=lr))
    return out


def interleaved_medians(
    fns: Sequence[Callable[[], object]], repeats: int, inner: Sequence[int] | None = None
) -> list[float]:
    """Median time per call of each of ``fns``, sampled in turn so load hits all alike.

    Each sample of ``fns[i]`` is the mean of ``inner[i]`` back-to-back calls (default 1),
    so very short calls are timed over many.
    """
    counts = list(inner) if inner is not None else [1] * len(fns)
    for fn in fns:
        fn()  # warm up caches and lazy imports
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, count, out in zip(fns, counts, samples, strict=True):
            start = time.perf_counter()
            for _ in range(count):
                fn()
            out.append((time.perf_counter() - start) / count)
    return [median(out) for out in samples]


def frame(series: list[Series]) -> Callable[[], str]:
    def draw() -> str:
        return render_curves(series, WIDTH, HEIGHT, title="loss", color_by="lr", highlight="run-4")

    return draw


def reduction(steps: int) -> Callable[[], object]:
    rng = np.random.default_rng(1)
    x = np.arange(steps, dtype=np.float64)
    y = rng.normal(size=steps)
    return lambda: reduce_envelope(x, y, WIDTH)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def main() -> int:
    print(machine_line())
    print(f"# {RUNS} curves at {WIDTH}x{HEIGHT}, medians; render_curves includes the reduction")
    small, medium, large = interleaved_medians(
        [frame(sweep(1_000)), frame(sweep(100_000)), frame(sweep(1_000_000))], repeats=7
    )
    print(f"# frame: 1k steps {ms(small)}, 100k {ms(medium)}, 1M {ms(large)}")
    print(ratio_line(f"plot frame {RUNS}x100k / {RUNS}x1k", medium / small, 2.0))
    print(ratio_line(f"plot frame {RUNS}x1M / {RUNS}x1k", large / small, None))
    reduce_small, reduce_large = interleaved_medians(
        [reduction(1_000), reduction(1_000_000)], repeats=9, inner=[200, 1]
    )
    print(
        f"# reduce_envelope to {WIDTH} columns: 1k steps {ms(reduce_small)}, 1M {ms(reduce_large)}"
    )
    print(ratio_line("reduce 1M / 1k steps", reduce_large / reduce_small, None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
