"""NetworkLoss against scikit-learn itself: the same loss and gradient at the model's weights and
at random ones, for classifiers and regressors, every activation, with an L2 penalty; exact
Hessian-vector products; batched losses."""

from __future__ import annotations

import dataclasses
import warnings
from itertools import pairwise

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from explainer.core.network import ACTIVATIONS, NetworkLoss
from explainer.core.optimize import descend
from explainer.core.training import make_dataset


def sklearn_loss_and_grad(model, X, Y):
    """scikit-learn's own loss and gradient (its private _backprop, the oracle), packed like theta."""
    units = [X.shape[1]] + [W.shape[1] for W in model.coefs_]
    activations = [X] + [None] * (len(units) - 1)
    deltas = [None] * (len(activations) - 1)
    coef_grads = [np.empty((a, b)) for a, b in pairwise(units)]
    intercept_grads = [np.empty(b) for b in units[1:]]
    loss, cg, ig = model._backprop(X, Y, None, activations, deltas, coef_grads, intercept_grads)
    return loss, np.concatenate([g.ravel() for g in cg] + [g.ravel() for g in ig])


def fitted(kind: str, activation: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    if kind == "regressor":
        X = rng.uniform(-1, 1, size=(60, 2))
        y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
        model = MLPRegressor(
            hidden_layer_sizes=(6, 5), activation=activation, alpha=0.3, max_iter=40, random_state=seed
        )
    else:
        X, y = make_dataset("moons", n=60, noise=0.2, seed=seed)
        if kind == "multiclass":
            y = (X[:, 0] > 0).astype(int) + y  # three classes
        model = MLPClassifier(
            hidden_layer_sizes=(6, 5), activation=activation, alpha=0.3, max_iter=40, random_state=seed
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model, X, y


def set_theta(model, net: NetworkLoss, theta) -> None:
    Ws, bs = net.unpack(theta)
    model.coefs_ = [W.copy() for W in Ws]
    model.intercepts_ = [b.copy() for b in bs]


CASES = [(k, a) for k in ("binary", "multiclass", "regressor") for a in ACTIVATIONS]


@pytest.mark.parametrize("kind, activation", CASES)
def test_loss_and_gradient_equal_scikit_learns(kind, activation):
    model, X, y = fitted(kind, activation)
    net = NetworkLoss.from_model(model, X, y)
    assert net.n_params == len(net.theta0) == sum(W.size for W in model.coefs_) + sum(b.size for b in model.intercepts_)
    rng = np.random.default_rng(1)
    for theta in (net.theta0, net.theta0 + 0.5 * rng.standard_normal(net.n_params)):
        set_theta(model, net, theta)
        loss, grad = sklearn_loss_and_grad(model, X, net.Y)
        assert net.loss(theta) == pytest.approx(loss, rel=1e-9)
        np.testing.assert_allclose(net.gradient(theta), grad, rtol=1e-8, atol=1e-12)


def test_loss_at_the_fitted_weights_is_the_models_reported_loss():
    model, X, y = fitted("binary", "tanh")
    model = MLPClassifier(hidden_layer_sizes=(6,), activation="tanh", alpha=0.1, solver="lbfgs", max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    net = NetworkLoss.from_model(model, X, y)
    assert net.loss(net.theta0) == pytest.approx(model.loss_, rel=1e-9)


@pytest.mark.parametrize("kind, activation", [("binary", "tanh"), ("multiclass", "logistic"), ("regressor", "relu")])
def test_gradient_matches_central_differences(kind, activation):
    model, X, y = fitted(kind, activation)
    net = NetworkLoss.from_model(model, X, y)
    theta = net.theta0 + 0.1 * np.random.default_rng(2).standard_normal(net.n_params)
    h = 1e-6
    fd = np.array([(net.loss(theta + h * e) - net.loss(theta - h * e)) / (2 * h) for e in np.eye(net.n_params)])
    np.testing.assert_allclose(net.gradient(theta), fd, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(
    "kind, activation", [("binary", "tanh"), ("multiclass", "logistic"), ("regressor", "identity")]
)
def test_hvp_is_exact(kind, activation):
    model, X, y = fitted(kind, activation)
    net = NetworkLoss.from_model(model, X, y)
    rng = np.random.default_rng(3)
    theta, v = net.theta0, rng.standard_normal(net.n_params)
    hv = net.hvp(theta, v)
    # Against central differences of the exact gradient (error of order eps^2).
    eps = 1e-5
    fd = (net.gradient(theta + eps * v) - net.gradient(theta - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv, fd, rtol=1e-6, atol=1e-9)
    # Against the dense Hessian of a tiny network, which is symmetric.
    H = net.hessian(theta)
    np.testing.assert_allclose(H @ v, hv, rtol=1e-10, atol=1e-12)
    raw = np.stack([net.hvp(theta, e) for e in np.eye(net.n_params)], axis=1)
    np.testing.assert_allclose(raw, raw.T, rtol=1e-9, atol=1e-12)


def test_loss_many_equals_one_at_a_time_in_chunks():
    model, X, y = fitted("binary", "relu")
    net = NetworkLoss.from_model(model, X, y)
    thetas = net.theta0 + np.random.default_rng(4).standard_normal((23, net.n_params))
    one_by_one = np.array([net.loss(t) for t in thetas])
    np.testing.assert_allclose(net.loss_many(thetas), one_by_one, rtol=1e-12)
    # A tiny memory bound forces one network per chunk; the result is the same.
    np.testing.assert_allclose(net.loss_many(thetas, max_floats=1), one_by_one, rtol=1e-12)


def test_a_network_loss_is_an_objective_for_descend():
    model, X, y = fitted("binary", "tanh")
    net = NetworkLoss.from_model(model, X, y)
    run = descend(net, net.theta0, "gd", lr=0.5, steps=30, tol=0)
    assert run.positions.shape == (31, net.n_params)
    assert run.losses[-1] < run.losses[0]
    assert run.losses[0] == pytest.approx(net.loss(net.theta0))


def test_lanczos_extremes_equal_the_dense_spectrum():
    from explainer.core.curvature import extreme_eigenvalues

    model, X, y = fitted("binary", "tanh")
    net = NetworkLoss.from_model(model, X, y)
    theta = net.theta0
    dense = np.linalg.eigvalsh(net.hessian(theta))
    low, high = extreme_eigenvalues(lambda v: net.hvp(theta, v), net.n_params, k=2)
    np.testing.assert_allclose(low, dense[:2], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(high, dense[-2:], rtol=1e-7, atol=1e-9)


def test_per_sample_log_loss_is_scikit_learns_even_for_extreme_logits():
    from scipy.special import expit
    from sklearn.neural_network._base import binary_log_loss

    # Both sides run the same scipy functions (expit, clip, xlogy), so they agree to the last bit
    # on any one machine. Two ulps of slack keep the test about the formula, not about which of
    # numpy's kernels a CPU dispatches to, should scikit-learn reorder its arithmetic.
    for z in (-800.0, -40.0, -36.0, -30.0, -20.0, 0.0, 20.0, 30.0, 35.0, 36.0, 40.0, 800.0):
        for y in (0.0, 1.0):
            ours = NetworkLoss.sample_losses(np.array([z]), np.array([y]))
            theirs = binary_log_loss(np.array([[y]]), expit(np.array([[z]])))
            np.testing.assert_array_max_ulp(ours, np.array([theirs]), maxulp=2)
    # Past logit 37 the probability is clipped at 1 - eps, so a label-0 sample costs -log(eps) = 36.04,
    # not the exact softplus(40) = 40: the engine minimises what scikit-learn does.
    clipped = NetworkLoss.sample_losses(np.array([40.0]), np.array([0.0]))[0]
    assert clipped == pytest.approx(-np.log(np.finfo(float).eps), rel=1e-12)


def test_logit_losses_are_sample_losses_for_every_logit():
    model, X, y = fitted("binary", "relu")
    net = NetworkLoss.from_model(model, X, y)
    n = len(net.X)
    z = np.random.default_rng(1).standard_normal((3, 5, n)) * np.array([1.0, 30.0, 800.0])[:, None, None]
    expected = NetworkLoss.sample_losses(z, np.broadcast_to(net.Y[:, 0], z.shape))
    # One logarithm instead of two xlogy terms: the same value, in place in its argument.
    np.testing.assert_array_max_ulp(net.logit_losses(z.copy()), expected, maxulp=2)
    # Labels other than 0/1 fall back to the xlogy formula.
    soft = dataclasses.replace(net, Y=np.full_like(net.Y, 0.3))
    np.testing.assert_allclose(soft.logit_losses(z.copy()), NetworkLoss.sample_losses(z, 0.3), rtol=1e-13)


def test_hessian_vector_products_survive_saturated_outputs():
    model, X, y = fitted("binary", "relu")
    net = NetworkLoss.from_model(model, X, y)
    theta = net.theta0.copy()
    theta[-1] = -800.0  # the output bias: every logit below -709, where exp(-z) overflows
    v = np.random.default_rng(0).standard_normal(net.n_params)
    hv = net.hvp(theta, v)
    assert np.isfinite(hv).all()
    h = 1e-4  # central difference of exact gradients
    fd = (net.gradient(theta + h * v) - net.gradient(theta - h * v)) / (2 * h)
    np.testing.assert_allclose(hv, fd, atol=1e-8)
