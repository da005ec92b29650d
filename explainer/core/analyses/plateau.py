"""Plateaus: flat and slow. Four views, each a frozen settings object in and a documented result out:

- :class:`RunSettings` -> :func:`product_view` -> :class:`ProductView`: the reader's run on the
  product model ``0.5 (1 - w_1...w_D)^2`` from every weight at ``u0``, its plateau (found by
  :func:`explainer.core.plateaus.find_plateaus`) and the gradient flow's prediction.
- :class:`EscapeSettings` -> :func:`escape_grid` -> :class:`EscapeGrid`: steps to escape (loss
  below :data:`~explainer.core.plateaus.TARGET`) against ``u0`` for each depth and optimiser, with
  the closed form (the evidence of ``plateau-slow`` at the default step size).
- :class:`XorSettings` -> :func:`xor_failures` -> :class:`XorFailures`: scikit-learn's
  ``MLPClassifier(solver="lbfgs", alpha=0)`` on the four XOR points over many seeds, for each
  activation and number of hidden units: which runs fail, where they end and how saturated they
  are (the evidence of ``plateau-traps-small-nets``); :class:`FailedSettings` ->
  :func:`failed_run` -> :class:`FailedRun`: one failed run up close.
- :class:`StopSettings` -> :func:`stop_run` -> :class:`StopRun`: a real network crossing a plateau,
  trained long, against the epoch at which scikit-learn's default stopping rule
  (``tol=1e-4``, ``n_iter_no_change=10``) ends it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from explainer.core import nets, plateaus, store
from explainer.core.blas import one_thread
from explainer.core.network import ACTIVATIONS, NetworkLoss, flat_weights
from explainer.core.plateaus import PRODUCT_METHODS, TARGET, XOR_X, XOR_Y

if TYPE_CHECKING:
    from sklearn.neural_network import MLPClassifier

# scikit-learn and scipy.optimize are imported where they are used: see explainer.core.training.

SLUG = "plateau"
#: Names of the precomputed default results (explainer/data/<name>.json).
ESCAPE, XOR, FAILED, STOP, PRODUCT = (f"{SLUG}.{part}" for part in ("escape", "xor", "failed", "stop", "product"))

#: The starting weights a reader can pick, and the grid of the escape chart (half decades).
INIT_SCALES = (0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001)
DEPTHS = (1, 2, 3)
STEP_SIZES = (0.01, 0.03, 0.1, 0.3)
#: Points drawn of a loss curve on a log-step axis.
CURVE_POINTS = 400

ACTIVATIONS_SWEPT = ("logistic", "tanh", "relu")
#: How the page names them.
ACTIVATION_LABELS = {"logistic": "logistic (sigmoid)", "tanh": "tanh", "relu": "ReLU"}
#: Hidden units per network (one unit cannot represent XOR at all, so the sweep starts at two).
HIDDEN_UNITS = (2, 3, 4, 6)
#: The slope of each hidden activation at its steepest (for "flat": below 1% of it).
STEEPEST = {"logistic": 0.25, "tanh": 1.0, "relu": 1.0}
#: A unit's response to an input is pinned (saturated or dead) where its slope is below this share
#: of the activation's steepest slope.
PINNED = 0.01


def _log_indices(n: int, points: int = CURVE_POINTS, keep=()) -> np.ndarray:
    """About ``points`` step indices of ``0..n-1`` spread evenly on a log axis (0 and the last
    included), plus ``keep``."""
    if n <= points:
        return np.arange(n)
    spread = np.unique(np.round(np.logspace(0, math.log10(n - 1), points)).astype(int))
    extra = [k for k in keep if 0 <= k < n]
    return np.unique(np.concatenate([[0], spread, extra, [n - 1]])).astype(int)


# ----- the reader's run on the product model ---------------------------------------------------------


@dataclass(frozen=True)
class RunSettings:
    depth: int = 3
    u0: float = 0.01
    lr: float = 0.1
    method: str = "gd"
    cap: int = 200_000
    target: float = TARGET


@dataclass(frozen=True)
class ProductView:
    """The reader's run: ``steps`` (about :data:`CURVE_POINTS` of them, on a log spread) with the
    ``loss`` and ``grad_norm`` there; ``plateaus`` every plateau of the whole curve (found from
    its losses and gradient norms) and ``plateau`` the longest (``None`` if it has none);
    ``escape`` the first step with loss below ``target`` (``None``: censored at ``cap``);
    ``theory`` the gradient flow's prediction of that step for plain descent (``escape_time /
    lr``); ``start_grad`` the gradient norm at the start and ``max_grad`` the largest of the run;
    ``plateau_grad`` the largest on the plateau; ``diverged`` whether the run blew up; ``total``
    its steps."""

    settings: RunSettings
    steps: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    plateau: plateaus.Plateau | None
    plateaus: tuple[plateaus.Plateau, ...]
    escape: int | None
    theory: float
    start_loss: float
    start_grad: float
    max_grad: float
    plateau_grad: float
    diverged: bool
    total: int


def product_view(settings: RunSettings) -> ProductView:
    s = settings
    run = plateaus.product_run(s.depth, s.u0, s.lr, s.method, cap=s.cap, target=s.target)
    found = tuple(plateaus.find_plateaus(run.losses, run.grad_norms))
    plateau = max(found, key=lambda p: (p.length, -p.start)) if found else None
    keep = tuple(k for p in found for k in (p.start, p.last, p.end))
    keep = (*keep, run.escape) if run.escape is not None else keep
    idx = _log_indices(len(run.losses), keep=keep)
    return ProductView(
        settings=s,
        steps=idx,
        loss=run.losses[idx],
        grad_norm=run.grad_norms[idx],
        plateau=plateau,
        plateaus=found,
        escape=run.escape,
        theory=plateaus.escape_time(s.depth, s.u0, s.target) / s.lr,
        start_loss=float(run.losses[0]),
        start_grad=float(run.grad_norms[0]),
        max_grad=float(run.grad_norms.max()),
        plateau_grad=plateau.grad if plateau else float("nan"),
        diverged=run.diverged,
        total=run.steps,
    )


# ----- escape time against the start ------------------------------------------------------------------


@dataclass(frozen=True)
class EscapeSettings:
    lr: float = 0.1
    depths: tuple[int, ...] = (2, 3)
    u0s: tuple[float, ...] = INIT_SCALES
    methods: tuple[str, ...] = PRODUCT_METHODS
    cap: int = 1_000_000
    target: float = TARGET


@dataclass(frozen=True)
class EscapeGrid:
    """``steps[method][i, j]``: steps until the loss is below ``target`` for depth ``depths[i]``
    from ``u0s[j]`` (``-1``: censored, still above it after ``cap`` steps, or diverged);
    ``theory[i, j]`` the gradient flow's steps for plain descent (``escape_time / lr``); for the
    longest plain-descent run (largest depth, smallest ``u0``), ``plateau_loss`` is the level
    (median loss) of its plateau, ``plateau_grad`` the largest gradient norm there and ``max_grad`` the run's
    largest."""

    settings: EscapeSettings
    steps: dict
    theory: np.ndarray
    plateau_loss: float
    plateau_grad: float
    max_grad: float

    def censored(self, method: str = "gd") -> np.ndarray:
        return self.steps[method] < 0


def escape_grid(settings: EscapeSettings, progress=None) -> EscapeGrid:
    s = settings
    steps = {}
    total, done = len(s.methods) * len(s.depths) * len(s.u0s), 0
    for m in s.methods:
        table = np.full((len(s.depths), len(s.u0s)), -1, dtype=int)
        for i, d in enumerate(s.depths):
            for j, u0 in enumerate(s.u0s):
                run = plateaus.product_run(d, u0, s.lr, m, cap=s.cap, target=s.target, record=False)
                if run.escape is not None:
                    table[i, j] = run.escape
                done += 1
                if progress is not None:
                    progress(done / total)
        steps[m] = table
    theory = np.array([[plateaus.escape_time(d, u0, s.target) / s.lr for u0 in s.u0s] for d in s.depths])
    slowest = plateaus.product_run(max(s.depths), min(s.u0s), s.lr, "gd", cap=s.cap, target=s.target, after=1.5)
    plateau = plateaus.main_plateau(slowest.losses, slowest.grad_norms)
    return EscapeGrid(
        settings=s,
        steps=steps,
        theory=theory,
        plateau_loss=plateau.loss if plateau else float("nan"),
        plateau_grad=plateau.grad if plateau else float("nan"),
        max_grad=float(slowest.grad_norms.max()),
    )


# ----- XOR over many seeds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class XorSettings:
    """``runs`` seeds (``random_state`` ``seed * runs`` onwards) of ``MLPClassifier(hidden,
    activation, solver="lbfgs", alpha=0, max_iter=max_iter)`` on the four XOR points for each
    activation and number of hidden units (replayed by :func:`lbfgs_xor`)."""

    activations: tuple[str, ...] = ACTIVATIONS_SWEPT
    widths: tuple[int, ...] = HIDDEN_UNITS
    runs: int = 50
    max_iter: int = 2000
    seed: int = 0

    @property
    def seeds(self) -> range:
        return range(self.seed * self.runs, (self.seed + 1) * self.runs)


def fit_xor(activation: str, width: int, seed: int, max_iter: int = 2000) -> MLPClassifier:
    """One seeded ``lbfgs`` fit on XOR by scikit-learn itself, its ConvergenceWarning (if any) kept
    quiet (the tests check :func:`lbfgs_xor` against it). (On four points BLAS threads only get in
    each other's way, so the fit runs on one.)"""
    from sklearn import config_context
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        (int(width),), activation=activation, solver="lbfgs", alpha=0.0, max_iter=int(max_iter), random_state=int(seed)
    )
    with warnings.catch_warnings(), one_thread(), config_context(assume_finite=True):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(XOR_X, XOR_Y)


#: scikit-learn's defaults for ``tol`` (L-BFGS's ``gtol``) and ``max_fun``.
LBFGS_TOL, LBFGS_MAX_FUN = 1e-4, 15_000


@dataclass(frozen=True)
class LbfgsFit:
    """What ``MLPClassifier(solver="lbfgs")`` ends with: ``theta`` (its ``coefs_`` and
    ``intercepts_``, packed as :class:`NetworkLoss` packs them), ``loss`` (``loss_``), ``n_iter``
    (``n_iter_``), ``status`` (scipy's: 0 when L-BFGS stopped on its own test, 1 at
    ``max_iter`` or ``max_fun``), and ``losses``: the loss after each iteration, the start first
    (only when asked for)."""

    theta: np.ndarray
    loss: float
    n_iter: int
    status: int
    losses: np.ndarray


#: L-BFGS-B's settings in ``scipy.optimize.minimize`` (``maxcor``, ``ftol``, ``maxls``), which
#: scikit-learn leaves at their defaults.
LBFGS_M, LBFGS_FTOL, LBFGS_MAXLS = 10, 2.2204460492503131e-09, 20


def _xor_loss_grads(activation: str, width: int):
    """``loss_grad(T)`` for a stack ``T (B, 4 width + 1)`` of XOR networks' weights: the losses
    ``(B,)`` and gradients ``(B, P)``, by the operations of scikit-learn's ``_loss_grad_lbfgs``
    (``alpha = 0``, whose penalty terms then add zeros) applied to each run's slice of the stack:
    its hidden activation (``scipy.special.expit``, ``np.tanh``, ``np.maximum``), the same matrix
    products, its derivative rules and ``binary_log_loss`` (clip, ``xlogy``, mean), without
    importing scikit-learn."""
    from scipy.special import expit, xlogy

    H = int(width)
    X, Y, n = XOR_X, XOR_Y.reshape(-1, 1).astype(bool), len(XOR_X)
    eps = np.finfo(float).eps

    def loss_grad(T):
        B = len(T)
        W0, W1 = T[:, : 2 * H].reshape(B, 2, H), T[:, 2 * H : 3 * H].reshape(B, H, 1)
        b0, b1 = T[:, 3 * H : 4 * H], T[:, 4 * H : 4 * H + 1]
        a1 = np.matmul(X, W0)
        a1 += b0[:, None, :]
        if activation == "logistic":
            expit(a1, out=a1)
        elif activation == "tanh":
            np.tanh(a1, out=a1)
        else:
            np.maximum(a1, 0, out=a1)
        a2 = np.matmul(a1, W1)
        a2 += b1[:, None, :]
        expit(a2, out=a2)
        p = np.clip(a2, eps, 1 - eps)
        loss = -(xlogy(Y, p) + xlogy(1 - Y, 1 - p)).mean(axis=1).sum(axis=1)
        d1 = a2 - Y
        g1 = np.matmul(a1.transpose(0, 2, 1), d1)
        g1 /= n
        gb1 = np.sum(d1, axis=1) / n
        d0 = np.matmul(d1, W1.transpose(0, 2, 1))
        if activation == "logistic":
            d0 *= a1
            d0 *= 1 - a1
        elif activation == "tanh":
            d0 *= 1 - a1**2
        else:
            d0[a1 == 0] = 0
        g0 = np.matmul(X.T, d0)
        g0 /= n
        gb0 = np.sum(d0, axis=1) / n
        return loss, np.concatenate([g0.reshape(B, -1), g1.reshape(B, -1), gb0, gb1], axis=1)

    return loss_grad


def lbfgs_many(loss_grad, theta0, max_iter: int, *, record: bool = False) -> list[LbfgsFit]:
    """``scipy.optimize.minimize(method="L-BFGS-B", jac=True)`` with scikit-learn's options
    (``gtol`` :data:`LBFGS_TOL`, ``maxfun`` :data:`LBFGS_MAX_FUN`, ``maxiter``) from every row of
    ``theta0 (B, P)`` at once: each run keeps its own L-BFGS-B state in scipy's own routine
    (``setulb``, the reverse-communication loop ``minimize`` drives, with the same stopping
    tests), and the runs that ask for the loss at a new point get it from one call of
    ``loss_grad`` on the stack of those points. So each run takes the steps it takes alone,
    without ``minimize``'s per-call set-up or a Python call of the loss per run and step."""
    from scipy.optimize import _lbfgsb

    T = np.array(theta0, dtype=float, order="C")
    B, n = T.shape
    m = LBFGS_M
    G = np.zeros((B, n))
    low, up, nbd = np.zeros(n), np.zeros(n), np.zeros(n, np.int32)
    factr = LBFGS_FTOL / np.finfo(float).eps
    wa = np.zeros((B, 2 * m * n + 5 * n + 11 * m * m + 8 * m))
    iwa = np.zeros((B, 3 * n), np.int32)
    task, ln_task = np.zeros((B, 2), np.int32), np.zeros((B, 2), np.int32)
    lsave, isave, dsave = np.zeros((B, 4), np.int32), np.zeros((B, 44), np.int32), np.zeros((B, 29))
    nit, nfev = np.zeros(B, int), np.zeros(B, int)
    fs = [0.0] * B  # the loss last returned to each run, as minimize keeps it
    seen: list[list[float]] = [[] for _ in range(B)]
    rows = [(T[b], G[b], wa[b], iwa[b], task[b], lsave[b], isave[b], dsave[b], ln_task[b]) for b in range(B)]
    setulb, tol, maxls = _lbfgsb.setulb, LBFGS_TOL, LBFGS_MAXLS
    active = list(range(B))
    while active:
        want, still = [], []
        for b in active:
            x, g, w, iw, tk, ls, isv, dsv, lnt = rows[b]
            setulb(m, x, low, up, nbd, fs[b], g, factr, tol, w, iw, tk, ls, isv, dsv, maxls, lnt)
            t = tk[0]
            if t == 3:  # wants the loss and gradient at x
                want.append(b)
            elif t == 1:  # a new iterate
                nit[b] += 1
                if record:
                    seen[b].append(fs[b])
                if nit[b] >= max_iter:
                    tk[0], tk[1] = 5, 504
                elif nfev[b] > LBFGS_MAX_FUN:
                    tk[0], tk[1] = 5, 502
            else:  # converged, stopped or failed: done
                continue
            still.append(b)
        if want:
            loss, G[want] = loss_grad(T[want])
            for b, v in zip(want, loss.tolist(), strict=True):
                if record and nfev[b] == 0:
                    seen[b].append(v)  # the start
                fs[b] = v
            nfev[want] += 1
        active = still
    status = np.where(task[:, 0] == 4, 0, np.where((nfev > LBFGS_MAX_FUN) | (nit >= max_iter), 1, 2))
    return [
        LbfgsFit(
            theta=T[b].copy(),
            loss=fs[b],
            n_iter=min(int(nit[b]), int(max_iter)),
            status=int(status[b]),
            losses=np.array(seen[b]),
        )
        for b in range(B)
    ]


def glorot_many(layer_units, activation: str, seeds) -> np.ndarray:
    """:func:`explainer.core.training.glorot_init` for every seed, ``(len(seeds), P)``: the same
    draws from one ``RandomState`` reseeded per seed (``seed(s)`` sets the very state
    ``RandomState(s)`` starts in, and costs a tenth of making a new one)."""
    rng = np.random.RandomState()
    factor = 2.0 if activation == "logistic" else 6.0
    rows = []
    for seed in seeds:
        rng.seed(int(seed))
        coefs, intercepts = [], []
        for fan_in, fan_out in pairwise(layer_units):
            bound = np.sqrt(factor / (fan_in + fan_out))
            coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)).ravel())
            intercepts.append(rng.uniform(-bound, bound, fan_out))
        rows.append(np.concatenate(coefs + intercepts))
    return np.array(rows).reshape(len(rows), -1)


def lbfgs_xor_many(activation: str, width: int, seeds, max_iter: int = 2000, *, record: bool = False) -> list[LbfgsFit]:
    """``MLPClassifier((width,), activation, solver="lbfgs", alpha=0, max_iter=max_iter,
    random_state=seed).fit(XOR_X, XOR_Y)`` for every seed, without its input checks: the same
    starting weights (:func:`glorot_many`), the same loss and gradient (:func:`_xor_loss_grads`)
    and the same L-BFGS-B (:func:`lbfgs_many`), so each run is scikit-learn's (the tests compare,
    and the L-BFGS steps agree to rounding) at a small part of the time. ``record`` keeps the loss
    after every iteration (what ``minimize``'s callback sees), which equals scikit-learn refitted
    with ``max_iter`` = that many. Call it with BLAS limited to one thread (four points: threads
    only get in the way)."""
    theta0 = glorot_many((2, int(width), 1), activation, seeds)
    return lbfgs_many(_xor_loss_grads(activation, width), theta0, max_iter, record=record)


def lbfgs_xor(activation: str, width: int, seed: int, max_iter: int = 2000, *, record: bool = False) -> LbfgsFit:
    """One run of :func:`lbfgs_xor_many`."""
    return lbfgs_xor_many(activation, width, (seed,), max_iter, record=record)[0]


def xor_net(activation: str, width: int, theta=None) -> NetworkLoss:
    """The loss a ``width``-unit XOR classifier minimises (alpha 0), at ``theta`` (its
    ``theta0``), without a fitted model at hand."""
    P = 4 * int(width) + 1
    return NetworkLoss(
        shapes=((2, int(width)), (int(width), 1)),
        activation=activation,
        output="logistic",
        loss_name="binary_log_loss",
        X=XOR_X,
        Y=XOR_Y.astype(float).reshape(-1, 1),
        alpha=0.0,
        theta0=np.zeros(P) if theta is None else np.asarray(theta, dtype=float),
    )


@dataclass(frozen=True)
class Fitted:
    """What a fitted XOR network shows: ``z``, ``a`` the hidden pre-activations and outputs at the
    4 inputs ``(4, H)``, ``pinned`` which of them are pinned (the unit's slope there below
    :data:`PINNED` of its activation's steepest), ``p`` the probability of class 1 per input,
    ``failed`` (some input classified wrong, as ``predict`` would), the ``grad_norm`` of the loss
    and the ``max_weight`` (largest ``|weight|`` or bias)."""

    z: np.ndarray
    a: np.ndarray
    pinned: np.ndarray
    p: np.ndarray
    failed: bool
    grad_norm: float
    max_weight: float


def inspect(model: MLPClassifier) -> Fitted:
    return inspect_theta(model.activation, model.coefs_[0].shape[1], flat_weights(model))


def inspect_theta(activation: str, width: int, theta) -> Fitted:
    """:class:`Fitted` of the ``width``-unit XOR network with weights ``theta``."""
    net = xor_net(activation, width, theta)
    Ws, bs = net.unpack(net.theta0)
    z = XOR_X @ Ws[0] + bs[0]
    layers = net.activations(net.theta0)
    a, p = layers[1], layers[-1][:, 0]
    slope = ACTIVATIONS[activation][1](a)
    return Fitted(
        z=z,
        a=a,
        pinned=slope < PINNED * STEEPEST[activation],
        p=p,
        failed=bool(((p > 0.5).astype(int) != XOR_Y).any()),
        grad_norm=float(np.linalg.norm(net.gradient(net.theta0))),
        max_weight=float(np.abs(net.theta0).max()),
    )


@dataclass(frozen=True)
class XorFailures:
    """For activation ``a``, width ``w`` and seed ``r`` (arrays ``(A, W, R)``): ``failed`` (training
    accuracy below 1), ``loss`` (scikit-learn's final ``loss_``), ``max_weight`` (largest
    ``|weight|`` or bias), ``grad_norm`` (of the loss at the end), ``n_iter`` (L-BFGS iterations), ``status``
    (0: L-BFGS stopped on its own convergence test, 1: at ``max_iter`` or its evaluation cap),
    ``gap`` (distance of the loss to the nearest of ``lumped``, the losses of
    :func:`explainer.core.plateaus.lumped_losses`) and ``pinned`` (share of the hidden responses
    to the 4 inputs that are pinned, see :func:`pinned`)."""

    settings: XorSettings
    failed: np.ndarray
    loss: np.ndarray
    max_weight: np.ndarray
    grad_norm: np.ndarray
    n_iter: np.ndarray
    status: np.ndarray
    gap: np.ndarray
    pinned: np.ndarray
    lumped: tuple[float, ...]

    @property
    def runs(self) -> int:
        return self.settings.runs

    def failures(self, activation: str) -> np.ndarray:
        """Failed runs per width, ``(W,)``."""
        return self.failed[self.settings.activations.index(activation)].sum(axis=1)

    def rate(self, activation: str) -> np.ndarray:
        return self.failures(activation) / self.runs

    def of_failed(self, field: str, activation: str) -> list[list[float]]:
        """``field`` of the failed runs, one list per width."""
        a = self.settings.activations.index(activation)
        values = getattr(self, field)[a]
        return [values[w][self.failed[a, w]].tolist() for w in range(len(self.settings.widths))]


def inspect_many(activation: str, width: int, thetas) -> dict[str, np.ndarray]:
    """What :func:`inspect_theta` reads off, for a stack ``thetas (B, P)`` at once: ``failed``,
    ``grad_norm``, ``max_weight`` ``(B,)`` and ``pinned`` ``(B, 4, H)``. The gradient is
    :func:`_xor_loss_grads`' (the one L-BFGS saw; :class:`NetworkLoss`' differs from it only by
    rounding)."""
    T = np.asarray(thetas, dtype=float)
    net = xor_net(activation, width)
    layers = net.activations(T)
    a, p = layers[1], layers[-1][..., 0]
    slope = ACTIVATIONS[activation][1](a)
    _, grad = _xor_loss_grads(activation, width)(T)
    return dict(
        failed=((p > 0.5).astype(int) != XOR_Y).any(axis=-1),
        grad_norm=np.linalg.norm(grad, axis=-1),
        max_weight=np.abs(T).max(axis=-1),
        pinned=slope < PINNED * STEEPEST[activation],
    )


def xor_failures(settings: XorSettings, progress=None) -> XorFailures:
    """Every run of ``settings``, the seeds of each activation and width fitted together by
    :func:`lbfgs_xor_many`."""
    s = settings
    shape = (len(s.activations), len(s.widths), s.runs)
    failed = np.zeros(shape, dtype=bool)
    loss, max_weight, grad, gap, share = (np.zeros(shape) for _ in range(5))
    n_iter, status = np.zeros(shape, dtype=int), np.zeros(shape, dtype=int)
    lumped = plateaus.lumped_losses()
    total = len(s.activations) * len(s.widths)
    with one_thread(), np.errstate(over="ignore", under="ignore"):
        for a, act in enumerate(s.activations):
            for w, width in enumerate(s.widths):
                fits = lbfgs_xor_many(act, width, s.seeds, s.max_iter)
                seen = inspect_many(act, width, np.array([fit.theta for fit in fits]))
                failed[a, w], max_weight[a, w], grad[a, w] = seen["failed"], seen["max_weight"], seen["grad_norm"]
                share[a, w] = seen["pinned"].mean(axis=(1, 2))
                loss[a, w] = [fit.loss for fit in fits]
                n_iter[a, w], status[a, w] = [fit.n_iter for fit in fits], [fit.status for fit in fits]
                gap[a, w] = [plateaus.nearest_lumped(fit.loss, lumped)[1] for fit in fits]
                if progress is not None:
                    progress((a * len(s.widths) + w + 1) / total)
    return XorFailures(
        settings=s,
        failed=failed,
        loss=loss,
        max_weight=max_weight,
        grad_norm=grad,
        n_iter=n_iter,
        status=status,
        gap=gap,
        pinned=share,
        lumped=lumped,
    )


# ----- one failed run up close -------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedSettings:
    """The first seed of ``XorSettings(runs=runs, seed=seed).seeds`` whose ``width``-unit
    ``activation`` network fails on XOR."""

    activation: str = "logistic"
    width: int = 2
    runs: int = 50
    max_iter: int = 2000
    seed: int = 0


@dataclass(frozen=True)
class FailedRun:
    """``random_state`` of the run (``None`` if no seed failed); ``iterations`` (0 to ``n_iter``)
    and the training ``losses`` after each (L-BFGS's own iterates, read by a callback: the same as
    scikit-learn refitted with ``max_iter`` = that many; 0 is the start); ``z``, ``a`` the hidden units'
    pre-activations and outputs at the 4 inputs ``(4, H)`` and ``pinned`` which are pinned;
    ``p`` the predicted probability of class 1 for each input; ``predicted`` the classes;
    ``lumped`` the nearest lumped loss and ``grad_norm``, ``max_weight`` as in
    :class:`XorFailures`."""

    settings: FailedSettings
    random_state: int | None
    iterations: np.ndarray
    losses: np.ndarray
    z: np.ndarray
    a: np.ndarray
    pinned: np.ndarray
    p: np.ndarray
    predicted: np.ndarray
    loss: float
    lumped: float
    grad_norm: float
    max_weight: float
    n_iter: int


#: Seeds fitted together while looking for a failed run.
FAILED_CHUNK = 10


def failed_run(settings: FailedSettings) -> FailedRun:
    s = settings
    seeds = XorSettings(runs=s.runs, seed=s.seed).seeds
    fit, chosen = None, None
    with one_thread(), np.errstate(over="ignore", under="ignore"):
        for start in range(0, len(seeds), FAILED_CHUNK):  # a few seeds at a time: most widths fail early
            chunk = seeds[start : start + FAILED_CHUNK]
            fits = lbfgs_xor_many(s.activation, s.width, chunk, s.max_iter)
            failed = inspect_many(s.activation, s.width, np.array([f.theta for f in fits]))["failed"]
            if failed.any():
                chosen = chunk[int(np.argmax(failed))]
                fit = lbfgs_xor(s.activation, s.width, chosen, s.max_iter, record=True)
                break
    empty = np.zeros((0,))
    if fit is None:
        return FailedRun(
            settings=s,
            random_state=None,
            iterations=empty.astype(int),
            losses=empty,
            z=np.zeros((4, 0)),
            a=np.zeros((4, 0)),
            pinned=np.zeros((4, 0), dtype=bool),
            p=empty,
            predicted=empty.astype(int),
            loss=float("nan"),
            lumped=float("nan"),
            grad_norm=float("nan"),
            max_weight=float("nan"),
            n_iter=0,
        )
    seen = inspect_theta(s.activation, s.width, fit.theta)
    return FailedRun(
        settings=s,
        random_state=int(chosen),
        iterations=np.arange(len(fit.losses)),
        losses=fit.losses,
        z=seen.z,
        a=seen.a,
        pinned=seen.pinned,
        p=seen.p,
        predicted=(seen.p > 0.5).astype(int),
        loss=fit.loss,
        lumped=plateaus.nearest_lumped(fit.loss)[0],
        grad_norm=seen.grad_norm,
        max_weight=seen.max_weight,
        n_iter=fit.n_iter,
    )


# ----- scikit-learn's stopping rule on a plateau ---------------------------------------------------------


@dataclass(frozen=True)
class StopSettings:
    """``MLPClassifier(hidden, activation, solver="sgd", momentum=0, learning_rate_init=lr,
    alpha=0, random_state=seed)`` on XOR (full batch: 4 points), trained ``epochs`` epochs with the
    stopping rule switched off; ``tol`` and ``n_iter_no_change`` (scikit-learn's defaults) are the
    rule replayed on its loss curve."""

    hidden: tuple[int, ...] = (2,)
    activation: str = "logistic"
    lr: float = 0.5
    epochs: int = 3000
    tol: float = 1e-4
    n_iter_no_change: int = 10
    seed: int = 0


def stop_model(settings: StopSettings, *, rule: bool) -> MLPClassifier:
    """The network of ``settings``, with scikit-learn's stopping rule (``rule``) or without."""
    s = settings
    extra = dict(tol=s.tol, n_iter_no_change=s.n_iter_no_change) if rule else dict(n_iter_no_change=s.epochs + 1)
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        s.hidden,
        activation=s.activation,
        solver="sgd",
        momentum=0.0,
        learning_rate_init=s.lr,
        alpha=0.0,
        max_iter=s.epochs,
        random_state=s.seed,
        **extra,
    )


@dataclass(frozen=True)
class StopRun:
    """``curve`` is scikit-learn's ``loss_curve_`` of the long run (``epochs`` values: epoch 1
    first; see :func:`long_curve`); ``replica_stop`` the epoch at which its default rule would
    stop, replayed on that curve (:func:`explainer.core.plateaus.sklearn_stop_epoch`; ``None``:
    not within ``epochs``; the run with the rule on follows the same curve until then, and the
    tests check that a real ``stop_model(settings, rule=True)`` stops there); ``plateaus`` the
    curve's plateaus and ``plateau`` the longest (0-based epoch indices)."""

    settings: StopSettings
    curve: np.ndarray
    replica_stop: int | None
    plateau: plateaus.Plateau | None
    plateaus: tuple[plateaus.Plateau, ...] = ()

    @property
    def stop_plateau(self) -> plateaus.Plateau | None:
        """The plateau the default rule stops on, if it does."""
        if self.replica_stop is None:
            return None
        return next((p for p in self.plateaus if p.start <= self.replica_stop - 1 < p.end), None)

    @property
    def stop_loss(self) -> float:
        return float(self.curve[self.replica_stop - 1]) if self.replica_stop else float("nan")

    @property
    def final_loss(self) -> float:
        return float(self.curve[-1])


def long_curve(settings: StopSettings) -> np.ndarray:
    """The ``loss_curve_`` of ``stop_model(settings, rule=False)`` (every one of ``epochs``
    epochs), by :func:`explainer.core.nets.train_seeds`: scikit-learn's own full-batch SGD with
    its shuffles, the same to about 1e-14 (the tests compare) at a third of the time."""
    s = settings
    with one_thread():
        runs = nets.train_seeds(
            XOR_X,
            XOR_Y,
            hidden=s.hidden,
            activation=s.activation,
            lr=s.lr,
            epochs=s.epochs,
            alpha=0.0,
            seeds=(s.seed,),
            record_every=s.epochs,
            batch_losses=True,
        )
    return runs.loss_curve[:, 0].copy()


def stop_run(settings: StopSettings) -> StopRun:
    curve = long_curve(settings)
    found = tuple(plateaus.find_plateaus(curve))
    return StopRun(
        settings=settings,
        curve=curve,
        replica_stop=plateaus.sklearn_stop_epoch(curve, tol=settings.tol, n_iter_no_change=settings.n_iter_no_change),
        plateau=max(found, key=lambda p: (p.length, -p.start)) if found else None,
        plateaus=found,
    )


DEFAULT_RUN = RunSettings()
DEFAULT_ESCAPE = EscapeSettings()
DEFAULT_XOR = XorSettings()
DEFAULT_FAILED = FailedSettings()
DEFAULT_STOP = StopSettings()

store.register(ESCAPE, escape_grid, DEFAULT_ESCAPE)
store.register(XOR, xor_failures, DEFAULT_XOR)
store.register(FAILED, failed_run, DEFAULT_FAILED)
store.register(STOP, stop_run, DEFAULT_STOP)
store.register(PRODUCT, product_view, DEFAULT_RUN)
