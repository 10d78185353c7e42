"""The GAN widgets of notebook 06, driven in plain Python (no browser): the players only redraw
recorded snapshots, the lab trains only on its button, with the two learning rates."""

import functools
import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import course_utils
from course_utils import gan
from course_utils.widgets import nb06 as widgets
from course_utils.widgets.base import FramePlayer

course_utils.setup(seed=0, quiet=True)


def _fake_toy_run(n=5, seed=0, settings=None):
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
    settings = settings or {"steps": 10 * (n - 1), "lr_d": 1e-3, "lr_g": 1e-3, "model": "GAN"}
    extras = {"real": rng.normal(size=(100, 2)), "centres": np.eye(2) * 2, "radius": 0.5,
              "extent": 3.0}
    return gan.GANRun(model=None, record=record, settings=settings, seconds=0.1, extras=extras)


@pytest.fixture(scope="module")
def tiny_run():
    return gan.train_toy_gan(steps=20, record_every=5, hidden=8, seed=1)


def _png_shape(data):
    return np.asarray(Image.open(io.BytesIO(data))).shape


def test_toy_player_redraws_the_chosen_snapshot_and_caches_frames():
    player = widgets.toy_gan_player(_fake_toy_run())
    assert isinstance(player, FramePlayer)
    assert player.shown == 0 and list(player.frames) == [0]
    player.show(3)
    assert player.shown == 3 and player.slider.value == 3
    assert "step <b>30</b>" in player.caption.value and "modes" in player.caption.value
    first = player.frames[3]
    assert bytes(player.image.value) == first
    player.show(0)
    player.show(3)
    assert player.frames[3] is first and sorted(player.frames) == [0, 3] and player.n_renders == 2
    h, w = _png_shape(first)[:2]
    assert w > h > 100
    assert player.n_frames == 5 and player.play.max == 4


def test_toy_player_replays_a_real_tiny_run(tiny_run):
    player = widgets.toy_gan_player(tiny_run)
    assert player.n_frames == len(tiny_run.record["step"]) == 5
    player.slider.value = 4
    assert player.shown == 4 and "step <b>20</b>" in player.caption.value
    assert player.caption.value == widgets.toy_frame_caption(tiny_run, 4)


@pytest.mark.parametrize("bad", [-1, 5, 1.5, True])
def test_toy_player_rejects_bad_snapshot(bad):
    with pytest.raises(ValueError, match=r"index must be an int in \[0, 4\]"):
        widgets.toy_gan_player(_fake_toy_run()).show(bad)


def test_toy_widgets_refuse_something_that_is_not_a_toy_run():
    with pytest.raises(TypeError, match="train_toy_gan"):
        widgets.toy_gan_player(object())
    with pytest.raises(TypeError, match="train_toy_gan"):
        widgets.toy_gan_lab(object(), lambda **kw: None)


def test_toy_frames_figure_and_colour_limits():
    run = _fake_toy_run()
    lo, hi = widgets.toy_d_limits(run)
    assert lo == pytest.approx(1 - hi) and 0.5 - lo >= 0.05
    fig = widgets.toy_frames_figure(run, [0, 2, 4, 1], titles=list("abcd"), suptitle="story")
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titled == list("abcd")
    plt.close(fig)
    with pytest.raises(ValueError, match="titles"):
        widgets.toy_frames_figure(run, [0, 1], titles=["only one"])
    with pytest.raises(ValueError, match="at least one"):
        widgets.toy_frames_figure(run, [])


def test_run_summary_reads_the_settings_of_train_toy_gan(tiny_run):
    text = widgets.toy_run_summary(tiny_run)
    assert text.startswith("GAN: lr D 1.0e-03, lr G 1.0e-03, 20 steps")
    assert "R1" not in text and "modes covered" in text
    r1 = _fake_toy_run(settings={"steps": 40, "lr_d": 1e-4, "lr_g": 4e-4, "model": "R1GAN",
                                 "r1_weight": 0.5})
    assert "R1GAN: lr D 1.0e-04, lr G 4.0e-04, R1 weight 0.5, 40 steps" in \
        widgets.toy_run_summary(r1)
    with pytest.raises(ValueError, match="lr_d"):
        widgets.toy_run_summary(_fake_toy_run(settings={"steps": 1, "lr_g": 1e-3}))


def test_lab_trains_only_on_the_button_with_the_two_learning_rates():
    calls = []

    def train_fn(**kwargs):
        calls.append(kwargs)
        return _fake_toy_run(n=3, seed=len(calls))

    lab = widgets.toy_gan_lab(_fake_toy_run(), train_fn)
    assert not hasattr(lab, "d_steps")
    lab.lr_d.value = 1e-4
    lab.lr_g.value = 1e-2
    lab.player.show(2)
    assert calls == []  # moving controls trains nothing
    lab.button.click()
    assert len(calls) == 1 and set(calls[0]) == {"lr_d", "lr_g"}
    assert calls[0]["lr_d"] == pytest.approx(1e-4) and calls[0]["lr_g"] == pytest.approx(1e-2)
    assert len(lab.runs) == 2 and lab.player.n_frames == 3 and lab.player.shown == 0
    assert lab.box.children == (lab.player.widget,)
    assert not lab.button.disabled


def test_lab_reports_a_failed_training_and_stays_usable():
    def broken(**kwargs):
        raise RuntimeError("out of patience")

    lab = widgets.toy_gan_lab(_fake_toy_run(), broken)
    with pytest.raises(RuntimeError):
        lab.train()
    assert "training failed" in lab.status.value and not lab.button.disabled
    assert len(lab.runs) == 1
    with pytest.raises(TypeError, match="callable"):
        widgets.toy_gan_lab(_fake_toy_run(), "not a function")


def test_lab_with_a_real_tiny_r1_training(tiny_run):
    train = functools.partial(gan.train_toy_gan, steps=6, record_every=3, hidden=8, seed=1,
                              model_class=gan.R1GAN, r1_weight=1.0)
    lab = widgets.toy_gan_lab(tiny_run, train)
    lab.lr_g.value = 10 ** -3.5
    new = lab.train()
    assert new.settings["model"] == "R1GAN" and new.settings["lr_g"] == pytest.approx(10 ** -3.5)
    assert "R1GAN" in lab.status.value and "R1 weight 1" in lab.status.value
    assert "modes covered" in lab.status.value and lab.player.run is new


def _fake_image_run(conditional, n=3):
    rng = np.random.default_rng(1)
    record = {"step": np.arange(n) * 50,
              "images": rng.uniform(0, 1, (n, 40 if conditional else 36, 28, 28)),
              "fd": np.linspace(300, 50, n), "d_loss": np.full(n, 1.3), "g_loss": np.full(n, 0.8),
              "d_real": np.full(n, 0.55), "d_fake": np.full(n, 0.45), "d_acc": np.full(n, 0.6)}
    if conditional:
        record["judge_acc"] = np.linspace(0.1, 0.9, n)
    return gan.GANRun(model=None, record=record, settings={}, seconds=1.0)


@pytest.mark.parametrize("conditional", [False, True])
def test_image_player_shows_grids_and_numbers(conditional):
    player = widgets.image_gan_player(_fake_image_run(conditional), fd_floor=4.0)
    assert isinstance(player, FramePlayer)
    assert player.ncols == (10 if conditional else 6)
    player.show(player.n_frames - 1)
    assert player.shown == 2
    assert "50.0" in player.caption.value and "4.0" in player.caption.value
    assert ("accuracy <b>90%" in player.caption.value) == conditional
    assert _png_shape(player.image.value)[1] > 500


def test_image_player_refuses_a_toy_run():
    with pytest.raises(TypeError, match="train_dcgan"):
        widgets.image_gan_player(_fake_toy_run())
