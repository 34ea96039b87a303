"""How much slower the curve_fit sweep runs under metalab than the same arithmetic alone.

Issue 2: the seed's curve_fit sweep (18 runs) with one worker must take at most 5%
longer than the same arithmetic with no runner (the reference metalab: about 19%).
The runner side is ``metalab.run`` with ``ThreadExecutor(max_workers=1)``, progress
off, into a fresh temporary store each time. The floor is the same math in a plain
loop: the same numpy Generator seeds, the same data, the same iterations, each loss
appended to a list, and no capture at all. The math itself is imported from
``examples/curve_fit/run.py`` so the two cannot drift apart, and the script checks
once that both sides end with bit-identical fitted parameters.

The two alternate (A B A B ...) after one untimed warm-up of each, and the overhead
is the median of the per-pair ratios, so drift in the machine's speed (it is shared)
hits both sides of a pair alike. It is given twice: in wall time (what the target
names) and in CPU time of the whole process (every thread, so the flusher too),
which other tenants of the machine disturb far less; when the wall ratios of the
pairs scatter widely the script says so.

    uv run python bench/bench_sweep.py [--pairs N]
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np
from _common import REPO_ROOT, machine_line, median, ratio_line

import metalab
from metalab.runner import plan_runs

TARGET_PCT = 5.0
NOISY_SPREAD_PCT = 10.0  # wall pair ratios spread wider than this: say so


def load_example() -> ModuleType:
    """``examples/curve_fit/run.py`` as a module (its ``main()`` is not run)."""
    path = REPO_ROOT / "examples" / "curve_fit" / "run.py"
    spec = importlib.util.spec_from_file_location("curve_fit_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EX = load_example()
Case = tuple[float, int, int]  # learning rate, iterations, numpy seed


def sweep_cases(experiment: metalab.Experiment) -> list[Case]:
    """The sweep's runs in metalab's order, reduced to what the plain loop needs."""
    return [
        (p.params["learning_rate"], p.params["n_iterations"], p.seeds.numpy_seed())
        for p in plan_runs(experiment)
    ]


def plain_sweep(cases: list[Case]) -> list[np.ndarray]:
    """The floor: ``fit_curve``'s arithmetic, run by run, with no runner and no capture."""
    make_data, compute_loss, gradient = EX.make_data, EX.compute_loss, EX.gradient
    converged_below = EX.CONVERGED_BELOW
    fitted: list[np.ndarray] = []
    for lr, n_iterations, seed in cases:
        rng = np.random.default_rng(seed)
        x_data, y_data = make_data(rng)
        theta = np.array([1.0, 0.5, 0.0]) + rng.normal(0.0, 0.1, size=3)
        history: list[float] = []
        converged_at: int | None = None
        previous: float | None = None
        for i in range(n_iterations):
            loss = compute_loss(x_data, y_data, theta)
            history.append(float(loss))
            if converged_at is None and previous is not None and previous - loss < converged_below:
                converged_at = i
            previous = loss
            theta = theta - lr * gradient(x_data, y_data, theta)
        fitted.append(theta)
    return fitted


def metalab_sweep(experiment: metalab.Experiment, store: Path) -> metalab.Results:
    """The sweep as a user runs it, with one worker and no progress display."""
    with metalab.ThreadExecutor(max_workers=1) as executor:
        handle = metalab.run(experiment, store=store, executor=executor, progress=False)
        return handle.result()


Timing = tuple[float, float]  # wall seconds, CPU seconds of the whole process


def time_plain(cases: list[Case]) -> tuple[Timing, list[np.ndarray]]:
    t0, c0 = time.perf_counter(), time.process_time()
    fitted = plain_sweep(cases)
    return (time.perf_counter() - t0, time.process_time() - c0), fitted


def time_metalab(experiment: metalab.Experiment) -> tuple[Timing, list[np.ndarray]]:
    """Wall and CPU seconds of one whole sweep into a fresh temporary store, and its fits."""
    with tempfile.TemporaryDirectory(prefix="metalab-bench-sweep-") as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        results = metalab_sweep(experiment, Path(tmp))
        elapsed = (time.perf_counter() - t0, time.process_time() - c0)
        failed = [r for r in results if str(r.status) != "success"]
        if failed or len(results) != 18:
            raise SystemExit(f"the sweep did not succeed: {len(results)} runs, {failed!r}")
        fitted = [np.asarray(r.artifact("fitted_params")) for r in results]
    return elapsed, fitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5, help="timed A/B pairs (default 5)")
    args = parser.parse_args()
    experiment = EX.make_experiment()
    cases = sweep_cases(experiment)
    iterations = sum(n for _, n, _ in cases)

    print(machine_line())
    print(f"# curve_fit: {len(cases)} runs, {iterations:,} iterations; "
          f"1 untimed warm-up pair, then {args.pairs} pairs A=metalab B=plain")  # fmt: skip

    _, fitted_ml = time_metalab(experiment)
    _, fitted_plain = time_plain(cases)
    same = all(np.array_equal(a, b) for a, b in zip(fitted_ml, fitted_plain, strict=True))
    print(f"# same fitted params on both sides: {same}")
    if not same:
        raise SystemExit("the plain loop does not reproduce the sweep's arithmetic")

    a_times: list[Timing] = []
    b_times: list[Timing] = []
    for k in range(args.pairs):
        a, _ = time_metalab(experiment)
        b, _ = time_plain(cases)
        a_times.append(a)
        b_times.append(b)
        wall_pct, cpu_pct = (a[0] / b[0] - 1) * 100, (a[1] / b[1] - 1) * 100
        print(f"  pair {k + 1}: metalab {a[0]:6.2f} s   plain {b[0]:6.2f} s   "
              f"wall {wall_pct:+5.1f}%   cpu {cpu_pct:+5.1f}%")  # fmt: skip

    wall = [a[0] / b[0] for a, b in zip(a_times, b_times, strict=True)]
    cpu = [a[1] / b[1] for a, b in zip(a_times, b_times, strict=True)]
    a_wall, b_wall = median([a[0] for a in a_times]), median([b[0] for b in b_times])
    print(f"metalab sweep {a_wall:.2f} s, plain loop {b_wall:.2f} s (medians); "
          f"ratio of medians {(a_wall / b_wall - 1) * 100:+.1f}%")  # fmt: skip
    spread = (max(wall) - min(wall)) * 100
    if spread > NOISY_SPREAD_PCT:
        print(f"# wall-time pair ratios span {spread:.0f} points: the machine is busy, so the wall "
              "figure is unreliable; trust the CPU figure or rerun with more --pairs")  # fmt: skip
    label = "curve_fit sweep (1 worker) over plain loop"
    print(ratio_line(f"{label}, wall", (median(wall) - 1) * 100, TARGET_PCT, "%"))
    print(ratio_line(f"{label}, process CPU time", (median(cpu) - 1) * 100, TARGET_PCT, "%"))


if __name__ == "__main__":
    main()
