"""Issue 2, "Bad input": our own error, raised before anything is written."""

from __future__ import annotations

import numpy as np
import pytest

import metalab
from metalab import (
    ArtifactNameError,
    CanonicalizeError,
    ExecutorError,
    MetalabError,
    OperationError,
    StoreError,
)


@metalab.operation
def good_op(params, capture):
    capture.metric("ok", 1)


def snapshot(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def assert_refused(tmp_path, store, error, match=None, *, executor=None, **fields):
    spec = dict(
        name="bad", version="1", context={}, operation=good_op,
        params=metalab.grid(x=[1]), seeds=metalab.seeds(0),
    )  # fmt: skip
    spec.update(fields)
    before = snapshot(tmp_path)
    with pytest.raises(error, match=match) as info:
        metalab.run(metalab.Experiment(**spec), store=store, executor=executor)
    assert isinstance(info.value, MetalabError)
    assert not store.exists(), "nothing may be written before the error"
    assert snapshot(tmp_path) == before
    return info.value


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_nan_or_infinity_in_params(tmp_path, store, value):
    err = assert_refused(tmp_path, store, CanonicalizeError,
                         params=metalab.grid(x=[1.0, value]))  # fmt: skip
    assert isinstance(err, ValueError)
    assert "x" in str(err)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_nan_or_infinity_in_context(tmp_path, store, value):
    assert_refused(tmp_path, store, CanonicalizeError, "context",
                   context={"data": {"scale": [1.0, value]}})  # fmt: skip


def test_nan_in_manual_params(tmp_path, store):
    assert_refused(tmp_path, store, CanonicalizeError,
                   params=metalab.manual([{"a": 1}, {"a": float("nan")}]))  # fmt: skip


@pytest.mark.parametrize(
    "value", [object(), np.array([1, 2]), lambda: 1], ids=["object", "array", "function"]
)
def test_params_that_cannot_be_fingerprinted(tmp_path, store, value):
    assert_refused(tmp_path, store, CanonicalizeError, params=metalab.grid(x=[value]))


def test_context_that_cannot_be_fingerprinted(tmp_path, store):
    assert_refused(tmp_path, store, CanonicalizeError, context={"model": lambda x: x})


def test_operation_asking_for_an_unknown_argument(tmp_path, store):
    def op(params, dataset):  # not decorated: checked when the sweep starts
        pass

    assert_refused(tmp_path, store, OperationError, "dataset", operation=op)

    with pytest.raises(OperationError):  # decorated: checked at once

        @metalab.operation
        def op2(params, dataset):
            pass


def test_operation_that_is_not_callable(tmp_path, store):
    assert_refused(tmp_path, store, OperationError, operation="train")


@pytest.mark.parametrize("executor", ["dsak", "threads", object(), 4])
def test_unknown_executor(tmp_path, store, executor):
    assert_refused(tmp_path, store, ExecutorError, executor=executor)


def test_store_path_that_is_an_existing_file(tmp_path):
    target = tmp_path / "results.txt"
    target.write_text("precious")
    before = snapshot(tmp_path)
    exp = metalab.Experiment("bad", "1", {}, good_op, metalab.grid(x=[1]), metalab.seeds(0))
    with pytest.raises(StoreError, match="results.txt") as info:
        metalab.run(exp, store=target)
    err = info.value
    assert isinstance(err, MetalabError) and isinstance(err, ValueError)
    assert target.read_text() == "precious"
    assert snapshot(tmp_path) == before


def test_experiment_folder_that_is_a_file(tmp_path):
    collection = tmp_path / "store"
    collection.mkdir()
    (collection / "bad_1").write_text("in the way")
    exp = metalab.Experiment("bad", "1", {}, good_op, metalab.grid(x=[1]), metalab.seeds(0))
    with pytest.raises(StoreError):
        metalab.run(exp, store=collection)
    assert (collection / "bad_1").read_text() == "in the way"


# -- artifact names: refused inside the run, before a file is written ---------------------

BAD_NAMES = ["", "   ", "/etc/passwd", "/tmp/x", "C:\\evil", "a/b", "a\\b", "..", "../up",
             "x/../../y", ".hidden"]  # fmt: skip


def test_bad_artifact_names_are_refused_before_writing(sweep, store, tmp_path):
    refusals = {}

    @metalab.operation
    def op(capture):
        for name in BAD_NAMES:
            for kind, call in (
                ("artifact", lambda n: capture.artifact(n, np.zeros(2))),
                ("json", lambda n: capture.artifact(n, {"a": 1})),
                ("data", lambda n: capture.data(n, [1, 2])),
                ("file", lambda n: capture.file(n, __file__)),
            ):
                try:
                    call(name)
                except ArtifactNameError as exc:
                    refusals[(kind, name)] = exc
        capture.artifact("fine_name", np.ones(2))

    before = snapshot(tmp_path)
    (run,) = sweep(op)
    assert run.status == "success", run.error
    kinds = ("artifact", "json", "data", "file")
    assert set(refusals) == {(k, n) for k in kinds for n in BAD_NAMES}
    for exc in refusals.values():
        assert isinstance(exc, MetalabError) and isinstance(exc, ValueError)
    assert [d.name for d in run.artifacts()] == ["fine_name"]
    art = store / "t_1" / "artifacts" / run.run_id
    assert sorted(p.name for p in art.iterdir()) == ["_manifest.json", "fine_name.npz"]
    assert not (store / "t_1" / "results" / run.run_id).exists()
    # nothing appeared outside the results tree
    assert [p for p in snapshot(tmp_path) if p not in before and not p.startswith("store")] == []


def test_an_unhandled_bad_artifact_name_fails_the_run_clearly(sweep):
    @metalab.operation
    def op(capture):
        capture.artifact("../escape", np.zeros(1))

    (run,) = sweep(op)
    assert run.status == "failed"
    assert run.error["type"] == "ArtifactNameError"
    assert "../escape" in run.error["message"]


def test_every_error_type_shares_one_base_class():
    for exc in (ArtifactNameError, CanonicalizeError, ExecutorError, OperationError, StoreError,
                metalab.ConfigError, metalab.CancelledError):  # fmt: skip
        assert issubclass(exc, MetalabError)
