"""course_utils.lvm (notebook 03): exact discrete LVM, shadows, EM, linear-Gaussian LVM, and
the EM player widget driven without a browser."""


import numpy as np
import pytest
from scipy.stats import multivariate_normal

from course_utils import lvm

TRUE_W = np.array([0.5, 0.3, 0.2])
TRUE_MEANS = np.array([[-6.0, 0.0], [6.0, 0.0], [0.0, 8.0]])
TRUE_COVS = np.array([[[1.0, 0.3], [0.3, 0.5]], [[0.4, 0.0], [0.0, 1.5]],
                      [[0.8, -0.2], [-0.2, 0.6]]])


def _random_mixture(rng, k=3, d=2):
    a = rng.normal(size=(k, d, d))
    covs = a @ np.swapaxes(a, 1, 2) + 0.3 * np.eye(d)
    return rng.dirichlet(np.ones(k) * 2), rng.normal(0, 2, (k, d)), covs


# ---------------------------------------------------------------- discrete LVM


def test_posterior_matches_bayes_computed_by_hand():
    prior = [0.6, 0.4]
    likelihood = [[0.7, 0.3], [0.2, 0.8]]
    # joint = [[0.42, 0.18], [0.08, 0.32]]; p(x) = [0.5, 0.5]
    np.testing.assert_allclose(lvm.joint_table(prior, likelihood), [[0.42, 0.18], [0.08, 0.32]])
    np.testing.assert_allclose(lvm.marginal(prior, likelihood), [0.5, 0.5])
    np.testing.assert_allclose(lvm.posterior(prior, likelihood), [[0.84, 0.36], [0.16, 0.64]])


def test_posterior_columns_are_distributions_and_zero_prior_stays_zero():
    rng = np.random.default_rng(0)
    prior = np.array([0.0, 0.7, 0.3])
    post = lvm.posterior(prior, rng.dirichlet(np.ones(5), size=3))
    np.testing.assert_allclose(post.sum(axis=0), 1.0)
    assert np.all(post[0] == 0)


def test_posterior_of_an_impossible_observation_is_an_error():
    with pytest.raises(ValueError, match="p\\(x\\) = 0 for x in \\[1\\]"):
        lvm.posterior([0.5, 0.5], [[1.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize("prior, likelihood, match", [
    ([0.5, 0.6], [[1.0], [1.0]], "sum to 1"),
    ([1.5, -0.5], [[1.0], [1.0]], "negative"),
    ([0.5, 0.5], [[0.5, 0.5]], "one row per value of z"),
    ([0.5, 0.5], [[0.5, 0.6], [0.5, 0.5]], "likelihood"),
    ([[0.5, 0.5]], [[1.0], [1.0]], "1-D"),
    ([0.5, np.nan], [[1.0], [1.0]], "NaN"),
])
def test_discrete_lvm_rejects_bad_tables(prior, likelihood, match):
    with pytest.raises(ValueError, match=match):
        lvm.posterior(prior, likelihood)


def test_discrete_lvm_rejects_non_numbers():
    with pytest.raises(TypeError, match="array of numbers"):
        lvm.joint_table(["a", "b"], [[1.0], [1.0]])


def test_ancestral_samples_reproduce_marginal_and_posterior():
    prior = np.array([0.5, 0.3, 0.2])
    likelihood = np.array([[0.55, 0.35, 0.05, 0.05], [0.2, 0.05, 0.45, 0.3],
                           [0.05, 0.0, 0.55, 0.4]])
    z, x = lvm.sample_discrete_lvm(prior, likelihood, 200_000, seed=1)
    assert z.shape == x.shape == (200_000,)
    np.testing.assert_allclose(np.bincount(x, minlength=4) / len(x),
                               lvm.marginal(prior, likelihood), atol=0.005)
    coat = np.bincount(z[x == 2], minlength=3) / np.sum(x == 2)
    np.testing.assert_allclose(coat, lvm.posterior(prior, likelihood)[:, 2], atol=0.01)
    assert not np.any((z == 2) & (x == 1))  # p(x=1 | z=2) = 0 is never sampled
    z2, x2 = lvm.sample_discrete_lvm(prior, likelihood, 200_000, seed=1)
    assert np.array_equal(z, z2) and np.array_equal(x, x2)
    with pytest.raises(ValueError, match="n must be an int"):
        lvm.sample_discrete_lvm(prior, likelihood, 0)


# ---------------------------------------------------------------- shadows


def test_shadow_data_shapes_and_determinism():
    a = lvm.shadow_data(n=300, seed=4)
    b = lvm.shadow_data(n=300, seed=4)
    c = lvm.shadow_data(n=300, seed=5)
    assert a.hidden.shape == (300, 3) and a.shadows.shape == (300, 2, 2)
    assert a.observed.shape == (300, 4) and a.lights.shape == (2, 3)
    assert np.array_equal(a.hidden, b.hidden) and np.array_equal(a.shadows, b.shadows)
    assert not np.allclose(a.hidden, c.hidden)
    three = lvm.shadow_data(n=50, lights=[(0, 0, 1), (0, 1, 0), (1, 1, 1)], noise=0.0)
    assert three.shadows.shape == (50, 3, 2)
    np.testing.assert_allclose(np.linalg.norm(three.lights, axis=1), 1.0)


def test_axis_lights_cast_the_expected_shadows():
    pts = lvm.spring_points(100, seed=0)
    np.testing.assert_allclose(lvm.cast_shadow(pts, lvm.OVERHEAD), pts[:, [0, 1]], atol=1e-12)
    np.testing.assert_allclose(lvm.cast_shadow(pts, lvm.SIDEWAYS), pts[:, [0, 2]], atol=1e-12)
    noiseless = lvm.shadow_data(n=100, noise=0.0, seed=0)
    np.testing.assert_allclose(noiseless.shadows[:, 0], noiseless.hidden[:, :2], atol=1e-12)


@pytest.mark.parametrize("light", [(0, 0, 1), (1, 2, 3), (-1, 0.5, 0), (0.3, -2, 0.1)])
def test_shadow_basis_is_orthonormal_and_perpendicular_to_the_light(light):
    basis = lvm.shadow_basis(light)
    unit = np.asarray(light, float) / np.linalg.norm(light)
    np.testing.assert_allclose(basis @ basis.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(basis @ unit, 0.0, atol=1e-12)
    # moving a point along the light does not move its shadow
    p = np.array([[0.3, -0.2, 0.9]])
    np.testing.assert_allclose(lvm.cast_shadow(p, light), lvm.cast_shadow(p + 2.5 * unit, light),
                               atol=1e-12)


def test_shadow_bad_inputs():
    with pytest.raises(ValueError, match="zero vector"):
        lvm.shadow_basis((0, 0, 0))
    with pytest.raises(ValueError, match="3-vector"):
        lvm.shadow_basis((1, 0))
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        lvm.cast_shadow(np.zeros((4, 2)), (0, 0, 1))
    with pytest.raises(ValueError, match="noise"):
        lvm.shadow_data(noise=-1.0)
    with pytest.raises(ValueError, match="n_lights, 3"):
        lvm.shadow_data(lights=[(0, 1)])


def test_one_shadow_loses_the_coordinate_along_its_light_two_recover_all():
    data = lvm.shadow_data(n=600, seed=0)
    r2_floor = lvm.linear_recovery_r2(data.shadows[:, 0], data.hidden)
    assert r2_floor[0] > 0.99 and r2_floor[1] > 0.99 and r2_floor[2] < 0.2
    mean, directions, variances = lvm.principal_axes(data.observed)
    assert variances[2] > 100 * variances[3]  # three hidden factors, one noise direction
    factors = (data.observed - mean) @ directions[:3].T
    assert np.all(lvm.linear_recovery_r2(factors, data.hidden) > 0.99)


def test_principal_axes_and_r2_closed_forms():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(500, 3)) * [3.0, 1.0, 0.2]
    mean, directions, variances = lvm.principal_axes(x)
    np.testing.assert_allclose(directions @ directions.T, np.eye(3), atol=1e-10)
    assert np.all(np.diff(variances) <= 0)
    np.testing.assert_allclose(variances.sum(), x.var(axis=0).sum())
    np.testing.assert_allclose(np.abs(directions[0]), [1, 0, 0], atol=0.05)
    target = np.column_stack([2 * x[:, 0] - x[:, 1] + 4, rng.normal(size=500)])
    r2 = lvm.linear_recovery_r2(x, target)
    assert r2[0] == pytest.approx(1.0) and r2[1] < 0.05
    with pytest.raises(ValueError, match="rows"):
        lvm.linear_recovery_r2(x, target[:10])


# ---------------------------------------------------------------- EM


def test_e_step_responsibilities_sum_to_one_and_match_bayes():
    rng = np.random.default_rng(3)
    w, m, c = _random_mixture(rng)
    x = rng.normal(0, 3, (50, 2))
    resp = lvm.e_step(x, w, m, c)
    assert resp.shape == (50, 3)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0)
    dens = np.stack([wj * multivariate_normal(mj, cj).pdf(x)
                     for wj, mj, cj in zip(w, m, c, strict=True)], axis=1)
    np.testing.assert_allclose(resp, dens / dens.sum(axis=1, keepdims=True), rtol=1e-8)
    np.testing.assert_allclose(lvm.log_likelihood(x, w, m, c), np.mean(np.log(dens.sum(axis=1))))


def test_e_step_is_stable_far_from_every_component():
    x = np.array([[1e3, 1e3]])
    resp = lvm.e_step(x, TRUE_W, TRUE_MEANS, TRUE_COVS)  # densities underflow to 0
    assert np.all(np.isfinite(resp)) and resp.sum() == pytest.approx(1.0)


def test_m_step_with_known_labels_is_the_per_group_fit():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(90, 2))
    labels = np.repeat([0, 1, 2], 30)
    w, m, c = lvm.m_step(x, np.eye(3)[labels], reg=0.0)
    np.testing.assert_allclose(w, [1 / 3] * 3)
    for j in range(3):
        np.testing.assert_allclose(m[j], x[labels == j].mean(axis=0))
        np.testing.assert_allclose(c[j], np.cov(x[labels == j].T, bias=True))


def test_em_recovers_known_parameters_on_well_separated_data():
    x, _ = lvm.sample_mixture(TRUE_W, TRUE_MEANS, TRUE_COVS, 3000, seed=5)
    hist = lvm.em_history(x, 3, n_iter=100, seed=0, tol=1e-10)
    order = lvm.match_components(hist.means[-1], TRUE_MEANS)
    w, m, c = (a[order] for a in hist.params(hist.n_iterations))
    np.testing.assert_allclose(w, TRUE_W, atol=0.03)
    np.testing.assert_allclose(m, TRUE_MEANS, atol=0.1)
    np.testing.assert_allclose(c, TRUE_COVS, atol=0.15)


@pytest.mark.parametrize("seed", range(4))
def test_em_log_likelihood_never_decreases(seed):
    rng = np.random.default_rng(seed)
    x, _ = lvm.sample_mixture(*_random_mixture(rng, k=4), 400, seed=seed)
    hist = lvm.em_history(x, 4, n_iter=40, seed=seed)
    assert np.all(np.diff(hist.log_likelihood) >= -1e-9)
    assert hist.log_likelihood[-1] > hist.log_likelihood[0]


def test_em_history_shapes_determinism_and_tol():
    x, _ = lvm.sample_mixture(TRUE_W, TRUE_MEANS, TRUE_COVS, 200, seed=6)
    a = lvm.em_history(x, 3, n_iter=12, seed=1)
    b = lvm.em_history(x, 3, n_iter=12, seed=1)
    assert a.n_iterations == 12
    assert a.weights.shape == (13, 3) and a.means.shape == (13, 3, 2)
    assert a.covs.shape == (13, 3, 2, 2) and a.resp.shape == (13, 200, 3)
    np.testing.assert_array_equal(a.log_likelihood, b.log_likelihood)
    np.testing.assert_array_equal(a.resp, b.resp)
    # iteration t's responsibilities are the E-step of iteration t's parameters
    np.testing.assert_allclose(a.resp[5], lvm.e_step(x, *a.params(5)))
    early = lvm.em_history(x, 3, n_iter=500, seed=1, tol=1e-3)
    assert early.n_iterations < 500
    with pytest.raises(ValueError, match="iteration must be"):
        a.params(13)


def test_mixture_bad_inputs():
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match="sum to 1"):
        lvm.check_mixture([0.5, 0.6], TRUE_MEANS[:2], TRUE_COVS[:2])
    with pytest.raises(ValueError, match="positive definite"):
        lvm.check_mixture([0.5, 0.5], TRUE_MEANS[:2], np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="symmetric"):
        lvm.check_mixture([1.0], [[0, 0]], [[[1.0, 0.5], [0.0, 1.0]]])
    with pytest.raises(ValueError, match="inconsistent shapes"):
        lvm.check_mixture([0.5, 0.5], TRUE_MEANS, TRUE_COVS)
    with pytest.raises(ValueError, match="3-D but the data are 2-D"):
        lvm.check_mixture([1.0], [[0, 0, 0]], [np.eye(3)], dim=2)
    with pytest.raises(ValueError, match="resp"):
        lvm.check_responsibilities(x, np.full((5, 2), 0.7))
    with pytest.raises(ValueError, match="rows"):
        lvm.check_responsibilities(x, np.full((4, 2), 0.5))
    with pytest.raises(ValueError, match="empty component"):
        lvm.check_responsibilities(x, np.tile([1.0, 0.0], (5, 1)))
    with pytest.raises(ValueError, match="reg"):
        lvm.em_history(np.random.default_rng(0).normal(size=(20, 2)), 2, reg=-1.0)
    with pytest.raises(ValueError, match="n_components"):
        lvm.em_history(x, 6)


# ---------------------------------------------------------------- linear-Gaussian LVM


def _ppca_data(n=4000, d=8, k=2, noise=0.05, seed=9):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(k, d))
    mu = rng.normal(size=d)
    x = mu + rng.normal(size=(n, k)) @ w + np.sqrt(noise) * rng.normal(size=(n, d))
    return x, w, mu, noise


def test_ppca_recovers_the_generating_covariance_and_noise():
    x, w, mu, noise = _ppca_data()
    model = lvm.fit_linear_gaussian(x, 2)
    assert model.noise_var == pytest.approx(noise, rel=0.1)
    fitted = model.loadings.T @ model.loadings + model.noise_var * np.eye(8)
    true = w.T @ w + noise * np.eye(8)
    np.testing.assert_allclose(fitted, true, atol=0.15 * np.abs(true).max())
    np.testing.assert_allclose(model.directions @ model.directions.T, np.eye(2), atol=1e-10)
    np.testing.assert_allclose(model.mean, mu, atol=0.1)


def test_ppca_eigenvalues_and_noise_match_a_full_pca():
    x, *_ = _ppca_data(n=500, d=6, k=3)
    model = lvm.fit_linear_gaussian(x, 3)
    _, directions, variances = lvm.principal_axes(x)
    np.testing.assert_allclose(model.eigenvalues, variances[:3], rtol=1e-8)
    np.testing.assert_allclose(np.abs(model.directions), np.abs(directions[:3]), atol=1e-8)
    assert model.noise_var == pytest.approx(variances[3:].mean(), rel=1e-8)


def test_ppca_encode_is_the_gaussian_posterior_mean():
    x, *_ = _ppca_data(n=1000, d=5, k=2)
    model = lvm.fit_linear_gaussian(x, 2)
    w = model.loadings
    cov_x = w.T @ w + model.noise_var * np.eye(5)
    # z and x are jointly Gaussian with Cov(z, x) = W: E[z | x] = W Cov(x)^-1 (x - mean)
    want = (w @ np.linalg.solve(cov_x, (x[:7] - model.mean).T)).T
    np.testing.assert_allclose(model.encode(x[:7]), want, rtol=1e-8, atol=1e-10)


def test_ppca_projection_traversal_sample_and_image_shapes():
    rng = np.random.default_rng(10)
    images = rng.random((300, 6, 6))
    model = lvm.fit_linear_gaussian(images, 5)
    assert model.shape == (6, 6) and model.loadings.shape == (5, 36)
    np.testing.assert_allclose(model.project(images[:3], 0),
                               np.broadcast_to(model.mean.reshape(6, 6), (3, 6, 6)))
    errors = lvm.reconstruction_errors(model, images, [0, 1, 2, 3, 4, 5])
    assert list(errors) == [0, 1, 2, 3, 4, 5]
    assert np.all(np.diff(list(errors.values())) < 0)
    trav = model.traverse(1, [-3.0, 0.0, 3.0])
    assert trav.shape == (3, 6, 6) and trav.min() >= 0 and trav.max() <= 1
    np.testing.assert_allclose(trav[1], np.clip(model.mean.reshape(6, 6), 0, 1))
    assert model.decode(np.zeros((2, 5))).shape == (2, 6, 6)
    assert np.array_equal(model.sample(4, seed=3), model.sample(4, seed=3))
    assert not np.array_equal(model.sample(4, seed=3), model.sample(4, seed=4))
    assert model.encode(images[:4]).shape == (4, 5)


def test_ppca_bad_inputs():
    rng = np.random.default_rng(11)
    x = rng.random((50, 4))
    with pytest.raises(ValueError, match="smaller than the 4 values"):
        lvm.fit_linear_gaussian(x, 4)
    with pytest.raises(ValueError, match="n_factors must be an int"):
        lvm.fit_linear_gaussian(x, 0)
    with pytest.raises(ValueError, match="one example per row"):
        lvm.fit_linear_gaussian(np.arange(5.0), 1)
    model = lvm.fit_linear_gaussian(x, 2)
    with pytest.raises(ValueError, match="k must be an int in \\[0, 2\\]"):
        model.project(x, 3)
    with pytest.raises(ValueError, match="expected 4"):
        model.encode(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="z must be shaped"):
        model.decode(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="factor must be an int"):
        model.traverse(2, [0.0])
