"""Fixtures shared by the TUI's tests (sections are appended by the modules that use them)."""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_textual_snapshot
import textual

from metalab.config import ExperimentSpec, load_experiments

# pytest-textual-snapshot 1.0 names its file extension the way syrupy 4 read it
# (``_file_extension``); syrupy 7 reads ``file_extension`` and so saved snapshots as
# ``.raw``. Name it for syrupy 7 too, so the snapshots are ``.svg`` files viewers open.
pytest_textual_snapshot.SVGImageExtension.file_extension = "svg"

SNAPSHOT_VERSIONS = {"python": (3, 11), "textual": "8.2"}
"""The versions every snapshot SVG was made with; text metrics and styles change
between versions, so snapshots made with others would not compare."""


@pytest.fixture(autouse=True)
def _pinned_snapshot_versions(request: pytest.FixtureRequest) -> None:
    """Refuse ``--snapshot-update`` of a snapshot test run with other versions."""
    if "snap_compare" not in request.fixturenames:
        return
    if request.config.getoption("--snapshot-update", default=False):
        python, version = sys.version_info[:2], textual.__version__
        want = SNAPSHOT_VERSIONS
        if python != want["python"] or not version.startswith(str(want["textual"])):
            pytest.fail(f"snapshots are made with Python {want['python']} and textual "
                        f"{want['textual']}, not {python} and {version}")  # fmt: skip


# --- small sweeps from an experiment file in tmp_path (test_dashboard, test_session) ---

OPS_SOURCE = '''\
"""A tiny operation for the TUI's tests: a short decaying loss curve and two log lines."""

import time
from pathlib import Path

import metalab

HOLD = {hold!r}  # runs with these learning rates wait at their middle step for GATE
FAIL = {fail!r}  # runs with these learning rates raise after their last step
SLEEP = {sleep!r}  # seconds per step
EXTRA_LOG_LINES = {extra_log_lines!r}  # logged before the curve, to fill the log pane
SCALE = 1.0  # tests change it between attempts to tell one attempt's curve from another's
GATE = Path(__file__).with_name("release")  # a file: the sweep runs in a child process


@metalab.operation
def train(params, seeds, capture, runtime):
    lr = params["lr"]
    steps = params["steps"]
    capture.log(f"training lr={{lr}} rep={{seeds.replicate_index}}")
    for i in range(EXTRA_LOG_LINES):
        capture.log(f"filler line {{i}}")
    loss = SCALE
    for step in range(steps):
        loss *= 1.0 - lr
        capture.metric("loss", loss, step=step)
        if SLEEP:
            time.sleep(SLEEP)
        if lr in HOLD and step == steps // 2:
            while not GATE.exists():
                time.sleep(0.01)
                runtime.check_cancelled()
    if lr in FAIL:
        raise RuntimeError(f"diverged at lr={{lr}}")
    capture.metric("final_loss", loss)
    capture.log(f"finished lr={{lr}} loss={{loss:.3g}}")
'''

EXPERIMENT_TOML = """\
[[experiment]]
name = "{name}"
version = "1"
description = "{description}"
operation = "ops.py:train"
store = "store"

[experiment.grid]
lr = {lrs}
steps = [{steps}]

[experiment.seeds]
base = 7
replicates = {replicates}

[experiment.executor]
kind = "thread"
workers = {workers}

[experiment.display]
metric = "loss"
steps = "steps"
"""


class SweepFiles:
    """Writes a tiny experiment (``ops.py`` and ``experiments.toml``) into a folder,
    loads it, and releases every held run when the test ends.

    Held runs wait for a file (``release``) next to ``ops.py``, not for an event in this
    process: the dashboard runs the sweep in a child process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = root / "store"

    def write(
        self,
        lrs: Sequence[float] = (0.1, 0.2),
        *,
        steps: int = 20,
        replicates: int = 1,
        workers: int = 2,
        hold: Iterable[float] = (),
        fail: Iterable[float] = (),
        sleep: float = 0.0,
        extra_log_lines: int = 0,
        names: Sequence[str] = ("toy",),
    ) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "release").unlink(missing_ok=True)
        (self.root / "ops.py").write_text(
            OPS_SOURCE.format(
                hold=set(hold), fail=set(fail), sleep=sleep, extra_log_lines=extra_log_lines
            ),
            encoding="utf-8",
        )
        text = "\n".join(
            EXPERIMENT_TOML.format(
                name=name,
                description=f"the {name} sweep",
                lrs=list(lrs),
                steps=steps,
                replicates=replicates,
                workers=workers,
            )
            for name in names
        )
        path = self.root / "experiments.toml"
        path.write_text(text, encoding="utf-8")
        return path

    def load(self, path: Path | None = None) -> list[ExperimentSpec]:
        return load_experiments(path or self.root / "experiments.toml")

    @staticmethod
    def module(spec: ExperimentSpec) -> dict[str, Any]:
        """The globals of the spec's operation module (``GATE``, ``SCALE``, ...)."""
        return spec.experiment.operation.func.__globals__

    def set_scale(self, scale: float) -> None:
        """Change ``SCALE`` in ``ops.py`` (read afresh by the next sweep's process)."""
        path = self.root / "ops.py"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("SCALE = 1.0", f"SCALE = {scale!r}", 1), encoding="utf-8")

    def release(self) -> None:
        (self.root / "release").parent.mkdir(parents=True, exist_ok=True)
        (self.root / "release").touch()

    def records(self, spec: ExperimentSpec) -> dict[str, dict[str, Any]]:
        """``runs/*.json`` of the spec's experiment folder, by run id."""
        import json

        folder = self.store / spec.experiment_dir.name / "runs"
        return {
            p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))
        }


@pytest.fixture
def sweep_files(tmp_path: Path) -> Iterable[SweepFiles]:
    files = SweepFiles(tmp_path / "sweep")
    try:
        yield files
    finally:
        files.release()  # held runs end, so no thread outlives the test


Condition = Callable[[], object]
WaitUntil = Callable[..., Awaitable[None]]


async def _wait_until(
    pilot: Any, condition: Condition, timeout: float = 20.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or condition}")
        await pilot.pause(0.05)


@pytest.fixture
def wait_until() -> WaitUntil:
    """``await wait_until(pilot, condition, timeout=20, what="...")``."""
    return _wait_until
