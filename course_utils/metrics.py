"""The measures the notebooks report, each computed in one tested place.

Cluster agreement and detector recall (``01_supervised_vs_unsupervised``); average
log-likelihood, distinct share of generated texts, ROC-AUC and precision/recall of anomaly
scores (``02_generative_modeling``, ``04``, ``05``); reconstruction error (``04_autoencoders``);
Gaussian KL, ELBO and importance-sampled log-likelihood (``05_variational_autoencoders``); the
Frechet distance of two feature sets, mode coverage and the Jensen-Shannon divergence of toy
samples (``06_generative_adversarial_networks``); and a small table printer. Measures made
with the judge classifier's features live with the judge (:mod:`course_utils.judge`).

Everything here is plain NumPy/SciPy, so it works for any model: the callables that the VAE
metrics take may return NumPy arrays or TensorFlow tensors (they are converted with
``np.asarray``). Images are float arrays in [0, 1] shaped ``(n, 28, 28)`` or ``(n, 28, 28, 1)``.
Bad input raises ``ValueError``/``TypeError`` saying what was expected and what came.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.special import logsumexp

from course_utils.helpers import LOG_2PI, as_images, diag_gaussian_logpdf

# How many floats one decoder call may produce (examples x samples x pixels); bounds memory
# of the ELBO and importance-sampling loops to a few tens of MB.
_FLOAT_BUDGET = 4_000_000
_MAX_CHUNK = 1000
# Slack on the [0, 1] range for model outputs (reconstructions): tolerates a linear decoder
# that overshoots a little, still catches images in [0, 255] or [-1, 1].
_RECON_SLACK = 0.5


# ---------------------------------------------------------------- input checks


def _as_array(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except Exception as exc:  # noqa: BLE001 - anything unconvertible is a type error
        raise TypeError(f"{name} must be array-like, got {type(x).__name__}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    return arr


def _check_finite(arr: np.ndarray, name: str) -> None:
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); expected finite numbers")


def _as_pair_of_images(x, x_hat) -> tuple[np.ndarray, np.ndarray]:
    a = as_images(x, "x", dtype="float64")
    b = as_images(x_hat, "x_hat", slack=_RECON_SLACK, dtype="float64")
    if len(a) != len(b):
        raise ValueError(f"x has {len(a)} images but x_hat has {len(b)}; "
                         "expected one reconstruction per image")
    return a, b


def _as_vector(x, name: str, allow_bool: bool = False) -> np.ndarray:
    arr = _as_array(x, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array (one value per example), got shape "
                         f"{arr.shape}")
    if len(arr) == 0:
        raise ValueError(f"{name} is empty; expected at least one value")
    if arr.dtype == np.bool_ and not allow_bool:
        arr = arr.astype("float64")
    _check_finite(arr, name)
    return arr


def _as_labels(y, name: str = "is_anomaly") -> np.ndarray:
    arr = _as_vector(y, name, allow_bool=True)
    if arr.dtype != np.bool_:
        if not np.all(np.isin(arr, (0, 1))):
            raise ValueError(f"{name} must be booleans (or 0/1), got values "
                             f"{np.unique(arr)[:6].tolist()}")
        arr = arr.astype(bool)
    return arr


def _same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{name_a} has {len(a)} entries but {name_b} has {len(b)}; "
                         "expected one per example")


def _as_gaussian(mean, log_var) -> tuple[np.ndarray, np.ndarray]:
    m = _as_array(mean, "mean").astype("float64")
    lv = _as_array(log_var, "log_var").astype("float64")
    if m.ndim != 2:
        raise ValueError(f"mean must be shaped (n, latent_dim), got shape {m.shape}")
    if lv.shape != m.shape:
        raise ValueError(f"log_var must have the shape of mean {m.shape}, got {lv.shape}")
    if len(m) == 0:
        raise ValueError("mean and log_var are empty; expected at least one example")
    _check_finite(m, "mean")
    _check_finite(lv, "log_var")
    return m, lv


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


# ---------------------------------------------------------------- reconstruction (04)


def mse_per_image(x, x_hat) -> np.ndarray:
    """Mean squared pixel error of each image, shape ``(n,)`` (``04_autoencoders``).

    ``x``: images in [0, 1]; ``x_hat``: their reconstructions (same count, either image
    shape). Reconstructions may overshoot [0, 1] slightly (a linear decoder), but images in
    [0, 255] or [-1, 1] are rejected.
    """
    a, b = _as_pair_of_images(x, x_hat)
    return np.mean((a - b) ** 2, axis=(1, 2))


def mse(x, x_hat) -> float:
    """Mean squared pixel error over a whole set of images (``04_autoencoders``)."""
    return float(np.mean(mse_per_image(x, x_hat)))


def psnr(x, x_hat, per_image: bool = False):
    """Peak signal-to-noise ratio in dB, ``10 log10(1 / MSE)`` for pixel range 1
    (``04_autoencoders``).

    Computed per image; returns their mean (or the ``(n,)`` array with ``per_image=True``).
    Higher is better. An exact reconstruction has MSE 0 and PSNR ``inf`` (returned as
    ``np.inf`` without a warning), so the mean is ``inf`` as soon as one image is exact.
    """
    err = mse_per_image(x, x_hat)
    with np.errstate(divide="ignore"):
        values = np.where(err > 0, -10.0 * np.log10(np.where(err > 0, err, 1.0)), np.inf)
    return values if per_image else float(np.mean(values))


def image_codec(x, fmt: str, **options) -> tuple[float, float]:
    """Mean file size in bytes and MSE of images ``x`` in [0, 1] saved with a standard image
    codec and read back (Pillow; ``fmt`` ``"PNG"``, ``"JPEG"``, ...; ``options`` such as
    ``quality=50`` go to the encoder). The baseline of the compression experiment
    (``04_autoencoders``)."""
    import io

    from PIL import Image

    images = as_images(x, "x", dtype="float64")
    sizes, decoded = [], []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(np.round(image * 255).astype(np.uint8)).save(buffer, fmt, **options)
        sizes.append(buffer.tell())
        buffer.seek(0)
        decoded.append(np.asarray(Image.open(buffer), dtype="float64") / 255.0)
    return float(np.mean(sizes)), mse(images, np.array(decoded))


# ---------------------------------------------------------------- Gaussian KL (05)


def kl_diag_gaussian_closed_form(mean, log_var) -> np.ndarray:
    """KL( N(mean, diag(exp(log_var))) || N(0, I) ) per example, in nats
    (``05_variational_autoencoders``).

    ``0.5 * sum_j (exp(log_var_j) + mean_j**2 - 1 - log_var_j)``; ``mean`` and ``log_var`` are
    shaped ``(n, latent_dim)``; returns shape ``(n,)``.
    """
    m, lv = _as_gaussian(mean, log_var)
    return 0.5 * np.sum(np.exp(lv) + m**2 - 1.0 - lv, axis=1)


def _log_std_normal(z: np.ndarray) -> np.ndarray:
    return -0.5 * np.sum(LOG_2PI + z**2, axis=-1)


def kl_diag_gaussian_monte_carlo(mean, log_var, n_samples: int = 1000, seed: int = 0) -> np.ndarray:
    """Monte-Carlo estimate of the same KL, per example, in nats (``05``).

    Draws ``n_samples`` codes ``z = mean + exp(log_var / 2) * eps`` per example and averages
    ``log q(z) - log p(z)``. Unbiased; its error shrinks like ``1 / sqrt(n_samples)``. Same
    ``seed``, same numbers.
    """
    m, lv = _as_gaussian(mean, log_var)
    n_samples = _check_positive_int(n_samples, "n_samples")
    rng = np.random.default_rng(_check_seed(seed))
    out = np.empty(len(m))
    chunk = max(1, min(_MAX_CHUNK, _FLOAT_BUDGET // (n_samples * m.shape[1])))
    for i in range(0, len(m), chunk):
        mi, lvi = m[i:i + chunk, None, :], lv[i:i + chunk, None, :]
        eps = rng.standard_normal((mi.shape[0], n_samples, m.shape[1]))
        z = mi + np.exp(0.5 * lvi) * eps
        out[i:i + chunk] = np.mean(diag_gaussian_logpdf(z, mi, lvi) - _log_std_normal(z), axis=1)
    return out


# ---------------------------------------------------------------- ELBO and log-likelihood (05)


def bernoulli_log_likelihood(x, logits) -> np.ndarray:
    """``sum_pixels [x log sigmoid(l) + (1 - x) log(1 - sigmoid(l))]`` per example, in nats.

    The stable form ``-(max(l, 0) - l x + log(1 + exp(-|l|)))`` never takes the log of 0.
    For binary ``x`` (0/1 pixels, :func:`course_utils.data.binarize`) this is the exact
    log-probability of ``x``. For grey ``x`` in [0, 1] it is only the cross-entropy, not a
    likelihood: a Bernoulli gives probabilities to 0 and 1 alone, and the normaliser that a
    density on [0, 1] would need depends on ``logits`` (the continuous Bernoulli). The course
    therefore reports likelihoods on binarized images only.
    Shapes: ``x`` and ``logits`` are ``(n, ...)`` with the same number of values per example.
    """
    x = np.asarray(x, dtype="float64").reshape(len(x), -1)
    lg = np.asarray(logits, dtype="float64").reshape(len(x), -1)
    bce = np.maximum(lg, 0.0) - lg * x + np.log1p(np.exp(-np.abs(lg)))
    return -np.sum(bce, axis=1)


def _as_unit_batch(x, name: str = "x", allow_grey: bool = False) -> np.ndarray:
    arr = _as_array(x, name)
    if arr.ndim < 2:
        raise ValueError(f"{name} must be a batch shaped (n, ...), e.g. images (n, 28, 28); "
                         f"got shape {arr.shape}")
    if len(arr) == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); expected at least one example")
    arr = arr.astype("float64")
    _check_finite(arr, name)
    if arr.min() < -1e-6 or arr.max() > 1 + 1e-6:
        raise ValueError(f"{name} must hold values in [0, 1] (Bernoulli targets), got values in "
                         f"[{arr.min():.4g}, {arr.max():.4g}]")
    if not allow_grey and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} holds grey values: a Bernoulli decoder gives probabilities "
                         "only to binary images, so this would not be a likelihood. Binarize "
                         "with data.binarize(x), or pass allow_grey=True for the "
                         "cross-entropy bound of a model trained on grey targets")
    return arr


def _encode(encode: Callable, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out = encode(x)
    if not isinstance(out, tuple | list) or len(out) != 2:
        raise TypeError("encode(x) must return a pair (mean, log_var), got "
                        f"{type(out).__name__}")
    m, lv = _as_gaussian(*out)
    if len(m) != len(x):
        raise ValueError(f"encode returned {len(m)} means for {len(x)} examples")
    return m, lv


def _decode(decode_logits: Callable, z: np.ndarray, per_example: int) -> np.ndarray:
    logits = _as_array(decode_logits(z.astype("float32")), "decode_logits(z)")
    if len(logits) != len(z) or logits.size != len(z) * per_example:
        raise ValueError(f"decode_logits(z) must return logits shaped like x ({per_example} "
                         f"values per example) for each of the {len(z)} codes; got shape "
                         f"{logits.shape}")
    logits = logits.reshape(len(z), per_example).astype("float64")
    _check_finite(logits, "decode_logits(z)")
    return logits


def _sample_chunks(x, encode, decode_logits, n_samples, seed):
    """Yield ``(slice, log p(x|z), log p(z), log q(z|x), kl)`` for chunks of examples, each
    term shaped ``(chunk, n_samples)`` (kl: ``(chunk,)``). ``x`` is already validated.

    Examples are encoded in chunks and codes decoded in batches, so that no decoder call
    returns more than about ``_FLOAT_BUDGET`` numbers, whatever ``n`` and ``n_samples``.
    """
    n_samples = _check_positive_int(n_samples, "n_samples")
    rng = np.random.default_rng(_check_seed(seed))
    n, d_x = len(x), int(np.prod(x.shape[1:]))
    chunk = max(1, min(_MAX_CHUNK, _FLOAT_BUDGET // (n_samples * d_x)))
    codes_per_call = max(1, _FLOAT_BUDGET // d_x)
    flat = x.reshape(n, d_x)
    for i in range(0, n, chunk):
        xb = x[i:i + chunk]
        b = len(xb)
        m, lv = _encode(encode, xb)
        eps = rng.standard_normal((b, n_samples, m.shape[1]))
        z = m[:, None, :] + np.exp(0.5 * lv[:, None, :]) * eps
        codes = z.reshape(b * n_samples, -1)
        log_px_z = np.empty(b * n_samples)
        for j in range(0, len(codes), codes_per_call):
            batch = codes[j:j + codes_per_call]
            logits = _decode(decode_logits, batch, d_x)
            rows = i + np.arange(j, j + len(batch)) // n_samples
            log_px_z[j:j + len(batch)] = bernoulli_log_likelihood(flat[rows], logits)
        log_pz = _log_std_normal(z)
        log_qz = diag_gaussian_logpdf(z, m[:, None, :], lv[:, None, :])
        kl = 0.5 * np.sum(np.exp(lv) + m**2 - 1.0 - lv, axis=1)
        yield slice(i, i + b), log_px_z.reshape(b, n_samples), log_pz, log_qz, kl


def elbo(x, encode: Callable, decode_logits: Callable, n_samples: int = 1, seed: int = 0,
         allow_grey: bool = False) -> np.ndarray:
    """Evidence lower bound per example, in nats (``05_variational_autoencoders``).

    ``ELBO(x) = E_q(z|x)[log p(x|z)] - KL(q(z|x) || N(0, I))`` with the reconstruction term
    averaged over ``n_samples`` reparameterised codes and the KL in closed form.

    ``x``: ``(n, ...)`` in [0, 1] (e.g. images ``(n, 28, 28)``); pass binarized images for a
    true lower bound on log p(x) (see :func:`bernoulli_log_likelihood`).
    ``encode(x) -> (mean, log_var)``, each ``(n, latent_dim)``; ``decode_logits(z)`` returns
    Bernoulli logits with the shape of ``x`` per example. Both may return NumPy arrays or
    tensors. Works in chunks to bound memory; same ``seed``, same numbers. Higher is better;
    ``-elbo`` is the usual VAE loss (with ``beta = 1``). Grey ``x`` raises ``ValueError``
    unless ``allow_grey=True``: for grey targets the number is a cross-entropy, not a bound
    on a likelihood.
    """
    x = _as_unit_batch(x, allow_grey=allow_grey)
    out = np.empty(len(x))
    for sl, log_px_z, _, _, kl in _sample_chunks(x, encode, decode_logits, n_samples, seed):
        out[sl] = np.mean(log_px_z, axis=1) - kl
    return out


def importance_sampled_log_likelihood(x, encode: Callable, decode_logits: Callable,
                                      k: int = 100, seed: int = 0,
                                      allow_grey: bool = False) -> np.ndarray:
    """Importance-sampled estimate of ``log p(x)`` per example, in nats (``05``).

    ``log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x)`` with ``z_i ~ q(z|x)`` (the encoder is the
    proposal), computed with a stable log-sum-exp. For ``k = 1`` its expectation is the ELBO;
    as ``k`` grows it rises towards the true ``log p(x)`` (it is a lower bound in expectation
    for every ``k``), so it is the better number for comparing models. Arguments as in
    :func:`elbo`; same ``seed``, same numbers.
    """
    k = _check_positive_int(k, "k")
    x = _as_unit_batch(x, allow_grey=allow_grey)
    out = np.empty(len(x))
    for sl, log_px_z, log_pz, log_qz, _ in _sample_chunks(x, encode, decode_logits, k, seed):
        out[sl] = logsumexp(log_px_z + log_pz - log_qz, axis=1) - math.log(k)
    return out


def nats_to_bits_per_dim(nats, n_dims: int = 784):
    """Convert a quantity in nats per example to bits per dimension: ``nats / (n_dims ln 2)``.

    Pass the negative log-likelihood (``-elbo`` or ``-importance_sampled_log_likelihood``) to
    get the usual positive "bits/dim" (lower is better). ``n_dims`` is 784 for a 28x28 image.
    Works on numbers and arrays.
    """
    n_dims = _check_positive_int(n_dims, "n_dims")
    arr = np.asarray(nats, dtype="float64")
    result = arr / (n_dims * math.log(2.0))
    return float(result) if result.ndim == 0 else result


# ---------------------------------------------------------------- Frechet distance (06)


def frechet_distance_from_moments(mean_a, cov_a, mean_b, cov_b) -> float:
    """Frechet (2-Wasserstein) distance between two Gaussians, squared
    (``06_generative_adversarial_networks``).

    ``|mean_a - mean_b|^2 + tr(cov_a + cov_b - 2 (cov_a cov_b)^(1/2))``. The matrix square
    root comes from ``scipy.linalg.sqrtm``; tiny imaginary parts from round-off are dropped,
    and a singular product is handled by adding ``1e-6`` to both diagonals.
    """
    from scipy import linalg

    mu_a = np.atleast_1d(np.asarray(mean_a, dtype="float64"))
    mu_b = np.atleast_1d(np.asarray(mean_b, dtype="float64"))
    c_a = np.atleast_2d(np.asarray(cov_a, dtype="float64"))
    c_b = np.atleast_2d(np.asarray(cov_b, dtype="float64"))
    d = len(mu_a)
    if mu_a.ndim != 1 or mu_b.shape != mu_a.shape:
        raise ValueError(f"means must be vectors of the same length, got {mu_a.shape} and "
                         f"{mu_b.shape}")
    if c_a.shape != (d, d) or c_b.shape != (d, d):
        raise ValueError(f"covariances must be ({d}, {d}) matrices, got {c_a.shape} and "
                         f"{c_b.shape}")
    for name, arr in (("mean_a", mu_a), ("mean_b", mu_b), ("cov_a", c_a), ("cov_b", c_b)):
        _check_finite(arr, name)

    def _sqrt_product(offset: float) -> np.ndarray:
        eye = offset * np.eye(d)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.filterwarnings("ignore", message=".*singular.*")
            return linalg.sqrtm((c_a + eye) @ (c_b + eye))

    covmean = _sqrt_product(0.0)
    if not np.all(np.isfinite(covmean)):
        covmean = _sqrt_product(1e-6)
    if np.iscomplexobj(covmean):
        scale = max(1.0, float(np.max(np.abs(covmean))))
        if np.max(np.abs(covmean.imag)) > 1e-3 * scale:
            raise ValueError("the covariance product has a matrix square root with a large "
                             "imaginary part; are the covariance matrices valid (symmetric, "
                             "positive semi-definite)?")
        covmean = covmean.real
    diff = mu_a - mu_b
    value = float(diff @ diff + np.trace(c_a) + np.trace(c_b) - 2.0 * np.trace(covmean))
    return max(value, 0.0)


def _as_features(f, name: str) -> np.ndarray:
    arr = _as_array(f, name).astype("float64")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be feature vectors shaped (n, dim), got shape {arr.shape}")
    if len(arr) < 2:
        raise ValueError(f"{name} has {len(arr)} feature vector(s); a covariance needs at least "
                         "2 (and ideally more than the feature dimension)")
    _check_finite(arr, name)
    return arr


def frechet_distance(feats_a, feats_b) -> float:
    """Frechet distance between two sets of feature vectors, each ``(n, dim)``
    (``06_generative_adversarial_networks``).

    Fits a Gaussian (mean and covariance) to each set and returns
    :func:`frechet_distance_from_moments`. 0 for identical sets; lower is closer. The value is
    biased upwards for small sets, so only compare values computed with the same set sizes.
    Needs at least 2 vectors per set; with fewer vectors than dimensions the covariance is
    singular and a ``UserWarning`` says the value is unreliable.
    """
    a = _as_features(feats_a, "feats_a")
    b = _as_features(feats_b, "feats_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feats_a has dimension {a.shape[1]} but feats_b has {b.shape[1]}; "
                         "both sets must come from the same feature extractor")
    dim = a.shape[1]
    if min(len(a), len(b)) <= dim:
        warnings.warn(f"Frechet distance from {len(a)} and {len(b)} vectors of dimension {dim}: "
                      "with no more vectors than dimensions the covariance is singular and the "
                      "value unreliable; use more samples", UserWarning, stacklevel=2)
    return frechet_distance_from_moments(a.mean(axis=0), np.cov(a, rowvar=False),
                                         b.mean(axis=0), np.cov(b, rowvar=False))


# ---------------------------------------------------------------- toy GAN samples (06)


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


def js_divergence(p, q, eps: float = 1e-10) -> float:
    """Jensen-Shannon divergence (nats, between 0 and ln 2) of two discrete distributions,
    each normalised here (``06_generative_adversarial_networks``)."""
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


def histogram_js_divergence(a, b, extent: float = 3.0, bins: int = 40) -> float:
    """Jensen-Shannon divergence (nats) of two 2-D point clouds, estimated from their
    histograms on a ``bins`` x ``bins`` grid over ``[-extent, extent]^2`` (``06``).

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
        return h.ravel()

    return js_divergence(hist(a), hist(b))


# ---------------------------------------------------------------- clusters and detectors (01)


def _label_pair(y_true, clusters) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    c = np.asarray(clusters)
    if y.ndim != 1 or c.ndim != 1:
        raise ValueError(f"labels and clusters must be 1-D, got shapes {y.shape} and {c.shape}")
    if len(y) != len(c):
        raise ValueError(f"{len(y)} labels but {len(c)} cluster assignments")
    if len(y) == 0:
        raise ValueError("labels and clusters are empty")
    return y, c


def cluster_majority(y_true, clusters) -> dict:
    """For every cluster id: ``(most common true label, its share of the cluster, size)``
    (``01_supervised_vs_unsupervised``)."""
    y, c = _label_pair(y_true, clusters)
    out = {}
    for cid in np.unique(c):
        values, counts = np.unique(y[c == cid], return_counts=True)
        best = int(np.argmax(counts))
        out[cid.item()] = (values[best].item(), counts[best] / counts.sum(), int(counts.sum()))
    return out


def purity(y_true, clusters) -> float:
    """Fraction of examples whose label is the majority label of their cluster
    (1: every cluster holds one class; ``01_supervised_vs_unsupervised``)."""
    y, c = _label_pair(y_true, clusters)
    return float(sum(share * size for _, share, size in cluster_majority(y, c).values()) / len(y))


def cluster_scores(y_true, clusters) -> dict[str, float]:
    """Agreement of clusters with hidden labels: adjusted Rand index (0: chance, 1: identical),
    normalised mutual information (0: independent, 1: identical) and purity (``01``)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    y, c = _label_pair(y_true, clusters)
    return {
        "adjusted Rand index": float(adjusted_rand_score(y, c)),
        "normalised mutual information": float(normalized_mutual_info_score(y, c)),
        "purity": purity(y, c),
    }


def recall_by_kind(flagged, kinds, order: Sequence[str] | None = None) -> dict[str, float]:
    """Fraction of sessions of each kind that a detector flagged (``01``). For attacks this is
    the recall; for ``"normal"`` it is the false-positive rate."""
    flagged = np.asarray(flagged)
    kinds = np.asarray(kinds)
    if flagged.dtype != bool:
        raise TypeError(f"flagged must be a boolean array, got dtype {flagged.dtype}")
    if flagged.shape != kinds.shape or flagged.ndim != 1:
        raise ValueError(f"flagged {flagged.shape} and kinds {kinds.shape} must be 1-D and "
                         "the same length")
    order = list(order) if order is not None else list(dict.fromkeys(kinds.tolist()))
    missing = [k for k in order if not np.any(kinds == k)]
    if missing:
        raise ValueError(f"no sessions of kind(s) {missing}")
    return {k: float(flagged[kinds == k].mean()) for k in order}


# ---------------------------------------------------------------- density models (02)


def average_log_likelihood(model, x) -> float:
    """Mean log-density of the examples ``x`` under ``model`` (anything with ``log_prob``), in
    nats per example (``02_generative_modeling``). Higher is better; on held-out data it
    measures how well the model generalises. -inf when some example gets density zero."""
    if not hasattr(model, "log_prob"):
        raise TypeError(f"model must have a log_prob method, got {type(model).__name__}")
    return float(np.mean(model.log_prob(x)))


def distinct_fraction(texts) -> float:
    """Share of distinct strings among ``texts`` (1.0: all different; 1/n: all the same)
    (``02_generative_modeling``)."""
    texts = list(texts)
    if not texts:
        raise ValueError("texts is empty")
    return len(set(texts)) / len(texts)


# ---------------------------------------------------------------- anomaly scores (02, 04, 05)


def _scores_and_labels(scores, is_anomaly) -> tuple[np.ndarray, np.ndarray]:
    s = _as_vector(scores, "scores").astype("float64")
    y = _as_labels(is_anomaly)
    _same_length(s, y, "scores", "is_anomaly")
    return s, y


def roc_auc(scores, is_anomaly) -> float:
    """Area under the ROC curve of anomaly ``scores`` (higher = more anomalous)
    (``02_generative_modeling``).

    The probability that a random anomaly scores higher than a random normal example, ties
    counting one half: the rank-sum (Mann-Whitney) form, with tied scores given their average
    rank. 1 = perfect, 0.5 = chance. Needs both anomalies and normal examples.
    """
    from scipy.stats import rankdata

    s, y = _scores_and_labels(scores, is_anomaly)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"roc_auc needs both anomalies and normal examples, got {n_pos} "
                         f"anomalies and {n_neg} normal")
    ranks = rankdata(s)  # average ranks for ties, 1-based
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


class PrecisionRecall(NamedTuple):
    """Precision and recall of flagging ``score >= threshold`` as an anomaly."""

    precision: float
    recall: float


def precision_recall_at(scores, is_anomaly, threshold: float) -> PrecisionRecall:
    """Precision and recall when every example with ``score >= threshold`` is flagged
    (``02_generative_modeling``, ``04_autoencoders``).

    Precision: the fraction of flagged examples that are anomalies (``nan`` when nothing is
    flagged). Recall: the fraction of anomalies that are flagged (needs at least one anomaly).
    Returns a ``(precision, recall)`` named tuple.
    """
    s, y = _scores_and_labels(scores, is_anomaly)
    t = float(threshold)
    if not math.isfinite(t):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    if not y.any():
        raise ValueError("is_anomaly marks no example as an anomaly; recall is undefined")
    flagged = s >= t
    hits = int(np.sum(flagged & y))
    precision = hits / int(flagged.sum()) if flagged.any() else float("nan")
    return PrecisionRecall(float(precision), hits / int(y.sum()))


# ---------------------------------------------------------------- reporting


def _cell(value) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
            return f"{v:.3e}"
        return f"{v:.4g}" if abs(v) < 1000 else f"{v:.1f}"
    return "-" if value is None else str(value)


def _is_number(value) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_)


def format_table(rows, title: str = "") -> str:
    """The text :func:`report_table` prints (a title line, a header, a rule and the rows)."""
    if isinstance(rows, Mapping):
        rows = [{"name": k, "value": v} for k, v in rows.items()]
    if not isinstance(rows, Sequence) or isinstance(rows, str) or not all(
            isinstance(r, Mapping) for r in rows):
        raise TypeError("rows must be a list of dicts (one dict per row, column -> value) or one "
                        f"dict (name -> value); got {type(rows).__name__}")
    if not rows:
        raise ValueError("rows is empty; expected at least one row")
    columns: list = []
    for r in rows:
        columns += [c for c in r if c not in columns]
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    numeric = [all(_is_number(r.get(c)) or r.get(c) is None for r in rows) for c in columns]
    widths = [max(len(str(c)), *(len(row[j]) for row in cells)) for j, c in enumerate(columns)]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    body = [line([str(c) for c in columns]), "  ".join("-" * w for w in widths)]
    body += [line(row) for row in cells]
    return "\n".join(([title] if title else []) + body)


def report_table(rows, title: str = "") -> None:
    """Print a small aligned table (every notebook's "results" cell).

    ``rows``: a list of dicts, one per row (column -> value; columns in order of first
    appearance, missing values shown as ``-``), or a single dict ``name -> value``. Numbers
    are right-aligned, floats with 4 significant digits, ints with thousands separators. Prints and returns nothing (use
    :func:`format_table` for the string).
    """
    print(format_table(rows, title))
