"""Density models, a generative classifier, a next-word model and outlier scores
(introduced in ``02_generative_modeling``).

Every density model here has the same small interface:

- ``log_prob(x)``: the log-density of each example, in nats, shape ``(n,)``;
- ``sample(n, seed)``: ``n`` new examples drawn from the model (same seed, same samples);
- ``n_params``: how many numbers the model fits (a rough measure of its flexibility).

1-D data may be given as shape ``(n,)``; samples then come back with shape ``(n,)`` too.
Fitting is by maximum likelihood on the training data; :func:`course_utils.metrics.average_log_likelihood` on
held-out data says how well a model generalises.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils.config import DATA_DIR
from course_utils.data import ANOMALY_CLASS
from course_utils.helpers import gaussian_logpdf
from course_utils.metrics import average_log_likelihood

CORPUS_PATH = DATA_DIR / "corpus" / "small_days.txt"


# ---------------------------------------------------------------- input checks


def _as_2d(x, name: str = "x") -> tuple[np.ndarray, bool]:
    """``x`` as a float array (n, d) and whether it came in as 1-D."""
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    arr = arr.astype(float)
    if arr.ndim == 1:
        arr, one_d = arr[:, None], True
    elif arr.ndim == 2:
        one_d = False
    else:
        raise ValueError(f"{name} must be shaped (n,) or (n, d), got shape {arr.shape}")
    if len(arr) == 0:
        raise ValueError(f"{name} is empty: need at least one example")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr, one_d


def _check_dim(arr: np.ndarray, dim: int, name: str = "x") -> None:
    if arr.shape[1] != dim:
        raise ValueError(f"{name} has {arr.shape[1]} feature(s) per example but the model was "
                         f"fitted on {dim}")


def _check_n(n, name: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(n).__name__} ({n!r})")
    if n < 1:
        raise ValueError(f"{name} must be at least 1, got {n}")
    return int(n)


def _out(arr: np.ndarray, one_d: bool) -> np.ndarray:
    return arr[:, 0] if one_d else arr


# ---------------------------------------------------------------- histogram


@dataclass(frozen=True)
class HistogramDensity:
    """A piecewise-constant 1-D density: height ``density[i]`` on ``[edges[i], edges[i+1])``
    (the last bin includes its right edge); zero outside ``[edges[0], edges[-1]]``."""

    edges: np.ndarray
    density: np.ndarray
    name: str = "histogram"

    @property
    def n_params(self) -> int:
        return len(self.density) - 1  # bin probabilities sum to one

    def log_prob(self, x) -> np.ndarray:
        arr, one_d = _as_2d(x)
        if not one_d and arr.shape[1] != 1:
            raise ValueError(f"a histogram density is 1-D; got {arr.shape[1]} features")
        v = arr[:, 0]
        idx = np.clip(np.searchsorted(self.edges, v, side="right") - 1, 0, len(self.density) - 1)
        inside = (v >= self.edges[0]) & (v <= self.edges[-1])
        with np.errstate(divide="ignore"):
            return np.where(inside, np.log(self.density[idx]), -np.inf)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        n = _check_n(n)
        rng = np.random.default_rng(seed)
        mass = self.density * np.diff(self.edges)
        bins = rng.choice(len(mass), size=n, p=mass / mass.sum())
        return rng.uniform(self.edges[bins], self.edges[bins + 1])


def fit_histogram(x, bins: int = 30, value_range: tuple[float, float] | None = None,
                  pseudocount: float = 0.0) -> HistogramDensity:
    """Fit a histogram density to 1-D data (``02_generative_modeling``).

    ``bins`` equal-width bins over ``value_range`` (default: the data's min to max).
    ``pseudocount`` imaginary examples are added to every bin, so that no bin gets
    probability zero (with ``0``, a held-out point in an empty bin has log-density -inf).
    """
    arr, one_d = _as_2d(x)
    if not one_d and arr.shape[1] != 1:
        raise ValueError(f"fit_histogram takes 1-D data shaped (n,), got shape {arr.shape}")
    v = arr[:, 0]
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 1:
        raise ValueError(f"bins must be a positive int, got {bins!r}")
    if pseudocount < 0:
        raise ValueError(f"pseudocount must be >= 0, got {pseudocount}")
    lo, hi = (float(v.min()), float(v.max())) if value_range is None else map(float, value_range)
    if not hi > lo:
        raise ValueError(f"value_range must be (low, high) with low < high, got ({lo}, {hi})")
    counts, edges = np.histogram(v, bins=int(bins), range=(lo, hi))
    counts = counts + float(pseudocount)
    if counts.sum() == 0:
        raise ValueError(f"no data falls inside value_range ({lo}, {hi}) and pseudocount is 0")
    density = counts / (counts.sum() * np.diff(edges))
    return HistogramDensity(edges, density, name=f"histogram ({bins} bins)")


# ---------------------------------------------------------------- Gaussian


@dataclass(frozen=True)
class GaussianDensity:
    """One Gaussian with ``mean`` (d,) and covariance ``cov`` (d, d)."""

    mean: np.ndarray
    cov: np.ndarray
    one_d: bool = False
    name: str = "one Gaussian"

    @property
    def dim(self) -> int:
        return len(self.mean)

    @property
    def n_params(self) -> int:
        d = self.dim
        return d + d * (d + 1) // 2

    def log_prob(self, x) -> np.ndarray:
        arr, _ = _as_2d(x)
        _check_dim(arr, self.dim)
        return gaussian_logpdf(arr, self.mean, self.cov)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        n = _check_n(n)
        rng = np.random.default_rng(seed)
        chol = np.linalg.cholesky(self.cov)
        return _out(self.mean + rng.standard_normal((n, self.dim)) @ chol.T, self.one_d)


def fit_gaussian(x, reg: float = 0.0) -> GaussianDensity:
    """Maximum-likelihood Gaussian: the sample mean and the (1/n) sample covariance
    (``02_generative_modeling``). ``reg`` is added to the covariance's diagonal."""
    arr, one_d = _as_2d(x)
    if reg < 0:
        raise ValueError(f"reg must be >= 0, got {reg}")
    mean = arr.mean(axis=0)
    centred = arr - mean
    cov = centred.T @ centred / len(arr) + reg * np.eye(arr.shape[1])
    try:
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError as exc:
        raise ValueError("the data have no spread in some direction (singular covariance); "
                         "pass a small reg > 0, for example reg=1e-6") from exc
    return GaussianDensity(mean, cov, one_d)


# ---------------------------------------------------------------- Gaussian mixture


@dataclass(frozen=True)
class MixtureDensity:
    """A mixture of Gaussians: ``weights`` (k,), ``means`` (k, d), ``covs`` (k, d, d)."""

    weights: np.ndarray
    means: np.ndarray
    covs: np.ndarray
    one_d: bool = False
    name: str = "Gaussian mixture"

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    @property
    def n_components(self) -> int:
        return len(self.weights)

    @property
    def n_params(self) -> int:
        k, d = self.n_components, self.dim
        return (k - 1) + k * d + k * d * (d + 1) // 2

    def component_log_probs(self, x) -> np.ndarray:
        """log(weight_j) + log N(x; mean_j, cov_j), shape (n, k)."""
        arr, _ = _as_2d(x)
        _check_dim(arr, self.dim)
        return np.stack([np.log(w) + gaussian_logpdf(arr, m, c)
                         for w, m, c in zip(self.weights, self.means, self.covs, strict=True)],
                        axis=1)

    def log_prob(self, x) -> np.ndarray:
        comp = self.component_log_probs(x)
        top = comp.max(axis=1, keepdims=True)
        return (top + np.log(np.exp(comp - top).sum(axis=1, keepdims=True)))[:, 0]

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        n = _check_n(n)
        rng = np.random.default_rng(seed)
        which = rng.choice(self.n_components, size=n, p=self.weights / self.weights.sum())
        noise = rng.standard_normal((n, self.dim))
        chols = np.linalg.cholesky(self.covs)
        out = self.means[which] + np.einsum("nij,nj->ni", chols[which], noise)
        return _out(out, self.one_d)


def mixture_1d(means, stds, weights) -> MixtureDensity:
    """A 1-D Gaussian mixture with known parameters, for example the true density behind
    :func:`course_utils.data.gaussian_mixture_1d` (``02_generative_modeling``)."""
    means, stds, weights = (np.asarray(v, dtype=float).ravel() for v in (means, stds, weights))
    if not len(means) == len(stds) == len(weights) or len(means) == 0:
        raise ValueError("means, stds and weights must be non-empty and of the same length")
    if np.any(stds <= 0) or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError("stds must be positive and weights non-negative, summing to 1")
    return MixtureDensity(weights, means[:, None], (stds**2)[:, None, None], one_d=True,
                          name=f"mixture of {len(means)} Gaussians")


def fit_mixture(x, n_components: int, seed: int = 0, reg: float = 1e-6, n_init: int = 1,
                max_iter: int = 200) -> MixtureDensity:
    """Fit a Gaussian mixture with full covariances by EM (scikit-learn's
    ``GaussianMixture``; notebook 03 writes EM by hand) (``02_generative_modeling``).

    ``reg`` is added to every covariance's diagonal; same ``seed``, same fit.
    """
    from sklearn.mixture import GaussianMixture

    arr, one_d = _as_2d(x)
    n_components = _check_n(n_components, "n_components")
    if n_components > len(arr):
        raise ValueError(f"n_components={n_components} is more than the {len(arr)} examples")
    gm = GaussianMixture(n_components=n_components, covariance_type="full", reg_covar=reg,
                         random_state=seed, n_init=n_init, max_iter=max_iter)
    gm.fit(arr)
    return MixtureDensity(gm.weights_.copy(), gm.means_.copy(), gm.covariances_.copy(), one_d,
                          name=f"mixture of {n_components} Gaussians")


# ---------------------------------------------------------------- comparing density models


def compare_densities(models: dict, x_train, x_test) -> list[dict]:
    """One row per model: its name, parameter count, and average log-likelihood (nats per
    example) on the training and held-out data (``02_generative_modeling``)."""
    if not models:
        raise ValueError("models is empty: pass a dict like {'one Gaussian': model}")
    return [{"model": name, "parameters": int(m.n_params),
             "train log-lik": average_log_likelihood(m, x_train),
             "held-out log-lik": average_log_likelihood(m, x_test)}
            for name, m in models.items()]


# ---------------------------------------------------------------- discriminative vs. generative

TWO_CLASS_MEANS = np.array([[0.0, 0.0], [1.5, 1.0]])
TWO_CLASS_COVS = np.array([[[2.0, 0.3], [0.3, 1.5]], [[0.25, 0.1], [0.1, 0.2]]])
TWO_CLASS_PRIORS = np.array([0.6, 0.4])


def two_class_2d(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` 2-D points from two Gaussian classes with different shapes, and their labels
    (``02_generative_modeling``). GENERATED by code on purpose: the true class densities are
    known (:data:`TWO_CLASS_MEANS`, :data:`TWO_CLASS_COVS`, :data:`TWO_CLASS_PRIORS`)."""
    n = _check_n(n)
    rng = np.random.default_rng(seed)
    y = rng.choice(2, size=n, p=TWO_CLASS_PRIORS)
    chols = np.linalg.cholesky(TWO_CLASS_COVS)
    x = TWO_CLASS_MEANS[y] + np.einsum("nij,nj->ni", chols[y], rng.standard_normal((n, 2)))
    return x, y


@dataclass(frozen=True)
class GaussianClassifier:
    """A generative classifier: class priors p(y) and one Gaussian p(x | y) per class.
    It classifies with Bayes' rule and can also *generate* labelled examples."""

    classes: np.ndarray
    priors: np.ndarray
    densities: tuple

    def log_joint(self, x) -> np.ndarray:
        """log p(x, y) = log p(y) + log p(x | y) for every class, shape (n, n_classes)."""
        return np.stack([np.log(p) + d.log_prob(x)
                         for p, d in zip(self.priors, self.densities, strict=True)], axis=1)

    def log_prob(self, x) -> np.ndarray:
        """log p(x) = log sum_y p(x, y): the model's density of the inputs alone."""
        joint = self.log_joint(x)
        top = joint.max(axis=1, keepdims=True)
        return (top + np.log(np.exp(joint - top).sum(axis=1, keepdims=True)))[:, 0]

    def predict_proba(self, x) -> np.ndarray:
        """p(y | x) by Bayes' rule, shape (n, n_classes)."""
        joint = self.log_joint(x)
        joint = joint - joint.max(axis=1, keepdims=True)
        p = np.exp(joint)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, x) -> np.ndarray:
        return self.classes[np.argmax(self.log_joint(x), axis=1)]

    def sample(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``n`` new labelled examples: y from p(y), then x from p(x | y)."""
        n = _check_n(n)
        rng = np.random.default_rng(seed)
        which = rng.choice(len(self.classes), size=n, p=self.priors)
        x = np.empty((n, self.densities[0].dim))
        for k, dens in enumerate(self.densities):
            idx = np.flatnonzero(which == k)
            if len(idx):
                x[idx] = np.asarray(dens.sample(len(idx), seed=seed + 1 + k)).reshape(len(idx), -1)
        return x, self.classes[which]


def fit_gaussian_classifier(x, y, reg: float = 0.0) -> GaussianClassifier:
    """Fit class priors (class frequencies) and one maximum-likelihood Gaussian per class
    (``02_generative_modeling``)."""
    arr, _ = _as_2d(x)
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(arr):
        raise ValueError(f"y must hold one label per example: x has {len(arr)} examples, "
                         f"y has shape {y.shape}")
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"need at least two classes, got {classes.tolist()}")
    densities = tuple(fit_gaussian(arr[y == c], reg=reg) for c in classes)
    return GaussianClassifier(classes, counts / counts.sum(), densities)


# ---------------------------------------------------------------- next-word generation

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.,!?;:]")
_SENTENCE_END = frozenset({".", "!", "?"})


def load_corpus(path: str | Path | None = None) -> str:
    """The text of the course's corpus, *Small Days* (``data/corpus/small_days.txt``):
    original prose written for this course, MIT licence (``02_generative_modeling``)."""
    p = Path(path) if path is not None else CORPUS_PATH
    if not p.is_file():
        raise FileNotFoundError(f"corpus file {p} not found; it ships with the repository in "
                                f"data/corpus/ (see data/README.md)")
    return p.read_text(encoding="utf-8")


def tokenize(text: str) -> list[str]:
    """Lower-case words (keeping apostrophes, as in "didn't") and the punctuation marks
    ``. , ! ? ; :`` as separate tokens (``02_generative_modeling``)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


def detokenize(tokens) -> str:
    """Join tokens into readable text: punctuation sticks to the word before it, "i" is
    written "I", and a word after ``.``, ``!`` or ``?`` starts with a capital."""
    out, capital = "", False
    for t in tokens:
        t = str(t)
        word = "I" if t == "i" else (t[:1].upper() + t[1:] if capital else t)
        capital = t in _SENTENCE_END
        out += word if (t in ",.!?;:" or not out) else " " + word
    return out


def apply_temperature(probs, temperature: float) -> np.ndarray:
    """Sharpen or flatten a probability vector: ``p_i ** (1 / T)``, renormalised
    (``02_generative_modeling``). ``T = 1`` leaves it unchanged, ``T < 1`` favours the likely
    words, ``T > 1`` flattens; ``T = 0`` puts all mass on the most likely word (ties: the first)."""
    p = np.asarray(probs, dtype=float)
    if p.ndim != 1 or len(p) == 0:
        raise ValueError(f"probs must be a non-empty 1-D vector, got shape {p.shape}")
    if np.any(p < 0) or not np.all(np.isfinite(p)) or p.sum() <= 0:
        raise ValueError("probs must be finite, non-negative and not all zero")
    if isinstance(temperature, bool) or not isinstance(temperature, int | float | np.number):
        raise TypeError(f"temperature must be a number, got {type(temperature).__name__}")
    if temperature < 0 or not np.isfinite(temperature):
        raise ValueError(f"temperature must be a finite number >= 0, got {temperature}")
    if temperature == 0:
        out = np.zeros_like(p)
        out[np.argmax(p)] = 1.0
        return out
    with np.errstate(divide="ignore"):
        logits = np.log(p) / temperature
    logits -= logits.max()
    w = np.exp(logits)
    return w / w.sum()


@dataclass(frozen=True)
class NGramModel:
    """A word-level n-gram model: for every context of up to ``order - 1`` words, how often
    each next word followed it in the corpus. Unseen contexts back off to shorter ones."""

    order: int
    counts: dict

    @property
    def vocabulary_size(self) -> int:
        return len(self.counts[()])

    def next_word_distribution(self, context) -> tuple[list[str], np.ndarray, tuple]:
        """``(words, probs, context_used)`` for the word after ``context`` (a string or a
        list of tokens). Uses the longest ending of the context that occurs in the corpus;
        words are sorted from most to least likely (ties alphabetically)."""
        tokens = tokenize(context) if isinstance(context, str) else [str(t) for t in context]
        for k in range(min(self.order - 1, len(tokens)), -1, -1):
            ctx = tuple(tokens[len(tokens) - k:]) if k else ()
            if ctx in self.counts:
                items = sorted(self.counts[ctx].items(), key=lambda kv: (-kv[1], kv[0]))
                words = [w for w, _ in items]
                c = np.array([n for _, n in items], dtype=float)
                return words, c / c.sum(), ctx
        raise ValueError("the model has no counts at all")  # pragma: no cover

    def generate(self, prompt: str, max_words: int = 20, temperature: float = 1.0,
                 seed: int = 0, stop_at_sentence_end: bool = True) -> str:
        """Continue ``prompt`` one word at a time, each word sampled from the next-word
        distribution sharpened by ``temperature``. Returns only the continuation."""
        max_words = _check_n(max_words, "max_words")
        rng = np.random.default_rng(seed)
        tokens = tokenize(prompt)
        new: list[str] = []
        for _ in range(max_words):
            words, probs, _ = self.next_word_distribution(tokens)
            word = words[rng.choice(len(words), p=apply_temperature(probs, temperature))]
            tokens.append(word)
            new.append(word)
            if stop_at_sentence_end and word in _SENTENCE_END:
                break
        return detokenize(new)

    def continuations(self, prompt: str, n_samples: int = 5, temperature: float = 1.0,
                      seed: int = 0, max_words: int = 20) -> list[str]:
        """``n_samples`` continuations of ``prompt``, using seeds ``seed, seed + 1, ...``."""
        n_samples = _check_n(n_samples, "n_samples")
        return [self.generate(prompt, max_words, temperature, seed + i)
                for i in range(n_samples)]


def fit_ngram(tokens, order: int = 3) -> NGramModel:
    """Count, for every context of 0 to ``order - 1`` words, which words follow it
    (``02_generative_modeling``). ``order=3`` is a trigram model: it looks two words back."""
    if isinstance(tokens, str):
        raise TypeError("fit_ngram takes a list of tokens; call tokenize(text) first")
    tokens = [str(t) for t in tokens]
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"order must be a positive int, got {order!r}")
    if len(tokens) < order:
        raise ValueError(f"need at least order={order} tokens, got {len(tokens)}")
    counts: dict[tuple, Counter] = {}
    for i, word in enumerate(tokens):
        for k in range(0, min(order - 1, i) + 1):
            counts.setdefault(tuple(tokens[i - k:i]), Counter())[word] += 1
    return NGramModel(order, counts)


# ---------------------------------------------------------------- outlier detection


def density_outlier_scores(model, x) -> np.ndarray:
    """Approach 1 (``02_generative_modeling``): the outlier score of an example is its
    negative log-density under a model of normal data (unlikely = suspicious)."""
    if not hasattr(model, "log_prob"):
        raise TypeError(f"model must have a log_prob method, got {type(model).__name__}")
    return -np.asarray(model.log_prob(x), dtype=float)


def pick_known_outliers(x, y, n: int, held_out: int = ANOMALY_CLASS, seed: int = 0) -> np.ndarray:
    """``n`` examples of the ``held_out`` class, chosen at random: the few outliers that
    approach 2 is allowed to see during training (``02_generative_modeling``)."""
    n = _check_n(n)
    members = np.flatnonzero(np.asarray(y) == held_out)
    if n > len(members):
        raise ValueError(f"asked for {n} known outliers but class {held_out} has only "
                         f"{len(members)} examples")
    rng = np.random.default_rng(seed)
    return np.asarray(x)[np.sort(rng.choice(members, size=n, replace=False))]


def fit_outlier_classifier(x_normal, x_outliers, C: float = 1.0, seed: int = 0):
    """Approach 2 (``02_generative_modeling``): a logistic regression that separates normal
    examples (label 0) from a few known outliers (label 1). Classes are weighted so that the
    few outliers count as much as the many normal examples. Returns the fitted classifier."""
    from sklearn.linear_model import LogisticRegression

    xn, _ = _as_2d(x_normal, "x_normal")
    xo, _ = _as_2d(x_outliers, "x_outliers")
    _check_dim(xo, xn.shape[1], "x_outliers")
    x = np.concatenate([xn, xo])
    y = np.concatenate([np.zeros(len(xn), int), np.ones(len(xo), int)])
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=seed)
    return clf.fit(x, y)


def classifier_outlier_scores(clf, x) -> np.ndarray:
    """Approach 2's outlier score: the classifier's log-odds that an example is an outlier."""
    arr, _ = _as_2d(x)
    return np.asarray(clf.decision_function(arr), dtype=float)
