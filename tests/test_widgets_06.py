"""The GAN widgets of notebook 06, driven in plain Python (no browser): players only redraw
recorded snapshots, the lab trains only on its button, the class picker draws the chosen class."""

import io

import numpy as np
import pytest
from PIL import Image

import course_utils
from course_utils import gan, widgets

course_utils.setup(seed=0, quiet=True)


def _fake_toy_run(n=5, seed=0):
    """A recorded toy run built by hand (no training)."""
    rng = np.random.default_rng(seed)
    record = {
        "step": np.arange(n) * 10,
        "fake": rng.normal(size=(n, 64, 2)).astype("float32"),
        "d_grid": rng.uniform(0.3, 0.7, size=(n, 60, 60)).astype("float32"),
        "d_loss": np.linspace(1.2, 1.38, n), "g_loss": np.linspace(0.9, 0.7, n),
        "d_real": np.linspace(0.7, 0.5, n), "d_fake": np.linspace(0.3, 0.5, n),
        "d_acc": np.linspace(0.9, 0.5, n), "js": np.linspace(0.6, 0.1, n),
    }
    settings = {"lr_d": 1e-3, "lr_g": 1e-3, "d_steps": 1, "r1_weight": 0.0, "steps": 10 * (n - 1)}
    extras = {"real": rng.normal(size=(100, 2)), "centres": np.eye(2) * 2, "radius": 0.5,
              "extent": 3.0}
    return gan.GANRun(model=None, record=record, settings=settings, seconds=0.1, extras=extras)


def _png_shape(data):
    return np.asarray(Image.open(io.BytesIO(data))).shape


def test_toy_player_redraws_the_chosen_snapshot_and_caches_frames():
    run = _fake_toy_run()
    player = widgets.toy_gan_player(run)
    assert player.shown == 0 and list(player.frames) == [0]
    player.show(3)
    assert player.shown == 3 and player.slider.value == 3
    assert "step <b>30</b>" in player.label.value and "modes" in player.label.value
    first = player.frames[3]
    assert bytes(player.image.value) == first
    player.show(0)
    player.show(3)
    assert player.frames[3] is first and sorted(player.frames) == [0, 3]  # rendered once
    h, w = _png_shape(first)[:2]
    assert w > h > 100
    assert player.play.max == player.slider.max == 4


@pytest.mark.parametrize("bad", [-1, 5, 1.5, True])
def test_toy_player_rejects_bad_snapshot(bad):
    with pytest.raises(ValueError, match="index"):
        widgets.toy_gan_player(_fake_toy_run()).show(bad)


def test_toy_widgets_refuse_something_that_is_not_a_toy_run():
    with pytest.raises(TypeError, match="train_toy_gan"):
        widgets.toy_gan_player(object())


def test_toy_frames_figure_and_colour_limits():
    import matplotlib.pyplot as plt

    run = _fake_toy_run()
    lo, hi = widgets.toy_d_limits(run)
    assert lo == pytest.approx(1 - hi) and 0.5 - lo >= 0.05
    fig = widgets.toy_frames_figure(run, [0, 2, 4, 1], titles=list("abcd"), suptitle="story")
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titled == list("abcd")
    plt.close(fig)
    with pytest.raises(ValueError, match="titles"):
        widgets.toy_frames_figure(run, [0, 1], titles=["only one"])


def test_lab_trains_only_on_the_button_with_the_chosen_settings():
    calls = []

    def train_fn(**kwargs):
        calls.append(kwargs)
        return _fake_toy_run(n=3, seed=len(calls))

    lab = widgets.toy_gan_lab(_fake_toy_run(), train_fn)
    lab.lr_d.value = 1e-4
    lab.lr_g.value = 1e-2
    lab.d_steps.value = 3
    assert calls == []  # moving controls trains nothing
    lab.button.click()
    assert len(calls) == 1
    assert calls[0]["lr_d"] == pytest.approx(1e-4) and calls[0]["lr_g"] == pytest.approx(1e-2)
    assert calls[0]["d_steps"] == 3
    assert len(lab.runs) == 2 and lab.player.n_frames == 3
    assert lab.box.children == (lab.player.widget,)
    assert not lab.button.disabled


def test_lab_with_a_real_tiny_training():
    run = gan.train_toy_gan(steps=6, record_every=3, hidden=8, seed=1)
    lab = widgets.toy_gan_lab(run, lambda **kw: gan.train_toy_gan(steps=6, record_every=3,
                                                                  hidden=8, seed=1, **kw))
    lab.d_steps.value = 2
    new = lab.train()
    assert new.settings["d_steps"] == 2 and "modes covered" in lab.status.value


def _fake_image_run(conditional, n=3):
    rng = np.random.default_rng(1)
    record = {"step": np.arange(n) * 50, "images": rng.uniform(0, 1, (n, 40 if conditional
                                                                         else 36, 28, 28)),
              "fd": np.linspace(300, 50, n), "d_loss": np.full(n, 1.3), "g_loss": np.full(n, 0.8),
              "d_real": np.full(n, 0.55), "d_fake": np.full(n, 0.45), "d_acc": np.full(n, 0.6)}
    if conditional:
        record["judge_acc"] = np.linspace(0.1, 0.9, n)
    return gan.GANRun(model=None, record=record, settings={}, seconds=1.0)


@pytest.mark.parametrize("conditional", [False, True])
def test_image_player_shows_grids_and_numbers(conditional):
    player = widgets.image_gan_player(_fake_image_run(conditional), fd_floor=4.0)
    assert player.ncols == (10 if conditional else 6)
    player.show(2)
    assert "50.0" in player.label.value and "4.0" in player.label.value
    assert ("accuracy <b>90%" in player.label.value) == conditional
    assert _png_shape(player.image.value)[1] > 500


def test_image_player_refuses_a_toy_run():
    with pytest.raises(TypeError, match="train_dcgan"):
        widgets.image_gan_player(_fake_toy_run())


def test_class_picker_generates_the_chosen_class():
    g = gan.build_cgan_generator(latent_dim=8, width=4, seed=0)
    seen = []

    def classify(images):
        seen.append(len(images))
        return np.full(len(images), 3)

    names = [f"c{i}" for i in range(10)]
    picker = widgets.cgan_class_picker(g, names, n=6, classify=classify)
    assert picker.last_images.shape == (6, 28, 28)
    picker.dropdown.value = 3
    assert "<b>c3</b>" in picker.label.value and "6 of 6" in picker.label.value
    want = gan.sample_images(g, 6, seed=0, labels=np.full(6, 3))
    np.testing.assert_allclose(picker.last_images, want)
    picker.draw.value = 5
    assert not np.allclose(picker.last_images, want)
    assert seen == [6, 6, 6]
    with pytest.raises(TypeError, match="conditional"):
        widgets.cgan_class_picker(gan.build_dcgan_generator(8, 4), names)
