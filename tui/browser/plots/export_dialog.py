"""The plots tab's export dialog (``w``): where to write the chart's points and figure.

Why a module of its own: the pane only binds the key; what is exported is
:mod:`.export_points`'s, and asking where, then writing on a worker thread and saying
what was written, is here. The dialog asks for the CSV's path (by default
``<cwd>/<experiment>_<plot title>_<time>.csv``) and whether to write the figure beside
it, as SVG (the default: a vector figure for a paper) or PNG, with the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from tui.browser.plots.export_points import (
    PlotExport,
    default_name,
    plot_export,
    write_plot_export,
)
from tui.plotting.figure import FIGURE_FORMATS
from tui.widgets.curve_plot import CurvePlot
from tui.widgets.path_dialog import PathDialog
from tui.widgets.scalar_plot import ScalarPlot

__all__ = ["PlotExportChoice", "PlotExportDialog", "open_plot_export"]


@dataclass(frozen=True)
class PlotExportChoice:
    """Where the points go, and the figure's format (None: no figure)."""

    path: Path
    figure_format: str | None = "svg"

    @property
    def figure_path(self) -> Path | None:
        return (
            None if self.figure_format is None else self.path.with_suffix(f".{self.figure_format}")
        )


class PlotExportDialog(PathDialog[PlotExportChoice]):
    """Ask where to write a chart's points (CSV) and its figure (SVG or PNG)."""

    PATH_ID = "plot-export-path"
    EXPORT_ID = "plot-export-button"

    DEFAULT_CSS = """
    PlotExportDialog { align: center middle; }
    PlotExportDialog > Vertical {
        width: 90%; max-width: 100; height: auto; padding: 0 2;
        border: thick $accent; background: $surface;
    }
    PlotExportDialog #plot-export-title { margin: 1 0; }
    PlotExportDialog #plot-export-formats { height: auto; }
    PlotExportDialog RadioSet { layout: horizontal; width: auto; height: auto; }
    PlotExportDialog #plot-export-figure-path { color: $text-muted; margin-left: 2; }
    PlotExportDialog #plot-export-buttons { height: auto; margin: 1 0; align-horizontal: right; }
    PlotExportDialog #plot-export-buttons Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="plot-export-cancel"),
        Binding("ctrl+s", "export", "Export", id="plot-export-confirm"),
    ]

    def __init__(self, export: PlotExport, experiment: str | None, cwd: Path | None = None):
        super().__init__(cwd)
        self.export = export
        self.default_path = str(self.cwd / default_name(experiment, export.title))
        self.figure_format = "svg"

    def compose(self) -> ComposeResult:
        n = len(self.export.rows)
        with Vertical():
            yield Static(
                f"[b]Export the plot[/b] {self.export.title}: its {n:,} point"
                f"{'s' if n != 1 else ''} as CSV, and the figure",
                id="plot-export-title",
                markup=True,
            )
            yield Input(self.default_path, id="plot-export-path")
            with Horizontal(id="plot-export-formats"):
                yield Checkbox("figure too, as", True, id="plot-export-figure")
                with RadioSet(id="plot-export-format"):
                    yield RadioButton("SVG", value=True, id="plot-export-svg")
                    yield RadioButton("PNG", id="plot-export-png")
            yield Static(self._figure_text(), id="plot-export-figure-path")
            with Horizontal(id="plot-export-buttons"):
                yield Button("Cancel", id="plot-export-cancel-button")
                yield Button("Export (enter)", id="plot-export-button", variant="primary")

    def choice(self) -> PlotExportChoice | None:
        """What the dialog would write now (None when the path is empty)."""
        path = self.chosen_path()
        if path is None:
            return None
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv") if path.suffix else path.with_suffix(".csv")
        with_figure = self.query_one("#plot-export-figure", Checkbox).value
        return PlotExportChoice(path, self.figure_format if with_figure else None)

    def _figure_text(self) -> str:
        if not self.is_mounted:
            return f"figure: {Path(self.default_path).with_suffix('.svg')}"
        choice = self.choice()
        if choice is None or choice.figure_path is None:
            return "no figure"
        return f"figure: {choice.figure_path}"

    def _refresh_figure_text(self) -> None:
        self.query_one("#plot-export-figure-path", Static).update(self._figure_text())

    @on(RadioSet.Changed, "#plot-export-format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.figure_format = "png" if event.pressed.id == "plot-export-png" else "svg"
        assert self.figure_format in FIGURE_FORMATS
        self._refresh_figure_text()

    @on(Checkbox.Changed, "#plot-export-figure")
    @on(Input.Changed, "#plot-export-path")
    def _changed(self, event: Any) -> None:
        event.stop()
        self._refresh_figure_text()


def open_plot_export(pane: Any, cwd: Path | None = None) -> PlotExportDialog | None:
    """``w`` in the plots tab: ask where, then write what ``pane`` (the
    :class:`~tui.browser.plots.tab.PlotsPane`) shows on a worker thread and say where
    it went. Returns the dialog (None when there is nothing plotted to export)."""
    source = pane.curve_source
    export = plot_export(
        pane.config,
        plot=pane.plot,
        histogram=pane.histogram,
        chart=pane.query_one(ScalarPlot).chart,
        curve_series=pane.curve_series,
        curve_title=pane.query_one(CurvePlot).title,
        curve_name=source.name if source is not None else "value",
    )
    if export.empty:
        pane.notify("nothing is plotted: there are no points to export", severity="warning")
        return None
    dialog = PlotExportDialog(export, pane.state.experiment, cwd)

    def chosen(choice: PlotExportChoice | None) -> None:
        if choice is not None:
            _write(pane, export, choice)

    pane.app.push_screen(dialog, chosen)
    return dialog


def _write(owner: Widget, export: PlotExport, choice: PlotExportChoice) -> None:
    def work() -> None:
        try:
            written = write_plot_export(export, choice.path, choice.figure_format)
        except (OSError, ValueError) as error:
            owner.app.call_from_thread(
                owner.notify, f"could not export the plot: {error}", severity="error"
            )
            return
        n = len(export.rows)
        what = f"{n:,} point{'s' if n != 1 else ''} to {written[0]}"
        if len(written) > 1:
            what += f" and the figure to {written[1]}"
        owner.app.call_from_thread(owner.notify, f"exported {what}", timeout=8)

    owner.run_worker(
        work,
        thread=True,
        group="plot-export",
        exit_on_error=False,
        description="export the plot's points and figure",
    )
