"""The plateau engine: the product model's one-number recursion against descent on all D weights, the
closed-form escape time, the growth laws the issue asks for, the plateau detector, the lumped XOR
losses, and the replay of scikit-learn's stopping rule against a real MLPClassifier."""

import dataclasses
import math
import warnings

import numpy as np
import pytest
from scipy.integrate import quad
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from explainer.core import plateaus, store
from explainer.core.analyses import plateau as analysis
from explainer.core.network import flat_weights
from explainer.core.optimize import descend_many


@pytest.mark.parametrize("depth", [2, 3])
@pytest.mark.parametrize("method", plateaus.PRODUCT_METHODS)
def test_the_one_number_run_is_descent_on_every_weight(depth, method):
    run = plateaus.product_run(depth, 0.02, 0.1, method, cap=400, after=1e9)
    full = descend_many(plateaus.ProductModel(depth), np.full((1, depth), 0.02), method, 0.1, run.steps, tol=0)
    assert np.allclose(full.losses[:, 0], run.losses, rtol=1e-6, atol=1e-14)
    assert np.allclose(full.grad_norms[:, 0], run.grad_norms, rtol=1e-6, atol=1e-14)
    # every weight stays equal to every other
    assert np.allclose(full.positions[-1, 0], full.positions[-1, 0, 0])


def test_gradient_matches_finite_differences():
    model, w = plateaus.ProductModel(3), np.array([0.3, -0.7, 1.2])
    h = 1e-6
    fd = [(model.value(w + h * e) - model.value(w - h * e)) / (2 * h) for e in np.eye(3)]
    assert np.allclose(model.gradient(w), fd, rtol=1e-6)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_escape_time_is_the_flow_integral(depth):
    u0, u1 = 1e-2, plateaus.escape_u(depth)
    value, _ = quad(lambda u: 1 / ((1 - u**depth) * u ** (depth - 1)), u0, u1, limit=400, points=[0.02, 0.1])
    assert plateaus.escape_time(depth, u0) == pytest.approx(value, rel=1e-6)
    assert plateaus.loss_of(u1, depth) == pytest.approx(plateaus.TARGET)


def test_depth_two_adds_ln10_over_lr_per_decade_and_depth_three_multiplies_by_ten():
    lr = 0.1
    u0s = (1e-1, 1e-2, 1e-3, 1e-4)
    two = [plateaus.product_run(2, u, lr, record=False, cap=10**6).escape for u in u0s]
    three = [plateaus.product_run(3, u, lr, record=False, cap=10**6).escape for u in u0s]
    for step in np.diff(two):
        assert step == pytest.approx(math.log(10) / lr, rel=0.15)
    for ratio in np.array(three[1:]) / np.array(three[:-1]):
        assert 7 <= ratio <= 13
    # and the gradient flow predicts the steps (to within the discretisation of a 0.1 step)
    for d, steps in ((2, two), (3, three)):
        for u, k in zip(u0s, steps, strict=True):
            assert k == pytest.approx(plateaus.escape_time(d, u) / lr, rel=0.1)


def test_a_run_that_hits_the_cap_is_censored_not_finished():
    run = plateaus.product_run(3, 1e-4, 0.1, cap=5000)
    assert run.escape is None and run.steps == 5000 and run.losses[-1] > plateaus.TARGET
    blown = plateaus.product_run(2, 1.5, 3.0)
    assert blown.diverged and np.isfinite(blown.losses).all()


def test_find_plateaus_on_a_built_curve():
    curve = np.concatenate([np.full(100, 0.5) - np.linspace(0, 0.002, 100), np.linspace(0.5, 0.0, 20), np.zeros(50)])
    found = plateaus.find_plateaus(curve)
    assert len(found) == 1
    p = found[0]
    # the stretch ends where the fall starts (a look-ahead of a hundredth of a decade), level = median
    assert p.start == 0 and 95 <= p.end <= 100 and p.last == p.end - 1 and p.left
    assert p.loss == pytest.approx(np.median(curve[p.start : p.end])) and p.loss == pytest.approx(0.499, abs=2e-3)
    assert plateaus.find_plateaus(np.linspace(1, 0, 50)) == []  # a steady fall has none
    assert plateaus.find_plateaus(np.zeros(30)) == []
    # a run still on its plateau at the end: the plateau runs to the end and was not left
    stuck = plateaus.find_plateaus(np.concatenate([np.linspace(1, 0.5, 10), np.full(60, 0.5)]))
    assert stuck[-1].end == 70 and not stuck[-1].left
    # a curve that never falls at all is one plateau, start to end
    flat = plateaus.find_plateaus(np.full(500, 0.5) - np.linspace(0, 1e-9, 500))
    assert [(q.start, q.end) for q in flat] == [(0, 500)]


def test_a_curve_with_two_plateaus_has_two():
    # 0.69 for 1,000 epochs, a fall to 0.37, 1,000 epochs there, a fall to 0
    fall = 0.5 * (1 + np.cos(np.linspace(0, np.pi, 100)))
    curve = np.concatenate(
        [
            np.full(1000, 0.693),
            0.37 + (0.693 - 0.37) * fall,
            np.full(1000, 0.37) - np.linspace(0, 0.005, 1000),
            0.37 * fall,
        ]
    )
    found = plateaus.find_plateaus(curve)
    assert len(found) == 2
    first, second = found
    assert first.loss == pytest.approx(0.693) and first.start == 0 and 950 <= first.end <= 1000 and first.left
    assert second.loss == pytest.approx(0.3675, abs=2e-3) and 1050 <= second.start <= 1150 and second.end <= 2100
    assert main_plateau_is_longest(found, curve)
    # neither takes in a fall: across each the loss moves by at most 2 x BAND of the range
    for q in found:
        assert abs(curve[q.start] - curve[q.last]) <= 2 * plateaus.BAND * curve.max()


def main_plateau_is_longest(found, curve) -> bool:
    main, longest = plateaus.main_plateau(curve), max(found, key=lambda q: q.length)
    return (main.start, main.end) == (longest.start, longest.end)


def test_the_plateau_stops_before_the_fall_at_a_small_step_size():
    # lr 0.01, D = 3, u0 = 0.01: a long run; the plateau must not stretch into the fall
    run = plateaus.product_run(3, 0.01, 0.01)
    found = plateaus.find_plateaus(run.losses, run.grad_norms)
    assert len(found) == 1
    p = found[0]
    assert p.start == 0 and p.end < run.escape
    assert p.grad < plateaus.GRAD * run.grad_norms.max()  # 10% of the steepest, not 0.22 of 0.56
    assert p.drop < 0.01 and p.loss == pytest.approx(0.5, abs=1e-3)
    # by the gradient flow the plateau covers most of the time to escape
    assert p.length > 0.9 * run.escape


def test_the_stop_curve_plateau_sits_at_ln2_not_at_its_mean():
    res = store.result(analysis.STOP, analysis.DEFAULT_STOP)
    p = res.plateau
    assert p.loss == pytest.approx(math.log(2), abs=1e-3)
    assert res.curve[p.start] - res.curve[p.last] < 0.05 * (res.curve.max())
    # seed 3 crosses two plateaus: ln 2 and a second one lower, still on it at the end
    two = analysis.stop_run(dataclasses.replace(analysis.DEFAULT_STOP, seed=3))
    assert len(two.plateaus) == 2 and two.plateaus[0].loss == pytest.approx(math.log(2), abs=1e-3)
    assert 0.3 < two.plateaus[1].loss < 0.45 and not two.plateaus[1].left


def test_lumped_losses_of_xor():
    values = plateaus.lumped_losses()
    h = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3))
    assert values == pytest.approx((math.log(2) / 2, 0.75 * h, math.log(2)))
    assert plateaus.nearest_lumped(0.3467) == pytest.approx((math.log(2) / 2, 0.3467 - math.log(2) / 2))


def test_the_stopping_rule_replay_by_hand():
    curve = [1.0, 0.5] + [0.49995] * 11
    assert plateaus.sklearn_stop_epoch(curve) == 13  # 11 epochs without an improvement of 1e-4
    assert plateaus.sklearn_stop_epoch(curve[:-1]) is None
    assert plateaus.sklearn_stop_epoch([1.0, 0.9, 0.8], n_iter_no_change=1) is None


@pytest.mark.parametrize("seed", [0, 3])
def test_a_real_mlpclassifier_stops_where_the_replay_says(seed):
    X, y = plateaus.XOR_X, plateaus.XOR_Y
    kw = dict(activation="logistic", solver="sgd", momentum=0.0, learning_rate_init=0.5, alpha=0.0, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        long = MLPClassifier((2,), max_iter=400, n_iter_no_change=401, **kw).fit(X, y)
        short = MLPClassifier((2,), max_iter=400, **kw).fit(X, y)  # tol=1e-4, n_iter_no_change=10: the defaults
    assert short.tol == 1e-4 and short.n_iter_no_change == 10
    predicted = plateaus.sklearn_stop_epoch(long.loss_curve_)
    assert predicted is not None and short.n_iter_ == predicted < 400
    assert len(long.loss_curve_) == 400


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
def test_the_lbfgs_replay_is_scikit_learns_run(activation):
    for width, seed in ((2, 0), (2, 7), (3, 11), (6, 23)):
        model = analysis.fit_xor(activation, width, seed)
        fit = analysis.lbfgs_xor(activation, width, seed)
        assert fit.n_iter == model.n_iter_ and fit.status == 0
        assert fit.loss == pytest.approx(model.loss_, rel=1e-9, abs=1e-12)
        assert np.allclose(fit.theta, flat_weights(model), rtol=1e-7, atol=1e-9)


def test_the_recorded_lbfgs_losses_are_refits_with_fewer_iterations():
    fit = analysis.lbfgs_xor("logistic", 2, 1, record=True)
    assert len(fit.losses) == fit.n_iter + 1 and fit.losses[-1] == pytest.approx(fit.loss)
    for k in (1, 5, fit.n_iter // 2):
        assert fit.losses[k] == pytest.approx(analysis.fit_xor("logistic", 2, 1, max_iter=k).loss_, rel=1e-9)


def test_the_long_curve_is_scikit_learns_loss_curve():
    settings = dataclasses.replace(analysis.DEFAULT_STOP, epochs=600, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = analysis.stop_model(settings, rule=False).fit(plateaus.XOR_X, plateaus.XOR_Y)
    assert np.allclose(analysis.long_curve(settings), model.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("seed", range(5))
def test_a_real_mlpclassifier_stops_where_the_section_says(seed):
    # the stopping-rule view replays the rule on the long curve: at the section's own settings, at
    # every seed the page's seed picker offers first, a real MLPClassifier with the rule on stops there
    settings = dataclasses.replace(analysis.DEFAULT_STOP, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        short = analysis.stop_model(settings, rule=True).fit(plateaus.XOR_X, plateaus.XOR_Y)
    res = analysis.stop_run(settings)
    assert res.replica_stop is not None and short.n_iter_ == res.replica_stop < settings.epochs
    assert np.allclose(short.loss_curve_, res.curve[: res.replica_stop], rtol=1e-10)


def test_the_reseeded_starts_are_glorot_init():
    from explainer.core.training import glorot_init

    for activation in ("logistic", "tanh"):
        many = analysis.glorot_many((2, 3, 1), activation, [7, 0, 123456])
        assert many.shape == (3, 13)
        for row, seed in zip(many, [7, 0, 123456], strict=True):
            np.testing.assert_allclose(row, glorot_init((2, 3, 1), activation, seed), rtol=1e-15, atol=0)


@pytest.mark.parametrize(("activation", "width"), [("logistic", 2), ("tanh", 3), ("relu", 6)])
def test_the_lockstep_lbfgs_is_scikit_learns_run_for_every_seed(activation, width):
    # 25 seeds at once, failures and successes alike, against scikit-learn one fit at a time
    seeds = range(50, 75)
    fits = analysis.lbfgs_xor_many(activation, width, seeds)
    seen = analysis.inspect_many(activation, width, np.array([f.theta for f in fits]))
    failed = 0
    for k, (fit, seed) in enumerate(zip(fits, seeds, strict=True)):
        model = analysis.fit_xor(activation, width, seed)
        assert fit.n_iter == model.n_iter_
        assert fit.loss == pytest.approx(model.loss_, rel=1e-9, abs=1e-12)
        assert np.allclose(fit.theta, flat_weights(model), rtol=1e-7, atol=1e-9)
        one = analysis.inspect(model)
        assert seen["failed"][k] == one.failed == (model.score(plateaus.XOR_X, plateaus.XOR_Y) < 1)
        assert seen["grad_norm"][k] == pytest.approx(one.grad_norm, rel=1e-6, abs=1e-12)
        assert seen["max_weight"][k] == pytest.approx(one.max_weight, rel=1e-9)
        assert (seen["pinned"][k] == one.pinned).all()
        failed += one.failed
    assert 0 < failed < len(seeds)  # both kinds of run were compared


def test_a_batch_runs_each_seed_as_it_runs_alone():
    seeds = (3, 50, 51, 99)
    together = analysis.lbfgs_xor_many("logistic", 3, seeds, record=True)
    for fit, seed in zip(together, seeds, strict=True):
        alone = analysis.lbfgs_xor("logistic", 3, seed, record=True)
        assert fit.n_iter == alone.n_iter and fit.status == alone.status
        assert np.allclose(fit.losses, alone.losses, rtol=1e-12, atol=0) and len(fit.losses) == fit.n_iter + 1
        assert np.allclose(fit.theta, alone.theta, rtol=1e-10, atol=1e-12)


def test_the_xor_grid_is_scikit_learns_fits():
    settings = dataclasses.replace(analysis.DEFAULT_XOR, widths=(2, 4), runs=6, seed=9)
    res = analysis.xor_failures(settings)
    for a, activation in enumerate(settings.activations):
        for w, width in enumerate(settings.widths):
            for r, seed in enumerate(settings.seeds):
                model = analysis.fit_xor(activation, width, seed)
                one = analysis.inspect(model)
                assert res.failed[a, w, r] == one.failed
                assert res.loss[a, w, r] == pytest.approx(model.loss_, rel=1e-9, abs=1e-12)
                assert res.n_iter[a, w, r] == model.n_iter_
                assert res.pinned[a, w, r] == pytest.approx(one.pinned.mean())
    assert res.failed.any() and not res.failed.all()


def test_the_failed_run_is_the_first_failed_seed_of_the_grid(monkeypatch):
    monkeypatch.setattr(analysis, "FAILED_CHUNK", 2)  # so that the search goes past its first chunk
    grid = analysis.xor_failures(dataclasses.replace(analysis.DEFAULT_XOR, widths=(3,), seed=1))
    for a, activation in enumerate(grid.settings.activations):
        run = analysis.failed_run(dataclasses.replace(analysis.DEFAULT_FAILED, activation=activation, width=3, seed=1))
        first = int(np.flatnonzero(grid.failed[a, 0])[0])
        assert run.random_state == grid.settings.seeds[first]
        assert run.loss == pytest.approx(grid.loss[a, 0, first], rel=1e-9) and run.n_iter == grid.n_iter[a, 0, first]
    assert int(np.flatnonzero(grid.failed[0, 0])[0]) >= 2  # logistic: found past the first chunk
