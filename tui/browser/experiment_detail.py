"""Two parts of the experiments tab's detail (atlas §2.2): the distribution of a numeric
metric over the experiment's runs, and its manifest history's viewer.

* :class:`DistributionView` draws a histogram (bins from :func:`tui.browse.stats.auto_bins`,
  counts from :func:`tui.browse.stats.histogram`) of one metric or derived field with a
  :class:`~tui.widgets.scalar_plot.ScalarPlot`, footed "N values across B bins". The pane
  cycles the field with ``d``.
* :class:`ManifestScreen` shows one ``experiments/*.json`` manifest as pretty JSON;
  ``[``/``]`` step to older/newer versions and ``w`` saves a copy of the file to the
  current directory under its own name.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.browse import Table
from tui.browse.stats import Histogram, histogram
from tui.plotting.scalar import ScalarChart, ScalarSeries
from tui.widgets.scalar_plot import ScalarPlot

__all__ = [
    "Distribution",
    "DistributionView",
    "ManifestScreen",
    "distribution",
    "distribution_fields",
    "manifest_versions",
]


# -- pure helpers ------------------------------------------------------------------------------


def distribution_fields(table: Table) -> list[str]:
    """The metric and derived fields with at least one finite number (not bools)."""
    out = []
    for name in table.names():
        if name.split(".", 1)[0] not in ("metrics", "derived"):
            continue
        col = table.column(name)
        if col.kind in ("numeric", "mixed") and bool(np.isfinite(col.num).any()):
            out.append(name)
    return out


@dataclass(frozen=True)
class Distribution:
    """A field's finite values over the runs and their auto-binned histogram."""

    field: str
    values: np.ndarray
    hist: Histogram

    @property
    def counts(self) -> np.ndarray:
        return self.hist.total

    @property
    def footer(self) -> str:
        n, b = int(self.values.size), self.hist.bins
        return f"{n} value{'s' if n != 1 else ''} across {b} bin{'s' if b != 1 else ''}"


def distribution(table: Table, name: str) -> Distribution:
    """The histogram of field ``name`` over ``table``'s runs (missing values left out)."""
    num = np.asarray(table.column(name).num, dtype=float)
    values = num[np.isfinite(num)]
    return Distribution(name, values, histogram(values))


def manifest_versions(files: list[Path]) -> list[Path]:
    """The manifest files, newest first (by ``submitted_at``, then file name), as in
    :func:`tui.browser.experiments.manifest_history`."""

    def key(path: Path) -> tuple[str, str]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        submitted = "—"
        if isinstance(data, dict):
            submitted = str(data.get("submitted_at") or "—").replace("T", " ")[:19]
        return submitted, path.name

    return sorted(files, key=key, reverse=True)


# -- the distribution --------------------------------------------------------------------------


class DistributionView(Vertical):
    """Title, histogram and footer of one field's distribution."""

    DEFAULT_CSS = """
    DistributionView { height: auto; margin-top: 1; }
    DistributionView #distribution-title { height: 1; }
    DistributionView ScalarPlot { height: 12; min-height: 8; }
    DistributionView #distribution-footer { height: 1; color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.current: Distribution | None = None
        """What is shown (None: no numeric field)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="distribution-title")
        yield ScalarPlot(id="distribution-plot")
        yield Static("", id="distribution-footer")

    def show(self, table: Table | None, name: str | None, n_fields: int = 0) -> None:
        """Show field ``name`` of ``table`` (None: say there is nothing to show)."""
        title = self.query_one("#distribution-title", Static)
        plot = self.query_one("#distribution-plot", ScalarPlot)
        footer = self.query_one("#distribution-footer", Static)
        if table is None or name is None:
            self.current = None
            title.update(Text("Distribution", style="bold"))
            footer.update("no numeric metric in these runs")
            plot.display = False
            return
        dist = distribution(table, name)
        self.current = dist
        short = name.split(".", 1)[1]
        label = f"{short} (derived)" if name.startswith("derived.") else short
        out = Text("Distribution", style="bold")
        out.append(f"  {label}", style="bold")
        if n_fields > 1:
            out.append(f"   (d: next of {n_fields} fields)", style="dim")
        title.update(out)
        edges = dist.hist.edges
        mids = (edges[:-1] + edges[1:]) / 2
        chart = ScalarChart(
            kind="histogram",
            series=[ScalarSeries(label=short, x=list(mids), y=dist.counts.astype(float))],
            edges=edges,
            xlabel=short,
            ylabel="runs",
        )
        plot.display = True
        plot.set_chart(chart)
        footer.update(dist.footer)


# -- the manifest viewer -----------------------------------------------------------------------


class ManifestScreen(ModalScreen[None]):
    """One manifest version as pretty JSON; ``[``/``]`` older/newer, ``w`` save a copy."""

    DEFAULT_CSS = """
    ManifestScreen { align: center middle; }
    ManifestScreen > Vertical {
        width: 90%; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    ManifestScreen #manifest-title { height: auto; }
    ManifestScreen #manifest-scroll { height: 1fr; }
    ManifestScreen #manifest-hint { height: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape,q", "dismiss_screen", "Close", id="manifest-close"),
        Binding(
            "w",
            "save",
            "Save a copy",
            tooltip="Save a copy to the current directory",
            id="manifest-save",
        ),  # fmt: skip
        Binding("left_square_bracket", "step(1)", "Older", id="manifest-older"),
        Binding("right_square_bracket", "step(-1)", "Newer", id="manifest-newer"),
    ]

    def __init__(self, files: list[Path], index: int = 0) -> None:
        super().__init__()
        self.files = list(files)
        """The versions, newest first."""
        self.index = max(0, min(index, len(self.files) - 1))
        self.saved: Path | None = None
        """Where the last ``w`` wrote its copy."""

    @property
    def path(self) -> Path:
        return self.files[self.index]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("", id="manifest-title")
            with VerticalScroll(id="manifest-scroll"):
                yield Static("", id="manifest-json")
            yield Static("w save a copy · [ older · ] newer · esc close", id="manifest-hint")

    def on_mount(self) -> None:
        self._draw()

    def manifest_text(self) -> str:
        """The shown manifest as pretty JSON (the file as is when it is not JSON)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except OSError as error:
            return f"cannot read {self.path}: {error}"
        try:
            return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
        except ValueError:
            return raw

    def _draw(self) -> None:
        title = Text(self.path.name, style="bold")
        title.append(f"   version {len(self.files) - self.index} of {len(self.files)}", style="dim")
        self.query_one("#manifest-title", Static).update(title)
        self.query_one("#manifest-json", Static).update(Text(self.manifest_text()))
        self.query_one("#manifest-scroll", VerticalScroll).scroll_home(animate=False)

    def action_step(self, delta: int) -> None:
        index = self.index + delta
        if 0 <= index < len(self.files):
            self.index = index
            self._draw()

    def action_save(self) -> None:
        target = Path.cwd() / self.path.name
        try:
            if target.resolve() == self.path.resolve():
                self.notify(f"{target} is this manifest already", severity="warning")
                return
            shutil.copyfile(self.path, target)
        except OSError as error:
            self.notify(f"could not save {target}: {error}", severity="error")
            return
        self.saved = target
        self.notify(f"saved {target}")

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)
