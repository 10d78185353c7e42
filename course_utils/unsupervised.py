"""Helpers for ``01_supervised_vs_unsupervised``: association rules, cluster scores, detectors.

- Association rules: :func:`frequent_itemsets` (the Apriori algorithm), :func:`association_rules`
  with support, confidence and lift, on a boolean basket matrix such as
  :func:`course_utils.data.shopping_baskets` returns.
- Intrusion detection on :func:`course_utils.data.traffic_split`: a supervised detector
  (:func:`fit_supervised_detector`, a random forest that knows only the attacks it was shown) and
  an unsupervised one (:func:`fit_gaussian_detector`, a Gaussian density of normal traffic only,
  thresholded by :func:`threshold_for_fpr`), compared with
  :func:`course_utils.metrics.recall_by_kind`. Cluster scores are in :mod:`course_utils.metrics`.
  Tables are printed with :func:`course_utils.metrics.report_table`.

No TensorFlow here; scikit-learn is imported inside the functions that need it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

# ---------------------------------------------------------------- association rules


def _basket_matrix(baskets) -> np.ndarray:
    b = np.asarray(baskets)
    if b.ndim != 2 or b.size == 0:
        raise ValueError(f"baskets must be a non-empty 2-D matrix (baskets x items), got shape "
                         f"{b.shape}")
    if b.dtype != bool:
        if not np.isin(b, (0, 1)).all():
            raise ValueError("baskets must hold booleans (or 0/1): entry [b, i] says whether "
                             "basket b contains item i")
        b = b.astype(bool)
    return b


def _check_fraction(name: str, value: float, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise TypeError(f"{name} must be a number in (0, 1], got {value!r}")
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value <= 1):
        bound = "[0, 1]" if allow_zero else "(0, 1]"
        raise ValueError(f"{name} must be in {bound}, got {value}")
    return float(value)


def frequent_itemsets(baskets, min_support: float, max_size: int | None = None
                      ) -> dict[frozenset, float]:
    """All itemsets bought in at least a ``min_support`` fraction of baskets (Apriori).

    Returns ``{frozenset of item indices: support}``. Apriori grows itemsets one item at a time
    and keeps a candidate of size k+1 only if all of its subsets of size k were frequent: no
    superset of an infrequent set can be frequent, so most candidates are never counted.
    ``max_size`` caps the itemset size (``None``: no cap). Introduced in
    ``01_supervised_vs_unsupervised``.
    """
    b = _basket_matrix(baskets)
    min_support = _check_fraction("min_support", min_support)
    if max_size is not None and (isinstance(max_size, bool) or not isinstance(max_size, int)
                                 or max_size < 1):
        raise ValueError(f"max_size must be a positive int or None, got {max_size!r}")
    single = b.mean(axis=0)
    level = [frozenset([i]) for i in range(b.shape[1]) if single[i] >= min_support]
    found = {s: float(single[next(iter(s))]) for s in level}
    size = 1
    while level and (max_size is None or size < max_size):
        previous = set(level)
        candidates = {
            a | c
            for a, c in combinations(level, 2)
            if len(a | c) == size + 1 and all((a | c) - {i} in previous for i in a | c)
        }
        level = []
        for cand in sorted(candidates, key=sorted):
            support = float(b[:, sorted(cand)].all(axis=1).mean())
            if support >= min_support:
                found[cand] = support
                level.append(cand)
        size += 1
    return found


@dataclass(frozen=True)
class Rule:
    """``antecedent -> consequent`` with its support, confidence and lift."""

    antecedent: tuple[str, ...]
    consequent: tuple[str, ...]
    support: float
    confidence: float
    lift: float

    def __str__(self) -> str:
        return f"{{{', '.join(self.antecedent)}}} -> {{{', '.join(self.consequent)}}}"


def association_rules(
    baskets,
    items: Sequence[str],
    min_support: float = 0.02,
    min_confidence: float = 0.5,
    max_size: int | None = 3,
) -> list[Rule]:
    """Association rules ``A -> C`` mined from frequent itemsets, strongest lift first.

    support = P(A and C), confidence = P(C | A) = support / P(A),
    lift = confidence / P(C) (1: no association; above 1: buying A makes C more likely).
    Keeps rules whose itemset is frequent (``min_support``) and whose confidence is at least
    ``min_confidence``. Introduced in ``01_supervised_vs_unsupervised``.
    """
    b = _basket_matrix(baskets)
    if len(items) != b.shape[1]:
        raise ValueError(f"got {len(items)} item names for {b.shape[1]} basket columns")
    min_confidence = _check_fraction("min_confidence", min_confidence, allow_zero=True)
    supports = frequent_itemsets(b, min_support, max_size)
    rules = []
    for itemset, support in supports.items():
        for k in range(1, len(itemset)):
            for ante in map(frozenset, combinations(sorted(itemset), k)):
                cons = itemset - ante
                confidence = support / supports[ante]
                if confidence >= min_confidence:
                    rules.append(Rule(
                        tuple(items[i] for i in sorted(ante)),
                        tuple(items[i] for i in sorted(cons)),
                        support, confidence, confidence / supports[cons],
                    ))
    return sorted(rules, key=lambda r: (-r.lift, -r.confidence, r.antecedent, r.consequent))


# ---------------------------------------------------------------- intrusion detectors


def traffic_features(x) -> np.ndarray:
    """log(1 + x) of the non-negative traffic columns: bytes and packets span six orders of
    magnitude, and on a log scale normal traffic looks roughly Gaussian."""
    x = np.asarray(x, dtype="float64")
    if x.ndim != 2:
        raise ValueError(f"traffic features must be a 2-D array (sessions x features), got "
                         f"shape {x.shape}")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("traffic features must be finite and non-negative (durations, counts)")
    return np.log1p(x)


def mahalanobis_sq(x, mean, cov) -> np.ndarray:
    """Squared Mahalanobis distance of each row of ``x`` to a Gaussian (``mean``, ``cov``):
    ``(x - mean)^T cov^-1 (x - mean)``. With an identity ``cov`` this is the squared distance."""
    x = np.atleast_2d(np.asarray(x, dtype="float64"))
    mean = np.asarray(mean, dtype="float64")
    cov = np.asarray(cov, dtype="float64")
    d = x.shape[1]
    if mean.shape != (d,) or cov.shape != (d, d):
        raise ValueError(f"for {d} features expected mean shape ({d},) and cov ({d}, {d}), got "
                         f"{mean.shape} and {cov.shape}")
    diff = x - mean
    return np.einsum("ij,ij->i", diff, np.linalg.solve(cov, diff.T).T)


@dataclass(frozen=True)
class GaussianDetector:
    """A Gaussian density of normal traffic (on :func:`traffic_features`); the anomaly score
    is the squared Mahalanobis distance (minus twice the log-density, up to a constant)."""

    mean: np.ndarray
    cov: np.ndarray

    def score(self, x) -> np.ndarray:
        """Anomaly score per session of raw traffic ``x``: larger = less like normal traffic."""
        return mahalanobis_sq(traffic_features(x), self.mean, self.cov)


def fit_gaussian_detector(x_normal, ridge: float = 1e-3) -> GaussianDetector:
    """Fit mean and covariance of the log-features of normal sessions only, no labels
    (``01_supervised_vs_unsupervised``). ``ridge`` is added to the diagonal so that a feature
    that barely varies in normal traffic (failed logins) cannot make the covariance singular."""
    f = traffic_features(x_normal)
    if len(f) <= f.shape[1]:
        raise ValueError(f"need more normal sessions ({len(f)}) than features ({f.shape[1]}) to "
                         "fit a covariance")
    if ridge < 0:
        raise ValueError(f"ridge must be >= 0, got {ridge}")
    cov = np.cov(f, rowvar=False) + ridge * np.eye(f.shape[1])
    return GaussianDetector(f.mean(axis=0), cov)


def threshold_for_fpr(normal_scores, fpr: float) -> float:
    """The score above which only a ``fpr`` fraction of ``normal_scores`` lie: flagging
    ``score > threshold`` then raises a false alarm on about that fraction of normal sessions."""
    s = np.asarray(normal_scores, dtype="float64").ravel()
    if s.size == 0 or not np.all(np.isfinite(s)):
        raise ValueError("normal_scores must be a non-empty array of finite numbers")
    fpr = _check_fraction("fpr", fpr)
    if fpr >= 1:
        raise ValueError("fpr must be below 1: a false-positive rate of 1 flags everything")
    return float(np.quantile(s, 1.0 - fpr, method="higher"))


def fit_supervised_detector(x, kinds, seed: int = 0, n_trees: int = 100):
    """A random forest that learns to name each session's kind from labelled examples
    (``01_supervised_vs_unsupervised``). It can only answer with kinds it was shown:
    ``predict(traffic_features(x))`` returns one of its training labels."""
    from sklearn.ensemble import RandomForestClassifier

    f = traffic_features(x)
    kinds = np.asarray(kinds)
    if len(kinds) != len(f):
        raise ValueError(f"{len(f)} sessions but {len(kinds)} labels")
    if len(np.unique(kinds)) < 2:
        raise ValueError("a supervised detector needs at least two kinds of labelled sessions")
    model = RandomForestClassifier(n_estimators=n_trees, random_state=seed, n_jobs=1)
    return model.fit(f, kinds)
