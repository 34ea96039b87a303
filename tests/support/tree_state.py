"""What a results tree holds, down to the byte, to prove that reading it changed nothing.

``tree_state(root)`` walks the tree without following symlinks and records, per path,
what it is: a folder (its listing and mtime, which moves whenever an entry is created,
renamed or removed, even briefly, as a temporary file would be), a file (its size,
mtime and SHA-256), or a symlink (its target). Two states compare equal only when no
file changed, appeared or vanished and no folder was written to. Tests run as root,
so ``chmod`` cannot make a tree read-only for them; comparing states is the check.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["TreeState", "describe_changes", "tree_state"]

TreeState = dict[str, tuple[object, ...]]


def tree_state(root: Path) -> TreeState:
    """Every path under ``root`` (``root`` itself as ``.``) and what it holds."""
    out: TreeState = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        st = os.lstat(dirpath)
        out[rel_dir] = ("dir", st.st_mtime_ns, tuple(sorted(dirnames + filenames)))
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            st = os.lstat(path)
            if os.path.islink(path):
                out[rel] = ("link", os.readlink(path))
            elif name in filenames:
                digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                out[rel] = ("file", st.st_size, st.st_mtime_ns, digest)
    return out


def describe_changes(before: TreeState, after: TreeState) -> list[str]:
    """What differs between two states, one line a path (empty: nothing)."""
    lines = []
    for path in sorted(set(before) | set(after)):
        if path not in after:
            lines.append(f"removed: {path}")
        elif path not in before:
            lines.append(f"appeared: {path}")
        elif before[path] != after[path]:
            lines.append(f"changed: {path} {before[path]} -> {after[path]}")
    return lines
