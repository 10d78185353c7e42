"""The code-size switcher and the denoising explorer of notebook 04, driven in plain Python.

Stand-in models count their predictions and have no ``fit``: moving a slider must only look up
results computed when the widget was built (no training, no prediction).
"""

import io

import numpy as np
import pytest
from PIL import Image

from course_utils import autoencoders
from course_utils.widgets import nb04 as widgets
from course_utils.widgets.base import FramePlayer


class FakeAutoencoder:
    """Reconstructs by blending the input with grey; a smaller code blends more."""

    def __init__(self, blend):
        self.blend = blend
        self.predict_calls = 0  # model calls (autoencoders.reconstruct calls the model)

    def __call__(self, x, training=False):
        self.predict_calls += 1
        x = np.asarray(x, dtype="float32")
        return (1 - self.blend) * x + self.blend * 0.5


def _images(n=6):
    return np.random.default_rng(0).random((n, 28, 28)).astype("float32")


def _png(data):
    return np.asarray(Image.open(io.BytesIO(data)))


def _switcher():
    aes = {k: FakeAutoencoder(blend=1.0 / k) for k in (2, 4, 8, 16)}
    test_mse = {k: 0.1 / k for k in aes}
    return widgets.code_size_switcher(aes, _images(), test_mse), aes


def test_switcher_predicts_once_per_model_when_built():
    sw, aes = _switcher()
    assert isinstance(sw, FramePlayer)
    assert all(ae.predict_calls == 1 for ae in aes.values())
    assert sw.shown == sw.slider.value == 8  # the middle code size first
    assert sw.keys == [2, 4, 8, 16] and sw.slider.label == "8" and sw.play is None


def test_moving_the_slider_shows_that_code_size_without_predicting():
    sw, aes = _switcher()
    first = sw.image.value
    sw.slider.value = 2
    assert sw.shown == 2
    assert sw.image.value != first and _png(sw.image.value).ndim == 3
    expected = np.mean((aes[2](_images()) - _images()) ** 2)
    assert f"{expected:.4f}" in sw.caption.value
    assert "0.0500" in sw.caption.value  # the test-set error handed in for code size 2
    sw.show(16)
    assert sw.shown == 16 and "<b>16</b>" in sw.caption.value
    assert aes[2].predict_calls == 2  # the one call made by this test, above
    assert all(aes[k].predict_calls == 1 for k in (4, 8, 16))


def test_switcher_caches_pictures_and_errors_shrink_with_code_size():
    sw, _ = _switcher()
    sw.show(2)
    picture = bytes(sw.image.value)
    renders = sw.n_renders
    sw.show(16)
    sw.show(2)
    assert bytes(sw.image.value) == picture and sw.frames[2] == picture
    assert sw.n_renders == renders + 1  # code size 16 drawn once; 2 came from the cache
    errors = [sw.errors[k].mean() for k in sw.sizes]
    assert errors == sorted(errors, reverse=True)


def test_switcher_rejects_bad_input():
    with pytest.raises(ValueError, match="non-empty dict"):
        widgets.code_size_switcher({}, _images())
    with pytest.raises(TypeError, match="callable on images"):
        widgets.code_size_switcher({2: "not a model"}, _images())
    with pytest.raises(ValueError, match=r"\(n, 28, 28\)"):
        widgets.code_size_switcher({2: FakeAutoencoder(0.5)}, np.zeros((3, 784), "float32"))
    sw, _ = _switcher()
    with pytest.raises(ValueError, match="one of"):
        sw.show(3)


def test_switcher_works_with_a_real_untrained_autoencoder():
    encoder, decoder = autoencoders.build_parts(2)
    ae = autoencoders.build_autoencoder(encoder, decoder)
    sw = widgets.code_size_switcher({2: ae}, _images(3))
    assert sw.reconstructions[2].shape == (3, 28, 28)
    assert sw.shown == 2 and "code size <b>2</b>" in sw.caption.value


def _explorer():
    aes = {"plain": FakeAutoencoder(0.3), "denoising": FakeAutoencoder(0.6)}
    return widgets.denoising_explorer(aes, _images(), noise_levels=(0.0, 0.2, 0.5)), aes


def test_denoising_slider_shows_stored_results_only():
    ex, aes = _explorer()
    assert isinstance(ex, FramePlayer) and ex.shown == 0.2
    assert all(ae.predict_calls == 1 for ae in aes.values())
    ex.slider.value = 0.5
    assert ex.shown == 0.5 and "noise std <b>0.5</b>" in ex.caption.value
    ex.show(0.0)
    assert ex.shown == 0.0 and sorted(ex.frames) == [0.0, 0.2, 0.5] and ex.n_renders == 3
    assert all(ae.predict_calls == 1 for ae in aes.values())


def test_denoising_inputs_and_errors_follow_the_noise_level():
    ex, _ = _explorer()
    np.testing.assert_array_equal(ex.noisy[0.0], _images())
    np.testing.assert_array_equal(ex.noisy[0.5], autoencoders.add_noise(_images(), 0.5, seed=0))
    noisy_mse = [ex.mse(s)["noisy input"] for s in ex.levels]
    assert noisy_mse[0] == 0.0 and noisy_mse == sorted(noisy_mse)
    row = ex.mse(0.2)
    assert set(row) == {"noisy input", "plain", "denoising"}
    for name in ("plain", "denoising"):
        assert f"{name} <b>{row[name]:.4f}</b>" in ex.caption_for(0.2)


def test_denoising_explorer_rejects_bad_levels():
    with pytest.raises(ValueError, match="noise_levels"):
        widgets.denoising_explorer({"a": FakeAutoencoder(0.5)}, _images(), noise_levels=(-0.1,))
    with pytest.raises(ValueError, match="noise_levels"):
        widgets.denoising_explorer({"a": FakeAutoencoder(0.5)}, _images(), noise_levels=("x",))
    ex, _ = _explorer()
    with pytest.raises(ValueError, match="one of"):
        ex.show(0.3)
    with pytest.raises(ValueError, match="one of"):
        ex.mse(0.3)


def test_default_levels_start_in_the_middle():
    ex = widgets.denoising_explorer({"a": FakeAutoencoder(0.5)}, _images(2))
    assert ex.levels == list(widgets.DENOISING_LEVELS) and ex.shown == 0.4
