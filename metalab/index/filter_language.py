"""The runs-table filter language, and sorting, over a :class:`~metalab.index.tree.Table`.

A filter is what a user types in the runs table: ``learning_rate=0.1 final_loss<0.02
status=failed``. Each whitespace-separated condition becomes a :class:`Condition`, shown
as a removable pill (its ``label``) and explained by ``describe()``. Supported:

* ``=`` ``!=`` ``<`` ``<=`` ``>`` ``>=``; ``~`` contains and ``!~`` does not contain
  (case-insensitive, on the value as text);
* any of several values: ``lr=0.1,0.05``, ``lr in 0.1,0.05``, ``status!=failed,cancelled``,
  ``lr not in 0.1,0.05``;
* values are numbers when they parse as numbers, ``true``/``false`` booleans, ``none``
  means "the run has no such field"; quote to force text: ``name="0.1"``;
* times: ``started_at>=2026-11-26T08:00`` (ISO), ``started_at=2026-11-26`` (a prefix);
* field names: full (``params.lr``), export-style (``param_lr``), or a bare name that
  resolves by unique suffix (``lr`` → ``params.lr``; ``loss`` when both
  ``params.loss`` and ``metrics.loss`` exist is an error naming both).

Conditions AND together. Why vectorised: every key press re-filters and re-sorts up to
10,000 rows, which must answer well within 200 ms; each condition is a handful of numpy
operations over a column, never a Python loop over runs (except set lookups for
``in`` over text).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from metalab.index.tree import TIME_FIELDS, Column, FieldInfo, Table

__all__ = [
    "Condition",
    "QueryError",
    "apply",
    "format_filter",
    "mask",
    "parse_filter",
    "parse_value",
    "resolve_field",
    "runs_condition",
    "select",
    "sort_order",
]

REL_TOL = 1e-9
"""Numbers compare equal within this relative tolerance (``lr=0.3`` matches 0.30000000000000004)."""

ORDERING = ("<", "<=", ">", ">=")
NEGATED = {"!=": "=", "!~": "~"}

_ALIASES = {
    "param": "params", "params": "params", "p": "params",
    "metric": "metrics", "metrics": "metrics", "m": "metrics",
    "derived": "derived", "d": "derived",
    "record": "record", "r": "record",
}  # fmt: skip
_RECORD_ALIASES = {
    "id": "record.run_id",
    "run": "record.run_id",
    "experiment": "record.experiment_id",
    "duration": "record.duration_ms",
    "started": "record.started_at",
    "finished": "record.finished_at",
    "seed": "record.seed_fingerprint",
    "error": "record.error_type",
    "tag": "record.tags",
    "executor": "record.executor_id",
}

_VALUE = r"""(?:"[^"]*"|'[^']*'|[^\s,"']+)"""
_CONDITION = re.compile(
    rf"""(?P<field>"[^"]+"|[^\s=!<>~,"']+)
        (?:\s*(?P<op>!=|==|>=|<=|=|>|<|!~|~)\s*|\s+(?P<word>not\s+in|in)\s+)
        (?P<value>{_VALUE}(?:\s*,\s*{_VALUE})*)""",
    re.VERBOSE | re.IGNORECASE,
)
_SPLIT_VALUES = re.compile(_VALUE)


class QueryError(ValueError):
    """A filter that cannot be understood; the message says what to write instead."""


@dataclass(frozen=True)
class Condition:
    """One resolved condition: ``field op value[,value...]``.

    ``op`` is one of ``= != < <= > >= ~ !~`` (``in`` is ``=`` with several values).
    ``texts`` are the values as typed (quotes removed), ``values`` as parsed.
    """

    field: str
    op: str
    values: tuple[Any, ...]
    texts: tuple[str, ...]
    caption: str | None = None
    """Overrides the pill text (``runs: 12 from plot``)."""

    @property
    def short(self) -> str:
        """The field without its group (``learning_rate`` for ``params.learning_rate``)."""
        return self.field.split(".", 1)[1] if "." in self.field else self.field

    @property
    def label(self) -> str:
        """Short text for a removable pill: ``learning_rate=0.1,0.05``, ``run_id: [40 values]``."""
        if self.caption:
            return self.caption
        if len(self.texts) > 3:
            return f"{self.short}{' not' if self.op == '!=' else ''}: [{len(self.texts)} values]"
        return f"{self.short}{self.op}{','.join(self.texts)}"

    @property
    def token(self) -> str:
        """Canonical filter text: parses back to this condition on the same table."""
        quoted = [_quote(t, v) for t, v in zip(self.texts, self.values, strict=True)]
        return f"{_quote_field(self.field)}{self.op}{','.join(quoted)}"

    def describe(self) -> str:
        """A sentence: ``learning_rate is 0.1 or 0.05``, ``final_loss < 0.02``."""
        name = self.short
        shown = [("no value" if v is None else t) for t, v in zip(self.texts, self.values,
                                                                   strict=True)]  # fmt: skip
        if self.caption and self.field == "record.run_id":
            return f"run is one of {len(self.texts)} chosen runs"
        if self.op == "=":
            if self.values == (None,):
                return f"{name} is missing"
            return f"{name} is {_or(shown)}"
        if self.op == "!=":
            if self.values == (None,):
                return f"{name} is present"
            return f"{name} is not {_or(shown)}"
        if self.op == "~":
            return f"{name} contains {_or([repr(t) for t in self.texts])} (any case)"
        if self.op == "!~":
            return f"{name} does not contain {_or([repr(t) for t in self.texts])} (any case)"
        return f"{name} {self.op} {_or(shown)}"

    def mask(self, table: Table) -> np.ndarray:
        """Which rows of ``table`` match (all False when the table lacks the field)."""
        col = table.columns.get(self.field)
        if col is None:
            hit = np.zeros(table.n, dtype=bool)
            return ~hit if self.op in NEGATED else hit
        if self.op in NEGATED:
            return ~_positive(col, NEGATED[self.op], self)
        return _positive(col, self.op, self)


def _or(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _quote(text: str, value: Any) -> str:
    """``text`` as a filter value, quoted when it would otherwise read differently."""
    needs = isinstance(value, str) and (parse_value(text) != value or not text)
    if needs or re.search(r"[\s,\"']", text):
        return f"'{text}'" if '"' in text else f'"{text}"'
    return text


def _quote_field(name: str) -> str:
    return f'"{name}"' if re.search(r"[\s=!<>~,\"']", name) else name


# -- matching ------------------------------------------------------------------------------


def _close(num: np.ndarray, v: float) -> np.ndarray:
    if math.isnan(v):
        return np.isnan(num)
    with np.errstate(invalid="ignore"):
        return (num == v) | (np.abs(num - v) <= REL_TOL * abs(v))


def _positive(col: Column, op: str, cond: Condition) -> np.ndarray:
    present = col.present
    if op == "~":
        lower = col.lower().tolist()
        needles = [t.lower() for t in cond.texts]
        if len(needles) == 1:
            (needle,) = needles
            hit = np.fromiter((needle in s for s in lower), dtype=bool, count=len(lower))
        else:
            hit = np.fromiter(
                (any(nd in s for nd in needles) for s in lower), dtype=bool, count=len(lower)
            )
        return hit & present
    if op in ORDERING:
        hit = np.zeros(len(col), dtype=bool)
        with np.errstate(invalid="ignore"):
            for v in cond.values:
                bound = _bound(col, v)
                if op == "<":
                    hit |= col.num < bound
                elif op == "<=":
                    hit |= col.num <= bound
                elif op == ">":
                    hit |= col.num > bound
                else:
                    hit |= col.num >= bound
        return hit & present
    # equality: any of the values
    hit = np.zeros(len(col), dtype=bool)
    texts: set[str] = set()
    for text, v in zip(cond.texts, cond.values, strict=True):
        if v is None:
            hit |= ~present
        elif col.kind == "time":
            prefix = text.lower()
            lower = col.lower().tolist()
            hit |= np.fromiter((s.startswith(prefix) for s in lower), bool, count=len(lower))
        elif isinstance(v, bool):
            texts.add("true" if v else "false")
        elif isinstance(v, int | float):
            if col.kind != "string":
                hit |= _close(col.num, float(v)) & present
            texts.add(text.lower())
        else:
            texts.add(str(v).lower())
    if texts:
        lower = col.lower().tolist()
        if len(texts) == 1:
            (only,) = texts
            hit |= col.lower() == only
        else:
            hit |= np.fromiter((s in texts for s in lower), dtype=bool, count=len(lower))
    return hit


def _bound(col: Column, v: Any) -> float:
    if isinstance(v, _dt.datetime):
        return v.timestamp()
    return float(v)


def mask(table: Table, conditions: Iterable[Condition]) -> np.ndarray:
    """Rows matching every condition, as a boolean array."""
    out = np.ones(table.n, dtype=bool)
    for cond in conditions:
        out &= cond.mask(table)
    return out


def apply(
    table: Table, conditions: Iterable[Condition], indices: np.ndarray | None = None
) -> np.ndarray:
    """Indices of the rows matching every condition, ascending (or within ``indices``,
    keeping their order)."""
    hit = mask(table, conditions)
    if indices is None:
        return np.flatnonzero(hit)
    idx = np.asarray(indices, dtype=np.intp)
    return idx[hit[idx]]


# -- parsing ---------------------------------------------------------------------------------


def parse_value(text: str) -> Any:
    """A typed value: int, float, bool, None (``none``/``null``) or the text itself."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _parse_time(text: str) -> _dt.datetime | None:
    try:
        return _dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _names_and_kinds(fields: Table | Mapping[str, Any] | Iterable[str]) -> dict[str, str | None]:
    if isinstance(fields, Table):
        return {name: col.kind for name, col in fields.columns.items()}
    if isinstance(fields, Mapping):
        out: dict[str, str | None] = {}
        for name, info in fields.items():
            if isinstance(info, FieldInfo):
                out[name] = info.type
            elif isinstance(info, Column):
                out[name] = info.kind
            else:
                out[name] = None
        return out
    return dict.fromkeys(fields)


def resolve_field(name: str, fields: Table | Mapping[str, Any] | Iterable[str]) -> str:
    """The full column name that ``name`` means (see the module docstring).

    Raises:
        QueryError: unknown (with close matches suggested) or ambiguous (naming all).
    """
    names = list(_names_and_kinds(fields))
    if name in names:
        return name
    for sep in (".", "_"):
        head, found, rest = name.partition(sep)
        group = _ALIASES.get(head.lower()) if found else None
        if group and f"{group}.{rest}" in names:
            return f"{group}.{rest}"
    exact = [n for n in names if "." in n and n.split(".", 1)[1] == name]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise QueryError(f"`{name}` is ambiguous: it could be {_or(exact)}; write the full name")
    suffix = [n for n in names if n.endswith("." + name) or n.endswith("/" + name)]
    if len(suffix) == 1:
        return suffix[0]
    if len(suffix) > 1:
        raise QueryError(f"`{name}` is ambiguous: it could be {_or(suffix)}; write the full name")
    alias = _RECORD_ALIASES.get(name.lower())
    if alias and alias in names:
        return alias
    shorts = {n.split(".", 1)[1] if "." in n else n: n for n in names}
    close = difflib.get_close_matches(name, list(shorts), n=3, cutoff=0.6)
    hint = f"; did you mean {_or([f'`{c}`' for c in close])}?" if close else ""
    return _raise(f"unknown field `{name}`{hint}")


def _raise(message: str) -> str:
    raise QueryError(message)


def _unquote(text: str) -> tuple[str, bool]:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1], True
    return text, False


def parse_filter(text: str, fields: Table | Mapping[str, Any] | Iterable[str]) -> list[Condition]:
    """Parse a filter typed by the user into conditions (AND-ed).

    ``fields`` is the table being filtered (best: kinds are checked), its field index,
    or just the column names.

    Raises:
        QueryError: with a message saying what is wrong and how to write it.
    """
    kinds = _names_and_kinds(fields)
    out: list[Condition] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _CONDITION.match(text, pos)
        if m is None:
            raise QueryError(_explain(text, pos))
        end = m.end()
        if end < len(text) and not text[end].isspace():
            raise QueryError(_explain(text, pos))
        out.append(_condition(m, kinds))
        pos = end
    return out


def _explain(text: str, pos: int) -> str:
    bad = text[pos:].split()[0] if text[pos:].split() else text[pos:]
    if not re.search(r"!=|==|>=|<=|=|>|<|!~|~", bad) and " in " not in text[pos:]:
        return (
            f"`{bad}` has no operator: write a condition such as `{bad}=1`, `{bad}<0.5`, "
            f"`{bad}~text` or `{bad} in a,b`"
        )
    return (
        f"cannot read `{bad}` (at column {pos + 1}): write `field op value` with op one of "
        "= != < <= > >= ~ !~, e.g. `learning_rate=0.1 final_loss<0.02 status=failed`"
    )


def _condition(m: re.Match[str], kinds: dict[str, str | None]) -> Condition:
    raw_field, _ = _unquote(m.group("field"))
    field = resolve_field(raw_field, kinds)
    kind = kinds.get(field)
    word = (m.group("word") or "").lower()
    op = {"in": "=", "not in": "!="}.get(" ".join(word.split()), m.group("op") or "=")
    if op == "==":
        op = "="
    texts: list[str] = []
    values: list[Any] = []
    for token in _SPLIT_VALUES.findall(m.group("value")):
        raw, quoted = _unquote(token)
        texts.append(raw)
        values.append(raw if quoted else parse_value(raw))
    if op in ORDERING:
        for i, (raw, v) in enumerate(zip(texts, values, strict=True)):
            if field in TIME_FIELDS or kind == "time":
                when = _parse_time(raw)
                if when is None and not isinstance(v, int | float):
                    raise QueryError(
                        f"`{raw_field}{op}{raw}`: {raw!r} is not a time; "
                        "write an ISO time such as 2026-11-26T08:00"
                    )
                values[i] = when if when is not None else v
            elif isinstance(v, bool) or not isinstance(v, int | float):
                raise QueryError(
                    f"`{raw_field}{op}{raw}`: `{op}` compares numbers, and {raw!r} is not one; "
                    f"use `~` to match text"
                )
        if kind == "string":
            raise QueryError(f"`{field}` holds text, so `{op}` cannot compare it; use `=` or `~`")
    if op in ("~", "!~"):
        values = list(texts)
    return Condition(field=field, op=op, values=tuple(values), texts=tuple(texts))


def format_filter(conditions: Iterable[Condition]) -> str:
    """The filter text for these conditions (e.g. after a pill was removed)."""
    return " ".join(c.token for c in conditions if not c.caption)


def runs_condition(run_ids: Sequence[str], caption: str | None = None) -> Condition:
    """A condition keeping just these runs (a plot's bin or point, a selection)."""
    ids = tuple(str(r) for r in run_ids)
    return Condition(
        field="record.run_id",
        op="=",
        values=ids,
        texts=ids,
        caption=caption or f"runs: {len(ids)} chosen",
    )


# -- sorting ----------------------------------------------------------------------------------


def _ranks(col: Column, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rank keys of the present rows, which rows are missing) for ``idx``."""
    if col.kind in ("numeric", "bool", "time"):
        keys = col.num[idx]
        missing = ~col.present[idx] | np.isnan(keys)
        return keys[~missing], missing
    if col.kind == "mixed":
        nums = col.num[idx]
        is_num = ~np.isnan(nums)
        missing = ~col.present[idx]
        texts = col.lower()[idx]
        num_rank = np.unique(nums[is_num & ~missing], return_inverse=True)[1]
        text_sel = ~is_num & ~missing
        text_rank = np.unique(texts[text_sel].astype(str), return_inverse=True)[1]
        rank = np.zeros(len(idx), dtype=np.int64)
        rank[is_num & ~missing] = num_rank
        rank[text_sel] = text_rank + (num_rank.max() + 1 if num_rank.size else 0)
        return rank[~missing], missing
    missing = ~col.present[idx]
    texts = col.lower()[idx][~missing]
    if texts.size == 0:
        return np.zeros(0, dtype=np.int64), missing
    return np.unique(texts.astype(str), return_inverse=True)[1], missing


def sort_order(
    table: Table,
    by: str | Sequence[str | tuple[str, bool]],
    indices: np.ndarray | None = None,
    *,
    descending: bool = False,
) -> np.ndarray:
    """``indices`` (default: every row) ordered by a column, or several.

    Numbers sort numerically, text case-insensitively, numbers before text in a mixed
    column; rows missing the value (or NaN) go last in both directions; the sort is
    stable, so equal rows keep their order. ``by`` may be a list of names or of
    ``(name, descending)`` pairs, the first being the primary key.
    """
    idx = np.arange(table.n) if indices is None else np.asarray(indices, dtype=np.intp)
    keys: list[tuple[str, bool]] = (
        [(by, descending)]
        if isinstance(by, str)
        else [(k, descending) if isinstance(k, str) else (k[0], bool(k[1])) for k in by]
    )
    for name, desc in reversed(keys):
        col = table.columns.get(name)
        if col is None:
            raise KeyError(f"no column {name!r} to sort by")
        rank, missing = _ranks(col, idx)
        present_idx = idx[~missing]
        order = np.argsort(-rank if desc else rank, kind="stable")
        idx = np.concatenate([present_idx[order], idx[missing]])
    return idx


def select(
    table: Table,
    text: str = "",
    sort: str | None = None,
    *,
    descending: bool = False,
) -> np.ndarray:
    """Filter ``table`` with ``text`` and sort by ``sort``: the rows to show, in order.

    ``sort`` names a field as the filter does (``final_loss`` for
    ``metrics.final_loss``, when that is the only field of that name)."""
    idx = apply(table, parse_filter(text, table)) if text.strip() else table.all_rows()
    if not sort:
        return idx
    return sort_order(table, resolve_field(sort, table), idx, descending=descending)
