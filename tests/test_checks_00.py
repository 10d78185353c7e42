"""Exercise check of 00_start_here: the reference passes, each typical mistake fails with a
message that names it (never the formula), the formula comes only with hint()."""

import numpy as np
import pytest

from course_utils.checks import nb00 as checks


def _todo(*args):
    raise NotImplementedError


def _assert_diagnosed(result, mistake, words, formula=("/ 255", "255.0")):
    assert result.status == "fail" and result.mistake == mistake, result.message
    for word in words:
        assert word in result.message, (word, result.message)
    for text in formula:
        assert text not in result.message
    assert "checks.hint('scale_pixels')" in result.message


def test_scale_pixels_reference_passes(capsys):
    assert checks.check_scale_pixels(lambda x: x / 255.0)
    assert "PASS" in capsys.readouterr().out
    assert checks.check_scale_pixels(lambda x: x.astype("float32") / 255, verbose=False)


@pytest.mark.parametrize("wrong, mistake, words", [
    (lambda x: x / 256.0, "divided_by_256", ["brightest", "below 1.0"]),
    (lambda x: x // 255, "integer_division", ["integer division"]),
    (lambda x: (x / 255).astype(np.uint8), "integer_division", ["whole numbers"]),
    (lambda x: x.astype(float), "not_scaled", ["nothing was scaled"]),
    (lambda x: x / 127.5 - 1.0, "symmetric", ["from -1 to 1"]),
], ids=["256", "floor-division", "uint8", "unscaled", "symmetric"])
def test_scale_pixels_names_each_typical_mistake(wrong, mistake, words):
    _assert_diagnosed(checks.check_scale_pixels(wrong, verbose=False), mistake, words)


def test_scale_pixels_other_errors_say_what_differed():
    half = checks.check_scale_pixels(lambda x: x / 510.0, verbose=False)
    assert "exactly half" in half.message
    no_return = checks.check_scale_pixels(lambda x: None, verbose=False)
    assert "return" in no_return.message
    crash = checks.check_scale_pixels(lambda x: x.nonexistent, verbose=False)
    assert "AttributeError" in crash.message and "test case 1" in crash.message
    shape = checks.check_scale_pixels(lambda x: x[0] / 255.0, verbose=False)
    assert "shape (28, 28)" in shape.message


def test_scale_pixels_hint_shows_the_formula(capsys):
    checks.hint("scale_pixels")
    assert "/ 255.0" in capsys.readouterr().out


def test_scale_pixels_todo_says_not_done_yet(capsys):
    result = checks.check_scale_pixels(_todo)
    assert result.status == "todo" and not result
    assert "not done yet" in capsys.readouterr().out
