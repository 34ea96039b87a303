"""Which way a metric is better: the guess from its name, and the user's choice over it."""

from __future__ import annotations

import pytest

from metalab.index.direction import (
    HIGHER,
    LOWER,
    Directions,
    default_lower_is_better,
    metric_words,
)

LOWER_IS_BETTER = [
    "final_loss",
    "val_loss",
    "valLoss",
    "train/loss",
    "error_rate",
    "top1_error",
    "mse",
    "rmse",
    "iterations_to_converge",
    "n_iterations",
    "num_evals",
    "eval_count",
    "steps_count",
    "epochs",
    "n_layers",
    "regret",
    "cumulative_regret",
    "perplexity",
    "l2_distance",
    "latency_ms",
    "HTTPLatency",
    "wall_time",
    "duration",
    "time_to_accuracy",
    "peak_memory_mb",
    "neg_log_likelihood",
    "kl_divergence",
]
HIGHER_IS_BETTER = [
    "accuracy",
    "val_accuracy",
    "accuracy_at_epoch_10",
    "best_score",
    "reward_mean",
    "episode_return",
    "auc",
    "roc_auc",
    "f1",
    "precision",
    "recall",
    "r2",
    "top1",
    "log_likelihood",
    "steps_per_second",
    "samples_per_sec",
    "throughput",
    "success_rate",
    "psnr",
]


@pytest.mark.parametrize("name", LOWER_IS_BETTER)
def test_lower_is_better_for_losses_errors_times_and_counts(name: str) -> None:
    assert default_lower_is_better(name)
    assert default_lower_is_better(f"metrics.{name}")


@pytest.mark.parametrize("name", HIGHER_IS_BETTER)
def test_higher_is_better_for_accuracy_scores_and_rates(name: str) -> None:
    assert not default_lower_is_better(name)


def test_a_name_that_says_nothing_is_higher_is_better() -> None:
    assert not default_lower_is_better("fitted_a")
    assert not default_lower_is_better("x")
    assert not default_lower_is_better("")


def test_words_of_a_name() -> None:
    assert metric_words("valLoss_at-epoch10") == ["val", "loss", "at", "epoch10"]
    assert metric_words("metrics.top1_error") == ["top1", "error"]


def test_the_users_choice_overrides_the_guess_and_round_trips() -> None:
    d = Directions()
    assert d.lower_is_better("metrics.iterations_to_converge")
    assert d.flip("metrics.iterations_to_converge") is False  # now higher is better
    assert not d.lower_is_better("iterations_to_converge")  # short or full name alike
    assert not d.lower_is_better("derived.iterations_to_converge")
    assert d.is_chosen("iterations_to_converge") and not d.is_chosen("final_loss")
    assert d.to_json() == {"iterations_to_converge": HIGHER}
    again = Directions.from_json(d.to_json())
    assert not again.lower_is_better("iterations_to_converge")
    assert again.flip("iterations_to_converge") is True  # back to the guess: forgotten
    assert again.to_json() == {}
    d.set("accuracy", lower=True)
    assert d.to_json()["accuracy"] == LOWER


def test_from_json_is_forgiving() -> None:
    assert Directions.from_json(None).to_json() == {}
    assert Directions.from_json(["loss"]).to_json() == {}
    assert Directions.from_json({"a": "sideways", "b": LOWER}).to_json() == {"b": LOWER}
