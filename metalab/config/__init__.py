"""Experiment definition files: load ``experiments.toml``, check it, build experiments.

An experiment file lets a user describe sweeps without writing a driver script, and
lets the terminal UI list, run and re-dump them. This module is shaped by three needs:

* **Every mistake is caught before anything runs.** :func:`load_experiments` checks
  the whole file first (pure checks on the parsed TOML, no imports of user code),
  then imports each operation, and only then returns. Nothing is written. A bad
  file raises exactly one :class:`~metalab.errors.ConfigError` that names the file,
  the 1-based line, the key path (``experiment[1].executor.workers``, experiments
  counted from 0 in file order), what is wrong and a hint. ``tomllib`` keeps no
  line numbers, so a small locator (``_locate._Locator``) re-scans the raw text for
  table headers and ``key =`` assignments to map key paths back to lines.
* **It stays light.** The terminal UI imports this module, but so do headless
  runners and worker processes, so it imports neither textual nor plotext.
* **What was read can be written back.** Each :class:`ExperimentSpec` keeps the raw
  table exactly as parsed, and :func:`dump_experiment` writes it out as a file that
  loads back to an equal spec (relative paths in it stay relative to wherever that
  file is put).

Operations are named ``module:attribute`` or ``path/to/file.py:attribute``;
:mod:`metalab.config._operations` says how each is found and imported.

The package is split by those steps, each module depending only on the ones
before it: ``_locate`` (reading the file, TOML syntax errors, key paths to
lines), ``_check`` (pure checks of the parsed TOML and the valid keys),
``_operations`` (importing user code). This module holds the public objects and
puts the steps together: check the whole document, then import and build each
experiment.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from metalab import params
from metalab.config._check import _Checker, _folder_name, _format_key
from metalab.config._locate import KeyPath, _Locator, _read_text, _syntax_error
from metalab.config._operations import resolve_operation
from metalab.executors import DaskExecutor, ProcessExecutor, ThreadExecutor
from metalab.executors.jobqueue import make_cluster
from metalab.experiment import Experiment
from metalab.seeds import seeds as make_seeds

__all__ = [
    "DisplaySpec",
    "ExecutorSpec",
    "ExperimentSpec",
    "dump_experiment",
    "load_experiments",
    "resolve_operation",
]


# ---------------------------------------------------------------------------
# Public objects


@dataclass(frozen=True)
class ExecutorSpec:
    """How to run an experiment's runs: ``[experiment.executor]``.

    ``kind = "dask"`` uses the rest: ``workers`` (LocalCluster size), ``address`` (a
    running scheduler), or ``cluster`` (a dask-jobqueue cluster kind) with ``jobs`` or
    ``adapt`` and the cluster's ``options``; and ``retries``.
    """

    kind: str = "thread"
    workers: int = 4
    address: str | None = None
    cluster: str | None = None
    jobs: int | None = None
    adapt: dict[str, int] | None = field(default=None, hash=False)
    retries: int = 2
    options: dict[str, Any] = field(default_factory=dict, hash=False)

    def build(self, workers: int | None = None) -> Any:
        """A fresh executor of this kind; ``workers`` overrides the file's count (for
        ``kind = "dask"``: the LocalCluster's size, or the jobs of a ``cluster``)."""
        count = self.workers if workers is None else workers
        if self.kind == "process":
            return ProcessExecutor(max_workers=count)
        if self.kind == "dask":
            return self._build_dask(workers)
        return ThreadExecutor(max_workers=count)

    def _build_dask(self, workers: int | None) -> Any:
        if self.address is not None:
            return DaskExecutor(address=self.address, retries=self.retries)
        if self.cluster is not None:
            jobs, adapt = self.jobs, self.adapt
            if workers is not None:
                jobs, adapt = workers, None
            return DaskExecutor(
                cluster_factory=partial(make_cluster, self.cluster, dict(self.options)),
                jobs=jobs,
                adapt=dict(adapt) if adapt is not None else None,
                retries=self.retries,
            )
        return DaskExecutor(
            n_workers=self.workers if workers is None else workers, retries=self.retries
        )


@dataclass(frozen=True)
class DisplaySpec:
    """What the terminal UI plots live: ``[experiment.display]``."""

    metric: str = "loss"
    steps: str | int | None = None

    def total_steps(self, params: Mapping[str, Any]) -> int | None:
        """A run's total number of steps, or None when it is not known.

        ``steps`` names a parameter (its value, as an int, is the total) or is the
        total itself.
        """
        if self.steps is None:
            return None
        if isinstance(self.steps, int):
            return self.steps
        value = params.get(self.steps)
        if value is None or isinstance(value, bool):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class ExperimentSpec:
    """One ``[[experiment]]`` table, checked and built.

    Two specs are equal when they come from equal tables that resolve to the same
    store (where the file sits and which position it holds do not matter).
    ``operation_ref`` is the operation string as written in the file; the imported
    operation is ``experiment.operation``.
    """

    name: str
    version: str
    source: Path = field(compare=False)
    index: int = field(compare=False)
    store: Path
    operation_ref: str
    experiment: Experiment = field(compare=False, repr=False)
    executor: ExecutorSpec
    display: DisplaySpec
    table: dict[str, Any] = field(hash=False, repr=False)

    @property
    def experiment_dir(self) -> Path:
        """Where this experiment's runs go: ``<store>/<name>_<version>``."""
        return self.store / _folder_name(self.name, self.version)


def load_experiments(path: str | os.PathLike[str]) -> list[ExperimentSpec]:
    """Read, check and build every ``[[experiment]]`` in the TOML file at ``path``.

    Raises :class:`~metalab.errors.ConfigError` for the first problem found; nothing
    is run or written either way.
    """
    shown = os.fspath(path)
    source = Path(shown).expanduser()
    text = _read_text(source, shown)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, text, shown) from None

    source = source.resolve()
    checker = _Checker(shown, _Locator(text), source.parent)
    tables = checker.check_document(document)
    return [_build_spec(checker, index, table, source) for index, table in enumerate(tables)]


def dump_experiment(spec: ExperimentSpec) -> str:
    """The TOML text of one experiment, which :func:`load_experiments` reads back."""
    import tomli_w

    return tomli_w.dumps({"experiment": [spec.table]})


# ---------------------------------------------------------------------------
# Building


def _build_spec(
    checker: _Checker, index: int, table: dict[str, Any], source: Path
) -> ExperimentSpec:
    """Import the operation of one checked table and build its spec."""
    path: KeyPath = ("experiment", index)
    operation = resolve_operation(
        table["operation"],
        checker.base_dir,
        path=checker.shown,
        key=_format_key((*path, "operation")),
        line=checker.locator.line((*path, "operation")),
    )
    if _executor_kind(table) == "process":
        checker.check_importable_by_name(path, operation.ref)
    raw = copy.deepcopy(table)
    seeds = raw["seeds"]
    executor = raw.get("executor", {})
    display = raw.get("display", {})
    try:
        experiment = Experiment(
            name=raw["name"],
            version=raw["version"],
            context=raw.get("context", {}),
            operation=operation,
            params=_build_params(raw),
            seeds=make_seeds(seeds["base"], seeds.get("replicates", 1)),
            description=raw.get("description"),
            tags=raw.get("tags", []),
            metadata=raw.get("metadata", {}),
        )
    except (TypeError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        checker.fail(path, f"metalab rejected this experiment: {message}")
    return ExperimentSpec(
        name=table["name"],
        version=table["version"],
        source=source,
        index=index,
        store=checker.store_path(table),
        operation_ref=table["operation"],
        experiment=experiment,
        executor=ExecutorSpec(**executor),
        display=DisplaySpec(**display),
        table=table,
    )


def _executor_kind(table: Mapping[str, Any]) -> str:
    """The executor kind a checked experiment table asks for."""
    executor = table.get("executor", {})
    return str(executor.get("kind", "thread"))


def _build_params(raw: dict[str, Any]) -> Any:
    if "grid" in raw:
        return params.grid(**raw["grid"])
    if "cases" in raw:
        return params.manual(raw["cases"])
    random = raw["random"]
    factories = {
        "uniform": params.uniform,
        "loguniform": params.loguniform,
        "loguniform_int": params.loguniform_int,
        "randint": params.randint,
        "choice": params.choice,
    }
    space = {}
    for key, distribution in random["space"].items():
        ((kind, argument),) = distribution.items()
        space[key] = factories[kind](argument) if kind == "choice" else factories[kind](*argument)
    return params.random(space, random["trials"], random["seed"])
