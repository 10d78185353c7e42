"""The EM player of notebook 03, driven in plain Python: it redraws a recorded EM run (the
slider, the play button, cached frames, the caption) and never runs an E- or M-step."""

import io

import numpy as np
import pytest
from PIL import Image

from course_utils import lvm
from course_utils.widgets import nb03 as widgets
from course_utils.widgets.base import FramePlayer

TRUE_W = [0.5, 0.3, 0.2]
TRUE_MEANS = [[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]]
TRUE_COVS = [np.eye(2), 0.5 * np.eye(2), 2 * np.eye(2)]


def _png(data):
    return np.asarray(Image.open(io.BytesIO(data)))


@pytest.fixture(scope="module")
def history():
    x, _ = lvm.sample_mixture(TRUE_W, TRUE_MEANS, TRUE_COVS, 150, seed=12)
    return lvm.em_history(x, 3, n_iter=6, seed=2)


def test_em_player_redraws_the_recording_without_refitting(history, monkeypatch):
    player = widgets.em_player(history, true_means=TRUE_MEANS)

    def refit(*args, **kwargs):
        raise AssertionError("the EM player must not fit anything")

    for name in ("e_step", "m_step", "em_history", "log_likelihood"):
        monkeypatch.setattr(lvm, name, refit)
    assert isinstance(player, FramePlayer)
    assert player.shown == 0 and player.keys == list(range(7)) and player.play.max == 6
    first = player.image.value
    player.slider.value = 4  # what a student's drag does: the observer redraws at once
    assert player.shown == 4 and player.image.value != first
    ll = history.log_likelihood
    assert f"{ll[4]:.4f}" in player.caption.value
    assert f"{ll[4] - ll[3]:+.2e}" in player.caption.value
    player.show(0)
    assert player.image.value == first and player.n_renders == 2  # cached frame
    assert set(player.frames) == {0, 4}
    image = _png(player.image.value)
    assert image.shape[1] == player.width_px and image.ndim == 3


def test_em_player_bad_inputs(history):
    player = widgets.em_player(history)
    with pytest.raises(ValueError, match=r"iteration must be an int in \[0, 6\]"):
        player.show(7)
    with pytest.raises(TypeError, match="EMHistory"):
        widgets.em_player({"log_likelihood": [0.0]})
    x3 = np.random.default_rng(0).normal(size=(30, 3))
    with pytest.raises(ValueError, match="2-D data"):
        widgets.em_player(lvm.em_history(x3, 2, n_iter=1))


def test_em_caption_reports_the_change():
    class Record:
        log_likelihood = np.array([-3.0, -2.5, -2.4])
        n_iterations = 2

    assert "since iteration" not in widgets.em_caption(Record(), 0)
    assert "+1.00e-01 since iteration 1" in widgets.em_caption(Record(), 2)


def test_responsibility_colours_mix_the_palette():
    resp = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    colours = widgets.responsibility_colours(resp)
    np.testing.assert_allclose(colours[0], widgets.EM_PALETTE[0])
    np.testing.assert_allclose(colours[1], widgets.EM_PALETTE[1])
    np.testing.assert_allclose(colours[2], np.mean(widgets.EM_PALETTE[:2], axis=0))
    with pytest.raises(ValueError, match=r"shaped \(n, k\)"):
        widgets.responsibility_colours(np.ones(3))


def test_em_figure_has_titles_and_axis_labels(history):
    import matplotlib.pyplot as plt

    fig = widgets.em_figure(history, 3)
    try:
        for ax in fig.axes:
            assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert len(fig.axes[1].lines[0].get_xdata()) == 4  # the curve stops at iteration 3
    finally:
        plt.close(fig)
