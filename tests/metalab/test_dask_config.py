"""Issue 8: ``[experiment.executor] kind = "dask"`` in the experiment file, checked as the
rest of the file is (one message naming the file, line and key; exit 2; nothing
written), and the Dask extra missing: ``import metalab`` still works, and asking for
a Dask executor says what to install."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main

OPS = "import metalab\n\n@metalab.operation\ndef op(params):\n    pass\n"


def toml(executor: str) -> str:
    return f"""\
[[experiment]]
name = "demo"
version = "1"
operation = "ops:op"

[experiment.grid]
n = [1, 2]

[experiment.seeds]
base = 0

[experiment.executor]
kind = "dask"
{executor}
"""


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


BAD = {
    "unknown cluster": ('cluster = "slurmm"', 14, "executor.cluster",
                        ["unknown cluster 'slurmm'", 'did you mean "slurm"?']),
    "unknown option": ('cluster = "slurm"\n[experiment.executor.options]\ncores = 1\n'
                       'memroy = "1GB"', 17, "executor.options.memroy",
                       ["unknown option for a 'slurm' cluster", "did you mean 'memory'?"]),
    "option value rejected": ('cluster = "pbs"\n[experiment.executor.options]\ncores = 1\n'
                              'memory = "lots"', 17, "executor.options.memory",
                              ["PBSCluster rejected it", "'lots'"]),
    "cores and memory missing": ('cluster = "sge"\njobs = 2', 12, "executor.options",
                                 ["SGECluster rejected these options", "cores and memory"]),
    "address and cluster": ('address = "tcp://127.0.0.1:8786"\ncluster = "lsf"', 15,
                            "executor.cluster", ["address and cluster are both given"]),
    "jobs without a cluster": ("jobs = 4", 14, "executor.jobs", ['add cluster = "slurm"']),
    "adapt upside down": ('cluster = "slurm"\nadapt = { minimum = 5, maximum = 2 }', 15,
                          "executor.adapt.minimum", ["is above maximum (5 > 2)"]),
    "jobs and adapt": ('cluster = "slurm"\njobs = 2\nadapt = { maximum = 2 }', 16,
                       "executor.adapt", ["jobs and adapt are both given"]),
    "workers with an address": ('workers = 2\naddress = "tcp://127.0.0.1:8786"', 14,
                                "executor.workers", ["sets the size of a local cluster"]),
    "negative retries": ("retries = -1", 14, "executor.retries", ["must be at least 0"]),
    "address on a thread executor": (None, 14, "executor.address",
                                     ['applies to kind = "dask" only']),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_dask_executor_table_is_one_message_and_exit_2(case, tmp_path, capsys):
    executor, line, key, fragments = BAD[case]
    text = toml(executor) if executor is not None else toml("").replace(
        'kind = "dask"', 'kind = "thread"\naddress = "tcp://127.0.0.1:8786"'
    )  # fmt: skip
    (tmp_path / "experiments.toml").write_text(text)
    (tmp_path / "ops.py").write_text(OPS)
    before = sorted(tmp_path.rglob("*"))

    code = main([str(tmp_path / "experiments.toml"), "--no-ui"])

    err = capsys.readouterr().err
    assert code == 2
    first = err.splitlines()[0]
    assert first.startswith(f"metalab-tui: error: {tmp_path / 'experiments.toml'}:{line}: "), err
    assert f"experiment[0].{key}: " in first, err
    for fragment in fragments:
        assert fragment in err, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2  # the message and its hint
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


def test_an_address_nothing_answers_at_is_refused_at_once(tmp_path, capsys):
    port = closed_port()
    (tmp_path / "experiments.toml").write_text(toml(f'address = "tcp://127.0.0.1:{port}"'))
    (tmp_path / "ops.py").write_text(OPS)

    code = main([str(tmp_path / "experiments.toml"), "--no-ui"])

    err = capsys.readouterr().err
    assert code == 2
    assert f"experiments.toml:14: experiment[0].executor.address: no Dask scheduler answers at " \
           f"tcp://127.0.0.1:{port}" in err  # fmt: skip
    assert "dask scheduler" in err  # the hint says how to start one
    assert not (tmp_path / "experiments").exists()


BLOCK_DASK = """
import sys
for name in ("dask", "distributed", "dask_jobqueue"):
    sys.modules[name] = None  # as if the extra were not installed
"""


def run_without_dask(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_DASK + code], cwd=cwd, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_without_the_dask_extra_metalab_imports_and_says_what_to_install(tmp_path):
    done = run_without_dask(
        "import json, metalab\n"
        "try:\n"
        "    metalab.DaskExecutor()\n"
        "except metalab.ExecutorError as exc:\n"
        "    print(json.dumps(str(exc)))\n",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    message = json.loads(done.stdout.strip().splitlines()[-1])
    assert "pip install 'metalab[dask]'" in message
    assert "uv sync --extra dask" in message


def test_without_the_dask_extra_a_dask_experiment_file_is_refused_clearly(tmp_path):
    (tmp_path / "experiments.toml").write_text(toml("workers = 2"))
    (tmp_path / "ops.py").write_text(OPS)
    done = run_without_dask(
        "from tui.cli import main\nsys.exit(main(['experiments.toml', '--no-ui']))", tmp_path
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "experiments.toml:13: experiment[0].executor.kind" in done.stderr
    assert "metalab[dask]" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "experiments").exists()


def test_importing_metalab_does_not_import_dask(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys, metalab\nprint(json.dumps(sorted(m for m in "
         "sys.modules if m.split('.')[0] in ('dask', 'distributed', 'dask_jobqueue'))))"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
