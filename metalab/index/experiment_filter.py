"""The experiments list's filter language: words, tags, state and "has field" terms.

Atlas filters its experiments page by a name substring, by any of some chosen tags, by
state, and (from its search dialog) by whether an experiment has a parameter, metric,
derived metric, artifact or tag of a given name. Here all of that is text a user can
type, and each term becomes a removable pill:

* ``word``: a substring of the id, name, tags or state (case-insensitive);
* ``tag:vision`` (or ``tag=vision``): the experiment carries that tag. Several tag terms
  keep experiments with *any* of them, as atlas's tag picker does; every other kind of
  term must hold;
* ``state:complete``, ``state:in-progress``, ``state:failures`` (``status`` works too);
* ``has_param:lr``, ``has_metric:loss``, ``has_derived:…``, ``has_artifact:…``,
  ``has_tag:…``: some field of that kind whose name contains the text; ``has:loss`` any
  of them.

Filtering needs each experiment's field names only for ``has_*`` terms, so callers pass
a function that lists them and it is called only then.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from metalab.index.tree import ExperimentSummary

__all__ = [
    "HAS_KINDS",
    "ExperimentFields",
    "ExperimentTerm",
    "FilterSyntaxError",
    "experiment_fields",
    "filter_experiments",
    "parse_experiment_filter",
]

HAS_KINDS = ("param", "metric", "derived", "artifact", "tag")
"""What a ``has_<kind>`` term looks for."""

_KEYS = {"tag": "tag", "tags": "tag", "state": "state", "status": "state", "has": "has"}
_KEYS.update({f"has_{kind}": f"has_{kind}" for kind in HAS_KINDS})


class FilterSyntaxError(ValueError):
    """A term the experiments filter cannot read (an unknown ``key:``, nothing after it)."""


@dataclass(frozen=True)
class ExperimentTerm:
    """One condition on experiments: ``kind`` is ``text``, ``tag``, ``state``, ``has`` or
    ``has_<kind>``; ``value`` is lower-cased."""

    kind: str
    value: str

    @property
    def label(self) -> str:
        """How its pill reads: ``tag: vision``, ``has metric: loss``, ``"fit"``."""
        if self.kind == "text":
            return f'"{self.value}"'
        return f"{self.kind.replace('_', ' ')}: {self.value}"

    @property
    def text(self) -> str:
        """The term as typed (parsing it gives it back)."""
        value = shlex.quote(self.value)
        return value if self.kind == "text" else f"{self.kind}:{value}"


@dataclass(frozen=True)
class ExperimentFields:
    """The names an experiment's ``has_*`` terms look in (without ``params.`` prefixes)."""

    params: frozenset[str] = frozenset()
    metrics: frozenset[str] = frozenset()
    derived: frozenset[str] = frozenset()
    artifacts: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def of_kind(self, kind: str) -> Iterable[str]:
        """The names a ``has_<kind>`` term (or ``has``, for ``kind == ""``) looks in."""
        groups = {
            "param": self.params,
            "metric": self.metrics,
            "derived": self.derived,
            "artifact": self.artifacts,
            "tag": self.tags,
        }
        if kind:
            return groups[kind]
        return [name for group in groups.values() for name in group]


def parse_experiment_filter(text: str) -> list[ExperimentTerm]:
    """The terms of ``text`` (quotes group words: ``tag:"deep nets"``). A word with a
    ``:`` whose first part is not a key, like the id ``curve_fit:0.1``, is a plain word.

    Raises:
        FilterSyntaxError: an unknown key before ``=`` or a ``has…`` key, a key with
            nothing after it, or an unclosed quote.
    """
    try:
        words = shlex.split(text)
    except ValueError as exc:  # an unclosed quote
        raise FilterSyntaxError(f"{exc}: close the quote") from exc
    terms = []
    for word in words:
        key, sep, value = _split(word)
        kind = _KEYS.get(key.lower()) if sep else None
        if kind is None:
            # an id like ``curve_fit:0.1`` is a word, but ``=`` or a ``has…`` key is
            # meant as a key: say so rather than match nothing
            if sep == "=" or (sep and key.lower().startswith("has")):
                known = ", ".join(sorted(_KEYS))
                raise FilterSyntaxError(
                    f"unknown filter key {key!r} in {word!r}: use one of {known}"
                )
            terms.append(ExperimentTerm("text", word.lower()))
            continue
        if not value:
            raise FilterSyntaxError(f"{word!r} needs a value after {key}{sep}")
        if kind == "state":
            value = value.replace("-", " ").replace("_", " ")
        terms.append(ExperimentTerm(kind, value.lower()))
    return terms


def _split(word: str) -> tuple[str, str, str]:
    """``("tag", ":", "x")`` for ``tag:x`` or ``tag=x``; ``(word, "", "")`` for a word
    with neither."""
    cut = min((i for i in (word.find(":"), word.find("=")) if i > 0), default=-1)
    if cut < 0:
        return word, "", ""
    return word[:cut], word[cut], word[cut + 1 :]


def filter_experiments(
    summaries: Sequence[ExperimentSummary],
    terms: Sequence[ExperimentTerm],
    fields_of: Callable[[ExperimentSummary], ExperimentFields],
) -> list[int]:
    """Positions of the experiments every term holds for (tag terms: any of them)."""
    tags = [t.value for t in terms if t.kind == "tag"]  # any of them
    others = [t for t in terms if t.kind != "tag"]
    out = []
    for i, s in enumerate(summaries):
        if tags and not any(tag == own.lower() for tag in tags for own in s.tags):
            continue
        fields = None
        ok = True
        for term in others:
            if term.kind.startswith("has"):
                fields = fields or fields_of(s)
                kind = term.kind.partition("_")[2]
                ok = any(term.value in name.lower() for name in fields.of_kind(kind))
            elif term.kind == "state":
                ok = term.value in s.state
            else:
                hay = " ".join([s.key, s.experiment_id, s.name, " ".join(s.tags), s.state])
                ok = term.value in hay.lower()
            if not ok:
                break
        if ok:
            out.append(i)
    return out


def experiment_fields(
    names: Iterable[str], artifacts: Iterable[Iterable[str]], tags: Iterable[str]
) -> ExperimentFields:
    """An experiment's :class:`ExperimentFields` from its table's column names
    (``params.lr`` ...), each run's artifact names and its tags."""
    groups: dict[str, set[str]] = {"params": set(), "metrics": set(), "derived": set()}
    for name in names:
        group, _, short = name.partition(".")
        if group in groups:
            groups[group].add(short)
    return ExperimentFields(
        params=frozenset(groups["params"]),
        metrics=frozenset(groups["metrics"]),
        derived=frozenset(groups["derived"]),
        artifacts=frozenset(a for run in artifacts for a in run),
        tags=frozenset(tags),
    )
