"""Exercise checks of 01_supervised_vs_unsupervised: each reference passes, each typical mistake
fails with a message that names it and not the formula, hint() gives the formula."""

from collections import Counter

import numpy as np
import pytest

from course_utils.checks import nb01 as checks
from tests.check_helpers import assert_diagnosed as _assert_diagnosed
from tests.check_helpers import todo as _todo


@pytest.mark.parametrize("check", [checks.check_purity, checks.check_rule_metrics,
                                   checks.check_mahalanobis_sq], ids=lambda c: c.__name__)
def test_unfinished_exercise_is_not_done_yet(check, capsys):
    assert check(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out


# ---------------------------------------------------------------- purity


def _purity(y, clusters):  # the notebook's answer, written with a Counter per cluster
    y, clusters = np.asarray(y), np.asarray(clusters)
    hits = sum(Counter(y[clusters == c].tolist()).most_common(1)[0][1]
               for c in set(clusters.tolist()))
    return hits / len(y)


def _shares(y, c):
    y, c = np.asarray(y), np.asarray(c)
    return [np.unique(y[c == k], return_counts=True)[1].max() / np.sum(c == k)
            for k in np.unique(c)]


def test_purity_reference_passes(capsys):
    assert checks.check_purity(_purity)
    assert "PASS" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda y, c: np.mean(_shares(y, c)), "unweighted", ["same size", "weigh more"]),
    (lambda y, c: np.sum(_shares(y, c)), "summed_shares", ["exceed 1"]),
    (lambda y, c: np.mean(np.asarray(y) == np.asarray(c)), "ids_as_labels",
     ["cluster numbers with class labels"]),
    (lambda y, c: _purity(y, c) * len(y), "count", ["not a fraction"]),
    (lambda y, c: _purity(c, y), "class_side", ["inside each class"]),
], ids=["unweighted", "summed", "ids", "count", "class-side"])
def test_purity_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_purity(wrong, verbose=False), "purity", mistake, words,
                      ["return_counts", "/ (number of examples)"])


def test_purity_hint_shows_the_formula(capsys):
    checks.hint("purity")
    assert "most common label" in capsys.readouterr().out


# ---------------------------------------------------------------- rule metrics


def _rules(baskets, antecedent, consequent):
    b = np.asarray(baskets, dtype=bool)
    a = np.logical_and.reduce([b[:, i] for i in antecedent])
    c = np.logical_and.reduce([b[:, i] for i in consequent])
    support = np.count_nonzero(a & c) / len(b)
    confidence = np.count_nonzero(a & c) / np.count_nonzero(a)
    return support, confidence, confidence * len(b) / np.count_nonzero(c)


def _has(b, items, how=np.all):
    return how(np.asarray(b, dtype=bool)[:, items], axis=1)


def test_rule_metrics_reference_passes():
    assert checks.check_rule_metrics(_rules, verbose=False)


def _support_of_a(b, a, c):
    _, conf, lift = _rules(b, a, c)
    return _has(b, a).mean(), conf, lift


def _confidence_given_c(b, a, c):
    s, _, lift = _rules(b, a, c)
    return s, s / _has(b, c).mean(), lift


def _lift_over_a(b, a, c):
    s, conf, _ = _rules(b, a, c)
    return s, conf, conf / _has(b, a).mean()


def _any_item(b, a, c):
    has_a, has_c = _has(b, a, np.any), _has(b, c, np.any)
    s = (has_a & has_c).mean()
    return s, s / has_a.mean(), s / has_a.mean() / has_c.mean()


def _support_count(b, a, c):
    s, conf, lift = _rules(b, a, c)
    return s * len(b), conf, lift


@pytest.mark.parametrize("wrong, mistake, words", [
    (_support_of_a, "support_of_antecedent", ["support", "consequent too"]),
    (_confidence_given_c, "confidence_reversed", ["confidence", "if A then C"]),
    (_lift_over_a, "lift_by_antecedent", ["lift", "antecedent"]),
    (_any_item, "any_instead_of_all", ["only some items", "every item"]),
    (_support_count, "support_as_count", ["number of baskets"]),
])
def test_rule_metrics_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_rule_metrics(wrong, verbose=False), "rule_metrics",
                      mistake, words, ["support / P(A)", "confidence / P(C)"])


def test_rule_metrics_wrong_return_is_explained():
    result = checks.check_rule_metrics(lambda b, a, c: 0.5, verbose=False)
    assert result.status == "fail" and "tuple of 3" in result.message


def test_rule_metrics_hint_shows_the_formula(capsys):
    checks.hint("rule_metrics")
    assert "confidence = support / P(A)" in capsys.readouterr().out


# ---------------------------------------------------------------- Mahalanobis


def _mahalanobis_sq(x, mean, cov):  # through the Cholesky factor: |L^-1 (x - mean)|^2
    d = np.atleast_2d(x) - mean
    white = np.linalg.solve(np.linalg.cholesky(cov), d.T)
    return np.sum(white**2, axis=0)


def _diff(x, mean):
    return np.atleast_2d(x) - mean


def test_mahalanobis_reference_passes():
    assert checks.check_mahalanobis_sq(_mahalanobis_sq, verbose=False)


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda x, m, c: np.sum(_diff(x, m) @ c * _diff(x, m), axis=1), "covariance_not_inverse",
     ["covariance itself", "LESS"]),
    (lambda x, m, c: np.sqrt(_mahalanobis_sq(x, m, c)), "not_squared", ["square roots"]),
    (lambda x, m, c: _mahalanobis_sq(x, 0 * m, c), "forgot_mean", ["from the origin"]),
    (lambda x, m, c: np.sum(_diff(x, m) ** 2 / np.diag(c), axis=1), "diagonal_only",
     ["only the variances", "correlations"]),
    (lambda x, m, c: np.sum(_diff(x, m) ** 2, axis=1), "euclidean", ["Euclidean"]),
    (lambda x, m, c: _diff(x, m) @ np.linalg.inv(c) @ _diff(x, m).T, "all_pairs",
     ["every row against every other"]),
], ids=["covariance", "sqrt", "no-mean", "diagonal", "euclidean", "pairs"])
def test_mahalanobis_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_mahalanobis_sq(wrong, verbose=False), "mahalanobis_sq",
                      mistake, words, ["np.linalg.inv", "inv(cov)"])


def test_mahalanobis_hint_shows_the_formula(capsys):
    checks.hint("mahalanobis_sq")
    assert "d @ inv(cov) @ d" in capsys.readouterr().out
