"""Where each file of an experiment lives inside a results tree.

One experiment's folder (``<collection>/<name>_<version>/``)::

    _meta.json                       marks the folder as an experiment store
    .metalab.lock                    held by the sweep writing the folder (see lock.py)
    runs/<run_id>.json               the run record (status, params, metrics, error)
    artifacts/<run_id>/_manifest.json and one file per artifact
    results/<run_id>/<metric>.json   a finished stepped metric or capture.data entry
    results/<run_id>/<metric>.jsonl  a stepped metric still being written (append-only)
    logs/<run_id>_run.log            the run's log
    experiments/<id>_<time>.json     one manifest per sweep launched
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

META_FILE = "_meta.json"
LOCK_FILE = ".metalab.lock"


def safe_experiment_id(experiment_id: str) -> str:
    """The folder name of an experiment: its id with ``:`` replaced by ``_``."""
    return experiment_id.replace(":", "_")


def encode_name(name: str) -> str:
    """A metric name as a file name: ``train/loss`` becomes ``train%2Floss``."""
    return quote(name, safe="-_.~ ")


def decode_name(stem: str) -> str:
    return unquote(stem)


@dataclass(frozen=True)
class TreeLayout:
    """Paths inside one experiment's folder."""

    root: Path

    @property
    def meta(self) -> Path:
        return self.root / META_FILE

    @property
    def lock(self) -> Path:
        return self.root / LOCK_FILE

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def manifests_dir(self) -> Path:
        return self.root / "experiments"

    def run_record(self, run_id: str) -> Path:
        return self.runs_dir / f"{run_id}.json"

    def artifacts_dir(self, run_id: str) -> Path:
        return self.root / "artifacts" / run_id

    def artifact_manifest(self, run_id: str) -> Path:
        return self.artifacts_dir(run_id) / "_manifest.json"

    def results_dir(self, run_id: str) -> Path:
        return self.root / "results" / run_id

    def result(self, run_id: str, name: str) -> Path:
        return self.results_dir(run_id) / f"{encode_name(name)}.json"

    def stream(self, run_id: str, name: str) -> Path:
        return self.results_dir(run_id) / f"{encode_name(name)}.jsonl"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def log(self, run_id: str, name: str = "run") -> Path:
        return self.logs_dir / f"{run_id}_{name}.log"

    def derived(self, run_id: str) -> Path:
        return self.root / "derived" / f"{run_id}.json"

    @property
    def folders(self) -> tuple[Path, ...]:
        """The sub-folders every experiment folder has."""
        subs = ("runs", "artifacts", "results", "logs", "derived", "experiments")
        return tuple(self.root / sub for sub in subs)

    def ensure(self) -> None:
        for folder in self.folders:
            folder.mkdir(parents=True, exist_ok=True)


def is_experiment_dir(path: Path) -> bool:
    return (path / META_FILE).is_file() or (path / "runs").is_dir()


def find_experiment_dirs(root: str | os.PathLike[str], depth: int = 2) -> list[Path]:
    """Every experiment folder at ``root`` or up to ``depth`` levels below it, sorted."""
    base = Path(root)
    if is_experiment_dir(base) and (base / META_FILE).is_file():
        return [base]
    found: list[Path] = []
    frontier = [base]
    for _ in range(depth):
        nxt: list[Path] = []
        for folder in frontier:
            try:
                children = sorted(p for p in folder.iterdir() if p.is_dir())
            except OSError:
                continue
            for child in children:
                if child.name.startswith("."):
                    continue
                if (child / META_FILE).is_file():
                    found.append(child)
                else:
                    nxt.append(child)
        frontier = nxt
    return sorted(found)
