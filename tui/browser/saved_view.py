"""The browser's view of a tree, kept between sessions: scope, filters, sort, columns,
selection, baseline, plot settings and which way each metric is better (where the user
set it).

Atlas keeps its UI state in the web browser's storage, so a researcher who comes back
to a sweep finds it as they left it: the experiment they were in, its filter, the
columns they chose for it, the runs they had selected. The terminal browser does the
same, per results tree, in one small JSON file under the user's state directory
(``$XDG_STATE_HOME/metalab-tui/browse.json``, by default ``~/.local/state/...``), never
in the tree itself, which may be shared or read-only.

Restoring is forgiving: whatever no longer fits the tree (an experiment that went away,
a filter on a field it lost, runs deleted since) is dropped rather than reported, and a
state file that cannot be read is ignored. Saving never fails the browser either. A
file written before a key existed (``directions``, say) loads as if that key were
empty, and keys this version does not know are ignored, so old and new versions of the
browser can share the file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metalab.index import QueryError, parse_filter
from metalab.index.direction import Directions
from metalab.store.atomic import write_json
from tui.browser.columns import ALL_KEY
from tui.browser.state import BrowseState

__all__ = ["MAX_TREES", "SavedView", "load_view", "save_view", "state_file"]

MAX_TREES = 50
"""Trees remembered; the least recently saved are forgotten first."""
_VERSION = 1


def state_file() -> Path:
    """Where the views are kept (``$XDG_STATE_HOME`` or ``~/.local/state``)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "metalab-tui" / "browse.json"


@dataclass
class SavedView:
    """What is kept of one tree's view (plain JSON types only)."""

    experiment: str | None = None
    filters: list[list[str | None]] = field(default_factory=list)
    """``[token, caption]`` of each runs-filter condition."""
    sort: str | None = None
    descending: bool = False
    columns: dict[str, list[str]] = field(default_factory=dict)
    selected: list[str] = field(default_factory=list)
    baseline: str | None = None
    experiment_filter: list[str] = field(default_factory=list)
    """The experiments list's pills, as typed (``tag:vision``)."""
    plot: dict[str, Any] = field(default_factory=dict)
    directions: dict[str, str] = field(default_factory=dict)
    """Metric (short name) -> ``lower`` or ``higher`` is better, where the user set it."""

    @classmethod
    def capture(
        cls, state: BrowseState, experiment_filter: list[str], plot: Any = None
    ) -> SavedView:
        """The view as the browser has it now (``plot``: the plots tab's config)."""
        return cls(
            experiment=state.experiment,
            filters=[[c.token, c.caption] for c in state.conditions],
            sort=state.sort,
            descending=state.descending,
            columns={k: list(v) for k, v in state.columns.items()},
            selected=list(state.selected),
            baseline=state.baseline,
            experiment_filter=list(experiment_filter),
            plot=dataclasses.asdict(plot) if dataclasses.is_dataclass(plot) else {},
            directions=state.directions.to_json(),
        )

    def apply(self, state: BrowseState) -> None:
        """Restore what still fits the tree into ``state``."""
        keys = {exp.key for exp in state.index.experiments}
        if self.experiment is None or self.experiment in keys:
            state.experiment = self.experiment
        kept = {k: list(v) for k, v in self.columns.items() if k in keys or k == ALL_KEY}
        state.columns.update(kept)
        table = state.table()
        for token, caption in self.filters:
            try:
                conditions = parse_filter(str(token), table)
            except QueryError:
                continue  # a field this scope no longer has
            state.conditions.extend(dataclasses.replace(c, caption=caption) for c in conditions)
        if self.sort in table:
            state.sort, state.descending = self.sort, bool(self.descending)
        present = set(table.run_ids.tolist())
        state.selected[:] = [r for r in self.selected if r in present]
        state.baseline = self.baseline if self.baseline in present else None
        state.directions = Directions.from_json(self.directions)

    def apply_plot(self, config: Any) -> None:
        """Restore the plot settings into ``config`` (a PlotConfig), field by field, only
        where the saved value has the type the setting has."""
        for f in dataclasses.fields(config):
            if f.name not in self.plot:
                continue
            value, current = self.plot[f.name], getattr(config, f.name)
            if value is None or current is None or isinstance(value, type(current)):
                setattr(config, f.name, value)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SavedView:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def _key(root: Path) -> str:
    return str(Path(root).resolve())


def _read_all(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _VERSION:
        return {}
    trees = data.get("trees")
    return trees if isinstance(trees, dict) else {}


def load_view(root: Path, path: Path | None = None) -> SavedView | None:
    """The view last saved for the tree at ``root`` (None: none, or unreadable)."""
    entry = _read_all(path or state_file()).get(_key(root))
    if not isinstance(entry, dict) or not isinstance(entry.get("view"), dict):
        return None
    try:
        return SavedView.from_json(entry["view"])
    except TypeError:
        return None


def save_view(root: Path, view: SavedView, path: Path | None = None) -> bool:
    """Remember ``view`` for the tree at ``root`` (False when it could not be written)."""
    path = path or state_file()
    trees = _read_all(path)
    trees[_key(root)] = {"saved_at": time.time(), "view": dataclasses.asdict(view)}
    if len(trees) > MAX_TREES:
        newest = sorted(trees, key=lambda k: trees[k].get("saved_at", 0), reverse=True)
        trees = {k: trees[k] for k in newest[:MAX_TREES]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, {"version": _VERSION, "trees": trees})
    except OSError:
        return False
    return True
