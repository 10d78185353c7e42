"""The simulated network traffic of 01_supervised_vs_unsupervised (course_utils.data)."""

import numpy as np
import pytest

from course_utils import data


def test_shapes_dtypes_and_label_counts():
    counts = {"normal": 50, "port_scan": 7, "brute_force": 0, "flood": 3, "exfiltration": 4}
    ts = data.simulate_traffic(counts, seed=3)
    assert ts.x.shape == (64, len(data.TRAFFIC_FEATURES)) and ts.x.dtype == np.float64
    assert ts.kind.shape == (64,) and len(ts) == 64
    assert ts.counts() == {"normal": 50, "port_scan": 7, "flood": 3, "exfiltration": 4}
    assert ts.is_attack.sum() == 14
    assert ts.feature_names == data.TRAFFIC_FEATURES


def test_every_feature_and_kind_is_documented():
    assert set(data.TRAFFIC_FEATURE_DOCS) == set(data.TRAFFIC_FEATURES)
    assert set(data.TRAFFIC_KIND_DOCS) == set(data.TRAFFIC_KINDS)
    assert data.NEW_ATTACK not in data.KNOWN_ATTACKS
    assert set(data.KNOWN_ATTACKS) | {data.NEW_ATTACK, "normal"} == set(data.TRAFFIC_KINDS)


def test_values_are_physical():
    ts = data.simulate_traffic(dict.fromkeys(data.TRAFFIC_KINDS, 200), seed=0)
    assert np.all(np.isfinite(ts.x)) and np.all(ts.x >= 0)
    counts = ts.x[:, 1:]  # bytes, packets, ports and failed logins are whole numbers
    assert np.array_equal(counts, np.round(counts))
    assert np.all(ts.x[:, data.TRAFFIC_FEATURES.index("distinct_ports")] >= 1)
    assert np.all(ts.x[:, data.TRAFFIC_FEATURES.index("duration_s")] > 0)


def _median(ts, kind, feature):
    return np.median(ts.x[ts.kind == kind, data.TRAFFIC_FEATURES.index(feature)])


def test_each_attack_differs_from_normal_as_documented():
    ts = data.simulate_traffic(dict.fromkeys(data.TRAFFIC_KINDS, 400), seed=1)
    assert _median(ts, "port_scan", "distinct_ports") > 20 * _median(ts, "normal", "distinct_ports")
    assert _median(ts, "brute_force", "failed_logins") >= 20 > _median(ts, "normal", "failed_logins")
    assert _median(ts, "flood", "packets") > 50 * _median(ts, "normal", "packets")
    # normal traffic downloads (in >> out); exfiltration uploads (out >> in)
    assert _median(ts, "normal", "bytes_in") > 5 * _median(ts, "normal", "bytes_out")
    assert _median(ts, "exfiltration", "bytes_out") > 10 * _median(ts, "exfiltration", "bytes_in")
    # ...while its ports and logins look normal
    assert _median(ts, "exfiltration", "distinct_ports") == _median(ts, "normal", "distinct_ports")
    assert _median(ts, "exfiltration", "failed_logins") == 0


def test_same_seed_same_numbers_other_seed_other_numbers():
    counts = {"normal": 30, "flood": 5}
    a, b = data.simulate_traffic(counts, seed=7), data.simulate_traffic(counts, seed=7)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.kind, b.kind)
    assert not np.array_equal(a.x, data.simulate_traffic(counts, seed=8).x)


def test_normal_rows_do_not_depend_on_attack_counts():
    few = data.simulate_traffic({"normal": 40, "flood": 1}, seed=2)
    many = data.simulate_traffic({"normal": 40, "flood": 30, "port_scan": 9}, seed=2)
    rows = lambda ts: ts.x[ts.kind == "normal"][np.lexsort(ts.x[ts.kind == "normal"].T)]  # noqa: E731
    assert np.array_equal(rows(few), rows(many))


def test_split_keeps_the_new_attack_out_of_training():
    train, test = data.traffic_split(300, 20, 200, 15, seed=0)
    assert data.NEW_ATTACK not in set(train.kind)
    assert train.counts() == {"normal": 300, "port_scan": 20, "brute_force": 20, "flood": 20}
    assert test.counts() == {"normal": 200, "port_scan": 15, "brute_force": 15, "flood": 15,
                             "exfiltration": 15}
    # train and test are different draws, not copies
    assert not np.isin(test.x[:, 0], train.x[:, 0]).any()
    again_train, again_test = data.traffic_split(300, 20, 200, 15, seed=0)
    assert np.array_equal(train.x, again_train.x) and np.array_equal(test.x, again_test.x)


@pytest.mark.parametrize(
    ("counts", "error", "match"),
    [
        ([("normal", 5)], TypeError, "dict"),
        ({"normal": 5, "worm": 2}, ValueError, "unknown traffic kind.*worm"),
        ({"normal": -1}, ValueError, ">= 0"),
        ({"normal": 2.5}, TypeError, "int"),
        ({"normal": True}, TypeError, "int"),
        ({"normal": 0, "flood": 0}, ValueError, "no rows"),
    ],
)
def test_bad_counts_raise_clearly(counts, error, match):
    with pytest.raises(error, match=match):
        data.simulate_traffic(counts)


def test_bad_split_arguments_raise_clearly():
    with pytest.raises(ValueError, match="positive"):
        data.traffic_split(n_attack_train=0)
    with pytest.raises(ValueError, match=">= 0"):
        data.traffic_split(n_normal_test=-5)
    with pytest.raises(TypeError, match="int"):
        data.traffic_split(n_normal_train=100.0)
    with pytest.raises(TypeError, match="seed"):
        data.simulate_traffic({"normal": 3}, seed="zero")
