"""Self-checks of ``03_latent_variable_models``:
``from course_utils.checks import nb03 as checks``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats

from course_utils.checks.base import CheckResult, Mistake, run_check, show_hint, use

__all__ = ["HINTS", "CheckResult", "check_hard_assignments", "check_posterior",
           "check_reconstruct_from_k", "hint", "use"]

HINTS = {
    "posterior": "joint = prior[:, None] * likelihood (one row per z); posterior = joint / "
                 "joint.sum(axis=0, keepdims=True): every COLUMN divided by its sum over z, "
                 "the evidence p(x).",
    "reconstruct_from_k": "V = directions[:k] (the first k ROWS); return mean + (x - mean) @ "
                          "V.T @ V. With k = 0 every row is the mean.",
    "hard_assignments": "score[i, j] = log w_j + log N(x_i; mean_j, cov_j) (the log-joint), "
                        "j* = argmax over j, and return np.eye(k)[j*]: one-hot rows shaped "
                        "(n, k).",
}


def hint(name: str) -> None:
    """Print the formula behind exercise ``name`` (``03_latent_variable_models``)."""
    show_hint(HINTS, name)


# ---------------------------------------------------------------- Bayes' rule on tables


def _ref_posterior(prior, likelihood):
    prior = np.asarray(prior, dtype=float)
    likelihood = np.asarray(likelihood, dtype=float)
    out = np.empty_like(likelihood)
    for j in range(likelihood.shape[1]):  # one observation x at a time
        column = [p * lik for p, lik in zip(prior, likelihood[:, j], strict=True)]
        out[:, j] = np.array(column) / sum(column)
    return out


def _joint(p, lik):
    return np.asarray(p, dtype=float)[:, None] * np.asarray(lik, dtype=float)


POSTERIOR_MISTAKES = (
    Mistake("joint", _joint,
            "your columns do not sum to 1: you returned the joint p(z, x), which is not yet "
            "normalised"),
    Mistake("rows", lambda p, lik: _joint(p, lik) / _joint(p, lik).sum(axis=1, keepdims=True),
            "your ROWS sum to 1, but each column (one value of x) must: you normalised over x "
            "instead of over z"),
    Mistake("no_prior", lambda p, lik: np.asarray(lik) / np.asarray(lik).sum(axis=0),
            "your answer does not use the prior: a rare cause must stay less likely"),
    Mistake("transposed", lambda p, lik: _ref_posterior(p, lik).T,
            "your answer is indexed [x, z]: the tables of this notebook are indexed [z, x]"),
    Mistake("likelihood", lambda p, lik: np.asarray(lik, dtype=float),
            "you returned the likelihood p(x | z) unchanged: the posterior turns it around"),
)


def check_posterior(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``03_latent_variable_models``): Bayes' rule on tables, ``posterior[z, x] =
    p(z | x)`` from ``prior[z] = p(z)`` and ``likelihood[z, x] = p(x | z)``."""
    rng = np.random.default_rng(30)
    cases = [
        (rng.dirichlet(np.ones(3) * 0.7), rng.dirichlet(np.ones(4), size=3)),
        (np.array([0.9, 0.1]), np.array([[0.2, 0.8], [0.9, 0.1]])),
        (np.array([0.0, 0.6, 0.4]), rng.dirichlet(np.ones(3), size=3)),
        (rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(7) * 0.5, size=5)),
    ]
    notes = ["3 causes, 4 observations", "a rare cause", "an impossible cause",
             "5 causes, 7 observations"]
    return run_check("posterior", student_fn, _ref_posterior, cases,
                     mistakes=POSTERIOR_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- reconstruction from k factors


def _ref_reconstruct_from_k(x, mean, directions, k):
    x = np.asarray(x, dtype=float)
    mean = np.asarray(mean, dtype=float)
    out = np.tile(mean, (len(x), 1))
    for d in np.asarray(directions, dtype=float)[:k]:  # add back one factor at a time
        out += np.outer((x - mean) @ d, d)
    return out


RECONSTRUCT_MISTAKES = (
    Mistake("no_mean", lambda x, m, v, k: x @ v[:k].T @ v[:k],
            "you never took the mean out (nor put it back): the directions describe the data "
            "around its mean"),
    Mistake("mean_not_added", lambda x, m, v, k: (x - m) @ v[:k].T @ v[:k],
            "the mean is missing from your reconstruction: you took it out but never added it "
            "back"),
    Mistake("mean_not_removed", lambda x, m, v, k: m + x @ v[:k].T @ v[:k],
            "you added the mean back but never took it out first"),
    Mistake("ignores_k", lambda x, m, v, k: m + (x - m) @ v.T @ v,
            "your answer does not depend on k: you used every direction"),
    Mistake("columns", lambda x, m, v, k: m + (x - m) @ v[:, :k] @ v[:, :k].T,
            "you took the first k columns of directions: each direction is a row"),
    Mistake("codes_only", lambda x, m, v, k: (x - m) @ v[:k].T,
            "you returned the k factor values of each row, shaped (n, k): they still have to be "
            "mapped back to the data space"),
)


def check_reconstruct_from_k(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``03_latent_variable_models``): reconstruct rows of ``x`` from the first ``k``
    of the orthonormal ``directions`` (K, d) around ``mean`` (d,)."""
    rng = np.random.default_rng(31)
    basis = np.linalg.qr(rng.standard_normal((6, 6)))[0].T  # orthonormal rows
    mean = rng.normal(0.5, 0.2, 6)
    x = rng.normal(0.5, 0.3, (5, 6))
    cases = [
        (x, mean, basis[:4], 2),
        (x, mean, basis[:4], 4),
        (x, mean, basis, 6),
        (x, mean, basis[:4], 0),
        (rng.random((3, 6)), np.zeros(6), basis[:3], 1),
    ]
    notes = ["2 of 4 directions", "all 4 directions", "a complete basis: exact",
             "no direction at all: every row becomes the mean", "a zero mean"]
    return run_check("reconstruct_from_k", student_fn, _ref_reconstruct_from_k, cases,
                     mistakes=RECONSTRUCT_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- hard assignments


def _log_joint(x, weights, means, covs, use_weights=True, normalised=True):
    """log w_j + log N(x_i; mean_j, cov_j) for every point and component, shape (n, k)."""
    cols = []
    for w, m, c in zip(weights, means, covs, strict=True):
        if normalised:
            log_pdf = stats.multivariate_normal(mean=m, cov=c).logpdf(x)
        else:  # the exponent only: each Gaussian's normalising constant left out
            d = np.asarray(x, dtype=float) - m
            log_pdf = -0.5 * np.sum(d * np.linalg.solve(c, d.T).T, axis=1)
        cols.append(np.atleast_1d(log_pdf) + (np.log(w) if use_weights else 0.0))
    return np.stack(cols, axis=1)


def _one_hot(index, k):
    return np.eye(k)[index]


def _ref_hard_assignments(x, weights, means, covs):
    return _one_hot(np.argmax(_log_joint(x, weights, means, covs), axis=1), len(weights))


def _soft(x, w, m, c):
    lj = _log_joint(x, w, m, c)
    e = np.exp(lj - lj.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


HARD_MISTAKES = (
    Mistake("no_weights",
            lambda x, w, m, c: _one_hot(np.argmax(_log_joint(x, w, m, c, use_weights=False), 1),
                                        len(w)),
            "your assignments ignore the component weights: a rare component must win fewer "
            "points"),
    Mistake("nearest_mean",
            lambda x, w, m, c: _one_hot(np.argmin(((x[:, None] - m[None]) ** 2).sum(-1), 1),
                                        len(w)),
            "you gave each point to the nearest mean: the covariances (and the weights) count "
            "too"),
    Mistake("no_normaliser",
            lambda x, w, m, c: _one_hot(np.argmax(_log_joint(x, w, m, c, normalised=False), 1),
                                        len(w)),
            "your scores leave out each Gaussian's normalising constant, which depends on its "
            "covariance: a broad component then wins too many points"),
    Mistake("least_probable",
            lambda x, w, m, c: _one_hot(np.argmin(_log_joint(x, w, m, c), 1), len(w)),
            "you gave each point to its LEAST probable component"),
    Mistake("labels", lambda x, w, m, c: np.argmax(_log_joint(x, w, m, c), axis=1),
            "you returned component numbers, shaped (n,): the answer is one-hot rows shaped "
            "(n, k), like the responsibilities"),
    Mistake("soft", _soft,
            "you returned soft responsibilities: each row must be all zeros except a single 1"),
)


def check_hard_assignments(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``03_latent_variable_models``): one-hot "hard" responsibilities, each point
    given wholly to its most probable component, shaped (n, k)."""
    rng = np.random.default_rng(32)
    eye = np.eye(2)
    means3 = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    covs3 = np.array([eye, 0.5 * eye, 2 * eye])
    z = rng.choice(3, size=40, p=[0.5, 0.3, 0.2])
    x3 = means3[z] + np.einsum("nij,nj->ni", np.linalg.cholesky(covs3)[z],
                               rng.standard_normal((40, 2)))
    cases = [
        (x3, np.array([0.5, 0.3, 0.2]), means3, covs3),
        (rng.normal(0, 1, (30, 2)), np.array([0.95, 0.05]), np.array([[0.0, 0.0], [0.6, 0.0]]),
         np.array([eye, eye])),
        (rng.normal(0, 2, (30, 2)), np.array([0.5, 0.5]), np.array([[0.0, 0.0], [0.5, 0.0]]),
         np.array([0.1 * eye, 4 * eye])),
        (rng.normal(0, 1, (20, 1)), np.array([0.3, 0.7]), np.array([[-1.0], [1.0]]),
         np.array([[[0.5]], [[1.0]]])),
    ]
    notes = ["three separated components", "two identical shapes, one far more common",
             "a narrow and a broad component at nearby means", "1-D data"]
    return run_check("hard_assignments", student_fn, _ref_hard_assignments, cases,
                     mistakes=HARD_MISTAKES, notes=notes, verbose=verbose)
