"""Generative adversarial networks (``06_generative_adversarial_networks``).

What lives here:

- the three losses as plain functions of the discriminator's logits (``D = sigmoid(logit)``):
  :func:`discriminator_loss`, :func:`generator_loss_saturating`,
  :func:`generator_loss_non_saturating`;
- builders for the toy 2-D GAN, the DCGAN and the conditional GAN (plain Keras layers only, so
  saved generators load in safe mode without custom objects);
- ``GAN`` and ``ConditionalGAN`` (``keras.Model`` subclasses with ``train_step``, separate
  optimizers, ``d_steps`` discriminator updates per generator update, a choice of generator
  loss and seeded noise);
- recording callbacks (``ToyGANRecorder``, ``ImageGANRecorder``) that snapshot the game every
  few steps, and the training functions that use them (:func:`train_toy_gan`,
  :func:`train_dcgan`, :func:`train_cgan`);
- measures: :func:`mode_coverage`, :func:`histogram_js_divergence`;
- image completion by latent search (:func:`complete_by_latent_search`);
- the ``PRETRAINED`` registry (``"dcgan"``, ``"cgan"`` generators) and ``EVALUATE``.

Keras and TensorFlow are imported only when a function needs them; the Keras classes are
created on first access (``gan.GAN``, ``gan.ConditionalGAN``, ``gan.ToyGANRecorder``,
``gan.ImageGANRecorder``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

GENERATOR_LOSSES = ("non_saturating", "saturating")
TOY_EXTENT = 3.0  # the toy plane shown and measured is [-3, 3] x [-3, 3]
DCGAN_LATENT = 32
DCGAN_CLASS_STEPS = 1000  # generator updates of the DCGAN in the ``class`` profile
CGAN_CLASS_STEPS = 800
PRETRAIN_STEP_FACTOR = 4  # the pretrained runs train this many times longer than ``class``


# ---------------------------------------------------------------- losses


def _ops():
    import keras

    return keras.ops


def discriminator_loss(real_logits, fake_logits):
    """``-mean(log D(x)) - mean(log(1 - D(G(z))))``, from logits (``D = sigmoid(logit)``).

    The discriminator's binary cross-entropy: real samples labelled 1, generated ones 0.
    Written with ``softplus`` (``-log sigmoid(a) = softplus(-a)``, ``-log(1 - sigmoid(a)) =
    softplus(a)``) so that it stays finite when D is sure. Returns a scalar.
    """
    ops = _ops()
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def generator_loss_saturating(fake_logits):
    """``mean(log(1 - D(G(z))))``: the minimax game's own generator loss (minimised by G).

    Its gradient vanishes when D confidently rejects the fakes (D(G(z)) near 0), which is
    exactly the situation at the start of training.
    """
    ops = _ops()
    return -ops.mean(ops.softplus(fake_logits))


def generator_loss_non_saturating(fake_logits):
    """``-mean(log D(G(z)))``: the non-saturating generator loss (minimised by G).

    Same fixed point as the saturating loss, but a strong gradient when D(G(z)) is near 0.
    """
    ops = _ops()
    return ops.mean(ops.softplus(-fake_logits))


def generator_loss(fake_logits, kind: str = "non_saturating"):
    """The generator loss named ``kind`` (``"non_saturating"`` or ``"saturating"``)."""
    _check_loss_kind(kind)
    if kind == "saturating":
        return generator_loss_saturating(fake_logits)
    return generator_loss_non_saturating(fake_logits)


def _check_loss_kind(kind) -> None:
    if kind not in GENERATOR_LOSSES:
        raise ValueError(f"generator_loss must be one of {GENERATOR_LOSSES}, got {kind!r}")


# ---------------------------------------------------------------- measures


@dataclass(frozen=True)
class Coverage:
    """Result of :func:`mode_coverage`."""

    covered: int  # modes holding at least their share of high-quality samples
    n_modes: int
    high_quality: float  # fraction of samples within ``radius`` of some centre
    counts: np.ndarray  # high-quality samples per mode

    def __str__(self) -> str:
        return (f"{self.covered} of {self.n_modes} modes covered, "
                f"{100 * self.high_quality:.0f}% high-quality samples")


def mode_coverage(samples, centres, radius: float, min_share: float = 0.2) -> Coverage:
    """How many modes a generator covers (``06_generative_adversarial_networks``).

    A sample is *high-quality* when it lies within ``radius`` of its nearest centre and then
    belongs to that mode. A mode is *covered* when it holds at least ``min_share`` times the
    number of samples it would hold if all samples were spread evenly over the modes
    (``min_share * len(samples) / n_modes``, and at least one sample).
    """
    samples = np.asarray(samples, dtype=float)
    centres = np.asarray(centres, dtype=float)
    if samples.ndim != 2 or centres.ndim != 2 or samples.shape[1] != centres.shape[1]:
        raise ValueError(f"expected samples (n, d) and centres (k, d) with the same d, got "
                         f"{samples.shape} and {centres.shape}")
    if len(samples) == 0 or len(centres) == 0:
        raise ValueError("mode_coverage needs at least one sample and one centre")
    if radius <= 0:
        raise ValueError(f"radius must be positive, got {radius}")
    if not 0 <= min_share <= 1:
        raise ValueError(f"min_share must be in [0, 1], got {min_share}")
    dist = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)
    nearest = dist.argmin(axis=1)
    good = dist[np.arange(len(samples)), nearest] <= radius
    counts = np.bincount(nearest[good], minlength=len(centres))
    needed = max(1.0, min_share * len(samples) / len(centres))
    return Coverage(int((counts >= needed).sum()), len(centres), float(good.mean()), counts)


def histogram_js_divergence(a, b, extent: float = TOY_EXTENT, bins: int = 40,
                            eps: float = 1e-10) -> float:
    """Jensen-Shannon divergence (nats, between 0 and ln 2) of two 2-D point clouds,
    estimated from their histograms on a ``bins`` x ``bins`` grid over ``[-extent, extent]^2``.

    Points outside the square fall in the border cells (clipped), so no mass is lost.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    for name, arr in (("a", a), ("b", b)):
        if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) == 0:
            raise ValueError(f"{name} must be a non-empty array of 2-D points (n, 2), "
                             f"got shape {arr.shape}")
    edges = np.linspace(-extent, extent, bins + 1)
    lim = extent * (1 - 1e-9)

    def hist(x):
        x = np.clip(x, -lim, lim)
        h, _, _ = np.histogram2d(x[:, 0], x[:, 1], bins=[edges, edges])
        return h.ravel() / h.sum()

    p, q = hist(a), hist(b)
    return js_divergence(p, q, eps)


def js_divergence(p, q, eps: float = 1e-10) -> float:
    """Jensen-Shannon divergence (nats) of two discrete distributions (normalised here)."""
    p = np.asarray(p, dtype=float).ravel()
    q = np.asarray(q, dtype=float).ravel()
    if p.shape != q.shape or p.sum() <= 0 or q.sum() <= 0 or (p < 0).any() or (q < 0).any():
        raise ValueError("p and q must be non-negative arrays of the same shape with mass > 0")
    p, q = p / p.sum(), q / q.sum()
    m = 0.5 * (p + q)

    def kl(x, y):
        nz = x > 0
        return float(np.sum(x[nz] * np.log(x[nz] / np.maximum(y[nz], eps))))

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def toy_grid(extent: float = TOY_EXTENT, n: int = 60) -> np.ndarray:
    """An ``n`` x ``n`` grid of points over ``[-extent, extent]^2``, shape ``(n * n, 2)``,
    row-major with y increasing down the rows (ready for ``imshow(origin="lower")``)."""
    xs = np.linspace(-extent, extent, n, dtype="float32")
    gx, gy = np.meshgrid(xs, xs)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


# ---------------------------------------------------------------- builders


def _inits(seed: int):
    """Fresh seeded Glorot initializers, one per call, so every layer differs."""
    import keras

    counter = iter(range(10_000))
    return lambda: keras.initializers.GlorotUniform(seed=seed * 1000 + next(counter))


def build_toy_generator(latent_dim: int = 8, hidden: int = 128, depth: int = 3,
                        seed: int = 0):
    """MLP generator for the toy plane: noise ``(latent_dim,)`` -> point ``(2,)``."""
    import keras

    init = _inits(seed)
    inp = keras.Input((latent_dim,), name="noise")
    h = inp
    for i in range(depth):
        h = keras.layers.Dense(hidden, activation="relu", kernel_initializer=init(),
                               name=f"hidden_{i}")(h)
    out = keras.layers.Dense(2, kernel_initializer=init(), name="point")(h)
    return keras.Model(inp, out, name="toy_generator")


def build_toy_discriminator(hidden: int = 128, depth: int = 3, seed: int = 1):
    """MLP discriminator for the toy plane: point ``(2,)`` -> one logit (D = sigmoid)."""
    import keras

    init = _inits(seed)
    inp = keras.Input((2,), name="point")
    h = inp
    for i in range(depth):
        h = keras.layers.Dense(hidden, kernel_initializer=init(), name=f"hidden_{i}")(h)
        h = keras.layers.LeakyReLU(0.2, name=f"leaky_{i}")(h)
    out = keras.layers.Dense(1, kernel_initializer=init(), name="logit")(h)
    return keras.Model(inp, out, name="toy_discriminator")


def _dcgan_trunk(h, width: int, init):
    """Dense code -> 7x7 feature maps -> 14x14 -> 28x28x1 image in [-1, 1] (tanh)."""
    import keras

    L = keras.layers
    h = L.Dense(7 * 7 * 2 * width, use_bias=False, kernel_initializer=init(), name="project")(h)
    h = L.BatchNormalization(momentum=0.9, name="bn_0")(h)
    h = L.ReLU(name="relu_0")(h)
    h = L.Reshape((7, 7, 2 * width), name="to_7x7")(h)
    h = L.UpSampling2D(2, name="up_14x14")(h)
    h = L.Conv2D(width, 3, padding="same", use_bias=False, kernel_initializer=init(),
                 name="conv_14x14")(h)
    h = L.BatchNormalization(momentum=0.9, name="bn_1")(h)
    h = L.ReLU(name="relu_1")(h)
    h = L.UpSampling2D(2, name="up_28x28")(h)
    return L.Conv2D(1, 3, padding="same", activation="tanh", kernel_initializer=init(),
                    name="conv_28x28")(h)


def _conv_features(x, width: int, init):
    import keras

    L = keras.layers
    h = L.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=init(),
                 name="down_14x14")(x)
    h = L.LeakyReLU(0.2, name="leaky_0")(h)
    h = L.Conv2D(2 * width, 4, strides=2, padding="same", kernel_initializer=init(),
                 name="down_7x7")(h)
    h = L.LeakyReLU(0.2, name="leaky_1")(h)
    return L.Flatten(name="features")(h)


def build_dcgan_generator(latent_dim: int = DCGAN_LATENT, width: int = 32, seed: int = 0):
    """DCGAN generator: noise ``(latent_dim,)`` -> image ``(28, 28, 1)`` in [-1, 1]."""
    import keras

    init = _inits(seed)
    inp = keras.Input((latent_dim,), name="noise")
    return keras.Model(inp, _dcgan_trunk(inp, width, init), name="dcgan_generator")


def build_dcgan_discriminator(width: int = 32, seed: int = 1):
    """DCGAN discriminator: image ``(28, 28, 1)`` in [-1, 1] -> one logit."""
    import keras

    init = _inits(seed)
    inp = keras.Input((28, 28, 1), name="image")
    h = _conv_features(inp, width, init)
    out = keras.layers.Dense(1, kernel_initializer=init(), name="logit")(h)
    return keras.Model(inp, out, name="dcgan_discriminator")


def build_cgan_generator(latent_dim: int = DCGAN_LATENT, n_classes: int = 10,
                         embed_dim: int = 16, width: int = 32, seed: int = 0):
    """Conditional generator: ``[noise (latent_dim,), label ()]`` -> image ``(28, 28, 1)``.

    The label is embedded and concatenated with the noise, then the DCGAN trunk follows.
    """
    import keras

    L = keras.layers
    init = _inits(seed)
    noise = keras.Input((latent_dim,), name="noise")
    label = keras.Input((), dtype="int32", name="label")
    emb = L.Embedding(n_classes, embed_dim, name="label_embedding")(label)
    h = L.Concatenate(name="noise_and_label")([noise, emb])
    return keras.Model([noise, label], _dcgan_trunk(h, width, init), name="cgan_generator")


def build_cgan_discriminator(n_classes: int = 10, width: int = 32, seed: int = 1):
    """Conditional (projection) discriminator: ``[image, label]`` -> one logit.

    ``logit = w . h(x) + e(y) . h(x)``: an unconditional score plus the inner product of the
    image features with a learned vector for the intended class (Miyato & Koyama, 2018).
    """
    import keras

    L = keras.layers
    init = _inits(seed)
    image = keras.Input((28, 28, 1), name="image")
    label = keras.Input((), dtype="int32", name="label")
    h = _conv_features(image, width, init)
    emb = L.Embedding(n_classes, 7 * 7 * 2 * width, name="class_vector")(label)
    projection = L.Dot(axes=1, name="projection")([h, emb])
    plain = L.Dense(1, kernel_initializer=init(), name="logit_plain")(h)
    out = L.Add(name="logit")([plain, projection])
    return keras.Model([image, label], out, name="cgan_discriminator")


# ---------------------------------------------------------------- Keras classes (lazy)

_CLASSES: dict[str, type] = {}
_LAZY_NAMES = ("GAN", "ConditionalGAN", "ToyGANRecorder", "ImageGANRecorder")


def __getattr__(name: str):
    if name in _LAZY_NAMES:
        if not _CLASSES:
            _CLASSES.update(_define_classes())
        return _CLASSES[name]
    raise AttributeError(f"module 'course_utils.gan' has no attribute {name!r}")


def _define_classes() -> dict[str, type]:  # noqa: C901 - one place for the Keras classes
    import keras
    import tensorflow as tf

    @keras.saving.register_keras_serializable(package="course")
    class GAN(keras.Model):
        """A generator and a discriminator playing the GAN game (``06``).

        ``compile(d_optimizer=..., g_optimizer=...)`` gives each network its own optimizer.
        Every ``train_step`` makes ``d_steps`` discriminator updates (fresh noise each, the
        same real batch) and then one generator update with ``generator_loss``
        (``"non_saturating"`` or ``"saturating"``). Noise comes from a
        ``keras.random.SeedGenerator(seed)``, so a run is reproducible.
        Two stabilisers, both off by default: ``r1_weight`` adds ``r1_weight / 2`` times the
        mean squared gradient of D's logit at real samples to D's loss (the R1 penalty of
        Mescheder et al., 2018), and ``instance_noise`` adds Gaussian noise of that standard
        deviation to everything D sees.
        Tracked: ``d_loss``, ``g_loss``, ``d_real`` (mean D(x)), ``d_fake`` (mean D(G(z))).
        """

        def __init__(self, generator, discriminator, latent_dim: int | None = None,
                     d_steps: int = 1, generator_loss: str = "non_saturating", seed: int = 0,
                     instance_noise: float = 0.0, r1_weight: float = 0.0, **kwargs):
            super().__init__(**kwargs)
            if instance_noise < 0 or r1_weight < 0:
                raise ValueError("instance_noise and r1_weight must be >= 0")
            self.instance_noise = float(instance_noise)
            self.r1_weight = float(r1_weight)
            _check_loss_kind(generator_loss)
            if not isinstance(d_steps, int | np.integer) or d_steps < 1:
                raise ValueError(f"d_steps must be an int >= 1, got {d_steps!r}")
            self.generator = generator
            self.discriminator = discriminator
            shape = generator.inputs[0].shape
            self.latent_dim = int(latent_dim or shape[-1])
            self.d_steps = int(d_steps)
            self.generator_loss = generator_loss
            self.seed = int(seed)
            self.seed_generator = keras.random.SeedGenerator(seed)
            self.trackers = {n: keras.metrics.Mean(name=n)
                             for n in ("d_loss", "g_loss", "d_real", "d_fake")}

        def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
            super().compile(**kwargs)
            self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
            self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)

        @property
        def metrics(self):
            return list(self.trackers.values())

        # hooks the conditional GAN overrides
        def split_batch(self, data):
            return (data[0] if isinstance(data, tuple | list) else data), None

        def generate(self, noise, cond=None, training=False):
            return self.generator(noise, training=training)

        def discriminate(self, x, cond=None, training=False):
            return self.discriminator(x, training=training)

        def sample_noise(self, n):
            return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

        def blur(self, x):
            """Instance noise: what D sees is the sample plus Gaussian noise (if switched on)."""
            if self.instance_noise <= 0:
                return x
            return x + self.instance_noise * keras.random.normal(tf.shape(x),
                                                                 seed=self.seed_generator)

        def call(self, noise, training=False):
            return self.generator(noise, training=training)

        def train_step(self, data):
            real, cond = self.split_batch(data)
            n = tf.shape(real)[0]
            d_weights = self.discriminator.trainable_weights
            g_weights = self.generator.trainable_weights
            for _ in range(self.d_steps):
                fake = self.generate(self.sample_noise(n), cond, training=True)
                real_in, fake_in = self.blur(real), self.blur(fake)
                with tf.GradientTape() as tape:
                    if self.r1_weight > 0:
                        with tf.GradientTape() as inner:
                            inner.watch(real_in)
                            real_logits = self.discriminate(real_in, cond, training=True)
                            total = tf.reduce_sum(real_logits)
                        slopes = inner.gradient(total, real_in)
                        r1 = tf.reduce_mean(tf.reduce_sum(
                            tf.reshape(tf.square(slopes), [n, -1]), axis=1))
                    else:
                        real_logits = self.discriminate(real_in, cond, training=True)
                        r1 = 0.0
                    fake_logits = self.discriminate(fake_in, cond, training=True)
                    d_loss = discriminator_loss(real_logits, fake_logits)
                    d_total = d_loss + 0.5 * self.r1_weight * r1
                grads = tape.gradient(d_total, d_weights)
                self.d_optimizer.apply_gradients(zip(grads, d_weights, strict=True))
            noise = self.sample_noise(n)
            with tf.GradientTape() as tape:
                fake = self.blur(self.generate(noise, cond, training=True))
                g_logits = self.discriminate(fake, cond, training=True)
                g_loss = generator_loss(g_logits, self.generator_loss)
            grads = tape.gradient(g_loss, g_weights)
            self.g_optimizer.apply_gradients(zip(grads, g_weights, strict=True))
            values = {"d_loss": d_loss, "g_loss": g_loss,
                      "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
                      "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits))}
            for name, value in values.items():
                self.trackers[name].update_state(value)
            return {name: t.result() for name, t in self.trackers.items()}

        def get_config(self):
            config = super().get_config()
            config.update({
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "latent_dim": self.latent_dim, "d_steps": self.d_steps,
                "generator_loss": self.generator_loss, "seed": self.seed,
                "instance_noise": self.instance_noise, "r1_weight": self.r1_weight})
            return config

        @classmethod
        def from_config(cls, config):
            config = dict(config)
            for key in ("generator", "discriminator"):
                config[key] = keras.saving.deserialize_keras_object(config[key])
            return cls(**config)

    @keras.saving.register_keras_serializable(package="course")
    class ConditionalGAN(GAN):
        """A GAN whose generator and discriminator both see the class label (``06``).

        Batches are ``(images, labels)``; fakes are generated for the real batch's labels.
        """

        def split_batch(self, data):
            if not isinstance(data, tuple | list) or len(data) < 2:
                raise ValueError("ConditionalGAN trains on (images, labels) batches")
            return data[0], tf.cast(tf.reshape(data[1], [-1]), "int32")

        def generate(self, noise, cond=None, training=False):
            return self.generator([noise, cond], training=training)

        def discriminate(self, x, cond=None, training=False):
            return self.discriminator([x, cond], training=training)

        def call(self, inputs, training=False):
            return self.generator(inputs, training=training)

    class _Recorder(keras.callbacks.Callback):
        """Counts generator steps across ``fit`` calls; snapshots every ``every`` steps."""

        def __init__(self, every: int):
            super().__init__()
            if not isinstance(every, int | np.integer) or every < 1:
                raise ValueError(f"every must be an int >= 1, got {every!r}")
            self.every = int(every)
            self.step = 0
            self.snapshots: list[dict] = []

        def on_train_begin(self, logs=None):
            if not self.snapshots:
                self._snap()

        def on_train_batch_end(self, batch, logs=None):
            self.step += 1
            if self.step % self.every == 0:
                self._snap()

        def _snap(self):
            snap = {"step": self.step}
            snap.update(self.measure())
            self.snapshots.append(snap)

        def measure(self) -> dict:
            raise NotImplementedError

        @property
        def record(self) -> dict:
            """Every snapshot stacked: a dict of arrays whose first axis is the snapshot."""
            if not self.snapshots:
                return {}
            return {k: np.stack([np.asarray(s[k]) for s in self.snapshots])
                    for k in self.snapshots[0]}

        def _game_numbers(self, real_logits, fake_logits) -> dict:
            real_logits = np.asarray(real_logits, dtype="float64")
            fake_logits = np.asarray(fake_logits, dtype="float64")
            return {
                "d_loss": float(discriminator_loss(real_logits, fake_logits)),
                "g_loss": float(generator_loss(fake_logits, self.model.generator_loss)),
                "d_real": float(np.mean(_sigmoid(real_logits))),
                "d_fake": float(np.mean(_sigmoid(fake_logits))),
                "d_acc": float(0.5 * np.mean(real_logits > 0) + 0.5 * np.mean(fake_logits < 0)),
            }

    class ToyGANRecorder(_Recorder):
        """Snapshots of a toy 2-D GAN every ``every`` generator steps (``06``).

        Each snapshot holds ``step``; ``fake`` (generated points for a fixed noise batch,
        ``(n_show, 2)``); ``d_grid`` (D's probability on a ``grid_n`` x ``grid_n`` grid over
        the plane); ``d_loss``, ``g_loss``, ``d_real``, ``d_fake`` measured on a fixed real
        batch and fixed noise, with ``d_acc`` (D's accuracy on them, 1/2 = it cannot tell);
        and ``js`` (histogram Jensen-Shannon divergence, nats, between
        ``n_eval`` generated points and the fixed real points). ``record`` stacks them.
        """

        def __init__(self, real, every: int = 20, n_show: int = 512, n_eval: int = 2000,
                     grid_n: int = 60, extent: float = TOY_EXTENT, seed: int = 0):
            super().__init__(every)
            self.real = np.asarray(real, dtype="float32")
            rng = np.random.default_rng(seed)
            self.n_show = int(n_show)
            self.n_eval = int(n_eval)
            self.extent = float(extent)
            self.grid_n = int(grid_n)
            self.grid = toy_grid(extent, grid_n)
            self._rng_seed = seed
            self._noise = None
            self._rng = rng

        def measure(self) -> dict:
            gan = self.model
            if self._noise is None:
                self._noise = self._rng.standard_normal(
                    (self.n_eval, gan.latent_dim)).astype("float32")
            fake = gan.generator(self._noise, training=False).numpy()
            real_logits = gan.discriminator(self.real, training=False).numpy()[:, 0]
            fake_logits = gan.discriminator(fake, training=False).numpy()[:, 0]
            grid = _sigmoid(gan.discriminator(self.grid, training=False).numpy()[:, 0])
            out = {"fake": fake[: self.n_show],
                   "d_grid": grid.reshape(self.grid_n, self.grid_n).astype("float32"),
                   "js": histogram_js_divergence(self.real, fake, self.extent)}
            out.update(self._game_numbers(real_logits, fake_logits))
            return out

    class ImageGANRecorder(_Recorder):
        """Snapshots of an image GAN every ``every`` generator steps (``06``).

        Each snapshot holds ``step``; ``images`` (the generator's output for a fixed noise set,
        mapped to [0, 1]); the game numbers on a fixed real batch (``d_loss``, ``g_loss``,
        ``d_real``, ``d_fake``, ``d_acc``); ``fd`` (the judge's Frechet distance between ``n_eval``
        generated images and the real reference ``x_ref_unit``) and, for a conditional GAN,
        ``judge_acc`` (the judge's accuracy on generated images given their intended class).
        """

        def __init__(self, x_ref_unit, every: int = 100, n_show: int = 36, n_eval: int = 500,
                     labels_ref=None, conditional: bool = False, seed: int = 0):
            super().__init__(every)
            x_ref_unit = np.asarray(x_ref_unit, dtype="float32")
            if x_ref_unit.min() < -1e-6 or x_ref_unit.max() > 1 + 1e-6:
                raise ValueError("x_ref_unit must hold images in [0, 1]")
            self.x_ref = x_ref_unit.reshape(-1, 28, 28, 1)
            self.conditional = bool(conditional)
            if self.conditional and labels_ref is None:
                raise ValueError("a conditional recorder needs labels_ref")
            self.labels_ref = None if labels_ref is None else np.asarray(labels_ref, "int32")
            rng = np.random.default_rng(seed)
            self.n_show = int(n_show)
            self.n_eval = int(n_eval)
            self.show_labels = (np.arange(self.n_show) % 10).astype("int32")
            self.eval_labels = (np.arange(self.n_eval) % 10).astype("int32")
            self._rng = rng
            self._noise = None
            self._ref_features = None

        def _gen(self, noise, labels):
            gan = self.model
            inputs = [noise, labels] if self.conditional else noise
            return gan.generator(inputs, training=False).numpy()

        def _disc(self, x, labels):
            gan = self.model
            inputs = [x, labels] if self.conditional else x
            return gan.discriminator(inputs, training=False).numpy()[:, 0]

        def measure(self) -> dict:
            from course_utils import judge, metrics

            gan = self.model
            if self._noise is None:
                self._noise = self._rng.standard_normal(
                    (self.n_show + self.n_eval, gan.latent_dim)).astype("float32")
            show = self._gen(self._noise[: self.n_show], self.show_labels)
            fake = self._gen(self._noise[self.n_show:], self.eval_labels)
            n = min(len(self.x_ref), 256)
            real_sym = self.x_ref[:n] * 2 - 1
            real_labels = None if self.labels_ref is None else self.labels_ref[:n]
            real_logits = self._disc(real_sym, real_labels)
            fake_logits = self._disc(fake[:n], self.eval_labels[:n])
            fake_unit = _from_symmetric(fake)
            if self._ref_features is None:  # the judge's features of the fixed real images
                self._ref_features = judge.judge_features(self.x_ref)
            # = metrics.judge_frechet_distance(fake_unit, x_ref), without re-featurising x_ref
            fd = metrics.frechet_distance(judge.judge_features(fake_unit), self._ref_features)
            out = {"images": _from_symmetric(show)[..., 0], "fd": float(fd)}
            if self.conditional:
                out["judge_acc"] = float(metrics.judge_accuracy(fake_unit, self.eval_labels))
            out.update(self._game_numbers(real_logits, fake_logits))
            return out

    return {"GAN": GAN, "ConditionalGAN": ConditionalGAN, "ToyGANRecorder": ToyGANRecorder,
            "ImageGANRecorder": ImageGANRecorder}


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-np.asarray(a, dtype="float64")))


def _from_symmetric(x):
    return np.clip((np.asarray(x, dtype="float32") + 1.0) / 2.0, 0.0, 1.0)


# ---------------------------------------------------------------- training runs


@dataclass
class GANRun:
    """One recorded training run: the trained ``model`` (a ``GAN``), the ``record`` (stacked
    snapshots), the ``settings`` it ran with and the wall-clock ``seconds`` it took."""

    model: object
    record: dict
    settings: dict
    seconds: float
    extras: dict = field(default_factory=dict)

    @property
    def generator(self):
        return self.model.generator


def _adam(lr: float):
    import keras

    if not lr > 0:
        raise ValueError(f"learning rates must be positive, got {lr!r}")
    return keras.optimizers.Adam(float(lr), beta_1=0.5)


def train_toy_gan(steps: int = 2000, lr_d: float = 1e-3, lr_g: float = 1e-3, d_steps: int = 1,
                  generator_loss: str = "non_saturating", batch_size: int = 256,
                  latent_dim: int = 8, hidden: int = 128, n_modes: int = 8,
                  std: float = 0.05, instance_noise: float = 0.0, r1_weight: float = 0.0,
                  record_every: int = 20, seed: int = 0) -> GANRun:
    """Train a small MLP GAN on a ring of ``n_modes`` Gaussians and record it (``06``).

    ``r1_weight`` > 0 adds the R1 penalty on D, ``instance_noise`` > 0 blurs what D sees (see
    ``GAN``). Returns a :class:`GANRun` whose ``record`` comes from :class:`ToyGANRecorder`;
    its ``extras`` hold ``real`` (5,000 fixed real points), ``centres``, ``radius`` (3 std,
    the coverage radius), ``extent`` (of the plane), ``final`` (the final generator's points
    for 2,000 fixed noise vectors) and their ``coverage`` (:func:`mode_coverage`).
    """
    import keras
    import tensorflow as tf

    from course_utils import data

    if not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    settings = {"steps": int(steps), "lr_d": lr_d, "lr_g": lr_g, "d_steps": d_steps,
                "generator_loss": generator_loss, "batch_size": batch_size,
                "latent_dim": latent_dim, "hidden": hidden, "n_modes": n_modes, "std": std,
                "instance_noise": instance_noise, "r1_weight": r1_weight,
                "record_every": record_every, "seed": seed}
    keras.utils.set_random_seed(seed)
    gan = _define_and_get("GAN")(
        build_toy_generator(latent_dim, hidden, seed=seed),
        build_toy_discriminator(hidden, seed=seed + 1),
        d_steps=d_steps, generator_loss=generator_loss, seed=seed,
        instance_noise=instance_noise, r1_weight=r1_weight)
    gan.compile(d_optimizer=_adam(lr_d), g_optimizer=_adam(lr_g))
    train_pts, _ = data.ring_of_gaussians(50_000, n_modes=n_modes, std=std, seed=seed)
    real_eval, _ = data.ring_of_gaussians(5_000, n_modes=n_modes, std=std, seed=seed + 10_000)
    ds = (tf.data.Dataset.from_tensor_slices(train_pts).shuffle(50_000, seed=seed)
          .repeat().batch(batch_size, drop_remainder=True))
    recorder = _define_and_get("ToyGANRecorder")(real_eval, every=record_every, seed=seed)
    t0 = time.perf_counter()
    gan.fit(ds, epochs=1, steps_per_epoch=int(steps), callbacks=[recorder], verbose=0,
            shuffle=False)
    seconds = time.perf_counter() - t0
    centres = data.ring_centres(n_modes)
    final_noise = np.random.default_rng(seed + 1).standard_normal((2000, latent_dim))
    final = gan.generator(final_noise.astype("float32"), training=False).numpy()
    coverage = mode_coverage(final, centres, radius=3 * std)
    return GANRun(gan, recorder.record, settings, seconds,
                  {"real": real_eval, "centres": centres, "final": final, "extent": TOY_EXTENT,
                   "coverage": coverage, "radius": 3 * std})


def _define_and_get(name: str):
    if not _CLASSES:
        _CLASSES.update(_define_classes())
    return _CLASSES[name]


def _image_dataset(x, y, batch_size: int, seed: int):
    import tensorflow as tf

    x = np.asarray(x, dtype="float32").reshape(-1, 28, 28, 1)
    if x.min() < -1 - 1e-6 or x.max() > 1 + 1e-6 or x.min() >= 0:
        raise ValueError("GAN images must be scaled to [-1, 1] (use data.to_symmetric)")
    items = x if y is None else (x, np.asarray(y, dtype="int32"))
    return (tf.data.Dataset.from_tensor_slices(items).shuffle(len(x), seed=seed).repeat()
            .batch(batch_size, drop_remainder=True).prefetch(2))


def train_dcgan(x_train_sym, steps: int, x_ref_unit, batch_size: int = 128,
                latent_dim: int = DCGAN_LATENT, width: int = 32, lr_d: float = 1e-3,
                lr_g: float = 1e-3, record_every: int | None = None, n_snapshots: int = 8,
                n_eval: int = 500, seed: int = 0) -> GANRun:
    """Train the DCGAN on images in [-1, 1] for ``steps`` generator steps, recording sample
    grids for a fixed noise set, the game numbers and the judge's Frechet distance to
    ``x_ref_unit`` (test images in [0, 1]) about ``n_snapshots`` times (``06``)."""
    return _train_image_gan(False, x_train_sym, None, steps, x_ref_unit, None, batch_size,
                            latent_dim, width, lr_d, lr_g, record_every, n_snapshots, n_eval,
                            seed)


def train_cgan(x_train_sym, y_train, steps: int, x_ref_unit, y_ref, batch_size: int = 128,
               latent_dim: int = DCGAN_LATENT, width: int = 32, lr_d: float = 1e-3,
               lr_g: float = 1e-3, record_every: int | None = None, n_snapshots: int = 8,
               n_eval: int = 500, seed: int = 0) -> GANRun:
    """Train the conditional GAN on ``(images in [-1, 1], labels)``; like :func:`train_dcgan`,
    and the recorder also measures the judge's accuracy on generated images given their
    intended class (``06``)."""
    return _train_image_gan(True, x_train_sym, y_train, steps, x_ref_unit, y_ref, batch_size,
                            latent_dim, width, lr_d, lr_g, record_every, n_snapshots, n_eval,
                            seed)


def _train_image_gan(conditional, x, y, steps, x_ref_unit, y_ref, batch_size, latent_dim, width,
                     lr_d, lr_g, record_every, n_snapshots, n_eval, seed) -> GANRun:
    import keras

    if not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    every = int(record_every or max(1, steps // max(1, n_snapshots)))
    settings = {"steps": int(steps), "batch_size": batch_size, "latent_dim": latent_dim,
                "width": width, "lr_d": lr_d, "lr_g": lr_g, "record_every": every,
                "seed": seed, "conditional": conditional}
    keras.utils.set_random_seed(seed)
    if conditional:
        gen = build_cgan_generator(latent_dim, width=width, seed=seed)
        disc = build_cgan_discriminator(width=width, seed=seed + 1)
        gan = _define_and_get("ConditionalGAN")(gen, disc, seed=seed)
    else:
        gen = build_dcgan_generator(latent_dim, width, seed=seed)
        disc = build_dcgan_discriminator(width, seed=seed + 1)
        gan = _define_and_get("GAN")(gen, disc, seed=seed)
    gan.compile(d_optimizer=_adam(lr_d), g_optimizer=_adam(lr_g))
    recorder = _define_and_get("ImageGANRecorder")(
        x_ref_unit, every=every, n_show=40 if conditional else 36, n_eval=n_eval,
        labels_ref=y_ref, conditional=conditional, seed=seed)
    t0 = time.perf_counter()
    gan.fit(_image_dataset(x, y, batch_size, seed), epochs=1, steps_per_epoch=int(steps),
            callbacks=[recorder], verbose=0, shuffle=False)
    return GANRun(gan, recorder.record, settings, time.perf_counter() - t0)


# ---------------------------------------------------------------- sampling and completion


def sample_images(generator, n: int, seed: int = 0, labels=None) -> np.ndarray:
    """``n`` generated images in [0, 1], shape ``(n, 28, 28)``, from seeded noise.

    For a conditional generator pass ``labels`` (``n`` class indices)."""
    latent_dim = int(generator.inputs[0].shape[-1])
    z = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype("float32")
    return generate_from(generator, z, labels)


def generate_from(generator, z, labels=None) -> np.ndarray:
    """Images in [0, 1], shape ``(n, 28, 28)``, for noise ``z`` (and ``labels``)."""
    z = np.asarray(z, dtype="float32")
    conditional = len(generator.inputs) == 2
    if conditional and labels is None:
        raise ValueError("this generator is conditional: pass one class label per noise vector")
    if not conditional and labels is not None:
        raise ValueError("this generator is unconditional: it takes no labels")
    if conditional:
        labels = np.broadcast_to(np.asarray(labels, dtype="int32"), (len(z),)).copy()
        out = generator([z, labels], training=False)
    else:
        out = generator(z, training=False)
    return _from_symmetric(np.asarray(out))[..., 0]


def box_mask(kind: str = "bottom", size: int = 28) -> np.ndarray:
    """A ``size`` x ``size`` mask of visible pixels (1 = seen, 0 = to fill in).

    ``kind``: ``"bottom"``, ``"top"``, ``"left"``, ``"right"`` (that half hidden) or
    ``"centre"`` (a central square of half the side hidden)."""
    m = np.ones((size, size), dtype="float32")
    h = size // 2
    q = size // 4
    regions = {"bottom": (slice(h, None), slice(None)), "top": (slice(None, h), slice(None)),
               "left": (slice(None), slice(None, h)), "right": (slice(None), slice(h, None)),
               "centre": (slice(q, q + h), slice(q, q + h))}
    if kind not in regions:
        raise ValueError(f"kind must be one of {sorted(regions)}, got {kind!r}")
    m[regions[kind]] = 0.0
    return m


def complete_by_latent_search(generator, images_unit, mask, restarts: int = 4,
                              steps: int = 200, lr: float = 0.05, prior_weight: float = 1e-3,
                              labels=None, seed: int = 0) -> dict:
    """Fill the hidden pixels of ``images_unit`` by searching the generator's latent space.

    For every image and each of ``restarts`` random starting codes, Adam minimises
    ``mean over visible pixels (G(z) - x)^2 + prior_weight * mean(z^2)`` over ``z``; the
    prior term keeps ``z`` where the generator was trained. Returns a dict with
    ``generated`` (G(z), ``(n, restarts, 28, 28)`` in [0, 1]), ``completed`` (visible pixels
    kept, hidden ones from G(z)), ``visible_error`` (the masked MSE, ``(n, restarts)``) and
    ``z``; restarts are sorted from best to worst match.
    """
    import keras
    import tensorflow as tf

    x = np.asarray(images_unit, dtype="float32").reshape(-1, 28, 28)
    mask = np.asarray(mask, dtype="float32")
    if mask.shape != (28, 28):
        raise ValueError(f"mask must be shaped (28, 28), got {mask.shape}")
    if not 0 < mask.sum() < mask.size:
        raise ValueError("mask must show some pixels and hide some (1 = visible, 0 = hidden)")
    if not isinstance(restarts, int | np.integer) or restarts < 1:
        raise ValueError(f"restarts must be an int >= 1, got {restarts!r}")
    n = len(x)
    latent_dim = int(generator.inputs[0].shape[-1])
    conditional = len(generator.inputs) == 2
    if conditional and labels is None:
        raise ValueError("this generator is conditional: pass the class of every image")
    target = tf.constant(np.repeat(x * 2 - 1, restarts, axis=0)[..., None])
    m = tf.constant(np.broadcast_to(mask, (n * restarts, 28, 28))[..., None])
    z0 = np.random.default_rng(seed).standard_normal((n * restarts, latent_dim))
    z = tf.Variable(z0.astype("float32"))
    lab = None
    if conditional:
        lab = tf.constant(np.repeat(np.asarray(labels, "int32"), restarts))
    opt = keras.optimizers.Adam(lr)
    visible = float(mask.sum())

    def run_g(code):
        return generator([code, lab] if conditional else code, training=False)

    @tf.function(autograph=False)  # no Python control flow inside: nothing to convert
    def step():
        with tf.GradientTape() as tape:
            err = tf.reduce_sum(tf.square(run_g(z) - target) * m, axis=[1, 2, 3]) / visible
            loss = tf.reduce_sum(err + prior_weight * tf.reduce_mean(tf.square(z), axis=1))
        opt.apply_gradients([(tape.gradient(loss, z), z)])
        return err

    for _ in range(int(steps)):
        step()
    gen_sym = run_g(z).numpy()[..., 0]
    err = (((gen_sym - target.numpy()[..., 0]) ** 2 * mask).sum(axis=(1, 2)) / visible)
    gen = _from_symmetric(gen_sym).reshape(n, restarts, 28, 28)
    err = (err / 4.0).reshape(n, restarts)  # in [0, 1] units, like metrics.mse
    order = np.argsort(err, axis=1)
    take = np.arange(n)[:, None]
    gen = gen[take, order]
    err = err[take, order]
    completed = mask * x[:, None] + (1 - mask) * gen
    return {"generated": gen, "completed": completed, "visible_error": err,
            "z": z.numpy().reshape(n, restarts, latent_dim)[take, order]}


# ---------------------------------------------------------------- pretrained registry

EVAL_SEED = 1234
EVAL_N = 1000


def _eval_reference():
    from course_utils import data

    ds = data.load_fashion_mnist()
    x, y = data.stratified_subset(ds.x_test, ds.y_test, EVAL_N, seed=EVAL_SEED)
    return data.to_unit(x), y


def evaluate_dcgan(generator) -> dict:
    """The judge's Frechet distance of 1,000 seeded samples to 1,000 fixed test images."""
    from course_utils import metrics

    x_ref, _ = _eval_reference()
    fake = sample_images(generator, EVAL_N, seed=EVAL_SEED)
    return {"judge_fd": float(metrics.judge_frechet_distance(fake, x_ref))}


def evaluate_cgan(generator) -> dict:
    """The judge's accuracy and Frechet distance on 1,000 seeded samples, 100 per class."""
    from course_utils import metrics

    x_ref, _ = _eval_reference()
    labels = np.arange(EVAL_N) % 10
    fake = sample_images(generator, EVAL_N, seed=EVAL_SEED, labels=labels)
    return {"judge_accuracy": float(metrics.judge_accuracy(fake, labels)),
            "judge_fd": float(metrics.judge_frechet_distance(fake, x_ref))}


def _pretrain_image_gan(conditional: bool, profile, seed: int = 0):
    from course_utils import data

    x, y, x_te, y_te = data.course_data(scale="symmetric", profile=profile)
    n_ref = min(len(x_te), 1000)
    base = CGAN_CLASS_STEPS if conditional else DCGAN_CLASS_STEPS
    steps = profile.steps(PRETRAIN_STEP_FACTOR * base)
    ref = data.from_symmetric(x_te[:n_ref])
    if conditional:
        run = train_cgan(x, y, steps, ref, y_te[:n_ref], n_snapshots=4, seed=seed)
        return run.generator, evaluate_cgan(run.generator)
    run = train_dcgan(x, steps, ref, n_snapshots=4, seed=seed)
    return run.generator, evaluate_dcgan(run.generator)


def _pretrain_dcgan(profile):
    return _pretrain_image_gan(False, profile)


def _pretrain_cgan(profile):
    return _pretrain_image_gan(True, profile)


PRETRAINED: dict[str, Callable] = {"dcgan": _pretrain_dcgan, "cgan": _pretrain_cgan}
EVALUATE: dict[str, Callable] = {"dcgan": evaluate_dcgan, "cgan": evaluate_cgan}


def pretrained_generator(name: str, profile=None):
    """The pretrained generator ``name`` when its checkpoint exists, else ``None``.

    In the ``live`` profile a missing checkpoint is an error (``CheckpointError``), because
    that profile promises to show pretrained results."""
    from course_utils import checkpoints
    from course_utils.config import get_profile

    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained GAN {name!r}; known: {sorted(PRETRAINED)}")
    profile = profile or get_profile()
    if checkpoints.checkpoint_path(name).is_file() or profile.use_pretrained:
        return checkpoints.load_pretrained(name)
    return None
