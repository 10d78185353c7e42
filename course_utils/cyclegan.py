"""CycleGAN in miniature: sneakers <-> ankle boots without pairs (``07_gan_variants``).

Zhu et al. (2017) translate between two image domains that come without pairs. Here the
domains are two Fashion-MNIST classes, sneakers (A, class 7) and ankle boots (B, class 9),
each drawn from a different half of the training set, so no sneaker has a partner boot.

What lives here:

- the losses as plain functions (a notebook cell can show them):
  :func:`adversarial_loss_discriminator`, :func:`adversarial_loss_generator` (least squares),
  :func:`cycle_loss` and :func:`identity_loss` (L1);
- :func:`build_generator` (convolutions + residual blocks + instance normalisation, tanh out)
  and :func:`build_discriminator` (PatchGAN: one real/fake score per 7x7 patch);
- :class:`CycleGAN`, a ``keras.Model`` with both generators and both discriminators, a
  ``train_step`` and an optional history buffer of generated images for the discriminators;
  ``cycle_weight=0`` is the ablation without the cycle loss (same class);
- :func:`train_cyclegan` (profile-sized training with a small history) and
  :func:`evaluate_cyclegan` (fixed test sets: judged target class, cycle error, retrieval).
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from course_utils import data, helpers, judge, progress

DOMAIN_A = 7  # Sneaker
DOMAIN_B = 9  # Ankle boot
CLASS_STEPS = 200  # generator updates in the ``class`` profile
FULL_STEPS = 2000  # generator updates of the pretrained checkpoint
BATCH_SIZE = 16
CYCLE_WEIGHT = 10.0  # lambda of the paper
LEARNING_RATE = 1e-3  # the paper uses 2e-4; see train_cyclegan
N_RETRIEVAL = 100  # inputs (and candidates) of the retrieval measure; chance is 1 / 100
EVAL_SEED = 7
N_SHOW = 6  # inputs whose translations the history records
DIRECTIONS = ("a_to_b", "b_to_a")


# ---------------------------------------------------------------- losses


def adversarial_loss_discriminator(real_scores, fake_scores):
    """Least-squares discriminator loss ``(mean((D(real) - 1)^2) + mean(D(fake)^2)) / 2``
    (``07_gan_variants``).

    The discriminator pushes its scores for real images to 1 and for translated ones to 0. The
    factor 1/2 slows D down relative to the generators, as in the CycleGAN paper."""
    return 0.5 * (ops.mean(ops.square(real_scores - 1.0)) + ops.mean(ops.square(fake_scores)))


def adversarial_loss_generator(fake_scores):
    """Least-squares generator loss ``mean((D(G(x)) - 1)^2)`` (``07_gan_variants``): the
    generator wants its translations scored as real (1)."""
    return ops.mean(ops.square(fake_scores - 1.0))


def cycle_loss(real, cycled):
    """Cycle-consistency loss ``mean(|F(G(a)) - a|)`` (L1, ``07_gan_variants``).

    ``cycled`` is the image after going to the other domain and back; the loss is small only
    if the translation kept enough of its input to undo it."""
    return ops.mean(ops.abs(real - cycled))


def identity_loss(real, same):
    """Identity loss ``mean(|G(b) - b|)`` (L1, ``07_gan_variants``): an image that already
    belongs to the target domain should pass through the generator unchanged."""
    return ops.mean(ops.abs(real - same))


# ---------------------------------------------------------------- networks


def _check_sizes(**sizes: int) -> None:
    for name, value in sizes.items():
        helpers.check_int(value, name, minimum=1 if name != "n_res_blocks" else 0)


def _instance_norm(name: str):
    """Instance normalisation: one group per channel (GroupNormalization's docstring says
    ``groups=-1`` equals instance normalisation)."""
    return layers.GroupNormalization(groups=-1, name=name)


def _residual_block(h, width: int, init, name: str):
    skip = h
    h = layers.Conv2D(width, 3, padding="same", kernel_initializer=init(), name=f"{name}_conv1")(h)
    h = _instance_norm(f"{name}_norm1")(h)
    h = layers.ReLU(name=f"{name}_relu")(h)
    h = layers.Conv2D(width, 3, padding="same", kernel_initializer=init(), name=f"{name}_conv2")(h)
    h = _instance_norm(f"{name}_norm2")(h)
    return layers.Add(name=f"{name}_add")([skip, h])


def build_generator(width: int = 16, n_res_blocks: int = 2, seed: int = 0, init=None,
                    name: str = "generator") -> keras.Model:
    """A CycleGAN generator, image ``(28, 28, 1)`` in [-1, 1] -> image in [-1, 1]
    (``07_gan_variants``).

    Convolution at 28x28, a strided convolution down to 14x14 (``2 * width`` channels),
    ``n_res_blocks`` residual blocks there, upsampling and a convolution back at 28x28
    (no transposed convolution: no checkerboard pattern) and a tanh
    output convolution; every hidden convolution is followed by instance normalisation and
    ReLU. ``init`` (a :func:`course_utils.helpers.glorot` factory) overrides ``seed``.
    """
    _check_sizes(width=width, n_res_blocks=n_res_blocks)
    init = init or helpers.glorot(seed)
    inp = keras.Input((28, 28, 1), name="image")
    h = layers.Conv2D(width, 5, padding="same", kernel_initializer=init(), name="conv_in")(inp)
    h = layers.ReLU(name="relu_in")(_instance_norm("norm_in")(h))
    h = layers.Conv2D(2 * width, 3, strides=2, padding="same", kernel_initializer=init(),
                      name="down_14x14")(h)
    h = layers.ReLU(name="relu_down")(_instance_norm("norm_down")(h))
    for i in range(n_res_blocks):
        h = _residual_block(h, 2 * width, init, f"res{i}")
    h = layers.UpSampling2D(2, name="up_28x28")(h)
    h = layers.Conv2D(width, 3, padding="same", kernel_initializer=init(), name="conv_28x28")(h)
    h = layers.ReLU(name="relu_up")(_instance_norm("norm_up")(h))
    out = layers.Conv2D(1, 5, padding="same", activation="tanh", kernel_initializer=init(),
                        name="image_out")(h)
    return keras.Model(inp, out, name=name)


def build_discriminator(width: int = 16, seed: int = 0, init=None,
                        name: str = "discriminator") -> keras.Model:
    """A PatchGAN discriminator, image ``(28, 28, 1)`` -> ``(7, 7, 1)`` scores
    (``07_gan_variants``).

    Two strided 4x4 convolutions (28 -> 14 -> 7) and a 3x3 convolution to one score per
    position: each score judges a patch of the image (about 18x18 pixels), not the whole image.
    Scores are raw numbers for the least-squares loss (real -> 1, fake -> 0).
    """
    _check_sizes(width=width)
    init = init or helpers.glorot(seed)
    inp = keras.Input((28, 28, 1), name="image")
    h = layers.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=init(),
                      name="down_14x14")(inp)
    h = layers.LeakyReLU(0.2, name="leaky_14x14")(h)
    h = layers.Conv2D(2 * width, 4, strides=2, padding="same", kernel_initializer=init(),
                      name="down_7x7")(h)
    h = layers.LeakyReLU(0.2, name="leaky_7x7")(_instance_norm("norm_7x7")(h))
    out = layers.Conv2D(1, 3, padding="same", kernel_initializer=init(), name="patch_scores")(h)
    return keras.Model(inp, out, name=name)


# ---------------------------------------------------------------- the model


@keras.saving.register_keras_serializable(package="course")
class CycleGAN(keras.Model):
    """Two generators (``g_ab``: A -> B, ``g_ba``: B -> A) and two PatchGAN discriminators
    (``d_a``, ``d_b``) trained together (``07_gan_variants``).

    Generator loss = least-squares adversarial loss of both translations
    + ``cycle_weight`` x (cycle loss of A + cycle loss of B)
    + ``identity_weight`` x (identity loss of A + identity loss of B);
    ``identity_weight=None`` means ``0.5 * cycle_weight`` (the paper's choice), so
    ``cycle_weight=0`` is the plain "GAN alone" ablation. ``compile(g_optimizer=...,
    d_optimizer=...)`` takes one optimizer for both generators and one for both
    discriminators (default Adam :data:`LEARNING_RATE`, beta_1 0.5). With ``pool_size > 0`` the
    discriminators see, for each translated image, with probability 1/2 an older translation
    from a buffer of the last ``pool_size`` instead (the paper's history buffer, which damps
    oscillation). The model's ``call`` translates A -> B. Tracked: ``g_loss``, ``adv``,
    ``cycle``, ``identity``, ``d_loss``.
    """

    def __init__(self, width: int = 16, n_res_blocks: int = 2, disc_width: int = 16,
                 cycle_weight: float = CYCLE_WEIGHT, identity_weight: float | None = None,
                 pool_size: int = 50, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.cycle_weight = _check_weight(cycle_weight, "cycle_weight")
        if identity_weight is None:
            self.identity_weight = 0.5 * self.cycle_weight
        else:
            self.identity_weight = _check_weight(identity_weight, "identity_weight")
        self._identity_default = identity_weight is None
        self.pool_size = helpers.check_int(pool_size, "pool_size", minimum=0)
        self.seed = helpers.check_seed(seed)
        self.width, self.n_res_blocks, self.disc_width = width, n_res_blocks, disc_width
        init = helpers.glorot(self.seed)
        self.g_ab = build_generator(width, n_res_blocks, init=init, name="generator_a_to_b")
        self.g_ba = build_generator(width, n_res_blocks, init=init, name="generator_b_to_a")
        self.d_a = build_discriminator(disc_width, init=init, name="discriminator_a")
        self.d_b = build_discriminator(disc_width, init=init, name="discriminator_b")
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        if self.pool_size:
            self.pool_a = self._new_pool("pool_a")
            self.pool_b = self._new_pool("pool_b")
        self.trackers = {n: keras.metrics.Mean(name=n)
                         for n in ("g_loss", "adv", "cycle", "identity", "d_loss")}

    def _new_pool(self, name: str) -> dict:
        images = self.add_weight(shape=(self.pool_size, 28, 28, 1), initializer="zeros",
                                 trainable=False, name=f"{name}_images")
        filled = self.add_weight(shape=(self.pool_size,), initializer="zeros",
                                 trainable=False, name=f"{name}_filled")
        return {"images": images, "filled": filled}

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(LEARNING_RATE, beta_1=0.5)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(LEARNING_RATE, beta_1=0.5)
        # the optimizers' slots now, not inside the first traced step (which then traces twice)
        self.g_optimizer.build(self.g_ab.trainable_weights + self.g_ba.trainable_weights)
        self.d_optimizer.build(self.d_a.trainable_weights + self.d_b.trainable_weights)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, images, training=False):
        return self.g_ab(images, training=training)

    def query_pool(self, pool: dict, fakes):
        """What D sees instead of ``fakes``: each image is swapped, with probability 1/2, for
        a stored older one, which the new image replaces in the buffer; empty slots are filled
        with the new images and pass them through."""
        fakes = ops.cast(fakes, pool["images"].dtype)
        n = ops.shape(fakes)[0]
        slots = tf.math.top_k(keras.random.uniform((self.pool_size,),
                                                   seed=self.seed_generator), k=n).indices
        old = ops.take(pool["images"], slots, axis=0)
        filled = ops.take(pool["filled"], slots, axis=0) > 0.5
        swap = ops.logical_and(filled, keras.random.uniform((n,), seed=self.seed_generator) < 0.5)
        swap = ops.reshape(swap, (-1, 1, 1, 1))
        out = ops.where(swap, old, fakes)
        keep_old = ops.logical_and(ops.reshape(filled, (-1, 1, 1, 1)), ops.logical_not(swap))
        stored = ops.where(keep_old, old, fakes)
        pool["images"].assign(tf.tensor_scatter_nd_update(pool["images"], slots[:, None], stored))
        pool["filled"].assign(tf.tensor_scatter_nd_update(pool["filled"], slots[:, None],
                                                          tf.ones_like(slots, "float32")))
        return out

    def generator_losses(self, real_a, real_b, training: bool = True) -> dict:
        """Every generator loss term for one batch (also the translations, for D)."""
        fake_b = self.g_ab(real_a, training=training)
        fake_a = self.g_ba(real_b, training=training)
        adv = (adversarial_loss_generator(self.d_b(fake_b, training=training))
               + adversarial_loss_generator(self.d_a(fake_a, training=training)))
        cyc = (cycle_loss(real_a, self.g_ba(fake_b, training=training))
               + cycle_loss(real_b, self.g_ab(fake_a, training=training)))
        out = {"adv": adv, "cycle": cyc, "fake_a": fake_a, "fake_b": fake_b}
        if self.identity_weight > 0:
            out["identity"] = (identity_loss(real_a, self.g_ba(real_a, training=training))
                               + identity_loss(real_b, self.g_ab(real_b, training=training)))
        else:
            out["identity"] = ops.convert_to_tensor(0.0)
        out["total"] = adv + self.cycle_weight * cyc + self.identity_weight * out["identity"]
        return out

    def train_step(self, batch):
        real_a, real_b = batch
        g_weights = self.g_ab.trainable_weights + self.g_ba.trainable_weights
        with tf.GradientTape() as tape:
            g = self.generator_losses(real_a, real_b)
        grads = tape.gradient(g["total"], g_weights)
        self.g_optimizer.apply_gradients(zip(grads, g_weights, strict=True))
        fake_a, fake_b = ops.stop_gradient(g["fake_a"]), ops.stop_gradient(g["fake_b"])
        if self.pool_size:
            fake_a = self.query_pool(self.pool_a, fake_a)
            fake_b = self.query_pool(self.pool_b, fake_b)
        d_weights = self.d_a.trainable_weights + self.d_b.trainable_weights
        with tf.GradientTape() as tape:
            d_loss = (adversarial_loss_discriminator(self.d_a(real_a, training=True),
                                                     self.d_a(fake_a, training=True))
                      + adversarial_loss_discriminator(self.d_b(real_b, training=True),
                                                       self.d_b(fake_b, training=True)))
        grads = tape.gradient(d_loss, d_weights)
        self.d_optimizer.apply_gradients(zip(grads, d_weights, strict=True))
        values = {"g_loss": g["total"], "adv": g["adv"], "cycle": g["cycle"],
                  "identity": g["identity"], "d_loss": d_loss}
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: t.result() for name, t in self.trackers.items()}

    def get_config(self):
        config_ = super().get_config()
        config_.update({"width": self.width, "n_res_blocks": self.n_res_blocks,
                        "disc_width": self.disc_width, "cycle_weight": self.cycle_weight,
                        "identity_weight": None if self._identity_default
                        else self.identity_weight,
                        "pool_size": self.pool_size, "seed": self.seed})
        return config_

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)


def _check_weight(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} ({value!r})")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


# ---------------------------------------------------------------- data


def domain_images(x, y) -> tuple[np.ndarray, np.ndarray]:
    """The two unpaired domains from labelled images (``07_gan_variants``): sneakers (A) from
    the first half of ``x`` and ankle boots (B) from the second half, each ``(n, 28, 28, 1)``.

    Taking the domains from disjoint halves makes sure no image of A has a partner in B."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim not in (3, 4) or x.shape[1:3] != (28, 28) or len(x) != len(y):
        raise ValueError(f"expected images (n, 28, 28) with one label each, got {x.shape} "
                         f"and {y.shape}")
    half = len(x) // 2
    a = x[:half][y[:half] == DOMAIN_A]
    b = x[half:][y[half:] == DOMAIN_B]
    if len(a) == 0 or len(b) == 0:
        raise ValueError("the images hold no sneakers (7) in their first half or no ankle "
                         "boots (9) in their second half")
    return a.reshape(-1, 28, 28, 1), b.reshape(-1, 28, 28, 1)


def _unpaired_dataset(a, b, batch_size: int, seed: int) -> tf.data.Dataset:
    streams = (data.shuffled_stream(a.astype("float32"), batch_size, seed, prefetch=0),
               data.shuffled_stream(b.astype("float32"), batch_size, seed + 1, prefetch=0))
    return data.untuned(tf.data.Dataset.zip(streams).prefetch(2))


def _eval_domains() -> tuple[np.ndarray, np.ndarray]:
    """All 1,000 test sneakers and 1,000 test ankle boots in [0, 1], in a fixed shuffled order
    (the first :data:`N_RETRIEVAL` of each are the retrieval sets)."""
    ds = data.load_fashion_mnist()
    rng = np.random.default_rng(EVAL_SEED)
    out = []
    for cls in (DOMAIN_A, DOMAIN_B):
        x = ds.x_test[ds.y_test == cls]
        out.append(helpers.to_unit(x[rng.permutation(len(x))]))
    return out[0], out[1]


# ---------------------------------------------------------------- using and measuring


def translate(model: CycleGAN, images_unit, direction: str = "a_to_b") -> np.ndarray:
    """Translate images in [0, 1] (``(n, 28, 28)`` or with a channel axis) with the generator
    for ``direction`` (``"a_to_b"``: sneaker -> boot, ``"b_to_a"``: boot -> sneaker); returns
    ``(n, 28, 28)`` in [0, 1] (``07_gan_variants``)."""
    if not isinstance(model, CycleGAN):
        raise TypeError(f"model must be a CycleGAN, got {type(model).__name__}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    x = helpers.as_images(images_unit, "images_unit")
    net = model.g_ab if direction == "a_to_b" else model.g_ba
    # eager: compiling (helpers.infer) halves the time on 1,000 images but traces each
    # generator first, which cost notebook 07 a second in `live` (three models on 228 images)
    out = [np.asarray(net(x[i:i + 500, ..., None] * 2.0 - 1.0, training=False))
           for i in range(0, len(x), 500)]
    return helpers.from_symmetric(np.concatenate(out))[..., 0]


def retrieval_accuracy(inputs_unit, translations_unit, space: str = "pixels") -> float:
    """Can each input be found again from its translation? (``07_gan_variants``)

    For every translation ``i`` the candidates are all ``n`` inputs; the pick is the input
    most similar to it, and it counts as right when it is input ``i``. Chance is ``1 / n``.
    Inputs and translations live in different domains (a sneaker vs a boot), so comparing them
    raw would mostly measure the domain. Both sets are therefore centred first: the mean input
    is subtracted from every input and the mean translation from every translation, and
    similarity is the cosine of what is left (how an image differs from its domain's
    average). A translation that kept its input's position, size, brightness and outline
    deviates from the average boot the way its sneaker deviates from the average sneaker; a
    generator that ignores its input (or always draws the same boot) scores chance.
    ``space="pixels"`` compares pixels; ``space="judge"`` compares the judge's 64 features.
    Comparing a translation with the translations of the candidates would be no test at all
    (a deterministic generator makes the right one identical), and mapping back with the
    other generator would only re-measure the cycle loss.
    """
    a = helpers.as_images(inputs_unit, "inputs_unit")
    t = helpers.as_images(translations_unit, "translations_unit")
    if a.shape != t.shape:
        raise ValueError(f"inputs and translations must pair up one to one, got {a.shape} and "
                         f"{t.shape}")
    if len(a) < 2:
        raise ValueError("retrieval needs at least 2 inputs")
    if space == "pixels":
        fa, ft = a.reshape(len(a), -1), t.reshape(len(t), -1)
    elif space == "judge":
        fa, ft = judge.judge_features(a), judge.judge_features(t)
    else:
        raise ValueError(f"space must be 'pixels' or 'judge', got {space!r}")
    fa = _unit_rows(fa - fa.mean(axis=0))
    ft = _unit_rows(ft - ft.mean(axis=0))
    picks = np.argmax(ft @ fa.T, axis=1)
    return float(np.mean(picks == np.arange(len(a))))


def _unit_rows(f: np.ndarray) -> np.ndarray:
    f = np.asarray(f, dtype="float64")
    norm = np.linalg.norm(f, axis=1, keepdims=True)
    return np.divide(f, norm, out=np.zeros_like(f), where=norm > 1e-12)


def target_share(images_unit, target_class: int) -> float:
    """Share of images the judge classifies as ``target_class`` (``07_gan_variants``)."""
    predicted = np.argmax(judge.judge_predict(images_unit), axis=1)
    return float(np.mean(predicted == target_class))


def measure(model: CycleGAN, a_unit, b_unit, n_retrieval: int = N_RETRIEVAL) -> dict:
    """Every measure on given test domains (``a_unit``: sneakers, ``b_unit``: boots, in
    [0, 1]); :func:`evaluate_cyclegan` calls it with the fixed test sets."""
    fake_b = translate(model, a_unit, "a_to_b")
    fake_a = translate(model, b_unit, "b_to_a")
    back_a = translate(model, fake_b, "b_to_a")
    back_b = translate(model, fake_a, "a_to_b")
    k = min(n_retrieval, len(a_unit), len(b_unit))
    a2 = helpers.as_images(a_unit, "a_unit")
    b2 = helpers.as_images(b_unit, "b_unit")
    return {
        "target_share_a_to_b": target_share(fake_b, DOMAIN_B),
        "target_share_b_to_a": target_share(fake_a, DOMAIN_A),
        "source_share_a": target_share(a2, DOMAIN_B),  # untranslated inputs judged target
        "source_share_b": target_share(b2, DOMAIN_A),
        "cycle_mse_a": float(np.mean((back_a - a2) ** 2)),
        "cycle_mse_b": float(np.mean((back_b - b2) ** 2)),
        "retrieval_a_to_b": retrieval_accuracy(a2[:k], fake_b[:k]),
        "retrieval_b_to_a": retrieval_accuracy(b2[:k], fake_a[:k]),
        "retrieval_judge_a_to_b": retrieval_accuracy(a2[:k], fake_b[:k], space="judge"),
        "retrieval_judge_b_to_a": retrieval_accuracy(b2[:k], fake_a[:k], space="judge"),
        "retrieval_chance": 1.0 / k,
    }


def evaluate_cyclegan(model: CycleGAN) -> dict[str, float]:
    """Re-measure a trained CycleGAN on fixed test sets (``07_gan_variants``).

    On all 1,000 test sneakers and 1,000 test ankle boots: the share of translations the judge
    classifies as the target class (each direction; ``source_share_*`` is the same share for
    the untranslated inputs, the floor), the cycle reconstruction MSE in [0, 1] units, and
    :func:`retrieval_accuracy` on the first 100 of each set (pixels and judge features;
    chance 0.01). Deterministic: no randomness is involved.
    """
    a, b = _eval_domains()
    return measure(model, a, b)


# ---------------------------------------------------------------- training


class _Recorder(progress.SnapshotRecorder):
    """Every ``every`` steps: the losses averaged since the last snapshot, the judged target
    share and retrieval on 100 test images per domain, and the translations of
    :data:`N_SHOW` fixed inputs per direction (uint8)."""

    def __init__(self, every: int, a_unit, b_unit):
        super().__init__(every)
        self.a, self.b = a_unit, b_unit

    def measure(self) -> dict:
        fake_b = translate(self.model, self.a, "a_to_b")
        fake_a = translate(self.model, self.b, "b_to_a")
        return {"target_share_a_to_b": target_share(fake_b, DOMAIN_B),
                "target_share_b_to_a": target_share(fake_a, DOMAIN_A),
                "retrieval_a_to_b": retrieval_accuracy(self.a, fake_b),
                "retrieval_b_to_a": retrieval_accuracy(self.b, fake_a),
                "samples_a_to_b": _to_uint8(fake_b[:N_SHOW]),
                "samples_b_to_a": _to_uint8(fake_a[:N_SHOW])}


def _to_uint8(images_unit: np.ndarray) -> np.ndarray:
    return np.round(np.clip(images_unit, 0.0, 1.0) * 255).astype("uint8")


def train_cyclegan(profile=None, seed: int | None = None, *, steps: int | None = None,
                   callbacks=None, cycle_weight: float = CYCLE_WEIGHT,
                   identity_weight: float | None = None, width: int = 16,
                   n_res_blocks: int = 2, disc_width: int = 16, pool_size: int = 50,
                   batch_size: int = BATCH_SIZE, learning_rate: float = LEARNING_RATE,
                   n_snapshots: int | None = None,
                   run_eagerly: bool | None = None) -> tuple[CycleGAN, dict]:
    """Train a CycleGAN between sneakers and ankle boots (``07_gan_variants``).

    The domains come from the profile's training images (:func:`domain_images`); ``steps``
    defaults to ``profile.steps(CLASS_STEPS)``. ``cycle_weight=0`` trains the ablation without
    the cycle (and, by default, identity) loss. ``callbacks`` are passed to ``fit``. Both
    optimizers are Adam(``learning_rate``, beta_1 0.5): the paper's 2e-4 barely moves these
    small networks in a lesson's few hundred steps (after 150 steps the translations were
    still copies of their inputs), so the default is 1e-3, which is stable here.
    Returns ``(model, history)``: ``history`` holds, per snapshot (about ``n_snapshots``),
    ``step``, the losses (mean since the previous snapshot), ``target_share_*`` and
    ``retrieval_*`` on 100 test images per domain, ``samples_*`` (uint8 translations of
    :data:`N_SHOW` fixed test inputs, which are ``inputs_a`` and ``inputs_b``), and
    ``seconds`` (training wall time, snapshots included). ``run_eagerly=True`` runs
    ``train_step`` as plain Python (no graph tracing: slower per step, quicker for a handful
    of steps and for debugging); ``None`` picks it by length (:func:`helpers.run_eagerly_for`).
    ``n_snapshots`` defaults to 8 (2 in ``ci``).
    """
    profile, seed, steps, n_snapshots = progress.run_plan(profile, seed, steps, CLASS_STEPS,
                                                          n_snapshots)
    batch_size = helpers.check_int(batch_size, "batch_size", 1)
    if pool_size and batch_size > pool_size:
        raise ValueError(f"batch_size ({batch_size}) must not exceed pool_size ({pool_size})")
    x, y, _, _ = data.course_data(scale="symmetric", profile=profile)
    a, b = domain_images(x, y)
    keras.utils.set_random_seed(seed)
    model = CycleGAN(width, n_res_blocks, disc_width, cycle_weight=cycle_weight,
                     identity_weight=identity_weight, pool_size=pool_size, seed=seed)
    model.compile(g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                  run_eagerly=helpers.run_eagerly_for(steps, run_eagerly))
    ea, eb = _eval_domains()
    recorder = _Recorder(progress.snapshot_every(steps, n_snapshots), ea[:N_RETRIEVAL],
                         eb[:N_RETRIEVAL])
    t0 = time.perf_counter()
    model.fit(_unpaired_dataset(a, b, batch_size, seed), epochs=1, steps_per_epoch=steps,
              callbacks=[recorder, *(callbacks or [])], verbose=0,
              shuffle=False)
    history = recorder.history()
    history["seconds"] = np.asarray(time.perf_counter() - t0)
    history["inputs_a"] = _to_uint8(ea[:N_SHOW])
    history["inputs_b"] = _to_uint8(eb[:N_SHOW])
    return model, history


def inference_copy(model: CycleGAN) -> CycleGAN:
    """The same four networks without optimizer state and without the history buffer (a
    smaller checkpoint: the buffer alone holds 2 x ``pool_size`` images)."""
    clone = CycleGAN.from_config({**model.get_config(), "pool_size": 0})
    clone(np.zeros((1, 28, 28, 1), "float32"))  # builds it (saving an unbuilt model warns)
    for name in ("g_ab", "g_ba", "d_a", "d_b"):
        getattr(clone, name).set_weights(getattr(model, name).get_weights())
    return clone
