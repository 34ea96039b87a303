"""Choosing which experiment to run when the file defines several."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList
from textual.widgets.option_list import Option

from metalab.config import ExperimentSpec

__all__ = ["ExperimentPicker"]


class ExperimentPicker(Screen[ExperimentSpec]):
    """A list of the file's experiments; Enter runs the highlighted one."""

    BINDINGS = [Binding("q,escape", "app.quit", "Quit", id="picker-quit")]

    def __init__(self, specs: Sequence[ExperimentSpec]) -> None:
        super().__init__()
        self.specs = list(specs)

    def compose(self) -> ComposeResult:
        yield Header()
        options = []
        for i, spec in enumerate(self.specs):
            desc = spec.experiment.description or ""
            n = len(spec.experiment.params) * len(spec.experiment.seeds)
            options.append(Option(f"{spec.name} {spec.version}  ({n} runs)  {desc}", id=str(i)))
        yield OptionList(*options, id="experiments")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "metalab-tui"
        self.sub_title = "pick an experiment to run"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.specs[int(event.option.id or 0)])
