"""experiments.toml: what a user sees when a file is wrong, and what a good file builds.

Every bad-file test checks the start of the message a command-line front end would
print, ``<file>:<line>: <key path>: ``, plus a few words of the problem, so that a
mistake is always reported at the line where the user has to fix it.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from metalab.config import (
    DisplaySpec,
    ExecutorSpec,
    ExperimentSpec,
    dump_experiment,
    load_experiments,
    resolve_operation,
)
from metalab.errors import ConfigError

OPS = """\
import metalab


@metalab.operation
def op(params, capture):
    return None


def plain(params, capture):
    return None


class Holder:
    inner = op
"""

HEAD = """\
[[experiment]]
name = "demo"
version = "0.1"
operation = "ops:op"
"""

GRID = """\
[experiment.grid]
learning_rate = [0.01, 0.1]
n_iterations = [10, 20]
"""

SEEDS = """\
[experiment.seeds]
base = 42
"""

GOOD = HEAD + GRID + SEEDS


@pytest.fixture(autouse=True)
def isolated_imports(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """Each test imports its own ``ops`` module: forget the modules it imported from
    temporary folders (and its sys.path changes) afterwards."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    temporary = str(tmp_path_factory.getbasetemp())
    before = set(sys.modules)
    yield
    imported = {name: sys.modules[name] for name in set(sys.modules) - before}
    stale = []
    for name, module in imported.items():
        places = [getattr(module, "__file__", None) or "", *getattr(module, "__path__", [])]
        if any(str(place).startswith(temporary) for place in places):
            stale.append(name)
    for name in stale:
        del sys.modules[name]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with ``ops.py``, which is also the working directory."""
    (tmp_path / "ops.py").write_text(OPS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, text: str, name: str = "experiments.toml") -> str:
    (folder / name).write_text(textwrap.dedent(text))
    return name


def line_of(folder: Path, snippet: str, occurrence: int = 1, name: str = "experiments.toml") -> int:
    """The 1-based line of the ``occurrence``-th line containing ``snippet``."""
    lines = (folder / name).read_text().splitlines()
    found = [number for number, text in enumerate(lines, 1) if snippet in text]
    return found[occurrence - 1]


def error_for(name: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_experiments(name)
    return info.value


def assert_error(
    error: ConfigError, name: str, line: int | None, key: str | None, *words: str
) -> None:
    where = name if line is None else f"{name}:{line}"
    prefix = f"{where}: {key}: " if key else f"{where}: "
    message = str(error)
    assert message.startswith(prefix), message
    assert error.line == line
    for word in words:
        assert word.lower() in message.lower(), message


def params_of(spec: ExperimentSpec) -> list[dict[str, Any]]:
    return [case.params for case in spec.experiment.params]


# ---------------------------------------------------------------------------
# Reading the file


def test_missing_file_is_named(folder: Path) -> None:
    assert_error(error_for("nope.toml"), "nope.toml", None, None, "not found")


def test_folder_instead_of_file_points_at_the_file_inside(folder: Path) -> None:
    (folder / "proj").mkdir()
    write(folder / "proj", GOOD)
    error = error_for("proj")
    assert_error(error, "proj", None, None, "folder")
    assert "experiments.toml" in (error.hint or "")


def test_toml_syntax_error_gives_line_and_clean_message(folder: Path) -> None:
    name = write(folder, GOOD.replace('name = "demo"', "name = demo"))
    error = error_for(name)
    assert_error(error, name, 2, None, "invalid TOML")
    assert "(at line" not in str(error)
    assert 'name = "demo"' in (error.hint or "")


def test_unclosed_table_header_is_a_syntax_error_on_its_line(folder: Path) -> None:
    name = write(folder, GOOD.replace("[experiment.seeds]", "[experiment.seeds"))
    assert_error(error_for(name), name, line_of(folder, "[experiment.seeds"), None, "invalid TOML")


# ---------------------------------------------------------------------------
# Top level


def test_file_without_experiments(folder: Path) -> None:
    name = write(folder, "# nothing here yet\n")
    error = error_for(name)
    assert_error(error, name, None, None, "no experiment")
    assert "[[experiment]]" in (error.hint or "")


def test_single_experiment_table_instead_of_array(folder: Path) -> None:
    name = write(folder, GOOD.replace("[[experiment]]", "[experiment]"))
    error = error_for(name)
    assert_error(error, name, 1, "experiment", "array of tables")
    assert "[[experiment]]" in (error.hint or "")


def test_unknown_top_level_key(folder: Path) -> None:
    name = write(folder, GOOD + '\n[[experiments]]\nname = "other"\n')
    error = error_for(name)
    assert_error(error, name, line_of(folder, "[[experiments]]"), "experiments", "unknown")
    assert "[[experiment]]" in (error.hint or "")


# ---------------------------------------------------------------------------
# Keys of an experiment


def test_unknown_experiment_key_suggests_the_closest(folder: Path) -> None:
    name = write(folder, GOOD.replace("operation =", "operaton ="))
    error = error_for(name)
    assert_error(error, name, 4, "experiment[0].operaton", "unknown key")
    assert "'operation'" in (error.hint or "")


@pytest.mark.parametrize(
    ("table", "typo", "meant"),
    [
        ("[experiment.seeds]\nbase = 1\n", "replicate = 2", "replicates"),
        ("[experiment.executor]\n", "worker = 2", "workers"),
        ("[experiment.display]\n", 'metrics = "loss"', "metric"),
        ("[experiment.random]\ntrials = 3\nseed = 0\n", "spaces = {}", "space"),
    ],
)
def test_unknown_key_in_sub_table_of_second_experiment(
    folder: Path, table: str, typo: str, meant: str
) -> None:
    second = HEAD.replace('"demo"', '"other"')
    if "random" in table:
        body = GOOD + second + table + typo + "\n" + SEEDS
    elif "seeds" in table:
        body = GOOD + second + GRID + table + typo + "\n"
    else:
        body = GOOD + second + GRID + SEEDS + table + typo + "\n"
    name = write(folder, body)
    section = table.split("]")[0].removeprefix("[experiment.")
    key = f"experiment[1].{section}.{typo.split(' =')[0]}"
    error = error_for(name)
    assert_error(error, name, line_of(folder, typo), key, "unknown key")
    assert repr(meant) in (error.hint or "")


@pytest.mark.parametrize(
    ("line", "key", "hint"),
    [
        ("name = 7", "name", 'name = "my_experiment"'),
        ("version = 0.1", "version", 'version = "0.1"'),
        ("version = 2", "version", 'version = "2"'),
        ('operation = ["ops", "op"]', "operation", 'operation = "ops:my_operation"'),
    ],
)
def test_wrong_type_of_a_string_key(folder: Path, line: str, key: str, hint: str) -> None:
    original = next(text for text in HEAD.splitlines() if text.startswith(f"{key} ="))
    name = write(folder, GOOD.replace(original, line))
    error = error_for(name)
    assert_error(error, name, line_of(folder, line), f"experiment[0].{key}", "must be a string")
    assert hint in (error.hint or "")


@pytest.mark.parametrize("key", ["name", "version", "operation"])
def test_missing_required_key_points_at_the_experiment_header(folder: Path, key: str) -> None:
    first = GOOD.replace('"demo"', '"first"')
    second = "\n".join(t for t in GOOD.splitlines() if not t.startswith(f"{key} =")) + "\n"
    name = write(folder, first + second)
    error = error_for(name)
    assert_error(
        error, name, line_of(folder, "[[experiment]]", 2), f"experiment[1].{key}", "missing"
    )
    assert f"{key} =" in (error.hint or "")


def test_missing_seeds(folder: Path) -> None:
    name = write(folder, HEAD + GRID)
    error = error_for(name)
    assert_error(error, name, 1, "experiment[0].seeds", "missing")
    assert "base = 42" in (error.hint or "")


def test_name_that_would_escape_the_store_is_refused(folder: Path) -> None:
    name = write(folder, GOOD.replace('"demo"', '"../demo"'))
    assert_error(error_for(name), name, 2, "experiment[0].name", "'/'")


# ---------------------------------------------------------------------------
# Parameters


def test_grid_value_that_is_not_a_list(folder: Path) -> None:
    name = write(folder, GOOD.replace("[0.01, 0.1]", "0.01"))
    error = error_for(name)
    key = "experiment[0].grid.learning_rate"
    assert_error(error, name, line_of(folder, "learning_rate"), key, "must be an array")
    assert "learning_rate = [0.01]" in (error.hint or "")


def test_grid_value_that_is_an_empty_list(folder: Path) -> None:
    name = write(folder, GOOD.replace("[10, 20]", "[]"))
    key = "experiment[0].grid.n_iterations"
    assert_error(error_for(name), name, line_of(folder, "n_iterations"), key, "empty")


def test_empty_grid_table(folder: Path) -> None:
    name = write(folder, HEAD + "[experiment.grid]\n" + SEEDS)
    assert_error(error_for(name), name, 5, "experiment[0].grid", "empty")


def test_no_parameter_table(folder: Path) -> None:
    name = write(folder, HEAD + SEEDS)
    error = error_for(name)
    assert_error(error, name, 1, "experiment[0]", "grid", "random", "cases")


def test_two_parameter_tables(folder: Path) -> None:
    name = write(folder, GOOD + "[[experiment.cases]]\nlearning_rate = 0.5\n")
    error = error_for(name)
    line = line_of(folder, "[[experiment.cases]]")
    assert_error(error, name, line, "experiment[0].cases", "exactly one")


def test_cases_written_as_a_single_table(folder: Path) -> None:
    name = write(folder, HEAD + SEEDS + "[experiment.cases]\nlearning_rate = 0.5\n")
    error = error_for(name)
    line = line_of(folder, "[experiment.cases]")
    assert_error(error, name, line, "experiment[0].cases", "array of tables")
    assert "[[experiment.cases]]" in (error.hint or "")


def test_cases_that_are_empty(folder: Path) -> None:
    name = write(folder, HEAD + "cases = []\n" + SEEDS)
    assert_error(error_for(name), name, 5, "experiment[0].cases", "empty")


def test_case_that_is_not_a_table(folder: Path) -> None:
    name = write(folder, HEAD + "cases = [\n  { lr = 0.1 },\n  0.2,\n]\n" + SEEDS)
    assert_error(error_for(name), name, 7, "experiment[0].cases[1]", "must be a table")


RANDOM = """\
[experiment.random]
trials = 4
seed = 0

[experiment.random.space]
lr = { loguniform = [1e-4, 1e-1] }
depth = { randint = [2, 8] }
"""


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("trials = 4", "trials = 0", "trials", ["at least 1"]),
        ("trials = 4", "trials = true", "trials", ["integer", "boolean"]),
        ("seed = 0", 'seed = "0"', "seed", ["integer", "string"]),
        ("lr = { loguniform = [1e-4, 1e-1] }", "lr = [1e-4, 1e-1]", "space.lr", ["inline table"]),
        (
            "lr = { loguniform = [1e-4, 1e-1] }",
            "lr = { normal = [0, 1] }",
            "space.lr.normal",
            ["unknown distribution"],
        ),
        (
            "lr = { loguniform = [1e-4, 1e-1] }",
            "lr = { uniform = [0, 1], choice = [1] }",
            "space.lr",
            ["exactly one"],
        ),
        (
            "lr = { loguniform = [1e-4, 1e-1] }",
            "lr = { uniform = [1] }",
            "space.lr.uniform",
            ["[low, high]"],
        ),
        (
            "lr = { loguniform = [1e-4, 1e-1] }",
            'lr = { uniform = [0, "1"] }',
            "space.lr.uniform",
            ["[low, high]"],
        ),
        (
            "lr = { loguniform = [1e-4, 1e-1] }",
            "lr = { uniform = [1, 0] }",
            "space.lr.uniform",
            ["low must be below high"],
        ),
        (
            "lr = { loguniform = [1e-4, 1e-1] }",
            "lr = { loguniform = [0, 1] }",
            "space.lr.loguniform",
            ["above 0"],
        ),
        (
            "depth = { randint = [2, 8] }",
            "depth = { randint = [2.5, 8] }",
            "space.depth.randint",
            ["integers"],
        ),
        (
            "depth = { randint = [2, 8] }",
            "depth = { loguniform_int = [-1, 8] }",
            "space.depth.loguniform_int",
            ["above 0"],
        ),
        (
            "depth = { randint = [2, 8] }",
            "depth = { choice = [] }",
            "space.depth.choice",
            ["non-empty"],
        ),
    ],
)
def test_bad_random_search(folder: Path, old: str, new: str, key: str, words: list[str]) -> None:
    name = write(folder, HEAD + RANDOM.replace(old, new) + SEEDS)
    error = error_for(name)
    assert_error(error, name, line_of(folder, new), f"experiment[0].random.{key}", *words)


def test_unknown_distribution_suggests_the_closest(folder: Path) -> None:
    new = "lr = { log_uniform = [1e-4, 1e-1] }"
    name = write(folder, HEAD + RANDOM.replace("lr = { loguniform = [1e-4, 1e-1] }", new) + SEEDS)
    assert "'loguniform'" in (error_for(name).hint or "")


def test_random_without_seed_points_at_its_table(folder: Path) -> None:
    name = write(folder, HEAD + RANDOM.replace("seed = 0\n", "") + SEEDS)
    error = error_for(name)
    line = line_of(folder, "[experiment.random]")
    assert_error(error, name, line, "experiment[0].random.seed", "missing")


def test_random_with_empty_space(folder: Path) -> None:
    text = HEAD + "[experiment.random]\ntrials = 2\nseed = 0\n\n[experiment.random.space]\n"
    name = write(folder, text + SEEDS)
    line = line_of(folder, "[experiment.random.space]")
    assert_error(error_for(name), name, line, "experiment[0].random.space", "empty")


# ---------------------------------------------------------------------------
# Seeds, executor, display


@pytest.mark.parametrize(
    ("new", "key", "words"),
    [
        ('base = "42"', "base", ["integer", "string"]),
        ("base = 42\nreplicates = 0", "replicates", ["at least 1"]),
        ("base = 42\nreplicates = 2.0", "replicates", ["integer", "float"]),
    ],
)
def test_bad_seeds(folder: Path, new: str, key: str, words: list[str]) -> None:
    name = write(folder, GOOD.replace("base = 42", new))
    line = line_of(folder, f"{key} =")
    assert_error(error_for(name), name, line, f"experiment[0].seeds.{key}", *words)


@pytest.mark.parametrize(
    ("new", "key", "words"),
    [
        ('kind = "threads"', "kind", ["unknown executor kind"]),
        ('kind = "gpu"', "kind", ["unknown executor kind"]),
        ("workers = true", "workers", ["integer", "boolean"]),
        ("workers = 0", "workers", ["at least 1"]),
    ],
)
def test_bad_executor(folder: Path, new: str, key: str, words: list[str]) -> None:
    name = write(folder, GOOD + "\n[experiment.executor]\n" + new + "\n")
    error = error_for(name)
    assert_error(error, name, line_of(folder, new), f"experiment[0].executor.{key}", *words)
    if new == 'kind = "threads"':
        assert '"thread"' in (error.hint or "")


def test_executor_set_with_a_dotted_key(folder: Path) -> None:
    name = write(folder, HEAD + "executor.workers = 0\n" + GRID + SEEDS)
    key = "experiment[0].executor.workers"
    assert_error(error_for(name), name, 5, key, "at least 1")


@pytest.mark.parametrize(
    ("new", "words"),
    [
        ('steps = "n_iter"', ["n_iter", "grid"]),
        ("steps = 0", ["positive"]),
        ("steps = 1.5", ["parameter name or a positive integer"]),
        ('metric = ""', ["empty"]),
    ],
)
def test_bad_display(folder: Path, new: str, words: list[str]) -> None:
    name = write(folder, GOOD + "\n[experiment.display]\n" + new + "\n")
    key = "experiment[0].display." + new.split(" =")[0]
    error = error_for(name)
    assert_error(error, name, line_of(folder, new), key, *words)
    if "n_iter" in new:
        assert '"n_iterations"' in (error.hint or "")


def test_display_steps_missing_from_one_case(folder: Path) -> None:
    cases = "cases = [\n  { lr = 0.1, n = 10 },\n  { lr = 0.2 },\n]\n"
    name = write(folder, HEAD + cases + SEEDS + '[experiment.display]\nsteps = "n"\n')
    error = error_for(name)
    assert_error(
        error, name, line_of(folder, 'steps = "n"'), "experiment[0].display.steps", "case 1"
    )
    assert f"line {line_of(folder, '{ lr = 0.2 }')}" in str(error)


# ---------------------------------------------------------------------------
# Across experiments


def test_duplicate_name_and_version(folder: Path) -> None:
    name = write(folder, GOOD + "\n" + GOOD)
    error = error_for(name)
    assert_error(error, name, line_of(folder, "name =", 2), "experiment[1].name", "repeat")
    assert "experiment[0] (line 1)" in str(error)


def test_experiments_that_would_share_a_folder(folder: Path) -> None:
    first = GOOD.replace('name = "demo"', 'name = "a_b"').replace('"0.1"', '"c"')
    second = GOOD.replace('name = "demo"', 'name = "a"').replace('"0.1"', '"b_c"')
    name = write(folder, first + second)
    error = error_for(name)
    assert_error(error, name, line_of(folder, "name =", 2), "experiment[1].name", "a_b_c")


def test_same_name_with_another_version_is_fine(folder: Path) -> None:
    name = write(folder, GOOD + GOOD.replace('"0.1"', '"0.2"'))
    specs = load_experiments(name)
    assert [spec.version for spec in specs] == ["0.1", "0.2"]


# ---------------------------------------------------------------------------
# Operations


def test_operation_without_colon(folder: Path) -> None:
    name = write(folder, GOOD.replace('"ops:op"', '"ops.op"'))
    error = error_for(name)
    assert_error(error, name, 4, "experiment[0].operation", "no ':'")
    assert '"ops:op"' in (error.hint or "")


@pytest.mark.parametrize(
    ("ref", "words", "hint"),
    [
        ("nosuch:op", ["module 'nosuch' not found"], None),
        ("opz.py:op", ["file 'opz.py' not found"], "'ops.py'"),
        ("ops:opp", ["has no attribute 'opp'"], "'op'"),
        ("ops.py:Holder.missing", ["has no attribute 'missing'"], None),
        ("ops:plain", ["not a metalab operation"], "@metalab.operation"),
    ],
)
def test_operation_that_cannot_be_used(
    folder: Path, ref: str, words: list[str], hint: str | None
) -> None:
    name = write(folder, GOOD + "\n" + GOOD.replace('"ops:op"', f'"{ref}"').replace('"0.1"', '"2"'))
    error = error_for(name)
    line = line_of(folder, "operation =", 2)
    assert_error(error, name, line, "experiment[1].operation", *words)
    if hint:
        assert hint in (error.hint or "")


@pytest.mark.parametrize("ref", ["broken:op", "broken.py:op"])
def test_operation_whose_module_raises_on_import(folder: Path, ref: str) -> None:
    (folder / "broken.py").write_text("import metalab\n\nRATE = 1 / 0\n")
    name = write(folder, GOOD.replace('"ops:op"', f'"{ref}"'))
    error = error_for(name)
    words = ["ZeroDivisionError: division by zero"]
    assert_error(error, name, 4, "experiment[0].operation", *words)
    assert "broken" not in sys.modules


def test_operation_whose_module_lacks_a_dependency(folder: Path) -> None:
    (folder / "needy.py").write_text("import not_installed_anywhere_xyz\n")
    name = write(folder, GOOD.replace('"ops:op"', '"needy:op"'))
    error = error_for(name)
    assert_error(error, name, 4, "experiment[0].operation", "not_installed_anywhere_xyz")
    assert "install" in (error.hint or "")


def test_process_executor_with_operation_file_outside_the_folder(
    folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "far.py").write_text(OPS)
    body = GOOD.replace('"ops:op"', f'"{(elsewhere / "far.py").as_posix()}:op"')
    name = write(folder, body + '[experiment.executor]\nkind = "process"\n')
    error = error_for(name)
    assert_error(error, name, 4, "experiment[0].operation", "process executor")
    # with threads the same file is fine
    (folder / name).write_text(body)
    assert load_experiments(name)[0].experiment.operation.name == "op"


def test_resolve_operation_forms(folder: Path) -> None:
    nested = folder / "pkgs" / "sub"  # no __init__.py anywhere: namespace packages
    nested.mkdir(parents=True)
    (nested / "run.py").write_text(OPS)
    by_module = resolve_operation("pkgs.sub.run:op", folder)
    by_file = resolve_operation("pkgs/sub/run.py:op", folder)
    assert by_module is by_file
    assert by_module.ref == "pkgs.sub.run:op"
    assert resolve_operation("ops:Holder.inner", folder) is resolve_operation("ops:op", folder)


def test_operation_file_is_registered_under_its_ref(
    folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    models = folder / "models"
    models.mkdir()
    (models / "train.py").write_text(OPS)
    op = resolve_operation("models/train.py:op", folder)
    module, _, qualname = op.ref.partition(":")
    assert getattr(sys.modules[module], qualname) is op
    # a file outside the folder gets a unique module name, still registered
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "ops.py").write_text(OPS)
    other = resolve_operation(f"{elsewhere / 'ops.py'}:op", folder)
    module, _, qualname = other.ref.partition(":")
    assert module != "ops"
    assert getattr(sys.modules[module], qualname) is other


def test_resolve_operation_errors_are_labelled() -> None:
    with pytest.raises(ConfigError) as info:
        resolve_operation("just_a_name", Path.cwd(), path="x.toml", key="k", line=3)
    assert str(info.value).startswith("x.toml:3: k: ")


# ---------------------------------------------------------------------------
# Good files


def test_grid_experiment(folder: Path) -> None:
    body = GOOD.replace('"0.1"\n', '"0.1"\ndescription = "fit"\ntags = ["a", "b"]\n', 1)
    body += '[experiment.context]\ndata = { n = 3 }\n[experiment.metadata]\nowner = "me"\n'
    name = write(folder, body.replace("base = 42", "base = 42\nreplicates = 3"))
    (spec,) = load_experiments(name)
    assert (spec.name, spec.version, spec.index) == ("demo", "0.1", 0)
    assert spec.source == folder.resolve() / name
    assert spec.operation_ref == "ops:op"
    assert spec.experiment.operation is sys.modules["ops"].op
    assert params_of(spec) == [
        {"learning_rate": lr, "n_iterations": n}
        for lr, n in itertools.product([0.01, 0.1], [10, 20])
    ]
    assert len(spec.experiment.seeds) == 3
    assert spec.experiment.context == {"data": {"n": 3}}
    assert spec.experiment.metadata == {"owner": "me"}
    assert spec.experiment.description == "fit"
    assert spec.experiment.tags == ["a", "b"]


def test_defaults(folder: Path) -> None:
    (spec,) = load_experiments(write(folder, GOOD))
    assert spec.executor == ExecutorSpec("thread", 4)
    assert spec.display == DisplaySpec("loss", None)
    assert spec.store == folder.resolve() / "experiments"
    assert spec.experiment_dir == folder.resolve() / "experiments" / "demo_0.1"
    assert len(spec.experiment.seeds) == 1
    assert spec.experiment.context == {}
    assert spec.experiment.description is None
    assert spec.experiment.tags == []
    assert not (folder / "experiments").exists()  # loading writes nothing


def test_random_experiment(folder: Path) -> None:
    (spec,) = load_experiments(write(folder, HEAD + RANDOM + SEEDS))
    cases = params_of(spec)
    assert len(cases) == 4
    for case in cases:
        assert 1e-4 <= case["lr"] <= 1e-1
        assert isinstance(case["depth"], int) and 2 <= case["depth"] <= 8
    assert params_of(load_experiments("experiments.toml")[0]) == cases  # replayable


def test_cases_experiment(folder: Path) -> None:
    cases = '[[experiment.cases]]\nlr = 0.1\n\n[[experiment.cases]]\nlr = 0.2\nextra = "x"\n'
    (spec,) = load_experiments(write(folder, HEAD + cases + SEEDS))
    assert params_of(spec) == [{"lr": 0.1}, {"lr": 0.2, "extra": "x"}]


def test_store_is_relative_to_the_toml_folder(
    folder: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = folder / "project"
    project.mkdir()
    (project / "ops.py").write_text(OPS)
    body = GOOD.replace('"0.1"\n', '"1:2"\nstore = "../runs"\n', 1)
    write(project, body)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    (spec,) = load_experiments(project / "experiments.toml")
    assert spec.store == folder.resolve() / "runs"
    assert spec.experiment_dir == folder.resolve() / "runs" / "demo_1_2"


def test_errors_name_the_file_as_given(folder: Path) -> None:
    sub = folder / "sub"
    sub.mkdir()
    write(sub, GOOD.replace("base = 42", "base = 4.2"))
    error = error_for("sub/experiments.toml")
    assert str(error).startswith("sub/experiments.toml:")


@pytest.mark.parametrize(
    "body",
    [
        GOOD + '[experiment.executor]\nkind = "process"\nworkers = 2\n',
        HEAD + RANDOM + SEEDS + '[experiment.display]\nmetric = "acc"\nsteps = "depth"\n',
        HEAD
        + "cases = [{ lr = 0.1 }, { lr = 0.2, n = 3 }]\n"
        + SEEDS
        + "[experiment.context]\npath = 'data/x.csv'\n",
    ],
    ids=["grid", "random", "cases"],
)
def test_dump_round_trip(folder: Path, body: str) -> None:
    (spec,) = load_experiments(write(folder, body))
    write(folder, dump_experiment(spec), "dumped.toml")
    (again,) = load_experiments("dumped.toml")
    assert again == spec
    assert (again.name, again.version) == (spec.name, spec.version)
    assert params_of(again) == params_of(spec)
    assert again.experiment.context == spec.experiment.context


# ---------------------------------------------------------------------------
# Display and executor objects


def test_total_steps() -> None:
    by_param = DisplaySpec(steps="n_iterations")
    assert by_param.total_steps({"n_iterations": 500}) == 500
    assert by_param.total_steps({"n_iterations": 500.0}) == 500
    assert by_param.total_steps({"other": 1}) is None
    assert DisplaySpec(steps=250).total_steps({"n_iterations": 500}) == 250
    assert DisplaySpec().total_steps({"n_iterations": 500}) is None


def test_display_from_file(folder: Path) -> None:
    display = '[experiment.display]\nmetric = "mse"\nsteps = "n_iterations"\n'
    (spec,) = load_experiments(write(folder, GOOD + display))
    assert spec.display == DisplaySpec("mse", "n_iterations")
    assert [spec.display.total_steps(p) for p in params_of(spec)] == [10, 20, 10, 20]


def test_executor_build() -> None:
    from metalab.executors import ProcessExecutor, ThreadExecutor

    threads = ExecutorSpec().build()
    assert isinstance(threads, ThreadExecutor) and threads.max_workers == 4
    processes = ExecutorSpec("process", 2).build(workers=3)
    assert isinstance(processes, ProcessExecutor) and processes.max_workers == 3


def test_importing_config_pulls_in_no_ui_libraries() -> None:
    code = (
        "import sys, metalab.config\n"
        "bad = [m for m in ('textual', 'plotext') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
