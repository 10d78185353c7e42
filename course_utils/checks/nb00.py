"""Self-checks of ``00_start_here``: ``from course_utils.checks import nb00 as checks``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_utils.checks.base import CheckResult, Mistake, run_check, show_hint, use

__all__ = ["HINTS", "CheckResult", "check_scale_pixels", "hint", "use"]

HINTS = {
    "scale_pixels": "pixels / 255.0 - divide by 255.0 (a float), so that 255 becomes exactly "
                    "1.0 and integer division never happens.",
}


def hint(name: str) -> None:
    """Print the formula behind exercise ``name`` (``00_start_here``)."""
    show_hint(HINTS, name)


def _ref_scale_pixels(images):
    levels = np.linspace(0.0, 1.0, 256)  # level k of 0..255 is k / 255, listed outright
    return levels[np.asarray(images, dtype=np.int64)]


SCALE_PIXELS_MISTAKES = (
    Mistake("divided_by_256", lambda x: np.asarray(x, dtype=float) / 256.0,
            "your brightest pixel (255) comes out a little below 1.0: check the number you "
            "divide by"),
    Mistake("integer_division", lambda x: np.asarray(x) // 255,
            "your values are whole numbers (only 0 and 1): that is integer division, which "
            "throws the fractions away"),
    Mistake("not_scaled", lambda x: np.asarray(x, dtype=float),
            "your values still run from 0 to 255: nothing was scaled"),
    Mistake("symmetric", lambda x: np.asarray(x, dtype=float) / 127.5 - 1.0,
            "your values run from -1 to 1: that is the symmetric scaling a GAN uses; this "
            "exercise wants [0, 1]"),
)


def check_scale_pixels(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise 0 (``00_start_here``): map uint8 pixels in [0, 255] to floats in [0, 1]."""
    rng = np.random.default_rng(0)
    cases = [
        (rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8),),
        (np.array([[0, 255]], dtype=np.uint8),),
        (np.zeros((1, 28, 28), dtype=np.uint8),),
    ]
    notes = ["four random images", "the darkest and the brightest pixel", "a black image"]
    return run_check("scale_pixels", student_fn, _ref_scale_pixels, cases,
                     mistakes=SCALE_PIXELS_MISTAKES, notes=notes, verbose=verbose)
