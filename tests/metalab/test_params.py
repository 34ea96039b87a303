"""Issue 2, point 2: grid, random and manual parameter sources."""

from __future__ import annotations

import math
import random as pyrandom

import pytest

import metalab


def params_of(source):
    return [case.params for case in source]


# -- grid ---------------------------------------------------------------------------


def test_grid_iterates_sorted_keys_last_key_fastest():
    source = metalab.grid(b=[1, 2], a=["x", "y"])
    assert params_of(source) == [
        {"a": "x", "b": 1},
        {"a": "x", "b": 2},
        {"a": "y", "b": 1},
        {"a": "y", "b": 2},
    ]
    assert list(params_of(source)[0]) == ["a", "b"]


def test_grid_len_is_the_product_of_list_lengths():
    assert len(metalab.grid(a=[1, 2, 3], b=[1, 2], c=["z"])) == 6
    assert len(list(metalab.grid(a=[1, 2, 3], b=[1, 2]))) == 6
    assert len(metalab.grid(a=[1, 2], b=[])) == 0
    assert list(metalab.grid(a=[1, 2], b=[])) == []


def test_grid_indexing_matches_iteration_including_negative_indices():
    source = metalab.grid(lr=[0.1, 0.01, 0.001], depth=[2, 4], act=["relu", "tanh"])
    cases = params_of(source)
    n = len(source)
    for i in range(n):
        assert source[i].params == cases[i]
        assert source[i - n].params == cases[i]
    assert source[-1].params == {"act": "tanh", "depth": 4, "lr": 0.001}
    for bad in (n, -n - 1):
        with pytest.raises(IndexError):
            source[bad]


def test_empty_grid_is_one_empty_case():
    source = metalab.grid()
    assert len(source) == 1
    (case,) = list(source)
    assert case.params == {}
    assert case.case_id == "empty"


def test_grid_case_ids_are_stable_fingerprints():
    a = [c.case_id for c in metalab.grid(x=[1, 2], y=["a"])]
    b = [c.case_id for c in metalab.grid(y=["a"], x=[1, 2])]
    assert a == b
    assert len(set(a)) == 2
    assert all(len(cid) == 16 for cid in a)


def test_grid_refuses_a_bare_string_as_values():
    with pytest.raises(TypeError):
        metalab.grid(name="abc")


# -- random -------------------------------------------------------------------------


SPACE = {
    "lr": metalab.loguniform(1e-4, 1e-1),
    "width": metalab.loguniform_int(8, 512),
    "dropout": metalab.uniform(0.0, 0.5),
    "layers": metalab.randint(1, 4),
    "act": metalab.choice(["relu", "tanh", "gelu"]),
}


def test_random_has_n_trials_and_each_trial_replays_on_its_own():
    source = metalab.random(SPACE, n_trials=20, seed=7)
    assert len(source) == 20
    cases = params_of(source)
    assert len(cases) == 20
    # trial 13 alone, from a fresh source, without drawing the trials before it
    fresh = metalab.random(SPACE, n_trials=20, seed=7)
    assert fresh[13].params == cases[13]
    assert fresh[-1].params == cases[19]
    assert params_of(metalab.random(SPACE, n_trials=20, seed=7)) == cases
    assert params_of(metalab.random(SPACE, n_trials=20, seed=8)) != cases
    with pytest.raises(IndexError):
        source[20]


def test_random_trials_are_tagged_with_their_index():
    source = metalab.random(SPACE, n_trials=3, seed=0)
    assert [case.tags for case in source] == [["trial_0"], ["trial_1"], ["trial_2"]]


def test_random_trial_draws_follow_the_reference_scheme():
    """Trial i draws from random.Random(seed * 1_000_000_007 + i), keys in sorted order."""
    seed, i = 3, 5
    rng = pyrandom.Random(seed * 1_000_000_007 + i)
    expected = {}
    for key in sorted(SPACE):
        if key == "act":
            expected[key] = rng.choice(("relu", "tanh", "gelu"))
        elif key == "dropout":
            expected[key] = rng.uniform(0.0, 0.5)
        elif key == "layers":
            expected[key] = rng.randint(1, 4)
        elif key == "lr":
            expected[key] = math.exp(rng.uniform(math.log(1e-4), math.log(1e-1)))
        elif key == "width":
            expected[key] = int(round(math.exp(rng.uniform(math.log(8), math.log(512)))))
    assert metalab.random(SPACE, n_trials=10, seed=seed)[i].params == expected


def test_each_distribution_stays_in_its_range():
    cases = params_of(metalab.random(SPACE, n_trials=300, seed=1))
    assert all(1e-4 <= c["lr"] <= 1e-1 for c in cases)
    assert all(isinstance(c["width"], int) and 8 <= c["width"] <= 512 for c in cases)
    assert all(0.0 <= c["dropout"] <= 0.5 for c in cases)
    assert all(isinstance(c["layers"], int) and 1 <= c["layers"] <= 4 for c in cases)
    assert {c["layers"] for c in cases} == {1, 2, 3, 4}  # randint includes both ends
    assert {c["act"] for c in cases} == {"relu", "tanh", "gelu"}
    # log-uniform: about as many draws below the geometric midpoint as above it
    below = sum(c["lr"] < math.sqrt(1e-4 * 1e-1) for c in cases)
    assert 100 < below < 200


@pytest.mark.parametrize("make", [metalab.loguniform, metalab.loguniform_int])
def test_log_distributions_need_positive_bounds(make):
    with pytest.raises(ValueError):
        make(0, 10)
    with pytest.raises(ValueError):
        make(-1, 10)


def test_empty_choice_is_refused():
    with pytest.raises(ValueError):
        metalab.choice([])


# -- manual -------------------------------------------------------------------------


def test_manual_yields_cases_in_order_with_tags_and_indexing():
    cases = [{"a": 3}, {"a": 1, "b": "x"}, {"a": 2}]
    source = metalab.manual(cases, tags=["hand"])
    assert len(source) == 3
    assert params_of(source) == cases
    assert source[-1].params == {"a": 2}
    assert source[1].tags == ["hand", "manual_1"]
    with pytest.raises(IndexError):
        source[3]


def test_sources_run_through_metalab(store):
    seen = []

    @metalab.operation
    def record(params):
        seen.append(dict(params))

    exp = metalab.Experiment(
        "manual_sweep", "1", {}, record,
        metalab.manual([{"a": 2}, {"a": 1}]), metalab.seeds(0, replicates=2),
    )  # fmt: skip
    results = metalab.run(exp, store=store).result()
    # param cases outer, replicates inner
    assert [(r.params["a"], r.replicate) for r in results] == [(2, 0), (2, 1), (1, 0), (1, 1)]
    assert sorted(p["a"] for p in seen) == [1, 1, 2, 2]


def test_duplicate_grid_values_run_once(store):
    calls = []

    @metalab.operation
    def record(params):
        calls.append(params["x"])

    exp = metalab.Experiment("dups", "1", {}, record, metalab.grid(x=[1, 1, 2]), metalab.seeds(0))
    results = metalab.run(exp, store=store).result()
    assert len(results) == 2
    assert sorted(calls) == [1, 2]
