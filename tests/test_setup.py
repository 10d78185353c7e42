"""course_utils.setup: seeds, determinism, idempotence, and the one-line report."""

import numpy as np
import pytest

import course_utils


def _short_fit(seed: int) -> list[np.ndarray]:
    import keras

    course_utils.setup(seed=seed, quiet=True)
    x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return model.get_weights()


def test_same_seed_gives_identical_weights():
    a, b = _short_fit(7), _short_fit(7)
    for wa, wb in zip(a, b, strict=True):
        np.testing.assert_array_equal(wa, wb)


def test_different_seed_gives_different_weights():
    a, b = _short_fit(7), _short_fit(8)
    assert any(not np.array_equal(wa, wb) for wa, wb in zip(a, b, strict=True))


def test_setup_prints_one_line_and_is_idempotent(capsys):
    p1 = course_utils.setup(seed=3)
    p2 = course_utils.setup(seed=3)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    assert len(lines) == 2 and lines[0] == lines[1]
    assert "profile=" in lines[0] and "seed=3" in lines[0] and "TensorFlow" in lines[0]
    assert p1 is p2


def test_setup_seeds_numpy_and_rejects_bad_seed():
    course_utils.setup(seed=11, quiet=True)
    a = np.random.rand(3)  # noqa: NPY002
    course_utils.setup(seed=11, quiet=True)
    np.testing.assert_array_equal(a, np.random.rand(3))  # noqa: NPY002
    import pytest

    with pytest.raises(ValueError, match="seed"):
        course_utils.setup(seed=-1)


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, course_utils, course_utils.config; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_house_style_and_projector_switch():
    import matplotlib as mpl

    from course_utils.plotting import use_house_style

    use_house_style(projector=False)
    normal = mpl.rcParams["font.size"]
    use_house_style(projector=True)
    assert mpl.rcParams["font.size"] > normal
    use_house_style(projector=False)


def test_course_seed_overrides_the_notebook_seed(monkeypatch):
    import course_utils
    from course_utils import config

    monkeypatch.setenv("COURSE_SEED", "7")
    try:
        course_utils.setup(seed=42, quiet=True)
        assert config.resolve_seed() == 7
        monkeypatch.setenv("COURSE_SEED", "seven")
        with pytest.raises(ValueError, match="COURSE_SEED"):
            course_utils.setup(seed=42, quiet=True)
    finally:
        monkeypatch.delenv("COURSE_SEED")
        course_utils.setup(seed=42, quiet=True)
