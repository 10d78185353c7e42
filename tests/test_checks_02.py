"""Exercise checks of 02_generative_modeling: each reference passes, each typical mistake fails
with a message that names it and not the formula, hint() gives the formula."""

import math

import numpy as np
import pytest

from course_utils.checks import nb02 as checks
from tests.check_helpers import assert_diagnosed as _assert_diagnosed
from tests.check_helpers import todo as _todo


@pytest.mark.parametrize("check", [checks.check_apply_temperature,
                                   checks.check_gaussian_log_likelihood,
                                   checks.check_histogram_log_density], ids=lambda c: c.__name__)
def test_unfinished_exercise_is_not_done_yet(check, capsys):
    assert check(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out


# ---------------------------------------------------------------- apply_temperature


def _temperature(p, t):
    q = np.power(p, 1.0 / t)
    return q / q.sum()


def test_apply_temperature_reference_passes(capsys):
    assert checks.check_apply_temperature(_temperature)
    assert "PASS" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda p, t: p**t / np.sum(p**t), "power_temperature", ["flattens", "sharpen"]),
    (lambda p, t: p ** (1 / t), "not_normalised", ["sum to 1", "never normalised"]),
    (lambda p, t: p / t, "divided", ["divided the probabilities by the temperature"]),
    (lambda p, t: (p / t) / (p / t).sum(), "no_effect", ["no effect"]),
    (lambda p, t: np.exp(p / t) / np.exp(p / t).sum(), "softmax_of_probs", ["logits"]),
], ids=["power-t", "unnormalised", "divided", "no-effect", "softmax"])
def test_apply_temperature_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_apply_temperature(wrong, verbose=False), "apply_temperature",
                      mistake, words, ["1 / T", "1 / temperature", "** (1"])


def test_apply_temperature_hint_shows_the_formula(capsys):
    checks.hint("apply_temperature")
    assert "p ** (1 / T) / np.sum(p ** (1 / T))" in capsys.readouterr().out


# ---------------------------------------------------------------- gaussian_log_likelihood


def _ll(x, m, s):
    density = np.exp(-((x - m) ** 2) / (2 * s**2)) / (s * math.sqrt(2 * math.pi))
    return np.mean(np.log(density))


def test_gaussian_log_likelihood_reference_passes():
    assert checks.check_gaussian_log_likelihood(_ll, verbose=False)


HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda x, m, s: np.mean(-np.log(s) - (x - m) ** 2 / (2 * s**2)), "no_2pi",
     ["0.919 nats too high", "normalising constant"]),
    (lambda x, m, s: np.mean(-HALF_LOG_2PI - np.log(s) - (x - m) ** 2 / (2 * s)),
     "std_for_variance", ["standard deviation", "variance, belongs"]),
    (lambda x, m, s: np.mean(-HALF_LOG_2PI - np.log(s) - (x - m) ** 2 / s**2),
     "no_half_on_square", ["factor 1/2 is missing"]),
    (lambda x, m, s: np.mean(-HALF_LOG_2PI - np.log(s**2) - (x - m) ** 2 / (2 * s**2)),
     "log_variance", ["log of the variance"]),
    (lambda x, m, s: np.sum(-HALF_LOG_2PI - np.log(s) - (x - m) ** 2 / (2 * s**2)), "summed",
     ["summed over the points", "average"]),
    (lambda x, m, s: np.mean(np.exp(-HALF_LOG_2PI - np.log(s) - (x - m) ** 2 / (2 * s**2))),
     "not_log", ["density itself"]),
], ids=["no-2pi", "std", "no-half", "log-var", "sum", "no-log"])
def test_gaussian_log_likelihood_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_gaussian_log_likelihood(wrong, verbose=False),
                      "gaussian_log_likelihood", mistake, words,
                      ["-0.5 * log(2 pi)", "(2 s^2)"])


def test_gaussian_log_likelihood_none_and_hint(capsys):
    assert "return" in checks.check_gaussian_log_likelihood(lambda *a: None,
                                                            verbose=False).message
    checks.hint("gaussian_log_likelihood")
    assert "-0.5 * log(2 pi) - log(s) - (x - m)^2 / (2 s^2)" in capsys.readouterr().out


# ---------------------------------------------------------------- histogram_log_density


def _hist(x, edges, counts):
    edges, counts = np.asarray(edges, float), np.asarray(counts, float)
    bins = np.minimum(np.digitize(x, edges) - 1, len(counts) - 1)
    return np.log(counts[bins] / counts.sum() / np.diff(edges)[bins])


def test_histogram_log_density_reference_passes():
    assert checks.check_histogram_log_density(_hist, verbose=False)


def _bins(x, edges, counts, side="right"):
    return np.clip(np.searchsorted(edges, x, side=side) - 1, 0, len(counts) - 1)


def _no_width(x, edges, counts):
    counts = np.asarray(counts, float)
    return np.log(counts[_bins(x, edges, counts)] / counts.sum())


def _no_total(x, edges, counts):
    counts = np.asarray(counts, float)
    return np.log((counts / np.diff(edges))[_bins(x, edges, counts)])


def _last_edge_overflow(x, edges, counts):
    counts = np.asarray(counts, float)
    dens = counts / (counts.sum() * np.diff(edges))
    return np.log(dens[np.searchsorted(edges, x, side="right") - 1])


def _left_side(x, edges, counts):
    counts = np.asarray(counts, float)
    dens = counts / (counts.sum() * np.diff(edges))
    return np.log(dens[_bins(x, edges, counts, side="left")])


@pytest.mark.parametrize("wrong, mistake, words", [
    (_no_width, "no_width", ["width is missing"]),
    (_no_total, "no_total", ["total count"]),
    (_last_edge_overflow, "last_edge", ["last edge", "IndexError"]),
    (_left_side, "left_side", ["inner edge", "left edge"]),
    (lambda x, e, c: np.exp(_hist(x, e, c)), "not_log", ["not its log"]),
], ids=["width", "total", "last-edge", "left-side", "no-log"])
def test_histogram_log_density_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_histogram_log_density(wrong, verbose=False),
                      "histogram_log_density", mistake, words,
                      ["counts.sum() * np.diff(edges)", "searchsorted"])


def test_histogram_log_density_hint_shows_the_formula(capsys):
    checks.hint("histogram_log_density")
    assert "counts / (counts.sum() * np.diff(edges))" in capsys.readouterr().out
