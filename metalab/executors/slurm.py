"""The reference's ``SlurmExecutor(SlurmConfig(...))``, on dask-jobqueue.

The reference submits a sweep as SLURM job arrays of its own making. Here the same
constructor builds a ``dask_jobqueue.SLURMCluster``: each SLURM job is one Dask worker,
and runs go to workers as they free up. Field by field:

==================  ===============================================================
``SlurmConfig``     ``SLURMCluster`` / the job script
==================  ===============================================================
``partition``       ``queue`` (``#SBATCH -p``); None: the cluster's default partition
``time``            ``walltime`` (``#SBATCH -t``)
``cpus``            ``job_cpu`` (``#SBATCH --cpus-per-task``); the worker runs one run
                    at a time (``cores=1``), which may use all of them
``memory``          ``memory`` (``#SBATCH --mem``, and the worker's memory limit)
``gpus``            ``#SBATCH --gres=gpu:<gpus>`` (``job_extra_directives``)
``max_concurrent``  jobs at once: the cluster is scaled to ``min(runs, max_concurrent)``
                    jobs (None: one job per run, as the reference's array)
``modules``         ``module load <name>`` lines (``job_script_prologue``)
``conda_env``       ``conda activate <env>`` (``job_script_prologue``); the worker then
                    runs the environment's ``python``
``setup``           shell lines run before the worker starts (``job_script_prologue``)
``extra_sbatch``    ``#SBATCH --<key>=<value>`` lines (``job_extra_directives``)
``max_array_size``  no effect: there are no job arrays (kept so reference code runs)
``chunk_size``      no effect: a worker takes its next run when it is free
==================  ===============================================================

Any other ``SLURMCluster`` option (``account``, ``interface``, ``log_directory``, ...)
can be given as a keyword: ``SlurmExecutor(config, account="proj42")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from metalab.executors.dask import DaskExecutor
from metalab.executors.jobqueue import make_cluster

__all__ = ["SlurmConfig", "SlurmExecutor"]


@dataclass(frozen=True)
class SlurmConfig:
    """A SLURM job's resources and setup, with the reference's field names."""

    partition: str | None = None
    time: str = "1:00:00"
    cpus: int = 1
    memory: str = "4G"
    gpus: int = 0
    max_concurrent: int | None = None
    max_array_size: int | None = None
    chunk_size: int = 1
    modules: list[str] = field(default_factory=list)
    conda_env: str | None = None
    setup: list[str] = field(default_factory=list)
    extra_sbatch: dict[str, Any] = field(default_factory=dict)

    def cluster_options(self) -> dict[str, Any]:
        """The ``SLURMCluster`` options these fields mean (see the module's table)."""
        options: dict[str, Any] = {
            "cores": 1,
            "processes": 1,
            "job_cpu": self.cpus,
            "memory": self.memory,
            "walltime": self.time,
            "job_name": "metalab-worker",
        }
        if self.partition:
            options["queue"] = self.partition
        directives = [f"--gres=gpu:{self.gpus}"] if self.gpus else []
        for key, value in self.extra_sbatch.items():
            flag = key if key.startswith("-") else f"--{key}"
            directives.append(flag if value is None or value is True else f"{flag}={value}")
        if directives:
            options["job_extra_directives"] = directives
        prologue = [f"module load {name}" for name in self.modules]
        if self.conda_env:
            prologue += ['eval "$(conda shell.bash hook)"', f"conda activate {self.conda_env}"]
            options["python"] = "python"
        prologue += list(self.setup)
        if prologue:
            options["job_script_prologue"] = prologue
        return options


class SlurmExecutor(DaskExecutor):
    """Run a sweep's runs as SLURM jobs: a ``dask_jobqueue.SLURMCluster`` made from
    ``config`` when the sweep starts, and closed (its jobs cancelled) when it ends."""

    def __init__(self, config: SlurmConfig | None = None, *, retries: int = 2, **options: Any):
        self.config = config or SlurmConfig()
        cluster_options = {**self.config.cluster_options(), **options}
        self.cluster_options = cluster_options
        super().__init__(
            cluster_factory=partial(make_cluster, "slurm", cluster_options),
            max_jobs=self.config.max_concurrent,
            retries=retries,
        )

    def __repr__(self) -> str:
        return f"SlurmExecutor({self.config!r})"
