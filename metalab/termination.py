"""SIGTERM while a script waits for its sweep: cancel cleanly, then end as SIGTERM would.

A batch system ends a job at its walltime with SIGTERM (SLURM, then SIGKILL some
seconds later), and so does ``kill``. By default that ends the Python process on the
spot: the runs in flight stay recorded as running and the experiment's lock is left
for the next launch to take over. While :meth:`SweepHandle.result` or ``wait`` blocks
in the main thread, SIGTERM instead cancels the sweep the way Ctrl-C does (runs in
flight are recorded cancelled, finished runs are kept, the lock is given back), and
the process then ends by SIGTERM after all, so the exit status a batch system or a
shell sees is the one it would have seen.

A handler of the caller's own is left alone: this only takes SIGTERM's default action.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["Terminated", "sigterm_cancels"]


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived while a sweep was waited for (a KeyboardInterrupt, so the wait
    cancels the sweep as it does on Ctrl-C)."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


@contextlib.contextmanager
def sigterm_cancels() -> Iterator[None]:
    """For the body (a wait that cancels the sweep on KeyboardInterrupt): SIGTERM
    raises :class:`Terminated`; once the body lets it out, the process is ended by
    SIGTERM. Does nothing outside the main thread or when SIGTERM has a handler."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    except Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise  # where the signal does not end the process at once
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
