"""The Textual app behind ``metalab-tui``: thin on purpose.

It holds the launch options, picks the first screen (the experiment picker when the
file has several experiments, else the dashboard), and exits with the sweep's exit
code. Screens and widgets live in their own modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from metalab.config import ExperimentSpec
from tui.cli import EXIT_OK, RunOptions
from tui.screens.dashboard import DashboardScreen
from tui.screens.picker import ExperimentPicker
from tui.session import SweepSession

__all__ = ["MetalabApp", "run_app", "run_browser"]


class MetalabApp(App[int]):
    """Runs a sweep from an experiment file and shows it live."""

    TITLE = "metalab-tui"
    CSS_PATH = "styles/app.tcss"
    BINDINGS = [Binding("ctrl+c", "quit_app", "Quit", show=False, priority=True, id="app-quit")]

    def __init__(self, specs: Sequence[ExperimentSpec], options: RunOptions | None = None) -> None:
        super().__init__()
        self.specs = list(specs)
        self.options = options or RunOptions()
        self.session: SweepSession | None = None

    def on_mount(self) -> None:
        if len(self.specs) == 1:
            self.start(self.specs[0])
        else:
            self.push_screen(ExperimentPicker(self.specs), self.start)

    def start(self, spec: ExperimentSpec | None) -> None:
        if spec is None:
            self.exit(EXIT_OK)
            return
        self.session = SweepSession(spec, self.options)
        self.push_screen(DashboardScreen(self.session))

    def action_quit_app(self) -> None:
        screen = self.screen
        if isinstance(screen, DashboardScreen):
            screen.action_quit_sweep()
        else:
            self.exit(EXIT_OK)

    def open_browser(self, root: Path) -> None:
        try:
            from tui.browse.app import BrowserScreen  # type: ignore[import-not-found]
        except ImportError:
            self.notify("the results browser is not built yet", severity="warning")
            return
        self.push_screen(BrowserScreen(root))


def run_app(specs: Sequence[ExperimentSpec], options: RunOptions) -> int:
    app = MetalabApp(specs, options)
    code = app.run()
    return code if isinstance(code, int) else EXIT_OK


def run_browser(root: Path) -> int:
    try:
        from tui.browse.app import BrowserApp  # type: ignore[import-not-found]
    except ImportError:
        print("metalab-tui: error: the results browser is not available yet")
        return 2
    code = BrowserApp(root).run()
    return code if isinstance(code, int) else EXIT_OK
