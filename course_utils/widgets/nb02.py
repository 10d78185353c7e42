"""Widgets of ``02_generative_modeling``: the next-word temperature app.

Moving its controls only samples from an n-gram model that is already fitted; nothing is
refitted. ``from course_utils.widgets import nb02 as widgets``.
"""

from __future__ import annotations

import html
import numbers

import ipywidgets as w


def _check_model(model) -> None:
    if not callable(getattr(model, "continuations", None)):
        raise TypeError("model must be a fitted n-gram model (density.fit_ngram), got "
                        f"{type(model).__name__}")


def continuations_html(model, prompt: str, temperature: float, seed: int, n_samples: int = 5,
                       max_words: int = 20) -> str:
    """HTML list of ``n_samples`` continuations of ``prompt`` drawn from a fitted
    :class:`course_utils.density.NGramModel` at ``temperature`` with ``seed``
    (``02_generative_modeling``). Only samples."""
    _check_model(model)
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a string, got {type(prompt).__name__}")
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise TypeError(f"temperature must be a number, got {temperature!r}")
    texts = model.continuations(prompt, n_samples=n_samples, temperature=temperature,
                                seed=seed, max_words=max_words)
    items = "".join(f"<li><b>{html.escape(prompt)}</b> {html.escape(t)}</li>" for t in texts)
    return (f"<p>temperature <b>{temperature:.2f}</b>, draw {seed}: "
            f"{len(set(texts))} different continuation(s) out of {len(texts)}</p><ol>{items}</ol>")


def next_word_app(model, prompt: str = "I had such a", temperature: float = 1.0,
                  n_samples: int = 5, max_words: int = 20) -> w.VBox:
    """A temperature slider for next-word generation (``02_generative_modeling``).

    Moving the slider, editing the prompt or pressing *re-sample* draws new continuations from
    the already fitted n-gram ``model``. Returns the widget: ``VBox([HBox([prompt,
    temperature]), HBox([draw, re-sample]), HTML])``."""
    _check_model(model)
    temp = w.FloatSlider(value=temperature, min=0.0, max=2.5, step=0.1,
                         description="temperature", continuous_update=False)
    draw = w.IntSlider(value=0, min=0, max=999, description="draw", continuous_update=False)
    text = w.Text(value=prompt, description="prompt", continuous_update=False)
    button = w.Button(description="re-sample")
    out = w.HTML()

    def redraw(_=None) -> None:
        out.value = continuations_html(model, text.value, temp.value, draw.value, n_samples,
                                       max_words)

    for control in (temp, draw, text):
        control.observe(redraw, names="value")
    button.on_click(lambda _: setattr(draw, "value", (draw.value + 1) % (draw.max + 1)))
    redraw()
    return w.VBox([w.HBox([text, temp]), w.HBox([draw, button]), out])
