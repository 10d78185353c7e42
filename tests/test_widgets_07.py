"""The class picker of notebook 07 (the conditional GAN), driven in plain Python: it runs the
given generator for the chosen class and never trains."""

import numpy as np
import pytest

import course_utils
from course_utils import gan
from course_utils.widgets import nb06, nb07

course_utils.setup(seed=0, quiet=True)
NAMES = [f"c{i}" for i in range(10)]


@pytest.fixture(scope="module")
def generator():
    return gan.build_cgan_generator(latent_dim=8, width=4)


def test_class_picker_generates_the_chosen_class(generator):
    seen = []

    def classify(images):
        seen.append(len(images))
        return np.full(len(images), 3)

    picker = nb07.cgan_class_picker(generator, NAMES, n=6, classify=classify)
    assert picker.last_images.shape == (6, 28, 28) and picker.shown == (0, 0)
    assert "0 of 6" in picker.caption.value
    picker.dropdown.value = 3
    assert picker.shown == (3, 0)
    assert "<b>c3</b>" in picker.caption.value and "6 of 6" in picker.caption.value
    want = gan.sample_images(generator, 6, seed=0, labels=np.full(6, 3))
    np.testing.assert_allclose(picker.last_images, want)
    picker.draw.value = 5
    assert picker.shown == (3, 5) and not np.allclose(picker.last_images, want)
    assert seen == [6, 6, 6]


def test_class_picker_without_a_judge_and_bad_inputs(generator):
    picker = nb07.cgan_class_picker(generator, NAMES, n=4, ncols=2)
    assert "judge" not in picker.caption.value and picker.last_images.shape == (4, 28, 28)
    with pytest.raises(TypeError, match="conditional"):
        nb07.cgan_class_picker(gan.build_dcgan_generator(8, 4), NAMES)
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        nb07.cgan_class_picker(generator, NAMES, n=0)
    with pytest.raises(ValueError, match="at least one class"):
        nb07.cgan_class_picker(generator, [])
    with pytest.raises(TypeError, match="classify"):
        nb07.cgan_class_picker(generator, NAMES, classify="judge")


def test_notebook_07_replays_its_run_with_the_image_player_of_06():
    assert nb07.image_gan_player is nb06.image_gan_player
    assert nb07.ImageGANPlayer is nb06.ImageGANPlayer


def test_style_mixer_takes_each_layer_from_the_chosen_source():
    from course_utils import stylegan

    model = stylegan.StyleGAN(z_dim=8, w_dim=8, mapping_layers=1, channels=(4, 4, 4),
                              disc_width=4, seed=0)
    model(np.zeros((1, 8), "float32"))
    mixer = nb07.style_mixer(model, NAMES, classify=lambda images: np.arange(len(images)))
    a, b, mix = mixer.last_images
    assert mixer.shown == (1, 2, ("A", "B", "B")) and "c0" in mixer.caption.value
    want = stylegan.mix_styles(model, stylegan.latents(model, 1, seed=1),
                               stylegan.latents(model, 1, seed=2), 1)
    np.testing.assert_allclose(mix, want[0], atol=1e-5)
    for toggle in mixer.layers:
        toggle.value = "A"
    np.testing.assert_allclose(mixer.last_images[2], mixer.last_images[0], atol=1e-5)
    mixer.draw_b.value = 7
    assert mixer.shown == (1, 7, ("A", "A", "A"))
    with pytest.raises(TypeError, match="StyleGAN"):
        nb07.style_mixer(object(), NAMES)
