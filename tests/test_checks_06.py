"""Exercise checks of notebook 06: each passes its reference, fails typical wrong answers with a
helpful message, and reports an unfinished exercise as "not done yet"."""

import numpy as np
import pytest

from course_utils import checks, gan


def _todo(*args):
    raise NotImplementedError


CHECKS = [checks.check_d_loss_from_probs, checks.check_optimal_discriminator,
          checks.check_js_divergence, checks.check_masked_mse]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_unfinished_exercise_is_not_done_yet(check, capsys):
    result = check(_todo)
    assert result.status == "todo" and "not done yet" in capsys.readouterr().out


def test_d_loss_from_probs():
    def ref(r, f):
        return -np.mean(np.log(r)) - np.mean(np.log(1 - f))

    assert checks.check_d_loss_from_probs(ref, verbose=False)
    no_minus = checks.check_d_loss_from_probs(lambda r, f: np.mean(np.log(r)) + np.mean(
        np.log(1 - f)), verbose=False)
    assert no_minus.status == "fail" and "-mean(log D(x))" in no_minus.message
    log_fake = checks.check_d_loss_from_probs(lambda r, f: -np.mean(np.log(r)) - np.mean(
        np.log(f)), verbose=False)
    assert log_fake.status == "fail" and "1 - D(G(z))" in log_fake.message
    pooled = checks.check_d_loss_from_probs(lambda r, f: -np.mean(np.concatenate(
        [np.log(r), np.log(1 - f)])), verbose=False)
    assert pooled.status == "fail" and "own batch" in pooled.message


def test_optimal_discriminator():
    assert checks.check_optimal_discriminator(lambda p, q: p / (p + q), verbose=False)
    flipped = checks.check_optimal_discriminator(lambda p, q: q / (p + q), verbose=False)
    assert flipped.status == "fail" and "p_data / (p_data + p_model)" in flipped.message
    ratio = checks.check_optimal_discriminator(lambda p, q: p / q, verbose=False)
    assert ratio.status == "fail" and "0.5" in ratio.message


def test_js_divergence():
    assert checks.check_js_divergence(gan.js_divergence, verbose=False)

    def kl(p, q):
        p, q = np.ravel(p) / np.sum(p), np.ravel(q) / np.sum(q)
        nz = p > 0
        return np.sum(p[nz] * np.log(p[nz] / np.maximum(q[nz], 1e-12)))

    assert checks.check_js_divergence(kl, verbose=False).status == "fail"

    def in_bits(p, q):
        return gan.js_divergence(p, q) / np.log(2)

    bits = checks.check_js_divergence(in_bits, verbose=False)
    assert bits.status == "fail" and "natural logarithm" in bits.message

    def unnormalised(p, q):
        p, q = np.ravel(p).astype(float), np.ravel(q).astype(float)
        m = (p + q) / 2
        return 0.5 * np.sum(p[p > 0] * np.log(p[p > 0] / m[p > 0])) + 0.5 * np.sum(
            q[q > 0] * np.log(q[q > 0] / m[q > 0]))

    raw = checks.check_js_divergence(unnormalised, verbose=False)
    assert raw.status == "fail" and "normalise" in raw.message


def test_masked_mse():
    def ref(g, t, m):
        return np.sum(m * (g - t) ** 2, axis=(1, 2)) / np.sum(m)

    assert checks.check_masked_mse(ref, verbose=False)
    over_all = checks.check_masked_mse(lambda g, t, m: np.mean(m * (g - t) ** 2, axis=(1, 2)),
                                       verbose=False)
    assert over_all.status == "fail" and "VISIBLE" in over_all.message
    unmasked = checks.check_masked_mse(lambda g, t, m: np.mean((g - t) ** 2, axis=(1, 2)),
                                       verbose=False)
    assert unmasked.status == "fail"
    scalar = checks.check_masked_mse(lambda g, t, m: float(np.mean(ref(g, t, m))),
                                     verbose=False)
    assert scalar.status == "fail" and "shape" in scalar.message
