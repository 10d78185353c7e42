"""The self-checks of notebook 05 pass their reference and reject typical wrong answers."""

import numpy as np
import pytest

from course_utils import checks


def _todo(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- kl_two_gaussians


def _kl_right(mq, lq, mp, lp):
    return 0.5 * np.sum(lp - lq + (np.exp(lq) + (mq - mp) ** 2) / np.exp(lp) - 1.0, axis=-1)


def test_kl_two_gaussians_reference_passes(capsys):
    assert checks.check_kl_two_gaussians(_kl_right)
    assert "PASS" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [
    lambda mq, lq, mp, lp: _kl_right(mp, lp, mq, lq),  # KL(p || q): arguments swapped
    lambda mq, lq, mp, lp: 2 * _kl_right(mq, lq, mp, lp),  # forgot the 1/2
    lambda mq, lq, mp, lp: -_kl_right(mq, lq, mp, lp),  # sign error
], ids=["swapped", "no-half", "sign"])
def test_kl_two_gaussians_rejects_value_mistakes(wrong):
    result = checks.check_kl_two_gaussians(wrong, verbose=False)
    assert result.status == "fail"
    assert "differ" in result.message and "first pair of arguments" in result.message


def test_kl_two_gaussians_rejects_summing_over_everything():
    result = checks.check_kl_two_gaussians(
        lambda mq, lq, mp, lp: np.sum(_kl_right(mq, lq, mp, lp)), verbose=False)
    assert result.status == "fail" and "shape" in result.message
    assert "LAST axis" in result.message


def test_kl_two_gaussians_unfinished_is_not_done_yet(capsys):
    assert checks.check_kl_two_gaussians(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out


# ---------------------------------------------------------------- log_normal_diag


def _log_normal_right(z, m, lv):
    return -0.5 * np.sum(np.log(2 * np.pi) + lv + (z - m) ** 2 / np.exp(lv), axis=-1)


def test_log_normal_diag_reference_passes():
    assert checks.check_log_normal_diag(_log_normal_right, verbose=False)


@pytest.mark.parametrize("wrong", [
    lambda z, m, lv: -0.5 * np.sum(lv + (z - m) ** 2 / np.exp(lv), axis=-1),  # no log(2 pi)
    lambda z, m, lv: -0.5 * np.sum(np.log(2 * np.pi) + lv + (z - m) ** 2 / np.exp(0.5 * lv),
                                   axis=-1),  # divides by the standard deviation
    lambda z, m, lv: -0.5 * (np.log(2 * np.pi) + lv + (z - m) ** 2 / np.exp(lv)),  # no sum
], ids=["no-2pi", "std-not-var", "no-sum"])
def test_log_normal_diag_rejects_typical_mistakes(wrong):
    result = checks.check_log_normal_diag(wrong, verbose=False)
    assert result.status == "fail" and "variance, not the standard deviation" in result.message


def test_log_normal_diag_unfinished_is_not_done_yet():
    assert checks.check_log_normal_diag(_todo, verbose=False).status == "todo"


# ---------------------------------------------------------------- reparameterize_softplus


def _softplus_right(mean, raw, eps):
    from keras import ops

    return mean + ops.softplus(raw) * eps


def test_reparameterize_softplus_reference_passes(capsys):
    assert checks.check_reparameterize_softplus(_softplus_right)
    assert "values and gradients" in capsys.readouterr().out


def test_reparameterize_softplus_rejects_wrong_scale():
    from keras import ops

    exp_scale = checks.check_reparameterize_softplus(
        lambda m, r, e: m + ops.exp(r) * e, verbose=False)
    assert exp_scale.status == "fail" and "differ" in exp_scale.message
    variance = checks.check_reparameterize_softplus(
        lambda m, r, e: m + ops.softplus(r) ** 2 * e, verbose=False)
    assert variance.status == "fail" and "standard deviation" in variance.message


def test_reparameterize_softplus_rejects_blocked_gradients():
    import tensorflow as tf
    from keras import ops

    stopped = checks.check_reparameterize_softplus(
        lambda m, r, e: m + tf.stop_gradient(ops.softplus(r)) * e, verbose=False)
    assert stopped.status == "fail" and "no gradient reaches raw_scale" in stopped.message
    numpy_scale = checks.check_reparameterize_softplus(
        lambda m, r, e: m + np.log1p(np.exp(np.asarray(r))) * np.asarray(e), verbose=False)
    assert numpy_scale.status == "fail" and "NumPy" in numpy_scale.message


def test_reparameterize_softplus_unfinished_is_not_done_yet(capsys):
    assert checks.check_reparameterize_softplus(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out
