"""Issue 2, point 4 (run ids): canonical JSON and run ids computed as the reference does."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pytest

import metalab
from metalab._canonical import canonical_json, fingerprint
from metalab.runner import plan_runs


def fp(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- canonical JSON -----------------------------------------------------------------


def test_floats_encode_as_their_repr_so_one_and_one_point_zero_differ():
    assert canonical_json(1.0) == '"1.0"'
    assert canonical_json(0.1) == '"0.1"'
    assert canonical_json(1) == "1"
    assert fingerprint(1) != fingerprint(1.0)


def test_keys_are_sorted_and_json_is_compact():
    assert canonical_json({"b": 1, "a": [1, 2.5, "x"]}) == '{"a":[1,"2.5","x"],"b":1}'
    assert fingerprint({"b": 1, "a": 2}) == fingerprint({"a": 2, "b": 1})


def test_other_types_encode_as_the_reference_does():
    assert canonical_json((1, 2)) == "[1,2]"
    assert canonical_json({3, 1, 2}) == "[1,2,3]"
    assert canonical_json(b"\x01\xff") == '{"__bytes__":"01ff"}'
    assert canonical_json(None) == "null"
    assert canonical_json(True) == "true"
    assert canonical_json({1: "a"}) == '{"1":"a"}'

    @dataclass
    class Cfg:
        lr: float
        name: str

    assert canonical_json(Cfg(0.5, "x")) == '{"lr":"0.5","name":"x"}'


def test_fingerprint_is_sha256_prefix_of_canonical_json():
    assert fingerprint({}) == "44136fa355b3678a"  # the reference's context fingerprint of {}
    value = {"n_samples": 100000}
    assert fingerprint(value) == fp(canonical_json(value))


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), -float("inf"), {"a": [1, float("nan")]}]
)
def test_nan_and_infinity_cannot_be_fingerprinted(value):
    with pytest.raises(metalab.CanonicalizeError):
        fingerprint(value)


@pytest.mark.parametrize(
    ("scalar", "plain"),
    [(np.int64(3), 3), (np.float32(0.5), 0.5), (np.float64(0.1), 0.1), (np.bool_(True), True)],
)
def test_numpy_scalars_fingerprint_as_the_plain_numbers_they_hold(scalar, plain):
    assert fingerprint({"x": scalar}) == fingerprint({"x": plain})


def test_numpy_scalar_params_give_the_run_ids_of_plain_params(tmp_path):
    def ids(values):
        exp = metalab.Experiment(
            "np", "1", {}, _op_for_ids, metalab.grid(n=values), metalab.seeds(0)
        )
        return [p.run_id for p in plan_runs(exp)]

    assert ids([np.int64(1), np.int64(2)]) == ids([1, 2])


@pytest.mark.parametrize("value", [np.arange(3), np.float64("nan"), object()])
def test_values_without_a_stable_encoding_are_refused(value):
    with pytest.raises(metalab.CanonicalizeError) as info:
        fingerprint({"x": value})
    assert isinstance(info.value, metalab.MetalabError)


# -- run ids ---------------------------------------------------------------------------


@metalab.operation
def _op_for_ids(params):
    return None


@metalab.operation
def estimate_pi(params, seeds, capture):
    n = params["n_samples"]
    rng = seeds.numpy()
    x, y = rng.random(n), rng.random(n)
    capture.metric("pi_estimate", 4.0 * (x**2 + y**2 <= 1).mean())


def pi_mc_experiment() -> metalab.Experiment:
    """The reference's examples/pi_mc experiment, as its run.py defines it."""
    return metalab.Experiment(
        name="pi_mc",
        version="0.1",
        context={},
        operation=estimate_pi,
        params=metalab.grid(n_samples=[1000, 10000, 100000]),
        seeds=metalab.seeds(base=42, replicates=10),
    )


def test_pi_mc_run_id_matches_the_reference(store, monkeypatch):
    monkeypatch.setattr(estimate_pi, "_code_hash", "9aaf80927f60b722")
    results = metalab.run(pi_mc_experiment(), store=store).result()
    assert len(results.successful) == 30
    (run,) = results.filter(params={"n_samples": 100000}, where=lambda r: r.replicate == 0)
    assert run.run_id == "4df13cd112b9b18f"
    assert run.context_fingerprint == "44136fa355b3678a"
    assert run.params_fingerprint == fp('{"n_samples":100000}')
    assert run.seed_fingerprint == fp('{"replicate_index":0,"root_seed":42}')
    assert abs(run.metrics["pi_estimate"] - 3.1416) < 0.02
    # the record file is named by that id and carries the code hash
    record = json.loads((store / "pi_mc_0.1" / "runs" / "4df13cd112b9b18f.json").read_text())
    assert record["provenance"]["code_hash"] == "9aaf80927f60b722"


def test_run_id_is_the_fingerprint_of_its_parts(store):
    @metalab.operation
    def op(params):
        pass

    exp = metalab.Experiment("parts", "2", {"k": 1}, op, metalab.grid(a=[0.5]), metalab.seeds(3))
    (run,) = metalab.run(exp, store=store).result()
    expected = fp(
        json.dumps(
            {
                "code_fp": op.code_hash,
                "context_fp": fp('{"k":1}'),
                "experiment_id": "parts:2",
                "params_fp": fp('{"a":"0.5"}'),
                "seed_fp": fp('{"replicate_index":0,"root_seed":3}'),
            },
            sort_keys=True,
            separators=(",", ":"),
        )
    )
    assert run.run_id == expected


def _run_ids(store, **overrides) -> list[str]:
    fields = dict(
        name="ids", version="1", context={"a": 1, "b": [1, 2]}, operation=_id_op,
        params=metalab.grid(x=[1, 2]), seeds=metalab.seeds(7, replicates=2),
    )  # fmt: skip
    fields.update(overrides)
    executor = fields.pop("executor", None)
    exp = metalab.Experiment(**fields)
    return [r.run_id for r in metalab.run(exp, store=store, executor=executor).result()]


@metalab.operation(name="first_name")
def _id_op(params):
    pass


def test_run_ids_ignore_name_of_op_description_tags_metadata_executor_and_store(tmp_path):
    base = _run_ids(tmp_path / "a")
    assert len(set(base)) == 4
    same = _run_ids(
        tmp_path / "b",
        description="changed",
        tags=["t"],
        metadata={"m": 2},
        context={"b": [1, 2], "a": 1},  # key order does not matter
        executor=metalab.ThreadExecutor(max_workers=2),
    )
    assert same == base
    renamed = metalab.OperationWrapper(_id_op.func, name="second_name")
    assert _run_ids(tmp_path / "c", operation=renamed) == base


def test_run_ids_change_with_what_defines_a_run(tmp_path):
    base = set(_run_ids(tmp_path / "a"))
    assert base.isdisjoint(_run_ids(tmp_path / "b", version="2"))
    assert base.isdisjoint(_run_ids(tmp_path / "c", name="other"))
    assert base.isdisjoint(_run_ids(tmp_path / "d", context={"a": 2, "b": [1, 2]}))
    assert base.isdisjoint(_run_ids(tmp_path / "e", params=metalab.grid(x=[1.0, 2.0])))
    assert base.isdisjoint(_run_ids(tmp_path / "f", seeds=metalab.seeds(8, replicates=2)))

    @metalab.operation(name="first_name")
    def _id_op(params):  # same name, different source
        return None

    assert base.isdisjoint(_run_ids(tmp_path / "g", operation=_id_op))
