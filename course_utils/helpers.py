"""Small helpers that several modules need, in one place (light: NumPy only at import).

- :func:`as_images`: validate a batch of grey images and say exactly what is wrong
  (``00_start_here``); :data:`IMAGE_SHAPE`;
- :func:`to_unit`, :func:`to_symmetric`, :func:`from_symmetric`: pixel scalings
  (``00_start_here``, ``06_generative_adversarial_networks``);
- :func:`check_int`, :func:`check_seed`: argument checks with clear messages;
- :func:`glorot`: seeded weight initialisers, a different one per call (``04_autoencoders``);
- :func:`gaussian_logpdf` (full covariance; written out in ``03_latent_variable_models``) and
  :func:`diag_gaussian_logpdf` (``05_variational_autoencoders``): Gaussian log-densities
  (log-sum-exp is ``scipy.special.logsumexp``);
- :func:`write_text_atomic`, :func:`write_json_atomic`: files that are complete or absent;
- :func:`cached`, :func:`clear_cache`: the session cache (a result computed once per session,
  so re-running a cell or moving a widget never recomputes it);
- :func:`infer`: a model's inference pass as a compiled graph (the training recorders call
  it many times); :func:`predict`: the same pass over many images in chunks, eagerly (no
  ``Model.predict`` set-up per call).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import weakref
from collections.abc import Callable, Hashable
from pathlib import Path

import numpy as np

IMAGE_SHAPE = (28, 28)
LOG_2PI = math.log(2.0 * math.pi)


# ---------------------------------------------------------------- argument checks


# Batch size of the validation pass of ``fit`` (``04``, ``05``). Keras's default of 32 costs
# a VAE on 5,000 validation images 0.46 s per epoch, a batch of 1,000 0.14 s; the numbers are
# the same (sample-weighted means over the batches).
VALIDATION_BATCH = 1000
SHORT_RUN_STEPS = 12  # up to this many steps, eager beats tracing a graph (run_eagerly_for)


def run_eagerly_for(steps: int, run_eagerly: bool | None = None) -> bool:
    """``run_eagerly`` for a ``fit`` of ``steps`` steps (the trainers of ``07_gan_variants``):
    as given, or when ``None``, eager for at most :data:`SHORT_RUN_STEPS` steps. Tracing a
    GAN's ``train_step`` into a graph takes seconds, which only pays off over many steps (a
    3-step CycleGAN run: 3.3 s eager, 7.2 s as a graph; the ``ci`` profile's runs are 2-8 steps).
    """
    return bool(steps <= SHORT_RUN_STEPS) if run_eagerly is None else bool(run_eagerly)


def build_optimizer(model) -> None:
    """Create the compiled optimizer's slots for all of ``model``'s trainable weights now, right
    after ``compile`` (``04_autoencoders``). Created inside the first traced training step
    instead, they make TensorFlow trace that step twice, which doubles the start-up of every
    ``fit`` (a small autoencoder's one-epoch fit: 0.53 s -> 0.26 s). The GAN classes do the
    same for their two optimizers (``build_optimizers``)."""
    weights = model.trainable_variables
    if not weights:
        raise ValueError(f"{model.name} has no weights yet: build it before its optimizer")
    model.optimizer.build(weights)


def check_int(value, name: str, minimum: int | None = None) -> int:
    """``value`` as an ``int``; ``TypeError`` for non-integers (bools included) and
    ``ValueError`` below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def check_seed(seed) -> int:
    """A seed must be a non-negative int; returns it."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


# ---------------------------------------------------------------- images


def as_images(x, name: str = "images", *, image_shape: tuple[int, int] | None = IMAGE_SHAPE,
              value_range: tuple[float, float] | None = (0.0, 1.0), slack: float = 0.0,
              dtype: str | None = "float32", flat_ok: bool = False) -> np.ndarray:
    """Check a batch of grey images and return it shaped ``(n, height, width)``
    (``00_start_here``).

    Accepts ``(n, h, w)`` and ``(n, h, w, 1)`` (the channel axis is dropped); with
    ``flat_ok`` also ``(n, h * w)`` vectors (28x28 when ``image_shape`` is ``None``, which
    accepts any size). ``value_range=(low, high)`` asks for floats in that range (``slack``
    widens it, for model outputs that overshoot a little); ``None`` accepts any numbers, uint8
    included.
    Every other input raises ``TypeError``/``ValueError`` saying what came and how to fix it.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # noqa: BLE001 - anything unconvertible is a type error
        raise TypeError(f"{name} must be an array of images, got {type(x).__name__}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got {type(x).__name__} of dtype {arr.dtype}")
    want = "(n, 28, 28) or (n, 28, 28, 1)" if image_shape == IMAGE_SHAPE else \
        "(n, height, width) or (n, height, width, 1)"
    if image_shape is not None and arr.shape in (image_shape, (*image_shape, 1)):
        raise ValueError(f"{name} must be a batch of images shaped {want}; got one image of "
                         f"shape {arr.shape}: add a batch axis with x[None]")
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    flat_shape = image_shape or IMAGE_SHAPE
    if arr.ndim == 2 and arr.shape[1] == math.prod(flat_shape) \
            and (flat_ok or image_shape is not None):
        if not flat_ok:
            raise ValueError(f"{name} must be images shaped {want}; got flat vectors of shape "
                             f"{arr.shape}: reshape them with x.reshape(-1, "
                             f"{', '.join(map(str, flat_shape))})")
        arr = arr.reshape(-1, *flat_shape)
    if arr.ndim != 3 or (image_shape is not None and arr.shape[1:] != tuple(image_shape)):
        raise ValueError(f"{name} must be images shaped {want}, got shape {np.shape(x)}")
    if len(arr) == 0:
        raise ValueError(f"{name} is empty (shape {np.shape(x)}); expected at least one image")
    if value_range is not None:
        low, high = value_range
        if arr.dtype.kind in "iub":
            raise TypeError(f"{name} must be float images in [{low:g}, {high:g}], got dtype "
                            f"{arr.dtype}; convert uint8 images with data.to_unit(x)")
        if not np.all(np.isfinite(arr)):
            bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
            raise ValueError(f"{name} contains {bad} NaN or infinite value(s)")
        lo, hi = float(arr.min()), float(arr.max())
        if lo < low - slack - 1e-6 or hi > high + slack + 1e-6:
            hint = ""
            if hi > 2.0:
                hint = " (it looks like [0, 255]: use data.to_unit)"
            elif lo < -0.5 and low >= 0:
                hint = " (it looks like [-1, 1]: map it with data.from_symmetric)"
            raise ValueError(f"{name} must hold pixel values in [{low:g}, {high:g}], got values "
                             f"in [{lo:.4g}, {hi:.4g}]{hint}")
    return arr if dtype is None else arr.astype(dtype, copy=False)


def to_unit(x) -> np.ndarray:
    """uint8 images in [0, 255] -> float32 in [0, 1] (``00_start_here``)."""
    x = np.asarray(x)
    if x.dtype != np.uint8:
        raise TypeError(f"to_unit expects uint8 images in [0, 255], got dtype {x.dtype}")
    return x.astype("float32") / 255.0


def to_symmetric(x) -> np.ndarray:
    """uint8 images in [0, 255] -> float32 in [-1, 1], the range of a tanh generator
    (``06_generative_adversarial_networks``)."""
    return to_unit(x) * 2.0 - 1.0


def from_symmetric(x) -> np.ndarray:
    """Float images in [-1, 1] -> float32 in [0, 1] for display and the judge (clipped)
    (``06_generative_adversarial_networks``)."""
    return np.clip((np.asarray(x, dtype="float32") + 1.0) / 2.0, 0.0, 1.0)


# ---------------------------------------------------------------- seeded initialisers


def glorot(seed: int) -> Callable[[], object]:
    """A factory of seeded Glorot-uniform initialisers (``04_autoencoders``): every call
    gives the next one, so the layers of one network differ, and the same ``seed`` rebuilds
    the same network. ``init = glorot(seed); Dense(8, kernel_initializer=init())``."""
    import keras

    seed = check_seed(seed)
    counter = iter(range(1, 1_000_000))
    return lambda: keras.initializers.GlorotUniform(seed=seed * 1000 + next(counter))


# ---------------------------------------------------------------- Gaussian log-densities


def gaussian_logpdf(x, mean, cov):
    """log N(x_i; mean, cov) for every row of x, in nats."""
    diff = x - mean
    mahalanobis = np.sum(diff * np.linalg.solve(cov, diff.T).T, axis=1)
    _, logdet = np.linalg.slogdet(cov)
    return -0.5 * (x.shape[1] * np.log(2 * np.pi) + logdet + mahalanobis)


def diag_gaussian_logpdf(z, mean, log_var) -> np.ndarray:
    """log N(z; mean, diag(exp(log_var))) summed over the last axis, in nats
    (``05_variational_autoencoders``)."""
    z = np.asarray(z, dtype="float64")
    log_var = np.asarray(log_var, dtype="float64")
    return -0.5 * np.sum(LOG_2PI + log_var + (z - mean) ** 2 / np.exp(log_var), axis=-1)


# ---------------------------------------------------------------- atomic files


def write_text_atomic(text: str, path: str | os.PathLike) -> Path:
    """Write ``text`` so that ``path`` is either the old file or the complete new one:
    a temporary file in the same folder, renamed into place (world-readable, 0644)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; these are shared data
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def write_json_atomic(data: dict, path: str | os.PathLike) -> Path:
    """Write ``data`` as pretty, key-sorted JSON, atomically."""
    return write_text_atomic(json.dumps(data, indent=2, sort_keys=True) + "\n", path)


# ---------------------------------------------------------------- session cache

_SESSION: dict[Hashable, object] = {}


def cached(key: Hashable, compute: Callable[[], object]):
    """``compute()`` once per session for ``key``; later calls return the stored result
    (``04_autoencoders``: re-running a cell or moving a widget never retrains)."""
    if key not in _SESSION:
        _SESSION[key] = compute()
    return _SESSION[key]


def clear_cache() -> None:
    """Forget everything :func:`cached` stored in this session."""
    _SESSION.clear()


# ---------------------------------------------------------------- compiled inference

_INFER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def infer(model, inputs) -> np.ndarray | list[np.ndarray]:
    """``model(inputs, training=False)`` as NumPy, through a ``tf.function`` traced once per
    model (``06_generative_adversarial_networks``). Calling a Keras model eagerly costs about
    10 ms of Python per call whatever the batch; the training recorders call it a few hundred
    times per run (the toy GAN's 100 snapshots: 4.3 s eager, about 1 s compiled). The graph
    reads the model's current weights, so it stays right while the model trains."""
    fn = _INFER.get(model)
    if fn is None:
        import tensorflow as tf

        ref = weakref.ref(model)  # the cache must not keep the model alive
        fn = tf.function(lambda x: ref()(x, training=False), reduce_retracing=True)
        _INFER[model] = fn
    out = fn(inputs)
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return np.asarray(out)


def predict(model, x, batch_size: int = 1024) -> np.ndarray:
    """``model(x, training=False)`` over ``x`` in chunks of ``batch_size``, as one NumPy array
    (``04_autoencoders``). ``Model.predict`` sets up a data pipeline and callbacks on every
    call, about 90 ms even for ten images; notebook 04 calls its autoencoders dozens of times,
    and an eager call costs 5 ms for ten images, 26 ms for 2,000."""
    x = np.asarray(x, dtype="float32")
    parts = [np.asarray(model(x[i:i + batch_size], training=False))
             for i in range(0, len(x), batch_size)]
    return np.concatenate(parts) if parts else np.zeros((0, *model.output_shape[1:]), "float32")
