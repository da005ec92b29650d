"""The machinery of the overfitting section: a scikit-learn regressor whose train and test error are
read during training, classifiers fitted to true and to shuffled labels, and the sharpness of a
network's training loss.

- :func:`record_fit` trains an ``MLPRegressor`` exactly as scikit-learn does (one ``fit``; its
  own stopping rule switched off) and, at the end of chosen epochs, reads the mean squared error
  on the training and the test points and the prediction over a grid of inputs. The reading
  happens in the one per-epoch hook scikit-learn's stochastic solvers call
  (``_update_no_improvement_count``), after the epoch's updates and before the next one, so the
  training itself is untouched.
- :func:`sharpness` is the largest eigenvalue of the Hessian of the training loss at some
  weights, by Lanczos iteration (``scipy.sparse.linalg.eigsh``, ``which="LA"``) on exact
  Hessian-vector products (:meth:`explainer.core.network.NetworkLoss.hvp`), from a seeded start.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from explainer.core.network import ACTIVATIONS, NetworkLoss


def log_marks(last: int, count: int = 200) -> np.ndarray:
    """About ``count`` epochs from 1 to ``last``, evenly spaced on a log scale (every epoch early
    on), always ending at ``last``: ``(k,)`` sorted ints."""
    marks = np.unique(np.round(np.geomspace(1, max(int(last), 1), count)).astype(int))
    return np.unique(np.concatenate([marks, [int(last)]]))


class _RecordingRegressor(MLPRegressor):
    """``MLPRegressor`` that reads its error at the end of the epochs in ``_marks`` (set by
    :func:`record_fit`; not a parameter, so ``get_params`` and fitting are scikit-learn's own)."""

    def _update_no_improvement_count(self, early_stopping, X, y, sample_weight=None):
        if self.n_iter_ in self._marks:
            self._read(self)
        return super()._update_no_improvement_count(early_stopping, X, y, sample_weight)


def predict_flat(model, X) -> np.ndarray:
    """A fitted one-output ``MLPRegressor``'s prediction for ``X (n, d)``: ``(n,)`` (the same sums as
    scikit-learn's ``predict``, without its input checks)."""
    act, _ = ACTIVATIONS[model.activation]
    a = np.asarray(X, dtype=float)
    last = len(model.coefs_) - 1
    for k, (W, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        a = a @ W + b
        if k < last:
            a = act(a)
    return a[:, 0]


@dataclass(frozen=True)
class Recorded:
    """A regressor's training read at ``epochs (k,)``: mean squared error on the training points
    (``train (k,)``) and on the test points (``test (k,)``), and the prediction over ``grid (g,)``
    at the epoch of lowest test error (``best_curve``) and at the epoch of lowest training error
    (``lowest_curve``). ``best`` and ``lowest`` index ``epochs`` there (the first, if tied).
    ``finite`` is false if the run produced non-finite numbers (the arrays stop where it did)."""

    epochs: np.ndarray
    train: np.ndarray
    test: np.ndarray
    grid: np.ndarray
    best_curve: np.ndarray
    lowest_curve: np.ndarray
    best: int
    lowest: int
    finite: bool


def record_fit(X, y, X_test, y_test, grid, *, epochs: int, marks=None, progress=None, **params) -> Recorded:
    """Fit ``MLPRegressor(**params, max_iter=epochs)`` on ``(X, y)`` with scikit-learn's stopping
    rule off (``tol=0``), reading the errors at ``marks`` (default :func:`log_marks`). ``grid`` is
    ``(g,)`` inputs of a one-feature curve. ``progress(share)`` is called at each mark, if given."""
    marks = log_marks(epochs) if marks is None else np.asarray(marks, dtype=int)
    model = _RecordingRegressor(**params, max_iter=int(epochs), tol=0.0, n_iter_no_change=int(epochs) + 1)
    G = np.asarray(grid, dtype=float).reshape(-1, 1)
    seen, train, test = [], [], []
    best = {"err": np.inf, "curve": None}
    lowest = {"err": np.inf, "curve": None}

    def read(m) -> None:
        p_tr, p_te = predict_flat(m, X), predict_flat(m, X_test)
        e_tr, e_te = float(np.mean((p_tr - y) ** 2)), float(np.mean((p_te - y_test) ** 2))
        seen.append(m.n_iter_)
        train.append(e_tr)
        test.append(e_te)
        if e_te < best["err"]:
            best["err"], best["curve"] = e_te, predict_flat(m, G)
        if e_tr < lowest["err"]:
            lowest["err"], lowest["curve"] = e_tr, predict_flat(m, G)
        if progress is not None:
            progress(m.n_iter_ / epochs)

    model._marks = {int(k) for k in marks}
    model._read = read
    finite = True
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            model.fit(X, y)
        except ValueError:  # "Solver produced non-finite parameter weights"
            finite = False
    train_a, test_a = np.array(train), np.array(test)
    ok = np.isfinite(train_a) & np.isfinite(test_a) & (np.abs(train_a) < 1e12) & (np.abs(test_a) < 1e12)
    if not ok.all():
        finite = False
        cut = int(np.argmin(ok))
        seen, train_a, test_a = seen[:cut], train_a[:cut], test_a[:cut]
    if not len(seen) or not finite:
        nan = np.full(len(G), np.nan)
        return Recorded(np.array(seen, int), train_a, test_a, G[:, 0], nan, nan, 0, 0, False)
    return Recorded(
        epochs=np.array(seen, dtype=int),
        train=train_a,
        test=test_a,
        grid=G[:, 0],
        best_curve=np.asarray(best["curve"], dtype=float),
        lowest_curve=np.asarray(lowest["curve"], dtype=float),
        best=int(np.argmin(test_a)),
        lowest=int(np.argmin(train_a)),
        finite=True,
    )


def fit_classifier(X, y, *, restarts: int = 0, **params) -> MLPClassifier:
    """``MLPClassifier(**params).fit(X, y)``, quietly (no convergence warnings).

    With ``restarts``, a fit that has not classified every training point is fitted again from
    where it stopped (``warm_start``), up to that many times: L-BFGS stops once the loss falls by
    too small a share per step, which on a near-zero loss can be long before the last point is
    right, and a fresh start of its curvature memory goes on from there. ``n_iter_`` is then the
    total over the fits."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(**params, warm_start=restarts > 0).fit(X, y)
        total = model.n_iter_
        for _ in range(restarts):
            if model.score(X, y) == 1.0:
                break
            model.fit(X, y)
            total += model.n_iter_
        model.n_iter_ = total
        return model


def probability(model: MLPClassifier, X) -> np.ndarray:
    """A fitted binary classifier's probability of class 1 at ``X (n, 2)``: ``(n,)``."""
    return model.predict_proba(np.asarray(X, dtype=float))[:, 1]


def sharpness(net: NetworkLoss, theta=None, *, seed: int = 0, tol: float = 1e-8) -> float:
    """The largest eigenvalue of the Hessian of ``net``'s training loss at ``theta`` (default
    ``net.theta0``): Lanczos on exact Hessian-vector products, started from a seeded normal
    vector so that the same call gives the same number."""
    theta = net.theta0 if theta is None else np.asarray(theta, dtype=float)
    op = LinearOperator((net.n_params, net.n_params), matvec=lambda v: net.hvp(theta, np.ravel(v)), dtype=float)
    v0 = np.random.default_rng(seed).standard_normal(net.n_params)
    return float(eigsh(op, k=1, which="LA", v0=v0, tol=tol, return_eigenvectors=False)[0])
