"""course_utils.gan: losses against their formulas, coverage on hand-made samples, training
changes both networks, recorders' shapes and counts, determinism, completion, checkpoints."""

import numpy as np
import pytest

import course_utils
from course_utils import checkpoints, data, gan, metrics

course_utils.setup(seed=0, quiet=True)


def _logit(p):
    p = np.asarray(p, dtype="float64")
    return np.log(p / (1 - p))


# ---------------------------------------------------------------- losses


@pytest.mark.parametrize("d_real, d_fake", [
    ([0.9, 0.6, 0.5], [0.1, 0.4, 0.5]),
    ([0.5], [0.5]),
    ([0.99, 0.2], [0.7, 0.01, 0.3]),
])
def test_losses_match_their_formulas_on_known_d_outputs(d_real, d_fake):
    d_real, d_fake = np.array(d_real), np.array(d_fake)
    lr, lf = _logit(d_real), _logit(d_fake)
    want_d = -np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake))
    assert float(gan.discriminator_loss(lr, lf)) == pytest.approx(want_d, rel=1e-6)
    assert float(gan.generator_loss_saturating(lf)) == pytest.approx(
        np.mean(np.log(1 - d_fake)), rel=1e-6)
    assert float(gan.generator_loss_non_saturating(lf)) == pytest.approx(
        -np.mean(np.log(d_fake)), rel=1e-6)


def test_know_nothing_discriminator_loss_is_two_ln_two():
    assert float(gan.discriminator_loss(np.zeros(4), np.zeros(4))) == pytest.approx(2 * np.log(2))


def test_losses_stay_finite_when_d_is_certain():
    big = np.array([80.0, -80.0])
    for value in (gan.discriminator_loss(big, -big), gan.generator_loss_non_saturating(big),
                  gan.generator_loss_saturating(big)):
        assert np.isfinite(float(value))


def test_saturating_gradient_vanishes_where_non_saturating_does_not():
    import tensorflow as tf

    logit = tf.Variable(_logit([0.01]).astype("float32"))
    slopes = {}
    for kind in gan.GENERATOR_LOSSES:
        with tf.GradientTape() as tape:
            loss = gan.generator_loss(logit, kind)
        slopes[kind] = float(tape.gradient(loss, logit)[0])
    assert slopes["saturating"] == pytest.approx(-0.01, abs=1e-4)  # -D(G(z))
    assert slopes["non_saturating"] == pytest.approx(-0.99, abs=1e-4)  # -(1 - D(G(z)))


def test_unknown_generator_loss_is_a_clear_error():
    with pytest.raises(ValueError, match="non_saturating"):
        gan.generator_loss(np.zeros(2), "wasserstein")


# ---------------------------------------------------------------- measures


def test_mode_coverage_counts_hand_made_samples():
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    samples = np.concatenate([
        np.full((10, 2), 0.0) + [0.05, 0.0],  # 10 near mode 0
        np.full((10, 2), 10.0) - [0.0, 0.05],  # 10 near mode 3
        [[10.0, 0.1]],  # 1 near mode 1: below a fifth of its fair share (0.2 * 26 / 4 = 1.3)
        np.full((5, 2), 5.0),  # 5 far from everything
    ])
    cov = gan.mode_coverage(samples, centres, radius=0.5)
    assert cov.covered == 2 and cov.n_modes == 4
    assert cov.high_quality == pytest.approx(21 / 26)
    np.testing.assert_array_equal(cov.counts, [10, 1, 0, 10])
    assert "2 of 4 modes" in str(cov)
    assert gan.mode_coverage(samples, centres, radius=0.5, min_share=0.0).covered == 3


def test_mode_coverage_of_the_ring_itself_is_complete():
    pts, _ = data.ring_of_gaussians(4000, std=0.05, seed=3)
    cov = gan.mode_coverage(pts, data.ring_centres(8), radius=0.15)
    assert cov.covered == 8 and cov.high_quality > 0.98
    one_mode = np.repeat(data.ring_centres(8)[:1], 100, axis=0)
    assert gan.mode_coverage(one_mode, data.ring_centres(8), radius=0.15).covered == 1


@pytest.mark.parametrize("samples, centres, radius, match", [
    (np.zeros((5, 3)), np.zeros((2, 2)), 1.0, "same d"),
    (np.zeros((0, 2)), np.zeros((2, 2)), 1.0, "at least one"),
    (np.zeros((5, 2)), np.zeros((2, 2)), 0.0, "radius"),
])
def test_mode_coverage_rejects_bad_input(samples, centres, radius, match):
    with pytest.raises(ValueError, match=match):
        gan.mode_coverage(samples, centres, radius)


def test_js_divergence_closed_forms():
    assert gan.js_divergence([1, 2, 3], [2, 4, 6]) == pytest.approx(0.0, abs=1e-12)
    assert gan.js_divergence([1, 0], [0, 1]) == pytest.approx(np.log(2))
    p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    m = (p + q) / 2
    want = 0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m))
    assert gan.js_divergence(p, q) == pytest.approx(want)
    with pytest.raises(ValueError, match="same shape"):
        gan.js_divergence([1, 2], [1, 2, 3])


def test_histogram_js_is_zero_for_identical_and_ln2_for_disjoint_clouds():
    a = np.random.default_rng(0).normal(size=(500, 2))
    assert gan.histogram_js_divergence(a, a) == pytest.approx(0.0, abs=1e-12)
    assert gan.histogram_js_divergence(a * 0.01 - 2, a * 0.01 + 2) == pytest.approx(np.log(2))
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        gan.histogram_js_divergence(np.zeros((4, 3)), a)


# ---------------------------------------------------------------- training


def _tiny_toy_gan(d_steps=1, loss="non_saturating", seed=0):
    import keras

    model = gan.GAN(gan.build_toy_generator(4, hidden=8, depth=1, seed=seed),
                    gan.build_toy_discriminator(hidden=8, depth=1, seed=seed + 1),
                    d_steps=d_steps, generator_loss=loss, seed=seed)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    return model


def test_a_few_training_steps_change_both_networks():
    model = _tiny_toy_gan(d_steps=3)
    pts, _ = data.ring_of_gaussians(64, seed=0)
    g0 = [w.copy() for w in model.generator.get_weights()]
    d0 = [w.copy() for w in model.discriminator.get_weights()]
    hist = model.fit(pts, batch_size=32, epochs=1, verbose=0, shuffle=False)
    assert not any(np.allclose(a, b) for a, b in zip(g0, model.generator.get_weights(),
                                                       strict=True))
    assert not any(np.allclose(a, b) for a, b in zip(d0, model.discriminator.get_weights(),
                                                       strict=True))
    assert int(model.d_optimizer.iterations) == 3 * int(model.g_optimizer.iterations) == 6
    assert set(hist.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert [m.name for m in model.metrics] == ["d_loss", "g_loss", "d_real", "d_fake"]


def test_saturating_loss_is_tracked_as_its_own_value():
    model = _tiny_toy_gan(loss="saturating")
    pts, _ = data.ring_of_gaussians(64, seed=0)
    hist = model.fit(pts, batch_size=32, epochs=1, verbose=0, shuffle=False)
    assert hist.history["g_loss"][-1] < 0  # log(1 - D) is negative


@pytest.mark.parametrize("kwargs, match", [
    ({"d_steps": 0}, "d_steps"), ({"generator_loss": "hinge"}, "generator_loss"),
    ({"r1_weight": -1.0}, "r1_weight"),
])
def test_gan_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gan.GAN(gan.build_toy_generator(2, 4, 1), gan.build_toy_discriminator(4, 1), **kwargs)


def test_gan_config_round_trip():
    model = _tiny_toy_gan(d_steps=2)
    clone = gan.GAN.from_config(model.get_config())
    assert clone.d_steps == 2 and clone.latent_dim == 4
    assert clone.generator.count_params() == model.generator.count_params()


@pytest.fixture(scope="module")
def toy_run():
    return gan.train_toy_gan(steps=12, record_every=4, hidden=16, r1_weight=1.0,
                             instance_noise=0.1, seed=5)


def test_toy_recorder_snapshots_have_the_right_shapes_and_count(toy_run):
    r = toy_run.record
    assert len(r["step"]) == 1 + 12 // 4
    np.testing.assert_array_equal(r["step"], [0, 4, 8, 12])
    assert r["fake"].shape == (4, 512, 2)
    assert r["d_grid"].shape == (4, 60, 60)
    assert r["d_grid"].min() >= 0 and r["d_grid"].max() <= 1
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "d_acc", "js"):
        assert r[key].shape == (4,) and np.all(np.isfinite(r[key])), key
    assert np.all((r["js"] >= 0) & (r["js"] <= np.log(2) + 1e-9))
    assert toy_run.extras["coverage"].n_modes == 8 and toy_run.extras["final"].shape == (2000, 2)


def test_toy_training_is_deterministic_with_a_seed(toy_run):
    again = gan.train_toy_gan(steps=12, record_every=4, hidden=16, r1_weight=1.0,
                              instance_noise=0.1, seed=5)
    for key, value in toy_run.record.items():
        np.testing.assert_array_equal(value, again.record[key], err_msg=key)
    other = gan.train_toy_gan(steps=12, record_every=4, hidden=16, seed=6)
    assert not np.allclose(other.record["fake"][-1], toy_run.record["fake"][-1])


def test_recorder_rejects_bad_interval():
    with pytest.raises(ValueError, match="every"):
        gan.ToyGANRecorder(np.zeros((10, 2)), every=0)


@pytest.fixture(scope="module")
def tiny_images():
    x, y, xt, yt = data.course_data(scale="symmetric")
    return x[:256], y[:256], data.from_symmetric(xt[:200]), yt[:200]


def test_conditional_generator_output_shapes():
    g = gan.build_cgan_generator(latent_dim=8, width=4)
    d = gan.build_cgan_discriminator(width=4)
    z = np.zeros((5, 8), "float32")
    labels = np.arange(5)
    out = g([z, labels])
    assert tuple(out.shape) == (5, 28, 28, 1)
    assert float(np.max(np.abs(out))) <= 1.0  # tanh
    assert tuple(d([np.asarray(out), labels]).shape) == (5, 1)
    imgs = gan.sample_images(g, 3, labels=[0, 4, 9])
    assert imgs.shape == (3, 28, 28) and imgs.min() >= 0 and imgs.max() <= 1
    with pytest.raises(ValueError, match="conditional"):
        gan.sample_images(g, 3)
    with pytest.raises(ValueError, match="unconditional"):
        gan.sample_images(gan.build_dcgan_generator(8, 4), 3, labels=[1, 2, 3])


def test_image_gans_train_and_record(tiny_images):
    x, y, ref, yref = tiny_images
    run = gan.train_cgan(x, y, 4, ref, yref, record_every=2, n_eval=100, width=4, seed=1)
    r = run.record
    assert len(r["step"]) == 3 and r["images"].shape == (3, 40, 28, 28)
    assert r["fd"].shape == (3,) and np.all(r["fd"] > 0)
    assert np.all((r["judge_acc"] >= 0) & (r["judge_acc"] <= 1))
    g_before = gan.build_dcgan_generator(width=4, seed=2).get_weights()
    run = gan.train_dcgan(x, 3, ref, record_every=3, n_eval=100, width=4, seed=2)
    assert "judge_acc" not in run.record and run.record["images"].shape == (2, 36, 28, 28)
    assert not np.allclose(g_before[0], run.generator.get_weights()[0])
    # the recorded distance is the judge's Frechet distance of the recorder's fixed noise
    noise = np.random.default_rng(2).standard_normal((36 + 100, gan.DCGAN_LATENT))
    fakes = gan.generate_from(run.generator, noise[36:])
    assert run.record["fd"][-1] == pytest.approx(metrics.judge_frechet_distance(fakes, ref),
                                                 rel=1e-5)
    np.testing.assert_allclose(run.record["images"][-1], gan.generate_from(run.generator,
                                                                           noise[:36]), atol=1e-6)


def test_image_gan_refuses_unit_scaled_images(tiny_images):
    x, _, ref, _ = tiny_images
    with pytest.raises(ValueError, match="to_symmetric"):
        gan.train_dcgan(data.from_symmetric(x), 2, ref)


def test_generators_round_trip_through_a_safe_mode_checkpoint(tmp_path):
    for g in (gan.build_dcgan_generator(8, 4), gan.build_cgan_generator(8, width=4)):
        path = checkpoints.save_model_atomic(g, tmp_path / f"{g.name}.keras")
        loaded = checkpoints.load_checkpoint(path)
        z = np.random.default_rng(0).standard_normal((2, 8)).astype("float32")
        labels = None if len(g.inputs) == 1 else np.array([1, 2])
        np.testing.assert_allclose(gan.generate_from(g, z, labels),
                                   gan.generate_from(loaded, z, labels), atol=1e-6)


def test_pretrained_registry_names_and_errors():
    assert set(gan.PRETRAINED) == set(gan.EVALUATE) == {"dcgan", "cgan"}
    assert all(callable(f) for f in gan.PRETRAINED.values())
    with pytest.raises(ValueError, match="unknown pretrained"):
        gan.pretrained_generator("stylegan")


# ---------------------------------------------------------------- completion


def test_box_masks():
    assert gan.box_mask("bottom")[14:].sum() == 0 and gan.box_mask("bottom")[:14].all()
    assert gan.box_mask("centre").sum() == 28 * 28 - 14 * 14
    with pytest.raises(ValueError, match="kind"):
        gan.box_mask("diagonal")


def test_completion_keeps_visible_pixels_and_sorts_restarts():
    g = gan.build_dcgan_generator(8, 4, seed=3)
    images = np.random.default_rng(0).uniform(0, 1, (2, 28, 28)).astype("float32")
    mask = gan.box_mask("right")
    out = gan.complete_by_latent_search(g, images, mask, restarts=3, steps=5, seed=0)
    assert out["completed"].shape == out["generated"].shape == (2, 3, 28, 28)
    assert out["z"].shape == (2, 3, 8) and out["visible_error"].shape == (2, 3)
    np.testing.assert_allclose(out["completed"][:, :, mask == 1],
                               np.repeat(images[:, None], 3, axis=1)[:, :, mask == 1])
    assert np.all(np.diff(out["visible_error"], axis=1) >= 0)
    again = gan.complete_by_latent_search(g, images, mask, restarts=3, steps=5, seed=0)
    np.testing.assert_array_equal(out["completed"], again["completed"])
    with pytest.raises(ValueError, match="28, 28"):
        gan.complete_by_latent_search(g, images, np.ones((14, 14)))
    with pytest.raises(ValueError, match="hide some"):
        gan.complete_by_latent_search(g, images, np.ones((28, 28)))


def test_latent_search_lowers_the_visible_error():
    g = gan.build_dcgan_generator(8, 4, seed=4)
    target = gan.sample_images(g, 1, seed=9)  # an image the generator can make exactly
    mask = gan.box_mask("bottom")
    short = gan.complete_by_latent_search(g, target, mask, restarts=2, steps=1, seed=0)
    long = gan.complete_by_latent_search(g, target, mask, restarts=2, steps=60, seed=0)
    assert long["visible_error"][0, 0] < short["visible_error"][0, 0]
