"""Generative adversarial networks (introduced in ``06_generative_adversarial_networks``).

What notebook 06 writes out, token for token (``tests/test_core_cells.py`` keeps them
identical): :class:`GAN`, whose ``train_step`` plays one round of the game (a discriminator
update, then a generator update with the non-saturating loss), and :class:`R1GAN`, which adds
the R1 penalty for the mode-collapse remedy. Notebook 07 writes out :class:`ConditionalGAN`.
What the notebooks do not need to show lives in :class:`BaseGAN`: the two optimizers, the
trackers, the noise and saving.

Also here: builders for the toy 2-D GAN, the DCGAN and the conditional GAN (plain Keras layers
only, so saved generators load in safe mode without custom objects); recording callbacks
(:class:`ToyGANRecorder`, :class:`ImageGANRecorder`) that snapshot the game every few steps and
the training functions that use them (:func:`train_toy_gan`, :func:`train_dcgan`,
:func:`train_cgan`); sampling and image completion by latent search. The measures these
experiments report (mode coverage, Jensen-Shannon divergence) are in :mod:`course_utils.metrics`
and the judge's in :mod:`course_utils.judge`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from course_utils import config, data, judge, metrics, progress
from course_utils.helpers import check_int, from_symmetric, infer

TOY_EXTENT = 3.0  # the toy plane shown and measured is [-3, 3] x [-3, 3]
DCGAN_LATENT = 32
# The notebooks' image GANs train on batches of 64: on 2 CPU cores a step costs about half of
# a 128-batch step, and batches of 64 reach a given judge FD with fewer images (seed 42, judge
# FD of 1,000 samples: 53 after 1,500 steps of 64, 59 after 1,000 steps of 128; 1,300 steps of
# 64 gave 61, so the class run keeps 1,500; bench/NOTES.md). The pretrained generators keep
# their recipe.
BATCH_SIZE = 64
DCGAN_CLASS_STEPS = 1500  # generator updates of the DCGAN in the ``class`` profile
CGAN_CLASS_STEPS = 750
FULL_BATCH_SIZE = 128  # the pretrained DCGAN and conditional GAN (``full``)
DCGAN_FULL_STEPS = 12_000  # generator updates of the pretrained DCGAN (``full``)
CGAN_FULL_STEPS = 9_600
EVAL_SEED = 1234
EVAL_N = 1000


# ---------------------------------------------------------------- the models


@keras.saving.register_keras_serializable(package="course")
class BaseGAN(keras.Model):
    """Everything a GAN needs except its ``train_step`` (``06``).

    ``compile(d_optimizer=..., g_optimizer=...)`` gives each network its own optimizer (Adam
    2e-4, beta_1 0.5 by default). :meth:`sample_noise` draws z ~ N(0, I) from a
    ``keras.random.SeedGenerator(seed)``, so a run is reproducible. :meth:`track` keeps running
    means of ``d_loss``, ``g_loss``, ``d_real`` (mean D(x)) and ``d_fake`` (mean D(G(z))).
    :meth:`penalty` is a term added to D's loss: none here, the R1 penalty in :class:`R1GAN`.
    """

    def __init__(self, generator, discriminator, latent_dim: int | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim or generator.inputs[0].shape[-1])
        self.seed = config.resolve_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.trackers = {n: keras.metrics.Mean(name=n)
                         for n in ("d_loss", "g_loss", "d_real", "d_fake")}

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)

    def build_optimizers(self):
        """Create both optimizers' slots now (the trainers call this after ``compile``).

        Created inside the first traced ``train_step`` instead, they make TensorFlow trace it
        twice, which doubles the start-up of a short run. Afterwards each optimizer accepts only
        its own network's weights: a ``train_step`` that hands D's optimizer G's weights fails
        with Keras's "Unknown variable" error."""
        self.d_optimizer.build(self.discriminator.trainable_weights)
        self.g_optimizer.build(self.generator.trainable_weights)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def sample_noise(self, n):
        """``n`` noise vectors z ~ N(0, I), shaped (n, latent_dim)."""
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def penalty(self, real):
        """An extra term for D's loss; none in the plain game."""
        return 0.0

    def track(self, d_loss, g_loss, real_logits, fake_logits) -> dict:
        """Add one step's numbers to the running means; return the means so far."""
        values = {"d_loss": d_loss, "g_loss": g_loss,
                  "d_real": ops.mean(ops.sigmoid(real_logits)),
                  "d_fake": ops.mean(ops.sigmoid(fake_logits))}
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: t.result() for name, t in self.trackers.items()}

    def call(self, noise, training=False):
        return self.generator(noise, training=training)

    def get_config(self):
        return {**super().get_config(),
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "latent_dim": self.latent_dim, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


# One round of the game per batch: a D update, then a G update (notebook 06 writes it out).
@keras.saving.register_keras_serializable(package="course")
class GAN(BaseGAN):
    def train_step(self, data):
        real = data  # a batch of real samples
        fake = self.generator(self.sample_noise(ops.shape(real)[0]), training=True)
        with tf.GradientTape() as tape:  # D: real images are labelled 1, fakes 0
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
            d_total = d_loss + self.penalty(real)
        grads = tape.gradient(d_total, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        noise = self.sample_noise(ops.shape(real)[0])
        with tf.GradientTape() as tape:  # G: make D say "real" (non-saturating loss)
            g_logits = self.discriminator(self.generator(noise, training=True), training=True)
            g_loss = ops.mean(ops.softplus(-g_logits))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        return self.track(d_loss, g_loss, real_logits, fake_logits)


@keras.saving.register_keras_serializable(package="course")
class R1GAN(GAN):
    """The same game, plus R1: penalise the steepness of D at real samples."""

    def __init__(self, *args, r1_weight=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.r1_weight = r1_weight

    def penalty(self, real):
        with tf.GradientTape() as tape:
            tape.watch(real)
            total = ops.sum(self.discriminator(real, training=True))
        slopes = tape.gradient(total, real)
        squared = ops.sum(ops.reshape(ops.square(slopes), (ops.shape(real)[0], -1)), axis=1)
        return 0.5 * self.r1_weight * ops.mean(squared)

    def get_config(self):
        return {**super().get_config(), "r1_weight": self.r1_weight}


# Both players see the class: G draws the class it is given, D judges image and class together
# (notebook 07 writes it out).
@keras.saving.register_keras_serializable(package="course")
class ConditionalGAN(GAN):
    def train_step(self, data):
        real, labels = data
        fake = self.generator([self.sample_noise(ops.shape(real)[0]), labels], training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator([real, labels], training=True)
            fake_logits = self.discriminator([fake, labels], training=True)
            d_loss = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        noise = self.sample_noise(ops.shape(real)[0])
        with tf.GradientTape() as tape:
            fake = self.generator([noise, labels], training=True)
            g_logits = self.discriminator([fake, labels], training=True)
            g_loss = ops.mean(ops.softplus(-g_logits))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        return self.track(d_loss, g_loss, real_logits, fake_logits)


def _check_model_class(model_class, base: type = BaseGAN) -> type:
    if not (isinstance(model_class, type) and issubclass(model_class, base)):
        raise TypeError(f"model_class must be a subclass of gan.{base.__name__}, "
                        f"got {model_class!r}")
    return model_class


# ---------------------------------------------------------------- builders


def build_toy_generator(latent_dim: int = 8, hidden: int = 128, depth: int = 3):
    """MLP generator for the toy plane: noise ``(latent_dim,)`` -> point ``(2,)``."""
    inp = keras.Input((latent_dim,), name="noise")
    h = inp
    for i in range(depth):
        h = layers.Dense(hidden, activation="relu", name=f"hidden_{i}")(h)
    return keras.Model(inp, layers.Dense(2, name="point")(h), name="toy_generator")


def build_toy_discriminator(hidden: int = 128, depth: int = 3):
    """MLP discriminator for the toy plane: point ``(2,)`` -> one logit (D = sigmoid)."""
    inp = keras.Input((2,), name="point")
    h = inp
    for i in range(depth):
        h = layers.Dense(hidden, name=f"hidden_{i}")(h)
        h = layers.LeakyReLU(0.2, name=f"leaky_{i}")(h)
    return keras.Model(inp, layers.Dense(1, name="logit")(h), name="toy_discriminator")


def _dcgan_trunk(h, width: int):
    """Dense code -> 7x7 feature maps -> 14x14 -> 28x28x1 image in [-1, 1] (tanh)."""
    h = layers.Dense(7 * 7 * 2 * width, use_bias=False, name="project")(h)
    h = layers.BatchNormalization(momentum=0.9, name="bn_0")(h)
    h = layers.ReLU(name="relu_0")(h)
    h = layers.Reshape((7, 7, 2 * width), name="to_7x7")(h)
    h = layers.UpSampling2D(2, name="up_14x14")(h)
    h = layers.Conv2D(width, 3, padding="same", use_bias=False, name="conv_14x14")(h)
    h = layers.BatchNormalization(momentum=0.9, name="bn_1")(h)
    h = layers.ReLU(name="relu_1")(h)
    h = layers.UpSampling2D(2, name="up_28x28")(h)
    return layers.Conv2D(1, 3, padding="same", activation="tanh", name="conv_28x28")(h)


def _conv_features(x, width: int):
    h = layers.Conv2D(width, 4, strides=2, padding="same", name="down_14x14")(x)
    h = layers.LeakyReLU(0.2, name="leaky_0")(h)
    h = layers.Conv2D(2 * width, 4, strides=2, padding="same", name="down_7x7")(h)
    h = layers.LeakyReLU(0.2, name="leaky_1")(h)
    return layers.Flatten(name="features")(h)


def build_dcgan_generator(latent_dim: int = DCGAN_LATENT, width: int = 32):
    """DCGAN generator: noise ``(latent_dim,)`` -> image ``(28, 28, 1)`` in [-1, 1]."""
    inp = keras.Input((latent_dim,), name="noise")
    return keras.Model(inp, _dcgan_trunk(inp, width), name="dcgan_generator")


def build_dcgan_discriminator(width: int = 32):
    """DCGAN discriminator: image ``(28, 28, 1)`` in [-1, 1] -> one logit."""
    inp = keras.Input((28, 28, 1), name="image")
    out = layers.Dense(1, name="logit")(_conv_features(inp, width))
    return keras.Model(inp, out, name="dcgan_discriminator")


def build_cgan_generator(latent_dim: int = DCGAN_LATENT, n_classes: int = 10,
                         embed_dim: int = 16, width: int = 32):
    """Conditional generator: ``[noise (latent_dim,), label ()]`` -> image ``(28, 28, 1)``.

    The label is embedded and concatenated with the noise, then the DCGAN trunk follows.
    """
    noise = keras.Input((latent_dim,), name="noise")
    label = keras.Input((), dtype="int32", name="label")
    emb = layers.Embedding(n_classes, embed_dim, name="label_embedding")(label)
    h = layers.Concatenate(name="noise_and_label")([noise, emb])
    return keras.Model([noise, label], _dcgan_trunk(h, width), name="cgan_generator")


def build_cgan_discriminator(n_classes: int = 10, width: int = 32):
    """Conditional (projection) discriminator: ``[image, label]`` -> one logit.

    ``logit = w . h(x) + e(y) . h(x)``: an unconditional score plus the inner product of the
    image features with a learned vector for the intended class (Miyato & Koyama, 2018).
    """
    image = keras.Input((28, 28, 1), name="image")
    label = keras.Input((), dtype="int32", name="label")
    h = _conv_features(image, width)
    emb = layers.Embedding(n_classes, 7 * 7 * 2 * width, name="class_vector")(label)
    projection = layers.Dot(axes=1, name="projection")([h, emb])
    plain = layers.Dense(1, name="logit_plain")(h)
    return keras.Model([image, label], layers.Add(name="logit")([plain, projection]),
                       name="cgan_discriminator")


# ---------------------------------------------------------------- recording the game


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-np.asarray(a, dtype="float64")))


def game_numbers(real_logits, fake_logits) -> dict:
    """The numbers of one snapshot of the game, from D's logits on fixed real and fake
    batches: both losses (non-saturating G), mean D(x), mean D(G(z)) and D's accuracy
    (1/2 = it cannot tell them apart)."""
    real_logits = np.asarray(real_logits, dtype="float64")
    fake_logits = np.asarray(fake_logits, dtype="float64")
    return {
        "d_loss": float(np.mean(np.logaddexp(0, -real_logits))
                        + np.mean(np.logaddexp(0, fake_logits))),
        "g_loss": float(np.mean(np.logaddexp(0, -fake_logits))),
        "d_real": float(np.mean(_sigmoid(real_logits))),
        "d_fake": float(np.mean(_sigmoid(fake_logits))),
        "d_acc": float(0.5 * np.mean(real_logits > 0) + 0.5 * np.mean(fake_logits < 0)),
    }


class Recorder(keras.callbacks.Callback):
    """Counts generator steps across ``fit`` calls and snapshots every ``every`` steps."""

    def __init__(self, every: int):
        super().__init__()
        self.every = check_int(every, "every", minimum=1)
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
        self.snapshots.append({"step": self.step, **self.measure()})

    def measure(self) -> dict:
        raise NotImplementedError

    @property
    def record(self) -> dict:
        """Every snapshot stacked: a dict of arrays whose first axis is the snapshot."""
        if not self.snapshots:
            return {}
        return {k: np.stack([np.asarray(s[k]) for s in self.snapshots])
                for k in self.snapshots[0]}


def toy_grid(extent: float = TOY_EXTENT, n: int = 60) -> np.ndarray:
    """An ``n`` x ``n`` grid of points over ``[-extent, extent]^2``, shape ``(n * n, 2)``,
    row-major with y increasing down the rows (ready for ``imshow(origin="lower")``)."""
    xs = np.linspace(-extent, extent, n, dtype="float32")
    gx, gy = np.meshgrid(xs, xs)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


class ToyGANRecorder(Recorder):
    """Snapshots of a toy 2-D GAN every ``every`` generator steps (``06``).

    Each snapshot holds ``step``; ``fake`` (generated points for a fixed noise batch,
    ``(n_show, 2)``); ``d_grid`` (D's probability on a ``grid_n`` x ``grid_n`` grid over
    the plane); the :func:`game_numbers` on a fixed real batch and fixed noise; and ``js``
    (histogram Jensen-Shannon divergence, nats, between ``n_eval`` generated points and the
    fixed real points). ``record`` stacks them.
    """

    def __init__(self, real, every: int = 20, n_show: int = 512, n_eval: int = 2000,
                 grid_n: int = 60, extent: float = TOY_EXTENT, seed: int = 0):
        super().__init__(every)
        self.real = np.asarray(real, dtype="float32")
        self.n_show, self.n_eval, self.grid_n = int(n_show), int(n_eval), int(grid_n)
        self.extent = float(extent)
        self.grid = toy_grid(extent, grid_n)
        self._rng = np.random.default_rng(seed)
        self._noise = None

    def measure(self) -> dict:
        gan = self.model
        if self._noise is None:
            self._noise = self._rng.standard_normal(
                (self.n_eval, gan.latent_dim)).astype("float32")
        fake = infer(gan.generator, self._noise)
        real_logits = infer(gan.discriminator, self.real)[:, 0]
        fake_logits = infer(gan.discriminator, fake)[:, 0]
        grid = _sigmoid(infer(gan.discriminator, self.grid)[:, 0])
        return {"fake": fake[: self.n_show],
                "d_grid": grid.reshape(self.grid_n, self.grid_n).astype("float32"),
                "js": metrics.histogram_js_divergence(self.real, fake, self.extent),
                **game_numbers(real_logits, fake_logits)}


class ImageGANRecorder(Recorder):
    """Snapshots of an image GAN every ``every`` generator steps (``06``).

    Each snapshot holds ``step``; ``images`` (the generator's output for a fixed noise set,
    mapped to [0, 1]); the :func:`game_numbers` on a fixed real batch; ``fd`` (the judge's
    Frechet distance between ``n_eval`` generated images and the real reference
    ``x_ref_unit``) and, for a conditional GAN, ``judge_acc`` (the judge's accuracy on
    generated images given their intended class).
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
        self.n_show, self.n_eval = int(n_show), int(n_eval)
        self.show_labels = (np.arange(self.n_show) % 10).astype("int32")
        self.eval_labels = (np.arange(self.n_eval) % 10).astype("int32")
        self._rng = np.random.default_rng(seed)
        self._noise = None
        self._ref_features = None

    def _gen(self, noise, labels):
        inputs = [noise, labels] if self.conditional else noise
        return infer(self.model.generator, inputs)

    def _disc(self, x, labels):
        inputs = [x, labels] if self.conditional else x
        return infer(self.model.discriminator, inputs)[:, 0]

    def measure(self) -> dict:
        if self._noise is None:
            self._noise = self._rng.standard_normal(
                (self.n_show + self.n_eval, self.model.latent_dim)).astype("float32")
        show = self._gen(self._noise[: self.n_show], self.show_labels)
        fake = self._gen(self._noise[self.n_show:], self.eval_labels)
        n = min(len(self.x_ref), 256)
        real_labels = None if self.labels_ref is None else self.labels_ref[:n]
        real_logits = self._disc(self.x_ref[:n] * 2 - 1, real_labels)
        fake_logits = self._disc(fake[:n], self.eval_labels[:n])
        fake_unit = from_symmetric(fake)
        if self._ref_features is None:  # the judge's features of the fixed real images
            self._ref_features = judge.judge_features(self.x_ref)
        # = judge.judge_frechet_distance(fake_unit, x_ref), without re-featurising x_ref
        fd = metrics.frechet_distance(judge.judge_features(fake_unit), self._ref_features)
        out = {"images": from_symmetric(show)[..., 0], "fd": float(fd)}
        if self.conditional:
            out["judge_acc"] = judge.judge_accuracy(fake_unit, self.eval_labels)
        return {**out, **game_numbers(real_logits, fake_logits)}


# ---------------------------------------------------------------- training runs


@dataclass
class GANRun:
    """One recorded training run: the trained ``model`` (a :class:`BaseGAN`; ``None`` when
    replayed from a recorded history), the ``record`` (stacked snapshots), the ``settings`` it
    ran with, the wall-clock ``seconds`` it took and ``extras`` (arrays such as the final
    samples)."""

    model: object
    record: dict
    settings: dict
    seconds: float
    extras: dict = field(default_factory=dict)

    @property
    def generator(self):
        """The trained generator (a replayed run holds the loaded generator as its model)."""
        return getattr(self.model, "generator", self.model)

    def history(self) -> dict:
        """Everything but the model as a flat dict of arrays (saved as ``.npz`` by the
        pretrained registry, so ``live`` can replay the run); large snapshots in float16."""
        out = {f"record/{k}": np.asarray(v) for k, v in self.record.items()}
        for key in ("record/d_grid", "record/fake", "record/images"):
            if key in out:
                out[key] = out[key].astype("float16")
        out.update({f"extras/{k}": np.asarray(v) for k, v in self.extras.items()
                    if not isinstance(v, metrics.Coverage)})
        out["seconds"] = np.asarray(self.seconds)
        out["settings"] = np.asarray(json.dumps(self.settings, sort_keys=True))
        return out

    @classmethod
    def from_history(cls, history: dict, model=None) -> GANRun:
        """The run :meth:`history` recorded (``model``: the loaded generator, if any)."""
        record = {k.split("/", 1)[1]: np.asarray(v, dtype="float32")
                  if np.asarray(v).dtype == np.float16 else v
                  for k, v in history.items() if k.startswith("record/")}
        extras = {k.split("/", 1)[1]: v for k, v in history.items() if k.startswith("extras/")}
        if {"final", "centres", "radius"} <= extras.keys():
            extras["coverage"] = metrics.mode_coverage(extras["final"], extras["centres"],
                                                       float(extras["radius"]))
        settings = json.loads(str(history["settings"])) if "settings" in history else {}
        return cls(model, record, settings, float(history.get("seconds", 0.0)), extras)


def _adam(lr: float):
    if not lr > 0:
        raise ValueError(f"learning rates must be positive, got {lr!r}")
    return keras.optimizers.Adam(float(lr), beta_1=0.5)


def train_toy_gan(steps: int = 2000, lr_d: float = 1e-3, lr_g: float = 1e-3,
                  model_class: type = GAN, batch_size: int = 256, latent_dim: int = 8,
                  hidden: int = 128, n_modes: int = 8, std: float = 0.05,
                  record_every: int = 20, seed: int | None = None, callbacks=None,
                  **model_kwargs) -> GANRun:
    """Train a small MLP GAN of class ``model_class`` on a ring of ``n_modes`` Gaussians and
    record it (``06``). ``model_kwargs`` go to the class (``r1_weight=`` for :class:`R1GAN`).

    Returns a :class:`GANRun` whose ``record`` comes from :class:`ToyGANRecorder`; its
    ``extras`` hold ``real`` (5,000 fixed real points), ``centres``, ``radius`` (3 std, the
    coverage radius), ``extent`` (of the plane), ``final`` (the final generator's points for
    2,000 fixed noise vectors) and their ``coverage`` (:func:`metrics.mode_coverage`).
    ``seed`` (default: the session's seed) fixes weights, data order and noise.
    """
    steps = check_int(steps, "steps", minimum=1)
    model_class = _check_model_class(model_class)
    seed = config.resolve_seed(seed)
    settings = {"steps": steps, "lr_d": lr_d, "lr_g": lr_g, "model": model_class.__name__,
                "batch_size": batch_size, "latent_dim": latent_dim, "hidden": hidden,
                "n_modes": n_modes, "std": std, "record_every": record_every, "seed": seed,
                **model_kwargs}
    keras.utils.set_random_seed(seed)
    model = model_class(build_toy_generator(latent_dim, hidden), build_toy_discriminator(hidden),
                        seed=seed, **model_kwargs)
    model.compile(d_optimizer=_adam(lr_d), g_optimizer=_adam(lr_g))
    model.build_optimizers()
    train_pts, _ = data.ring_of_gaussians(50_000, n_modes=n_modes, std=std, seed=seed)
    real_eval, _ = data.ring_of_gaussians(5_000, n_modes=n_modes, std=std, seed=seed + 10_000)
    ds = data.shuffled_stream(train_pts, batch_size, seed, prefetch=0)
    recorder = ToyGANRecorder(real_eval, every=record_every, seed=seed)
    if callbacks is None:
        callbacks = [progress.TrainingProgress(f"toy {model_class.__name__}", metric="g_loss")]
    t0 = time.perf_counter()
    model.fit(ds, epochs=1, steps_per_epoch=steps, callbacks=[recorder, *(callbacks or [])],
              verbose=0, shuffle=False)
    seconds = time.perf_counter() - t0
    centres = data.ring_centres(n_modes)
    final_noise = np.random.default_rng(seed + 1).standard_normal((2000, latent_dim))
    final = model.generator(final_noise.astype("float32"), training=False).numpy()
    return GANRun(model, recorder.record, settings, seconds,
                  {"real": real_eval, "centres": centres, "final": final, "extent": TOY_EXTENT,
                   "radius": 3 * std,
                   "coverage": metrics.mode_coverage(final, centres, radius=3 * std)})


def _image_dataset(x, y, batch_size: int, seed: int):
    x = np.asarray(x, dtype="float32").reshape(-1, 28, 28, 1)
    if x.min() < -1 - 1e-6 or x.max() > 1 + 1e-6 or x.min() >= 0:
        raise ValueError("GAN images must be scaled to [-1, 1] (use data.to_symmetric)")
    items = x if y is None else (x, np.asarray(y, dtype="int32"))
    return data.shuffled_stream(items, batch_size, seed)


def train_dcgan(x_train_sym, steps: int, x_ref_unit, batch_size: int = BATCH_SIZE,
                latent_dim: int = DCGAN_LATENT, width: int = 32, lr_d: float = 1e-3,
                lr_g: float = 1e-3, record_every: int | None = None, n_snapshots: int | None = None,
                n_eval: int = 500, model_class: type = GAN, seed: int | None = None,
                callbacks=None) -> GANRun:
    """Train the DCGAN (class ``model_class``) on images in [-1, 1] for ``steps`` generator
    steps, recording sample grids for a fixed noise set, the game numbers and the judge's
    Frechet distance to ``x_ref_unit`` (test images in [0, 1]) about ``n_snapshots`` times
    (default: :func:`progress.snapshot_count`, 8 except in ``ci``) (``06``). ``seed`` defaults
    to the session's seed."""
    seed = config.resolve_seed(seed)
    keras.utils.set_random_seed(seed)
    gen, disc = build_dcgan_generator(latent_dim, width), build_dcgan_discriminator(width)
    model = _check_model_class(model_class)(gen, disc, seed=seed)
    return _fit_image_gan(model, x_train_sym, None, steps, x_ref_unit, None, batch_size, lr_d,
                          lr_g, record_every, n_snapshots, n_eval, seed, callbacks,
                          {"latent_dim": latent_dim, "width": width})


def train_cgan(x_train_sym, y_train, steps: int, x_ref_unit, y_ref,
               batch_size: int = BATCH_SIZE,
               latent_dim: int = DCGAN_LATENT, width: int = 32, lr_d: float = 1e-3,
               lr_g: float = 1e-3, record_every: int | None = None, n_snapshots: int | None = None,
               n_eval: int = 500, model_class: type = ConditionalGAN,
               seed: int | None = None, callbacks=None) -> GANRun:
    """Train the conditional GAN on ``(images in [-1, 1], labels)``; like :func:`train_dcgan`,
    and the recorder also measures the judge's accuracy on generated images given their
    intended class (``06``, ``07``)."""
    seed = config.resolve_seed(seed)
    keras.utils.set_random_seed(seed)
    gen = build_cgan_generator(latent_dim, width=width)
    disc = build_cgan_discriminator(width=width)
    model = _check_model_class(model_class)(gen, disc, seed=seed)
    return _fit_image_gan(model, x_train_sym, y_train, steps, x_ref_unit, y_ref, batch_size,
                          lr_d, lr_g, record_every, n_snapshots, n_eval, seed, callbacks,
                          {"latent_dim": latent_dim, "width": width})


def _fit_image_gan(model, x, y, steps, x_ref_unit, y_ref, batch_size, lr_d, lr_g,
                   record_every, n_snapshots, n_eval, seed, callbacks, settings) -> GANRun:
    steps = check_int(steps, "steps", minimum=1)
    conditional = y is not None
    every = int(record_every or progress.snapshot_every(
        steps, n_snapshots if n_snapshots is not None else progress.snapshot_count()))
    settings = {"steps": steps, "batch_size": batch_size, "lr_d": lr_d, "lr_g": lr_g,
                "record_every": every, "seed": seed, "model": type(model).__name__, **settings}
    model.compile(d_optimizer=_adam(lr_d), g_optimizer=_adam(lr_g))
    model.build_optimizers()
    recorder = ImageGANRecorder(x_ref_unit, every=every, n_show=40 if conditional else 36,
                                n_eval=n_eval, labels_ref=y_ref, conditional=conditional,
                                seed=seed)
    if callbacks is None:
        callbacks = [progress.TrainingProgress(type(model).__name__, metric="g_loss")]
    t0 = time.perf_counter()
    model.fit(_image_dataset(x, y, batch_size, seed), epochs=1, steps_per_epoch=steps,
              callbacks=[recorder, *(callbacks or [])], verbose=0, shuffle=False)
    return GANRun(model, recorder.record, settings, time.perf_counter() - t0)


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
    return from_symmetric(np.asarray(out))[..., 0]


def box_mask(kind: str = "bottom", size: int = 28) -> np.ndarray:
    """A ``size`` x ``size`` mask of visible pixels (1 = seen, 0 = to fill in).

    ``kind``: ``"bottom"``, ``"top"``, ``"left"``, ``"right"`` (that half hidden) or
    ``"centre"`` (a central square of half the side hidden)."""
    m = np.ones((size, size), dtype="float32")
    h, q = size // 2, size // 4
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
    x = np.asarray(images_unit, dtype="float32").reshape(-1, 28, 28)
    mask = np.asarray(mask, dtype="float32")
    if mask.shape != (28, 28):
        raise ValueError(f"mask must be shaped (28, 28), got {mask.shape}")
    if not 0 < mask.sum() < mask.size:
        raise ValueError("mask must show some pixels and hide some (1 = visible, 0 = hidden)")
    restarts = check_int(restarts, "restarts", minimum=1)
    n = len(x)
    latent_dim = int(generator.inputs[0].shape[-1])
    conditional = len(generator.inputs) == 2
    if conditional and labels is None:
        raise ValueError("this generator is conditional: pass the class of every image")
    target = tf.constant(np.repeat(x * 2 - 1, restarts, axis=0)[..., None])
    m = tf.constant(np.broadcast_to(mask, (n * restarts, 28, 28))[..., None])
    z0 = np.random.default_rng(seed).standard_normal((n * restarts, latent_dim))
    z = tf.Variable(z0.astype("float32"))
    lab = tf.constant(np.repeat(np.asarray(labels, "int32"), restarts)) if conditional else None
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
    gen = from_symmetric(gen_sym).reshape(n, restarts, 28, 28)
    err = (err / 4.0).reshape(n, restarts)  # in [0, 1] units, like metrics.mse
    order = np.argsort(err, axis=1)
    take = np.arange(n)[:, None]
    gen, err = gen[take, order], err[take, order]
    completed = mask * x[:, None] + (1 - mask) * gen
    return {"generated": gen, "completed": completed, "visible_error": err,
            "z": z.numpy().reshape(n, restarts, latent_dim)[take, order]}


# ---------------------------------------------------------------- measuring the image GANs


def evaluation_reference():
    """1,000 fixed test images in [0, 1] (100 per class) and their labels: the reference set
    of every recorded GAN number."""
    ds = data.load_fashion_mnist()
    x, y = data.stratified_subset(ds.x_test, ds.y_test, EVAL_N, seed=EVAL_SEED)
    return data.to_unit(x), y


def evaluate_dcgan(generator) -> dict:
    """The judge's Frechet distance of 1,000 seeded samples to 1,000 fixed test images."""
    x_ref, _ = evaluation_reference()
    fake = sample_images(generator, EVAL_N, seed=EVAL_SEED)
    return {"judge_fd": judge.judge_frechet_distance(fake, x_ref)}


def evaluate_cgan(generator) -> dict:
    """The judge's accuracy and Frechet distance on 1,000 seeded samples, 100 per class."""
    x_ref, _ = evaluation_reference()
    labels = np.arange(EVAL_N) % 10
    fake = sample_images(generator, EVAL_N, seed=EVAL_SEED, labels=labels)
    return {"judge_accuracy": judge.judge_accuracy(fake, labels),
            "judge_fd": judge.judge_frechet_distance(fake, x_ref)}
