"""Exercise checks of 04_autoencoders: references pass, typical mistakes fail with a hint."""

import numpy as np

from course_utils import checks


def _todo(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- quantize_codes


def _quantize(codes, low, high, bits=8):
    steps = 2**bits - 1
    q = np.rint((np.clip(codes, low, high) - low) / (high - low) * steps)
    return low + q * (high - low) / steps


def test_quantize_reference_passes(capsys):
    assert checks.check_quantize_codes(_quantize)
    assert "PASS" in capsys.readouterr().out


def test_quantize_closed_form():
    # 2 bits: the levels 0, 1/3, 2/3, 1 of [0, 1]
    got = checks._ref_quantize_codes(np.array([[0.1, 0.2, 0.5, 0.9, 1.7]]), 0.0, 1.0, 2)
    np.testing.assert_allclose(got, [[0.0, 1 / 3, 2 / 3, 1.0, 1.0]])


def test_quantize_typical_mistakes_fail_with_hint():
    def no_clip(codes, low, high, bits=8):
        steps = 2**bits - 1
        return low + np.rint((np.asarray(codes) - low) / (high - low) * steps) * (high - low) / steps

    def two_to_the_bits(codes, low, high, bits=8):
        steps = 2**bits
        q = np.rint((np.clip(codes, low, high) - low) / (high - low) * steps)
        return low + q * (high - low) / steps

    def floor_not_round(codes, low, high, bits=8):
        steps = 2**bits - 1
        q = np.floor((np.clip(codes, low, high) - low) / (high - low) * steps)
        return low + q * (high - low) / steps

    def returns_integers(codes, low, high, bits=8):
        steps = 2**bits - 1
        return np.rint((np.clip(codes, low, high) - low) / (high - low) * steps)

    for wrong in (no_clip, two_to_the_bits, floor_not_round, returns_integers):
        result = checks.check_quantize_codes(wrong, verbose=False)
        assert result.status == "fail", wrong.__name__
        assert "2**bits - 1" in result.message and "ROUND" in result.message


def test_quantize_todo_says_not_done_yet(capsys):
    assert checks.check_quantize_codes(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out


# ---------------------------------------------------------------- threshold_for_false_alarms


def test_threshold_reference_and_equivalent_answers_pass():
    assert checks.check_threshold_for_false_alarms(
        lambda s, rate: np.quantile(s, 1 - rate), verbose=False)
    assert checks.check_threshold_for_false_alarms(
        lambda s, rate: np.percentile(s, 100 * (1 - rate)), verbose=False)

    def by_sorting(s, rate):  # an off-by-one in the index is still within one example
        return np.sort(s)[int(len(s) * (1 - rate))]

    assert checks.check_threshold_for_false_alarms(by_sorting, verbose=False)


def test_threshold_typical_mistakes_fail_with_hint():
    def wrong_tail(s, rate):
        return np.quantile(s, rate)

    def percent_units(s, rate):
        return np.percentile(s, 1 - rate)

    def largest_score(s, rate):
        return np.max(s)

    def mean_plus_two_std(s, rate):
        return np.mean(s) + 2 * np.std(s)

    for wrong in (wrong_tail, percent_units, largest_score, mean_plus_two_std):
        result = checks.check_threshold_for_false_alarms(wrong, verbose=False)
        assert result.status == "fail", wrong.__name__
        assert "(1 - rate) quantile" in result.message


def test_threshold_wrong_return_is_explained():
    result = checks.check_threshold_for_false_alarms(lambda s, r: None, verbose=False)
    assert result.status == "fail" and "returned None" in result.message
    result = checks.check_threshold_for_false_alarms(lambda s, r: np.sort(s), verbose=False)
    assert result.status == "fail" and "one number" in result.message


def test_threshold_todo_says_not_done_yet(capsys):
    assert checks.check_threshold_for_false_alarms(_todo).status == "todo"
    assert "not done yet" in capsys.readouterr().out
