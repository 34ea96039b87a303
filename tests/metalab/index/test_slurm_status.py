"""SLURM array status (metalab.index.slurm_status): parsing squeue/sacct, reading the manifest,
and querying fake ``squeue``/``sacct`` executables put first on PATH."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.slurm import fake_command, put_first_on_path, write_manifest

from metalab.index.slurm_status import (
    SlurmArraySpec,
    count_buckets,
    parse_sacct,
    parse_squeue,
    query_slurm_status,
    read_array_spec,
)

# What `squeue -h -j 4242 -o '%i %T'` prints for an 18-task array throttled to 4 at once:
# a pending range (with its % limit) plus the tasks already out of it.
SQUEUE_OUT = """\
4242_[14-15%4] PENDING
4242_10 RUNNING
4242_11 RUNNING
4242_12 COMPLETING
4242_13 CONFIGURING
"""
# What `sacct -n -P -j 4242 --format=JobID,State` prints: one line per task (array task
# ids, as squeue shows them) plus its steps, decorated states, the queued range.
SACCT_OUT = """\
4242_0|COMPLETED
4242_0.batch|COMPLETED
4242_0.extern|COMPLETED
4242_1|COMPLETED
4242_1.batch|COMPLETED
4242_2|COMPLETED
4242_3|COMPLETED
4242_4|COMPLETED
4242_5|FAILED
4242_5.batch|FAILED
4242_5.extern|COMPLETED
4242_6|CANCELLED by 1000
4242_6.batch|CANCELLED
4242_7|TIMEOUT
4242_7.batch|CANCELLED+
4242_8|OUT_OF_MEMORY
4242_8.batch|OUT_OF_MEMORY+
4242_9|NODE_FAIL
4242_10|RUNNING
4242_10.batch|RUNNING
4242_12|COMPLETED
4242_[14-15%4]|PENDING
"""
EXPECTED = {
    "running": 3,  # RUNNING x2 + COMPLETING (sacct's RUNNING line is not counted)
    "pending": 3,  # the range of 2 + CONFIGURING (sacct's PENDING lines are not counted)
    "completed": 5,  # 0-4; 12 is still COMPLETING in squeue, which wins
    "failed": 2,  # FAILED + NODE_FAIL
    "cancelled": 1,
    "timeout": 1,
    "out_of_memory": 1,
    "other": 2,  # 18 - 16
}


# -- parsers --------------------------------------------------------------------------------


def test_squeue_pending_ranges_count_every_task_they_stand_for() -> None:
    states = parse_squeue(
        "4242_[5-100%10] PENDING\n4243_[5-7,9] PENDING\n4244_[1-9:4] REQUEUE_HOLD\n4245 PENDING\n"
    )
    assert sum(1 for t in states if t.startswith("4242_")) == 96
    assert sorted(t for t in states if t.startswith("4243_")) == [
        "4243_5", "4243_6", "4243_7", "4243_9",
    ]  # fmt: skip
    assert sorted(t for t in states if t.startswith("4244_")) == ["4244_1", "4244_5", "4244_9"]
    assert states["4245"] == "PENDING"
    assert len(states) == 96 + 4 + 3 + 1


def test_squeue_ignores_steps_blank_lines_and_counts_a_repeated_task_once() -> None:
    states = parse_squeue("4242_1 RUNNING\n4242_1.0 RUNNING\n\n4242_2 PENDING\n4242_1 RUNNING\n")
    assert states == {"4242_1": "RUNNING", "4242_2": "PENDING"}


def test_sacct_drops_steps_plus_suffixes_and_the_cancelling_uid() -> None:
    states = parse_sacct(SACCT_OUT)
    assert "4242_0.batch" not in states and "4242_5.extern" not in states
    assert states["4242_6"] == "CANCELLED"  # "CANCELLED by 1000"
    assert states["4242_7"] == "TIMEOUT"
    assert states["4242_8"] == "OUT_OF_MEMORY"
    assert len(states) == 14  # tasks 0-10, 12, and the queued range 14-15
    assert parse_sacct("4300_7|cancelled+\n4300_7.batch|CANCELLED\n") == {"4300_7": "CANCELLED"}


def test_buckets_of_a_realistic_array() -> None:
    counts = count_buckets(parse_squeue(SQUEUE_OUT), parse_sacct(SACCT_OUT), total=18)
    assert counts == EXPECTED


def test_a_task_squeue_still_lists_wins_over_its_sacct_line() -> None:
    # sacct already has the final state of a task squeue shows COMPLETING (and a
    # requeued one whose old attempt failed): counted once, as squeue says.
    squeue = parse_squeue("77_1 COMPLETING\n77_2 REQUEUED\n")
    sacct = parse_sacct("77_1|COMPLETED\n77_2|NODE_FAIL\n77_3|COMPLETED\n")
    counts = count_buckets(squeue, sacct, total=3)
    assert counts["running"] == 1 and counts["pending"] == 1
    assert counts["completed"] == 1 and counts["failed"] == 0
    assert counts["other"] == 0


def test_other_is_never_negative() -> None:
    counts = count_buckets({}, parse_sacct("1|COMPLETED\n2|COMPLETED\n3|FAILED\n"), total=2)
    assert counts["completed"] == 2 and counts["failed"] == 1
    assert counts["other"] == 0


# -- the manifest ------------------------------------------------------------------------------


def test_only_the_newest_manifest_decides_when_it_is_an_array(tmp_path: Path) -> None:
    write_manifest(tmp_path, "sweep:0.1", "20260101_090000", "2026-01-01T09:00:00")
    newest = write_manifest(
        tmp_path, "sweep:0.1", "20260102_090000", "2026-01-02T09:00:00",
        submission_mode="array_indexed", job_ids=[4242, "4243"],
    )  # fmt: skip
    spec = read_array_spec(tmp_path)
    assert spec is not None
    assert spec.job_ids == ("4242", "4243")
    assert spec.total == 18
    assert spec.manifest == newest


def test_an_older_array_manifest_does_not_count(tmp_path: Path) -> None:
    # the file name sorts last, but submitted_at says it is the older launch
    write_manifest(
        tmp_path, "sweep:0.1", "20260109_090000", "2026-01-01T09:00:00",
        submission_mode="array_indexed", job_ids=["4242"],
    )  # fmt: skip
    write_manifest(
        tmp_path, "sweep:0.1", "20260102_090000", "2026-01-02T09:00:00", executor="process"
    )
    assert read_array_spec(tmp_path) is None


def test_no_manifest_is_not_an_array(tmp_path: Path) -> None:
    assert read_array_spec(tmp_path) is None


# -- querying fake commands ---------------------------------------------------------------------


@pytest.fixture
def slurm_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder first on PATH for fake ``squeue`` and ``sacct``."""
    return put_first_on_path(tmp_path / "bin", monkeypatch)


SPEC = SlurmArraySpec(job_ids=("4242", "4243"), total=18)
T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def clock(start: datetime = T0):
    ticks = iter(range(100))
    return lambda: start + timedelta(seconds=next(ticks))


def test_query_runs_both_commands_and_buckets_their_answers(slurm_bin: Path) -> None:
    fake_command(slurm_bin, "squeue", SQUEUE_OUT)
    fake_command(slurm_bin, "sacct", SACCT_OUT)
    status = query_slurm_status(SPEC, now=clock())
    assert status.available and not status.sacct_stale and not status.squeue_stale
    assert status.buckets == EXPECTED
    assert status.done == 10
    assert status.done_fraction == pytest.approx(10 / 18)
    assert status.done_percent == 56
    assert status.squeue_at == T0 and status.sacct_at == T0 + timedelta(seconds=1)
    # argument lists, not shell text: "%i %T" reaches squeue as one argument
    squeue_args = (slurm_bin / "squeue.args").read_text().splitlines()
    assert squeue_args == ["-h", "-j", "4242,4243", "-o", "%i %T"]
    sacct_args = (slurm_bin / "sacct.args").read_text().splitlines()
    assert sacct_args == ["-n", "-P", "-j", "4242,4243", "--format=JobID,State"]


def test_a_failing_sacct_marks_the_counts_stale_and_keeps_the_last_answer(
    slurm_bin: Path,
) -> None:
    fake_command(slurm_bin, "squeue", SQUEUE_OUT)
    fake_command(slurm_bin, "sacct", SACCT_OUT)
    first = query_slurm_status(SPEC, now=clock())
    fake_command(slurm_bin, "sacct", rc=1, stderr="sacct: error: slurmdbd not responding\n")
    fake_command(slurm_bin, "squeue", "4242_[14-15%4] PENDING\n4242_10 RUNNING\n")

    alone = query_slurm_status(SPEC, now=clock(T0 + timedelta(minutes=1)))
    assert alone.sacct_stale and not alone.squeue_stale
    assert alone.sacct_at is None
    assert alone.completed == 0 and alone.running == 1 and alone.pending == 2
    assert any("slurmdbd not responding" in e for e in alone.errors)

    kept = query_slurm_status(SPEC, now=clock(T0 + timedelta(minutes=1)), previous=first)
    assert kept.sacct_stale
    assert kept.sacct_at == first.sacct_at  # the last time sacct did answer
    assert kept.squeue_at == T0 + timedelta(minutes=1)
    # task 12 has left squeue since: the last sacct answer says it completed
    assert (kept.completed, kept.failed, kept.cancelled) == (6, 2, 1)
    assert kept.running == 1 and kept.pending == 2


def test_a_sacct_that_hangs_times_out_and_is_stale(slurm_bin: Path) -> None:
    fake_command(slurm_bin, "squeue", SQUEUE_OUT)
    fake_command(slurm_bin, "sacct", SACCT_OUT, sleep=30)
    status = query_slurm_status(SPEC, sacct_timeout=0.5)
    assert status.available and status.sacct_stale
    assert status.running == 3 and status.completed == 0
    assert any("timed out" in e for e in status.errors)


def test_without_squeue_the_status_says_slurm_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    status = query_slurm_status(SPEC)
    assert status.available is False
    assert "squeue" in status.reason
    assert status.done == 0 and status.done_fraction == 0.0


def test_squeue_not_knowing_any_job_means_nothing_is_queued(slurm_bin: Path) -> None:
    # once every job has been purged from the controller squeue errors out; the
    # experiment is finished, not broken
    fake_command(slurm_bin, "squeue", rc=1,
                 stderr="slurm_load_jobs error: Invalid job id specified\n")  # fmt: skip
    done = "".join(f"{5000 + i}|COMPLETED\n{5000 + i}.batch|COMPLETED\n" for i in range(18))
    fake_command(slurm_bin, "sacct", done)
    status = query_slurm_status(SPEC)
    assert not status.squeue_stale and not status.errors
    assert status.completed == 18 and status.done_percent == 100


def test_no_job_ids_yet_means_every_task_is_pending(slurm_bin: Path) -> None:
    fake_command(slurm_bin, "squeue", SQUEUE_OUT)
    fake_command(slurm_bin, "sacct", SACCT_OUT)
    status = query_slurm_status(SlurmArraySpec(job_ids=(), total=18))
    assert status.pending == 18 and status.done == 0 and status.other == 0
    assert not (slurm_bin / "squeue.args").exists()  # nothing to ask the scheduler


def test_an_injected_runner_gets_argument_lists_and_timeouts() -> None:
    calls: list[tuple[list[str], float]] = []

    def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append((args, kwargs["timeout"]))  # type: ignore[arg-type]
        out = SQUEUE_OUT if args[0] == "squeue" else SACCT_OUT
        return subprocess.CompletedProcess(args, 0, out, "")

    status = query_slurm_status(SPEC, run=run)
    assert [(a[0], t) for a, t in calls] == [("squeue", 30.0), ("sacct", 60.0)]
    assert status.buckets == EXPECTED


def test_a_missing_sacct_is_stale_not_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_squeue = tmp_path / "only-squeue"
    fake_command(only_squeue, "squeue", SQUEUE_OUT)
    monkeypatch.setenv("PATH", str(only_squeue))
    status = query_slurm_status(SPEC)
    assert status.available and status.sacct_stale
    assert (status.running, status.pending, status.completed) == (3, 3, 0)
    assert any("sacct not found" in e for e in status.errors)
