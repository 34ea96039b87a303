"""Saying plainly that a write failed for want of room: a full disk, a quota, a size limit.

``OSError: [Errno 27] File too large`` does not tell a user that a sweep stopped because
its process may not write files that big (``ulimit -f``); nor does ``[Errno 28]`` say
which file it was writing. A run that fails that way is recorded with this message, so
the record, the CLI's failure line and the browser all say what happened.
"""

from __future__ import annotations

import errno

__all__ = ["full_disk_message", "is_full_disk"]

_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def is_full_disk(exc: BaseException) -> bool:
    """Whether ``exc`` is a write that failed for want of room."""
    return isinstance(exc, OSError) and exc.errno in _ROOM


def full_disk_message(exc: BaseException) -> str | None:
    """A message saying the disk is full (or a quota or size limit hit), naming the file
    being written; None for any other error."""
    if not is_full_disk(exc):
        return None
    assert isinstance(exc, OSError)
    where = f" while writing {exc.filename}" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"disk full: no space left on the device{where}"
    if exc.errno == errno.EDQUOT:
        return f"disk full: the disk quota is exceeded{where}"
    return (
        f"file size limit reached{where}: the file grew past the largest file this process "
        "may write (see `ulimit -f`) or the filesystem allows"
    )
