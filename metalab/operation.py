"""``@metalab.operation``: the user's function, called with only what it asks for.

Arguments are injected by parameter *name* (``params``, ``seeds``, ``capture``,
``context``, ``runtime``), so an operation declares its needs in its signature and
nothing else. A typo in a name is caught when the module is imported, not halfway
through a sweep. The wrapper also carries the operation's code hash (part of every
run id, as in the reference) and an import reference that process workers use to
find the function again.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from typing import Any, overload

from metalab.errors import OperationError

__all__ = ["INJECTABLE", "OperationWrapper", "is_local_ref", "operation"]

INJECTABLE = ("context", "params", "seeds", "runtime", "capture")


def is_local_ref(ref: str) -> bool:
    """Whether ``ref`` (``module:qualname``) names a closure or a lambda: an object that
    another process cannot import by name (process and Dask workers import by name)."""
    return "<locals>" in ref or "<lambda>" in ref


class OperationWrapper:
    """A decorated operation: callable with the five injectable arguments."""

    def __init__(self, func: Callable[..., Any], name: str | None = None) -> None:
        sig = inspect.signature(func)
        wanted: list[str] = []
        for pname, param in sig.parameters.items():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or pname not in INJECTABLE:
                raise OperationError(
                    f"operation {func.__qualname__!r} has an invalid parameter {pname!r}: "
                    f"an operation may only ask for {', '.join(INJECTABLE)}"
                )
            wanted.append(pname)
        self.func = func
        self.name = name or func.__name__
        self.wanted = tuple(wanted)
        self.ref = f"{func.__module__}:{func.__qualname__}"
        self._code_hash: str | None = None
        functools.update_wrapper(self, func)

    @property
    def code_hash(self) -> str:
        """sha256 of the function's source (decorator lines included), first 16 hex digits."""
        if self._code_hash is None:
            try:
                source = inspect.getsource(self.func)
            except (OSError, TypeError):
                source = ""
            self._code_hash = hashlib.sha256(source.encode()).hexdigest()[:16] if source else ""
        return self._code_hash

    def run(self, context: Any, params: Any, seeds: Any, runtime: Any, capture: Any) -> Any:
        """Call the function with just the arguments it asked for."""
        available = {
            "context": context,
            "params": params,
            "seeds": seeds,
            "runtime": runtime,
            "capture": capture,
        }
        return self.func(**{k: available[k] for k in self.wanted})

    __call__ = run

    def __repr__(self) -> str:
        return f"Operation({self.name})"


@overload
def operation(func: Callable[..., Any], /) -> OperationWrapper: ...


@overload
def operation(
    func: None = None, /, *, name: str | None = None
) -> Callable[[Callable[..., Any]], OperationWrapper]: ...


def operation(
    func: Callable[..., Any] | None = None, /, *, name: str | None = None
) -> OperationWrapper | Callable[[Callable[..., Any]], OperationWrapper]:
    """Mark a function as a metalab operation: ``@operation``, ``@operation()`` or
    ``@operation(name="fit")``."""
    if func is not None:
        return OperationWrapper(func, name)

    def decorate(f: Callable[..., Any]) -> OperationWrapper:
        return OperationWrapper(f, name)

    return decorate
