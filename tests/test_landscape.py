"""Training with snapshots and the landscape's cuts: deterministic runs that start from
scikit-learn's own initial weights, directions normalised per neuron, cuts and planes that agree
with the loss point by point, and a path plane that holds a planar path exactly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from explainer.core import landscape
from explainer.core.network import NetworkLoss, flat_weights
from explainer.core.training import glorot_init, make_curve, make_dataset, train_path


@pytest.fixture(scope="module")
def run():
    X, y = make_dataset("moons", n=120, noise=0.25, seed=3)
    return train_path(
        X, y, hidden=(12, 10), activation="relu", solver="adam", lr=0.01, epochs=15, batch_size=40, seed=3
    )


# ----- training runs --------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "logistic"])
def test_first_snapshot_is_scikit_learns_own_initial_weights(activation):
    X, y = make_dataset("xor", n=50, seed=1)
    # One step of size 1e-300 leaves scikit-learn's initial weights unchanged to the last bit.
    model = MLPClassifier(hidden_layer_sizes=(7, 5), activation=activation, solver="sgd", momentum=0.0,
                          learning_rate_init=1e-300, random_state=11)  # fmt: skip
    model.partial_fit(X, y, classes=[0, 1])
    theirs = flat_weights(model)
    np.testing.assert_array_equal(glorot_init([2, 7, 5, 1], activation, 11), theirs)
    path = train_path(X, y, hidden=(7, 5), activation=activation, epochs=2, seed=11)
    np.testing.assert_array_equal(path.thetas[0], theirs)


def test_snapshots_are_deterministic_and_end_at_the_fitted_model(run):
    again = train_path(run.net.X, run.net.Y[:, 0].astype(int), hidden=(12, 10), activation="relu", solver="adam",
                       lr=0.01, epochs=15, batch_size=40, seed=3)  # fmt: skip
    np.testing.assert_array_equal(run.thetas, again.thetas)
    assert run.thetas.shape == (16, run.n_params) and list(run.epochs) == list(range(16))
    final = flat_weights(run.model)
    np.testing.assert_array_equal(run.thetas[-1], final)
    np.testing.assert_array_equal(run.net.theta0, final)
    for k in (0, 7, 15):
        assert run.losses[k] == pytest.approx(run.net.loss(run.thetas[k]), rel=1e-12)
    assert run.losses[-1] < 0.7 * run.losses[0]  # it trained
    other = train_path(run.net.X, run.net.Y[:, 0].astype(int), hidden=(12, 10), epochs=3, seed=4)
    assert not np.array_equal(other.thetas[0], run.thetas[0])


def test_lbfgs_snapshots_repeat_one_run_at_doubling_budgets():
    X, y = make_dataset("circles", n=80, seed=2)
    path = train_path(X, y, hidden=(8,), activation="tanh", solver="lbfgs", epochs=20, seed=2)
    assert list(path.epochs) == [0, 1, 2, 4, 8, 16, 20]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(8,), activation="tanh", solver="lbfgs", max_iter=8, tol=0.0,
                              n_iter_no_change=21, random_state=2).fit(X, y)  # fmt: skip
    theta8 = flat_weights(model)
    np.testing.assert_array_equal(path.thetas[4], theta8)
    assert np.all(np.diff(path.losses) <= 1e-12)  # L-BFGS never goes uphill between checkpoints


def test_regression_on_a_noisy_curve():
    X, y = make_curve("sine", n=80, noise=0.1, seed=0)
    assert X.shape == (80, 1) and y.shape == (80,)
    path = train_path(X, y, hidden=(16,), activation="tanh", solver="adam", lr=0.02, epochs=30, seed=0, regression=True)
    assert path.net.loss_name == "squared_error"
    assert path.losses[-1] < 0.5 * path.losses[0]
    with pytest.raises(ValueError, match="unknown curve"):
        make_curve("spiral")


def test_a_diverging_run_keeps_its_finite_snapshots():
    X, y = make_dataset("moons", n=60, seed=0)
    path = train_path(X, y, hidden=(8,), activation="relu", solver="sgd", lr=1e6, epochs=30, seed=0)
    assert path.diverged_at is not None and path.diverged_at <= 30
    assert np.isfinite(path.thetas).all()
    assert len(path.thetas) == path.diverged_at  # the initial weights and every finite epoch before it


def test_weights_are_named_as_a_reader_counts_them(run):
    net = run.net
    assert net.describe(0) == "input 1 → hidden 1 unit 1"
    assert net.describe(2 * 12) == "hidden 1 unit 1 → hidden 2 unit 1"
    assert net.describe(2 * 12 + 12 * 10 + 3) == "hidden 2 unit 4 → output"
    assert net.describe(net.n_params - 1) == "bias of output"
    assert net.describe(net.n_params - 2) == "bias of hidden 2 unit 10"
    with pytest.raises(IndexError):
        net.describe(net.n_params)


# ----- directions and cuts --------------------------------------------------------------------


def test_filter_normalisation_gives_each_neuron_its_own_weights_norm(run):
    net, theta = run.net, run.thetas[-1]
    raw = landscape.random_directions(net.n_params, 3, seed=0)
    kept = raw.copy()
    d = landscape.filter_normalise(net, raw, theta)
    np.testing.assert_array_equal(raw, kept)  # the input is not changed
    Ws, _ = net.unpack(theta)
    Ds, Bs = net.unpack(d)
    for W, D in zip(Ws, Ds, strict=True):
        want = np.linalg.norm(W, axis=0)  # one norm per neuron (column)
        for one in D:
            np.testing.assert_allclose(np.linalg.norm(one, axis=0), want, rtol=1e-12)
    assert all(np.all(B == 0) for B in Bs)
    single = landscape.filter_normalise(net, raw[1], theta)
    # One direction alone takes other array shapes through numpy's norm than the batch: the same
    # numbers, up to the order of a sum (a few ulps).
    np.testing.assert_allclose(single, d[1], rtol=1e-14, atol=0)


def test_cuts_planes_and_segments_agree_with_the_loss_point_by_point(run):
    net, theta = run.net, run.thetas[-1]
    dirs = np.vstack(
        [landscape.axis_directions(net.n_params, [5, 150]), landscape.random_directions(net.n_params, 1, 2)]
    )
    alphas = np.linspace(-1, 1, 5)
    c = landscape.cuts(net, theta, dirs, alphas)
    assert c.shape == (3, 5)
    for i in range(3):
        for j in (0, 2, 4):
            assert c[i, j] == pytest.approx(net.loss(theta + alphas[j] * dirs[i]), rel=1e-12)
    xs, ys = np.linspace(-1, 1, 4), np.linspace(-2, 0, 3)
    z = landscape.plane(net, theta, dirs[0], dirs[2], xs, ys)
    assert z.shape == (3, 4)
    assert z[2, 1] == pytest.approx(net.loss(theta + xs[1] * dirs[0] + ys[2] * dirs[2]), rel=1e-12)
    s = landscape.segment(net, run.thetas[0], theta, [0.0, 0.5, 1.0])
    assert s[0] == pytest.approx(run.losses[0]) and s[2] == pytest.approx(run.losses[-1])
    assert s[1] == pytest.approx(net.loss((run.thetas[0] + theta) / 2))
    with pytest.raises(ValueError):
        landscape.axis_directions(net.n_params, [net.n_params])


def test_downhill_counts_cuts_that_fall_below_their_centre():
    cuts = np.array([[1.0, 0.5, 0.0, 0.5, 1.0], [-0.1, 0.0, 0.0, 0.2, 0.4], [0.0, 0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(landscape.goes_downhill(cuts + 1.0, centre=2), [False, True, False])


def test_early_cuts_go_downhill_and_the_end_is_a_bowl():
    X, y = make_dataset("moons", n=120, noise=0.25, seed=3)
    run = train_path(X, y, hidden=(12, 10), solver="adam", lr=0.03, epochs=120, batch_size=120, seed=3)
    net = run.net
    raw = landscape.random_directions(net.n_params, 12, seed=5)
    alphas = np.linspace(-1, 1, 21)
    down = {}
    for k in (0, -1):
        d = landscape.filter_normalise(net, raw, run.thetas[k])
        down[k] = landscape.goes_downhill(landscape.cuts(net, run.thetas[k], d, alphas), 10).sum()
    assert down[0] >= 9 and down[-1] <= 2


# ----- the plane of the path ------------------------------------------------------------------


def test_the_path_plane_holds_a_path_that_lies_in_a_plane():
    rng = np.random.default_rng(0)
    P = 60
    u, v = np.linalg.qr(rng.standard_normal((P, 2)))[0].T
    end = rng.standard_normal(P)
    t = np.linspace(0, 1, 30)
    thetas = end + np.outer(3 * (1 - t), u) + np.outer(np.sin(4 * t) * (1 - t), v)
    pp = landscape.path_plane(thetas)
    assert pp.held == pytest.approx(1.0, abs=1e-12)
    assert pp.off_plane.max() < 1e-10
    np.testing.assert_allclose(pp.directions @ pp.directions.T, np.eye(2), atol=1e-12)
    # The plane is span(u, v): both lie in it.
    for w in (u, v):
        assert np.linalg.norm(pp.directions @ w) == pytest.approx(1.0, abs=1e-10)
    np.testing.assert_allclose(pp.coords @ pp.directions + end, thetas, atol=1e-10)
    assert pp.coords[0, 0] > 0  # the start sits on the positive side


def test_the_path_plane_reports_how_far_a_path_strays_off_it():
    rng = np.random.default_rng(1)
    P = 40
    u, v, w = np.linalg.qr(rng.standard_normal((P, 3)))[0].T
    t = np.linspace(0, 1, 50)
    bump = 0.05 * np.sin(np.pi * t)  # a small third component, largest mid-way
    thetas = np.outer(5 * (1 - t), u) + np.outer(2 * np.sin(3 * t) * (1 - t), v) + np.outer(bump, w)
    pp = landscape.path_plane(thetas)
    # The best plane fits at least as well as span(u, v), whose misfit is the bump itself.
    assert (pp.off_plane**2).sum() <= (bump**2).sum() * (1 + 1e-9)
    assert 0.3 * bump.max() < pp.off_plane.max() <= bump.max()
    # What the plane does not hold is exactly the squared distance off it.
    total = (thetas**2).sum()  # the origin is the last point, which is 0 here
    assert 1 - pp.held == pytest.approx((pp.off_plane**2).sum() / total, rel=1e-9)
    assert 0.99 < pp.held < 1.0
    assert pp.spectrum.sum() == pytest.approx(1.0)


def test_the_plane_of_a_real_training_path(run):
    pp = landscape.path_plane(run.thetas)
    assert pp.held > 0.6
    assert pp.coords[-1] == pytest.approx([0.0, 0.0])
    direct = np.linalg.norm(run.thetas[0] - run.thetas[-1])
    assert np.hypot(*pp.coords[0]) ** 2 + pp.off_plane[0] ** 2 == pytest.approx(direct**2, rel=1e-9)


def test_a_network_loss_is_what_landscape_functions_need():
    X, y = make_dataset("moons", n=30, seed=0)
    path = train_path(X, y, hidden=(4,), epochs=2, seed=0)
    assert isinstance(path.net, NetworkLoss)
    assert path.net.n_params == 2 * 4 + 4 * 1 + 4 + 1


@pytest.mark.parametrize(
    "kind, activation, hidden",
    [("binary", "relu", (12, 10)), ("binary", "tanh", (6,)), ("multiclass", "logistic", (5, 4)),
     ("regressor", "tanh", (6, 5, 4)), ("regressor", "identity", (7,))],
)  # fmt: skip
def test_every_one_weight_cut_equals_the_loss_along_that_axis(kind, activation, hidden):
    if kind == "regressor":
        X, y = make_curve("wiggle", n=50, seed=1)
    else:
        X, y = make_dataset("moons", n=60, seed=1)
        if kind == "multiclass":
            y = y + (X[:, 0] > 0.5)
    path = train_path(X, y, hidden=hidden, activation=activation, epochs=4, batch_size=30, seed=1,
                      regression=kind == "regressor", alpha=0.05)  # fmt: skip
    net, theta = path.net, path.thetas[-1]
    alphas = np.array([-1.5, -0.2, 0.0, 0.7])
    fast = landscape.axis_cuts(net, theta, alphas)
    slow = landscape.cuts(net, theta, landscape.axis_directions(net.n_params, np.arange(net.n_params)), alphas)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fast[:, 2], net.loss(theta), rtol=1e-12)
    some = [0, net.n_params - 1, 3]
    # A few weights go through smaller matrix products than all of them; BLAS may block (and so
    # round) those differently, so the two agree to round-off, not to the bit.
    np.testing.assert_allclose(landscape.axis_cuts(net, theta, alphas, some), fast[some], rtol=1e-13, atol=1e-15)
    with pytest.raises(ValueError):
        landscape.axis_cuts(net, theta, alphas, [net.n_params])


def test_eigenvectors_of_the_extreme_eigenvalues(run):
    from explainer.core.curvature import extreme_eigenvalues

    net, theta = run.net, run.thetas[-1]
    H = net.hessian(theta)
    dense = np.linalg.eigvalsh(H)
    low, high, v_low, v_high = extreme_eigenvalues(lambda v: net.hvp(theta, v), net.n_params, k=2, vectors=True)
    np.testing.assert_allclose(low, dense[:2], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(high, dense[-2:], rtol=1e-6)
    for values, vectors in ((low, v_low), (high, v_high)):
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=0), 1.0, rtol=1e-10)
        np.testing.assert_allclose(H @ vectors, vectors * values, atol=1e-6 * abs(dense).max())


def test_one_weight_cuts_match_the_loss_where_the_output_saturates():
    X, y = make_dataset("moons", n=60, seed=2)
    path = train_path(X, y, hidden=(6, 5), activation="relu", epochs=3, batch_size=30, seed=2)
    net = path.net
    theta = 8.0 * path.thetas[-1]  # logits far beyond +-30, where 1 - p loses its digits
    alphas = np.array([-20.0, -3.0, 3.0, 20.0])
    fast = landscape.axis_cuts(net, theta, alphas)
    slow = landscape.cuts(net, theta, landscape.axis_directions(net.n_params, np.arange(net.n_params)), alphas)
    np.testing.assert_allclose(fast, slow, rtol=1e-12)
