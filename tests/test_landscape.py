"""Training with snapshots and the landscape's cuts: deterministic runs that start from
scikit-learn's own initial weights, directions normalised per neuron, cuts and planes that agree
with the loss point by point, and a path plane that holds a planar path exactly."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from explainer.core import kinds, landscape
from explainer.core.analyses import landscape as analysis
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
    np.testing.assert_array_equal(landscape.goes_downhill(cuts + 1.0, centre=2, drop=1e-3), [False, True, False])
    np.testing.assert_array_equal(landscape.goes_downhill(cuts + 1.0, centre=2, drop=0.1), [False, False, False])


def test_the_downhill_bar_does_not_sink_as_the_loss_falls():
    # The reviewer's cut: a drop of 2.3e-5 at a loss of 0.004 (0.58% of it). Against a share of the loss
    # at the point it went downhill; against the data set's bar (0.1% of ln 2) it does not, and a cut
    # is judged the same at any loss level.
    bar = analysis.DOWNHILL_SHARE * np.log(2)
    cut = np.array([[0.004 + 1e-4, 0.004 - 2.3e-5, 0.004, 0.004 + 1e-5, 0.004 + 3e-4]])
    assert landscape.courses(cut, 2, bar).tolist() == [kinds.NO_WAY_DOWN]
    for level in (0.0, 0.1, 0.6):
        assert landscape.courses(cut + level, 2, bar).tolist() == [kinds.NO_WAY_DOWN]
        assert landscape.courses(cut * [[1, -50, 1, 1, 1]] + level, 2, bar).tolist() == [kinds.DOWNHILL]


def test_the_loss_scale_is_what_a_constant_guess_scores():
    X, y = make_dataset("moons", n=40, seed=0)
    even = train_path(X, y, hidden=(4,), epochs=1, seed=0)
    assert y.mean() == 0.5 and analysis.loss_scale(even.net) == pytest.approx(np.log(2), rel=1e-12)
    y[:10] = 1  # 30 of 40 in class 1
    uneven = train_path(X, y, hidden=(4,), epochs=1, seed=0)
    q = y.mean()
    assert analysis.loss_scale(uneven.net) == pytest.approx(-(q * np.log(q) + (1 - q) * np.log(1 - q)), rel=1e-12)
    # ... which is the log-loss of always predicting the class share, the best a constant can do.
    from sklearn.metrics import log_loss

    assert analysis.loss_scale(uneven.net) == pytest.approx(log_loss(y, np.full(len(y), q)), rel=1e-12)


def test_early_cuts_go_downhill_and_the_end_is_a_bowl():
    X, y = make_dataset("moons", n=120, noise=0.25, seed=3)
    run = train_path(X, y, hidden=(12, 10), solver="adam", lr=0.03, epochs=120, batch_size=120, seed=3)
    net = run.net
    raw = landscape.random_directions(net.n_params, 12, seed=5)
    alphas = np.linspace(-1, 1, 21)
    down = {}
    for k in (0, -1):
        d = landscape.filter_normalise(net, raw, run.thetas[k])
        down[k] = landscape.goes_downhill(landscape.cuts(net, run.thetas[k], d, alphas), 10, drop=1e-3).sum()
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


# ----- the section's analysis (explainer.core.analyses.landscape) -------------------------------------


def test_cut_courses_are_ids():
    cuts = 1.0 + np.array([[1.0, 0.5, 0.0, 0.5, 1.0], [-0.1, 0.0, 0.0, 0.2, 0.4], [0.0, 0.0, 0.0, 0.0, 0.0]])
    assert landscape.courses(cuts, 2, 1e-3).tolist() == [kinds.NO_WAY_DOWN, kinds.DOWNHILL, kinds.FLAT_CUT]
    np.testing.assert_array_equal(
        landscape.courses(cuts, 2, 1e-3) == kinds.DOWNHILL, landscape.goes_downhill(cuts, 2, 1e-3)
    )


def test_one_definition_of_a_perfectly_flat_cut():
    # Flat is round-off of the loss at the point (ROUND_OFF of it), whatever that loss: at a loss of
    # 1e-3 a change of 1e-16 is flat and 1e-14 is not; at a loss of 100, 1e-11 is flat.
    here = np.array([1e-3, 1e-3, 100.0])
    change = np.array([[0.0, 1e-16, -1e-16], [0.0, 1e-14, 0.0], [1e-11, 0.0, -1e-11]])
    assert landscape.unchanged(change, here).tolist() == [True, False, True]
    cuts = change + here[:, None]
    flat = landscape.courses(cuts[:, [1, 0, 2]], 1, 1e-3) == kinds.FLAT_CUT
    assert flat.tolist() == [True, False, True]


#: A short run and narrow cuts: quick, and narrow enough that some biases of dead units stay dead.
SHORT = analysis.Settings(epochs=10, span=0.5)


@pytest.fixture(scope="module")
def short():
    return analysis.train(SHORT)


def test_the_network_is_the_one_the_section_describes(short):
    assert short.n_params == analysis.N_PARAMS == 4417
    assert sum(i * o for i, o in short.net.shapes) == analysis.N_WEIGHTS == 4288
    assert list(short.epochs) == list(range(11)) and short.diverged_at is None
    assert analysis.Settings("moons", "relu", "adam", 40, 0, 1, 1000, 2.0, 12) == analysis.DEFAULT


def test_settings_keep_only_what_an_analysis_reads(short):
    s = dataclasses.replace(SHORT, weight=5, directions=8, early=2)
    only = s.only("early")
    assert (only.data, only.epochs, only.seed, only.early) == ("moons", 10, 0, 2)
    assert (only.weight, only.span, only.directions) == (None, None, None)
    # An analysis handed settings without a field it reads fails, instead of caching under a false key.
    with pytest.raises(TypeError):
        analysis.weight_cuts(short, s.only("early", "span"))
    with pytest.raises(TypeError):
        analysis.random_cuts(short, s.only("early"))
    assert analysis.overview(short, s.only("early")).early == analysis.overview(short, s).early == 2


def test_the_overview_reads_the_run(short):
    over = analysis.overview(short, SHORT)
    assert over.epoch_early == 1 and over.epochs_run == 10 and not over.too_short
    assert over.loss_end == short.losses[-1] and over.loss_start == short.losses[0]
    assert set(np.unique(over.labels)) == {0, 1} and 0.5 < over.accuracy <= 1
    assert over.prob.shape == (analysis.DECISION_SIDE, analysis.DECISION_SIDE) and over.boundary.shape[1] == 4
    late = analysis.overview(short, dataclasses.replace(SHORT, early=80))
    assert late.epoch_early == 10  # an early snapshot past the run's end is its last one


def test_every_weight_tallies_each_cut_once(short):
    every = analysis.every_weight(short, SHORT)
    for moment in kinds.MOMENTS:
        assert set(every.tally[moment]) == set(kinds.CUT_COURSES)
        assert sum(every.tally[moment].values()) == analysis.N_PARAMS
    # Every cut is held to the data set's bar, not to a share of the loss where it stands.
    assert every.scale == pytest.approx(np.log(2), rel=1e-12)
    assert every.downhill_drop == pytest.approx(analysis.DOWNHILL_SHARE * np.log(2), rel=1e-12)
    net, theta = short.net, short.thetas[-1]
    cuts = landscape.axis_cuts(net, theta, np.array(every.offsets))
    drops = net.loss(theta) - cuts.min(axis=1)
    assert every.downhill(kinds.END) == int(np.sum(drops > every.downhill_drop))
    assert every.downhill(kinds.EARLY) > every.downhill(kinds.END)  # ten epochs flatten many cuts
    # Only a bias can have an exactly flat cut or a zero slope: every weight carries the L2 penalty.
    assert np.all(np.flatnonzero(every.slopes[kinds.END] == 0) >= analysis.N_WEIGHTS)
    assert 0 < every.flat_off <= every.tally[kinds.END][kinds.FLAT_CUT]
    assert 0 < every.zero_off <= every.zero_slopes
    assert every.median(kinds.END) < every.median(kinds.EARLY)
    assert every.offsets == (-0.5, -0.25, 0.25, 0.5)


def test_weight_cuts_pass_through_the_network_and_say_why_a_cut_is_flat(short):
    every = analysis.every_weight(short, SHORT)
    cuts = analysis.weight_cuts(short, dataclasses.replace(SHORT, weight=5))
    assert cuts.picks[0] == 4 and len(set(cuts.picks)) == analysis.N_AXIS_CUTS
    assert cuts.chosen == "input 1 → hidden 1 unit 5" == short.net.describe(4)
    np.testing.assert_allclose(cuts.losses[kinds.END][:, cuts.centre], short.losses[-1], rtol=1e-12)
    np.testing.assert_allclose(cuts.losses[kinds.EARLY][:, cuts.centre], short.losses[1], rtol=1e-12)
    assert cuts.slope[kinds.END] == pytest.approx(short.net.gradient(short.thetas[-1])[4], rel=1e-12)
    # A bias whose slope is exactly zero and whose unit stays off even raised by the span: flat, and said why.
    dead = [int(i) for i in np.flatnonzero(every.slopes[kinds.END] == 0)]
    flat = [
        c for c in (analysis.weight_cuts(short, dataclasses.replace(SHORT, weight=i + 1)) for i in dead) if c.flat_end
    ]
    assert len(flat) == every.flat_off  # the same units the tally counts
    assert all(c.into_off and c.data_blind and c.slope[kinds.END] == 0 for c in flat)
    # A weight leaving a first-layer unit that is off for every point: only the penalty is left along its cut.
    off = dead[0] - analysis.N_WEIGHTS  # the first dead bias: a hidden 1 unit off for every point
    assert 0 <= off < analysis.HIDDEN[0]
    weight = 2 * analysis.HIDDEN[0] + off * analysis.HIDDEN[1]  # its weight into hidden 2 unit 1
    leaving = analysis.weight_cuts(short, dataclasses.replace(SHORT, weight=weight + 1))
    assert leaving.chosen.startswith(f"hidden 1 unit {off + 1} → hidden 2 unit 1")
    assert leaving.data_blind and leaving.from_off and not leaving.flat_end


def test_random_cuts_pass_through_the_network(short):
    fan = analysis.random_cuts(short, dataclasses.replace(SHORT, directions=8))
    assert fan.count == 8 and not fan.same
    for moment, k in ((kinds.EARLY, 1), (kinds.END, -1)):
        assert fan.losses[moment].shape == (8, analysis.FAN_POINTS)
        np.testing.assert_allclose(fan.losses[moment][:, fan.centre], short.losses[k], rtol=1e-12)
    assert fan.downhill[kinds.EARLY] >= fan.downhill[kinds.END]
    assert fan.downhill_drop == pytest.approx(analysis.DOWNHILL_SHARE * np.log(2), rel=1e-12)
    drops = fan.losses[kinds.END][:, fan.centre] - fan.losses[kinds.END].min(axis=1)
    assert fan.downhill[kinds.END] == int(np.sum(drops > fan.downhill_drop))
    same = analysis.random_cuts(short, dataclasses.replace(SHORT, early=80))
    assert same.same


def test_the_path_plane_and_the_line_read_the_run(short):
    view = analysis.path_plane(short, SHORT)
    assert 0 < view.held <= 1 + 1e-12
    np.testing.assert_allclose(view.coords[-1], 0.0, atol=1e-12)
    assert view.line_start == pytest.approx(short.losses[0], rel=1e-12)
    assert view.line_end == pytest.approx(short.losses[-1], rel=1e-12)
    assert view.z.shape == (analysis.PLANE_SIDE, analysis.PLANE_SIDE)
    assert view.travelled >= view.distance > 0
    assert view.bounds[0][0] < view.coords[:, 0].min() and view.bounds[0][1] > view.coords[:, 0].max()


def test_carriers_count_the_entries_that_hold_90_percent():
    v = np.zeros(100)
    v[:50] = 1.0  # 50 even entries: 45 of them hold 90%
    assert analysis.carriers(v) == (45, pytest.approx(0.02))
    assert analysis.carriers(np.array([3.0, 0.1, -0.1])) == (1, pytest.approx(9 / 9.02))


def test_the_curvature_at_the_end(short):
    curv = analysis.curvature(short, SHORT)
    net, theta = short.net, short.thetas[-1]
    assert curv.failed is None and curv.low < curv.high
    c, h = len(curv.alphas) // 2, curv.alphas[1] - curv.alphas[0]
    assert curv.lowest[c] == pytest.approx(curv.loss, rel=1e-12) and curv.steep[c] == pytest.approx(curv.loss)
    # Along the unit eigenvectors the cuts bend as their eigenvalues say (to the step of the cut).
    bend = (curv.steep[c + 1] - 2 * curv.steep[c] + curv.steep[c - 1]) / h**2
    assert bend == pytest.approx(curv.high, rel=0.1)
    assert (curv.lowest[c + 1] - 2 * curv.lowest[c] + curv.lowest[c - 1]) / h**2 < 0.1 * curv.high
    # A solver returns an eigenvector with either sign; the result turns it one way, so a link
    # draws the same cuts every time (not their mirror images, which differ at the first digit).
    # Within the solver's own tolerance (1e-6 on the vectors): on a CPU without AVX-512 two runs
    # were seen to differ by 1.3e-6 at the cut's ends.
    again = analysis.curvature(short, SHORT)
    np.testing.assert_allclose(again.lowest, curv.lowest, rtol=1e-4)
    np.testing.assert_allclose(again.steep, curv.steep, rtol=1e-4)
    assert curv.grad_norm == pytest.approx(np.linalg.norm(net.gradient(theta)), rel=1e-12)
    assert curv.negative == (curv.low < 0) and (curv.bends_down <= curv.negative)
    assert 1 <= curv.carriers <= analysis.N_PARAMS and 0 < curv.largest_share <= 1


def test_a_failed_eigen_search_is_reported_not_raised(short, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("ARPACK error -9999: no luck")

    monkeypatch.setattr(analysis, "extreme_eigenvalues", fail)
    curv = analysis.curvature(short, SHORT)
    assert curv.failed == "RuntimeError: ARPACK error -9999: no luck"
    assert np.isnan(curv.low) and not curv.negative and not curv.bends_down and curv.carriers == 0
    assert curv.grad_norm > 0 and curv.loss == short.losses[-1]


def test_one_weight_cuts_skip_zero_inputs_of_the_last_hidden_layer_exactly(monkeypatch):
    X, y = make_dataset("moons", n=80, seed=5)
    path = train_path(X, y, hidden=(12, 10), activation="relu", epochs=6, batch_size=40, seed=5)
    net, theta = path.net, path.thetas[-1]
    feeds = net.activations(theta)[1]
    assert 0.2 < np.mean(feeds == 0) < 0.8  # off ReLU units: the shortcut has zeros to skip
    alphas = np.array([-2.0, -1.0, 1.0, 2.0])
    assert landscape._nonzero_feeds(np.concatenate([feeds, np.ones((len(X), 1))], axis=1).T) is not None
    fast = landscape.axis_cuts(net, theta, alphas)
    monkeypatch.setattr(landscape, "_nonzero_feeds", lambda feed: None)
    dense = landscape.axis_cuts(net, theta, alphas)
    slow = landscape.cuts(net, theta, landscape.axis_directions(net.n_params, np.arange(net.n_params)), alphas)
    np.testing.assert_allclose(fast, dense, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-14)
    # A weight out of a hidden-1 unit that is off at every sample moves no sample's loss: only the
    # penalty changes along its cut.
    dead = np.flatnonzero((feeds == 0).all(axis=0))
    assert dead.size
    at = 2 * 12 + dead[0] * 10 + 3  # hidden 1 unit dead[0] -> hidden 2 unit 4
    data = fast[at] - 0.5 * net.alpha * ((theta[at] + alphas) ** 2 - theta[at] ** 2) / len(X)
    assert np.ptp(data) <= 1e-14 * data[0]
