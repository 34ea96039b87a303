"""One load of curves for the plots tab: the request the UI thread makes, and what the
worker turns the loaded curves into.

Why a module of its own: a load is asked for on the UI thread (from the table, the runs
of :func:`~tui.browser.plots.scope.curve_runs` and the
:class:`~tui.browser.plots.config.PlotConfig` as they are then) and carried out on a
thread worker, so everything it needs is copied into a
:class:`CurveRequest`; choosing the curve, grouping the runs and titling the result are
then plain functions of that request, apart from the widget that runs the worker
(:class:`tui.browser.plots.tab.PlotsPane`). Loading and drawing the curves themselves is
:mod:`tui.browser.plots.curves`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metalab.index import CurveBand, Table
from tui.browser.plots.config import PlotConfig
from tui.browser.plots.curves import Curve, CurveSource, band_series, overlay_series
from tui.browser.plots.scope import ordered_groups, short_name
from tui.plotting.render import Series, format_value

__all__ = [
    "BAND_TITLES",
    "CurveRequest",
    "curve_request",
    "curve_title",
    "pick_source",
    "series_for",
]


BAND_TITLES = {"none": "", "iqr": ", band q1 to q3", "minmax": ", band min to max"}
"""What the title says of a band (the others read `` ± ci95``)."""


@dataclass
class CurveRequest:
    """One load of curves, made on the UI thread and carried out on a worker."""

    generation: int
    run_ids: list[str]
    sample_ids: list[str]
    source: str | None
    prefer_artifact: bool
    layout: str
    group_values: dict[str, Any] | None
    band: str
    smoothing: float
    note: str = ""
    center: str = "mean"
    """Grouped: the centre line, ``mean`` or ``median``."""
    sampled_from: int | None = None
    """Grouped over an even sample of the runs in scope: how many were in scope."""
    per_run: bool = False
    """Overlaid selected runs: a colour and a legend entry each (its id and group
    value), rather than colours by the group's values."""
    group_name: str = ""
    """The short name of the param in ``group_values`` (for per-run labels)."""


def curve_request(
    table: Table,
    run_ids: list[str],
    cfg: PlotConfig,
    generation: int,
    note: str,
    sampled_from: int | None = None,
    *,
    per_run: bool = False,
) -> CurveRequest:
    """The load of these runs' curves that ``cfg`` asks for; the curves on offer are
    looked up in (up to) three of the runs, successful ones first. ``per_run``: the
    runs are a selection, overlaid a colour each (see :attr:`CurveRequest.per_run`)."""
    group = cfg.curve_group if cfg.curve_group in table else None
    rows = [table.index_of(r) for r in run_ids]
    group_values = None
    if group is not None:
        values = table.column(group).values[rows].tolist()
        group_values = dict(zip(run_ids, values, strict=True))
    status = table.column("record.status").values[rows].tolist()
    sample = [r for r, s in zip(run_ids, status, strict=True) if s == "success"][:3]
    sample = sample or run_ids[:3]
    return CurveRequest(
        generation=generation,
        run_ids=run_ids,
        sample_ids=sample,
        source=cfg.source,
        prefer_artifact=cfg.prefer_artifact,
        layout=cfg.layout,
        group_values=group_values,
        band=cfg.band_drawn,
        smoothing=cfg.smoothing,
        note=note,
        center=cfg.curve_center,
        sampled_from=sampled_from,
        per_run=per_run and cfg.layout == "overlay",
        group_name=short_name(group),
    )


def pick_source(sources: list[CurveSource], request: CurveRequest) -> CurveSource | None:
    """The curve asked for when the runs have it, else the first array artifact (if
    preferred), else the first curve found."""
    if request.source is not None:
        wanted = CurveSource.parse(request.source)
        if wanted in sources:
            return wanted
    if request.prefer_artifact:
        arrays = [s for s in sources if s.kind == "artifact"]
        if arrays:
            return arrays[0]
    return sources[0] if sources else None


def series_for(
    request: CurveRequest, curves: Mapping[str, Curve]
) -> tuple[list[Series], dict[Any, CurveBand]]:
    """What to draw of the loaded ``curves``: a line per run, or per group (all runs
    as one, when ungrouped) a mean and its band."""
    if request.layout == "overlay":
        if request.per_run:
            values = request.group_values
            labels = {
                r: f"{r[:8]} {request.group_name}={format_value(values[r])}" if values else r[:8]
                for r in curves
            }
            return overlay_series(curves, labels=labels, smoothing=request.smoothing), {}
        series = overlay_series(
            curves, color_values=request.group_values, smoothing=request.smoothing
        )
        return series, {}
    values = request.group_values or {}
    keys = ordered_groups([values.get(r) if values else "all" for r in curves])
    groups: dict[Any, list[Curve]] = {k: [] for k in keys}
    for run_id, curve in curves.items():
        groups[values.get(run_id) if values else "all"].append(curve)
    return band_series(
        groups, band=request.band, center=request.center, smoothing=request.smoothing
    )


def curve_title(
    request: CurveRequest, source: CurveSource | None, loaded: int, group: str | None
) -> str:
    """The curve pane's title for ``loaded`` runs' curves of ``source``, ``group`` the
    (short) name of the param grouping them."""
    if source is None:
        return "no stepped metric or 1-D array artifact in these runs"
    smooth = f", smoothed {request.smoothing:g}" if request.smoothing else ""
    if request.layout == "overlay":
        return f"{source.name}: {loaded} runs{smooth}"
    band = BAND_TITLES.get(request.band, f" ± {request.band}")
    by = f" by {group}" if group else ""
    sampled = ""
    if request.sampled_from is not None:
        sampled = f" · sampled {len(request.run_ids):,} of {request.sampled_from:,} runs evenly"
    return f"{source.name}: {request.center}{band}{by}{smooth}{sampled}"
