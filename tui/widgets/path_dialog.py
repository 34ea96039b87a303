"""A modal dialog that ends by asking for a file to write: the export dialogs' base.

The runs tab's export and the plots tab's export ask different things (format,
columns; figure format) but end the same way: a path input, focused, that enter
submits; Export and Cancel buttons; escape cancels and ctrl+s exports; a relative
path is taken from the dialog's working folder, and an empty path or a folder is
refused with a word rather than dismissing. That part is here, once.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.screen import ModalScreen
from textual.widgets import Button, Input

__all__ = ["PathDialog"]

ChoiceT = TypeVar("ChoiceT")


class PathDialog(ModalScreen[ChoiceT | None], Generic[ChoiceT]):
    """Dismisses with :meth:`choice` when the user exports, None when they cancel.

    A subclass composes an :class:`Input` with id :attr:`PATH_ID` and an export
    :class:`Button` with id :attr:`EXPORT_ID` (any other button cancels), binds
    ``action_export`` and ``action_cancel``, and says what :meth:`choice` is.
    """

    PATH_ID: ClassVar[str] = "export-path"
    EXPORT_ID: ClassVar[str] = "export-button"

    def __init__(self, cwd: Path | None = None) -> None:
        super().__init__()
        self.cwd = cwd or Path.cwd()

    def choice(self) -> ChoiceT | None:
        """What the dialog would export now; None when the path is empty."""
        raise NotImplementedError

    def chosen_path(self) -> Path | None:
        """The path typed, with ``~`` expanded and a relative one under :attr:`cwd`."""
        text = self.query_one(f"#{self.PATH_ID}", Input).value.strip()
        if not text:
            return None
        path = Path(text).expanduser()
        return path if path.is_absolute() else self.cwd / path

    def on_mount(self) -> None:
        self.query_one(f"#{self.PATH_ID}", Input).focus()

    @on(Input.Submitted)
    def _path_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == self.PATH_ID:
            event.stop()
            self.action_export()

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == self.EXPORT_ID:
            self.action_export()
        else:
            self.action_cancel()

    def action_export(self) -> None:
        choice = self.choice()
        path = getattr(choice, "path", None)
        if choice is None or path is None:
            self.notify("give a path to write to", severity="warning")
            return
        if path.is_dir():
            self.notify(f"{path} is a folder; give a file name", severity="warning")
            return
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
