"""The next-word app of notebook 02, driven in plain Python: moving a control only samples from
the fitted n-gram model; nothing is refitted."""

import pytest

from course_utils import density
from course_utils.widgets import nb02 as widgets

TEXT = "I had such a good day. I had such a bad day. I had such a long day."


class CountingModel:
    """An n-gram model that counts how often it is asked for continuations, and refuses to fit."""

    def __init__(self):
        self.model = density.fit_ngram(density.tokenize(TEXT), 3)
        self.calls = 0

    def continuations(self, *args, **kwargs):
        self.calls += 1
        return self.model.continuations(*args, **kwargs)

    def fit(self, *args):
        raise AssertionError("the app must never refit")


def _controls(app):
    (text, temp), (draw, button), out = (app.children[0].children, app.children[1].children,
                                         app.children[2])
    return text, temp, draw, button, out


def test_next_word_app_only_resamples():
    model = CountingModel()
    app = widgets.next_word_app(model, "I had such a", n_samples=3)
    text, temp, draw, button, out = _controls(app)
    assert model.calls == 1
    assert "I had such a" in out.value and "temperature <b>1.00" in out.value
    temp.value = 0.0
    assert "1 different continuation(s) out of 3" in out.value
    button.click()
    assert draw.value == 1 and "draw 1" in out.value
    text.value = "<b>"
    assert "&lt;b&gt;" in out.value
    assert model.calls == 4  # one sample per move, nothing else


def test_the_re_sample_button_wraps_around():
    app = widgets.next_word_app(CountingModel(), n_samples=2)
    _, _, draw, button, out = _controls(app)
    draw.value = draw.max
    button.click()
    assert draw.value == 0 and "draw 0" in out.value


def test_continuations_html_is_reproducible_and_checks_its_input():
    model = density.fit_ngram(density.tokenize(TEXT), 3)
    first = widgets.continuations_html(model, "I had", 1.0, seed=3, n_samples=4)
    assert first == widgets.continuations_html(model, "I had", 1.0, seed=3, n_samples=4)
    assert first.count("<li>") == 4
    with pytest.raises(TypeError, match="fit_ngram"):
        widgets.next_word_app("not a model")
    with pytest.raises(TypeError, match="prompt"):
        widgets.continuations_html(model, 42, 1.0, 0)
    with pytest.raises(TypeError, match="temperature"):
        widgets.continuations_html(model, "I", "hot", 0)
