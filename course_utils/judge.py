"""The judge: a small Fashion-MNIST classifier that measures generated images
(``06_generative_adversarial_networks``).

A compact CNN trained on all 60,000 training images. Its penultimate layer (``"features"``,
:data:`FEATURE_DIM` numbers per image) is the feature space of
:func:`judge_frechet_distance` (an FID analogue for Fashion-MNIST), and its predictions give
:func:`judge_accuracy` (does a conditional GAN draw the class it was asked for?). The judge is
pretrained like every other model (:mod:`course_utils.pretrained`):
``python -m course_utils.pretrain --only judge`` retrains it and records it in the manifest.

``python -m course_utils.judge --reference`` writes ``data/reference_values.json`` and
``data/REFERENCE_VALUES.md``: the judge's test accuracy and the Frechet distances of a
real-data floor and of trivial generators, against which every reported value is read.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

import keras
import numpy as np
from keras import layers

from course_utils import checkpoints, data, metrics
from course_utils.config import DATA_DIR, REPO_ROOT, Profile
from course_utils.helpers import (
    as_images,
    build_optimizer,
    check_seed,
    infer,
    write_json_atomic,
    write_text_atomic,
)

JUDGE_NAME = "judge"
FEATURE_LAYER = "features"
FEATURE_DIM = 64  # small enough that a few hundred samples estimate the covariance well
EPOCHS = 12
SEED = 0  # the seed of the committed judge (every reported Frechet distance depends on it)
BATCH_SIZE = 256
LEARNING_RATE = 2e-3  # peak of a cosine decay to 0 over the whole run
REFERENCE_COMMAND = "python -m course_utils.judge --reference"
REFERENCE_JSON = DATA_DIR / "reference_values.json"
REFERENCE_MD = DATA_DIR / "REFERENCE_VALUES.md"
REFERENCE_SIZES = (1000, 5000)
REFERENCE_SEED = 0
_INFER_BATCH = 2000


# ---------------------------------------------------------------- building and training


def build_judge(feature_dim: int = FEATURE_DIM):
    """The judge's architecture, untrained: two conv blocks (convolution, batch
    normalisation, ReLU, max-pooling), a ``"features"`` Dense layer of
    ``feature_dim`` units, and a 10-way softmax. Input ``(28, 28, 1)`` in [0, 1]."""
    inputs = keras.Input((28, 28, 1), name="image")
    h = inputs
    for i, filters in enumerate((32, 64), start=1):
        h = layers.Conv2D(filters, 3, use_bias=False, name=f"conv{i}")(h)
        h = layers.BatchNormalization(name=f"bn{i}")(h)
        h = layers.Activation("relu", name=f"relu{i}")(h)
        h = layers.MaxPooling2D(name=f"pool{i}")(h)
    h = layers.Flatten(name="flatten")(h)
    h = layers.Dropout(0.3, name="dropout1")(h)
    features = layers.Dense(feature_dim, activation="relu", name=FEATURE_LAYER)(h)
    h = layers.Dropout(0.2, name="dropout2")(features)
    probs = layers.Dense(10, activation="softmax", name="probs")(h)
    return keras.Model(inputs, probs, name="judge")


def train_judge(epochs: int = EPOCHS, seed: int = SEED, n_train: int | None = None,
                batch_size: int = BATCH_SIZE, callbacks=None):
    """Train the judge on the Fashion-MNIST training set (all 60,000 images unless
    ``n_train`` asks for a stratified subset); returns ``(model, history)``.

    Seeds Keras with ``seed`` (TensorFlow op determinism is on after
    :func:`course_utils.setup`), so the same arguments give the same weights. The returned
    model has no optimizer state (a smaller checkpoint); ``history`` holds the per-epoch loss
    and accuracy.
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    seed = check_seed(seed)
    keras.utils.set_random_seed(seed)
    ds = data.load_fashion_mnist()
    x, y = data.stratified_subset(ds.x_train, ds.y_train, n_train, seed=seed)
    x, y = data.to_unit(x)[..., None], y.astype("int64")
    model = build_judge()
    steps = epochs * -(-len(x) // batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(LEARNING_RATE, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    build_optimizer(model)  # one trace of the training step, not two
    fit = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0,
                    callbacks=callbacks)
    clean = build_judge()
    clean.set_weights(model.get_weights())
    history = {k: np.asarray(v, dtype="float32") for k, v in fit.history.items()}
    history["epoch"] = np.arange(1, epochs + 1)
    return clean, history


def train(profile: Profile, seed: int | None = None, callbacks=None):
    """The judge as the pretrained registry trains it: all training images, :data:`EPOCHS`
    epochs, whatever the profile (the judge is a measuring instrument, not a lesson)."""
    return train_judge(EPOCHS, SEED if seed is None else seed, callbacks=callbacks)


# ---------------------------------------------------------------- loading and using


@functools.lru_cache(maxsize=4)
def _load_cached(path: str):
    p = Path(path)
    model = checkpoints.load_checkpoint(p, name=JUDGE_NAME)
    try:
        feats = model.get_layer(FEATURE_LAYER).output
    except ValueError as exc:
        raise checkpoints.CheckpointError(
            f"{p} has no layer named {FEATURE_LAYER!r}; it is not a judge checkpoint. "
            + checkpoints.REGENERATE_HINT.format(name=JUDGE_NAME)) from exc
    both = keras.Model(model.input, [feats, model.output], name="judge_features")
    return model, both


def load_judge(path: str | os.PathLike | None = None):
    """The trained judge (a Keras model: images ``(n, 28, 28, 1)`` -> class probabilities),
    loaded once per session from ``data/checkpoints/judge.keras`` in safe mode.

    A missing or corrupt file raises :class:`~course_utils.checkpoints.CheckpointError` naming
    the command that regenerates it.
    """
    p = Path(path) if path is not None else checkpoints.checkpoint_path(JUDGE_NAME)
    return _load_cached(str(p.resolve()))[0]


def clear_judge_cache() -> None:
    """Forget the loaded judge (after retraining it in the same session)."""
    _load_cached.cache_clear()


def _run(images, path=None) -> tuple[np.ndarray, np.ndarray]:
    x = as_images(images, "images")[..., None]
    p = Path(path) if path is not None else checkpoints.checkpoint_path(JUDGE_NAME)
    both = _load_cached(str(p.resolve()))[1]
    feats, probs = [], []
    for i in range(0, len(x), _INFER_BATCH):
        f, pr = infer(both, x[i:i + _INFER_BATCH])
        feats.append(f)
        probs.append(pr)
    return np.concatenate(feats), np.concatenate(probs)


def judge_features(images, path: str | os.PathLike | None = None) -> np.ndarray:
    """The judge's penultimate-layer features, shape ``(n, FEATURE_DIM)`` float32
    (``06_generative_adversarial_networks``).

    ``images``: floats in [0, 1] shaped ``(n, 28, 28)`` or ``(n, 28, 28, 1)``; anything else
    (27x27 images, flat vectors, uint8, [-1, 1], NaN, an empty set) raises a clear error.
    """
    return _run(images, path)[0]


def judge_predict(images, path: str | os.PathLike | None = None) -> np.ndarray:
    """The judge's class probabilities, shape ``(n, 10)`` (rows sum to 1); the predicted
    class is ``argmax(axis=1)``, named by ``data.CLASS_NAMES``. Input as in
    :func:`judge_features`."""
    return _run(images, path)[1]


def judge_frechet_distance(images_a, images_b) -> float:
    """Frechet distance between two image sets on the judge's features, an FID analogue for
    Fashion-MNIST (``05_variational_autoencoders``, ``06``).

    Both sets: float images in [0, 1], ``(n, 28, 28)`` or ``(n, 28, 28, 1)``. Read a value
    against the floor (real vs real) and ceiling (noise) in ``data/REFERENCE_VALUES.md``,
    computed with the same set sizes.
    """
    return metrics.frechet_distance(judge_features(as_images(images_a, "images_a")),
                                    judge_features(as_images(images_b, "images_b")))


def judge_accuracy(images, intended_labels) -> float:
    """Fraction of ``images`` that the judge classifies as their ``intended_labels`` (0-9)
    (``06``: how often a conditional GAN draws the class it was asked for)."""
    x = as_images(images, "images")
    y = np.asarray(intended_labels)
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"intended_labels must hold one label per image ({len(x)}), got shape "
                         f"{y.shape}")
    if y.dtype.kind not in "iu" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
        raise ValueError("intended_labels must be integer class indices 0-9")
    y = y.astype("int64")
    if y.min() < 0 or y.max() > 9:
        raise ValueError(f"intended_labels must be class indices 0-9, got values in "
                         f"[{y.min()}, {y.max()}]")
    return float(np.mean(np.argmax(judge_predict(x), axis=1) == y))


def evaluate(model=None) -> dict:
    """``{"test_accuracy": ...}`` of a judge model (the committed one when ``None``) on all
    10,000 Fashion-MNIST test images."""
    ds = data.load_fashion_mnist()
    x = data.to_unit(ds.x_test)[..., None]
    model = model if model is not None else load_judge()
    probs = np.concatenate([np.asarray(model(x[i:i + _INFER_BATCH], training=False))
                            for i in range(0, len(x), _INFER_BATCH)])
    return {"test_accuracy": float(np.mean(np.argmax(probs, axis=1) == ds.y_test))}


# ---------------------------------------------------------------- reference values


def _pixel_statistics():
    x = data.to_unit(data.load_fashion_mnist().x_train).astype("float64")
    return x.mean(axis=0), x.var(axis=0)


def _train_subset(n: int, seed: int) -> np.ndarray:
    ds = data.load_fashion_mnist()
    return data.to_unit(data.stratified_subset(ds.x_train, ds.y_train, n, seed=seed)[0])


def reference_sets(n: int, seed: int = REFERENCE_SEED) -> tuple[np.ndarray, dict]:
    """The test images and the generated sets behind the reference values, all of ``n``
    images in [0, 1] and all deterministic in ``(n, seed)``.

    Returns ``(test_images, {label: images})``; ``label`` names the generator.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 6000:
        raise ValueError(f"n must be an int between 2 and 6000 (the images of one class), "
                         f"got {n!r}")
    ds = data.load_fashion_mnist()
    x_test, _ = data.stratified_subset(ds.x_test, ds.y_test, n, seed=seed + 1)
    x_test, x_train = data.to_unit(x_test), _train_subset(n, seed)
    rng = np.random.default_rng([seed, n])
    mean, var = _pixel_statistics()
    trousers = data.to_unit(ds.x_train[ds.y_train == 1])
    shuffled = np.take_along_axis(
        x_train.reshape(n, -1), rng.permuted(np.tile(np.arange(784), (n, 1)), axis=1), axis=1
    ).reshape(n, 28, 28)
    sets = {
        "train images (floor)": x_train,
        "train images + noise (std 0.1)": np.clip(
            x_train + 0.1 * rng.standard_normal(x_train.shape), 0, 1),
        "one class only (Trouser)": trousers[rng.choice(len(trousers), n, replace=False)],
        "train images, pixels shuffled": shuffled,
        "mean image, repeated": np.repeat(mean[None], n, axis=0),
        "per-pixel Gaussian noise (ceiling)": np.clip(
            mean + np.sqrt(var) * rng.standard_normal((n, 28, 28)), 0, 1),
    }
    return x_test, {k: v.astype("float32") for k, v in sets.items()}


def reference_values(sizes=REFERENCE_SIZES, seed: int = REFERENCE_SEED) -> dict:
    """Compute the reference values (``python -m course_utils.judge --reference``)."""
    import scipy
    import tensorflow as tf

    frechet_distance = metrics.frechet_distance
    frechet = {}
    for n in sizes:
        x_test, sets = reference_sets(n, seed)
        test_feats = judge_features(x_test)
        frechet[str(n)] = {label: round(frechet_distance(judge_features(imgs), test_feats), 3)
                           for label, imgs in sets.items()}
        floors = [frechet_distance(judge_features(_train_subset(n, s)), test_feats)
                  for s in (seed + 1, seed + 2)]
        floors.append(frechet[str(n)]["train images (floor)"])
        frechet[str(n)]["floor spread (std over 3 train subsets)"] = round(float(np.std(floors)), 3)
    manifest = checkpoints.read_manifest().get(JUDGE_NAME, {})
    return {
        "command": REFERENCE_COMMAND,
        "judge": {"checkpoint": f"data/checkpoints/{JUDGE_NAME}.keras",
                  "feature_layer": FEATURE_LAYER, "feature_dim": FEATURE_DIM,
                  "test_accuracy": round(evaluate()["test_accuracy"], 4),
                  "recorded_test_accuracy": manifest.get("metrics", {}).get("test_accuracy")},
        "protocol": {
            "sizes": list(sizes), "seed": seed,
            "test_images": "data.stratified_subset(x_test, y_test, n, seed=seed + 1)",
            "train_images": "data.stratified_subset(x_train, y_train, n, seed=seed)",
            "generators": "course_utils.judge.reference_sets(n, seed)",
        },
        "frechet_distance": frechet,
        "row_order": list(frechet[str(sizes[0])]),  # JSON keys are written sorted
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__,
                     "tensorflow": tf.__version__, "keras": keras.__version__},
    }


_EXPLANATION = """\
# Reference values

*Written by `{command}`; do not edit by hand.*

**How to read a Frechet distance.** `judge.judge_frechet_distance(generated, real)` compares
two image sets in the feature space of the judge (a small Fashion-MNIST classifier): it fits a
Gaussian to each set's features and measures how far apart the two Gaussians are. Lower is
better. The number has no unit of its own, so read it against two anchors measured with the
same judge and **the same set sizes** (the estimate is biased upwards for small sets, so a
value from 1,000 images is only comparable with the 1,000-image column):

* the **floor**: real training images against real test images. No generator can be expected
  to beat it; differences within about the floor spread are noise.
* the **ceiling**: per-pixel Gaussian noise with the training set's per-pixel mean and variance
  (clipped to [0, 1]), a "generator" that learned the brightness of every pixel but no shapes.
  A model near this value has learned little. It is a reference, not the largest possible
  value: a generator can do worse than noise, as the mode-collapse row shows.

The other rows show what typical failures cost: mild pixel noise on real images, mode collapse
to one class, the right pixel values in the wrong places, and one average image repeated.
These numbers belong to this judge: they are not comparable with the Inception-based FID
values of papers.

Judge: `{checkpoint}`, {feature_dim} features from the `{feature_layer}` layer; test accuracy on
all 10,000 test images: **{accuracy_pct}**.
"""


def reference_markdown(values: dict) -> str:
    """The text of ``data/REFERENCE_VALUES.md`` for the ``values`` of :func:`reference_values`."""
    judge = values["judge"]
    sizes = values["protocol"]["sizes"]
    lines = [_EXPLANATION.format(command=values["command"], checkpoint=judge["checkpoint"],
                                 feature_dim=judge["feature_dim"],
                                 feature_layer=judge["feature_layer"],
                                 accuracy_pct=f"{100 * judge['test_accuracy']:.2f} %")]
    header = "| generated set (n images) vs n test images | " + " | ".join(
        f"n = {n:,}" for n in sizes) + " |"
    lines += ["## Frechet distance on judge features", "", header,
              "|---|" + "---:|" * len(sizes)]
    for label in values["row_order"]:
        cells = [f"{values['frechet_distance'][str(n)][label]:.3f}" for n in sizes]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    protocol = values["protocol"]
    lines += ["", "## Protocol", "",
              f"* Test images: a stratified subset of the Fashion-MNIST test set, "
              f"`{protocol['test_images']}`.",
              f"* Train images: a stratified subset of the training set, "
              f"`{protocol['train_images']}`; the floor spread "
              "(standard deviation of the floor over three training subsets) uses seeds "
              f"{protocol['seed'] + 1} and {protocol['seed'] + 2} as well.",
              f"* Generated sets: `{protocol['generators']}`, seed {protocol['seed']}.",
              "* Versions: " + ", ".join(f"{k} {v}" for k, v in sorted(values["versions"].items()))
              + ".",
              ""]
    return "\n".join(lines)


def write_reference(sizes=REFERENCE_SIZES, seed: int = REFERENCE_SEED) -> dict:
    """Compute the reference values and write ``data/reference_values.json`` and
    ``data/REFERENCE_VALUES.md``; returns the values."""
    values = reference_values(sizes, seed)
    write_json_atomic(values, REFERENCE_JSON)
    write_text_atomic(reference_markdown(values), REFERENCE_MD)
    return values


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m course_utils.judge --reference`` (see the module docstring)."""
    parser = argparse.ArgumentParser(
        description="Publish the judge's reference Frechet distances (retrain the judge itself "
                    "with `python -m course_utils.pretrain --only judge`).")
    parser.add_argument("--reference", action="store_true",
                        help="write data/reference_values.json and data/REFERENCE_VALUES.md")
    args = parser.parse_args(argv)
    if not args.reference:
        parser.error("say what to do: --reference")
    import course_utils

    course_utils.setup(seed=REFERENCE_SEED, quiet=True)
    values = write_reference()
    print(reference_markdown(values))
    print(f"wrote {REFERENCE_JSON.relative_to(REPO_ROOT)} and "
          f"{REFERENCE_MD.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
