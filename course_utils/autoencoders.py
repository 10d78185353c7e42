"""Autoencoders: builders, training and helpers (introduced in ``04_autoencoders``).

Every autoencoder here takes a batch of grey 28x28 images with pixels in [0, 1], shaped
``(n, 28, 28)`` **without a channel axis** (the form :func:`course_utils.data.course_data`
returns), and gives back images of the same shape through a sigmoid, so outputs also lie in
[0, 1]. The helpers also accept ``(n, 28, 28, 1)``.

The dense encoder and decoder (:func:`build_encoder`, :func:`build_decoder`) and the model that
chains them (:func:`build_autoencoder`) are written out in notebook 04, token for token
(``tests/test_core_cells.py``). :func:`build_autoencoder` keeps the two parts as layers named
``"encoder"`` and ``"decoder"``, so :func:`parts` also works on a model loaded from a checkpoint.

Kinds (:func:`build_parts`):

- ``"dense"``: 784 -> 256 (ReLU) -> code -> 256 (ReLU) -> 784 (sigmoid);
- ``"conv"``: two stride-2 convolutions (16 and 32 channels) -> code, mirrored by transposed
  convolutions in the decoder;
- ``"shallow"``: one dense layer each way: 784 -> code (linear) -> 784 (sigmoid).

:func:`build_overcomplete_autoencoder` builds the autoencoder *without* a bottleneck of the
bottleneck experiment: its code (a 28x28x8 feature map) is eight times larger than the image.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
from keras import layers

from course_utils import config, data, helpers, progress
from course_utils.config import Profile
from course_utils.helpers import IMAGE_SHAPE, VALIDATION_BATCH, as_images, check_int, predict

KINDS = ("dense", "conv", "shallow")
HIDDEN_UNITS = 256
CODE_SIZES = (2, 4, 8, 16, 32, 64)
MAIN_CODE_SIZE = 32
OVERCOMPLETE_CHANNELS = 8  # code = 28 x 28 x 8 = 6272 numbers for a 784-pixel image
OVERCOMPLETE_EPOCHS = 3
OVERCOMPLETE_LEARNING_RATE = 1e-2
DENOISING_STD = 0.3
EPOCHS = 10  # epochs of every autoencoder fit in the ``class`` profile (scaled by the profile)
BATCH_SIZE = 256
LEARNING_RATE = 1e-3
VAL_FRACTION = 0.1


def _check_kind(kind) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind


# ---------------------------------------------------------------- builders (notebook 04)


def build_encoder(code_size, hidden=256):
    """Dense encoder: a 28x28 image -> hidden units (ReLU) -> code_size numbers."""
    return keras.Sequential([
        keras.Input((28, 28)),
        layers.Flatten(),                             # 28x28 image -> 784 numbers
        layers.Dense(hidden, activation="relu"),
        layers.Dense(code_size),                      # the code z: no activation
    ], name="encoder")


def build_decoder(code_size, hidden=256):
    """Dense decoder: code_size numbers -> hidden units (ReLU) -> a 28x28 image in [0, 1]."""
    return keras.Sequential([
        keras.Input((code_size,)),
        layers.Dense(hidden, activation="relu"),
        layers.Dense(28 * 28, activation="sigmoid"),  # 784 pixels in [0, 1]
        layers.Reshape((28, 28)),
    ], name="decoder")


def build_autoencoder(encoder, decoder, learning_rate=1e-3):
    """decoder(encoder(image)), compiled with Adam and the mean squared error."""
    image = keras.Input((28, 28), name="image")
    autoencoder = keras.Model(image, decoder(encoder(image)), name="autoencoder")
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return autoencoder


def _conv_parts(code_size: int):
    encoder = keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        layers.Reshape((28, 28, 1)),
        layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),  # -> 14x14x16
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),  # -> 7x7x32
        layers.Flatten(),
        layers.Dense(code_size),
    ], name="encoder")
    decoder = keras.Sequential([
        keras.Input((code_size,)),
        layers.Dense(7 * 7 * 32, activation="relu"),
        layers.Reshape((7, 7, 32)),
        layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),  # 14x14
        layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),  # 28x28
        layers.Reshape(IMAGE_SHAPE),
    ], name="decoder")
    return encoder, decoder


def _shallow_parts(code_size: int):
    encoder = keras.Sequential([keras.Input(IMAGE_SHAPE), layers.Flatten(),
                                layers.Dense(code_size)], name="encoder")
    decoder = keras.Sequential([keras.Input((code_size,)),
                                layers.Dense(28 * 28, activation="sigmoid"),
                                layers.Reshape(IMAGE_SHAPE)], name="decoder")
    return encoder, decoder


def build_parts(code_size: int, kind: str = "dense"):
    """``(encoder, decoder)`` of the given ``kind`` for a code of ``code_size`` numbers
    (``04_autoencoders``). Initial weights follow Keras' global seed
    (``keras.utils.set_random_seed``), which the trainers here set."""
    code_size = check_int(code_size, "code_size", minimum=1)
    kind = _check_kind(kind)
    if kind == "dense":
        return build_encoder(code_size, HIDDEN_UNITS), build_decoder(code_size, HIDDEN_UNITS)
    return _conv_parts(code_size) if kind == "conv" else _shallow_parts(code_size)


def build_overcomplete_autoencoder(channels: int = OVERCOMPLETE_CHANNELS):
    """An autoencoder with **no bottleneck** (``04_autoencoders``).

    The encoder is one 3x3 convolution with ``channels`` filters and stride 1, so the code is a
    ``28 x 28 x channels`` feature map: ``784 * channels`` numbers, more than the 784 pixels.
    The decoder is one 3x3 convolution back to one channel, through a sigmoid. Nothing forces
    it to compress, and one filter that passes each pixel through is enough to copy the input.
    It has only ``10 * channels + 9 * channels + 1`` weights, so it is compiled with a larger
    learning rate (:data:`OVERCOMPLETE_LEARNING_RATE`) than the other autoencoders.
    """
    channels = check_int(channels, "channels", minimum=1)
    encoder = keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        layers.Reshape((28, 28, 1)),
        layers.Conv2D(channels, 3, padding="same", activation="relu"),
    ], name="encoder")
    decoder = keras.Sequential([
        keras.Input((28, 28, channels)),
        layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
        layers.Reshape(IMAGE_SHAPE),
    ], name="decoder")
    return build_autoencoder(encoder, decoder, OVERCOMPLETE_LEARNING_RATE)


def parts(autoencoder):
    """``(encoder, decoder)`` of an autoencoder built here, also after a checkpoint round trip."""
    try:
        return autoencoder.get_layer("encoder"), autoencoder.get_layer("decoder")
    except ValueError as exc:
        raise ValueError(f"{autoencoder.name!r} has no layers named 'encoder' and 'decoder'; "
                         "build it with autoencoders.build_autoencoder") from exc


# ---------------------------------------------------------------- training


def split_train_val(x, val_fraction: float = VAL_FRACTION):
    """Split images into ``(x_fit, x_val)``: the last ``val_fraction`` becomes validation.

    ``course_data`` already shuffles, so the tail is a fair random sample.
    """
    x = np.asarray(x)
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {val_fraction}")
    n_val = max(1, int(round(len(x) * val_fraction)))
    if n_val >= len(x):
        raise ValueError(f"need at least 2 images to split, got {len(x)}")
    return x[:-n_val], x[-n_val:]


class NoisyBatches(keras.utils.PyDataset):
    """``(noisy, clean)`` batches with fresh Gaussian noise every epoch, clipped to [0, 1]
    exactly like :func:`add_noise` (``04_autoencoders``, the denoising autoencoder).

    Batches and noise depend only on ``seed``, the epoch and the batch index, so training is
    reproducible.
    """

    def __init__(self, x, std: float, batch_size: int, seed: int):
        super().__init__()
        self.x, self.std, self.batch_size, self.seed = x, np.float32(std), batch_size, seed
        self.epoch = 0
        self.order = np.random.default_rng([seed, 0]).permutation(len(x))

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        clean = self.x[self.order[i * self.batch_size:(i + 1) * self.batch_size]]
        rng = np.random.default_rng([self.seed, self.epoch, i])
        noise = rng.standard_normal(clean.shape).astype("float32")
        return np.clip(clean + self.std * noise, 0.0, 1.0), clean

    def on_epoch_end(self):
        self.epoch += 1
        self.order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.x))


def fit_autoencoder(autoencoder, x_train, x_val, epochs: int, batch_size: int = BATCH_SIZE,
                    seed: int | None = None, noise_std: float = 0.0, callbacks=None) -> dict:
    """Train an autoencoder to reproduce its input with MSE; return its history, a dict of
    per-epoch ``loss`` and ``val_loss`` (``04_autoencoders``).

    ``x_train``/``x_val`` are images in [0, 1]. The target of every image is the image itself.
    With ``noise_std > 0`` this trains a **denoising** autoencoder: every epoch each training
    input gets fresh Gaussian noise of that standard deviation (clipped to [0, 1], as
    :func:`add_noise`), while the target stays the clean image; validation inputs get one
    fixed noise draw. Shuffling and noise follow ``seed`` (default: the session's seed).
    """
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if isinstance(noise_std, bool) or not isinstance(noise_std, int | float | np.floating) \
            or not 0 <= noise_std < 10:
        raise ValueError(f"noise_std must be a number >= 0, got {noise_std!r}")
    seed = config.resolve_seed(seed)
    x_train = as_images(x_train, "x_train")
    x_val = as_images(x_val, "x_val")
    keras.utils.set_random_seed(seed)
    if not autoencoder.optimizer.built:
        helpers.build_optimizer(autoencoder)  # one trace of the training step, not two
    if noise_std == 0:
        fit = autoencoder.fit(x_train, x_train, validation_data=(x_val, x_val), epochs=epochs,
                              batch_size=batch_size, validation_batch_size=VALIDATION_BATCH,
                              shuffle=True, verbose=0,
                              callbacks=callbacks)
    else:
        val_noisy = add_noise(x_val, noise_std, seed=seed + 1)
        fit = autoencoder.fit(NoisyBatches(x_train, float(noise_std), batch_size, seed),
                              validation_data=(val_noisy, x_val), epochs=epochs, verbose=0,
                              validation_batch_size=VALIDATION_BATCH,
                              callbacks=callbacks)
    return {k: np.asarray(v, dtype="float32") for k, v in fit.history.items()}


def add_noise(x, std: float, seed: int = 0) -> np.ndarray:
    """Images ``x`` plus Gaussian noise of standard deviation ``std``, clipped to [0, 1]
    (``04_autoencoders``). The same ``seed`` gives the same noise pattern at every ``std``."""
    x = as_images(x)
    if isinstance(std, bool) or not isinstance(std, int | float | np.floating) or std < 0:
        raise ValueError(f"std must be a number >= 0, got {std!r}")
    noise = np.random.default_rng(seed).standard_normal(x.shape).astype("float32")
    return np.clip(x + np.float32(std) * noise, 0.0, 1.0)


# ---------------------------------------------------------------- using a trained model


def reconstruct(autoencoder, x, batch_size: int = 1024) -> np.ndarray:
    """Reconstructions of images ``x`` as a NumPy array shaped ``(n, 28, 28)``."""
    return predict(autoencoder, as_images(x), batch_size)


def encode(autoencoder, x, batch_size: int = 1024) -> np.ndarray:
    """Codes of images ``x`` (``(n, code_size)``) from an autoencoder's encoder."""
    encoder, _ = parts(autoencoder)
    return predict(encoder, as_images(x), batch_size)


def decode(autoencoder, codes, batch_size: int = 1024) -> np.ndarray:
    """Images (``(n, 28, 28)``) decoded from ``codes`` by an autoencoder's decoder."""
    _, decoder = parts(autoencoder)
    codes = np.asarray(codes, dtype="float32")
    want = tuple(decoder.input_shape[1:])
    if codes.shape[1:] != want:
        raise ValueError(f"codes must be shaped (n, {', '.join(map(str, want))}), "
                         f"got {codes.shape}")
    return predict(decoder, codes, batch_size)


def reconstruction_mse(autoencoder, x) -> np.ndarray:
    """Per-image mean squared error between images ``x`` and their reconstructions."""
    x = as_images(x)
    return np.mean((reconstruct(autoencoder, x) - x) ** 2, axis=(1, 2))


def quantize(codes, low, high, bits: int = 8) -> np.ndarray:
    """Store every code number in ``bits`` bits and read it back (``04_autoencoders``).

    Each number is clipped to ``[low, high]`` (scalars or one value per code dimension),
    rounded to the nearest of ``2**bits`` evenly spaced levels and mapped back to that level's
    value. Returns float32 codes of the same shape.
    """
    codes = np.asarray(codes, dtype="float64")
    low = np.asarray(low, dtype="float64")
    high = np.asarray(high, dtype="float64")
    if isinstance(bits, bool) or not isinstance(bits, int | np.integer) or not 1 <= bits <= 16:
        raise ValueError(f"bits must be an int from 1 to 16, got {bits!r}")
    if np.any(high <= low):
        raise ValueError("every high must be larger than its low")
    steps = 2 ** int(bits) - 1
    q = np.round((np.clip(codes, low, high) - low) / (high - low) * steps)
    return (low + q / steps * (high - low)).astype("float32")


# ---------------------------------------------------------------- the course's trained models


def training_data(profile: Profile | None = None, normal_only: bool = False):
    """``(x_fit, x_val, x_test)`` of every trained autoencoder in ``04_autoencoders``; with
    ``normal_only`` the training images leave out :data:`course_utils.data.ANOMALY_CLASS`."""
    x_train, y_train, x_test, y_test = data.course_data(profile=profile or config.get_profile())
    if normal_only:
        x_train, _, _ = data.anomaly_split(x_train, y_train, x_test, y_test)
    x_fit, x_val = split_train_val(x_train)
    return x_fit, x_val, x_test


def train_autoencoder(code_size: int = MAIN_CODE_SIZE, kind: str = "dense",
                      profile: Profile | None = None, seed: int | None = None,
                      noise_std: float = 0.0, normal_only: bool = False,
                      build: Callable[[int], tuple] | None = None, callbacks=None):
    """Build and train one of the course's autoencoders; returns ``(model, history)``
    (``04_autoencoders``).

    ``build(code_size) -> (encoder, decoder)`` defaults to :func:`build_parts` of ``kind``
    (notebook 04 passes the encoder and decoder you wrote). Trained on :func:`training_data`
    for ``profile.epochs(EPOCHS)`` epochs, with ``seed`` (default: the session's seed) for the
    initial weights, the shuffling and any noise. ``noise_std > 0`` trains a denoiser. Shows a
    progress bar unless ``callbacks`` (Keras callbacks for ``fit``) are given.
    """
    profile = profile or config.get_profile()
    seed = config.resolve_seed(seed)
    x_fit, x_val, _ = training_data(profile, normal_only)
    keras.utils.set_random_seed(seed)
    encoder, decoder = (build or (lambda k: build_parts(k, kind)))(code_size)
    model = build_autoencoder(encoder, decoder, LEARNING_RATE)
    if callbacks is None:
        callbacks = [progress.TrainingProgress(f"autoencoder, code size {code_size}")]
    history = fit_autoencoder(model, x_fit, x_val, epochs=profile.epochs(EPOCHS), seed=seed,
                              noise_std=noise_std, callbacks=callbacks)
    return model, history


def train_overcomplete(profile: Profile | None = None, seed: int | None = None,
                       callbacks=None):
    """The autoencoder without a bottleneck, trained for ``profile.epochs(OVERCOMPLETE_EPOCHS)``
    epochs; returns ``(model, history)`` (``04_autoencoders``)."""
    profile = profile or config.get_profile()
    seed = config.resolve_seed(seed)
    x_fit, x_val, _ = training_data(profile)
    keras.utils.set_random_seed(seed)
    model = build_overcomplete_autoencoder()
    if callbacks is None:
        callbacks = [progress.TrainingProgress("over-complete autoencoder")]
    history = fit_autoencoder(model, x_fit, x_val, epochs=profile.epochs(OVERCOMPLETE_EPOCHS),
                              seed=seed, callbacks=callbacks)
    return model, history


def without_optimizer(model):
    """A copy with the same weights and no optimizer state (keeps checkpoints small)."""
    copy = type(model).from_config(model.get_config())  # (clone_model would keep the optimizer)
    copy.set_weights(model.get_weights())
    return copy


def evaluate(model) -> dict:
    """``{"test_mse": ...}`` on all 10,000 Fashion-MNIST test images."""
    x_test = data.to_unit(data.load_fashion_mnist().x_test)
    return {"test_mse": float(np.mean(reconstruction_mse(model, x_test)))}
