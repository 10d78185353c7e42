"""Exercise self-checks (introduced in ``00_start_here``).

A check calls the student's function and a reference on random and edge-case inputs and
prints ``PASS``, ``FAIL`` with what differed and a hint, or ``not done yet`` when the
function still raises ``NotImplementedError`` (the form every unfinished exercise has).
Checks return ``True``/``False`` so tests can use them too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class CheckResult:
    """What a check found: ``status`` is ``"pass"``, ``"fail"`` or ``"todo"``."""

    name: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == "pass"

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, {self.status!r})"


def _describe(value) -> str:
    arr = np.asarray(value)
    if arr.size <= 6:
        return np.array2string(arr, precision=4, separator=", ")
    return f"array shape {arr.shape}, mean {arr.astype(float).mean():.4g}"


def compare_outputs(got, want, rtol: float = 1e-4, atol: float = 1e-5) -> str | None:
    """``None`` when ``got`` matches ``want``; otherwise a sentence saying what differed."""
    if got is None:
        return "your function returned None: did you forget `return`?"
    if isinstance(want, tuple):
        if not isinstance(got, tuple | list) or len(got) != len(want):
            return f"expected a tuple of {len(want)} values, got {type(got).__name__}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            why = compare_outputs(g, w, rtol, atol)
            if why:
                return f"output {i}: {why}"
        return None
    g = np.asarray(got, dtype=float)
    w = np.asarray(want, dtype=float)
    if g.shape != w.shape:
        return f"shape {g.shape} but expected {w.shape}"
    if not np.all(np.isfinite(g)) and np.all(np.isfinite(w)):
        return "your output contains NaN or inf"
    if not np.allclose(g, w, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(g - w)), g.shape) if g.ndim else ()
        return (f"values differ: got {_describe(g)}, expected {_describe(w)}"
                + (f" (largest gap at index {tuple(int(i) for i in worst)})" if g.ndim else ""))
    return None


def run_check(
    name: str,
    student_fn: Callable,
    reference_fn: Callable,
    cases: Iterable[Sequence],
    hint: str,
    rtol: float = 1e-4,
    atol: float = 1e-5,
    verbose: bool = True,
) -> CheckResult:
    """Compare ``student_fn(*case)`` with ``reference_fn(*case)`` for every case."""
    result = None
    for i, case in enumerate(cases):
        try:
            got = student_fn(*case)
        except NotImplementedError:
            result = CheckResult(name, "todo", f"{name}: not done yet - fill in the TODO, "
                                 "then run this cell again.")
            break
        except Exception as exc:  # noqa: BLE001 - report the student's error, don't crash
            result = CheckResult(name, "fail", f"{name}: FAIL - your function raised "
                                 f"{type(exc).__name__}: {exc} (test case {i + 1}).\n"
                                 f"Hint: {hint}")
            break
        why = compare_outputs(got, reference_fn(*case), rtol, atol)
        if why:
            result = CheckResult(name, "fail", f"{name}: FAIL on test case {i + 1} - {why}.\n"
                                 f"Hint: {hint}")
            break
    if result is None:
        result = CheckResult(name, "pass", f"{name}: PASS - well done.")
    if verbose:
        print(result.message)
    return result


# ---------------------------------------------------------------- 00_start_here


def _ref_scale_pixels(images):
    return np.asarray(images, dtype="float32") / 255.0


def check_scale_pixels(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise 0 (``00_start_here``): map uint8 pixels in [0, 255] to floats in [0, 1]."""
    rng = np.random.default_rng(0)
    cases = [
        (rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8),),
        (np.array([[0, 255]], dtype=np.uint8),),
        (np.zeros((1, 28, 28), dtype=np.uint8),),
    ]
    return run_check("scale_pixels", student_fn, _ref_scale_pixels, cases,
                     hint="divide by 255.0 (a float), so that 255 becomes exactly 1.0 and "
                          "integer division never happens.", verbose=verbose)


# ---------------------------------------------------------------- 01_supervised_vs_unsupervised


def _ref_purity(y_true, clusters):
    y_true, clusters = np.asarray(y_true), np.asarray(clusters)
    hits = sum(np.unique(y_true[clusters == c], return_counts=True)[1].max()
               for c in np.unique(clusters))
    return hits / len(y_true)


def check_purity(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``01_supervised_vs_unsupervised``): purity of a clustering w.r.t. labels."""
    rng = np.random.default_rng(1)
    y = rng.integers(0, 10, 300)
    big_and_small = (np.array([0] * 90 + [1] * 10 + [2] * 5 + [3] * 5),  # cluster sizes differ
                     np.array([0] * 60 + [1] * 30 + [1] * 10 + [0] * 5 + [0] * 5))
    cases = [
        (y, (y + rng.integers(0, 2, 300)) % 7),  # a noisy clustering with fewer clusters
        big_and_small,
        (y, (y * 3 + 1) % 10),  # the classes under other cluster numbers: purity 1
        (y, np.zeros(300, dtype=int)),  # one cluster: the share of the biggest class
        (np.array([4, 4, 2, 2, 2]), np.array([7, 3, 3, 3, 7])),
    ]
    return run_check("purity", student_fn, _ref_purity, cases,
                     hint="for each cluster count how many members share its most common label "
                          "(np.unique(..., return_counts=True)), add these counts over all "
                          "clusters and divide by the total number of examples. Cluster ids are "
                          "arbitrary: never compare them with labels directly, and weight each "
                          "cluster by its size.", verbose=verbose)


def _ref_rule_metrics(baskets, antecedent, consequent):
    b = np.asarray(baskets, dtype=bool)
    has_a = b[:, list(antecedent)].all(axis=1)
    has_c = b[:, list(consequent)].all(axis=1)
    support = np.mean(has_a & has_c)
    confidence = support / np.mean(has_a)
    return support, confidence, confidence / np.mean(has_c)


def check_rule_metrics(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``01_supervised_vs_unsupervised``): support, confidence and lift of a rule."""
    rng = np.random.default_rng(2)
    b = rng.random((500, 6)) < 0.35
    b[:, 1] |= b[:, 0] & (rng.random(500) < 0.8)  # item 0 -> item 1 planted
    tiny = np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1], [0, 1, 0]], dtype=bool)
    cases = [
        (b, [0], [1]),
        (b, [1], [0]),
        (b, [0, 2], [1]),
        (b, [3], [4, 5]),
        (tiny, [0], [1]),  # support 2/4, confidence 2/3, lift (2/3)/(3/4)
    ]
    return run_check("rule_metrics", student_fn, _ref_rule_metrics, cases,
                     hint="a basket supports a rule when it holds every antecedent AND every "
                          "consequent: support = P(A and C); confidence = support / P(A); "
                          "lift = confidence / P(C). Return the tuple (support, confidence, lift).",
                     verbose=verbose)


def _ref_mahalanobis_sq(x, mean, cov):
    diff = np.atleast_2d(np.asarray(x, dtype=float)) - np.asarray(mean, dtype=float)
    return np.sum(diff @ np.linalg.inv(np.asarray(cov, dtype=float)) * diff, axis=1)


def check_mahalanobis_sq(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``01_supervised_vs_unsupervised``): squared Mahalanobis distance per row."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 4))
    cov = a @ a.T + 0.5 * np.eye(4)
    cases = [
        (rng.standard_normal((20, 4)), rng.standard_normal(4), cov),
        (rng.standard_normal((5, 3)), np.zeros(3), np.eye(3)),  # plain squared length
        (np.array([[2.0, 0.0], [0.0, 3.0]]), np.zeros(2), np.diag([4.0, 9.0])),  # both 1.0
        (np.array([[1.0, 1.0]]), np.array([1.0, 1.0]), np.array([[2.0, 0.5], [0.5, 1.0]])),
    ]
    return run_check("mahalanobis_sq", student_fn, _ref_mahalanobis_sq, cases,
                     hint="subtract the mean from every row, multiply by the INVERSE covariance "
                          "(np.linalg.inv or np.linalg.solve) and take each row's dot product with "
                          "its own difference: one number per row, squared (no square root).",
                     verbose=verbose)


# ---------------------------------------------------------------- 02_generative_modeling


def _ref_apply_temperature(probs, temperature):
    p = np.asarray(probs, dtype=float) ** (1.0 / temperature)
    return p / p.sum()


def check_apply_temperature(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``02_generative_modeling``): sharpen or flatten a next-word distribution,
    ``p_i ** (1 / T)`` renormalised to sum to one."""
    rng = np.random.default_rng(20)
    cases = [
        (rng.dirichlet(np.ones(6)), 1.0),
        (rng.dirichlet(np.ones(6)), 0.5),
        (rng.dirichlet(np.ones(12)), 2.0),
        (np.array([0.7, 0.2, 0.1]), 0.25),
        (np.array([0.5, 0.3, 0.2]), 4.0),
    ]
    return run_check("apply_temperature", student_fn, _ref_apply_temperature, cases,
                     hint="raise every probability to the power 1 / temperature (not "
                          "temperature), then divide by the sum so the result sums to one. "
                          "A temperature below 1 must make the most likely word even likelier.",
                     verbose=verbose)


def _ref_gaussian_log_likelihood(x, mean, std):
    x = np.asarray(x, dtype=float)
    return float(np.mean(-0.5 * np.log(2 * np.pi) - np.log(std) - 0.5 * ((x - mean) / std) ** 2))


def check_gaussian_log_likelihood(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``02_generative_modeling``): average log-density of 1-D data under
    N(mean, std**2), in nats per example."""
    rng = np.random.default_rng(21)
    cases = [
        (rng.normal(0.0, 1.0, 50), 0.0, 1.0),
        (rng.normal(2.0, 3.0, 40), 1.5, 2.5),
        (rng.normal(-1.0, 0.2, 30), -1.0, 0.3),
        (np.array([4.0]), 4.0, 0.5),
    ]
    return run_check("gaussian_log_likelihood", student_fn, _ref_gaussian_log_likelihood, cases,
                     hint="log N(x; m, s^2) = -0.5 log(2 pi) - log(s) - (x - m)^2 / (2 s^2); "
                          "compute it for every x, then take the MEAN (not the sum). Careful: "
                          "std is s, the variance is s^2.", verbose=verbose)


def _ref_histogram_log_density(x, edges, counts):
    x = np.asarray(x, dtype=float)
    edges = np.asarray(edges, dtype=float)
    counts = np.asarray(counts, dtype=float)
    density = counts / (counts.sum() * np.diff(edges))
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(counts) - 1)
    return np.log(density[idx])


def check_histogram_log_density(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``02_generative_modeling``): the log-density of points under a histogram,
    ``log(count of the point's bin / (total count * bin width))``."""
    rng = np.random.default_rng(22)
    cases = [
        (rng.uniform(0.0, 4.0, 20), np.linspace(0.0, 4.0, 5), np.array([3.0, 5.0, 8.0, 4.0])),
        (rng.uniform(-1.0, 1.0, 15), np.linspace(-1.0, 1.0, 9), rng.integers(1, 20, 8)),
        (np.array([0.1, 0.6, 2.9]), np.array([0.0, 0.5, 1.0, 3.0]), np.array([2.0, 6.0, 2.0])),
        (np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.5, 1.0]), np.array([1.0, 3.0])),
    ]
    return run_check("histogram_log_density", student_fn, _ref_histogram_log_density, cases,
                     hint="find each point's bin (np.searchsorted(edges, x, side='right') - 1; a "
                          "point on the last edge belongs to the last bin), then density = count "
                          "/ (total count * bin width): dividing by the width is what turns a "
                          "probability into a density. Return the log.", verbose=verbose)


# ---------------------------------------------------------------- 03_latent_variable_models


def _ref_posterior(prior, likelihood):
    from course_utils import lvm

    return lvm.posterior(prior, likelihood)


def check_posterior(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``03_latent_variable_models``): Bayes' rule on tables, ``posterior[z, x] =
    p(z | x)`` from ``prior[z] = p(z)`` and ``likelihood[z, x] = p(x | z)``."""
    rng = np.random.default_rng(30)
    cases = [
        (rng.dirichlet(np.ones(3) * 0.7), rng.dirichlet(np.ones(4), size=3)),
        (np.array([0.9, 0.1]), np.array([[0.2, 0.8], [0.9, 0.1]])),  # a rare cause
        (np.array([0.0, 0.6, 0.4]), rng.dirichlet(np.ones(3), size=3)),  # an impossible z
        (rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(7) * 0.5, size=5)),
    ]
    return run_check("posterior", student_fn, _ref_posterior, cases,
                     hint="first the joint p(z, x) = p(z) p(x | z), i.e. prior[:, None] * "
                          "likelihood (one row per z); then divide every COLUMN by its sum over "
                          "z, which is the evidence p(x). Each column of the answer must sum to "
                          "1, and the prior must appear in it.", verbose=verbose)


def _ref_reconstruct_from_k(x, mean, directions, k):
    v = np.asarray(directions, dtype=float)[:k]
    return mean + (np.asarray(x, dtype=float) - mean) @ v.T @ v


def check_reconstruct_from_k(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``03_latent_variable_models``): reconstruct rows of ``x`` from the first ``k``
    of the orthonormal ``directions`` (K, d) around ``mean`` (d,)."""
    rng = np.random.default_rng(31)
    basis = np.linalg.qr(rng.standard_normal((6, 6)))[0].T  # orthonormal rows
    mean = rng.normal(0.5, 0.2, 6)
    x = rng.normal(0.5, 0.3, (5, 6))
    cases = [
        (x, mean, basis[:4], 2),
        (x, mean, basis[:4], 4),  # all directions kept
        (x, mean, basis, 6),  # a complete basis: exact reconstruction
        (x, mean, basis[:4], 0),  # no factor at all: every row becomes the mean
        (rng.random((3, 6)), np.zeros(6), basis[:3], 1),
    ]
    return run_check("reconstruct_from_k", student_fn, _ref_reconstruct_from_k, cases,
                     hint="keep the first k ROWS of directions (V = directions[:k]); subtract the "
                          "mean, take the factor values (x - mean) @ V.T, map them back with "
                          "@ V and add the mean again. With k = 0 every row is the mean.",
                     verbose=verbose)


def _ref_hard_assignments(x, weights, means, covs):
    from course_utils import lvm

    joint = lvm.log_joint(x, weights, means, covs)
    return np.eye(joint.shape[1])[np.argmax(joint, axis=1)]


def check_hard_assignments(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``03_latent_variable_models``): one-hot "hard" responsibilities, each point
    given wholly to its most probable component, shaped (n, k)."""
    from course_utils import lvm

    rng = np.random.default_rng(32)
    eye = np.eye(2)
    x3, _ = lvm.sample_mixture([0.5, 0.3, 0.2], [[0, 0], [3, 0], [0, 3]],
                               [eye, 0.5 * eye, 2 * eye], 40, seed=33)
    cases = [
        (x3, np.array([0.5, 0.3, 0.2]), np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]]),
         np.array([eye, 0.5 * eye, 2 * eye])),
        # the weights matter: two identical components, one far more common
        (rng.normal(0, 1, (30, 2)), np.array([0.95, 0.05]), np.array([[0.0, 0.0], [0.6, 0.0]]),
         np.array([eye, eye])),
        # the covariances matter: a narrow and a broad component at nearby means
        (rng.normal(0, 2, (30, 2)), np.array([0.5, 0.5]), np.array([[0.0, 0.0], [0.5, 0.0]]),
         np.array([0.1 * eye, 4 * eye])),
        (rng.normal(0, 1, (20, 1)), np.array([0.3, 0.7]), np.array([[-1.0], [1.0]]),
         np.array([[[0.5]], [[1.0]]])),  # 1-D data
    ]
    return run_check("hard_assignments", student_fn, _ref_hard_assignments, cases,
                     hint="score every component with log w_j + log N(x_i; mean_j, cov_j) (the "
                          "log of the joint p(x_i, z = j): both the weight and the covariance "
                          "count, not only the distance to the mean), take the argmax over j and "
                          "return it ONE-HOT, shaped (n, k), like the responsibilities of "
                          "e_step.", verbose=verbose)


# ---------------------------------------------------------------- 04_autoencoders


def _ref_quantize_codes(codes, low, high, bits=8):
    codes = np.asarray(codes, dtype=float)
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    steps = 2 ** int(bits) - 1
    q = np.round((np.clip(codes, low, high) - low) / (high - low) * steps)
    return low + q / steps * (high - low)


def check_quantize_codes(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``04_autoencoders``): store each code number in ``bits`` bits and read it back."""
    rng = np.random.default_rng(4)
    codes = rng.normal(0.0, 2.0, size=(50, 8))
    low, high = codes.min(axis=0), codes.max(axis=0)
    outside = np.array([[-10.0, 0.0, 10.0]])  # beyond the range: must be clipped
    cases = [
        (codes, low, high, 8),
        (codes, low, high, 3),
        (rng.normal(size=(20, 4)), -1.0, 1.0, 4),  # one range for every dimension
        (outside, np.array([-1.0, -1.0, -1.0]), np.array([1.0, 1.0, 1.0]), 8),
        (np.array([[0.2, 0.3, 0.8]]), 0.0, 1.0, 1),  # 1 bit: only low or high survive
    ]
    return run_check("quantize_codes", student_fn, _ref_quantize_codes, cases,
                     hint="clip the codes to [low, high], scale them to [0, 1], multiply by the "
                          "number of steps 2**bits - 1 (not 2**bits: 8 bits give the 256 levels "
                          "0..255), ROUND to the nearest integer, then map that integer back: "
                          "low + q / (2**bits - 1) * (high - low). Return the decoded floats, "
                          "not the integers.", verbose=verbose)


def _false_alarm_rate_of(threshold_fn: Callable) -> Callable:
    """Wrap a threshold function so that it returns the false-alarm rate it achieves."""

    def rate_achieved(normal_scores, rate):
        t = threshold_fn(normal_scores, rate)
        if t is None:
            return None
        t = np.asarray(t, dtype=float)
        if t.size != 1:
            raise ValueError(f"return one number (the threshold), not an array of shape {t.shape}")
        return np.mean(np.asarray(normal_scores) >= float(t))

    return rate_achieved


def check_threshold_for_false_alarms(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``04_autoencoders``): the anomaly-score threshold at which a given fraction of
    normal examples raises an alarm (flag ``score >= threshold``)."""
    rng = np.random.default_rng(5)
    n = 400
    cases = [
        (rng.gamma(2.0, 0.01, n), 0.05),  # reconstruction errors: positive, skewed
        (rng.gamma(2.0, 0.01, n), 0.01),
        (rng.normal(0.03, 0.01, n), 0.2),
        (rng.random(n), 0.5),
        (rng.exponential(1.0, n), 0.1),
    ]
    return run_check("threshold_for_false_alarms", _false_alarm_rate_of(student_fn),
                     lambda scores, rate: rate, cases, atol=1.0 / n + 1e-9, rtol=0.0,
                     hint="only `rate` of the normal scores may lie at or above the threshold, "
                          "so take the (1 - rate) quantile of the normal scores: "
                          "np.quantile(normal_scores, 1 - rate). Mind the tail (not the `rate` "
                          "quantile) and the units (np.percentile wants 0-100).",
                     verbose=verbose)


# ---------------------------------------------------------------- 05_variational_autoencoders


def _ref_kl_two_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    mq, lq, mp, lp = (np.asarray(a, dtype=float) for a in (mean_q, log_var_q, mean_p, log_var_p))
    return 0.5 * np.sum(lp - lq + (np.exp(lq) + (mq - mp) ** 2) / np.exp(lp) - 1.0, axis=-1)


def check_kl_two_gaussians(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``05_variational_autoencoders``): KL(q || p) between two diagonal Gaussians,
    one value per example (summed over the last axis), in nats."""
    rng = np.random.default_rng(50)
    mq, lq = rng.normal(0, 1, (6, 3)), rng.normal(0, 0.7, (6, 3))
    mp, lp = rng.normal(0, 1, (6, 3)), rng.normal(0, 0.7, (6, 3))
    cases = [
        (mq, lq, mp, lp),
        (mq, lq, np.zeros((6, 3)), np.zeros((6, 3))),  # p = N(0, I): the VAE's KL term
        (mq, lq, mq, lq),  # q = p: exactly 0
        (np.array([[0.0, 0.0]]), np.log([[4.0, 0.25]]), np.array([[1.0, -1.0]]),
         np.log([[1.0, 2.0]])),  # the order matters: KL is not symmetric
        (rng.normal(0, 2, (2, 5, 4)), rng.normal(0, 1, (2, 5, 4)), rng.normal(0, 2, (2, 5, 4)),
         rng.normal(0, 1, (2, 5, 4))),  # extra leading axes: sum over the last one only
    ]
    return run_check("kl_two_gaussians", student_fn, _ref_kl_two_gaussians, cases,
                     hint="per dimension KL(q || p) = 1/2 * [log var_p - log var_q + (var_q + "
                          "(mean_q - mean_p)^2) / var_p - 1] with var = exp(log_var); q is the "
                          "first pair of arguments. Sum over the LAST axis only (one value per "
                          "example). With mean_p = 0 and log_var_p = 0 you must get "
                          "vae.kl_divergence.", verbose=verbose)


def _ref_log_normal_diag(z, mean, log_var):
    z, mean, log_var = (np.asarray(a, dtype=float) for a in (z, mean, log_var))
    return -0.5 * np.sum(np.log(2 * np.pi) + log_var + (z - mean) ** 2 / np.exp(log_var), axis=-1)


def check_log_normal_diag(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``05_variational_autoencoders``): log N(z; mean, diag(exp(log_var))), one
    value per example (summed over the last axis), in nats."""
    rng = np.random.default_rng(51)
    cases = [
        (rng.normal(0, 1, (8, 2)), rng.normal(0, 1, (8, 2)), rng.normal(0, 0.5, (8, 2))),
        (np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1))),  # -log(2 pi) / 2
        (np.array([[3.0, -1.0]]), np.array([[1.0, 1.0]]), np.log([[4.0, 0.5]])),
        (rng.normal(0, 1, (3, 10, 4)), rng.normal(0, 1, (3, 10, 4)),
         rng.normal(0, 1, (3, 10, 4))),  # many samples at once
    ]
    return run_check("log_normal_diag", student_fn, _ref_log_normal_diag, cases,
                     hint="log N(z; m, s^2) = -1/2 * [log(2 pi) + log s^2 + (z - m)^2 / s^2] per "
                          "dimension, with s^2 = exp(log_var) (the variance, not the standard "
                          "deviation); then sum over the last axis.", verbose=verbose)


def _ref_reparameterize_softplus(mean, raw_scale, eps):
    mean, raw_scale, eps = (np.asarray(a, dtype=float) for a in (mean, raw_scale, eps))
    return mean + np.logaddexp(0.0, raw_scale) * eps


def check_reparameterize_softplus(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``05_variational_autoencoders``): z = mean + softplus(raw_scale) * eps, written
    so that gradients reach ``mean`` and ``raw_scale`` (checked with ``tf.GradientTape``)."""
    rng = np.random.default_rng(52)
    f32 = np.float32
    cases = [
        (rng.normal(0, 1, (5, 2)).astype(f32), rng.normal(0, 1, (5, 2)).astype(f32),
         rng.normal(0, 1, (5, 2)).astype(f32)),
        (np.zeros((1, 3), f32), np.zeros((1, 3), f32), np.ones((1, 3), f32)),  # sigma = log 2
        (np.ones((2, 2), f32), np.full((2, 2), -3.0, f32), np.zeros((2, 2), f32)),  # eps = 0
    ]
    hint = ("sigma = softplus(raw_scale) = log(1 + exp(raw_scale)) is the standard deviation, "
            "so z = mean + sigma * eps. Use keras.ops (ops.softplus, ops.exp, ...), not NumPy, "
            "and no stop_gradient: the tape must see every operation from mean and raw_scale "
            "to z.")
    result = run_check("reparameterize_softplus", student_fn, _ref_reparameterize_softplus,
                       cases, hint=hint, rtol=1e-4, atol=1e-5, verbose=False)
    if result:
        result = _gradient_check_softplus(student_fn, hint)
    if verbose:
        print(result.message)
    return result


def _gradient_check_softplus(student_fn: Callable, hint: str) -> CheckResult:
    import tensorflow as tf

    name = "reparameterize_softplus"
    rng = np.random.default_rng(53)
    mean = tf.Variable(rng.normal(0, 1, (4, 2)).astype("float32"))
    raw = tf.Variable(rng.normal(0, 1, (4, 2)).astype("float32"))
    eps = tf.constant(rng.normal(0, 1, (4, 2)).astype("float32"))
    try:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.convert_to_tensor(student_fn(mean, raw, eps)))
        g_mean, g_raw = tape.gradient(loss, [mean, raw])
    except Exception as exc:  # noqa: BLE001 - report the student's error, don't crash
        return CheckResult(name, "fail", f"{name}: FAIL - with tf.Variable inputs your function "
                           f"raised {type(exc).__name__}: {exc}.\nHint: {hint}")
    want_raw = eps.numpy() / (1.0 + np.exp(-raw.numpy()))  # d softplus / d raw = sigmoid(raw)
    for arg, got, want in (("mean", g_mean, np.ones((4, 2))), ("raw_scale", g_raw, want_raw)):
        if got is None:
            return CheckResult(name, "fail", f"{name}: FAIL - no gradient reaches {arg}: the "
                               "computation left TensorFlow (NumPy?) or was stopped, so the "
                               f"encoder could not learn from this sample.\nHint: {hint}")
        why = compare_outputs(np.asarray(got), want, rtol=1e-4, atol=1e-5)
        if why:
            return CheckResult(name, "fail", f"{name}: FAIL - the gradient with respect to "
                               f"{arg} is wrong ({why}).\nHint: {hint}")
    return CheckResult(name, "pass", f"{name}: PASS - well done (values and gradients).")


# ---------------------------------------------------------------- 06_generative_adversarial_networks


def _ref_d_loss_from_probs(d_real, d_fake):
    d_real = np.asarray(d_real, dtype=float)
    d_fake = np.asarray(d_fake, dtype=float)
    return -np.mean(np.log(d_real)) - np.mean(np.log(1.0 - d_fake))


def check_d_loss_from_probs(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``06_generative_adversarial_networks``): the discriminator's loss from its
    probabilities ``D(x)`` on real samples and ``D(G(z))`` on generated ones."""
    rng = np.random.default_rng(60)
    cases = [
        (rng.uniform(0.05, 0.95, 16), rng.uniform(0.05, 0.95, 16)),
        (np.array([0.5]), np.array([0.5])),  # D knows nothing: 2 ln 2
        (np.array([0.9, 0.8]), np.array([0.1, 0.3, 0.2, 0.4])),  # batches of different sizes
        (np.array([0.99]), np.array([0.01])),  # confident and right: close to 0
        (np.array([0.2]), np.array([0.9])),  # confident and wrong: large
    ]
    return run_check("d_loss_from_probs", student_fn, _ref_d_loss_from_probs, cases,
                     hint="D is the probability that a sample is real, so the discriminator "
                          "wants D(x) near 1 and D(G(z)) near 0: loss = -mean(log D(x)) - "
                          "mean(log(1 - D(G(z)))), each mean over its own batch (the two "
                          "batches may differ in size), natural logarithm. With D = 0.5 "
                          "everywhere the loss is 2 ln 2 = 1.386.", verbose=verbose)


def _ref_optimal_discriminator(p_data, p_model):
    p_data = np.asarray(p_data, dtype=float)
    p_model = np.asarray(p_model, dtype=float)
    return p_data / (p_data + p_model)


def check_optimal_discriminator(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``06``): the best discriminator for a fixed generator,
    ``D*(x) = p_data(x) / (p_data(x) + p_model(x))``, evaluated pointwise."""
    rng = np.random.default_rng(61)
    cases = [
        (rng.uniform(0.01, 2.0, 10), rng.uniform(0.01, 2.0, 10)),
        (np.full(4, 0.3), np.full(4, 0.3)),  # the generator matches the data: 1/2 everywhere
        (np.array([1.0, 1e-6]), np.array([1e-6, 1.0])),  # only data / only model
        (rng.uniform(0.01, 1.0, (5, 5)), rng.uniform(0.01, 1.0, (5, 5))),  # a grid of densities
    ]
    return run_check("optimal_discriminator", student_fn, _ref_optimal_discriminator, cases,
                     hint="D*(x) is the probability that x came from the data when data and "
                          "generated samples are equally frequent: p_data / (p_data + "
                          "p_model), element by element. Where p_model = p_data it is 0.5; "
                          "where only the data has mass it is 1.", verbose=verbose)


def _ref_js_divergence(p, q):
    from course_utils import gan

    return gan.js_divergence(p, q)


def check_js_divergence(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``06``): Jensen-Shannon divergence (nats) of two histograms."""
    rng = np.random.default_rng(62)
    p = rng.uniform(0, 1, 12)
    cases = [
        (p / p.sum(), p / p.sum()),  # identical: 0
        (np.array([1.0, 0.0]), np.array([0.0, 1.0])),  # disjoint: ln 2
        (rng.integers(0, 20, 30).astype(float), rng.integers(1, 20, 30).astype(float)),  # counts
        (np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.5, 0.5, 0.0])),  # empty cells
        (rng.uniform(0, 1, (4, 6)), rng.uniform(0, 1, (4, 6))),  # 2-D histograms
    ]
    return run_check("js_divergence", student_fn, _ref_js_divergence, cases,
                     hint="normalise both histograms to sum to 1 first (they may be counts), "
                          "let m = (p + q) / 2 and return KL(p || m) / 2 + KL(q || m) / 2 with "
                          "the natural logarithm, where cells with p = 0 add nothing to "
                          "KL(p || m). Disjoint histograms give ln 2 = 0.693; a 2-D histogram "
                          "is just a histogram with more cells.", verbose=verbose)


def _ref_masked_mse(generated, target, mask):
    generated = np.asarray(generated, dtype=float)
    target = np.asarray(target, dtype=float)
    mask = np.broadcast_to(np.asarray(mask, dtype=float), generated.shape)
    axes = tuple(range(1, generated.ndim))
    return np.sum(mask * (generated - target) ** 2, axis=axes) / np.sum(mask, axis=axes)


def check_masked_mse(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``06``): mean squared error over the visible pixels only, one value per
    image (the objective of image completion by latent search)."""
    rng = np.random.default_rng(63)
    half = np.ones((28, 28))
    half[14:] = 0.0
    target = rng.uniform(0, 1, (3, 28, 28))
    differs_below = target.copy()
    differs_below[:, 14:] = 1.0 - differs_below[:, 14:]
    cases = [
        (rng.uniform(0, 1, (3, 28, 28)), target, half),
        (rng.uniform(0, 1, (2, 28, 28)), rng.uniform(0, 1, (2, 28, 28)), np.ones((28, 28))),
        (differs_below, target, half),  # differences only where hidden: 0
        (rng.uniform(0, 1, (4, 28, 28)), rng.uniform(0, 1, (4, 28, 28)),
         (rng.uniform(0, 1, (28, 28)) > 0.7).astype(float)),  # scattered visible pixels
    ]
    return run_check("masked_mse", student_fn, _ref_masked_mse, cases,
                     hint="square the differences, multiply by the mask (1 = visible) so the "
                          "hidden pixels count for nothing, sum over each image's pixels and "
                          "divide by the number of VISIBLE pixels (mask.sum()), not by 784. "
                          "Return one value per image, shape (n,).", verbose=verbose)
