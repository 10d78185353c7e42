"""Autoencoder builders, training helpers and the trained models (course_utils.autoencoders)."""

import numpy as np
import pytest

import course_utils
from course_utils import autoencoders, checkpoints, config
from course_utils.config import Profile

TINY = Profile(name="tiny", budget="tests", description="a few hundred images, one epoch",
               train_size=200, test_size=100, epoch_scale=0.05)


@pytest.fixture(autouse=True)
def _seeded():
    course_utils.setup(seed=0, quiet=True)


def _images(n=16, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28)).astype("float32")


def _build(code_size=4, kind="dense"):
    return autoencoders.build_autoencoder(*autoencoders.build_parts(code_size, kind))


def _dense_params(k, h=autoencoders.HIDDEN_UNITS):
    return (784 * h + h) + (h * k + k) + (k * h + h) + (h * 784 + 784)


@pytest.mark.parametrize("code_size", [2, 32])
def test_dense_shapes_and_parameter_count(code_size):
    encoder, decoder = autoencoders.build_parts(code_size)
    ae = autoencoders.build_autoencoder(encoder, decoder)
    assert encoder.output_shape == (None, code_size)
    assert decoder.output_shape == (None, 28, 28)
    assert ae.input_shape == ae.output_shape == (None, 28, 28)
    assert ae.count_params() == _dense_params(code_size)
    assert ae.loss == "mse"
    assert float(ae.optimizer.learning_rate) == pytest.approx(autoencoders.LEARNING_RATE)
    assert autoencoders.parts(ae) == (encoder, decoder)


def test_conv_and_shallow_parameter_counts():
    conv = _build(32, "conv")
    assert autoencoders.parts(conv)[0].output_shape == (None, 32)
    assert conv.output_shape == (None, 28, 28)
    assert _build(8, "shallow").count_params() == (784 * 8 + 8) + (8 * 784 + 784)


def test_overcomplete_code_is_larger_than_the_image():
    ae = autoencoders.build_overcomplete_autoencoder(channels=8)
    encoder, _ = autoencoders.parts(ae)
    assert int(np.prod(encoder.output_shape[1:])) == 8 * 784 > 784
    assert ae.count_params() == 10 * 8 + 9 * 8 + 1
    assert float(ae.optimizer.learning_rate) == pytest.approx(
        autoencoders.OVERCOMPLETE_LEARNING_RATE)


def test_outputs_are_in_the_unit_interval():
    x = _images(4)
    for ae in (_build(4), _build(4, "conv"), autoencoders.build_overcomplete_autoencoder()):
        out = autoencoders.reconstruct(ae, x)
        assert out.shape == (4, 28, 28) and out.min() >= 0.0 and out.max() <= 1.0


def test_same_global_seed_same_weights_other_seed_other_weights():
    import keras

    def weights(seed):
        keras.utils.set_random_seed(seed)
        return _build(8).get_weights()

    a, b, c = weights(3), weights(3), weights(4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))


@pytest.mark.parametrize("bad, error, words", [
    ({"code_size": 0}, ValueError, "code_size"),
    ({"code_size": 2.5}, TypeError, "code_size"),
    ({"code_size": 4, "kind": "rnn"}, ValueError, "kind"),
])
def test_builder_rejects_bad_input(bad, error, words):
    with pytest.raises(error, match=words):
        autoencoders.build_parts(**bad)


def test_split_train_val():
    x = np.arange(10)
    fit, val = autoencoders.split_train_val(x, 0.2)
    assert list(fit) == list(range(8)) and list(val) == [8, 9]
    with pytest.raises(ValueError, match="val_fraction"):
        autoencoders.split_train_val(x, 1.0)


def test_encode_decode_and_mse_agree_with_the_model():
    ae = _build(4)
    x = _images(6)
    codes = autoencoders.encode(ae, x)
    assert codes.shape == (6, 4)
    np.testing.assert_allclose(autoencoders.decode(ae, codes), autoencoders.reconstruct(ae, x),
                               atol=1e-6)
    mse = autoencoders.reconstruction_mse(ae, x)
    np.testing.assert_allclose(mse, ((autoencoders.reconstruct(ae, x) - x) ** 2).mean(axis=(1, 2)),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="codes must be shaped"):
        autoencoders.decode(ae, np.zeros((2, 3)))
    with pytest.raises(TypeError, match="to_unit"):
        autoencoders.reconstruct(ae, np.zeros((2, 28, 28), dtype=np.uint8))


def test_parts_needs_named_encoder_and_decoder():
    import keras

    plain = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten()], name="plain")
    with pytest.raises(ValueError, match="build it with autoencoders.build_autoencoder"):
        autoencoders.parts(plain)


def test_fit_lowers_the_loss_and_is_deterministic():
    x = _images(64)
    runs = []
    for _ in range(2):
        course_utils.setup(seed=0, quiet=True)  # the same initial weights
        ae = _build(4)
        history = autoencoders.fit_autoencoder(ae, x[:48], x[48:], epochs=3, batch_size=16,
                                               seed=5)
        runs.append((history, ae.get_weights()))
    history = runs[0][0]
    assert set(history) == {"loss", "val_loss"} and len(history["loss"]) == 3
    assert history["loss"][-1] < history["loss"][0]
    np.testing.assert_array_equal(runs[0][0]["loss"], runs[1][0]["loss"])


def test_denoising_batches_are_fresh_clipped_and_deterministic():
    x = _images(40)
    batches = autoencoders.NoisyBatches(x, 0.3, batch_size=16, seed=1)
    noisy, clean = batches[0]
    assert noisy.shape == clean.shape == (16, 28, 28)
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0 and not np.array_equal(noisy, clean)
    again = autoencoders.NoisyBatches(x, 0.3, batch_size=16, seed=1)[0][0]
    np.testing.assert_array_equal(noisy, again)
    batches.on_epoch_end()
    assert not np.array_equal(batches[0][0], noisy)  # fresh noise every epoch
    assert len(batches) == 3


def test_fit_rejects_bad_arguments():
    ae = _build(2)
    x = _images(8)
    with pytest.raises(ValueError, match="epochs"):
        autoencoders.fit_autoencoder(ae, x, x, epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        autoencoders.fit_autoencoder(ae, x, x, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="noise_std"):
        autoencoders.fit_autoencoder(ae, x, x, epochs=1, noise_std=-0.1)
    with pytest.raises(ValueError, match="reshape"):
        autoencoders.fit_autoencoder(ae, x, x.reshape(8, 784), epochs=1)


@pytest.mark.parametrize("build", [
    lambda: _build(4), lambda: _build(4, "conv"),
    lambda: autoencoders.build_overcomplete_autoencoder(2),
])
def test_safe_mode_round_trip_keeps_encoder_and_decoder(build, tmp_path):
    ae = build()
    x = _images(3)
    autoencoders.fit_autoencoder(ae, x, x, epochs=1, batch_size=3)
    lean = autoencoders.without_optimizer(ae)
    path = tmp_path / "ae.keras"
    assert checkpoints.save_model_atomic(lean, path)
    loaded = checkpoints.load_checkpoint(path)  # safe_mode=True
    autoencoders.parts(loaded)
    np.testing.assert_allclose(autoencoders.encode(loaded, x), autoencoders.encode(ae, x),
                               atol=1e-6)


def test_lean_checkpoint_is_small(tmp_path):
    ae = _build(64)
    autoencoders.fit_autoencoder(ae, _images(8), _images(4), epochs=1)
    checkpoints.save_model_atomic(ae, tmp_path / "full.keras")
    checkpoints.save_model_atomic(autoencoders.without_optimizer(ae), tmp_path / "lean.keras")
    full, lean = ((tmp_path / f).stat().st_size for f in ("full.keras", "lean.keras"))
    assert lean < 0.5 * full


def test_train_autoencoder_follows_the_session_seed():
    def weights(session_seed, **kwargs):
        config.set_seed(session_seed)
        model, history = autoencoders.train_autoencoder(2, profile=TINY, **kwargs)
        assert len(history["loss"]) == 1 and "val_loss" in history
        return model.get_weights()

    a, c = weights(1), weights(2)
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))
    d = weights(2, seed=1)  # an explicit seed wins over the session's, and seed 1 repeats a
    assert all(np.array_equal(x, y) for x, y in zip(a, d, strict=True))


def test_train_autoencoder_with_notebook_builders_and_the_anomaly_split():
    built = []

    def build(k):
        built.append(k)
        return autoencoders.build_encoder(k, 16), autoencoders.build_decoder(k, 16)

    model, _ = autoencoders.train_autoencoder(3, profile=TINY, build=build, normal_only=True)
    assert built == [3] and model.count_params() < 30_000
    metrics = autoencoders.evaluate(model)
    assert set(metrics) == {"test_mse"} and 0.0 < metrics["test_mse"] < 0.2


def test_add_noise_is_seeded_scaled_and_clipped():
    x = np.full((2, 28, 28), 0.5, dtype="float32")
    a, b = autoencoders.add_noise(x, 0.05, seed=1), autoencoders.add_noise(x, 0.05, seed=1)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(autoencoders.add_noise(x, 0.1, seed=1) - 0.5, 2 * (a - 0.5), atol=1e-6)
    assert np.array_equal(autoencoders.add_noise(x, 0.0), x)
    big = autoencoders.add_noise(x, 5.0)
    assert big.min() == 0.0 and big.max() == 1.0
    with pytest.raises(ValueError, match="std"):
        autoencoders.add_noise(x, -0.1)


def test_quantize_closed_form_and_errors():
    got = autoencoders.quantize(np.array([[0.1, 0.2, 0.5, 0.9, 1.7, -3.0]]), 0.0, 1.0, bits=2)
    np.testing.assert_allclose(got, [[0.0, 1 / 3, 2 / 3, 1.0, 1.0, 0.0]], atol=1e-7)
    codes = np.random.default_rng(0).normal(size=(100, 4))
    lo, hi = codes.min(axis=0), codes.max(axis=0)
    err = np.abs(autoencoders.quantize(codes, lo, hi, bits=8) - codes)
    assert np.all(err <= (hi - lo) / 255 / 2 + 1e-6)  # at most half a step
    with pytest.raises(ValueError, match="bits"):
        autoencoders.quantize(codes, lo, hi, bits=0)
    with pytest.raises(ValueError, match="larger"):
        autoencoders.quantize(codes, hi, lo)
