"""Plateaus: the product model of Saxe et al., a plateau detector for loss curves, the loss values a
saturated XOR network creeps towards, and scikit-learn's own stopping rule.

- :class:`ProductModel`: ``L(w) = 0.5 (1 - w_1 w_2 ... w_D)^2``, vectorised over rows of ``(n, D)``
  arrays (for :func:`explainer.core.optimize.descend_many`). Its origin is a critical point with
  loss 1/2 (a saddle for ``D = 2``, flatter still for ``D >= 3``); every point with ``w_1...w_D = 1``
  is a global minimum.
- :func:`product_run`: descent from ``w = (u0, ..., u0)``. Every weight then gets the same
  gradient ``-(1 - u^D) u^(D-1)``, so every weight stays equal to every other and the D-weight run
  is exactly a recursion on one number ``u`` (for plain descent, heavy-ball momentum and Adam
  alike, whose rules act weight by weight). The recursion is run in plain floats, which is a
  hundred times faster than arrays of D numbers and reaches the 10^5 steps a small start needs;
  the tests check it against :func:`~explainer.core.optimize.descend_many` on the D-weight model.
- :func:`escape_time`: the time the gradient flow ``du/dt = (1 - u^D) u^(D-1)`` takes from ``u0``
  to the loss ``target``, in closed form: ``integral of u^(1-D) du`` (``ln(u1/u0)`` for ``D = 2``,
  ``(u0^(2-D) - u1^(2-D)) / (D - 2)`` for ``D >= 3``) plus the regular ``integral of
  u / (1 - u^D) du``. Divided by the step size it predicts the steps of plain descent: each decade
  of smaller ``u0`` adds ``ln(10) / lr`` steps for ``D = 2`` and multiplies them by ten for
  ``D = 3`` (``10^(D-2)`` in general).
- :func:`find_plateaus`: the long, high, flat stretches of a loss curve (thresholds below).
- :data:`XOR_X`, :data:`XOR_Y` and :func:`lumped_losses`: the four XOR points, and the losses a
  network reaches in the limit where its saturated hidden units give some points the same code
  (the plateaus at infinity of Hamey 1998 and Sprinkhuizen-Kuyper & Boers 1996).
- :func:`sklearn_stop_epoch`: the epoch at which ``MLPClassifier(solver="sgd" or "adam")`` stops
  on its own, replayed from a loss curve (its ``_update_no_improvement_count`` with
  ``early_stopping=False``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product

import numpy as np

from explainer.core.stalls import true_runs

#: Loss below which a run of the product model has left its plateau (``|1 - w_1...w_D| < 0.32``).
TARGET = 0.05
#: Momentum coefficient and Adam's constants, as in :mod:`explainer.core.optimize`.
MOMENTUM, BETA1, BETA2, EPS = 0.9, 0.9, 0.999, 1e-8
PRODUCT_METHODS = ("gd", "momentum", "adam")


# ----- the product model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductModel:
    """``L(w) = 0.5 (1 - prod(w))^2`` for ``w`` of ``depth`` weights; ``value`` and ``gradient``
    take ``(..., depth)`` arrays."""

    depth: int = 2

    def value(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        return 0.5 * (1.0 - np.prod(w, axis=-1)) ** 2

    def gradient(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        d = w.shape[-1]
        others = np.stack([np.prod(np.delete(w, i, axis=-1), axis=-1) for i in range(d)], axis=-1)
        return -(1.0 - np.prod(w, axis=-1))[..., None] * others


def loss_of(u: float, depth: int) -> float:
    """The loss where every weight equals ``u``."""
    return 0.5 * (1.0 - u**depth) ** 2


def escape_u(depth: int, target: float = TARGET) -> float:
    """The common weight at which the loss falls to ``target`` (from below 1)."""
    return (1.0 - math.sqrt(2.0 * target)) ** (1.0 / depth)


@dataclass(frozen=True)
class ProductRun:
    """One run from ``(u0, ..., u0)``: ``losses (k+1,)`` and ``grad_norms (k+1,)`` (the D-weight
    gradient's norm, ``sqrt(D) |g(u)|``) at every step, start first; ``escape`` is the first step
    with loss below ``target`` (``None`` if the run used all ``cap`` steps without getting there:
    censored); ``diverged`` says the run blew up (it then stops at its last finite point)."""

    depth: int
    u0: float
    lr: float
    method: str
    cap: int
    target: float
    losses: np.ndarray
    grad_norms: np.ndarray
    escape: int | None
    diverged: bool

    @property
    def steps(self) -> int:
        return len(self.losses) - 1


def product_run(
    depth: int,
    u0: float,
    lr: float,
    method: str = "gd",
    *,
    cap: int = 100_000,
    target: float = TARGET,
    after: float = 2.0,
    record: bool = True,
) -> ProductRun:
    """Descent on :class:`ProductModel` from every weight at ``u0``, by ``method`` (one of
    :data:`PRODUCT_METHODS`, with the update rules of :mod:`explainer.core.optimize`).

    The run stops ``after`` times its escape step once it has escaped (so the curve shows the fall
    and what follows), at ``cap`` steps, or when it blows up. ``record=False`` keeps only the
    escape step (the losses then hold the start alone).
    """
    if method not in PRODUCT_METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {PRODUCT_METHODS}")
    D, u, lr = int(depth), float(u0), float(lr)
    root = math.sqrt(D)
    v = s = 0.0
    losses, grads = [], []
    escape, stop, k, diverged = None, cap, 0, False
    while True:
        p = u**D
        loss = 0.5 * (1.0 - p) ** 2
        g = -(1.0 - p) * u ** (D - 1)
        if record or k == 0:
            losses.append(loss)
            grads.append(root * abs(g))
        if escape is None and loss < target:
            escape = k
            stop = min(cap, max(k + 1, math.ceil(after * k)))
            if not record:
                break
        if k >= stop:
            break
        if method == "gd":
            new = u - lr * g
        elif method == "momentum":
            v = MOMENTUM * v - lr * g
            new = u + v
        else:
            v = BETA1 * v + (1 - BETA1) * g
            s = BETA2 * s + (1 - BETA2) * g * g
            m_hat = v / (1 - BETA1 ** (k + 1))
            v_hat = s / (1 - BETA2 ** (k + 1))
            new = u - lr * m_hat / (math.sqrt(v_hat) + EPS)
        if not math.isfinite(new) or abs(new) > 1e4:
            diverged = True
            break
        u, k = new, k + 1
    return ProductRun(
        depth=D,
        u0=float(u0),
        lr=lr,
        method=method,
        cap=int(cap),
        target=float(target),
        losses=np.array(losses),
        grad_norms=np.array(grads),
        escape=escape,
        diverged=diverged,
    )


def escape_time(depth: int, u0: float, target: float = TARGET) -> float:
    """Time ``t`` of the gradient flow ``du/dt = (1 - u^D) u^(D-1)`` from ``u0`` to the loss
    ``target`` (plain descent with step size ``lr`` needs about ``t / lr`` steps); 0 if ``u0``
    already starts there, ``inf`` for ``u0 <= 0``."""
    D, u1 = int(depth), escape_u(depth, target)
    if u0 <= 0:
        return math.inf
    if u0 >= u1:
        return 0.0
    if D == 1:
        head = u1 - u0
    elif D == 2:
        head = math.log(u1 / u0)
    else:
        head = (u0 ** (2 - D) - u1 ** (2 - D)) / (D - 2)
    from scipy.integrate import quad  # imported when used: see explainer.core.training

    tail, _ = quad(lambda u: u / (1.0 - u**D), u0, u1)
    return head + tail


# ----- plateaus in a loss curve -----------------------------------------------------------------------

#: A plateau is at least this many steps (epochs) long, and at least :data:`LONG` of the curve...
WINDOW = 10
LONG = 0.02
#: ...at each of its steps the loss falls slowly on a log-step axis: its slope per unit of
#: ``ln(step)`` (over the next :data:`LOG_SPAN` of a decade) is below this share of the curve's
#: steepest (or than the curve's range per e-fold of steps, if that is larger: a curve that never
#: falls is flat all along), so the fall off the plateau, the steepest stretch on that axis, is
#: never part of it, however long the curve; and, where the gradient norms are known and the curve
#: falls below :data:`HIGH`, the gradient is below :data:`GRAD` of its largest...
SLOPE = 0.1
GRAD = 0.1
LOG_SPAN = 0.01
#: ...the loss stays within this share of the curve's range of the level the quiet stretch dwells
#: at (the centre of the densest band of its values), so a slow slide off the plateau is cut off,
#: not reported as part of it...
BAND = 0.02
#: ...and it stays above the bottom of the range by at least this share of it (a flat bottom,
#: where a run has converged, is no plateau). The range runs from the curve's largest loss down to 0
#: (losses are never negative; to the curve's lowest value if it dips below 0), so that a run still
#: on its plateau when it ends, whose own lowest loss is the plateau, still has one.
HIGH = 0.25


@dataclass(frozen=True)
class Plateau:
    """Steps ``start`` (inclusive) to ``end`` (exclusive) of a curve: a long, high, flat stretch.
    ``loss`` is its level (the median loss over it), ``drop`` how much the loss fell over it (first
    minus last), ``grad`` the largest gradient norm on it (``nan`` if none was given); ``left``
    says the curve went on below it afterwards (by more than ``BAND`` of the range) rather than
    ending there."""

    start: int
    end: int
    loss: float
    drop: float
    left: bool
    grad: float = float("nan")

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def last(self) -> int:
        """Its last step (``end - 1``)."""
        return self.end - 1


def log_slopes(losses, span: float = LOG_SPAN) -> np.ndarray:
    """How fast the loss falls against ``ln(step + 1)`` at each step: ``(L[k] - L[j]) / ln((j +
    1) / (k + 1))`` with ``j`` the first step at least ``span`` of a decade later (the curve's end
    if sooner; the last step reads the slope into it)."""
    L = np.asarray(losses, dtype=float)
    n = len(L)
    if n < 2:
        return np.zeros(n)
    k = np.arange(n)
    first = np.minimum(k, n - 2)  # the last step reads the slope into it
    later = np.minimum(np.maximum(np.ceil((first + 1) * 10**span).astype(int) - 1, first + 1), n - 1)
    return (L[first] - L[later]) / np.log((later + 1) / (first + 1))


def find_plateaus(
    losses,
    grad_norms=None,
    *,
    window: int = WINDOW,
    long: float = LONG,
    slope: float = SLOPE,
    grad: float = GRAD,
    band: float = BAND,
    high: float = HIGH,
) -> list[Plateau]:
    """The plateaus of a loss curve ``losses (k+1,)`` (gradient norms ``grad_norms`` optional; see
    :data:`WINDOW`, :data:`LONG`, :data:`SLOPE`, :data:`GRAD`, :data:`BAND`, :data:`HIGH`), in
    order; a curve can have several (a stretch at one level, a fall, and a second stretch lower)."""
    L = np.asarray(losses, dtype=float)
    n = len(L)
    if n < 2 or not np.isfinite(L).all():
        return []
    lo, hi = min(0.0, float(L.min())), float(L.max())
    spread = hi - lo
    if spread <= 0:
        return []
    G = None if grad_norms is None else np.asarray(grad_norms, dtype=float)
    s = log_slopes(L)
    floor = lo + high * spread
    # the steepest slope, but at least the range per e-fold of steps: a curve that never falls
    # (a run still on its plateau at the end) is flat all along
    quiet = (s < slope * max(float(s.max()), spread)) & (floor < L)
    if G is not None and np.isfinite(G).all() and G.max() > 0 and L.min() < floor:
        # only a curve that falls has a steepest gradient to compare with
        quiet &= grad * float(G.max()) > G
    shortest = max(int(window), math.ceil(long * n))
    found: list[Plateau] = []

    for a, b in true_runs(quiet):
        if b - a < shortest:
            continue
        # the level: the loss the stretch dwells at, the centre of the densest band of its values
        v = np.sort(L[a:b])
        width = band * spread
        count = np.searchsorted(v, v + width, side="right") - np.searchsorted(v, v - width, side="left")
        level = float(v[int(np.argmax(count))])
        near = np.abs(L[a:b] - level) <= width
        for i, j in true_runs(near):
            i, j = a + i, a + j
            if j - i < shortest:
                continue
            after = L[j:]
            found.append(
                Plateau(
                    start=i,
                    end=j,
                    loss=float(np.median(L[i:j])),
                    drop=float(L[i] - L[j - 1]),
                    left=bool(after.size and after.min() < L[j - 1] - width),
                    grad=float(G[i:j].max()) if G is not None else float("nan"),
                )
            )
    return sorted(found, key=lambda p: p.start)


def main_plateau(losses, grad_norms=None, **kwargs) -> Plateau | None:
    """The longest plateau of a curve (the first of equally long ones), or ``None``."""
    found = find_plateaus(losses, grad_norms, **kwargs)
    return max(found, key=lambda p: (p.length, -p.start)) if found else None


# ----- XOR and its saturated plateaus -------------------------------------------------------------------

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])
XOR_X.setflags(write=False)  # shared by every reader's fits: nothing may change them
XOR_Y.setflags(write=False)


def _entropy(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else -(p * math.log(p) + (1 - p) * math.log(1 - p))


def lumped_losses(y=XOR_Y) -> tuple[float, ...]:
    """Every positive loss (mean log-loss) a network can approach when its hidden units, pinned at
    their limits, give some samples the same code: the best it can then do is predict each group's
    share of 1s, so the loss tends to ``sum over groups of n_g H(share_g) / n`` with ``H`` the
    binary entropy in nats. For XOR: ln 2 / 2 (one mixed pair), (3/4) H(1/3) (a group of three)
    and ln 2 (nothing told apart, or two mixed pairs). Sorted."""
    y = [int(v) for v in y]
    n = len(y)
    values = set()
    # every partition of the samples into groups, as a label per sample (restricted growth strings)
    for labels in product(range(n), repeat=n):
        if labels[0] != 0 or any(labels[i] > max(labels[:i]) + 1 for i in range(1, n)):
            continue
        total = 0.0
        for g in set(labels):
            members = [y[i] for i in range(n) if labels[i] == g]
            total += len(members) * _entropy(sum(members) / len(members))
        if total > 0:
            values.add(round(total / n, 12))
    return tuple(sorted(values))


def nearest_lumped(loss: float, values=None) -> tuple[float, float]:
    """The lumped loss nearest ``loss`` and how far ``loss`` sits from it."""
    values = lumped_losses() if values is None else values
    best = min(values, key=lambda v: abs(v - loss))
    return best, abs(loss - best)


# ----- scikit-learn's stopping rule -----------------------------------------------------------------------


def sklearn_stop_epoch(loss_curve, *, tol: float = 1e-4, n_iter_no_change: int = 10) -> int | None:
    """The epoch (1-based, scikit-learn's ``n_iter_``) after which ``MLPClassifier`` with solver
    ``"sgd"`` (constant step size) or ``"adam"`` and ``early_stopping=False`` stops on its own,
    replayed on the losses of its epochs (``loss_curve_``); ``None`` if it would not stop within
    them. As in scikit-learn: an epoch counts as no improvement when its loss is above the best
    so far minus ``tol``, any other epoch resets the count, and training stops once the count
    exceeds ``n_iter_no_change``."""
    best, count = math.inf, 0
    for epoch, loss in enumerate(loss_curve, start=1):
        count = count + 1 if loss > best - tol else 0
        best = min(best, loss)
        if count > n_iter_no_change:
            return epoch
    return None
