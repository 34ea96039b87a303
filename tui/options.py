"""What the command line decides about a sweep, and the exit codes every front end returns.

A module of its own, importing neither the front ends nor the command line, because all
three sides need it: :mod:`tui.cli` builds :class:`RunOptions` from the arguments, and the
live dashboard (:mod:`tui.live`) and the headless runner (:mod:`tui.headless`) run with
them and return one of the exit codes below.

Exit codes: 0 every run succeeded; 1 some run failed (or was cancelled by
``--fail-fast``); 2 bad input (the message says which file, line and key, and how to
fix it), a store that cannot be written, or an experiment another live sweep is
writing; 130 interrupted, by Ctrl-C or by SIGTERM alike (runs in flight are recorded
cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "RunOptions"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass(frozen=True)
class RunOptions:
    """What the command line says about how to run the sweeps."""

    workers: int | None = None
    store: Path | None = None
    resume: bool = True
    fail_fast: bool = False
    json: bool = False
    junit: Path | None = None
