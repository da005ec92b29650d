"""Small scikit-learn networks trained by plain gradient descent, and one update taken apart.

The descent section shows the three steps of learning on a real ``MLPClassifier``: the forward
pass, the loss, and one step against the gradient. Full-batch SGD without momentum in
scikit-learn is exactly gradient descent, so the gradient of any weight can be read off
scikit-learn's own update (``-change / lr``) and checked against a finite difference of the loss
computed here.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_circles, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from explainer.core.network import NetworkLoss


def _spirals(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    t = np.sqrt(rng.uniform(size=n)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
    y = (np.arange(n) >= n // 2).astype(int)  # the second arm is the first turned half a circle
    X = np.where(y[:, None] == 1, -arm, arm) + noise * rng.standard_normal((n, 2)) / 3
    return X, y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X + noise * rng.standard_normal((n, 2)) / 2, y


DATASETS = {
    "moons": lambda n, noise, rng: make_moons(n, noise=noise, random_state=int(rng.integers(2**31))),
    "circles": lambda n, noise, rng: make_circles(
        n, noise=noise / 2, factor=0.5, random_state=int(rng.integers(2**31))
    ),
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
