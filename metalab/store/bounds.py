"""Whether a path, symlinks resolved, lies inside a results tree: the one test of it.

A tree may be damaged or hostile: a symlink in ``runs/``, ``logs/`` or ``artifacts/``
may point at ``/etc/passwd``, and an artifact descriptor may record a uri far outside
the tree. Every reader of a tree (the store's own reads, the results index, the
browser) asks :func:`inside_tree` before it opens a file that could lead out. Reaching
the tree itself through a symlinked path (``~/results`` -> ``/data/results``) is fine:
the boundary is the tree's real path.
"""

from __future__ import annotations

import os

__all__ = ["inside_tree", "real_path"]


def real_path(path: str | os.PathLike[str]) -> str:
    """``path`` with every symlink resolved (a loop is left as far as it resolves)."""
    return os.path.realpath(path)


def inside_tree(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """Whether ``path``, symlinks followed, is ``root`` or lies under it (``root`` is
    resolved too, so it may itself be reached through a symlink)."""
    top = real_path(root)
    real = real_path(path)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)
