"""Autoencoder builders, training helpers and the trained-model cache (``04_autoencoders``).

Every autoencoder here takes a batch of grey 28x28 images with pixels in [0, 1], shaped
``(n, 28, 28)`` **without a channel axis** (the form :func:`course_utils.data.course_data`
returns), and gives back images of the same shape through a sigmoid, so outputs also lie in
[0, 1]. Arrays shaped ``(n, 28, 28, 1)`` are accepted by the helpers here (they drop the channel
axis), but a bare Keras call needs ``(n, 28, 28)``.

:func:`build_autoencoder` returns ``(encoder, decoder, autoencoder)``; the autoencoder is the
functional model ``decoder(encoder(image))`` and keeps the two parts as its layers named
``"encoder"`` and ``"decoder"``, so ``ae.get_layer("encoder")`` works on a model loaded from a
``.keras`` checkpoint in safe mode as well.

Kinds:

- ``"dense"``: 784 -> 256 (ReLU) -> code -> 256 (ReLU) -> 784 (sigmoid).
- ``"conv"``: two stride-2 convolutions (16 and 32 channels) -> code, mirrored by transposed
  convolutions in the decoder.
- ``"shallow"``: one dense layer each way: 784 -> code (linear) -> 784 (sigmoid).

:func:`build_overcomplete_autoencoder` builds the autoencoder *without* a bottleneck of the
bottleneck experiment: two stride-1 convolutions whose code (a 28x28x8 feature map, 6272
numbers) is eight times larger than the image, so it can learn to copy its input.

No TensorFlow or Keras import happens when this module is imported.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_utils import checkpoints, data
from course_utils.config import Profile, get_profile

IMAGE_SHAPE = (28, 28)
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
TRAIN_SEED = 0


# ---------------------------------------------------------------- input checks


def _check_code_size(code_size) -> int:
    if isinstance(code_size, bool) or not isinstance(code_size, int | np.integer):
        raise TypeError(f"code_size must be an int, got {type(code_size).__name__}")
    if code_size < 1:
        raise ValueError(f"code_size must be a positive int, got {code_size}")
    return int(code_size)


def _check_kind(kind) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind


def as_images(x, name: str = "x") -> np.ndarray:
    """Float32 images shaped ``(n, 28, 28)`` from ``(n, 28, 28)`` or ``(n, 28, 28, 1)``.

    Raises ``ValueError`` for any other shape and ``TypeError`` for uint8 pixels (scale them
    to [0, 1] first with :func:`course_utils.data.to_unit`).
    """
    arr = np.asarray(x)
    if arr.dtype == np.uint8:
        raise TypeError(f"{name} holds uint8 pixels in [0, 255]; the autoencoders expect "
                        "floats in [0, 1] (use data.to_unit)")
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 3 or arr.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"{name} must be images shaped (n, 28, 28) or (n, 28, 28, 1), "
                         f"got shape {arr.shape}")
    return arr.astype("float32", copy=False)


# ---------------------------------------------------------------- builders


def _init(seed: int, i: int):
    import keras

    return keras.initializers.GlorotUniform(seed=seed * 1000 + i)


def _dense_parts(code_size: int, seed: int):
    import keras
    from keras import layers

    encoder = keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        layers.Flatten(),
        layers.Dense(HIDDEN_UNITS, activation="relu", kernel_initializer=_init(seed, 1)),
        layers.Dense(code_size, kernel_initializer=_init(seed, 2)),  # the code: no activation
    ], name="encoder")
    decoder = keras.Sequential([
        keras.Input((code_size,)),
        layers.Dense(HIDDEN_UNITS, activation="relu", kernel_initializer=_init(seed, 3)),
        layers.Dense(28 * 28, activation="sigmoid", kernel_initializer=_init(seed, 4)),
        layers.Reshape(IMAGE_SHAPE),
    ], name="decoder")
    return encoder, decoder


def _conv_parts(code_size: int, seed: int):
    import keras
    from keras import layers

    encoder = keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        layers.Reshape((28, 28, 1)),
        layers.Conv2D(16, 3, strides=2, padding="same", activation="relu",
                      kernel_initializer=_init(seed, 1)),  # -> 14x14x16
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu",
                      kernel_initializer=_init(seed, 2)),  # -> 7x7x32
        layers.Flatten(),
        layers.Dense(code_size, kernel_initializer=_init(seed, 3)),
    ], name="encoder")
    decoder = keras.Sequential([
        keras.Input((code_size,)),
        layers.Dense(7 * 7 * 32, activation="relu", kernel_initializer=_init(seed, 4)),
        layers.Reshape((7, 7, 32)),
        layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu",
                               kernel_initializer=_init(seed, 5)),  # -> 14x14x16
        layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid",
                               kernel_initializer=_init(seed, 6)),  # -> 28x28x1
        layers.Reshape(IMAGE_SHAPE),
    ], name="decoder")
    return encoder, decoder


def _shallow_parts(code_size: int, seed: int):
    import keras
    from keras import layers

    encoder = keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        layers.Flatten(),
        layers.Dense(code_size, kernel_initializer=_init(seed, 1)),
    ], name="encoder")
    decoder = keras.Sequential([
        keras.Input((code_size,)),
        layers.Dense(28 * 28, activation="sigmoid", kernel_initializer=_init(seed, 2)),
        layers.Reshape(IMAGE_SHAPE),
    ], name="decoder")
    return encoder, decoder


_PARTS = {"dense": _dense_parts, "conv": _conv_parts, "shallow": _shallow_parts}


def compile_autoencoder(autoencoder, learning_rate: float = LEARNING_RATE):
    """Compile with Adam and the mean squared error, the loss of ``04_autoencoders``."""
    import keras

    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return autoencoder


def build_autoencoder(code_size: int, kind: str = "dense", seed: int = 0):
    """Build ``(encoder, decoder, autoencoder)`` for 28x28 images in [0, 1] (``04_autoencoders``).

    Input and output are shaped ``(n, 28, 28)``; the output goes through a sigmoid. The
    encoder maps an image to a code of ``code_size`` numbers (no activation), the decoder maps a
    code back to an image. The autoencoder is compiled (Adam, MSE) and named
    ``autoencoder_<kind>_<code_size>``; its layers ``"encoder"`` and ``"decoder"`` are the two
    parts. The same ``seed`` gives the same initial weights.
    """
    import keras

    code_size = _check_code_size(code_size)
    kind = _check_kind(kind)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    encoder, decoder = _PARTS[kind](code_size, int(seed))
    image = keras.Input(IMAGE_SHAPE, name="image")
    autoencoder = keras.Model(image, decoder(encoder(image)),
                              name=f"autoencoder_{kind}_{code_size}")
    compile_autoencoder(autoencoder)
    return encoder, decoder, autoencoder


def build_overcomplete_autoencoder(channels: int = OVERCOMPLETE_CHANNELS, seed: int = 0):
    """An autoencoder with **no bottleneck** (``04_autoencoders``): ``(encoder, decoder, ae)``.

    The encoder is one 3x3 convolution with ``channels`` filters and stride 1, so the code is a
    ``28 x 28 x channels`` feature map: ``784 * channels`` numbers, more than the 784 pixels.
    The decoder is one 3x3 convolution back to one channel, through a sigmoid. Nothing forces
    it to compress, and one filter that passes each pixel through is enough to copy the input.
    It has only ``10 * channels + 9 * channels + 1`` weights, so it is compiled with a larger
    learning rate (:data:`OVERCOMPLETE_LEARNING_RATE`) than the other autoencoders.
    """
    import keras
    from keras import layers

    channels = _check_code_size(channels)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    encoder = keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        layers.Reshape((28, 28, 1)),
        layers.Conv2D(channels, 3, padding="same", activation="relu",
                      kernel_initializer=_init(seed, 1)),
    ], name="encoder")
    decoder = keras.Sequential([
        keras.Input((28, 28, channels)),
        layers.Conv2D(1, 3, padding="same", activation="sigmoid",
                      kernel_initializer=_init(seed, 2)),
        layers.Reshape(IMAGE_SHAPE),
    ], name="decoder")
    image = keras.Input(IMAGE_SHAPE, name="image")
    autoencoder = keras.Model(image, decoder(encoder(image)),
                              name=f"overcomplete_autoencoder_{channels}")
    compile_autoencoder(autoencoder, OVERCOMPLETE_LEARNING_RATE)
    return encoder, decoder, autoencoder


def parts(autoencoder):
    """``(encoder, decoder)`` of an autoencoder built here, also after a checkpoint round trip."""
    try:
        return autoencoder.get_layer("encoder"), autoencoder.get_layer("decoder")
    except ValueError as exc:
        raise ValueError(f"{autoencoder.name!r} has no layers named 'encoder' and 'decoder'; "
                         "build it with models.build_autoencoder") from exc


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


def _noisy_batches(x, std: float, batch_size: int, seed: int):
    """A ``keras.utils.PyDataset`` of ``(noisy, clean)`` batches with fresh noise every epoch.

    Batches and noise depend only on ``seed``, the epoch and the batch index, so training is
    reproducible. The noise is Gaussian with standard deviation ``std``, clipped to [0, 1]
    exactly like :func:`add_noise`.
    """
    import keras

    class NoisyBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epoch = 0
            self.order = np.random.default_rng([seed, 0]).permutation(len(x))

        def __len__(self):
            return -(-len(x) // batch_size)

        def __getitem__(self, i):
            clean = x[self.order[i * batch_size:(i + 1) * batch_size]]
            rng = np.random.default_rng([seed, self.epoch, i])
            noise = rng.standard_normal(clean.shape).astype("float32")
            return np.clip(clean + np.float32(std) * noise, 0.0, 1.0), clean

        def on_epoch_end(self):
            self.epoch += 1
            self.order = np.random.default_rng([seed, self.epoch]).permutation(len(x))

    return NoisyBatches()


def fit_autoencoder(autoencoder, x_train, x_val, epochs: int, batch_size: int = BATCH_SIZE,
                    seed: int = 0, noise_std: float = 0.0):
    """Train an autoencoder to reproduce its input with MSE; return the Keras ``History``
    (``04_autoencoders``).

    ``x_train``/``x_val`` are images in [0, 1] shaped ``(n, 28, 28)`` (or with a channel axis).
    The target of every image is the image itself. With ``noise_std > 0`` this trains a
    **denoising** autoencoder: every epoch each training input gets fresh Gaussian noise of
    that standard deviation (clipped to [0, 1], as :func:`add_noise`), while the target stays
    the clean image; validation inputs get one fixed noise draw. Shuffling and noise are seeded
    with ``seed``, so the same model, data and seed give the same weights (TensorFlow op
    determinism is on after :func:`course_utils.setup`). Compiles with Adam and MSE if the model
    is not compiled.
    """
    import keras

    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if isinstance(noise_std, bool) or not isinstance(noise_std, int | float | np.floating) \
            or not 0 <= noise_std < 10:
        raise ValueError(f"noise_std must be a number >= 0, got {noise_std!r}")
    x_train = as_images(x_train, "x_train")
    x_val = as_images(x_val, "x_val")
    if not getattr(autoencoder, "compiled", False):
        compile_autoencoder(autoencoder)
    keras.utils.set_random_seed(seed)
    if noise_std == 0:
        return autoencoder.fit(x_train, x_train, validation_data=(x_val, x_val),
                               epochs=int(epochs), batch_size=int(batch_size), shuffle=True,
                               verbose=0)
    val_noisy = add_noise(x_val, noise_std, seed=seed + 1)
    batches = _noisy_batches(x_train, float(noise_std), int(batch_size), seed)
    return autoencoder.fit(batches, validation_data=(val_noisy, x_val), epochs=int(epochs),
                           verbose=0)


def add_noise(x, std: float, seed: int = 0) -> np.ndarray:
    """Images ``x`` plus Gaussian noise of standard deviation ``std``, clipped to [0, 1]
    (``04_autoencoders``). The same ``seed`` gives the same noise pattern at every ``std``."""
    x = as_images(x)
    if isinstance(std, bool) or not isinstance(std, int | float | np.floating) or std < 0:
        raise ValueError(f"std must be a number >= 0, got {std!r}")
    noise = np.random.default_rng(seed).standard_normal(x.shape).astype("float32")
    return np.clip(x + np.float32(std) * noise, 0.0, 1.0)


def reconstruct(autoencoder, x, batch_size: int = 1024) -> np.ndarray:
    """Reconstructions of images ``x`` as a numpy array shaped ``(n, 28, 28)``."""
    x = as_images(x)
    return np.asarray(autoencoder.predict(x, batch_size=batch_size, verbose=0))


def encode(autoencoder, x, batch_size: int = 1024) -> np.ndarray:
    """Codes of images ``x`` (``(n, code_size)``) from an autoencoder's encoder."""
    encoder, _ = parts(autoencoder)
    return np.asarray(encoder.predict(as_images(x), batch_size=batch_size, verbose=0))


def decode(autoencoder, codes, batch_size: int = 1024) -> np.ndarray:
    """Images (``(n, 28, 28)``) decoded from ``codes`` by an autoencoder's decoder."""
    _, decoder = parts(autoencoder)
    codes = np.asarray(codes, dtype="float32")
    want = tuple(decoder.input_shape[1:])
    if codes.shape[1:] != want:
        raise ValueError(f"codes must be shaped (n, {', '.join(map(str, want))}), "
                         f"got {codes.shape}")
    return np.asarray(decoder.predict(codes, batch_size=batch_size, verbose=0))


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


# ---------------------------------------------------------------- train-or-load


def _profile(profile) -> Profile:
    profile = profile or get_profile()
    if not isinstance(profile, Profile):
        raise TypeError(f"profile must be a course_utils.config.Profile, got "
                        f"{type(profile).__name__}")
    return profile


def training_data(profile: Profile | None = None):
    """``(x_fit, x_val, x_test)`` used by every trained autoencoder of ``04_autoencoders``."""
    x_train, _, x_test, _ = data.course_data(profile=_profile(profile))
    x_fit, x_val = split_train_val(x_train)
    return x_fit, x_val, x_test


def _train(builder: Callable, profile: Profile, x_fit=None, x_val=None, epochs: int = EPOCHS):
    """Build with ``builder()``, fit for the profile's share of ``epochs``, return it.

    The fitted model keeps its ``History`` as ``model.history``.
    """
    if x_fit is None:
        x_fit, x_val, _ = training_data(profile)
    autoencoder = builder()
    fit_autoencoder(autoencoder, x_fit, x_val, epochs=profile.epochs(epochs), seed=TRAIN_SEED)
    return autoencoder


def trained_autoencoder(code_size: int, kind: str = "dense", profile: Profile | None = None):
    """The autoencoder ``ae_<kind>_<code_size>``, trained once per session (``04_autoencoders``).

    Goes through :func:`course_utils.checkpoints.train_or_load`: the first call trains it on
    :func:`training_data` for ``profile.epochs(EPOCHS)`` epochs (or, in the ``live`` profile,
    loads ``data/checkpoints/ae_<kind>_<code_size>.keras``); later calls return the same
    object. Reach the parts with ``ae.get_layer("encoder")`` / ``ae.get_layer("decoder")``.
    """
    code_size = _check_code_size(code_size)
    kind = _check_kind(kind)
    profile = _profile(profile)
    return checkpoints.train_or_load(
        f"ae_{kind}_{code_size}",
        lambda: _train(lambda: build_autoencoder(code_size, kind, seed=TRAIN_SEED)[2], profile),
        use_pretrained=profile.use_pretrained,
    )


def trained_overcomplete_autoencoder(profile: Profile | None = None):
    """The autoencoder without a bottleneck, ``ae_overcomplete``, trained once per session for
    ``profile.epochs(OVERCOMPLETE_EPOCHS)`` epochs (``04_autoencoders``)."""
    profile = _profile(profile)
    return checkpoints.train_or_load(
        "ae_overcomplete",
        lambda: _train(lambda: build_overcomplete_autoencoder(seed=TRAIN_SEED)[2], profile,
                       epochs=OVERCOMPLETE_EPOCHS),
        use_pretrained=profile.use_pretrained,
    )


def trained_denoising_autoencoder(profile: Profile | None = None):
    """The denoising autoencoder ``dae_dense_32``, cached (``04_autoencoders``): the dense
    32-number architecture trained on noisy inputs (noise std :data:`DENOISING_STD`) with the
    clean images as targets."""
    profile = _profile(profile)

    def train():
        x_fit, x_val, _ = training_data(profile)
        _, _, dae = build_autoencoder(MAIN_CODE_SIZE, "dense", seed=TRAIN_SEED)
        fit_autoencoder(dae, x_fit, x_val, epochs=profile.epochs(EPOCHS), seed=TRAIN_SEED,
                        noise_std=DENOISING_STD)
        return dae

    return checkpoints.train_or_load(f"dae_dense_{MAIN_CODE_SIZE}", train,
                                     use_pretrained=profile.use_pretrained)


def trained_anomaly_autoencoder(profile: Profile | None = None):
    """``ae_dense_32_normal``: trained only on normal images, i.e. without
    :data:`course_utils.data.ANOMALY_CLASS` (``04_autoencoders``), cached."""
    profile = _profile(profile)

    def train():
        x_train, y_train, x_test, y_test = data.course_data(profile=profile)
        x_normal, _, _ = data.anomaly_split(x_train, y_train, x_test, y_test)
        x_fit, x_val = split_train_val(x_normal)
        return _train(lambda: build_autoencoder(MAIN_CODE_SIZE, "dense", seed=TRAIN_SEED)[2],
                      profile, x_fit, x_val)

    return checkpoints.train_or_load(f"ae_dense_{MAIN_CODE_SIZE}_normal", train,
                                     use_pretrained=profile.use_pretrained)


# ---------------------------------------------------------------- pretrained registry


def _lean_copy(model):
    """A copy with the same weights and no optimizer state (keeps checkpoints small)."""
    copy = type(model).from_config(model.get_config())  # (clone_model would keep the optimizer)
    copy.set_weights(model.get_weights())
    return copy


def _evaluate(model) -> dict:
    """``{"test_mse": ...}`` on all 10,000 Fashion-MNIST test images."""
    x_test = data.to_unit(data.load_fashion_mnist().x_test)
    return {"test_mse": float(np.mean(reconstruction_mse(model, x_test)))}


def _pretrain_entry(get_model: Callable[[Profile], object]):
    def train(profile: Profile):
        checkpoints.clear_session_cache()
        model = get_model(profile)
        return _lean_copy(model), _evaluate(model)

    return train


PRETRAINED: dict[str, Callable] = {
    **{f"ae_dense_{k}": _pretrain_entry(lambda p, k=k: trained_autoencoder(k, "dense", p))
       for k in CODE_SIZES},
    f"ae_conv_{MAIN_CODE_SIZE}": _pretrain_entry(
        lambda p: trained_autoencoder(MAIN_CODE_SIZE, "conv", p)),
    "ae_overcomplete": _pretrain_entry(trained_overcomplete_autoencoder),
    f"dae_dense_{MAIN_CODE_SIZE}": _pretrain_entry(trained_denoising_autoencoder),
    f"ae_dense_{MAIN_CODE_SIZE}_normal": _pretrain_entry(trained_anomaly_autoencoder),
}
"""Checkpoint name -> ``train(profile) -> (model, metrics)`` for ``python -m
course_utils.pretrain``; checkpoints are saved without optimizer state (each under 2 MB)."""

EVALUATE: dict[str, Callable] = {name: _evaluate for name in PRETRAINED}
"""Checkpoint name -> ``evaluate(model) -> metrics`` (``python -m course_utils.pretrain --verify``)."""
