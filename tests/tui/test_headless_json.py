"""``--json`` output must parse with strict JSON parsers (jq, JavaScript), even when a
run's loss diverged to NaN or infinity."""

from __future__ import annotations

import io
import json

from metalab.events import Event, EventKind
from metalab.progress import SweepTracker
from tui.headless.runner import LinePrinter


def _refuse(constant: str) -> float:
    raise ValueError(f"non-standard JSON constant {constant}")


def test_non_finite_values_are_written_as_null() -> None:
    out = io.StringIO()
    spec = type("Spec", (), {"name": "diverge"})()
    printer = LinePrinter(spec, SweepTracker(total=1), out, as_json=True)  # type: ignore[arg-type]
    printer(Event(EventKind.RUN_STARTED, "r1", {"params": {"lr": 10.0}}))
    printer(Event(EventKind.PROGRESS, "r1", {"step": 3, "values": {"loss": float("nan")}}))
    printer(Event(EventKind.RUN_FINISHED, "r1", {"metrics": {"final": float("inf")}}))
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    events = [json.loads(line, parse_constant=_refuse) for line in lines]
    assert [e["event"] for e in events] == ["run_started", "progress", "run_finished"]
    assert events[1]["values"] == {"loss": None}
    assert events[2]["metrics"] == {"final": None}
    assert all(e["experiment"] == "diverge" and e["run_id"] == "r1" for e in events)
