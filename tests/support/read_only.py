"""Folders this process may not write, even when the tests run as root.

``chmod 555`` stops an ordinary user but not root, and the tests often run as root (in
containers, in CI). So :func:`read_only_folder` uses the mode bits for an ordinary user
and the immutable attribute (``chattr +i``, which binds root too) for root; where root
may not set it (no CAP_LINUX_IMMUTABLE), the folder is replaced by a link to a folder
of a pseudo-filesystem that nobody may create files in. :data:`READ_ONLY_MOUNT` is
such a folder, for a store on a read-only mount.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

READ_ONLY_MOUNT = Path("/sys/kernel")
"""A folder in which no process can create a file: sysfs (read-only in containers)."""


def _can_create_in(folder: Path) -> bool:
    probe = folder / ".write-probe"
    try:
        probe.touch()
    except OSError:
        return False
    probe.unlink()
    return True


@contextmanager
def read_only_folder(folder: Path) -> Iterator[str]:
    """``folder`` (which exists) made unwritable for the block; yields how."""
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield "chmod"
        finally:
            folder.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr and subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode == 0:
        try:
            assert not _can_create_in(folder)
            yield "chattr"
        finally:
            subprocess.run([chattr, "-i", str(folder)], check=True)
        return
    aside = folder.with_name(folder.name + ".aside")
    folder.rename(aside)
    folder.symlink_to(READ_ONLY_MOUNT, target_is_directory=True)
    try:
        yield "link to a read-only mount"
    finally:
        folder.unlink()
        aside.rename(folder)
