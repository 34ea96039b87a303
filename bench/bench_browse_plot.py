"""What the browser's plots tab costs to draw, as ratios measured in one run.

Issue 4's target: drawing a curve costs the same for 1,000 and 1,000,000 steps within
2x, since curves are reduced to the pane's width first. Measured two ways:

* as the plots tab does it: its curve worker prepares the series (``overlay_series``:
  smoothing, and for curves longer than 16,384 steps a per-column envelope 8,192
  columns wide), then every frame on the UI thread is ``render_curves`` (reduction to
  the pane plus plotext). The frame is the figure with the target; the worker's
  one-off preparation is reported beside it;
* straight from the full arrays (``render_curves`` on 1,000,000 points, the curve
  pane's own reduction doing all the work), reported for comparison.

Also reported:

* the scalar chart of 10,000 runs against that of 100: aggregation over replicates
  (``aggregate_table``: mean with ci95 bars, grouped) plus ``render_scalar``, and the
  raw scatter (one point per run, thinned to the pane's cells before plotext);
* the grouped band of 18 runs (3 groups of 6 replicates: ``band_series``, i.e.
  ``curve_band`` on a common step grid, on the worker; then the frame), at 10,000 and at
  1,000,000 steps per run (longer curves are banded on a grid of 4,000 steps); its
  frame has the same 2x target as one curve.

Issue 9: grouped curves are banded over every run in scope, not the first 2,000 in
table order. Figures for a sweep of ``--runs`` runs (default 9,600) of 1,000 steps:

* the bands on the worker (``band_series``: 3 groups, mean ± ci95, and median with its
  interquartile band) against numpy's floor, the same statistics over the curves
  stacked into one matrix (``np.mean``/``np.std``, ``np.percentile``), which needs
  every curve on the same steps and memory for the whole matrix at once;
* loading the curves from a results tree written in the tree format (bench_browse's
  ``generate_tree``, in a temporary folder) with the plots tab's ``CurveLoader``
  against the floor of reading the same files with ``orjson`` and ``np.asarray``;
  and a second load, every curve in the loader's cache (a redraw with another band,
  centre or grouping), reported.

Skip these with ``--runs 0``.

Absolute medians are printed as ``#`` comments; the sizes are timed in turn so that load
on a shared machine hits them alike. Run with ``uv run python bench/bench_browse_plot.py``.
Always exits 0: it reports, it does not gate (a missed target reads ``MISSED``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import orjson
from _common import machine_line, median, ratio_line
from bench_browse import generate_tree

from metalab.index import Table, TreeIndex, aggregate_table
from tui.browser.plots.curves import CurveLoader, CurveSource, band_series, overlay_series
from tui.plotting.render import Series, render_curves
from tui.plotting.scalar import ScalarChart, ScalarSeries, render_scalar

WIDTH, HEIGHT = 120, 32
"""About the chart's size in a 160x48 terminal."""
LEARNING_RATES = (1e-3, 1e-2, 1e-1)


def interleaved_medians(fns: Sequence[Callable[[], object]], repeats: int) -> list[float]:
    """Median seconds per call of each of ``fns``, sampled in turn."""
    for fn in fns:
        fn()  # warm up caches and lazy imports
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, out in zip(fns, samples, strict=True):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return [median(out) for out in samples]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


# -- one curve ------------------------------------------------------------------------------


def loss_curve(steps: int, seed: int = 0, rate: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.arange(steps, dtype=np.float64)
    y = np.exp(-rate * x / steps) + 0.05 + rng.normal(0.0, 0.02, steps)
    return x, y


def prepare_one_curve(steps: int) -> Callable[[], object]:
    curves = {"run-0": loss_curve(steps)}
    return lambda: overlay_series(curves)


def draw_prepared_curve(steps: int) -> Callable[[], str]:
    series = overlay_series({"run-0": loss_curve(steps)})
    return lambda: render_curves(series, WIDTH, HEIGHT, title="loss")


def draw_raw_curve(steps: int) -> Callable[[], str]:
    series = [Series("run-0", "run-0", *loss_curve(steps))]
    return lambda: render_curves(series, WIDTH, HEIGHT, title="loss")


# -- scalar chart of many runs --------------------------------------------------------------


def runs_table(n: int, seed: int = 0) -> Table:
    """``n`` runs: lr x width params (12 combinations), replicates, a final loss."""
    rng = np.random.default_rng(seed)
    widths = (32, 64, 128, 256)
    flats = []
    for i in range(n):
        lr = LEARNING_RATES[i % 3]
        width = widths[(i // 3) % 4]
        flats.append(
            {
                "record.run_id": f"{i:016x}",
                "params.lr": lr,
                "params.width": width,
                "metrics.final_loss": float(abs(rng.normal(0.05, 0.01)) + lr / width),
            }
        )
    return Table.from_dicts(flats)


def draw_scalar(table: Table, agg: str) -> Callable[[], str]:
    def draw() -> str:
        error = "ci95" if agg != "none" else "none"
        group = "params.width" if agg != "none" else None
        plot = aggregate_table(
            table, None, "params.lr", "metrics.final_loss", group, agg=agg, error=error
        )
        series = [ScalarSeries(s.label, s.xs, s.ys, s.errs, s.ns) for s in plot.series]
        chart = ScalarChart(kind="scatter", series=series, log_x=True, title=plot.title)
        return render_scalar(chart, WIDTH, HEIGHT)

    return draw


# -- grouped band ------------------------------------------------------------------------------


def band_groups(steps: int) -> dict[float, list[tuple[np.ndarray, np.ndarray]]]:
    return {
        lr: [loss_curve(steps, seed=10 * g + r, rate=2.0 + g) for r in range(6)]
        for g, lr in enumerate(LEARNING_RATES)
    }


def compute_band(steps: int) -> Callable[[], object]:
    groups = band_groups(steps)
    return lambda: band_series(groups, band="ci95")


def draw_band(steps: int) -> Callable[[], str]:
    series, _ = band_series(band_groups(steps), band="ci95")
    return lambda: render_curves(series, WIDTH, HEIGHT, title="loss", color_by="lr", log_y=True)


# -- grouped bands over every run in scope -----------------------------------------------------


def sweep_curves(runs: int, steps: int = 1_000) -> dict[int, list[tuple[np.ndarray, np.ndarray]]]:
    """``runs`` loss curves of ``steps`` steps in 3 groups (learning rates)."""
    rng = np.random.default_rng(1)
    x = np.arange(steps, dtype=float)
    groups: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {0: [], 1: [], 2: []}
    for i in range(runs):
        rate = rng.uniform(1, 5)
        groups[i % 3].append((x, np.exp(-x * rate / steps) + rng.normal(0, 0.01, steps)))
    return groups


def numpy_floor(groups: dict[int, list[tuple[np.ndarray, np.ndarray]]], median: bool) -> object:
    """The statistics of each group over its curves stacked into one matrix."""
    out = []
    for curves in groups.values():
        matrix = np.vstack([v for _, v in curves])
        if median:
            out.append(np.percentile(matrix, [25, 50, 75], axis=0))
        else:
            out.append((matrix.mean(axis=0), matrix.std(axis=0, ddof=1)))
    return out


def bench_bands(runs: int) -> None:
    groups = sweep_curves(runs)
    small = sweep_curves(2_000)
    mean_t, mean_floor, median_t, median_floor, small_t = interleaved_medians(
        [
            lambda: band_series(groups, band="ci95"),
            lambda: numpy_floor(groups, median=False),
            lambda: band_series(groups, band="iqr", center="median"),
            lambda: numpy_floor(groups, median=True),
            lambda: band_series(small, band="ci95"),
        ],
        3,
    )
    print(f"# bands over {runs:,} runs x 1,000 steps, 3 groups, on the worker: "
          f"mean ± ci95 {ms(mean_t)} (numpy floor {ms(mean_floor)}), "
          f"median + iqr {ms(median_t)} (floor {ms(median_floor)}); "
          f"mean ± ci95 over 2,000 runs {ms(small_t)}")  # fmt: skip
    print(ratio_line(f"grouped band, mean ± ci95 over {runs:,} runs / numpy floor",
                     mean_t / mean_floor, None))  # fmt: skip
    print(ratio_line(f"grouped band, median + iqr over {runs:,} runs / numpy floor",
                     median_t / median_floor, None))  # fmt: skip


def read_plainly(paths: list[Path]) -> int:
    """The floor of loading curves: each sealed file read and parsed, nothing else."""
    points = 0
    for path in paths:
        data = orjson.loads(path.read_bytes())["data"]
        points += np.asarray(data, dtype=np.float64).shape[0]
    return points


def bench_loading(runs: int) -> None:
    base = Path(tempfile.mkdtemp(prefix="bench-bands-"))
    try:
        start = time.perf_counter()
        folder = generate_tree(base, runs, 1_000)
        print(
            f"# wrote a tree of {runs:,} runs x 1,000 steps in {time.perf_counter() - start:.0f} s"
        )
        index = TreeIndex(base)
        ids = [str(r) for r in index.table(None).run_ids.tolist()]
        paths = [folder / "results" / run_id / "loss.json" for run_id in ids]
        source = CurveSource("stepped", "loss")
        read_plainly(paths)  # the files into the page cache, as a second look finds them
        loads, floors = [], []
        for _ in range(3):
            loader = CurveLoader(index)
            start = time.perf_counter()
            loader.load_many(ids, source)
            loads.append(time.perf_counter() - start)
            start = time.perf_counter()
            read_plainly(paths)
            floors.append(time.perf_counter() - start)
        start = time.perf_counter()
        curves = loader.load_many(ids, source)
        cached = time.perf_counter() - start
        assert loader.reads == len(ids) and len(curves) == len(ids)  # all from the cache
        load, floor = median(loads), median(floors)
        print(f"# loading {runs:,} curves: {load:.2f} s ({load / runs * 1e3:.2f} ms a curve), "
              f"plain orjson reads {floor:.2f} s; again from the cache {ms(cached)}")  # fmt: skip
        print(ratio_line(f"loading {runs:,} curves / plain reads of the files", load / floor,
                         1.5))  # fmt: skip
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9_600,
                        help="runs of the grouped-band figures (0: skip them)")  # fmt: skip
    args = parser.parse_args(argv)
    print(machine_line())
    print(f"# chart {WIDTH}x{HEIGHT}; medians; every figure includes the reduction and plotext")

    small, large, raw_small, raw_large = interleaved_medians(
        [
            draw_prepared_curve(1_000),
            draw_prepared_curve(1_000_000),
            draw_raw_curve(1_000),
            draw_raw_curve(1_000_000),
        ],
        9,
    )
    prep_small, prep_large = interleaved_medians(
        [prepare_one_curve(1_000), prepare_one_curve(1_000_000)], 5
    )
    print(f"# one curve, frame in the plots tab: 1k steps {ms(small)}, 1M steps {ms(large)}")
    print(f"# (prepared once per load on the worker: 1k {ms(prep_small)}, 1M {ms(prep_large)})")
    print(ratio_line("one curve drawn by the plots tab, 1M / 1k steps", large / small, 2.0))
    print(f"# one curve from the full arrays: 1k steps {ms(raw_small)}, 1M {ms(raw_large)}")
    print(ratio_line("one curve drawn from full arrays, 1M / 1k", raw_large / raw_small, None))

    t100, t10k = runs_table(100), runs_table(10_000)
    agg_small, agg_large, raw_small, raw_large = interleaved_medians(
        [
            draw_scalar(t100, "mean"),
            draw_scalar(t10k, "mean"),
            draw_scalar(t100, "none"),
            draw_scalar(t10k, "none"),
        ],
        5,
    )
    print(f"# scalar, mean ± ci95 by width: 100 runs {ms(agg_small)}, 10k runs {ms(agg_large)}")
    print(ratio_line("scalar chart (mean, grouped), 10k / 100 runs", agg_large / agg_small, None))
    print(f"# scalar, a point per run: 100 runs {ms(raw_small)}, 10k runs {ms(raw_large)}")
    print(ratio_line("scalar chart (raw scatter), 10k / 100 runs", raw_large / raw_small, None))

    band_small, band_large = interleaved_medians([draw_band(10_000), draw_band(1_000_000)], 5)
    calc_small, calc_large = interleaved_medians([compute_band(10_000), compute_band(1_000_000)], 3)
    print(f"# grouped band of 18 runs, frame: 10k steps {ms(band_small)}, 1M {ms(band_large)}")
    print(f"# (bands computed on the worker: 10k {ms(calc_small)}, 1M {ms(calc_large)})")
    print(ratio_line("grouped band of 18 runs drawn, 1M / 10k steps", band_large / band_small,
                     2.0))  # fmt: skip
    if args.runs:
        bench_bands(args.runs)
        bench_loading(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
