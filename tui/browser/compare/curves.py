"""The compare tab's curves: which curves all the compared runs have, and reading them.

Why a module of its own: finding the curves on offer and loading one for every run
reads files (the runs' stepped metrics, their ``.npy``/``.npz`` artifacts), so
:class:`~tui.browser.compare.tab.ComparePane` does it on a worker thread by calling
:func:`load_curves`, which needs only the index, and draws what it returns. An array
artifact is offered only if it holds one numeric 1-D array, which is told from the
file's header without loading it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from tui.plotting.render import Series

__all__ = ["load_curves"]


def load_curves(
    index: Any,
    run_ids: tuple[str, ...],
    labels: dict[str, str],
    wanted: tuple[str, str] | None,
) -> tuple[list[tuple[str, str]], tuple[str, str] | None, list[Series]]:
    """The curves all of ``run_ids`` have (``(kind, name)``: ``stepped`` or
    ``artifact``), the one shown (``wanted`` if on offer, else the first) and its series,
    one a run, labelled by ``labels``."""
    runs = []
    stepped_sets: list[list[str]] = []
    array_sets: list[list[str]] = []
    for run_id in run_ids:
        try:
            run = index.run(run_id)
        except KeyError:
            continue
        runs.append(run)
        stepped_sets.append(run.stepped_names())
        array_sets.append(
            [a.name for a in run.artifacts() if a.kind == "numpy" or a.format in ("npz", "npy")]
        )
    options: list[tuple[str, str]] = []
    if runs:
        common = set(stepped_sets[0]).intersection(*map(set, stepped_sets[1:]))
        options += [("stepped", n) for n in stepped_sets[0] if n in common]
        common = set(array_sets[0]).intersection(*map(set, array_sets[1:]))
        first = runs[0]
        options += [
            ("artifact", n)
            for n in array_sets[0]
            if n in common and _is_1d_array(_artifact_path(first, n))
        ]
    source = wanted if wanted in options else (options[0] if options else None)
    series: list[Series] = []
    for run in runs:
        if source is None:
            break
        kind, name = source
        try:
            if kind == "stepped":
                x, y = run.stepped(name)
            else:
                value = run.artifact(name)
                if not isinstance(value, np.ndarray) or value.ndim != 1:
                    continue
                y = value.astype(float)
                x = np.arange(y.size)
        except (KeyError, OSError, ValueError, TypeError):
            continue
        series.append(Series(key=run.run_id, label=labels.get(run.run_id, run.run_id), x=x, y=y))
    return options, source, series


def _artifact_path(run: Any, name: str) -> Path | None:
    try:
        return Path(run.artifact_path(name))
    except (FileNotFoundError, OSError):
        return None


def _is_1d_array(path: Path | None) -> bool:
    """Whether an ``.npz``/``.npy`` file holds one numeric 1-D array, from its header
    only (a big 2-D artifact is not loaded just to find out it is no curve)."""
    if path is None:
        return False
    try:
        if path.suffix == ".npy":
            with open(path, "rb") as fh:
                return _header_is_1d(fh)
        with zipfile.ZipFile(path) as zf:
            if zf.namelist() != ["arr.npy"]:
                return False
            with zf.open("arr.npy") as fh:
                return _header_is_1d(fh)
    except (OSError, ValueError, zipfile.BadZipFile):
        return False


def _header_is_1d(fh: Any) -> bool:
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    return len(shape) == 1 and dtype.kind in "biuf"
