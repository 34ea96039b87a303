"""Importing the operation an experiment names: the one place user code runs.

Operations are named ``module:attribute`` (imported with the TOML file's folder at
the front of ``sys.path``) or ``path/to/file.py:attribute`` (relative to that
folder). A file is imported under the dotted module name its path has relative to
the TOML folder (``ops.py`` -> ``ops``, ``pkg/train.py`` -> ``pkg.train``) when that
name is a valid, free module name, else under ``_metalab_file_<stem>_<hash>``; either
way it is registered in ``sys.modules`` so the operation's ``ref`` finds it again.
Process workers are spawned and re-import the operation by that ``ref`` (with the
parent's ``sys.path``), which works for dotted names but not for the hashed
fallback, so an experiment that would need it with ``kind = "process"`` is refused
at load time (see ``_Checker.check_importable_by_name``).

Kept apart from the checks so that importing, ``sys.path`` and ``sys.modules``
handling, and the hints for failed imports sit together, and so that
:func:`resolve_operation` can be used on its own, without an experiment file.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import keyword
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from metalab.config._check import _closest, _is_file_ref, _operation_ref_problem
from metalab.errors import ConfigError
from metalab.operation import OperationWrapper

Fail = Callable[..., NoReturn]


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
        operations = [n for n in names if isinstance(getattr(obj, n), OperationWrapper)]
        if operations:
            return "operations defined there: " + ", ".join(operations)
    return "define it there and decorate it with @metalab.operation"
