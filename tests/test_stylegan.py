"""course_utils.stylegan: AdaIN and the minibatch-std feature against their formulas,
truncation and style mixing at their end points, noise, seeds, saving, training and errors."""

import numpy as np
import pytest

import course_utils
from course_utils import config, stylegan

course_utils.setup(seed=0, quiet=True)

TINY = {"z_dim": 8, "w_dim": 8, "mapping_layers": 2, "channels": (8, 8, 4), "disc_width": 4}


@pytest.fixture(scope="module")
def model():
    return stylegan.StyleGAN(seed=0, **TINY)


def _set_noise_strength(m, value: float) -> None:
    for layer in m.synthesis.layers:
        if isinstance(layer, stylegan.NoiseInjection):
            layer.strength.assign(np.full(layer.strength.shape, value, "float32"))


# ---------------------------------------------------------------- the two operations


def test_adain_gives_each_channel_the_style_mean_and_std():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 5.0, (2, 6, 6, 3)).astype("float32")
    scale = np.array([[2.0, 0.5, -1.0], [1.0, 3.0, 0.1]], "float32")
    bias = np.array([[0.0, 1.0, -2.0], [5.0, 0.0, 0.3]], "float32")
    y = np.asarray(stylegan.adain(x, scale, bias))
    np.testing.assert_allclose(y.mean(axis=(1, 2)), bias, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(1, 2)), np.abs(scale), rtol=1e-4)


def test_adain_layer_uses_the_same_formula():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, 4, 2)).astype("float32")
    s, b = rng.normal(size=(2, 2)).astype("float32"), rng.normal(size=(2, 2)).astype("float32")
    np.testing.assert_allclose(np.asarray(stylegan.AdaIN()([x, s, b])),
                               np.asarray(stylegan.adain(x, s, b)), atol=1e-6)


def test_minibatch_std_on_a_known_batch():
    x = np.array([0.0, 2.0], "float32").reshape(2, 1, 1, 1)  # population std 1
    y = np.asarray(stylegan.minibatch_std(x))
    assert y.shape == (2, 1, 1, 2)
    np.testing.assert_allclose(y[..., 0], x[..., 0])
    np.testing.assert_allclose(y[..., 1], 1.0, atol=1e-6)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 3, 3, 4)).astype("float32")
    want = np.sqrt(x.var(axis=0) + 1e-8).mean()
    np.testing.assert_allclose(np.asarray(stylegan.minibatch_std(x))[..., -1], want, rtol=1e-5)
    same = np.repeat(x[:1], 5, axis=0)  # a collapsed batch: the feature is (almost) 0
    assert np.asarray(stylegan.minibatch_std(same))[..., -1].max() < 1e-3


# ---------------------------------------------------------------- the pure functions


def test_truncation_end_points():
    rng = np.random.default_rng(3)
    w = rng.normal(size=(4, 3, 8)).astype("float32")
    w_avg = rng.normal(size=8).astype("float32")
    np.testing.assert_allclose(stylegan.truncate(w, w_avg, 0.0), np.broadcast_to(w_avg, w.shape))
    np.testing.assert_allclose(stylegan.truncate(w, w_avg, 1.0), w, atol=1e-6)
    np.testing.assert_allclose(stylegan.truncate(w, w_avg, 0.5), (w + w_avg) / 2, atol=1e-6)


def test_w_mean_is_the_average_mapped_latent(model):
    z = stylegan.latents(model, 50, seed=5)
    np.testing.assert_allclose(stylegan.w_mean(model, 50, seed=5),
                               stylegan.mapping(model, z).mean(axis=0), atol=1e-6)


def test_synthesis_shapes_range_and_constant_input(model):
    ws = np.repeat(stylegan.mapping(model, stylegan.latents(model, 3))[:, None], 3, axis=1)
    images = stylegan.synthesize(model, ws, noise_seed=0)
    assert images.shape == (3, 28, 28) and images.min() >= 0 and images.max() <= 1
    assert model.synthesis.get_layer("constant").constant.shape == (1, 7, 7, 8)
    assert len(model.synthesis.inputs) == 1 + len(stylegan.RESOLUTIONS)


def test_noise_changes_images_only_through_its_learned_strength():
    m = stylegan.StyleGAN(seed=0, **TINY)
    w = stylegan.mapping(m, stylegan.latents(m, 2))
    np.testing.assert_array_equal(stylegan.synthesize(m, w, 1), stylegan.synthesize(m, w, 2))
    _set_noise_strength(m, 0.5)
    np.testing.assert_array_equal(stylegan.synthesize(m, w, 1), stylegan.synthesize(m, w, 1))
    assert not np.allclose(stylegan.synthesize(m, w, 1), stylegan.synthesize(m, w, 2))
    assert not np.allclose(stylegan.synthesize(m, w, 1), stylegan.synthesize(m, w, None))


def test_style_mixing_end_points(model):
    z_a, z_b = stylegan.latents(model, 4, seed=1), stylegan.latents(model, 4, seed=2)
    pure_b = stylegan.synthesize(model, stylegan.mapping(model, z_b), noise_seed=0)
    pure_a = stylegan.synthesize(model, stylegan.mapping(model, z_a), noise_seed=0)
    np.testing.assert_allclose(stylegan.mix_styles(model, z_a, z_b, 0), pure_b, atol=1e-6)
    np.testing.assert_allclose(stylegan.mix_styles(model, z_a, z_b, 3), pure_a, atol=1e-6)
    ws = stylegan.style_mix(np.zeros((2, 8)), np.ones((2, 8)), 2)
    np.testing.assert_array_equal(ws[:, :, 0], [[0, 0, 1], [0, 0, 1]])


def test_training_mixes_styles_with_the_requested_probability():
    never = stylegan.StyleGAN(mixing_prob=0.0, seed=0, **TINY).random_styles(16)
    always = stylegan.StyleGAN(mixing_prob=1.0, seed=0, **TINY).random_styles(16)
    never, always = np.asarray(never), np.asarray(always)
    np.testing.assert_array_equal(never[:, 0], never[:, -1])
    assert np.all(np.abs(always[:, 0] - always[:, -1]).max(axis=1) > 0)  # crossover in 1..2


def test_same_seed_same_weights_different_seed_different():
    a, b, c = (stylegan.StyleGAN(seed=s, **TINY) for s in (7, 7, 8))
    wa, wb, wc = a.get_weights(), b.get_weights(), c.get_weights()
    for x, y in zip(wa, wb, strict=True):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y) for x, y in zip(wa, wc, strict=True))


def test_diversity_is_zero_for_identical_images_and_matches_numpy():
    x = np.random.default_rng(4).uniform(0, 1, (6, 28, 28)).astype("float32")
    assert stylegan.diversity(np.repeat(x[:1], 4, axis=0)) == 0.0
    assert stylegan.diversity(x) == pytest.approx(float(x.std(axis=0).mean()), rel=1e-6)


# ---------------------------------------------------------------- training, measures, saving


def test_training_history_and_measures():
    m, history = stylegan.train_stylegan(config.PROFILES["ci"], seed=0, steps=2, r1_weight=1.0,
                                         batch_size=8, n_snapshots=2, run_eagerly=True, **TINY)
    assert list(history["step"]) == [1, 2]
    for key in ("d_loss", "g_loss", "fd_500", "diversity", "seconds"):
        assert history[key].shape == (2,) and np.all(np.isfinite(history[key]))
    assert history["samples"].shape == (2, stylegan.N_SHOW, 28, 28)
    assert float(history["train_seconds"]) > 0
    curve = stylegan.truncation_curve(m, psis=(0.0, 1.0), n=200)
    assert curve["fd"].shape == (2,) and curve["diversity"][0] <= curve["diversity"][1] + 1e-6
    table = stylegan.mixing_table(m, n_pairs=50)
    if table["n_counted"]:
        assert table["share_coarse"][0] == 0.0 and table["share_fine"][0] == 1.0
        assert table["share_coarse"][-1] == 1.0


def test_save_and_load_in_safe_mode(model, tmp_path):
    import keras

    path = tmp_path / "stylegan.keras"
    stylegan.inference_copy(model).save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    z = stylegan.latents(model, 3, seed=9)
    np.testing.assert_allclose(stylegan.mix_styles(loaded, z, z[::-1], 1),
                               stylegan.mix_styles(model, z, z[::-1], 1), atol=1e-6)


# ---------------------------------------------------------------- bad input


def test_bad_inputs_raise_clear_errors(model):
    with pytest.raises(ValueError, match="z must be shaped"):
        stylegan.mapping(model, np.zeros((2, 5)))
    with pytest.raises(TypeError):
        stylegan.mapping(model, np.array([["a"] * 8]))
    with pytest.raises(ValueError, match="ws_per_layer"):
        stylegan.synthesize(model, np.zeros((2, 2, 8)))
    with pytest.raises(ValueError, match="fine_from_layer"):
        stylegan.mix_styles(model, np.zeros((1, 8)), np.zeros((1, 8)), 4)
    with pytest.raises(TypeError, match="psi"):
        stylegan.truncate(np.zeros((1, 8)), np.zeros(8), "0.5")
    with pytest.raises(ValueError, match="w_avg"):
        stylegan.truncate(np.zeros((1, 8)), np.zeros(4), 0.5)
    with pytest.raises(ValueError, match="mixing_prob"):
        stylegan.StyleGAN(mixing_prob=1.5, **TINY)
    with pytest.raises(ValueError, match="r1_weight"):
        stylegan.StyleGAN(r1_weight=-1.0, **TINY)
    with pytest.raises(ValueError, match="channels"):
        stylegan.build_synthesis(8, channels=(8, 8))
    with pytest.raises(TypeError, match="StyleGAN"):
        stylegan.w_mean(object())


def test_r1_penalty_is_the_mean_squared_input_gradient_of_d():
    import tensorflow as tf

    m = stylegan.StyleGAN(r1_weight=1.0, seed=0, **TINY)
    real = tf.constant(np.random.default_rng(5).uniform(-1, 1, (4, 28, 28, 1)).astype("float32"))
    logits, r1 = m.real_logits_and_r1(real)
    with tf.GradientTape() as tape:
        tape.watch(real)
        total = tf.reduce_sum(m.discriminator(real, training=True))
    want = np.mean(np.sum(np.square(tape.gradient(total, real).numpy()), axis=(1, 2, 3)))
    assert np.asarray(logits).shape == (4, 1) and float(r1) == pytest.approx(want, rel=1e-5)
    assert float(r1) > 0
