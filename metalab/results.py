"""Reading a sweep back: the Results and Run API over a results tree.

Results are always read from disk, so the same API works on a tree written a
minute ago, by the reference implementation, on another machine (artifact paths
resolve inside the tree), or by a sweep that is still running.

Reading never writes, never takes the experiment's lock, and never leaves the tree: a
damaged or hostile file (a truncated or wrongly-typed record, a symlink out of the
tree) is skipped, listed in :attr:`Results.skipped` with the reason, and reported
once on the ``metalab.results`` logger.
"""

from __future__ import annotations

import csv
import datetime as _dt
import inspect
import logging
import os
import statistics
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, overload

import numpy as np

from metalab.store.filestore import FileStore, Skipped
from metalab.store.layout import META_FILE, find_experiment_dirs
from metalab.types import ArtifactDescriptor, RunRecord, Status

__all__ = ["Results", "Run", "load_results"]

log = logging.getLogger("metalab.results")

RECORD_COLUMNS = ("run_id", "experiment_id", "status", "duration_ms", "started_at", "finished_at")


class Run:
    """One run: its record, plus lazy access to its artifacts, data, curves and logs."""

    def __init__(self, store: FileStore, record: RunRecord) -> None:
        self.store = store
        self.record = record

    run_id = property(lambda self: self.record.run_id)
    experiment_id = property(lambda self: self.record.experiment_id)
    status = property(lambda self: Status(self.record.status))
    duration_ms = property(lambda self: self.record.duration_ms)
    started_at = property(lambda self: self.record.started_at)
    finished_at = property(lambda self: self.record.finished_at)
    error = property(lambda self: self.record.error)
    tags = property(lambda self: list(self.record.tags))
    context_fingerprint = property(lambda self: self.record.context_fingerprint)
    params_fingerprint = property(lambda self: self.record.params_fingerprint)
    seed_fingerprint = property(lambda self: self.record.seed_fingerprint)

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self.record.metrics)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.record.params_resolved)

    @property
    def replicate(self) -> int | None:
        return self.record.provenance.extra.get("replicate")

    @property
    def derived(self) -> dict[str, Any]:
        return self.store.get_derived(self.run_id)

    def artifacts(self) -> list[ArtifactDescriptor]:
        """The run's artifact descriptors (the manifest on disk, else the record's copy)."""
        return self.store.list_artifacts(self.run_id) or list(self.record.artifacts)

    def artifact(self, name: str) -> Any:
        """Load an artifact: an ndarray, a dict of arrays, a JSON value, text or bytes."""
        for descriptor in self.artifacts():
            if descriptor.name == name:
                return self.store.load_artifact(self.run_id, descriptor)
        names = ", ".join(a.name for a in self.artifacts()) or "none"
        raise FileNotFoundError(f"run {self.run_id} has no artifact {name!r} (it has: {names})")

    def artifact_path(self, name: str) -> Path:
        for descriptor in self.artifacts():
            if descriptor.name == name:
                return self.store.artifact_path(self.run_id, descriptor)
        raise FileNotFoundError(f"run {self.run_id} has no artifact {name!r}")

    def list_data(self) -> list[str]:
        return self.store.list_results(self.run_id)

    def data(self, name: str) -> Any:
        """A ``capture.data`` entry or a stepped metric (``[[step, value], ...]``)."""
        entry = self.store.get_result(self.run_id, name)
        data, dtype, shape = entry.get("data"), entry.get("dtype"), entry.get("shape")
        if dtype and shape is not None:
            return np.asarray(data, dtype=dtype).reshape(shape)
        return data

    def stepped(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A stepped metric as two arrays, steps and values (also while the run is live)."""
        return self.store.read_stepped(self.run_id, name)

    def stepped_names(self) -> list[str]:
        return self.store.stepped_names(self.run_id)

    @property
    def log(self) -> str:
        """The text of the run's log ('' when it has none)."""
        return self.store.get_log(self.run_id) or ""

    def logs(self) -> list[str]:
        """Names of the run's logs (``run``, earlier attempts as ``run.attempt1``, ...)."""
        return self.store.list_logs(self.run_id)

    def log_text(self, name: str = "run") -> str:
        return self.store.get_log(self.run_id, name) or ""

    def __repr__(self) -> str:
        return f"Run({self.run_id[:8]}..., status={self.status.value})"


def _matches(value: Any, wanted: Any) -> bool:
    if callable(wanted):
        try:
            return bool(wanted(value))
        except Exception:
            return False
    if isinstance(wanted, list | tuple | set | frozenset):
        return value in wanted
    return bool(value == wanted)


class Results:
    """An ordered collection of runs.

    ``skipped`` lists the files that reading the tree left out, as ``(path, reason)``:
    damaged records, records leading out of the tree. Subsets (``filter``, slices) keep
    the list of the whole.
    """

    def __init__(
        self,
        store: FileStore | None,
        records: list[RunRecord] | list[Run],
        *,
        skipped: list[Skipped] | None = None,
    ) -> None:
        self.store = store
        self.skipped: list[Skipped] = list(skipped or [])
        runs: list[Run] = []
        for item in records:
            if isinstance(item, Run):
                runs.append(item)
            else:
                assert store is not None
                runs.append(Run(store, item))
        self._runs = runs

    @property
    def runs(self) -> list[Run]:
        return list(self._runs)

    @property
    def records(self) -> list[RunRecord]:
        return [r.record for r in self._runs]

    def __len__(self) -> int:
        return len(self._runs)

    def __iter__(self) -> Iterator[Run]:
        return iter(self._runs)

    @overload
    def __getitem__(self, index: int) -> Run: ...

    @overload
    def __getitem__(self, index: slice) -> Results: ...

    def __getitem__(self, index: int | slice) -> Run | Results:
        if isinstance(index, slice):
            return Results(self.store, self._runs[index], skipped=self.skipped)
        return self._runs[index]

    def __repr__(self) -> str:
        counts = self.summary()["by_status"]
        inner = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        return f"Results({len(self)} runs: {inner})" if inner else f"Results({len(self)} runs)"

    @property
    def successful(self) -> Results:
        return self.filter(status=Status.SUCCESS)

    @property
    def failed(self) -> Results:
        return self.filter(status=Status.FAILED)

    def get(self, run_id: str) -> Run:
        """The run whose id is or starts with ``run_id``."""
        for run in self._runs:
            if run.run_id.startswith(run_id):
                return run
        raise KeyError(run_id)

    def filter(
        self,
        status: str | Status | list[str] | None = None,
        tags: list[str] | None = None,
        *,
        params: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        where: Callable[[Run], bool] | None = None,
        **kw: Any,
    ) -> Results:
        """Runs that match every condition.

        ``status`` is one status or a list; ``params=`` and ``metrics=`` compare the named
        field; a bare keyword is looked up in metrics, then in params (so ``filter(
        learning_rate=0.1)`` works). A condition's value may be a value, a list of
        accepted values, or a predicate such as ``lambda v: v < 0.02``.
        """
        if isinstance(status, str | Status):
            wanted_status = {str(Status(status))}
        elif status is not None:
            wanted_status = {str(Status(s)) for s in status}
        else:
            wanted_status = None
        out = []
        for run in self._runs:
            rec = run.record
            if wanted_status is not None and str(rec.status) not in wanted_status:
                continue
            if tags and not set(tags) <= set(rec.tags):
                continue
            if params and not all(
                k in rec.params_resolved and _matches(rec.params_resolved[k], v)
                for k, v in params.items()
            ):
                continue
            if metrics and not all(
                k in rec.metrics and _matches(rec.metrics[k], v) for k, v in metrics.items()
            ):
                continue
            ok = True
            for k, v in kw.items():
                if k in rec.metrics:
                    ok = _matches(rec.metrics[k], v)
                elif k in rec.params_resolved:
                    ok = _matches(rec.params_resolved[k], v)
                else:
                    ok = False
                if not ok:
                    break
            if not ok or (where is not None and not where(run)):
                continue
            out.append(run)
        return Results(self.store, out, skipped=self.skipped)

    # -- tables ---------------------------------------------------------------------

    def table(self, as_dataframe: bool = False) -> Any:
        """One row per run: record fields, ``param_`` columns, then metrics."""
        rows = []
        for run in self._runs:
            rec = run.record
            row: dict[str, Any] = {
                "run_id": rec.run_id,
                "experiment_id": rec.experiment_id,
                "status": str(rec.status),
                "duration_ms": rec.duration_ms,
                "started_at": rec.started_at.isoformat() if rec.started_at else None,
                "finished_at": rec.finished_at.isoformat() if rec.finished_at else None,
                "context_fingerprint": rec.context_fingerprint,
                "params_fingerprint": rec.params_fingerprint,
                "seed_fingerprint": rec.seed_fingerprint,
            }
            row.update({f"param_{k}": v for k, v in rec.params_resolved.items()})
            row.update(rec.metrics)
            row["tags"] = ",".join(rec.tags)
            rows.append(row)
        if as_dataframe:
            return _dataframe(rows)
        return rows

    def rows(
        self,
        *,
        include_params: bool = True,
        include_metrics: bool = True,
        include_record: bool = True,
        include_derived: bool = False,
        artifact_reducers: dict[str, Callable[..., dict[str, Any]]] | None = None,
    ) -> list[dict[str, Any]]:
        """The rows behind :meth:`to_dataframe`, as plain dicts (no pandas needed)."""
        rows = []
        for run in self._runs:
            rec = run.record
            row: dict[str, Any] = {}
            if include_record:
                row.update(
                    run_id=rec.run_id,
                    experiment_id=rec.experiment_id,
                    status=str(rec.status),
                    duration_ms=rec.duration_ms,
                    started_at=rec.started_at,
                    finished_at=rec.finished_at,
                )
            if include_params:
                row.update({f"param_{k}": v for k, v in rec.params_resolved.items()})
            if include_metrics:
                row.update(rec.metrics)
            if include_derived:
                row.update({f"derived_{k}": v for k, v in run.derived.items()})
            for name, fn in (artifact_reducers or {}).items():
                try:
                    value = run.artifact(name)
                except FileNotFoundError:
                    continue
                try:
                    row.update(fn(value, run) if _wants_run(fn) else fn(value))
                except Exception as exc:
                    warnings.warn(
                        f"artifact reducer for {name!r} failed on run {rec.run_id}: {exc}",
                        stacklevel=3,
                    )
            rows.append(row)
        return rows

    def to_dataframe(
        self,
        *,
        include_params: bool = True,
        include_metrics: bool = True,
        include_record: bool = True,
        include_derived: bool = False,
        artifact_reducers: dict[str, Callable[..., dict[str, Any]]] | None = None,
    ) -> Any:
        """A pandas DataFrame: record fields, ``param_`` columns, metrics, reducer outputs."""
        return _dataframe(
            self.rows(
                include_params=include_params,
                include_metrics=include_metrics,
                include_record=include_record,
                include_derived=include_derived,
                artifact_reducers=artifact_reducers,
            )
        )

    def to_csv(
        self,
        path: str | os.PathLike[str],
        *,
        include_fingerprints: bool = False,
        timestamp: bool = False,
    ) -> Path:
        """Write :meth:`table` as CSV; a path without a suffix is a folder to write into."""
        target = Path(path)
        if not target.suffix:
            target.mkdir(parents=True, exist_ok=True)
            stamp = _dt.datetime.now().strftime("_%Y%m%d_%H%M%S") if timestamp else ""
            target = target / f"results{stamp}.csv"
        rows = self.table()
        if not include_fingerprints:
            for row in rows:
                for key in ("context_fingerprint", "params_fingerprint", "seed_fingerprint"):
                    row.pop(key, None)
        write_csv(target, rows)
        return target

    def summary(self) -> dict[str, Any]:
        """Counts by status and duration statistics."""
        by_status: dict[str, int] = {}
        for run in self._runs:
            key = str(run.record.status)
            by_status[key] = by_status.get(key, 0) + 1
        durations = [r.record.duration_ms for r in self._runs if r.record.finished_at]
        return {
            "total_runs": len(self._runs),
            "by_status": by_status,
            "avg_duration_ms": statistics.fmean(durations) if durations else None,
            "min_duration_ms": min(durations) if durations else None,
            "max_duration_ms": max(durations) if durations else None,
        }


def write_csv(target: Path, rows: list[dict[str, Any]]) -> None:
    """Write dict rows as CSV, columns in first-seen order."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    with open(target, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)


def _wants_run(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    required = [
        p for p in params
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]  # fmt: skip
    return len(required) >= 2


def _dataframe(rows: list[dict[str, Any]]) -> Any:
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(
            "a DataFrame needs pandas: install it with `pip install metalab[pandas]`"
        ) from exc
    return pd.DataFrame(rows)


def load_results(
    path: str | os.PathLike[str] = "experiments", experiment_id: str | None = None
) -> Results:
    """The runs of a results tree: one experiment's folder, or a collection root (all of
    its experiments, or the one named by ``experiment_id``). Nothing is created, nothing
    written; record files that cannot be read are left out, listed in
    ``Results.skipped`` and reported with a warning on the ``metalab.results`` logger."""
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"no results tree at {root}")
    dirs = (
        [root]
        if (root / META_FILE).is_file() or (root / "runs").is_dir()
        else find_experiment_dirs(root)
    )
    runs: list[Run] = []
    skipped: list[Skipped] = []
    first: FileStore | None = None
    for folder in dirs:
        store = FileStore(folder)
        if experiment_id is not None and store.experiment_id not in (experiment_id, ""):
            continue
        first = first or store
        records, left_out = store.scan_run_records()
        runs.extend(Run(store, rec) for rec in records)
        skipped.extend(left_out)
    if skipped:
        shown = "; ".join(f"{path.name}: {reason}" for path, reason in skipped[:3])
        more = f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""
        log.warning(
            "load_results(%r) skipped %d file(s): %s%s; see Results.skipped",
            str(path), len(skipped), shown, more,
        )  # fmt: skip
    return Results(first, runs, skipped=skipped)
