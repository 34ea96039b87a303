"""Filter pills and the filter box that feeds them, shared by the runs and experiments tabs.

Both tabs work the same way, as atlas's pages do: what is typed in the filter box
narrows the list as it is typed, enter turns it into pills (one per condition), a click
on a pill removes it, "clear all" removes every one, and backspace in an empty box
removes the last. Keeping that in one place keeps the two tabs alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Static

__all__ = ["FilterInput", "PillBar", "filter_bar"]


def filter_bar(name: str, *, bar: str, side: str, placeholder: str) -> ComposeResult:
    """The filter box with a line of text beside it (``#side``, in the row ``#bar``),
    then its error line and its pills: the top of the ``name`` tab's list, whose
    widgets are ``#name-filter``, ``#name-filter-error``, ``#name-pills``, and the list
    itself ``#name-table``, where escape in the box goes back to."""
    with Horizontal(id=bar):
        yield FilterInput(
            placeholder=placeholder, id=f"{name}-filter", compact=True, back_to=f"#{name}-table"
        )
        yield Static("", id=side)
    yield Static("", id=f"{name}-filter-error")
    yield PillBar(id=f"{name}-pills", clear_hint="F")


class FilterInput(Input):
    """A filter box: backspace on an empty box asks to remove the last pill, escape
    hands the keys back to ``back_to`` (a selector of the list it filters)."""

    BINDINGS = [Binding("escape", "done", "Back to the list", show=False, id="filter-done")]

    def __init__(self, *, back_to: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.back_to = back_to

    @dataclass
    class PopCondition(Message):
        """Backspace in an empty filter box: remove the last condition."""

        input: FilterInput

        @property
        def control(self) -> FilterInput:
            return self.input

    def action_delete_left(self) -> None:
        if not self.value:
            self.post_message(self.PopCondition(self))
            return
        super().action_delete_left()

    def action_done(self) -> None:
        self.screen.query_one(self.back_to, Widget).focus()


class PillBar(Horizontal):
    """A row of removable pills (hidden while empty), plus "clear all" when there are
    several; it posts :class:`PillBar.Removed` or :class:`PillBar.Cleared`."""

    DEFAULT_CSS = """
    PillBar { height: 1; display: none; padding: 0 1; }
    PillBar.-shown { display: block; }
    PillBar Button.pill {
        min-width: 0; width: auto; height: 1; margin-right: 1; padding: 0 1;
        background: $accent 25%; color: $text; border: none;
    }
    PillBar Button.pill:hover { background: $accent 50%; }
    PillBar Button.pill:focus { background: $accent; text-style: bold; }
    PillBar Button.pill.-clear { background: $error 25%; }
    """
    # (``.pill`` in every rule: Button's own ``.-style-default`` rule, with its tall
    # borders, would otherwise win and leave no room for the label)

    @dataclass
    class Removed(Message):
        """The pill at ``index`` was clicked."""

        bar: PillBar
        index: int

        @property
        def control(self) -> PillBar:
            return self.bar

    @dataclass
    class Cleared(Message):
        """ "clear all" was clicked."""

        bar: PillBar

        @property
        def control(self) -> PillBar:
            return self.bar

    def __init__(self, *, clear_hint: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.clear_hint = clear_hint
        self._shown: tuple[tuple[str, str], ...] | None = None
        self._generation = 0

    @property
    def labels(self) -> list[str]:
        """The pills' labels as shown (``clear all`` included)."""
        return [str(b.label) for b in self.query(Button).results(Button)]

    def set_pills(self, pills: Sequence[tuple[str, str]]) -> None:
        """Show one pill per ``(label, tooltip)`` (rebuilt only when they changed)."""
        shown = tuple(pills)
        if shown == self._shown:
            return
        self._shown = shown
        self._generation += 1  # new ids: the old buttons are removed asynchronously
        prefix = f"{self.id or 'pills'}-{self._generation}"
        self.remove_children()
        buttons = [
            Button(
                f"{label} ✕",
                id=f"{prefix}-{n}",
                name=str(n),
                classes="pill",
                tooltip=f"{tip} (click to remove)",
            )  # fmt: skip
            for n, (label, tip) in enumerate(shown)
        ]
        if len(shown) > 1:
            hint = f" ({self.clear_hint})" if self.clear_hint else ""
            buttons.append(
                Button(
                    "clear all ✕",
                    id=f"{prefix}-clear",
                    name="clear",
                    classes="pill -clear",
                    tooltip=f"remove every condition{hint}",
                )  # fmt: skip
            )
        if buttons:
            self.mount(*buttons)
        self.set_class(bool(buttons), "-shown")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        name = event.button.name or ""
        if name == "clear":
            self.post_message(self.Cleared(self))
        elif name.isdigit():
            self.post_message(self.Removed(self, int(name)))
