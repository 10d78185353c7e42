"""course_utils.aging: ink and its per-class quantile bins, the rank correlation, the sweep
measures on images with known answers, training, seeds, saving and errors."""

import numpy as np
import pytest

import course_utils
from course_utils import aging, config, data

course_utils.setup(seed=0, quiet=True)


def _images_with_ink(values):
    """Images whose mean pixel value is exactly ``values`` (uniform grey)."""
    return np.ones((len(values), 28, 28), "float32") * np.asarray(values, "float32")[:, None, None]


@pytest.fixture(scope="module")
def trained():
    return aging.train_aging(config.PROFILES["ci"], seed=0, steps=2, batch_size=16, width=4,
                             n_snapshots=2, run_eagerly=True)


# ---------------------------------------------------------------- the attribute


def test_ink_is_the_mean_pixel_value():
    x = np.zeros((2, 28, 28), "float32")
    x[0, :14] = 1.0
    np.testing.assert_allclose(aging.ink(x), [0.5, 0.0])


def test_bins_are_per_class_quantiles_not_global_ones():
    light = np.linspace(0.0, 0.09, 10)  # class 0: all light
    heavy = np.linspace(0.5, 0.95, 10)  # class 1: all heavy
    x = _images_with_ink(np.concatenate([light, heavy]))
    y = np.array([0] * 10 + [1] * 10)
    bins = aging.ink_bins(x, y)
    # each class fills every bin, two images each, from its lightest to its heaviest
    np.testing.assert_array_equal(bins[:10], np.repeat(np.arange(5), 2))
    np.testing.assert_array_equal(bins[10:], np.repeat(np.arange(5), 2))
    edges = aging.ink_bin_edges(x, y)
    assert edges.shape == (10, 4)
    np.testing.assert_allclose(edges[0], np.quantile(light, [0.2, 0.4, 0.6, 0.8]), rtol=1e-6)
    assert np.all(np.isnan(edges[2:]))  # no images of those classes


def test_bins_on_real_data_do_not_encode_the_class():
    ds = data.load_fashion_mnist()
    x, y = data.to_unit(ds.x_test[:3000]), ds.y_test[:3000].astype("int64")
    bins = aging.ink_bins(x, y)
    counts = np.array([np.bincount(bins[y == c], minlength=5) for c in range(10)])
    shares = counts / counts.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(shares, 0.2, atol=0.02)  # every class spread evenly over bins


def test_given_edges_bin_new_images_the_same_way():
    edges = np.tile([0.1, 0.2, 0.3, 0.4], (10, 1))
    x = _images_with_ink([0.05, 0.15, 0.25, 0.35, 0.45])
    np.testing.assert_array_equal(aging.ink_bins(x, np.zeros(5, int), edges), np.arange(5))


# ---------------------------------------------------------------- measures


def test_spearman_rows_matches_scipy_and_its_end_points():
    from scipy import stats

    rng = np.random.default_rng(0)
    v = rng.normal(size=(20, 5))
    want = [stats.spearmanr(np.arange(5), row).statistic for row in v]
    np.testing.assert_allclose(aging.spearman_rows(v), want, atol=1e-12)
    np.testing.assert_allclose(aging.spearman_rows([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]), [1, -1])


def test_sweep_measures_on_images_with_known_ink_and_class():
    ds = data.load_fashion_mnist()
    boots = data.to_unit(ds.x_test[ds.y_test == 9][:3])
    rising = np.stack([np.stack([b * f for f in (0.6, 0.7, 0.8, 0.9, 1.0)]) for b in boots])
    m = aging.sweep_measures(rising)
    assert m["spearman"] == 1.0 and m["monotone_share"] == 1.0
    assert m["ink_bin_0"] < m["ink_bin_4"]
    falling = rising[:, ::-1]
    assert aging.sweep_measures(falling)["spearman"] == -1.0
    shirts = data.to_unit(ds.x_test[ds.y_test == 1][:3])
    mixed = rising.copy()
    mixed[:, 0] = shirts  # the lightest bin turns into another garment
    assert aging.sweep_measures(mixed)["same_class_as_middle_0"] < 1.0


# ---------------------------------------------------------------- training and measuring


def test_training_history_and_generator(trained):
    generator, history = trained
    assert [tuple(t.shape) for t in generator.inputs] == [(None, aging.LATENT_DIM), (None,)]
    assert list(history["step"]) == [1, 2]
    for key in ("d_loss", "g_loss", "spearman", "class_stays"):
        assert history[key].shape == (2,) and np.all(np.isfinite(history[key]))
    assert history["samples"].shape == (2, aging.N_SHOW, aging.N_BINS, 28, 28)
    assert history["bin_edges"].shape == (10, aging.N_BINS - 1)
    assert sum(v.nbytes for v in history.values()) < 300_000


def test_evaluation_is_deterministic_and_in_range(trained):
    generator, _ = trained
    result = aging.evaluate_aging(generator, n_sweeps=20)
    assert result == aging.evaluate_aging(generator, n_sweeps=20)
    assert -1.0 <= result["spearman"] <= 1.0 and 0 <= result["class_stays"] <= 1
    assert "class_stays_random_z" in result
    assert result["spearman_real_rescaled"] == 1.0  # brightness alone orders the ink exactly
    assert 0.5 < result["class_stays_real_rescaled"] <= 1.0
    real = [result[f"real_ink_bin_{b}"] for b in range(aging.N_BINS)]
    assert np.all(np.diff(real) > 0)  # real images get heavier bin by bin


def test_same_seed_same_weights_different_seed_different():
    a, b, c = (aging.build_model(width=4, seed=s) for s in (3, 3, 4))
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y)
               for x, y in zip(a.get_weights(), c.get_weights(), strict=True))


def test_training_is_reproducible(trained):
    generator, _ = trained
    again, _ = aging.train_aging(config.PROFILES["ci"], seed=0, steps=2, batch_size=16,
                                 width=4, n_snapshots=1, run_eagerly=True)
    for a, b in zip(generator.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_save_and_load_in_safe_mode(trained, tmp_path):
    import keras

    generator, _ = trained
    path = tmp_path / "aging.keras"
    generator.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True, compile=False)
    z = np.random.default_rng(0).standard_normal((2, aging.LATENT_DIM)).astype("float32")
    np.testing.assert_allclose(aging.sweep(loaded, z), aging.sweep(generator, z), atol=1e-6)


# ---------------------------------------------------------------- bad input


def test_bad_inputs_raise_clear_errors(trained):
    generator, _ = trained
    x = _images_with_ink([0.1, 0.2])
    with pytest.raises(ValueError, match="2 images but 3 labels"):
        aging.ink_bins(x, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="labels"):
        aging.ink_bins(x, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="class indices"):
        aging.ink_bins(x, np.array([0, 10]))
    with pytest.raises(ValueError, match="no bin edges"):
        aging.ink_bins(x, np.array([0, 1]), edges=np.full((10, 4), np.nan))
    with pytest.raises(ValueError, match="n_bins"):
        aging.ink_bin_edges(x, np.array([0, 1]), n_bins=1)
    with pytest.raises(ValueError, match="z must be shaped"):
        aging.sweep(generator, np.zeros((2, 3)))
    with pytest.raises(ValueError):
        aging.ink(x * 300)
