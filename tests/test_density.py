"""course_utils.density: density fits, the generative classifier, the n-gram model, outliers."""

import numpy as np
import pytest
from scipy import stats

from course_utils import data, density, metrics

# ---------------------------------------------------------------- input checks


@pytest.mark.parametrize("fit", [density.fit_gaussian, lambda x: density.fit_histogram(x),
                                 lambda x: density.fit_mixture(x, 1)])
def test_fits_reject_bad_input(fit):
    with pytest.raises(TypeError, match="numeric"):
        fit(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="empty"):
        fit(np.zeros(0))
    with pytest.raises(ValueError, match="NaN"):
        fit(np.array([0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="shape"):
        fit(np.zeros((3, 2, 2)))


# ---------------------------------------------------------------- Gaussian


def test_gaussian_is_the_closed_form_maximum_likelihood_fit():
    x = np.random.default_rng(0).normal(size=(500, 3)) @ np.array([[1, 0, 0], [0.5, 2, 0],
                                                                    [0, 0.3, 0.5]])
    g = density.fit_gaussian(x)
    np.testing.assert_allclose(g.mean, x.mean(axis=0))
    np.testing.assert_allclose(g.cov, np.cov(x, rowvar=False, bias=True))
    want = stats.multivariate_normal(g.mean, g.cov).logpdf(x)
    np.testing.assert_allclose(g.log_prob(x), want, rtol=1e-10)
    assert g.n_params == 3 + 6


def test_gaussian_1d_matches_scipy_and_keeps_the_shape():
    x = np.random.default_rng(1).normal(2.0, 3.0, size=400)
    g = density.fit_gaussian(x)
    np.testing.assert_allclose(g.log_prob(x), stats.norm(x.mean(), x.std()).logpdf(x), rtol=1e-10)
    assert g.sample(7, seed=0).shape == (7,)
    with pytest.raises(ValueError, match="feature"):
        g.log_prob(np.zeros((4, 2)))


def test_gaussian_samples_are_seeded_and_follow_the_fit():
    g = density.GaussianDensity(np.array([1.0, -2.0]), np.array([[2.0, 0.6], [0.6, 0.5]]))
    a, b, c = g.sample(20000, seed=3), g.sample(20000, seed=3), g.sample(20000, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    np.testing.assert_allclose(a.mean(axis=0), g.mean, atol=0.03)
    np.testing.assert_allclose(np.cov(a, rowvar=False), g.cov, atol=0.05)


def test_singular_covariance_is_explained_and_reg_fixes_it():
    x = np.column_stack([np.arange(10.0), np.ones(10)])
    with pytest.raises(ValueError, match="reg"):
        density.fit_gaussian(x)
    assert np.isfinite(density.fit_gaussian(x, reg=1e-3).log_prob(x)).all()
    with pytest.raises(ValueError, match="reg"):
        density.fit_gaussian(x, reg=-1.0)


# ---------------------------------------------------------------- histogram


def test_histogram_density_integrates_to_one_and_matches_counts():
    x = np.random.default_rng(2).uniform(0, 10, 300)
    h = density.fit_histogram(x, bins=5, value_range=(0.0, 10.0))
    assert np.sum(h.density * np.diff(h.edges)) == pytest.approx(1.0)
    counts = np.histogram(x, bins=5, range=(0, 10))[0]
    np.testing.assert_allclose(h.log_prob(np.array([1.0, 3.0, 10.0])),
                               np.log(counts[[0, 1, 4]] / (300 * 2.0)))
    assert h.n_params == 4


def test_histogram_outside_or_in_empty_bins_is_minus_infinity_unless_smoothed():
    x = np.array([0.1, 0.2, 0.3, 3.9])
    raw = density.fit_histogram(x, bins=4, value_range=(0.0, 4.0))
    lp = raw.log_prob(np.array([-1.0, 0.15, 2.0, 5.0]))
    assert np.isneginf(lp[[0, 2, 3]]).all() and np.isfinite(lp[1])
    smooth = density.fit_histogram(x, bins=4, value_range=(0.0, 4.0), pseudocount=1.0)
    # (count + 1) / ((4 + 4) * width 1): the empty bin gets 1/8
    assert smooth.log_prob(np.array([2.0]))[0] == pytest.approx(np.log(1 / 8))


def test_histogram_samples_stay_in_bins_with_mass():
    h = density.fit_histogram(np.array([0.5, 0.6, 2.5]), bins=3, value_range=(0.0, 3.0))
    s = h.sample(1000, seed=0)
    np.testing.assert_array_equal(s, h.sample(1000, seed=0))
    assert ((s >= 0) & (s < 1)).mean() == pytest.approx(2 / 3, abs=0.05)
    assert not ((s >= 1) & (s < 2)).any()


@pytest.mark.parametrize("kwargs, message", [({"bins": 0}, "bins"), ({"bins": 2.5}, "bins"),
                                             ({"value_range": (1.0, 1.0)}, "low < high"),
                                             ({"pseudocount": -1.0}, "pseudocount")])
def test_histogram_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        density.fit_histogram(np.arange(5.0), **kwargs)


def test_histogram_is_one_dimensional():
    with pytest.raises(ValueError, match="1-D"):
        density.fit_histogram(np.zeros((5, 2)))


# ---------------------------------------------------------------- mixture


def test_mixture_log_prob_is_the_log_of_the_weighted_sum():
    m = density.mixture_1d(means=(-2.0, 1.5), stds=(0.6, 0.9), weights=(0.4, 0.6))
    x = np.linspace(-5, 5, 11)
    want = np.log(0.4 * stats.norm(-2, 0.6).pdf(x) + 0.6 * stats.norm(1.5, 0.9).pdf(x))
    np.testing.assert_allclose(m.log_prob(x), want, rtol=1e-10)
    assert m.n_params == 1 + 2 + 2
    with pytest.raises(ValueError, match="sum"):
        density.mixture_1d((0.0, 1.0), (1.0, 1.0), (0.5, 0.6))


def test_fit_mixture_recovers_a_separated_mixture_and_agrees_with_sklearn():
    from sklearn.mixture import GaussianMixture

    x, _ = data.gaussian_mixture_1d(3000, means=(-4.0, 3.0), stds=(0.5, 1.0), weights=(0.3, 0.7))
    m = density.fit_mixture(x, 2, seed=0)
    order = np.argsort(m.means[:, 0])
    np.testing.assert_allclose(m.means[order, 0], [-4.0, 3.0], atol=0.1)
    np.testing.assert_allclose(m.weights[order], [0.3, 0.7], atol=0.03)
    gm = GaussianMixture(2, covariance_type="full", reg_covar=1e-6, random_state=0).fit(x[:, None])
    np.testing.assert_allclose(m.log_prob(x), gm.score_samples(x[:, None]), rtol=1e-8)
    assert density.fit_mixture(x, 2, seed=0).log_prob(x[:5]).tolist() == m.log_prob(x[:5]).tolist()


def test_mixture_samples_follow_the_weights():
    m = density.mixture_1d((-10.0, 10.0), (1.0, 1.0), (0.25, 0.75))
    s = m.sample(8000, seed=1)
    assert s.shape == (8000,)
    assert (s > 0).mean() == pytest.approx(0.75, abs=0.02)
    np.testing.assert_array_equal(s, m.sample(8000, seed=1))


def test_fit_mixture_rejects_bad_component_counts():
    with pytest.raises(ValueError, match="at least 1"):
        density.fit_mixture(np.arange(5.0), 0)
    with pytest.raises(ValueError, match="more than"):
        density.fit_mixture(np.arange(3.0), 5)
    with pytest.raises(TypeError, match="int"):
        density.fit_mixture(np.arange(5.0), 2.0)


# ---------------------------------------------------------------- comparing models


def test_the_true_model_beats_a_wrong_one_on_held_out_data():
    means, stds, weights = (-2.0, 1.5), (0.6, 0.9), (0.4, 0.6)
    x, _ = data.gaussian_mixture_1d(4000, means, stds, weights, seed=3)
    rows = density.compare_densities({"truth": density.mixture_1d(means, stds, weights),
                                      "one Gaussian": density.fit_gaussian(x[:2000])},
                                     x[:2000], x[2000:])
    assert [r["model"] for r in rows] == ["truth", "one Gaussian"]
    assert rows[0]["held-out log-lik"] > rows[1]["held-out log-lik"] + 0.1
    assert set(rows[0]) == {"model", "parameters", "train log-lik", "held-out log-lik"}


def test_average_log_likelihood_needs_a_model():
    with pytest.raises(TypeError, match="log_prob"):
        metrics.average_log_likelihood(object(), np.zeros(3))
    with pytest.raises(ValueError, match="empty"):
        density.compare_densities({}, np.zeros(3), np.zeros(3))


# ---------------------------------------------------------------- generative classifier


def test_two_class_data_are_seeded():
    x, y = density.two_class_2d(300, seed=5)
    assert x.shape == (300, 2) and set(np.unique(y)) == {0, 1}
    np.testing.assert_array_equal(x, density.two_class_2d(300, seed=5)[0])


def test_gaussian_classifier_equals_quadratic_discriminant_analysis():
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis

    x, y = density.two_class_2d(800, seed=0)
    gen = density.fit_gaussian_classifier(x, y)
    np.testing.assert_allclose(gen.priors, np.bincount(y) / len(y))
    qda = QuadraticDiscriminantAnalysis(store_covariance=True).fit(x, y)
    grid = np.random.default_rng(1).normal(size=(200, 2)) * 2
    np.testing.assert_allclose(gen.predict_proba(grid), qda.predict_proba(grid), atol=1e-2)
    assert np.mean(gen.predict(grid) == qda.predict(grid)) > 0.98
    np.testing.assert_allclose(gen.predict_proba(grid).sum(axis=1), 1.0)


def test_gaussian_classifier_samples_and_marginal_density():
    x, y = density.two_class_2d(2000, seed=0)
    gen = density.fit_gaussian_classifier(x, y)
    xs, ys = gen.sample(6000, seed=2)
    assert xs.shape == (6000, 2)
    np.testing.assert_allclose(np.bincount(ys) / 6000, gen.priors, atol=0.02)
    np.testing.assert_allclose(xs[ys == 1].mean(axis=0), gen.densities[1].mean, atol=0.05)
    p = np.exp(gen.log_joint(x[:5]))
    np.testing.assert_allclose(gen.log_prob(x[:5]), np.log(p.sum(axis=1)))


def test_gaussian_classifier_rejects_bad_labels():
    with pytest.raises(ValueError, match="one label per example"):
        density.fit_gaussian_classifier(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="two classes"):
        density.fit_gaussian_classifier(np.random.default_rng(0).normal(size=(5, 2)),
                                        np.zeros(5))


# ---------------------------------------------------------------- next-word model


def test_tokenize_and_detokenize():
    assert density.tokenize("I didn't go, Tom!") == ["i", "didn't", "go", ",", "tom", "!"]
    assert density.detokenize(["i", "went", "home", ".", "then", "i", "slept", "."]) == (
        "I went home. Then I slept.")
    with pytest.raises(TypeError, match="str"):
        density.tokenize(["a"])


def test_apply_temperature_closed_forms():
    p = np.array([0.5, 0.3, 0.2])
    np.testing.assert_allclose(density.apply_temperature(p, 1.0), p)
    np.testing.assert_allclose(density.apply_temperature(p, 0.5), p**2 / np.sum(p**2))
    np.testing.assert_array_equal(density.apply_temperature(p, 0), [1.0, 0.0, 0.0])
    assert np.ptp(density.apply_temperature(p, 1e6)) < 1e-5
    sharp = density.apply_temperature(np.array([0.5, 0.5, 0.0]), 0.3)
    np.testing.assert_allclose(sharp, [0.5, 0.5, 0.0])


@pytest.mark.parametrize("probs, t, error", [([0.5, 0.5], -1.0, ValueError),
                                             ([0.5, 0.5], float("inf"), ValueError),
                                             ([0.5, 0.5], "hot", TypeError),
                                             ([], 1.0, ValueError), ([-0.1, 1.1], 1.0, ValueError)])
def test_apply_temperature_rejects_bad_input(probs, t, error):
    with pytest.raises(error):
        density.apply_temperature(probs, t)


def test_ngram_counts_and_backoff():
    lm = density.fit_ngram(density.tokenize("a b c. a b d. a b c. x y"), order=3)
    words, probs, used = lm.next_word_distribution("a b")
    assert used == ("a", "b") and words == ["c", "d"]
    np.testing.assert_allclose(probs, [2 / 3, 1 / 3])
    words, probs, used = lm.next_word_distribution(["zzz", "x"])  # unseen pair -> one word back
    assert used == ("x",) and words == ["y"]
    _, _, used = lm.next_word_distribution("never seen")
    assert used == ()
    assert lm.vocabulary_size == len(set(density.tokenize("a b c. a b d. a b c. x y")))


def test_ngram_generation_is_seeded_and_greedy_at_zero_temperature():
    lm = density.fit_ngram(density.tokenize("a b c. a b d. a b c. x y"), order=3)
    assert lm.generate("a b", temperature=0) == "c."
    assert lm.generate("a b", seed=3) == lm.generate("a b", seed=3)
    outs = {lm.generate("a b", temperature=1.0, seed=s) for s in range(20)}
    assert {"c.", "d."} <= outs
    assert len(lm.generate("x", max_words=3, stop_at_sentence_end=False).split()) <= 3


def test_fit_ngram_rejects_bad_input():
    with pytest.raises(TypeError, match="tokenize"):
        density.fit_ngram("a b c")
    with pytest.raises(ValueError, match="order"):
        density.fit_ngram(["a", "b"], order=0)
    with pytest.raises(ValueError, match="tokens"):
        density.fit_ngram(["a"], order=3)


def test_corpus_gives_varied_continuations_of_the_lecture_prompt():
    tokens = density.tokenize(density.load_corpus())
    assert len(tokens) > 3000
    lm = density.fit_ngram(tokens, order=3)
    words, _, used = lm.next_word_distribution("I had such a")
    assert used == ("such", "a") and len(words) >= 15
    texts = lm.continuations("I had such a", n_samples=10, temperature=1.0, seed=0)
    assert metrics.distinct_fraction(texts) >= 0.7
    assert metrics.distinct_fraction(lm.continuations("I had such a", 5, temperature=0)) == 0.2
    with pytest.raises(FileNotFoundError, match="data/corpus"):
        density.load_corpus("/nonexistent/corpus.txt")


# ---------------------------------------------------------------- outlier detection


def test_density_outlier_scores_are_negative_log_densities():
    g = density.GaussianDensity(np.zeros(2), np.eye(2))
    x = np.array([[0.0, 0.0], [3.0, 3.0]])
    np.testing.assert_allclose(density.density_outlier_scores(g, x), -g.log_prob(x))
    assert density.density_outlier_scores(g, x)[1] > density.density_outlier_scores(g, x)[0]
    with pytest.raises(TypeError, match="log_prob"):
        density.density_outlier_scores("model", x)


def test_pick_known_outliers_takes_only_the_held_out_class():
    x = np.arange(40.0)[:, None]
    y = np.tile(np.arange(10), 4)
    picked = density.pick_known_outliers(x, y, 3, seed=1)
    assert picked.shape == (3, 1) and set(y[picked[:, 0].astype(int)]) == {data.ANOMALY_CLASS}
    np.testing.assert_array_equal(picked, density.pick_known_outliers(x, y, 3, seed=1))
    with pytest.raises(ValueError, match="only 4"):
        density.pick_known_outliers(x, y, 5)


def test_both_outlier_approaches_separate_an_obvious_outlier_class():
    rng = np.random.default_rng(0)
    normal = rng.normal(size=(500, 2))
    test = np.concatenate([rng.normal(size=(200, 2)), rng.normal(5.0, 1.0, size=(20, 2))])
    is_out = np.r_[np.zeros(200, bool), np.ones(20, bool)]
    auc1 = metrics.roc_auc(density.density_outlier_scores(density.fit_gaussian(normal), test),
                           is_out)
    clf = density.fit_outlier_classifier(normal, rng.normal(5.0, 1.0, size=(5, 2)))
    auc2 = metrics.roc_auc(density.classifier_outlier_scores(clf, test), is_out)
    assert auc1 > 0.95 and auc2 > 0.95
    with pytest.raises(ValueError, match="feature"):
        density.fit_outlier_classifier(normal, np.zeros((3, 5)))


# ---------------------------------------------------------------- widget
