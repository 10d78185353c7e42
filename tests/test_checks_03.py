"""Exercise checks of 03_latent_variable_models: references pass, typical mistakes fail with a
helpful hint, and an unfinished exercise says "not done yet"."""

import numpy as np
import pytest

from course_utils import checks, lvm


def _todo(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- posterior (Bayes' rule)


def test_posterior_reference_passes(capsys):
    assert checks.check_posterior(lvm.posterior)
    assert "PASS" in capsys.readouterr().out


def test_posterior_notebook_solution_passes():
    def posterior(prior, likelihood):
        joint = prior[:, None] * likelihood
        return joint / joint.sum(axis=0, keepdims=True)

    assert checks.check_posterior(posterior, verbose=False)


@pytest.mark.parametrize("wrong", [
    lambda p, lik: p[:, None] * lik,  # the joint, never divided by p(x)
    lambda p, lik: (p[:, None] * lik) / (p[:, None] * lik).sum(axis=1, keepdims=True),  # rows
    lambda p, lik: lik / lik.sum(axis=0, keepdims=True),  # the prior is forgotten
    lambda p, lik: (p[:, None] * lik).T / (p[:, None] * lik).sum(axis=0)[:, None],  # [x, z]
], ids=["joint", "normalised-rows", "no-prior", "transposed"])
def test_posterior_typical_mistakes_fail_with_hint(wrong):
    result = checks.check_posterior(wrong, verbose=False)
    assert result.status == "fail"
    assert "Hint" in result.message and "COLUMN" in result.message
    assert "prior" in result.message


def test_posterior_todo_says_not_done_yet(capsys):
    assert checks.check_posterior(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out


# ---------------------------------------------------------------- reconstruct from k factors


def test_reconstruct_reference_passes():
    def reconstruct_from_k(x, mean, directions, k):
        v = directions[:k]
        return mean + (x - mean) @ v.T @ v

    assert checks.check_reconstruct_from_k(reconstruct_from_k, verbose=False)


def test_reconstruct_agrees_with_the_model_projection():
    rng = np.random.default_rng(0)
    x = rng.random((200, 9))
    model = lvm.fit_linear_gaussian(x, 4)

    def via_model(xx, mean, directions, k):
        m = lvm.LinearGaussianLVM(mean, directions, np.ones(len(directions)), 0.1,
                                  (len(mean),))
        return m.project(xx, k)

    assert checks.check_reconstruct_from_k(via_model, verbose=False)
    np.testing.assert_allclose(checks._ref_reconstruct_from_k(x, model.mean, model.directions, 3),
                               model.project(x, 3))


@pytest.mark.parametrize("wrong", [
    lambda x, mean, v, k: x @ v[:k].T @ v[:k],  # the mean is never subtracted nor added
    lambda x, mean, v, k: mean + (x - mean) @ v.T @ v,  # all directions, whatever k
    lambda x, mean, v, k: (x - mean) @ v[:k].T @ v[:k],  # the mean is not added back
    lambda x, mean, v, k: mean + (x - mean) @ v[:, :k] @ v[:, :k].T,  # columns, not rows
], ids=["no-mean", "ignores-k", "mean-not-added", "columns"])
def test_reconstruct_typical_mistakes_fail_with_hint(wrong):
    result = checks.check_reconstruct_from_k(wrong, verbose=False)
    assert result.status == "fail"
    assert "Hint" in result.message and "ROWS" in result.message and "mean" in result.message


def test_reconstruct_todo_says_not_done_yet():
    assert checks.check_reconstruct_from_k(_todo, verbose=False).status == "todo"


# ---------------------------------------------------------------- hard assignments


def _reference_hard(x, weights, means, covs):
    return np.eye(len(weights))[np.argmax(lvm.e_step(x, weights, means, covs), axis=1)]


def test_hard_assignments_reference_passes(capsys):
    assert checks.check_hard_assignments(_reference_hard)
    assert "PASS" in capsys.readouterr().out


def _no_weights(x, weights, means, covs):  # likelihood only: the prior w_j is ignored
    ll = np.stack([lvm.log_gaussian(x, m, c) for m, c in zip(means, covs, strict=True)], axis=1)
    return np.eye(len(weights))[np.argmax(ll, axis=1)]


def _nearest_mean(x, weights, means, covs):  # k-means style: covariances ignored
    d = ((np.asarray(x)[:, None, :] - np.asarray(means)[None]) ** 2).sum(axis=2)
    return np.eye(len(weights))[np.argmin(d, axis=1)]


def _labels_not_one_hot(x, weights, means, covs):
    return np.argmax(lvm.e_step(x, weights, means, covs), axis=1)


def _soft(x, weights, means, covs):  # the ordinary E-step, not hard
    return lvm.e_step(x, weights, means, covs)


@pytest.mark.parametrize("wrong", [_no_weights, _nearest_mean, _labels_not_one_hot, _soft])
def test_hard_assignments_typical_mistakes_fail_with_hint(wrong):
    result = checks.check_hard_assignments(wrong, verbose=False)
    assert result.status == "fail", wrong.__name__
    assert "Hint" in result.message and "ONE-HOT" in result.message
    assert "weight" in result.message and "covariance" in result.message


def test_hard_assignments_todo_says_not_done_yet(capsys):
    assert checks.check_hard_assignments(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out
