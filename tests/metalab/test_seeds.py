"""Issue 2, point 3: seeds derived exactly as the reference derives them."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest

import metalab
from metalab import SeedBundle


def expected_derive(root: int, name: str, replicate: int) -> int:
    """The reference's derivation, written out from its description."""
    digest = hashlib.sha256(f"{root}:{name}:{replicate}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def test_reference_values_for_base_42_replicate_0():
    bundle = SeedBundle(42, 0)
    assert bundle.derive("default") == 2164880486899767195
    assert bundle.numpy_seed("default") == 852875163
    assert bundle.derive() == 2164880486899767195
    assert bundle.numpy_seed() == 852875163


@pytest.mark.parametrize(
    ("root", "name", "replicate"),
    [(42, "default", 0), (42, "default", 1), (42, "noise", 2), (0, "init", 7), (123456789, "x", 0)],
)
def test_derive_is_sha256_of_root_name_replicate(root, name, replicate):
    bundle = SeedBundle(root, replicate)
    value = expected_derive(root, name, replicate)
    assert bundle.derive(name) == value
    assert 0 <= bundle.derive(name) < 2**64
    assert bundle.numpy_seed(name) == value % 2**32


def test_replicate_none_derives_like_replicate_zero():
    assert SeedBundle(42, None).derive("a") == SeedBundle(42, 0).derive("a")


def test_named_streams_differ_from_each_other_and_across_replicates():
    b0, b1 = SeedBundle(42, 0), SeedBundle(42, 1)
    assert b0.derive("data") != b0.derive("init")
    assert b0.derive("data") != b1.derive("data")


def test_rng_is_a_seeded_python_random_stream():
    bundle = SeedBundle(42, 3)
    rng = bundle.rng("noise")
    assert isinstance(rng, random.Random)
    expected = random.Random(expected_derive(42, "noise", 3))
    assert [rng.random() for _ in range(5)] == [expected.random() for _ in range(5)]
    # and a fresh call starts the same stream again
    assert bundle.rng("noise").random() == random.Random(expected_derive(42, "noise", 3)).random()


def test_numpy_generator_is_default_rng_of_the_numpy_seed():
    bundle = SeedBundle(42, 0)
    gen = bundle.numpy()
    assert isinstance(gen, np.random.Generator)
    expected = np.random.default_rng(852875163)
    np.testing.assert_array_equal(gen.normal(size=8), expected.normal(size=8))
    np.testing.assert_array_equal(bundle.numpy().random(4), bundle.numpy().random(4))
    assert not np.array_equal(bundle.numpy("a").random(4), bundle.numpy("b").random(4))


def test_seed_plan_iterates_one_bundle_per_replicate():
    plan = metalab.seeds(base=42, replicates=3)
    assert len(plan) == 3
    assert list(plan) == [SeedBundle(42, 0), SeedBundle(42, 1), SeedBundle(42, 2)]
    assert plan[2] == SeedBundle(42, 2)
    assert plan.base_seed == 42 and plan.replicates == 3
    assert repr(plan) == "SeedPlan(base=42, replicates=3)"
    for bad in (3, -1):  # as in the reference, no negative indices
        with pytest.raises(IndexError):
            plan[bad]
    assert len(metalab.seeds(7)) == 1


def test_bundle_round_trips_through_a_dict():
    bundle = SeedBundle(42, 2)
    assert SeedBundle.from_dict(bundle.to_dict()) == bundle


def test_operation_draws_the_same_numbers_on_every_run(store):
    @metalab.operation
    def draw(seeds, capture):
        capture.metric("u", float(seeds.numpy().random()))
        capture.metric("r", seeds.rng("py").random())

    exp = metalab.Experiment(
        "draws", "1", {}, draw, metalab.grid(k=[1]), metalab.seeds(base=42, replicates=2)
    )
    first = metalab.run(exp, store=store).result()
    again = metalab.run(exp, store=store, resume=False).result()
    by_rep = {r.replicate: r.metrics for r in first}
    assert by_rep[0]["u"] == float(np.random.default_rng(852875163).random())
    assert by_rep[0]["r"] == random.Random(expected_derive(42, "py", 0)).random()
    assert by_rep[0] != by_rep[1]
    assert {r.replicate: r.metrics for r in again} == by_rep
