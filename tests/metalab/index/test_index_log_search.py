"""Searching large logs: bounded reads, the end of the log searched, the cut said, a
newer query stopping a scan mid-file, and hits that say their byte offset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.hostile_trees import write_large_log
from support.read_counter import CountingOpen

from metalab.index import TreeIndex, search_logs
from metalab.index import search as search_module
from metalab.index.search import LOG_CHUNK, SEARCH_LOG_BYTES, find_in_log
from metalab.store import log_tail


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingOpen]:
    counter = CountingOpen()
    for module in (search_module, log_tail):  # the search reads through log_tail
        monkeypatch.setattr(module, "open", counter, raising=False)
    yield counter


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "run.log"
    write_large_log(path, 40 * 2**20)
    return path


def test_a_large_log_is_searched_at_its_end_only(big_log: Path, reads: CountingOpen) -> None:
    scan = find_in_log(big_log, "the last line")
    assert scan is not None and scan.match is not None
    size = big_log.stat().st_size
    assert scan.size == size and scan.searched_from == size - SEARCH_LOG_BYTES
    assert scan.match.line == "the last line"
    assert scan.match.line_no is None  # the lines before the cut are not counted
    with open(big_log, "rb") as fh:
        fh.seek(scan.match.offset)
        assert fh.readline() == b"the last line\n"
    assert reads.bytes <= SEARCH_LOG_BYTES + LOG_CHUNK
    assert find_in_log(big_log, "line 000000001 ") is not None
    assert find_in_log(big_log, "line 000000001 ").match is None  # before the cut


def test_a_scan_stops_between_chunks_when_cancelled(big_log: Path, reads: CountingOpen) -> None:
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    assert find_in_log(big_log, "not in the log", cancelled=cancelled) is None
    assert reads.bytes <= 3 * LOG_CHUNK


def test_small_logs_are_searched_whole_with_line_numbers(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    log.write_bytes(b"one\r\ntwo\n\xff\xfe three NEEDLE here\nfour\n")
    scan = find_in_log(log, "needle")
    assert scan is not None and scan.searched_from == 0 and scan.match is not None
    assert scan.match.line_no == 3 and scan.match.offset == len(b"one\r\ntwo\n")
    assert scan.match.line.endswith("three NEEDLE here")
    assert scan.match.line[scan.match.at :].startswith("NEEDLE")


def test_search_logs_says_which_logs_it_searched_in_part(lib_tree: Path) -> None:
    index = TreeIndex(lib_tree)
    run_id = index.table().run_ids[0]
    big = lib_tree / "logs" / f"{run_id}_big.log"
    write_large_log(big, SEARCH_LOG_BYTES + 2**20)
    size = f"{big.stat().st_size / 2**20:.0f} MB"
    results = search_logs(index, "the last line")
    (hit,) = results.hits["log"]
    assert (hit.run_id, hit.log, hit.line_no) == (run_id, "big", None)
    assert hit.offset is not None and hit.offset > SEARCH_LOG_BYTES
    assert results.note == f"searched the last 8 MB of 1 log larger than that ({size})"
