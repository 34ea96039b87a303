"""Issue 2, point 1: @metalab.operation and metalab.Experiment."""

from __future__ import annotations

import pytest

import metalab
from metalab import MetalabError, OperationError


def test_bare_decorator():
    @metalab.operation
    def train(params):
        return None

    assert isinstance(train, metalab.OperationWrapper)
    assert train.name == "train"
    assert repr(train) == "Operation(train)"


def test_called_decorator_and_name_keyword():
    @metalab.operation()
    def plain(params):
        """Docstring kept."""

    @metalab.operation(name="fit")
    def other(params):
        pass

    assert plain.name == "plain"
    assert plain.__doc__ == "Docstring kept."
    assert other.name == "fit"
    assert repr(other) == "Operation(fit)"


def test_arguments_are_injected_by_name_in_any_order():
    got = {}

    @metalab.operation
    def op(capture, seeds, params, runtime, context):
        got.update(capture=capture, seeds=seeds, params=params, runtime=runtime, context=context)

    op.run("CTX", {"p": 1}, "SEEDS", "RUNTIME", "CAPTURE")
    assert got == {
        "capture": "CAPTURE", "seeds": "SEEDS", "params": {"p": 1},
        "runtime": "RUNTIME", "context": "CTX",
    }  # fmt: skip

    only = {}

    @metalab.operation
    def just_params(params):
        only["params"] = params

    just_params("ctx", {"a": 2}, "seeds", "runtime", "capture")
    assert only == {"params": {"a": 2}}


def test_operation_with_no_arguments_is_allowed(store):
    calls = []

    @metalab.operation
    def nothing():
        calls.append(1)

    exp = metalab.Experiment("noargs", "1", {}, nothing, metalab.grid(), metalab.seeds(0))
    results = metalab.run(exp, store=store).result()
    assert calls == [1]
    assert results[0].status == "success"


def test_injected_objects_in_a_real_run(store):
    seen = {}

    @metalab.operation
    def op(params, seeds, capture, context, runtime):
        seen.update(params=dict(params), seeds=seeds, context=context)
        seen["capture"] = isinstance(capture, metalab.Capture)
        seen["runtime"] = isinstance(runtime, metalab.Runtime)
        seen["run_id"] = runtime.run_id
        seen["metadata"] = dict(runtime.metadata)

    ctx = {"dataset": "iris", "n": 3}
    exp = metalab.Experiment(
        "inject", "1", ctx, op, metalab.grid(k=[5]), metalab.seeds(9),
        metadata={"owner": "me"},
    )  # fmt: skip
    (run,) = metalab.run(exp, store=store).result()
    assert seen["params"] == {"k": 5}
    assert seen["seeds"] == metalab.SeedBundle(9, 0)
    assert seen["context"] == ctx
    assert seen["capture"] and seen["runtime"]
    assert seen["run_id"] == run.run_id
    assert seen["metadata"] == {"owner": "me"}


@pytest.mark.parametrize(
    "source",
    [
        "def op(params, data): pass",
        "def op(parms): pass",
        "def op(params, *args): pass",
        "def op(params, **kwargs): pass",
        "def op(self): pass",
    ],
)
def test_unknown_argument_names_fail_at_decoration_time(source):
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102 - a few one-line functions
    with pytest.raises(OperationError, match="invalid parameter") as info:
        metalab.operation(namespace["op"])
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, MetalabError)
    with pytest.raises(ValueError):
        metalab.operation(name="x")(namespace["op"])


def test_error_names_the_bad_parameter():
    def op(params, dataset):
        pass

    with pytest.raises(OperationError, match="dataset"):
        metalab.operation(op)


def test_code_hash_covers_the_source_with_its_decorator():
    @metalab.operation
    def a(params):
        return 1

    @metalab.operation
    def b(params):
        return 2

    assert len(a.code_hash) == 16
    assert int(a.code_hash, 16) >= 0
    assert a.code_hash != b.code_hash
    assert a.ref.endswith(":test_code_hash_covers_the_source_with_its_decorator.<locals>.a")


def test_experiment_fields_and_id():
    @metalab.operation
    def op(params):
        pass

    exp = metalab.Experiment(
        name="demo",
        version="0.2",
        context={"a": 1},
        operation=op,
        params=metalab.grid(x=[1]),
        seeds=metalab.seeds(1),
        description="what it does",
        tags=["t1"],
        metadata={"k": "v"},
    )
    assert exp.experiment_id == "demo:0.2"
    assert exp.description == "what it does"
    assert exp.tags == ["t1"]
    assert exp.metadata == {"k": "v"}
    positional = metalab.Experiment("demo", "0.2", {}, op, metalab.grid(), metalab.seeds(1))
    assert positional.tags == [] and positional.metadata == {} and positional.description is None


def test_manifest_records_description_tags_and_metadata(store):
    import json

    @metalab.operation(name="fitter")
    def op(params):
        pass

    exp = metalab.Experiment(
        "described", "3", {}, op, metalab.grid(x=[1, 2]), metalab.seeds(5, replicates=2),
        description="about", tags=["a", "b"], metadata={"m": 1},
    )  # fmt: skip
    results = metalab.run(exp, store=store).result()
    (path,) = (store / "described_3" / "experiments").glob("*.json")
    manifest = json.loads(path.read_text())
    assert manifest["experiment_id"] == "described:3"
    assert manifest["name"] == "described" and manifest["version"] == "3"
    assert manifest["description"] == "about"
    assert manifest["tags"] == ["a", "b"]
    assert manifest["metadata"] == {"m": 1}
    assert manifest["operation"]["name"] == "fitter"
    assert manifest["operation"]["code_hash"] == op.code_hash
    assert manifest["params"] == {"type": "GridSource", "spec": {"x": [1, 2]}, "total_cases": 2}
    assert manifest["seeds"] == {"type": "SeedPlan", "base": 5, "replicates": 2}
    assert manifest["total_runs"] == 4
    assert manifest["run_ids"] == [r.run_id for r in results]
