"""The ``runtime`` argument: a run's logger, scratch folder and cancellation state.

The scratch folder is made only when an operation asks for it and is removed when
the run ends (the reference left one behind per run in the system temp folder).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from metalab.errors import CancelledError

__all__ = ["CancellationToken", "Runtime"]


class CancellationToken:
    """Set once when the sweep is cancelled; operations may poll it."""

    def __init__(self, event: threading.Event | None = None) -> None:
        self._event = event or threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def is_cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)


class Runtime:
    """What an operation may know about the machinery running it."""

    def __init__(
        self,
        run_id: str,
        cancel_token: CancellationToken,
        metadata: dict[str, Any] | None = None,
        worker: str = "",
    ) -> None:
        self.run_id = run_id
        self.cancel_token = cancel_token
        self.metadata = dict(metadata or {})
        self.worker = worker
        self.logger = logging.getLogger(f"metalab.run.{run_id[:8]}")
        self._scratch: Path | None = None

    @property
    def scratch_dir(self) -> Path:
        """A private temporary folder, removed when the run ends."""
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix=f"metalab_{self.run_id[:8]}_"))
        return self._scratch

    def check_cancelled(self) -> None:
        """Raise :class:`~metalab.errors.CancelledError` if the sweep was cancelled."""
        if self.cancel_token.is_cancelled:
            raise CancelledError(f"run {self.run_id} cancelled")

    def cleanup(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
