"""The export dialog of the runs tab: CSV or Parquet, and where to write it.

The runs tab exports what it shows: the current filter, in the shown order, with the
columns of ``Results.to_dataframe()`` (``metalab.index.export``). This dialog only asks
how: the format (Parquet is offered but disabled, with the reason, when pyarrow is not
installed), whether to add the ``derived_*`` columns and the ``captured_data`` column
(both on, as in atlas's export), and the path, which defaults to
``<cwd>/<experiment id>_<time>.<ext>`` and follows the format while the user has not
edited it. It dismisses with an :class:`ExportChoice`, or None when cancelled; the
pane does the writing on a worker thread.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from metalab.index.export import PARQUET_HINT, export_filename
from tui.widgets.path_dialog import PathDialog

__all__ = ["ExportChoice", "ExportDialog", "parquet_available"]


def parquet_available() -> bool:
    """Whether pyarrow can be imported (it is not a dependency)."""
    return importlib.util.find_spec("pyarrow") is not None


@dataclass(frozen=True)
class ExportChoice:
    """What the user chose: ``fmt`` is ``csv`` or ``parquet``."""

    fmt: str
    path: Path
    include_derived: bool = True
    only_selected: bool = False
    include_data: bool = True


class ExportDialog(PathDialog[ExportChoice]):
    """Choose format and path for exporting the runs shown."""

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        padding: 1 2; border: thick $accent; background: $surface;
    }
    ExportDialog.-short > Vertical { padding: 0 1; }
    ExportDialog #export-title { margin-bottom: 1; }
    ExportDialog RadioSet { width: 100%; }
    ExportDialog #export-parquet-reason { color: $text-muted; margin: 0 0 1 2; }
    ExportDialog #export-path { margin-top: 1; }
    ExportDialog #export-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    ExportDialog #export-buttons Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="export-cancel"),
        Binding("ctrl+s", "export", "Export", id="export-confirm"),
    ]

    def __init__(
        self,
        experiment_id: str | None,
        n_runs: int,
        cwd: Path | None = None,
        n_selected: int = 0,
    ) -> None:
        super().__init__(cwd)
        self.experiment_id = experiment_id
        self.n_runs = n_runs
        self.n_selected = n_selected
        self.has_parquet = parquet_available()
        self.fmt = "csv"
        self._default_path = self.default_path("csv")

    def default_path(self, fmt: str) -> str:
        return str(self.cwd / export_filename(self.experiment_id, fmt))

    def compose(self) -> ComposeResult:
        runs = f"{self.n_runs:,} run{'s' if self.n_runs != 1 else ''}"
        with Vertical():
            yield Static(
                f"[b]Export {runs}[/b]: the runs shown (the current filter, in their order), "
                "with the columns of Results.to_dataframe()",
                id="export-title",
            )
            with RadioSet(id="export-format"):
                yield RadioButton("CSV", value=True, id="export-csv")
                yield RadioButton(
                    "Parquet" if self.has_parquet else "Parquet (needs pyarrow)",
                    id="export-parquet",
                    disabled=not self.has_parquet,
                )
            if not self.has_parquet:
                yield Static(PARQUET_HINT, id="export-parquet-reason")
            yield Checkbox("derived metrics (derived_* columns)", True, id="export-derived")
            yield Checkbox(
                "captured data (a captured_data column: each run's capture.data as JSON)",
                True,
                id="export-data",
            )
            if self.n_selected:
                plural = "s" if self.n_selected != 1 else ""
                yield Checkbox(
                    f"only the {self.n_selected} selected run{plural}", id="export-selected"
                )
            yield Input(self._default_path, id="export-path")
            with Horizontal(id="export-buttons"):
                yield Button("Cancel", id="export-cancel-button")
                yield Button("Export (enter)", id="export-button", variant="primary")

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        fmt = "parquet" if event.pressed.id == "export-parquet" else "csv"
        if fmt == self.fmt:
            return
        self.fmt = fmt
        path_input = self.query_one("#export-path", Input)
        if path_input.value == self._default_path:  # not edited: follow the format
            self._default_path = self.default_path(fmt)
            path_input.value = self._default_path
        else:
            path_input.value = str(Path(path_input.value).with_suffix(f".{fmt}"))

    def choice(self) -> ExportChoice | None:
        """What the dialog would export now (None when the path is empty)."""
        path = self.chosen_path()
        if path is None:
            return None
        derived = self.query_one("#export-derived", Checkbox).value
        only = bool(self.n_selected) and self.query_one("#export-selected", Checkbox).value
        data = self.query_one("#export-data", Checkbox).value
        return ExportChoice(self.fmt, path, derived, only, data)
