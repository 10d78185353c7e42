"""Autoencoder builders, training helpers and the train-or-load cache (course_utils.models)."""

import json

import numpy as np
import pytest

import course_utils
from course_utils import checkpoints, models
from course_utils.config import NOTEBOOK_DIR, Profile

TINY = Profile(name="tiny", budget="tests", description="a few hundred images, one epoch",
               train_size=200, test_size=100, epoch_scale=0.05)


@pytest.fixture(autouse=True)
def _seeded():
    course_utils.setup(seed=0, quiet=True)
    checkpoints.clear_session_cache()
    yield
    checkpoints.clear_session_cache()


def _images(n=16, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28)).astype("float32")


def _dense_params(k, h=models.HIDDEN_UNITS):
    return (784 * h + h) + (h * k + k) + (k * h + h) + (h * 784 + 784)


# ---------------------------------------------------------------- builders


@pytest.mark.parametrize("code_size", [2, 32])
def test_dense_shapes_and_parameter_count(code_size):
    encoder, decoder, ae = models.build_autoencoder(code_size)
    assert encoder.output_shape == (None, code_size)
    assert decoder.input_shape == (None, code_size)
    assert ae.input_shape == ae.output_shape == (None, 28, 28)
    assert ae.count_params() == _dense_params(code_size)
    assert ae.get_layer("encoder") is encoder and ae.get_layer("decoder") is decoder
    assert ae.name == f"autoencoder_dense_{code_size}"


def test_conv_and_shallow_parameter_counts():
    _, _, conv = models.build_autoencoder(32, "conv")
    conv_params = (9 * 16 + 16) + (9 * 16 * 32 + 32) + (7 * 7 * 32 * 32 + 32) \
        + (32 * 7 * 7 * 32 + 7 * 7 * 32) + (9 * 32 * 16 + 16) + (9 * 16 + 1)
    assert conv.count_params() == conv_params
    assert conv.output_shape == (None, 28, 28)
    _, _, shallow = models.build_autoencoder(8, "shallow")
    assert shallow.count_params() == (784 * 8 + 8) + (8 * 784 + 784)


def test_overcomplete_code_is_larger_than_the_image():
    encoder, decoder, ae = models.build_overcomplete_autoencoder(channels=8)
    assert encoder.output_shape == (None, 28, 28, 8)
    assert int(np.prod(encoder.output_shape[1:])) > 28 * 28
    assert ae.count_params() == (9 * 8 + 8) + (9 * 8 + 1)
    assert ae.output_shape == (None, 28, 28)


def test_outputs_are_in_the_unit_interval():
    x = _images(4)
    for build in (lambda: models.build_autoencoder(4), lambda: models.build_autoencoder(4, "conv"),
                  models.build_overcomplete_autoencoder):
        y = np.asarray(build()[2].predict(x, verbose=0))
        assert y.shape == x.shape and y.min() >= 0.0 and y.max() <= 1.0


def test_same_seed_same_weights_other_seed_other_weights():
    a = models.build_autoencoder(8, seed=3)[2].get_weights()
    b = models.build_autoencoder(8, seed=3)[2].get_weights()
    c = models.build_autoencoder(8, seed=4)[2].get_weights()
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("bad, error, words", [
    (dict(code_size=0), ValueError, "positive"),
    (dict(code_size="8"), TypeError, "int"),
    (dict(code_size=8, kind="cnn"), ValueError, "dense"),
    (dict(code_size=8, seed=-1), ValueError, "seed"),
])
def test_builder_rejects_bad_input(bad, error, words):
    with pytest.raises(error, match=words):
        models.build_autoencoder(**bad)


# ---------------------------------------------------------------- helpers


def test_as_images_accepts_a_channel_axis_and_rejects_the_rest():
    x = _images(3)
    assert models.as_images(x[..., None]).shape == (3, 28, 28)
    with pytest.raises(ValueError, match=r"\(n, 28, 28\)"):
        models.as_images(np.zeros((3, 784), dtype="float32"))
    with pytest.raises(TypeError, match="uint8"):
        models.as_images(np.zeros((3, 28, 28), dtype=np.uint8))


def test_split_train_val():
    x = np.arange(100)
    fit, val = models.split_train_val(x, 0.2)
    assert len(fit) == 80 and len(val) == 20 and val[0] == 80
    with pytest.raises(ValueError, match="between 0 and 1"):
        models.split_train_val(x, 1.0)


def test_encode_decode_and_mse_agree_with_the_model():
    _, _, ae = models.build_autoencoder(4)
    x = _images(5)
    codes = models.encode(ae, x)
    assert codes.shape == (5, 4)
    np.testing.assert_allclose(models.decode(ae, codes), models.reconstruct(ae, x), atol=1e-6)
    mse = models.reconstruction_mse(ae, x)
    np.testing.assert_allclose(mse, ((models.reconstruct(ae, x) - x) ** 2).mean(axis=(1, 2)),
                               rtol=1e-6)
    with pytest.raises(ValueError, match=r"\(n, 4\)"):
        models.decode(ae, np.zeros((2, 3)))


def test_parts_needs_named_encoder_and_decoder():
    import keras

    plain = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten()], name="plain")
    with pytest.raises(ValueError, match="build it with models.build_autoencoder"):
        models.parts(plain)


# ---------------------------------------------------------------- training


def test_fit_lowers_the_loss_and_is_deterministic():
    x = _images(64, seed=1) * 0.5

    def run():
        _, _, ae = models.build_autoencoder(4, seed=0)
        history = models.fit_autoencoder(ae, x[:48], x[48:], epochs=3, batch_size=16, seed=5)
        return history.history, ae.get_weights()

    (h1, w1), (h2, w2) = run(), run()
    assert set(h1) == {"loss", "val_loss"} and len(h1["loss"]) == 3
    assert h1["loss"][-1] < h1["loss"][0]
    assert h1 == h2
    assert all(np.array_equal(u, v) for u, v in zip(w1, w2, strict=True))


def test_denoising_fit_feeds_fresh_clipped_noise_and_is_deterministic():
    x = _images(40, seed=2) * 0.5
    batches = models._noisy_batches(x, 0.3, batch_size=16, seed=1)
    assert len(batches) == 3
    noisy, clean = batches[0]
    assert noisy.shape == clean.shape == (16, 28, 28)
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0 and not np.allclose(noisy, clean)
    np.testing.assert_array_equal(batches[0][0], noisy)  # same epoch, same batch: same noise
    batches.on_epoch_end()
    assert not np.allclose(batches[0][1], clean) or not np.allclose(batches[0][0], noisy)

    def run():
        _, _, ae = models.build_autoencoder(4, seed=0)
        h = models.fit_autoencoder(ae, x[:32], x[32:], epochs=2, batch_size=16, noise_std=0.3)
        return h.history, ae.get_weights()

    (h1, w1), (h2, w2) = run(), run()
    assert h1 == h2 and all(np.array_equal(u, v) for u, v in zip(w1, w2, strict=True))
    _, _, plain = models.build_autoencoder(4, seed=0)
    h0 = models.fit_autoencoder(plain, x[:32], x[32:], epochs=2, batch_size=16)
    assert h0.history["loss"] != h1["loss"]  # the noise changes what is learned


def test_fit_rejects_bad_arguments():
    _, _, ae = models.build_autoencoder(2)
    x = _images(8)
    with pytest.raises(ValueError, match="epochs"):
        models.fit_autoencoder(ae, x, x, epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        models.fit_autoencoder(ae, x, x, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="noise_std"):
        models.fit_autoencoder(ae, x, x, epochs=1, noise_std=-0.1)
    with pytest.raises(ValueError, match="x_val"):
        models.fit_autoencoder(ae, x, x.reshape(8, 784), epochs=1)


# ---------------------------------------------------------------- checkpoints


@pytest.mark.parametrize("build", [
    lambda: models.build_autoencoder(4),
    lambda: models.build_autoencoder(4, "conv"),
    lambda: models.build_overcomplete_autoencoder(2),
], ids=["dense", "conv", "overcomplete"])
def test_safe_mode_round_trip_keeps_encoder_and_decoder(build, tmp_path):
    _, _, ae = build()
    x = _images(6)
    models.fit_autoencoder(ae, x, x, epochs=1, batch_size=3)
    lean = models._lean_copy(ae)
    assert getattr(lean, "optimizer", None) is None
    path = checkpoints.save_model_atomic(lean, tmp_path / "ae.keras")
    loaded = checkpoints.load_checkpoint(path)  # safe_mode=True
    np.testing.assert_allclose(loaded.predict(x, verbose=0), ae.predict(x, verbose=0), atol=1e-6)
    enc, dec = models.parts(loaded)
    np.testing.assert_allclose(models.encode(loaded, x), models.encode(ae, x), atol=1e-6)
    assert dec.output_shape == (None, 28, 28)


def test_lean_checkpoint_is_small(tmp_path):
    _, _, ae = models.build_autoencoder(64)
    models.fit_autoencoder(ae, _images(8), _images(4), epochs=1)
    full = checkpoints.save_model_atomic(ae, tmp_path / "full.keras").stat().st_size
    lean = checkpoints.save_model_atomic(models._lean_copy(ae), tmp_path / "lean.keras")
    assert lean.stat().st_size < 0.45 * full
    assert lean.stat().st_size < 2_000_000


def test_trained_autoencoder_trains_once_per_session():
    first = models.trained_autoencoder(2, profile=TINY)
    assert models.trained_autoencoder(2, profile=TINY) is first  # cached, not retrained
    assert first.history.history["loss"]  # the fit's History stays on the model
    assert models.parts(first)[0].output_shape == (None, 2)
    with pytest.raises(ValueError, match="kind"):
        models.trained_autoencoder(2, kind="rnn", profile=TINY)
    with pytest.raises(TypeError, match="Profile"):
        models.trained_autoencoder(2, profile="class")


def test_anomaly_autoencoder_and_registry():
    assert set(models.PRETRAINED) == {
        *(f"ae_dense_{k}" for k in models.CODE_SIZES), "ae_conv_32", "ae_overcomplete",
        "dae_dense_32", "ae_dense_32_normal"}
    model, metrics = models.PRETRAINED["ae_dense_32_normal"](TINY)
    assert set(metrics) == {"test_mse"} and 0.0 < metrics["test_mse"] < 0.2
    assert getattr(model, "optimizer", None) is None
    assert models.EVALUATE["ae_dense_32_normal"](model) == pytest.approx(metrics)


def test_live_profile_loads_instead_of_training(monkeypatch, tmp_path):
    monkeypatch.setattr(checkpoints, "CHECKPOINT_DIR", tmp_path)
    live = Profile(name="live", budget="", description="", train_size=200, test_size=100,
                   epoch_scale=0.05, use_pretrained=True)
    with pytest.raises(checkpoints.CheckpointError, match="does not exist"):
        models.trained_autoencoder(4, profile=live)  # an empty checkpoint folder: no training
    _, _, ae = models.build_autoencoder(4)
    checkpoints.save_model_atomic(models._lean_copy(ae), tmp_path / "ae_dense_4.keras")
    loaded = models.trained_autoencoder(4, profile=live)
    assert models.parts(loaded)[0].output_shape == (None, 4)
    assert not hasattr(loaded, "history") or loaded.history is None


# ---------------------------------------------------------------- the notebook and the builder


def _notebook_builder():
    path = NOTEBOOK_DIR / "04_autoencoders.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    cell = next(s for s in sources if "def build_dense_autoencoder(" in s)
    import keras
    from keras import layers

    namespace = {"keras": keras, "layers": layers, "np": np}
    exec(compile(cell, "04_autoencoders.ipynb", "exec"), namespace)
    return namespace["build_dense_autoencoder"]


def _describe(model):
    rows = []
    for layer in model.layers:
        cfg = layer.get_config()
        rows.append((type(layer).__name__, cfg.get("units"), cfg.get("activation"),
                     cfg.get("target_shape"), layer.count_params()))
    return rows


@pytest.mark.parametrize("code_size", [2, 32])
def test_notebook_architecture_matches_build_autoencoder(code_size):
    """The notebook builds the autoencoder by hand; models.build_autoencoder must not drift."""
    nb_encoder, nb_decoder, nb_ae = _notebook_builder()(code_size)
    encoder, decoder, ae = models.build_autoencoder(code_size, "dense")
    assert _describe(nb_encoder) == _describe(encoder)
    assert _describe(nb_decoder) == _describe(decoder)
    assert nb_ae.count_params() == ae.count_params()
    assert nb_ae.input_shape == ae.input_shape and nb_ae.output_shape == ae.output_shape
    assert nb_ae.loss == ae.loss == "mse"
    assert type(nb_ae.optimizer) is type(ae.optimizer)
    assert float(nb_ae.optimizer.learning_rate) == pytest.approx(models.LEARNING_RATE)


def test_add_noise_is_seeded_scaled_and_clipped():
    x = np.full((2, 28, 28), 0.5, dtype="float32")
    a, b = models.add_noise(x, 0.05, seed=1), models.add_noise(x, 0.05, seed=1)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(models.add_noise(x, 0.1, seed=1) - 0.5, 2 * (a - 0.5), atol=1e-6)
    assert np.array_equal(models.add_noise(x, 0.0), x)
    big = models.add_noise(x, 5.0)
    assert big.min() == 0.0 and big.max() == 1.0
    with pytest.raises(ValueError, match="std"):
        models.add_noise(x, -0.1)


def test_quantize_closed_form_and_errors():
    got = models.quantize(np.array([[0.1, 0.2, 0.5, 0.9, 1.7, -3.0]]), 0.0, 1.0, bits=2)
    np.testing.assert_allclose(got, [[0.0, 1 / 3, 2 / 3, 1.0, 1.0, 0.0]], atol=1e-7)
    codes = np.random.default_rng(0).normal(size=(100, 4))
    lo, hi = codes.min(axis=0), codes.max(axis=0)
    err = np.abs(models.quantize(codes, lo, hi, bits=8) - codes)
    assert np.all(err <= (hi - lo) / 255 / 2 + 1e-6)  # at most half a step
    with pytest.raises(ValueError, match="bits"):
        models.quantize(codes, lo, hi, bits=0)
    with pytest.raises(ValueError, match="larger"):
        models.quantize(codes, hi, lo)
