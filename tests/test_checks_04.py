"""Exercise checks of 04_autoencoders: each reference passes, each typical mistake fails with a
message that names it and not the formula, hint() gives the formula."""

import numpy as np
import pytest

from course_utils.checks import nb04 as checks
from tests.check_helpers import assert_diagnosed as _assert_diagnosed
from tests.check_helpers import todo as _todo


@pytest.mark.parametrize("check", [checks.check_quantize_codes,
                                   checks.check_threshold_for_false_alarms],
                         ids=lambda c: c.__name__)
def test_unfinished_exercise_is_not_done_yet(check, capsys):
    assert check(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out


# ---------------------------------------------------------------- quantize_codes


def _quantize(codes, low, high, bits=8, steps_of=lambda b: 2**b - 1, clip=True,
              rounding=np.rint, decode=True):
    steps = steps_of(bits)
    c = np.clip(codes, low, high) if clip else np.asarray(codes)
    q = rounding((c - low) / (high - low) * steps)
    return low + q * (high - low) / steps if decode else q


def test_quantize_reference_passes(capsys):
    assert checks.check_quantize_codes(_quantize)
    assert "PASS" in capsys.readouterr().out


def test_quantize_reference_levels():
    # 2 bits: the levels 0, 1/3, 2/3, 1 of [0, 1]
    got = checks._ref_quantize_codes(np.array([[0.1, 0.2, 0.5, 0.9, 1.7]]), 0.0, 1.0, 2)
    np.testing.assert_allclose(got, [[0.0, 1 / 3, 2 / 3, 1.0, 1.0]])


def _own_range(codes, low, high, bits=8):
    return _quantize(codes, codes.min(axis=0), codes.max(axis=0), bits)


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda c, lo, hi, b=8: _quantize(c, lo, hi, b, clip=False), "no_clip", ["not clipped"]),
    (lambda c, lo, hi, b=8: _quantize(c, lo, hi, b, steps_of=lambda n: 2**n), "two_to_the_bits",
     ["one step too many"]),
    (lambda c, lo, hi, b=8: _quantize(c, lo, hi, b, rounding=np.floor), "floor",
     ["truncated", "nearest level"]),
    (lambda c, lo, hi, b=8: _quantize(c, lo, hi, b, decode=False), "integers",
     ["integer level numbers"]),
    (lambda c, lo, hi, b=8: _quantize(c, lo, hi, b, rounding=lambda a: a), "not_quantised",
     ["not quantised"]),
    (_own_range, "own_range", ["own minimum and maximum"]),
], ids=["no-clip", "2**bits", "floor", "integers", "unquantised", "own-range"])
def test_quantize_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_quantize_codes(wrong, verbose=False), "quantize_codes",
                      mistake, words, ["2**bits - 1", "np.round("])


def test_quantize_hint_shows_the_formula(capsys):
    checks.hint("quantize_codes")
    assert "steps = 2**bits - 1" in capsys.readouterr().out


# ---------------------------------------------------------------- threshold_for_false_alarms


def test_threshold_reference_and_equivalent_answers_pass():
    assert checks.check_threshold_for_false_alarms(
        lambda s, rate: np.quantile(s, 1 - rate), verbose=False)
    assert checks.check_threshold_for_false_alarms(
        lambda s, rate: np.percentile(s, 100 * (1 - rate)), verbose=False)

    def by_sorting(s, rate):  # an off-by-one in the index is still within one example
        return np.sort(s)[int(len(s) * (1 - rate))]

    assert checks.check_threshold_for_false_alarms(by_sorting, verbose=False)


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda s, rate: np.quantile(s, rate), "wrong_tail", ["wrong end"]),
    (lambda s, rate: np.percentile(s, 100 * rate), "wrong_tail", ["wrong end"]),
    (lambda s, rate: np.percentile(s, 1 - rate), "percent_units", ["in percent (0 to 100)"]),
    (lambda s, rate: np.quantile(s, 100 * (1 - rate)), "quantile_in_percent",
     ["fraction from 0 to 1"]),
    (lambda s, rate: np.max(s), "largest_score", ["largest normal score"]),
    (lambda s, rate: np.mean(s) + 2 * np.std(s), "ignores_rate", ["does not depend on the rate"]),
], ids=["quantile-tail", "percentile-tail", "percent-units", "quantile-percent", "max", "2std"])
def test_threshold_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_threshold_for_false_alarms(wrong, verbose=False),
                      "threshold_for_false_alarms", mistake, words, ["1 - rate"])


def test_threshold_wrong_return_is_explained():
    result = checks.check_threshold_for_false_alarms(lambda s, r: None, verbose=False)
    assert result.status == "fail" and "returned None" in result.message
    result = checks.check_threshold_for_false_alarms(lambda s, r: np.sort(s), verbose=False)
    assert result.status == "fail" and "one number" in result.message


def test_threshold_hint_shows_the_formula(capsys):
    checks.hint("threshold_for_false_alarms")
    assert "np.quantile(normal_scores, 1 - rate)" in capsys.readouterr().out
