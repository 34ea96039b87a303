"""metalab: run parameter sweeps with seeded replicates, and read their results back.

A flat public namespace over small private modules. Nothing here imports textual or
plotext: the runner works the same in a script, a notebook, CI, or under the TUI.
"""

from metalab._version import __version__
from metalab.capture import Capture
from metalab.errors import (
    ArtifactNameError,
    CancelledError,
    CanonicalizeError,
    ConfigError,
    ExecutorError,
    ExperimentLockedError,
    MetalabError,
    OperationError,
    OutsideTreeError,
    StoreError,
)
from metalab.events import Event, EventCallback, EventKind
from metalab.executors import (
    ClusterStatus,
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SlurmConfig,
    SlurmExecutor,
    ThreadExecutor,
    resolve_executor,
)
from metalab.experiment import Experiment
from metalab.operation import OperationWrapper, operation
from metalab.params import (
    GridSource,
    ManualSource,
    ParamCase,
    ParamSource,
    RandomSource,
    choice,
    grid,
    loguniform,
    loguniform_int,
    manual,
    randint,
    random,
    uniform,
)
from metalab.results import Results, Run, load_results
from metalab.runner import RunStatus, SweepHandle, run
from metalab.runtime import CancellationToken, Runtime
from metalab.seeds import SeedBundle, SeedPlan, seeds
from metalab.store import FileStore
from metalab.types import ArtifactDescriptor, Provenance, RunRecord, Status
from metalab.worker import RunPayload

__all__ = [
    "__version__",
    "ArtifactDescriptor",
    "ArtifactNameError",
    "CancellationToken",
    "CancelledError",
    "CanonicalizeError",
    "Capture",
    "ClusterStatus",
    "ConfigError",
    "DaskExecutor",
    "Event",
    "EventCallback",
    "EventKind",
    "Executor",
    "ExecutorError",
    "Experiment",
    "ExperimentLockedError",
    "FileStore",
    "GridSource",
    "ManualSource",
    "MetalabError",
    "OperationError",
    "OperationWrapper",
    "OutsideTreeError",
    "ParamCase",
    "ParamSource",
    "ProcessExecutor",
    "Provenance",
    "RandomSource",
    "Results",
    "Run",
    "RunPayload",
    "RunRecord",
    "RunStatus",
    "Runtime",
    "SeedBundle",
    "SeedPlan",
    "SlurmConfig",
    "SlurmExecutor",
    "Status",
    "StoreError",
    "SweepHandle",
    "ThreadExecutor",
    "choice",
    "grid",
    "load_results",
    "loguniform",
    "loguniform_int",
    "manual",
    "operation",
    "randint",
    "random",
    "resolve_executor",
    "run",
    "seeds",
    "uniform",
]
