"""Exercise checks of 06_generative_adversarial_networks: each reference (written here, never
metrics.js_divergence) passes, each typical mistake fails with a message that names it and not
the formula, hint() gives the formula, an unfinished exercise is "not done yet"."""

import numpy as np
import pytest

from course_utils.checks import nb06 as checks
from tests.check_helpers import assert_diagnosed as _assert_diagnosed
from tests.check_helpers import todo as _todo

CHECKS = [checks.check_d_loss_from_probs, checks.check_optimal_discriminator,
          checks.check_js_divergence, checks.check_masked_mse]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_unfinished_exercise_is_not_done_yet(check, capsys):
    assert check(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out


# ---------------------------------------------------------------- D's loss


def _d_loss(r, f, log=np.log, reduce=np.mean):
    return -reduce(log(r)) - reduce(log(1 - f))


def test_d_loss_reference_passes(capsys):
    assert checks.check_d_loss_from_probs(_d_loss)
    assert "PASS" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda r, f: -_d_loss(r, f), "sign", ["negative of the right one", "look at the sign"]),
    (lambda r, f: -np.mean(np.log(1 - r)) - np.mean(np.log(f)), "labels_swapped",
     ["labels are swapped"]),
    (lambda r, f: -np.mean(np.log(r)) - np.mean(np.log(f)), "fake_labelled_real",
     ["generated samples as real"]),
    (lambda r, f: -np.mean(np.concatenate([np.log(r), np.log(1 - f)])), "pooled",
     ["pooled batch", "own batch"]),
    (lambda r, f: _d_loss(r, f) / 2, "averaged_terms", ["added, not averaged"]),
    (lambda r, f: _d_loss(r, f, reduce=np.sum), "summed", ["summed over each batch"]),
    (lambda r, f: _d_loss(r, f, log=np.log2), "log2", ["log base 2", "nats"]),
], ids=["sign", "swapped", "fake-as-real", "pooled", "averaged", "summed", "log2"])
def test_d_loss_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_d_loss_from_probs(wrong, verbose=False), "d_loss_from_probs",
                      mistake, words, ["-mean(log D(x))", "log(1 - D(G(z)))"])


def test_d_loss_hint_shows_the_formula(capsys):
    checks.hint("d_loss_from_probs")
    assert "-mean(log D(x)) - mean(log(1 - D(G(z))))" in capsys.readouterr().out


# ---------------------------------------------------------------- D*


def test_optimal_discriminator_reference_passes():
    assert checks.check_optimal_discriminator(lambda p, q: p / (p + q), verbose=False)


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda p, q: q / (p + q), "flipped", ["was generated", "is real"]),
    (lambda p, q: p / q, "ratio", ["density ratio", "exceed 1"]),
    (lambda p, q: np.log(p) - np.log(q), "log_ratio", ["logit"]),
    (lambda p, q: p - q, "difference", ["difference of densities"]),
    (lambda p, q: 0.5 * np.ones_like(p), "one_half", ["1/2 everywhere"]),
], ids=["flipped", "ratio", "log-ratio", "difference", "half"])
def test_optimal_discriminator_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_optimal_discriminator(wrong, verbose=False),
                      "optimal_discriminator", mistake, words,
                      ["p_data(x) / (p_data(x) + p_model(x))", "p_data / (p_data + p_model)"])


def test_optimal_discriminator_hint_shows_the_formula(capsys):
    checks.hint("optimal_discriminator")
    assert "p_data(x) / (p_data(x) + p_model(x))" in capsys.readouterr().out


# ---------------------------------------------------------------- JS divergence


def _kl(a, b, log=np.log):
    nz = a > 0
    return np.sum(a[nz] * log(a[nz] / b[nz]))


def _js(p, q, log=np.log, normalise=True):
    p, q = np.ravel(p).astype(float), np.ravel(q).astype(float)
    if normalise:
        p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2
    return 0.5 * _kl(p, m, log) + 0.5 * _kl(q, m, log)


def test_js_divergence_reference_passes():
    assert checks.check_js_divergence(_js, verbose=False)


def _kl_pq(p, q):
    p, q = np.ravel(p) / np.sum(p), np.ravel(q) / np.sum(q)
    with np.errstate(divide="ignore"):
        return _kl(p, q)


def _nan_on_empty(p, q):
    p, q = np.ravel(p) / np.sum(p), np.ravel(q) / np.sum(q)
    m = (p + q) / 2
    return 0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m))


def _per_row(p, q):
    p, q = np.asarray(p) / np.sum(p), np.asarray(q) / np.sum(q)
    m = (p + q) / 2
    terms = [np.where(a > 0, a * np.log(np.where(a > 0, a, 1) / m), 0) for a in (p, q)]
    return 0.5 * np.sum(terms[0], axis=-1) + 0.5 * np.sum(terms[1], axis=-1)


@pytest.mark.parametrize("wrong, mistake, words", [
    (_kl_pq, "kl_only", ["KL(p || q)", "not symmetric"]),
    (lambda p, q: _js(p, q, log=np.log2), "bits", ["bits", "nats"]),
    (lambda p, q: _js(p, q, normalise=False), "not_normalised", ["did not normalise"]),
    (lambda p, q: 2 * _js(p, q), "no_half", ["factor 1/2 is missing"]),
    (_nan_on_empty, "nan_on_empty", ["NaN", "empty cell"]),
    (_per_row, "per_row", ["one value per row"]),
    (lambda p, q: np.sqrt(_js(p, q)), "square_root", ["square root"]),
], ids=["kl", "bits", "unnormalised", "no-half", "nan", "per-row", "sqrt"])
def test_js_divergence_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_js_divergence(wrong, verbose=False), "js_divergence",
                      mistake, words, ["m = (p + q) / 2", "KL(p || m) / 2"])


def test_js_divergence_hint_shows_the_formula(capsys):
    checks.hint("js_divergence")
    assert "m = (p + q) / 2; JS = KL(p || m) / 2 + KL(q || m) / 2" in capsys.readouterr().out


# ---------------------------------------------------------------- masked MSE


def _masked_mse(g, t, m):
    return np.sum(m * (g - t) ** 2, axis=(1, 2)) / np.sum(m)


def test_masked_mse_reference_passes():
    assert checks.check_masked_mse(_masked_mse, verbose=False)


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda g, t, m: np.mean(m * (g - t) ** 2, axis=(1, 2)), "all_pixels",
     ["every pixel", "visible pixels only"]),
    (lambda g, t, m: np.mean((g - t) ** 2, axis=(1, 2)), "unmasked", ["hidden pixels too"]),
    (lambda g, t, m: _masked_mse(g, t, 1 - m), "inverted", ["on the hidden pixels"]),
    (lambda g, t, m: np.sum(m * np.abs(g - t), axis=(1, 2)) / np.sum(m), "absolute",
     ["absolute differences"]),
    (lambda g, t, m: np.sum(m * (g - t) ** 2, axis=(1, 2)), "summed", ["summed the errors"]),
    (lambda g, t, m: np.sqrt(_masked_mse(g, t, m)), "root", ["square root"]),
    (lambda g, t, m: float(np.mean(_masked_mse(g, t, m))), "one_number",
     ["one number for the whole batch"]),
], ids=["all-pixels", "unmasked", "inverted", "absolute", "summed", "root", "one-number"])
def test_masked_mse_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_masked_mse(wrong, verbose=False), "masked_mse", mistake,
                      words, ["np.sum(mask", "/ np.sum(mask)"])


def test_masked_mse_hint_shows_the_formula(capsys):
    checks.hint("masked_mse")
    assert "np.sum(mask * (generated - target) ** 2, axis=(1, 2))" in capsys.readouterr().out
