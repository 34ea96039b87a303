"""Every error metalab raises on purpose, under one base class users can catch.

A user mistake (a bad parameter, a bad artifact name, a bad experiment file) must
surface as one clear message before anything is written, never as a traceback
from deep inside the runner. So each such check raises a subclass of
:class:`MetalabError`; callers that want to treat every user error alike catch
that, and the command-line front ends print ``str(error)`` and exit with code 2.

Where the reference implementation raised a built-in exception (``ValueError``
at decoration time, for example), our subclass also derives from that built-in,
so code written against the reference keeps catching what it caught before.

Hierarchy::

    MetalabError
    ├── ConfigError              experiments.toml: syntax, unknown key, wrong type ...
    ├── OperationError (ValueError)
    │                            a bad operation signature, or an operation that
    │                            cannot be imported
    ├── CanonicalizeError (ValueError)
    │                            params or context that cannot be fingerprinted
    │                            (NaN, infinity, an unsupported type)
    ├── ArtifactNameError (ValueError)
    │                            an empty, absolute or path-escaping artifact name
    ├── ExecutorError (ValueError)
    │                            an unknown executor
    ├── StoreError (ValueError)  a store path that is not a usable folder (a file, or
    │                            a folder that cannot be written)
    ├── ExperimentLockedError    another live sweep is writing the same experiment
    ├── OutsideTreeError (PermissionError)
    │                            a file of a results tree that leads out of the tree
    │                            (a symlink, an artifact uri): it is not read
    └── CancelledError           raised inside an operation when its sweep is cancelled
"""

from __future__ import annotations

__all__ = [
    "ArtifactNameError",
    "CancelledError",
    "CanonicalizeError",
    "ConfigError",
    "ExecutorError",
    "ExperimentLockedError",
    "MetalabError",
    "OperationError",
    "OutsideTreeError",
    "StoreError",
]


class MetalabError(Exception):
    """Base class of every error metalab raises deliberately."""


class ConfigError(MetalabError):
    """An experiment file that cannot be used.

    The message names the file, the line where one is known, the key path, what is
    wrong and how to fix it, so that a command-line front end can print it as is.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = path
        self.line = line
        self.key = key
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.path or "<experiment file>"
        if self.line is not None:
            where += f":{self.line}"
        text = f"{where}: "
        if self.key:
            text += f"{self.key}: "
        text += self.problem
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class OperationError(MetalabError, ValueError):
    """An operation that cannot be used: a bad signature, or one that cannot be imported."""


class CanonicalizeError(MetalabError, ValueError):
    """A value that cannot be turned into a stable fingerprint."""


class ArtifactNameError(MetalabError, ValueError):
    """An artifact or data name that is empty, absolute, or escapes its run's folder."""


class ExecutorError(MetalabError, ValueError):
    """An executor that metalab does not know how to use."""


class StoreError(MetalabError, ValueError):
    """A store location that is not a usable folder."""


class ExperimentLockedError(MetalabError):
    """Another sweep, still alive, holds the experiment's lock (see metalab.store.lock).

    The message names its pid, host and start time, and says how to proceed.
    """


class OutsideTreeError(MetalabError, PermissionError):
    """A file of a results tree that resolves outside the tree (a symlink out of it, an
    artifact whose recorded path escapes it). It is refused, never read."""


class CancelledError(MetalabError):
    """Raised inside an operation once its sweep has been cancelled.

    Operations that run long without capturing anything can call
    ``runtime.check_cancelled()`` to stop early; ``capture.metric`` and
    ``capture.log`` raise it on their own once the sweep is cancelled.
    """
