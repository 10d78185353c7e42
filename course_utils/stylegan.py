"""StyleGAN in miniature on Fashion-MNIST (``07_gan_variants``).

The defining parts of Karras et al. (2019), built at 28x28:

- a **mapping network** (a small MLP) turns the noise ``z`` into an intermediate latent ``w``;
- the **synthesis network** starts from a *learned constant* 7x7 input, not from ``z``; at each
  resolution (7x7, 14x14, 28x28) it convolves, adds **per-pixel noise** with a learned
  per-channel scale, and applies **AdaIN**: the features are normalised per image and channel,
  then scaled and shifted by an affine map of that layer's ``w`` (the layer's *style*);
- the discriminator has a **minibatch standard deviation** feature (without it this small GAN
  collapses to one image), and the game uses the non-saturating loss of ``06``;
- **style mixing regularisation**: in training, most samples take ``w`` from one ``z`` for the
  first layers and from another ``z`` for the rest.

Pure functions for the notebook: :func:`mapping`, :func:`synthesize`, :func:`mix_styles`,
:func:`truncate`, :func:`w_mean`, :func:`adain`, :func:`minibatch_std`. Measures:
:func:`evaluate_stylegan` (judge Frechet distance, diversity), :func:`truncation_curve`,
:func:`mixing_table`. Training: :func:`train_stylegan`.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from course_utils import data, helpers, judge, metrics, progress

RESOLUTIONS = (7, 14, 28)  # one style layer per resolution
N_LAYERS = len(RESOLUTIONS)
CHANNELS = (64, 32, 16)  # feature maps at 7x7, 14x14, 28x28
CLASS_STEPS = 120  # generator updates in ``class`` (keeps 07 near 2 minutes)
FULL_STEPS = 3000  # generator updates of the pretrained checkpoint
BATCH_SIZE = 64
LEARNING_RATE = 1e-3
MIXING_PROB = 0.9  # share of training samples with mixed styles (the paper's 90 %)
R1_WEIGHT = 0.0  # weight of the R1 penalty on D (0: off)
STYLE_INIT_STD = 0.125  # initial std of the style (affine) kernels
EVAL_N = 1000
EVAL_SEED = 2024  # seeds of the samples measured
REFERENCE_SEED = 1234  # the same 1,000 test images as gan.evaluate_dcgan measures against
PSIS = (0.0, 0.25, 0.5, 0.75, 1.0)
N_SHOW = 16


# ---------------------------------------------------------------- the two defining operations


def adain(x, scale, bias, epsilon: float = 1e-5):
    """Adaptive instance normalisation (``07_gan_variants``).

    ``x``: features ``(n, h, w, c)``; ``scale``, ``bias``: ``(n, c)``. Every channel of every
    image is normalised to mean 0 and standard deviation 1 over its ``h x w`` positions, then
    multiplied by ``scale`` and shifted by ``bias``: afterwards channel ``c`` of image ``i``
    has mean ``bias[i, c]`` and standard deviation ``|scale[i, c]|``, whatever it had before.
    The style decides these statistics; the convolution decides where things are.
    """
    mean, var = ops.moments(x, axes=[1, 2], keepdims=True)
    normed = (x - mean) * ops.rsqrt(var + epsilon)
    return normed * scale[:, None, None, :] + bias[:, None, None, :]


def minibatch_std(x):
    """The minibatch standard deviation feature (``07_gan_variants``): the standard deviation
    of every feature across the batch, averaged into one number, appended to ``x`` (``(n, h,
    w, c)``) as one extra constant channel -> ``(n, h, w, c + 1)``.

    A batch of near-identical fakes has a small value here, real batches a larger one, so the
    discriminator can see a lack of variety and the generator is pushed away from collapse.
    """
    mean = ops.mean(x, axis=0, keepdims=True)
    std = ops.sqrt(ops.mean(ops.square(x - mean), axis=0) + 1e-8)  # (h, w, c)
    value = ops.mean(std)
    shape = ops.shape(x)
    return ops.concatenate([x, ops.ones((shape[0], shape[1], shape[2], 1), x.dtype) * value],
                           axis=-1)


# ---------------------------------------------------------------- layers


@keras.saving.register_keras_serializable(package="course")
class AdaIN(layers.Layer):
    """``[features, scale, bias] -> adain(features, scale, bias)`` (see :func:`adain`)."""

    def call(self, inputs):
        x, scale, bias = inputs
        return adain(x, scale, bias)


@keras.saving.register_keras_serializable(package="course")
class MinibatchStd(layers.Layer):
    """Appends the minibatch standard deviation channel (see :func:`minibatch_std`)."""

    def call(self, x):
        return minibatch_std(x)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)


@keras.saving.register_keras_serializable(package="course")
class ConstantInput(layers.Layer):
    """A learned constant ``(size, size, channels)``, repeated for every sample of the batch
    (the batch size is read from the layer's input, the styles)."""

    def __init__(self, size: int, channels: int, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.size, self.channels, self.seed = int(size), int(channels), int(seed)
        self.constant = self.add_weight(
            shape=(1, self.size, self.size, self.channels), name="constant",
            initializer=keras.initializers.RandomNormal(stddev=1.0, seed=self.seed))

    def call(self, reference):
        return ops.repeat(self.constant, ops.shape(reference)[0], axis=0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "channels": self.channels,
                "seed": self.seed}


@keras.saving.register_keras_serializable(package="course")
class NoiseInjection(layers.Layer):
    """``[features (n, h, w, c), noise (n, h, w, 1)] -> features + noise * strength`` with a
    learned per-channel ``strength`` that starts at 0."""

    def build(self, input_shape):
        self.strength = self.add_weight(shape=(input_shape[0][-1],), initializer="zeros",
                                        name="strength")

    def call(self, inputs):
        x, noise = inputs
        return x + noise * self.strength


# ---------------------------------------------------------------- networks


def build_mapping(z_dim: int = 32, w_dim: int = 64, n_layers: int = 3, init=None,
                  seed: int = 0) -> keras.Model:
    """The mapping network ``z (z_dim,) -> w (w_dim,)``: ``z`` scaled to unit length, then
    ``n_layers`` Dense layers with leaky ReLU (``07_gan_variants``)."""
    for name, value in (("z_dim", z_dim), ("w_dim", w_dim), ("n_layers", n_layers)):
        helpers.check_int(value, name, minimum=1)
    init = init or helpers.glorot(seed)
    z = keras.Input((z_dim,), name="z")
    h = layers.UnitNormalization(name="normalise_z")(z)
    for i in range(n_layers):
        h = layers.Dense(w_dim, kernel_initializer=init(), name=f"dense_{i}")(h)
        h = layers.LeakyReLU(0.2, name=f"leaky_{i}")(h)
    return keras.Model(z, h, name="mapping")


def build_synthesis(w_dim: int = 64, channels=CHANNELS, init=None,
                    seed: int = 0) -> keras.Model:
    """The synthesis network ``[ws (n_layers, w_dim), noise_7, noise_14, noise_28] -> image
    (28, 28, 1)`` in [-1, 1] (``07_gan_variants``).

    A learned constant 7x7 input; at 7x7, 14x14 and 28x28 (upsampling between): a 3x3
    convolution, per-pixel noise with a learned per-channel strength, leaky ReLU, and AdaIN
    with the style of that layer's ``w`` (two Dense maps of ``w``: a per-channel scale,
    starting near 1, and a bias, near 0). A 1x1 convolution and tanh make the image.
    """
    channels = tuple(channels)
    if len(channels) != N_LAYERS:
        raise ValueError(f"channels needs one width per resolution {RESOLUTIONS}, got {channels}")
    for c in channels:
        helpers.check_int(c, "channels", minimum=1)
    init = init or helpers.glorot(seed)
    style_init = keras.initializers.RandomNormal(stddev=STYLE_INIT_STD, seed=seed + 77)
    ws = keras.Input((N_LAYERS, w_dim), name="ws")
    noises = [keras.Input((r, r, 1), name=f"noise_{r}") for r in RESOLUTIONS]
    h = ConstantInput(RESOLUTIONS[0], channels[0], seed=seed, name="constant")(ws)
    for i, (res, ch) in enumerate(zip(RESOLUTIONS, channels, strict=True)):
        if i:
            h = layers.UpSampling2D(2, name=f"up_{res}")(h)
        h = layers.Conv2D(ch, 3, padding="same", kernel_initializer=init(), name=f"conv_{res}")(h)
        h = NoiseInjection(name=f"noise_{res}_strength")([h, noises[i]])
        h = layers.LeakyReLU(0.2, name=f"leaky_{res}")(h)
        w = ops.take(ws, i, axis=1)
        scale = layers.Dense(ch, kernel_initializer=style_init, bias_initializer="ones",
                             name=f"style_scale_{res}")(w)
        bias = layers.Dense(ch, kernel_initializer=style_init, name=f"style_bias_{res}")(w)
        h = AdaIN(name=f"adain_{res}")([h, scale, bias])
    out = layers.Conv2D(1, 1, activation="tanh", kernel_initializer=init(), name="to_image")(h)
    return keras.Model([ws, *noises], out, name="synthesis")


def build_discriminator(width: int = 32, init=None, seed: int = 0) -> keras.Model:
    """Discriminator ``image (28, 28, 1) -> logit`` (``07_gan_variants``): two strided
    convolutions (28 -> 14 -> 7), the minibatch-std channel, a 3x3 convolution, a Dense
    logit."""
    helpers.check_int(width, "width", minimum=1)
    init = init or helpers.glorot(seed)
    inp = keras.Input((28, 28, 1), name="image")
    h = layers.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=init(),
                      name="down_14")(inp)
    h = layers.LeakyReLU(0.2, name="leaky_14")(h)
    h = layers.Conv2D(2 * width, 4, strides=2, padding="same", kernel_initializer=init(),
                      name="down_7")(h)
    h = layers.LeakyReLU(0.2, name="leaky_7")(h)
    h = MinibatchStd(name="minibatch_std")(h)
    h = layers.Conv2D(2 * width, 3, padding="same", kernel_initializer=init(), name="conv_7")(h)
    h = layers.LeakyReLU(0.2, name="leaky_conv_7")(h)
    out = layers.Dense(1, kernel_initializer=init(), name="logit")(layers.Flatten()(h))
    return keras.Model(inp, out, name="discriminator")


# ---------------------------------------------------------------- the model


@keras.saving.register_keras_serializable(package="course")
class StyleGAN(keras.Model):
    """Mapping network, synthesis network and discriminator (``07_gan_variants``).

    ``compile(g_optimizer=..., d_optimizer=...)``; the generator optimizer trains mapping and
    synthesis together. Each ``train_step`` updates D once and then G once with the
    non-saturating loss (the same lines as ``gan.GAN.train_step`` of ``06``). With probability
    ``mixing_prob`` a sample is drawn with mixed styles: ``w`` of one ``z`` for the layers
    before a random crossover layer and ``w`` of a second ``z`` from it on. ``r1_weight > 0``
    adds ``r1_weight / 2`` times the R1 penalty (mean squared gradient of D at real images, as
    StyleGAN trains D) to D's loss. ``call(z)``
    generates images in [-1, 1] with fresh noise. Tracked: ``d_loss``, ``g_loss``,
    ``d_real``, ``d_fake``.
    """

    def __init__(self, z_dim: int = 32, w_dim: int = 64, mapping_layers: int = 3,
                 channels=CHANNELS, disc_width: int = 32, mixing_prob: float = MIXING_PROB,
                 r1_weight: float = 0.0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(mixing_prob) <= 1.0:
            raise ValueError(f"mixing_prob must be in [0, 1], got {mixing_prob}")
        if not 0.0 <= float(r1_weight) < float("inf"):
            raise ValueError(f"r1_weight must be a finite number >= 0, got {r1_weight}")
        self.r1_weight = float(r1_weight)
        self.seed = helpers.check_seed(seed)
        self.z_dim, self.w_dim, self.mapping_layers = z_dim, w_dim, mapping_layers
        self.channels, self.disc_width = tuple(int(c) for c in channels), disc_width
        self.mixing_prob = float(mixing_prob)
        init = helpers.glorot(self.seed)
        self.mapping = build_mapping(z_dim, w_dim, mapping_layers, init=init)
        self.synthesis = build_synthesis(w_dim, self.channels, init=init, seed=self.seed)
        self.discriminator = build_discriminator(disc_width, init=init)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.trackers = {n: keras.metrics.Mean(name=n)
                         for n in ("d_loss", "g_loss", "d_real", "d_fake")}

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(LEARNING_RATE, beta_1=0.5)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(LEARNING_RATE, beta_1=0.5)
        # the optimizers' slots now, not inside the first traced step (which then traces twice)
        self.g_optimizer.build(self.mapping.trainable_weights + self.synthesis.trainable_weights)
        self.d_optimizer.build(self.discriminator.trainable_weights)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def random_noise(self, n):
        return [keras.random.normal((n, r, r, 1), seed=self.seed_generator) for r in RESOLUTIONS]

    def random_styles(self, n, training: bool = False):
        """Per-layer ``w`` ``(n, N_LAYERS, w_dim)`` for fresh ``z``, mixed as in training."""
        w1 = self.mapping(keras.random.normal((n, self.z_dim), seed=self.seed_generator),
                          training=training)
        w2 = self.mapping(keras.random.normal((n, self.z_dim), seed=self.seed_generator),
                          training=training)
        crossover = keras.random.randint((n, 1), 1, N_LAYERS, seed=self.seed_generator)
        mixed = keras.random.uniform((n, 1), seed=self.seed_generator) < self.mixing_prob
        crossover = ops.where(mixed, crossover, N_LAYERS)
        first = ops.arange(N_LAYERS)[None, :] < crossover  # (n, N_LAYERS)
        return ops.where(first[..., None], w1[:, None, :], w2[:, None, :])

    def generate(self, n, training: bool = False):
        ws = self.random_styles(n, training)
        return self.synthesis([ws, *self.random_noise(n)], training=training)

    def call(self, z, training=False):
        ws = ops.repeat(self.mapping(z, training=training)[:, None, :], N_LAYERS, axis=1)
        return self.synthesis([ws, *self.random_noise(ops.shape(z)[0])], training=training)

    def real_logits_and_r1(self, real):
        """D's logits for the real batch and, when ``r1_weight > 0``, the R1 penalty: the mean
        squared gradient of D's logit with respect to the real images."""
        if self.r1_weight <= 0:
            return self.discriminator(real, training=True), 0.0
        with tf.GradientTape() as inner:
            inner.watch(real)
            logits = self.discriminator(real, training=True)
            total = ops.sum(logits)
        slopes = inner.gradient(total, real)
        return logits, ops.mean(ops.sum(ops.square(slopes), axis=[1, 2, 3]))

    def train_step(self, real):
        if isinstance(real, tuple | list):
            real = real[0]
        n = ops.shape(real)[0]
        d_weights = self.discriminator.trainable_weights
        fake = self.generate(n, training=True)
        with tf.GradientTape() as tape:
            real_logits, r1 = self.real_logits_and_r1(real)
            fake_logits = self.discriminator(fake, training=True)
            # D: real images are labelled 1, fakes 0 (binary cross-entropy on logits)
            d_loss = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
            d_total = d_loss + 0.5 * self.r1_weight * r1
        grads = tape.gradient(d_total, d_weights)
        self.d_optimizer.apply_gradients(zip(grads, d_weights, strict=True))
        g_weights = self.mapping.trainable_weights + self.synthesis.trainable_weights
        with tf.GradientTape() as tape:
            g_logits = self.discriminator(self.generate(n, training=True), training=True)
            g_loss = ops.mean(ops.softplus(-g_logits))  # non-saturating
        grads = tape.gradient(g_loss, g_weights)
        self.g_optimizer.apply_gradients(zip(grads, g_weights, strict=True))
        values = {"d_loss": d_loss, "g_loss": g_loss, "d_real": ops.mean(ops.sigmoid(real_logits)),
                  "d_fake": ops.mean(ops.sigmoid(fake_logits))}
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: t.result() for name, t in self.trackers.items()}

    def get_config(self):
        return {**super().get_config(), "z_dim": self.z_dim, "w_dim": self.w_dim,
                "mapping_layers": self.mapping_layers, "channels": list(self.channels),
                "disc_width": self.disc_width, "mixing_prob": self.mixing_prob,
                "r1_weight": self.r1_weight, "seed": self.seed}

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)


# ---------------------------------------------------------------- pure functions


def _check_model(model) -> None:
    if not isinstance(model, StyleGAN):
        raise TypeError(f"model must be a StyleGAN, got {type(model).__name__}")


def _as_matrix(x, name: str, width: int) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu" or arr.dtype.kind == "b":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != width or len(arr) == 0:
        raise ValueError(f"{name} must be shaped (n, {width}) with n >= 1, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr.astype("float32")


def latents(model: StyleGAN, n: int, seed: int = 0) -> np.ndarray:
    """``n`` seeded standard-normal noise vectors ``z`` for ``model``, ``(n, z_dim)``."""
    _check_model(model)
    n = helpers.check_int(n, "n", minimum=1)
    return np.random.default_rng(helpers.check_seed(seed)).standard_normal(
        (n, model.z_dim)).astype("float32")


def mapping(model: StyleGAN, z) -> np.ndarray:
    """The mapping network: ``z`` ``(n, z_dim)`` -> ``w`` ``(n, w_dim)`` (``07_gan_variants``)."""
    _check_model(model)
    z = _as_matrix(z, "z", model.z_dim)
    return np.asarray(model.mapping(z, training=False))


def w_mean(model: StyleGAN, n: int = 10_000, seed: int = EVAL_SEED) -> np.ndarray:
    """The average ``w`` over ``n`` seeded ``z``: the centre that truncation pulls towards,
    shape ``(w_dim,)`` (``07_gan_variants``)."""
    return mapping(model, latents(model, n, seed)).mean(axis=0)


def truncate(w, w_avg, psi: float):
    """The truncation trick ``w' = w_avg + psi * (w - w_avg)`` (``07_gan_variants``).

    ``psi=1`` leaves ``w`` unchanged, ``psi=0`` gives ``w_avg`` for every sample; in between,
    samples move towards the average (more typical, less varied). ``w``: ``(..., w_dim)``,
    ``w_avg``: ``(w_dim,)``.
    """
    w = np.asarray(w, dtype="float32")
    w_avg = np.asarray(w_avg, dtype="float32")
    if w_avg.ndim != 1 or w.shape[-1:] != w_avg.shape:
        raise ValueError(f"w (..., w_dim) and w_avg (w_dim,) must agree, got {w.shape} and "
                         f"{w_avg.shape}")
    if isinstance(psi, bool) or not isinstance(psi, int | float | np.floating | np.integer):
        raise TypeError(f"psi must be a number, got {type(psi).__name__}")
    if not np.isfinite(psi):
        raise ValueError(f"psi must be finite, got {psi}")
    return w_avg + float(psi) * (w - w_avg)


def layer_noise(n: int, noise_seed: int | None = 0) -> list[np.ndarray]:
    """The per-pixel noise images for ``n`` samples, one per resolution: seeded standard
    normal, or all zeros when ``noise_seed`` is None (``07_gan_variants``)."""
    n = helpers.check_int(n, "n", minimum=1)
    if noise_seed is None:
        return [np.zeros((n, r, r, 1), "float32") for r in RESOLUTIONS]
    rng = np.random.default_rng(helpers.check_seed(noise_seed))
    return [rng.standard_normal((n, r, r, 1)).astype("float32") for r in RESOLUTIONS]


def synthesize(model: StyleGAN, ws_per_layer, noise_seed: int | None = 0) -> np.ndarray:
    """Images in [0, 1] ``(n, 28, 28)`` from one ``w`` per style layer (``07_gan_variants``).

    ``ws_per_layer``: ``(n, N_LAYERS, w_dim)`` (layer 0 = 7x7, 1 = 14x14, 2 = 28x28), or a
    single ``w`` ``(n, w_dim)`` used for every layer. ``noise_seed`` seeds the per-pixel
    noise (None: no noise), so the same arguments give the same images.
    """
    _check_model(model)
    ws = np.asarray(ws_per_layer)
    if ws.ndim == 2:
        ws = np.repeat(_as_matrix(ws, "ws_per_layer", model.w_dim)[:, None], N_LAYERS, axis=1)
    if ws.ndim != 3 or ws.shape[1:] != (N_LAYERS, model.w_dim) or len(ws) == 0:
        raise ValueError(f"ws_per_layer must be shaped (n, {N_LAYERS}, {model.w_dim}) (one w "
                         f"per style layer) or (n, {model.w_dim}), got {ws.shape}")
    if ws.dtype.kind not in "fiu" or not np.all(np.isfinite(ws)):
        raise ValueError("ws_per_layer must hold finite numbers")
    ws = ws.astype("float32")
    noise = layer_noise(len(ws), noise_seed)
    out = []
    for i in range(0, len(ws), 500):
        part = [ws[i:i + 500], *(m[i:i + 500] for m in noise)]
        out.append(helpers.infer(model.synthesis, part))
    return helpers.from_symmetric(np.concatenate(out))[..., 0]


def style_mix(w_coarse, w_fine, fine_from_layer: int) -> np.ndarray:
    """Per-layer styles ``(n, N_LAYERS, w_dim)``: ``w_coarse`` for layers before
    ``fine_from_layer``, ``w_fine`` from it on (0: all fine, ``N_LAYERS``: all coarse)."""
    w_coarse = np.asarray(w_coarse, dtype="float32")
    w_fine = np.asarray(w_fine, dtype="float32")
    if w_coarse.shape != w_fine.shape or w_coarse.ndim != 2:
        raise ValueError(f"w_coarse and w_fine must both be (n, w_dim), got {w_coarse.shape} "
                         f"and {w_fine.shape}")
    k = helpers.check_int(fine_from_layer, "fine_from_layer", minimum=0)
    if k > N_LAYERS:
        raise ValueError(f"fine_from_layer must be in 0..{N_LAYERS}, got {k}")
    take_coarse = (np.arange(N_LAYERS) < k)[None, :, None]
    return np.where(take_coarse, w_coarse[:, None, :], w_fine[:, None, :])


def mix_styles(model: StyleGAN, z_coarse, z_fine, fine_from_layer: int,
               noise_seed: int | None = 0) -> np.ndarray:
    """Style mixing (``07_gan_variants``): images whose layers before ``fine_from_layer``
    take their style from ``z_coarse`` (source A) and the rest from ``z_fine`` (source B).

    ``fine_from_layer=0`` is pure source B, ``N_LAYERS`` pure source A; 1 takes only the 7x7
    style from A, 2 the 7x7 and 14x14 styles. Images in [0, 1], ``(n, 28, 28)``.
    """
    w_a, w_b = mapping(model, z_coarse), mapping(model, z_fine)
    return synthesize(model, style_mix(w_a, w_b, fine_from_layer), noise_seed)


def sample(model: StyleGAN, n: int, seed: int = 0, psi: float = 1.0,
           w_avg=None) -> np.ndarray:
    """``n`` images in [0, 1] from seeded ``z`` (and noise), truncated with ``psi``
    (``w_avg`` defaults to :func:`w_mean`) (``07_gan_variants``)."""
    w = mapping(model, latents(model, n, seed))
    if psi != 1.0:
        w = truncate(w, w_mean(model) if w_avg is None else w_avg, psi)
    return synthesize(model, w, noise_seed=seed + 1)


# ---------------------------------------------------------------- measures


def diversity(images_unit) -> float:
    """Mean over pixels of the standard deviation across images, in [0, 1] units
    (``07_gan_variants``): 0 when every image is the same (collapse)."""
    x = helpers.as_images(images_unit, "images_unit")
    if len(x) < 2:
        raise ValueError("diversity needs at least 2 images")
    return float(x.std(axis=0).mean())


_REFERENCE: dict[str, np.ndarray] = {}


def _reference() -> tuple[np.ndarray, np.ndarray]:
    """1,000 fixed test images (100 per class) in [0, 1] and their judge features."""
    if not _REFERENCE:
        ds = data.load_fashion_mnist()
        x, _ = data.stratified_subset(ds.x_test, ds.y_test, EVAL_N, seed=REFERENCE_SEED)
        _REFERENCE["x"] = helpers.to_unit(x)
        _REFERENCE["f"] = judge.judge_features(_REFERENCE["x"])
    return _REFERENCE["x"], _REFERENCE["f"]


def judge_fd(images_unit) -> float:
    """Judge Frechet distance of ``images_unit`` to 1,000 fixed test images
    (``07_gan_variants``); compare only values from equally many images (1,000 here)."""
    _, ref = _reference()
    return float(metrics.frechet_distance(judge.judge_features(images_unit), ref))


def evaluate_stylegan(model: StyleGAN, n: int = EVAL_N) -> dict[str, float]:
    """Re-measure a StyleGAN with fixed seeds (``07_gan_variants``): ``fd`` (judge Frechet
    distance of 1,000 samples to 1,000 test images), ``diversity`` of the samples and of the
    real images (``real_diversity``), and the class-mixing shares of :func:`mixing_table`."""
    fake = sample(model, n, seed=EVAL_SEED)
    real, _ = _reference()
    out = {"fd": judge_fd(fake), "diversity": diversity(fake), "real_diversity": diversity(real)}
    table = mixing_table(model)
    for k, row in zip(table["fine_from_layer"], table["share_coarse"], strict=True):
        out[f"class_from_coarse_split_{int(k)}"] = float(row)
    return out


def truncation_curve(model: StyleGAN, psis=PSIS, n: int = EVAL_N) -> dict[str, np.ndarray]:
    """Judge Frechet distance and diversity of ``n`` seeded samples for each ``psi``
    (``07_gan_variants``; the same ``z`` and noise for every ``psi``)."""
    psis = np.asarray(psis, dtype="float64")
    if psis.ndim != 1 or len(psis) == 0:
        raise ValueError(f"psis must be a non-empty list of numbers, got {psis!r}")
    w_avg = w_mean(model)
    w = mapping(model, latents(model, n, EVAL_SEED))
    fds, divs = [], []
    for psi in psis:
        images = synthesize(model, truncate(w, w_avg, float(psi)), noise_seed=EVAL_SEED + 1)
        fds.append(judge_fd(images))
        divs.append(diversity(images))
    return {"psi": psis, "fd": np.asarray(fds), "diversity": np.asarray(divs)}


def mixing_table(model: StyleGAN, n_pairs: int = 1000, seed: int = EVAL_SEED) -> dict:
    """Where is the class decided? (``07_gan_variants``)

    For ``n_pairs`` seeded pairs of sources (A for the coarse layers, B for the fine ones),
    the mixed image is made for every split ``fine_from_layer`` = 0..N_LAYERS and the judge
    names its class and the classes of the pure sources. Only pairs whose sources the judge
    puts in different classes count (``n_counted``). For each split: ``share_coarse`` (mixed
    image has A's class), ``share_fine`` (B's class), the rest is neither. Split 1 takes only
    the 7x7 style from A; split 2 the 7x7 and 14x14 styles; where ``share_coarse`` jumps, that
    layer decides the class.
    """
    n_pairs = helpers.check_int(n_pairs, "n_pairs", minimum=2)
    z_a, z_b = latents(model, n_pairs, seed), latents(model, n_pairs, seed + 1)
    w_a, w_b = mapping(model, z_a), mapping(model, z_b)
    classes = []
    for k in range(N_LAYERS + 1):
        images = synthesize(model, style_mix(w_a, w_b, k), noise_seed=seed + 2)
        classes.append(np.argmax(judge.judge_predict(images), axis=1))
    cls_b, cls_a = classes[0], classes[N_LAYERS]
    counted = cls_a != cls_b
    ks = np.arange(N_LAYERS + 1)
    share_a = np.array([np.mean(c[counted] == cls_a[counted]) if counted.any() else np.nan
                        for c in classes])
    share_b = np.array([np.mean(c[counted] == cls_b[counted]) if counted.any() else np.nan
                        for c in classes])
    return {"fine_from_layer": ks, "share_coarse": share_a, "share_fine": share_b,
            "n_counted": int(counted.sum())}


# ---------------------------------------------------------------- training


class _Recorder(progress.SnapshotRecorder):
    """Every ``every`` steps: the game numbers averaged since the last snapshot, the training
    ``seconds`` so far (measuring excluded), the judge Frechet distance of 500 samples to 500
    test images, their diversity, and :data:`N_SHOW` samples from fixed ``z`` and noise
    (uint8)."""

    def __init__(self, every: int, seed: int):
        super().__init__(every)
        self.seed = seed
        self.t0 = time.perf_counter()
        self.measure_seconds = 0.0

    def measure(self) -> dict:
        t = time.perf_counter()
        images = sample(self.model, 500, seed=EVAL_SEED)
        real, ref = _reference()
        row = {"seconds": t - self.t0 - self.measure_seconds,
               "fd_500": float(metrics.frechet_distance(judge.judge_features(images), ref[:500])),
               "diversity": diversity(images),
               "samples": np.round(images[:N_SHOW] * 255).astype("uint8")}
        self.measure_seconds += time.perf_counter() - t
        return row


def train_stylegan(profile=None, seed: int | None = None, *, steps: int | None = None,
                   callbacks=None, z_dim: int = 32, w_dim: int = 64, mapping_layers: int = 3,
                   channels=CHANNELS, disc_width: int = 32,
                   mixing_prob: float = MIXING_PROB, r1_weight: float = R1_WEIGHT,
                   batch_size: int = BATCH_SIZE,
                   learning_rate: float = LEARNING_RATE,
                   n_snapshots: int | None = None,
                   run_eagerly: bool | None = None) -> tuple[StyleGAN, dict]:
    """Train the miniature StyleGAN on the profile's Fashion-MNIST (``07_gan_variants``).

    ``steps`` defaults to ``profile.steps(CLASS_STEPS)``; Adam (``learning_rate``, beta_1 0.5)
    for both players. Returns ``(model, history)``; per snapshot the history holds ``step``,
    ``seconds`` (training time so far, measuring excluded), the game numbers, ``fd_500``
    (judge Frechet distance, 500 samples vs 500 test images: higher than the 1,000-image
    value of :func:`evaluate_stylegan`), ``diversity`` and ``samples`` (uint8); and
    ``train_seconds`` (the whole training time, measuring excluded). ``run_eagerly=True``
    runs ``train_step`` as plain Python (no graph tracing: slower per step, quicker for a
    handful of steps and for debugging); ``None`` picks it by length
    (:func:`helpers.run_eagerly_for`). ``n_snapshots`` defaults to 8 (2 in ``ci``).
    """
    profile, seed, steps, n_snapshots = progress.run_plan(profile, seed, steps, CLASS_STEPS,
                                                          n_snapshots)
    batch_size = helpers.check_int(batch_size, "batch_size", 2)
    x, _, _, _ = data.course_data(scale="symmetric", profile=profile)
    keras.utils.set_random_seed(seed)
    model = StyleGAN(z_dim, w_dim, mapping_layers, channels, disc_width, mixing_prob,
                     r1_weight=r1_weight, seed=seed)
    model.compile(g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                  run_eagerly=helpers.run_eagerly_for(steps, run_eagerly))
    ds = data.shuffled_stream(x.reshape(-1, 28, 28, 1), batch_size, seed)
    recorder = _Recorder(progress.snapshot_every(steps, n_snapshots), seed)
    model.fit(ds, epochs=1, steps_per_epoch=steps, callbacks=[recorder, *(callbacks or [])],
              verbose=0, shuffle=False)
    history = recorder.history()
    history["train_seconds"] = np.asarray(time.perf_counter() - recorder.t0
                                          - recorder.measure_seconds)
    return model, history


def inference_copy(model: StyleGAN) -> StyleGAN:
    """The same networks without optimizer state (a smaller checkpoint)."""
    clone = StyleGAN.from_config(model.get_config())
    clone(np.zeros((1, model.z_dim), "float32"))  # builds it (saving an unbuilt model warns)
    clone.set_weights(model.get_weights())
    return clone
