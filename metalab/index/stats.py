"""Statistics behind the plots: aggregates over replicates, error bars, bins, curve bands.

Why here and not in the plotting code: the numbers a plot shows (a mean over 3
replicates, its 95% confidence interval, how many runs are behind a point) must be
testable against numpy without a terminal, and the same aggregation serves scatter,
line and bar charts, the compare view and exports.

* :func:`aggregate` buckets rows by (group, exact x) and reduces y with mean, median,
  min, max or count. Error bars fit the aggregate (:data:`ERRORS_FOR`): around a mean,
  the sample standard deviation (n-1), the standard error, or a 95% confidence
  interval ``t(0.975, n-1) * sd / sqrt(n)`` from Student's t (unlike atlas, which used
  a table and 1.96 beyond n=30); around a median, the interquartile range or a
  bootstrap 95% confidence interval of the median (:func:`bootstrap_ci`, seeded, so
  the same data always gives the same bars); around a min, max or count, none (a
  spread around an extreme is not a thing to draw). :func:`error_for` says which bar
  an aggregate takes when asked for another's. With ``boxes``, each point also carries
  its :func:`box_stats` (median, quartiles, Tukey's 1.5 IQR whiskers, outliers), for a
  box plot. Each point carries ``n`` and the rows behind it, so a UI can drill into them.
* :func:`t_quantile` inverts Student's t CDF, written via the regularized incomplete
  beta function (a continued fraction) and bisection: no scipy.
* :func:`histogram` bins with atlas's rule (min of Sturges and sqrt(n), clamped 5-50)
  or a given count; groups share the bins.
* :func:`curve_band` puts several (steps, values) curves on one step grid and gives a
  centre line (mean or median) with a band (std, sem or ci95 around a mean; the
  interquartile range around a median; min-max) and ``n`` per step: a param's
  replicates, or thousands of runs, drawn as one curve. It works through the grid in
  blocks of columns, so memory stays bounded whatever the number of curves, and takes
  quantiles with one sort per block (:func:`column_quantiles`) rather than numpy's
  slower ``nanpercentile``. Smoothing is left to the plotting code.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from metalab.index.tree import Table

__all__ = [
    "AGGREGATES",
    "BANDS_FOR",
    "BOOTSTRAP_RESAMPLES",
    "BOOTSTRAP_SEED",
    "ERRORS_FOR",
    "ERROR_BARS",
    "BoxStats",
    "CurveBand",
    "Histogram",
    "Plot",
    "Point",
    "Series",
    "Spread",
    "aggregate",
    "aggregate_table",
    "auto_bins",
    "band_for",
    "bootstrap_ci",
    "box_stats",
    "column_quantiles",
    "curve_band",
    "curve_bands",
    "describe",
    "error_for",
    "histogram",
    "rank",
    "t_cdf",
    "t_quantile",
]

AGGREGATES = ("mean", "median", "min", "max", "count", "none")
"""``none`` keeps one point per run."""
ERROR_BARS = ("none", "std", "sem", "ci95", "iqr", "boot95")
"""Every error bar: ``std``, ``sem`` and ``ci95`` (Student's t) go around a mean;
``iqr`` (first to third quartile) and ``boot95`` (bootstrap 95% CI) around a median."""
ERRORS_FOR: dict[str, tuple[str, ...]] = {
    "mean": ("none", "std", "sem", "ci95"),
    "median": ("none", "iqr", "boot95"),
    "min": ("none",),
    "max": ("none",),
    "count": ("none",),
    "none": ("none",),
}
"""The error bars that fit each aggregate (``none`` only: no error bar applies)."""
_COUNTERPART = {"std": "iqr", "sem": "boot95", "ci95": "boot95", "iqr": "std", "boot95": "ci95"}
BANDS_FOR: dict[str, tuple[str, ...]] = {
    "mean": ("ci95", "std", "sem", "minmax", "none"),
    "median": ("iqr", "minmax", "none"),
}
"""The bands :func:`curve_band` offers around each centre line."""
BOOTSTRAP_SEED = 0
"""The seed of :func:`bootstrap_ci`'s resampling: a chart drawn twice shows the same bars."""
BOOTSTRAP_RESAMPLES = 2000

MISSING_GROUP = "(none)"


# -- Student's t -------------------------------------------------------------------------------


def _beta_cf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            step = d * c
            h *= step
        if abs(step - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_cf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_cf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom (inf: the normal)."""
    if math.isinf(df):
        return 0.5 * math.erfc(-t / math.sqrt(2.0))
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


@functools.lru_cache(maxsize=1024)
def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom.

    ``t_quantile(0.975, 10)`` is 2.228..., the factor of a 95% confidence interval
    over 11 values. ``df`` may be fractional or ``inf`` (the normal distribution).

    Raises:
        ValueError: ``p`` outside (0, 1) or ``df`` not positive.
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"t_quantile needs 0 < p < 1, got {p}")
    if not df > 0:
        raise ValueError(f"t_quantile needs df > 0, got {df}")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if math.isinf(df):
        lo, hi = 0.0, 40.0
        for _ in range(200):
            mid = (lo + hi) / 2.0
            if mid in (lo, hi):
                break
            lo, hi = (mid, hi) if t_cdf(mid, df) < p else (lo, mid)
        return (lo + hi) / 2.0
    # Solve I_x(df/2, 1/2) = 2(1-p) for x = df / (df + t^2); I_x grows with x.
    target = 2.0 * (1.0 - p)
    a = df / 2.0
    lo, hi = 0.0, 1.0
    for _ in range(2000):
        mid = (lo + hi) / 2.0
        if mid in (lo, hi):
            break
        if _betainc(a, 0.5, mid) < target:
            lo = mid
        else:
            hi = mid
    x = (lo + hi) / 2.0
    return math.sqrt(df * (1.0 - x) / x)


# -- spreads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """Summary of one bucket of values (NaN where undefined, e.g. std with n < 2)."""

    n: int
    mean: float
    median: float
    min: float
    max: float
    std: float
    sem: float
    ci95: float
    """Half-width of the 95% confidence interval of the mean."""
    q1: float
    q3: float

    def value(self, agg: str) -> float:
        if agg == "count":
            return float(self.n)
        return float(getattr(self, agg))

    def error(self, kind: str) -> float:
        """Half-width of a symmetric error bar: ``std``, ``sem``, ``ci95``; NaN for
        ``none`` (and for ``iqr`` and ``boot95``, which are not symmetric: see
        :func:`error_bounds`)."""
        if kind in (None, "none", "iqr", "boot95"):
            return math.nan
        if kind not in ("std", "sem", "ci95"):
            raise ValueError(f"unknown error bar {kind!r}; use one of {', '.join(ERROR_BARS)}")
        return float(getattr(self, kind))


def describe(values: Sequence[float] | np.ndarray) -> Spread:
    """n, mean, median, min, max, std (n-1), sem, ci95 half-width, quartiles (finite values)."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    n = int(arr.size)
    if n == 0:
        nan = math.nan
        return Spread(0, nan, nan, nan, nan, nan, nan, nan, nan, nan)
    std = float(arr.std(ddof=1)) if n > 1 else math.nan
    sem = std / math.sqrt(n) if n > 1 else math.nan
    ci = t_quantile(0.975, n - 1) * sem if n > 1 else math.nan
    q1, median, q3 = (float(q) for q in np.percentile(arr, [25, 50, 75]))
    return Spread(
        n=n,
        mean=float(arr.mean()),
        median=median,
        min=float(arr.min()),
        max=float(arr.max()),
        std=std,
        sem=sem,
        ci95=ci,
        q1=q1,
        q3=q3,
    )


def error_for(agg: str, error: str) -> str:
    """The error bar to draw around aggregate ``agg`` when ``error`` is asked for:
    ``error`` itself when it fits (:data:`ERRORS_FOR`), else its counterpart (std and
    iqr; sem or ci95 and boot95) when that fits, else ``none``."""
    fits = ERRORS_FOR.get(agg, ("none",))
    if error in fits:
        return error
    other = _COUNTERPART.get(error)
    return other if other in fits else "none"


def band_for(center: str, band: str) -> str:
    """As :func:`error_for`, for a curve band around a ``mean`` or ``median`` line."""
    fits = BANDS_FOR.get(center, ("none",))
    if band in fits:
        return band
    other = _COUNTERPART.get(band)
    return other if other in fits else fits[0]


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    *,
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the median of the finite ``values``.

    ``resamples`` samples of n values with replacement are drawn with
    ``np.random.default_rng(seed).integers(0, n, size=(resamples, n))`` (in blocks of
    rows, which draws the same numbers), each sample's median taken, and the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` percentiles of those medians returned.
    Seeded, so the same values always give the same interval. (NaN, NaN) below 2 values.
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    n = int(arr.size)
    if n < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    medians = np.empty(resamples)
    block = max(1, 2_000_000 // n)
    for start in range(0, resamples, block):
        rows = min(block, resamples - start)
        picks = rng.integers(0, n, size=(rows, n))
        medians[start : start + rows] = np.median(arr[picks], axis=1)
    tail = (1.0 - level) / 2.0
    lo, hi = np.percentile(medians, [100.0 * tail, 100.0 * (1.0 - tail)])
    return float(lo), float(hi)


@dataclass(frozen=True)
class BoxStats:
    """A box plot's numbers for one bucket: quartiles by numpy's linear rule, whiskers
    at the most extreme values within 1.5 IQR of the box (Tukey), the rest outliers."""

    n: int
    median: float
    q1: float
    q3: float
    whisker_low: float
    whisker_high: float
    outliers: np.ndarray

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1


def box_stats(values: Sequence[float] | np.ndarray) -> BoxStats:
    """:class:`BoxStats` of the finite ``values`` (NaN everywhere when there are none)."""
    arr = np.asarray(values, dtype=float)
    arr = np.sort(arr[np.isfinite(arr)])
    if not arr.size:
        nan = math.nan
        return BoxStats(0, nan, nan, nan, nan, nan, np.zeros(0))
    q1, median, q3 = (float(q) for q in np.percentile(arr, [25, 50, 75]))
    reach = 1.5 * (q3 - q1)
    inside = (arr >= q1 - reach) & (arr <= q3 + reach)
    kept = arr[inside]
    return BoxStats(
        n=int(arr.size),
        median=median,
        q1=q1,
        q3=q3,
        whisker_low=float(kept.min()),
        whisker_high=float(kept.max()),
        outliers=arr[~inside],
    )


# -- aggregation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One plotted point: the aggregate of ``n`` runs at one x (within one group)."""

    x: Any
    y: float
    n: int
    err: float
    """Error-bar half-width (NaN when none, or when n < 2)."""
    rows: np.ndarray
    """Row indices (into the table) of the runs behind the point."""
    spread: Spread | None = None
    bounds: tuple[float, float] | None = None
    """The ends of an error bar that is not symmetric (``iqr``, ``boot95``); ``err``
    is then NaN."""
    box: BoxStats | None = None
    """The bucket's box plot numbers (when aggregated with ``boxes``)."""

    @property
    def low(self) -> float:
        if self.bounds is not None:
            return self.bounds[0]
        return self.y - self.err if not math.isnan(self.err) else self.y

    @property
    def high(self) -> float:
        if self.bounds is not None:
            return self.bounds[1]
        return self.y + self.err if not math.isnan(self.err) else self.y


@dataclass(frozen=True)
class Series:
    """The points of one group, in x order (numeric x ascending, categories first-seen)."""

    group: Any
    label: str
    points: list[Point] = field(default_factory=list)

    @property
    def xs(self) -> list[Any]:
        return [p.x for p in self.points]

    @property
    def ys(self) -> np.ndarray:
        return np.array([p.y for p in self.points], dtype=float)

    @property
    def errs(self) -> np.ndarray:
        return np.array([p.err for p in self.points], dtype=float)

    @property
    def ns(self) -> np.ndarray:
        return np.array([p.n for p in self.points], dtype=int)

    @property
    def lows(self) -> np.ndarray:
        """Lower ends of the error bars (the value itself where there is none)."""
        return np.array([p.low for p in self.points], dtype=float)

    @property
    def highs(self) -> np.ndarray:
        return np.array([p.high for p in self.points], dtype=float)


def _key(value: Any) -> Any:
    """A hashable bucket key; floats equal to ints share a bucket."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | dict):
        return repr(value)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _ordered(keys: list[Any]) -> list[Any]:
    """Numbers ascending, then the rest in first-seen order, the missing group last."""
    nums = sorted(k for k in keys if _is_number(k))
    rest = [k for k in keys if not _is_number(k) and k != MISSING_GROUP]
    return nums + rest + [k for k in keys if k == MISSING_GROUP]


def aggregate(
    x: Sequence[Any] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    group: Sequence[Any] | np.ndarray | None = None,
    *,
    agg: str = "mean",
    error: str = "none",
    rows: Sequence[int] | np.ndarray | None = None,
    boxes: bool = False,
) -> list[Series]:
    """Bucket runs by (group, exact x) and reduce y in each bucket.

    Args:
        x, y, group: one entry per run; runs with no x (None or NaN) or a non-finite y
            are left out. ``group`` None puts everything in one series.
        agg: one of :data:`AGGREGATES` (``none``: a point per run, n = 1).
        error: one of :data:`ERROR_BARS`; drawn as :func:`error_for` ``(agg, error)``
            says, so never a mean's bar around a median, min or max.
        rows: row ids to report per point (default: positions 0..n-1).
        boxes: also give each point its :func:`box_stats` (for a box plot).

    Returns:
        One :class:`Series` per group (numbers ascending, others first-seen; missing
        group values form the group ``"(none)"``).
    """
    if agg not in AGGREGATES:
        raise ValueError(f"unknown aggregate {agg!r}; use one of {', '.join(AGGREGATES)}")
    if error not in ERROR_BARS:
        raise ValueError(f"unknown error bar {error!r}; use one of {', '.join(ERROR_BARS)}")
    error = error_for(agg, error)
    xs = list(x.tolist() if isinstance(x, np.ndarray) else x)
    ys = np.asarray(y, dtype=float)
    gs = (
        list(group.tolist() if isinstance(group, np.ndarray) else group)
        if group is not None
        else None
    )
    ids = np.arange(len(xs)) if rows is None else np.asarray(rows)
    if len(ys) != len(xs) or len(ids) != len(xs) or (gs is not None and len(gs) != len(xs)):
        raise ValueError("x, y, group and rows must have one entry per run")
    buckets: dict[Any, dict[Any, list[int]]] = {}
    firsts: dict[tuple[Any, Any], Any] = {}
    for i, xv in enumerate(xs):
        if xv is None or (isinstance(xv, float) and math.isnan(xv)) or not math.isfinite(ys[i]):
            continue
        if gs is None:
            g = None
        else:
            g = MISSING_GROUP if gs[i] is None else _key(gs[i])
        k = _key(xv)
        buckets.setdefault(g, {}).setdefault(k, []).append(i)
        firsts.setdefault((g, k), xv)
    out = []
    for g in _ordered(list(buckets)):
        points = []
        for k in _ordered(list(buckets[g])):
            members = np.asarray(buckets[g][k])
            xv = firsts[(g, k)]
            if agg == "none":
                points.extend(
                    Point(x=xv, y=float(ys[i]), n=1, err=math.nan, rows=ids[[i]]) for i in members
                )
                continue
            values = ys[members]
            spread = describe(values)
            bounds = None
            if error == "iqr":
                bounds = (spread.q1, spread.q3)
            elif error == "boot95":
                bounds = bootstrap_ci(values)
            points.append(
                Point(
                    x=xv,
                    y=spread.value(agg),
                    n=spread.n,
                    err=spread.error(error),
                    rows=ids[members],
                    spread=spread,
                    bounds=None if bounds is None or math.isnan(bounds[0]) else bounds,
                    box=box_stats(values) if boxes else None,
                )
            )
        label = "all" if g is None else str(g)
        out.append(Series(group=g, label=label, points=points))
    return out


@dataclass(frozen=True)
class Plot:
    """Aggregated series for a chart, with what the axes need to know."""

    series: list[Series]
    x: str
    y: str
    group: str | None
    agg: str
    error: str
    categorical_x: bool
    """True when any x is text: the axis lists categories in first-seen order."""
    boxes: bool = False

    @property
    def title(self) -> str:
        if self.boxes:
            by = f" (by {_short(self.group)})" if self.group else ""
            return f"{_short(self.y)} vs {_short(self.x)}{by}"
        y = f"{self.agg}({_short(self.y)})" if self.agg not in ("none",) else _short(self.y)
        by = f" (by {_short(self.group)})" if self.group else ""
        return f"{y} vs {_short(self.x)}{by}"


def _short(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


def aggregate_table(
    table: Table,
    indices: Sequence[int] | np.ndarray | None,
    x: str,
    y: str,
    group: str | None = None,
    *,
    agg: str = "mean",
    error: str = "none",
    boxes: bool = False,
) -> Plot:
    """:func:`aggregate` over columns of a runs table, for the rows ``indices``; the
    plot's ``error`` is the bar drawn (:func:`error_for`)."""
    idx = table.all_rows() if indices is None else np.asarray(indices, dtype=np.intp)
    xcol, ycol = table.column(x), table.column(y)
    xv: list[Any] = xcol.values[idx].tolist()
    if xcol.kind == "time":  # plot times as POSIX seconds
        xv = [None if v is None else t for v, t in zip(xv, xcol.num[idx].tolist(), strict=True)]
    yv = np.where(ycol.present[idx], ycol.num[idx], np.nan)
    gv = table.column(group).values[idx] if group else None
    categorical = any(isinstance(v, str) for v in xv)
    return Plot(
        series=aggregate(xv, yv, gv, agg=agg, error=error, rows=idx, boxes=boxes),
        x=x,
        y=y,
        group=group,
        agg=agg,
        error=error_for(agg, error),
        categorical_x=categorical,
        boxes=boxes,
    )


def rank(values: np.ndarray, i: int, *, descending: bool = False) -> tuple[int, int]:
    """(place of value ``i`` among the finite values, how many) - 1 is the smallest
    (the largest when ``descending``); ties share the better place."""
    arr = np.asarray(values, dtype=float)
    finite = arr[np.isfinite(arr)]
    v = arr[i]
    if not math.isfinite(v):
        return 0, int(finite.size)
    better = finite > v if descending else finite < v
    return int(better.sum()) + 1, int(finite.size)


# -- histograms -----------------------------------------------------------------------------


def auto_bins(n: int) -> int:
    """Atlas's bin count: min(Sturges ``1 + log2 n``, ``sqrt n``), clamped to 5-50."""
    if n <= 1:
        return 5
    sturges = math.ceil(1 + math.log2(n))
    root = math.ceil(math.sqrt(n))
    return max(5, min(50, min(sturges, root)))


@dataclass(frozen=True)
class Histogram:
    """Equal-width bins from min to max; ``counts[group]`` per bin, shared edges."""

    edges: np.ndarray
    counts: dict[Any, np.ndarray]
    bin_of: np.ndarray
    """The bin of each input value (-1 when it was left out: missing or not finite)."""

    @property
    def bins(self) -> int:
        return len(self.edges) - 1

    @property
    def total(self) -> np.ndarray:
        return np.sum(list(self.counts.values()), axis=0) if self.counts else np.zeros(self.bins)

    def members(self, b: int) -> np.ndarray:
        """Positions (in the input) of the values in bin ``b``."""
        return np.flatnonzero(self.bin_of == b)


def histogram(
    values: Sequence[float] | np.ndarray,
    bins: int | None = None,
    *,
    groups: Sequence[Any] | np.ndarray | None = None,
    value_range: tuple[float, float] | None = None,
) -> Histogram:
    """Bin ``values`` (non-finite ones left out) into ``bins`` equal bins (default
    :func:`auto_bins`); with ``groups``, one count array per group over shared bins."""
    arr = np.asarray(values, dtype=float)
    ok = np.isfinite(arr)
    finite = arr[ok]
    count = bins if bins is not None else auto_bins(int(finite.size))
    if count < 1:
        raise ValueError(f"a histogram needs at least 1 bin, got {count}")
    if value_range is not None:
        lo, hi = map(float, value_range)
    elif finite.size:
        lo, hi = float(finite.min()), float(finite.max())
    else:
        lo, hi = 0.0, 1.0
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, count + 1)
    bin_of = np.full(arr.shape, -1, dtype=np.intp)
    inside = ok & (arr >= lo) & (arr <= hi)
    b = np.floor((arr[inside] - lo) / (hi - lo) * count).astype(np.intp)
    bin_of[inside] = np.clip(b, 0, count - 1)  # the max lands in the last bin
    counts: dict[Any, np.ndarray] = {}
    if groups is None:
        counts[None] = np.bincount(bin_of[inside], minlength=count)
    else:
        gs = list(groups.tolist() if isinstance(groups, np.ndarray) else groups)
        keys = [MISSING_GROUP if g is None else _key(g) for g in gs]
        for g in _ordered(
            list(dict.fromkeys(k for k, use in zip(keys, inside, strict=True) if use))
        ):
            sel = inside & np.array([k == g for k in keys])
            counts[g] = np.bincount(bin_of[sel], minlength=count)
    return Histogram(edges=edges, counts=counts, bin_of=bin_of)


# -- curves ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurveBand:
    """Curves on a common step grid: a centre line, a band around it, n per step."""

    steps: np.ndarray
    center: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray
    center_kind: str
    band_kind: str


def _clean_curve(steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted by step (stable), one value per step (the last logged), finite values only."""
    s = np.asarray(steps, dtype=float)
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(s) & np.isfinite(v)
    if ok.all() and (s.size < 2 or bool((s[1:] > s[:-1]).all())):
        return s, v  # the usual curve: finite, one value a step, in order
    s, v = s[ok], v[ok]
    order = np.argsort(s, kind="stable")
    s, v = s[order], v[order]
    if s.size > 1:
        last = np.append(s[1:] != s[:-1], True)
        s, v = s[last], v[last]
    return s, v


BAND_BLOCK_CELLS = 2_000_000
""":func:`curve_band` fills at most this many (curve, step) cells at a time (16 MB)."""
UNION_GRID_LIMIT = 20_000
"""``grid="auto"`` bands on the union of the curves' steps up to this many steps."""
AUTO_GRID_POINTS = 4_000
"""``grid="auto"``: the evenly spaced steps used when the union is larger."""


def column_quantiles(matrix: np.ndarray, qs: Sequence[float]) -> list[np.ndarray]:
    """Per column of ``matrix``, the quantiles ``qs`` (0-1) of its finite values, as
    ``np.nanquantile(matrix, q, axis=0)`` gives them (linear interpolation), with one
    sort instead of numpy's per-column loop; NaN for a column with no finite value."""
    cols = np.sort(np.where(np.isfinite(matrix), matrix, np.inf).T, axis=1)  # NaN -> inf: last
    n = np.isfinite(matrix).sum(axis=0)
    out = []
    rows = np.arange(cols.shape[0])
    for q in qs:
        pos = q * np.maximum(n - 1, 0)
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
        frac = pos - lo
        a, b = cols[rows, lo], cols[rows, hi]
        with np.errstate(invalid="ignore"):
            value = np.where(frac > 0, a + (b - a) * frac, a)
        out.append(np.where(n > 0, value, np.nan))
    return out


def _union_steps(clean: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Every step any curve has; curves sharing their steps (the usual sweep) are
    counted once, so thousands of curves cost about one."""
    distinct: dict[tuple[int, float, float, float], np.ndarray] = {}
    for s, _ in clean:
        distinct.setdefault((s.size, float(s[0]), float(s[-1]), float(s.sum())), s)
    if len(distinct) == 1:
        return next(iter(distinct.values()))
    return np.unique(np.concatenate(list(distinct.values())))


def _band_grid(
    clean: list[tuple[np.ndarray, np.ndarray]], grid: str | int | np.ndarray
) -> np.ndarray:
    if isinstance(grid, str):
        if grid not in ("union", "auto"):
            raise ValueError(f"unknown grid {grid!r}; use 'union', 'auto', a count or an array")
        if not clean:
            return np.zeros(0)
        steps = _union_steps(clean)
        if grid == "auto" and steps.size > UNION_GRID_LIMIT:
            return _band_grid(clean, AUTO_GRID_POINTS)
        return steps
    if isinstance(grid, int | np.integer):
        if not clean:
            return np.zeros(0)
        lo = min(float(s[0]) for s, _ in clean)
        hi = max(float(s[-1]) for s, _ in clean)
        return np.linspace(lo, hi, int(grid)) if hi > lo else np.array([lo])
    return np.asarray(grid, dtype=float)


def _fill_block(
    clean: list[tuple[np.ndarray, np.ndarray]],
    on_grid: list[bool],
    cols: np.ndarray,
    start: int,
) -> np.ndarray:
    """The curves at steps ``cols`` (the grid's from ``start`` on): a row per curve, NaN
    outside the curve's range; a curve whose steps are the grid's is copied as it is."""
    matrix = np.full((len(clean), cols.size), np.nan)
    for row, (s, v) in enumerate(clean):
        if on_grid[row]:
            matrix[row] = v[start : start + cols.size]
            continue
        a = int(np.searchsorted(cols, s[0], "left"))
        b = int(np.searchsorted(cols, s[-1], "right"))
        if b > a:
            matrix[row, a:b] = np.interp(cols[a:b], s, v)
    return matrix


def _reduce_block(
    matrix: np.ndarray, band: str, center: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Centre, low, high and n of each column of one block."""
    finite = np.isfinite(matrix)
    full = bool(finite.all())  # the usual block: every curve covers every step
    n = finite.sum(axis=0)
    zeroed = matrix if full else np.where(finite, matrix, 0.0)
    quartiles = center == "median" or band == "iqr"
    with np.errstate(invalid="ignore", divide="ignore"):
        if quartiles:
            q1, mid, q3 = column_quantiles(matrix, (0.25, 0.5, 0.75))
        if center == "mean":
            mid = zeroed.sum(axis=0) / n
        if band == "minmax":
            low = np.where(finite, matrix, np.inf).min(axis=0)
            high = np.where(finite, matrix, -np.inf).max(axis=0)
            low, high = np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)
        elif band == "none":
            low, high = mid.copy(), mid.copy()
        elif band == "iqr":
            low, high = q1, q3
        else:
            mean = mid if center == "mean" else zeroed.sum(axis=0) / n
            deviation = matrix - mean
            square = (deviation if full else np.where(finite, deviation, 0.0)) ** 2
            square = square.sum(axis=0)
            sd = np.where(n > 1, np.sqrt(square / np.maximum(n - 1, 1)), np.nan)
            half = sd
            if band in ("sem", "ci95"):
                half = sd / np.sqrt(np.maximum(n, 1))
            if band == "ci95":
                factors = {int(k): t_quantile(0.975, int(k) - 1) for k in np.unique(n) if k > 1}
                half = half * np.array([factors.get(int(k), np.nan) for k in n])
            low, high = mid - half, mid + half
    return mid, low, high, n


def curve_band(
    curves: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    band: str = "std",
    center: str = "mean",
    grid: str | int | np.ndarray = "union",
) -> CurveBand:
    """Mean (or median) of several curves with a band, on one step grid.

    Args:
        curves: (steps, values) pairs, e.g. a stepped metric of each replicate, or of
            every run of a sweep (thousands are fine: the grid is worked through in
            blocks of :data:`BAND_BLOCK_CELLS` cells).
        band: ``std``, ``sem``, ``ci95`` (per step, t with n-1 dof), ``iqr`` (first to
            third quartile, with a median), ``minmax`` or ``none``.
        center: ``mean`` or ``median``.
        grid: ``union`` (every step any curve has), ``auto`` (the union, or
            :data:`AUTO_GRID_POINTS` evenly spaced steps when it has more than
            :data:`UNION_GRID_LIMIT`), a number of evenly spaced steps over the
            overall range, or the steps.

    A curve contributes to a step inside its own step range (linearly interpolated
    between its points); outside it, it does not count, so ``n`` can vary by step.
    The std is the sample one (n-1); quartiles and the median interpolate linearly
    between values, as numpy's defaults do.
    """
    if band not in ("std", "sem", "ci95", "iqr", "minmax", "none"):
        raise ValueError(f"unknown band {band!r}; use std, sem, ci95, iqr, minmax or none")
    if center not in ("mean", "median"):
        raise ValueError(f"unknown centre {center!r}; use mean or median")
    clean = [_clean_curve(s, v) for s, v in curves]
    clean = [(s, v) for s, v in clean if s.size]
    steps = _band_grid(clean, grid)
    mid, low, high = (np.full(steps.size, np.nan) for _ in range(3))
    n = np.zeros(steps.size, dtype=int)
    on_grid = [s.size == steps.size and np.array_equal(s, steps) for s, _ in clean]
    block = max(1, BAND_BLOCK_CELLS // max(len(clean), 1))
    for start in range(0, steps.size, block):
        cols = steps[start : start + block]
        parts = _reduce_block(_fill_block(clean, on_grid, cols, start), band, center)
        for out, part in zip((mid, low, high, n), parts, strict=True):
            out[start : start + cols.size] = part
    return CurveBand(
        steps=steps,
        center=mid,
        low=low,
        high=high,
        n=n,
        center_kind=center,
        band_kind=band,
    )


def curve_bands(
    groups: Mapping[Any, Sequence[tuple[np.ndarray, np.ndarray]]], **kwargs: Any
) -> dict[Any, CurveBand]:
    """:func:`curve_band` for each group of curves (e.g. runs grouped by learning rate)."""
    return {g: curve_band(curves, **kwargs) for g, curves in groups.items()}
