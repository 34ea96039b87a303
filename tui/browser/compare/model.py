"""The compare tab's model: which fields the compared runs differ in, and by how much.

Why a module of its own: the comparison is a pure function of the runs
(:func:`build_compare`): one :class:`CompareRow` a field (status, the union of the
parameters, metrics and derived metrics, the duration, the artifacts), whether its
values differ, each numeric value's delta to the baseline and whether that delta is
better (which way is better is the browser's
:class:`~metalab.index.direction.Directions`: guessed from the name, lower for losses,
errors, times and counts, unless the user set it; parameters have no better or
worse). It is tested without a widget; :class:`~tui.browser.compare.tab.ComparePane` only
draws a :class:`CompareModel` with the texts of :func:`value_text`,
:func:`format_delta` and :func:`run_label`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from metalab.index import RunRow, format_cell
from metalab.index.direction import Directions
from tui.browser.run_detail import format_duration
from tui.plotting.render import format_value

__all__ = [
    "KEY_PARAMS",
    "CompareModel",
    "CompareRow",
    "build_compare",
    "format_delta",
    "run_label",
    "value_text",
]

KEY_PARAMS = 2
"""Parameters named under each run's id in the column header."""

SECTIONS = ("Status", "Params", "Metrics", "Derived", "Timing", "Artifacts")


@dataclass
class CompareRow:
    """One field across the compared runs."""

    key: str
    """``status``, ``experiment`` (only when the runs come from several), ``params.lr``,
    ``metrics.loss``, ``timing.duration``, ``artifact.history``."""
    section: str
    label: str
    values: list[Any]
    """One per run (None where the run lacks the field)."""
    differs: bool = False
    """Not all values are equal (a missing value differs from a present one)."""
    deltas: list[float | None] = field(default_factory=list)
    """Value minus the baseline's, for numeric cells that differ from it (else None)."""
    better: list[bool | None] = field(default_factory=list)
    """Whether each delta is an improvement (None: no delta, or no better/worse)."""
    lower_better: bool | None = None
    """For numeric metrics, derived metrics and timing: whether lower is better (None: a
    row with no better or worse, parameters, bools and text)."""

    def differs_from_baseline(self, j: int, baseline: int) -> bool:
        return not _same(self.values[j], self.values[baseline])


@dataclass
class CompareModel:
    """What the compare table shows."""

    runs: list[RunRow]
    baseline: int
    """Index into ``runs`` of the baseline run."""
    rows: list[CompareRow]
    key_params: list[str] = field(default_factory=list)
    """Parameters that differ among the runs (they label the columns)."""

    def row(self, key: str) -> CompareRow:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    @property
    def differing(self) -> list[str]:
        return [row.key for row in self.rows if row.differs]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _same(a: Any, b: Any) -> bool:
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return x == y
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    try:
        return bool(a == b)
    except Exception:  # odd values (arrays...) are simply different
        return repr(a) == repr(b)


def build_compare(
    runs: Sequence[RunRow], baseline: str | None = None, directions: Directions | None = None
) -> CompareModel:
    """The compare table of ``runs`` with deltas against ``baseline`` (a run id; the
    first run when None or not among them), better or worse as ``directions`` says
    (default: guessed from the names)."""
    directions = directions or Directions()
    runs = list(runs)
    ids = [r.run_id for r in runs]
    base = ids.index(baseline) if baseline in ids else 0
    flats = [r.flat_data() for r in runs]
    rows: list[CompareRow] = [CompareRow("status", "Status", "status", [r.status for r in runs])]
    if len({r.experiment_id for r in runs}) > 1:
        rows.append(
            CompareRow("experiment", "Status", "experiment", [r.experiment_id for r in runs])
        )
    for prefix, section in (
        ("params.", "Params"),
        ("metrics.", "Metrics"),
        ("derived.", "Derived"),
    ):
        names = sorted({k for flat in flats for k in flat if k.startswith(prefix)})
        for name in names:
            values = [flat.get(name) for flat in flats]
            rows.append(CompareRow(name, section, name[len(prefix) :], values))
    rows.append(
        CompareRow(
            "timing.duration",
            "Timing",
            "duration",
            [r.duration_ms if r.finished_at else None for r in runs],
        )
    )
    for name in sorted({a for r in runs for a in r.artifacts}):
        rows.append(
            CompareRow(
                f"artifact.{name}",
                "Artifacts",
                name,
                [True if name in r.artifacts else None for r in runs],
            )
        )
    for row in rows:
        values = row.values
        row.differs = any(not _same(v, values[0]) for v in values[1:])
        ranked = row.section in ("Metrics", "Derived", "Timing")
        lower = directions.lower_is_better(row.key)
        numeric = any(_number(v) is not None for v in values)
        row.lower_better = lower if ranked and numeric else None
        row.deltas, row.better = [], []
        b = _number(values[base]) if values else None
        for j, value in enumerate(values):
            v = _number(value)
            if j == base or v is None or b is None or v == b:
                row.deltas.append(None)
                row.better.append(None)
                continue
            delta = v - b
            row.deltas.append(delta)
            row.better.append(((delta < 0) if lower else (delta > 0)) if ranked else None)
    key_params = [r.label for r in rows if r.section == "Params" and r.differs]
    return CompareModel(runs, base, rows, key_params)


def format_delta(delta: float, key: str) -> str:
    """``+0.012``, ``-3``, ``+1.5s`` (durations)."""
    if key == "timing.duration":
        sign = "+" if delta >= 0 else "-"
        return sign + format_duration(abs(delta))
    if float(delta).is_integer() and abs(delta) < 1e6:
        return f"{int(delta):+d}"
    return f"{delta:+.4g}"


def run_label(row: RunRow, key_params: Sequence[str]) -> str:
    """The values of the parameters that tell the runs apart (``lr=0.1 width=8``), for
    a column header; callers put the short run id before them."""
    flat = row.flat_data()
    parts = [f"{k}={format_value(flat.get(f'params.{k}'))}" for k in key_params[:KEY_PARAMS]]
    return " ".join(parts)


def value_text(row: CompareRow, value: Any) -> str:
    """A cell's text: ``—`` when missing, ``✓`` for a saved artifact, else the value."""
    if value is None:
        return "—"
    if row.section == "Artifacts":
        return "✓"
    if row.key == "timing.duration":
        return format_duration(value)
    return format_cell(value)
