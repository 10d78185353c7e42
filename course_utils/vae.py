"""Variational autoencoder: the sampling layer, the two loss terms, the model, builders and
the pretrained registry (introduced in ``05_variational_autoencoders``).

This module is the one source of truth for the VAE. The notebook writes the three formulas
(:func:`reparameterize`, :func:`kl_divergence`, :func:`reconstruction_loss`) in its own cells
to teach them, and ``tests/test_vae.py`` runs those cells and compares them numerically with
the functions here, so the two cannot drift apart.

Conventions: images are float arrays in [0, 1] shaped ``(n, 28, 28)`` (a trailing channel of
1 is accepted); the decoder outputs Bernoulli **logits** shaped ``(n, 28, 28)``; every loss is
in nats per image. Keras/TensorFlow are imported inside functions, and the Keras classes are
created on first use (:func:`_keras_classes`), so importing this module stays cheap.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import numpy as np

from course_utils.config import Profile

IMAGE_SHAPE = (28, 28)
DEFAULT_HIDDEN = (256, 128)
BATCH_SIZE = 128
EPOCHS_CLASS = 15  # epochs of the course's VAEs in the ``class`` profile
ANOMALY_LATENT_DIM = 2
BETA_VALUES = (0.1, 1.0, 10.0)
EVAL_SIZE = 2000  # first test images of Fashion-MNIST used by EVALUATE
EVAL_SEED = 0


# ---------------------------------------------------------------- the three formulas


def reparameterize(mean, log_var, eps):
    """z = mean + sigma * eps with sigma = exp(log_var / 2): the reparameterization trick.

    ``eps`` is standard normal noise shaped like ``mean``. The randomness sits in ``eps``
    alone, so z is a differentiable function of ``mean`` and ``log_var``.
    """
    from keras import ops

    return mean + ops.exp(0.5 * log_var) * eps


def kl_divergence(mean, log_var):
    """KL( N(mean, diag(exp(log_var))) || N(0, I) ) per example, in nats (closed form).

    KL = -1/2 * sum_j (1 + log_var_j - mean_j^2 - exp(log_var_j)), summed over the last axis.
    """
    from keras import ops

    return -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)


def reconstruction_loss(x, logits):
    """-log p(x | z) under independent Bernoulli pixels, per example, in nats.

    The binary cross-entropy between the pixel values ``x`` (in [0, 1]) and
    sigmoid(``logits``), summed over all pixels of each image. Written with logits in the
    numerically stable form max(l, 0) - l * x + log(1 + exp(-|l|)).
    """
    from keras import ops

    x = ops.cast(x, logits.dtype) if hasattr(logits, "dtype") else x
    per_pixel = ops.maximum(logits, 0.0) - logits * x + ops.log1p(ops.exp(-ops.abs(logits)))
    return ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=-1)


# ---------------------------------------------------------------- input checks


def _as_images(x, name: str = "x") -> np.ndarray:
    """float32 images shaped (n, 28, 28); accepts (n, 28, 28, 1). Clear errors otherwise."""
    if isinstance(x, list | tuple):
        x = np.asarray(x)
    if not hasattr(x, "shape"):
        raise TypeError(f"{name} must be an array of images, got {type(x).__name__}")
    arr = np.asarray(x, dtype="float32")
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 3 or arr.shape[1:] != IMAGE_SHAPE:
        raise ValueError(
            f"{name} must be images shaped (n, 28, 28) or (n, 28, 28, 1), got shape {arr.shape}"
        )
    if len(arr) == 0:
        raise ValueError(f"{name} is empty: expected at least one image")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    if arr.min() < 0.0 or arr.max() > 1.0:
        raise ValueError(
            f"{name} must hold pixel values in [0, 1] (use data.to_unit), got range "
            f"[{arr.min():.3g}, {arr.max():.3g}]"
        )
    return arr


def _as_codes(z, latent_dim: int, name: str = "z") -> np.ndarray:
    if not hasattr(z, "shape") and not isinstance(z, list | tuple):
        raise TypeError(f"{name} must be an array of latent codes, got {type(z).__name__}")
    arr = np.asarray(z, dtype="float32")
    if arr.ndim == 1 and arr.shape[0] == latent_dim:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != latent_dim:
        raise ValueError(
            f"{name} must be latent codes shaped (n, {latent_dim}), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def _check_beta(beta) -> float:
    if isinstance(beta, bool) or not isinstance(beta, int | float | np.floating | np.integer):
        raise TypeError(f"beta must be a number, got {type(beta).__name__}")
    if not np.isfinite(beta) or beta < 0:
        raise ValueError(f"beta must be a finite number >= 0, got {beta}")
    return float(beta)


# ---------------------------------------------------------------- Keras classes


@functools.cache
def _keras_classes() -> dict:
    """Define (once) and register the Keras classes; returns them by name."""
    import keras
    import tensorflow as tf
    from keras import ops

    @keras.saving.register_keras_serializable(package="course")
    class Sampling(keras.layers.Layer):
        """Draws z ~ N(mean, exp(log_var)) with the reparameterization trick.

        Call it on ``[mean, log_var]``. The noise comes from a ``keras.random.SeedGenerator``
        owned by the layer, so a model built with the same ``seed`` draws the same noise.
        """

        def __init__(self, seed: int | None = None, **kwargs):
            super().__init__(**kwargs)
            self.seed = seed
            self.seed_generator = keras.random.SeedGenerator(seed)

        def call(self, inputs):
            mean, log_var = inputs
            eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
            return reparameterize(mean, log_var, eps)

        def compute_output_shape(self, input_shape):
            return input_shape[0]

        def get_config(self):
            return {**super().get_config(), "seed": self.seed}

    @keras.saving.register_keras_serializable(package="course")
    class VAE(keras.Model):
        """A VAE with its own ``train_step`` and ``test_step`` (``05_variational_autoencoders``).

        ``encoder``: images -> ``[mean, log_var]``; ``decoder``: z -> Bernoulli logits.
        The loss of a batch is ``reconstruction + beta * KL`` (batch means, nats per image);
        with ``beta = 1`` it is the negative ELBO. Three ``keras.metrics.Mean`` trackers keep
        the running means of the total, reconstruction and KL terms over the batches seen
        since the last reset (Keras resets them at the start of every epoch and evaluation).
        ``call`` decodes the posterior **mean** (deterministic), so ``model(x)`` gives
        reconstruction logits.
        """

        def __init__(self, encoder, decoder, beta: float = 1.0, seed: int | None = None,
                     **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.beta = _check_beta(beta)
            self.seed = seed
            self.latent_dim = int(decoder.inputs[0].shape[-1])
            self.sampler = Sampling(seed=seed, name="sampling")
            self.total_loss_tracker = keras.metrics.Mean(name="loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        def build(self, input_shape=None):
            # The encoder and decoder are functional models, built when they were made; the
            # sampler holds only its seed state. Nothing else needs shapes.
            self.built = True

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.reconstruction_loss_tracker,
                    self.kl_loss_tracker]

        def call(self, inputs, training=False):
            mean, log_var = self.encoder(inputs, training=training)
            z = self.sampler([mean, log_var]) if training else mean
            return self.decoder(z, training=training)

        def compute_losses(self, x, training=False):
            """Batch means of (total, reconstruction, KL) for images ``x`` (one z sample)."""
            mean, log_var = self.encoder(x, training=training)
            z = self.sampler([mean, log_var])
            logits = self.decoder(z, training=training)
            rec = ops.mean(reconstruction_loss(x, logits))
            kl = ops.mean(kl_divergence(mean, log_var))
            return rec + self.beta * kl, rec, kl

        def _update_trackers(self, total, rec, kl):
            self.total_loss_tracker.update_state(total)
            self.reconstruction_loss_tracker.update_state(rec)
            self.kl_loss_tracker.update_state(kl)
            return {m.name: m.result() for m in self.metrics}

        def train_step(self, data):
            x = data[0] if isinstance(data, tuple | list) else data
            with tf.GradientTape() as tape:
                total, rec, kl = self.compute_losses(x, training=True)
            grads = tape.gradient(total, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
            return self._update_trackers(total, rec, kl)

        def test_step(self, data):
            x = data[0] if isinstance(data, tuple | list) else data
            total, rec, kl = self.compute_losses(x, training=False)
            return self._update_trackers(total, rec, kl)

        # -- numpy helpers (the contract of course_utils.metrics) --------------------

        def encode(self, x, batch_size: int = 2000):
            """Images -> (mean, log_var) as float32 numpy arrays shaped (n, latent_dim)."""
            x = _as_images(x)
            means, log_vars = [], []
            for i in range(0, len(x), batch_size):
                m, lv = self.encoder(x[i:i + batch_size], training=False)
                means.append(ops.convert_to_numpy(m))
                log_vars.append(ops.convert_to_numpy(lv))
            return np.concatenate(means), np.concatenate(log_vars)

        def decode_logits(self, z, batch_size: int = 2000):
            """Latent codes (n, latent_dim) -> Bernoulli logits shaped (n, 28, 28)."""
            z = _as_codes(z, self.latent_dim)
            out = [ops.convert_to_numpy(self.decoder(z[i:i + batch_size], training=False))
                   for i in range(0, len(z), batch_size)]
            return np.concatenate(out).reshape(len(z), *IMAGE_SHAPE)

        def decode(self, z, batch_size: int = 2000):
            """Latent codes -> images in [0, 1] (the Bernoulli means, sigmoid of the logits)."""
            logits = self.decode_logits(z, batch_size)
            return (1.0 / (1.0 + np.exp(-logits))).astype("float32")

        def reconstruct(self, x):
            """Decode the posterior mean of each image: deterministic reconstructions."""
            return self.decode(self.encode(x)[0])

        def sample(self, n: int, seed: int = 0):
            """``n`` new images: z ~ N(0, I) from a NumPy generator seeded by ``seed``, decoded."""
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
                raise ValueError(f"n must be a positive int, got {n!r}")
            z = np.random.default_rng(seed).standard_normal((int(n), self.latent_dim))
            return self.decode(z.astype("float32"))

        def get_config(self):
            return {
                **super().get_config(),
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "beta": self.beta,
                "seed": self.seed,
            }

        @classmethod
        def from_config(cls, config):
            config = dict(config)
            encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
            decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
            return cls(encoder, decoder, **config)

    for cls in (Sampling, VAE):
        cls.__module__, cls.__qualname__ = __name__, cls.__name__
    return {"Sampling": Sampling, "VAE": VAE}


def __getattr__(name: str):
    """``vae.Sampling`` and ``vae.VAE`` are created on first access (Keras imported then)."""
    if name in ("Sampling", "VAE"):
        return _keras_classes()[name]
    raise AttributeError(f"module 'course_utils.vae' has no attribute {name!r}")


def register() -> None:
    """Define and register the custom Keras classes (needed before loading a ``.keras`` file
    that contains a VAE; every builder and loader in this module calls it)."""
    _keras_classes()


if "keras" in sys.modules:  # guard: register at import only when Keras is already loaded
    register()


# ---------------------------------------------------------------- builders


def _check_sizes(latent_dim, hidden) -> tuple[int, tuple[int, ...]]:
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int | np.integer):
        raise TypeError(f"latent_dim must be an int, got {type(latent_dim).__name__}")
    if latent_dim < 1:
        raise ValueError(f"latent_dim must be >= 1, got {latent_dim}")
    hidden = tuple(int(h) for h in hidden)
    if not hidden or min(hidden) < 1:
        raise ValueError(f"hidden must be a non-empty sequence of positive sizes, got {hidden}")
    return int(latent_dim), hidden


def build_encoder(latent_dim: int = 2, hidden=DEFAULT_HIDDEN, name: str = "encoder"):
    """Dense encoder: a (28, 28) image -> ``[mean, log_var]``, each (latent_dim,)."""
    import keras

    latent_dim, hidden = _check_sizes(latent_dim, hidden)
    x_in = keras.Input(IMAGE_SHAPE, name="image")
    h = keras.layers.Flatten(name="flatten")(x_in)
    for i, units in enumerate(hidden):
        h = keras.layers.Dense(units, activation="relu", name=f"dense_{i}")(h)
    mean = keras.layers.Dense(latent_dim, name="z_mean")(h)
    log_var = keras.layers.Dense(latent_dim, name="z_log_var")(h)
    return keras.Model(x_in, [mean, log_var], name=name)


def build_decoder(latent_dim: int = 2, hidden=DEFAULT_HIDDEN, name: str = "decoder"):
    """Dense decoder: z (latent_dim,) -> Bernoulli logits shaped (28, 28).

    ``hidden`` is given in encoder order and mirrored.
    """
    import keras

    latent_dim, hidden = _check_sizes(latent_dim, hidden)
    z_in = keras.Input((latent_dim,), name="z")
    h = z_in
    for i, units in enumerate(reversed(hidden)):
        h = keras.layers.Dense(units, activation="relu", name=f"dense_{i}")(h)
    logits = keras.layers.Dense(IMAGE_SHAPE[0] * IMAGE_SHAPE[1], name="logits")(h)
    return keras.Model(z_in, keras.layers.Reshape(IMAGE_SHAPE, name="to_image")(logits),
                       name=name)


def build_vae(latent_dim: int = 2, beta: float = 1.0, hidden=DEFAULT_HIDDEN,
              seed: int = 0, learning_rate: float = 1e-3, compile: bool = True):
    """A fresh dense VAE (compiled with Adam unless ``compile=False``); weights and sampling
    noise are deterministic in ``seed``."""
    import keras

    beta = _check_beta(beta)
    keras.utils.set_random_seed(seed)
    model = _keras_classes()["VAE"](build_encoder(latent_dim, hidden),
                                    build_decoder(latent_dim, hidden), beta=beta, seed=seed,
                                    name="vae")
    model(np.zeros((1, *IMAGE_SHAPE), dtype="float32"))  # build every layer once
    if compile:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model


def train_vae(x_train, latent_dim: int = 2, beta: float = 1.0, epochs: int = EPOCHS_CLASS,
              batch_size: int = BATCH_SIZE, seed: int = 0, x_val=None,
              hidden=DEFAULT_HIDDEN, learning_rate: float = 1e-3):
    """Build and fit a VAE on images ``x_train`` in [0, 1]; returns the model.

    The Keras ``History`` stays on ``model.history`` (its ``history`` dict holds the per-epoch
    running means of the three trackers, and ``val_*`` values when ``x_val`` is given).
    """
    x_train = _as_images(x_train, "x_train")
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    val = None if x_val is None else (_as_images(x_val, "x_val"),)
    model = build_vae(latent_dim, beta, hidden, seed, learning_rate)
    model.fit(x_train, epochs=int(epochs), batch_size=batch_size, shuffle=True,
              validation_data=val, verbose=0)
    return model


def without_optimizer_state(model):
    """A copy of a trained VAE with the same weights and a fresh (unbuilt) Adam optimizer, so
    its ``.keras`` file holds the weights only (about a third of the size)."""
    import keras

    lean = _keras_classes()["VAE"].from_config(model.get_config())
    lean(np.zeros((1, *IMAGE_SHAPE), dtype="float32"))
    lean.set_weights(model.get_weights())
    lean.compile(optimizer=keras.optimizers.Adam(1e-3))
    if getattr(model, "history", None) is not None:
        lean.history = model.history
    return lean


def make_decoder_fn(model) -> Callable[[np.ndarray], np.ndarray]:
    """A fast ``decode(z) -> images in [0, 1]`` for widgets: the decoder wrapped once in a
    ``tf.function`` (traced on first use), no ``predict`` overhead per call."""
    import tensorflow as tf

    decoder = model.decoder
    latent_dim = int(decoder.inputs[0].shape[-1])

    @tf.function(input_signature=[tf.TensorSpec((None, latent_dim), tf.float32)])
    def _decode(z):
        return tf.sigmoid(decoder(z, training=False))

    def decode(z):
        z = _as_codes(z, latent_dim)
        return _decode(tf.constant(z)).numpy().reshape(len(z), *IMAGE_SHAPE)

    return decode


def latent_grid(n: int = 15, extent: float = 2.5) -> np.ndarray:
    """An ``n`` x ``n`` grid of 2-D codes over [-extent, extent]^2, row by row from the top
    (z[1] decreasing down the rows, z[0] increasing along each row), shaped (n * n, 2)."""
    if n < 2 or extent <= 0:
        raise ValueError(f"need n >= 2 and extent > 0, got n={n}, extent={extent}")
    ticks = np.linspace(-extent, extent, n, dtype="float32")
    zy, zx = np.meshgrid(ticks[::-1], ticks, indexing="ij")
    return np.stack([zx.ravel(), zy.ravel()], axis=1)


def mosaic(images, n_rows: int) -> np.ndarray:
    """Tile images (n_rows * n_cols, h, w) into one (n_rows * h, n_cols * w) array."""
    images = np.asarray(images)
    n, h, w = images.shape[:3]
    if n % n_rows:
        raise ValueError(f"{n} images cannot fill {n_rows} equal rows")
    n_cols = n // n_rows
    return images[..., :].reshape(n_rows, n_cols, h, w).transpose(0, 2, 1, 3).reshape(
        n_rows * h, n_cols * w)


# ---------------------------------------------------------------- pretrained registry


def _evaluation_images() -> np.ndarray:
    from course_utils import data

    return data.to_unit(data.load_fashion_mnist().x_test[:EVAL_SIZE])


def evaluate(model) -> dict:
    """Test ELBO (nats per image, one sample, seed ``EVAL_SEED``) and mean KL of ``model`` on
    the first ``EVAL_SIZE`` Fashion-MNIST test images."""
    from course_utils import metrics

    x = _evaluation_images()
    mean, log_var = model.encode(x)
    elbo = metrics.elbo(x, model.encode, model.decode_logits, n_samples=1, seed=EVAL_SEED)
    kl = np.asarray(kl_divergence(mean, log_var))
    return {"test_elbo": float(np.mean(elbo)), "test_kl": float(np.mean(kl))}


def _pretrain(profile: Profile, latent_dim: int, beta: float, normal_only: bool = False):
    from course_utils import data

    x_train, y_train, x_test, y_test = data.course_data(profile=profile)
    if normal_only:
        x_train, x_test, is_anomaly = data.anomaly_split(x_train, y_train, x_test, y_test)
        x_test = x_test[~is_anomaly]  # validate on normal images only
    model = train_vae(x_train, latent_dim=latent_dim, beta=beta,
                      epochs=profile.epochs(EPOCHS_CLASS), seed=0, x_val=x_test)
    model = without_optimizer_state(model)
    return model, evaluate(model)


def checkpoint_name(beta: float = 1.0, latent_dim: int = 2) -> str:
    """Registry name of the 2-D VAE trained with ``beta`` ("vae_2d", "vae_2d_beta0p1", ...)."""
    base = f"vae_{latent_dim}d"
    if float(beta) == 1.0:
        return base
    return f"{base}_beta{float(beta):g}".replace(".", "p")


ANOMALY_CHECKPOINT = "vae_anomaly"

PRETRAINED: dict[str, Callable[[Profile], tuple]] = {
    **{checkpoint_name(b): functools.partial(_pretrain, latent_dim=2, beta=b)
       for b in BETA_VALUES},
    ANOMALY_CHECKPOINT: functools.partial(_pretrain, latent_dim=ANOMALY_LATENT_DIM, beta=1.0,
                                          normal_only=True),
}
EVALUATE: dict[str, Callable] = {name: evaluate for name in PRETRAINED}
