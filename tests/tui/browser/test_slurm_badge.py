"""The SLURM badge (tui.browser.experiments.slurm_badge) in a tiny app, with fake ``squeue`` and
``sacct`` first on PATH: what it says, when it hides, and that it follows the scheduler."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support.slurm import fake_command, put_first_on_path, write_manifest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable

from tui.browser import BrowserApp
from tui.browser.experiments.slurm_badge import SlurmBadge

# 18 tasks: 3 running, 2 pending, 11 completed, 1 failed (and 1 unaccounted for)
SQUEUE_OUT = "4242_[16-17%4] PENDING\n4242_13 RUNNING\n4242_14 RUNNING\n4242_15 RUNNING\n"
SACCT_OUT = "".join(f"4242_{i}|COMPLETED\n4242_{i}.batch|COMPLETED\n" for i in range(11))
SACCT_OUT += "4242_11|FAILED\n4242_11.batch|FAILED\n4242_11.extern|COMPLETED\n"


def write_experiment(root: Path, name: str, **metadata: object) -> Path:
    exp = root / name
    write_manifest(exp, f"{name}:1", "20260115_090000", "2026-01-15T09:00:00", **metadata)
    return exp


@pytest.fixture
def slurm_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = put_first_on_path(tmp_path / "bin", monkeypatch)
    fake_command(bin_dir, "squeue", SQUEUE_OUT)
    fake_command(bin_dir, "sacct", SACCT_OUT)
    return bin_dir


@pytest.fixture
def array_exp(tmp_path: Path) -> Path:
    return write_experiment(tmp_path, "sweep", submission_mode="array_indexed", job_ids=[4242])


@pytest.fixture
def local_exp(tmp_path: Path) -> Path:
    return write_experiment(tmp_path, "local", executor="process")


class BadgeApp(App[None]):
    def __init__(self, experiment: Path | None, interval: float = 60.0) -> None:
        super().__init__()
        self.experiment = experiment
        self.interval = interval

    def compose(self) -> ComposeResult:
        yield SlurmBadge(self.experiment, interval=self.interval)


async def settle(pilot: Pilot[None]) -> None:
    """Let the badge's query finish and its answer be shown."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown(app: App[None]) -> str:
    badge = app.screen.query_one(SlurmBadge)
    return badge.visual.plain if badge.display else ""  # type: ignore[attr-defined]


async def test_badge_shows_done_percent_and_the_non_zero_buckets(
    slurm_bin: Path, array_exp: Path
) -> None:
    app = BadgeApp(array_exp)
    async with app.run_test() as pilot:
        await settle(pilot)
        text = shown(app)
        assert text.startswith("SLURM  12/18 done 67%")
        assert "● 3 running" in text and "◌ 2 pending" in text
        assert "✓ 11 completed" in text and "✗ 1 failed" in text
        assert "cancelled" not in text and "timeout" not in text  # zero buckets left out
        assert "stale" not in text
        tooltip = str(app.query_one(SlurmBadge).tooltip)
        for line in ("total: 18", "cancelled: 0", "timeout: 0", "out of memory: 0",
                     "other: 1", "job ids: 4242"):  # fmt: skip
            assert line in tooltip


async def test_badge_hides_for_an_experiment_that_is_not_a_slurm_array(
    slurm_bin: Path, local_exp: Path
) -> None:
    app = BadgeApp(local_exp)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.query_one(SlurmBadge).display is False
        assert not (slurm_bin / "squeue.calls").exists()  # the scheduler was not asked


async def test_badge_follows_the_scheduler_when_refreshed(slurm_bin: Path, array_exp: Path) -> None:
    app = BadgeApp(array_exp)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert "12/18 done 67%" in shown(app)
        fake_command(slurm_bin, "squeue", "4242_17 RUNNING\n")
        more = "".join(f"4242_{12 + i}|COMPLETED\n" for i in range(5))
        fake_command(slurm_bin, "sacct", SACCT_OUT + more)
        app.query_one(SlurmBadge).poll_now()
        await settle(pilot)
        text = shown(app)
        assert text.startswith("SLURM  17/18 done 94%")
        assert "● 1 running" in text and "✓ 16 completed" in text
        assert "pending" not in text


async def test_badge_refreshes_on_its_own_every_interval(slurm_bin: Path, array_exp: Path) -> None:
    app = BadgeApp(array_exp, interval=0.3)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert "● 3 running" in shown(app)
        fake_command(slurm_bin, "squeue", "4242_17 RUNNING\n")
        for _ in range(50):  # up to 5 s on a loaded machine; one interval is enough
            await asyncio.sleep(0.1)
            await pilot.pause()
            if "● 1 running" in shown(app):
                break
        assert "● 1 running" in shown(app)


async def test_badge_switches_experiments_and_hides_for_none(
    slurm_bin: Path, array_exp: Path, local_exp: Path
) -> None:
    app = BadgeApp(local_exp)
    async with app.run_test() as pilot:
        await settle(pilot)
        badge = app.query_one(SlurmBadge)
        assert badge.display is False
        badge.set_experiment(array_exp)
        await settle(pilot)
        assert "12/18 done 67%" in shown(app)
        badge.set_experiment(None)
        await settle(pilot)
        assert badge.display is False


async def test_badge_warns_when_sacct_fails(slurm_bin: Path, array_exp: Path) -> None:
    app = BadgeApp(array_exp)
    async with app.run_test() as pilot:
        await settle(pilot)
        fake_command(slurm_bin, "sacct", rc=1)
        app.query_one(SlurmBadge).poll_now()
        await settle(pilot)
        text = shown(app)
        assert "⚠ counts may be stale" in text
        assert "12/18 done 67%" in text  # the last sacct answer is kept


async def test_badge_says_when_squeue_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, array_exp: Path
) -> None:
    empty = tmp_path / "no-slurm"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    app = BadgeApp(array_exp)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert shown(app).startswith("SLURM  squeue unavailable: squeue not found")


async def test_the_experiments_tab_shows_the_badge_of_a_slurm_array_only(
    small_tree: Path, slurm_bin: Path
) -> None:
    toy = small_tree / "toy_1"
    write_manifest(toy, "toy:1", "20991231_000000", "2099-12-31T00:00:00", total_runs=18,
                   submission_mode="array_indexed", job_ids=[4242])  # fmt: skip
    app = BrowserApp(small_tree)
    async with app.run_test(size=(160, 60)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#experiments-table", DataTable)
        badge = app.screen.query_one("#experiments-slurm", SlurmBadge)
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await settle(pilot)
            name = table.get_row_at(row)[1].plain
            if "toy" in name:
                assert badge.display
                assert shown(app).startswith("SLURM  12/18 done 67%")
            else:
                assert not badge.display
