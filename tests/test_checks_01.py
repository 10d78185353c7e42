"""Exercise checks of 01_supervised_vs_unsupervised: references pass, typical mistakes fail."""

import numpy as np

from course_utils import checks, unsupervised


def _todo(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- purity


def test_purity_reference_passes(capsys):
    assert checks.check_purity(unsupervised.purity)
    assert "PASS" in capsys.readouterr().out


def test_purity_typical_mistakes_fail_with_hint():
    def unweighted(y, c):  # average of per-cluster shares: ignores cluster sizes
        y, c = np.asarray(y), np.asarray(c)
        return np.mean([np.unique(y[c == k], return_counts=True)[1].max() / np.sum(c == k)
                        for k in np.unique(c)])

    def ids_as_labels(y, c):  # compares arbitrary cluster numbers with class numbers
        return np.mean(np.asarray(y) == np.asarray(c))

    def count_not_fraction(y, c):
        return checks._ref_purity(y, c) * len(y)

    for wrong in (unweighted, ids_as_labels, count_not_fraction):
        result = checks.check_purity(wrong, verbose=False)
        assert result.status == "fail", wrong.__name__
        assert "Hint" in result.message and "size" in result.message


def test_purity_todo_says_not_done_yet(capsys):
    assert checks.check_purity(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out


# ---------------------------------------------------------------- rule metrics


def _reference_rule_metrics(baskets, antecedent, consequent):
    b = np.asarray(baskets, dtype=bool)
    a = b[:, antecedent].all(axis=1)
    c = b[:, consequent].all(axis=1)
    support = (a & c).mean()
    return support, support / a.mean(), support / a.mean() / c.mean()


def test_rule_metrics_reference_passes():
    assert checks.check_rule_metrics(_reference_rule_metrics, verbose=False)


def test_rule_metrics_typical_mistakes_fail_with_hint():
    def support_of_antecedent(b, a, c):  # support = P(A) instead of P(A and C)
        s, conf, lift = _reference_rule_metrics(b, a, c)
        return np.asarray(b)[:, a].all(axis=1).mean(), conf, lift

    def confidence_reversed(b, a, c):  # P(A | C) instead of P(C | A)
        b = np.asarray(b)
        s, _, lift = _reference_rule_metrics(b, a, c)
        return s, s / b[:, c].all(axis=1).mean(), lift

    def any_instead_of_all(b, a, c):  # a basket with only one antecedent counts
        b = np.asarray(b)
        has_a, has_c = b[:, a].any(axis=1), b[:, c].any(axis=1)
        s = (has_a & has_c).mean()
        return s, s / has_a.mean(), s / has_a.mean() / has_c.mean()

    for wrong in (support_of_antecedent, confidence_reversed, any_instead_of_all):
        result = checks.check_rule_metrics(wrong, verbose=False)
        assert result.status == "fail", wrong.__name__
        assert "confidence = support / P(A)" in result.message


def test_rule_metrics_wrong_return_shape_is_explained():
    result = checks.check_rule_metrics(lambda b, a, c: 0.5, verbose=False)
    assert result.status == "fail" and "tuple of 3" in result.message


def test_rule_metrics_todo_says_not_done_yet():
    assert checks.check_rule_metrics(_todo, verbose=False).status == "todo"


# ---------------------------------------------------------------- Mahalanobis


def test_mahalanobis_reference_passes():
    assert checks.check_mahalanobis_sq(unsupervised.mahalanobis_sq, verbose=False)


def test_mahalanobis_typical_mistakes_fail_with_hint():
    def covariance_not_inverse(x, mean, cov):
        d = np.atleast_2d(x) - mean
        return np.sum(d @ cov * d, axis=1)

    def not_squared(x, mean, cov):
        return np.sqrt(unsupervised.mahalanobis_sq(x, mean, cov))

    def forgot_mean(x, mean, cov):
        return unsupervised.mahalanobis_sq(x, np.zeros_like(mean), cov)

    def diagonal_only(x, mean, cov):
        return np.sum((np.atleast_2d(x) - mean) ** 2 / np.diag(cov), axis=1)

    for wrong in (covariance_not_inverse, not_squared, forgot_mean, diagonal_only):
        result = checks.check_mahalanobis_sq(wrong, verbose=False)
        assert result.status == "fail", wrong.__name__
        assert "INVERSE covariance" in result.message


def test_mahalanobis_todo_says_not_done_yet(capsys):
    assert checks.check_mahalanobis_sq(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out
