"""A one-line SLURM array status badge for an experiment, kept fresh in the background.

Why: an experiment submitted as SLURM arrays (the reference metalab's SlurmExecutor,
``submission_mode == "array_indexed"``) has most of its tasks queued or running long
before their run records exist; this badge shows what the scheduler says, with the
buckets and % done of the atlas dashboard's SLURM badge::

    SLURM  12/18 done 67%  ● 3 running  ◌ 2 pending  ✓ 11 completed  ✗ 1 failed

It hides itself for an experiment that is not a SLURM array. ``squeue`` and ``sacct`` can
take seconds (up to their 30 s / 60 s timeouts) on a busy cluster, so they run in a
thread worker every :data:`REFRESH_SECONDS`, never more often: a tick that finds the
previous query still running is skipped. The data side is :mod:`metalab.index.slurm_status`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import work
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from metalab.index.slurm_status import (
    SlurmArraySpec,
    SlurmStatus,
    query_slurm_status,
    read_array_spec,
)

__all__ = ["REFRESH_SECONDS", "SlurmBadge", "badge_content", "badge_tooltip"]

REFRESH_SECONDS = 10.0
WORKER_GROUP = "slurm-badge"

_SHOWN = (
    # bucket, symbol, label, style
    ("running", "●", "running", "$primary"),
    ("pending", "◌", "pending", "$warning"),
    ("completed", "✓", "completed", "$success"),
    ("failed", "✗", "failed", "$error"),
    ("cancelled", "⊘", "cancelled", "$error"),
    ("timeout", "◷", "timeout", "$error"),
    ("out_of_memory", "✗", "out of memory", "$error"),
    ("other", "?", "other", "$text-muted"),
)


# -- what it says ------------------------------------------------------------------------------


def badge_content(status: SlurmStatus) -> Content:
    """The badge line: done/total and %, then every non-zero bucket, then warnings."""
    parts: list[tuple[str, str] | str] = [("SLURM", "bold")]
    if not status.available:
        parts += ["  ", (f"squeue unavailable: {status.reason}", "$warning")]
        return Content.assemble(*parts)
    parts.append(f"  {status.done}/{status.total} done {status.done_percent}%")
    for bucket, symbol, label, style in _SHOWN:
        count = getattr(status, bucket)
        if count:
            parts += ["  ", (f"{symbol} {count} {label}", style)]
    if status.sacct_stale:
        parts += ["  ", ("⚠ counts may be stale", "$warning")]
    elif status.squeue_stale:
        parts += ["  ", ("⚠ squeue failed", "$warning")]
    return Content.assemble(*parts)


def badge_tooltip(status: SlurmStatus) -> str:
    """Every bucket (zeros too), the job ids, when each command last answered, errors."""
    if not status.available:
        return f"SLURM array status\nsqueue unavailable: {status.reason}"
    lines = ["SLURM array status", f"total: {status.total}"]
    lines += [f"{name.replace('_', ' ')}: {n}" for name, n in status.buckets.items()]
    lines.append(f"done: {status.done} ({status.done_percent}%)")
    if not status.job_ids:
        lines.append("no SLURM job ids recorded yet: every task counts as pending")
        return "\n".join(lines)
    lines.append(f"job ids: {', '.join(status.job_ids)}")
    for name, at in (("squeue", status.squeue_at), ("sacct", status.sacct_at)):
        when = f"last answered {at:%Y-%m-%d %H:%M:%S}" if at else "has not answered"
        lines.append(f"{name} {when}")
    if status.sacct_stale:
        lines.append("⚠ finished counts may be stale (sacct failed)")
    lines += status.errors
    return "\n".join(lines)


# -- the widget -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Polled:
    """One worker's answer, tagged with the experiment it was asked for."""

    generation: int
    spec: SlurmArraySpec | None
    status: SlurmStatus | None


class SlurmBadge(Static):
    """SLURM array status of one experiment folder (hidden when it is not an array).

    ``SlurmBadge(path)`` queries on mount and then every ``interval`` seconds;
    :meth:`set_experiment` switches folders (or, with None, hides the badge);
    :meth:`poll_now` asks again at once.
    """

    DEFAULT_CSS = """
    SlurmBadge { height: 1; width: auto; max-width: 100%; text-wrap: nowrap;
                 text-overflow: ellipsis; }
    """

    def __init__(
        self,
        experiment: str | os.PathLike[str] | None = None,
        *,
        interval: float = REFRESH_SECONDS,
        **kwargs: Any,
    ) -> None:
        super().__init__("", **kwargs)
        self.experiment: Path | None = Path(experiment) if experiment is not None else None
        self.interval = interval
        self.status: SlurmStatus | None = None
        """The last status shown (None: nothing yet, or not a SLURM array)."""
        self._generation = 0
        self._worker: Worker[_Polled] | None = None
        self._timer: Timer | None = None
        self.display = False  # until the first answer says it is an array

    def on_mount(self) -> None:
        self._timer = self.set_interval(self.interval, self._tick)
        self.poll_now()

    def set_experiment(self, path: str | os.PathLike[str] | None) -> None:
        """Show ``path``'s status instead (None: hide); an answer still on its way for
        the previous folder is dropped."""
        self.experiment = Path(path) if path is not None else None
        self._generation += 1
        self.status = None
        self.display = False
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        if self.is_mounted:
            self.poll_now()

    def poll_now(self) -> None:
        """Query now, unless a query is already running (its answer will do)."""
        if self.experiment is None or self._busy:
            return
        self._worker = self._poll(self.experiment, self._generation, self.status)

    @property
    def _busy(self) -> bool:
        return self._worker is not None and not self._worker.is_finished

    def _tick(self) -> None:
        self.poll_now()

    @work(thread=True, exclusive=True, group=WORKER_GROUP, exit_on_error=False)
    def _poll(self, path: Path, generation: int, previous: SlurmStatus | None) -> _Polled:
        spec = read_array_spec(path)
        if spec is None:
            return _Polled(generation, None, None)
        return _Polled(generation, spec, query_slurm_status(spec, previous=previous))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP:
            return
        event.stop()
        if event.worker is not self._worker:
            return  # a cancelled query for a folder no longer shown
        if event.state == WorkerState.SUCCESS:
            result = event.worker.result
            if result is not None and result.generation == self._generation:
                self._show(result.status)
        elif event.state == WorkerState.ERROR:
            self._show_error(event.worker.error)

    def _show(self, status: SlurmStatus | None) -> None:
        self.status = status
        if status is None:
            self.display = False
            return
        self.update(badge_content(status))
        self.tooltip = badge_tooltip(status)
        self.display = True

    def _show_error(self, error: BaseException | None) -> None:
        if self.status is None:
            return  # never known to be a SLURM array: stay hidden
        text = f"SLURM status failed: {error}"
        self.update(Content.assemble(("SLURM", "bold"), "  ", (text, "$error")))
        self.tooltip = text
