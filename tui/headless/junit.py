"""A JUnit XML report of a sweep, one test case per run, so CI systems list failed runs.

Jenkins, GitLab and GitHub test reporters all read this format: a ``<testsuite>`` per
experiment, a ``<testcase>`` per run named by its short id and params, with a
``<failure>`` carrying the error and traceback, and ``<skipped>`` for cancelled runs.
"""

from __future__ import annotations

import datetime as _dt
import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from metalab.store import atomic
from metalab.types import RunRecord, Status


@dataclass(frozen=True)
class SuiteResult:
    """One experiment's runs, for the report."""

    experiment_id: str
    records: Sequence[RunRecord]
    skipped_ids: frozenset[str] = frozenset()


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (an ANSI colour code in an error
    would make the whole report unreadable); each is shown as its ``\\xNN`` escape."""
    return _NOT_XML.sub(lambda m: repr(m.group())[1:-1], text)


def _case_name(record: RunRecord) -> str:
    params = " ".join(f"{k}={v}" for k, v in sorted(record.params_resolved.items()))
    replicate = record.provenance.extra.get("replicate")
    rep = f" rep={replicate}" if replicate is not None else ""
    return _xml_safe(f"{record.run_id[:8]} {params}{rep}".strip())


def build_report(suites: Sequence[SuiteResult]) -> ET.Element:
    root = ET.Element("testsuites", name="metalab")
    totals = {"tests": 0, "failures": 0, "skipped": 0, "time": 0.0}
    for suite in suites:
        el = ET.SubElement(
            root,
            "testsuite",
            name=suite.experiment_id,
            hostname=socket.gethostname(),
            timestamp=_dt.datetime.now().isoformat(timespec="seconds"),
        )
        failures = skipped = 0
        seconds = 0.0
        for record in suite.records:
            t = record.duration_ms / 1000
            seconds += t
            case = ET.SubElement(
                el, "testcase", name=_case_name(record), classname=suite.experiment_id,
                time=f"{t:.3f}",
            )  # fmt: skip
            if record.status is Status.FAILED:
                failures += 1
                err = record.error or {}
                fail = ET.SubElement(
                    case, "failure",
                    message=_xml_safe(f"{err.get('type', 'Error')}: {err.get('message', '')}"),
                    type=_xml_safe(str(err.get("type", "Error"))),
                )  # fmt: skip
                fail.text = _xml_safe(err.get("traceback") or err.get("message") or "")
            elif record.status is Status.CANCELLED or record.status is Status.RUNNING:
                skipped += 1
                ET.SubElement(case, "skipped", message=f"run {record.status.value}")
            elif record.run_id in suite.skipped_ids:
                ET.SubElement(case, "system-out").text = "already succeeded (resumed)"
        el.set("tests", str(len(suite.records)))
        el.set("failures", str(failures))
        el.set("errors", "0")
        el.set("skipped", str(skipped))
        el.set("time", f"{seconds:.3f}")
        totals["tests"] += len(suite.records)
        totals["failures"] += failures
        totals["skipped"] += skipped
        totals["time"] += seconds
    for key, value in totals.items():
        root.set(key, f"{value:.3f}" if key == "time" else str(value))
    return root


def write_report(path: Path, suites: Sequence[SuiteResult]) -> None:
    """Write the report atomically (a CI step reading it never sees half a file)."""
    tree = ET.ElementTree(build_report(suites))
    ET.indent(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = ET.tostring(tree.getroot(), encoding="unicode", xml_declaration=True)
    atomic.write_text(path, text + "\n")
