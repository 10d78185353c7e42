"""An "aging" analogue: a GAN conditioned on an ordinal attribute (``07_gan_variants``).

Face-aging GANs keep the person and change the age. Fashion-MNIST has no ages, but every image
has an ordinal attribute it really carries: its **ink** (mean pixel value, light to heavy).
The ink is cut into :data:`N_BINS` bins **by per-class quantiles**, so bin 0 means "light for
its class" and bin 4 "heavy for its class" in every class alike: the bin says nothing about the
class. The conditional GAN of ``06`` (:func:`course_utils.gan.build_cgan_generator`,
:func:`course_utils.gan.build_cgan_discriminator`, ``gan.ConditionalGAN``) is trained with the
bin as its label. Keeping the noise ``z`` fixed and sweeping the bin should change the ink and
keep the garment, as an aging model keeps the face. :func:`evaluate_aging` measures both.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from course_utils import config, data, gan, helpers, judge, progress

N_BINS = 5
N_CLASSES = 10
LATENT_DIM = 32
CLASS_STEPS = 200  # generator updates in the ``class`` profile
FULL_STEPS = 3000
BATCH_SIZE = 128
LEARNING_RATE = 1e-3
EVAL_SEED = 99
EVAL_SWEEPS = 500
N_SHOW = 4  # sweeps recorded in the history


# ---------------------------------------------------------------- the attribute


def ink(images_unit) -> np.ndarray:
    """Ink of each image: its mean pixel value in [0, 1], shape ``(n,)`` (``07_gan_variants``)."""
    return helpers.as_images(images_unit, "images_unit").mean(axis=(1, 2))


def _as_labels(labels, n: int) -> np.ndarray:
    y = np.asarray(labels)
    if y.dtype.kind not in "iu" or y.ndim != 1:
        raise TypeError(f"labels must be a 1-D array of class indices, got dtype {y.dtype} "
                        f"and shape {y.shape}")
    if len(y) != n:
        raise ValueError(f"got {n} images but {len(y)} labels")
    if len(y) and (y.min() < 0 or y.max() >= N_CLASSES):
        raise ValueError(f"labels must be class indices 0..{N_CLASSES - 1}")
    return y.astype("int64")


def ink_bin_edges(images_unit, labels, n_bins: int = N_BINS) -> np.ndarray:
    """Per-class quantile edges of the ink, shape ``(10, n_bins - 1)`` (``07_gan_variants``).

    Row ``c`` holds the 1/n_bins, 2/n_bins, ... quantiles of the ink of class ``c``'s images,
    so every class splits into equally full bins from its lightest to its heaviest images.
    Classes without images get NaN edges (they cannot be binned)."""
    values = ink(images_unit)
    return _edges_from_ink(values, _as_labels(labels, len(values)), n_bins)


def ink_bins(images_unit, labels, edges=None, n_bins: int = N_BINS) -> np.ndarray:
    """The ink bin (0 = lightest for its class .. n_bins - 1 = heaviest) of every image,
    ``(n,)`` int (``07_gan_variants``). ``edges`` defaults to :func:`ink_bin_edges` of these
    same images; pass the training set's edges to bin other images the same way."""
    values = ink(images_unit)
    y = _as_labels(labels, len(values))
    edges = _edges_from_ink(values, y, n_bins) if edges is None else np.asarray(edges)
    return _bins_from_ink(values, y, edges)


def _edges_from_ink(values: np.ndarray, y: np.ndarray, n_bins: int) -> np.ndarray:
    n_bins = helpers.check_int(n_bins, "n_bins", minimum=2)
    qs = np.arange(1, n_bins) / n_bins
    edges = np.full((N_CLASSES, n_bins - 1), np.nan)
    for c in np.unique(y):
        edges[c] = np.quantile(values[y == c], qs)
    return edges


def _bins_from_ink(values: np.ndarray, y: np.ndarray, edges: np.ndarray) -> np.ndarray:
    if edges.ndim != 2 or edges.shape[0] != N_CLASSES or edges.shape[1] < 1:
        raise ValueError(f"edges must be shaped ({N_CLASSES}, n_bins - 1), got {edges.shape}")
    if np.isnan(edges[np.unique(y)]).any():
        raise ValueError("some labels' classes have no bin edges (no images of that class)")
    out = np.zeros(len(values), dtype="int64")
    for c in np.unique(y):
        out[y == c] = np.searchsorted(edges[c], values[y == c], side="right")
    return out


# ---------------------------------------------------------------- measures


def spearman_rows(values) -> np.ndarray:
    """Spearman rank correlation of each row of ``values`` ``(n, k)`` with its position
    0..k-1 (ties get average ranks), shape ``(n,)`` (``07_gan_variants``): 1 when the values
    rise with the bin, -1 when they fall, near 0 when unrelated."""
    from scipy import stats

    v = np.asarray(values, dtype="float64")
    if v.ndim != 2 or v.shape[1] < 2:
        raise ValueError(f"values must be shaped (n, k) with k >= 2, got {v.shape}")
    ranks = stats.rankdata(v, axis=1)
    position = np.arange(1, v.shape[1] + 1, dtype="float64")
    rc = ranks - ranks.mean(axis=1, keepdims=True)
    pc = position - position.mean()
    denom = np.sqrt((rc**2).sum(axis=1) * (pc**2).sum())
    return np.divide(rc @ pc, denom, out=np.zeros(len(v)), where=denom > 0)


def sweep(generator, z, n_bins: int = N_BINS) -> np.ndarray:
    """Images in [0, 1] ``(n, n_bins, 28, 28)``: every noise vector of ``z`` ``(n, latent)``
    generated with every bin 0..n_bins-1 (``07_gan_variants``)."""
    z = np.asarray(z, dtype="float32")
    latent = int(generator.inputs[0].shape[-1])
    if z.ndim != 2 or z.shape[1] != latent or len(z) == 0:
        raise ValueError(f"z must be shaped (n, {latent}), got {z.shape}")
    zz = np.repeat(z, n_bins, axis=0)
    bins = np.tile(np.arange(n_bins, dtype="int32"), len(z))
    return _generate(generator, zz, bins).reshape(len(z), n_bins, 28, 28)


def _generate(generator, z, bins) -> np.ndarray:
    out = [np.asarray(generator([z[i:i + 1000], bins[i:i + 1000]], training=False))
           for i in range(0, len(z), 1000)]
    return helpers.from_symmetric(np.concatenate(out))[..., 0]


def sweep_measures(images) -> dict[str, float]:
    """Measures of swept images ``(n, n_bins, 28, 28)``: ``spearman`` (mean over sweeps of
    the rank correlation of bin and ink), ``monotone_share`` (sweeps whose ink rises at every
    step), ``class_stays`` (sweeps the judge puts in one class at every bin), and
    ``same_class_as_middle_<b>`` (per bin, share of sweeps whose class equals the middle
    bin's)."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[2:] != (28, 28):
        raise ValueError(f"images must be sweeps shaped (n, n_bins, 28, 28), got {images.shape}")
    n, k = images.shape[:2]
    flat = images.reshape(n * k, 28, 28)
    inks = ink(flat).reshape(n, k)
    classes = np.argmax(judge.judge_predict(flat), axis=1).reshape(n, k)
    out = {"spearman": float(spearman_rows(inks).mean()),
           "monotone_share": float(np.mean(np.all(np.diff(inks, axis=1) > 0, axis=1))),
           "class_stays": float(np.mean(np.all(classes == classes[:, :1], axis=1)))}
    middle = classes[:, k // 2]
    for b in range(k):
        out[f"same_class_as_middle_{b}"] = float(np.mean(classes[:, b] == middle))
    for b in range(k):
        out[f"ink_bin_{b}"] = float(inks[:, b].mean())
    return out


def evaluate_aging(generator, n_sweeps: int = EVAL_SWEEPS) -> dict[str, float]:
    """Re-measure an ink-conditioned generator with fixed seeds (``07_gan_variants``).

    With ``z`` fixed and the bin swept over all bins for ``n_sweeps`` seeded ``z``: the
    :func:`sweep_measures`. For context, the same measures when every bin gets its *own*
    random ``z`` (``*_random_z``: what the condition does without a fixed ``z``; the class
    then stays only by chance), the mean ink of real test images per bin
    (``real_ink_bin_<b>``, binned with the training set's edges), and
    ``class_stays_real_rescaled`` / ``spearman_real_rescaled``: the measures of
    :func:`rescaled_real_sweeps` (real images made lighter and heavier by brightness alone),
    the best a perfect ink-only edit could score with this judge.
    """
    n_sweeps = helpers.check_int(n_sweeps, "n_sweeps", minimum=2)
    latent = int(generator.inputs[0].shape[-1])
    n_bins = int(generator.get_layer("label_embedding").input_dim)
    rng = np.random.default_rng(EVAL_SEED)
    z = rng.standard_normal((n_sweeps, latent)).astype("float32")
    out = sweep_measures(sweep(generator, z, n_bins))
    z_free = rng.standard_normal((n_sweeps * n_bins, latent)).astype("float32")
    bins = np.tile(np.arange(n_bins, dtype="int32"), n_sweeps)
    free = _generate(generator, z_free, bins).reshape(n_sweeps, n_bins, 28, 28)
    for key, value in sweep_measures(free).items():
        if not key.startswith(("same_class", "ink_bin")):
            out[f"{key}_random_z"] = value
    per_bin, _ = _real_ink_statistics(n_bins)
    for b, value in enumerate(per_bin):
        out[f"real_ink_bin_{b}"] = float(value)
    real = sweep_measures(rescaled_real_sweeps(n_sweeps, n_bins))
    out["class_stays_real_rescaled"] = real["class_stays"]
    out["spearman_real_rescaled"] = real["spearman"]
    return out


def _real_ink_statistics(n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean ink of the test images per bin ``(n_bins,)`` and per class and bin ``(10,
    n_bins)`` (bin edges from the training images)."""
    ds = data.load_fashion_mnist()
    train_ink = ds.x_train.mean(axis=(1, 2)) / 255.0
    test_ink = ds.x_test.mean(axis=(1, 2)) / 255.0
    y_test = ds.y_test.astype("int64")
    edges = _edges_from_ink(train_ink, ds.y_train.astype("int64"), n_bins)
    bins = _bins_from_ink(test_ink, y_test, edges)
    per_bin = np.array([test_ink[bins == b].mean() for b in range(n_bins)])
    per_class = np.array([[test_ink[(bins == b) & (y_test == c)].mean() for b in range(n_bins)]
                          for c in range(N_CLASSES)])
    return per_bin, per_class


def rescaled_real_sweeps(n: int = 500, n_bins: int = N_BINS, seed: int = EVAL_SEED):
    """Sweeps made from real test images by brightness alone (``07_gan_variants``): each
    image scaled (and clipped to [0, 1]) so that its ink equals its class's mean ink in every
    bin, shape ``(n, n_bins, 28, 28)``. Their :func:`sweep_measures` are what an ideal
    "ink only" edit scores: a class change there is the judge's doing, not the generator's."""
    _, per_class = _real_ink_statistics(n_bins)
    ds = data.load_fashion_mnist()
    x, y = data.stratified_subset(ds.x_test, ds.y_test, n, seed=seed)
    x = helpers.to_unit(x)
    factors = per_class[y] / np.maximum(ink(x), 1e-3)[:, None]  # (n, n_bins)
    return np.clip(x[:, None] * factors[:, :, None, None], 0.0, 1.0)


# ---------------------------------------------------------------- training


class _Recorder(progress.SnapshotRecorder):
    """Every ``every`` steps: the game numbers (mean since the last snapshot), ``spearman`` and
    ``class_stays`` on 100 fixed sweeps, and :data:`N_SHOW` sweeps as uint8 images."""

    def __init__(self, every: int, n_bins: int):
        super().__init__(every)
        self.n_bins = n_bins
        self.z = None

    def measure(self) -> dict:
        if self.z is None:
            self.z = np.random.default_rng(EVAL_SEED).standard_normal(
                (100, self.model.latent_dim)).astype("float32")
        images = sweep(self.model.generator, self.z, self.n_bins)
        m = sweep_measures(images)
        return {"spearman": m["spearman"], "class_stays": m["class_stays"],
                "samples": np.round(images[:N_SHOW] * 255).astype("uint8")}


def build_model(n_bins: int = N_BINS, latent_dim: int = LATENT_DIM, width: int = 32,
                seed: int | None = None):
    """The conditional GAN of ``06`` (``gan.ConditionalGAN`` with ``gan.build_cgan_generator``
    and ``gan.build_cgan_discriminator``) with ``n_bins`` labels, the ink bins
    (``07_gan_variants``). Same seed, same weights."""
    seed = config.resolve_seed(seed)
    keras.utils.set_random_seed(seed)  # the builders of ``06`` draw their weights from it
    generator = gan.build_cgan_generator(latent_dim=latent_dim, n_classes=n_bins, width=width)
    discriminator = gan.build_cgan_discriminator(n_classes=n_bins, width=width)
    return gan.ConditionalGAN(generator, discriminator, seed=seed)


def train_aging(profile=None, seed: int | None = None, *, steps: int | None = None,
                callbacks=None, n_bins: int = N_BINS, latent_dim: int = LATENT_DIM,
                width: int = 32, batch_size: int = BATCH_SIZE,
                learning_rate: float = LEARNING_RATE, n_snapshots: int | None = None,
                run_eagerly: bool | None = None):
    """Train the conditional GAN of ``06`` with the ink bin as its label (``07_gan_variants``).

    Bins come from :func:`ink_bins` on the profile's training images (per-class quantiles);
    ``steps`` defaults to ``profile.steps(CLASS_STEPS)``. Returns ``(generator, history)``:
    the generator (``[noise, bin] -> image in [-1, 1]``, plain Keras layers) and per snapshot
    ``step``, the game numbers, ``spearman``, ``class_stays`` and ``samples`` (uint8,
    ``(N_SHOW, n_bins, 28, 28)``); ``seconds`` (training wall time, snapshots included) and
    ``bin_edges`` (the per-class edges used). ``run_eagerly=True`` runs ``train_step`` as plain
    Python (no graph tracing: slower per step, quicker for a handful of steps and for
    debugging); ``None`` picks it by length (:func:`helpers.run_eagerly_for`).
    ``n_snapshots`` defaults to 8 (2 in ``ci``).
    """
    profile, seed, steps, n_snapshots = progress.run_plan(profile, seed, steps, CLASS_STEPS,
                                                          n_snapshots)
    n_bins = helpers.check_int(n_bins, "n_bins", minimum=2)
    x, y, _, _ = data.course_data(scale="unit", profile=profile)
    edges = ink_bin_edges(x, y, n_bins)
    bins = ink_bins(x, y, edges).astype("int32")
    model = build_model(n_bins, latent_dim, width, seed)
    model.compile(d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                  run_eagerly=helpers.run_eagerly_for(steps, run_eagerly))
    model.build_optimizers()
    ds = data.shuffled_stream((x[..., None] * 2.0 - 1.0, bins), batch_size, seed)
    recorder = _Recorder(progress.snapshot_every(steps, n_snapshots), n_bins)
    t0 = time.perf_counter()
    model.fit(ds, epochs=1, steps_per_epoch=steps, callbacks=[recorder, *(callbacks or [])],
              verbose=0, shuffle=False)
    history = recorder.history()
    history["seconds"] = np.asarray(time.perf_counter() - t0)
    history["bin_edges"] = edges.astype("float32")
    return model.generator, history
