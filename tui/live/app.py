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
from tui.live.dashboard import DashboardScreen
from tui.live.picker import ExperimentPicker
from tui.live.session import SweepSession
from tui.options import EXIT_OK, RunOptions
from tui.palette import ScreenActions
from tui.widgets.dialogs import ConfirmScreen
from tui.widgets.image_support import load_image_support
from tui.widgets.screen_size import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS

__all__ = ["MetalabApp", "run_app"]


class MetalabApp(App[int]):
    """Runs a sweep from an experiment file and shows it live."""

    TITLE = "metalab-tui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS = [Binding("ctrl+c", "quit_app", "Quit", show=False, priority=True, id="app-quit")]
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS

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
        self.session = self.make_session(spec)
        self.push_screen(DashboardScreen(self.session))

    def make_session(self, spec: ExperimentSpec) -> SweepSession:
        """The session that runs ``spec`` (tests override it, e.g. to fix the clock)."""
        return SweepSession(spec, self.options)

    def action_quit_app(self) -> None:
        dashboards = [s for s in self.screen_stack if isinstance(s, DashboardScreen)]
        if not dashboards:
            self.exit(EXIT_OK)
            return
        if isinstance(self.screen, ConfirmScreen):
            return  # already asking whether to cancel the sweep
        # ctrl+c over the help screen (or any dialog) still goes through the dashboard,
        # so a running sweep is never left behind by a quick exit
        while self.screen is not dashboards[-1]:
            self.pop_screen()
        dashboards[-1].action_quit_sweep()

    def open_browser(self, root: Path) -> None:
        """Push the results browser on ``root`` (the dashboard's ``b`` key)."""
        load_image_support(self)  # before the browser's image viewer imports it
        from tui.browser import BrowserScreen

        self.push_screen(BrowserScreen(root))


def run_app(specs: Sequence[ExperimentSpec], options: RunOptions) -> int:
    app = MetalabApp(specs, options)
    code = app.run()
    return code if isinstance(code, int) else EXIT_OK
