"""The plateau engine: the product model's one-number recursion against descent on all D weights, the
closed-form escape time, the growth laws the issue asks for, the plateau detector, the lumped XOR
losses, and the replay of scikit-learn's stopping rule against a real MLPClassifier."""

import math
import warnings

import numpy as np
import pytest
from scipy.integrate import quad
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from explainer.core import plateaus
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
    # the stretch ends up to one window before the fall, which the look-ahead sees coming
    assert (
        p.start == 0 and 100 - plateaus.WINDOW <= p.end <= 100 and p.left and p.loss == pytest.approx(0.499, abs=2e-3)
    )
    assert plateaus.find_plateaus(np.linspace(1, 0, 50)) == []  # a steady fall has none
    assert plateaus.find_plateaus(np.zeros(30)) == []
    # a run still on its plateau at the end: the plateau runs to the end and was not left
    stuck = plateaus.find_plateaus(np.concatenate([np.linspace(1, 0.5, 10), np.full(60, 0.5)]))
    assert stuck[-1].end == 70 and not stuck[-1].left


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
