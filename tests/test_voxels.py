"""course_utils.voxels: the procedural shapes are what they claim, the VAE's loss terms against
their formulas, the measures on known cases, drawing, seeds, saving, training and errors."""

import numpy as np
import pytest

import course_utils
from course_utils import config, helpers, voxels

course_utils.setup(seed=0, quiet=True)

TINY = {"latent_dim": 4, "width": 4, "encoder_width": 2}
CENTRES = np.arange(voxels.SIZE) + 0.5


@pytest.fixture(scope="module", autouse=True)
def tiny_classifier():
    """A small shape classifier in the session cache, so tests never train the real one."""
    helpers.cached(voxels.CLASSIFIER_CACHE_KEY,
                   lambda: voxels.train_shape_classifier(n=100, epochs=1))
    yield
    helpers.clear_cache()


def _cells(grid):
    return np.stack(np.meshgrid(CENTRES, CENTRES, CENTRES, indexing="ij"), axis=-1)[grid]


# ---------------------------------------------------------------- the shapes


def test_sphere_cells_are_exactly_those_within_the_radius():
    centre, r = np.array([7.2, 8.0, 9.1]), 4.3
    grid = voxels.sphere(centre, r)
    assert grid.dtype == bool and grid.shape == (16, 16, 16)
    assert np.all(np.linalg.norm(_cells(grid) - centre, axis=1) <= r)
    assert np.all(np.linalg.norm(_cells(~grid) - centre, axis=1) > r)


def test_box_cells_lie_within_the_half_sizes_on_every_axis():
    centre, half = np.array([8.0, 6.5, 9.0]), np.array([3.0, 1.6, 5.2])
    grid = voxels.box(centre, half)
    assert np.all(np.abs(_cells(grid) - centre) <= half)
    assert np.all(np.any(np.abs(_cells(~grid) - centre) > half, axis=1))
    assert grid.sum() == 6 * 3 * 10  # cells per axis: 6 (|d| <= 3), 3 (|d| <= 1.6), 10


def test_cylinder_runs_along_its_axis():
    centre = np.array([8.0, 8.0, 8.0])
    grid = voxels.cylinder(centre, radius=2.5, half_length=6.0, axis=1)
    d = _cells(grid) - centre
    assert np.all(d[:, 0] ** 2 + d[:, 2] ** 2 <= 2.5**2) and np.all(np.abs(d[:, 1]) <= 6.0)
    extent = [np.ptp(d[:, i]) for i in range(3)]
    assert extent[1] > extent[0] and extent[1] > extent[2]


def test_made_shapes_are_balanced_solid_inside_the_grid_and_seeded():
    grids, kinds = voxels.make_shapes(50, seed=3)
    assert grids.shape == (50, 16, 16, 16) and grids.dtype == bool
    np.testing.assert_array_equal(np.bincount(kinds), [10] * len(voxels.KINDS))
    assert np.all(grids.sum(axis=(1, 2, 3)) > 0)
    np.testing.assert_array_equal(voxels.connected_share(grids), 1.0)  # one solid piece each
    again, _ = voxels.make_shapes(50, seed=3)
    np.testing.assert_array_equal(grids, again)
    other, _ = voxels.make_shapes(50, seed=4)
    assert not np.array_equal(grids, other)


def test_cylinder_kinds_follow_their_axis():
    grids, kinds = voxels.make_shapes(30, seed=0, kinds=np.repeat([2, 3, 4], 10))
    for grid, kind in zip(grids, kinds, strict=True):
        spans = [np.ptp(np.nonzero(grid)[i]) for i in range(3)]
        assert int(np.argmax(spans)) == kind - 2


def test_roughen_only_touches_the_surface():
    grids, _ = voxels.make_shapes(6, seed=1)
    rough = voxels.roughen(grids, seed=0)
    assert rough.shape == grids.shape and rough.dtype == bool
    changed = rough != grids
    assert 0 < changed.mean() < 0.05
    from scipy import ndimage

    inner = ndimage.binary_erosion(grids, np.ones((1, 3, 3, 3)))
    assert not np.any(changed & inner)  # cells deep inside never change


# ---------------------------------------------------------------- measures


def test_connected_share_and_pairwise_iou_on_known_grids():
    grid = np.zeros((1, 16, 16, 16), bool)
    grid[0, 1:4, 1:4, 1:4] = True  # 27 cells
    grid[0, 10, 10, 10] = True  # a lone speck
    assert voxels.connected_share(grid)[0] == pytest.approx(27 / 28)
    a = np.zeros((2, 16, 16, 16), bool)
    a[:, :8] = True
    assert voxels.mean_pairwise_iou(a) == 1.0
    b = a.copy()
    b[1] = False
    b[1, 4:12] = True  # overlap 4 of 8 slabs, union 12
    assert voxels.mean_pairwise_iou(b) == pytest.approx(4 / 12)


# ---------------------------------------------------------------- the VAE


def test_kl_and_reconstruction_loss_match_their_formulas():
    mean = np.array([[0.0, 0.0], [1.0, -2.0]], "float32")
    log_var = np.array([[0.0, 0.0], [np.log(4.0), 0.0]], "float32")
    np.testing.assert_allclose(voxels.kl_divergence(mean, log_var),
                               [0.0, 0.5 * (4 + 1 - 1 - np.log(4.0)) + 0.5 * 4], rtol=1e-6)
    rng = np.random.default_rng(0)
    x = (rng.random((2, 16, 16, 16, 1)) < 0.3).astype("float32")
    logits = rng.normal(0, 3, x.shape).astype("float32")
    p = 1 / (1 + np.exp(-logits.astype("float64")))
    want = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2, 3, 4))
    np.testing.assert_allclose(voxels.reconstruction_loss(x, logits), want, rtol=1e-5)


def test_same_seed_same_weights_different_seed_different():
    a, b, c = (voxels.VoxelVAE(seed=s, **TINY) for s in (5, 5, 6))
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y)
               for x, y in zip(a.get_weights(), c.get_weights(), strict=True))


def test_training_generating_measuring_and_saving(tmp_path):
    import keras

    model, history = voxels.train_voxels(config.PROFILES["ci"], seed=0, steps=4, n_shapes=64,
                                         batch_size=16, n_snapshots=2, **TINY)
    assert list(history["step"]) == [2, 4]
    for key in ("loss", "reconstruction", "kl", "accuracy"):
        assert history[key].shape == (2,) and np.all(np.isfinite(history[key]))
    assert history["samples"].shape == (2, len(voxels.KINDS), 16, 16, 16)
    assert sum(v.nbytes for v in history.values()) < 300_000
    kinds = np.arange(len(voxels.KINDS), dtype="int32")
    grids = voxels.generate(model, kinds, seed=1)
    assert grids.shape == (len(kinds), 16, 16, 16) and grids.min() >= 0 and grids.max() <= 1
    np.testing.assert_array_equal(grids, voxels.generate(model, kinds, seed=1))
    frozen = voxels.generate(model, np.zeros(3, "int32"), seed=2, temperature=0.0)
    np.testing.assert_array_equal(frozen[0], frozen[2])  # temperature 0: one shape per kind
    with pytest.raises(ValueError, match="temperature"):
        voxels.generate(model, kinds, temperature=-1.0)
    result = voxels.evaluate_voxels(model, per_kind=4)
    assert 0 <= result["accuracy_temperature_half"] <= 1
    assert 0 <= result["accuracy"] <= 1 and "accuracy_cylinder_z" in result
    assert result["real_connected_share"] == 1.0
    path = tmp_path / "voxels.keras"
    voxels.inference_copy(model).save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(voxels.generate(loaded, kinds, seed=1), grids, atol=1e-6)


# ---------------------------------------------------------------- drawing


def test_voxel_figure_has_titles_and_labelled_axes():
    import matplotlib

    matplotlib.use("Agg")
    grids, kinds = voxels.make_shapes(2, seed=0)
    fig = voxels.voxel_figure(grids, titles=[voxels.KINDS[k] for k in kinds], title="Shapes")
    assert fig._suptitle.get_text() == "Shapes"
    ax = fig.axes[0]
    assert ax.get_title() == "box" and ax.get_xlabel() == "x" and ax.get_zlabel() == "z"
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_draw_voxels_needs_a_3d_axis():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    with pytest.raises(TypeError, match="3-D axis"):
        voxels.draw_voxels(ax, np.zeros((16, 16, 16), bool))
    plt.close(fig)


# ---------------------------------------------------------------- bad input


def test_bad_inputs_raise_clear_errors():
    model = voxels.VoxelVAE(seed=0, **TINY)
    with pytest.raises(ValueError, match="indices"):
        voxels.generate(model, np.array([0, 9]))
    with pytest.raises(TypeError, match="kinds"):
        voxels.generate(model, np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="VoxelVAE"):
        voxels.generate(object(), np.array([0]))
    with pytest.raises(ValueError, match="voxel grids"):
        voxels.connected_share(np.zeros((2, 8, 8, 8)))
    with pytest.raises(ValueError, match="occupancies"):
        voxels.connected_share(np.full((1, 16, 16, 16), 2.0))
    with pytest.raises(ValueError, match="beta"):
        voxels.VoxelVAE(beta=-1.0)
    with pytest.raises(ValueError, match="n must be"):
        voxels.make_shapes(0)
