"""course_utils.cyclegan: the losses against hand computations, the networks' shapes, the
history buffer, the retrieval measure on cases with known answers, seeds, saving and errors."""

import numpy as np
import pytest

import course_utils
from course_utils import config, cyclegan

course_utils.setup(seed=0, quiet=True)

TINY = {"width": 4, "n_res_blocks": 1, "disc_width": 4}


def _weights(model):
    return [np.asarray(w) for w in model.get_weights()]


@pytest.fixture(scope="module")
def trained():
    """A tiny CycleGAN trained for 4 steps on the ci profile's images (a few seconds)."""
    return cyclegan.train_cyclegan(config.PROFILES["ci"], seed=0, steps=4, batch_size=4,
                                   pool_size=8, n_snapshots=2, run_eagerly=True, **TINY)


# ---------------------------------------------------------------- losses


def test_least_squares_discriminator_loss_matches_hand_computation():
    real = np.array([1.0, 0.5, 0.0], "float32")
    fake = np.array([0.0, 0.5], "float32")
    # real: ((0)^2 + (-0.5)^2 + (-1)^2) / 3 = 1.25 / 3; fake: (0 + 0.25) / 2 = 0.125; halved
    want = 0.5 * (1.25 / 3 + 0.125)
    assert float(cyclegan.adversarial_loss_discriminator(real, fake)) == pytest.approx(want)
    perfect = cyclegan.adversarial_loss_discriminator(np.ones(4, "float32"), np.zeros(4, "float32"))
    assert float(perfect) == 0.0


def test_least_squares_generator_loss_matches_hand_computation():
    fake = np.array([[1.0, 0.0], [0.5, 2.0]], "float32")
    # (0 + 1 + 0.25 + 1) / 4
    assert float(cyclegan.adversarial_loss_generator(fake)) == pytest.approx(0.5625)


def test_cycle_and_identity_losses_are_mean_absolute_errors():
    a = np.array([[0.0, 1.0], [-1.0, 0.5]], "float32")
    b = np.array([[0.5, 1.0], [1.0, 0.0]], "float32")
    assert float(cyclegan.cycle_loss(a, b)) == pytest.approx((0.5 + 0 + 2 + 0.5) / 4)
    assert float(cyclegan.identity_loss(a, b)) == pytest.approx((0.5 + 0 + 2 + 0.5) / 4)
    assert float(cyclegan.cycle_loss(a, a)) == 0.0


# ---------------------------------------------------------------- networks


def test_generator_and_patch_discriminator_shapes_and_ranges():
    gen = cyclegan.build_generator(width=4, n_res_blocks=1, seed=0)
    disc = cyclegan.build_discriminator(width=4, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    y = np.asarray(gen(x))
    assert y.shape == (3, 28, 28, 1) and y.min() >= -1 and y.max() <= 1
    assert np.asarray(disc(x)).shape == (3, 7, 7, 1)
    norms = [layer for layer in gen.layers if type(layer).__name__ == "GroupNormalization"]
    # groups=-1 becomes one group per channel: instance normalisation
    assert norms and all(layer.groups == layer.input.shape[-1] for layer in norms)


def test_identity_weight_defaults_to_half_the_cycle_weight():
    assert cyclegan.CycleGAN(**TINY).identity_weight == 5.0
    ablation = cyclegan.CycleGAN(cycle_weight=0.0, **TINY)
    assert ablation.cycle_weight == 0.0 and ablation.identity_weight == 0.0
    assert cyclegan.CycleGAN(identity_weight=1.0, **TINY).identity_weight == 1.0
    assert ablation.get_config()["identity_weight"] is None


def test_same_seed_same_weights_different_seed_different():
    a, b, c = (cyclegan.CycleGAN(seed=s, **TINY) for s in (3, 3, 4))
    for wa, wb in zip(_weights(a), _weights(b), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert any(not np.array_equal(wa, wc)
               for wa, wc in zip(_weights(a), _weights(c), strict=True))


def test_history_buffer_swaps_only_for_stored_images():
    model = cyclegan.CycleGAN(pool_size=4, seed=0, **TINY)
    first = np.full((4, 28, 28, 1), 0.25, "float32") * np.arange(4).reshape(4, 1, 1, 1)
    out = np.asarray(model.query_pool(model.pool_a, first))
    np.testing.assert_array_equal(out, first)  # an empty buffer passes images through
    stored = np.asarray(model.pool_a["images"])
    assert sorted(stored[:, 0, 0, 0]) == sorted(first[:, 0, 0, 0])
    second = -np.ones((4, 28, 28, 1), "float32")
    values = np.asarray(model.query_pool(model.pool_a, second))[:, 0, 0, 0]
    assert set(values) <= set(first[:, 0, 0, 0]) | {-1.0}
    after = np.asarray(model.pool_a["images"])[:, 0, 0, 0]
    swapped_out = [v for v in values if v != -1.0]
    assert np.sum(after == -1.0) == len(swapped_out)  # each swapped-out image was replaced


# ---------------------------------------------------------------- retrieval


def test_retrieval_is_perfect_for_identity_and_chance_for_a_constant_output():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (20, 28, 28)).astype("float32")
    assert cyclegan.retrieval_accuracy(x, x) == 1.0
    assert cyclegan.retrieval_accuracy(x, np.clip(x * 0.5 + 0.3, 0, 1)) == 1.0  # same deviations
    constant = np.repeat(x[:1], 20, axis=0)
    assert cyclegan.retrieval_accuracy(x, constant) == pytest.approx(1 / 20)
    shuffled = x[np.roll(np.arange(20), 1)]
    assert cyclegan.retrieval_accuracy(x, shuffled) == 0.0


def test_retrieval_rejects_mismatched_sets_and_unknown_space():
    x = np.zeros((5, 28, 28), "float32")
    with pytest.raises(ValueError, match="pair up"):
        cyclegan.retrieval_accuracy(x, x[:4])
    with pytest.raises(ValueError, match="space"):
        cyclegan.retrieval_accuracy(x, x, space="fourier")


# ---------------------------------------------------------------- data


def test_domains_come_from_disjoint_halves_and_the_right_classes():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (40, 28, 28)).astype("uint8")
    y = np.array([7, 9] * 20)
    a, b = cyclegan.domain_images(x, y)
    assert a.shape == (10, 28, 28, 1) and b.shape == (10, 28, 28, 1)
    np.testing.assert_array_equal(a[..., 0], x[:20][y[:20] == 7])
    np.testing.assert_array_equal(b[..., 0], x[20:][y[20:] == 9])
    with pytest.raises(ValueError, match="sneakers"):
        cyclegan.domain_images(x, np.full(40, 9))


# ---------------------------------------------------------------- training and measuring


def test_training_returns_a_small_history(trained):
    model, history = trained
    assert isinstance(model, cyclegan.CycleGAN)
    assert list(history["step"]) == [2, 4]
    for key in ("g_loss", "adv", "cycle", "identity", "d_loss", "target_share_a_to_b",
                "retrieval_b_to_a"):
        assert history[key].shape == (2,) and np.all(np.isfinite(history[key]))
    assert history["samples_a_to_b"].shape == (2, cyclegan.N_SHOW, 28, 28)
    assert history["samples_a_to_b"].dtype == np.uint8
    assert history["inputs_a"].shape == (cyclegan.N_SHOW, 28, 28)
    assert sum(v.nbytes for v in history.values()) < 300_000


def test_evaluation_is_in_range_and_measures_are_deterministic(trained):
    model, _ = trained
    result = cyclegan.evaluate_cyclegan(model)
    assert result["retrieval_chance"] == pytest.approx(0.01)
    for key, value in result.items():
        assert 0.0 <= value <= 1.0, key
    a, b = cyclegan._eval_domains()
    assert cyclegan.measure(model, a[:30], b[:30]) == cyclegan.measure(model, a[:30], b[:30])


def test_save_and_load_in_safe_mode(trained, tmp_path):
    import keras

    model, _ = trained
    path = tmp_path / "cyclegan.keras"
    cyclegan.inference_copy(model).save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = np.random.default_rng(1).uniform(0, 1, (3, 28, 28)).astype("float32")
    for direction in cyclegan.DIRECTIONS:
        np.testing.assert_allclose(cyclegan.translate(loaded, x, direction),
                                   cyclegan.translate(model, x, direction), atol=1e-6)
    assert loaded.cycle_weight == model.cycle_weight


# ---------------------------------------------------------------- bad input


def test_bad_inputs_raise_clear_errors(trained):
    model, _ = trained
    x = np.zeros((2, 28, 28), "float32")
    with pytest.raises(ValueError, match="direction"):
        cyclegan.translate(model, x, "a_to_c")
    with pytest.raises(ValueError):
        cyclegan.translate(model, np.zeros((2, 27, 27), "float32"))
    with pytest.raises(ValueError):
        cyclegan.translate(model, x * 2 - 1)  # [-1, 1] images where [0, 1] are expected
    with pytest.raises(TypeError, match="CycleGAN"):
        cyclegan.translate(object(), x)
    with pytest.raises(ValueError, match="cycle_weight"):
        cyclegan.CycleGAN(cycle_weight=-1.0, **TINY)
    with pytest.raises(TypeError, match="cycle_weight"):
        cyclegan.CycleGAN(cycle_weight="10", **TINY)
    with pytest.raises(ValueError, match="pool_size"):
        cyclegan.train_cyclegan(config.PROFILES["ci"], steps=1, batch_size=8, pool_size=4)
