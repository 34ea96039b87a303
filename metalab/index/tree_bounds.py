"""Staying inside a results tree, as the index and the browser say it.

The browser shows what is in the tree and nothing else, so every read of a tree's
file that could lead out of it asks :func:`inside_tree` first (the one test, in
:mod:`metalab.store.bounds`, which the store's own reads use too). Here are the words
for what was skipped; a refused read raises :class:`metalab.errors.OutsideTreeError`
(a ``PermissionError``), as the store's own reads do.

No textual here: this is the browser's data layer.
"""

from __future__ import annotations

from metalab.store.bounds import inside_tree, real_path

__all__ = ["OUTSIDE_TREE", "SYMLINK_OUT", "inside_tree", "real_path"]

OUTSIDE_TREE = "leads out of the results tree: not read"
"""How a skipped file that leads out of the tree is described (after its name)."""
SYMLINK_OUT = "a symlink out of the results tree: not read"
"""Why a symlink leading out of the tree was skipped (the words ``load_results`` uses)."""
