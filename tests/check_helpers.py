"""What the tests of every notebook's checks (tests/test_checks_NN.py) share."""


def todo(*args):
    """A student's function that is not written yet."""
    raise NotImplementedError


def assert_diagnosed(result, name, mistake, words, formula):
    """``result`` fails naming ``mistake``, says every one of ``words``, gives away none of
    ``formula`` and points to ``checks.hint(name)``."""
    assert result.status == "fail" and result.mistake == mistake, result.message
    for word in words:
        assert word in result.message, (word, result.message)
    for text in formula:
        assert text not in result.message
    assert f"checks.hint('{name}')" in result.message
