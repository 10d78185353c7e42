"""Exercise checks of 05_variational_autoencoders: each reference passes, each typical mistake
(issue 15: KL sign flipped, missing 1/2, the standard deviation where the variance belongs,
...) fails with a message that names it and not the formula, hint() gives the formula."""

import numpy as np
import pytest

from course_utils.checks import nb05 as checks
from tests.check_helpers import assert_diagnosed as _assert_diagnosed
from tests.check_helpers import todo as _todo


@pytest.mark.parametrize("check", [checks.check_kl_two_gaussians, checks.check_log_normal_diag,
                                   checks.check_reparameterize_softplus],
                         ids=lambda c: c.__name__)
def test_unfinished_exercise_is_not_done_yet(check, capsys):
    assert check(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out


# ---------------------------------------------------------------- kl_two_gaussians


def _kl(mq, lq, mp, lp, half=0.5, var=np.exp, one=1.0, reduce=lambda a: np.sum(a, axis=-1)):
    return reduce(half * (np.log(var(lp)) - np.log(var(lq))
                          + (var(lq) + (mq - mp) ** 2) / var(lp) - one))


def test_kl_two_gaussians_reference_passes(capsys):
    assert checks.check_kl_two_gaussians(_kl)
    assert "PASS" in capsys.readouterr().out


KL_FORMULA = ["log var_p - log var_q", "(var_q + (mean_q - mean_p)^2) / var_p"]


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda *a: -_kl(*a), "sign", ["negatives", "look at the sign"]),
    (lambda *a: _kl(*a, half=1.0), "no_half", ["exactly twice", "factor 1/2 is missing"]),
    (lambda mq, lq, mp, lp: _kl(mp, lp, mq, lq), "swapped", ["KL(p || q)", "not symmetric"]),
    (lambda *a: _kl(*a, var=lambda lv: np.exp(0.5 * lv)), "std_for_variance",
     ["standard deviation", "variance belongs"]),
    (lambda mq, lq, mp, lp: 0.5 * np.sum(lp - lq + (lq + (mq - mp) ** 2) / lp - 1, axis=-1),
     "log_var_as_variance", ["as if it were the variance"]),
    (lambda *a: _kl(*a, one=0.0), "no_minus_one", ["q equal to p", "constant term"]),
    (lambda *a: _kl(*a, reduce=np.sum), "sum_everything", ["every axis"]),
    (lambda *a: _kl(*a, reduce=lambda v: v), "no_sum", ["one value per dimension"]),
    (lambda *a: _kl(*a, reduce=lambda v: np.mean(v, axis=-1)), "mean_over_dims", ["averaged"]),
], ids=["sign", "no-half", "swapped", "std", "log-var", "no-minus-one", "sum-all", "no-sum",
        "mean"])
def test_kl_two_gaussians_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_kl_two_gaussians(wrong, verbose=False), "kl_two_gaussians",
                      mistake, words, KL_FORMULA)


def test_kl_two_gaussians_hint_shows_the_formula(capsys):
    checks.hint("kl_two_gaussians")
    out = capsys.readouterr().out
    assert all(part in out for part in KL_FORMULA)


# ---------------------------------------------------------------- log_normal_diag


LOG_2PI = float(np.log(2 * np.pi))


def _log_normal(z, m, lv, c=LOG_2PI, std=False, lv_weight=1.0, half=-0.5,
                reduce=lambda a: np.sum(a, axis=-1)):
    scale = np.exp(0.5 * lv) if std else np.exp(lv)
    return reduce(half * (c + lv_weight * lv + (z - m) ** 2 / scale))


def test_log_normal_diag_reference_passes():
    assert checks.check_log_normal_diag(_log_normal, verbose=False)


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda *a: -_log_normal(*a), "sign", ["negatives"]),
    (lambda *a: _log_normal(*a, half=-1.0), "no_half", ["factor 1/2 is missing"]),
    (lambda *a: _log_normal(*a, c=0.0), "no_2pi", ["constant with pi"]),
    (lambda *a: _log_normal(*a, std=True), "std_for_variance",
     ["standard deviation", "variance belongs"]),
    (lambda *a: _log_normal(*a, lv_weight=0.5), "half_log_var", ["log of the variance"]),
    (lambda *a: _log_normal(*a, reduce=np.sum), "sum_everything", ["every axis"]),
    (lambda *a: _log_normal(*a, reduce=lambda v: v), "no_sum", ["one value per dimension"]),
], ids=["sign", "no-half", "no-2pi", "std", "half-log-var", "sum-all", "no-sum"])
def test_log_normal_diag_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_log_normal_diag(wrong, verbose=False), "log_normal_diag",
                      mistake, words, ["-1/2 * [log(2 pi)", "(z - m)^2 / exp(log_var)"])


def test_log_normal_diag_hint_shows_the_formula(capsys):
    checks.hint("log_normal_diag")
    assert "-1/2 * [log(2 pi) + log_var + (z - m)^2 / exp(log_var)]" in capsys.readouterr().out


# ---------------------------------------------------------------- reparameterize_softplus


def _softplus_right(mean, raw, eps):
    from keras import ops

    return mean + ops.softplus(raw) * eps


def test_reparameterize_softplus_reference_passes(capsys):
    assert checks.check_reparameterize_softplus(_softplus_right)
    assert "values and gradients" in capsys.readouterr().out


def _with_ops(scale):
    def reparameterize(mean, raw, eps):
        from keras import ops

        return mean + scale(ops, raw) * eps

    return reparameterize


@pytest.mark.parametrize("wrong, mistake, words", [
    (_with_ops(lambda ops, r: ops.exp(r)), "exp_scale", ["exp(raw_scale)"]),
    (_with_ops(lambda ops, r: ops.softplus(r) ** 2), "variance_scale", ["by the variance"]),
    (_with_ops(lambda ops, r: ops.sqrt(ops.softplus(r))), "sqrt_scale", ["square root"]),
    (_with_ops(lambda ops, r: ops.exp(0.5 * ops.softplus(r))), "softplus_as_log_var",
     ["log-variance"]),
    (_with_ops(lambda ops, r: 1.0), "unscaled", ["not scaled"]),
], ids=["exp", "variance", "sqrt", "log-var", "unscaled"])
def test_reparameterize_softplus_names_each_wrong_scale(wrong, mistake, words):
    _assert_diagnosed(checks.check_reparameterize_softplus(wrong, verbose=False),
                      "reparameterize_softplus", mistake, words,
                      ["mean + ops.softplus(raw_scale) * eps"])


def test_reparameterize_softplus_names_swapped_mean_and_scale():
    from keras import ops

    result = checks.check_reparameterize_softplus(lambda m, r, e: ops.softplus(r) + m * e,
                                                  verbose=False)
    _assert_diagnosed(result, "reparameterize_softplus", "swapped", ["swapped"], [])


def test_reparameterize_softplus_rejects_blocked_gradients():
    import tensorflow as tf
    from keras import ops

    stopped = checks.check_reparameterize_softplus(
        lambda m, r, e: m + tf.stop_gradient(ops.softplus(r)) * e, verbose=False)
    assert stopped.mistake == "no_gradient" and "no gradient reaches raw_scale" in stopped.message
    numpy_scale = checks.check_reparameterize_softplus(
        lambda m, r, e: m + np.log1p(np.exp(np.asarray(r))) * np.asarray(e), verbose=False)
    assert numpy_scale.status == "fail" and "NumPy" in numpy_scale.message


def test_reparameterize_softplus_hint_shows_the_formula(capsys):
    checks.hint("reparameterize_softplus")
    assert "z = mean + ops.softplus(raw_scale) * eps" in capsys.readouterr().out
