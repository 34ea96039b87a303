"""The command palette's entries: the actions of whatever screen is showing.

One provider serves every screen: it lists the screen's bindings (and those of the
focused widget) by their descriptions, prefixed with the screen's area, so the palette
offers exactly what the keys offer there and never a command that makes no sense.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.actions import parse as parse_action
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.widgets.dialogs import key_display

__all__ = ["ScreenActions"]


class ScreenActions(Provider):
    """Commands for the key actions available on the current screen."""

    def _actions(self) -> Iterator[tuple[str, str, str]]:
        screen = self.screen
        area = getattr(screen, "PALETTE_AREA", type(screen).__name__.removesuffix("Screen").lower())
        seen: set[str] = set()
        nodes = [screen]
        focused = screen.focused
        while focused is not None and focused is not screen:
            nodes.append(focused)
            focused = focused.parent  # type: ignore[assignment]
        for node in nodes:
            for binding in getattr(node, "BINDINGS", []):
                if not isinstance(binding, Binding) or not binding.description:
                    continue
                if binding.action in seen:
                    continue
                _namespace, name, parameters = parse_action(binding.action)
                if node.check_action(name, parameters) is False:
                    continue  # not here (the browser's "back to the dashboard", alone)
                seen.add(binding.action)
                key = key_display(self.app, binding.key.split(",")[0])
                yield f"{area}: {binding.description}", binding.action, f"key: {key}"

    def _run(self, action: str) -> None:
        self.app.call_later(self.app.run_action, action, self.screen)

    async def discover(self) -> Hits:
        for title, action, help_text in self._actions():
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self._actions():
            score = matcher.match(title)
            if score > 0:
                run = partial(self._run, action)
                yield Hit(score, matcher.highlight(title), run, help=help_text)
