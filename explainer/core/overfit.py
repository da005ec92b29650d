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

import functools
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from explainer.core import nets
from explainer.core.network import ACTIVATIONS, NetworkLoss
from explainer.core.training import BLOWUP

if TYPE_CHECKING:
    from sklearn.neural_network import MLPClassifier

# scikit-learn and scipy.sparse.linalg are imported where they are used: see explainer.core.training.


def log_marks(last: int, count: int = 200) -> np.ndarray:
    """About ``count`` epochs from 1 to ``last``, evenly spaced on a log scale (every epoch early
    on), always ending at ``last``: ``(k,)`` sorted ints."""
    marks = np.unique(np.round(np.geomspace(1, max(int(last), 1), count)).astype(int))
    return np.unique(np.concatenate([marks, [int(last)]]))


@functools.cache
def _recording_regressor() -> type:
    """``MLPRegressor`` that reads its error at the end of the epochs in ``_marks`` (set by
    :func:`record_fit`; not a parameter, so ``get_params`` and fitting are scikit-learn's own).
    The class is made on first use, so that scikit-learn is imported only when a fit runs."""
    from sklearn.neural_network import MLPRegressor

    class RecordingRegressor(MLPRegressor):
        def _update_no_improvement_count(self, early_stopping, X, y, sample_weight=None):
            if self.n_iter_ in self._marks:
                self._read(self)
            return super()._update_no_improvement_count(early_stopping, X, y, sample_weight)

    return RecordingRegressor


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
    (``train (k,)``), on the test points (``test (k,)``) and, if given, on held-out validation
    points (``val (k,)``), and the prediction over ``grid (g,)`` at the early-stopping epoch
    (``best_curve``: lowest validation error, or lowest test error without a validation set) and
    at the epoch of lowest training error (``lowest_curve``). ``best`` and ``lowest`` index
    ``epochs`` there (the first, if tied). ``finite`` is false if the run produced non-finite
    numbers (the arrays stop where it did)."""

    epochs: np.ndarray
    train: np.ndarray
    test: np.ndarray
    grid: np.ndarray
    best_curve: np.ndarray
    lowest_curve: np.ndarray
    best: int
    lowest: int
    finite: bool
    val: np.ndarray | None = None


def record_fit(
    X, y, X_test, y_test, grid, *, epochs: int, marks=None, progress=None, X_val=None, y_val=None, **params
) -> Recorded:
    """Fit ``MLPRegressor(**params, max_iter=epochs)`` on ``(X, y)`` with scikit-learn's stopping
    rule off (``tol=0``), reading the errors at ``marks`` (default :func:`log_marks`). ``grid`` is
    ``(g,)`` inputs of a one-feature curve. The early-stopping epoch is the one of lowest error on
    ``(X_val, y_val)`` if given (else on the test points). ``progress(share)`` is called at each
    mark, if given."""
    marks = log_marks(epochs) if marks is None else np.asarray(marks, dtype=int)
    from sklearn.exceptions import ConvergenceWarning

    model = _recording_regressor()(**params, max_iter=int(epochs), tol=0.0, n_iter_no_change=int(epochs) + 1)
    G = np.asarray(grid, dtype=float).reshape(-1, 1)
    seen, train, test, val = [], [], [], []
    judge = X_val is not None
    best = {"err": np.inf, "curve": None}
    lowest = {"err": np.inf, "curve": None}

    def read(m) -> None:
        p_tr, p_te = predict_flat(m, X), predict_flat(m, X_test)
        e_tr, e_te = float(np.mean((p_tr - y) ** 2)), float(np.mean((p_te - y_test) ** 2))
        e_va = float(np.mean((predict_flat(m, X_val) - y_val) ** 2)) if judge else e_te
        seen.append(m.n_iter_)
        train.append(e_tr)
        test.append(e_te)
        val.append(e_va)
        if e_va < best["err"]:
            best["err"], best["curve"] = e_va, predict_flat(m, G)
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
    train_a, test_a, val_a = np.array(train), np.array(test), np.array(val)
    ok = np.isfinite(train_a) & np.isfinite(test_a) & np.isfinite(val_a)
    ok &= (np.abs(train_a) < 1e12) & (np.abs(test_a) < 1e12) & (np.abs(val_a) < 1e12)
    if not ok.all():
        finite = False
        cut = int(np.argmin(ok))
        seen, train_a, test_a, val_a = seen[:cut], train_a[:cut], test_a[:cut], val_a[:cut]
    if not len(seen) or not finite:
        nan = np.full(len(G), np.nan)
        return Recorded(np.array(seen, int), train_a, test_a, G[:, 0], nan, nan, 0, 0, False, val_a if judge else None)
    return Recorded(
        epochs=np.array(seen, dtype=int),
        train=train_a,
        test=test_a,
        grid=G[:, 0],
        best_curve=np.asarray(best["curve"], dtype=float),
        lowest_curve=np.asarray(lowest["curve"], dtype=float),
        best=int(np.argmin(val_a)),
        lowest=int(np.argmin(train_a)),
        finite=True,
        val=val_a if judge else None,
    )


def fit_classifier(X, y, *, restarts: int = 0, **params) -> MLPClassifier:
    """``MLPClassifier(**params).fit(X, y)``, quietly (no convergence warnings).

    With ``restarts``, a fit that has not classified every training point is fitted again from
    where it stopped (``warm_start``), up to that many times: L-BFGS stops once the loss falls by
    too small a share per step, which on a near-zero loss can be long before the last point is
    right, and a fresh start of its curvature memory goes on from there. ``n_iter_`` is then the
    total over the fits."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

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


def _hessian(net: NetworkLoss, theta):
    from scipy.sparse.linalg import LinearOperator

    return LinearOperator((net.n_params, net.n_params), matvec=lambda v: net.hvp(theta, np.ravel(v)), dtype=float)


def sharpness(net: NetworkLoss, theta=None, *, seed: int = 0, tol: float = 1e-6, which: str = "LA") -> float | None:
    """The largest eigenvalue of the Hessian of ``net``'s training loss at ``theta`` (default
    ``net.theta0``): Lanczos on exact Hessian-vector products, started from a seeded normal
    vector so that the same call gives the same number. ``which="SA"`` gives the smallest one
    instead. ``None`` if Lanczos did not converge (the run is then "not measured")."""
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    theta = net.theta0 if theta is None else np.asarray(theta, dtype=float)
    v0 = np.random.default_rng(seed).standard_normal(net.n_params)
    try:
        value = eigsh(_hessian(net, theta), k=1, which=which, v0=v0, tol=tol, return_eigenvectors=False)[0]
    except ArpackNoConvergence:
        return None
    return float(value) if np.isfinite(value) else None


def smallest_eigenvalue(net: NetworkLoss, theta=None) -> float:
    """The smallest eigenvalue of the Hessian of ``net``'s training loss at ``theta``, from the
    dense Hessian (for the small networks whose minima are checked)."""
    theta = net.theta0 if theta is None else np.asarray(theta, dtype=float)
    return float(np.linalg.eigvalsh(net.hessian(theta))[0])


@dataclass(frozen=True)
class ToTarget:
    """Runs of plain SGD stopped, each on its own, at the end of the first epoch whose full
    training loss (penalty included) is at most ``target``: final weights ``thetas (S, P)``, the
    ``epochs (S,)`` and ``updates (S,)`` each took, its training loss there (``loss (S,)``), and
    ``reached (S,)`` (false: the run hit ``max_updates`` or blew up first; its weights are then
    where it stopped)."""

    thetas: np.ndarray
    epochs: np.ndarray
    updates: np.ndarray
    loss: np.ndarray
    reached: np.ndarray
    blew_up: np.ndarray


def sgd_to_target(
    X, y, *, hidden, activation: str, lr: float, batch_size: int, alpha: float, seeds, target: float,
    max_updates: int, progress=None,
) -> ToTarget:  # fmt: skip
    """scikit-learn's ``MLPClassifier(solver="sgd", momentum=0, learning_rate="constant",
    shuffle=True)`` for every seed at once, exactly as :func:`explainer.core.nets.train_seeds`
    runs it (scikit-learn's starting weights, shuffles and batch steps), except that each seed
    stops at the end of the first epoch at which its training loss is at most ``target``: the
    same weights as ``MLPClassifier(..., max_iter=that epoch)`` would reach (the other seeds do
    not touch it). At most ``max_updates`` steps (rounded up to whole epochs)."""
    X = np.asarray(X, dtype=float)
    Y = np.asarray(y, dtype=float).reshape(-1, 1)
    n, d = X.shape
    units = nets.layer_units(hidden, d)
    seeds = tuple(int(s) for s in seeds)
    S = len(seeds)
    b = int(np.clip(batch_size, 1, n))
    per_epoch = -(-n // b)
    max_epochs = max(1, -(-int(max_updates) // per_epoch))
    thetas, streams = nets.sklearn_streams(units, activation, seeds)
    Ws, bs = nets.unpack(thetas, units)
    order = np.tile(np.arange(n), (S, 1))
    final = thetas.copy()
    epochs = np.full(S, max_epochs)
    loss = nets.full_loss(thetas, X, Y, units, activation=activation, alpha=alpha)
    done = loss <= target
    reached = done.copy()
    epochs[done] = 0
    blew = np.zeros(S, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, max_epochs + 1):
            if done.all():
                break
            perms = np.stack([rs.permutation(n) for rs in streams])
            order = np.take_along_axis(order, perms, axis=1)
            for lo in range(0, n, b):
                take = order[:, lo : lo + b]
                _, gW, gb = nets.batch_gradients(
                    Ws, bs, X[take], Y[take], activation=activation, alpha=alpha, loss=False
                )
                for W, g in zip(Ws, gW, strict=True):
                    W -= lr * g
                for v, g in zip(bs, gb, strict=True):
                    v -= lr * g
            now = nets.pack(Ws, bs)
            value = nets.full_loss(now, X, Y, units, activation=activation, alpha=alpha)
            bad = ~np.isfinite(now).all(axis=1) | (np.abs(now).max(axis=1, initial=0) > BLOWUP) | ~np.isfinite(value)
            stop = ~done & ((value <= target) | bad | (epoch == max_epochs))
            final[stop], loss[stop], epochs[stop] = now[stop], value[stop], epoch
            reached |= stop & (value <= target) & ~bad
            blew |= stop & bad
            done |= stop
            if progress is not None:
                progress(epoch / max_epochs if not done.all() else 1.0)
    loss[blew] = np.inf
    return ToTarget(final, epochs, epochs * per_epoch, loss, reached, blew)
