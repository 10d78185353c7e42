"""Exercise checks of 02_generative_modeling: references pass, typical mistakes fail helpfully."""

import numpy as np
import pytest

from course_utils import checks, density


def _todo(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- apply_temperature


def test_apply_temperature_reference_and_module_pass(capsys):
    assert checks.check_apply_temperature(lambda p, t: p ** (1 / t) / np.sum(p ** (1 / t)))
    assert "PASS" in capsys.readouterr().out
    assert checks.check_apply_temperature(density.apply_temperature, verbose=False)


def test_apply_temperature_rejects_typical_mistakes():
    power_t = checks.check_apply_temperature(lambda p, t: p**t / np.sum(p**t), verbose=False)
    assert power_t.status == "fail" and "1 / temperature" in power_t.message
    unnormalised = checks.check_apply_temperature(lambda p, t: p ** (1 / t), verbose=False)
    assert unnormalised.status == "fail" and "sum" in unnormalised.message
    divided = checks.check_apply_temperature(lambda p, t: p / t, verbose=False)
    assert divided.status == "fail"


def test_apply_temperature_todo():
    result = checks.check_apply_temperature(_todo, verbose=False)
    assert result.status == "todo" and "not done yet" in result.message


# ---------------------------------------------------------------- gaussian_log_likelihood


def _ll(x, m, s):
    return np.mean(-0.5 * np.log(2 * np.pi) - np.log(s) - (x - m) ** 2 / (2 * s**2))


def test_gaussian_log_likelihood_reference_passes():
    assert checks.check_gaussian_log_likelihood(_ll, verbose=False)


@pytest.mark.parametrize("wrong", [
    lambda x, m, s: np.mean(-np.log(s) - (x - m) ** 2 / (2 * s**2)),  # no 2 pi
    lambda x, m, s: np.mean(-0.5 * np.log(2 * np.pi) - np.log(s) - (x - m) ** 2 / (2 * s)),  # s
    lambda x, m, s: np.sum(-0.5 * np.log(2 * np.pi) - np.log(s) - (x - m) ** 2 / (2 * s**2)),
])
def test_gaussian_log_likelihood_rejects_typical_mistakes(wrong):
    result = checks.check_gaussian_log_likelihood(wrong, verbose=False)
    assert result.status == "fail"
    assert "MEAN" in result.message and "variance is s^2" in result.message


def test_gaussian_log_likelihood_todo_and_none():
    assert checks.check_gaussian_log_likelihood(_todo, verbose=False).status == "todo"
    assert "return" in checks.check_gaussian_log_likelihood(lambda *a: None,
                                                            verbose=False).message


# ---------------------------------------------------------------- histogram_log_density


def _hist(x, edges, counts):
    edges, counts = np.asarray(edges, float), np.asarray(counts, float)
    dens = counts / (counts.sum() * np.diff(edges))
    return np.log(dens[np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(counts) - 1)])


def test_histogram_log_density_reference_and_module_agree():
    assert checks.check_histogram_log_density(_hist, verbose=False)
    x = np.random.default_rng(0).uniform(0, 4, 100)
    h = density.fit_histogram(x, bins=8, value_range=(0.0, 4.0))
    counts = np.histogram(x, bins=8, range=(0, 4))[0]
    probe = np.array([0.2, 1.7, 4.0])
    np.testing.assert_allclose(_hist(probe, h.edges, counts), h.log_prob(probe))


def test_histogram_log_density_rejects_typical_mistakes():
    def no_width(x, edges, counts):
        counts = np.asarray(counts, float)
        return np.log((counts / counts.sum())[np.clip(np.searchsorted(edges, x, "right") - 1, 0,
                                                      len(counts) - 1)])

    def last_edge_overflow(x, edges, counts):  # forgets that the last edge is in the last bin
        counts = np.asarray(counts, float)
        dens = counts / (counts.sum() * np.diff(edges))
        return np.log(dens[np.searchsorted(edges, x, side="right") - 1])

    def no_log(x, edges, counts):
        return np.exp(_hist(x, edges, counts))

    for wrong in (no_width, no_log):
        result = checks.check_histogram_log_density(wrong, verbose=False)
        assert result.status == "fail" and "width" in result.message
    overflow = checks.check_histogram_log_density(last_edge_overflow, verbose=False)
    assert overflow.status == "fail" and "IndexError" in overflow.message
    assert "last edge" in overflow.message


def test_histogram_log_density_todo(capsys):
    assert checks.check_histogram_log_density(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out
