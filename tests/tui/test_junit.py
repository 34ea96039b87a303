"""The JUnit report of ``--junit``: what a CI test reporter reads from it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from metalab.types import Provenance, RunRecord, Status
from tui.headless.junit import SuiteResult, build_report, write_report


def record(
    run_id: str,
    status: Status = Status.SUCCESS,
    *,
    params: dict[str, Any] | None = None,
    replicate: int | None = 0,
    duration_ms: int = 1500,
    error: dict[str, str] | None = None,
) -> RunRecord:
    extra = {} if replicate is None else {"replicate": replicate}
    return RunRecord(
        run_id=run_id,
        experiment_id="demo:1",
        status=status,
        duration_ms=duration_ms,
        params_resolved={"lr": 0.1, "depth": 3} if params is None else params,
        provenance=Provenance(extra=extra),
        error=error,
    )


BOOM = {
    "type": "ValueError",
    "message": "boom",
    "traceback": 'Traceback (most recent call last):\n  File "ops.py"\nValueError: boom\n',
}


def cases(suite: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name", "").split()[0]: case for case in suite.iter("testcase")}


def roundtrip(element: ET.Element) -> ET.Element:
    """What a CI system parsing the text sees."""
    return ET.fromstring(ET.tostring(element, encoding="unicode"))


def test_one_test_case_per_run_with_counts():
    runs = [
        record("aaaaaaaa11111111"),
        record("bbbbbbbb22222222", Status.FAILED, error=BOOM, duration_ms=250),
        record("cccccccc33333333", Status.CANCELLED, duration_ms=0),
        record("dddddddd44444444", Status.RUNNING, duration_ms=0),
        record("eeeeeeee55555555", duration_ms=2000),
    ]
    root = roundtrip(build_report([SuiteResult("demo:1", runs, frozenset({"eeeeeeee55555555"}))]))

    assert root.tag == "testsuites"
    (suite,) = root
    assert suite.tag == "testsuite" and suite.get("name") == "demo:1"
    assert suite.get("timestamp") and suite.get("hostname") is not None
    got = {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped", "time")}
    assert got == {"tests": "5", "failures": "1", "errors": "0", "skipped": "2", "time": "3.750"}
    assert {k: root.get(k) for k in ("tests", "failures", "skipped", "time")} == {
        "tests": "5", "failures": "1", "skipped": "2", "time": "3.750",
    }  # fmt: skip

    by_id = cases(suite)
    assert list(by_id) == ["aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd", "eeeeeeee"]
    assert all(c.get("classname") == "demo:1" for c in by_id.values())
    assert by_id["aaaaaaaa"].get("time") == "1.500"
    assert list(by_id["aaaaaaaa"]) == []  # a plain pass has no children

    (failure,) = by_id["bbbbbbbb"]
    assert failure.tag == "failure"
    assert failure.get("message") == "ValueError: boom"
    assert failure.get("type") == "ValueError"
    assert failure.text == BOOM["traceback"]

    for run_id, status in (("cccccccc", "cancelled"), ("dddddddd", "running")):
        (skipped,) = by_id[run_id]
        assert (skipped.tag, skipped.get("message")) == ("skipped", f"run {status}")

    (note,) = by_id["eeeeeeee"]
    assert (note.tag, note.text) == ("system-out", "already succeeded (resumed)")


def test_case_names_carry_the_short_id_sorted_params_and_replicate():
    runs = [
        record("0123456789abcdef", params={"lr": 0.01, "batch": 32}, replicate=2),
        record("fedcba9876543210", params={}, replicate=None),
    ]
    suite = build_report([SuiteResult("demo:1", runs)])[0]
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names == ["01234567 batch=32 lr=0.01 rep=2", "fedcba98"]


def test_a_failure_without_traceback_shows_its_message():
    run = record("a" * 16, Status.FAILED, error={"type": "TypeError", "message": "bad return"})
    (failure,) = build_report([SuiteResult("x:1", [run])]).iter("failure")
    assert failure.get("message") == "TypeError: bad return"
    assert failure.text == "bad return"

    run = record("b" * 16, Status.FAILED, error=None)  # a record written by something else
    (failure,) = build_report([SuiteResult("x:1", [run])]).iter("failure")
    assert failure.get("message") == "Error: " and failure.get("type") == "Error"


def test_several_experiments_are_several_suites_with_totals():
    first = SuiteResult("a:1", [record("a" * 16), record("b" * 16, Status.FAILED, error=BOOM)])
    second = SuiteResult("b:2", [record("c" * 16, Status.CANCELLED, duration_ms=500)])
    empty = SuiteResult("c:3", [])
    root = roundtrip(build_report([first, second, empty]))

    assert [s.get("name") for s in root] == ["a:1", "b:2", "c:3"]
    assert [s.get("tests") for s in root] == ["2", "1", "0"]
    assert [s.get("time") for s in root] == ["3.000", "0.500", "0.000"]
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    assert root.get("time") == "3.500"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # colour codes from a library's own error formatting
        ("\x1b[31mred\x1b[0m", ["\\x1b[31mred\\x1b[0m"]),
        ("nul \x00 bell \x07 feed \x0c", ["nul \\x00 bell \\x07 feed \\x0c"]),
        ("lone surrogate \ud800", ["lone surrogate \\ud800"]),
        ("<tag attr=\"x\"> & 'quotes' ]]> \n tab\t", ["<tag attr=\"x\"> & 'quotes' ]]> \n tab\t"]),
    ],
    ids=["ansi", "control", "surrogate", "markup"],
)
def test_any_error_text_gives_a_readable_report(tmp_path: Path, text: str, shown: list[str]):
    error = {"type": "RuntimeError", "message": text, "traceback": f"Traceback\n{text}\n"}
    run = record("a" * 16, Status.FAILED, params={"name": text}, error=error)
    path = tmp_path / "junit.xml"

    write_report(path, [SuiteResult("demo:1", [run])])

    (case,) = ET.parse(path).getroot().iter("testcase")  # it parses: the report is valid XML
    (failure,) = case
    for part in shown:  # the text is all there, forbidden characters as escapes
        assert failure.get("message") == f"RuntimeError: {part}"
        assert failure.text == f"Traceback\n{part}\n"
        assert case.get("name") == f"aaaaaaaa name={part} rep=0"


def test_forbidden_characters_are_shown_as_escapes():
    run = record("a" * 16, Status.FAILED, error={"type": "E", "message": "a\x1b[1mb"})
    (failure,) = roundtrip(build_report([SuiteResult("x:1", [run])])).iter("failure")
    assert failure.get("message") == "E: a\\x1b[1mb"


def test_write_report_creates_folders_and_replaces_the_file(tmp_path: Path):
    path = tmp_path / "reports" / "ci" / "junit.xml"
    write_report(path, [SuiteResult("demo:1", [record("a" * 16)])])
    first = path.read_text(encoding="utf-8")
    assert first.startswith("<?xml version='1.0' encoding='utf-8'?>")
    assert ET.fromstring(first.split("?>", 1)[1]).get("tests") == "1"

    write_report(path, [SuiteResult("demo:1", [record("a" * 16), record("b" * 16)])])

    assert ET.parse(path).getroot().get("tests") == "2"
    assert [p.name for p in path.parent.iterdir()] == ["junit.xml"]  # no temporary left
