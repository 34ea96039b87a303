"""Experiment definition files: load ``experiments.toml``, check it, build experiments.

An experiment file lets a user describe sweeps without writing a driver script, and
lets the terminal UI list, run and re-dump them. This module is shaped by three needs:

* **Every mistake is caught before anything runs.** :func:`load_experiments` checks
  the whole file first (pure checks on the parsed TOML, no imports of user code),
  then imports each operation, and only then returns. Nothing is written. A bad
  file raises exactly one :class:`~metalab.errors.ConfigError` that names the file,
  the 1-based line, the key path (``experiment[1].executor.workers``, experiments
  counted from 0 in file order), what is wrong and a hint. ``tomllib`` keeps no
  line numbers, so a small locator (:class:`_Locator`) re-scans the raw text for
  table headers and ``key =`` assignments to map key paths back to lines.
* **It stays light.** The terminal UI imports this module, but so do headless
  runners and worker processes, so it imports neither textual nor plotext, and it
  imports the rest of metalab (experiment, params, seeds, executors, operation)
  lazily, only when it builds objects.
* **What was read can be written back.** Each :class:`ExperimentSpec` keeps the raw
  table exactly as parsed, and :func:`dump_experiment` writes it out as a file that
  loads back to an equal spec (relative paths in it stay relative to wherever that
  file is put).

Operations are named ``module:attribute`` (imported with the TOML file's folder at
the front of ``sys.path``) or ``path/to/file.py:attribute`` (relative to that
folder). A file is imported under the dotted module name its path has relative to
the TOML folder (``ops.py`` -> ``ops``, ``pkg/train.py`` -> ``pkg.train``) when that
name is a valid, free module name, else under ``_metalab_file_<stem>_<hash>``; either
way it is registered in ``sys.modules`` so the operation's ``ref`` finds it again.
Process workers are spawned and re-import the operation by that ``ref`` (with the
parent's ``sys.path``), which works for dotted names but not for the hashed
fallback, so an experiment that would need it with ``kind = "process"`` is refused
at load time.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import hashlib
import importlib
import importlib.util
import json
import keyword
import os
import re
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

from metalab.errors import ConfigError

if TYPE_CHECKING:
    from metalab.experiment import Experiment
    from metalab.operation import OperationWrapper

__all__ = [
    "DisplaySpec",
    "ExecutorSpec",
    "ExperimentSpec",
    "dump_experiment",
    "load_experiments",
    "resolve_operation",
]

KeyPath = tuple[str | int, ...]
Fail = Callable[..., NoReturn]

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
_EXECUTOR_KEYS = ("kind", "workers")
_EXECUTOR_KINDS = ("thread", "process")
_DISPLAY_KEYS = ("metric", "steps")
_DISTRIBUTIONS = ("uniform", "loguniform", "loguniform_int", "randint", "choice")
_INT_DISTRIBUTIONS = ("loguniform_int", "randint")
_POSITIVE_DISTRIBUTIONS = ("loguniform", "loguniform_int")
_DEFAULT_STORE = "experiments"
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}#\r\n]*")


# ---------------------------------------------------------------------------
# Public objects


@dataclass(frozen=True)
class ExecutorSpec:
    """How to run an experiment's runs: ``[experiment.executor]``."""

    kind: str = "thread"
    workers: int = 4

    def build(self, workers: int | None = None) -> Any:
        """A fresh executor of this kind; ``workers`` overrides the file's count."""
        from metalab.executors import ProcessExecutor, ThreadExecutor

        count = self.workers if workers is None else workers
        if self.kind == "process":
            return ProcessExecutor(max_workers=count)
        return ThreadExecutor(max_workers=count)


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
    return [checker.build(index, table, source) for index, table in enumerate(tables)]


def dump_experiment(spec: ExperimentSpec) -> str:
    """The TOML text of one experiment, which :func:`load_experiments` reads back."""
    import tomli_w

    return tomli_w.dumps({"experiment": [spec.table]})


def resolve_operation(
    ref: str,
    base_dir: Path,
    *,
    path: str | None = None,
    key: str | None = None,
    line: int | None = None,
) -> OperationWrapper:
    """Import the operation ``ref`` names, resolving it from ``base_dir``.

    ``ref`` is ``module:attribute`` or ``path/to/file.py:attribute`` (the attribute
    may be dotted). ``path``, ``key`` and ``line`` only label the error raised.
    """
    from metalab.operation import OperationWrapper

    def fail(problem: str, hint: str | None = None) -> NoReturn:
        raise ConfigError(problem, path=path, line=line, key=key, hint=hint)

    problem = _operation_ref_problem(ref)
    if problem:
        fail(*problem)
    base_dir = Path(base_dir).resolve()
    _ensure_on_sys_path(base_dir)
    importlib.invalidate_caches()
    target, _, attribute = ref.rpartition(":")
    if _is_file_ref(target):
        module = _import_file(target, base_dir, fail)
        where = f"file {target!r}"
    else:
        module = _import_module(target, base_dir, fail)
        where = f"module {target!r}"

    obj: Any = module
    for depth, part in enumerate(attribute.split(".")):
        if not hasattr(obj, part):
            owner = where if depth == 0 else repr(".".join(attribute.split(".")[:depth]))
            fail(f"{owner} has no attribute {part!r}", _attribute_hint(obj, part, depth == 0))
        obj = getattr(obj, part)
    if not isinstance(obj, OperationWrapper):
        kind = type(obj).__name__
        fail(
            f"{ref!r} is a {kind}, not a metalab operation",
            f"decorate it with @metalab.operation in {target}",
        )
    return obj


# ---------------------------------------------------------------------------
# Reading and locating


def _read_text(source: Path, shown: str) -> str:
    if source.is_dir():
        inside = source / "experiments.toml"
        hint = f"pass the file inside it: {inside}" if inside.is_file() else "pass a .toml file"
        raise ConfigError("is a folder, not an experiment file", path=shown, hint=hint)
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            "file not found",
            path=shown,
            hint=f"check the path (looked for {source.absolute()})",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror or exc}", path=shown) from None
    try:
        return data.decode("utf-8-sig")  # tolerate the BOM some editors write
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            "is not valid UTF-8 text", path=shown, line=line, hint="save the file as UTF-8"
        ) from None


_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def _syntax_error(exc: tomllib.TOMLDecodeError, text: str, shown: str) -> ConfigError:
    message = str(exc)
    line: int | None = None
    column: int | None = None
    match = _AT_LINE.search(message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        message = message[: match.start()]
    elif _AT_END.search(message):
        message = _AT_END.sub("", message)
        line = text.count("\n") + (0 if text.endswith("\n") else 1)
    message = message.strip().rstrip(".")
    problem = "invalid TOML: " + (message[:1].lower() + message[1:] if message else "syntax error")
    if column is not None:
        problem += f" (column {column})"
    hint = "fix the TOML syntax on this line; see docs/experiments-toml.md for the format"
    if line is not None:
        lines = text.splitlines()
        bare = re.match(
            r"\s*([A-Za-z0-9_.-]+)\s*=\s*([A-Za-z_][^\"'\[{#]*?)\s*(#.*)?$",
            lines[line - 1] if 0 < line <= len(lines) else "",
        )
        if bare and bare.group(2) not in ("true", "false", "inf", "nan"):
            hint = f'text values need quotes: {bare.group(1)} = "{bare.group(2)}"'
    return ConfigError(problem, path=shown, line=line, hint=hint)


class _Locator:
    """Maps key paths to the 1-based line where they are defined in the raw text.

    It understands ``[table]`` and ``[[array]]`` headers (numbering array entries
    from 0, per parent entry), ``key =`` and dotted ``a.b =`` assignments, quoted
    keys, inline tables and arrays (whose entries are numbered). It is only run on
    text ``tomllib`` has accepted; anything it cannot follow just has no line, and
    :meth:`line` falls back to the closest enclosing key or table that has one.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1
        self._lines: dict[KeyPath, int] = {}
        self._arrays: dict[KeyPath, int] = {}
        with contextlib.suppress(IndexError, ValueError):  # best effort only
            self._scan()

    def line(self, path: KeyPath) -> int | None:
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None

    # -- scanning ---------------------------------------------------------------

    def _peek(self, offset: int = 0) -> str:
        index = self._pos + offset
        return self._text[index] if index < len(self._text) else ""

    def _advance(self, count: int = 1) -> None:
        end = min(self._pos + count, len(self._text))
        self._line += self._text.count("\n", self._pos, end)
        self._pos = end

    def _record(self, path: KeyPath, line: int) -> None:
        self._lines.setdefault(path, line)

    def _skip_blank(self, *, newlines: bool) -> None:
        while True:
            char = self._peek()
            if char in (" ", "\t") or (newlines and char in ("\n", "\r")):
                self._advance()
            elif newlines and char == "#":
                self._skip_line()
            else:
                return

    def _skip_line(self) -> None:
        end = self._text.find("\n", self._pos)
        self._advance((len(self._text) if end < 0 else end + 1) - self._pos)

    def _scan(self) -> None:
        table: KeyPath = ()
        while self._pos < len(self._text):
            self._skip_blank(newlines=True)
            if self._pos >= len(self._text):
                return
            line = self._line
            if self._peek() == "[":
                is_array = self._peek(1) == "["
                self._advance(2 if is_array else 1)
                table = self._header_path(self._key(), is_array, line)
                self._skip_line()
                continue
            keys = self._key()
            self._skip_blank(newlines=False)
            if not keys or self._peek() != "=":
                self._skip_line()
                continue
            self._advance()
            for depth in range(1, len(keys) + 1):
                self._record(table + keys[:depth], line)
            self._value(table + keys)
            self._skip_line()

    def _header_path(self, keys: tuple[str, ...], is_array: bool, line: int) -> KeyPath:
        path: KeyPath = ()
        for depth, key in enumerate(keys):
            path = (*path, key)
            self._record(path, line)  # a table implied by this header starts here too
            if is_array and depth == len(keys) - 1:
                count = self._arrays.get(path, 0)
                self._arrays[path] = count + 1
                path = (*path, count)
            elif path in self._arrays:
                path = (*path, self._arrays[path] - 1)
        self._record(path, line)
        return path

    def _key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            char = self._peek()
            if char == '"':
                parts.append(self._basic_string())
            elif char == "'":
                end = self._text.index("'", self._pos + 1)
                parts.append(self._text[self._pos + 1 : end])
                self._advance(end + 1 - self._pos)
            else:
                match = _BARE_KEY.match(self._text, self._pos)
                if not match:
                    return tuple(parts)
                parts.append(match.group())
                self._advance(match.end() - self._pos)
            self._skip_blank(newlines=False)
            if self._peek() != ".":
                return tuple(parts)
            self._advance()

    def _basic_string(self) -> str:
        start = self._pos
        index = start + 1
        while self._text[index] != '"':
            index += 2 if self._text[index] == "\\" else 1
        raw = self._text[start : index + 1]
        self._advance(index + 1 - start)
        try:
            return str(json.loads(raw))
        except ValueError:
            return raw[1:-1]

    def _value(self, path: KeyPath) -> None:
        self._skip_blank(newlines=False)
        text, pos = self._text, self._pos
        char = self._peek()
        if text.startswith('"""', pos) or text.startswith("'''", pos):
            quote = text[pos]
            index = pos + 3
            while not text.startswith(quote * 3, index):
                index += 2 if (quote == '"' and text[index] == "\\") else 1
            while text.startswith(quote, index + 3):  # up to two quotes before the closer
                index += 1
            self._advance(index + 3 - pos)
        elif char == '"':
            self._basic_string()
        elif char == "'":
            self._advance(text.index("'", pos + 1) + 1 - pos)
        elif char == "[":
            self._advance()
            index = 0
            while True:
                self._skip_blank(newlines=True)
                if self._peek() in ("]", ""):
                    self._advance()
                    return
                self._record((*path, index), self._line)
                self._value((*path, index))
                self._skip_blank(newlines=True)
                if self._peek() != ",":
                    self._advance()  # the closing bracket
                    return
                self._advance()
                index += 1
        elif char == "{":
            self._advance()
            while True:
                self._skip_blank(newlines=False)
                if self._peek() in ("}", ""):
                    self._advance()
                    return
                line = self._line
                keys = self._key()
                self._skip_blank(newlines=False)
                if not keys or self._peek() != "=":
                    return
                self._advance()
                for depth in range(1, len(keys) + 1):
                    self._record(path + keys[:depth], line)
                self._value(path + keys)
                self._skip_blank(newlines=False)
                if self._peek() != ",":
                    self._advance()  # the closing brace
                    return
                self._advance()
        else:
            match = _SCALAR.match(text, pos)
            self._advance(match.end() - pos if match else 1)


# ---------------------------------------------------------------------------
# Checking


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


class _Checker:
    """Checks a parsed document and builds specs, raising ConfigError with lines."""

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
        if "kind" in executor:
            kind = self.string((*path, "kind"), executor["kind"], 'kind = "thread"')
            if kind not in _EXECUTOR_KINDS:
                guess = _closest(kind, _EXECUTOR_KINDS)
                hint = f'did you mean "{guess}"? ' if guess else ""
                self.fail(
                    (*path, "kind"),
                    f"unknown executor kind {kind!r}",
                    hint + 'use "thread" or "process"',
                )
        if "workers" in executor:
            self.integer((*path, "workers"), executor["workers"], "workers = 4", minimum=1)

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

    # -- building ---------------------------------------------------------------

    def build(self, index: int, table: dict[str, Any], source: Path) -> ExperimentSpec:
        from metalab.experiment import Experiment
        from metalab.seeds import seeds as make_seeds

        path: KeyPath = ("experiment", index)
        operation = resolve_operation(
            table["operation"],
            self.base_dir,
            path=self.shown,
            key=_format_key((*path, "operation")),
            line=self.locator.line((*path, "operation")),
        )
        if _executor_kind(table) == "process":
            self.check_importable_by_name(path, operation.ref)
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
                params=self.build_params(raw),
                seeds=make_seeds(seeds["base"], seeds.get("replicates", 1)),
                description=raw.get("description"),
                tags=raw.get("tags", []),
                metadata=raw.get("metadata", {}),
            )
        except (TypeError, ValueError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.fail(path, f"metalab rejected this experiment: {message}")
        return ExperimentSpec(
            name=table["name"],
            version=table["version"],
            source=source,
            index=index,
            store=self.store_path(table),
            operation_ref=table["operation"],
            experiment=experiment,
            executor=ExecutorSpec(**executor),
            display=DisplaySpec(**display),
            table=table,
        )

    def check_importable_by_name(self, path: KeyPath, ref: str) -> None:
        """Process workers are spawned and import the operation by ``ref``: check they can."""
        module = ref.partition(":")[0]
        if module.startswith("_metalab_file_"):
            problem = "a process executor cannot import this file in its workers"
            hint = (
                f"put the file inside {self.base_dir} (with a path of valid module names), "
                'or use kind = "thread"'
            )
        elif "<locals>" in ref or "<lambda>" in ref:
            problem = f"a process executor cannot import {ref!r} in its workers"
            hint = 'define the operation at module level, or use kind = "thread"'
        else:
            return
        self.fail((*path, "operation"), problem, hint)

    @staticmethod
    def build_params(raw: dict[str, Any]) -> Any:
        from metalab import params

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
            space[key] = (
                factories[kind](argument) if kind == "choice" else factories[kind](*argument)
            )
        return params.random(space, random["trials"], random["seed"])


# ---------------------------------------------------------------------------
# Operations


_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_REF_HINT = 'write it as "module:function" or "path/to/file.py:function"'


def _executor_kind(table: Mapping[str, Any]) -> str:
    """The executor kind a checked experiment table asks for."""
    executor = table.get("executor", {})
    return str(executor.get("kind", "thread"))


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


def _ensure_on_sys_path(folder: Path) -> None:
    for entry in sys.path:
        try:
            if Path(entry or os.curdir).resolve() == folder:
                return
        except OSError:
            continue
    sys.path.insert(0, str(folder))


def _import_module(name: str, base_dir: Path, fail: Fail) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (name == missing or name.startswith(missing + ".")):
            fail(
                f"module {name!r} not found",
                f"modules are looked up from {base_dir} and the installed packages; check "
                f"the spelling, or give a file instead, e.g. "
                f'"{name.replace(".", "/")}.py:..."',
            )
        fail(
            f"importing module {name!r} failed: {_one_line(exc)}",
            f"install the missing package {missing!r}" if missing else None,
        )
    except Exception as exc:
        fail(
            f"importing module {name!r} failed: {_one_line(exc)}",
            f"fix the error; to see the traceback run: cd {base_dir} && python -c 'import {name}'",
        )


def _import_file(target: str, base_dir: Path, fail: Fail) -> ModuleType:
    file = Path(os.path.normpath(base_dir / Path(target).expanduser()))
    if not file.is_file():
        folder = file.parent
        hint = f"the path is relative to the experiment file's folder, {base_dir}"
        if folder.is_dir():
            guess = _closest(file.name, [p.name for p in folder.glob("*.py")])
            if guess:
                hint = f"did you mean {guess!r}? " + hint
        fail(f"file {target!r} not found", hint)
    name = _module_name_for(file, base_dir)
    existing = sys.modules.get(name)
    if existing is not None:
        return existing
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        fail(f"cannot import file {target!r}", "give a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        fail(
            f"importing file {target!r} failed: {_one_line(exc)}",
            f"fix the error; to see the traceback run: python {file}",
        )
    return module


def _module_name_for(file: Path, base_dir: Path) -> str:
    """A stable module name for a file: its dotted path when usable, else a hashed one."""
    try:
        relative = file.relative_to(base_dir)
    except ValueError:
        relative = None
    if relative is not None:
        parts = [*relative.parent.parts, relative.stem]
        if all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
            name = ".".join(parts)
            existing = sys.modules.get(name)
            if existing is None or _same_file(getattr(existing, "__file__", None), file):
                return name
    digest = hashlib.sha1(str(file).encode()).hexdigest()[:10]
    stem = re.sub(r"\W", "_", file.stem)
    return f"_metalab_file_{stem}_{digest}"


def _same_file(candidate: str | None, file: Path) -> bool:
    if not candidate:
        return False
    try:
        return Path(candidate).resolve() == file.resolve()
    except OSError:
        return False


def _one_line(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__


def _attribute_hint(obj: Any, missing: str, in_module: bool) -> str:
    names = [name for name in dir(obj) if not name.startswith("_")]
    guess = _closest(missing, names)
    if guess:
        return f"did you mean {guess!r}?"
    if in_module:
        try:
            from metalab.operation import OperationWrapper
        except ImportError:  # pragma: no cover - metalab.operation always exists
            operations: list[str] = []
        else:
            operations = [n for n in names if isinstance(getattr(obj, n), OperationWrapper)]
        if operations:
            return "operations defined there: " + ", ".join(operations)
    return "define it there and decorate it with @metalab.operation"
