"""Self-checks of ``07_gan_variants``: ``from course_utils.checks import nb07 as checks``.

Three exercises: the truncation trick of StyleGAN, the minibatch standard-deviation feature
that keeps StyleGAN's discriminator from being fooled by clones, and ink bins by per-class
quantiles (the ordinal condition of the "aging" analogue).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_utils.checks.base import CheckResult, Mistake, run_check, show_hint, use

__all__ = ["HINTS", "CheckResult", "check_ink_bins", "check_minibatch_std",
           "check_truncate", "hint", "use"]

HINTS = {
    "truncate": "w' = w_avg + psi * (w - w_avg): psi = 1 leaves w alone, psi = 0 gives w_avg "
                "for every row.",
    "minibatch_std": "for every feature (every position and channel) the standard deviation "
                     "over the batch axis 0 (np.std with the default ddof=0), then the mean of "
                     "all of them: one number per batch.",
    "ink_bins": "for every class c separately: edges = np.quantile(ink[labels == c], "
                "[1/n, 2/n, ..., (n-1)/n]); the bin of an image of class c is "
                "np.searchsorted(edges, its ink, side='right').",
}


def hint(name: str) -> None:
    """Print the formula behind exercise ``name`` (``07_gan_variants``)."""
    show_hint(HINTS, name)


# ---------------------------------------------------------------- the truncation trick


def _ref_truncate(w, w_avg, psi):
    w, w_avg = np.asarray(w, dtype=float), np.asarray(w_avg, dtype=float)
    return (1.0 - psi) * w_avg + psi * w  # the same point, written as a blend


TRUNCATE_MISTAKES = (
    Mistake("scaled_w", lambda w, a, psi: psi * np.asarray(w, dtype=float),
            "you scaled w itself towards 0: truncation pulls towards the average w, which is "
            "not the origin"),
    Mistake("reversed", lambda w, a, psi: np.asarray(w, float) + psi * (np.asarray(a, float)
                                                                         - np.asarray(w, float)),
            "psi works the wrong way round: psi = 1 must leave w unchanged and psi = 0 give the "
            "average"),
    Mistake("shift_only", lambda w, a, psi: np.asarray(w, float) - psi * np.asarray(a, float),
            "you shift every w by a multiple of the average instead of moving it part of the "
            "way towards the average"),
)


def check_truncate(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``07_gan_variants``): ``truncate(w, w_avg, psi)``, the truncation trick."""
    rng = np.random.default_rng(71)
    w, w_avg = rng.normal(0, 1, (5, 4)), rng.normal(1, 0.5, 4)
    cases = [(w, w_avg, 0.5), (w, w_avg, 1.0), (w, w_avg, 0.0), (w[:2], w_avg, 0.7),
             (w, np.zeros(4), 0.3)]
    notes = ["psi 0.5", "psi 1: nothing changes", "psi 0: every row is the average", "psi 0.7",
             "an average of zero"]
    return run_check("truncate", student_fn, _ref_truncate, cases, mistakes=TRUNCATE_MISTAKES,
                     notes=notes, verbose=verbose)


# ---------------------------------------------------------------- minibatch standard deviation


def _ref_minibatch_std(x):
    x = np.asarray(x, dtype=float)
    centred = x - x.mean(axis=0)
    return float(np.sqrt((centred**2).mean(axis=0)).mean())


MINIBATCH_MISTAKES = (
    Mistake("over_features", lambda x: float(np.asarray(x, float).reshape(len(x), -1)
                                             .std(axis=1).mean()),
            "you took the spread within each image, across its features: the feature is about "
            "how different the images of a batch are from each other, so take it across the "
            "batch"),
    Mistake("variance", lambda x: float(np.asarray(x, float).var(axis=0).mean()),
            "you averaged variances: take the standard deviation of every feature first"),
    Mistake("ddof", lambda x: float(np.asarray(x, float).std(axis=0, ddof=1).mean()),
            "you used the sample standard deviation (divided by n - 1): use the plain one "
            "(divided by n), as the network layer does"),
    Mistake("std_of_all", lambda x: float(np.asarray(x, float).std()),
            "you took one standard deviation over every number at once: it mixes the spread "
            "between features with the spread between images"),
)


def check_minibatch_std(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``07_gan_variants``): the minibatch standard-deviation feature of a batch
    ``(n, h, w, c)``: one number, small for a batch of near-copies."""
    rng = np.random.default_rng(72)
    varied = rng.normal(0, 1, (8, 3, 3, 2))
    clones = np.repeat(rng.normal(0, 1, (1, 3, 3, 2)), 8, axis=0) + rng.normal(0, 0.01,
                                                                                (8, 3, 3, 2))
    scaled = rng.normal(5, 3, (4, 2, 2, 3)) * np.arange(1, 4)
    cases = [(varied,), (clones,), (scaled,)]
    notes = ["a varied batch", "eight near-copies: close to 0", "features with different scales"]
    return run_check("minibatch_std", student_fn, _ref_minibatch_std, cases,
                     mistakes=MINIBATCH_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- ink bins by class


def _ref_ink_bins(ink, labels, n_bins):
    ink, labels = np.asarray(ink, dtype=float), np.asarray(labels)
    out = np.zeros(len(ink), dtype=int)
    for c in np.unique(labels):
        members = labels == c
        quantile_edges = np.quantile(ink[members], np.arange(1, n_bins) / n_bins)
        out[members] = np.sum(ink[members][:, None] >= quantile_edges[None, :], axis=1)
    return out  # an image on an edge belongs to the bin above it


def _global_bins(ink, labels, n_bins):
    ink = np.asarray(ink, dtype=float)
    edges = np.quantile(ink, np.arange(1, n_bins) / n_bins)
    return np.searchsorted(edges, ink, side="right")


def _even_width_bins(ink, labels, n_bins):
    ink, labels = np.asarray(ink, dtype=float), np.asarray(labels)
    out = np.zeros(len(ink), dtype=int)
    for c in np.unique(labels):
        m = labels == c
        lo, hi = ink[m].min(), ink[m].max()
        out[m] = np.minimum((n_bins * (ink[m] - lo) / max(hi - lo, 1e-12)).astype(int),
                            n_bins - 1)
    return out


INK_MISTAKES = (
    Mistake("global_quantiles", _global_bins,
            "you cut the ink of all images together: then light classes (sandals) fill the low "
            "bins and heavy ones (pullovers) the high bins, so the bin gives the class away. "
            "Cut each class separately"),
    Mistake("even_width", _even_width_bins,
            "your bins have equal width in ink, not equal numbers of images: one unusually "
            "heavy image stretches a class's range and empties its middle bins"),
    Mistake("reversed", lambda ink, labels, n: n - 1 - _ref_ink_bins(ink, labels, n),
            "your bins run the wrong way: bin 0 must be the lightest images of each class"),
)


def check_ink_bins(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``07_gan_variants``): ``ink_bins(ink, labels, n_bins)``, the bin of every
    image, from 0 (lightest for its class) to ``n_bins - 1`` (heaviest for its class)."""
    rng = np.random.default_rng(73)
    labels = np.repeat(np.arange(3), 20)
    ink = rng.uniform(0.05, 0.15, 60) + 0.2 * labels  # each class has its own ink level
    ink[5] = 0.9  # one unusually heavy image of class 0
    cases = [(ink, labels, 4), (ink, labels, 2), (ink[labels == 1], labels[labels == 1], 5)]
    notes = ["three classes, four bins", "two bins", "one class, five bins"]
    return run_check("ink_bins", student_fn, _ref_ink_bins, cases, mistakes=INK_MISTAKES,
                     notes=notes, verbose=verbose)
