"""Self-checks of ``02_generative_modeling``: ``from course_utils.checks import nb02 as checks``."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import stats

from course_utils.checks.base import CheckResult, Mistake, run_check, show_hint, use

__all__ = ["HINTS", "CheckResult", "check_apply_temperature", "check_gaussian_log_likelihood",
           "check_histogram_log_density", "hint", "use"]

HINTS = {
    "apply_temperature": "p ** (1 / temperature), then divide by its sum so it sums to one: "
                         "q = p ** (1 / T) / np.sum(p ** (1 / T)).",
    "gaussian_log_likelihood": "log N(x; m, s^2) = -0.5 * log(2 pi) - log(s) - (x - m)^2 / "
                               "(2 s^2) for every x, then the MEAN over the points.",
    "histogram_log_density": "bin = np.searchsorted(edges, x, side='right') - 1, clipped to the "
                             "last bin; density = counts / (counts.sum() * np.diff(edges)); "
                             "return np.log(density[bin]).",
}


def hint(name: str) -> None:
    """Print the formula behind exercise ``name`` (``02_generative_modeling``)."""
    show_hint(HINTS, name)


# ---------------------------------------------------------------- temperature


def _ref_apply_temperature(probs, temperature):
    logits = np.log(np.asarray(probs, dtype=float)) / float(temperature)
    e = np.exp(logits - logits.max())
    return e / e.sum()


def _softmax(a):
    e = np.exp(a - np.max(a))
    return e / e.sum()


TEMPERATURE_MISTAKES = (
    Mistake("power_temperature", lambda p, t: p**t / np.sum(p**t),
            "you raised the probabilities to the power of the temperature itself: then a "
            "temperature below 1 flattens the distribution, but it must sharpen it"),
    Mistake("not_normalised", lambda p, t: p ** (1.0 / t),
            "your probabilities no longer sum to 1: the reshaped values were never normalised"),
    Mistake("divided", lambda p, t: p / t,
            "you divided the probabilities by the temperature: that only rescales them (and "
            "they no longer sum to 1)"),
    Mistake("no_effect", lambda p, t: (p / t) / np.sum(p / t),
            "your output is the input distribution unchanged: the temperature has no effect"),
    Mistake("softmax_of_probs", lambda p, t: _softmax(p / t),
            "you applied a softmax to the probabilities divided by the temperature, as if they "
            "were logits: they are probabilities already"),
)


def check_apply_temperature(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``02_generative_modeling``): sharpen (T < 1) or flatten (T > 1) a next-word
    distribution, renormalised to sum to one."""
    rng = np.random.default_rng(20)
    cases = [
        (rng.dirichlet(np.ones(6)), 1.0),
        (rng.dirichlet(np.ones(6)), 0.5),
        (rng.dirichlet(np.ones(12)), 2.0),
        (np.array([0.7, 0.2, 0.1]), 0.25),
        (np.array([0.5, 0.3, 0.2]), 4.0),
    ]
    notes = ["temperature 1", "temperature 0.5", "temperature 2", "temperature 0.25",
             "temperature 4"]
    return run_check("apply_temperature", student_fn, _ref_apply_temperature, cases,
                     mistakes=TEMPERATURE_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- Gaussian log-likelihood


def _ref_gaussian_log_likelihood(x, mean, std):
    return float(np.mean(stats.norm(loc=mean, scale=std).logpdf(np.asarray(x, dtype=float))))


def _gauss_variant(const=True, var_power=2, square_half=True, log_sd=1.0, reduce=np.mean,
                   log=True):
    def ll(x, m, s):
        x = np.asarray(x, dtype=float)
        square = (x - m) ** 2 / (s**var_power) * (0.5 if square_half else 1.0)
        values = -(0.5 * math.log(2 * math.pi) if const else 0.0) - log_sd * np.log(s) - square
        return float(reduce(values if log else np.exp(values)))

    return ll


GAUSSIAN_MISTAKES = (
    Mistake("no_2pi", _gauss_variant(const=False),
            "your values are 0.919 nats too high on every case: the Gaussian's normalising "
            "constant (the part with pi) is missing"),
    Mistake("std_for_variance", _gauss_variant(var_power=1),
            "you divided the squared distance by the standard deviation where its square, the "
            "variance, belongs"),
    Mistake("no_half_on_square", _gauss_variant(square_half=False),
            "the squared-distance term is twice too large: a factor 1/2 is missing there"),
    Mistake("log_variance", _gauss_variant(log_sd=2.0),
            "your normalising term takes the log of the variance where the log of the standard "
            "deviation belongs"),
    Mistake("summed", _gauss_variant(reduce=np.sum),
            "you summed over the points: the exercise asks for the average per point"),
    Mistake("not_log", _gauss_variant(log=False),
            "you returned the average density itself, not the average log-density"),
)


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
    notes = ["a standard normal", "a wide Gaussian", "a narrow Gaussian",
             "one point on the mean"]
    return run_check("gaussian_log_likelihood", student_fn, _ref_gaussian_log_likelihood, cases,
                     mistakes=GAUSSIAN_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- histogram density


def _ref_histogram_log_density(x, edges, counts):
    edges = np.asarray(edges, dtype=float)
    counts = np.asarray(counts, dtype=float)
    out = []
    for xi in np.atleast_1d(np.asarray(x, dtype=float)):
        j = min(int(np.sum(edges <= xi)) - 1, len(counts) - 1)  # a bin holds its left edge
        out.append(math.log(counts[j] / counts.sum() / (edges[j + 1] - edges[j])))
    return np.array(out)


def _hist_variant(side="right", clip=True, width=True, total=True, log=True):
    def log_density(x, edges, counts):
        edges, counts = np.asarray(edges, dtype=float), np.asarray(counts, dtype=float)
        density = counts / (counts.sum() if total else 1.0) / (np.diff(edges) if width else 1.0)
        idx = np.searchsorted(edges, x, side=side) - 1
        if clip:
            idx = np.clip(idx, 0, len(counts) - 1)
        return np.log(density[idx]) if log else density[idx]

    return log_density


HISTOGRAM_MISTAKES = (
    Mistake("no_width", _hist_variant(width=False),
            "your values are the log-probabilities of the bins, not log-densities: the bin "
            "width is missing"),
    Mistake("no_total", _hist_variant(total=False),
            "your densities are not divided by the total count: they integrate to the number "
            "of points, not to 1"),
    Mistake("last_edge", _hist_variant(clip=False),
            "a point lying exactly on the last edge fell outside your bins (IndexError): the "
            "last bin includes its right edge"),
    Mistake("left_side", _hist_variant(side="left"),
            "a point lying exactly on an inner edge went to the bin on its left: each bin "
            "includes its own left edge"),
    Mistake("not_log", _hist_variant(log=False),
            "you returned the density, not its log"),
)


def check_histogram_log_density(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``02_generative_modeling``): the log-density of points under a histogram
    (``edges``, ``counts``)."""
    rng = np.random.default_rng(22)
    cases = [
        (rng.uniform(0.0, 4.0, 20), np.linspace(0.0, 4.0, 5), np.array([3.0, 5.0, 8.0, 4.0])),
        (rng.uniform(-1.0, 1.0, 15), np.linspace(-1.0, 1.0, 9), rng.integers(1, 20, 8)),
        (np.array([0.1, 0.6, 2.9]), np.array([0.0, 0.5, 1.0, 3.0]), np.array([2.0, 6.0, 2.0])),
        (np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.5, 1.0]), np.array([1.0, 3.0])),
    ]
    notes = ["four equal bins", "eight equal bins", "bins of different widths",
             "points exactly on the edges"]
    return run_check("histogram_log_density", student_fn, _ref_histogram_log_density, cases,
                     mistakes=HISTOGRAM_MISTAKES, notes=notes, verbose=verbose)
