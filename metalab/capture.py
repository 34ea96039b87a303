"""The ``capture`` argument: how an operation records metrics, logs, data and artifacts.

``capture.metric(name, value, step=i)`` sits in training loops, so it does one thing:
append a tuple to a list. A single background flusher thread per process takes what
has accumulated every quarter second, appends it to the run's stream files on disk,
and publishes a throttled progress event with the latest value of each metric. A
killed run therefore loses at most that last fraction of a second, and memory stays
flat however many steps a run takes.

Everything else (logs, artifacts, data) is rare, and is written straight away.

A write that fails (a full disk, a file-size limit) never leaves a torn line in the
middle of a stream: the stream is cut back to where the failed write began. The run
is then failed: the next capture call in the operation raises the error (as a
cancelled sweep raises CancelledError), and a run whose operation captures nothing
more is recorded failed all the same (:attr:`Capture.failed_write`).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import io
import itertools
import logging
import operator
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from metalab import artifacts as _artifacts
from metalab.errors import CancelledError
from metalab.events import EventKind
from metalab.plain import to_plain
from metalab.store import atomic, stepped
from metalab.store.filestore import FileStore
from metalab.store.full_disk import full_disk_message
from metalab.types import ArtifactDescriptor

__all__ = ["FLUSH_INTERVAL", "Capture"]

FLUSH_INTERVAL = 0.25
"""Seconds between flushes of stepped metrics to disk (and progress events)."""

BUFFER_LIMIT = 50_000
"""Points a capture holds before the operation's own thread flushes them, so that a
loop logging faster than the flusher drains stays in bounded memory."""

HEARTBEAT_INTERVAL = 2.0
"""Seconds between touches of a live run's record, so readers can tell a live run
from one whose process died (its record stays ``running`` but stops being touched)."""

Emit = Callable[..., None]

_LEVELS = {"debug", "info", "warning", "error", "critical"}


def _no_emit(kind: EventKind, run_id: str | None, /, **payload: Any) -> None:
    pass


class Capture:
    """Records what one run produces into its experiment's folder."""

    def __init__(
        self,
        store: FileStore,
        run_id: str,
        *,
        emit: Emit = _no_emit,
        worker: str = "thread:0",
        on_checkpoint: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self._emit = emit
        self._worker = worker
        self._on_checkpoint = on_checkpoint
        self._steps: list[tuple[str, Any, Any]] = []
        self._scalars: dict[str, Any] = {}
        self._checkpointed: dict[str, Any] = {}
        self._streams: dict[str, BinaryIO] = {}
        self.failed_write: OSError | None = None
        """The first write to the run's files that failed, if any (the run has failed)."""
        self._last_step: dict[str, int] = {}
        self._unsorted: set[str] = set()
        self._latest: dict[str, float] = {}
        self._artifacts: list[ArtifactDescriptor] = []
        self._data_names: list[str] = []
        self.warnings: list[str] = []
        self._flush_lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._log_file: TextIO | None = None
        self._logger_name = f"metalab.run.{run_id[:8]}.{worker}"
        self._closed = False
        self._finalized = False
        self._touched = 0.0
        self._subscribed: dict[str, logging.Handler] = {}
        _FLUSHER.register(self)

    # -- metrics: the hot path ------------------------------------------------------

    def metric(self, name: str, value: Any, step: int | None = None) -> None:
        """Record ``value`` for ``name``: a scalar, or a point of a curve when ``step`` is given."""
        if step is None:
            self._scalars[name] = value
        else:
            buf = self._steps
            buf.append((name, step, value))
            if len(buf) >= BUFFER_LIMIT:
                self.flush()  # a tight loop: write now rather than grow without bound

    def log_metrics(self, metrics: dict[str, Any], step: int | None = None) -> None:
        """Record several metrics at once (at one step when ``step`` is given)."""
        if step is None:
            self._scalars.update(metrics)
        else:
            buf = self._steps
            buf.extend([(name, step, value) for name, value in metrics.items()])
            if len(buf) >= BUFFER_LIMIT:
                self.flush()

    @property
    def metrics(self) -> dict[str, Any]:
        """The scalar metrics recorded so far."""
        return to_plain(self._scalars)

    @property
    def artifacts(self) -> list[ArtifactDescriptor]:
        return list(self._artifacts)

    # -- flushing, called by the flusher thread and at the end of the run -------------

    def flush(self) -> None:
        """Write what has accumulated to disk and publish the latest values.

        Raises:
            OSError: a write failed; the run has failed (see :attr:`failed_write`).
        """
        if self.failed_write is not None:
            self._steps.clear()  # nowhere to put them: the run has failed already
            return
        try:
            with self._flush_lock:
                self._flush_steps()
                if self._on_checkpoint is not None and self._scalars != self._checkpointed:
                    self._checkpointed = dict(self._scalars)
                    self._on_checkpoint(to_plain(self._checkpointed))
                now = time.monotonic()
                if now - self._touched >= HEARTBEAT_INTERVAL:
                    self._touched = now
                    self.store.touch_run(self.run_id)
            if self._log_file is not None:
                with self._log_lock:
                    if self._log_file is not None:
                        self._log_file.flush()
        except OSError as exc:
            self._fail_writes(exc)
            raise

    def _fail_writes(self, exc: OSError) -> None:
        """A write failed: from now on capturing raises it in the operation's thread."""
        if self.failed_write is not None:
            return
        self.failed_write = exc

        def failed(*_args: Any, **_kwargs: Any) -> None:
            raise OSError(exc.errno, exc.strerror, exc.filename)

        for name in ("metric", "log_metrics", "log", "artifact", "file", "data"):
            setattr(self, name, failed)

    def _flush_steps(self) -> None:
        buf = self._steps
        n = len(buf)
        if not n:
            return
        chunk = buf[:n]
        del buf[:n]  # appends that raced in after len() stay in the list
        first = chunk[0][0]
        if all(c[0] == first for c in chunk):  # the usual case: one metric per loop
            grouped = {first: [(c[1], c[2]) for c in chunk]}
        else:
            grouped = {}
            for name, step, value in chunk:
                pairs = grouped.get(name)
                if pairs is None:
                    pairs = grouped[name] = []
                pairs.append((step, value))
        steps_now: dict[str, int] = {}
        for name, pairs in grouped.items():
            try:
                data = stepped.encode_chunk(pairs)
            except (TypeError, ValueError) as exc:
                self._warn(f"metric {name!r}: {exc}; those points were dropped")
                continue
            fh = self._streams.get(name)
            if fh is None:
                path = self.store.layout.stream(self.run_id, name)
                path.parent.mkdir(parents=True, exist_ok=True)
                fh = self._streams[name] = open(path, "ab", buffering=0)  # noqa: SIM115
            _append(fh, data)
            steps = [p[0] for p in pairs]
            last = self._last_step.get(name)
            if (last is not None and steps[0] < last) or not all(
                map(operator.le, steps, itertools.islice(steps, 1, None))
            ):
                self._unsorted.add(name)
            self._last_step[name] = int(steps[-1])
            steps_now[name] = int(steps[-1])
            with contextlib.suppress(TypeError, ValueError):
                self._latest[name] = float(pairs[-1][1])
        self._emit(
            EventKind.PROGRESS,
            self.run_id,
            step=max(steps_now.values()) if steps_now else None,
            steps=steps_now,
            values=dict(self._latest),
        )

    # -- logs ----------------------------------------------------------------------------

    def log(self, message: str, level: str = "info") -> None:
        """Append a line to the run's log (``logs/<run_id>_run.log``), written at once."""
        lvl = level.lower() if isinstance(level, str) and level.lower() in _LEVELS else "info"
        line = log_line(message, lvl, self._logger_name)
        self._write_log(line)
        self._emit(EventKind.LOG, self.run_id, level=lvl, message=str(message), line=line)

    def _log_handle(self) -> TextIO | None:
        """The open log file, opened on first use; None once the run has ended.
        Call with ``_log_lock`` held."""
        if self._log_file is None and not self._closed:
            path = self.store.log_path(self.run_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = open(path, "a", encoding="utf-8")  # noqa: SIM115
        return self._log_file

    def _write_log(self, text: str) -> None:
        with self._log_lock:
            fh = self._log_handle()
            if fh is not None:
                try:
                    fh.write(text if text.endswith("\n") else text + "\n")
                    fh.flush()  # on disk when log() returns, for readers and crashes
                except OSError as exc:
                    failed = atomic.with_filename(exc, self.store.log_path(self.run_id))
                    self._drop_log(failed)
                    raise failed from None

    def _drop_log(self, exc: OSError) -> None:
        """The log could not be written: stop writing it (what did not fit is lost)
        and fail the run. Call with ``_log_lock`` held."""
        fh, self._log_file = self._log_file, None
        self._closed = True
        if fh is not None:
            with contextlib.suppress(OSError, ValueError):
                fh.close()
        self._fail_writes(exc)

    def _write_log_quietly(self, text: str) -> None:
        """A line metalab adds to the log (a warning, a traceback): best effort."""
        with contextlib.suppress(OSError):
            self._write_log(text)

    def open_log(self) -> None:
        """Create the run's log file now (an empty log still says the run started)."""
        with self._log_lock:
            self._log_handle()

    @property
    def logger(self) -> logging.Logger:
        """A :mod:`logging` logger whose records go to this run's log."""
        logger = logging.getLogger(self._logger_name)
        if "__self__" not in self._subscribed:
            self._subscribed["__self__"] = self._attach(logger)
            logger.setLevel(logging.DEBUG)
            logger.propagate = False
        return logger

    def _attach(self, logger: logging.Logger) -> logging.Handler:
        capture = self

        class _ToRunLog(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                capture.log(record.getMessage(), record.levelname.lower())

        handler = _ToRunLog()
        logger.addHandler(handler)
        return handler

    def subscribe_logger(self, name: str, level: int = logging.DEBUG) -> None:
        """Send a third-party logger's records to this run's log until the run ends."""
        if name not in self._subscribed:
            logger = logging.getLogger(name)
            self._subscribed[name] = self._attach(logger)
            logger.setLevel(min(logger.level or level, level))

    def unsubscribe_logger(self, name: str) -> None:
        handler = self._subscribed.pop(name, None)
        if handler is not None:
            logging.getLogger(None if name == "__self__" else name).removeHandler(handler)

    # -- artifacts and data ------------------------------------------------------------------

    def artifact(
        self,
        name: str,
        obj: Any,
        *,
        kind: str | None = None,
        format: str | None = None,  # noqa: A002 - the reference's keyword
        metadata: dict[str, Any] | None = None,
    ) -> ArtifactDescriptor:
        """Save ``obj`` under ``artifacts/<run_id>/``: arrays as .npz, JSON-able as .json."""
        _artifacts.check_name(name)
        data, kind, fmt = _artifacts.serialize(name, obj, kind)
        return self._store_artifact(name, data, kind, format or fmt, metadata)

    def file(
        self,
        name: str,
        path: str | Path,
        *,
        kind: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> ArtifactDescriptor:
        """Copy an existing file into the run's artifacts."""
        _artifacts.check_name(name)
        source = Path(path)
        if not source.is_file():
            raise FileNotFoundError(f"capture.file({name!r}): no file at {source}")
        fmt = source.suffix.lstrip(".") or "binary"
        return self._store_artifact(name, source.read_bytes(), kind or "file", fmt, metadata)

    def figure(
        self,
        name: str,
        fig: Any,
        *,
        format: str = "png",  # noqa: A002 - the reference's keyword
        dpi: int = 150,
        bbox_inches: str | None = "tight",
        metadata: dict[str, Any] | None = None,
        close: bool = True,
    ) -> ArtifactDescriptor:
        """Save a matplotlib figure as an image artifact (kind ``image``), as the
        reference's ``capture.figure`` does; ``close`` closes it afterwards.

        metalab does not import matplotlib: the figure saves itself (``fig.savefig``),
        and is closed through ``matplotlib.pyplot`` only when that is already loaded.
        """
        _artifacts.check_name(name)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=format, dpi=dpi, bbox_inches=bbox_inches)
        pyplot = sys.modules.get("matplotlib.pyplot")
        if close and pyplot is not None:
            pyplot.close(fig)
        return self._store_artifact(name, buffer.getvalue(), "image", format, metadata)

    def _store_artifact(
        self, name: str, data: bytes, kind: str, fmt: str, metadata: dict[str, Any] | None
    ) -> ArtifactDescriptor:
        replaced = any(a.name == name for a in self._artifacts)
        if replaced:
            self._warn(f"artifact {name!r} saved twice; the later one replaced the earlier")
            self._artifacts = [a for a in self._artifacts if a.name != name]
        descriptor = self.store.put_artifact(
            self.run_id, name, data, kind=kind, fmt=fmt, metadata=to_plain(metadata or {})
        )
        self._artifacts.append(descriptor)
        self._emit(
            EventKind.ARTIFACT_SAVED, self.run_id, name=name, kind=kind, format=fmt, size=len(data)
        )
        return descriptor

    def data(self, name: str, obj: Any, *, metadata: dict[str, Any] | None = None) -> None:
        """Store a structured value in ``results/<run_id>/<name>.json``; read it with run.data()."""
        _artifacts.check_name(name, "data")
        if hasattr(obj, "numpy") and callable(obj.numpy) and not hasattr(obj, "tolist"):
            obj = obj.numpy()
        if hasattr(obj, "tolist") and hasattr(obj, "shape"):
            payload = {
                "data": obj.tolist(),
                "dtype": str(obj.dtype),
                "shape": list(obj.shape),
                "metadata": to_plain(metadata or {}),
            }
        else:
            payload = {"data": to_plain(obj), "dtype": None, "shape": None,
                       "metadata": to_plain(metadata or {})}  # fmt: skip
        self.store.put_result(self.run_id, name, payload)
        if name not in self._data_names:
            self._data_names.append(name)

    # -- end of run ----------------------------------------------------------------------------

    def _warn(self, text: str) -> None:
        self.warnings.append(text)
        self._write_log_quietly(log_line(text, "warning", self._logger_name))

    def cancel(self) -> None:
        """From now on, capturing raises CancelledError in the operation's thread."""

        def cancelled(*_args: Any, **_kwargs: Any) -> None:
            raise CancelledError(f"run {self.run_id} cancelled")

        self.metric = cancelled  # type: ignore[method-assign]
        self.log_metrics = cancelled  # type: ignore[method-assign]

    def write_error(self, text: str) -> None:
        """Put a failure's traceback in the run's log (if the log can still be written)."""
        self._write_log_quietly(text)

    def finalize(self) -> None:
        """Flush, seal stepped metrics into the reference's JSON, close files. Idempotent.

        Every file is closed even when a write fails; the first failure is raised
        after (and kept in :attr:`failed_write`). A stream that could not be sealed
        stays on disk as it is, readable, until the run is run again.
        """
        if self._finalized:
            return
        self._finalized = True
        _FLUSHER.unregister(self)
        failure: OSError | None = None
        try:
            self.flush()
        except OSError as exc:
            failure = exc
        with self._flush_lock:
            for name, fh in self._streams.items():
                with contextlib.suppress(OSError):
                    fh.close()
                stream = self.store.layout.stream(self.run_id, name)
                if failure is None and self.failed_write is None and stream.exists():
                    try:
                        stepped.seal(
                            stream,
                            self.store.layout.result(self.run_id, name),
                            sorted_steps=name not in self._unsorted,
                        )
                    except OSError as exc:
                        failure = exc
                        self._fail_writes(exc)
            self._streams.clear()
        for sub in list(self._subscribed):
            self.unsubscribe_logger(sub)
        with self._log_lock:
            self._closed = True
            if self._log_file is not None:
                try:
                    self._log_file.close()
                except OSError as exc:
                    failure = failure or exc
                    self._fail_writes(exc)
                self._log_file = None
        if failure is not None:
            raise failure

    def __enter__(self) -> Capture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finalize()


class _Flusher:
    """One daemon thread per process that flushes every live capture periodically."""

    def __init__(self) -> None:
        self._live: weakref.WeakSet[Capture] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()

    def register(self, capture: Capture) -> None:
        with self._lock:
            self._live.add(capture)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="metalab-flusher", daemon=True
                )
                self._thread.start()

    def unregister(self, capture: Capture) -> None:
        with self._lock:
            self._live.discard(capture)

    def live(self) -> list[Capture]:
        with self._lock:
            return list(self._live)

    def _loop(self) -> None:
        while True:
            self._wake.wait(FLUSH_INTERVAL)
            for capture in self.live():
                try:
                    capture.flush()
                except OSError as exc:  # a full disk: that run fails, the others go on
                    logging.getLogger("metalab.capture").warning(
                        "run %s could not write its files (%s); it fails",
                        capture.run_id, full_disk_message(exc) or exc,
                    )  # fmt: skip
                except Exception:  # nothing may kill the flusher for the other runs
                    logging.getLogger("metalab.capture").warning(
                        "flushing run %s failed", capture.run_id, exc_info=True
                    )


_FLUSHER = _Flusher()


def _append(fh: BinaryIO, data: bytes) -> None:
    """Append ``data`` to an unbuffered stream file, all of it or none of it: a write
    cut short (a full disk) is cut back off, so no torn line is left mid-file."""
    start = os.lseek(fh.fileno(), 0, os.SEEK_END)
    view = memoryview(data)
    try:
        while view:
            written = fh.write(view)
            if not written:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), getattr(fh, "name", None))
            view = view[written:]
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.ftruncate(fh.fileno(), start)
        raise atomic.with_filename(exc, getattr(fh, "name", "")) from None


def live_captures() -> list[Capture]:
    """The captures of runs still going in this process."""
    return _FLUSHER.live()


def cancel_live_captures(root: Path | None = None) -> None:
    """Cancel the captures of runs still going in this process (those writing under
    ``root`` when given): an operation's next capture call raises CancelledError."""
    for capture in live_captures():
        if root is None or capture.store.root == root:
            capture.cancel()


def log_line(message: str, level: str, logger: str) -> str:
    """One line of a run's log, as ``capture.log`` writes it (and the reference does):
    ``2026-01-31 12:00:00 [INFO   ] [metalab.run.1a2b3c4d.host] message``."""
    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    return f"{now} [{level.upper():<7}] [{logger}] {message}"
