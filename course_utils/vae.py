"""Variational autoencoder (introduced in ``05_variational_autoencoders``).

What notebook 05 writes out, token for token (``tests/test_core_cells.py`` keeps them
identical): the reparameterization :func:`reparameterize`, the two loss terms
:func:`kl_divergence` and :func:`reconstruction_loss`, their sum :func:`vae_loss`, and the
model's ``train_step`` (:class:`VAE`). What the notebook does not need to show lives in
:class:`BaseVAE`: the loss trackers, evaluation, saving and NumPy helpers.

Conventions: images are float arrays in [0, 1] shaped ``(n, 28, 28)``; the decoder outputs
Bernoulli **logits** shaped ``(n, 28, 28)``; every loss is in nats per image. The course's VAEs
are trained on **dynamically binarized** images (every epoch each pixel is drawn as 0 or 1 with
probability equal to its grey value, :func:`binarized_batches`), the protocol under which the
Bernoulli decoder defines a true likelihood: the test ELBO and log-likelihoods are reported on
binarized test images (:func:`course_utils.data.binarize`), in nats and bits per pixel.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from course_utils import config, data, helpers, metrics, progress
from course_utils.config import Profile
from course_utils.helpers import IMAGE_SHAPE, VALIDATION_BATCH, as_images, check_int

DEFAULT_HIDDEN = (256, 128)
BATCH_SIZE = 128
# The notebooks' VAEs: 12 epochs at 1.5e-3 reach the test ELBO of 15 epochs at 1e-3 (seed 7:
# -264.17 vs -264.15 nats on 1,000 binarized test images) in 80 % of the time (bench/NOTES.md).
LEARNING_RATE = 1.5e-3
EPOCHS_CLASS = 12  # epochs of the course's VAEs in the ``class`` profile
FULL_EPOCHS, FULL_LEARNING_RATE = 45, 1e-3  # the recipe of the pretrained VAEs (``full``)
ANOMALY_LATENT_DIM = 2
BETA_VALUES = (0.1, 1.0, 10.0)
EVAL_SIZE = 2000  # first test images of Fashion-MNIST used by evaluate()
EVAL_SEED = 0


# ---------------------------------------------------------------- the formulas (notebook 05)


def reparameterize(mean, log_var, eps):
    """z = mean + sigma * eps, with sigma = exp(log_var / 2)."""
    return mean + ops.exp(0.5 * log_var) * eps


def kl_divergence(mean, log_var):
    """KL( N(mean, exp(log_var)) || N(0, I) ) per example, summed over latent dims (nats)."""
    return -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)


def reconstruction_loss(x, logits):
    """-log p(x | z): Bernoulli cross-entropy summed over the pixels of each image (nats)."""
    per_pixel = ops.maximum(logits, 0.0) - logits * x + ops.log1p(ops.exp(-ops.abs(logits)))
    return ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=-1)


def vae_loss(x, logits, mean, log_var, beta=1.0):
    """Batch means of reconstruction + beta * KL, and of the two terms (nats per image)."""
    reconstruction = ops.mean(reconstruction_loss(x, logits))
    kl = ops.mean(kl_divergence(mean, log_var))
    return reconstruction + beta * kl, reconstruction, kl


# ---------------------------------------------------------------- input checks


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


# ---------------------------------------------------------------- the model


@keras.saving.register_keras_serializable(package="course")
class BaseVAE(keras.Model):
    """Everything a VAE needs except its ``train_step`` (``05_variational_autoencoders``).

    ``encoder``: images -> ``[mean, log_var]``; ``decoder``: z -> Bernoulli logits. Three
    ``keras.metrics.Mean`` trackers (``loss``, ``reconstruction_loss``, ``kl_loss``) keep the
    running means of the batches seen since their last reset (Keras resets them at the start of
    every epoch and evaluation); :meth:`track` updates them. ``test_step`` measures the same
    loss with this module's formulas. ``call`` decodes the posterior **mean**
    (deterministic), so ``model(x)`` gives reconstruction logits. Noise for the
    reparameterization comes from ``self.seed_generator``, seeded by ``seed``.
    """

    def __init__(self, encoder, decoder, beta: float = 1.0, seed: int | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta = _check_beta(beta)
        self.seed = config.resolve_seed(seed)
        self.latent_dim = int(decoder.inputs[0].shape[-1])
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")

    def build(self, input_shape=None):
        # The encoder and decoder are functional models, built when they were made.
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def track(self, loss, reconstruction, kl) -> dict:
        """Add one batch's losses to the running means; return the means so far."""
        self.loss_tracker.update_state(loss)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def call(self, inputs, training=False):
        mean, _ = self.encoder(inputs, training=training)
        return self.decoder(mean, training=training)

    def test_step(self, data):
        x = data[0] if isinstance(data, tuple | list) else data
        mean, log_var = self.encoder(x, training=False)
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        logits = self.decoder(reparameterize(mean, log_var, eps), training=False)
        return self.track(*vae_loss(x, logits, mean, log_var, self.beta))

    # -- NumPy helpers (the contract of course_utils.metrics) ------------------------------

    def encode(self, x, batch_size: int = 2000):
        """Images -> (mean, log_var) as float32 NumPy arrays shaped (n, latent_dim)."""
        x = as_images(x, "x")
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
        n = check_int(n, "n", minimum=1)
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim))
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


@keras.saving.register_keras_serializable(package="course")
class VAE(BaseVAE):
    """Encode, sample z with the reparameterization trick, decode; minimise the VAE loss."""

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            mean, log_var = self.encoder(x, training=True)
            eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
            z = reparameterize(mean, log_var, eps)
            logits = self.decoder(z, training=True)
            loss, reconstruction, kl = vae_loss(x, logits, mean, log_var, self.beta)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return self.track(loss, reconstruction, kl)


# ---------------------------------------------------------------- builders


def _check_sizes(latent_dim, hidden) -> tuple[int, tuple[int, ...]]:
    latent_dim = check_int(latent_dim, "latent_dim", minimum=1)
    hidden = tuple(int(h) for h in hidden)
    if not hidden or min(hidden) < 1:
        raise ValueError(f"hidden must be a non-empty sequence of positive sizes, got {hidden}")
    return latent_dim, hidden


def build_encoder(latent_dim: int = 2, hidden=DEFAULT_HIDDEN, name: str = "encoder"):
    """Dense encoder: a (28, 28) image -> ``[mean, log_var]``, each (latent_dim,)."""
    latent_dim, hidden = _check_sizes(latent_dim, hidden)
    x_in = keras.Input(IMAGE_SHAPE, name="image")
    h = keras.layers.Flatten(name="flatten")(x_in)
    for i, units in enumerate(hidden):
        h = keras.layers.Dense(units, activation="relu", name=f"dense_{i}")(h)
    mean = keras.layers.Dense(latent_dim, name="z_mean")(h)
    log_var = keras.layers.Dense(latent_dim, name="z_log_var")(h)
    return keras.Model(x_in, [mean, log_var], name=name)


def build_decoder(latent_dim: int = 2, hidden=DEFAULT_HIDDEN, name: str = "decoder"):
    """Dense decoder: z (latent_dim,) -> Bernoulli logits shaped (28, 28); ``hidden`` is given
    in encoder order and mirrored."""
    latent_dim, hidden = _check_sizes(latent_dim, hidden)
    z_in = keras.Input((latent_dim,), name="z")
    h = z_in
    for i, units in enumerate(reversed(hidden)):
        h = keras.layers.Dense(units, activation="relu", name=f"dense_{i}")(h)
    logits = keras.layers.Dense(IMAGE_SHAPE[0] * IMAGE_SHAPE[1], name="logits")(h)
    return keras.Model(z_in, keras.layers.Reshape(IMAGE_SHAPE, name="to_image")(logits),
                       name=name)


def build_vae(latent_dim: int = 2, beta: float = 1.0, hidden=DEFAULT_HIDDEN,
              seed: int | None = None, learning_rate: float = LEARNING_RATE,
              model_class: type = VAE):
    """A fresh dense VAE of class ``model_class`` (notebook 05 passes its own), compiled with
    Adam; its weights and sampling noise follow ``seed`` (default: the session's seed)."""
    beta = _check_beta(beta)
    if not (isinstance(model_class, type) and issubclass(model_class, BaseVAE)):
        raise TypeError(f"model_class must be a subclass of vae.BaseVAE, got {model_class!r}")
    seed = config.resolve_seed(seed)
    keras.utils.set_random_seed(seed)
    model = model_class(build_encoder(latent_dim, hidden), build_decoder(latent_dim, hidden),
                        beta=beta, seed=seed, name="vae")
    model.build(None)  # the encoder and decoder are built already
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    helpers.build_optimizer(model)  # one trace of the training step, not two
    return model


def binarized_batches(x, batch_size: int, seed: int):
    """A ``tf.data.Dataset`` of shuffled batches of ``x`` (grey images in [0, 1]), each pixel
    redrawn as 0 or 1 with probability equal to its grey value every time it is seen
    (dynamic binarization). Deterministic in ``seed``."""
    images = tf.data.Dataset.from_tensor_slices(as_images(x, "x"))
    images = images.shuffle(len(x), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    return data.untuned(tf.data.Dataset.zip((images, seeds)).map(
        lambda grey, pair: tf.cast(tf.random.stateless_uniform(tf.shape(grey), pair) < grey,
                                   tf.float32)).prefetch(2))


def train_vae(x_train, latent_dim: int = 2, beta: float = 1.0, epochs: int = EPOCHS_CLASS,
              batch_size: int = BATCH_SIZE, seed: int | None = None, x_val=None,
              hidden=DEFAULT_HIDDEN, learning_rate: float = LEARNING_RATE,
              model_class: type = VAE, callbacks=None):
    """Build and fit a VAE on grey images ``x_train`` in [0, 1], dynamically binarized
    (:func:`binarized_batches`); returns ``(model, history)`` (``05``).

    ``history`` holds the per-epoch running means of the three trackers, and ``val_*`` values
    on ``x_val`` (binarized once, with ``seed``) when it is given. ``seed`` (default: the
    session's seed) fixes the initial weights, the batches, the binarization and the noise.
    Shows a progress bar unless ``callbacks`` (Keras callbacks for ``fit``) are given.
    """
    x_train = as_images(x_train, "x_train")
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = config.resolve_seed(seed)
    model = build_vae(latent_dim, beta, hidden, seed, learning_rate, model_class)
    val = None if x_val is None else data.binarize(x_val, seed=seed)
    if callbacks is None:
        callbacks = [progress.TrainingProgress(f"VAE (latent {latent_dim}, beta {beta:g})")]
    fit = model.fit(binarized_batches(x_train, batch_size, seed), epochs=epochs, shuffle=False,
                    validation_data=val, validation_batch_size=VALIDATION_BATCH, verbose=0,
                    callbacks=callbacks)
    return model, {k: np.asarray(v, dtype="float32") for k, v in fit.history.items()}


def without_optimizer_state(model):
    """A :class:`VAE` with the same weights and a fresh (unbuilt) Adam optimizer, so its
    ``.keras`` file holds the weights only (about a third of the size). Works for any
    :class:`BaseVAE`, such as the one notebook 05 defines."""
    lean = VAE.from_config(model.get_config())
    lean.build(None)
    lean.set_weights(model.get_weights())
    lean.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
    return lean


def make_decoder_fn(model):
    """A fast ``decode(z) -> images in [0, 1]`` for widgets: the decoder wrapped once in a
    ``tf.function`` (traced on first use), no ``predict`` overhead per call."""
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
    return images.reshape(n_rows, n_cols, h, w).transpose(0, 2, 1, 3).reshape(
        n_rows * h, n_cols * w)


# ---------------------------------------------------------------- the course's trained VAEs


def evaluation_images() -> np.ndarray:
    """The first :data:`EVAL_SIZE` Fashion-MNIST test images, binarized with :data:`EVAL_SEED`:
    the fixed set every recorded VAE number is measured on."""
    return data.binarize(data.to_unit(data.load_fashion_mnist().x_test[:EVAL_SIZE]),
                         seed=EVAL_SEED)


def evaluate(model) -> dict:
    """Test ELBO (nats per binarized image, one sample, seed ``EVAL_SEED``) and mean KL of
    ``model`` on :func:`evaluation_images`."""
    x = evaluation_images()
    mean, log_var = model.encode(x)
    elbo = metrics.elbo(x, model.encode, model.decode_logits, n_samples=1, seed=EVAL_SEED)
    kl = np.asarray(kl_divergence(mean, log_var))
    return {"test_elbo": float(np.mean(elbo)), "test_kl": float(np.mean(kl))}


def checkpoint_name(beta: float = 1.0, latent_dim: int = 2) -> str:
    """Registry name of the 2-D VAE trained with ``beta`` ("vae_2d", "vae_2d_beta0p1", ...)."""
    base = f"vae_{latent_dim}d"
    if float(beta) == 1.0:
        return base
    return f"{base}_beta{float(beta):g}".replace(".", "p")


ANOMALY_CHECKPOINT = "vae_anomaly"


def train_course_vae(profile: Profile | None = None, seed: int | None = None,
                     latent_dim: int = 2, beta: float = 1.0, normal_only: bool = False,
                     model_class: type = VAE, callbacks=None):
    """One of the course's VAEs, trained on the profile's images for
    ``profile.epochs(EPOCHS_CLASS)`` epochs (``full``: :data:`FULL_EPOCHS` at
    :data:`FULL_LEARNING_RATE`, the pretrained recipe) and validated on its test images; returns
    ``(model, history)``. ``normal_only`` leaves out the anomaly class (training and
    validation), as notebook 05's anomaly detector needs."""
    profile = profile or config.get_profile()
    x_train, y_train, x_test, y_test = data.course_data(profile=profile)
    if normal_only:
        x_train, x_test, is_anomaly = data.anomaly_split(x_train, y_train, x_test, y_test)
        x_test = x_test[~is_anomaly]
    full = profile.name == "full"  # the checkpoints keep the recipe they were trained with
    return train_vae(x_train, latent_dim=latent_dim, beta=beta,
                     epochs=FULL_EPOCHS if full else profile.epochs(EPOCHS_CLASS), seed=seed,
                     x_val=x_test, learning_rate=FULL_LEARNING_RATE if full else LEARNING_RATE,
                     model_class=model_class, callbacks=callbacks)
