"""Issue 11, a 200 MB log: ``metalab.store.log_tail`` reads a log's last lines from its
end and pages backwards, whatever the file's size, and whatever bytes it holds."""

from __future__ import annotations

import random
from pathlib import Path

from support.hostile_trees import write_large_log

from metalab.store.log_tail import (
    MAX_PAGE_BYTES,
    LogPage,
    read_after,
    read_bytes_after,
    read_tail,
)


def all_pages(path: Path, lines: int, **kw) -> list[LogPage]:
    """Every page of the file, from its end back to its start, in file order."""
    pages = [read_tail(path, lines, **kw)]
    while not pages[0].at_start:
        pages.insert(0, read_tail(path, lines, before=pages[0].start, **kw))
    return pages


def test_paging_backwards_gives_back_every_line_in_order(tmp_path: Path):
    rng = random.Random(7)
    for trial in range(200):
        texts = [
            "é" * rng.randint(0, 3) + f"line {i} " + "x" * rng.randint(0, 60)
            for i in range(rng.randint(0, 40))
        ]
        ending = "\n" if texts and rng.random() < 0.7 else ""  # a live log's last line
        path = tmp_path / f"log{trial}.log"
        path.write_text("\n".join(texts) + ending, encoding="utf-8")
        pages = all_pages(path, rng.randint(1, 9))
        assert [line for page in pages for line in page.lines] == texts, trial
        for earlier, later in zip(pages, pages[1:], strict=False):
            assert earlier.end == later.start
        last = pages[-1]
        assert last.partial == bool(texts and not ending)
        data = path.read_bytes()
        assert last.end == (data.rfind(b"\n") + 1 if last.partial else len(data))


def test_the_tail_of_a_200_mb_log_is_read_from_its_end(tmp_path: Path):
    path = tmp_path / "big.log"
    with open(path, "wb") as fh:  # 200 MB without writing them: a hole, then 100 lines
        fh.truncate(200 * 1024 * 1024)
        fh.seek(0, 2)
        fh.write(b"".join(b"\nline %03d" % i for i in range(100)) + b"\n")
    page = read_tail(path, 50)
    assert page.lines == [f"line {i:03d}" for i in range(50, 100)]
    assert path.stat().st_size - page.start == 50 * len(b"line 000\n")
    earlier = read_tail(path, 60, before=page.start)
    assert earlier.end == page.start
    # the page filled up inside the 200 MB line before them: that line is left whole
    # to the page before, not cut into this one
    assert earlier.lines == [f"line {i:03d}" for i in range(50)]
    hole = read_tail(path, 1, before=earlier.start)  # one 200 MB line: a page of it
    assert len(hole.lines) == 1 and len(hole.lines[0]) == MAX_PAGE_BYTES - 1  # less "\n"
    assert set(hole.lines[0]) == {"\x00"}
    assert not hole.at_start


def test_a_large_log_pages_back_to_its_first_line(tmp_path: Path):
    path = tmp_path / "large.log"
    count = write_large_log(path, 8 * 1024 * 1024)
    pages = all_pages(path, 20_000)
    assert len(pages) == -(-count // 20_000)  # full pages, from the end back
    lines = [line for page in pages for line in page.lines]
    assert len(lines) == count and lines[-1] == "the last line"
    assert [int(line.split()[3]) for line in lines[:-1]] == list(range(count - 1))


def test_binary_garbage_and_one_enormous_line(tmp_path: Path):
    path = tmp_path / "garbage.log"
    long_line = ("€" * (MAX_PAGE_BYTES // 3 + 10)).encode()  # 3 bytes a character
    path.write_bytes(b"\x00\xff\xfe\xc3\x28 start\n" + long_line + b"\nend\n")
    page = read_tail(path, 5)
    assert page.lines == ["end"]  # the enormous line is left to the page before
    long = read_tail(path, 5, before=page.start)
    assert len(long.lines) == 1
    assert set(long.lines[0]) == {"€"}  # cut at a character boundary, not mid-character
    assert not long.at_start
    pages = all_pages(path, 5)
    assert pages[0].lines[0] == "\x00\ufffd\ufffd\ufffd( start"
    assert "".join("".join(p.lines) for p in pages).count("€") == MAX_PAGE_BYTES // 3 + 10


def test_following_a_growing_log_hands_over_whole_lines_only(tmp_path: Path):
    path = tmp_path / "live.log"
    path.write_text("one\ntwo\n", encoding="utf-8")
    page = read_tail(path, 100)
    assert page.lines == ["one", "two"]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("three\nfo")
    new = read_after(path, page.end)
    assert new.lines == ["three"]
    tail = read_tail(path, 2)  # a line being written is shown, and said to be partial
    assert tail.lines == ["three", "fo"] and tail.partial and tail.end == new.end
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("ur\n")
    assert read_after(path, new.end).lines == ["four"]
    assert read_after(path, path.stat().st_size).lines == []


def test_an_empty_log_and_a_missing_one(tmp_path: Path):
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    page = read_tail(empty, 10)
    assert page.lines == [] and page.at_start
    try:
        read_tail(tmp_path / "missing.log", 10)
    except FileNotFoundError:
        pass
    else:
        raise AssertionError("a missing log must raise FileNotFoundError")


def test_a_page_the_byte_limit_fills_starts_at_a_whole_line(tmp_path: Path):
    # more lines asked for than fit in max_bytes: the page holds fewer, each whole,
    # and the pages still give back every line, once, in order
    rng = random.Random(11)
    for trial in range(100):
        texts = [f"{i}:" + "y" * rng.randint(0, 30) for i in range(rng.randint(1, 60))]
        path = tmp_path / f"limited{trial}.log"
        path.write_text("\n".join(texts) + "\n", encoding="utf-8")
        limit = rng.randint(40, 200)
        pages = all_pages(path, 1000, max_bytes=limit)
        for page in pages:
            assert all(line in texts for line in page.lines), (trial, page.lines)
        assert [line for page in pages for line in page.lines] == texts, trial


def test_reading_forwards_in_steps_gives_back_every_line_once(tmp_path: Path):
    # the one forward reader: whatever the limits, stepping from each read's end gives
    # back every whole line once, in order; ``final`` adds a last line without newline
    rng = random.Random(5)
    for trial in range(200):
        texts = [f"{i}:" + "é" * rng.randint(0, 20) for i in range(rng.randint(0, 30))]
        ending = "\n" if texts and rng.random() < 0.6 else ""
        path = tmp_path / f"fwd{trial}.log"
        path.write_text("\n".join(texts) + ending, encoding="utf-8")
        size = path.stat().st_size
        limits = {"max_lines": rng.choice([None, 1, 3]), "max_bytes": rng.choice([None, 500])}
        got: list[str] = []
        offset = 0
        while True:
            page = read_after(path, offset, final=True, **limits)
            got += page.lines
            if page.partial:
                assert page.end < size and offset <= page.end
                break
            if page.end == offset:
                break
            offset = page.end
        assert got == texts, (trial, limits)


def test_reading_forwards_stops_at_a_byte_and_holds_back_a_line_being_written(tmp_path):
    path = tmp_path / "run.log"
    path.write_bytes(b"one\ntwo\nthr")
    assert read_after(path, 0).lines == ["one", "two"]
    assert read_after(path, 0, end=6).lines == ["one"]  # "two" ends past byte 6
    assert read_after(path, 0, max_lines=1).end == 4
    final = read_after(path, 4, final=True)
    assert final.lines == ["two", "thr"] and final.partial and final.end == 8
    raw = read_bytes_after(path, 4, final=True)
    assert raw.data == b"two\nthr" and raw.start == 4 and raw.size == 11
    long = read_bytes_after(path, 0, max_bytes=2)  # a line longer than the limit: cut
    assert long.data == b"on" and long.end == 2
