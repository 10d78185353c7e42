"""The latent explorer of notebook 05, driven in plain Python (no browser, no model)."""

import io

import ipywidgets
import numpy as np
import pytest
from PIL import Image

from course_utils.widgets import nb05 as widgets


class CountingDecoder:
    """A stand-in decoder: image brightness encodes z, and every call is counted."""

    def __init__(self):
        self.calls = []

    def __call__(self, z):
        z = np.asarray(z)
        self.calls.append(z.copy())
        level = (z[:, :1, None] + 3.0) / 6.0  # z[0] in [-3, 3] -> grey level in [0, 1]
        return np.broadcast_to(level, (len(z), 28, 28)).astype("float32")


def _png(data):
    return np.asarray(Image.open(io.BytesIO(data)))


def _explorer(**kwargs):
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(200, 2)).astype("float32")
    labels = rng.integers(0, 10, 200)
    dec = CountingDecoder()
    names = [f"class{i}" for i in range(10)]
    return widgets.latent_explorer(dec, codes, labels, names, extent=3.0, **kwargs), dec


def test_moving_a_slider_decodes_that_point_once():
    ex, dec = _explorer()
    assert len(dec.calls) == 1 and ex.n_updates == 1 and ex.shown == (0.0, 0.0)
    ex.z0.value = 1.5
    assert len(dec.calls) == 2 and ex.shown == (1.5, 0.0)
    np.testing.assert_allclose(dec.calls[-1], [[1.5, 0.0]])
    shown = _png(ex.image.value)
    assert shown.shape == (28 * 8, 28 * 8)
    assert abs(int(shown[0, 0]) - round((1.5 + 3) / 6 * 255)) <= 1
    assert "+1.50" in ex.caption.value


def test_set_point_moves_both_sliders_with_one_redraw():
    ex, dec = _explorer()
    image = ex.set_point(-2.0, 2.5)
    assert (ex.z0.value, ex.z1.value) == (-2.0, 2.5) == ex.shown
    assert len(dec.calls) == 2 and ex.n_updates == 2
    np.testing.assert_allclose(dec.calls[-1], [[-2.0, 2.5]])
    assert image.shape == (28, 28) and ex.last_image is image
    ex.set_point(np.float32(0.5), np.int64(-1))  # NumPy scalars are numbers too
    np.testing.assert_allclose(dec.calls[-1], [[0.5, -1.0]])


def test_crosshair_follows_the_point_on_an_unchanged_background():
    ex, _ = _explorer()
    before = ex.background.copy()
    left, right, top, bottom = ex.box
    ex.set_point(0.0, 0.0)
    plane = _png(ex.plane.value)[..., :3]
    col, row = round((left + right) / 2), round((top + bottom) / 2)
    assert tuple(plane[row, col]) == (220, 30, 30)
    ex.set_point(3.0, 3.0)  # the top-right corner of the axes
    plane = _png(ex.plane.value)[..., :3]
    assert tuple(plane[int(top) + 1, int(right) - 1]) == (220, 30, 30)
    assert tuple(plane[row, col]) != (220, 30, 30)  # the old crosshair is gone
    np.testing.assert_array_equal(ex.background, before)  # the background is never redrawn


def test_caption_names_the_class_of_the_nearest_code():
    codes = np.array([[0.0, 0.0], [2.0, 2.0]], dtype="float32")
    text = widgets.explorer_caption([1.9, 1.8], codes, np.array([3, 7]),
                                    [str(i) for i in range(10)])
    assert "<b>7</b>" in text and "+1.90" in text


def test_legend_lists_every_class():
    html = widgets.class_legend_html(["a", "b", "c"])
    assert all(name in html for name in ("a", "b", "c")) and html.count("&#9632;") == 3


def test_plane_background_without_codes_and_bad_inputs():
    rgb, box = widgets.latent_plane_background(None, None, 2.0)
    left, right, top, bottom = box
    assert rgb.ndim == 3 and rgb.shape[2] == 3
    assert 0 < left < right < rgb.shape[1] and 0 < top < bottom < rgb.shape[0]
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        widgets.latent_plane_background(np.zeros((5, 3)), None, 2.0)
    with pytest.raises(ValueError, match="labels"):
        widgets.latent_plane_background(np.zeros((5, 2)), np.zeros(4), 2.0)


def test_bad_arguments_are_explained():
    with pytest.raises(TypeError, match="decode must be a function"):
        widgets.latent_explorer("not a function")
    with pytest.raises(ValueError, match="extent"):
        widgets.latent_explorer(CountingDecoder(), extent=0.0)
    with pytest.raises(ValueError, match="image_scale"):
        widgets.latent_explorer(CountingDecoder(), image_scale=0)
    ex, _ = _explorer()
    with pytest.raises(ValueError, match=r"z0 must be a number in \[-3.0, 3.0\]"):
        ex.set_point(5.0, 0.0)
    with pytest.raises(ValueError, match="one 28x28 image per code"):
        widgets.latent_explorer(lambda z: np.zeros((2, 28, 28)))


def test_the_widget_tree_holds_both_images_and_sliders():
    ex, _ = _explorer()
    assert isinstance(ex.widget, ipywidgets.VBox)
    assert ex.widget.children[0].children == (ex.plane, ex.image)
    assert ex.widget.children[2] is ex.caption
    assert ex.z0.min == -3.0 and ex.z1.max == 3.0
