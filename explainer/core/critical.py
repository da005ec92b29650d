"""Critical points of a real scikit-learn network, and the full-batch descent runs they start from.

- :func:`gd_path`: an ``MLPClassifier`` trained by plain full-batch gradient descent (scikit-learn's
  ``sgd`` solver, no momentum, one batch of every sample; its steps run in numpy), from its own
  initial weights scaled by ``init_scale``, with a snapshot of its weights every ``every`` epochs.
- :func:`solve_gradient`: a critical point near a start, by Levenberg-Marquardt on ``g(theta) = 0``.
  Each step solves ``(H^2 + mu I) delta = -H g`` (``H`` the exact dense Hessian, symmetric, through
  its eigendecomposition), which is Gauss-Newton on ``|g|^2 / 2`` damped by ``mu``: a step that
  lowers ``|g|`` is kept and ``mu`` shrinks, otherwise ``mu`` grows. Newton's method is attracted
  to saddles as much as to minima, which is the point here; the damping keeps it stable where
  ``H`` is singular (flat directions). It stops once ``|g|`` is below ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from explainer.core import nets
from explainer.core.network import ACTIVATIONS, NetworkLoss
from explainer.core.training import glorot_init

#: Why a search ended: found a critical point, or not.
FOUND, SLOW, STUCK, NOT_FINITE, SATURATED = "found", "slow", "stuck", "not-finite", "saturated"
SEARCH_ENDS = (FOUND, SLOW, STUCK, NOT_FINITE, SATURATED)
#: A search is ``"slow"`` once ``|g|`` has not halved over this many iterations (or after ``max_iter``):
#: it is creeping towards a degenerate point, or has settled where ``|g|`` is small but not zero.
PATIENCE = 8
#: A hidden unit whose input exceeds this on every sample is saturated (tanh is 1 to 1e-15 there),
#: and the gradient through it is zero by round-off, not by balance.
SATURATION = 18.0


@dataclass(frozen=True, eq=False)
class GDPath:
    """Full-batch gradient descent on a scikit-learn network.

    ``thetas[i]`` are the flat weights after ``epochs[i]`` epochs (one step each), start first;
    ``losses`` and ``grad_norms`` are the exact training loss (penalty included) and its gradient
    norm there. ``curve`` is scikit-learn's own ``loss_curve_``: the loss before every epoch's step.
    """

    net: NetworkLoss
    epochs: np.ndarray  # (k,)
    thetas: np.ndarray  # (k, P)
    losses: np.ndarray  # (k,)
    grad_norms: np.ndarray  # (k,)
    curve: np.ndarray  # (epochs,)


def gd_path(
    X,
    y,
    *,
    hidden: tuple[int, ...],
    lr: float,
    epochs: int,
    every: int,
    alpha: float,
    seed: int,
    init_scale: float = 1.0,
    activation: str = "tanh",
) -> GDPath:
    """Train a binary ``MLPClassifier`` by full-batch gradient descent for ``epochs`` epochs from
    scikit-learn's own initial weights for ``random_state=seed`` times ``init_scale``, keeping the
    weights every ``every`` epochs (``epochs`` a multiple of ``every``).

    The steps are scikit-learn's own, run in numpy (:func:`explainer.core.nets.batch_gradients`,
    its ``_backprop`` for one full batch): the same run as ``MLPClassifier(solver="sgd",
    momentum=0, batch_size=n, shuffle=False)`` fitted with warm starts, to round-off
    (``tests/test_saddle_point_analysis.py`` checks it against scikit-learn), without importing
    scikit-learn (over a second of a fresh server's time)."""
    if epochs % every:
        raise ValueError("epochs must be a multiple of every")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    classes = np.unique(y)
    if len(classes) != 2:
        raise ValueError("gd_path trains binary classifiers only")
    Y = (y == classes[1]).astype(float).reshape(-1, 1)  # scikit-learn's label binarizer, two classes
    units = nets.layer_units(hidden, X.shape[1])
    start = init_scale * glorot_init(list(units), activation, seed)
    net = NetworkLoss(
        shapes=tuple(pairwise(units)),
        activation=activation,
        output="logistic",
        loss_name="binary_log_loss",
        X=X,
        Y=Y,
        alpha=float(alpha),
        theta0=start.copy(),
    )
    Ws, bs = nets.unpack(start[None], units)
    Xb, Yb = X[None], Y[None]
    thetas, curve = [start], np.empty(epochs)
    with np.errstate(all="ignore"):
        for epoch in range(epochs):
            loss, gW, gb = nets.batch_gradients(Ws, bs, Xb, Yb, activation=activation, alpha=alpha)
            curve[epoch] = loss[0]
            for W, g in zip(Ws, gW, strict=True):
                W -= lr * g
            for v, g in zip(bs, gb, strict=True):
                v -= lr * g
            if (epoch + 1) % every == 0:
                thetas.append(nets.pack(Ws, bs)[0])
    thetas = np.stack(thetas)
    return GDPath(
        net=net,
        epochs=np.arange(0, epochs + 1, every),
        thetas=thetas,
        losses=net.loss_many(thetas),
        grad_norms=np.array([np.linalg.norm(net.gradient(t)) for t in thetas]),
        curve=curve,
    )


@dataclass(frozen=True, eq=False)
class Search:
    """Where :func:`solve_gradient` ended: ``theta``, ``grad_norm`` there, the ``iterations`` it
    took and why it stopped (``end``, one of :data:`SEARCH_ENDS`)."""

    theta: np.ndarray
    grad_norm: float
    iterations: int
    end: str


def saturated(net: NetworkLoss, theta) -> bool:
    """Whether some hidden unit's input is beyond :data:`SATURATION` on every sample."""
    act, _ = ACTIVATIONS[net.activation]
    Ws, bs = net.unpack(np.asarray(theta, dtype=float))
    a = net.X
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        z = a @ W + b
        if (np.abs(z).min(axis=0) > SATURATION).any():
            return True
        a = act(z)
    return False


def solve_gradient(
    net: NetworkLoss, theta, *, tol: float, max_iter: int = 40, mu: float = 1e-3, tries: int = 40
) -> Search:
    """Levenberg-Marquardt on ``g(theta) = 0`` from ``theta`` (see the module's docstring).

    Each iteration takes one dense Hessian (``net.hessian``) and tries steps with growing damping
    until one lowers ``|g|`` (``"stuck"`` after ``tries`` failures); ``"found"`` once ``|g| < tol``,
    ``"slow"`` when ``|g|`` stops falling fast (:data:`PATIENCE`) or after ``max_iter`` iterations.
    A point whose gradient vanishes only because a unit is saturated is ``"saturated"``.
    """
    theta = np.asarray(theta, dtype=float).copy()
    g = net.gradient(theta)
    gn = float(np.linalg.norm(g))
    history = []
    for it in range(max_iter + 1):
        if not np.isfinite(gn):
            return Search(theta, gn, it, NOT_FINITE)
        if gn < tol:
            return Search(theta, gn, it, SATURATED if saturated(net, theta) else FOUND)
        history.append(gn)
        if it == max_iter or (it >= 2 * PATIENCE and gn > 0.5 * history[-1 - PATIENCE]):
            return Search(theta, gn, it, SLOW)
        lam, V = np.linalg.eigh(net.hessian(theta))
        gv = V.T @ g
        for _ in range(tries):
            trial = theta - V @ (lam * gv / (lam * lam + mu))
            g_trial = net.gradient(trial)
            gn_trial = float(np.linalg.norm(g_trial))
            if np.isfinite(gn_trial) and gn_trial < gn:
                theta, g, gn = trial, g_trial, gn_trial
                mu = max(mu / 4, 1e-15)
                break
            mu *= 4
        else:
            return Search(theta, gn, it, STUCK)
    raise AssertionError("unreachable")
