"""Self-checks of ``01_supervised_vs_unsupervised``:
``from course_utils.checks import nb01 as checks``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_utils.checks.base import CheckResult, Mistake, run_check, show_hint, use

__all__ = ["HINTS", "CheckResult", "check_mahalanobis_sq", "check_purity", "check_rule_metrics",
           "hint", "use"]

HINTS = {
    "purity": "purity = (sum over clusters of the count of the cluster's most common label) / "
              "(number of examples). Use np.unique(y_true[clusters == c], return_counts=True) "
              "for each cluster c; never compare cluster ids with labels directly.",
    "rule_metrics": "support = P(A and C), confidence = support / P(A), lift = confidence / "
                    "P(C), where a basket 'has A' when it holds EVERY item of the antecedent "
                    "(b[:, antecedent].all(axis=1)). Return (support, confidence, lift).",
    "mahalanobis_sq": "d = x - mean (one row per example); the answer is, for every row, "
                      "d @ inv(cov) @ d: np.sum(d @ np.linalg.inv(cov) * d, axis=1). No square "
                      "root.",
}


def hint(name: str) -> None:
    """Print the formula behind exercise ``name`` (``01_supervised_vs_unsupervised``)."""
    show_hint(HINTS, name)


# ---------------------------------------------------------------- purity


def _contingency(y_true, clusters) -> np.ndarray:
    """counts[c, y]: how many examples of label y sit in cluster c."""
    _, yi = np.unique(np.asarray(y_true).ravel(), return_inverse=True)
    _, ci = np.unique(np.asarray(clusters).ravel(), return_inverse=True)
    table = np.zeros((ci.max() + 1, yi.max() + 1))
    np.add.at(table, (ci, yi), 1.0)
    return table


def _ref_purity(y_true, clusters):
    table = _contingency(y_true, clusters)
    return float(table.max(axis=1).sum() / table.sum())


def _per_cluster_purity(y, c):
    table = _contingency(y, c)
    return table.max(axis=1) / table.sum(axis=1)


PURITY_MISTAKES = (
    Mistake("unweighted", lambda y, c: float(np.mean(_per_cluster_purity(y, c))),
            "you averaged the clusters' own purities as if every cluster had the same size: a "
            "big cluster must weigh more than a small one"),
    Mistake("summed_shares", lambda y, c: float(np.sum(_per_cluster_purity(y, c))),
            "your purity can exceed 1: you added up the clusters' own purities instead of "
            "counting examples"),
    Mistake("ids_as_labels", lambda y, c: float(np.mean(np.asarray(y) == np.asarray(c))),
            "you compared cluster numbers with class labels directly: cluster ids are arbitrary "
            "names, so a perfect clustering under other numbers must still score 1"),
    Mistake("count", lambda y, c: float(_contingency(y, c).max(axis=1).sum()),
            "you returned a number of examples, not a fraction between 0 and 1"),
    Mistake("class_side", lambda y, c: float(_contingency(y, c).max(axis=0).sum() / len(y)),
            "you looked inside each class for its most common cluster: purity looks inside each "
            "cluster for its most common class"),
)


def check_purity(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``01_supervised_vs_unsupervised``): purity of a clustering w.r.t. labels."""
    rng = np.random.default_rng(1)
    y = rng.integers(0, 10, 300)
    cases = [
        (y, (y + rng.integers(0, 2, 300)) % 7),
        (np.array([0] * 90 + [1] * 10 + [2] * 5 + [3] * 5),
         np.array([0] * 60 + [1] * 30 + [1] * 10 + [0] * 5 + [0] * 5)),
        (y, (y * 3 + 1) % 10),
        (y, np.zeros(300, dtype=int)),
        (np.array([4, 4, 2, 2, 2]), np.array([7, 3, 3, 3, 7])),
    ]
    notes = ["a noisy clustering with fewer clusters", "clusters of very different sizes",
             "the classes under other cluster numbers", "one single cluster", "five examples"]
    return run_check("purity", student_fn, _ref_purity, cases, mistakes=PURITY_MISTAKES,
                     notes=notes, verbose=verbose)


# ---------------------------------------------------------------- association rules


def _holds(baskets, items, any_item: bool = False) -> np.ndarray:
    b = np.asarray(baskets, dtype=bool)[:, list(items)]
    return b.any(axis=1) if any_item else b.all(axis=1)


def _ref_rule_metrics(baskets, antecedent, consequent):
    a, c = _holds(baskets, antecedent), _holds(baskets, consequent)
    n, n_a, n_c, n_ac = len(a), a.sum(), c.sum(), (a & c).sum()
    return n_ac / n, n_ac / n_a, (n_ac / n_a) / (n_c / n)


def _rule_variant(support="both", given="a", lift_by="c", any_item=False, counts=False):
    def metrics(baskets, antecedent, consequent):
        a = _holds(baskets, antecedent, any_item)
        c = _holds(baskets, consequent, any_item)
        both = (a & c).mean()
        sup = {"both": both, "a": a.mean()}[support] * (len(a) if counts else 1)
        conf = both / {"a": a.mean(), "c": c.mean()}[given]
        return sup, conf, conf / {"a": a.mean(), "c": c.mean()}[lift_by]

    return metrics


RULE_MISTAKES = (
    Mistake("support_of_antecedent", _rule_variant(support="a"),
            "your support counts every basket with the antecedent: a basket supports the rule "
            "only when it holds the consequent too"),
    Mistake("confidence_reversed", _rule_variant(given="c"),
            "your confidence starts from the baskets that hold the consequent: the rule reads "
            "'if A then C', so start from the baskets that hold the antecedent"),
    Mistake("lift_by_antecedent", _rule_variant(lift_by="a"),
            "your lift compares the confidence with how common the antecedent is: lift asks how "
            "much the rule beats the consequent's own frequency"),
    Mistake("any_instead_of_all", _rule_variant(any_item=True),
            "a basket holding only some items of a set counts in your answer: every item of the "
            "antecedent (and of the consequent) must be in the basket"),
    Mistake("support_as_count", _rule_variant(counts=True),
            "your support is a number of baskets, not a fraction of all baskets"),
)


def check_rule_metrics(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``01_supervised_vs_unsupervised``): support, confidence and lift of a rule."""
    rng = np.random.default_rng(2)
    b = rng.random((500, 6)) < 0.35
    b[:, 1] |= b[:, 0] & (rng.random(500) < 0.8)  # item 0 -> item 1 planted
    tiny = np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1], [0, 1, 0]], dtype=bool)
    cases = [(b, [0], [1]), (b, [1], [0]), (b, [0, 2], [1]), (b, [3], [4, 5]), (tiny, [0], [1])]
    notes = ["a planted rule", "the planted rule read backwards", "two antecedent items",
             "two consequent items", "four baskets"]
    return run_check("rule_metrics", student_fn, _ref_rule_metrics, cases,
                     mistakes=RULE_MISTAKES, notes=notes,
                     output_names=("support", "confidence", "lift"), verbose=verbose)


# ---------------------------------------------------------------- Mahalanobis distance


def _ref_mahalanobis_sq(x, mean, cov):
    diff = np.atleast_2d(np.asarray(x, dtype=float)) - np.asarray(mean, dtype=float)
    return np.einsum("ij,ij->i", diff, np.linalg.solve(np.asarray(cov, dtype=float), diff.T).T)


def _centred(x, mean):
    return np.atleast_2d(np.asarray(x, dtype=float)) - np.asarray(mean, dtype=float)


MAHALANOBIS_MISTAKES = (
    Mistake("covariance_not_inverse",
            lambda x, m, c: np.sum(_centred(x, m) @ np.asarray(c) * _centred(x, m), axis=1),
            "you weighted the differences with the covariance itself: a direction in which the "
            "data spread widely must count LESS, not more"),
    Mistake("not_squared", lambda x, m, c: np.sqrt(_ref_mahalanobis_sq(x, m, c)),
            "your values are the square roots of the right ones: the exercise asks for the "
            "squared distance"),
    Mistake("forgot_mean", lambda x, m, c: _ref_mahalanobis_sq(x, np.zeros_like(m), c),
            "you measured from the origin, not from the mean"),
    Mistake("diagonal_only",
            lambda x, m, c: np.sum(_centred(x, m) ** 2 / np.diag(np.asarray(c)), axis=1),
            "you used only the variances (the diagonal of the covariance): the correlations "
            "between the features matter too"),
    Mistake("euclidean", lambda x, m, c: np.sum(_centred(x, m) ** 2, axis=1),
            "your answer ignores the covariance: that is the squared Euclidean distance"),
    Mistake("all_pairs",
            lambda x, m, c: _centred(x, m) @ np.linalg.inv(c) @ _centred(x, m).T,
            "you returned a matrix of every row against every other row: only each row with "
            "itself is wanted, one number per row"),
)


def check_mahalanobis_sq(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``01_supervised_vs_unsupervised``): squared Mahalanobis distance per row."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 4))
    cov = a @ a.T + 0.5 * np.eye(4)
    cases = [
        (rng.standard_normal((20, 4)), rng.standard_normal(4), cov),
        (rng.standard_normal((5, 3)), np.zeros(3), np.eye(3)),
        (np.array([[2.0, 0.0], [0.0, 3.0]]), np.zeros(2), np.diag([4.0, 9.0])),
        (np.array([[1.0, 1.0]]), np.array([1.0, 1.0]), np.array([[2.0, 0.5], [0.5, 1.0]])),
        (np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), np.array([0.5, -0.5]),
         np.array([[2.0, 0.8], [0.8, 1.0]])),
    ]
    notes = ["correlated features", "identity covariance: the plain squared length",
             "independent features of different spread", "a point on the mean",
             "correlated features, three points"]
    return run_check("mahalanobis_sq", student_fn, _ref_mahalanobis_sq, cases,
                     mistakes=MAHALANOBIS_MISTAKES, notes=notes, verbose=verbose)
