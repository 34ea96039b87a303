"""Issue 11, kills at any moment: ``metalab-tui --no-ui`` SIGKILLed again and again.

Each chain is one results tree. Its sweep (16 short runs on 2 threads, each streaming a
curve and saving an artifact) is launched and SIGKILLed several times in a row, each
launch resuming the previous one, then interrupted once with SIGINT or SIGTERM, then
resumed to the end. Kills land at random moments (seeded, so a failure can be
replayed: the message names the chain, the launch and the moment) and at targeted
ones: the child arms a pause point (``KILL_AT``) that prints a line and sleeps when
reached, and is killed there: just after taking the lock, half-way through appending
a stream line, with a sealed metric's temporary written but not renamed, with it
renamed but the stream not yet removed, with an artifact written but not its manifest,
with a final record's temporary written but not renamed.

After every kill: every JSON file parses, every stream's lines parse (but a torn last
one), ``load_results`` reads every record (skipping none), the browser's index opens
the tree, and no run that had succeeded was touched. After the signal: exit code 130,
no run left ``running``, no lock. After the final resume: exit 0, every run succeeded,
the resume ran exactly the runs that had not, no temporary file, stream or lock is
left, and the lock of a killed launch was taken over with a notice.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import metalab
from metalab.index import TreeIndex
from metalab.store.layout import LOCK_FILE

SEED = 20260111
RUNS = 16
STEPS = 40
MIN_SIGKILLS = 30

OPS = '''\
"""A short run: a streamed curve, a log, an artifact and a data entry."""

import time

import numpy as np

import metalab


@metalab.operation
def op(params, capture):
    x = params["x"]
    capture.log(f"start x={x}")
    for i in range(40):
        capture.metric("loss", 1.0 / (i + 1 + x), step=i)
        if i % 10 == 9:
            time.sleep(0.03)
    capture.artifact("w", np.arange(5) * x)
    capture.data("d", {"x": x})
    capture.metric("final", x)
    capture.log("done")
'''

EXPERIMENT = f"""\
[[experiment]]
name = "demo"
version = "1"
operation = "ops:op"

[experiment.grid]
x = {list(range(RUNS))}

[experiment.seeds]
base = 0

[experiment.executor]
workers = 2

[experiment.display]
metric = "loss"
"""

CHILD = '''\
"""metalab-tui --no-ui --json in this process, with a pause point armed by KILL_AT."""

import json
import os
import sys
import time

POINT = os.environ.get("KILL_AT", "")
NTH = int(os.environ.get("KILL_AT_N", "1"))
seen = [0]


def reached() -> bool:
    seen[0] += 1
    return seen[0] == NTH


def pause() -> None:
    sys.stdout.write(json.dumps({"pause": POINT}) + "\\n")
    sys.stdout.flush()
    time.sleep(120)


if POINT:
    import metalab.capture as capture
    import metalab.store.atomic as atomic
    import metalab.store.filestore as filestore

    if POINT == "locked":  # the lock taken, nothing else written yet
        put_manifest = filestore.FileStore.put_experiment_manifest

        def put(self, *args, **kwargs):
            pause()

        filestore.FileStore.put_experiment_manifest = put
    elif POINT == "stream":  # half of a stream line appended
        append = capture._append

        def half(fh, data):
            if reached():
                fh.write(data[: len(data) // 2])
                pause()
            append(fh, data)

        capture._append = half
    elif POINT in ("seal", "sealed"):  # a sealed metric's temporary, before/after rename
        move = atomic.move_into_place

        def sealing(tmp, path):
            if POINT == "seal" and reached():
                pause()
            move(tmp, path)
            if POINT == "sealed" and reached():
                pause()

        atomic.move_into_place = sealing
    elif POINT == "artifact":  # an artifact's file written, not yet its manifest
        write_json = atomic.write_json

        def manifest(path, obj, **kwargs):
            if path.name == "_manifest.json" and reached():
                pause()
            write_json(path, obj, **kwargs)

        atomic.write_json = manifest
    elif POINT == "record":  # a final record's temporary written, not yet renamed
        replace = os.replace

        def final_record(src, dst):
            dst_s = str(dst)
            if dst_s.endswith(".json") and os.sep + "runs" + os.sep in dst_s:
                with open(src, encoding="utf-8") as fh:
                    final = '"status": "running"' not in fh.read()
                if final and reached():
                    pause()
            replace(src, dst)

        os.replace = final_record

from tui.cli import main

sys.exit(main())
'''

POINTS = ("locked", "stream", "seal", "sealed", "artifact", "record")


class Launch:
    """One child process and what it printed: its events, and its pause line."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.paused = threading.Event()
        self.started = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith('{"pause"'):
                self.paused.set()
            elif '"event": "run_started"' in line or '"event":"run_started"' in line:
                self.started.set()

    def wait(self, flag: threading.Event, timeout: float = 30) -> bool:
        """Wait for ``flag`` while the child lives; False if it ended first."""
        deadline = time.monotonic() + timeout
        while not flag.wait(0.01):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                return flag.is_set()
        return True

    def finish(self, timeout: float = 60) -> tuple[int, str]:
        try:
            self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(10)
        assert self.proc.stderr is not None
        err = self.proc.stderr.read()
        self.proc.stdout.close()  # type: ignore[union-attr]
        self.proc.stderr.close()
        return self.proc.returncode, err

    def events(self, kind: str) -> set[str]:
        out = set()
        for line in self.lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == kind:
                out.add(event["run_id"])
        return out


def launch(project: Path, point: str = "", nth: int = 1, *args: str) -> Launch:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1", KILL_AT=point,
               KILL_AT_N=str(nth))  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, str(project / "child.py"), "--no-ui", "--json", *args],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    return Launch(proc)


def succeeded(tree: Path) -> dict[str, bytes]:
    """The record files of the runs that have succeeded, as bytes."""
    out = {}
    for path in (tree / "runs").glob("*.json"):
        data = path.read_bytes()
        if json.loads(data)["status"] == "success":
            out[path.stem] = data
    return out


def check_tree(collection: Path, tree: Path, before: dict[str, bytes], where: str) -> None:
    """What must hold of the tree whenever its writer has been killed."""
    for path in tree.rglob("*"):
        name = path.name
        if not path.is_file() or (name.startswith(".") and ".tmp." in name):
            continue  # a temporary: readers skip it; the next launch removes it
        text = path.read_text(encoding="utf-8", errors="replace")
        if name.endswith(".json") or name == LOCK_FILE:
            try:
                json.loads(text)
            except ValueError:
                pytest.fail(f"{where}: {path.relative_to(tree)} is not whole JSON")
        elif name.endswith(".jsonl"):
            lines = text.split("\n")
            for line in lines[:-1]:  # the part after the last newline may be torn
                json.loads(line)
    results = metalab.load_results(tree)
    assert results.skipped == [], f"{where}: {results.skipped}"
    assert len(results) <= RUNS
    for run in results.successful:
        assert run.data("loss")[-1][0] == STEPS - 1, where
    index = TreeIndex(collection)
    assert sum(len(exp.rows) for exp in index.experiments) == len(results), where
    now = succeeded(tree)
    for run_id, data in before.items():
        assert now.get(run_id) == data, f"{where}: succeeded run {run_id} was touched"


def check_final(tree: Path, before: dict[str, bytes], last: Launch, code: int, err: str) -> None:
    assert code == 0, err
    results = metalab.load_results(tree)
    assert len(results) == RUNS and len(results.successful) == RUNS
    for run in results:
        x = run.params["x"]
        np.testing.assert_allclose(
            run.stepped("loss")[1], [1.0 / (i + 1 + x) for i in range(STEPS)]
        )
        np.testing.assert_array_equal(run.artifact("w"), np.arange(5) * x)
        assert run.data("d") == {"x": x}
        assert "done" in run.log
    # the resume ran exactly what had not succeeded, and left the rest untouched
    assert last.events("run_skipped") == set(before)
    assert last.events("run_started") == {r.run_id for r in results} - set(before)
    now = succeeded(tree)
    assert {k: now[k] for k in before} == before
    leftovers = [
        p for p in tree.rglob("*")
        if ".tmp." in p.name or p.suffix == ".jsonl" or p.name.startswith(LOCK_FILE)
    ]  # fmt: skip
    assert leftovers == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_sweep_killed_at_any_moment_resumes_to_a_whole_tree(tmp_path: Path):
    rng = random.Random(SEED)
    sigkills = 0
    chain = 0
    while sigkills < MIN_SIGKILLS and chain < 12:
        chain += 1
        project = tmp_path / f"chain{chain}"
        project.mkdir()
        (project / "ops.py").write_text(OPS, encoding="utf-8")
        (project / "experiments.toml").write_text(EXPERIMENT, encoding="utf-8")
        (project / "child.py").write_text(CHILD, encoding="utf-8")
        collection = project / "experiments"
        tree = collection / "demo_1"

        # the targeted moments first, while there are runs left to reach them
        rest = ["early", "running", "running", "running"]
        rng.shuffle(rest)
        moments = [*rng.sample(POINTS, 2), *rest]
        for n, moment in enumerate(moments, 1):
            before = succeeded(tree) if tree.exists() else {}
            if len(before) == RUNS:
                break  # nothing left to kill a sweep in the middle of
            nth = rng.randint(1, 3)
            where = f"chain {chain}, launch {n}, killed at {moment}"
            child = launch(project, moment if moment in POINTS else "", nth)
            if moment == "early":
                time.sleep(rng.uniform(0.05, 0.8))
            elif moment == "running":
                child.wait(child.started)
                time.sleep(rng.uniform(0.0, 0.3))
            else:
                child.wait(child.paused)  # not reached when no run was left to reach it
            if child.proc.poll() is None:
                child.proc.send_signal(signal.SIGKILL)
                sigkills += 1
            child.finish()
            if tree.exists():
                check_tree(collection, tree, before, where + f" (nth={nth})")

        # an interrupt while runs are in flight (--no-resume: there are always some):
        # they are recorded cancelled, the lock is given back, the exit code is 130;
        # the last SIGKILLed launch's lock, if it had taken it, is taken over with a notice
        signum = (signal.SIGINT, signal.SIGTERM)[chain % 2]
        where = f"chain {chain}, {signal.Signals(signum).name}"
        stale = (tree / LOCK_FILE).exists()
        child = launch(project, "", 1, "--no-resume")
        assert child.wait(child.started), where
        time.sleep(rng.uniform(0.0, 0.1))
        child.proc.send_signal(signum)
        code, err = child.finish()
        assert code == 130, f"{where}: exit {code}: {err}"
        assert ("took over the stale lock of " in err) == stale, f"{where}: {err}"
        assert "Traceback" not in err, err
        statuses = {json.loads(p.read_text())["status"] for p in (tree / "runs").glob("*.json")}
        assert "cancelled" in statuses and statuses <= {"success", "cancelled"}, where
        assert not (tree / LOCK_FILE).exists(), where

        # a final resume finishes the sweep, running only what had not finished
        before = succeeded(tree)
        child = launch(project)
        code, err = child.finish()
        check_final(tree, before, child, code, err)
    assert sigkills >= MIN_SIGKILLS
