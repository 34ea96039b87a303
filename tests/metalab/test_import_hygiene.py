"""Issue 2: importing metalab loads no terminal-UI or plotting library."""

from __future__ import annotations

import json
import subprocess
import sys

CODE = """
import json, sys
import metalab
heavy = ("textual", "plotext", "tui")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
"""


def loaded_after(code: str, tmp_path) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_metalab_loads_no_textual_or_plotext(tmp_path):
    assert loaded_after(CODE, tmp_path) == []


def test_running_a_sweep_loads_no_textual_or_plotext(tmp_path):
    code = """
import json, sys
import metalab

@metalab.operation
def op(capture):
    capture.metric("m", 1.0, step=0)

exp = metalab.Experiment("h", "1", {}, op, metalab.grid(), metalab.seeds(0))
metalab.run(exp, store=sys.argv[1], progress=True).result()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "plotext"))))
"""
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "store")], cwd=tmp_path,
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_public_names_are_exported():
    import metalab

    for name in metalab.__all__:
        assert hasattr(metalab, name), name
    assert metalab.__version__ == "0.1.0"
