"""Exercise self-checks (introduced in ``00_start_here``).

A check calls the student's function and a reference on random and edge-case inputs and
prints ``PASS``, ``FAIL`` with what differed and a hint, or ``not done yet`` when the
function still raises ``NotImplementedError`` (the form every unfinished exercise has).
Checks return ``True``/``False`` so tests can use them too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class CheckResult:
    """What a check found: ``status`` is ``"pass"``, ``"fail"`` or ``"todo"``."""

    name: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == "pass"

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, {self.status!r})"


def _describe(value) -> str:
    arr = np.asarray(value)
    if arr.size <= 6:
        return np.array2string(arr, precision=4, separator=", ")
    return f"array shape {arr.shape}, mean {arr.astype(float).mean():.4g}"


def compare_outputs(got, want, rtol: float = 1e-4, atol: float = 1e-5) -> str | None:
    """``None`` when ``got`` matches ``want``; otherwise a sentence saying what differed."""
    if got is None:
        return "your function returned None: did you forget `return`?"
    if isinstance(want, tuple):
        if not isinstance(got, tuple | list) or len(got) != len(want):
            return f"expected a tuple of {len(want)} values, got {type(got).__name__}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            why = compare_outputs(g, w, rtol, atol)
            if why:
                return f"output {i}: {why}"
        return None
    g = np.asarray(got, dtype=float)
    w = np.asarray(want, dtype=float)
    if g.shape != w.shape:
        return f"shape {g.shape} but expected {w.shape}"
    if not np.all(np.isfinite(g)) and np.all(np.isfinite(w)):
        return "your output contains NaN or inf"
    if not np.allclose(g, w, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(g - w)), g.shape) if g.ndim else ()
        return (f"values differ: got {_describe(g)}, expected {_describe(w)}"
                + (f" (largest gap at index {tuple(int(i) for i in worst)})" if g.ndim else ""))
    return None


def run_check(
    name: str,
    student_fn: Callable,
    reference_fn: Callable,
    cases: Iterable[Sequence],
    hint: str,
    rtol: float = 1e-4,
    atol: float = 1e-5,
    verbose: bool = True,
) -> CheckResult:
    """Compare ``student_fn(*case)`` with ``reference_fn(*case)`` for every case."""
    result = None
    for i, case in enumerate(cases):
        try:
            got = student_fn(*case)
        except NotImplementedError:
            result = CheckResult(name, "todo", f"{name}: not done yet - fill in the TODO, "
                                 "then run this cell again.")
            break
        except Exception as exc:  # noqa: BLE001 - report the student's error, don't crash
            result = CheckResult(name, "fail", f"{name}: FAIL - your function raised "
                                 f"{type(exc).__name__}: {exc} (test case {i + 1}).\n"
                                 f"Hint: {hint}")
            break
        why = compare_outputs(got, reference_fn(*case), rtol, atol)
        if why:
            result = CheckResult(name, "fail", f"{name}: FAIL on test case {i + 1} - {why}.\n"
                                 f"Hint: {hint}")
            break
    if result is None:
        result = CheckResult(name, "pass", f"{name}: PASS - well done.")
    if verbose:
        print(result.message)
    return result


# ---------------------------------------------------------------- 00_start_here


def _ref_scale_pixels(images):
    return np.asarray(images, dtype="float32") / 255.0


def check_scale_pixels(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise 0 (``00_start_here``): map uint8 pixels in [0, 255] to floats in [0, 1]."""
    rng = np.random.default_rng(0)
    cases = [
        (rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8),),
        (np.array([[0, 255]], dtype=np.uint8),),
        (np.zeros((1, 28, 28), dtype=np.uint8),),
    ]
    return run_check("scale_pixels", student_fn, _ref_scale_pixels, cases,
                     hint="divide by 255.0 (a float), so that 255 becomes exactly 1.0 and "
                          "integer division never happens.", verbose=verbose)


# ---------------------------------------------------------------- 01_supervised_vs_unsupervised

# ---------------------------------------------------------------- 02_generative_modeling

# ---------------------------------------------------------------- 03_latent_variable_models

# ---------------------------------------------------------------- 04_autoencoders

# ---------------------------------------------------------------- 05_variational_autoencoders

# ---------------------------------------------------------------- 06_generative_adversarial_networks
