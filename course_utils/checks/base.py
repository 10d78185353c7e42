"""The mechanism behind every exercise self-check (introduced in ``00_start_here``).

A check runs the student's function and an independent reference on a few cases. It answers
with a :class:`CheckResult` (truthy on PASS) and prints one short message:

- ``PASS``;
- ``not done yet`` when the function still raises ``NotImplementedError`` (the form of every
  unfinished exercise);
- ``FAIL`` with a *diagnosis*, never the solution: when the answer equals a typical wrong
  answer (a :class:`Mistake`, computed from the same cases) the message names that mistake;
  otherwise it says how the answer relates to the right one (negated, twice, half, in bits,
  off by a constant, transposed) or what differed (shape, which entries, by how much). Every
  FAIL ends with "Stuck? `checks.hint('name')` shows the formula."; the formula itself is
  printed only by :func:`show_hint`, which each ``nbNN`` module wraps as ``hint(name)``.

:func:`use` is for *core* exercises that later cells build on: it returns the student's
function when the check passed and the reference otherwise, saying so, so that a student
notebook runs top to bottom either way::

    result = checks.check_encoder(build_encoder)
    build_encoder = checks.use(result, build_encoder, autoencoders.build_encoder)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

STATUSES = ("pass", "fail", "todo")


@dataclass
class CheckResult:
    """What a check found: ``status`` is ``"pass"``, ``"fail"`` or ``"todo"``; ``message`` is
    what was printed; ``mistake`` names the typical mistake diagnosed, if any."""

    name: str
    status: str
    message: str
    mistake: str | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def __bool__(self) -> bool:
        return self.status == "pass"

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, {self.status!r})"

    def use(self, student_fn: Callable, reference_fn: Callable, verbose: bool = True):
        """:func:`use` with this result."""
        return use(self, student_fn, reference_fn, verbose)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: ``answer`` computes it from a case's arguments (like the
    reference does) and ``message`` names the mistake in words, without the solution."""

    name: str
    answer: Callable
    message: str


# ---------------------------------------------------------------- describing a difference


def _fmt(value) -> str:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr):.4g}"
    if arr.size <= 6:
        return np.array2string(arr, separator=", ", formatter={"float_kind": "{:.4g}".format})
    return f"an array of shape {arr.shape} with mean {arr.mean():.4g}"


def _as_float(value) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def _shape_advice(g: np.ndarray, w: np.ndarray) -> str:
    if g.size == 1 and w.size > 1:
        return ": one number where one value per row or example is expected (did you sum or " \
               "average over every axis?)"
    if g.ndim == w.ndim + 1 and g.shape[: w.ndim] == w.shape:
        return ": an axis too many (did you forget to sum over the last one?)"
    if g.shape == w.shape[::-1]:
        return ": the axes are the other way round"
    return ""


def compare_outputs(got, want, rtol: float = 1e-4, atol: float = 1e-5,
                    names: Sequence[str] | None = None, equal_nan: bool = False) -> str | None:
    """``None`` when ``got`` matches ``want``; otherwise a sentence saying what differed: a
    missing ``return``, the number of outputs, the shape, NaNs, or which entries differ and by
    how much. ``names`` name the outputs of a tuple (``00_start_here``)."""
    if got is None:
        return "your function returned None: did you forget `return`?"
    if isinstance(want, tuple):
        if not isinstance(got, tuple | list) or len(got) != len(want):
            return f"expected a tuple of {len(want)} values, got {type(got).__name__}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            why = compare_outputs(g, w, rtol, atol, None, equal_nan)
            if why:
                label = f"output {i}" + (f" ({names[i]})" if names and i < len(names) else "")
                return f"{label}: {why}"
        return None
    g, w = _as_float(got), np.asarray(want, dtype=float)
    if g is None:
        return f"your function returned {type(got).__name__}, expected numbers"
    if g.shape != w.shape:
        return f"your output has shape {g.shape} but shape {w.shape} is expected" \
               + _shape_advice(g, w)
    if not equal_nan and not np.all(np.isfinite(g)) and np.all(np.isfinite(w)):
        bad = int(g.size - np.count_nonzero(np.isfinite(g)))
        return f"your output contains {bad} NaN or infinite value(s)"
    close = np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if np.all(close):
        return None
    if g.ndim == 0:
        return f"yours is {_fmt(g)}, expected {_fmt(w)}"
    gap = np.where(close, 0.0, np.abs(np.nan_to_num(g - w, nan=np.inf)))
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(gap), g.shape))
    return (f"{int((~close).sum())} of {g.size} values differ; the largest gap is at index "
            f"{worst}: yours {g[worst]:.4g}, expected {w[worst]:.4g}")


_FACTORS = (
    (-1.0, "your values are the negatives of the right ones: look at the sign"),
    (2.0, "your values are exactly twice the right ones: a factor 1/2 is missing"),
    (0.5, "your values are exactly half the right ones: a factor 2 is missing (or a 1/2 "
          "crept in)"),
    (1 / math.log(2), "your values are the right ones in bits (log base 2): use the natural "
                      "logarithm, the answer is in nats"),
    (1 / math.log(10), "your values use log base 10: use the natural logarithm"),
)


def relation(got: Sequence, want: Sequence, rtol: float = 1e-4, atol: float = 1e-5) -> str | None:
    """How a student's outputs relate to the right ones over all cases (``00_start_here``),
    when a simple rule explains every value: the same factor (-1, 2, 1/2, 1/ln 2, ...) or the same offset; else
    ``None``. ``got`` and ``want`` are lists of same-shaped outputs, one per case."""
    pairs = [(_as_float(g), np.asarray(w, dtype=float)) for g, w in zip(got, want, strict=True)]
    pairs = [(g, w) for g, w in pairs if g is not None and g.shape == w.shape]
    if not pairs:
        return None
    g = np.concatenate([p[0].ravel() for p in pairs])
    w = np.concatenate([p[1].ravel() for p in pairs])
    if g.size < 2 or not (np.all(np.isfinite(g)) and np.all(np.isfinite(w))):
        return None
    if np.allclose(g, w, rtol=rtol, atol=atol):
        return None
    nonzero = np.abs(w) > 1e-9
    if nonzero.sum() >= 2:
        r = float(np.median(g[nonzero] / w[nonzero]))
        if np.allclose(g, r * w, rtol=rtol, atol=atol):
            for factor, message in _FACTORS:
                if math.isclose(r, factor, rel_tol=1e-3):
                    return message
            return f"all your values are {r:.4g} times the right ones: a constant factor is off"
    d = float(np.median(g - w))
    if abs(d) > atol and np.allclose(g, w + d, rtol=rtol, atol=atol):
        return (f"all your values are off by the same amount ({d:+.4g}): a constant term is "
                "missing or extra")
    return None


# ---------------------------------------------------------------- running a check


@dataclass
class _Outcome:
    value: object = None
    error: Exception | None = None


def _fresh(value):
    """A copy of the arrays (and lists, tuples, dicts of them) in ``value``; anything else,
    a Keras model for example, is passed as it is."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list | tuple):
        return type(value)(_fresh(v) for v in value)
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    return value


def _call(fn: Callable, case: Sequence) -> _Outcome:
    """``fn`` on fresh copies of the case's arrays (so an in-place edit cannot leak into the
    next call), quietly: NumPy's warnings about log(0) or 0/0 would only bury the message."""
    try:
        with np.errstate(all="ignore"):
            return _Outcome(value=fn(*_fresh(tuple(case))))
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - report the student's error, don't crash
        return _Outcome(error=exc)


def _part(value, component: int | None):
    if component is not None and isinstance(value, tuple | list) and len(value) > component:
        return value[component]
    return value


def _agrees(a: _Outcome, b: _Outcome, rtol: float, atol: float,
            component: int | None = None) -> bool:
    """Both raised the same kind of exception, or both returned the same values (in output
    ``component`` of a tuple, when given)."""
    if a.error is not None or b.error is not None:
        return a.error is not None and b.error is not None and type(a.error) is type(b.error)
    return compare_outputs(_part(a.value, component), _part(b.value, component), rtol, atol,
                           equal_nan=True) is None


def first_wrong_component(outcomes: Sequence[_Outcome], refs: Sequence[_Outcome],
                          rtol: float = 1e-4, atol: float = 1e-5) -> int | None:
    """For tuple outputs (``01_supervised_vs_unsupervised``), the first output that is wrong on
    some case (the later ones may just inherit its error); ``None`` for other outputs or a tuple of the wrong length."""
    values = [o.value for o in outcomes if o.error is None]
    wants = [r.value for o, r in zip(outcomes, refs, strict=True) if o.error is None]
    if not wants or not isinstance(wants[0], tuple) or any(
            not isinstance(v, tuple | list) or len(v) != len(w)
            for v, w in zip(values, wants, strict=True)):
        return None
    for j in range(len(wants[0])):
        if any(compare_outputs(v[j], w[j], rtol, atol) for v, w in zip(values, wants,
                                                                         strict=True)):
            return j
    return None


def matches_mistake(mistake: Mistake, outcomes: Sequence[_Outcome], refs: Sequence[_Outcome],
                    cases: Sequence[Sequence], rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    """Whether the student's ``outcomes`` are what ``mistake`` gives (``00_start_here``): on
    every case the same values or the same kind of exception, while the mistake differs from
    the reference on at least one case (so a right answer never matches). For tuple outputs
    only the first wrong output is compared."""
    component = first_wrong_component(outcomes, refs, rtol, atol)
    telling = False
    for out, ref, case in zip(outcomes, refs, cases, strict=True):
        try:
            wrong = _call(mistake.answer, case)
        except NotImplementedError:
            return False
        if not _agrees(out, wrong, rtol, atol, component):
            return False
        telling = telling or not _agrees(wrong, ref, rtol, atol, component)
    return telling


def stuck_line(name: str) -> str:
    """The last line of every FAIL (``00_start_here``): where the formula is."""
    return f"Stuck? `checks.hint('{name}')` shows the formula."


def fail_result(name: str, diagnosis: str, mistake: str | None = None,
                stuck: bool = True) -> CheckResult:
    """A FAIL result with the standard message (``00_start_here``): the diagnosis, then
    :func:`stuck_line`. For checks that add their own stage (a gradient check, say)."""
    diagnosis = diagnosis.strip()
    text = f"{name}: FAIL - {diagnosis}" + ("" if diagnosis.endswith((".", "?", "!")) else ".")
    return CheckResult(name, "fail", text + (f"\n{stuck_line(name)}" if stuck else ""), mistake)


def todo_result(name: str) -> CheckResult:
    """The result of an exercise whose function still raises ``NotImplementedError``
    (``00_start_here``)."""
    return CheckResult(name, "todo", f"{name}: not done yet - fill in the TODO, then run this "
                       "cell again.")


def run_check(name: str, student_fn: Callable, reference_fn: Callable,
              cases: Iterable[Sequence], *, mistakes: Sequence[Mistake] = (),
              notes: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
              rtol: float = 1e-4, atol: float = 1e-5, stuck: bool = True,
              verbose: bool = True) -> CheckResult:
    """Compare ``student_fn(*case)`` with ``reference_fn(*case)`` on every case
    (``00_start_here``); on a difference, diagnose it with ``mistakes`` first, then with
    :func:`relation`, then by describing the first failing case (``notes[i]`` says what case
    ``i`` tests). Each call gets its own copy of the arguments. Prints the message when
    ``verbose``."""
    result = _run(name, student_fn, reference_fn, [tuple(c) for c in cases], mistakes, notes,
                  output_names, rtol, atol, stuck)
    if verbose:
        print(result.message)
    return result


def _run(name, student_fn, reference_fn, cases, mistakes, notes, output_names, rtol, atol,
         stuck) -> CheckResult:
    if not callable(student_fn):
        return fail_result(name, f"expected your function itself, got a "
                           f"{type(student_fn).__name__} (pass the name without calling it)",
                           stuck=stuck)
    try:
        outcomes = [_call(student_fn, case) for case in cases]
    except NotImplementedError:
        return todo_result(name)
    refs = [_call(reference_fn, case) for case in cases]
    for ref in refs:
        if ref.error is not None:
            raise RuntimeError(f"the reference of check {name!r} failed") from ref.error
    bad = [i for i, (out, ref) in enumerate(zip(outcomes, refs, strict=True))
           if out.error is not None
           or compare_outputs(out.value, ref.value, rtol, atol, output_names) is not None]
    if not bad:
        return CheckResult(name, "pass", f"{name}: PASS - well done.")
    for mistake in mistakes:
        if matches_mistake(mistake, outcomes, refs, cases, rtol, atol):
            return fail_result(name, mistake.message, mistake.name, stuck)
    i = bad[0]
    where = f"test case {i + 1}" + (f" ({notes[i]})" if notes and i < len(notes) else "")
    if outcomes[i].error is not None:
        exc = outcomes[i].error
        return fail_result(name, f"on {where}, your function raised {type(exc).__name__}: {exc}",
                           stuck=stuck)
    if not any(isinstance(r.value, tuple) for r in refs):
        found = relation([o.value for o in outcomes], [r.value for r in refs], rtol, atol)
        if found:
            return fail_result(name, found, stuck=stuck)
    why = compare_outputs(outcomes[i].value, refs[i].value, rtol, atol, output_names)
    return fail_result(name, f"on {where}, {why}", stuck=stuck)


# ---------------------------------------------------------------- hints and fallbacks


def hint_text(hints: Mapping[str, str], name: str) -> str:
    """The formula-level hint ``name`` of a notebook's ``HINTS`` (``00_start_here``);
    ``ValueError`` naming the known hints otherwise."""
    if not isinstance(name, str) or name not in hints:
        raise ValueError(f"no hint called {name!r}; the hints here are: "
                         f"{', '.join(sorted(hints))}")
    return hints[name]


def show_hint(hints: Mapping[str, str], name: str) -> None:
    """Print the hint ``name`` (``00_start_here``): what ``checks.hint(name)`` does in every
    notebook."""
    print(f"{name}: {hint_text(hints, name)}")


def use(result: CheckResult, student_fn: Callable, reference_fn: Callable,
        verbose: bool = True) -> Callable:
    """For a core exercise that later cells build on (``04_autoencoders`` onwards): the
    student's function when ``result`` passed, else the reference, with one printed line
    saying which one the cells below use. The student notebook thus runs top to bottom."""
    if not isinstance(result, CheckResult):
        raise TypeError(f"result must be the CheckResult a check returned, got "
                        f"{type(result).__name__}")
    for label, fn in (("student_fn", student_fn), ("reference_fn", reference_fn)):
        if not callable(fn):
            raise TypeError(f"{label} must be callable, got {type(fn).__name__}")
    if result:
        line, chosen = f"{result.name}: the cells below use your version.", student_fn
    elif result.status == "todo":
        line, chosen = (f"{result.name}: not done yet: using the reference implementation.",
                        reference_fn)
    else:
        line, chosen = (f"{result.name}: FAIL: the cells below use the reference implementation "
                        "so the notebook runs on.", reference_fn)
    if verbose:
        print(line)
    return chosen
