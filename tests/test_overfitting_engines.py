"""The overfitting section's own numpy engines against scikit-learn and scipy, which they replace
for speed: full-batch Adam for the curve fits (:func:`explainer.core.overfit.adam_full_batch`),
L-BFGS classifiers on scikit-learn's own loss (:func:`explainer.core.overfit.lbfgs_classifier`),
full-batch SGD stopped at a target loss, and Spearman's correlation without ``scipy.stats``.
Tolerances: the engines run the same array operations in the same order, so they agree to
rounding (relative 1e-9 on weights over thousands of steps); a different CPU kernel may change
the last bits, never the numbers the section reports."""

import dataclasses
import warnings

import numpy as np
import pytest
from scipy.stats import rankdata, spearmanr
from scipy.stats import t as student
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from explainer.core import overfit
from explainer.core.analyses import overfitting as analysis
from explainer.core.network import NetworkLoss, flat_weights
from explainer.core.training import make_curve, make_dataset


def _curve_data(seed=1, n=20):
    X, y = make_curve("sine", n=n + 60, noise=0.3, seed=seed)
    return X[:n], y[:n], X[n:], y[n:]


@pytest.mark.parametrize(
    ("width", "activation", "alpha", "seed"), [(64, "relu", 0.0, 1), (32, "relu", 0.1, 2), (16, "tanh", 0.01, 3)]
)
def test_adam_engine_is_scikit_learns_regressor(width, activation, alpha, seed):
    Xtr, ytr, _, _ = _curve_data(seed)
    params = dict(hidden_layer_sizes=(width,), activation=activation, solver="adam", alpha=alpha,
                  learning_rate_init=0.02, batch_size=len(Xtr), shuffle=False, random_state=seed)  # fmt: skip
    epochs = 400
    ours = overfit.adam_full_batch(Xtr, ytr, epochs=epochs, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = MLPRegressor(**params, max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1).fit(Xtr, ytr)
    assert ours.n_iter_ == epochs
    theta = np.concatenate([W.ravel() for W in ours.coefs_] + [b.ravel() for b in ours.intercepts_])
    np.testing.assert_allclose(theta, flat_weights(ref), rtol=1e-9, atol=1e-12)
    grid = np.linspace(-1, 1, 7)[:, None]
    np.testing.assert_allclose(overfit.predict_flat(ours, grid), ref.predict(grid), rtol=1e-9, atol=1e-12)


def test_record_fit_reads_the_same_run_with_either_engine():
    Xtr, ytr, Xte, yte = _curve_data(4)
    params = dict(hidden_layer_sizes=(48,), solver="adam", alpha=0.0, learning_rate_init=0.02, batch_size=20,
                  shuffle=False, random_state=4)  # fmt: skip
    grid = np.linspace(-1, 1, 9)
    runs = {
        engine: overfit.record_fit(
            Xtr, ytr, Xte[:30], yte[:30], grid, epochs=600, X_val=Xte[30:], y_val=yte[30:], engine=engine, **params
        )
        for engine in ("numpy", "sklearn")
    }
    a, b = runs["numpy"], runs["sklearn"]
    np.testing.assert_array_equal(a.epochs, b.epochs)
    assert (a.best, a.lowest, a.finite) == (b.best, b.lowest, b.finite) and a.finite
    for name in ("train", "test", "val", "best_curve", "lowest_curve"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-9, atol=1e-12)


def test_adam_engine_refuses_what_it_does_not_reproduce():
    Xtr, ytr, _, _ = _curve_data()
    with pytest.raises(ValueError):
        overfit.adam_full_batch(Xtr, ytr, epochs=3, batch_size=5, shuffle=False)
    with pytest.raises(ValueError):
        overfit.adam_full_batch(Xtr, ytr, epochs=3, batch_size=20, shuffle=True)


def test_a_blown_up_curve_fit_is_reported_as_not_finite():
    Xtr, ytr, Xte, yte = _curve_data()
    params = dict(hidden_layer_sizes=(8,), solver="adam", learning_rate_init=1e3, batch_size=20, shuffle=False)
    rec = overfit.record_fit(Xtr, ytr * 1e200, Xte, yte, np.linspace(-1, 1, 5), epochs=200, random_state=0, **params)
    assert not rec.finite and np.isnan(rec.best_curve).all()


@pytest.mark.parametrize(
    ("hidden", "activation", "alpha", "restarts", "shuffled"),
    [((64,), "relu", 0.0, 2, True), ((64,), "relu", 0.0, 0, False), ((2,), "tanh", 1e-4, 0, False)],
)
def test_lbfgs_engine_is_scikit_learns_classifier(hidden, activation, alpha, restarts, shuffled):
    X, y = make_dataset("moons", n=160, noise=0.3, seed=5)
    Xtr, ytr, Xte, yte = X[:60], y[:60], X[60:], y[60:]
    labels = analysis.coin_labels(ytr, 5) if shuffled else ytr
    kw = dict(alpha=alpha, max_iter=300, max_fun=3000, tol=1e-10)
    ours = overfit.lbfgs_classifier(Xtr, labels, hidden=hidden, activation=activation, seed=3, restarts=restarts, **kw)
    ref = overfit.fit_classifier(Xtr, labels, hidden_layer_sizes=hidden, activation=activation, solver="lbfgs",
                                 random_state=3, restarts=restarts, **kw)  # fmt: skip
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.theta, flat_weights(ref), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.proba(Xte), overfit.probability(ref, Xte), rtol=1e-7, atol=1e-12)
    assert ours.score(Xtr, labels) == ref.score(Xtr, labels) and ours.score(Xte, yte) == ref.score(Xte, yte)
    # the loss built without a fitted model is NetworkLoss.from_model's
    mine, theirs = ours.loss(Xte, yte), NetworkLoss.from_model(ref, Xte, yte)
    assert mine.shapes == theirs.shapes and mine.loss_name == theirs.loss_name
    np.testing.assert_array_equal(mine.Y, theirs.Y)
    assert mine.loss(ours.theta) == pytest.approx(theirs.loss(theirs.theta0), rel=1e-7)


@pytest.mark.parametrize(
    ("batch_size", "seeds", "max_updates"),
    [(10, (0, 1), 400), (40, (0, 1, 2), 600)],  # mini-batches, and the full batch (no shuffling)
)
def test_sgd_to_target_is_scikit_learns_run_stopped_at_that_epoch(batch_size, seeds, max_updates):
    X, y = make_dataset("moons", n=40, noise=0.2, seed=0)
    runs = overfit.sgd_to_target(X, y, hidden=(4,), activation="tanh", lr=0.5, batch_size=batch_size, alpha=1e-4,
                                 seeds=seeds, target=0.3, max_updates=max_updates)  # fmt: skip
    assert runs.reached.any()
    for i, seed in enumerate(seeds):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", solver="sgd", momentum=0,
                                  learning_rate_init=0.5, alpha=1e-4, batch_size=batch_size,
                                  max_iter=int(runs.epochs[i]), tol=0, n_iter_no_change=10**6,
                                  random_state=seed).fit(X, y)  # fmt: skip
        net = NetworkLoss.from_model(model, X, y)
        np.testing.assert_allclose(runs.thetas[i], net.theta0, rtol=1e-7, atol=1e-10)
        assert runs.loss[i] == pytest.approx(net.loss(net.theta0), rel=1e-7)
        assert runs.reached[i] == (runs.loss[i] <= 0.3)
        assert runs.updates[i] == (len(X) // batch_size) * runs.epochs[i]
        if runs.reached[i] and runs.epochs[i] > 1:  # the epoch before was still above the target
            earlier = MLPClassifier(**{**model.get_params(), "max_iter": int(runs.epochs[i]) - 1})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                earlier.fit(X, y)
            net = NetworkLoss.from_model(earlier, X, y)
            assert net.loss(net.theta0) > 0.3


def test_spearman_without_scipy_stats_is_scipys():
    rng = np.random.default_rng(0)
    for n in (3, 4, 7, 20, 90):
        for _ in range(40):
            a = rng.integers(0, 4, n).astype(float) if rng.random() < 0.5 else rng.standard_normal(n)
            b = a + rng.random() * 3 * rng.standard_normal(n)
            np.testing.assert_array_equal(analysis.rankdata(a), rankdata(a))
            if np.ptp(a) == 0 or np.ptp(b) == 0:
                continue
            rho, p = analysis._spearman(a, b)
            ref = spearmanr(a, b)
            assert rho == pytest.approx(ref.statistic, abs=1e-12)
            assert p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)
    for t, dof in ((0.3, 5), (-2.5, 17), (8.0, 3)):
        assert analysis.two_sided_t(t, dof) == pytest.approx(2 * student.sf(abs(t), dof), rel=1e-12)


def test_live_analyses_do_not_import_scikit_learn_or_scipy_stats():
    import subprocess
    import sys

    code = (
        "import dataclasses, sys\n"
        "from explainer.core.analyses import overfitting as a\n"
        "a.curve_fit(dataclasses.replace(a.DEFAULT_CURVE, seed=3, iterations=300, width=32))\n"
        "a.labels_fit(dataclasses.replace(a.DEFAULT_LABELS, seed=3, width=32, max_iter=50, n_test=50))\n"
        "a.sharp_runs(dataclasses.replace(a.DEFAULT_SHARP, seed=3, runs=2, batch_sizes=(25, 100), max_updates=200,"
        " minima_runs=3, n_test=50))\n"
        "print(sorted(m for m in ('sklearn', 'scipy.stats') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=".")
    assert out.stdout.strip() == "[]"


def test_the_engines_give_the_same_analysis_at_another_seed():
    """labels_fit at a small setting, through the engine and through scikit-learn directly."""
    s = dataclasses.replace(analysis.DEFAULT_LABELS, seed=2, width=64, max_iter=200)
    fit = analysis.labels_fit(s)
    X, y = make_dataset(s.data, n=s.n_train + s.n_test, noise=s.noise, seed=s.seed)
    Xtr, ytr, Xte, yte = X[: s.n_train], y[: s.n_train], X[s.n_train :], y[s.n_train :]
    for k, labels in enumerate((ytr, analysis.coin_labels(ytr, s.seed))):
        ref = overfit.fit_classifier(Xtr, labels, hidden_layer_sizes=(64,), solver="lbfgs", alpha=s.alpha,
                                     max_iter=s.max_iter, max_fun=10 * s.max_iter, tol=1e-10, random_state=s.seed,
                                     restarts=s.restarts)  # fmt: skip
        assert fit.iterations[k] == ref.n_iter_
        assert fit.train_acc[k] == ref.score(Xtr, labels) and fit.test_acc[k] == ref.score(Xte, yte)
