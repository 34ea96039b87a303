"""Counting the bytes a module reads from files, to show that a read is bounded.

``CountingOpen`` stands in for ``open`` in one module (``monkeypatch.setattr(module,
"open", counter, raising=False)``: a module's global shadows the builtin): files open
as usual, and every ``read`` adds its length to :attr:`CountingOpen.bytes`, per path in
:attr:`CountingOpen.by_path`.
"""

from __future__ import annotations

import builtins
import os
from typing import Any

__all__ = ["CountingOpen"]


class CountingOpen:
    """``open`` for one module: counts the bytes read through the files it opens."""

    def __init__(self) -> None:
        self.bytes = 0
        self.by_path: dict[str, int] = {}

    def __call__(self, file: Any, *args: Any, **kwargs: Any) -> Any:
        fh = builtins.open(file, *args, **kwargs)  # noqa: SIM115 - the caller closes it
        name = os.fsdecode(file) if isinstance(file, str | bytes | os.PathLike) else str(file)
        real_read = fh.read

        def read(*a: Any) -> Any:
            data = real_read(*a)
            self.bytes += len(data)
            self.by_path[name] = self.by_path.get(name, 0) + len(data)
            return data

        fh.read = read
        return fh
