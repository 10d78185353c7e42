"""The mechanism behind every exercise check (course_utils.checks.base): PASS / FAIL with a
diagnosis / not done yet, the hint on request, and `use` for core exercises."""

import importlib
import inspect
import subprocess
import sys

import numpy as np
import pytest

from course_utils.checks import base
from course_utils.checks.base import CheckResult, Mistake, compare_outputs, relation, run_check

MODULES = [f"course_utils.checks.nb0{i}" for i in range(7)]


def _square(x):
    return np.asarray(x, dtype=float) ** 2


CASES = [(np.array([1.0, 2.0, 3.0]),), (np.array([[0.5, -1.0], [2.0, 4.0]]),)]


def _todo(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- results and comparisons


def test_check_result_is_truthy_only_on_pass():
    assert CheckResult("x", "pass", "ok")
    assert not CheckResult("x", "fail", "no")
    assert not CheckResult("x", "todo", "later")
    assert repr(CheckResult("x", "fail", "no")) == "CheckResult('x', 'fail')"
    with pytest.raises(ValueError, match="status"):
        CheckResult("x", "maybe", "?")


def test_compare_outputs_explains_what_differed():
    assert compare_outputs(np.ones(3), np.ones(3)) is None
    assert "return" in compare_outputs(None, np.ones(3))
    assert "shape (3,) but shape (4,)" in compare_outputs(np.zeros(3), np.zeros(4))
    assert "one number" in compare_outputs(1.0, np.zeros(4))
    assert "other way round" in compare_outputs(np.zeros((2, 3)), np.zeros((3, 2)))
    assert "NaN" in compare_outputs(np.array([np.nan, 1.0]), np.ones(2))
    gap = compare_outputs(np.array([1.0, 2.0, 9.0]), np.array([1.0, 2.0, 3.0]))
    assert "1 of 3 values differ" in gap and "(2,)" in gap and "9" in gap
    assert "yours is 2, expected 1" in compare_outputs(2.0, 1.0)
    assert "tuple of 2" in compare_outputs(1.0, (1.0, 2.0))
    assert "output 1 (b)" in compare_outputs((1.0, 5.0), (1.0, 2.0), names=("a", "b"))
    assert "expected numbers" in compare_outputs("text", np.ones(2))


@pytest.mark.parametrize("factor, words", [
    (-1.0, "negatives"), (2.0, "twice"), (0.5, "half"), (1 / np.log(2), "bits"),
    (3.0, "3 times"),
])
def test_relation_names_a_constant_factor(factor, words):
    want = [np.array([1.0, -2.0, 0.5]), np.array(0.7)]
    assert words in relation([factor * w for w in want], want)


def test_relation_names_a_constant_offset_and_nothing_else():
    want = [np.array([1.0, -2.0, 0.5]), np.array(0.7)]
    assert "same amount (+0.5)" in relation([w + 0.5 for w in want], want)
    assert relation(want, want) is None
    assert relation([np.array([1.0, 5.0, 0.0]), np.array(0.7)], want) is None


# ---------------------------------------------------------------- run_check


def test_run_check_passes_and_prints_one_line(capsys):
    result = run_check("square", _square, _square, CASES)
    assert result and result.status == "pass"
    assert capsys.readouterr().out == "square: PASS - well done.\n"


def test_todo_is_not_done_yet_and_not_a_traceback(capsys):
    result = run_check("square", _todo, _square, CASES)
    assert result.status == "todo" and not result
    assert "not done yet" in capsys.readouterr().out


def test_a_matching_mistake_is_named_before_any_generic_diagnosis():
    mistakes = [Mistake("cube", lambda x: np.asarray(x) ** 3, "you cubed"),
                Mistake("double", lambda x: 2 * np.asarray(x) ** 2, "you doubled")]
    result = run_check("square", lambda x: 2 * x**2, _square, CASES, mistakes=mistakes,
                       verbose=False)
    assert result.status == "fail" and result.mistake == "double"
    assert result.message.startswith("square: FAIL - you doubled.")
    assert result.message.endswith("Stuck? `checks.hint('square')` shows the formula.")


def test_without_a_matching_mistake_the_relation_or_the_gap_is_described():
    twice = run_check("square", lambda x: 2 * x**2, _square, CASES, verbose=False)
    assert "exactly twice" in twice.message and twice.mistake is None
    off = run_check("square", lambda x: x**2 + np.where(x > 1.5, 1.0, 0.0), _square, CASES,
                    notes=["three numbers", "a matrix"], verbose=False)
    assert "test case 1 (three numbers)" in off.message and "2 of 3 values differ" in off.message


def test_a_mistake_equal_to_the_reference_never_matches():
    same = Mistake("same", _square, "never shown")
    result = run_check("square", lambda x: -x**2, _square, CASES, mistakes=[same],
                       verbose=False)
    assert result.mistake is None and "negatives" in result.message


def test_exceptions_are_reported_and_can_be_a_typical_mistake():
    raised = run_check("square", lambda x: x.missing, _square, CASES, verbose=False)
    assert "test case 1" in raised.message and "raised AttributeError" in raised.message

    def crashes_on_matrices(x):
        if np.ndim(x) > 1:
            raise IndexError("too many indices")
        return np.asarray(x) ** 2

    mistake = Mistake("matrix", crashes_on_matrices, "matrices are not handled")
    named = run_check("square", crashes_on_matrices, _square, CASES, mistakes=[mistake],
                      verbose=False)
    assert named.mistake == "matrix"
    other = run_check("square", lambda x: x.missing, _square, CASES, mistakes=[mistake],
                      verbose=False)
    assert other.mistake is None  # a different exception is not that mistake


def test_for_tuples_the_first_wrong_output_decides_the_mistake():
    def stats(x):
        return float(np.sum(x)), float(np.mean(x))

    def total_from_mean_of_squares(x):  # output 0 wrong; output 1 right or not: same mistake
        return float(np.sum(np.square(x))), float(np.mean(x))

    mistake = Mistake("squares", total_from_mean_of_squares, "you squared")
    for student in (total_from_mean_of_squares,
                    lambda x: (float(np.sum(np.square(x))), float(np.mean(np.square(x))))):
        result = run_check("stats", student, stats, CASES, mistakes=[mistake], verbose=False)
        assert result.mistake == "squares"
    wrong_mean = run_check("stats", lambda x: (float(np.sum(x)), 0.0), stats, CASES,
                           mistakes=[mistake], output_names=("total", "mean"), verbose=False)
    assert wrong_mean.mistake is None and "output 1 (mean)" in wrong_mean.message


def test_each_call_gets_its_own_copy_of_the_arguments():
    def in_place(x):
        x *= x
        return x

    assert run_check("square", in_place, _square, CASES, verbose=False)


def test_passing_something_that_is_not_a_function_is_explained():
    result = run_check("square", _square(np.ones(2)), _square, CASES, verbose=False)
    assert result.status == "fail" and "without calling it" in result.message


# ---------------------------------------------------------------- hints and use


def test_show_hint_prints_and_unknown_names_are_listed(capsys):
    base.show_hint({"square": "x ** 2"}, "square")
    assert capsys.readouterr().out == "square: x ** 2\n"
    with pytest.raises(ValueError, match="the hints here are: a, square"):
        base.show_hint({"square": "x ** 2", "a": "b"}, "cube")


def test_use_returns_the_students_function_only_when_it_passed(capsys):
    def mine(x):
        return x

    def reference(x):
        return x

    passed = run_check("square", _square, _square, CASES, verbose=False)
    assert base.use(passed, mine, reference) is mine
    assert "use your version" in capsys.readouterr().out
    todo = run_check("square", _todo, _square, CASES, verbose=False)
    assert base.use(todo, mine, reference) is reference
    assert "not done yet: using the reference implementation" in capsys.readouterr().out
    failed = run_check("square", lambda x: x, _square, CASES, verbose=False)
    assert failed.use(mine, reference) is reference
    assert ("FAIL: the cells below use the reference implementation so the notebook runs on"
            in capsys.readouterr().out)
    assert base.use(failed, mine, reference, verbose=False) is reference
    assert capsys.readouterr().out == ""


def test_use_rejects_what_is_not_a_result_or_a_function():
    passed = run_check("square", _square, _square, CASES, verbose=False)
    with pytest.raises(TypeError, match="CheckResult"):
        base.use(True, _square, _square)
    with pytest.raises(TypeError, match="reference_fn"):
        base.use(passed, _square, "not a function")


# ---------------------------------------------------------------- every notebook module


@pytest.mark.parametrize("name", MODULES)
def test_every_check_has_a_hint_and_every_module_offers_hint_and_use(name, capsys):
    module = importlib.import_module(name)
    checks = [n.removeprefix("check_") for n, f in vars(module).items()
              if n.startswith("check_") and inspect.isfunction(f)]
    assert checks and sorted(checks) == sorted(module.HINTS)
    assert module.use is base.use
    module.hint(checks[0])
    assert capsys.readouterr().out.startswith(f"{checks[0]}: ")
    with pytest.raises(ValueError, match="no hint called"):
        module.hint("no_such_exercise")


@pytest.mark.parametrize("name", MODULES)
def test_mistake_messages_name_the_mistake_without_code(name):
    module = importlib.import_module(name)
    mistakes = [m for value in vars(module).values() if isinstance(value, tuple)
                for m in value if isinstance(m, Mistake)]
    if name != "course_utils.checks.nb00":
        assert len(mistakes) >= 9  # several typical mistakes for every check
    for mistake in mistakes:
        assert len(mistake.message) < 200 and "np." not in mistake.message, mistake.name
        assert " = " not in mistake.message and "**" not in mistake.message, mistake.name
        assert all(mistake.message not in hint for hint in module.HINTS.values())


def test_the_packages_import_light():
    code = ("import sys, course_utils.checks, course_utils.widgets; "
            "print(sorted(m for m in sys.modules if m.startswith(('course_utils.checks.', "
            "'course_utils.widgets.', 'keras', 'tensorflow', 'ipywidgets'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
