"""Which way a metric is better: lower (losses, errors, times, counts) or higher
(accuracy, scores, rewards), guessed from its name, or as the user set it.

Why one module: every screen that ranks runs or picks a best one (a run's metric ranks,
the compare view's "better" colouring, an experiment's best run) must agree, and the
user's choice for a metric must reach all of them. The guess is
:func:`default_lower_is_better`; :class:`Directions` holds what the user set, metric by
metric, and answers for every other metric with the guess.

How the guess reads a name: it is split into words (``val_loss``, ``valLoss`` and
``val-loss`` all give ``val``, ``loss``); the words after a linking word (``to``,
``at``, ``per``, ``of``, ...) only qualify the ones before, so
``iterations_to_converge`` is about iterations and ``accuracy_at_epoch_10`` about
accuracy; of the words before, the last one that says a direction decides
(``final_loss``: loss; ``reward_mean``: reward). Counts (``n_``, ``num_``, ``_count``,
iterations, steps, epochs, evals), losses, errors, times, latency, memory, regret,
perplexity and distances are lower-is-better; accuracy, score, reward, AUC, F1,
precision, recall, R² and the like higher-is-better; a rate per unit of time
(``steps_per_second``, throughput) is higher-is-better; ``neg_``/``negative_`` before
a word turns it round (``neg_log_likelihood``). A name that says nothing is taken as
higher-is-better, as before.

Metrics are named by their short name (``final_loss``, not ``metrics.final_loss``), so
a metric and a derived field of the same name share a direction, and the compare
view's rows (labelled by short name) find it.

No textual here: this is the browser's data layer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "HIGHER",
    "HIGHER_WORDS",
    "LOWER",
    "LOWER_WORDS",
    "Directions",
    "default_lower_is_better",
    "metric_words",
    "short_metric",
]

LOWER = "lower"
HIGHER = "higher"


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


LOWER_WORDS = _word_set(
    """
    loss losses error errors err mse mae rmse msle mape nll ce xent crossentropy
    perplexity ppl regret distance dist latency lat time times duration durations
    seconds secs sec ms runtime walltime elapsed wallclock memory mem bytes rss vram
    cost costs penalty iterations iteration iters iter steps step epochs epoch evals
    evaluations eval calls count counts trials attempts restarts retries failures
    violations gap residual residuals divergence kl fid wer cer bpd bpc bits
    """
)
"""Words that make a metric better when lower."""
HIGHER_WORDS = _word_set(
    """
    accuracy accuracies acc score scores reward rewards return returns auc auroc auprc
    roc f1 fscore precision recall r2 rsquared iou miou map bleu rouge meteor psnr ssim
    dice likelihood loglik loglikelihood elbo ndcg mrr throughput speedup success
    successes win wins winrate correlation corr pearson spearman fitness utility
    sharpe top1 top5 hits coverage efficiency gain gains profit margin snr
    """
)
"""Words that make a metric better when higher."""
_COUNT_PREFIXES = ("n", "num", "number", "nb", "total")
"""A first word that makes the name a count (``n_steps``, ``num_evals``)."""
_LINKS = _word_set("to at per of in for until before after over within by from on")
_NEGATIONS = frozenset(("neg", "negative", "minus"))
_TIME_UNITS = _word_set("s sec secs second seconds ms minute minutes min hour hours h")
_WORDS = re.compile(r"[A-Z]+(?![a-z])[0-9]*|[A-Z]?[a-z]+[0-9]*|[0-9]+[a-z]*")


def short_metric(name: str) -> str:
    """``metrics.final_loss`` and ``derived.final_loss`` are both ``final_loss``."""
    head, dot, rest = name.partition(".")
    if dot and head in ("metrics", "derived"):
        return rest
    return name


def metric_words(name: str) -> list[str]:
    """The lower-case words of a metric name: ``valLoss_at-epoch10`` gives
    ``val``, ``loss``, ``at``, ``epoch10`` (digits stay with their word: ``r2``, ``f1``)."""
    return [w.lower() for w in _WORDS.findall(short_metric(name))]


def _direction_of(word: str) -> bool | None:
    """True: the word says lower is better; False: higher; None: it says nothing."""
    if word in LOWER_WORDS:
        return True
    if word in HIGHER_WORDS:
        return False
    stem = word.rstrip("0123456789")  # top1, r2 are words of their own; loss1 is loss
    if stem != word and stem:
        return _direction_of(stem)
    return None


def default_lower_is_better(name: str) -> bool:
    """Whether a smaller value of metric ``name`` is the better one, read from its name
    (the rules are in the module's docstring)."""
    words = metric_words(name)
    if not words:
        return False
    for i, word in enumerate(words):
        if word == "per" and i + 1 < len(words) and words[i + 1] in _TIME_UNITS:
            return False  # a rate: steps_per_second, samples_per_sec
    head = words
    for i, word in enumerate(words):
        if i > 0 and word in _LINKS:
            head = words[:i]
            break
    for i in range(len(head) - 1, -1, -1):
        said = _direction_of(head[i])
        if said is None:
            continue
        negated = any(w in _NEGATIONS for w in head[:i])
        return said != negated
    return head[0] in _COUNT_PREFIXES and len(head) > 1  # n_layers, num_params: counts


@dataclass
class Directions:
    """The direction of each metric: as the user set it, else the guess."""

    chosen: dict[str, str] = field(default_factory=dict)
    """Short metric name -> :data:`LOWER` or :data:`HIGHER`, as the user set it."""

    def lower_is_better(self, name: str) -> bool:
        """Whether lower values of metric ``name`` (short or full name) are better."""
        chosen = self.chosen.get(short_metric(name))
        if chosen is not None:
            return chosen == LOWER
        return default_lower_is_better(name)

    def is_chosen(self, name: str) -> bool:
        """Whether the user set ``name``'s direction (rather than it being guessed)."""
        return short_metric(name) in self.chosen

    def set(self, name: str, lower: bool) -> None:
        """Set ``name``'s direction; setting it to the guess forgets the choice, so a
        later, better guess is not hidden by it."""
        key = short_metric(name)
        if lower == default_lower_is_better(key):
            self.chosen.pop(key, None)
        else:
            self.chosen[key] = LOWER if lower else HIGHER

    def flip(self, name: str) -> bool:
        """Turn ``name``'s direction round; returns whether lower is now better."""
        lower = not self.lower_is_better(name)
        self.set(name, lower)
        return lower

    def to_json(self) -> dict[str, str]:
        return dict(self.chosen)

    @classmethod
    def from_json(cls, data: Any) -> Directions:
        """From :meth:`to_json`'s dict; anything else (a missing key in an old saved
        view, a value that is neither direction) is left out."""
        if not isinstance(data, Mapping):
            return cls()
        return cls({str(k): v for k, v in data.items() if v in (LOWER, HIGHER)})
