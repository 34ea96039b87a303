"""Global search (atlas's Ctrl+K dialog): run ids, field names and values, tags, logs.

Everything but the logs is answered from the index's tables, so it is instant and
needs no disk access; hits are grouped by category, a few per category with the total
count, and each hit that stands for a set of runs carries a runs-table ``filter``
(e.g. ``params.optimizer=adam``) so the UI can open exactly those runs, which atlas's
dialog could not do for run categories.

Log text is different: logs can be large and many, so :func:`iter_log_hits` scans
lazily, newest runs first, at most ``max_runs`` runs, reading each log in chunks of
:data:`LOG_CHUNK` bytes and stopping at its first match; it yields as it goes, so a UI
worker can show hits while scanning, and it checks ``cancelled`` between chunks, so a
newer query stops it at once. Of a log larger than :data:`SEARCH_LOG_BYTES` only the
last that-many bytes (the newest lines) are searched, so one 200 MB log costs what an
8 MB one does; which logs were cut short is reported (``state["capped"]``,
:attr:`SearchResults.note`). Each hit is the first matching line of one run's log, cut
to 80 characters around the match, with the log's name, the line's byte offset, its
number (when the search started at the top of the file) and the matched text, so the
UI can open the log at that line. Logs that lead out of the tree are not read.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from metalab.index.filter_language import Condition, parse_value
from metalab.index.table import format_size
from metalab.index.tree import ExperimentIndex, Table, TreeIndex
from metalab.index.tree_bounds import inside_tree
from metalab.store import log_tail

__all__ = [
    "CATEGORIES",
    "LOG_CHUNK",
    "SEARCH_LOG_BYTES",
    "LogMatch",
    "LogScan",
    "SearchHit",
    "SearchResults",
    "capped_note",
    "find_in_log",
    "iter_log_hits",
    "search_tree",
    "search_logs",
    "snippet",
]

CATEGORIES = {
    "experiment": "Experiments",
    "run": "Runs",
    "param_name": "Parameters",
    "metric_name": "Metrics",
    "derived_name": "Derived metrics",
    "param_value": "Parameter values",
    "metric_value": "Metric values",
    "derived_value": "Derived values",
    "fingerprint": "Fingerprints",
    "artifact": "Artifacts",
    "tag": "Tags",
    "error": "Errors",
    "log": "Logs",
}
"""Categories in display order, with their headings."""

SEARCH_LOG_BYTES = 8 * 1024 * 1024
"""Of a log larger than this only its last this-many bytes are searched."""
LOG_CHUNK = 1024 * 1024
"""Bytes of a log read (and searched) at a time; cancelling is checked between chunks."""

_GROUP_CATEGORY = {"params": "param", "metrics": "metric", "derived": "derived"}


@dataclass(frozen=True)
class SearchHit:
    """One search result; ``filter`` (when set) is runs-table filter text for its runs.

    A ``log`` hit also says where it is, so the UI can open the log at it rather than at
    its top: ``log`` (the log's name, e.g. ``run``), ``offset`` (the line's first byte),
    ``line_no`` (1-based, lines ended by ``\n``; None when only the end of a large log
    was searched, so the lines before are not counted) and ``match`` (the matched text
    as the line has it, for highlighting it there).
    """

    category: str
    experiment: str
    text: str
    run_id: str | None = None
    field: str | None = None
    value: Any = None
    count: int = 1
    filter: str | None = None
    log: str | None = None
    line_no: int | None = None
    match: str | None = None
    offset: int | None = None
    """A log hit's line: its byte offset in the file (the UI opens the log there)."""


@dataclass
class SearchResults:
    """Hits by category (in :data:`CATEGORIES` order), a few each, with full counts."""

    query: str
    hits: dict[str, list[SearchHit]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    truncated: bool = False
    """The log scan stopped at its cap of runs or hits: more may match."""
    note: str = ""
    experiments: dict[str, set[str]] = field(default_factory=dict)
    """The experiments with hits, by category (all of them, not just those kept)."""

    def add(self, hit: SearchHit, limit: int) -> None:
        self.totals[hit.category] = self.totals.get(hit.category, 0) + 1
        self.experiments.setdefault(hit.category, set()).add(hit.experiment)
        bucket = self.hits.setdefault(hit.category, [])
        if len(bucket) < limit:
            bucket.append(hit)

    def __bool__(self) -> bool:
        return bool(self.totals)

    def categories(self) -> list[str]:
        return [c for c in CATEGORIES if self.hits.get(c)]

    def all(self) -> list[SearchHit]:
        return [h for c in self.categories() for h in self.hits[c]]


def _experiments(index: TreeIndex, experiment: str | None) -> list[ExperimentIndex]:
    return [index.experiment(experiment)] if experiment else index.experiments


def _contains(col_lower: np.ndarray, needle: str) -> np.ndarray:
    lower = col_lower.tolist()
    return np.fromiter((needle in s for s in lower), dtype=bool, count=len(lower))


def _filter_text(name: str, value: Any) -> str:
    text = "true" if value is True else "false" if value is False else str(value)
    return Condition(field=name, op="=", values=(value,), texts=(text,)).token


def _short(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


def search_tree(
    index: TreeIndex,
    query: str,
    *,
    experiment: str | None = None,
    limit: int = 5,
    min_chars: int = 2,
) -> SearchResults:
    """Search everything but logs (see :func:`search_logs`); case-insensitive.

    Args:
        experiment: one experiment's key, or None for every experiment.
        limit: hits kept per category (``totals`` counts them all).
        min_chars: shorter queries return nothing, as atlas does.
    """
    q = query.strip()
    out = SearchResults(query=q)
    if len(q) < min_chars:
        out.note = f"type at least {min_chars} characters"
        return out
    needle = q.lower()
    number = parse_value(q)
    is_number = isinstance(number, int | float) and not isinstance(number, bool)
    for exp in _experiments(index, experiment):
        summary = exp.summary()
        texts = (summary.experiment_id, summary.name, summary.description, exp.path.name)
        if any(needle in t.lower() for t in texts if t):
            out.add(
                SearchHit(
                    category="experiment",
                    experiment=exp.key,
                    text=f"{summary.experiment_id}  ({summary.n_runs} runs)",
                    count=summary.n_runs,
                ),
                limit,
            )
        for tag in summary.tags:
            if needle in tag.lower():
                out.add(
                    SearchHit("tag", exp.key, f"experiment tag {tag}", value=tag, count=0), limit
                )
        _search_table(exp.key, exp.table, needle, number if is_number else None, out, limit)
    return out


def _search_table(
    key: str, table: Table, needle: str, number: float | None, out: SearchResults, limit: int
) -> None:
    if not table.n:
        return
    run_ids = table.column("record.run_id")
    status = table.column("record.status").values
    for i in np.flatnonzero(_contains(run_ids.lower(), needle)).tolist():
        out.add(
            SearchHit("run", key, f"{run_ids.values[i]}  {status[i]}", run_id=run_ids.values[i]),
            limit,
        )
    for name in table.names():
        group = name.split(".", 1)[0]
        col = table.column(name)
        if group in _GROUP_CATEGORY:
            cat = _GROUP_CATEGORY[group]
            if needle in col.key.lower():
                count = int(col.present.sum())
                out.add(
                    SearchHit(
                        f"{cat}_name", key, f"{name}  ({count} runs)", field=name, count=count
                    ),  # fmt: skip
                    limit,
                )
            _value_hits(key, col, needle, number, f"{cat}_value", out, limit)
        elif name in ("record.seed_fingerprint", "record.params_fingerprint",
                      "record.context_fingerprint"):  # fmt: skip
            _value_hits(key, col, needle, None, "fingerprint", out, limit)
        elif name in ("record.error_type", "record.error_message"):
            _value_hits(key, col, needle, None, "error", out, limit)
        elif name in ("record.tags", "record.artifacts"):
            _list_hits(key, col, needle, "tag" if name == "record.tags" else "artifact", out, limit)


def _value_hits(
    key: str,
    col: Any,
    needle: str,
    number: float | None,
    category: str,
    out: SearchResults,
    limit: int,
) -> None:
    """One hit per distinct matching value of a column, with how many runs have it."""
    if col.kind in ("numeric", "time"):
        if number is None or col.kind == "time":
            return
        info = col.info()
        if info.min is None or info.max is None or not info.min <= number <= info.max:
            return
        with np.errstate(invalid="ignore"):
            hit = col.present & (np.abs(col.num - number) <= 1e-9 * max(abs(number), 1e-300))
        count = int(hit.sum())
        if count:
            shown = col.values[np.flatnonzero(hit)[0]]
            out.add(
                SearchHit(
                    category,
                    key,
                    f"{col.name} = {shown}  ({count} runs)",
                    field=col.name,
                    value=shown,
                    count=count,
                    filter=_filter_text(col.name, shown),
                ),
                limit,
            )
        return
    hit = col.present & _contains(col.lower(), needle)
    if not hit.any():
        return
    counts: Counter[Any] = Counter()
    firsts: dict[Any, Any] = {}
    for v in col.values[hit].tolist():
        k = repr(v) if isinstance(v, list | dict) else v
        counts[k] += 1
        firsts.setdefault(k, v)
    for k, count in counts.most_common():
        value = firsts[k]
        filt = None if isinstance(value, list | dict) else _filter_text(col.name, value)
        shown = str(value)
        if len(shown) > 60:
            shown = shown[:59] + "…"
        out.add(
            SearchHit(
                category,
                key,
                f"{_short(col.name)} = {shown}  ({count} runs)",
                field=col.name,
                value=value,
                count=count,
                filter=filt,
            ),
            limit,
        )


def _list_hits(
    key: str, col: Any, needle: str, category: str, out: SearchResults, limit: int
) -> None:
    """Comma-joined name lists (tags, artifact names): one hit per matching name."""
    counts: Counter[str] = Counter()
    for joined in col.values[col.present].tolist():
        for item in str(joined).split(","):
            if needle in item.lower():
                counts[item] += 1
    what = "run tag" if category == "tag" else "artifact"
    for item, count in counts.most_common():
        out.add(
            SearchHit(
                category,
                key,
                f"{what} {item}  ({count} runs)",
                field=col.name,
                value=item,
                count=count,
                filter=Condition(col.name, "~", (item,), (item,)).token,
            ),
            limit,
        )


# -- logs -----------------------------------------------------------------------------------


def snippet(line: str, start: int, length: int, width: int = 80) -> str:
    """``line`` cut to ``width`` characters around the match at ``start``, with ``…``.

    Most of the room goes to what follows the match (a quarter, at most 16 characters,
    to what precedes it): in a log line the match is usually the start of what the user
    wants to read, and before it come a timestamp and the logger's name."""
    line = line.rstrip("\r\n").replace("\t", " ")
    if len(line) <= width:
        return line
    room = width - length
    left = max(0, min(start - min(room // 4, 16), len(line) - width))
    piece = line[left : left + width]
    if left > 0:
        piece = "…" + piece[1:]
    if left + width < len(line):
        piece = piece[:-1] + "…"
    return piece


def _log_files(exp: ExperimentIndex) -> dict[str, list[str]]:
    """``{run_id: [log file names]}`` from one listing of ``logs/``; logs that lead out
    of the tree (a symlink, or ``logs/`` itself) are left out."""
    out: dict[str, list[str]] = {}
    folder = exp.path / "logs"
    if not inside_tree(exp.real_path, folder):
        return out
    try:
        with os.scandir(folder) as entries:
            names = sorted(
                e.name
                for e in entries
                if e.name.endswith(".log")
                and not (e.is_symlink() and not inside_tree(exp.real_path, e.path))
            )
    except OSError:
        return out
    for name in names:
        run_id, sep, _ = name.partition("_")
        if sep:
            out.setdefault(run_id, []).append(name)
    return out


@dataclass(frozen=True)
class LogMatch:
    """The first line of a log holding the text searched for."""

    line: str
    """The line, decoded (undecodable bytes replaced), without its newline."""
    at: int
    """Where the match starts in ``line.lower()``."""
    offset: int
    """Byte offset of the line's start in the file."""
    line_no: int | None
    """1-based line number; None when the search did not start at the top."""


@dataclass(frozen=True)
class LogScan:
    """What searching one log found, and how much of it was searched."""

    match: LogMatch | None
    size: int
    searched_from: int
    """Byte offset the search began at (0: the whole log was searched)."""


def find_in_log(
    path: os.PathLike[str] | str,
    needle: str,
    *,
    max_bytes: int = SEARCH_LOG_BYTES,
    cancelled: Callable[[], bool] | None = None,
) -> LogScan | None:
    """The first line of ``path`` whose lowercased text holds ``needle`` (lowercase),
    searching at most its last ``max_bytes`` bytes, :data:`LOG_CHUNK` at a time; None
    when the file cannot be read or ``cancelled()`` turned true."""
    try:
        size = os.stat(path).st_size
        start = max(0, size - max_bytes)
        pos = _first_line_start(path, start)
        line_no: int | None = 1 if start == 0 else None
        carry = b""
        while True:
            if cancelled is not None and cancelled():
                return None
            got = log_tail.read_bytes_after(path, pos + len(carry), max_bytes=LOG_CHUNK, final=True)
            block = carry + got.data
            if got.data and not got.partial and not got.data.endswith(b"\n"):
                carry = block  # one long line so far: read on (max_bytes bounds it)
                continue
            carry = b""
            found = _match_in_block(block, needle, pos, line_no)
            if found is not None:
                return LogScan(found, size, start)
            if line_no is not None:
                line_no += block.count(b"\n")
            pos += len(block)
            if not got.data:  # the end of the file
                return LogScan(None, size, start)
    except OSError:
        return None


def _first_line_start(path: os.PathLike[str] | str, start: int) -> int:
    """Where the first whole line at or after byte ``start`` begins: a search of a log's
    end starts there, not inside a line (a line longer than a chunk is skipped that far)."""
    if start == 0:
        return 0
    got = log_tail.read_bytes_after(path, start - 1, max_bytes=LOG_CHUNK, max_lines=1, final=True)
    return got.start + len(got.data)


def _match_in_block(block: bytes, needle: str, pos: int, line_no: int | None) -> LogMatch | None:
    """The first line of ``block`` (whole lines, starting at byte ``pos`` of the file)
    holding ``needle``; the block is searched at once, the line found afterwards."""
    lowered = block.decode("utf-8", errors="replace").lower()
    at = lowered.find(needle)
    if at < 0:
        return None
    k = lowered.count("\n", 0, at)  # lowercasing and decoding keep the newlines
    begin = 0
    for _ in range(k):
        begin = block.index(b"\n", begin) + 1
    end = block.find(b"\n", begin)
    raw = block[begin:] if end < 0 else block[begin:end]
    line = raw.decode("utf-8", errors="replace").removesuffix("\r")
    return LogMatch(
        line,
        max(0, line.lower().find(needle)),
        pos + begin,
        line_no + k if line_no is not None else None,
    )


def _matched(line: str, at: int, needle: str) -> str:
    """The text of ``line`` that matched ``needle`` at ``at`` of its lowercased form, in
    the line's own case; the needle itself where lowercasing changed the line's length
    (a few non-ASCII letters), so the offset no longer points into the line."""
    found = line[at : at + len(needle)]
    return found if found.lower() == needle else needle


def iter_log_hits(
    index: TreeIndex,
    query: str,
    *,
    experiment: str | None = None,
    max_runs: int = 500,
    width: int = 80,
    cancelled: Callable[[], bool] | None = None,
    state: dict[str, Any] | None = None,
    max_bytes: int = SEARCH_LOG_BYTES,
) -> Iterator[SearchHit]:
    """Yield the first matching line of each run's logs, newest runs first.

    Scans at most ``max_runs`` runs (``state["truncated"]`` is set when more exist) and
    at most the last ``max_bytes`` of each log (``state["capped"]`` lists ``(run id,
    log, size)`` of each log searched only in part); ``cancelled`` is polled between
    files and between chunks of a file, so a UI worker can stop it.
    """
    needle = query.strip().lower()
    if not needle:
        return
    runs: list[tuple[float, str, ExperimentIndex]] = []
    for exp in _experiments(index, experiment):
        for row in exp.rows:
            ts = row.started_ts if row.started_ts is not None else -math.inf
            runs.append((ts, row.run_id, exp))
    runs.sort(key=lambda r: (r[0], r[1]), reverse=True)
    capped: list[tuple[str, str, int]] = []
    if state is not None:
        state["truncated"] = len(runs) > max_runs
        state["capped"] = capped
    listings: dict[str, dict[str, list[str]]] = {}
    for _ts, run_id, exp in runs[:max_runs]:
        files = listings.get(exp.key)
        if files is None:
            files = listings[exp.key] = _log_files(exp)
        for name in files.get(run_id, []):
            if cancelled is not None and cancelled():
                return
            scan = find_in_log(
                exp.path / "logs" / name, needle, max_bytes=max_bytes, cancelled=cancelled
            )
            if scan is None:
                continue
            log = name[len(run_id) + 1 : -len(".log")]
            if scan.searched_from:
                capped.append((run_id, log, scan.size))
            found = scan.match
            if found is None:
                continue
            yield SearchHit(
                category="log",
                experiment=exp.key,
                text=snippet(found.line, found.at, len(needle), width),
                run_id=run_id,
                log=log,
                line_no=found.line_no,
                match=_matched(found.line, found.at, needle),
                offset=found.offset,
            )


def capped_note(capped: list[tuple[str, str, int]], max_bytes: int = SEARCH_LOG_BYTES) -> str:
    """``searched the last 8 MB of 2 logs larger than that (the largest 200 MB)``; ''
    when every log was searched whole."""
    if not capped:
        return ""
    largest = max(size for _, _, size in capped)
    what = "1 log" if len(capped) == 1 else f"{len(capped)} logs"
    return (
        f"searched the last {format_size(max_bytes, 0, binary=True)} of {what} larger than that"
        f" ({'the largest ' if len(capped) > 1 else ''}{format_size(largest, 0, binary=True)})"
    )


def search_logs(
    index: TreeIndex,
    query: str,
    *,
    experiment: str | None = None,
    max_runs: int = 500,
    max_hits: int = 50,
    limit: int | None = None,
    width: int = 80,
    min_chars: int = 2,
) -> SearchResults:
    """Log hits as :class:`SearchResults` (category ``log``, up to ``limit`` kept, default
    all ``max_hits``); ``truncated`` when a cap stopped the scan."""
    q = query.strip()
    out = SearchResults(query=q)
    if len(q) < min_chars:
        out.note = f"type at least {min_chars} characters"
        return out
    state: dict[str, Any] = {}
    hits = iter_log_hits(
        index, q, experiment=experiment, max_runs=max_runs, width=width, state=state
    )
    for n, hit in enumerate(hits):
        if n >= max_hits:
            out.truncated = True
            break
        out.add(hit, limit if limit is not None else max_hits)
    out.truncated = out.truncated or bool(state.get("truncated"))
    out.note = capped_note(state.get("capped") or [])
    return out
