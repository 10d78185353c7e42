"""course_utils.helpers: image checks, scalings, log-space arithmetic, atomic files, cache."""

import json
import os

import numpy as np
import pytest
from scipy import stats

from course_utils import config, helpers


def test_as_images_accepts_the_two_shapes_and_drops_the_channel():
    x = np.random.default_rng(0).random((3, 28, 28))
    assert helpers.as_images(x).shape == (3, 28, 28)
    assert helpers.as_images(x[..., None]).dtype == np.float32
    assert helpers.as_images(x[..., None], dtype="float64").shape == (3, 28, 28)


@pytest.mark.parametrize("bad, error, words", [
    (np.zeros((28, 28)), ValueError, "add a batch axis"),
    (np.zeros((2, 784)), ValueError, "reshape them"),
    (np.zeros((2, 27, 27)), ValueError, "shape (2, 27, 27)"),
    (np.zeros((0, 28, 28)), ValueError, "empty"),
    (np.zeros((2, 28, 28), dtype=np.uint8), TypeError, "data.to_unit"),
    (np.full((2, 28, 28), 255.0), ValueError, "[0, 255]"),
    (np.full((2, 28, 28), -1.0), ValueError, "from_symmetric"),
    (np.full((2, 28, 28), np.nan), ValueError, "NaN"),
    ("images", TypeError, "numbers"),
])
def test_as_images_says_what_is_wrong(bad, error, words):
    with pytest.raises(error, match=None) as info:
        helpers.as_images(bad, "x")
    assert words in str(info.value)


def test_as_images_options_for_plots_and_model_outputs():
    flat = np.zeros((2, 784), dtype=np.uint8)
    assert helpers.as_images(flat, flat_ok=True, value_range=None).shape == (2, 28, 28)
    assert helpers.as_images(np.zeros((1, 16, 16)), image_shape=None).shape == (1, 16, 16)
    overshoot = np.full((1, 28, 28), 1.2)
    with pytest.raises(ValueError):
        helpers.as_images(overshoot)
    assert helpers.as_images(overshoot, slack=0.5).max() == pytest.approx(1.2)


def test_scalings_round_trip_and_refuse_floats():
    u8 = np.array([[0, 128, 255]], dtype=np.uint8)
    assert helpers.to_unit(u8).max() == 1.0
    assert helpers.to_symmetric(u8).min() == -1.0
    np.testing.assert_allclose(helpers.from_symmetric(helpers.to_symmetric(u8)),
                               helpers.to_unit(u8), atol=1e-6)
    assert helpers.from_symmetric(np.array([-3.0, 3.0])).tolist() == [0.0, 1.0]
    with pytest.raises(TypeError, match="uint8"):
        helpers.to_unit(u8 / 255.0)


def test_gaussian_log_densities_match_scipy():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 3))
    a = rng.normal(size=(3, 3))
    cov = a @ a.T + 0.5 * np.eye(3)
    mean = rng.normal(size=3)
    np.testing.assert_allclose(helpers.gaussian_logpdf(x, mean, cov),
                               stats.multivariate_normal(mean, cov).logpdf(x))
    log_var = rng.normal(size=(5, 3))
    want = stats.norm(mean, np.exp(0.5 * log_var)).logpdf(x).sum(axis=1)
    np.testing.assert_allclose(helpers.diag_gaussian_logpdf(x, mean, log_var), want)


def test_atomic_writes_leave_no_temporary_files(tmp_path):
    target = tmp_path / "sub" / "values.json"
    helpers.write_json_atomic({"b": 2, "a": 1}, target)
    assert json.loads(target.read_text()) == {"a": 1, "b": 2}
    assert oct(os.stat(target).st_mode & 0o777) == "0o644"
    helpers.write_text_atomic("new", target)
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["values.json"]


def test_session_cache_computes_once():
    helpers.clear_cache()
    calls = []
    for _ in range(3):
        assert helpers.cached(("k", 1), lambda: calls.append(1) or len(calls)) == 1
    assert calls == [1]
    helpers.clear_cache()
    assert helpers.cached(("k", 1), lambda: 7) == 7


def test_glorot_is_seeded_and_differs_per_layer():
    first, again = helpers.glorot(3), helpers.glorot(3)
    a, b = first(), first()
    assert a.get_config()["seed"] != b.get_config()["seed"]
    assert again().get_config()["seed"] == a.get_config()["seed"]
    with pytest.raises(ValueError, match="seed"):
        helpers.glorot(-1)


def test_session_seed_is_the_default_of_every_trainer():
    before = config.resolve_seed()
    try:
        config.set_seed(7)
        assert config.resolve_seed() == 7
        assert config.resolve_seed(3) == 3
        assert config.resolve_seed(np.int64(5)) == 5
        for bad in (-1, 1.5, True, "1"):
            with pytest.raises(ValueError, match="seed"):
                config.resolve_seed(bad)
    finally:
        config.set_seed(before)


def test_plots_accept_any_size_and_flat_vectors():
    from course_utils import plotting

    assert helpers.as_images(np.zeros((2, 784)), image_shape=None, value_range=None,
                             flat_ok=True).shape == (2, 28, 28)
    fig = plotting.image_grid(np.zeros((3, 16, 16), dtype=np.uint8), title="any size")
    assert fig.axes and fig._suptitle.get_text() == "any size"
    with pytest.raises(ValueError, match="images shaped"):
        plotting.image_grid(np.zeros((3, 5)))


def test_short_runs_are_eager_unless_told():
    assert helpers.run_eagerly_for(helpers.SHORT_RUN_STEPS) is True
    assert helpers.run_eagerly_for(helpers.SHORT_RUN_STEPS + 1) is False
    assert helpers.run_eagerly_for(3, run_eagerly=False) is False
    assert helpers.run_eagerly_for(3000, run_eagerly=True) is True


def test_infer_matches_the_eager_call_and_follows_weight_updates():
    import gc
    import weakref

    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4),
                              keras.layers.Dropout(0.5)])
    x = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")
    np.testing.assert_allclose(helpers.infer(model, x), model(x, training=False), rtol=1e-6)
    assert helpers.infer(model, x[:2]).shape == (2, 4)  # another batch size still works
    model.layers[0].kernel.assign(np.zeros((3, 4), "float32"))  # the graph reads live weights
    np.testing.assert_allclose(helpers.infer(model, x), np.broadcast_to(
        model.layers[0].bias.numpy(), (5, 4)))
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None, "the compiled-inference cache must not keep a model alive"


def test_predict_runs_in_chunks_and_matches_one_call():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    x = np.random.default_rng(1).standard_normal((7, 3)).astype("float32")
    np.testing.assert_allclose(helpers.predict(model, x, batch_size=3),
                               model(x, training=False), rtol=1e-6)
    assert helpers.predict(model, x[:0]).shape == (0, 2)


def test_build_optimizer_makes_fit_trace_its_step_once():
    import keras

    traces = []

    class Counting(keras.Sequential):
        def train_step(self, data):
            traces.append(1)  # runs once per trace (Python side effect in a tf.function)
            return super().train_step(data)

    def fit(prebuild: bool) -> int:
        traces.clear()
        model = Counting([keras.Input((4,)), keras.layers.Dense(2), keras.layers.Dense(4)])
        model.compile(keras.optimizers.Adam(1e-3), "mse")
        if prebuild:
            helpers.build_optimizer(model)
        x = np.ones((64, 4), "float32")
        model.fit(x, x, batch_size=16, epochs=1, verbose=0)
        return len(traces)

    assert fit(prebuild=False) == 2  # the optimizer's slots are created inside the first trace
    assert fit(prebuild=True) == 1
    empty = keras.Sequential([keras.layers.Dense(2)])  # no input shape: no weights yet
    empty.compile(keras.optimizers.Adam(1e-3), "mse")
    with pytest.raises(ValueError, match="no weights yet"):
        helpers.build_optimizer(empty)
