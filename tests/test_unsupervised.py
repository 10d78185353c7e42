"""course_utils.unsupervised and the basket generator (01_supervised_vs_unsupervised)."""

from itertools import combinations

import numpy as np
import pytest

from course_utils import data, metrics
from course_utils import unsupervised as u

# ---------------------------------------------------------------- baskets and rules

TINY = np.array(
    [  # items: a, b, c, d
        [1, 1, 0, 0],
        [1, 1, 1, 0],
        [1, 0, 1, 0],
        [0, 1, 1, 0],
        [1, 1, 0, 1],
    ],
    dtype=bool,
)


def test_frequent_itemsets_by_hand():
    sets = u.frequent_itemsets(TINY, min_support=0.4)
    assert sets == {
        frozenset([0]): 0.8, frozenset([1]): 0.8, frozenset([2]): 0.6,
        frozenset([0, 1]): 0.6, frozenset([0, 2]): 0.4, frozenset([1, 2]): 0.4,
    }  # d (0.2) and {a, b, c} (0.2) are below 0.4
    assert frozenset([0, 1, 2]) in u.frequent_itemsets(TINY, min_support=0.2)
    assert all(len(s) == 1 for s in u.frequent_itemsets(TINY, 0.2, max_size=1))


def test_apriori_matches_brute_force_counting():
    rng = np.random.default_rng(0)
    b = rng.random((200, 6)) < 0.4
    found = u.frequent_itemsets(b, min_support=0.07)
    brute = {}
    for k in range(1, 7):
        for combo in combinations(range(6), k):
            s = b[:, list(combo)].all(axis=1).mean()
            if s >= 0.07:
                brute[frozenset(combo)] = s
    assert found.keys() == brute.keys()
    assert all(np.isclose(found[k], brute[k]) for k in brute)


def test_rule_numbers_by_hand():
    rules = {(r.antecedent, r.consequent): r for r in
             u.association_rules(TINY, "abcd", min_support=0.4, min_confidence=0.0)}
    ab = rules[(("a",), ("b",))]
    assert ab.support == pytest.approx(0.6)
    assert ab.confidence == pytest.approx(0.6 / 0.8)
    assert ab.lift == pytest.approx(0.75 / 0.8)
    assert rules[(("c",), ("a",))].confidence == pytest.approx(0.4 / 0.6)
    assert str(ab) == "{a} -> {b}"
    strong = u.association_rules(TINY, "abcd", min_support=0.4, min_confidence=0.7)
    assert all(r.confidence >= 0.7 for r in strong) and len(strong) == 2  # a->b, b->a


def test_mining_recovers_the_planted_rules():
    baskets, items = data.shopping_baskets(20000, seed=1)
    rules = {(r.antecedent, r.consequent): r for r in
             u.association_rules(baskets, items, min_support=0.02, min_confidence=0.4)}
    for ante, cons, _ in data.BASKET_RULES:
        key = (tuple(sorted(ante, key=items.index)), (cons,))
        assert key in rules, f"planted rule {key} not found"
        assert rules[key].confidence == pytest.approx(data.planted_confidence(ante, cons),
                                                      abs=0.03)
        assert rules[key].lift > 1.5
    unrelated = ("apples",), ("coffee",)
    assert unrelated not in rules  # independent items: confidence ~ base rate, below 0.4


def test_shopping_baskets_shape_determinism_and_errors():
    b, items = data.shopping_baskets(50, seed=4)
    assert b.shape == (50, len(data.BASKET_ITEMS)) and b.dtype == bool
    assert items == tuple(data.BASKET_ITEMS)
    assert np.array_equal(b, data.shopping_baskets(50, seed=4)[0])
    assert not np.array_equal(b, data.shopping_baskets(50, seed=5)[0])
    with pytest.raises(ValueError, match="positive"):
        data.shopping_baskets(0)
    with pytest.raises(TypeError, match="int"):
        data.shopping_baskets(10.5)
    with pytest.raises(ValueError, match="not a planted rule"):
        data.planted_confidence(("milk",), "cereal")


def test_rule_mining_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        u.frequent_itemsets(np.array([1, 0, 1]), 0.5)
    with pytest.raises(ValueError, match="booleans"):
        u.frequent_itemsets(np.array([[2, 0], [1, 1]]), 0.5)
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        u.frequent_itemsets(TINY, 0.0)
    with pytest.raises(ValueError, match="item names"):
        u.association_rules(TINY, "abc")
    with pytest.raises(ValueError, match="max_size"):
        u.frequent_itemsets(TINY, 0.5, max_size=0)


# ---------------------------------------------------------------- clusters


def test_purity_and_scores():
    y = np.array([0, 0, 0, 1, 1, 2])
    assert metrics.purity(y, [5, 5, 5, 9, 9, 1]) == 1.0  # same partition, other names
    assert metrics.purity(y, [0, 0, 0, 0, 0, 0]) == pytest.approx(0.5)
    assert metrics.purity(y, [0, 0, 1, 1, 1, 1]) == pytest.approx((2 + 2) / 6)
    perfect = metrics.cluster_scores(y, [5, 5, 5, 9, 9, 1])
    assert perfect == pytest.approx({"adjusted Rand index": 1.0,
                                     "normalised mutual information": 1.0, "purity": 1.0})
    rng = np.random.default_rng(0)
    chance = metrics.cluster_scores(rng.integers(0, 10, 5000), rng.integers(0, 10, 5000))
    assert abs(chance["adjusted Rand index"]) < 0.01 and chance["purity"] < 0.15


def test_cluster_majority():
    maj = metrics.cluster_majority(np.array([3, 3, 1, 1, 1]), np.array([0, 0, 0, 2, 2]))
    assert maj == {0: (3, pytest.approx(2 / 3), 3), 2: (1, 1.0, 2)}
    with pytest.raises(ValueError, match="3 labels but 2"):
        metrics.purity([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="empty"):
        metrics.purity([], [])


# ---------------------------------------------------------------- detectors


def test_mahalanobis_closed_forms():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    assert np.allclose(u.mahalanobis_sq(x, np.zeros(2), np.eye(2)), [25.0, 0.0])
    assert np.allclose(u.mahalanobis_sq(x, np.zeros(2), np.diag([9.0, 16.0])), [2.0, 0.0])
    with pytest.raises(ValueError, match="expected mean shape"):
        u.mahalanobis_sq(x, np.zeros(3), np.eye(2))


def test_gaussian_detector_recovers_a_gaussian_and_its_threshold():
    rng = np.random.default_rng(0)
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    logs = rng.multivariate_normal([6.0, 9.0], cov, size=20000)
    det = u.fit_gaussian_detector(np.expm1(logs), ridge=0.0)
    assert np.allclose(det.mean, [6.0, 9.0], atol=0.03)
    assert np.allclose(det.cov, cov, atol=0.03)
    scores = det.score(np.expm1(logs))
    # squared Mahalanobis distances of a 2-D Gaussian are chi-square(2): P(> t) = exp(-t / 2)
    t = u.threshold_for_fpr(scores, 0.05)
    assert t == pytest.approx(-2 * np.log(0.05), rel=0.05)
    assert np.mean(scores > t) == pytest.approx(0.05, abs=0.002)
    # a point against the correlation is more anomalous than one along it
    along, against = np.expm1([[7.0, 10.0]]), np.expm1([[7.0, 8.0]])
    assert det.score(against)[0] > 5 * det.score(along)[0]


def test_detectors_on_simulated_traffic_tell_the_lecture_story():
    train, test = data.traffic_split(1500, 80, 800, 80, seed=0)
    sup = u.fit_supervised_detector(train.x, train.kind, seed=0, n_trees=30)
    sup_flags = sup.predict(u.traffic_features(test.x)) != "normal"
    normal = train.x[train.kind == "normal"]
    det = u.fit_gaussian_detector(normal[:1000])
    threshold = u.threshold_for_fpr(det.score(normal[1000:]), fpr=0.02)
    uns_flags = det.score(test.x) > threshold
    sup_r = metrics.recall_by_kind(sup_flags, test.kind)
    uns_r = metrics.recall_by_kind(uns_flags, test.kind)
    assert all(sup_r[k] > 0.95 for k in data.KNOWN_ATTACKS)
    assert sup_r[data.NEW_ATTACK] < 0.2  # never saw it, calls it normal
    assert uns_r[data.NEW_ATTACK] > 0.7  # unlike anything normal
    assert uns_r["normal"] < 0.06  # false alarms near the chosen rate


def test_detector_input_errors():
    with pytest.raises(ValueError, match="non-negative"):
        u.traffic_features(np.array([[1.0, -2.0]]))
    with pytest.raises(ValueError, match="2-D"):
        u.traffic_features(np.ones(3))
    with pytest.raises(ValueError, match="more normal sessions"):
        u.fit_gaussian_detector(np.ones((3, 6)))
    with pytest.raises(ValueError, match="below 1"):
        u.threshold_for_fpr([1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        u.threshold_for_fpr([1.0, 2.0], -0.1)
    with pytest.raises(ValueError, match="two kinds"):
        u.fit_supervised_detector(np.ones((5, 6)), ["normal"] * 5)
    with pytest.raises(TypeError, match="boolean"):
        metrics.recall_by_kind(np.array([0, 1]), np.array(["a", "b"]))
    with pytest.raises(ValueError, match="no sessions"):
        metrics.recall_by_kind(np.array([True]), np.array(["a"]), order=["a", "b"])


def test_recall_by_kind():
    flags = np.array([True, False, True, True])
    kinds = np.array(["normal", "normal", "scan", "scan"])
    assert metrics.recall_by_kind(flags, kinds) == {"normal": 0.5, "scan": 1.0}
    assert list(metrics.recall_by_kind(flags, kinds, order=["scan", "normal"])) == ["scan", "normal"]
