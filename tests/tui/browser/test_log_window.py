"""What the Logs tab reads of a log (no screen): the end first, whole lines only, a live
log's unfinished line held back, pages before, a window at a byte offset, and lines
that stay one line each whatever bytes they hold."""

from __future__ import annotations

from pathlib import Path

from tui.browser.run_detail.log_reads import (
    LOG_POLL_BYTES,
    LOG_TAIL_LINES,
    clean_line,
    read_log,
    read_log_from,
    read_log_page,
    read_log_tail,
)


def _write(path: Path, lines: list[str], end: str = "\n") -> list[str]:
    path.write_text("\n".join(lines) + end, encoding="utf-8")
    return lines


def test_the_tail_of_a_log_of_long_lines_starts_at_a_line(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    lines = _write(log, [f"line {i:05d} " + "y" * 300 for i in range(3000)])
    chunk = read_log_tail(log, "run", final=True)
    assert chunk.kind == "replace" and chunk.lines == lines[-len(chunk.lines) :]
    assert 100 < len(chunk.lines) < LOG_TAIL_LINES  # the byte limit came first
    assert chunk.start == log.stat().st_size - sum(len(x) + 1 for x in chunk.lines)
    page = read_log_page(log, "run", chunk.start or 0)
    assert page.kind == "prepend" and page.offset == chunk.start
    assert page.lines == lines[-len(chunk.lines) - len(page.lines) : -len(chunk.lines)]


def test_a_live_logs_unfinished_line_waits_for_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    _write(log, ["one", "two", "thr"], end="")
    live = read_log(log, "run", None, final=False)
    assert live is not None and live.lines == ["one", "two"] and live.offset == 8
    with open(log, "a", encoding="utf-8") as fh:
        fh.write("ee\nfour\n")
    more = read_log(log, "run", live.offset, final=False)
    assert more is not None and (more.kind, more.lines, more.after) == (
        "append",
        ["three", "four"],
        8,
    )
    _write(log, ["one", "two", "last, no newline"], end="")
    done = read_log_tail(log, "run", final=True)
    assert done.lines[-1] == "last, no newline" and done.offset == log.stat().st_size


def test_a_rewritten_or_fast_grown_log_is_read_from_its_end_again(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    _write(log, ["a"] * 10)
    first = read_log(log, "run", None, final=False)
    assert first is not None
    _write(log, ["b"])  # shorter than what was read: rewritten
    again = read_log(log, "run", first.offset, final=False)
    assert again is not None and (again.kind, again.lines) == ("replace", ["b"])
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(("c" * 99 + "\n") * (LOG_POLL_BYTES // 100 + 10))
    grown = read_log(log, "run", again.offset, final=False)
    assert grown is not None and grown.kind == "replace" and len(grown.lines) <= LOG_TAIL_LINES


def test_a_window_at_a_byte_offset_marks_the_line(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    lines = _write(log, [f"line {i}" for i in range(5000)])
    offset = sum(len(x) + 1 for x in lines[:4000])
    chunk = read_log_from(log, "run", offset, None)
    assert chunk.mark is not None and chunk.lines[chunk.mark] == "line 4000"
    assert chunk.lines == lines[4000 - chunk.mark :]
    assert chunk.offset == log.stat().st_size and chunk.start == sum(
        len(x) + 1 for x in lines[: 4000 - chunk.mark]
    )


def test_control_characters_never_split_or_colour_a_line(tmp_path: Path) -> None:
    garbage = "a\x00b\x1b[31mc\rd\x0be\x0cf\x1cg\x85h\u2028i\tj"
    cleaned = clean_line(garbage)
    assert cleaned.splitlines() == [cleaned]
    assert "\x1b" not in cleaned and "\x00" not in cleaned and "\t" in cleaned
    log = tmp_path / "run.log"
    log.write_bytes(b"ok\n\xff\xfe\x00bin\rary\x1b[2J\nend\n")
    chunk = read_log_tail(log, "run", final=True)
    assert len(chunk.lines) == 3 and chunk.lines[0] == "ok" and chunk.lines[2] == "end"
