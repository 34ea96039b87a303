"""How fast ``metalab-tui browse`` gets a big results tree to a usable runs table.

Issue 4's targets: a tree of 10,000 runs, each with 1,000 steps of one stepped metric,
opens to a usable runs table in under 2 s, and sorting or filtering it answers within
200 ms; the index that makes this possible is cached and invalidated when the tree
changes. This script writes such a tree straight in the tree format (run records as
metalab writes them, sealed ``results/<id>/loss.json`` curves, a log per run), then
times, on the browser's data layer (``metalab.index``):

* open, cold: no cache, every record parsed, runs table built, cache written;
* open, warm: the cache reused, only ``runs/`` stat-ed;
* sort: by a numeric metric, a text param and the run id (the slowest is shown);
* filter: parse + apply typical filters (the slowest is shown);
* refresh: after one more run is written, as a live tree would;
* a read-only tree: the same tree bind-mounted read-only (``mount --bind`` then
  ``remount,ro``, where the bench may mount: as root), opened cold and warm, against
  the writable one, interleaved; and with a cache home that cannot be written (a
  file where the folder should be), where every open is a cold one. Then the tree's
  listing, sizes and mtimes are compared with those taken before the first open: the
  index writes nothing into a tree (its cache is under ``$XDG_CACHE_HOME``).

Sorts and filters are timed on columns whose text caches were dropped, as after a
refresh, so they include the one-off lower-casing a first ``~`` or text sort does.

Run with ``uv run python bench/bench_browse.py [--runs N] [--steps N] [--keep DIR]``.
Always exits 0: it reports, it does not gate (a missed target reads ``MISSED``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from metalab.index.cache import cache_file
from metalab.index.filter_language import apply, parse_filter, sort_order
from metalab.index.tree import TreeIndex

EXPERIMENT_ID = "bench:0.1"
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0)
WIDTHS = (32, 64, 128, 256, 512)
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
BATCH_SIZES = (16, 32, 64, 128, 256)


def _record(i: int, run_id: str, rng: np.random.Generator, base: float) -> dict[str, object]:
    lr = LEARNING_RATES[i % 10]
    width = WIDTHS[(i // 10) % 5]
    opt = OPTIMIZERS[(i // 50) % 4]
    batch = BATCH_SIZES[(i // 200) % 5]
    replicate = i // 1000
    failed = rng.random() < 0.05
    final = float(abs(rng.normal(0.05, 0.02)) + lr * 0.01)
    started = base + i * 0.5
    fmt = "%Y-%m-%dT%H:%M:%S"
    rec: dict[str, object] = {
        "_schema_version": "0.1",
        "artifacts": [
            {
                "artifact_id": f"{i:08d}-0000-4000-8000-000000000000",
                "content_hash": f"{i:016x}",
                "format": "npz",
                "kind": "numpy",
                "metadata": {},
                "name": "weights",
                "size_bytes": 4096,
                "uri": f"/home/someone/experiments/bench_0.1/artifacts/{run_id}/weights.npz",
            }
        ],
        "context_fingerprint": "44136fa355b3678a",
        "duration_ms": int(rng.integers(500, 5000)),
        "error": {"type": "FloatingPointError", "message": "loss diverged", "traceback": "..."}
        if failed
        else None,
        "experiment_id": EXPERIMENT_ID,
        "finished_at": time.strftime(fmt, time.localtime(started + 3)) + ".250000",
        "metrics": {}
        if failed
        else {
            "final_loss": final,
            "best_loss": final * 0.9,
            "accuracy": float(rng.uniform(0.5, 0.99)),
            "iterations_to_converge": int(rng.integers(100, 1000)),
            "converged": bool(rng.random() < 0.8),
        },
        "notes": None,
        "params_fingerprint": f"{i % 1000:016x}",
        "params_resolved": {
            "batch_size": batch,
            "learning_rate": lr,
            "optimizer": opt,
            "width": width,
        },
        "provenance": {
            "code_hash": "52f03b4a14c53438",
            "executor_id": "thread",
            "extra": {"pid": 4242, "replicate": replicate},
            "host": "node-17",
            "metalab_version": "0.1.0",
            "python_version": "3.11.7",
        },
        "run_id": run_id,
        "seed_fingerprint": f"{replicate:016x}",
        "started_at": time.strftime(fmt, time.localtime(started)) + ".125000",
        "status": "failed" if failed else "success",
        "tags": [],
        "warnings": [],
    }
    return rec


def _curve_json(rng: np.random.Generator, steps: int) -> str:
    """A sealed stepped metric, as ``stepped.seal`` writes it."""
    x = np.arange(steps)
    y = np.exp(-x * rng.uniform(1, 5) / steps) + rng.normal(0, 0.01, steps)
    pairs = ",".join(map("[{},{}]".format, x.tolist(), np.char.mod("%.6g", y).tolist()))
    meta = '{"type": "stepped_metric"}'
    return f'{{"data": [{pairs}], "dtype": null, "metadata": {meta}, "shape": [{steps}, 2]}}'


def write_run(folder: Path, i: int, rng: np.random.Generator, steps: int, base: float) -> str:
    """Write one run's record, curve and log into an experiment folder; returns its id."""
    run_id = f"{i:04x}{rng.integers(0, 2**48):012x}"
    rec = _record(i, run_id, rng, base)
    (folder / "runs" / f"{run_id}.json").write_text(json.dumps(rec, indent=2, sort_keys=True))
    results = folder / "results" / run_id
    results.mkdir(parents=True, exist_ok=True)
    (results / "loss.json").write_text(_curve_json(rng, steps))
    (folder / "logs" / f"{run_id}_run.log").write_text(
        f"2026-11-26 08:18:00 [INFO   ] [metalab.run] starting run {i}\n"
        f"2026-11-26 08:18:03 [INFO   ] [metalab.run] finished with status {rec['status']}\n"
    )
    return run_id


def generate_tree(root: Path, runs: int, steps: int, seed: int = 0) -> Path:
    """A collection root holding one experiment of ``runs`` runs; returns its folder."""
    folder = root / "bench_0.1"
    for sub in ("runs", "results", "logs", "artifacts", "derived", "experiments"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "_meta.json").write_text(
        json.dumps(
            {"created_by": "metalab", "experiment_id": EXPERIMENT_ID, "schema_version": "0.1"}
        )
    )
    rng = np.random.default_rng(seed)
    base = time.time() - 7 * 86400
    ids = [write_run(folder, i, rng, steps, base) for i in range(runs)]
    manifest = {
        "experiment_id": EXPERIMENT_ID,
        "name": "bench",
        "version": "0.1",
        "total_runs": runs,
        "run_ids": ids,
        "seeds": {"type": "SeedPlan", "base": 42, "replicates": 10},
        "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(base)),
    }
    (folder / "experiments" / "bench_0.1_20261126_081755.json").write_text(json.dumps(manifest))
    return folder


def tree_size(root: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, name))
    return files, size


def tree_listing(root: Path) -> dict[str, tuple[int, ...]]:
    """Every path under ``root`` with its size and mtime (folders: mtime and entries)."""
    out: dict[str, tuple[int, ...]] = {}
    for dirpath, dirs, names in os.walk(root):
        st = os.lstat(dirpath)
        out[dirpath] = (st.st_mtime_ns, len(dirs) + len(names))
        for name in names:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            out[path] = (st.st_size, st.st_mtime_ns)
    return out


@contextlib.contextmanager
def read_only_view(root: Path) -> Iterator[Path | None]:
    """``root`` bind-mounted read-only at a new folder, or None where mounting is not
    allowed (not root, or no mount namespace rights)."""
    target = Path(tempfile.mkdtemp(prefix="bench_browse_ro_"))
    mounted = False
    try:
        for cmd in (["mount", "--bind", str(root), str(target)],
                    ["mount", "-o", "remount,ro,bind", str(target)]):  # fmt: skip
            done = subprocess.run(cmd, capture_output=True, check=False)
            if done.returncode != 0:
                break
            mounted = True
        else:
            probe = target / ".probe"
            try:
                probe.write_text("")
            except OSError:
                yield target  # writing failed: it is read-only indeed
                return
            probe.unlink()
        yield None
    finally:
        if mounted:
            subprocess.run(["umount", str(target)], capture_output=True, check=False)
        with contextlib.suppress(OSError):
            target.rmdir()


def read_only_figures(root: Path, folder: Path, n: str) -> None:
    """Cold and warm opens of the tree mounted read-only against the writable one, an
    open with a cache home that cannot be written, and the tree left as it was."""
    with read_only_view(root) as ro:
        if ro is None:
            print("read-only tree: cannot mount one here (needs root); skipped")
        else:
            ro_folder = ro / folder.name
            forget = [folder, ro_folder]

            def cold(path: Path) -> float:
                for f in forget:
                    cache_file(os.path.realpath(f)).unlink(missing_ok=True)
                return timed(lambda: _open(path))[0]

            colds: dict[str, list[float]] = {"rw": [], "ro": []}
            warms: dict[str, list[float]] = {"rw": [], "ro": []}
            for _ in range(3):  # interleaved, so both see the same machine
                colds["rw"].append(cold(root))
                colds["ro"].append(cold(ro))
                _open(root)  # the caches of both written
                _open(ro)
                warms["rw"].append(timed(lambda: _open(root))[0])
                warms["ro"].append(timed(lambda: _open(ro))[0])
            med = {k: statistics.median(v) for k, v in colds.items()}
            wmed = {k: statistics.median(v) for k, v in warms.items()}
            print(line(f"open (cold, read-only tree, {n} runs)", med["ro"], 2.0)
                  + f"  = {med['ro'] / med['rw']:.2f}x the writable tree's "
                  f"{med['rw'] * 1000:.0f} ms")  # fmt: skip
            print(line(f"open (warm, read-only tree, {n} runs)", wmed["ro"], 2.0)
                  + f"  = {wmed['ro'] / wmed['rw']:.2f}x the writable tree's "
                  f"{wmed['rw'] * 1000:.0f} ms")  # fmt: skip
    home = os.environ["XDG_CACHE_HOME"]
    blocker = Path(tempfile.mkdtemp(prefix="bench_browse_home_")) / "file"
    blocker.write_text("")
    os.environ["XDG_CACHE_HOME"] = str(blocker)
    try:
        again = statistics.median(timed(lambda: _open(root))[0] for _ in range(3))
        print(line(f"open with a cache home that cannot be written ({n} runs)", again, 2.0)
              + " (no cache: every open is a cold one)")  # fmt: skip
    finally:
        os.environ["XDG_CACHE_HOME"] = home
        shutil.rmtree(blocker.parent, ignore_errors=True)


def timed(
    fn: Callable[[], object], repeat: int = 1, setup: Callable[[], object] | None = None
) -> tuple[float, object]:
    """Median wall time of ``fn`` over ``repeat`` calls (``setup`` runs untimed before each)."""
    times = []
    out: object = None
    for _ in range(repeat):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def line(label: str, seconds: float, target: float | None = None) -> str:
    shown = f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"
    if target is None:
        return f"{label}: {shown}"
    goal = f"{target * 1000:.0f} ms" if target < 1 else f"{target:g} s"
    verdict = "" if seconds < target else "  MISSED"
    return f"{label}: {shown} (target < {goal}){verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=1_000)
    parser.add_argument("--keep", type=Path, default=None, help="write the tree here and keep it")
    args = parser.parse_args(argv)
    n = f"{args.runs:,}"
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}")  # fmt: skip

    tmp = None if args.keep else tempfile.mkdtemp(prefix="bench_browse_")
    root = args.keep or Path(tmp or ".")
    cache_home = tempfile.mkdtemp(prefix="bench_browse_cache_")
    os.environ["XDG_CACHE_HOME"] = cache_home  # the bench's caches, not the user's
    try:
        t0 = time.perf_counter()
        folder = generate_tree(root, args.runs, args.steps)
        gen = time.perf_counter() - t0
        files, size = tree_size(root)
        print(f"# tree: {n} runs x {args.steps:,} steps, {files:,} files, "
              f"{size / 1e6:,.0f} MB, written in {gen:.1f} s")  # fmt: skip
        time.sleep(1.1)  # let the newest records age past the cache's racy window

        before = tree_listing(root)
        cold, index = timed(lambda: _open(root))
        print(line(f"open (cold, {n} runs)", cold, 2.0))
        warm, index = timed(lambda: _open(root), repeat=3)
        print(line(f"open (warm, cache, {n} runs)", warm, 2.0))
        assert isinstance(index, TreeIndex)
        table = index.table()
        assert len(table) == args.runs, (len(table), args.runs)

        def forget() -> None:
            """Drop the per-column text caches, as a freshly refreshed table has none."""
            for col in table.columns.values():
                col._lower = None
                col._info = None

        sorts = {
            "metrics.final_loss": timed(lambda: sort_order(table, "metrics.final_loss"), 5, forget)[
                0
            ],
            "params.optimizer (desc)": timed(
                lambda: sort_order(table, "params.optimizer", descending=True), 5, forget
            )[0],
            "record.run_id": timed(lambda: sort_order(table, "record.run_id"), 5, forget)[0],
        }
        worst = max(sorts, key=lambda k: sorts[k])
        print(line(f"sort ({n} rows, slowest: {worst})", sorts[worst], 0.2))

        filters = (
            "learning_rate=0.1 final_loss<0.06 status=success",
            "optimizer in adam,sgd width>=128",
            "error_message~diverged",
            "run_id~ab",
        )
        ftimes = {
            f: timed(lambda f=f: apply(table, parse_filter(f, table)), 5, forget)[0]
            for f in filters
        }
        worst = max(ftimes, key=lambda k: ftimes[k])
        print(line(f"filter ({n} rows, slowest: `{worst}`)", ftimes[worst], 0.2))
        both = timed(
            lambda: sort_order(
                table, "metrics.final_loss", apply(table, parse_filter(filters[1], table))
            ),
            5,
            forget,
        )[0]
        print(line("filter + sort", both, 0.2))

        read_only_figures(root, folder, n)
        after = tree_listing(root)
        moved = [p for p in set(before) | set(after) if before.get(p) != after.get(p)]
        print(f"tree unchanged by every open above: {'yes' if not moved else 'NO'} "
              f"({len(before):,} paths' sizes, mtimes and listings compared)"
              + (f"; changed: {sorted(moved)[:5]}" if moved else ""))  # fmt: skip

        rng = np.random.default_rng(99)
        write_run(folder, args.runs, rng, args.steps, time.time())

        def refresh() -> object:
            changes = index.refresh()
            return changes, index.table()

        ref, (changes, new_table) = timed(refresh)  # type: ignore[misc]
        assert len(new_table) == args.runs + 1 and len(changes.added) == 1, changes
        print(line("refresh after 1 new run (incl. table rebuild)", ref, 0.5))
        idle, _ = timed(index.refresh, 3)
        print(line("refresh, nothing changed", idle))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(cache_home, ignore_errors=True)
    return 0


def _open(root: Path) -> TreeIndex:
    index = TreeIndex(root)
    index.table()  # a usable runs table, columns built
    return index


if __name__ == "__main__":
    raise SystemExit(main())
