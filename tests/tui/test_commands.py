"""The command palette offers the current screen's actions, and running one works."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widgets import Label

from tui.palette import ScreenActions


class _Screen(Screen[None]):
    PALETTE_AREA = "demo"
    BINDINGS = [
        Binding("l", "toggle", "Log y axis", id="demo-log"),
        Binding("z", "hidden", "", id="demo-hidden"),
        Binding("question_mark", "help", "Help", id="demo-help"),
        Binding("b", "back", "Back", id="demo-back"),
    ]
    toggled = 0

    def compose(self) -> ComposeResult:
        yield Label("demo")

    def action_toggle(self) -> None:
        self.toggled += 1

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "back"


class _App(App[None]):
    COMMANDS = {ScreenActions}

    def on_mount(self) -> None:
        self.push_screen(_Screen())


async def test_palette_lists_and_runs_the_screens_actions() -> None:
    app = _App()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, _Screen)
        provider = ScreenActions(screen)
        actions = list(provider._actions())
        # bindings without a description are left out, and so are those check_action
        # turns off; keys read as a person writes them
        assert actions == [
            ("demo: Log y axis", "toggle", "key: l"),
            ("demo: Help", "help", "key: ?"),
        ]
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"log y")
        await pilot.pause(0.5)
        await pilot.press("enter")
        for _ in range(40):
            await pilot.pause(0.05)
            if screen.toggled:
                break
        assert screen.toggled == 1
