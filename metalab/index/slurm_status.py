"""SLURM array status of an experiment, from ``squeue`` and ``sacct`` on this host.

Why this exists: the reference metalab's SlurmExecutor submits an experiment as SLURM
arrays and records the job ids in the experiment manifest; until a task writes its run
record, the results tree alone cannot tell a queued task from a lost one. The reference
web dashboard (metalab-atlas) therefore asks the scheduler, and the browser shows the
same buckets: running, pending, completed, failed, cancelled, timeout, out_of_memory
and other (total minus everything counted).

How it is shaped:

* :func:`read_array_spec` reads the experiment's latest manifest (ranked as
  :func:`metalab.index.experiment_files.latest_manifest` ranks them) and returns a
  :class:`SlurmArraySpec` only for ``metadata.submission_mode == "array_indexed"``.
* :func:`parse_squeue` and :func:`parse_sacct` are pure: text in, ``{task id: state}``
  out, so they are tested on real-looking output without a cluster. Job steps
  (``123_4.batch``) are skipped, a trailing ``+`` and a ``by <uid>`` tail are dropped from
  states, and squeue's pending ranges (``123_[5-100%10]``) are expanded into their tasks
  (atlas counts such a line as one task; a throttled array then looks almost empty).
* :func:`count_buckets` combines them: live states come from squeue, terminal states from
  sacct, and a task squeue still lists as live wins over a sacct line for the same id.
* sacct is asked for ``JobID`` (``123_4``, as squeue names array tasks) rather than
  atlas's ``JobIDRaw`` (each task's own number), so a task both commands list is
  recognised as one and counted once.
* :func:`query_slurm_status` runs both commands (argument lists, no shell, with
  timeouts) and never raises: a host without ``squeue`` gives ``available=False`` with a
  reason; a failed ``sacct`` keeps the previous answer's terminal counts (when given one)
  and sets ``sacct_stale``.

State to bucket (SLURM's names; anything else lands in ``other``):

* running: RUNNING, COMPLETING, STAGE_OUT, SIGNALING, RESIZING (squeue)
* pending: PENDING, CONFIGURING, REQUEUED, REQUEUE_FED, REQUEUE_HOLD, RESV_DEL_HOLD,
  SPECIAL_EXIT (squeue): queued, or about to be queued again, and not yet running
* SUSPENDED, STOPPED (squeue): still live, so they hide sacct lines, but neither running
  nor waiting: ``other``
* completed: COMPLETED; failed: FAILED, NODE_FAIL, BOOT_FAIL, DEADLINE, PREEMPTED;
  cancelled: CANCELLED (also ``CANCELLED by 123``); timeout: TIMEOUT; out_of_memory:
  OUT_OF_MEMORY (sacct). sacct's live states are ignored (squeue answers for those), and
  so are squeue's terminal ones (sacct answers for those), as atlas does.

No textual here: the badge in :mod:`tui.browser.experiments.slurm_badge` calls this from a worker.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from metalab.index.experiment_files import latest_manifest

__all__ = [
    "BUCKETS",
    "SACCT_TIMEOUT",
    "SQUEUE_TIMEOUT",
    "SlurmArraySpec",
    "SlurmStatus",
    "count_buckets",
    "expand_task_ids",
    "latest_manifest",
    "normalize_state",
    "parse_sacct",
    "parse_squeue",
    "query_slurm_status",
    "read_array_spec",
    "spec_from_manifest",
]

SQUEUE_TIMEOUT = 30.0
SACCT_TIMEOUT = 60.0
ARRAY_MODE = "array_indexed"

BUCKETS = (
    "running", "pending", "completed", "failed", "cancelled", "timeout", "out_of_memory",
    "other",
)  # fmt: skip
"""Every bucket, in display order."""
DONE_BUCKETS = ("completed", "failed", "cancelled", "timeout", "out_of_memory")
"""The buckets that count as done for the % done."""

LIVE_BUCKET: Mapping[str, str | None] = MappingProxyType({
    "RUNNING": "running", "COMPLETING": "running", "STAGE_OUT": "running",
    "SIGNALING": "running", "RESIZING": "running",
    "PENDING": "pending", "CONFIGURING": "pending", "REQUEUED": "pending",
    "REQUEUE_FED": "pending", "REQUEUE_HOLD": "pending", "RESV_DEL_HOLD": "pending",
    "SPECIAL_EXIT": "pending",
    "SUSPENDED": None, "STOPPED": None,
})  # fmt: skip
"""squeue states of a task that is still live, and their bucket (None: ``other``)."""
TERMINAL_BUCKET: Mapping[str, str] = MappingProxyType({
    "COMPLETED": "completed",
    "FAILED": "failed", "NODE_FAIL": "failed", "BOOT_FAIL": "failed", "DEADLINE": "failed",
    "PREEMPTED": "failed",
    "CANCELLED": "cancelled",
    "TIMEOUT": "timeout",
    "OUT_OF_MEMORY": "out_of_memory",
})  # fmt: skip
"""sacct's final states and their bucket."""

Runner = Callable[..., Any]
"""``subprocess.run`` or a stand-in: takes the argument list and keyword arguments,
returns something with ``returncode``, ``stdout`` and ``stderr``."""


# -- the manifest -------------------------------------------------------------------------


@dataclass(frozen=True)
class SlurmArraySpec:
    """What the latest manifest says about an ``array_indexed`` submission."""

    job_ids: tuple[str, ...]
    total: int
    manifest: Path | None = None
    submitted_at: str | None = None


def spec_from_manifest(
    manifest: Mapping[str, Any], path: Path | None = None
) -> SlurmArraySpec | None:
    """The array spec of a manifest dict, or None when it is not ``array_indexed``."""
    metadata = manifest.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("submission_mode") != ARRAY_MODE:
        return None
    raw_ids = metadata.get("job_ids")
    if isinstance(raw_ids, str | int):
        raw_ids = [raw_ids]
    ids = _clean_ids(raw_ids if isinstance(raw_ids, list | tuple) else [])
    total = manifest.get("total_runs")
    valid_total = isinstance(total, int) and not isinstance(total, bool) and total >= 0
    submitted = manifest.get("submitted_at")
    return SlurmArraySpec(
        job_ids=ids,
        total=total if valid_total else 0,
        manifest=path,
        submitted_at=str(submitted) if submitted else None,
    )


def read_array_spec(experiment_dir: str | Path) -> SlurmArraySpec | None:
    """The array spec of the experiment's latest manifest (None: not a SLURM array)."""
    found = latest_manifest(experiment_dir)
    if found is None:
        return None
    path, manifest = found
    return spec_from_manifest(manifest, path)


def _clean_ids(values: Iterable[Any]) -> tuple[str, ...]:
    """Job ids as text, blanks and repeats dropped, order kept."""
    out: dict[str, None] = {}
    for value in values:
        if isinstance(value, bool) or not isinstance(value, str | int):
            continue
        text = str(value).strip()
        if text:
            out[text] = None
    return tuple(out)


# -- parsing ------------------------------------------------------------------------------

_RANGE = re.compile(r"^(?P<base>[^_\[\]]+)_\[(?P<spec>[^\]]*)\]$")
_PART = re.compile(r"^(?P<lo>\d+)(?:-(?P<hi>\d+)(?::(?P<step>\d+))?)?$")


def normalize_state(state: str) -> str:
    """``cancelled+`` → ``CANCELLED``, ``CANCELLED by 0`` → ``CANCELLED``."""
    words = state.strip().split()
    return words[0].upper().rstrip("+") if words else ""


def _is_step(job_id: str) -> bool:
    """``123_4.batch``, ``123.extern``, ``123_4.0``: a job step, not a task."""
    return "." in job_id


def expand_task_ids(job_id: str) -> list[str]:
    """The task ids a squeue/sacct id stands for: ``123_[5-7,9%2]`` → 123_5 … 123_9.

    A plain id (``123``, ``123_4``) stands for itself, and so does a range that does not
    parse (counted as one task rather than guessed at).
    """
    match = _RANGE.match(job_id)
    if match is None:
        return [job_id]
    base, spec = match["base"], match["spec"].split("%", 1)[0]
    indices: dict[int, None] = {}
    for part in spec.split(","):
        bounds = _PART.match(part.strip())
        if bounds is None:
            return [job_id]
        lo = int(bounds["lo"])
        hi = int(bounds["hi"]) if bounds["hi"] else lo
        step = int(bounds["step"]) if bounds["step"] else 1
        if step < 1 or hi < lo:
            return [job_id]
        indices.update(dict.fromkeys(range(lo, hi + 1, step)))
    return [f"{base}_{i}" for i in indices]


def _parse_lines(text: str, split: Callable[[str], list[str]]) -> dict[str, str]:
    states: dict[str, str] = {}
    for line in text.splitlines():
        fields = split(line)
        if len(fields) < 2 or not fields[0] or _is_step(fields[0]):
            continue
        state = normalize_state(fields[1])
        if not state:
            continue
        for task in expand_task_ids(fields[0]):
            states[task] = state  # a repeated task: its last line wins
    return states


def parse_squeue(text: str) -> dict[str, str]:
    """``{task id: state}`` from ``squeue -h -o '%i %T'`` output (ranges expanded)."""
    return _parse_lines(text, lambda line: line.split(None, 1))


def parse_sacct(text: str) -> dict[str, str]:
    """``{job id: state}`` from ``sacct -n -P --format=JobID,State`` output."""
    return _parse_lines(text, lambda line: line.strip().split("|"))


def count_buckets(
    squeue: Mapping[str, str], sacct: Mapping[str, str], total: int
) -> dict[str, int]:
    """Tasks per bucket: live ones from squeue, finished ones from sacct, and ``other``
    for the rest of ``total`` (never negative). squeue wins for a task in both."""
    counts = dict.fromkeys(BUCKETS, 0)
    for state in squeue.values():
        bucket = LIVE_BUCKET.get(state)
        if bucket is not None:
            counts[bucket] += 1
    for task, state in sacct.items():
        bucket = TERMINAL_BUCKET.get(state)
        if bucket is not None and squeue.get(task) not in LIVE_BUCKET:
            counts[bucket] += 1
    counts["other"] = max(0, total - sum(counts.values()))
    return counts


# -- the status ---------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now().astimezone()


@dataclass(frozen=True)
class SlurmStatus:
    """The scheduler's view of an array experiment at one moment."""

    total: int
    running: int = 0
    pending: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    timeout: int = 0
    out_of_memory: int = 0
    other: int = 0
    job_ids: tuple[str, ...] = ()
    squeue_at: datetime | None = None
    """When squeue last answered (carried over from the previous status if it failed)."""
    sacct_at: datetime | None = None
    """When sacct last answered (carried over from the previous status if it failed)."""
    sacct_stale: bool = False
    """sacct failed this time, so the finished counts are old (or missing)."""
    squeue_stale: bool = False
    """squeue ran but failed this time, so running/pending are old (or missing)."""
    available: bool = True
    """False when SLURM cannot be asked from this host (``reason`` says why)."""
    reason: str = ""
    errors: tuple[str, ...] = ()
    """What went wrong with the commands this time, one line each."""
    squeue_states: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    sacct_states: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def buckets(self) -> dict[str, int]:
        """``{bucket: tasks}`` for every bucket of :data:`BUCKETS`, in order."""
        return {name: getattr(self, name) for name in BUCKETS}

    @property
    def done(self) -> int:
        return sum(getattr(self, name) for name in DONE_BUCKETS)

    @property
    def done_fraction(self) -> float:
        """Finished tasks (whatever the outcome) over ``total``; 0 when total is 0."""
        return min(1.0, self.done / self.total) if self.total > 0 else 0.0

    @property
    def done_percent(self) -> int:
        """:attr:`done_fraction` as a whole percent, halves rounded up (as atlas shows)."""
        return int(self.done_fraction * 100 + 0.5)


@dataclass(frozen=True)
class _Answer:
    ok: bool
    stdout: str = ""
    error: str = ""
    missing: bool = False


def _ask(run: Runner, args: list[str], timeout: float) -> _Answer:
    """Run one command (no shell); never raises."""
    name = args[0]
    try:
        done = run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        return _Answer(False, error=f"{name} not found on PATH", missing=True)
    except subprocess.TimeoutExpired:
        return _Answer(False, error=f"{name} timed out after {timeout:g} s")
    except OSError as exc:
        return _Answer(False, error=f"{name} could not be run: {exc}", missing=True)
    if done.returncode != 0:
        stderr = (done.stderr or "").strip()
        if name == "squeue" and "invalid job id" in stderr.lower():
            # every id has left the controller (finished and purged): nothing is queued
            return _Answer(True, "")
        detail = stderr.splitlines()[-1] if stderr else "no message"
        return _Answer(False, error=f"{name} exited with {done.returncode}: {detail}")
    return _Answer(True, done.stdout or "")


def query_slurm_status(
    spec: SlurmArraySpec,
    *,
    run: Runner = subprocess.run,
    now: Callable[[], datetime] = _now,
    previous: SlurmStatus | None = None,
    squeue_timeout: float = SQUEUE_TIMEOUT,
    sacct_timeout: float = SACCT_TIMEOUT,
) -> SlurmStatus:
    """Ask squeue and sacct about ``spec``'s jobs; never raises.

    ``previous`` (the last status of the same experiment) lets a failed command keep its
    last answer, marked stale, instead of dropping those tasks to ``other``.
    """
    if not spec.job_ids:
        return SlurmStatus(total=spec.total, pending=spec.total)
    ids = ",".join(spec.job_ids)
    carry = previous if previous is not None and previous.job_ids == spec.job_ids else None

    squeue = _ask(run, ["squeue", "-h", "-j", ids, "-o", "%i %T"], squeue_timeout)
    if squeue.missing:
        return SlurmStatus(
            total=spec.total, other=spec.total, job_ids=spec.job_ids, available=False,
            reason=f"{squeue.error} (not a SLURM host?)",
        )  # fmt: skip
    squeue_at = now() if squeue.ok else (carry.squeue_at if carry else None)
    squeue_states = parse_squeue(squeue.stdout) if squeue.ok else _kept(carry, "squeue")

    sacct_args = ["sacct", "-n", "-P", "-j", ids, "--format=JobID,State"]
    sacct = _ask(run, sacct_args, sacct_timeout)
    sacct_at = now() if sacct.ok else (carry.sacct_at if carry else None)
    sacct_states = parse_sacct(sacct.stdout) if sacct.ok else _kept(carry, "sacct")

    counts = count_buckets(squeue_states, sacct_states, spec.total)
    return SlurmStatus(
        total=spec.total,
        **counts,
        job_ids=spec.job_ids,
        squeue_at=squeue_at,
        sacct_at=sacct_at,
        sacct_stale=not sacct.ok,
        squeue_stale=not squeue.ok,
        errors=tuple(a.error for a in (squeue, sacct) if not a.ok),
        squeue_states=MappingProxyType(squeue_states),
        sacct_states=MappingProxyType(sacct_states),
    )


def _kept(carry: SlurmStatus | None, command: str) -> dict[str, str]:
    if carry is None:
        return {}
    return dict(carry.squeue_states if command == "squeue" else carry.sacct_states)
