"""Exercise checks of 03_latent_variable_models: each reference (written here, never the lvm
function being taught) passes, each typical mistake fails with a message that names it and not
the formula, hint() gives the formula, an unfinished exercise is "not done yet"."""

import numpy as np
import pytest
from scipy import stats

from course_utils.checks import nb03 as checks
from tests.check_helpers import assert_diagnosed as _assert_diagnosed
from tests.check_helpers import todo as _todo


@pytest.mark.parametrize("check", [checks.check_posterior, checks.check_reconstruct_from_k,
                                   checks.check_hard_assignments], ids=lambda c: c.__name__)
def test_unfinished_exercise_is_not_done_yet(check, capsys):
    assert check(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out


# ---------------------------------------------------------------- posterior (Bayes' rule)


def _posterior(prior, likelihood):  # the notebook's solution
    joint = prior[:, None] * likelihood
    return joint / joint.sum(axis=0, keepdims=True)


def _posterior_by_einsum(prior, likelihood):
    joint = np.einsum("z,zx->zx", prior, likelihood)
    return joint / np.einsum("zx->x", joint)


def test_posterior_independent_solutions_pass(capsys):
    assert checks.check_posterior(_posterior)
    assert "PASS" in capsys.readouterr().out
    assert checks.check_posterior(_posterior_by_einsum, verbose=False)


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda p, lik: p[:, None] * lik, "joint", ["columns do not sum to 1", "joint"]),
    (lambda p, lik: (p[:, None] * lik) / (p[:, None] * lik).sum(axis=1, keepdims=True), "rows",
     ["ROWS", "over x instead of over z"]),
    (lambda p, lik: lik / lik.sum(axis=0, keepdims=True), "no_prior", ["does not use the prior"]),
    (lambda p, lik: _posterior(p, lik).T, "transposed", ["indexed [x, z]"]),
    (lambda p, lik: lik.copy(), "likelihood", ["likelihood p(x | z) unchanged"]),
], ids=["joint", "normalised-rows", "no-prior", "transposed", "likelihood"])
def test_posterior_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_posterior(wrong, verbose=False), "posterior", mistake, words,
                      ["prior[:, None] * likelihood", "sum(axis=0"])


def test_posterior_hint_shows_the_formula(capsys):
    checks.hint("posterior")
    assert "prior[:, None] * likelihood" in capsys.readouterr().out


# ---------------------------------------------------------------- reconstruct from k factors


def _reconstruct(x, mean, directions, k):
    v = directions[:k]
    return mean + (x - mean) @ v.T @ v


def _reconstruct_by_projector(x, mean, directions, k):
    projector = sum((np.outer(d, d) for d in directions[:k]), np.zeros((len(mean),) * 2))
    return mean + (x - mean) @ projector


def test_reconstruct_independent_solutions_pass():
    assert checks.check_reconstruct_from_k(_reconstruct, verbose=False)
    assert checks.check_reconstruct_from_k(_reconstruct_by_projector, verbose=False)


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda x, m, v, k: x @ v[:k].T @ v[:k], "no_mean", ["never took the mean out"]),
    (lambda x, m, v, k: (x - m) @ v[:k].T @ v[:k], "mean_not_added", ["never added it back"]),
    (lambda x, m, v, k: m + x @ v[:k].T @ v[:k], "mean_not_removed", ["never took it out"]),
    (lambda x, m, v, k: m + (x - m) @ v.T @ v, "ignores_k", ["does not depend on k"]),
    (lambda x, m, v, k: m + (x - m) @ v[:, :k] @ v[:, :k].T, "columns", ["columns", "row"]),
    (lambda x, m, v, k: (x - m) @ v[:k].T, "codes_only", ["shaped (n, k)", "data space"]),
], ids=["no-mean", "mean-not-added", "mean-not-removed", "ignores-k", "columns", "codes"])
def test_reconstruct_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_reconstruct_from_k(wrong, verbose=False),
                      "reconstruct_from_k", mistake, words, ["@ V.T @ V", "directions[:k]"])


def test_reconstruct_hint_shows_the_formula(capsys):
    checks.hint("reconstruct_from_k")
    assert "mean + (x - mean) @ V.T @ V" in capsys.readouterr().out


# ---------------------------------------------------------------- hard assignments


def _log_joint(x, weights, means, covs):  # scipy's Gaussian, not course_utils
    return np.stack([np.log(w) + np.atleast_1d(stats.multivariate_normal(m, c).logpdf(x))
                     for w, m, c in zip(weights, means, covs, strict=True)], axis=1)


def _hard(x, weights, means, covs):
    return np.eye(len(weights))[np.argmax(_log_joint(x, weights, means, covs), axis=1)]


def test_hard_assignments_reference_passes(capsys):
    assert checks.check_hard_assignments(_hard)
    assert "PASS" in capsys.readouterr().out


def _no_weights(x, weights, means, covs):
    return _hard(x, np.ones(len(weights)), means, covs)


def _nearest_mean(x, weights, means, covs):
    d = ((np.asarray(x)[:, None, :] - np.asarray(means)[None]) ** 2).sum(axis=2)
    return np.eye(len(weights))[np.argmin(d, axis=1)]


def _no_normaliser(x, weights, means, covs):  # exp(-maha / 2) without 1 / sqrt(det(2 pi cov))
    scores = []
    for w, m, c in zip(weights, means, covs, strict=True):
        d = x - m
        scores.append(np.log(w) - 0.5 * np.einsum("ij,jk,ik->i", d, np.linalg.inv(c), d))
    return np.eye(len(weights))[np.argmax(np.stack(scores, axis=1), axis=1)]


def _least(x, weights, means, covs):
    return np.eye(len(weights))[np.argmin(_log_joint(x, weights, means, covs), axis=1)]


def _labels(x, weights, means, covs):
    return np.argmax(_log_joint(x, weights, means, covs), axis=1)


def _soft(x, weights, means, covs):
    joint = np.exp(_log_joint(x, weights, means, covs))
    return joint / joint.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("wrong, mistake, words", [
    (_no_weights, "no_weights", ["ignore the component weights"]),
    (_nearest_mean, "nearest_mean", ["nearest mean", "covariances"]),
    (_no_normaliser, "no_normaliser", ["normalising constant", "broad component"]),
    (_least, "least_probable", ["LEAST probable"]),
    (_labels, "labels", ["component numbers", "one-hot"]),
    (_soft, "soft", ["soft responsibilities"]),
])
def test_hard_assignments_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_hard_assignments(wrong, verbose=False), "hard_assignments",
                      mistake, words, ["log w_j + log N", "np.eye(k)["])


def test_hard_assignments_hint_shows_the_formula(capsys):
    checks.hint("hard_assignments")
    assert "log w_j + log N(x_i; mean_j, cov_j)" in capsys.readouterr().out
