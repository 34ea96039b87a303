"""Fake ``squeue`` and ``sacct`` for the SLURM status tests: executables put first on
PATH that print canned output, so the browser's SLURM support is tested without a
cluster, through the same ``subprocess`` calls it makes on one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

__all__ = ["fake_command", "put_first_on_path", "write_manifest"]


def fake_command(
    bin_dir: Path, name: str, stdout: str = "", *, rc: int = 0, stderr: str = "",
    sleep: float | None = None,
) -> Path:  # fmt: skip
    """An executable ``name`` in ``bin_dir`` that prints ``stdout`` and ``stderr`` and
    exits with ``rc`` (after ``sleep`` seconds, if given). Each call appends a line to
    ``name.calls`` and writes its arguments, one a line, to ``name.args``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    out, err = bin_dir / f"{name}.out", bin_dir / f"{name}.err"
    out.write_text(stdout, encoding="utf-8")
    err.write_text(stderr, encoding="utf-8")
    lines = [
        "#!/bin/sh",
        f'printf "x\\n" >> "{bin_dir}/{name}.calls"',
        f'for a in "$@"; do printf "%s\\n" "$a"; done > "{bin_dir}/{name}.args"',
    ]
    if sleep is not None:
        lines.append(f"exec sleep {sleep}")
    lines += [
        f'while IFS= read -r l; do printf "%s\\n" "$l"; done < "{out}"',
        f'while IFS= read -r l; do printf "%s\\n" "$l" >&2; done < "{err}"',
        f"exit {rc}",
    ]
    script = bin_dir / name
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def put_first_on_path(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make ``bin_dir`` the first folder on PATH (for this test only)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return bin_dir


def write_manifest(
    exp: Path, experiment_id: str, stamp: str, submitted_at: str, *, total_runs: int = 18,
    **metadata: object,
) -> Path:  # fmt: skip
    """Write an experiment manifest ``experiments/<id>_<stamp>.json`` under ``exp`` with
    these ``metadata`` (``submission_mode="array_indexed", job_ids=[...]`` for an array)."""
    safe = experiment_id.replace(":", "_")
    path = exp / "experiments" / f"{safe}_{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = {
        "experiment_id": experiment_id,
        "submitted_at": submitted_at,
        "total_runs": total_runs,
        "metadata": metadata,
    }
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path
