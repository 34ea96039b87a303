"""Checking a parsed experiment file, key by key, before any operation is imported.

Everything here is pure: it looks only at the dict ``tomllib`` returned (and the
locator, for line numbers) and never imports user code, so a whole file is
checked, and its first mistake reported with a line, a key path and a hint,
before :mod:`metalab.config._operations` imports any operation. That is why the
form of an operation string (``module:attr`` or ``path/to/file.py:attr``) is
checked here and only resolved there, and why the one check that needs an
imported operation (:meth:`_Checker.check_importable_by_name`) takes just its
``ref`` string. The valid keys and names live here, next to the "did you mean
...?" hints made from them (:func:`_closest` serves the import errors too).
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import os
import re
import socket
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from metalab.config._locate import _BARE_KEY, KeyPath, _Locator
from metalab.errors import ConfigError
from metalab.executors.jobqueue import CLUSTERS, known_options, option_problem
from metalab.operation import is_local_ref

_EXPERIMENT_KEYS = (
    "name",
    "version",
    "description",
    "tags",
    "operation",
    "store",
    "context",
    "metadata",
    "grid",
    "random",
    "cases",
    "seeds",
    "executor",
    "display",
)
_PARAM_KINDS = ("grid", "random", "cases")
_RANDOM_KEYS = ("trials", "seed", "space")
_SEEDS_KEYS = ("base", "replicates")
_EXECUTOR_KEYS = ("kind", "workers", "address", "cluster", "jobs", "adapt", "retries", "options")
_EXECUTOR_KINDS = ("thread", "process", "dask")
_DASK_ONLY_KEYS = ("address", "cluster", "jobs", "adapt", "retries", "options")
_ADAPT_KEYS = ("minimum", "maximum")
CONNECT_TIMEOUT = 3.0
"""Seconds to wait for a scheduler at ``address`` to answer when the file is checked."""
_DISPLAY_KEYS = ("metric", "steps")
_DISTRIBUTIONS = ("uniform", "loguniform", "loguniform_int", "randint", "choice")
_INT_DISTRIBUTIONS = ("loguniform_int", "randint")
_POSITIVE_DISTRIBUTIONS = ("loguniform", "loguniform_int")
_DEFAULT_STORE = "experiments"

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_REF_HINT = 'write it as "module:function" or "path/to/file.py:function"'


def _format_key(path: KeyPath) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            shown = part if _BARE_KEY.fullmatch(part) else json.dumps(part)
            text += f".{shown}" if text else shown
    return text


def _kind(value: Any) -> str:
    """The TOML name of a parsed value's type, with its value when short."""
    names = {bool: "boolean", int: "integer", float: "float", str: "string"}
    for python_type, name in names.items():
        if type(value) is python_type:
            shown = repr(value) if python_type is not bool else str(value).lower()
            if python_type is str:
                shown = json.dumps(value)
            return f"{name} {shown}" if len(shown) <= 40 else name
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__  # dates and times


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)


def _folder_name(name: str, version: str) -> str:
    return f"{name}_{version}".replace(":", "_")


def _closest(word: str, choices: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _is_file_ref(target: str) -> bool:
    return target.endswith(".py") or "/" in target or "\\" in target


def _operation_ref_problem(ref: str) -> tuple[str, str] | None:
    """What is wrong with the form of an operation string, with a hint; None if nothing."""
    if ":" not in ref:
        guess = ref.rpartition(".")
        example = f'"{guess[0]}:{guess[2]}"' if guess[0] and not _is_file_ref(ref) else None
        return (
            f"{ref!r} has no ':' between the module and the operation",
            f"write it as {example}" if example else _REF_HINT,
        )
    target, _, attribute = ref.rpartition(":")
    if not target:
        return f"{ref!r} names no module or file before ':'", _REF_HINT
    if not _DOTTED.fullmatch(attribute):
        return f"{ref!r} has no valid attribute name after ':'", _REF_HINT
    if not _is_file_ref(target) and not _DOTTED.fullmatch(target):
        return f"{ref!r} does not start with a module name or a .py file", _REF_HINT
    return None


def _importable(module: str) -> bool:
    """Whether ``module`` can be imported here, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # blocked (sys.modules[name] = None), or broken
        return False


def _address_problem(address: str, timeout: float = CONNECT_TIMEOUT) -> str | None:
    """Why a scheduler address cannot be used, or None when something answers there."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme not in ("tcp", "tls"):
        return None  # ucx://, inproc://: left to Dask
    host, colon, port_text = rest.rpartition(":")
    if not colon:
        host, port_text = rest, "8786"
    host = host.strip("[]")
    if not host or not port_text.isdigit():
        return f"{address!r} is not a scheduler address"
    try:
        with socket.create_connection((host, int(port_text)), timeout=timeout):
            return None
    except TimeoutError:
        return f"no Dask scheduler answered at {address} within {timeout:g} s"
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return f"no Dask scheduler answers at {address} ({reason})"


class _Checker:
    """Checks a parsed document, raising ConfigError with lines."""

    def __init__(self, shown: str, locator: _Locator, base_dir: Path) -> None:
        self.shown = shown
        self.locator = locator
        self.base_dir = base_dir

    def fail(self, path: KeyPath, problem: str, hint: str | None = None) -> NoReturn:
        raise ConfigError(
            problem,
            path=self.shown,
            line=self.locator.line(path),
            key=_format_key(path) or None,
            hint=hint,
        )

    # -- small checks -----------------------------------------------------------

    def table(self, path: KeyPath, value: Any, example: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"must be a table, got {_kind(value)}", f"write it as {example}")
        return value

    def known_keys(
        self,
        path: KeyPath,
        table: Mapping[str, Any],
        allowed: tuple[str, ...],
        otherwise: str = "",
    ) -> None:
        """Refuse keys not in ``allowed``; ``otherwise`` is added to the hint when no
        allowed key is close to the unknown one."""
        for key in table:
            if key not in allowed:
                guess = _closest(key, allowed)
                hint = f"did you mean {guess!r}? " if guess else otherwise
                hint += "valid keys here: " + ", ".join(allowed)
                self.fail((*path, key), "unknown key", hint)

    def required(self, path: KeyPath, table: Mapping[str, Any], key: str, hint: str) -> Any:
        if key not in table:
            self.fail((*path, key), "required key is missing", hint)
        return table[key]

    def string(self, path: KeyPath, value: Any, example: str, *, empty: bool = False) -> str:
        if not isinstance(value, str):
            self.fail(path, f"must be a string, got {_kind(value)}", f"write it as {example}")
        if not empty and not value.strip():
            self.fail(path, "must not be empty", f"write it as {example}")
        return value

    def integer(
        self, path: KeyPath, value: Any, example: str, *, minimum: int | None = None
    ) -> int:
        if not _is_int(value):
            self.fail(path, f"must be an integer, got {_kind(value)}", f"write it as {example}")
        if minimum is not None and value < minimum:
            self.fail(path, f"must be at least {minimum}, got {value}", f"write it as {example}")
        return int(value)

    # -- the document -----------------------------------------------------------

    def check_document(self, document: dict[str, Any]) -> list[dict[str, Any]]:
        for key in document:
            if key != "experiment":
                guess = _closest(key, ["experiment"])
                hint = "did you mean [[experiment]]? " if guess else ""
                hint += "the only top-level entry is the [[experiment]] array of tables"
                self.fail((key,), "unknown top-level key", hint)
        if "experiment" not in document:
            self.fail(
                (),
                "defines no experiment",
                'start each experiment with an [[experiment]] line, then name = "...", ...',
            )
        tables = document["experiment"]
        if isinstance(tables, dict):
            self.fail(
                ("experiment",),
                "must be an array of tables, got a single table",
                "write [[experiment]] (double brackets), one per experiment",
            )
        if not isinstance(tables, list) or not tables:
            got = "an empty array" if tables == [] else _kind(tables)
            self.fail(
                ("experiment",),
                f"must be an array of tables, got {got}",
                "write each experiment as an [[experiment]] table",
            )
        seen: dict[tuple[Path, str], int] = {}
        for index, table in enumerate(tables):
            path: KeyPath = ("experiment", index)
            self.table(path, table, "an [[experiment]] table")
            self.check_experiment(path, table)
            folder = (self.store_path(table), _folder_name(table["name"], table["version"]))
            if folder in seen:
                other = seen[folder]
                first = tables[other]
                same = (first["name"], first["version"]) == (table["name"], table["version"])
                where = f"experiment[{other}] (line {self.locator.line(('experiment', other))})"
                if same:
                    problem = f"name and version repeat {where}"
                else:
                    problem = f"runs would share the folder {folder[1]!r} with {where}"
                self.fail(
                    (*path, "name"),
                    problem,
                    "give one of them a different name or version",
                )
            seen[folder] = index
        return tables

    def store_path(self, table: Mapping[str, Any]) -> Path:
        store = Path(table.get("store", _DEFAULT_STORE)).expanduser()
        return Path(os.path.normpath(self.base_dir / store))

    def check_experiment(self, path: KeyPath, table: dict[str, Any]) -> None:
        self.known_keys(
            path,
            table,
            _EXPERIMENT_KEYS,
            "parameters go under [experiment.grid], [experiment.random.space] or "
            "[[experiment.cases]]; ",
        )
        name = self.required(path, table, "name", 'add name = "my_experiment"')
        self.string((*path, "name"), name, 'name = "my_experiment"')
        self.folder_safe((*path, "name"), name)
        version = self.required(path, table, "version", 'add version = "0.1"')
        example = f'version = "{version}"' if _is_number(version) else 'version = "0.1"'
        self.string((*path, "version"), version, example)
        self.folder_safe((*path, "version"), version)
        operation = self.required(
            path,
            table,
            "operation",
            'add operation = "ops:my_operation" (function my_operation in ops.py, '
            "next to this file)",
        )
        self.string((*path, "operation"), operation, 'operation = "ops:my_operation"')
        problem = _operation_ref_problem(operation)
        if problem:
            self.fail((*path, "operation"), *problem)
        if "description" in table:
            self.string(
                (*path, "description"), table["description"], 'description = "..."', empty=True
            )
        if "tags" in table:
            tags = table["tags"]
            if not isinstance(tags, list):
                self.fail(
                    (*path, "tags"),
                    f"must be an array of strings, got {_kind(tags)}",
                    'write it as tags = ["a", "b"]',
                )
            for position, tag in enumerate(tags):
                self.string((*path, "tags", position), tag, 'tags = ["a", "b"]')
        if "store" in table:
            self.string((*path, "store"), table["store"], 'store = "experiments"')
        for key in ("context", "metadata"):
            if key in table:
                self.table((*path, key), table[key], f"an [experiment.{key}] table")
        kind, names = self.check_params(path, table)
        seeds = self.required(
            path, table, "seeds", "add an [experiment.seeds] table with base = 42"
        )
        self.check_seeds((*path, "seeds"), seeds)
        if "executor" in table:
            self.check_executor((*path, "executor"), table["executor"])
        if "display" in table:
            self.check_display((*path, "display"), table["display"], kind, names)

    def folder_safe(self, path: KeyPath, value: str) -> None:
        bad = [c for c in ("/", "\\", "\0") if c in value]
        if bad or value.startswith("."):
            what = f"contains {bad[0]!r}" if bad else "starts with '.'"
            self.fail(
                path,
                f"{what}, but it becomes part of a folder name",
                "use letters, digits, '-', '_' and '.'",
            )

    def check_params(self, path: KeyPath, table: dict[str, Any]) -> tuple[str, list[list[str]]]:
        """Check the one parameter table; its kind and the parameter names (per case)."""
        kinds = [kind for kind in _PARAM_KINDS if kind in table]
        if not kinds:
            self.fail(
                path,
                "has no parameters: it needs one of grid, random or cases",
                "add [experiment.grid] with lists of values, e.g. learning_rate = [0.01, 0.1]",
            )
        if len(kinds) > 1:
            kinds.sort(key=lambda kind: self.locator.line((*path, kind)) or 0)
            self.fail(
                (*path, kinds[1]),
                f"{kinds[1]} is given as well as {kinds[0]}; "
                "use exactly one of grid, random, cases",
                "remove one, or split them into two [[experiment]] tables",
            )
        kind = kinds[0]
        where = (*path, kind)
        if kind == "grid":
            return kind, [self.check_grid(where, table[kind])]
        if kind == "random":
            return kind, [self.check_random(where, table[kind])]
        return kind, self.check_cases(where, table[kind])

    def check_grid(self, path: KeyPath, grid: Any) -> list[str]:
        grid = self.table(path, grid, "[experiment.grid] with one array of values per parameter")
        if not grid:
            self.fail(
                path,
                "is empty, so there is nothing to run",
                "add a parameter with its values, e.g. learning_rate = [0.01, 0.1]",
            )
        for key, values in grid.items():
            if not isinstance(values, list):
                inside = "value, ..." if isinstance(values, dict) else _toml_value(values)
                self.fail(
                    (*path, key),
                    f"must be an array of values, got {_kind(values)}",
                    f"write it as {_format_key((key,))} = [{inside}]",
                )
            if not values:
                self.fail(
                    (*path, key),
                    "is an empty array, so the grid has no runs",
                    "give it at least one value, or remove it",
                )
        return list(grid)

    def check_cases(self, path: KeyPath, cases: Any) -> list[list[str]]:
        example = "[[experiment.cases]] tables, one per case"
        if isinstance(cases, dict):
            self.fail(
                path,
                "must be an array of tables, got a single table",
                "write [[experiment.cases]] (double brackets), one per case",
            )
        if not isinstance(cases, list):
            self.fail(
                path, f"must be an array of tables, got {_kind(cases)}", f"write it as {example}"
            )
        if not cases:
            self.fail(path, "is empty, so there is nothing to run", f"write it as {example}")
        for position, case in enumerate(cases):
            self.table((*path, position), case, example)
        return [list(case) for case in cases]

    def check_random(self, path: KeyPath, random: Any) -> list[str]:
        random = self.table(path, random, "[experiment.random] with trials, seed and space")
        self.known_keys(path, random, _RANDOM_KEYS)
        trials = self.required(path, random, "trials", "add trials = 20 to [experiment.random]")
        self.integer((*path, "trials"), trials, "trials = 20", minimum=1)
        seed = self.required(path, random, "seed", "add seed = 0 to [experiment.random]")
        self.integer((*path, "seed"), seed, "seed = 0")
        space = self.required(
            path,
            random,
            "space",
            "add [experiment.random.space] with e.g. lr = { loguniform = [1e-4, 1e-1] }",
        )
        where = (*path, "space")
        space = self.table(where, space, "[experiment.random.space]")
        if not space:
            self.fail(
                where,
                "is empty, so there is nothing to sample",
                "add a parameter, e.g. lr = { loguniform = [1e-4, 1e-1] }",
            )
        for key, distribution in space.items():
            self.check_distribution((*where, key), key, distribution)
        return list(space)

    def check_distribution(self, path: KeyPath, name: str, value: Any) -> None:
        label = _format_key((name,))
        if not isinstance(value, dict):
            if isinstance(value, list):
                hint = f"write e.g. {label} = {{ uniform = [low, high] }} or "
                hint += f"{label} = {{ choice = [...] }}"
            else:
                hint = f"write e.g. {label} = {{ uniform = [0.0, 1.0] }}, or "
                hint += f"{label} = {{ choice = [{_toml_value(value)}] }} for a fixed value"
            self.fail(
                path, f"must be an inline table naming a distribution, got {_kind(value)}", hint
            )
        kinds = ", ".join(_DISTRIBUTIONS)
        if len(value) != 1:
            self.fail(
                path,
                f"must name exactly one distribution, got {len(value)}",
                f"write e.g. {label} = {{ uniform = [0.0, 1.0] }}; kinds: {kinds}",
            )
        ((kind, argument),) = value.items()
        where = (*path, kind)
        if kind not in _DISTRIBUTIONS:
            guess = _closest(kind, _DISTRIBUTIONS)
            hint = f"did you mean {guess!r}? " if guess else ""
            self.fail(where, "unknown distribution", hint + f"kinds: {kinds}")
        if kind == "choice":
            if not isinstance(argument, list) or not argument:
                self.fail(
                    where,
                    f"must be a non-empty array of options, got {_kind(argument)}",
                    f'write it as {label} = {{ choice = ["a", "b"] }}',
                )
            return
        numeric = "integers" if kind in _INT_DISTRIBUTIONS else "numbers"
        example = f"{label} = {{ {kind} = [1, 100] }}"
        ok = _is_int if kind in _INT_DISTRIBUTIONS else _is_number
        if not isinstance(argument, list) or len(argument) != 2 or not all(map(ok, argument)):
            if not isinstance(argument, list):
                shown = _kind(argument)
            elif len(argument) != 2:
                shown = f"an array of {len(argument)}"
            else:
                shown = "[" + ", ".join(_kind(item) for item in argument) + "]"
            self.fail(
                where, f"must be [low, high], two {numeric}; got {shown}", f"write it as {example}"
            )
        low, high = argument
        if kind in _POSITIVE_DISTRIBUTIONS and low <= 0:
            self.fail(
                where,
                f"needs bounds above 0 (a log scale), got low = {low}",
                f"use a positive low, e.g. {example}, or use uniform/randint",
            )
        if not low < high:
            if low == high:
                hint = f"for a fixed value use {label} = {{ choice = [{low}] }}"
            else:
                hint = f"write it as {label} = {{ {kind} = [{high}, {low}] }}"
            self.fail(where, f"low must be below high, got [{low}, {high}]", hint)

    def check_seeds(self, path: KeyPath, seeds: Any) -> None:
        seeds = self.table(path, seeds, "[experiment.seeds] with base = 42")
        self.known_keys(path, seeds, _SEEDS_KEYS)
        base = self.required(path, seeds, "base", "add base = 42 to [experiment.seeds]")
        self.integer((*path, "base"), base, "base = 42")
        if "replicates" in seeds:
            self.integer((*path, "replicates"), seeds["replicates"], "replicates = 3", minimum=1)

    def check_executor(self, path: KeyPath, executor: Any) -> None:
        executor = self.table(path, executor, '[experiment.executor] with kind = "thread"')
        self.known_keys(path, executor, _EXECUTOR_KEYS)
        kind = "thread"
        if "kind" in executor:
            kind = self.string((*path, "kind"), executor["kind"], 'kind = "thread"')
            if kind not in _EXECUTOR_KINDS:
                guess = _closest(kind, _EXECUTOR_KINDS)
                hint = f'did you mean "{guess}"? ' if guess else ""
                self.fail(
                    (*path, "kind"),
                    f"unknown executor kind {kind!r}",
                    hint + 'use "thread", "process" or "dask"',
                )
        if "workers" in executor:
            self.integer((*path, "workers"), executor["workers"], "workers = 4", minimum=1)
        if kind != "dask":
            for key in _DASK_ONLY_KEYS:
                if key in executor:
                    self.fail(
                        (*path, key),
                        f'applies to kind = "dask" only, and this executor is {kind!r}',
                        'set kind = "dask", or remove it',
                    )
            return
        self.check_dask_executor(path, executor)

    def check_dask_executor(self, path: KeyPath, executor: dict[str, Any]) -> None:
        """``kind = "dask"``: a LocalCluster (``workers``), a running scheduler
        (``address``), or a dask-jobqueue cluster (``cluster``, ``jobs``/``adapt``,
        ``options``)."""
        if not _importable("distributed"):
            self.fail(
                (*path, "kind"),
                'kind = "dask" needs Dask, which is not installed',
                "install it: pip install 'metalab[dask]' (or, in a checkout, uv sync --extra dask)",
            )
        if "retries" in executor:
            self.integer((*path, "retries"), executor["retries"], "retries = 2", minimum=0)
        address, cluster = executor.get("address"), executor.get("cluster")
        if "address" in executor and "cluster" in executor:
            later = max(("address", "cluster"), key=lambda k: self.locator.line((*path, k)) or 0)
            self.fail(
                (*path, later),
                "address and cluster are both given: address connects to a scheduler "
                "that is running, cluster starts one with batch jobs",
                "keep one of them",
            )
        if address is None and cluster is None:
            for key in ("jobs", "adapt", "options"):
                if key in executor:
                    self.fail(
                        (*path, key),
                        "scales or sets up a dask-jobqueue cluster, and no cluster is given",
                        'add cluster = "slurm" (or "pbs", "sge", "lsf"), or remove it',
                    )
            return
        if address is not None:
            for key in ("jobs", "adapt", "options"):
                if key in executor:
                    self.fail(
                        (*path, key),
                        "applies to a dask-jobqueue cluster, not to a scheduler at an address",
                        "remove it (the scheduler's workers are the ones you started)",
                    )
            self.no_workers(path, executor, "address")
            self.check_address((*path, "address"), address)
            return
        self.check_cluster(path, executor)

    def no_workers(self, path: KeyPath, executor: dict[str, Any], other: str) -> None:
        if "workers" in executor:
            self.fail(
                (*path, "workers"),
                f"sets the size of a local cluster, but {other} is given",
                "remove it" + ("; scale the cluster with jobs = N" if other == "cluster" else ""),
            )

    def check_address(self, path: KeyPath, address: Any) -> None:
        address = self.string(path, address, 'address = "tcp://10.0.0.5:8786"')
        problem = _address_problem(address)
        if problem:
            self.fail(path, problem, "start it (dask scheduler, then dask worker <address>), "
                                     "or check the address")  # fmt: skip

    def check_cluster(self, path: KeyPath, executor: dict[str, Any]) -> None:
        where = (*path, "cluster")
        kind = self.string(where, executor["cluster"], 'cluster = "slurm"')
        if kind not in CLUSTERS:
            guess = _closest(kind, CLUSTERS)
            hint = f'did you mean "{guess}"? ' if guess else ""
            self.fail(where, f"unknown cluster {kind!r}", hint + "use one of " + ", ".join(
                f'"{name}"' for name in CLUSTERS))  # fmt: skip
        self.no_workers(path, executor, "cluster")
        if not _importable("dask_jobqueue"):
            self.fail(
                where,
                f"a {kind!r} cluster needs dask-jobqueue, which is not installed",
                "install it: pip install 'metalab[dask]' (or, in a checkout, uv sync --extra dask)",
            )
        if "jobs" in executor and "adapt" in executor:
            self.fail((*path, "adapt"), "jobs and adapt are both given",
                      "keep jobs = N for a fixed number of jobs, or adapt for a range")  # fmt: skip
        if "jobs" in executor:
            self.integer((*path, "jobs"), executor["jobs"], "jobs = 8", minimum=1)
        if "adapt" in executor:
            self.check_adapt((*path, "adapt"), executor["adapt"])
        options = executor.get("options", {})
        where = (*path, "options")
        options = self.table(where, options, "[experiment.executor.options] with cores = 1, ...")
        problem = option_problem(kind, options)
        if problem is not None:
            key, message = problem
            if key is not None and key not in options or message == "unknown option":
                known = known_options(kind)
                guess = _closest(str(key), known)
                hint = f"did you mean {guess!r}? " if guess else ""
                self.fail((*where, str(key)), f"{message} for a {kind!r} cluster",
                          hint + "options: " + ", ".join(known))  # fmt: skip
            if key is not None:
                self.fail((*where, key), message,
                          f"see the dask-jobqueue documentation of {CLUSTERS[kind]}")  # fmt: skip
            self.fail(where, message, "give [experiment.executor.options] at least cores = 1 "
                      f'and memory = "4GB" (see dask-jobqueue\'s {CLUSTERS[kind]})')  # fmt: skip

    def check_adapt(self, path: KeyPath, adapt: Any) -> None:
        example = "adapt = { minimum = 0, maximum = 20 }"
        adapt = self.table(path, adapt, example)
        self.known_keys(path, adapt, _ADAPT_KEYS)
        maximum = self.required(path, adapt, "maximum", f"write it as {example}")
        minimum = adapt.get("minimum", 0)
        self.integer((*path, "minimum"), minimum, example, minimum=0)
        self.integer((*path, "maximum"), maximum, example, minimum=1)
        if minimum > maximum:
            self.fail((*path, "minimum"), f"is above maximum ({minimum} > {maximum})", example)

    def check_display(self, path: KeyPath, display: Any, kind: str, names: list[list[str]]) -> None:
        display = self.table(path, display, '[experiment.display] with metric = "loss"')
        self.known_keys(path, display, _DISPLAY_KEYS)
        if "metric" in display:
            self.string((*path, "metric"), display["metric"], 'metric = "loss"')
        if "steps" not in display:
            return
        steps = display["steps"]
        where = (*path, "steps")
        if _is_int(steps):
            if steps < 1:
                self.fail(
                    where,
                    f"must be a positive number of steps, got {steps}",
                    'write e.g. steps = 1000, or name a parameter: steps = "n_iterations"',
                )
            return
        if not isinstance(steps, str):
            self.fail(
                where,
                f"must be a parameter name or a positive integer, got {_kind(steps)}",
                'write e.g. steps = "n_iterations" or steps = 1000',
            )
        for position, keys in enumerate(names):
            if steps not in keys:
                guess = _closest(steps, keys)
                hint = f'did you mean "{guess}"? ' if guess else ""
                hint += "parameters: " + (", ".join(keys) or "(none)")
                if kind == "cases":
                    case = (*path[:-1], "cases", position)
                    problem = f"names parameter {steps!r}, which case {position} (line "
                    problem += f"{self.locator.line(case)}) does not set"
                else:
                    problem = f"names parameter {steps!r}, which the {kind} does not have"
                self.fail(where, problem, hint)

    def check_importable_by_name(self, path: KeyPath, ref: str) -> None:
        """Process workers are spawned and import the operation by ``ref``: check they can."""
        module = ref.partition(":")[0]
        if module.startswith("_metalab_file_"):
            problem = "a process executor cannot import this file in its workers"
            hint = (
                f"put the file inside {self.base_dir} (with a path of valid module names), "
                'or use kind = "thread"'
            )
        elif is_local_ref(ref):
            problem = f"a process executor cannot import {ref!r} in its workers"
            hint = 'define the operation at module level, or use kind = "thread"'
        else:
            return
        self.fail((*path, "operation"), problem, hint)
