"""Small scikit-learn networks: data sets, the loss, one update taken apart, and loss curves."""

import contextlib
import copy
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from explainer.core import training as T

NAMES = sorted(T.DATASETS)


def partial_fit(model, X, y, times=1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(times):
            model.partial_fit(X, y, classes=[0, 1])
    return model


@pytest.fixture(scope="module")
def moons():
    return T.make_dataset("moons", n=200, noise=0.2, seed=0)


# ----- data sets --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_make_dataset_shapes_labels_determinism(name):
    X, y = T.make_dataset(name, n=200, noise=0.2, seed=3)
    assert X.shape == (200, 2) and X.dtype == float
    assert y.shape == (200,) and np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == {0, 1}
    assert 0.3 < y.mean() < 0.7
    assert np.isfinite(X).all()
    X2, y2 = T.make_dataset(name, n=200, noise=0.2, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = T.make_dataset(name, n=200, noise=0.2, seed=4)
    assert not np.allclose(X, X3)


@pytest.mark.parametrize("name", NAMES)
def test_make_dataset_odd_size(name):
    X, y = T.make_dataset(name, n=101, seed=0)
    assert X.shape == (101, 2)
    assert y.shape == (101,)


def test_make_dataset_unknown_name():
    with pytest.raises(ValueError, match="unknown data set"):
        T.make_dataset("swiss-roll")


def test_noise_changes_the_points():
    X0, y0 = T.make_dataset("xor", n=200, noise=0.0, seed=1)
    X1, y1 = T.make_dataset("xor", n=200, noise=0.5, seed=1)
    np.testing.assert_array_equal(y0, y1)
    # Without noise the xor labels are exactly the quadrant signs.
    np.testing.assert_array_equal(y0, (X0[:, 0] * X0[:, 1] > 0).astype(int))
    assert np.abs(X1 - X0).max() > 0.1


# ----- the loss ---------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden", [(8,), (5, 3)])
def test_log_loss_equals_sklearn_loss(moons, hidden):
    X, y = moons
    model = partial_fit(T.gd_classifier(len(X), hidden, lr=0.1), X, y)
    before = copy.deepcopy(model)
    partial_fit(model, X, y)
    # scikit-learn records the loss of the forward pass, before the step it then takes.
    assert model.loss_ == pytest.approx(T.log_loss(before, X, y), rel=1e-9)
    assert model.loss_curve_[-1] == pytest.approx(T.log_loss(before, X, y), rel=1e-9)
    assert model.loss_curve_[0] != pytest.approx(model.loss_curve_[1], rel=1e-6)


def test_forward_matches_predict_proba(moons):
    X, y = moons
    model = partial_fit(T.gd_classifier(len(X), (6,), lr=0.5), X, y, times=3)
    layers = T.forward(model, X)
    assert [a.shape for a in layers] == [(200, 2), (200, 6), (200, 1)]
    np.testing.assert_allclose(layers[-1][:, 0], model.predict_proba(X)[:, 1], rtol=1e-12)
    assert np.abs(layers[1]).max() < 1  # tanh hidden layer


def test_log_loss_includes_l2_penalty(moons):
    X, y = moons
    model = partial_fit(T.gd_classifier(len(X), lr=0.1), X, y)
    heavy = copy.deepcopy(model)
    heavy.alpha = 10.0
    weights = sum(float(np.sum(W * W)) for W in model.coefs_)
    extra = 0.5 * (10.0 - model.alpha) * weights / len(y)
    assert T.log_loss(heavy, X, y) - T.log_loss(model, X, y) == pytest.approx(extra, rel=1e-10)


# ----- one update -------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0.01, 0.1, 1.0])
def test_one_update_gradient_and_step(moons, lr):
    X, y = moons
    u = T.one_update(X, y, lr=lr)
    assert u.grad_sklearn == pytest.approx(u.grad_fd, rel=1e-6)
    assert abs(u.grad_sklearn) > 1e-4  # a gradient that is not trivially zero
    assert u.weight_after == pytest.approx(u.weight_before - lr * u.grad_sklearn, rel=1e-12, abs=1e-15)
    assert u.loss_predicted == pytest.approx(u.loss_before - lr * u.grad_norm**2, rel=1e-14)


def test_one_update_small_lr_lowers_loss_as_predicted(moons):
    X, y = moons
    u = T.one_update(X, y, lr=0.01)
    assert u.loss_after < u.loss_before
    drop, predicted = u.loss_before - u.loss_after, u.loss_before - u.loss_predicted
    # First order is good for a small step: the actual drop is within 1% of lr * |g|^2.
    assert drop == pytest.approx(predicted, rel=0.01)


def test_one_update_sample_details(moons):
    X, y = moons
    u = T.one_update(X, y, lr=0.1, sample=7, warmup=2)
    np.testing.assert_array_equal(u.x, X[7])
    assert u.label == y[7]
    # The probability is that of the model before the dissected step, i.e. after `warmup` steps
    # of the fixed warm-up step size.
    model = partial_fit(T.gd_classifier(len(X), lr=0.3), X, y, times=2)
    assert u.probability == pytest.approx(model.predict_proba(X[7:8])[0, 1], rel=1e-12)
    p = u.probability if u.label == 1 else 1 - u.probability
    assert u.sample_loss == pytest.approx(-np.log(p), rel=1e-12)
    assert u.hidden.shape == (8,)
    assert u.loss_before == pytest.approx(T.log_loss(model, X, y), rel=1e-12)


# ----- loss curves ------------------------------------------------------------------------------


def test_train_curve_records_one_loss_per_epoch(moons):
    X, y = moons
    curve = T.train_curve(X, y, lr=0.1, epochs=20)
    assert curve.diverged_at is None
    assert curve.losses.shape == (20,)
    assert np.isfinite(curve.losses).all()
    assert curve.losses[-1] < curve.losses[0]
    # losses[0] is taken before the first step: the loss of the freshly initialised network.
    fresh = partial_fit(T.gd_classifier(len(X), lr=0.1), X, y)
    assert curve.losses[0] == pytest.approx(fresh.loss_curve_[0], rel=1e-12)
    assert curve.losses[1] == pytest.approx(T.log_loss(fresh, X, y), rel=1e-9)


@pytest.mark.parametrize("lr", [1e6, 1e3])
def test_train_curve_with_enormous_lr_never_returns_nan(moons, lr):
    X, y = moons
    curve = T.train_curve(X, y, lr=lr, epochs=50)
    assert np.isfinite(curve.losses).all()
    assert (curve.losses < 1e6).all()
    if curve.diverged_at is None:
        assert len(curve.losses) == 50
    else:
        assert curve.diverged_at == len(curve.losses) < 50
    # It is not learning: the loss ends far above where a sane step size gets.
    assert curve.losses.max() > 10 * T.train_curve(X, y, lr=0.1, epochs=50).losses[-1]


def test_one_update_state_before_the_step_does_not_depend_on_its_size(moons):
    X, y = moons
    small, large = T.one_update(X, y, lr=0.03), T.one_update(X, y, lr=30.0)
    assert small.loss_before == large.loss_before and small.probability == large.probability
    # scikit-learn really took the large step: its gradient agrees with the finite difference.
    assert large.grad_sklearn == pytest.approx(large.grad_fd, rel=1e-6)
    assert small.first_order_holds and not large.first_order_holds


# ----- the numpy ports agree with scikit-learn ------------------------------------------------------


@pytest.mark.parametrize("n", [1, 7, 200, 401])
@pytest.mark.parametrize("noise", [None, 0.0, 0.25])
def test_moons_and_circles_draw_scikit_learns_numbers(n, noise):
    from sklearn.datasets import make_circles, make_moons

    for random_state in (0, 5, 2**31 - 1):
        X, y = T._moons(n, noise=noise, random_state=random_state)
        X2, y2 = make_moons(n, noise=noise, random_state=random_state)
        np.testing.assert_allclose(X, X2, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(y, y2)
        X, y = T._circles(n, noise=noise, factor=0.5, random_state=random_state)
        X2, y2 = make_circles(n, noise=noise, factor=0.5, random_state=random_state)
        np.testing.assert_allclose(X, X2, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(y, y2)


def test_make_dataset_moons_imports_no_scikit_learn():
    import subprocess
    import sys

    code = "import sys; from explainer.core import training as T; T.make_dataset('moons'); T.make_dataset('circles');"
    code += "T.train_curve(*T.make_dataset('moons', n=50), lr=0.1, epochs=3); print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def _sklearn_curve(X, y, lr, epochs, seed):
    """The old train_curve: scikit-learn's own fit."""
    model = T.gd_classifier(len(X), lr=lr, epochs=epochs, seed=seed)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with contextlib.suppress(ValueError):  # a diverging run
            model.fit(X, y)
    return np.asarray(model.loss_curve_, dtype=float), flat_weights_of(model)


def flat_weights_of(model):
    from explainer.core.network import flat_weights

    return flat_weights(model)


@pytest.mark.parametrize("lr", [0.03, 0.3, 3.0])
@pytest.mark.parametrize("seed", [0, 3])
def test_train_curve_is_scikit_learns_fit(lr, seed):
    # The numpy run repeats scikit-learn's arithmetic operation for operation, so even the chaotic
    # large steps follow it; 1e-9 leaves room for another machine's kernels over 150 epochs.
    X, y = T.make_dataset("moons", n=200, noise=0.25, seed=seed)
    theirs, _ = _sklearn_curve(X, y, lr, 150, seed)
    ours = T.train_curve(X, y, lr=lr, epochs=150, seed=seed)
    assert ours.diverged_at is None and ours.losses.shape == theirs.shape
    np.testing.assert_allclose(ours.losses, theirs, rtol=1e-9)


def test_one_update_is_scikit_learns_partial_fit(moons):
    X, y = moons
    model = partial_fit(T.gd_classifier(len(X), lr=0.3, seed=2), X, y, times=2)
    before = flat_weights_of(model)
    model.learning_rate_init = 0.7
    del model._optimizer
    after = flat_weights_of(partial_fit(model, X, y))
    u = T.one_update(X, y, lr=0.7, seed=2, warmup=2)
    assert u.weight_before == pytest.approx(before[0], rel=1e-12)
    assert u.weight_after == pytest.approx(after[0], rel=1e-12)
    assert u.grad_norm == pytest.approx(np.linalg.norm(after - before) / 0.7, rel=1e-10)
    assert u.loss_after == pytest.approx(T.log_loss(model, X, y), rel=1e-12)


@pytest.mark.parametrize(
    "case",
    [
        dict(data="moons", hidden=(16, 12), activation="relu", solver="adam", lr=0.01, batch_size=40),
        dict(data="spirals", hidden=(16, 12), activation="tanh", solver="sgd", lr=0.05, batch_size=50),
        dict(data="xor", hidden=(7,), activation="logistic", solver="adam", lr=0.02, batch_size=33),
        dict(data="circles", hidden=(9,), activation="identity", solver="sgd", lr=0.05, batch_size=120),
    ],
)
def test_train_path_in_numpy_is_scikit_learns_partial_fit_loop(case):
    case = dict(case)
    X, y = T.make_dataset(case.pop("data"), n=120, noise=0.25, seed=4)
    epochs = 12
    path = T.train_path(X, y, epochs=epochs, seed=4, **case)
    assert path.fitted is None  # trained in numpy: no estimator until one is asked for
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=case["hidden"], activation=case["activation"], solver=case["solver"],
        learning_rate_init=case["lr"], batch_size=case["batch_size"], alpha=1e-4, random_state=4,
        max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1,
    )  # fmt: skip
    for k in range(1, epochs + 1):
        partial_fit(model, X, y)
        np.testing.assert_allclose(path.thetas[k], flat_weights_of(model), rtol=1e-9, atol=1e-12)
    # The estimator built on request carries the run's last weights and predicts with them.
    np.testing.assert_array_equal(flat_weights_of(path.model), path.thetas[-1])
    np.testing.assert_allclose(
        path.model.predict_proba(X)[:, 1], path.net.activations(path.thetas[-1])[-1][:, 0], rtol=1e-12
    )


def test_train_path_regression_in_numpy_is_scikit_learns():
    from sklearn.neural_network import MLPRegressor

    X, y = T.make_curve("wiggle", n=60, noise=0.1, seed=1)
    path = T.train_path(X, y, hidden=(10,), activation="tanh", solver="adam", lr=0.02, epochs=8, batch_size=25,
                        seed=1, regression=True)  # fmt: skip
    model = MLPRegressor(hidden_layer_sizes=(10,), activation="tanh", solver="adam", learning_rate_init=0.02,
                         batch_size=25, random_state=1, max_iter=8, tol=0.0, n_iter_no_change=9)  # fmt: skip
    for _ in range(8):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.partial_fit(X, y)
    np.testing.assert_allclose(path.thetas[-1], flat_weights_of(model), rtol=1e-9, atol=1e-12)
    assert path.losses[-1] == pytest.approx(path.net.loss(path.thetas[-1]), rel=1e-12)
