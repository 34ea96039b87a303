"""Small modal dialogs: confirm before cancelling a sweep or quitting, and the key help.

The help lists every key a screen binds, the ones the footer leaves out included,
grouped in sections (a browser tab, the dashboard's runs table) and written as a person
writes them (``/``, ``ctrl+k``, ``[``, ``F5``), in a list that scrolls with the keyboard,
so it is whole in any terminal down to 80×24.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rich.table import Table
from rich.text import Text
from textual import events
from textual.actions import parse as parse_action
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

__all__ = [
    "ConfirmScreen",
    "HelpLine",
    "HelpRow",
    "HelpScreen",
    "HelpSection",
    "binding_rows",
    "key_display",
]

_HELP_CHROME = 5
"""Lines of the help dialog around its list: the border (2), title (1) and foot (2)."""

_SPOKEN = {"enter": "enter", "backspace": "backspace", "escape": "esc", "tab": "tab"}
"""Keys Textual shows as symbols (``⏎``, ``⌫``) that help text spells out."""


def key_display(app: App[object], key: str) -> str:
    """One key as a person writes it: ``slash`` reads ``/``, ``ctrl+k`` stays
    ``ctrl+k`` (not ``^k``), ``left_square_bracket`` reads ``[``, ``f5`` reads ``F5``."""
    *modifiers, base = key.split("+") if key != "+" else ["+"]
    if base in _SPOKEN:
        shown = _SPOKEN[base]
    elif re.fullmatch(r"f\d{1,2}", base):
        shown = base.upper()
    else:
        shown = app.get_key_display(Binding(base, ""))
    return "+".join([*modifiers, shown])


@dataclass(frozen=True)
class HelpRow:
    """One line of help: the keys, what they do, and more about it (the tooltip)."""

    keys: str
    action: str
    detail: str = ""
    enabled: bool = True
    """False: the key does nothing just now (a curves key on a scalar chart)."""


@dataclass
class HelpSection:
    """A titled group of help rows; ``current`` marks the part of the screen in use."""

    title: str
    rows: list[HelpRow] = field(default_factory=list)
    current: bool = False


def _action_state(node: DOMNode | None, action: str) -> bool | None:
    """What ``node.check_action`` says of ``action`` (True without a node)."""
    if node is None:
        return True
    _namespace, name, parameters = parse_action(action)
    return node.check_action(name, parameters)


def binding_rows(
    app: App[object], bindings: Iterable[BindingType], node: DOMNode | None = None
) -> list[HelpRow]:
    """Help rows for ``bindings`` that have a description, the footer's hidden ones
    too: each binding's keys as a person writes them (``question_mark,f1`` reads
    ``?, F1``), what it does and its tooltip. With ``node``, a binding its
    ``check_action`` turns off (False) is left out and one it disables (None) is shown
    as such. A binding whose keys an earlier one already lists is left out."""
    rows: list[HelpRow] = []
    seen: set[str] = set()
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        state = _action_state(node, binding.action)
        if state is False:
            continue
        keys = ", ".join(key_display(app, k.strip()) for k in binding.key.split(","))
        if keys in seen:
            continue
        seen.add(keys)
        action, detail = binding.description, binding.tooltip
        if detail.lower().startswith(action.lower()):  # "Quit (asks first ...)"
            action, detail = detail, ""
        rows.append(HelpRow(keys, action, detail, enabled=bool(state)))
    return rows


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with True for yes."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; height: auto; padding: 1 2;
        border: thick $warning; background: $surface;
    }
    ConfirmScreen Label { width: 100%; }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            with Horizontal():
                yield Button(f"{self.no} (n)", id="no")
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class HelpLine(Static):
    """One key of the help, as a line (a widget of its own so a test, or a search,
    can find where a key is in the list)."""

    DEFAULT_CSS = """
    HelpLine { height: auto; }
    HelpLine.-disabled { color: $text-disabled; }
    """

    def __init__(self, row: HelpRow, key_width: int) -> None:
        super().__init__(classes="" if row.enabled else "-disabled")
        self.row = row
        self.key_width = key_width

    def render(self) -> Table:
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(width=self.key_width, no_wrap=True)
        grid.add_column(ratio=1)
        text = Text(self.row.action)
        if self.row.detail:
            text.append(" · ", style="dim")
            text.append(self.row.detail, style="dim")
        grid.add_row(Text(self.row.keys, style="bold"), text)
        return grid


class HelpScreen(ModalScreen[None]):
    """The keys of the screen below, with what each does, in sections that scroll."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    HelpScreen #help-title { height: 1; text-style: bold; color: $accent; }
    HelpScreen #help-body { height: auto; scrollbar-size-vertical: 1; }
    HelpScreen .help-heading { height: 1; margin-top: 1; text-style: bold; color: $text-muted; }
    HelpScreen .help-heading.-first { margin-top: 0; }
    HelpScreen .help-heading.-current { color: $text; background: $accent 30%; }
    HelpScreen #help-foot { height: 2; color: $text-muted; border-top: hkey $foreground 20%; }
    """

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help-close")]

    def __init__(
        self,
        title: str,
        sections: Sequence[HelpSection] | Sequence[HelpRow | tuple[str, str]],
    ) -> None:
        super().__init__()
        self.title_text = title
        self.sections = _as_sections(sections)

    @property
    def rows(self) -> list[HelpRow]:
        """Every row, in the order shown."""
        return [row for section in self.sections for row in section.rows]

    def compose(self) -> ComposeResult:
        width = min(max((len(row.keys) for row in self.rows), default=4), 16)
        with Vertical():
            yield Static(self.title_text, id="help-title")
            with VerticalScroll(id="help-body"):
                for n, section in enumerate(self.sections):
                    if section.title:
                        classes = "help-heading" + (" -first" if n == 0 else "")
                        classes += " -current" if section.current else ""
                        title = section.title + (" (this tab)" if section.current else "")
                        if not all(row.enabled for row in section.rows):
                            title += " · dimmed keys work in the other mode"
                        yield Static(title, classes=classes)
                    for row in section.rows:
                        yield HelpLine(row, width)
            yield Static(
                "↑ ↓ pgup pgdn home end: scroll · esc: close · ctrl+p: command palette",
                id="help-foot",
            )

    def on_mount(self) -> None:
        self.query_one("#help-body", VerticalScroll).focus()

    def on_resize(self, event: events.Resize) -> None:
        # the list takes what the title, the foot line and the border leave, and
        # scrolls; the dialog stays as short as its content when that is shorter
        body = self.query_one("#help-body", VerticalScroll)
        body.styles.max_height = max(3, event.size.height - _HELP_CHROME)


def _as_sections(
    sections: Sequence[HelpSection] | Sequence[HelpRow | tuple[str, str]],
) -> list[HelpSection]:
    """Sections as given, or plain rows as one untitled section."""
    if all(isinstance(s, HelpSection) for s in sections):
        return list(sections)  # type: ignore[arg-type]
    rows = [r if isinstance(r, HelpRow) else HelpRow(*r) for r in sections]  # type: ignore[misc]
    return [HelpSection("", rows)]
