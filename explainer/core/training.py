"""Small scikit-learn networks trained by plain gradient descent, and one update taken apart.

The descent section shows the three steps of learning on a real ``MLPClassifier``: the forward
pass, the loss, and one step against the gradient. Full-batch SGD without momentum in
scikit-learn is exactly gradient descent, so the gradient of any weight can be read off
scikit-learn's own update (``-change / lr``) and checked against a finite difference of the loss
computed here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from explainer.core.network import IN_PLACE, NetworkLoss, flat_weights
from explainer.core.special import expit, xlogy

if TYPE_CHECKING:
    from sklearn.neural_network import MLPClassifier

# scikit-learn is imported inside the functions that fit: importing it (with scipy.stats) takes
# about 1.7 s, and a fresh server draws every default view from precomputed files without it.


def _spirals(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    t = np.sqrt(rng.uniform(size=n)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
    y = (np.arange(n) >= n // 2).astype(int)  # the second arm is the first turned half a circle
    X = np.where(y[:, None] == 1, -arm, arm) + noise * rng.standard_normal((n, 2)) / 3
    return X, y


def _shuffled_noisy(X, y, noise, random_state: int):
    """scikit-learn's ending of ``make_moons`` and ``make_circles``: one ``RandomState`` shuffles
    the points (``sklearn.utils.shuffle``: ``shuffle`` of ``arange(n)``, then indexing), then adds
    its normal noise. The same draws in the same order give the same numbers without importing
    scikit-learn (about 1.5 s)."""
    rs = np.random.RandomState(random_state)
    order = np.arange(len(X))
    rs.shuffle(order)
    X, y = X[order], y[order]
    if noise is not None:
        X += rs.normal(scale=noise, size=X.shape)
    return X, y


def _moons(n: int, noise: float | None = None, random_state: int = 0):
    """``sklearn.datasets.make_moons(n, noise=noise, random_state=random_state)``, in numpy."""
    n_out = n // 2
    n_in = n - n_out
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(outer), 1 - np.cos(inner)), np.append(np.sin(outer), 1 - np.sin(inner) - 0.5)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return _shuffled_noisy(X, y, noise, random_state)


def _circles(n: int, noise: float | None = None, factor: float = 0.8, random_state: int = 0):
    """``sklearn.datasets.make_circles(n, noise=noise, factor=factor, random_state=random_state)``, in numpy."""
    n_out = n // 2
    n_in = n - n_out
    outer = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    inner = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack(
        [np.append(np.cos(outer), np.cos(inner) * factor), np.append(np.sin(outer), np.sin(inner) * factor)]
    ).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return _shuffled_noisy(X, y, noise, random_state)


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X + noise * rng.standard_normal((n, 2)) / 2, y


DATASETS = {
    "moons": lambda n, noise, rng: _moons(n, noise=noise, random_state=int(rng.integers(2**31))),
    "circles": lambda n, noise, rng: _circles(n, noise=noise / 2, factor=0.5, random_state=int(rng.integers(2**31))),
    "xor": _xor,
    "spirals": _spirals,
}


def make_dataset(name: str, n: int = 200, noise: float = 0.2, seed: int = 0):
    """Two-class points in the plane: ``X (n, 2)`` and labels ``y (n,)`` in {0, 1}."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(DATASETS)}")
    X, y = DATASETS[name](n, noise, np.random.default_rng(seed))
    return np.asarray(X, dtype=float), np.asarray(y, dtype=int)


def gd_classifier(
    n_samples: int, hidden=(8,), lr: float = 0.1, epochs: int = 1, seed: int = 0, **kwargs
) -> MLPClassifier:
    """An ``MLPClassifier`` for which one epoch over ``n_samples`` points is one plain gradient step."""
    params = dict(
        hidden_layer_sizes=hidden,
        activation="tanh",
        solver="sgd",
        learning_rate="constant",
        learning_rate_init=lr,
        momentum=0.0,
        batch_size=n_samples,
        shuffle=False,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        alpha=1e-4,
        random_state=seed,
    )
    params.update(kwargs)
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(**params)


@dataclass(frozen=True)
class LossCurve:
    """Training loss after each epoch of gradient descent (``losses[k]`` is taken before step k+1)."""

    lr: float
    losses: np.ndarray
    diverged_at: int | None


def train_curve(X, y, *, lr: float, epochs: int, hidden=(8,), seed: int = 0) -> LossCurve:
    """Fit by full-batch gradient descent and return the loss per epoch.

    The run is :func:`gd_classifier`'s ``fit``, done in numpy by :func:`_stochastic_run` (the
    same steps and the same ``loss_curve_``, without importing scikit-learn). A run whose
    weights or loss stop being finite is cut at the last finite epoch and reported with
    ``diverged_at`` (the first epoch whose loss is missing or non-finite).
    """
    net = _binary_net(X, y, hidden, "tanh", seed)
    with np.errstate(all="ignore"):
        _, blew, losses = _stochastic_run(
            net, net.theta0, solver="sgd", lr=lr, epochs=epochs, batch_size=len(X), shuffle=False, momentum=0.0,
            stop=False, curve=True,
        )  # fmt: skip
    finished = blew is None  # scikit-learn raises at the end otherwise
    finite = np.isfinite(losses) & (losses < 1e6)
    cut = int(np.argmin(finite)) if not finite.all() else len(losses)
    diverged = (not finished) or cut < len(losses)
    return LossCurve(lr=lr, losses=losses[:cut], diverged_at=cut if diverged else None)


def forward(model: MLPClassifier, X) -> list[np.ndarray]:
    """Activations of every layer for inputs ``X (n, 2)``: ``[X, hidden..., output probability]``."""
    net = NetworkLoss.from_model(model, X[:1], np.asarray(model.classes_[:1]))
    return net.activations(net.theta0, X)


def log_loss(model: MLPClassifier, X, y) -> float:
    """The loss a binary ``MLPClassifier`` minimises: mean log-loss plus its L2 penalty."""
    net = NetworkLoss.from_model(model, X, y)
    return net.loss(net.theta0)


@dataclass(frozen=True)
class Update:
    """One gradient-descent step on one weight, taken apart.

    ``activations`` is the forward pass of ``sample`` (input, hidden layer, output probability);
    ``grad_sklearn`` is read off scikit-learn's own step and ``grad_fd`` is a central finite
    difference of :func:`log_loss`; ``loss_predicted`` is the first-order prediction
    ``loss_before - lr * |gradient|^2`` over all weights.
    """

    lr: float
    sample: int
    x: np.ndarray
    label: int
    hidden: np.ndarray
    probability: float
    sample_loss: float
    weight_before: float
    weight_after: float
    grad_sklearn: float
    grad_fd: float
    loss_before: float
    loss_after: float
    loss_predicted: float
    grad_norm: float

    @property
    def first_order_holds(self) -> bool:
        """Whether the step is small enough for the gradient's prediction to mean something: the
        predicted drop is under half the loss, and the prediction lands within 20% of the result."""
        drop = self.loss_before - self.loss_predicted
        return drop < 0.5 * self.loss_before and abs(self.loss_after - self.loss_predicted) < 0.2 * drop


def _binary_net(X, y, hidden, activation: str, seed: int, alpha: float = 1e-4) -> NetworkLoss:
    """The loss of a binary ``MLPClassifier`` on ``(X, y)`` (labels 0 and 1) at scikit-learn's
    starting weights for ``random_state=seed``, built without scikit-learn."""
    X = np.asarray(X, dtype=float)
    units = (X.shape[1], *(int(h) for h in hidden), 1)
    return NetworkLoss(
        shapes=tuple(pairwise(units)),
        activation=activation,
        output="logistic",
        loss_name="binary_log_loss",
        X=X,
        Y=(np.asarray(y) == 1).astype(float).reshape(-1, 1),
        alpha=float(alpha),
        theta0=glorot_init(units, activation, seed),
    )


def one_update(
    X, y, *, lr: float, hidden=(8,), seed: int = 0, sample: int = 0, warmup: int = 1, warmup_lr: float = 0.3
) -> Update:
    """Take ``warmup`` steps of size ``warmup_lr``, then dissect the next step, of size ``lr``, for
    the weight from input 1 to hidden unit 1.

    The warm-up step size is fixed so that the state before the dissected step (the forward
    pass and the loss) is the same whatever ``lr`` the reader picks; only the step changes.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    net = _binary_net(X, y, hidden, "tanh", seed)
    gd = dict(solver="sgd", batch_size=len(X), shuffle=False, momentum=0.0)  # gd_classifier's partial_fit
    with np.errstate(all="ignore"):
        before = _stochastic_run(net, net.theta0, lr=warmup_lr, epochs=max(warmup, 1), stop=False, **gd)[0][-1]
        after = _stochastic_run(net, before, lr=lr, epochs=1, stop=False, **gd)[0][-1]
    net = dataclasses.replace(net, theta0=before)
    grad_norm = float(np.sqrt(np.sum((after - before) ** 2))) / lr
    w0, w1 = float(before[0]), float(after[0])  # weight input 1 -> unit 1 comes first in theta
    h, first = 1e-6, np.eye(1, net.n_params)[0]
    up, down = net.loss(net.theta0 + h * first), net.loss(net.theta0 - h * first)
    layers = net.activations(net.theta0, X[sample : sample + 1])
    p = float(layers[-1][0, 0])
    label = int(y[sample])
    loss_before = net.loss(net.theta0)
    return Update(
        lr=lr,
        sample=sample,
        x=X[sample].copy(),
        label=label,
        hidden=layers[1][0].copy(),
        probability=p,
        sample_loss=float(-np.log(p if label == 1 else 1 - p)),
        weight_before=w0,
        weight_after=w1,
        grad_sklearn=-(w1 - w0) / lr,
        grad_fd=(up - down) / (2 * h),
        loss_before=loss_before,
        loss_after=net.loss(after),
        loss_predicted=loss_before - lr * grad_norm**2,
        grad_norm=grad_norm,
    )


# ----- training runs with weight snapshots (the landscape section and later experiments) ---------


def _curve_sine(n: int, noise: float, rng: np.random.Generator):
    x = rng.uniform(-1, 1, size=n)
    return x, np.sin(np.pi * x)


def _curve_wiggle(n: int, noise: float, rng: np.random.Generator):
    x = rng.uniform(-1, 1, size=n)
    return x, np.sin(4 * x) * np.exp(-x * x) + 0.5 * x


def _curve_step(n: int, noise: float, rng: np.random.Generator):
    x = rng.uniform(-1, 1, size=n)
    return x, np.where(x > 0.2, 0.8, -0.4)


CURVES = {"sine": _curve_sine, "wiggle": _curve_wiggle, "step": _curve_step}


def make_curve(name: str, n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy samples of a 1-D curve for regression: ``X (n, 1)`` and targets ``y (n,)``."""
    if name not in CURVES:
        raise ValueError(f"unknown curve {name!r}; choose one of {sorted(CURVES)}")
    rng = np.random.default_rng(seed)
    x, y = CURVES[name](n, noise, rng)
    return x[:, None].astype(float), (y + noise * rng.standard_normal(n)).astype(float)


SOLVERS = ("adam", "sgd", "lbfgs")
#: Weights larger than this mean a run has blown up (as in ``explainer.core.optimize``).
BLOWUP = 1e8


def glorot_init(layer_units, activation: str, seed: int) -> np.ndarray:
    """The flat starting weights scikit-learn draws for ``random_state=seed`` (Glorot uniform, in
    its order: each layer's matrix then its biases), packed as :class:`NetworkLoss` packs them."""
    rng = np.random.RandomState(seed)
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in pairwise(layer_units):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)).ravel())
        intercepts.append(rng.uniform(-bound, bound, fan_out))
    return np.concatenate(coefs + intercepts)


@dataclass(frozen=True, eq=False)
class TrainingPath:
    """A network's weights during training.

    ``thetas[k]`` are the flat weights after ``epochs[k]`` epochs (L-BFGS: iterations), starting
    with the initial weights at 0; ``losses[k]`` is the exact full-batch training loss there
    (penalty included). ``net`` is the loss at the last snapshot and :attr:`model` the fitted
    scikit-learn network there. ``diverged_at`` is the first epoch whose weights were no longer
    finite, if any.
    """

    net: NetworkLoss
    solver: str
    epochs: np.ndarray
    thetas: np.ndarray
    losses: np.ndarray
    diverged_at: int | None
    #: How to build :attr:`model`: the estimator's class name and parameters (runs trained in numpy).
    spec: tuple = ()
    #: The fitted estimator, when scikit-learn trained the run (L-BFGS).
    fitted: object = None
    #: A classifier's classes, as scikit-learn sorts them.
    classes: np.ndarray | None = None

    @property
    def n_params(self) -> int:
        return self.net.n_params

    @property
    def model(self):
        """The fitted scikit-learn estimator with the last snapshot's weights. A run trained in
        numpy builds it on first use (it imports scikit-learn): one epoch of the same estimator
        sets up its attributes, then the weights are replaced by the run's own."""
        if self.fitted is None:
            object.__setattr__(self, "fitted", _estimator_at(self, *self.spec))
        return self.fitted


def _estimator_at(path: TrainingPath, regression: bool, params: dict):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    net = path.net
    model = (MLPRegressor if regression else MLPClassifier)(**{**params, "max_iter": 1})
    y = net.Y[:, 0] if regression else path.classes[(net.Y[:, 0] > 0.5).astype(int)]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        with contextlib.suppress(ValueError):  # a diverging run's step; the weights are set below all the same
            model.partial_fit(net.X, y, **({} if regression else {"classes": path.classes}))
    Ws, bs = net.unpack(path.thetas[-1])
    model.coefs_, model.intercepts_ = [W.copy() for W in Ws], [b.copy() for b in bs]
    return model


def _lbfgs_checkpoints(epochs: int) -> list[int]:
    """Iteration counts at which an L-BFGS run is re-fitted: doubling, so the total work is about
    twice one run's."""
    points, k = [], 1
    while k < epochs:
        points.append(k)
        k *= 2
    return [*points, epochs]


#: scikit-learn's defaults for its stochastic solvers: Adam's betas and epsilon, sgd's Nesterov momentum.
ADAM_BETAS, ADAM_EPS, SGD_MOMENTUM = (0.9, 0.999), 1e-8, 0.9

#: scikit-learn's in-place derivatives of the hidden activations (``delta`` times the derivative,
#: written in terms of the activation's output ``a``), by the same operations.
DERIVATIVES = MappingProxyType(
    {
        "identity": lambda a, delta: None,
        "tanh": lambda a, delta: np.multiply(delta, 1 - a**2, out=delta),
        "logistic": lambda a, delta: (np.multiply(delta, a, out=delta), np.multiply(delta, 1 - a, out=delta)),
        "relu": lambda a, delta: np.putmask(delta, a == 0, 0),
    }
)


def _stochastic_run(
    net: NetworkLoss,
    start,
    *,
    solver: str,
    lr: float,
    epochs: int,
    batch_size: int,
    seed: int = 0,
    shuffle: bool = True,
    momentum: float = SGD_MOMENTUM,
    stop: bool = True,
    curve: bool = False,
):
    """scikit-learn's ``partial_fit`` once per epoch, in numpy, for Adam or sgd (constant step,
    Nesterov ``momentum``): the snapshots after each epoch ``(k, P)``, the first epoch after which
    the weights were no longer finite (``None`` if they stayed finite) and, with ``curve``, its
    ``loss_curve_`` (each epoch's batch losses before their steps, weighted by batch length).
    ``stop`` ends the run there, as ``partial_fit`` raises; ``fit`` runs on to the end.

    Each ``partial_fit`` makes a fresh ``RandomState(seed)``: the first epoch's shuffle follows the
    draws of the initial weights, every later epoch shuffles ``arange(n)`` with that fresh state,
    so all of them visit the samples in one same order. Each batch runs scikit-learn's
    ``_backprop`` (forward pass, ``delta = output - y``, gradients ``(a.T @ delta + alpha W) / b``
    and summed deltas over ``b``) and its optimiser's update, operation for operation, so the
    weights agree with scikit-learn's to the last bit on the same machine (tests/test_training.py)."""
    X, Y = net.X, net.Y
    n = len(X)
    theta = np.array(start, dtype=float)
    grad = np.empty_like(theta)
    Ws, bs = net.unpack(theta)  # views: updating theta updates them
    gWs, gbs = net.unpack(grad)
    hidden, derivative = IN_PLACE[net.activation], DERIVATIVES[net.activation]
    last = len(Ws) - 1
    batches = [slice(lo, min(lo + batch_size, n)) for lo in range(0, n, batch_size)]
    if shuffle:
        first = np.random.RandomState(seed)
        first.random_sample(theta.size)  # the initial weights' draws, one double per weight
        orders = [first.permutation(n), np.random.RandomState(seed).permutation(n)]
        feeds = [[(X[order[s]], Y[order[s]]) for s in batches] for order in orders]
    else:
        feeds = [[(X[s], Y[s]) for s in batches]] * 2
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    (b1, b2), t = ADAM_BETAS, 0
    thetas, diverged, losses = [], None, []
    eps = np.finfo(float).eps
    for epoch in range(1, epochs + 1):
        total = 0.0
        for Xb, Yb in feeds[min(epoch, 2) - 1]:
            layers = [Xb]
            for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
                z = layers[-1] @ W
                z += b
                layers.append(hidden(z) if k < last else (expit(z, out=z) if net.output == "logistic" else z))
            nb = len(Xb)
            if curve:
                p = layers[-1]
                if net.loss_name == "squared_error":
                    loss = ((Yb - p) ** 2).mean() / 2
                else:
                    p = np.clip(p, eps, 1 - eps)
                    loss = -(xlogy(Yb, p) + xlogy(1 - Yb, 1 - p)).mean(axis=0).sum()
                loss += (0.5 * net.alpha) * sum(np.dot(W.ravel(), W.ravel()) for W in Ws) / nb
                total += loss * nb
            delta = layers[-1] - Yb
            for k in range(last, -1, -1):
                np.matmul(layers[k].T, delta, out=gWs[k])
                gWs[k] += net.alpha * Ws[k]
                gWs[k] /= nb
                gbs[k][...] = np.sum(delta, axis=0) / nb
                if k:
                    delta = delta @ Ws[k].T
                    derivative(layers[k], delta)
            if solver == "adam":
                t += 1
                m = b1 * m + (1 - b1) * grad
                v = b2 * v + (1 - b2) * (grad**2)
                step = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
                theta += -step * m / (np.sqrt(v) + ADAM_EPS)
            else:  # m holds the velocities
                m = momentum * m - lr * grad
                theta += momentum * m - lr * grad
        losses.append(total / n)
        if diverged is None and not np.isfinite(theta).all():  # "Solver produced non-finite parameter weights"
            diverged = epoch
            if stop:
                break
        thetas.append(theta.copy())
    return thetas, diverged, np.array(losses)


def train_path(
    X,
    y,
    *,
    hidden=(64, 64),
    activation: str = "relu",
    solver: str = "adam",
    lr: float = 0.01,
    epochs: int = 100,
    batch_size: int = 50,
    alpha: float = 1e-4,
    seed: int = 0,
    regression: bool = False,
) -> TrainingPath:
    """Fit an ``MLPClassifier`` (or ``MLPRegressor``) and keep its weights along the way.

    Stochastic solvers (``"adam"``, ``"sgd"``: scikit-learn's defaults, Nesterov momentum 0.9
    for sgd) take one ``partial_fit`` per epoch and are snapshotted after each: for a binary
    classifier or a one-output regressor this runs in numpy (:func:`_stochastic_run`, the same
    arithmetic without scikit-learn's per-call overhead or its import), otherwise in
    scikit-learn. L-BFGS has no per-iteration hook, so it is re-fitted from the same start for a
    doubling series of iteration budgets (deterministic: each run repeats the last one's
    iterations). The same ``seed`` gives the same run.
    """
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {SOLVERS}")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    params = dict(
        hidden_layer_sizes=tuple(hidden),
        activation=activation,
        solver=solver,
        alpha=alpha,
        batch_size=min(batch_size, len(X)),
        learning_rate_init=lr,
        random_state=seed,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
    )
    if solver == "lbfgs":
        del params["batch_size"], params["learning_rate_init"]
    classes = None if regression else np.unique(y)
    units = [X.shape[1], *hidden, 1]
    start = glorot_init(units, activation, seed)
    numpy_run = solver != "lbfgs" and activation in IN_PLACE and (regression or len(classes) == 2)
    if regression and y.ndim > 1 and y.shape[1] > 1:
        numpy_run = False
    model = None
    if numpy_run:
        net = NetworkLoss(
            shapes=tuple(pairwise(units)),
            activation=activation,
            output="identity" if regression else "logistic",
            loss_name="squared_error" if regression else "binary_log_loss",
            X=X,
            Y=(y.astype(float) if regression else (y == classes[-1]).astype(float)).reshape(len(X), 1),
            alpha=float(alpha),
            theta0=start,
        )
        with np.errstate(all="ignore"):
            thetas, diverged, _ = _stochastic_run(
                net, start, solver=solver, lr=lr, epochs=epochs, batch_size=min(batch_size, len(X)), seed=seed
            )
        marks = list(range(1, len(thetas) + 1))
    else:
        model, net, thetas, marks, diverged = _sklearn_run(X, y, params, solver, epochs, regression, classes)
        units = [X.shape[1], *hidden, model.n_outputs_]
        start = glorot_init(units, activation, seed)
    thetas = np.stack([start, *thetas])
    with np.errstate(all="ignore"):
        losses = net.loss_many(thetas)
    # Weights can stay finite while the loss overflows: the run has blown up all the same.
    bad = ~np.isfinite(losses) | (np.abs(thetas).max(axis=1) > BLOWUP)
    marks = np.array([0, *marks])
    if bad.any():
        cut = max(int(np.argmax(bad)), 1)
        diverged = int(marks[cut])
        thetas, losses, marks = thetas[:cut], losses[:cut], marks[:cut]
        if model is not None:
            Ws, bs = net.unpack(thetas[-1])
            model.coefs_, model.intercepts_ = [W.copy() for W in Ws], [b.copy() for b in bs]
    net = dataclasses.replace(net, theta0=thetas[-1])
    return TrainingPath(
        net=net,
        solver=solver,
        epochs=marks,
        thetas=thetas,
        losses=losses,
        diverged_at=diverged,
        spec=(regression, params),
        fitted=model,
        classes=classes,
    )


def _sklearn_run(X, y, params, solver, epochs, regression, classes):
    """:func:`train_path`'s run in scikit-learn itself: L-BFGS, and what the numpy run does not cover."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPRegressor if regression else MLPClassifier
    thetas, marks, model, diverged = [], [], None, None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        if solver == "lbfgs":
            for k in _lbfgs_checkpoints(epochs):
                model = cls(**{**params, "max_iter": k}).fit(X, y)
                thetas.append(flat_weights(model))
                marks.append(k)
        else:
            model = cls(**params)
            for k in range(1, epochs + 1):
                try:
                    model.partial_fit(X, y, **({} if regression else {"classes": classes}))
                except ValueError:  # "Solver produced non-finite parameter weights"
                    diverged = k
                    break
                theta = flat_weights(model)
                if not np.isfinite(theta).all():
                    diverged = k
                    break
                thetas.append(theta)
                marks.append(k)
    if model is None or not hasattr(model, "coefs_"):
        raise ValueError("training produced no weights")
    return model, NetworkLoss.from_model(model, X, y), thetas, marks, diverged
