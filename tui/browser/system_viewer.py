"""Opening an artifact file with the system's viewer (``o`` on an artifact).

Why a module of its own: which command opens a file, and whether there is any point
trying, depends on the platform, and the answer must reach the user as one sentence.
On macOS it is ``open``; on Windows ``os.startfile``; elsewhere ``xdg-open``, and only
when there is a display to show a window on (``DISPLAY`` or ``WAYLAND_DISPLAY``): over
SSH without X forwarding, xdg-open would start a text browser inside the TUI's
terminal or fail silently. When nothing can open the file, the message says why and
gives the file's path, so the user can copy it to where it can be opened.

The viewer is started as its own process (no shell, its own session, output
discarded) and left running; a thread waits for it so it leaves no zombie behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["OpenResult", "open_in_viewer", "viewer_command"]


@dataclass(frozen=True)
class OpenResult:
    """Whether the file was handed to a viewer, and what to tell the user."""

    opened: bool
    message: str

    @property
    def severity(self) -> Literal["information", "warning"]:
        """How to notify it: a plain note when it opened, a warning when it did not."""
        return "information" if self.opened else "warning"

    @property
    def timeout(self) -> float:
        """Seconds to show it: longer when it carries a path to copy."""
        return 4.0 if self.opened else 10.0


def viewer_command(path: Path) -> tuple[list[str] | None, str]:
    """The command that opens ``path`` here, or None and why there is none."""
    if sys.platform == "darwin":
        opener = shutil.which("open")
        if opener is None:
            return None, "no `open` command was found"
        return [opener, str(path)], ""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return None, "there is no display here (DISPLAY is not set, as over SSH)"
    opener = shutil.which("xdg-open")
    if opener is None:
        return None, "no system viewer (xdg-open) is installed"
    return [opener, str(path)], ""


def open_in_viewer(path: Path) -> OpenResult:
    """Hand ``path`` to the system viewer, without waiting for it."""
    if not path.exists():
        return OpenResult(False, f"the file is missing: {path}")
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        try:
            os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606
        except OSError as error:
            return OpenResult(False, f"could not open it ({error}); the file is at {path}")
        return OpenResult(True, f"opened {path.name} in the system viewer")
    command, why = viewer_command(path)
    if command is None:
        return OpenResult(False, f"cannot open it here: {why}. The file is at {path}")
    try:
        process = subprocess.Popen(  # noqa: S603 - a fixed program, the path as one argument
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as error:
        return OpenResult(False, f"could not start {command[0]} ({error}); the file is at {path}")
    threading.Thread(target=process.wait, name="viewer-reaper", daemon=True).start()
    return OpenResult(True, f"opened {path.name} with {Path(command[0]).name}")
