"""Self-checks of ``06_generative_adversarial_networks``:
``from course_utils.checks import nb06 as checks``.

The core exercise of notebook 06 (the D and G losses inside ``train_step``) adds its check here
and continues with :func:`use`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.special import rel_entr

from course_utils.checks.base import (
    CheckResult,
    Mistake,
    fail_result,
    run_check,
    show_hint,
    todo_result,
    use,
)

__all__ = ["HINTS", "CheckResult", "check_d_loss_from_probs", "check_gan_train_step",
           "check_js_divergence",
           "check_masked_mse", "check_optimal_discriminator", "hint", "use"]

HINTS = {
    "d_loss_from_probs": "loss = -mean(log D(x)) - mean(log(1 - D(G(z)))), each mean over its "
                         "own batch, natural logarithm. With D = 0.5 everywhere it is 2 ln 2.",
    "optimal_discriminator": "D*(x) = p_data(x) / (p_data(x) + p_model(x)), element by element.",
    "js_divergence": "normalise p and q to sum to 1; m = (p + q) / 2; JS = KL(p || m) / 2 + "
                     "KL(q || m) / 2 with the natural log, where cells with p = 0 add nothing "
                     "to KL(p || m). A 2-D histogram is one distribution over all its cells.",
    "masked_mse": "np.sum(mask * (generated - target) ** 2, axis=(1, 2)) / np.sum(mask): the "
                  "squared error summed over the visible pixels of each image, divided by the "
                  "number of visible pixels.",
}


def hint(name: str) -> None:
    """Print the formula behind exercise ``name`` (``06_generative_adversarial_networks``)."""
    show_hint(HINTS, name)


# ---------------------------------------------------------------- D's loss


def _ref_d_loss_from_probs(d_real, d_fake):
    d_real = np.asarray(d_real, dtype=float)
    d_fake = np.asarray(d_fake, dtype=float)
    real_term = -sum(math.log(p) for p in d_real.ravel()) / d_real.size  # label 1
    fake_term = -sum(math.log1p(-p) for p in d_fake.ravel()) / d_fake.size  # label 0
    return real_term + fake_term


def _d_loss_variant(real=lambda r: np.log(r), fake=lambda f: np.log(1 - f), reduce=np.mean,
                    scale=1.0):
    def loss(d_real, d_fake):
        d_real, d_fake = np.asarray(d_real, dtype=float), np.asarray(d_fake, dtype=float)
        return -scale * (reduce(real(d_real)) + reduce(fake(d_fake)))

    return loss


def _pooled(r, f):
    return -np.mean(np.concatenate([np.log(np.ravel(r)), np.log(1 - np.ravel(f))]))


D_LOSS_MISTAKES = (
    Mistake("sign", _d_loss_variant(scale=-1.0),
            "your loss is the negative of the right one: look at the sign (the loss D "
            "minimises must be small when D is right)"),
    Mistake("labels_swapped", _d_loss_variant(real=lambda r: np.log(1 - r),
                                              fake=lambda f: np.log(f)),
            "your real and fake labels are swapped: your loss rewards D for calling real "
            "samples fake and generated ones real"),
    Mistake("fake_labelled_real", _d_loss_variant(fake=lambda f: np.log(f)),
            "your loss labels the generated samples as real: D must be pushed to call them "
            "fake"),
    Mistake("pooled", _pooled,
            "you averaged over the pooled batch: each term is averaged over its own batch "
            "(the two batches may differ in size)"),
    Mistake("averaged_terms", _d_loss_variant(scale=0.5),
            "your loss is exactly half the right one: the two terms are added, not averaged"),
    Mistake("summed", _d_loss_variant(reduce=np.sum),
            "you summed over each batch: average instead, so the loss does not grow with the "
            "batch size"),
    Mistake("log2", _d_loss_variant(real=np.log2, fake=lambda f: np.log2(1 - f)),
            "you used log base 2: losses are in nats (natural logarithm)"),
)


def check_d_loss_from_probs(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``06_generative_adversarial_networks``): the discriminator's loss from its
    probabilities ``D(x)`` on real samples and ``D(G(z))`` on generated ones."""
    rng = np.random.default_rng(60)
    cases = [
        (rng.uniform(0.05, 0.95, 16), rng.uniform(0.05, 0.95, 16)),
        (np.array([0.5]), np.array([0.5])),
        (np.array([0.9, 0.8]), np.array([0.1, 0.3, 0.2, 0.4])),
        (np.array([0.99]), np.array([0.01])),
        (np.array([0.2]), np.array([0.9])),
    ]
    notes = ["random probabilities", "D knows nothing", "batches of different sizes",
             "confident and right", "confident and wrong"]
    return run_check("d_loss_from_probs", student_fn, _ref_d_loss_from_probs, cases,
                     mistakes=D_LOSS_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- the optimal discriminator


def _ref_optimal_discriminator(p_data, p_model):
    p_data = np.asarray(p_data, dtype=float)
    p_model = np.asarray(p_model, dtype=float)
    return 1.0 / (1.0 + p_model / p_data)


OPTIMAL_D_MISTAKES = (
    Mistake("flipped", lambda p, q: np.asarray(q) / (np.asarray(p) + q),
            "you computed the probability that x was generated: D*(x) is the probability that "
            "x is real"),
    Mistake("ratio", lambda p, q: np.asarray(p) / q,
            "you returned the density ratio, which is not a probability (it can exceed 1)"),
    Mistake("log_ratio", lambda p, q: np.log(np.asarray(p) / q),
            "you returned the log of the density ratio (D's logit), not the probability"),
    Mistake("difference", lambda p, q: np.asarray(p) - q,
            "you returned a difference of densities, which is not a probability"),
    Mistake("one_half", lambda p, q: np.full(np.shape(p), 0.5),
            "your D* is 1/2 everywhere: that is only right where the generator matches the "
            "data"),
)


def check_optimal_discriminator(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``06_generative_adversarial_networks``): the best discriminator for a fixed
    generator, evaluated pointwise from the two densities."""
    rng = np.random.default_rng(61)
    cases = [
        (rng.uniform(0.01, 2.0, 10), rng.uniform(0.01, 2.0, 10)),
        (np.full(4, 0.3), np.full(4, 0.3)),
        (np.array([1.0, 1e-6]), np.array([1e-6, 1.0])),
        (rng.uniform(0.01, 1.0, (5, 5)), rng.uniform(0.01, 1.0, (5, 5))),
    ]
    notes = ["random densities", "the generator matches the data", "only data / only model",
             "a grid of densities"]
    return run_check("optimal_discriminator", student_fn, _ref_optimal_discriminator, cases,
                     mistakes=OPTIMAL_D_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- Jensen-Shannon divergence


def _normalised(a) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    return a / a.sum()


def _ref_js_divergence(p, q):
    p, q = _normalised(p).ravel(), _normalised(q).ravel()
    m = 0.5 * (p + q)
    return float(0.5 * rel_entr(p, m).sum() + 0.5 * rel_entr(q, m).sum())


def _kl_pq(p, q):
    p, q = _normalised(p).ravel(), _normalised(q).ravel()
    return float(np.sum(rel_entr(p, q)))


def _js_variant(normalise=True, half=0.5, log=np.log, axis=None, post=lambda v: v,
                skip_empty=True):
    def js(p, q):
        p = _normalised(p) if normalise else np.asarray(p, dtype=float)
        q = _normalised(q) if normalise else np.asarray(q, dtype=float)
        m = 0.5 * (p + q)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = [np.where(a > 0, a * log(a / m), 0.0) if skip_empty else a * log(a / m)
                     for a in (p, q)]
        return post(half * (np.sum(terms[0], axis=axis) + np.sum(terms[1], axis=axis)))

    return js


JS_MISTAKES = (
    Mistake("kl_only", _kl_pq,
            "you returned KL(p || q): it is not symmetric and becomes infinite where q has an "
            "empty cell; JS compares both histograms with a common reference"),
    Mistake("bits", _js_variant(log=np.log2),
            "your answer is in bits (log base 2): the exercise asks for nats (natural "
            "logarithm)"),
    Mistake("not_normalised", _js_variant(normalise=False),
            "you did not normalise the histograms: they may hold counts, so scale each to sum "
            "to 1 first"),
    Mistake("no_half", _js_variant(half=1.0),
            "your values are exactly twice the right ones: a factor 1/2 is missing"),
    Mistake("nan_on_empty", _js_variant(skip_empty=False),
            "your answer is NaN when a cell is empty: an empty cell contributes nothing to the "
            "sum"),
    Mistake("per_row", _js_variant(axis=-1),
            "you returned one value per row of the 2-D histogram: a 2-D histogram is one "
            "distribution over all its cells"),
    Mistake("square_root", _js_variant(post=np.sqrt),
            "you returned the square root of the divergence (the JS distance)"),
)


def check_js_divergence(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``06_generative_adversarial_networks``): the Jensen-Shannon divergence (nats)
    of two histograms."""
    rng = np.random.default_rng(62)
    p = rng.uniform(0, 1, 12)
    cases = [
        (p / p.sum(), p / p.sum()),
        (np.array([1.0, 0.0]), np.array([0.0, 1.0])),
        (rng.integers(0, 20, 30).astype(float), rng.integers(1, 20, 30).astype(float)),
        (np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.5, 0.5, 0.0])),
        (rng.uniform(0, 1, (4, 6)), rng.uniform(0, 1, (4, 6))),
    ]
    notes = ["identical histograms", "disjoint histograms", "counts, not probabilities",
             "empty cells", "2-D histograms"]
    return run_check("js_divergence", student_fn, _ref_js_divergence, cases,
                     mistakes=JS_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- masked MSE


def _ref_masked_mse(generated, target, mask):
    generated = np.asarray(generated, dtype=float)
    target = np.asarray(target, dtype=float)
    visible = np.broadcast_to(np.asarray(mask) > 0, generated.shape)
    return np.array([np.mean((g - t)[v] ** 2)
                     for g, t, v in zip(generated, target, visible, strict=True)])


def _mse_variant(weight=lambda m: m, power=2, reduce="visible", post=lambda v: v):
    def mse(g, t, m):
        g, t, m = (np.asarray(a, dtype=float) for a in (g, t, m))
        err = weight(m) * np.abs(g - t) ** power
        axes = tuple(range(1, g.ndim))
        if reduce == "visible":
            out = err.sum(axis=axes) / np.broadcast_to(weight(m), g.shape).sum(axis=axes)
        elif reduce == "all":
            out = err.mean(axis=axes)
        elif reduce == "sum":
            out = err.sum(axis=axes)
        else:
            out = err.sum() / np.broadcast_to(m, g.shape).sum()
        return post(out)

    return mse


MASKED_MSE_MISTAKES = (
    Mistake("all_pixels", _mse_variant(reduce="all"),
            "you divided by every pixel, the hidden ones included: average over the visible "
            "pixels only"),
    Mistake("unmasked", _mse_variant(weight=lambda m: np.ones_like(m)),
            "your error counts the hidden pixels too: only visible pixels may count"),
    Mistake("inverted", _mse_variant(weight=lambda m: 1.0 - m),
            "you measured the error on the hidden pixels: in the mask, 1 means visible"),
    Mistake("absolute", _mse_variant(power=1),
            "you used absolute differences, not squared ones"),
    Mistake("summed", _mse_variant(reduce="sum"),
            "you summed the errors of the visible pixels: average them instead"),
    Mistake("root", _mse_variant(post=np.sqrt),
            "you took a square root: the mean squared error is wanted, not its root"),
    Mistake("one_number", _mse_variant(reduce="batch"),
            "you returned one number for the whole batch: one value per image is wanted"),
)


def check_masked_mse(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``06_generative_adversarial_networks``): mean squared error over the visible
    pixels only, one value per image (the objective of image completion by latent search)."""
    rng = np.random.default_rng(63)
    half = np.ones((28, 28))
    half[14:] = 0.0
    target = rng.uniform(0, 1, (3, 28, 28))
    differs_below = target.copy()
    differs_below[:, 14:] = 1.0 - differs_below[:, 14:]
    cases = [
        (rng.uniform(0, 1, (3, 28, 28)), target, half),
        (rng.uniform(0, 1, (2, 28, 28)), rng.uniform(0, 1, (2, 28, 28)), np.ones((28, 28))),
        (differs_below, target, half),
        (rng.uniform(0, 1, (4, 28, 28)), rng.uniform(0, 1, (4, 28, 28)),
         (rng.uniform(0, 1, (28, 28)) > 0.7).astype(float)),
    ]
    notes = ["the bottom half hidden", "nothing hidden", "differences only where hidden",
             "scattered visible pixels"]
    return run_check("masked_mse", student_fn, _ref_masked_mse, cases,
                     mistakes=MASKED_MSE_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- core: the GAN's train_step
# The check plays one step of the student's game and of an independent reference (plus a
# version of the reference for each typical mistake) from the same weights, seed and batch,
# with plain SGD, and compares what comes out: both losses and both networks' new weights. A
# probe layer behaves differently in training and inference mode, so a forgotten
# ``training=True`` changes the numbers too.

HINTS["gan_train_step"] = (
    "D step: d_loss = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits)) "
    "(real labelled 1, fake 0; -log sigmoid(a) = softplus(-a)); G step: g_loss = "
    "ops.mean(ops.softplus(-g_logits)), the non-saturating -log D(G(z)); each gradient is taken "
    "with respect to its own network's trainable_weights and applied by its own optimizer; "
    "every network call inside train_step passes training=True.")

GAN_MISTAKES = {
    "labels_swapped": "D learns to call real images fake and fakes real: the real and fake "
                      "labels of D's loss are swapped",
    "d_sign": "your D loss has the wrong sign: D climbs its own cross-entropy instead of "
              "descending it",
    "saturating": "your G loss is log(1 - D(G(z))), the saturating loss of the minimax game: "
                  "the non-saturating loss asks G to make log D(G(z)) large instead",
    "g_sign": "your G loss pushes D(G(z)) down: G should make D say 'real' for its fakes",
    "g_grads_to_d": "G's update changed D's weights and left G unchanged: in the G step take "
                    "the gradient with respect to G's weights and apply it to them",
    "d_not_training": "D's outputs in the D step were computed in inference mode: pass "
                      "training=True to every network call inside train_step",
    "g_not_training": "G was called in inference mode: pass training=True to every network "
                      "call inside train_step",
}


def _probe_layer_class():
    import keras

    class TrainingProbe(keras.layers.Layer):
        """Identity in training mode, halves its input in inference mode."""

        def call(self, x, training=None):
            return x if training else 0.5 * x

    return TrainingProbe


def _tiny_networks():
    import keras

    probe = _probe_layer_class()

    def init(seed):
        return keras.initializers.GlorotUniform(seed=seed)

    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_initializer=init(
        61)), probe()], name="generator")
    discriminator = keras.Sequential([
        keras.Input((2,)), keras.layers.Dense(4, activation="tanh", kernel_initializer=init(62)),
        keras.layers.Dense(1, kernel_initializer=init(63)), probe()], name="discriminator")
    return generator, discriminator


def _reference_class(mistake: str | None):
    """An independent train_step (labels and a cross-entropy, not softplus) with one mistake."""
    import keras
    import tensorflow as tf

    from course_utils.gan import BaseGAN

    bce = keras.losses.BinaryCrossentropy(from_logits=True)

    class Reference(BaseGAN):
        def train_step(self, data):
            real = data
            n = tf.shape(real)[0]
            ones, zeros = tf.ones((n, 1)), tf.zeros((n, 1))
            g_mode = mistake != "g_not_training"
            fake = self.generator(self.sample_noise(n), training=g_mode)
            with tf.GradientTape() as tape:
                d_mode = mistake != "d_not_training"
                real_logits = self.discriminator(real, training=d_mode)
                fake_logits = self.discriminator(fake, training=d_mode)
                real_label, fake_label = (zeros, ones) if mistake == "labels_swapped" \
                    else (ones, zeros)
                d_loss = bce(real_label, real_logits) + bce(fake_label, fake_logits)
                if mistake == "d_sign":
                    d_loss = -d_loss
            d_vars = self.discriminator.trainable_weights
            self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
            noise = self.sample_noise(n)
            with tf.GradientTape() as tape:
                g_logits = self.discriminator(self.generator(noise, training=g_mode),
                                              training=True)
                if mistake == "saturating":
                    g_loss = -bce(zeros, g_logits)  # mean log(1 - D(G(z)))
                elif mistake == "g_sign":
                    g_loss = bce(zeros, g_logits)
                else:
                    g_loss = bce(ones, g_logits)
            target = self.discriminator if mistake == "g_grads_to_d" else self.generator
            g_vars = target.trainable_weights
            self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
            return self.track(d_loss, g_loss, real_logits, fake_logits)

    return Reference


def _play_one_step(model_class) -> dict:
    """Both losses and both networks' weights after one train_step of ``model_class``."""
    import keras

    generator, discriminator = _tiny_networks()
    model = model_class(generator, discriminator, seed=62)
    model.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
    real = np.random.default_rng(63).normal(1.0, 0.5, (8, 2)).astype("float32")
    logs = model.train_step(keras.ops.convert_to_tensor(real))
    return {"d_loss": float(logs["d_loss"]), "g_loss": float(logs["g_loss"]),
            "d_weights": np.concatenate([np.ravel(w) for w in discriminator.get_weights()]),
            "g_weights": np.concatenate([np.ravel(w) for w in generator.get_weights()])}


def _same_step(a: dict, b: dict) -> bool:
    return all(np.allclose(a[k], b[k], rtol=1e-4, atol=1e-6) for k in a)


def check_gan_train_step(model_class, verbose: bool = True) -> CheckResult:
    """Core exercise (``06_generative_adversarial_networks``): the D and G losses inside
    ``train_step``. Plays one step of ``model_class`` (a ``gan.BaseGAN`` subclass) against an
    independent reference and against each typical mistake. Continue with
    ``result.use(model_class, gan.GAN)``."""
    from course_utils.gan import BaseGAN

    name = "gan_train_step"
    if not (isinstance(model_class, type) and issubclass(model_class, BaseGAN)):
        result = fail_result(name, f"expected your GAN class (a subclass of gan.BaseGAN), got "
                             f"{model_class!r}")
    else:
        try:
            mine = _play_one_step(model_class)
        except NotImplementedError:
            mine = None
            result = todo_result(name)
        except Exception as exc:  # noqa: BLE001 - report the student's error, don't crash
            mine = None
            result = fail_result(name, f"one training step raised {type(exc).__name__}: {exc}")
        if mine is not None:
            result = _diagnose_step(name, mine)
    if verbose:
        print(result.message)
    return result


def _diagnose_step(name: str, mine: dict) -> CheckResult:
    right = _play_one_step(_reference_class(None))
    if _same_step(mine, right):
        return CheckResult(name, "pass", f"{name}: PASS - one step of your game matches the "
                           "reference: both losses and both updates.")
    for mistake, message in GAN_MISTAKES.items():
        if _same_step(mine, _play_one_step(_reference_class(mistake))):
            return fail_result(name, message, mistake=mistake)
    wrong = [label for key, label in (("d_loss", "D's loss"), ("g_loss", "G's loss"),
                                      ("d_weights", "D's update"), ("g_weights", "G's update"))
             if not np.allclose(mine[key], right[key], rtol=1e-4, atol=1e-6)]
    return fail_result(name, "one step of your game differs from the reference in "
                       + ", ".join(wrong) + " (D's loss: "
                       f"{mine['d_loss']:.4g} vs {right['d_loss']:.4g}; G's loss: "
                       f"{mine['g_loss']:.4g} vs {right['g_loss']:.4g}); only the two loss "
                       "lines should need writing")
