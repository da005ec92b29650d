"""Looking at a loss surface with thousands of dimensions through one or two at a time.

A network's loss is a function of every weight at once. We see it through cuts: the loss along
a line ``theta + a d`` through a point (1-D), or over a plane ``theta + a d1 + b d2`` (2-D).
Which lines matter:

* **single weight axes** (``d`` is one unit vector): the article's picture of one cut per weight;
* **random Gaussian directions**, which mix every weight;
* **filter-normalised** random directions (Li et al., NeurIPS 2018): each neuron's slice of a
  random direction is rescaled to the norm of that neuron's incoming weights, so that a step of
  1 changes every neuron by as much as its own size, whatever its scale. Biases get no component,
  as in Li et al.'s default;
* the **plane of the training path**: its first two principal directions around the end point
  (Li et al.'s trajectory plots), with how much of the path that plane holds;
* the **straight line from the initial weights to the solution** (Goodfellow, Vinyals & Saxe,
  ICLR 2015).

Everything here takes an objective with ``loss_many(thetas)`` (a
:class:`~explainer.core.network.NetworkLoss`), so every cut is one batched evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.core import kinds
from explainer.core.network import IN_PLACE


def axis_directions(n_params: int, indices) -> np.ndarray:
    """Unit vectors along the given weights: ``(len(indices), n_params)``."""
    indices = np.asarray(indices, dtype=int).ravel()
    if indices.size and (indices.min() < 0 or indices.max() >= n_params):
        raise ValueError(f"weight indices must lie in [0, {n_params})")
    out = np.zeros((indices.size, n_params))
    out[np.arange(indices.size), indices] = 1.0
    return out


def random_directions(n_params: int, k: int, seed: int) -> np.ndarray:
    """``k`` standard Gaussian directions in weight space: ``(k, n_params)``."""
    return np.random.default_rng(seed).standard_normal((k, n_params))


def filter_normalise(net, directions, theta) -> np.ndarray:
    """Li et al.'s normalisation for a fully connected network, one neuron at a time.

    For every layer's weight matrix ``W (inputs, outputs)``, the column of a direction that feeds
    neuron ``j`` is rescaled to have the norm of ``W[:, j]`` at ``theta``; bias components are set
    to zero. Works on ``(n_params,)`` or ``(k, n_params)``; returns a new array.
    """
    directions = np.array(directions, dtype=float)  # a copy that the views below write into
    Ws, _ = net.unpack(np.asarray(theta, dtype=float))
    Ds, Bs = net.unpack(directions)
    for W, D in zip(Ws, Ds, strict=True):
        size = np.linalg.norm(D, axis=-2, keepdims=True)  # per neuron: (..., 1, outputs)
        D *= np.linalg.norm(W, axis=-2, keepdims=True) / np.where(size > 0, size, 1.0)
    for B in Bs:
        B[...] = 0.0
    return directions


def cuts(net, theta, directions, alphas) -> np.ndarray:
    """Loss along each line ``theta + a d``: ``(k, len(alphas))`` for ``directions (k, P)``."""
    theta = np.asarray(theta, dtype=float)
    directions = np.atleast_2d(np.asarray(directions, dtype=float))
    alphas = np.asarray(alphas, dtype=float)
    points = theta + alphas[None, :, None] * directions[:, None, :]
    return net.loss_many(points.reshape(-1, theta.size)).reshape(len(directions), alphas.size)


def axis_cuts(net, theta, alphas, indices=None) -> np.ndarray:
    """Loss along single-weight axes: row ``i`` is the loss at ``theta + a e_i`` for each ``a`` in
    ``alphas``, for every weight (or the weights in ``indices``); ``(rows, len(alphas))``.

    Exact, and far cheaper than :func:`cuts` with axis directions: moving one weight (or bias)
    into unit ``c`` of a layer changes only that unit's pre-activation, by ``a`` times the
    weight's input. So every weight into ``c`` is handled together: unit ``c`` is recomputed for
    all of them, the next layer gets a rank-one update, and only the layers after that are run
    in full. ``net`` is a :class:`~explainer.core.network.NetworkLoss`.
    """
    theta = np.asarray(theta, dtype=float)
    alphas = np.asarray(alphas, dtype=float)
    Ws, bs = net.unpack(theta)
    layers = net.activations(theta)
    zs = [layers[k] @ W + b for k, (W, b) in enumerate(zip(Ws, bs, strict=True))]
    act = IN_PLACE[net.activation]  # every array it meets below is a fresh temporary
    last = len(Ws) - 1
    n = len(net.X)
    base_penalty = float(net.penalty(Ws))
    weight_at = np.cumsum([0] + [i * o for i, o in net.shapes])
    bias_at = weight_at[-1] + np.cumsum([0] + [o for _, o in net.shapes])
    wanted = np.arange(net.n_params) if indices is None else np.asarray(indices, dtype=int).ravel()
    if wanted.size and (wanted.min() < 0 or wanted.max() >= net.n_params):
        raise ValueError(f"weight indices must lie in [0, {net.n_params})")
    # A binary classifier's loss needs only the samples that a move changes (see below).
    sparse_output = net.loss_name == "binary_log_loss" and net.shapes[-1][1] == 1
    base_samples = net.sample_losses(zs[last][:, 0], net.Y[:, 0]) if sparse_output else None
    result = np.full((net.n_params, alphas.size), np.nan)
    need = np.zeros(net.n_params, dtype=bool)
    need[wanted] = True
    units = []  # (layer, unit, the positions of its weights and bias in theta, which of them are wanted)
    for k, (n_in, n_out) in enumerate(net.shapes):
        for c in range(n_out):
            rows = np.concatenate([weight_at[k] + np.arange(n_in) * n_out + c, [bias_at[k] + c]])
            pick = np.flatnonzero(need[rows])
            if pick.size:
                units.append((k, c, rows[pick], pick))
    feeds = [np.concatenate([a, np.ones((n, 1))], axis=1).T for a in layers[:-1]]  # each weight's input, (in + 1, n)
    context = (net, Ws, bs, layers, zs, feeds, alphas, act, base_penalty, base_samples if sparse_output else None)
    nonzero = _nonzero_feeds(feeds[last - 1]) if sparse_output and last >= 1 else None
    for k, c, where, pick in units:
        if nonzero is not None and k == last - 1 and pick.size == len(feeds[k]):
            result[where] = _unit_cuts_nonzero(context, nonzero, c)
        else:
            result[where] = _unit_cuts(context, k, c, pick)
    return result[wanted]


def _nonzero_feeds(feed: np.ndarray):
    """Where the inputs ``feed (rows, n)`` of the last hidden layer are not zero, if few enough
    of them are for skipping the rest to pay (ReLU units that are off feed exact zeros): each
    entry's row, sample and value, in row order, and where each row starts; else ``None``."""
    mask = feed != 0
    if mask.mean() > 0.8:
        return None
    rows, samples = np.nonzero(mask)
    starts = np.searchsorted(rows, np.arange(len(feed)))
    return rows, samples, feed[rows, samples], starts, np.bincount(rows, minlength=len(feed)) > 0


def _unit_cuts_nonzero(context, nonzero, c: int) -> np.ndarray:
    """:func:`_unit_cuts` for every input of unit ``c`` of the last hidden layer of a binary
    classifier, visiting only the samples where an input is not zero: moving a weight whose input
    is zero at a sample changes nothing there, so that sample's loss keeps its value exactly
    (contributes an exact zero change) and is skipped. ``(rows, m)``."""
    net, Ws, _, layers, zs, _, alphas, act, base_penalty, base_samples = context
    last = len(Ws) - 1
    k = last - 1
    n_in = net.shapes[k][0]
    _, samples, values, starts, filled = nonzero
    n = len(net.X)
    zc = alphas[:, None] * values  # (m, K)
    zc += zs[k][samples, c]
    change = act(zc)
    change -= layers[k + 1][samples, c]
    z = np.multiply(change, Ws[last][c, 0], out=change)
    z += zs[last][samples, 0]
    gain = net.logit_losses(z, labels=net.Y[samples, 0])
    gain -= base_samples[samples]
    sums = np.zeros((len(filled), alphas.size))
    if len(samples):
        sums[filled] = np.add.reduceat(gain, starts[filled], axis=1).T
    losses = base_samples.mean() + sums / n
    losses += base_penalty
    w = Ws[k][:, c][:, None]
    losses[:n_in] += 0.5 * net.alpha * ((w + alphas) ** 2 - w**2) / n
    return losses


def _unit_cuts(context, k: int, c: int, pick: np.ndarray) -> np.ndarray:
    """Losses for moving each of the chosen inputs ``pick`` of unit ``c`` in layer ``k + 1`` (its
    weights, and its bias as input number ``n_in``) by every offset: ``(len(pick), m)``."""
    net, Ws, bs, layers, zs, feeds, alphas, act, base_penalty, base_samples = context
    last = len(Ws) - 1
    n_in, n_out = net.shapes[k]
    zc = zs[k][:, c] + alphas[None, :, None] * feeds[k][pick, None, :]  # (rows, m, n)
    if k == last:
        if n_out == 1:
            z = zc[..., None]
        else:
            z = np.broadcast_to(zs[k], (*zc.shape, n_out)).copy()
            z[..., c] = zc
        losses = net.loss_from_logits(z)
    else:
        change = act(zc)
        change -= layers[k + 1][:, c]
        if k + 1 == last and base_samples is not None:
            losses = _sparse_output_losses(net, change, Ws[last][c, 0], zs[last][:, 0], base_samples)
        else:
            z = change[..., None] * Ws[k + 1][c]  # a rank-one update of the next layer
            z += zs[k + 1]
            for j in range(k + 2, last + 1):
                z = act(z) @ Ws[j] + bs[j]
            losses = net.loss_from_logits(z)
    losses += base_penalty
    weights = pick < n_in  # the bias (input number n_in) carries no penalty
    w = Ws[k][pick[weights], c][:, None]
    losses[weights] += 0.5 * net.alpha * ((w + alphas) ** 2 - w**2) / len(net.X)
    return losses


def _sparse_output_losses(net, change, w_out, z_out, base_samples) -> np.ndarray:
    """Data loss of a binary classifier when the last hidden layer's unit changes by ``change
    (rows, m, n)`` and feeds the single output logit ``z_out (n,)`` through ``w_out``.

    Each sample's loss is taken again and its change from ``base_samples`` averaged: a sample
    whose unit value did not change (a ReLU unit that stays off) gets the very logit it had, so
    its change is an exact zero and a cut that moves nothing stays perfectly flat. ``change`` is
    overwritten."""
    z = np.multiply(change, w_out, out=change)
    z += z_out
    gain = net.logit_losses(z)
    gain -= base_samples
    return base_samples.mean() + gain.mean(axis=-1)


def plane(net, origin, d1, d2, xs, ys, block: int = 256) -> np.ndarray:
    """Loss over the plane ``origin + x d1 + y d2``: ``(len(ys), len(xs))``, rows are y.

    Rows are evaluated a few at a time, about ``block`` weight vectors per call: enough for
    :meth:`NetworkLoss.loss_many` to work in full chunks, few enough to bound memory."""
    origin = np.asarray(origin, dtype=float)
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    out = np.empty((ys.size, xs.size))
    d1, d2 = np.asarray(d1, dtype=float), np.asarray(d2, dtype=float)
    rows = max(1, block // max(xs.size, 1))
    for i in range(0, ys.size, rows):
        y = ys[i : i + rows]
        points = origin + y[:, None, None] * d2 + xs[None, :, None] * d1  # (rows, len(xs), P)
        out[i : i + rows] = net.loss_many(points.reshape(-1, origin.size)).reshape(y.size, xs.size)
    return out


def segment(net, start, end, ts) -> np.ndarray:
    """Loss along the straight line ``(1 - t) start + t end`` at each ``t``: ``(len(ts),)``."""
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    ts = np.asarray(ts, dtype=float)
    return net.loss_many(start + ts[:, None] * (end - start))


#: The loss "does not change at all" along a cut when every value on it stays within this share of
#: its value at the point: round-off, nothing more. The one definition of a perfectly flat cut.
ROUND_OFF = 1e-12


def unchanged(change, here) -> np.ndarray:
    """Which rows of ``change (k, m)``, a cut's loss minus its value ``here (k,)`` at the point
    (or anything else measured against that value), stay within :data:`ROUND_OFF` of ``here``
    all along: ``(k,)`` booleans."""
    change = np.atleast_2d(np.asarray(change, dtype=float))
    here = np.broadcast_to(np.asarray(here, dtype=float), change.shape[:1])
    return np.abs(change).max(axis=1) <= ROUND_OFF * np.abs(here)


def goes_downhill(losses, centre: int, drop: float) -> np.ndarray:
    """Which cuts fall below their value at ``centre`` somewhere by more than ``drop`` (a loss,
    not a share of the cut's own value, so that the bar does not sink as training lowers the loss).

    ``losses`` is ``(k, m)`` from :func:`cuts`; returns ``(k,)`` booleans.
    """
    losses = np.atleast_2d(np.asarray(losses, dtype=float))
    return losses.min(axis=1) < losses[:, centre] - drop


def courses(losses, centre: int, drop: float) -> np.ndarray:
    """Which way each cut goes from its value at ``centre``: an id of
    :data:`explainer.core.kinds.CUT_COURSES` per row of ``losses (k, m)``.

    :data:`~explainer.core.kinds.DOWNHILL` where :func:`goes_downhill` says so (a drop of more
    than ``drop``); :data:`~explainer.core.kinds.FLAT_CUT` where the loss does not change along the
    cut beyond round-off (:func:`unchanged`); otherwise :data:`~explainer.core.kinds.NO_WAY_DOWN`.
    """
    losses = np.atleast_2d(np.asarray(losses, dtype=float))
    here = losses[:, centre]
    flat = unchanged(losses - here[:, None], here)
    down = goes_downhill(losses, centre, drop)
    return np.where(down, kinds.DOWNHILL, np.where(flat, kinds.FLAT_CUT, kinds.NO_WAY_DOWN))


@dataclass(frozen=True)
class PathPlane:
    """The plane through ``origin`` that best holds a path of weight vectors.

    ``directions (2, P)`` are orthonormal; ``coords (k, 2)`` are each point's position in the
    plane and ``off_plane (k,)`` its distance from it (same units as the weights).
    ``explained (2,)`` is the share of the path's squared distance from ``origin`` that each
    direction holds, and ``spectrum`` every direction's share, largest first.
    """

    origin: np.ndarray
    directions: np.ndarray
    coords: np.ndarray
    off_plane: np.ndarray
    explained: np.ndarray
    spectrum: np.ndarray

    @property
    def held(self) -> float:
        """Share of the path's squared distance from the origin that the plane holds."""
        return float(self.explained.sum())


def path_plane(thetas, origin=None) -> PathPlane:
    """The first two principal directions of ``thetas (k, P) - origin`` (default: the last point,
    as in Li et al.), found by a thin SVD. The directions are not centred on the path's mean, so
    the plane passes through the origin and the shares add up to 1 over all directions."""
    thetas = np.asarray(thetas, dtype=float)
    origin = thetas[-1] if origin is None else np.asarray(origin, dtype=float)
    M = thetas - origin
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    total = float((s**2).sum())
    spectrum = s**2 / total if total > 0 else np.zeros_like(s)
    directions = np.zeros((2, M.shape[1]))
    n = min(2, vt.shape[0])
    directions[:n] = vt[:n]
    # A readable sign: the path starts at positive coordinates.
    for i in range(n):
        if M[0] @ directions[i] < 0:
            directions[i] = -directions[i]
    coords = M @ directions.T
    off = np.linalg.norm(M - coords @ directions, axis=1)
    explained = np.zeros(2)
    explained[:n] = spectrum[:n]
    return PathPlane(
        origin=origin, directions=directions, coords=coords, off_plane=off, explained=explained, spectrum=spectrum
    )
