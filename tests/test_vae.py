"""course_utils.vae: the formulas, the VAE model, binarized training, saving and evaluation."""

import math

import numpy as np
import pytest

from course_utils import checkpoints, config, metrics, vae

TINY = {"latent_dim": 2, "hidden": (16,)}


@pytest.fixture(scope="module")
def images():
    """128 real Fashion-MNIST images in [0, 1] (the ci profile's data)."""
    from course_utils import data

    x_train, _, x_test, _ = data.course_data()
    return x_train[:512], x_test[:64]


@pytest.fixture(scope="module")
def trained(images):
    """A tiny VAE trained for two epochs (a few seconds), with its history."""
    return vae.train_vae(images[0], epochs=2, batch_size=128, seed=0, x_val=images[1], **TINY)


# ---------------------------------------------------------------- the formulas


def test_kl_matches_the_closed_form_for_known_inputs():
    mean = np.array([[0.0, 0.0], [1.0, 2.0]], dtype="float32")
    log_var = np.array([[0.0, 0.0], [math.log(4.0), 0.0]], dtype="float32")
    kl = np.asarray(vae.kl_divergence(mean, log_var))
    # N(0, I) to itself is 0; second row: 1/2 (4 + 1 - 1 - log 4) + 1/2 (1 + 4 - 1 - 0)
    np.testing.assert_allclose(kl, [0.0, 0.5 * (4.0 - math.log(4.0)) + 2.0], rtol=1e-6)


def test_kl_matches_numerical_integration_in_one_dimension():
    from scipy import integrate, stats

    m, s = 0.7, 0.4
    q, p = stats.norm(m, s), stats.norm(0, 1)
    numeric, _ = integrate.quad(lambda z: q.pdf(z) * (q.logpdf(z) - p.logpdf(z)), -10, 10)
    got = float(np.asarray(vae.kl_divergence(np.array([[m]]), np.array([[2 * math.log(s)]])))[0])
    assert got == pytest.approx(numeric, rel=1e-6)


def test_kl_agrees_with_a_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    mean, log_var = rng.normal(0, 1, (3, 4)), rng.normal(0, 0.5, (3, 4))
    eps = rng.standard_normal((200_000, 3, 4))
    z = np.asarray(vae.reparameterize(mean, log_var, eps))
    log_q = -0.5 * np.sum(np.log(2 * np.pi) + log_var + eps ** 2, axis=-1)
    log_p = -0.5 * np.sum(np.log(2 * np.pi) + z ** 2, axis=-1)
    np.testing.assert_allclose((log_q - log_p).mean(axis=0), vae.kl_divergence(mean, log_var),
                               rtol=0.02)


def test_kl_agrees_with_the_metrics_module():
    rng = np.random.default_rng(1)
    mean, log_var = rng.normal(0, 1, (5, 3)), rng.normal(0, 0.5, (5, 3))
    np.testing.assert_allclose(metrics.kl_diag_gaussian_closed_form(mean, log_var),
                               vae.kl_divergence(mean, log_var), rtol=1e-5)


def test_reconstruction_loss_is_the_summed_bernoulli_cross_entropy():
    rng = np.random.default_rng(2)
    x = rng.random((3, 28, 28)).astype("float32")
    logits = rng.normal(0, 3, (3, 28, 28)).astype("float32")
    p = 1 / (1 + np.exp(-logits.astype(float)))
    want = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2))
    np.testing.assert_allclose(vae.reconstruction_loss(x, logits), want, rtol=1e-5)
    half = vae.reconstruction_loss(np.ones((1, 28, 28)), np.zeros((1, 28, 28), "float32"))
    assert float(half[0]) == pytest.approx(784 * math.log(2.0), rel=1e-6)


def test_reconstruction_loss_is_stable_for_huge_logits():
    x = np.array([[[0.0, 1.0]]], dtype="float32")
    right = np.array([[[-1e4, 1e4]]], dtype="float32")
    wrong = -right
    assert float(vae.reconstruction_loss(x, right)[0]) == pytest.approx(0.0, abs=1e-6)
    assert float(vae.reconstruction_loss(x, wrong)[0]) == pytest.approx(2e4, rel=1e-6)


def test_reparameterize_without_noise_is_the_mean():
    mean = np.array([[1.0, -2.0]], "float32")
    np.testing.assert_allclose(vae.reparameterize(mean, np.array([[3.0, -1.0]], "float32"),
                                                  np.zeros((1, 2), "float32")), mean)


# ---------------------------------------------------------------- the reparameterization


def test_gradients_flow_through_the_reparameterization():
    import tensorflow as tf

    rng = np.random.default_rng(3)
    mean = tf.Variable(rng.normal(0, 1, (8, 2)).astype("float32"))
    log_var = tf.Variable(rng.normal(0, 0.5, (8, 2)).astype("float32"))
    eps = rng.standard_normal((8, 2)).astype("float32")
    with tf.GradientTape() as tape:
        z = vae.reparameterize(mean, log_var, eps)
        loss = tf.reduce_sum(z)
    g_mean, g_log_var = tape.gradient(loss, [mean, log_var])
    np.testing.assert_allclose(g_mean, np.ones((8, 2)))  # dz/dmean = 1
    # dz/dlog_var = 1/2 sigma eps = (z - mean) / 2: not zero, and exactly this
    np.testing.assert_allclose(g_log_var, 0.5 * (z.numpy() - mean.numpy()), rtol=1e-5, atol=1e-6)
    assert np.all(np.abs(g_log_var.numpy()) > 0)


def test_reparameterized_draws_have_the_asked_for_mean_and_spread():
    n = 20_000
    mean = np.full((n, 1), 1.5, "float32")
    log_var = np.full((n, 1), math.log(0.25), "float32")
    eps = np.random.default_rng(2).standard_normal((n, 1)).astype("float32")
    z = np.asarray(vae.reparameterize(mean, log_var, eps))
    assert z.mean() == pytest.approx(1.5, abs=0.02) and z.std() == pytest.approx(0.5, abs=0.02)


def test_vae_loss_is_reconstruction_plus_beta_kl():
    rng = np.random.default_rng(5)
    x = (rng.random((4, 28, 28)) < 0.5).astype("float32")
    logits = rng.normal(0, 2, (4, 28, 28)).astype("float32")
    mean, log_var = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype(
        "float32")
    total, rec, kl = (float(v) for v in vae.vae_loss(x, logits, mean, log_var, beta=0.3))
    assert rec == pytest.approx(float(np.mean(vae.reconstruction_loss(x, logits))), rel=1e-6)
    assert kl == pytest.approx(float(np.mean(vae.kl_divergence(mean, log_var))), rel=1e-6)
    assert total == pytest.approx(rec + 0.3 * kl, rel=1e-6)


def test_dynamic_binarization_is_seeded_and_has_the_grey_value_as_mean():
    import tensorflow as tf

    grey = np.full((64, 28, 28), 0.3, "float32")
    grey[:, :14] = 0.9
    first = np.concatenate([b.numpy() for b in vae.binarized_batches(grey, 16, seed=1)])
    again = np.concatenate([b.numpy() for b in vae.binarized_batches(grey, 16, seed=1)])
    np.testing.assert_array_equal(first, again)
    assert set(np.unique(first)) == {0.0, 1.0}
    assert first[:, :14].mean() == pytest.approx(0.9, abs=0.02)
    assert first[:, 14:].mean() == pytest.approx(0.3, abs=0.02)
    ds = vae.binarized_batches(grey, 16, seed=1).repeat(2)
    epochs = [b.numpy() for b in ds]
    assert not np.array_equal(epochs[0], epochs[4])  # redrawn every time it is seen
    assert isinstance(ds, tf.data.Dataset)


# ---------------------------------------------------------------- the model


def test_train_step_updates_weights_and_trackers(images):
    model = vae.build_vae(beta=0.5, seed=0, **TINY)
    before = [w.copy() for w in model.get_weights()]
    logs = model.train_on_batch((images[0][:128] > 0.5).astype("float32"), return_dict=True)
    assert set(logs) == {"loss", "reconstruction_loss", "kl_loss"}
    # one batch: each running mean is that batch's value, and loss = rec + beta * KL
    assert logs["loss"] == pytest.approx(logs["reconstruction_loss"] + 0.5 * logs["kl_loss"],
                                         rel=1e-5)
    changed = [not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True)]
    kernels = [i for i, w in enumerate(model.trainable_weights) if w.path.endswith("kernel")]
    assert kernels and all(changed[i] for i in kernels)
    assert model.loss_tracker.count.numpy() == 1


def test_test_step_leaves_weights_alone_and_trackers_are_running_means(images):
    model = vae.build_vae(seed=0, **TINY)
    before = [w.copy() for w in model.get_weights() if w.dtype == np.float32]
    model.reset_metrics()
    batches = np.array_split(images[1], 3)
    kls = []
    for batch in batches:
        logs = model.test_step(batch)
        kls.append(float(np.mean(vae.kl_divergence(*model.encoder(batch)))))
        assert float(logs["kl_loss"]) == pytest.approx(np.mean(kls), rel=1e-5)
    after = [w for w in model.get_weights() if w.dtype == np.float32]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_fit_records_all_three_curves(trained):
    hist = trained[1]
    assert {"loss", "reconstruction_loss", "kl_loss", "val_loss", "val_kl_loss"} <= set(hist)
    assert len(hist["loss"]) == 2 and hist["loss"][1] < hist["loss"][0]


def test_same_seed_same_model_and_the_session_seed_is_the_default(images):
    a = vae.train_vae(images[0][:256], epochs=1, seed=5, **TINY)[0]
    c = vae.train_vae(images[0][:256], epochs=1, seed=6, **TINY)[0]
    config.set_seed(6)
    try:  # the session's seed 6 as the default: the same model as seed=6 given
        d = vae.train_vae(images[0][:256], epochs=1, **TINY)[0]
    finally:
        config.set_seed(config.DEFAULT_SEED)
    for wc, wd in zip(c.get_weights(), d.get_weights(), strict=True):
        np.testing.assert_array_equal(wc, wd)
    assert not np.allclose(a.get_weights()[0], c.get_weights()[0])
    np.testing.assert_array_equal(c.sample(3, seed=1), d.sample(3, seed=1))


def test_save_and_load_in_safe_mode_gives_the_same_outputs(trained, images, tmp_path):
    import keras

    trained = trained[0]
    path = tmp_path / "vae_tiny.keras"
    assert checkpoints.save_model_atomic(vae.without_optimizer_state(trained), path)
    loaded = keras.saving.load_model(path, safe_mode=True, compile=False)
    assert type(loaded) is vae.VAE and loaded.beta == trained.beta
    assert loaded.latent_dim == 2 and loaded.seed == trained.seed
    x = images[1]
    np.testing.assert_array_equal(loaded(x), trained(x))
    for a, b in zip(loaded.encode(x), trained.encode(x), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.sample(5, seed=3), trained.sample(5, seed=3))
    via_course = checkpoints.load_checkpoint(path)
    np.testing.assert_array_equal(via_course.reconstruct(x), trained.reconstruct(x))
    assert path.stat().st_size < 1_000_000


def test_lean_copy_drops_optimizer_state_and_works_for_notebook_subclasses(trained):
    model = trained[0]
    lean = vae.without_optimizer_state(model)
    assert len(lean.optimizer.variables) < len(model.optimizer.variables)

    class NotebookVAE(vae.BaseVAE):  # what notebook 05 defines: not registered for saving
        pass

    mine = NotebookVAE.from_config(model.get_config())
    mine.set_weights(model.get_weights())
    assert type(vae.without_optimizer_state(mine)) is vae.VAE


def test_build_vae_takes_a_notebook_model_class():
    class Other(vae.BaseVAE):
        pass

    assert type(vae.build_vae(model_class=Other, **TINY)) is Other
    with pytest.raises(TypeError, match="BaseVAE"):
        vae.build_vae(model_class=dict, **TINY)


def test_helpers_follow_the_metrics_contract(trained, images):
    trained = trained[0]
    x = images[1]
    mean, log_var = trained.encode(x[..., None])  # a channel axis is accepted
    assert mean.shape == log_var.shape == (64, 2) and mean.dtype == np.float32
    logits = trained.decode_logits(mean)
    assert logits.shape == (64, 28, 28)
    np.testing.assert_allclose(trained.decode(mean), 1 / (1 + np.exp(-logits)), rtol=1e-5)
    np.testing.assert_allclose(trained.reconstruct(x), trained.decode(mean))
    np.testing.assert_allclose(vae.make_decoder_fn(trained)(mean), trained.decode(mean),
                               rtol=1e-5, atol=1e-6)
    samples = trained.sample(10, seed=0)
    assert samples.shape == (10, 28, 28) and 0 <= samples.min() and samples.max() <= 1


def test_metrics_elbo_matches_the_model_and_is_below_the_importance_sampled_estimate(
        trained, images):
    from course_utils import data

    trained = trained[0]
    x = data.binarize(images[1], seed=0)
    elbo = metrics.elbo(x, trained.encode, trained.decode_logits, n_samples=200, seed=0)
    # the same bound from this module's formulas: -E[reconstruction] - KL
    mean, log_var = trained.encode(x)
    eps = np.random.default_rng(0).standard_normal((200, *mean.shape)).astype("float32")
    rec = np.mean([np.asarray(vae.reconstruction_loss(
        x, trained.decode_logits(np.asarray(vae.reparameterize(mean, log_var, e))))) for e in eps],
        axis=0)
    np.testing.assert_allclose(elbo, -rec - np.asarray(vae.kl_divergence(mean, log_var)),
                               rtol=0.01)
    log_lik = metrics.importance_sampled_log_likelihood(x, trained.encode, trained.decode_logits,
                                                        k=100, seed=0)
    assert log_lik.shape == elbo.shape == (64,)
    assert np.mean(log_lik) >= np.mean(elbo)
    assert np.mean(log_lik >= elbo - 0.5) > 0.95  # per image too, up to Monte-Carlo noise


# ---------------------------------------------------------------- bad input


def test_bad_input_is_explained(trained):
    trained = trained[0]
    with pytest.raises(ValueError, match=r"\(n, 28, 28\)"):
        trained.encode(np.zeros((2, 27, 27)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        trained.encode(np.full((2, 28, 28), 255.0))
    with pytest.raises(ValueError, match="NaN"):
        trained.encode(np.full((1, 28, 28), np.nan))
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        trained.decode_logits(np.zeros((3, 5)))
    with pytest.raises(TypeError, match="array"):
        trained.decode_logits("z")
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        trained.sample(0)
    with pytest.raises(ValueError, match="beta"):
        vae.build_vae(beta=-1.0, **TINY)
    with pytest.raises(TypeError, match="latent_dim must be an int"):
        vae.build_encoder(latent_dim=2.5)
    with pytest.raises(ValueError, match="latent_dim must be an int >= 1"):
        vae.build_decoder(latent_dim=0)
    with pytest.raises(ValueError, match="epochs"):
        vae.train_vae(np.zeros((4, 28, 28)), epochs=0)


def test_latent_grid_runs_left_to_right_and_top_to_bottom():
    grid = vae.latent_grid(3, 2.0)
    np.testing.assert_allclose(grid[:3], [[-2, 2], [0, 2], [2, 2]])
    np.testing.assert_allclose(grid[-1], [2, -2])
    tiles = np.arange(6)[:, None, None] * np.ones((6, 2, 2))
    board = vae.mosaic(tiles, n_rows=2)
    assert board.shape == (4, 6) and board[0, 2] == 1 and board[2, 0] == 3
    with pytest.raises(ValueError):
        vae.mosaic(tiles, n_rows=4)


# ---------------------------------------------------------------- the course's VAEs


def test_course_vae_trains_on_normal_images_and_evaluates_on_binarized_ones():
    tiny = config.Profile(name="tiny", budget="", description="", train_size=300,
                          test_size=100, epoch_scale=0.01)
    model, history = vae.train_course_vae(tiny, seed=0, latent_dim=vae.ANOMALY_LATENT_DIM,
                                          normal_only=True)
    assert model.latent_dim == vae.ANOMALY_LATENT_DIM and "val_loss" in history
    found = vae.evaluate(model)
    assert set(found) == {"test_elbo", "test_kl"} and np.isfinite(list(found.values())).all()
    assert vae.evaluate(model) == found  # reproducible
    x = vae.evaluation_images()
    assert set(np.unique(x)) == {0.0, 1.0} and len(x) == vae.EVAL_SIZE
    assert vae.checkpoint_name(0.1) == "vae_2d_beta0p1" and vae.checkpoint_name(1.0) == "vae_2d"


@pytest.mark.parametrize("profile, epochs, lr", [
    ("class", vae.EPOCHS_CLASS, vae.LEARNING_RATE),
    ("ci", 1, vae.LEARNING_RATE),
    ("full", vae.FULL_EPOCHS, vae.FULL_LEARNING_RATE),  # the recipe of the shipped checkpoints
])
def test_course_vae_recipe_per_profile(monkeypatch, profile, epochs, lr):
    seen = {}
    monkeypatch.setattr(vae, "train_vae", lambda x, **kw: seen.update(kw))
    monkeypatch.setattr(vae.data, "course_data", lambda profile=None, **kw: (
        np.zeros((4, 28, 28), "float32"), np.zeros(4, "int64"),
        np.zeros((2, 28, 28), "float32"), np.zeros(2, "int64")))
    vae.train_course_vae(config.PROFILES[profile])
    assert (seen["epochs"], seen["learning_rate"]) == (epochs, lr)
