"""Data sets: Fashion-MNIST (offline-first, sha256-verified) and generated toy data.

Introduced in ``00_start_here``. Fashion-MNIST files are looked for, in order, in
``$COURSE_DATA_DIR``, the Keras cache (``$KERAS_HOME/datasets/fashion-mnist``, default
``~/.keras``), Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``)
and the repository's ``data/fashion-mnist``. Only when a file is in none of them is it
downloaded (with a timeout) into ``$COURSE_DATA_DIR`` or the Keras cache. Every file is checked
against the sha256 in ``data/registry.json`` before it is used.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils.config import DATA_DIR, get_profile

# The pixel scalings live in helpers; notebooks reach them as data.to_unit and so on.
from course_utils.helpers import as_images, from_symmetric, to_symmetric, to_unit  # noqa: F401

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
DOWNLOAD_TIMEOUT_S = 30.0
HOW_TO_GET = (
    "How to get it: on Debian/Ubuntu run `sudo apt-get install dataset-fashion-mnist`; "
    "or run `make data` with network access; or copy the four *-ubyte.gz files of "
    "Fashion-MNIST into a folder and set COURSE_DATA_DIR to it."
)


class DataError(RuntimeError):
    """A data file is missing or does not match its registered checksum."""


class DataNotFoundError(DataError, FileNotFoundError):
    """No copy of a data file was found and it could not be downloaded."""


class DataChecksumError(DataError, ValueError):
    """A data file exists but its contents do not match the registry."""


def registry() -> dict:
    """The external-file registry kept in ``data/registry.json``."""
    with open(DATA_DIR / "registry.json", encoding="utf-8") as fh:
        return json.load(fh)


def keras_cache_dir() -> Path:
    """Where Keras keeps Fashion-MNIST (``$KERAS_HOME`` or ``~/.keras``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets" / "fashion-mnist"


def search_dirs() -> list[Path]:
    """Folders searched for Fashion-MNIST files, in order."""
    dirs = []
    if os.environ.get("COURSE_DATA_DIR"):
        dirs.append(Path(os.environ["COURSE_DATA_DIR"]).expanduser())
    dirs += [keras_cache_dir(), DEBIAN_DIR, DATA_DIR / "fashion-mnist"]
    return dirs


def _read_contents(path: Path) -> bytes:
    """A file's decompressed contents (gzip) or raw bytes; a clear error when it is corrupt."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            return fh.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise DataChecksumError(
            f"{path} is corrupt: it cannot be read as gzip ({exc}). Delete it and get a fresh "
            f"copy. {HOW_TO_GET}"
        ) from exc


def _verified_contents(path: Path, expected_sha256: str) -> bytes:
    """``path``'s (decompressed) contents, after checking that they hash to ``expected_sha256``
    (decompressed once: hashing and parsing share the bytes)."""
    raw = _read_contents(path)
    actual = hashlib.sha256(raw).hexdigest()
    if actual != expected_sha256:
        raise DataChecksumError(
            f"{path} is corrupt or not the expected file: sha256 of its contents is {actual}, "
            f"expected {expected_sha256} (data/registry.json). Delete it and get a fresh copy. "
            f"{HOW_TO_GET}"
        )
    return raw


def verify_file(path: Path, expected_sha256: str) -> Path:
    """Raise :class:`DataChecksumError` unless ``path``'s contents hash to ``expected_sha256``."""
    _verified_contents(path, expected_sha256)
    return path


def _download(url: str, dest: Path, timeout: float) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            shutil.copyfileobj(resp, out)
        os.replace(tmp, dest)  # atomic: a half-written file never carries the final name
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return dest


def fetch_file(
    name: str,
    dataset: str = "fashion-mnist",
    allow_download: bool | None = None,
    timeout: float = DOWNLOAD_TIMEOUT_S,
) -> Path:
    """Return a verified local path of a registered file, downloading only as a last resort.

    ``allow_download=None`` means "unless ``COURSE_OFFLINE=1``". Raises
    :class:`DataNotFoundError` (listing where it looked) or :class:`DataChecksumError`.
    """
    return _fetch(name, dataset, allow_download, timeout)[0]


def _fetch(name: str, dataset: str = "fashion-mnist", allow_download: bool | None = None,
           timeout: float = DOWNLOAD_TIMEOUT_S) -> tuple[Path, bytes]:
    """:func:`fetch_file`'s path and the verified (decompressed) contents."""
    entry = registry()[dataset]
    if name not in entry["files"]:
        raise KeyError(f"{name!r} is not a registered file of {dataset}: {sorted(entry['files'])}")
    expected = entry["files"][name]["sha256"]
    looked = []
    for folder in search_dirs():
        path = folder / name
        looked.append(str(path))
        if path.is_file():
            return path, _verified_contents(path, expected)
    if allow_download is None:
        allow_download = os.environ.get("COURSE_OFFLINE", "0") in ("", "0", "false", "no")
    reason = "downloads are switched off (COURSE_OFFLINE=1)"
    if allow_download:
        target_dir = search_dirs()[0] if os.environ.get("COURSE_DATA_DIR") else keras_cache_dir()
        url = entry["base_url"] + name
        try:
            path = _download(url, target_dir / name, timeout)
            return path, _verified_contents(path, expected)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = f"the download from {url} failed ({exc})"
    raise DataNotFoundError(
        f"Fashion-MNIST file {name} was not found. Looked in:\n  - "
        + "\n  - ".join(looked)
        + f"\nand {reason}.\n{HOW_TO_GET}"
    )


def _parse_idx(raw: bytes) -> np.ndarray:
    """An IDX file's array (the format of the Fashion-MNIST files), from its contents."""
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


@dataclass(frozen=True)
class FashionMNIST:
    """The four Fashion-MNIST arrays: images uint8 (n, 28, 28) in [0, 255], labels uint8 0-9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple = CLASS_NAMES


@functools.lru_cache(maxsize=1)
def _load_cached() -> FashionMNIST:
    arrays = [
        _parse_idx(_fetch(f"{prefix}-{kind}-idx{d}-ubyte.gz")[1])
        for prefix in ("train", "t10k")
        for kind, d in (("images", 3), ("labels", 1))
    ]
    for arr in arrays:
        arr.setflags(write=False)
    return FashionMNIST(*arrays)


def load_fashion_mnist() -> FashionMNIST:
    """Load all of Fashion-MNIST (60k train, 10k test), verified (``00_start_here``).

    Arrays are read-only and cached for the session; copy before changing them.
    """
    return _load_cached()


def binarize(x, seed: int = 0) -> np.ndarray:
    """Binary images drawn pixel by pixel: 1 with probability equal to the grey value
    (``05_variational_autoencoders``). A Bernoulli decoder gives exact log-probabilities to
    such images, so likelihoods in nats and bits per pixel are honest; grey images have no
    Bernoulli likelihood. Same ``seed``, same images (float32 zeros and ones)."""
    x = as_images(x, "x")
    return (np.random.default_rng(seed).random(x.shape) < x).astype("float32")


def stratified_subset(x, y, n: int | None, seed: int = 0):
    """Pick ``n`` examples with (as nearly as possible) equal counts per class.

    ``n=None`` or ``n >= len(x)`` returns everything (shuffled). Deterministic in ``seed``.
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} examples but y has {len(y)} labels")
    rng = np.random.default_rng(seed)
    if n is None or n >= len(x):
        idx = rng.permutation(len(x))
        return x[idx], y[idx]
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    classes = np.unique(y)
    per_class = np.full(len(classes), n // len(classes))
    per_class[: n % len(classes)] += 1
    picks = []
    for c, k in zip(classes, per_class, strict=True):
        members = np.flatnonzero(y == c)
        picks.append(rng.choice(members, size=min(k, len(members)), replace=False))
    idx = rng.permutation(np.concatenate(picks))
    return x[idx], y[idx]


def course_data(scale: str = "unit", seed: int = 0, profile=None):
    """Train/test Fashion-MNIST sized by the run profile (``00_start_here``).

    ``scale``: ``"unit"`` ([0, 1] float32), ``"symmetric"`` ([-1, 1]) or ``"uint8"``.
    Returns ``(x_train, y_train, x_test, y_test)``; subsets are stratified and deterministic.
    """
    profile = profile or get_profile()
    ds = load_fashion_mnist()
    x_tr, y_tr = stratified_subset(ds.x_train, ds.y_train, profile.train_size, seed)
    x_te, y_te = stratified_subset(ds.x_test, ds.y_test, profile.test_size, seed + 1)
    converters = {"unit": to_unit, "symmetric": to_symmetric, "uint8": np.asarray}
    if scale not in converters:
        raise ValueError(f"scale must be one of {sorted(converters)}, got {scale!r}")
    conv = converters[scale]
    return conv(x_tr), y_tr, conv(x_te), y_te


def untuned(ds):
    """``ds`` with tf.data's autotuning turned off (every pipeline in ``course_utils`` ends
    here, from ``05_variational_autoencoders``'s VAE batches on).

    Under op determinism (which :func:`course_utils.setup` turns on), the autotuning thread
    made the end of ``fit`` wait, idle, for a time that grows with the run: measured in a
    Jupyter kernel, 14 s after the 750 steps of ``07``'s conditional GAN (28 s of training).
    The course's pipelines slice arrays already in memory, shuffle and batch them: there is
    nothing to tune, and the batches come out in the same order either way."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


def shuffled_stream(items, batch_size: int, seed: int, prefetch: int = 2):
    """An endless, deterministically shuffled stream of ``batch_size`` batches of ``items``
    (an array, or a tuple of arrays with one row per example), as the GAN trainers of ``06``
    and ``07`` consume it: the whole set in the shuffle buffer, full batches only, ``prefetch``
    batches made ahead, no autotuning (:func:`untuned`)."""
    import tensorflow as tf

    first = items[0] if isinstance(items, tuple) else items
    ds = (tf.data.Dataset.from_tensor_slices(items).shuffle(len(first), seed=seed).repeat()
          .batch(batch_size, drop_remainder=True))
    return untuned(ds.prefetch(prefetch) if prefetch else ds)


ANOMALY_CLASS = 8  # "Bag": the class held out as the anomaly in notebooks 02, 04 and 05


def anomaly_split(x_train, y_train, x_test, y_test, held_out: int = ANOMALY_CLASS):
    """Anomaly-detection split (``04_autoencoders``; reused in 02 and 05).

    Returns ``(x_normal_train, x_test, is_anomaly_test)``: training images without the
    ``held_out`` class, and all test images with a boolean marking that class.
    """
    if not 0 <= held_out <= 9:
        raise ValueError(f"held_out must be a class index 0-9, got {held_out}")
    y_train = np.asarray(y_train)
    y_test = np.asarray(y_test)
    return np.asarray(x_train)[y_train != held_out], np.asarray(x_test), y_test == held_out


# ---------------------------------------------------------------- toy distributions
# Generated by code on purpose: these lessons are about the distributions themselves.


def ring_of_gaussians(
    n: int, n_modes: int = 8, radius: float = 2.0, std: float = 0.05, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` 2-D points from ``n_modes`` Gaussians evenly spaced on a circle
    (``06_generative_adversarial_networks``). Returns ``(points, mode_index)``."""
    if n <= 0 or n_modes <= 0:
        raise ValueError("n and n_modes must be positive")
    rng = np.random.default_rng(seed)
    modes = rng.integers(0, n_modes, size=n)
    angles = 2 * np.pi * modes / n_modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (centres + std * rng.standard_normal((n, 2))).astype("float32"), modes


def ring_centres(n_modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The ``n_modes`` centres used by :func:`ring_of_gaussians`."""
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def gaussian_mixture_1d(
    n: int, means=(-2.0, 1.5), stds=(0.6, 0.9), weights=(0.4, 0.6), seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples of a 1-D Gaussian mixture and their component (``02_generative_modeling``)."""
    means, stds, weights = (np.asarray(v, dtype=float) for v in (means, stds, weights))
    if not (len(means) == len(stds) == len(weights)):
        raise ValueError("means, stds and weights must have the same length")
    if np.any(stds <= 0) or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError("stds must be positive and weights non-negative, summing to 1")
    rng = np.random.default_rng(seed)
    comp = rng.choice(len(means), size=n, p=weights)
    return means[comp] + stds[comp] * rng.standard_normal(n), comp


# ---------------------------------------------------------------- simulated network traffic
# Generated by code on purpose (``01_supervised_vs_unsupervised``): real intrusion data sets are
# large, dated and licence-bound, and a simulation lets the notebook plant an attack type that the
# training data provably never contains. Every number below is made up to look plausible; none
# is measured on a real network.

TRAFFIC_FEATURES = (
    "duration_s",
    "bytes_out",
    "bytes_in",
    "packets",
    "distinct_ports",
    "failed_logins",
)
TRAFFIC_FEATURE_DOCS = {
    "duration_s": "length of the session in seconds",
    "bytes_out": "bytes that left the company network during the session",
    "bytes_in": "bytes that entered the company network during the session",
    "packets": "packets in both directions",
    "distinct_ports": "number of different destination ports the session touched",
    "failed_logins": "failed authentication attempts during the session",
}
TRAFFIC_KINDS = ("normal", "port_scan", "brute_force", "flood", "exfiltration")
TRAFFIC_KIND_DOCS = {
    "normal": "employees browsing and downloading: bytes_in well above bytes_out, one or two "
    "ports, now and then one mistyped password",
    "port_scan": "someone probes which services answer: short, tiny packets, tens to thousands "
    "of distinct ports",
    "brute_force": "password guessing against one service: tens to hundreds of failed logins",
    "flood": "denial of service: tens to hundreds of thousands of small packets pour in",
    "exfiltration": "data theft: hundreds of kilobytes to megabytes leave the network over one "
    "ordinary-looking connection, so bytes_out dwarfs bytes_in (the reverse of normal "
    "traffic); ports, logins and packet counts look normal",
}
KNOWN_ATTACKS = ("port_scan", "brute_force", "flood")
NEW_ATTACK = "exfiltration"


@dataclass(frozen=True)
class TrafficSet:
    """Simulated sessions: ``x`` float64 (n, 6) in the order of :data:`TRAFFIC_FEATURES`
    (counts are whole numbers), ``kind`` the name of each row's kind (:data:`TRAFFIC_KINDS`)."""

    x: np.ndarray
    kind: np.ndarray
    feature_names: tuple = TRAFFIC_FEATURES

    def __len__(self) -> int:
        return len(self.x)

    @property
    def is_attack(self) -> np.ndarray:
        """Boolean mask: True for every row that is not ``"normal"``."""
        return self.kind != "normal"

    def counts(self) -> dict[str, int]:
        """Rows per kind, in the order of :data:`TRAFFIC_KINDS` (kinds with no rows left out)."""
        return {k: int(np.sum(self.kind == k)) for k in TRAFFIC_KINDS if np.any(self.kind == k)}


def _lognormal(rng, median: float, sigma: float, n: int) -> np.ndarray:
    return np.exp(np.log(median) + sigma * rng.standard_normal(n))


def _loguniform(rng, low: float, high: float, n: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), n))


def _simulate_kind(kind: str, n: int, rng) -> np.ndarray:
    """``n`` sessions of one kind as columns (duration, out, in, packets, ports, failed)."""
    zeros = np.zeros(n)
    if kind in ("normal", "exfiltration"):
        duration = _lognormal(rng, 20.0, 1.0, n)
        if kind == "normal":  # downloads: what comes in grows with time, requests with downloads
            bytes_in = 150e3 * (duration / 20.0) ** 0.5 * _lognormal(rng, 1.0, 1.0, n)
            bytes_out = 12e3 * (bytes_in / 150e3) ** 0.4 * _lognormal(rng, 1.0, 0.6, n)
        else:  # uploads of stolen data, acknowledged by small replies
            duration = duration * 3.0
            bytes_out = _lognormal(rng, 500e3, 1.2, n)
            bytes_in = _lognormal(rng, 20e3, 0.6, n)
        packets = (bytes_in + bytes_out) / rng.uniform(800, 1400, n) + rng.poisson(5, n) + 2
        ports = 1 + rng.poisson(0.3, n)
        failed = rng.poisson(0.15, n)  # a mistyped password now and then
    elif kind == "port_scan":
        duration = _lognormal(rng, 5.0, 0.7, n)
        ports = np.round(_loguniform(rng, 50, 2000, n))
        packets = np.round(ports * rng.uniform(1.0, 2.0, n))
        bytes_in = packets * rng.uniform(50, 70, n)  # probes come in
        bytes_out = packets * rng.uniform(20, 40, n)  # resets and the odd banner go out
        failed = zeros
    elif kind == "brute_force":
        failed = np.round(_loguniform(rng, 20, 500, n))
        duration = _lognormal(rng, 40.0, 0.8, n)
        ports = 1 + rng.poisson(0.1, n)
        bytes_in = failed * rng.uniform(200, 500, n)
        bytes_out = failed * rng.uniform(150, 400, n)
        packets = np.round(failed * rng.uniform(8, 14, n))
    elif kind == "flood":
        duration = _lognormal(rng, 30.0, 0.6, n)
        packets = np.round(_loguniform(rng, 2e4, 5e5, n))
        bytes_in = packets * rng.uniform(40, 80, n)
        bytes_out = packets * rng.uniform(0.0, 5.0, n)
        ports = np.ones(n)
        failed = zeros
    else:  # pragma: no cover - callers validate kind
        raise ValueError(f"unknown traffic kind {kind!r}")
    cols = [duration, np.round(bytes_out), np.round(bytes_in), np.round(packets), ports, failed]
    return np.stack(cols, axis=1).astype("float64")


def _check_count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return int(value)


def simulate_traffic(counts: dict, seed: int = 0) -> TrafficSet:
    """Simulate network sessions, ``counts[kind]`` rows of each kind (``01_supervised_vs_unsupervised``).

    SIMULATED data, not measurements: see :data:`TRAFFIC_FEATURE_DOCS` for what each column
    means and :data:`TRAFFIC_KIND_DOCS` for how each kind differs from normal traffic. Rows are
    shuffled. Each kind draws from its own random stream derived from ``seed``, so the normal
    rows do not change when you ask for more or fewer attacks. Same ``seed``, same numbers.
    """
    if not isinstance(counts, dict):
        raise TypeError(f"counts must be a dict like {{'normal': 1000, 'flood': 50}}, "
                        f"got {type(counts).__name__}")
    unknown = sorted(set(counts) - set(TRAFFIC_KINDS))
    if unknown:
        raise ValueError(f"unknown traffic kind(s) {unknown}; valid kinds: {list(TRAFFIC_KINDS)}")
    sizes = {k: _check_count(f"counts[{k!r}]", v) for k, v in counts.items()}
    if sum(sizes.values()) == 0:
        raise ValueError("counts asks for no rows at all; give at least one kind a positive count")
    seed = _check_count("seed", seed)
    blocks, kinds = [], []
    for index, kind in enumerate(TRAFFIC_KINDS):
        n = sizes.get(kind, 0)
        if n:
            blocks.append(_simulate_kind(kind, n, np.random.default_rng([seed, index])))
            kinds.append(np.full(n, kind, dtype="<U12"))
    x, kind = np.concatenate(blocks), np.concatenate(kinds)
    order = np.random.default_rng([seed, len(TRAFFIC_KINDS)]).permutation(len(x))
    return TrafficSet(x[order], kind[order])


def traffic_split(
    n_normal_train: int = 4000,
    n_attack_train: int = 200,
    n_normal_test: int = 2000,
    n_attack_test: int = 200,
    seed: int = 0,
) -> tuple[TrafficSet, TrafficSet]:
    """Train/test traffic for the security story (``01_supervised_vs_unsupervised``).

    ``train``: normal sessions plus ``n_attack_train`` of each **known** attack
    (:data:`KNOWN_ATTACKS`); the new attack (:data:`NEW_ATTACK`) is never in it.
    ``test``: fresh normal sessions plus ``n_attack_test`` of every attack, the new one included.
    SIMULATED data (see :func:`simulate_traffic`).
    """
    n_normal_train = _check_count("n_normal_train", n_normal_train)
    n_attack_train = _check_count("n_attack_train", n_attack_train)
    n_normal_test = _check_count("n_normal_test", n_normal_test)
    n_attack_test = _check_count("n_attack_test", n_attack_test)
    if min(n_normal_train, n_attack_train, n_normal_test, n_attack_test) == 0:
        raise ValueError("every count of traffic_split must be positive: both splits need "
                         "normal sessions and attacks")
    seed = _check_count("seed", seed)
    train = simulate_traffic({"normal": n_normal_train} | dict.fromkeys(KNOWN_ATTACKS,
                             n_attack_train), seed=2 * seed)
    test = simulate_traffic({"normal": n_normal_test} | dict.fromkeys(
        (*KNOWN_ATTACKS, NEW_ATTACK), n_attack_test), seed=2 * seed + 1)
    return train, test


# ---------------------------------------------------------------- shopping baskets
# A small generated basket data set (``01_supervised_vs_unsupervised``): synthetic on purpose,
# so that the association rules hidden in it are known and the notebook can check that mining
# finds them. Each item first appears in a basket on its own with its base rate; then each
# planted rule, applied in order, adds its consequent with its probability when the basket
# holds all of the rule's antecedents.

BASKET_ITEMS = {  # item -> base rate (probability of being bought for its own sake)
    "bread": 0.30,
    "butter": 0.10,
    "milk": 0.25,
    "cereal": 0.15,
    "coffee": 0.20,
    "pasta": 0.15,
    "tomato sauce": 0.08,
    "parmesan": 0.05,
    "beer": 0.12,
    "crisps": 0.10,
    "apples": 0.20,
    "bananas": 0.20,
    "yoghurt": 0.15,
    "eggs": 0.20,
}
BASKET_RULES = (  # (antecedents, consequent, probability the rule adds the consequent)
    (("cereal",), "milk", 0.9),
    (("bread",), "butter", 0.6),
    (("pasta",), "tomato sauce", 0.8),
    (("pasta", "tomato sauce"), "parmesan", 0.6),
    (("beer",), "crisps", 0.7),
)


def planted_confidence(antecedents, consequent: str) -> float:
    """Confidence P(consequent | antecedents) that a planted rule of :data:`BASKET_RULES`
    produces: ``1 - (1 - p) (1 - base rate of the consequent)``."""
    for ante, cons, p in BASKET_RULES:
        if tuple(ante) == tuple(antecedents) and cons == consequent:
            return 1.0 - (1.0 - p) * (1.0 - BASKET_ITEMS[cons])
    raise ValueError(f"{tuple(antecedents)} -> {consequent!r} is not a planted rule; planted: "
                     f"{[(a, c) for a, c, _ in BASKET_RULES]}")


def shopping_baskets(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, tuple[str, ...]]:
    """``n`` SYNTHETIC shopping baskets with planted association rules
    (``01_supervised_vs_unsupervised``).

    Returns ``(baskets, items)``: a boolean matrix (n, len(items)) whose entry ``[b, i]`` says
    whether basket ``b`` holds ``items[i]``, and the item names (:data:`BASKET_ITEMS`).
    The structure is :data:`BASKET_RULES`; :func:`planted_confidence` gives the confidence
    each planted rule should show.
    """
    n = _check_count("n", n)
    if n == 0:
        raise ValueError("n must be positive, got 0")
    seed = _check_count("seed", seed)
    items = tuple(BASKET_ITEMS)
    rng = np.random.default_rng(seed)
    baskets = rng.random((n, len(items))) < np.array([BASKET_ITEMS[i] for i in items])
    for ante, cons, p in BASKET_RULES:
        has_all = baskets[:, [items.index(a) for a in ante]].all(axis=1)
        baskets[:, items.index(cons)] |= has_all & (rng.random(n) < p)
    return baskets, items


def main(argv: list[str] | None = None) -> int:
    """``python -m course_utils.data``: find (or fetch) and verify every Fashion-MNIST file."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    try:
        paths = [fetch_file(name) for name in registry()["fashion-mnist"]["files"]]
    except DataError as exc:
        print(f"error: {exc}")
        return 1
    if not args.quiet:
        for p in paths:
            print(f"verified {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
