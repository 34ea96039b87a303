"""Staying inside a results tree: whether a path, symlinks resolved, lies within it.

Why it exists: a tree may be damaged or hostile. A symlink in ``runs/``, ``logs/`` or
``artifacts/`` may point at ``/etc/passwd`` or at another user's files, and an artifact
descriptor may record a uri far outside the tree. The browser shows what is in the
tree and nothing else, so every read of a tree's file that could lead out of it asks
:func:`inside_tree` first; this is the one place that answers. Reading the tree itself
through a symlinked path (``~/results`` -> ``/data/results``) is fine: the boundary is
the tree's real path.

No textual here: this is the browser's data layer.
"""

from __future__ import annotations

import os

__all__ = ["OUTSIDE_TREE", "SYMLINK_OUT", "OutsideTree", "inside_tree", "real_path"]

OUTSIDE_TREE = "leads out of the results tree: not read"
"""How a skipped file that leads out of the tree is described (after its name)."""
SYMLINK_OUT = "a symlink out of the results tree: not read"
"""Why a symlink leading out of the tree was skipped (the words ``load_results`` uses)."""


class OutsideTree(PermissionError):
    """A file of a results tree that resolves outside the tree: it is not read."""


def real_path(path: str | os.PathLike[str]) -> str:
    """``path`` with every symlink resolved (a loop is left as far as it resolves)."""
    return os.path.realpath(path)


def inside_tree(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """Whether ``path``, symlinks followed, is ``root`` or lies under it (``root`` is
    resolved too, so it may itself be reached through a symlink)."""
    top = real_path(root)
    real = real_path(path)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)
