"""Issue 11, full disks, in the library: the run that hit one is recorded failed with a
message saying the disk is full, whether the operation's own write failed or metalab's
(a stream written to ``/dev/full``, which fails every write with ENOSPC, as a full disk
does); the sweep goes on, or stops as ``fail_fast`` says. (A file-size limit, through
the CLI and ``RLIMIT_FSIZE``, is in tests/tui/test_cli_faults.py.)"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

import metalab

DEV_FULL = Path("/dev/full")


@metalab.operation
def writes_a_file(params, capture):
    capture.metric("loss", 1.0, step=0)
    if params["x"] == 1:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/data/big.bin")
    capture.metric("final", params["x"])


REACHED_THE_END: list[int] = []


@metalab.operation
def streams_to_a_full_disk(params, capture, runtime):
    """x == 1: its stream file is /dev/full; it captures until capturing fails."""
    x = params["x"]
    if x == 1:
        stream = capture.store.layout.stream(runtime.run_id, "loss")
        stream.parent.mkdir(parents=True, exist_ok=True)
        stream.symlink_to(DEV_FULL)
        deadline = time.monotonic() + 20
        step = 0
        while time.monotonic() < deadline:
            capture.metric("loss", 1.0 / (step + 1), step=step)
            step += 1
            time.sleep(0.005)
    else:
        capture.metric("loss", 1.0, step=0)
    REACHED_THE_END.append(x)


def test_an_operation_whose_write_fails_for_want_of_room_is_failed_as_disk_full(sweep):
    results = sweep(writes_a_file, params=metalab.grid(x=[0, 1, 2]))
    assert [r.status for r in results] == ["success", "failed", "success"]
    error = results[1].error
    assert error["type"] == "OSError"
    assert error["message"] == "disk full: no space left on the device while writing /data/big.bin"
    assert "Traceback" in error["traceback"]


@pytest.mark.skipif(not DEV_FULL.exists(), reason="needs /dev/full")
@pytest.mark.parametrize("fail_fast", [False, True], ids=["goes-on", "fail-fast"])
def test_a_stream_that_cannot_be_written_fails_its_run_as_disk_full(sweep, fail_fast):
    REACHED_THE_END.clear()
    results = sweep(
        streams_to_a_full_disk, params=metalab.grid(x=[0, 1, 2]), fail_fast=fail_fast,
        executor=metalab.ThreadExecutor(1),
    )  # fmt: skip
    by_x = {r.params["x"]: r for r in results}
    full = by_x[1]
    assert full.status == "failed"
    assert full.error["message"].startswith("disk full: no space left on the device while ")
    assert full.error["message"].endswith(f"{full.run_id}/loss.jsonl")
    assert 1 not in REACHED_THE_END  # its next capture call raised: it stopped there
    assert by_x[0].status == "success"
    assert by_x[2].status == ("cancelled" if fail_fast else "success")
