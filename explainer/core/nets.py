"""Many seeds of one small scikit-learn network, trained side by side in numpy.

``MLPClassifier(solver="sgd", momentum=0, learning_rate="constant")`` fitted with ``partial_fit``
once per seed is far too slow for hundreds of seeds; :func:`train_seeds` runs every seed at once
(one stack of weight matrices, batched matrix products) and reproduces scikit-learn's run for each:

- the starting weights are scikit-learn's own for ``random_state=seed`` (Glorot uniform,
  :func:`explainer.core.training.glorot_init`), unless a start is given;
- every epoch reshuffles the sample order exactly as scikit-learn does (its ``RandomState``,
  advanced past the initial draws, shuffles the previous epoch's order), then walks through it in
  consecutive batches of ``batch_size`` (the last one shorter if ``n`` is not a multiple);
- on each batch of ``b`` samples the loss is scikit-learn's: mean binary log-loss plus
  ``alpha / 2 * ||W||^2 / b`` over the weight matrices, its gradient by backpropagation, and the
  step ``theta - lr * gradient`` (momentum 0).

Only binary classifiers (one logistic output) are covered, which is what the sections train.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from explainer.core.network import ACTIVATIONS, IN_PLACE
from explainer.core.special import expit
from explainer.core.training import BLOWUP, glorot_init


def layer_units(hidden, n_features: int = 2) -> tuple[int, ...]:
    """Units per layer, input first and the single output last."""
    return (int(n_features), *(int(h) for h in hidden), 1)


def n_params(units) -> int:
    return sum(i * o + o for i, o in pairwise(units))


def unpack(thetas: np.ndarray, units) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weight matrices ``(S, fan_in, fan_out)`` and biases ``(S, fan_out)`` of ``thetas (S, P)``,
    packed as scikit-learn packs them (every matrix row-major, then every bias): copies."""
    Ws, bs, at = [], [], 0
    S = len(thetas)
    for i, o in pairwise(units):
        Ws.append(thetas[:, at : at + i * o].reshape(S, i, o).copy())
        at += i * o
    for _, o in pairwise(units):
        bs.append(thetas[:, at : at + o].copy())
        at += o
    return Ws, bs


def pack(Ws, bs) -> np.ndarray:
    """The inverse of :func:`unpack`: ``(S, P)``."""
    S = len(Ws[0])
    return np.concatenate([W.reshape(S, -1) for W in Ws] + list(bs), axis=1)


def _forward(Ws, bs, X, activation: str) -> list[np.ndarray]:
    """Every layer's values for inputs ``X (S, b, d)`` (or ``(b, d)``, shared by all seeds)."""
    hidden = IN_PLACE[activation]
    layers = [X]
    last = len(Ws) - 1
    for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        z = layers[-1] @ W
        z += b[:, None, :]
        layers.append(expit(z, out=z) if k == last else hidden(z))
    return layers


def _data_loss(p, Y) -> np.ndarray:
    """scikit-learn's ``binary_log_loss`` per seed: ``p, Y (S, b, 1)`` -> ``(S,)``. For 0/1 labels
    its ``xlogy(y, p) + xlogy(1 - y, 1 - p)`` is exactly ``log(p)`` or ``log(1 - p)`` (the other
    term is an exact zero), so one logarithm per sample gives each sample's value bit for bit."""
    eps = np.finfo(float).eps
    p = np.clip(p, eps, 1 - eps)
    return -np.log(np.where(Y > 0.5, p, 1 - p)).mean(axis=1).sum(axis=-1)


def _penalty(Ws, alpha: float, b: int) -> np.ndarray:
    return 0.5 * alpha * sum((W * W).sum(axis=(1, 2)) for W in Ws) / b


def batch_gradients(Ws, bs, Xb, Yb, *, activation: str, alpha: float, loss: bool = True):
    """scikit-learn's ``_backprop`` for every seed at once on a batch ``Xb (S, b, d)``, ``Yb (S, b, 1)``
    (a leading axis of 1 is shared by every seed): the batch loss ``(S,)`` (``None`` unless ``loss``)
    and the gradients of every weight matrix and bias (lists shaped like ``Ws`` and ``bs``)."""
    b = Xb.shape[-2]
    layers = _forward(Ws, bs, Xb, activation)
    value = _data_loss(layers[-1], Yb) + _penalty(Ws, alpha, b) if loss else None
    _, derivative = ACTIVATIONS[activation]
    ones = np.ones((1, 1, b))
    delta = layers[-1] - Yb
    gW, gb = [None] * len(Ws), [None] * len(Ws)
    for k in range(len(Ws) - 1, -1, -1):
        g = np.swapaxes(layers[k], -1, -2) @ delta
        g += alpha * Ws[k]
        g /= b
        gW[k], gb[k] = g, (ones @ delta)[:, 0, :] / b  # a sum over the batch (faster than .sum(axis=-2))
        if k:
            delta = (delta @ np.swapaxes(Ws[k], -1, -2)) * derivative(layers[k])
    return value, gW, gb


def full_loss(thetas: np.ndarray, X, y, units, *, activation: str = "tanh", alpha: float = 1e-4) -> np.ndarray:
    """scikit-learn's training loss (mean log-loss plus its penalty over all ``n`` samples) at every
    row of ``thetas (S, P)``: ``(S,)``."""
    Ws, bs = unpack(np.atleast_2d(thetas), units)
    X = np.asarray(X, dtype=float)
    p = _forward(Ws, bs, X, activation)[-1]
    Y = np.asarray(y, dtype=float).reshape(1, -1, 1)
    return _data_loss(p, Y) + _penalty(Ws, alpha, len(X))


def sample_gradients(theta, X, y, units, *, activation: str = "tanh", alpha: float = 1e-4) -> np.ndarray:
    """The gradient of every single sample's loss at ``theta (P,)``, as scikit-learn computes it
    for a batch of one (its penalty term included): ``(n, P)``, packed like ``theta``."""
    Ws, bs = unpack(np.atleast_2d(np.asarray(theta, dtype=float)), units)
    X = np.asarray(X, dtype=float)[:, None, :]  # n batches of one sample, sharing one network
    Y = np.asarray(y, dtype=float).reshape(-1, 1, 1)
    _, gW, gb = batch_gradients(Ws, bs, X, Y, activation=activation, alpha=alpha, loss=False)
    n = len(X)
    return np.concatenate(
        [np.broadcast_to(g, (n, *g.shape[1:])).reshape(n, -1) for g in gW]
        + [np.broadcast_to(g, (n, g.shape[-1])) for g in gb],
        axis=1,
    )


def sklearn_streams(units, activation: str, seeds) -> tuple[np.ndarray, list[np.random.RandomState]]:
    """Each seed's starting weights ``(S, P)`` as scikit-learn draws them, and its random state
    advanced past those draws (scikit-learn shuffles the samples with that same state)."""
    starts, streams = [], []
    for seed in seeds:
        starts.append(glorot_init(units, activation, int(seed)))
        rs = np.random.RandomState(int(seed))
        rs.random_sample(n_params(units))  # Glorot's uniform draws, one double per weight, in order
        streams.append(rs)
    return np.stack(starts), streams


@dataclass(frozen=True)
class SeedRuns:
    """``len(seeds)`` runs of plain SGD on one network, one per seed, ``epochs`` passes through
    ``n_samples`` points in batches of ``batch_size``.

    ``thetas (S, P)`` are the final weights; ``losses (k, S)`` the full training loss (penalty
    included) after each epoch of ``recorded (k,)``, which starts at 0 (before the first step) and
    ends at ``epochs``; ``loss_curve (epochs, S)`` is scikit-learn's own ``loss_curve_`` (each
    epoch's batch losses, weighted by batch length; empty unless asked for). ``blew_up (S,)``
    marks runs whose weights stopped being finite (their losses are ``inf``)."""

    seeds: tuple[int, ...]
    units: tuple[int, ...]
    activation: str
    lr: float
    alpha: float
    batch_size: int
    epochs: int
    n_samples: int
    thetas: np.ndarray
    recorded: np.ndarray
    losses: np.ndarray
    loss_curve: np.ndarray
    blew_up: np.ndarray

    @property
    def final(self) -> np.ndarray:
        """Each seed's training loss at the end, ``(S,)``."""
        return self.losses[-1]

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.n_samples // self.batch_size)


def train_seeds(
    X,
    y,
    *,
    hidden=(3,),
    activation: str = "tanh",
    lr: float = 0.1,
    epochs: int = 100,
    batch_size: int | None = None,
    alpha: float = 1e-4,
    seeds=(0,),
    shuffle: bool = True,
    start: np.ndarray | None = None,
    record_every: int = 1,
    record_also=(),
    batch_losses: bool = False,
    progress=None,
) -> SeedRuns:
    """Train ``MLPClassifier(hidden, activation, solver="sgd", momentum=0, learning_rate="constant",
    learning_rate_init=lr, alpha=alpha, batch_size=batch_size, shuffle=shuffle)`` once per seed, all
    seeds at once; ``batch_size=None`` means the full batch.

    ``start (S, P)`` (or ``(P,)``) replaces scikit-learn's starting weights; the shuffles still
    follow each seed. The full training loss is recorded every ``record_every`` epochs, at the
    end and after each epoch in ``record_also``; ``batch_losses`` also records scikit-learn's
    ``loss_curve_``. ``progress(done)`` is called with the share of epochs done, if given.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(y, dtype=float).reshape(-1, 1)
    n, d = X.shape
    units = layer_units(hidden, d)
    seeds = tuple(int(s) for s in seeds)
    S = len(seeds)
    b = n if batch_size is None else int(np.clip(batch_size, 1, n))
    thetas, streams = sklearn_streams(units, activation, seeds)
    if start is not None:
        thetas = np.array(np.broadcast_to(start, thetas.shape), dtype=float)
    Ws, bs = unpack(thetas, units)
    order = np.tile(np.arange(n), (S, 1))
    recorded = sorted(
        {*range(0, epochs + 1, max(1, int(record_every))), epochs, *(int(e) for e in record_also if 0 <= e <= epochs)}
    )
    losses = np.empty((len(recorded), S))
    curve = np.empty((epochs if batch_losses else 0, S))
    losses[0] = full_loss(pack(Ws, bs), X, Y, units, activation=activation, alpha=alpha)
    row = 1
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            if shuffle:  # scikit-learn shuffles the last epoch's order again: sample_idx[perm]
                perms = np.stack([rs.permutation(n) for rs in streams])
                order = np.take_along_axis(order, perms, axis=1)
            total = np.zeros(S)
            for lo in range(0, n, b):
                take = order[:, lo : lo + b]
                if shuffle:
                    Xb, Yb = X[take], Y[take]
                else:  # one slice, shared by every seed
                    Xb, Yb = X[lo : lo + b][None], Y[lo : lo + b][None]
                loss, gW, gb = batch_gradients(Ws, bs, Xb, Yb, activation=activation, alpha=alpha, loss=batch_losses)
                if batch_losses:
                    total += loss * take.shape[1]
                for W, g in zip(Ws, gW, strict=True):
                    W -= lr * g
                for v, g in zip(bs, gb, strict=True):
                    v -= lr * g
            if batch_losses:
                curve[epoch - 1] = total / n
            if row < len(recorded) and recorded[row] == epoch:
                losses[row] = full_loss(pack(Ws, bs), X, Y, units, activation=activation, alpha=alpha)
                row += 1
            if progress is not None:
                progress(epoch / epochs)
    final = pack(Ws, bs)
    blew_up = ~np.isfinite(final).all(axis=1) | (np.abs(final).max(axis=1, initial=0) > BLOWUP)
    losses[:, blew_up] = np.inf
    return SeedRuns(
        seeds=seeds,
        units=units,
        activation=activation,
        lr=float(lr),
        alpha=float(alpha),
        batch_size=b,
        epochs=int(epochs),
        n_samples=n,
        thetas=final,
        recorded=np.array(recorded),
        losses=losses,
        loss_curve=curve,
        blew_up=blew_up,
    )
