"""What the live dashboard costs when a sweep has many short runs.

Issue 9: 2,000 runs of 20 steps took 10.4 s in the dashboard against 3.5 s under
``--no-ui``. The target is at most 1.3x ``--no-ui`` for 2,000 and for 20,000 runs.

A generated sweep (``experiments.toml`` and ``ops.py`` in a temporary folder): a
tiny operation that logs one line and records 20 steps of a loss, over a grid of 200
learning rates times 10 (or 100) widths, on the thread executor with 2 workers, each
sweep into a fresh store (``--no-resume``). Both sides are whole processes started
the same way, so both pay Python's start-up and imports:

* ``--no-ui``: ``metalab-tui <file> --no-ui --no-resume --store <tmp>``, output to
  /dev/null;
* the dashboard: this script with ``--tui-child``, which runs the real app
  (``MetalabApp.run(headless=True)`` at 160x48, Textual's headless driver: everything
  is composed and drawn, nothing is written to a terminal) and exits as soon as the
  sweep has ended. It reports the UI process's CPU time and peak RSS, and the CPU time
  of the sweep's process (the dashboard's child, ``--no-ui --json``).

Both sides get bytecode caches (``PYTHONPYCACHEPREFIX``), as an installation has. On
sizes below 10,000, an untimed warm-up of each side comes first. Then the two
alternate, the order flipping every pair; the figure is the median of the per-pair
ratios of wall time. The ratio of CPU time (each process with its children) is printed
too: it varies less on a busy machine.

    uv run python bench/bench_tui_many.py [--sizes 2000,20000] [--pairs 3] [--large-pairs 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO_ROOT, machine_line, median

RATIO_TARGET = 1.3
SIZE = (160, 48)
WORKERS = 2
STEPS = 20
LEARNING_RATES = 200

OPS = """\
import metalab


@metalab.operation
def tiny(params, seeds, capture, runtime):
    capture.log(f"lr={params['lr']} width={params['width']}")
    loss = 1.0
    for step in range(params["steps"]):
        loss *= 1.0 - params["lr"]
        capture.metric("loss", loss, step=step)
    capture.metric("final_loss", loss)
"""

EXPERIMENT = """\
[[experiment]]
name = "many{runs}"
version = "1"
description = "{runs} tiny runs of {steps} steps"
operation = "ops.py:tiny"
store = "store"

[experiment.grid]
lr = {lrs}
width = {widths}
steps = [{steps}]

[experiment.seeds]
base = 1
replicates = 1

[experiment.executor]
kind = "thread"
workers = {workers}

[experiment.display]
metric = "loss"
steps = "steps"
"""


def write_sweep(folder: Path, runs: int) -> Path:
    """``ops.py`` and ``experiments.toml`` for ``runs`` runs (a multiple of 200)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ops.py").write_text(OPS, encoding="utf-8")
    lrs = [round(1e-4 * 1.035**i, 10) for i in range(LEARNING_RATES)]
    widths = list(range(runs // LEARNING_RATES))
    path = folder / "experiments.toml"
    path.write_text(
        EXPERIMENT.format(runs=runs, lrs=lrs, widths=widths, steps=STEPS, workers=WORKERS),
        encoding="utf-8",
    )
    return path


PYCACHE = Path(tempfile.gettempdir()) / "metalab-bench-many-pycache"
"""Bytecode caches for the processes timed, as a user's installation has them (an
environment with ``PYTHONDONTWRITEBYTECODE`` would compile every module afresh in
every process, and the dashboard starts two)."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def _children_cpu() -> float:
    """CPU seconds of every finished child process, and of the children they waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the process and its children, its stdout)."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, env=_env())
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        message = done.stderr.decode()[-2000:]
        raise RuntimeError(f"{cmd[2:4]} exited {done.returncode}: {message}")
    return elapsed, _children_cpu() - cpu, done.stdout.decode()


def _check_runs(store: Path, runs: int) -> None:
    """The sweep did run: every run has its record."""
    found = sum(1 for _ in store.glob("*/runs/*.json"))
    if found != runs:
        raise RuntimeError(f"{found} run records in {store}, not {runs}")


def headless(path: Path, runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="metalab-bench-many-") as tmp:
        cmd = [sys.executable, "-c", "import sys; from tui.cli import main; sys.exit(main())",
               str(path), "--no-ui", "--no-resume", "--store", tmp]  # fmt: skip
        wall, cpu, _ = _timed(cmd)
        _check_runs(Path(tmp), runs)
    return {"wall": wall, "cpu": cpu}


def dashboard(path: Path, runs: int) -> dict[str, float]:
    """Wall and CPU seconds (with the sweep's process), and the UI process's CPU alone."""
    with tempfile.TemporaryDirectory(prefix="metalab-bench-many-") as tmp:
        wall, cpu, out = _timed([sys.executable, __file__, "--tui-child", str(path), tmp])
        _check_runs(Path(tmp), runs)
    words = out.split()
    return {"wall": wall, "cpu": cpu, "ui_cpu": float(words[-1]), "sweep_cpu": float(words[-3]),
            "ui_peak_mb": float(words[-5])}  # fmt: skip


def tui_child(path: str, store: str) -> None:
    """The dashboard on ``path``, headless; quits when the sweep has ended."""
    import tui.live.app
    from metalab.config import load_experiments
    from tui.live.app import MetalabApp
    from tui.live.dashboard import DashboardScreen
    from tui.options import RunOptions

    class UntilDone(MetalabApp):
        # a relative CSS_PATH is read from the subclass's folder: point at the real one
        CSS_PATH = str(Path(tui.live.app.__file__).resolve().parent / "app.tcss")

        def on_mount(self) -> None:  # after MetalabApp.on_mount: textual calls both
            self.set_interval(0.05, self._check)

        def _check(self) -> None:
            screen = self.screen
            if isinstance(screen, DashboardScreen) and screen.exit_code is not None:
                if screen.exit_code:
                    print(f"the sweep ended {screen.state}: {screen.note}", file=sys.stderr)
                    for state in screen.session.tracker.runs.values():
                        if state.status == "failed":
                            print(state.traceback or state.error, file=sys.stderr)
                self.exit(screen.exit_code)

    specs = load_experiments(Path(path))
    app = UntilDone(specs, RunOptions(store=Path(store), resume=False))
    code = app.run(headless=True, size=SIZE)
    cpu = os.times()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ui-peak-mb {peak:.1f}")
    print(f"sweep-cpu {cpu.children_user + cpu.children_system:.3f}")
    print(f"ui-cpu {cpu.user + cpu.system:.3f}")
    sys.exit(code if code is not None else app.return_code or 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,20000", help="runs per sweep, comma-separated")
    parser.add_argument("--pairs", type=int, default=3, help="timed pairs below 10,000 runs")
    parser.add_argument("--large-pairs", type=int, default=1, help="timed pairs from 10,000")
    parser.add_argument("--tui-child", nargs=2, metavar=("FILE", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tui_child:
        tui_child(*args.tui_child)
        return

    print(machine_line() + ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(f"# tiny runs of {STEPS} steps, thread executor x{WORKERS}, resume off, temp stores")
    print(f"# bytecode caches in {PYCACHE}")
    with tempfile.TemporaryDirectory(prefix="metalab-bench-many-") as tmp:
        for runs in (int(n) for n in args.sizes.split(",")):
            path = write_sweep(Path(tmp) / f"sweep{runs}", runs)
            pairs = args.pairs if runs < 10_000 else args.large_pairs
            if runs < 10_000:  # warm-up: imports, the filesystem's caches
                headless(path, runs)
                dashboard(path, runs)
            tui: list[dict[str, float]] = []
            plain: list[dict[str, float]] = []
            for i in range(pairs):
                order = ("tui", "headless") if i % 2 == 0 else ("headless", "tui")
                for side in order:
                    if side == "tui":
                        tui.append(dashboard(path, runs))
                    else:
                        plain.append(headless(path, runs))
                a, b = tui[-1], plain[-1]
                print(
                    f"#   {runs} runs, pair {i + 1}: dashboard {a['wall']:.1f} s wall, "
                    f"{a['cpu']:.1f} s CPU (UI {a['ui_cpu']:.1f} s, sweep {a['sweep_cpu']:.1f} s); "
                    "--no-ui "
                    f"{b['wall']:.1f} s wall, {b['cpu']:.1f} s CPU; "
                    f"ratio {a['wall'] / b['wall']:.2f} wall, {a['cpu'] / b['cpu']:.2f} CPU"
                )
            wall = median([a["wall"] / b["wall"] for a, b in zip(tui, plain, strict=True)])
            cpu = median([a["cpu"] / b["cpu"] for a, b in zip(tui, plain, strict=True)])
            verdict = "met" if wall <= RATIO_TARGET else "MISSED"
            print(
                f"{runs} runs: dashboard {median([a['wall'] for a in tui]):.1f} s / --no-ui "
                f"{median([b['wall'] for b in plain]):.1f} s, median of pair ratios "
                f"{wall:.2f}x wall (target <= {RATIO_TARGET}x) -- {verdict}; {cpu:.2f}x CPU; "
                f"UI process CPU {median([a['ui_cpu'] for a in tui]):.1f} s, "
                f"peak RSS {max(a['ui_peak_mb'] for a in tui):.0f} MB"
            )


if __name__ == "__main__":
    main()
