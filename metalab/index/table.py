"""The runs table: every field of every run as one numpy column, immutable once built.

Why it is shaped this way:

* **Columns, not records.** The runs table sorts and filters 10,000 runs on every key
  press, so each field is one numpy array (``float64`` for numbers, ``object`` for the
  rest) and the query code works on whole arrays. Column names are namespaced like
  atlas's: ``record.status``, ``params.learning_rate``, ``metrics.final_loss``,
  ``derived.x``; nested param dicts are flattened with dots (``params.opt.lr``).
* **Immutable snapshots.** A :class:`Table` never changes after it is built; a refresh
  that changes anything builds a new one. A UI can keep rendering the old table from
  its main thread while a worker thread refreshes.

The rows come from :mod:`metalab.index.tree`, which reads, caches and refreshes the
records; this module only turns rows (or any flat dicts) into columns, describes each
column for the field index (:class:`FieldInfo`) and formats a cell for display
(:func:`format_cell`), and a byte count (:func:`format_size`). No textual or plotext here.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from metalab.index.tree import RunRow

__all__ = [
    "MAX_DISTINCT",
    "RECORD_FIELDS",
    "TIME_FIELDS",
    "Column",
    "FieldInfo",
    "Table",
    "format_cell",
    "format_size",
]

MAX_DISTINCT = 100
"""A field index lists at most this many distinct values (as atlas does)."""

RECORD_FIELDS = (
    "record.run_id",
    "record.experiment_id",
    "record.status",
    "record.started_at",
    "record.finished_at",
    "record.duration_ms",
    "record.replicate",
    "record.seed_fingerprint",
    "record.params_fingerprint",
    "record.context_fingerprint",
    "record.executor_id",
    "record.host",
    "record.worker",
    "record.attempt",
    "record.tags",
    "record.error_type",
    "record.error_message",
    "record.artifacts",
    "record.warnings",
)
"""The ``record.*`` columns every table has, in display order."""

TIME_FIELDS = frozenset({"record.started_at", "record.finished_at"})
"""Columns whose values are ISO times and whose numbers are POSIX seconds."""


def _iso_and_ts(value: Any) -> tuple[str | None, float | None]:
    """A record time as (ISO text, POSIX seconds); naive times are taken as local."""
    if not value:
        return None, None
    try:
        parsed = _dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None, None
    try:
        return parsed.isoformat(), parsed.timestamp()
    except (OverflowError, OSError, ValueError):
        return parsed.isoformat(), None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Column:
    """One field over every row of a table.

    ``values`` holds the raw values (None when the row lacks the field), ``num`` the
    numeric view (NaN where missing or not a number; bools as 0/1; times as POSIX
    seconds), ``present`` which rows have the field. ``kind`` is ``numeric``, ``bool``,
    ``string``, ``time``, ``mixed`` (numbers and strings) or ``unknown`` (lists, dicts).
    """

    __slots__ = ("name", "kind", "values", "num", "present", "_lower", "_info")

    def __init__(
        self, name: str, kind: str, values: np.ndarray, num: np.ndarray, present: np.ndarray
    ) -> None:
        self.name = name
        self.kind = kind
        self.values = values
        self.num = num
        self.present = present
        self._lower: np.ndarray | None = None
        self._info: FieldInfo | None = None

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"Column({self.name!r}, {self.kind}, n={len(self)})"

    @property
    def group(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.name.split(".", 1)[1] if "." in self.name else self.name

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("numeric", "bool", "time") or (
            self.kind == "mixed" and bool(np.isfinite(self.num).any())
        )

    def lower(self) -> np.ndarray:
        """Each value as lower-case text ('' when missing); computed once, for ``~`` and ``=``."""
        if self._lower is None:
            out = np.empty(len(self.values), dtype=object)
            out[:] = [_text(v).lower() for v in self.values.tolist()]
            self._lower = out
        return self._lower

    def info(self) -> FieldInfo:
        """This column's entry in the field index (computed once)."""
        if self._info is None:
            self._info = FieldInfo.of(self)
        return self._info


_SCALARS = frozenset({int, float, bool, str})


def _build_column(name: str, vals: list[Any], times: list[float | None] | None = None) -> Column:
    n = len(vals)
    types = set(map(type, vals))
    types.discard(type(None))
    values = np.empty(n, dtype=object)
    if types <= _SCALARS:
        values[:] = vals
    else:  # lists or dicts: numpy would try to broadcast them
        for i, v in enumerate(vals):
            values[i] = v
    present = np.not_equal(values, None)
    if name in TIME_FIELDS:
        if times is None:
            times = [_iso_and_ts(v)[1] for v in vals]
        num = np.array(times, dtype=float)  # None becomes NaN
        return Column(name, "time", values, num, present)
    if not types:
        kind = "unknown"
    elif types <= {int, float}:
        kind = "numeric"
    elif types == {bool}:
        kind = "bool"
    elif types == {str}:
        kind = "string"
    elif types <= {int, float, bool, str}:
        kind = "mixed"
    else:
        kind = "unknown"
    if kind in ("numeric", "bool"):
        num = np.array(vals, dtype=float)  # None becomes NaN
    elif kind in ("mixed", "unknown"):
        num = np.fromiter(
            (float(v) if isinstance(v, int | float) else math.nan for v in vals),
            dtype=float,
            count=n,
        )
    else:
        num = np.full(n, math.nan)
    return Column(name, kind, values, num, present)


@dataclass(frozen=True)
class FieldInfo:
    """A field in the field index (atlas §6.4): type, coverage, range, distinct values.

    ``values`` lists up to :data:`MAX_DISTINCT` distinct values, sorted (numbers
    numerically); ``more_values`` says there were more. A picker offers a checkbox
    list when ``more_values`` is false, a "contains" box otherwise.
    """

    name: str
    group: str
    key: str
    type: str
    count: int
    run_count: int
    min: float | None
    max: float | None
    values: tuple[Any, ...]
    more_values: bool

    @property
    def coverage(self) -> float:
        return self.count / self.run_count if self.run_count else 0.0

    @classmethod
    def of(cls, column: Column) -> FieldInfo:
        present = column.present
        count = int(present.sum())
        finite = column.num[present & np.isfinite(column.num)]
        lo = float(finite.min()) if finite.size else None
        hi = float(finite.max()) if finite.size else None
        kind = column.kind
        distinct: list[Any] = []
        more = False
        if kind in ("numeric", "time"):
            uniq = np.unique(column.num[present])
            more = uniq.size > MAX_DISTINCT
            if kind == "numeric" and not more:
                # the raw values, so integers stay integers
                seen: dict[Any, None] = {}
                for v in column.values[present].tolist():
                    seen.setdefault(v, None)
                    if len(seen) > MAX_DISTINCT:
                        break
                distinct = sorted(seen)
            elif not more:
                distinct = sorted(set(column.values[present].tolist()))
        else:
            seen = {}
            for v in column.values[present].tolist():
                try:
                    seen.setdefault(v, None)
                except TypeError:  # a list or dict: not offered as a choice
                    more = True
                    break
                if len(seen) > MAX_DISTINCT:
                    more = True
                    break
            if not more:
                nums = sorted(v for v in seen if isinstance(v, int | float))
                rest = sorted((v for v in seen if not isinstance(v, int | float)), key=str)
                distinct = [*nums, *rest]
        return cls(
            name=column.name,
            group=column.group,
            key=column.key,
            type=kind,
            count=count,
            run_count=len(column),
            min=lo,
            max=hi,
            values=tuple(distinct) if not more else (),
            more_values=more,
        )


def _dict_columns(prefix: str, dicts: list[dict[str, Any]], out: dict[str, Column]) -> None:
    """Columns for the keys of ``dicts`` (one per row), nested dicts flattened with dots."""
    keys: dict[str, None] = {}
    last: Any = None
    for d in dicts:
        if d.keys() != last:  # most runs share their key set: skip the update then
            keys.update(dict.fromkeys(d))
            last = d.keys()
    for key in keys:
        vals = [d.get(key) for d in dicts]
        if dict in set(map(type, vals)):
            nested = [v if isinstance(v, dict) else {} for v in vals]
            plain = [None if isinstance(v, dict) else v for v in vals]
            if any(v is not None for v in plain):
                out[prefix + key] = _build_column(prefix + key, plain)
            _dict_columns(f"{prefix}{key}.", nested, out)
        else:
            out[prefix + key] = _build_column(prefix + key, vals)


class Table:
    """Rows of runs as columns; immutable once built.

    Row ``i`` is ``rows[i]`` (a :class:`~metalab.index.tree.RunRow`); ``column(name)``
    gives the arrays. Built from run rows by :meth:`from_rows`, or from any flat dicts
    by :meth:`from_dicts` (the experiments list uses that, so the same filters and
    sorts work on it).
    """

    def __init__(self, columns: dict[str, Column], rows: Sequence[Any], n: int) -> None:
        self.columns = columns
        self.rows = list(rows)
        self.n = n
        self._by_id: dict[str, int] | None = None

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"Table({self.n} rows, {len(self.columns)} columns)"

    @classmethod
    def from_dicts(cls, flats: Sequence[Mapping[str, Any]], rows: Sequence[Any] | None = None,
                   *, first: Sequence[str] = ()) -> Table:  # fmt: skip
        """A table whose columns are the union of the dicts' keys (``first`` leading)."""
        names: dict[str, None] = dict.fromkeys(first)
        for flat in flats:
            names.update(dict.fromkeys(flat))
        columns = {name: _build_column(name, [f.get(name) for f in flats]) for name in names}
        return cls(columns, rows if rows is not None else flats, len(flats))

    @classmethod
    def from_rows(cls, rows: Sequence[RunRow]) -> Table:
        """The runs table: :data:`RECORD_FIELDS`, then params, metrics and derived."""
        records = list(zip(*(r.record_fields() for r in rows), strict=True)) or [
            () for _ in RECORD_FIELDS
        ]
        columns: dict[str, Column] = {}
        for name, vals in zip(RECORD_FIELDS, records, strict=True):
            times = None
            if name == "record.started_at":
                times = [r.started_ts for r in rows]
            elif name == "record.finished_at":
                times = [r.finished_ts for r in rows]
            columns[name] = _build_column(name, list(vals), times)
        _dict_columns("params.", [r.params for r in rows], columns)
        _dict_columns("metrics.", [r.metrics for r in rows], columns)
        _dict_columns("derived.", [r.derived for r in rows], columns)
        return cls(columns, rows, len(rows))

    # -- access ------------------------------------------------------------------------

    def column(self, name: str) -> Column:
        try:
            return self.columns[name]
        except KeyError:
            raise KeyError(f"no column {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def names(self, group: str | None = None) -> list[str]:
        """Column names in display order, optionally of one group (``params`` ...)."""
        if group is None:
            return list(self.columns)
        return [n for n in self.columns if n.startswith(group + ".")]

    @property
    def fields(self) -> dict[str, FieldInfo]:
        """The field index: every column's :class:`FieldInfo` (computed lazily)."""
        return {name: col.info() for name, col in self.columns.items()}

    def value(self, i: int, name: str) -> Any:
        col = self.columns.get(name)
        return None if col is None else col.values[i]

    def row(self, i: int) -> dict[str, Any]:
        """Row ``i`` as ``{column: value}`` (missing fields left out)."""
        return {name: col.values[i] for name, col in self.columns.items() if col.present[i]}

    @property
    def run_ids(self) -> np.ndarray:
        col = self.columns.get("record.run_id")
        return col.values if col is not None else np.empty(0, dtype=object)

    def index_of(self, run_id: str) -> int:
        """The row of ``run_id`` (or of the only run whose id starts with it)."""
        if self._by_id is None:
            self._by_id = {rid: i for i, rid in enumerate(self.run_ids.tolist())}
        if run_id in self._by_id:
            return self._by_id[run_id]
        hits = [i for rid, i in self._by_id.items() if rid.startswith(run_id)]
        if len(hits) == 1:
            return hits[0]
        raise KeyError(run_id)

    def all_rows(self) -> np.ndarray:
        return np.arange(self.n)


def format_cell(value: Any, missing: str = "—") -> str:
    """A cell as atlas shows it: integers as they are, other numbers to 4 decimals (or
    3-digit exponent form when tiny or huge), True/False, missing as a dash."""
    if value is None:
        return missing
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e4:
            return str(int(value))
        if value != 0 and (abs(value) < 1e-4 or abs(value) >= 1e4):
            return f"{value:.3e}"
        return f"{value:.4f}"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str)
    return str(value)


def format_size(
    size: int | None, digits: int = 1, *, binary: bool = False, missing: str = "—"
) -> str:
    """A byte count as the screens show it: ``512 B``, ``1.5 kB``, ``2.0 MB``, ``3.1 GB``.

    The one byte-size text of the index and the browser (an artifact's size, how much
    of a log is not shown, a search's note), so sizes read alike wherever they show.
    ``digits`` decimals above bytes; ``missing`` for an unknown size (None, negative).
    ``binary`` counts in 1024s (``KB``) where the sizes are powers of two, so they come
    out round (a search's window of 8 * 2**20 bytes is ``8 MB``).
    """
    if size is None or size < 0:
        return missing
    base = 1024 if binary else 1000
    if size < base:
        return f"{size} B"
    value = size / base
    units = ("KB" if binary else "kB", "MB", "GB")
    for unit in units[:-1]:
        if value < base:
            return f"{value:.{digits}f} {unit}"
        value /= base
    return f"{value:.{digits}f} {units[-1]}"
