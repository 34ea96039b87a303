"""Issue 2, point 7 (progress=True) and the SweepTracker behind every progress display."""

from __future__ import annotations

import io
import re

import pytest

import metalab
from metalab.events import Event, EventKind
from metalab.progress import ProgressPrinter, SweepTracker, format_duration


@metalab.operation
def op(params, capture):
    for i in range(3):
        capture.metric("loss", 1.0 / (i + 1), step=i)
    if params["x"] == 2:
        raise RuntimeError("boom")


def test_progress_true_prints_plain_lines_when_stdout_is_not_a_terminal(store, capsys):
    exp = metalab.Experiment("prog", "1", {}, op, metalab.grid(x=[0, 1, 2]), metalab.seeds(0))
    results = metalab.run(exp, store=store, progress=True).result()
    assert len(results) == 3
    out = capsys.readouterr().out
    assert "\r" not in out and "\x1b" not in out
    lines = out.splitlines()
    assert any(re.search(r"\[FAIL\] [0-9a-f]{12} RuntimeError: boom", line) for line in lines)
    assert any(re.search(r"\[prog\] 3/3 \(100%\) ok=2 fail=1 skip=0 running=0", line)
               for line in lines)  # fmt: skip
    assert re.search(r"Completed in \d+s: success=2 failed=1 skipped=0 cancelled=0", lines[-1])

    # a resumed sweep reports its skipped runs
    metalab.run(exp, store=store, progress=True).result()
    out = capsys.readouterr().out
    assert re.search(r"Completed in \d+s: success=0 failed=1 skipped=2 cancelled=0", out)


def test_progress_redraws_one_line_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    printer = ProgressPrinter(title="tty", total=1, stream=stream, interval=0)
    printer(Event(EventKind.RUN_STARTED, "r1", {"params": {}}))
    printer(Event(EventKind.RUN_FINISHED, "r1", {"duration_ms": 5, "metrics": {}}))
    text = stream.getvalue()
    assert "\r\x1b[2K" in text
    assert "[tty] 1/1 (100%) ok=1" in text
    assert text.rstrip().splitlines()[-1].startswith("  Completed in")


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def ev(kind, run_id, **payload):
    return Event(EventKind(kind), run_id, payload)


def test_tracker_counts_and_eta_counts_runs_in_flight_by_their_steps():
    clock = Clock()
    tracker = SweepTracker(total=4, total_steps=lambda params: params["n"], clock=clock)
    assert tracker.eta() is None  # nothing to go on yet

    tracker.update(ev("run_started", "a", params={"n": 100}, replicate=0))
    clock.now = 10.0
    tracker.update(ev("run_finished", "a", duration_ms=10_000, metrics={"m": 1}))
    tracker.update(ev("run_started", "b", params={"n": 100}, replicate=0))
    clock.now = 15.0
    tracker.update(ev("progress", "b", step=49, values={"loss": 0.5}))
    # 1.5 runs' worth of work in 15 s: 2.5 runs to go at 0.1 run/s
    assert tracker.eta() == pytest.approx(25.0)
    assert tracker.runs["b"].values == {"loss": 0.5}
    assert tracker.counts() == {"success": 1, "failed": 0, "skipped": 0, "cancelled": 0,
                                "running": 1, "pending": 2, "done": 1, "total": 4}  # fmt: skip

    clock.now = 20.0
    tracker.update(ev("run_failed", "b", error="x", error_type="ValueError", duration_ms=10))
    tracker.update(ev("run_skipped", "c", params={"n": 100}))
    tracker.update(ev("run_cancelled", "d", reason="cancelled"))
    assert tracker.eta() == 0.0
    assert tracker.finished == 20.0
    assert tracker.counts()["done"] == 4
    assert tracker.runs["b"].error_type == "ValueError"


def test_eta_without_step_totals_uses_time_against_the_typical_run():
    clock = Clock()
    tracker = SweepTracker(total=3, clock=clock)
    tracker.update(ev("run_started", "a", params={}))
    clock.now = 10.0
    tracker.update(ev("run_finished", "a", duration_ms=10_000))
    tracker.update(ev("run_started", "b", params={}))
    clock.now = 15.0  # b is half as old as a typical run: counted as half done
    assert tracker.eta() == pytest.approx((3 - 1.5) / (1.5 / 15.0))
    clock.now = 100.0  # far past the typical duration: counted as nearly but not quite done
    assert tracker.eta() > 0


def test_skipped_runs_do_not_count_as_work():
    clock = Clock()
    tracker = SweepTracker(total=4, clock=clock)
    tracker.update(ev("run_skipped", "s1"))
    tracker.update(ev("run_skipped", "s2"))
    tracker.update(ev("run_started", "a", params={}))
    clock.now = 10.0
    tracker.update(ev("run_finished", "a"))
    # one run of the two that needed running took 10 s: about 10 s to go
    assert tracker.eta() == pytest.approx(10.0)


def test_status_line_and_durations():
    assert format_duration(None) == "--"
    assert format_duration(42) == "42s"
    assert format_duration(185) == "3m05s"
    assert format_duration(3720) == "1h02m"
    tracker = SweepTracker(total=2, clock=Clock())
    assert tracker.status_line("t").startswith("[t] 0/2 (0%) ok=0 fail=0 skip=0 running=0")
