"""Two parts of the experiments tab's detail (atlas §2.2): the distribution of a numeric
metric over the experiment's runs, and its manifest history's viewer.

* :class:`DistributionView` draws a histogram (bins from :func:`metalab.index.stats.auto_bins`,
  counts from :func:`metalab.index.stats.histogram`) of one metric or derived field with a
  :class:`~tui.widgets.scalar_plot.ScalarPlot`, footed "N values across B bins". The pane
  cycles the field with ``d``. As on atlas, a bar leads to its runs: a click on it, or
  ``<``/``>`` to pick a bin (drawn in another colour) and ``o``, posts :class:`BinChosen`
  with the run ids in that bin.
  With the browser's :class:`~metalab.index.direction.Directions`, the title names the
  best run of the field (lowest or highest, as the field's direction says).
  The run detail's Metrics tab shows it too, for one run (``show(..., this_run=...)``):
  a marker line at that run's value and "this run: v (bin b of B)" in the footer, as
  atlas's run page does; there it is made with ``drill_down=False``, since that screen
  has no runs list for a bar to open.
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
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from metalab.index import Table, format_cell
from metalab.index.direction import Directions
from metalab.index.stats import Histogram, histogram
from tui.plotting.scalar import ScalarChart, ScalarSeries
from tui.widgets.scalar_plot import ScalarPlot

__all__ = [
    "BinChosen",
    "Distribution",
    "DistributionView",
    "ManifestScreen",
    "distribution",
    "distribution_fields",
    "manifest_history",
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
    """A field's finite values over the runs (and those runs' ids) and their auto-binned
    histogram."""

    field: str
    values: np.ndarray
    run_ids: np.ndarray
    hist: Histogram

    def bin_runs(self, b: int) -> list[str]:
        """The ids of the runs in bin ``b``."""
        return [str(r) for r in self.run_ids[self.hist.members(b)].tolist()]

    def bin_text(self, b: int) -> str:
        """``final_loss 0.002249 – 0.002409``: the field and the bin's range, to four
        significant digits (a table cell's four decimals cannot tell narrow bins apart)."""
        lo, hi = self.hist.edges[b], self.hist.edges[b + 1]
        return f"{self.field.split('.', 1)[1]} {float(lo):.4g} – {float(hi):.4g}"

    @property
    def counts(self) -> np.ndarray:
        return self.hist.total

    def locate(self, run_id: str) -> tuple[float, int] | None:
        """Run ``run_id``'s value and bin (None: the run has no finite value here)."""
        at = np.flatnonzero(self.run_ids == run_id)
        if not at.size:
            return None
        i = int(at[0])
        return float(self.values[i]), int(self.hist.bin_of[i])

    def best(self, lower: bool) -> tuple[str, float] | None:
        """The best run's id and value: the lowest value when ``lower``, else the
        highest (the first in the tree's order on a tie); None without values."""
        if not self.values.size:
            return None
        i = int(np.argmin(self.values) if lower else np.argmax(self.values))
        return str(self.run_ids[i]), float(self.values[i])

    def run_text(self, run_id: str) -> str | None:
        """``this run: 0.0022 (bin 1 of 6)`` for run ``run_id`` (None: not in here)."""
        found = self.locate(run_id)
        if found is None:
            return None
        value, b = found
        return f"this run: {format_cell(value)} (bin {b + 1} of {self.hist.bins})"

    @property
    def footer(self) -> str:
        n, b = int(self.values.size), self.hist.bins
        return f"{n} value{'s' if n != 1 else ''} across {b} bin{'s' if b != 1 else ''}"


def distribution(table: Table, name: str) -> Distribution:
    """The histogram of field ``name`` over ``table``'s runs (missing values left out)."""
    num = np.asarray(table.column(name).num, dtype=float)
    finite = np.isfinite(num)
    values = num[finite]
    return Distribution(name, values, table.run_ids[finite], histogram(values))


def manifest_history(files: list[Path]) -> list[tuple[str, str, str]]:
    """(file name, submitted at, runs) of each manifest, newest first."""
    out = []
    for path in files:
        submitted, runs = "—", "—"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict):
            submitted = str(data.get("submitted_at") or "—").replace("T", " ")[:19]
            total = data.get("total_runs")
            runs = str(total) if total is not None else "—"
        out.append((path.name, submitted, runs))
    out.sort(key=lambda r: (r[1], r[0]), reverse=True)
    return out


def manifest_versions(files: list[Path]) -> list[Path]:
    """The manifest files, newest first, in :func:`manifest_history`'s order."""
    by_name = {path.name: path for path in files}
    return [by_name[name] for name, _, _ in manifest_history(files)]


# -- the distribution --------------------------------------------------------------------------


@dataclass
class BinChosen(Message):
    """A bin of the distribution was chosen (clicked, or ``o``): these are its runs."""

    run_ids: tuple[str, ...]
    caption: str


class DistributionView(Vertical):
    """Title, histogram and footer of one field's distribution, with a chosen bin."""

    DEFAULT_CSS = """
    DistributionView { height: auto; margin-top: 1; }
    DistributionView #distribution-title { height: 1; }
    DistributionView ScalarPlot { height: 12; min-height: 8; }
    DistributionView #distribution-footer { height: 1; color: $text-muted; }
    """

    def __init__(self, *, drill_down: bool = True, **kwargs: Any) -> None:
        """``drill_down``: a click on a bar opens its runs, and the footer says so."""
        super().__init__(**kwargs)
        self.drill_down = drill_down
        self.current: Distribution | None = None
        """What is shown (None: no numeric field)."""
        self.chosen_bin: int | None = None
        """The bin picked with ``<``/``>`` (None: none yet)."""
        self.this_run: str | None = None
        """The run marked on the histogram (None: no marker)."""
        self._n_fields = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="distribution-title")
        yield ScalarPlot(id="distribution-plot")
        yield Static("", id="distribution-footer")

    def show(
        self,
        table: Table | None,
        name: str | None,
        n_fields: int = 0,
        *,
        this_run: str | None = None,
        note: str | None = None,
        directions: Directions | None = None,
    ) -> None:
        """Show field ``name`` of ``table`` (None: say ``note``, or that there is nothing
        to show), with a marker at run ``this_run``'s value when given; with
        ``directions``, the field's best run in the title."""
        title = self.query_one("#distribution-title", Static)
        plot = self.query_one("#distribution-plot", ScalarPlot)
        footer = self.query_one("#distribution-footer", Static)
        self.this_run = this_run
        if table is None or name is None:
            self.current = self.chosen_bin = None
            title.update(Text("Distribution", style="bold"))
            footer.update(note or "no numeric metric in these runs")
            plot.display = False
            return
        dist = distribution(table, name)
        if (
            self.current is None
            or self.current.field != name
            or self.chosen_bin is not None
            and self.chosen_bin >= dist.hist.bins
        ):
            self.chosen_bin = None
        self.current = dist
        self._n_fields = n_fields
        short = name.split(".", 1)[1]
        label = f"{short} (derived)" if name.startswith("derived.") else short
        out = Text("Distribution", style="bold")
        out.append(f"  {label}", style="bold")
        if n_fields > 1:
            out.append(f"   (d: next of {n_fields} fields)", style="dim")
        best = dist.best(directions.lower_is_better(name)) if directions is not None else None
        if best is not None and directions is not None:
            way = "lowest" if directions.lower_is_better(name) else "highest"
            out.append(f"   best ({way}): ", style="dim")
            out.append(f"{best[0][:8]} = {format_cell(best[1])}", style="bold")
        title.update(out)
        plot.display = True
        self._draw()

    def _draw(self) -> None:
        """Draw the histogram, the chosen bin as a series of its own, and the footer."""
        dist = self.current
        if dist is None:
            return
        short = dist.field.split(".", 1)[1]
        edges = dist.hist.edges
        mids = list((edges[:-1] + edges[1:]) / 2)
        counts = dist.counts.astype(float)
        series = [ScalarSeries(label=short, x=mids, y=counts)]
        b = self.chosen_bin
        if b is not None:
            rest, picked = counts.copy(), np.zeros_like(counts)
            picked[b], rest[b] = counts[b], 0.0
            series = [ScalarSeries(label="other bins", x=mids, y=rest),
                      ScalarSeries(label=f"bin {b + 1}", x=mids, y=picked)]  # fmt: skip
        mine = dist.locate(self.this_run) if self.this_run is not None else None
        markers = [(mine[0], f"this run: {format_cell(mine[0])}")] if mine else []
        chart = ScalarChart(kind="histogram", series=series, edges=edges, xlabel=short,
                            ylabel="runs", stacked_note=False, markers=markers)  # fmt: skip
        self.query_one("#distribution-plot", ScalarPlot).set_chart(chart)
        self.query_one("#distribution-footer", Static).update(self._footer(dist, counts))

    def _footer(self, dist: Distribution, counts: np.ndarray) -> Text:
        """The footer: the count of values and bins, the marked run's value and bin, then
        the picked bin (or, with drill-down, how to pick one)."""
        footer = Text(dist.footer)
        mine = dist.run_text(self.this_run) if self.this_run is not None else None
        if mine is not None:
            footer.append(f"   {mine}", style="bold")
        b = self.chosen_bin
        if b is not None:
            n = int(counts[b])
            footer.append(f"   bin {b + 1} of {dist.hist.bins}: {dist.bin_text(b)}, ")
            footer.append(f"{n} run{'s' if n != 1 else ''}", style="bold")
            if self.drill_down:
                footer.append("   o: open them", style="dim")
        elif self.drill_down:
            footer.append("   click a bar, or < > and o, to open its runs", style="dim")
        return footer

    def move_bin(self, step: int) -> None:
        """Pick the next (``step`` > 0) or previous bin that has runs, wrapping around."""
        if self.current is None:
            return
        counts = self.current.counts
        bins = len(counts)
        b = self.chosen_bin if self.chosen_bin is not None else (-1 if step > 0 else bins)
        for _ in range(bins):
            b = (b + (1 if step > 0 else -1)) % bins
            if counts[b]:
                self.chosen_bin = b
                break
        self._draw()

    def choose_bin(self, b: int | None = None) -> bool:
        """Post :class:`BinChosen` for bin ``b`` (default: the picked one); False when
        there is no such bin."""
        b = self.chosen_bin if b is None else b
        dist = self.current
        if dist is None or b is None or not 0 <= b < dist.hist.bins:
            return False
        self.post_message(BinChosen(tuple(dist.bin_runs(b)), dist.bin_text(b)))
        return True

    def on_click(self, event: events.Click) -> None:
        """A click on a bar opens its runs (atlas's drill-down)."""
        if not self.drill_down:
            return
        plot = self.query_one("#distribution-plot", ScalarPlot)
        offset = event.get_content_offset(plot)
        if offset is None or self.current is None:
            return
        fraction = plot.x_fraction(offset.x)
        if fraction is None:
            return
        event.stop()
        b = min(int(fraction * self.current.hist.bins), self.current.hist.bins - 1)
        self.chosen_bin = b
        self._draw()
        self.choose_bin(b)


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
