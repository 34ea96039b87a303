"""Executors compared: the curve_fit sweep on Dask against processes, and per-run overhead.

Issue 8 asks two things.

(a) The curve_fit sweep (18 runs, ``examples/curve_fit``) on a 2-worker Dask
``LocalCluster`` takes at most 1.25x the wall time of ``ProcessExecutor(max_workers=2)``.
Both are timed end to end as a user runs them (``metalab.run(...).result()`` with a
fresh executor, so the Dask side includes starting and closing its cluster, the
process side starting its pool), into a fresh temporary store, alternating A B A B
after an untimed warm-up; the figure is the median of the per-pair ratios. The Dask
sweep on a cluster started beforehand is also given, to show what start-up costs.
The warm-up leaves this process's forkserver running (the Dask executor forks its
workers from it, see ``metalab/executors/forkserver.py``), as it is for every sweep
after the first in a script or a notebook; the first sweep of a process, whose
forkserver starts for it, is timed apart (the server stopped before each). The first
sweep of a fresh process is timed too: the whole command, ``metalab-tui --no-ui`` on
the same sweep written with ``kind = "dask"`` and with ``kind = "process"`` (2
workers), alternating, so Dask's imports (in this process and in the forkserver) are
counted.

(b) Per-run overhead of tiny runs (each logs 20 points of one metric): milliseconds
a run, wall (and CPU, for threads and ``--no-ui``: steadier on a shared machine), on
threads, processes and Dask (2 workers each; Dask on a cluster started
beforehand, so its start-up is not spread over the runs), at 2,000 and 20,000 runs;
and ``metalab-tui --no-ui`` (threads, 2 workers) run as a subprocess on an
``experiments.toml`` written to a temporary folder, less the same command on a
1-run file (its start-up: interpreter, imports, the file's checks). Cost must grow
linearly: the script prints each one's ms/run at 20,000 over its ms/run at 2,000
(1.0 is linear), and ``--no-ui``'s ms/run over the library's (threads) at each size.

    uv run python bench/bench_executors.py [--pairs N] [--sizes 2000,20000]
        [--dask-sizes 2000,20000] [--only sweep|overhead]
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, machine_line, median
from _tiny_ops import tiny

import metalab
from metalab import DaskExecutor, ProcessExecutor, ThreadExecutor

SWEEP_TARGET = 1.25
TINY_OPS = Path(__file__).resolve().parent / "_tiny_ops.py"


def curve_fit_experiment() -> metalab.Experiment:
    """The sweep of ``experiments.toml``: 3 learning rates x 2 iteration counts x 3 seeds."""
    sys.path.insert(0, str(REPO_ROOT))  # workers import it by name from there too
    from examples.curve_fit.run import fit_curve

    grid = metalab.grid(learning_rate=[0.01, 0.05, 0.1], n_iterations=[5000, 10000])
    return metalab.Experiment("curve_fit", "0.1", {}, fit_curve, grid, metalab.seeds(42, 3))


def local_cluster() -> Any:
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=":0", worker_dashboard_address=None, silence_logs=logging.ERROR,
    )  # fmt: skip


def timed_sweep(experiment: metalab.Experiment, make: Callable[[], Any]) -> float:
    with tempfile.TemporaryDirectory(prefix="metalab-bench-") as tmp:
        start = time.perf_counter()
        executor = make()
        results = metalab.run(experiment, store=tmp, executor=executor).result()
        executor.shutdown()
        elapsed = time.perf_counter() - start
    bad = [r for r in results if r.status != "success"]
    assert not bad, bad[0].record.error
    return elapsed


def bench_sweep(pairs: int) -> None:
    print("\n(a) curve_fit sweep, 18 runs, 2 workers: Dask LocalCluster vs ProcessExecutor")
    experiment = curve_fit_experiment()
    processes = lambda: ProcessExecutor(max_workers=2)  # noqa: E731
    dask = lambda: DaskExecutor(n_workers=2)  # noqa: E731
    timed_sweep(experiment, processes)  # warm-up: caches, imports
    timed_sweep(experiment, dask)
    ratios, p_times, d_times = [], [], []
    for i in range(pairs):
        p = timed_sweep(experiment, processes)
        d = timed_sweep(experiment, dask)
        p_times.append(p)
        d_times.append(d)
        ratios.append(d / p)
        print(f"  pair {i + 1}: processes {p:.2f} s, dask {d:.2f} s, ratio {d / p:.3f}")
    cold = []
    for _ in range(pairs):  # the first sweep of a process: its forkserver starts for it
        forkserver._forkserver._stop()  # private, for this measure only: a cold server
        cold.append(timed_sweep(experiment, dask) / timed_sweep(experiment, processes))
    print(f"  first Dask sweep of a process that has imported Dask (forkserver started "
          f"for it) / processes, median of {pairs}: {median(cold):.2f}x")  # fmt: skip
    cluster = local_cluster()
    try:
        pre = [timed_sweep(experiment, lambda: DaskExecutor(cluster=cluster)) for _ in range(2)]
    finally:
        cluster.close()
    print(f"  processes median {median(p_times):.2f} s; dask median {median(d_times):.2f} s "
          f"(cluster started beforehand: {median(pre):.2f} s, "
          f"{median(pre) / median(p_times):.3f}x)")  # fmt: skip
    ratio = median(ratios)
    verdict = "met" if ratio <= SWEEP_TARGET else "MISSED"
    print(f"  Dask LocalCluster / ProcessExecutor, wall, median of pairs: {ratio:.2f}x "
          f"(target <= {SWEEP_TARGET}x) -- {verdict}")  # fmt: skip


def curve_fit_toml(folder: Path, kind: str) -> Path:
    """experiments.toml's curve_fit sweep, on ``kind`` with 2 workers, stored in ``folder``."""
    path = folder / f"curve_fit_{kind}.toml"
    # process and Dask workers import the operation by module name, from the file's folder
    shutil.copyfile(REPO_ROOT / "examples" / "curve_fit" / "run.py", folder / "curve_fit_op.py")
    path.write_text(
        f'[[experiment]]\nname = "curve_fit"\nversion = "0.1"\n'
        f'operation = "curve_fit_op:fit_curve"\nstore = "{kind}-store"\n\n'
        "[experiment.grid]\nlearning_rate = [0.01, 0.05, 0.1]\nn_iterations = [5000, 10000]\n\n"
        "[experiment.seeds]\nbase = 42\nreplicates = 3\n\n"
        f'[experiment.executor]\nkind = "{kind}"\nworkers = 2\n',
        encoding="utf-8",
    )
    return path


def bench_command(pairs: int) -> None:
    print("\n(a') the first sweep of a fresh process: metalab-tui --no-ui, kind dask vs process")
    ratios = []
    with tempfile.TemporaryDirectory(prefix="metalab-bench-cmd-") as tmp:
        folder = Path(tmp)
        files = {kind: curve_fit_toml(folder, kind) for kind in ("process", "dask")}
        for path in files.values():  # warm-up: bytecode caches
            no_ui_seconds(path)
        for i in range(pairs):
            p, _ = no_ui_seconds(files["process"])
            d, _ = no_ui_seconds(files["dask"])
            ratios.append(d / p)
            print(f"  pair {i + 1}: process {p:.2f} s, dask {d:.2f} s, ratio {d / p:.3f}")
    print(f"  whole command, Dask LocalCluster / ProcessExecutor, median of pairs: "
          f"{median(ratios):.2f}x")  # fmt: skip


def tiny_experiment(n: int) -> metalab.Experiment:
    grid = metalab.grid(x=list(range(n // 10)))
    return metalab.Experiment(f"tiny{n}", "1", {}, tiny, grid, metalab.seeds(0, replicates=10))


def ms_per_run(n: int, make: Callable[[], Any]) -> float:
    return 1000 * timed_sweep(tiny_experiment(n), make) / n


def write_toml(folder: Path, n: int) -> Path:
    path = folder / f"tiny{n}.toml"
    path.write_text(
        f'[[experiment]]\nname = "tiny{n}"\nversion = "1"\n'
        f'operation = "{TINY_OPS.as_posix()}:tiny"\nstore = "store"\n\n'
        f"[experiment.grid]\nx = {list(range(max(1, n // 10)))}\n\n"
        f"[experiment.seeds]\nbase = 0\nreplicates = {10 if n >= 10 else n}\n\n"
        '[experiment.executor]\nkind = "thread"\nworkers = 2\n',
        encoding="utf-8",
    )
    return path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def no_ui_seconds(path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``metalab-tui --no-ui`` on the file at ``path``."""
    command = [sys.executable, "-c", "import sys; from tui.cli import main; sys.exit(main())",
               str(path), "--no-ui", "--no-resume"]  # fmt: skip
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=path.parent, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})  # fmt: skip
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    return elapsed, _children_cpu() - cpu


def threads_cpu_ms(n: int) -> float:
    """CPU ms a run of the library alone on threads (this process, every thread)."""
    start = time.process_time()
    timed_sweep(tiny_experiment(n), lambda: ThreadExecutor(2))
    return 1000 * (time.process_time() - start) / n


def dask_ms_per_run(n: int) -> float:
    """On a cluster started beforehand (and closed after), so its start-up is not counted
    and its scheduler does not run in this process while the others are measured."""
    cluster = local_cluster()
    try:
        return ms_per_run(n, lambda: DaskExecutor(cluster=cluster))
    finally:
        cluster.close()


def bench_overhead(sizes: list[int], dask_sizes: list[int]) -> None:
    print("\n(b) tiny runs (20 metric points each), 2 workers: ms per run, wall")
    table: dict[str, dict[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="metalab-bench-toml-") as tmp:
        folder = Path(tmp)
        floors = [no_ui_seconds(write_toml(folder, 1)) for _ in range(3)]
        startup, startup_cpu = median([f[0] for f in floors]), median([f[1] for f in floors])
        print(f"  --no-ui start-up (the same command on a 1-run file): {startup:.2f} s wall, "
              f"{startup_cpu:.2f} s CPU")  # fmt: skip
        for n in sizes:
            table.setdefault("threads", {})[n] = ms_per_run(n, lambda: ThreadExecutor(2))
            table.setdefault("processes", {})[n] = ms_per_run(
                n, lambda: ProcessExecutor(max_workers=2)
            )
            if n in dask_sizes:
                table.setdefault("dask", {})[n] = dask_ms_per_run(n)
            wall, cpu = no_ui_seconds(write_toml(folder, n))
            table.setdefault("--no-ui (threads)", {})[n] = 1000 * (wall - startup) / n
            table.setdefault("CPU: threads", {})[n] = threads_cpu_ms(n)
            table.setdefault("CPU: --no-ui (threads)", {})[n] = 1000 * (cpu - startup_cpu) / n
            row = ", ".join(f"{k} {v[n]:.2f}" for k, v in table.items() if n in v)
            print(f"  {n:>6} runs: {row}")
    small, large = min(sizes), max(sizes)
    if small != large:
        print(f"  growth, ms/run at {large} over ms/run at {small} (1.00 is linear):")
        for label, row in table.items():
            if small in row and large in row:
                print(f"    {label}: {row[large] / row[small]:.2f}")
    for n in sizes:
        wall = table["--no-ui (threads)"][n] / table["threads"][n]
        cpu = table["CPU: --no-ui (threads)"][n] / table["CPU: threads"][n]
        print(f"  --no-ui over the library (threads), {n} runs: {wall:.2f}x wall, {cpu:.2f}x CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--dask-sizes", default="2000,20000")
    parser.add_argument("--only", choices=("sweep", "overhead"))
    args = parser.parse_args()
    print(machine_line())
    if args.only != "overhead":
        bench_sweep(args.pairs)
        bench_command(args.pairs)
    if args.only != "sweep":
        sizes = [int(s) for s in args.sizes.split(",")]
        dask_sizes = [int(s) for s in args.dask_sizes.split(",") if s]
        bench_overhead(sizes, dask_sizes)


if __name__ == "__main__":
    main()
