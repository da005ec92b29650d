"""Small scikit-learn networks trained by plain gradient descent, and one update taken apart.

The descent section shows the three steps of learning on a real ``MLPClassifier``: the forward
pass, the loss, and one step against the gradient. Full-batch SGD without momentum in
scikit-learn is exactly gradient descent, so the gradient of any weight can be read off
scikit-learn's own update (``-change / lr``) and checked against a finite difference of the loss
computed here.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from explainer.core.network import NetworkLoss, flat_weights

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


def _moons(n: int, **kwargs):
    from sklearn.datasets import make_moons

    return make_moons(n, **kwargs)


def _circles(n: int, **kwargs):
    from sklearn.datasets import make_circles

    return make_circles(n, **kwargs)


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

    A run whose weights or loss stop being finite is cut at the last finite epoch and reported
    with ``diverged_at`` (the first epoch whose loss is missing or non-finite).
    """
    from sklearn.exceptions import ConvergenceWarning

    model = gd_classifier(len(X), hidden, lr=lr, epochs=epochs, seed=seed)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            model.fit(X, y)
            finished = True
        except ValueError:  # "Solver produced non-finite parameter weights"
            finished = False
    losses = np.asarray(getattr(model, "loss_curve_", []), dtype=float)
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


def one_update(
    X, y, *, lr: float, hidden=(8,), seed: int = 0, sample: int = 0, warmup: int = 1, warmup_lr: float = 0.3
) -> Update:
    """Take ``warmup`` steps of size ``warmup_lr``, then dissect the next step, of size ``lr``, for
    the weight from input 1 to hidden unit 1.

    The warm-up step size is fixed so that the state before the dissected step (the forward
    pass and the loss) is the same whatever ``lr`` the reader picks; only the step changes.
    """
    from sklearn.exceptions import ConvergenceWarning

    model = gd_classifier(len(X), hidden, lr=warmup_lr, epochs=1, seed=seed)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(max(warmup, 1)):
            model.partial_fit(X, y, classes=[0, 1])
        before = copy.deepcopy(model)
        model.learning_rate_init = lr
        if hasattr(model, "_optimizer"):
            del model._optimizer  # scikit-learn builds a new one, with the new step size, on the next call
        model.partial_fit(X, y, classes=[0, 1])
    deltas = [a - b for a, b in zip(model.coefs_ + model.intercepts_, before.coefs_ + before.intercepts_, strict=True)]
    grad_norm = float(np.sqrt(sum(np.sum(d * d) for d in deltas))) / lr
    w0, w1 = float(before.coefs_[0][0, 0]), float(model.coefs_[0][0, 0])
    net = NetworkLoss.from_model(before, X, y)
    h, first = 1e-6, np.eye(1, net.n_params)[0]  # weight input 1 -> unit 1 comes first in theta
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
        loss_after=log_loss(model, X, y),
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
    (penalty included). ``model`` is the fitted network at the last snapshot and ``net`` its loss.
    ``diverged_at`` is the first epoch whose weights were no longer finite, if any.
    """

    model: object
    net: NetworkLoss
    solver: str
    epochs: np.ndarray
    thetas: np.ndarray
    losses: np.ndarray
    diverged_at: int | None

    @property
    def n_params(self) -> int:
        return self.net.n_params


def _lbfgs_checkpoints(epochs: int) -> list[int]:
    """Iteration counts at which an L-BFGS run is re-fitted: doubling, so the total work is about
    twice one run's."""
    points, k = [], 1
    while k < epochs:
        points.append(k)
        k *= 2
    return [*points, epochs]


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
    for sgd) take one ``partial_fit`` per epoch and are snapshotted after each. L-BFGS has no
    per-iteration hook, so it is re-fitted from the same start for a doubling series of
    iteration budgets (deterministic: each run repeats the last one's iterations). The same
    ``seed`` gives the same run.
    """
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {SOLVERS}")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPRegressor if regression else MLPClassifier
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
            classes = None if regression else np.unique(y)
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
    units = [X.shape[1], *hidden, model.n_outputs_]
    start = glorot_init(units, activation, seed)
    thetas = np.stack([start, *thetas])
    net = NetworkLoss.from_model(model, X, y)
    with np.errstate(all="ignore"):
        losses = net.loss_many(thetas)
    # Weights can stay finite while the loss overflows: the run has blown up all the same.
    bad = ~np.isfinite(losses) | (np.abs(thetas).max(axis=1) > BLOWUP)
    marks = np.array([0, *marks])
    if bad.any():
        cut = max(int(np.argmax(bad)), 1)
        diverged = int(marks[cut])
        thetas, losses, marks = thetas[:cut], losses[:cut], marks[:cut]
        Ws, bs = net.unpack(thetas[-1])
        model.coefs_, model.intercepts_ = [W.copy() for W in Ws], [b.copy() for b in bs]
    net = dataclasses.replace(net, theta0=thetas[-1])
    return TrainingPath(
        model=model,
        net=net,
        solver=solver,
        epochs=marks,
        thetas=thetas,
        losses=losses,
        diverged_at=diverged,
    )
