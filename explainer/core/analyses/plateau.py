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
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_limits

from explainer.core import nets, plateaus, store
from explainer.core.network import ACTIVATIONS, NetworkLoss, flat_weights
from explainer.core.plateaus import PRODUCT_METHODS, TARGET, XOR_X, XOR_Y
from explainer.core.training import glorot_init

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
    with warnings.catch_warnings(), threadpool_limits(1), config_context(assume_finite=True):
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


def lbfgs_xor(activation: str, width: int, seed: int, max_iter: int = 2000, *, record: bool = False) -> LbfgsFit:
    """``MLPClassifier((width,), activation, solver="lbfgs", alpha=0, max_iter=max_iter,
    random_state=seed).fit(XOR_X, XOR_Y)`` without its input checks: the same starting weights
    (:func:`glorot_init`), the same loss and gradient, computed by the same numpy operations in
    the same order as its ``_loss_grad_lbfgs`` (scikit-learn's own activation, derivative and
    log-loss functions), and the same call to scipy's L-BFGS-B, so the run is scikit-learn's bit
    for bit (the tests compare) at a third of the time. ``record`` keeps the loss after every
    iteration (scipy's callback), which equals scikit-learn refitted with ``max_iter`` = that
    many. Call it with BLAS limited to one thread (four points: threads only get in the way)."""
    import scipy.optimize
    from sklearn.neural_network._base import ACTIVATIONS as SK_ACTIVATIONS
    from sklearn.neural_network._base import DERIVATIVES as SK_DERIVATIVES
    from sklearn.neural_network._base import binary_log_loss

    H = int(width)
    theta0 = glorot_init((2, H, 1), activation, int(seed))
    hidden, derivative, output = SK_ACTIVATIONS[activation], SK_DERIVATIVES[activation], SK_ACTIVATIONS["logistic"]
    X, Y, n = XOR_X, XOR_Y.reshape(-1, 1).astype(bool), len(XOR_X)

    def loss_grad(theta):
        W0, W1 = np.reshape(theta[: 2 * H], (2, H)), np.reshape(theta[2 * H : 3 * H], (H, 1))
        b0, b1 = theta[3 * H : 4 * H], theta[4 * H : 4 * H + 1]
        a1 = X @ W0
        a1 += b0
        hidden(a1)
        a2 = a1 @ W1
        a2 += b1
        output(a2)
        loss = binary_log_loss(Y, a2, None)
        loss += 0.0 * (np.dot(W0.ravel(), W0.ravel()) + np.dot(W1.ravel(), W1.ravel())) / n  # alpha = 0
        d1 = a2 - Y
        g1 = a1.T @ d1
        g1 += 0.0 * W1  # alpha * W, as scikit-learn adds it
        g1 /= n
        gb1 = np.sum(d1, axis=0) / n
        d0 = d1 @ W1.T
        derivative(a1, d0)
        g0 = X.T @ d0
        g0 += 0.0 * W0
        g0 /= n
        gb0 = np.sum(d0, axis=0) / n
        return loss, np.hstack([g0.ravel(), g1.ravel(), gb0, gb1])

    seen = []
    if record:
        seen.append(float(loss_grad(theta0)[0]))

    def callback(intermediate_result):
        seen.append(float(intermediate_result.fun))

    res = scipy.optimize.minimize(
        loss_grad,
        theta0,
        method="L-BFGS-B",
        jac=True,
        options={"maxfun": LBFGS_MAX_FUN, "maxiter": int(max_iter), "gtol": LBFGS_TOL},
        callback=callback if record else None,
    )
    return LbfgsFit(
        theta=np.asarray(res.x, dtype=float),
        loss=float(res.fun),
        n_iter=min(int(res.nit), int(max_iter)),
        status=int(res.status),
        losses=np.array(seen),
    )


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


def xor_failures(settings: XorSettings, progress=None) -> XorFailures:
    s = settings
    shape = (len(s.activations), len(s.widths), s.runs)
    failed = np.zeros(shape, dtype=bool)
    loss, max_weight, grad, gap, share = (np.zeros(shape) for _ in range(5))
    n_iter, status = np.zeros(shape, dtype=int), np.zeros(shape, dtype=int)
    lumped = plateaus.lumped_losses()
    total = len(s.activations) * len(s.widths)
    with threadpool_limits(1), np.errstate(over="ignore", under="ignore"):
        for a, act in enumerate(s.activations):
            for w, width in enumerate(s.widths):
                for r, seed in enumerate(s.seeds):
                    fit = lbfgs_xor(act, width, seed, s.max_iter)
                    seen = inspect_theta(act, width, fit.theta)
                    failed[a, w, r] = seen.failed
                    loss[a, w, r] = fit.loss
                    max_weight[a, w, r] = seen.max_weight
                    grad[a, w, r] = seen.grad_norm
                    n_iter[a, w, r], status[a, w, r] = fit.n_iter, fit.status
                    gap[a, w, r] = plateaus.nearest_lumped(fit.loss, lumped)[1]
                    share[a, w, r] = float(seen.pinned.mean())
                    if progress is not None:
                        progress((a * len(s.widths) * s.runs + w * s.runs + r + 1) / (total * s.runs))
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


def failed_run(settings: FailedSettings) -> FailedRun:
    s = settings
    seeds = XorSettings(runs=s.runs, seed=s.seed).seeds
    fit, chosen = None, None
    with threadpool_limits(1), np.errstate(over="ignore", under="ignore"):
        for seed in seeds:
            f = lbfgs_xor(s.activation, s.width, seed, s.max_iter)
            if inspect_theta(s.activation, s.width, f.theta).failed:
                fit, chosen = lbfgs_xor(s.activation, s.width, seed, s.max_iter, record=True), seed
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
    stopping rule switched off, and once with ``tol`` and ``n_iter_no_change`` (scikit-learn's
    defaults)."""

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
    first; see :func:`long_curve`); ``replica_stop`` the epoch at which its default rule would stop, replayed on that
    curve (:func:`explainer.core.plateaus.sklearn_stop_epoch`; ``None``: not within ``epochs``),
    and ``sklearn_stop`` the ``n_iter_`` of the real run with the rule on; ``plateaus`` the
    curve's plateaus and ``plateau`` the longest (0-based epoch indices)."""

    settings: StopSettings
    curve: np.ndarray
    replica_stop: int | None
    sklearn_stop: int
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
    with threadpool_limits(1):
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
    from sklearn.exceptions import ConvergenceWarning

    curve = long_curve(settings)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        short = stop_model(settings, rule=True).fit(XOR_X, XOR_Y)  # the real thing: it stops within a few dozen
    found = tuple(plateaus.find_plateaus(curve))
    return StopRun(
        settings=settings,
        curve=curve,
        replica_stop=plateaus.sklearn_stop_epoch(curve, tol=settings.tol, n_iter_no_change=settings.n_iter_no_change),
        sklearn_stop=int(short.n_iter_),
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
