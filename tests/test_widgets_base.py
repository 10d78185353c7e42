"""The shared widget pieces (course_utils.widgets.base), driven in plain Python: the one
FramePlayer base class behind every frame player, and the off-screen PNG helpers."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from course_utils.widgets.base import FramePlayer, grid_image, image_rows_png, png_bytes, render_png


def _png(data):
    return np.asarray(Image.open(io.BytesIO(data)))


class Lines(FramePlayer):
    """A minimal player: one line of slope ``key`` per frame."""

    key_name = "slope"
    figsize = (4.0, 3.0)

    def __init__(self, keys=(1, 2, 3), **kwargs):
        self.drawn = []
        super().__init__(keys, width_px=200, **kwargs)

    def draw_figure(self, fig, key):
        self.drawn.append(key)
        ax = fig.subplots()
        ax.plot([0, 1], [0, key])

    def caption_for(self, key):
        return f"slope <b>{key}</b>"


def test_a_player_shows_its_first_key_and_caches_each_frame():
    player = Lines()
    assert player.shown == 1 and player.caption.value == "slope <b>1</b>"
    assert list(player.frames) == [1] and player.n_renders == 1
    player.slider.value = 3  # what a drag does: the observer redraws at once
    assert player.shown == 3 and "<b>3</b>" in player.caption.value
    assert bytes(player.image.value) == player.frames[3]
    player.show(1)
    player.show(3)
    assert player.n_renders == 2 and player.drawn == [1, 3]  # each key drawn once
    assert _png(player.frames[3]).shape[1] == 200
    assert player.n_frames == 3


def test_start_play_button_and_layout():
    player = Lines(start=2, play=True, interval_ms=50)
    assert player.shown == 2 and player.play.value == player.slider.index == 1
    assert player.play.max == len(player.slider.options) - 1 == 2
    assert player.widget.children[0].children == (player.play, player.slider)
    still = Lines()
    assert still.play is None and still.widget.children[0] is still.slider
    assert still.widget.children[1:] == (still.image, still.caption)


def test_show_validates_keys_and_names_the_valid_ones():
    player = Lines(keys=(0, 1, 2))
    for bad in (3, -1, 1.5, True, "1"):
        with pytest.raises(ValueError, match=r"slope must be an int in \[0, 2\]"):
            player.show(bad)
    player.show(np.int64(2))
    assert player.shown == 2 and type(player.shown) is int
    levels = Lines(keys=(0.1, 0.5))
    levels.show(0.5)
    assert levels.shown == 0.5 and levels.slider.label == "0.5"
    with pytest.raises(ValueError, match=r"one of \[0.1, 0.5\]"):
        levels.show(0.3)


def test_keys_must_be_distinct_and_present():
    with pytest.raises(ValueError, match="at least one slope"):
        Lines(keys=())
    with pytest.raises(ValueError, match="distinct"):
        Lines(keys=(1, 1))


def test_a_subclass_must_draw_and_caption():
    class Bare(FramePlayer):
        pass

    with pytest.raises(NotImplementedError):
        Bare([1])


def test_render_png_is_off_screen():
    before = plt.get_fignums()
    data = render_png(lambda fig: fig.subplots().plot([0, 1]), (4.0, 2.0), 300)
    assert plt.get_fignums() == before
    assert _png(data).shape[:2] == (150, 300)
    with pytest.raises(TypeError, match="draw"):
        render_png("not a function")
    with pytest.raises(ValueError, match="width_px"):
        render_png(lambda fig: None, (4.0, 2.0), 10)


def test_png_bytes_keeps_values_and_scales():
    img = np.linspace(0, 1, 28 * 28).reshape(28, 28)
    out = _png(png_bytes(img, scale=3))
    assert out.shape == (84, 84) and out.dtype == np.uint8
    assert out[0, 0] == 0 and out[-1, -1] == 255
    assert _png(png_bytes(np.zeros((5, 6, 3), np.uint8))).shape == (5, 6, 3)
    with pytest.raises(ValueError, match="scale"):
        png_bytes(img, scale=0)
    with pytest.raises(ValueError, match=r"\(h, w\)"):
        png_bytes(np.zeros(5))


def test_grid_image_tiles_images_with_padding():
    images = np.stack([np.full((28, 28), v) for v in (0.0, 0.5, 1.0)])
    grid = grid_image(images, ncols=2, pad=2)
    assert grid.shape == (2 * 30 + 2, 2 * 30 + 2)
    assert grid[2, 2] == 0.0 and grid[2, 32] == 0.5 and grid[32, 2] == 1.0
    assert grid[0, 0] == 1.0 and grid[32, 32] == 1.0  # padding and the empty cell are white
    with pytest.raises(ValueError, match="ncols"):
        grid_image(images, ncols=0)


def test_image_rows_png_checks_shapes():
    rng = np.random.default_rng(0)
    png = image_rows_png({"a": rng.random((2, 28, 28)), "b": rng.random((3, 28, 28))}, title="t")
    assert _png(png).shape[2] in (3, 4)
    with pytest.raises(ValueError, match="row 'a'"):
        image_rows_png({"a": np.zeros((2, 784))})
    with pytest.raises(ValueError, match="at least one row"):
        image_rows_png({})


def test_every_frame_player_shares_the_base_class_and_its_naming():
    from course_utils import gan, lvm
    from course_utils.widgets import nb03, nb04, nb06

    x, _ = lvm.sample_mixture([0.5, 0.5], [[0, 0], [3, 3]], [np.eye(2)] * 2, 60, seed=0)
    images = np.random.default_rng(0).random((3, 28, 28)).astype("float32")

    class Blur:
        def __call__(self, x, training=False):
            return 0.5 * np.asarray(x) + 0.25

    n = 3
    toy_record = {k: np.zeros((n, 4, 2)) if k == "fake" else np.full((n, 60, 60), 0.5)
                  if k == "d_grid" else np.linspace(0.2, 0.8, n) for k in nb06.TOY_RECORD_KEYS}
    toy_record["step"] = np.arange(n) * 5
    image_record = {"step": np.arange(n) * 5, "images": np.zeros((n, 6, 28, 28)),
                    "fd": np.ones(n), "d_loss": np.ones(n), "g_loss": np.ones(n),
                    "d_real": np.ones(n), "d_fake": np.ones(n)}
    players = [
        nb03.em_player(lvm.em_history(x, 2, n_iter=2, seed=0)),
        nb04.code_size_switcher({2: Blur(), 4: Blur()}, images),
        nb04.denoising_explorer({"blur": Blur()}, images, noise_levels=(0.0, 0.5)),
        nb06.toy_gan_player(gan.GANRun(None, toy_record, {}, 0.0)),
        nb06.image_gan_player(gan.GANRun(None, image_record, {}, 0.0)),
    ]
    for player in players:
        assert isinstance(player, FramePlayer), type(player).__name__
        assert player.shown == player.keys[player.slider.index]
        assert player.caption.value == player.caption_for(player.shown)
        assert player.n_renders == len(player.frames) == 1
        for old in ("shown_iteration", "shown_code_size", "shown_level", "label"):
            assert not hasattr(player, old)
