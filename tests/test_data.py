import gzip
import shutil
import urllib.error

import numpy as np
import pytest

from course_utils import data

NAMES = list(data.registry()["fashion-mnist"]["files"])


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """Search only a temporary folder: no Keras cache, Debian package or repo copy."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(data, "search_dirs", lambda: [tmp_path])
    return tmp_path


def test_real_data_shapes_dtypes_ranges():
    ds = data.load_fashion_mnist()
    assert ds.x_train.shape == (60000, 28, 28) and ds.x_test.shape == (10000, 28, 28)
    assert ds.y_train.shape == (60000,) and ds.y_test.shape == (10000,)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.uint8
    assert ds.x_train.min() == 0 and ds.x_train.max() == 255
    assert set(np.unique(ds.y_train)) == set(range(10))
    assert np.bincount(ds.y_test).tolist() == [1000] * 10
    assert len(ds.class_names) == 10
    with pytest.raises(ValueError):
        ds.x_train[0, 0, 0] = 1  # read-only: the session cache cannot be damaged


def test_missing_file_names_places_and_fix(isolated):
    with pytest.raises(data.DataNotFoundError) as err:
        data.fetch_file(NAMES[0], allow_download=False)
    msg = str(err.value)
    assert NAMES[0] in msg and str(isolated) in msg
    assert "apt-get install dataset-fashion-mnist" in msg and "COURSE_DATA_DIR" in msg


def test_no_network_gives_clear_error_not_hang(isolated, monkeypatch):
    def refuse(url, timeout):
        assert timeout <= data.DOWNLOAD_TIMEOUT_S
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(data.urllib.request, "urlopen", refuse)
    with pytest.raises(data.DataNotFoundError, match="download .* failed"):
        data.fetch_file(NAMES[1], allow_download=True)
    assert not list(isolated.iterdir()), "a failed download must leave no partial file"


def test_offline_env_switches_download_off(isolated, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda *a, **k: pytest.fail("downloaded"))
    with pytest.raises(data.DataNotFoundError, match="COURSE_OFFLINE"):
        data.fetch_file(NAMES[1])


def test_corrupt_file_names_file_and_hashes(isolated):
    bad = isolated / "train-labels-idx1-ubyte.gz"
    with gzip.open(bad, "wb") as fh:
        fh.write(b"\x00\x00\x08\x01" + b"not fashion mnist")
    with pytest.raises(data.DataChecksumError) as err:
        data.fetch_file(bad.name)
    msg = str(err.value)
    expected = data.registry()["fashion-mnist"]["files"][bad.name]["sha256"]
    assert str(bad) in msg and expected in msg and "sha256" in msg


def test_truncated_gzip_is_reported_as_corrupt(isolated):
    bad = isolated / NAMES[1]
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(data.DataChecksumError, match="corrupt") as err:
        data.fetch_file(NAMES[1])
    assert str(bad) in str(err.value)


def test_verified_copy_in_custom_dir_is_used(isolated):
    real = None
    for folder in [data.DEBIAN_DIR, data.keras_cache_dir(), data.DATA_DIR / "fashion-mnist"]:
        if (folder / NAMES[1]).is_file():
            real = folder / NAMES[1]
    if real is None:
        pytest.skip("no local Fashion-MNIST copy to copy from")
    shutil.copy(real, isolated / NAMES[1])
    assert data.fetch_file(NAMES[1], allow_download=False) == isolated / NAMES[1]


def test_scaling_helpers():
    x = np.array([[0, 128, 255]], dtype=np.uint8)
    u = data.to_unit(x)
    assert u.dtype == np.float32 and u.min() == 0.0 and u.max() == 1.0
    s = data.to_symmetric(x)
    assert s.min() == -1.0 and s.max() == 1.0
    np.testing.assert_allclose(data.from_symmetric(s), u, atol=1e-6)
    with pytest.raises(TypeError, match="uint8"):
        data.to_unit(u)


def test_stratified_subset_is_balanced_and_deterministic():
    ds = data.load_fashion_mnist()
    x1, y1 = data.stratified_subset(ds.x_train, ds.y_train, 1000, seed=3)
    x2, y2 = data.stratified_subset(ds.x_train, ds.y_train, 1000, seed=3)
    assert x1.shape == (1000, 28, 28)
    assert np.bincount(y1).tolist() == [100] * 10
    np.testing.assert_array_equal(x1, x2)
    _, y3 = data.stratified_subset(ds.x_train, ds.y_train, 1000, seed=4)
    assert not np.array_equal(y1, y3)
    with pytest.raises(ValueError, match="labels"):
        data.stratified_subset(ds.x_train[:10], ds.y_train[:9], 5)


def test_course_data_follows_profile():
    from course_utils.config import PROFILES

    x_tr, y_tr, x_te, y_te = data.course_data(profile=PROFILES["ci"])
    assert len(x_tr) == PROFILES["ci"].train_size and len(x_te) == PROFILES["ci"].test_size
    assert x_tr.dtype == np.float32 and 0.0 <= x_tr.min() and x_tr.max() <= 1.0
    with pytest.raises(ValueError, match="scale"):
        data.course_data(scale="bogus", profile=PROFILES["ci"])


def test_shuffled_stream_keeps_the_order_and_turns_autotuning_off():
    import tensorflow as tf

    x = np.arange(50, dtype="float32").reshape(25, 2)
    y = np.arange(25, dtype="int32")
    stream = data.shuffled_stream((x, y), batch_size=4, seed=3)
    by_hand = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(25, seed=3).repeat()
               .batch(4, drop_remainder=True))
    for (sx, sy), (hx, hy) in zip(stream.take(12), by_hand.take(12), strict=True):
        np.testing.assert_array_equal(sx.numpy(), hx.numpy())
        np.testing.assert_array_equal(sy.numpy(), hy.numpy())
        np.testing.assert_array_equal(sx.numpy()[:, 0] / 2, sy.numpy())  # rows stay paired
    assert stream.options().autotune.enabled is False
    assert by_hand.options().autotune.enabled is not False


def test_every_training_pipeline_is_untuned():
    """Autotuning held the end of each ``fit`` for seconds (see ``data.untuned``); every
    module that builds a tf.data pipeline must end it there."""
    from pathlib import Path

    from course_utils import cyclegan, gan, vae

    grey = np.random.default_rng(0).uniform(0, 1, (20, 28, 28)).astype("float32")
    images = (grey * 2 - 1)[..., None]
    pipelines = {"gan": gan._image_dataset(images, None, 4, seed=0),
                 "cgan": gan._image_dataset(images, np.zeros(20, "int32"), 4, seed=0),
                 "cyclegan": cyclegan._unpaired_dataset(images, images, 4, seed=0),
                 "vae": vae.binarized_batches(grey, 4, seed=0)}
    assert {k: ds.options().autotune.enabled for k, ds in pipelines.items()} == dict.fromkeys(
        pipelines, False)
    package = Path(data.__file__).parent
    for module in sorted(package.glob("*.py")):
        text = module.read_text()
        if "tf.data.Dataset" in text and module.name != "data.py":
            assert "untuned(" in text or "shuffled_stream(" in text, module.name


def test_toy_distributions():
    pts, modes = data.ring_of_gaussians(800, n_modes=8, seed=0)
    assert pts.shape == (800, 2) and set(np.unique(modes)) == set(range(8))
    radii = np.linalg.norm(pts, axis=1)
    assert abs(radii.mean() - 2.0) < 0.05
    again, _ = data.ring_of_gaussians(800, n_modes=8, seed=0)
    np.testing.assert_array_equal(pts, again)
    x, comp = data.gaussian_mixture_1d(5000, seed=1)
    assert abs(np.mean(comp == 1) - 0.6) < 0.03
    with pytest.raises(ValueError):
        data.gaussian_mixture_1d(10, weights=(0.5, 0.6))


def test_cli_reports_success(capsys):
    assert data.main([]) == 0
    assert "verified" in capsys.readouterr().out


def test_binarize_draws_pixels_with_the_grey_value_as_probability():
    grey = np.full((200, 28, 28), 0.25, dtype="float32")
    grey[:, :, :14] = 1.0
    a, b = data.binarize(grey, seed=3), data.binarize(grey, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and set(np.unique(a)) == {0.0, 1.0}
    assert a[:, :, :14].min() == 1.0  # probability 1 is always ink
    assert a[:, :, 14:].mean() == pytest.approx(0.25, abs=0.01)
    assert not np.array_equal(a, data.binarize(grey, seed=4))
    with pytest.raises(TypeError, match="to_unit"):
        data.binarize(np.zeros((2, 28, 28), dtype=np.uint8))
