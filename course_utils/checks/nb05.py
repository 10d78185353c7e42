"""Self-checks of ``05_variational_autoencoders``:
``from course_utils.checks import nb05 as checks``.

The core exercises of notebook 05 (reparameterization, the VAE loss) add their checks here and
continue with :func:`use`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import stats

from course_utils.checks.base import (
    CheckResult,
    Mistake,
    compare_outputs,
    fail_result,
    run_check,
    show_hint,
    use,
)

__all__ = ["HINTS", "CheckResult", "check_kl_divergence", "check_kl_two_gaussians",
           "check_log_normal_diag", "check_reconstruction_loss", "check_reparameterize",
           "check_reparameterize_softplus", "hint", "use"]

HINTS = {
    "kl_two_gaussians": "per dimension KL(q || p) = 1/2 * [log var_p - log var_q + (var_q + "
                        "(mean_q - mean_p)^2) / var_p - 1] with var = exp(log_var); q is the "
                        "first pair of arguments; sum over the LAST axis only.",
    "log_normal_diag": "log N(z; m, s^2) = -1/2 * [log(2 pi) + log_var + (z - m)^2 / "
                       "exp(log_var)] per dimension (s^2 = exp(log_var) is the variance); then "
                       "sum over the last axis.",
    "reparameterize_softplus": "z = mean + ops.softplus(raw_scale) * eps, written with keras.ops "
                               "(not NumPy) and without stop_gradient, so the tape sees every "
                               "operation from mean and raw_scale to z.",
}


def hint(name: str) -> None:
    """Print the formula behind exercise ``name`` (``05_variational_autoencoders``)."""
    show_hint(HINTS, name)


def _floats(*arrays):
    return tuple(np.asarray(a, dtype=float) for a in arrays)


# ---------------------------------------------------------------- KL of two Gaussians


def _ref_kl_two_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    mq, lq, mp, lp = _floats(mean_q, log_var_q, mean_p, log_var_p)
    sd_q, sd_p = np.exp(0.5 * lq), np.exp(0.5 * lp)  # written with standard deviations
    per_dim = np.log(sd_p / sd_q) + (sd_q**2 + (mq - mp) ** 2) / (2.0 * sd_p**2) - 0.5
    return per_dim.sum(axis=-1)


def _kl_variant(half=0.5, var=np.exp, minus_one=1.0, reduce=lambda a: a.sum(axis=-1)):
    def kl(mq, lq, mp, lp):
        mq, lq, mp, lp = _floats(mq, lq, mp, lp)
        log_ratio = np.log(var(lp) / var(lq))
        return reduce(half * (log_ratio + (var(lq) + (mq - mp) ** 2) / var(lp) - minus_one))

    return kl


def _std_not_var(a):
    return np.exp(0.5 * a)


KL_MISTAKES = (
    Mistake("sign", lambda *a: -_ref_kl_two_gaussians(*a),
            "your values are the negatives of the right ones: look at the sign (a KL divergence "
            "is never negative)"),
    Mistake("no_half", _kl_variant(half=1.0),
            "your values are exactly twice the right ones: a factor 1/2 is missing"),
    Mistake("swapped", lambda mq, lq, mp, lp: _ref_kl_two_gaussians(mp, lp, mq, lq),
            "you computed KL(p || q): the divergence is not symmetric, and q is the first pair "
            "of arguments"),
    Mistake("std_for_variance", _kl_variant(var=_std_not_var),
            "you used the standard deviation exp(log_var / 2) where the variance belongs"),
    Mistake("log_var_as_variance",
            lambda mq, lq, mp, lp: 0.5 * np.sum(lp - lq + (lq + (mq - mp) ** 2) / lp - 1.0,
                                                axis=-1),
            "you used log_var as if it were the variance (in the ratio term): it is its "
            "logarithm"),
    Mistake("no_minus_one", _kl_variant(minus_one=0.0),
            "with q equal to p your KL is not 0: a constant term is missing"),
    Mistake("sum_everything", _kl_variant(reduce=np.sum),
            "you summed over every axis: one value per example is wanted"),
    Mistake("no_sum", _kl_variant(reduce=lambda a: a),
            "you returned one value per dimension: the KL of a diagonal Gaussian adds up its "
            "dimensions (over the last axis)"),
    Mistake("mean_over_dims", _kl_variant(reduce=lambda a: a.mean(axis=-1)),
            "you averaged over the dimensions: they add up"),
)


def check_kl_two_gaussians(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``05_variational_autoencoders``): KL(q || p) between two diagonal Gaussians,
    one value per example (summed over the last axis), in nats."""
    rng = np.random.default_rng(50)
    mq, lq = rng.normal(0, 1, (6, 3)), rng.normal(0, 0.7, (6, 3))
    mp, lp = rng.normal(0, 1, (6, 3)), rng.normal(0, 0.7, (6, 3))
    cases = [
        (mq, lq, mp, lp),
        (mq, lq, np.zeros((6, 3)), np.zeros((6, 3))),
        (mq, lq, mq, lq),
        (np.array([[0.0, 0.0]]), np.log([[4.0, 0.25]]), np.array([[1.0, -1.0]]),
         np.log([[1.0, 2.0]])),
        (rng.normal(0, 2, (2, 5, 4)), rng.normal(0, 1, (2, 5, 4)), rng.normal(0, 2, (2, 5, 4)),
         rng.normal(0, 1, (2, 5, 4))),
    ]
    notes = ["two random Gaussians", "p = N(0, I), the VAE's KL term", "q = p: exactly 0",
             "the order matters", "extra leading axes"]
    return run_check("kl_two_gaussians", student_fn, _ref_kl_two_gaussians, cases,
                     mistakes=KL_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- diagonal Gaussian log-density


def _ref_log_normal_diag(z, mean, log_var):
    z, mean, log_var = _floats(z, mean, log_var)
    return stats.norm(loc=mean, scale=np.exp(0.5 * log_var)).logpdf(z).sum(axis=-1)


def _lognormal_variant(const=True, scale=np.exp, log_var_weight=1.0, half=-0.5,
                       reduce=lambda a: a.sum(axis=-1)):
    def log_normal(z, m, lv):
        z, m, lv = _floats(z, m, lv)
        c = math.log(2 * math.pi) if const else 0.0
        return reduce(half * (c + log_var_weight * lv + (z - m) ** 2 / scale(lv)))

    return log_normal


LOG_NORMAL_MISTAKES = (
    Mistake("sign", lambda *a: -_ref_log_normal_diag(*a),
            "your values are the negatives of the right ones: look at the sign"),
    Mistake("no_half", _lognormal_variant(half=-1.0),
            "your values are exactly twice the right ones: a factor 1/2 is missing"),
    Mistake("no_2pi", _lognormal_variant(const=False),
            "your values are too high by the same amount in every dimension: the normalising "
            "constant with pi is missing"),
    Mistake("std_for_variance", _lognormal_variant(scale=_std_not_var),
            "you divided the squared distance by the standard deviation exp(log_var / 2) where "
            "the variance belongs"),
    Mistake("half_log_var", _lognormal_variant(log_var_weight=0.5),
            "your normalising term uses the log of the standard deviation where the log of the "
            "variance belongs"),
    Mistake("sum_everything", _lognormal_variant(reduce=np.sum),
            "you summed over every axis: one value per example (or per sample) is wanted"),
    Mistake("no_sum", _lognormal_variant(reduce=lambda a: a),
            "you returned one value per dimension: the log-densities of the dimensions add up "
            "(over the last axis)"),
)


def check_log_normal_diag(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``05_variational_autoencoders``): log N(z; mean, diag(exp(log_var))), one
    value per example (summed over the last axis), in nats."""
    rng = np.random.default_rng(51)
    cases = [
        (rng.normal(0, 1, (8, 2)), rng.normal(0, 1, (8, 2)), rng.normal(0, 0.5, (8, 2))),
        (np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1))),
        (np.array([[3.0, -1.0]]), np.array([[1.0, 1.0]]), np.log([[4.0, 0.5]])),
        (rng.normal(0, 1, (3, 10, 4)), rng.normal(0, 1, (3, 10, 4)),
         rng.normal(0, 1, (3, 10, 4))),
    ]
    notes = ["random 2-D Gaussians", "the standard normal at its mean", "unequal variances",
             "many samples at once"]
    return run_check("log_normal_diag", student_fn, _ref_log_normal_diag, cases,
                     mistakes=LOG_NORMAL_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- reparameterization (softplus)


def _softplus(a):
    return np.logaddexp(0.0, np.asarray(a, dtype=float))


def _ref_reparameterize_softplus(mean, raw_scale, eps):
    mean, raw_scale, eps = _floats(mean, raw_scale, eps)
    return mean + np.log1p(np.exp(raw_scale)) * eps


SOFTPLUS_MISTAKES = (
    Mistake("exp_scale", lambda m, r, e: np.asarray(m) + np.exp(np.asarray(r)) * e,
            "your scale is exp(raw_scale): this exercise takes the standard deviation from a "
            "softplus, which stays positive without exploding"),
    Mistake("variance_scale", lambda m, r, e: np.asarray(m) + _softplus(r) ** 2 * e,
            "you multiplied eps by the variance: eps must be scaled by the standard deviation"),
    Mistake("sqrt_scale", lambda m, r, e: np.asarray(m) + np.sqrt(_softplus(r)) * e,
            "you took a square root: softplus(raw_scale) already is the standard deviation"),
    Mistake("softplus_as_log_var",
            lambda m, r, e: np.asarray(m) + np.exp(0.5 * _softplus(r)) * e,
            "you treated softplus(raw_scale) as a log-variance: here it is the standard "
            "deviation itself"),
    Mistake("unscaled", lambda m, r, e: np.asarray(m) + np.asarray(e),
            "eps is not scaled at all"),
    Mistake("swapped", lambda m, r, e: _softplus(r) + np.asarray(m) * e,
            "mean and scale are swapped: eps is multiplied by the scale, then shifted by the "
            "mean"),
)


def check_reparameterize_softplus(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``05_variational_autoencoders``): z = mean + softplus(raw_scale) * eps, written
    so that gradients reach ``mean`` and ``raw_scale`` (checked with ``tf.GradientTape``)."""
    rng = np.random.default_rng(52)
    f32 = np.float32
    cases = [
        (rng.normal(0, 1, (5, 2)).astype(f32), rng.normal(0, 1, (5, 2)).astype(f32),
         rng.normal(0, 1, (5, 2)).astype(f32)),
        (np.zeros((1, 3), f32), np.zeros((1, 3), f32), np.ones((1, 3), f32)),
        (np.ones((2, 2), f32), np.full((2, 2), -3.0, f32), np.zeros((2, 2), f32)),
    ]
    notes = ["random values", "raw_scale 0 and eps 1", "eps 0: z is the mean"]
    result = run_check("reparameterize_softplus", student_fn, _ref_reparameterize_softplus,
                       cases, mistakes=SOFTPLUS_MISTAKES, notes=notes, verbose=False)
    if result:
        # d softplus(raw) / d raw = sigmoid(raw)
        result = _gradient_check(student_fn, "reparameterize_softplus",
                                 lambda raw, e: e / (1.0 + np.exp(-raw)), "raw_scale")
    if verbose:
        print(result.message)
    return result


# ---------------------------------------------------------------- core: the reparameterization


def _ref_reparameterize(mean, log_var, eps):
    mean, log_var, eps = _floats(mean, log_var, eps)
    return mean + np.sqrt(np.exp(log_var)) * eps  # the standard deviation is sqrt(variance)


def _reparam_variant(scale):
    def reparam(mean, log_var, eps):
        mean, log_var, eps = _floats(mean, log_var, eps)
        return mean + scale(log_var) * eps

    return reparam


REPARAM_MISTAKES = (
    Mistake("variance", _reparam_variant(np.exp),
            "you scaled the noise by the variance exp(log_var), where the standard deviation "
            "is meant: sigma is the square root of the variance"),
    Mistake("log_var_as_scale", _reparam_variant(lambda lv: lv),
            "you used log_var itself as the scale of the noise: it is a logarithm of the "
            "variance and can be negative"),
    Mistake("half_log_var", _reparam_variant(lambda lv: 0.5 * lv),
            "you scaled the noise by log_var / 2, which is log(sigma), not sigma: undo the log"),
    Mistake("no_noise", lambda m, lv, e: np.asarray(m, dtype=float) + 0.0 * np.asarray(e),
            "your z ignores eps: without the noise every draw is the mean, and the encoder's "
            "variance never matters"),
    Mistake("minus", lambda m, lv, e: np.asarray(m, float) - np.exp(0.5 * np.asarray(lv, float))
            * np.asarray(e, float),
            "you subtract the scaled noise: the recipe adds it (same distribution, but not the "
            "same z for this eps)"),
)
HINTS["reparameterize"] = ("z = mean + ops.exp(0.5 * log_var) * eps: exp(log_var / 2) is the "
                           "standard deviation sigma; write it with keras.ops so gradients flow.")


def check_reparameterize(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Core exercise (``05_variational_autoencoders``): z = mean + exp(log_var / 2) * eps, with
    gradients reaching ``mean`` and ``log_var``. Continue with ``result.use(student_fn,
    vae.reparameterize)``."""
    rng = np.random.default_rng(54)
    f32 = np.float32
    cases = [(rng.normal(0, 1, (6, 2)).astype(f32), rng.normal(0, 1, (6, 2)).astype(f32),
              rng.normal(0, 1, (6, 2)).astype(f32)),
             (np.zeros((1, 3), f32), np.full((1, 3), np.log(4.0), f32), np.ones((1, 3), f32)),
             (np.full((2, 2), 3.0, f32), np.full((2, 2), -2.0, f32), np.zeros((2, 2), f32))]
    notes = ["random values", "variance 4 and eps 1: z must be 2", "eps 0: z is the mean"]
    result = run_check("reparameterize", student_fn, _ref_reparameterize, cases,
                       mistakes=REPARAM_MISTAKES, notes=notes, verbose=False)
    if result:
        result = _gradient_check(student_fn, "reparameterize",
                                 lambda lv, e: 0.5 * np.exp(0.5 * lv) * e)
    if verbose:
        print(result.message)
    return result


def _gradient_check(student_fn: Callable, name: str, d_scale,
                    scale_name: str = "the scale") -> CheckResult:
    """PASS when gradients of sum(f(mean, s, eps)) reach mean (all ones) and s (``d_scale``;
    ``scale_name`` is what the message calls s)."""
    import tensorflow as tf

    rng = np.random.default_rng(55)
    mean = tf.Variable(rng.normal(0, 1, (4, 2)).astype("float32"))
    second = tf.Variable(rng.normal(0, 1, (4, 2)).astype("float32"))
    eps = tf.constant(rng.normal(0, 1, (4, 2)).astype("float32"))
    try:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.convert_to_tensor(student_fn(mean, second, eps)))
        g_mean, g_second = tape.gradient(loss, [mean, second])
    except Exception as exc:  # noqa: BLE001 - report the student's error, don't crash
        return fail_result(name, f"with tf.Variable inputs your function raised "
                           f"{type(exc).__name__}: {exc}")
    want = d_scale(second.numpy(), eps.numpy())
    for arg, got, expected in (("mean", g_mean, np.ones((4, 2))), (scale_name, g_second, want)):
        if got is None:
            return fail_result(name, f"no gradient reaches {arg}: the computation left "
                               "TensorFlow (NumPy?) or was stopped, so the encoder could not "
                               "learn from this sample", mistake="no_gradient")
        why = compare_outputs(np.asarray(got), expected, rtol=1e-4, atol=1e-5)
        if why:
            return fail_result(name, f"the gradient with respect to {arg} is wrong ({why})")
    return CheckResult(name, "pass", f"{name}: PASS - well done (values and gradients).")


# ---------------------------------------------------------------- core: the two loss terms


def _ref_reconstruction_loss(x, logits):
    x, logits = _floats(x, logits)
    log_p_ink = -np.logaddexp(0.0, -logits)  # log sigmoid(l), without overflow
    log_p_blank = -np.logaddexp(0.0, logits)  # log(1 - sigmoid(l))
    return -(x * log_p_ink + (1 - x) * log_p_blank).reshape(len(x), -1).sum(axis=1)


def _bce_per_pixel(x, logits):
    x, logits = _floats(x, logits)
    return np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits)))


RECONSTRUCTION_MISTAKES = (
    Mistake("mean_over_pixels", lambda x, lg: _bce_per_pixel(x, lg).reshape(len(x), -1).mean(axis=1),
            "your values are 784 times too small: you averaged over the pixels instead of "
            "summing, so the KL term would swamp the reconstruction (blurry images)"),
    Mistake("sign", lambda x, lg: -_ref_reconstruction_loss(x, lg),
            "your values are the negatives of the right ones: a loss is minus the "
            "log-likelihood, so it is never negative"),
    Mistake("targets_swapped", lambda x, lg: _ref_reconstruction_loss(1 - np.asarray(x), lg),
            "you pair the logits with 1 - x: the pixel is 1 with probability sigmoid(logit), so "
            "ink should be cheap where the logit is large"),
    Mistake("per_pixel", _bce_per_pixel,
            "you return one value per pixel: sum over the pixels of each image to get one "
            "number per image"),
    Mistake("batch_sum", lambda x, lg: _bce_per_pixel(x, lg).sum(),
            "you return one number for the whole batch: the loss must be one value per image "
            "(vae_loss takes the batch mean)"),
)
HINTS["reconstruction_loss"] = ("per pixel: ops.maximum(logits, 0) - logits * x + "
                                "ops.log1p(ops.exp(-ops.abs(logits))) (the binary cross-entropy "
                                "with logits); then ops.sum over all pixels of each image, e.g. "
                                "after ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)).")


def check_reconstruction_loss(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Core exercise (``05_variational_autoencoders``): -log p(x | z) for binary pixels and
    Bernoulli logits, one value per image, stable for very large logits. Continue with
    ``result.use(student_fn, vae.reconstruction_loss)``."""
    rng = np.random.default_rng(56)
    f32 = np.float32
    x = (rng.random((4, 28, 28)) < 0.3).astype(f32)
    cases = [(x, rng.normal(0, 3, (4, 28, 28)).astype(f32)),
             (np.zeros((2, 28, 28), f32), np.zeros((2, 28, 28), f32)),
             (x[:2], np.where(x[:2] > 0, 60.0, -60.0).astype(f32)),
             (x[:2], np.where(x[:2] > 0, -60.0, 60.0).astype(f32))]
    notes = ["random binary images and logits", "logits 0: every image costs 784 ln 2",
             "confident and right: almost 0", "confident and wrong: very large but finite"]
    result = run_check("reconstruction_loss", student_fn, _ref_reconstruction_loss, cases,
                       mistakes=RECONSTRUCTION_MISTAKES, notes=notes, rtol=1e-4, atol=1e-3,
                       verbose=False)
    if verbose:
        print(result.message)
    return result


def _ref_kl_divergence(mean, log_var):
    mean, log_var = _floats(mean, log_var)
    var = np.exp(log_var)
    return 0.5 * (var + mean**2 - 1.0 - log_var).sum(axis=-1)


def _kl_std_variant(mean, log_var):
    mean, log_var = _floats(mean, log_var)
    return 0.5 * (np.exp(0.5 * log_var) + mean**2 - 1.0 - log_var).sum(axis=-1)


KL_CORE_MISTAKES = (
    Mistake("sign", lambda m, lv: -_ref_kl_divergence(m, lv),
            "your values are the negatives of the right ones: look at the sign (a KL divergence "
            "is never negative)"),
    Mistake("no_half", lambda m, lv: 2 * _ref_kl_divergence(m, lv),
            "your values are exactly twice the right ones: a factor 1/2 is missing"),
    Mistake("std_for_variance", _kl_std_variant,
            "you used the standard deviation exp(log_var / 2) where the variance exp(log_var) "
            "belongs"),
    Mistake("mean_over_dims", lambda m, lv: _ref_kl_divergence(m, lv) / np.shape(m)[-1],
            "you averaged over the latent dimensions: the KL of independent dimensions is their "
            "sum"),
    Mistake("per_dimension", lambda m, lv: 0.5 * (np.exp(lv) + np.square(m) - 1.0 - lv),
            "you return one value per latent dimension: sum them to one value per example"),
)
HINTS["kl_divergence"] = ("per latent dimension 1/2 * (exp(log_var) + mean^2 - 1 - log_var), "
                          "i.e. -0.5 * ops.sum(1 + log_var - ops.square(mean) - ops.exp(log_var), "
                          "axis=-1).")


def check_kl_divergence(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Core exercise (``05_variational_autoencoders``): KL(N(mean, exp(log_var)) || N(0, I)) per
    example. Continue with ``result.use(student_fn, vae.kl_divergence)``."""
    rng = np.random.default_rng(57)
    f32 = np.float32
    cases = [(rng.normal(0, 1, (5, 3)).astype(f32), rng.normal(0, 1, (5, 3)).astype(f32)),
             (np.zeros((2, 4), f32), np.zeros((2, 4), f32)),
             (np.full((1, 2), 2.0, f32), np.full((1, 2), np.log(0.25), f32))]
    notes = ["random values", "the prior itself: KL 0", "mean 2, variance 1/4"]
    result = run_check("kl_divergence", student_fn, _ref_kl_divergence, cases,
                       mistakes=KL_CORE_MISTAKES, notes=notes, verbose=False)
    if verbose:
        print(result.message)
    return result
