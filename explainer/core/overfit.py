"""The machinery of the overfitting section: a scikit-learn regressor whose train and test error are
read during training, classifiers fitted to true and to shuffled labels, and the sharpness of a
network's training loss.

- :func:`record_fit` trains an ``MLPRegressor`` exactly as scikit-learn does (its own stopping
  rule switched off) and, at the end of chosen epochs, reads the mean squared error on the
  training and the test points (and keeps the weights of the epochs it will draw). The reading
  happens after the epoch's updates and before the next one (with scikit-learn's ``fit``, in the
  one per-epoch hook its stochastic solvers call, ``_update_no_improvement_count``), so the
  training itself is untouched.
- The section computes live (any seed but the default) without scikit-learn, by numpy engines
  that run scikit-learn's own array operations in the same order and agree with it to rounding
  (``tests/test_overfitting_engines.py``): :func:`adam_full_batch` for the curve fits (full-batch
  Adam, no shuffling; ``record_fit(engine="sklearn")`` runs scikit-learn's ``fit`` instead) and
  :func:`lbfgs_classifier` for the L-BFGS classifiers (scipy's L-BFGS-B on scikit-learn's loss and
  gradient, :class:`_BinaryObjective`; :func:`fit_classifier` is scikit-learn's own).
- :func:`sharpness` is the largest eigenvalue of the Hessian of the training loss at some
  weights, by Lanczos iteration (``scipy.sparse.linalg.eigsh``, ``which="LA"``) on exact
  Hessian-vector products (:meth:`explainer.core.network.NetworkLoss.hvp`), from a seeded start.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from explainer.core import nets
from explainer.core.network import IN_PLACE, NetworkLoss
from explainer.core.special import expit, xlogy
from explainer.core.training import BLOWUP, DERIVATIVES, glorot_init

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
    act = IN_PLACE[model.activation]
    a = np.asarray(X, dtype=float)
    last = len(model.coefs_) - 1
    for k, (W, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        a = _dot(a, W, np.empty((len(a), W.shape[1])))
        a += b
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


class _Weights:
    """The few attributes of a fitted ``MLPRegressor`` that :func:`predict_flat` and the reading in
    :func:`record_fit` use, for the weights of :func:`adam_full_batch` (views, updated in place)."""

    def __init__(self, coefs, intercepts, activation: str):
        self.coefs_, self.intercepts_, self.activation, self.n_iter_ = coefs, intercepts, activation, 0


#: Parameters of ``MLPRegressor`` that :func:`adam_full_batch` reproduces (with their defaults).
_ADAM_DEFAULTS = MappingProxyType(dict(
    hidden_layer_sizes=(100,), activation="relu", solver="adam", alpha=1e-4, learning_rate_init=1e-3,
    batch_size="auto", shuffle=True, random_state=None, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
))  # fmt: skip


def adam_full_batch(X, y, *, epochs: int, on_epoch=None, **params) -> _Weights:
    """``MLPRegressor(**params, max_iter=epochs, tol=0).fit(X, y)`` for full-batch Adam without
    shuffling (``batch_size >= n``, ``shuffle=False``), in numpy without scikit-learn's per-epoch
    overhead: its starting weights (:func:`explainer.core.training.glorot_init`), and each epoch its
    backpropagation (half squared error, ``alpha`` penalty) and Adam step, by the same array
    operations, so the weights agree with scikit-learn's to rounding (see the tests).
    ``on_epoch(weights)`` is called after each epoch's step (``weights.n_iter_`` is the epoch);
    a run whose weights stop being finite ends there (``weights.n_iter_`` tells where)."""
    p = {**_ADAM_DEFAULTS, **params}
    X = np.asarray(X, dtype=float)
    Y = np.asarray(y, dtype=float).reshape(len(X), -1)
    n = len(X)
    batch = min(200, n) if p["batch_size"] == "auto" else int(np.clip(p["batch_size"], 1, n))
    if p["solver"] != "adam" or batch < n or (p["shuffle"] and n > 1) or Y.shape[1] != 1:
        raise ValueError("adam_full_batch covers full-batch Adam without shuffling, one output")
    activation, alpha = p["activation"], float(p["alpha"])
    units = nets.layer_units(p["hidden_layer_sizes"], X.shape[1])
    theta = glorot_init(units, activation, 0 if p["random_state"] is None else int(p["random_state"]))
    grad = np.zeros_like(theta)
    Ws, bs = _views(theta, units)
    gWs, gbs = _views(grad, units)
    hidden, derivative = IN_PLACE[activation], DERIVATIVES[activation]
    b1, b2, eps, lr = float(p["beta_1"]), float(p["beta_2"]), float(p["epsilon"]), float(p["learning_rate_init"])
    m, v, root, step = (np.zeros_like(theta) for _ in range(4))
    model = _Weights(Ws, bs, activation)
    last = len(Ws) - 1
    layers = [X, *(np.empty((n, o)) for o in units[1:])]  # every layer's values, reused each epoch
    deltas = [np.empty((n, o)) for o in units[1:]]
    with np.errstate(all="ignore"):
        for t in range(1, int(epochs) + 1):
            for k in range(last + 1):
                z = _dot(layers[k], Ws[k], layers[k + 1])
                z += bs[k]
                if k < last:
                    hidden(z)
            np.subtract(layers[-1], Y, out=deltas[last])
            for k in range(last, -1, -1):
                delta = deltas[k]
                np.matmul(layers[k].T, delta, out=gWs[k])
                if alpha:  # adding alpha * W = 0 changes nothing
                    gWs[k] += alpha * Ws[k]
                gWs[k] /= n
                np.add.reduce(delta, 0, out=gbs[k])  # np.mean's own sum and division
                gbs[k] /= n
                if k:
                    _dot(delta, Ws[k].T, deltas[k - 1])
                    derivative(layers[k], deltas[k - 1])
            # Adam, as scikit-learn writes it (b1 * m + (1 - b1) * g, ...), in place
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * (grad**2)
            rate = lr * math.sqrt(1 - b2**t) / (1 - b1**t)  # both correctly rounded: np.sqrt's value
            np.sqrt(v, out=root)
            root += eps
            np.multiply(m, -rate, out=step)
            step /= root
            theta += step
            model.n_iter_ = t
            if on_epoch is not None:
                on_epoch(model)
            if t % 64 == 0 and not np.isfinite(theta).all():
                break
    return model


def _dot(a: np.ndarray, W: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``a @ W`` into ``out``; with one inner dimension, as the broadcast product (the same
    numbers: one product per entry, and numpy's matmul is slow at that shape)."""
    if a.shape[1] == 1:
        return np.multiply(a, W, out=out)
    return np.matmul(a, W, out=out)


def _views(theta: np.ndarray, units) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weight matrices and bias vectors of the flat ``theta`` (packed as scikit-learn packs them):
    views, so that writing them writes ``theta``."""
    Ws, bs, at = [], [], 0
    for i, o in pairwise(units):
        Ws.append(theta[at : at + i * o].reshape(i, o))
        at += i * o
    for _, o in pairwise(units):
        bs.append(theta[at : at + o])
        at += o
    return Ws, bs


def record_fit(
    X, y, X_test, y_test, grid, *, epochs: int, marks=None, progress=None, X_val=None, y_val=None,
    engine: str = "numpy", **params,
) -> Recorded:  # fmt: skip
    """Fit ``MLPRegressor(**params, max_iter=epochs)`` on ``(X, y)`` with scikit-learn's stopping
    rule off (``tol=0``), reading the errors at ``marks`` (default :func:`log_marks`). ``grid`` is
    ``(g,)`` inputs of a one-feature curve. The early-stopping epoch is the one of lowest error on
    ``(X_val, y_val)`` if given (else on the test points). ``progress(share)`` is called at each
    mark, if given.

    ``engine="numpy"`` runs full-batch Adam without shuffling in :func:`adam_full_batch` (the
    same run, about ten times faster); any other setting, or ``engine="sklearn"``, runs
    scikit-learn's own ``fit`` and reads it in its per-epoch hook."""
    marks = log_marks(epochs) if marks is None else np.asarray(marks, dtype=int)
    G = np.asarray(grid, dtype=float).reshape(-1, 1)
    seen, train, test, val = [], [], [], []
    judge = X_val is not None
    best = {"err": np.inf, "weights": None}
    lowest = {"err": np.inf, "weights": None}
    # one forward pass per reading over the training, test and validation inputs together
    parts = [np.asarray(X, dtype=float), np.asarray(X_test, dtype=float)]
    parts += [np.asarray(X_val, dtype=float)] if judge else []
    inputs = np.concatenate(parts)
    cuts = np.cumsum([len(q) for q in parts])[:-1]

    def read(m) -> None:
        p_tr, p_te, *p_va = np.split(predict_flat(m, inputs), cuts)
        e_tr, e_te = float(np.mean((p_tr - y) ** 2)), float(np.mean((p_te - y_test) ** 2))
        e_va = float(np.mean((p_va[0] - y_val) ** 2)) if judge else e_te
        seen.append(m.n_iter_)
        train.append(e_tr)
        test.append(e_te)
        val.append(e_va)
        if e_va < best["err"] or e_tr < lowest["err"]:
            weights = _Weights([W.copy() for W in m.coefs_], [b.copy() for b in m.intercepts_], m.activation)
            if e_va < best["err"]:
                best["err"], best["weights"] = e_va, weights
            if e_tr < lowest["err"]:
                lowest["err"], lowest["weights"] = e_tr, weights
        if progress is not None:
            progress(m.n_iter_ / epochs)

    wanted = {int(k) for k in marks}
    finite = True
    p = {**_ADAM_DEFAULTS, **params}
    batch = min(200, len(X)) if p["batch_size"] == "auto" else int(np.clip(p["batch_size"], 1, len(X)))
    if engine == "numpy" and p["solver"] == "adam" and batch >= len(X) and not (p["shuffle"] and len(X) > 1):
        with np.errstate(all="ignore"):
            model = adam_full_batch(X, y, epochs=epochs, on_epoch=lambda m: m.n_iter_ in wanted and read(m), **params)
        finite = model.n_iter_ == int(epochs) and all(np.isfinite(W).all() for W in model.coefs_ + model.intercepts_)
    else:
        from sklearn.exceptions import ConvergenceWarning

        model = _recording_regressor()(**params, max_iter=int(epochs), tol=0.0, n_iter_no_change=int(epochs) + 1)
        model._marks = wanted
        model._read = read
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
        best_curve=predict_flat(best["weights"], G),
        lowest_curve=predict_flat(lowest["weights"], G),
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


@dataclass(frozen=True, eq=False)
class Classifier:
    """A binary classifier fitted by :func:`lbfgs_classifier`: its weights ``theta`` (packed as
    scikit-learn packs them) for ``units`` (input first, one logistic output last) and
    ``activation``, its penalty ``alpha``, and the L-BFGS iterations it took (``n_iter_``, the
    total over its restarts)."""

    units: tuple[int, ...]
    activation: str
    alpha: float
    theta: np.ndarray
    n_iter_: int

    def proba(self, X) -> np.ndarray:
        """The probability of class 1 at ``X (n, d)``: ``(n,)``."""
        Ws, bs = _views(self.theta, self.units)
        a = np.asarray(X, dtype=float)
        hidden, last = IN_PLACE[self.activation], len(Ws) - 1
        for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            a = a @ W
            a += b
            a = hidden(a) if k < last else expit(a, out=a)
        return a[:, 0]

    def score(self, X, y) -> float:
        """Accuracy on ``(X, y)``, as scikit-learn's ``score`` (class 1 where the probability is
        above one half)."""
        return float(np.mean((self.proba(X) > 0.5) == (np.asarray(y) == 1)))

    def loss(self, X, y) -> NetworkLoss:
        """The training loss of this network on ``(X, y)`` as a :class:`NetworkLoss`, at its weights."""
        return classifier_loss(X, y, self.units, self.activation, self.alpha, self.theta)


def classifier_loss(X, y, units, activation: str, alpha: float, theta=None) -> NetworkLoss:
    """scikit-learn's training loss of a binary ``MLPClassifier`` with ``units`` on ``(X, y)``
    (0/1 labels), as :meth:`NetworkLoss.from_model` builds it, without a fitted model;
    ``theta0`` is ``theta`` (default: zeros)."""
    X = np.asarray(X, dtype=float)
    shapes = tuple(pairwise(int(u) for u in units))
    P = nets.n_params(units)
    theta0 = np.zeros(P) if theta is None else np.asarray(theta, dtype=float)
    Y = (np.asarray(y).reshape(-1, 1) == 1).astype(float)
    return NetworkLoss(shapes, activation, "logistic", "binary_log_loss", X, Y, float(alpha), theta0)


class _BinaryObjective:
    """scikit-learn's ``_loss_grad_lbfgs`` for a binary classifier, by its own operations in the
    same order (forward pass, clipped log-loss, ``alpha`` penalty, backpropagation), on
    preallocated arrays: ``(loss, gradient)`` at a flat ``theta``."""

    def __init__(self, X, y, units, activation: str, alpha: float):
        self.X = np.asarray(X, dtype=float)
        self.Y = (np.asarray(y).reshape(-1, 1) == 1).astype(float)
        self.units, self.activation, self.alpha = tuple(units), activation, float(alpha)
        n = len(self.X)
        self.layers = [self.X, *(np.empty((n, o)) for o in self.units[1:])]
        self.deltas = [np.empty((n, o)) for o in self.units[1:]]
        self.grad = np.empty(nets.n_params(self.units))
        self.gWs, self.gbs = _views(self.grad, self.units)

    def __call__(self, theta):
        Ws, bs = _views(np.asarray(theta, dtype=float), self.units)
        layers, deltas, n, alpha = self.layers, self.deltas, len(self.X), self.alpha
        hidden, derivative = IN_PLACE[self.activation], DERIVATIVES[self.activation]
        last = len(Ws) - 1
        for k in range(last + 1):
            z = _dot(layers[k], Ws[k], layers[k + 1])
            z += bs[k]
            hidden(z) if k < last else expit(z, out=z)
        eps = np.finfo(float).eps
        p = np.clip(layers[-1], eps, 1 - eps)
        Y = self.Y
        loss = -np.average(xlogy(Y, p) + xlogy(1 - Y, 1 - p), axis=0).sum()
        values = 0
        for W in Ws:
            w = W.ravel()
            values += np.dot(w, w)
        loss += (0.5 * alpha) * values / n
        np.subtract(layers[-1], Y, out=deltas[last])
        for k in range(last, -1, -1):
            np.matmul(layers[k].T, deltas[k], out=self.gWs[k])
            if alpha:
                self.gWs[k] += alpha * Ws[k]
            self.gWs[k] /= n
            np.add.reduce(deltas[k], 0, out=self.gbs[k])  # np.mean's own sum and division
            self.gbs[k] /= n
            if k:
                _dot(deltas[k], Ws[k].T, deltas[k - 1])
                derivative(layers[k], deltas[k - 1])
        return float(loss), self.grad.copy()


def lbfgs_classifier(
    X, y, *, hidden, activation: str = "relu", alpha: float = 1e-4, max_iter: int = 200, max_fun: int = 15000,
    tol: float = 1e-4, seed: int = 0, restarts: int = 0,
) -> Classifier:  # fmt: skip
    """:func:`fit_classifier` for ``MLPClassifier(solver="lbfgs", hidden_layer_sizes=hidden,
    random_state=seed, ...)`` on 0/1 labels, without scikit-learn: its starting weights
    (:func:`explainer.core.training.glorot_init`) and the same call of scipy's L-BFGS-B
    (``maxiter``, ``maxfun``, ``gtol=tol``) on the same loss and gradient
    (:class:`_BinaryObjective`), restarted from where it stopped up to ``restarts`` times while a
    training point is misclassified, as ``warm_start`` does. The weights agree with
    scikit-learn's to rounding (see the tests); ``n_iter_`` is scikit-learn's count
    (``min(nit, max_iter)`` per fit, summed)."""
    from scipy.optimize import minimize

    X = np.asarray(X, dtype=float)
    units = nets.layer_units(hidden, X.shape[1])
    objective = _BinaryObjective(X, y, units, activation, alpha)
    theta = glorot_init(units, activation, int(seed))
    total = 0
    options = {"maxfun": int(max_fun), "maxiter": int(max_iter), "gtol": float(tol)}
    with np.errstate(all="ignore"):
        for attempt in range(restarts + 1):
            res = minimize(objective, theta, method="L-BFGS-B", jac=True, options=options)
            theta = np.asarray(res.x, dtype=float)
            total += min(int(res.nit), int(max_iter))
            if not np.isfinite(theta).all():
                raise ValueError("Solver produced non-finite parameter weights.")
            fitted = Classifier(units, activation, float(alpha), theta, total)
            if attempt == restarts or fitted.score(X, y) == 1.0:
                return fitted
    raise AssertionError("unreachable")


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
    not touch it). At most ``max_updates`` steps (rounded up to whole epochs). With full batches
    (``batch_size >= n``) the shuffles are skipped: they change only the order of the sums, so
    the weights agree with scikit-learn's to rounding."""
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
    # Full batches: every epoch's one step sees all the points, in an order that changes only the
    # rounding of the sums, so the shuffles are skipped, the points shared by every seed, and the
    # forward pass that gives the next step's gradient gives this epoch's training loss too.
    whole = b >= n
    shared = (X[None], Y[None])
    ahead = nets.batch_gradients(Ws, bs, *shared, activation=activation, alpha=alpha, loss=False) if whole else None
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, max_epochs + 1):
            if done.all():
                break
            if not whole:
                perms = np.stack([rs.permutation(n) for rs in streams])
                order = np.take_along_axis(order, perms, axis=1)
            for lo in range(0, n, b):
                if whole:
                    _, gW, gb = ahead
                else:
                    take = order[:, lo : lo + b]
                    _, gW, gb = nets.batch_gradients(
                        Ws, bs, X[take], Y[take], activation=activation, alpha=alpha, loss=False
                    )
                for W, g in zip(Ws, gW, strict=True):
                    W -= lr * g
                for v, g in zip(bs, gb, strict=True):
                    v -= lr * g
            now = nets.pack(Ws, bs)
            if whole:  # the loss over all n points, penalty over n: full_loss's own sums
                ahead = nets.batch_gradients(Ws, bs, *shared, activation=activation, alpha=alpha, loss=True)
                value = ahead[0]
            else:
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
