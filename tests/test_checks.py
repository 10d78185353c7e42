import numpy as np

from course_utils import checks


def test_scale_pixels_reference_passes(capsys):
    assert checks.check_scale_pixels(lambda x: x / 255.0)
    assert "PASS" in capsys.readouterr().out


def test_scale_pixels_rejects_typical_mistakes(capsys):
    wrong_range = checks.check_scale_pixels(lambda x: x / 256.0)
    assert wrong_range.status == "fail" and "255" in wrong_range.message
    integer_div = checks.check_scale_pixels(lambda x: x // 255)
    assert integer_div.status == "fail"
    no_return = checks.check_scale_pixels(lambda x: None)
    assert "return" in no_return.message


def test_unfinished_exercise_is_not_a_traceback(capsys):
    def todo(x):
        raise NotImplementedError

    result = checks.check_scale_pixels(todo)
    assert result.status == "todo" and not result
    assert "not done yet" in capsys.readouterr().out


def test_student_exception_is_reported_with_hint():
    result = checks.check_scale_pixels(lambda x: x.nonexistent, verbose=False)
    assert result.status == "fail" and "AttributeError" in result.message and "Hint" in result.message


def test_compare_outputs_explains_shape_and_value_gaps():
    assert "shape" in checks.compare_outputs(np.zeros(3), np.zeros(4))
    assert "differ" in checks.compare_outputs(np.zeros(3), np.ones(3))
    assert checks.compare_outputs((1.0, 2.0), (1.0, 2.0)) is None
