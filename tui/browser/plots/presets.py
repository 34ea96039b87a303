"""The seed's four atlas views as presets of the plots tab (F5-F8), worked out from
whatever experiment is in scope.

Why a module of its own: what each preset sets, and which runs preset 3 compares, are
decisions about the data (its first metric, its first varying numeric param, whether a
field spans decades), not about widgets; here they are functions of the table and the
:class:`~tui.browser.plots.config.PlotConfig` they change, and the pane only carries
them out (:meth:`tui.browser.plots.tab.PlotsPane.preset`). The fields they use come from
:func:`tui.browser.plots.scope.preset_fields`.
"""

from __future__ import annotations

import numpy as np

from metalab.index import Table
from tui.browser.plots.config import PlotConfig
from tui.browser.plots.scope import PresetFields, ordered_groups

__all__ = ["compare_choice", "curves_preset", "scalar_preset", "spans_decades"]


def spans_decades(table: Table, name: str | None, rows: np.ndarray) -> bool:
    """Log scale suits a positive field spanning at least a factor of 10."""
    if name is None or name not in table:
        return False
    values = table.column(name).num[rows]
    values = values[np.isfinite(values)]
    return bool(values.size and values.min() > 0 and values.max() / values.min() >= 10)


def scalar_preset(
    cfg: PlotConfig, fields: PresetFields, table: Table, rows: np.ndarray, *, error_bars: bool
) -> None:
    """Presets 1 and 4: the first metric against the first numeric param, grouped by the
    next param, as a line of means (1) or as means with ci95 error bars (4); log axes
    where the plotted ``rows`` span decades."""
    cfg.mode = "scalar"
    cfg.x, cfg.y, cfg.group = fields.param, fields.metric, fields.group
    cfg.agg = "mean"
    cfg.kind = "scatter" if error_bars else "line"
    cfg.error = "ci95" if error_bars else "none"
    cfg.log_x = spans_decades(table, fields.param, rows)
    cfg.log_y = spans_decades(table, fields.metric, rows)


def curves_preset(cfg: PlotConfig, fields: PresetFields) -> None:
    """Preset 2, convergence curves: the first 1-D array artifact (else stepped metric)
    of the runs, overlaid, coloured by the first param, log y."""
    cfg.mode = "curves"
    cfg.layout = "overlay"
    cfg.source = None
    cfg.prefer_artifact = True
    cfg.curve_group = fields.param
    cfg.smoothing = 0.0
    cfg.curve_log_y = True


def compare_choice(table: Table, rows: np.ndarray, param: str, group: str | None) -> list[str]:
    """Preset 3's runs among ``rows``: per value of ``param``, the first replicate's run
    with the largest value of ``group`` (a successful one when there is one)."""
    pcol = table.column(param)
    gcol = table.column(group) if group else None
    rep = table.column("record.replicate").num
    ok = table.column("record.status").values == "success"
    chosen = []
    values = [pcol.values[r] for r in rows.tolist() if pcol.present[r]]
    for value in ordered_groups(values):
        members = np.asarray([r for r in rows.tolist() if pcol.values[r] == value])
        if gcol is not None:
            g = gcol.num[members]
            if np.isfinite(g).any():
                members = members[g == np.nanmax(g)]
        reps = rep[members]
        if np.isfinite(reps).any():
            members = members[reps == np.nanmin(reps)]
        good = members[ok[members]]
        pick = (good if good.size else members)[0]
        chosen.append(str(table.run_ids[pick]))
    return chosen
