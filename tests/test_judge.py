"""course_utils.judge and the judge-based metrics: the committed checkpoint, its recorded
accuracy, features, reference values and bad input."""

import json

import numpy as np
import pytest

from course_utils import checkpoints, data, judge


@pytest.fixture(scope="module")
def test_set():
    ds = data.load_fashion_mnist()
    return data.to_unit(ds.x_test), np.asarray(ds.y_test)


def test_checkpoint_is_small_and_loads_in_safe_mode():
    path = checkpoints.checkpoint_path(judge.JUDGE_NAME)
    assert path.is_file(), f"{path} is missing: run `python -m course_utils.pretrain --only judge`"
    assert path.stat().st_size < 5e6
    model = checkpoints.load_checkpoint(path)  # safe_mode=True inside
    assert model.get_layer(judge.FEATURE_LAYER).units == judge.FEATURE_DIM
    assert judge.load_judge() is judge.load_judge()  # cached


def test_recorded_test_accuracy_reproduces_within_half_a_point(test_set):
    entry = checkpoints.read_manifest()[judge.JUDGE_NAME]
    recorded = entry["metrics"]["test_accuracy"]
    x, y = test_set
    accuracy = float(np.mean(np.argmax(judge.judge_predict(x), axis=1) == y))
    assert abs(accuracy - recorded) <= 0.005
    assert recorded >= 0.90
    assert entry["command"].startswith("python -m course_utils.pretrain --only judge")
    assert entry["seed"] == judge.SEED
    assert {"seed", "epochs", "versions", "train_seconds"} <= set(entry)
    assert judge.judge_accuracy(x, y) == pytest.approx(accuracy)


def test_features_and_predictions_have_documented_shapes(test_set):
    x = test_set[0][:50]
    feats = judge.judge_features(x)
    assert feats.shape == (50, judge.FEATURE_DIM) and feats.dtype == np.float32
    np.testing.assert_array_equal(feats, judge.judge_features(x[..., None]))  # same either way
    probs = judge.judge_predict(x)
    assert probs.shape == (50, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("bad, error, match", [
    (np.zeros((3, 27, 27), "float32"), ValueError, r"\(n, 28, 28\).*got shape \(3, 27, 27\)"),
    (np.zeros((3, 784), "float32"), ValueError, "flat vectors"),
    (np.zeros((0, 28, 28), "float32"), ValueError, "empty"),
    (np.full((3, 28, 28), np.nan, "float32"), ValueError, "NaN"),
    (np.full((3, 28, 28), -1.0, "float32"), ValueError, r"\[-1, 1\].*from_symmetric"),
    (np.zeros((3, 28, 28), "uint8"), TypeError, "to_unit"),
])
def test_judge_rejects_bad_images(bad, error, match):
    with pytest.raises(error, match=match):
        judge.judge_features(bad)
    with pytest.raises(error, match=match):
        judge.judge_frechet_distance(bad, bad)


def test_judge_accuracy_rejects_bad_labels(test_set):
    x = test_set[0][:10]
    with pytest.raises(ValueError, match=r"one label per image \(10\), got shape \(9,\)"):
        judge.judge_accuracy(x, np.zeros(9, int))
    with pytest.raises(ValueError, match="class indices 0-9"):
        judge.judge_accuracy(x, np.full(10, 10))


def test_frechet_distance_orders_real_and_noise(test_set):
    x, y = test_set
    x_a, _ = data.stratified_subset(x, y, 500, seed=0)
    x_b, _ = data.stratified_subset(x, y, 500, seed=1)
    noise = np.random.default_rng(0).random((500, 28, 28))
    real = judge.judge_frechet_distance(x_a, x_b)
    assert real < judge.judge_frechet_distance(noise, x_b) / 10
    assert judge.judge_frechet_distance(x_a, x_a) == pytest.approx(0.0, abs=1e-4)


def test_published_reference_values_reproduce():
    """One value of data/reference_values.json, recomputed the way the command does it."""
    values = json.loads(judge.REFERENCE_JSON.read_text(encoding="utf-8"))
    table = values["frechet_distance"]["1000"]
    x_test, sets = judge.reference_sets(1000, values["protocol"]["seed"])
    for label in ("train images (floor)", "per-pixel Gaussian noise (ceiling)"):
        value = judge.judge_frechet_distance(sets[label], x_test)
        assert value == pytest.approx(table[label], rel=0.01, abs=0.01)
    assert table["train images (floor)"] < table["per-pixel Gaussian noise (ceiling)"]
    text = judge.REFERENCE_MD.read_text(encoding="utf-8")
    assert text.startswith("# Reference values") and "floor" in text and "ceiling" in text
    assert text == judge.reference_markdown(values)


def test_reference_sets_are_deterministic_and_in_range():
    x_a, sets_a = judge.reference_sets(200, seed=0)
    x_b, sets_b = judge.reference_sets(200, seed=0)
    np.testing.assert_array_equal(x_a, x_b)
    for label, images in sets_a.items():
        assert images.shape == (200, 28, 28), label
        assert 0.0 <= images.min() and images.max() <= 1.0, label
        np.testing.assert_array_equal(images, sets_b[label])
    with pytest.raises(ValueError, match="between 2 and 6000"):
        judge.reference_sets(7000)


def test_training_is_deterministic():
    model_a, _ = judge.train_judge(epochs=1, seed=3, n_train=512, batch_size=128)
    model_b, _ = judge.train_judge(epochs=1, seed=3, n_train=512, batch_size=128)
    for wa, wb in zip(model_a.get_weights(), model_b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        judge.train_judge(epochs=0)


def test_missing_checkpoint_names_the_train_command(tmp_path):
    with pytest.raises(checkpoints.CheckpointError, match="course_utils.pretrain --only judge"):
        judge.load_judge(tmp_path / "judge.keras")
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip")
    with pytest.raises(checkpoints.CheckpointError, match="course_utils.pretrain --only judge"):
        judge.load_judge(broken)
