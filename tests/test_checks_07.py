"""Checks of notebook 07: each reference passes, each typical mistake is named, TODO is "not
done yet". The right answers here are written independently of course_utils."""

import numpy as np
import pytest

from course_utils.checks import nb07 as checks
from tests.check_helpers import todo as _todo


def _truncate(w, w_avg, psi):
    return w_avg + psi * (np.asarray(w) - w_avg)


def _minibatch_std(x):
    return float(np.std(np.asarray(x, float), axis=0).mean())


def _ink_bins(ink, labels, n_bins):
    out = np.zeros(len(ink), int)
    for c in np.unique(labels):
        m = labels == c
        edges = np.quantile(ink[m], np.arange(1, n_bins) / n_bins)
        out[m] = np.searchsorted(edges, ink[m], side="right")
    return out


@pytest.mark.parametrize("check, right", [(checks.check_truncate, _truncate),
                                          (checks.check_minibatch_std, _minibatch_std),
                                          (checks.check_ink_bins, _ink_bins)])
def test_right_answers_pass_and_todo_is_not_done_yet(check, right):
    assert check(right, verbose=False)
    assert check(_todo, verbose=False).status == "todo"


@pytest.mark.parametrize("check, wrong, mistake, words", [
    (checks.check_truncate, lambda w, a, psi: psi * np.asarray(w), "scaled_w", "origin"),
    (checks.check_truncate, lambda w, a, psi: np.asarray(w) + psi * (a - np.asarray(w)),
     "reversed", "wrong way round"),
    (checks.check_minibatch_std, lambda x: float(np.var(x, axis=0).mean()), "variance",
     "variances"),
    (checks.check_minibatch_std, lambda x: float(np.asarray(x).reshape(len(x), -1)
                                                 .std(axis=1).mean()), "over_features",
     "across the batch"),
    (checks.check_minibatch_std, lambda x: float(np.std(x, axis=0, ddof=1).mean()), "ddof",
     "n - 1"),
    (checks.check_ink_bins, lambda i, lab, n: np.searchsorted(
        np.quantile(i, np.arange(1, n) / n), i, side="right"), "global_quantiles",
     "each class separately"),
    (checks.check_ink_bins, lambda i, lab, n: n - 1 - _ink_bins(i, lab, n), "reversed",
     "wrong way"),
])
def test_typical_mistakes_are_named_without_the_formula(check, wrong, mistake, words):
    result = check(wrong, verbose=False)
    assert result.status == "fail" and result.mistake == mistake
    assert words in result.message and "np.quantile" not in result.message


def test_hints_give_the_formula_on_request(capsys):
    checks.hint("truncate")
    assert "w_avg + psi * (w - w_avg)" in capsys.readouterr().out
