"""Issue 8: batch-system clusters through dask-jobqueue.

The job script comes from the file's options (or from ``SlurmConfig``) exactly as
dask-jobqueue writes it; and whole sweeps run on a ``SLURMCluster`` whose jobs are
started by stand-in ``sbatch``/``squeue``/``scancel`` commands (tests/support/
fake_slurm.py) as background processes on this machine: real Dask workers in real
jobs, only the batch system is played.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import fake_slurm
from support.ops_dask import paced

import metalab
from metalab import SlurmConfig, SlurmExecutor
from metalab.config import load_experiments
from metalab.executors.jobqueue import make_cluster

OPS = """\
import metalab


@metalab.operation
def square(params, capture):
    for step in range(3):
        capture.metric("loss", params["n"] / (step + 1), step=step)
    capture.metric("n2", params["n"] ** 2)
"""

SLURM_TOML = """\
[[experiment]]
name = "onslurm"
version = "1"
operation = "ops.py:square"

[experiment.grid]
n = [1, 2, 3, 4]

[experiment.seeds]
base = 0

[experiment.executor]
kind = "dask"
cluster = "slurm"
jobs = 2

[experiment.executor.options]
cores = 1
memory = "1GB"
walltime = "00:20:00"
queue = "debug"
account = "proj42"
job_extra_directives = ["--exclusive", "--constraint=haswell"]
interface = "lo"
nanny = false  # one process per job: quicker to start here
"""


def test_the_job_script_says_what_the_file_asks_for(tmp_path):
    path = tmp_path / "experiments.toml"
    path.write_text(SLURM_TOML)
    (tmp_path / "ops.py").write_text(OPS)
    (spec,) = load_experiments(path)
    assert (spec.executor.kind, spec.executor.cluster, spec.executor.jobs) == ("dask", "slurm", 2)
    cluster = make_cluster(spec.executor.cluster, spec.executor.options)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    lines = script.splitlines()
    for directive in ("#SBATCH -p debug", "#SBATCH -A proj42", "#SBATCH -t 00:20:00",
                      "#SBATCH --cpus-per-task=1", "#SBATCH --mem=954M",
                      "#SBATCH --exclusive", "#SBATCH --constraint=haswell"):  # fmt: skip
        assert directive in lines, script
    assert "--nthreads 1" in script and "--interface lo" in script


def test_slurm_config_maps_to_the_job_script():
    config = SlurmConfig(
        partition="gpu", time="2:00:00", cpus=4, memory="8G", gpus=2, modules=["cuda/12.1"],
        conda_env="ml", setup=["export OMP_NUM_THREADS=4"], extra_sbatch={"account": "proj42"},
    )  # fmt: skip
    executor = SlurmExecutor(config, scheduler_options={"host": "127.0.0.1"})
    cluster = make_cluster("slurm", executor.cluster_options)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    lines = script.splitlines()
    for line in ("#SBATCH -p gpu", "#SBATCH -t 2:00:00", "#SBATCH --cpus-per-task=4",
                 "#SBATCH --mem=8G", "#SBATCH --gres=gpu:2", "#SBATCH --account=proj42",
                 "module load cuda/12.1", "conda activate ml",
                 "export OMP_NUM_THREADS=4"):  # fmt: skip
        assert line in lines, script
    worker = next(line for line in lines if "distributed.cli.dask_worker" in line)
    assert worker.startswith("python -m") and "--nthreads 1" in worker  # one run at a time
    assert lines.index("conda activate ml") < lines.index(worker)


@pytest.fixture
def slurm(tmp_path, monkeypatch):
    """The stand-in SLURM commands first on PATH; yields their state folder."""
    state = tmp_path / "slurm-state"
    for key, value in fake_slurm.install(tmp_path / "bin", state).items():
        monkeypatch.setenv(key, value)
    yield state
    for pid in fake_slurm.jobs(state).values():  # nothing may outlive the test
        try:
            os.killpg(pid, 9)
        except ProcessLookupError:
            continue


def job_processes_gone(state: Path, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(fake_slurm._alive(pid) for pid in fake_slurm.jobs(state).values()):
            return True
        time.sleep(0.1)
    return False


def test_a_sweep_runs_on_slurm_jobs_from_the_file(tmp_path, slurm):
    (tmp_path / "ops.py").write_text(OPS)
    (tmp_path / "experiments.toml").write_text(SLURM_TOML)
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from tui.cli import main; sys.exit(main())",
         "experiments.toml", "--no-ui"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "onslurm: 4/4 succeeded" in done.stdout
    runs = (tmp_path / "experiments" / "onslurm_1" / "runs").glob("*.json")
    records = [json.loads(path.read_text()) for path in runs]
    assert sorted(r["metrics"]["n2"] for r in records) == [1, 4, 9, 16]
    assert {r["provenance"]["executor_id"] for r in records} == {"dask"}

    # two jobs were submitted, with the file's directives, and cancelled at the end
    submitted = sorted(slurm.glob("*.sh"))
    assert len(submitted) == 2
    assert "#SBATCH -A proj42" in submitted[0].read_text()
    assert sorted((slurm / "scancel.calls").read_text().split()) == sorted(fake_slurm.jobs(slurm))
    assert job_processes_gone(slurm)


def test_slurm_executor_runs_a_sweep_in_jobs_and_reports_them(store, slurm):
    config = SlurmConfig(time="00:10:00", cpus=1, memory="1G", max_concurrent=1)
    executor = SlurmExecutor(config, interface="lo", nanny=False)
    cases = [{"x": x, "steps": 30, "pause": 0.02} for x in range(3)]
    exp = metalab.Experiment("slurmlib", "1", {}, paced, metalab.manual(cases), metalab.seeds(0))
    seen = []
    results = metalab.run(exp, store=store, executor=executor, on_event=seen.append).result(
        timeout=180
    )
    assert [r.status for r in results] == ["success"] * 3
    assert len(fake_slurm.jobs(slurm)) == 1  # max_concurrent = 1: one job ran them all
    workers = {r.record.provenance.extra["worker"] for r in results}
    assert len(workers) == 1
    jobs_seen = [e.payload for e in seen if e.kind == "cluster"]
    assert any(p["jobs_running"] == 1 for p in jobs_seen), jobs_seen
    assert job_processes_gone(slurm)
