"""Which columns the live runs table shows at a given width, and how wide each is.

Every column is as wide as the widest text it can hold: the parameter columns for the
sweep's values, the progress column for the widest ``n/total`` of any run (``5000/5000``)
after its bar. When the pane is narrower than all of them, columns are given up in a
fixed order of priority, least useful first, and the progress bar shrinks, so that the
numbers that are shown are shown whole:

1. ``time``;
2. parameters after the third, from the last;
3. ``rep``;
4. the progress bar shrinks to a few cells;
5. ``worker`` (on a Dask cluster only; the log pane's title names the selected run's);
6. the second and third parameters;
7. the progress bar goes (its ``n/total`` text stays);
8. the first parameter (the log pane's title names the selected run's parameters);
9. the metric.

``run``, ``status`` and the progress text always stay. Nothing here imports textual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from metalab.progress import RunState

__all__ = [
    "BAR_WIDTH",
    "LiveColumn",
    "cell_text",
    "fit_columns",
    "progress_text",
    "progress_text_width",
    "worker_label",
    "worker_text",
]

BAR_WIDTH = 12
"""The progress bar's width when there is room."""

SHORT_BAR_WIDTH = 5
"""The progress bar's width in a narrow pane, before it goes altogether."""

RUN_WIDTH = 8
STATUS_WIDTH = len("cancelled")
METRIC_WIDTH = len("-1.235e-05")  # f"{v:.4g}"; exponents beyond +-99 are cut
TIME_WIDTH = len("59m59s")  # and "1h02m"; 100 hours and more are cut
REP_WIDTH = 3
PARAM_MAX_WIDTH = 16
"""A parameter column is never wider than this (longer values are cut with ``…``)."""

UNKNOWN_TOTAL_WIDTH = len("step 99999")
"""Room for the progress text of a run whose number of steps is not known."""

WORKER_MAX_WIDTH = 30
"""The worker column is never wider than this (a long host name is cut with ``…``)."""

KEPT_PARAMS = 3
"""Parameters kept after ``rep`` has gone; the rest go before it."""

PADDING = 2
"""Blank cells around each column's text (one on either side)."""


@dataclass(frozen=True)
class LiveColumn:
    """One column: ``key`` is ``run``, ``p:<name>``, ``rep``, ``status``, ``progress``,
    ``metric`` or ``time``; ``width`` is its text's width (padding comes on top)."""

    key: str
    label: str
    width: int
    justify: str = "left"


def cell_text(v: object) -> str:
    """A parameter or metric value as the table shows it: floats to 4 significant digits."""
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)


def progress_text(state: RunState) -> str:
    """``3500/5000`` for a run of known length, ``step 12`` or ``100%`` otherwise."""
    frac = state.fraction()
    if frac is None:
        if state.status == "running" and state.step is not None:
            return f"step {state.step + 1}"
        return ""
    if state.total_steps:
        done = (
            state.total_steps if state.status in ("success", "skipped") else (state.step or -1) + 1
        )
        return f"{min(done, state.total_steps)}/{state.total_steps}"
    return f"{frac:.0%}"


def progress_text_width(states: Iterable[RunState]) -> int:
    """The widest progress text any of these runs can show: ``5000/5000`` for the
    longest, or room for ``step 99999`` when some run's length is not known."""
    widest = len("100%")
    for state in states:
        total = state.total_steps
        widest = max(widest, 2 * len(str(total)) + 1 if total else UNKNOWN_TOTAL_WIDTH)
    return widest


def worker_label(address: str, one_host: bool = False) -> str:
    """A worker as its cell names it: ``10.0.0.5:40123`` (the protocol dropped), or
    just ``:40123`` when every worker of the sweep is on one host (a LocalCluster)."""
    bare = address.partition("://")[2] or address
    if one_host and ":" in bare:
        return ":" + bare.rpartition(":")[2]
    return bare


def worker_text(state: RunState, one_host: bool = False) -> str:
    """Where a run is on a cluster: ``10.0.0.5:40123``; ``lost 10.0.0.5:40123`` when that
    worker died and no other has taken the run up yet (or none will: it failed); and
    ``10.0.0.7:40555 try 2`` for a run started again after its worker died."""
    if not state.worker:
        return ""
    label = worker_label(state.worker, one_host)
    if state.waiting_after_loss:
        return f"lost {label}"
    if state.attempt > 1:
        return f"{label} try {state.attempt}"
    return label


def param_width(key: str, values: Iterable[object] | None) -> int:
    """As wide as the name and the widest value (10 when the values are not known)."""
    if values is None:
        return min(PARAM_MAX_WIDTH, max(len(key), 10))
    return min(PARAM_MAX_WIDTH, max([len(key), *(len(cell_text(v)) for v in values)]))


def fit_columns(
    param_keys: Sequence[str],
    metric: str,
    available: int,
    *,
    text_width: int,
    param_values: Mapping[str, Iterable[object]] | None = None,
    worker_width: int = 0,
) -> tuple[list[LiveColumn], int]:
    """The columns to show in ``available`` cells, and the progress bar's width.

    ``worker_width``: the widest worker cell (see :func:`worker_text`), or 0 for a
    sweep that is not on a cluster, which has no such column. Columns are dropped (and
    the bar shrunk) in the order the module docstring gives until the rest fit; if even
    ``run``, ``status`` and the progress text do not fit, they are returned anyway (the
    table then scrolls sideways).
    """
    values = param_values or {}
    params = [
        LiveColumn(f"p:{k}", k, param_width(k, values.get(k) if k in values else None))
        for k in param_keys
    ]
    shown = {
        "run": LiveColumn("run", "run", RUN_WIDTH),
        **{c.key: c for c in params},
        "rep": LiveColumn("rep", "rep", REP_WIDTH, "right"),
        "status": LiveColumn("status", "status", STATUS_WIDTH),
        "metric": LiveColumn(
            "metric", metric, min(PARAM_MAX_WIDTH, max(len(metric), METRIC_WIDTH)), "right"
        ),
        "time": LiveColumn("time", "time", TIME_WIDTH, "right"),
    }
    if worker_width:
        width = min(WORKER_MAX_WIDTH, max(len("worker"), worker_width))
        shown["worker"] = LiveColumn("worker", "worker", width)
    bar = BAR_WIDTH

    def total() -> int:
        progress = _progress_width(bar, text_width)
        return sum(c.width + PADDING for c in shown.values()) + progress + PADDING

    keys = [c.key for c in params]
    steps: list[str | int] = [
        "time",
        *reversed(keys[KEPT_PARAMS:]),
        "rep",
        SHORT_BAR_WIDTH,
        "worker",
        *reversed(keys[1:KEPT_PARAMS]),
        0,
        *keys[:1],
        "metric",
    ]
    for step in steps:
        if total() <= available:
            break
        if isinstance(step, int):
            bar = step
        else:
            shown.pop(step, None)
    width = _progress_width(bar, text_width)
    # the header is cut to fit the numbers, never the other way round
    progress = LiveColumn("progress", "progress" if width >= len("progress") else "done", width)
    order = ["run", *keys, "rep", "status", "progress", "metric", "worker", "time"]
    every = {**shown, "progress": progress}
    return [every[k] for k in order if k in every], bar


def _progress_width(bar: int, text_width: int) -> int:
    return bar + 1 + text_width if bar else text_width
