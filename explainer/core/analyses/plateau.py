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

import numpy as np
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from explainer.core import plateaus, store
from explainer.core.network import ACTIVATIONS, NetworkLoss, flat_weights
from explainer.core.plateaus import PRODUCT_METHODS, TARGET, XOR_X, XOR_Y
from explainer.core.training import glorot_init

SLUG = "plateau"
#: Names of the precomputed default results (explainer/data/<name>.json).
ESCAPE, XOR, FAILED, STOP = (f"{SLUG}.{part}" for part in ("escape", "xor", "failed", "stop"))

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
    ``loss`` and ``grad_norm`` there; ``plateau`` the longest plateau of the whole curve (``None``
    if it has none); ``escape`` the first step with loss below ``target`` (``None``: censored at
    ``cap``); ``theory`` the gradient flow's prediction of that step for plain descent
    (``escape_time / lr``); ``max_grad`` the largest gradient norm of the run; ``plateau_grad`` the
    largest on the plateau; ``diverged`` whether the run blew up; ``total`` its steps."""

    settings: RunSettings
    steps: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    plateau: plateaus.Plateau | None
    escape: int | None
    theory: float
    start_loss: float
    max_grad: float
    plateau_grad: float
    diverged: bool
    total: int


def product_view(settings: RunSettings) -> ProductView:
    s = settings
    run = plateaus.product_run(s.depth, s.u0, s.lr, s.method, cap=s.cap, target=s.target)
    plateau = plateaus.main_plateau(run.losses)
    keep = () if plateau is None else (plateau.start, plateau.end - 1, plateau.end)
    keep = (*keep, run.escape) if run.escape is not None else keep
    idx = _log_indices(len(run.losses), keep=keep)
    return ProductView(
        settings=s,
        steps=idx,
        loss=run.losses[idx],
        grad_norm=run.grad_norms[idx],
        plateau=plateau,
        escape=run.escape,
        theory=plateaus.escape_time(s.depth, s.u0, s.target) / s.lr,
        start_loss=float(run.losses[0]),
        max_grad=float(run.grad_norms.max()),
        plateau_grad=float(run.grad_norms[plateau.start : plateau.end].max()) if plateau else float("nan"),
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
    longest plain-descent run (largest depth, smallest ``u0``), ``plateau_loss`` is the mean loss
    over its plateau, ``plateau_grad`` the largest gradient norm there and ``max_grad`` the run's
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
    plateau = plateaus.main_plateau(slowest.losses)
    return EscapeGrid(
        settings=s,
        steps=steps,
        theory=theory,
        plateau_loss=plateau.loss if plateau else float("nan"),
        plateau_grad=float(slowest.grad_norms[plateau.start : plateau.end].max()) if plateau else float("nan"),
        max_grad=float(slowest.grad_norms.max()),
    )


# ----- XOR over many seeds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class XorSettings:
    """``runs`` seeds (``random_state`` ``seed * runs`` onwards) of ``MLPClassifier(hidden,
    activation, solver="lbfgs", alpha=0, max_iter=max_iter)`` on the four XOR points for each
    activation and number of hidden units."""

    activations: tuple[str, ...] = ACTIVATIONS_SWEPT
    widths: tuple[int, ...] = HIDDEN_UNITS
    runs: int = 50
    max_iter: int = 2000
    seed: int = 0

    @property
    def seeds(self) -> range:
        return range(self.seed * self.runs, (self.seed + 1) * self.runs)


def fit_xor(activation: str, width: int, seed: int, max_iter: int = 2000) -> MLPClassifier:
    """One seeded ``lbfgs`` fit on XOR, its ConvergenceWarning (if any) kept quiet. (On four points
    BLAS threads only get in each other's way, so the fit runs on one.)"""
    model = MLPClassifier(
        (int(width),), activation=activation, solver="lbfgs", alpha=0.0, max_iter=int(max_iter), random_state=int(seed)
    )
    with warnings.catch_warnings(), threadpool_limits(1), config_context(assume_finite=True):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(XOR_X, XOR_Y)


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
    theta = flat_weights(model)
    net = xor_net(model.activation, model.coefs_[0].shape[1], theta)
    Ws, bs = net.unpack(theta)
    z = XOR_X @ Ws[0] + bs[0]
    layers = net.activations(theta)
    a, p = layers[1], layers[-1][:, 0]
    slope = ACTIVATIONS[model.activation][1](a)
    return Fitted(
        z=z,
        a=a,
        pinned=slope < PINNED * STEEPEST[model.activation],
        p=p,
        failed=bool(((p > 0.5).astype(int) != XOR_Y).any()),
        grad_norm=float(np.linalg.norm(net.gradient(theta))),
        max_weight=float(np.abs(theta).max()),
    )


@dataclass(frozen=True)
class XorFailures:
    """For activation ``a``, width ``w`` and seed ``r`` (arrays ``(A, W, R)``): ``failed`` (training
    accuracy below 1), ``loss`` (scikit-learn's final ``loss_``), ``max_weight`` (largest
    ``|weight|`` or bias), ``grad_norm`` (of the loss at the end), ``n_iter`` (L-BFGS iterations),
    ``gap`` (distance of the loss to the nearest of ``lumped``, the losses of
    :func:`explainer.core.plateaus.lumped_losses`) and ``pinned`` (share of the hidden responses
    to the 4 inputs that are pinned, see :func:`pinned`)."""

    settings: XorSettings
    failed: np.ndarray
    loss: np.ndarray
    max_weight: np.ndarray
    grad_norm: np.ndarray
    n_iter: np.ndarray
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
    n_iter = np.zeros(shape, dtype=int)
    lumped = plateaus.lumped_losses()
    total = len(s.activations) * len(s.widths)
    for a, act in enumerate(s.activations):
        for w, width in enumerate(s.widths):
            for r, seed in enumerate(s.seeds):
                model = fit_xor(act, width, seed, s.max_iter)
                seen = inspect(model)
                failed[a, w, r] = seen.failed
                loss[a, w, r] = float(model.loss_)
                max_weight[a, w, r] = seen.max_weight
                grad[a, w, r] = seen.grad_norm
                n_iter[a, w, r] = int(model.n_iter_)
                gap[a, w, r] = plateaus.nearest_lumped(float(model.loss_), lumped)[1]
                share[a, w, r] = float(seen.pinned.mean())
            if progress is not None:
                progress((a * len(s.widths) + w + 1) / total)
    return XorFailures(
        settings=s,
        failed=failed,
        loss=loss,
        max_weight=max_weight,
        grad_norm=grad,
        n_iter=n_iter,
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
    and the training ``losses`` after each (scikit-learn refitted with ``max_iter`` = that
    many, so each is its own L-BFGS state; 0 is the start); ``z``, ``a`` the hidden units'
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
    model, chosen = None, None
    for seed in seeds:
        m = fit_xor(s.activation, s.width, seed, s.max_iter)
        if inspect(m).failed:
            model, chosen = m, seed
            break
    empty = np.zeros((0,))
    if model is None:
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
    seen = inspect(model)
    start = xor_net(s.activation, s.width).loss(glorot_init((2, s.width, 1), s.activation, chosen))  # its first weights
    steps = [float(fit_xor(s.activation, s.width, chosen, k).loss_) for k in range(1, model.n_iter_)]
    losses = [start, *steps, float(model.loss_)]
    return FailedRun(
        settings=s,
        random_state=int(chosen),
        iterations=np.arange(len(losses)),
        losses=np.array(losses),
        z=seen.z,
        a=seen.a,
        pinned=seen.pinned,
        p=seen.p,
        predicted=(seen.p > 0.5).astype(int),
        loss=float(model.loss_),
        lumped=plateaus.nearest_lumped(float(model.loss_))[0],
        grad_norm=seen.grad_norm,
        max_weight=seen.max_weight,
        n_iter=int(model.n_iter_),
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
    first); ``replica_stop`` the epoch at which its default rule would stop, replayed on that
    curve (:func:`explainer.core.plateaus.sklearn_stop_epoch`; ``None``: not within ``epochs``),
    and ``sklearn_stop`` the ``n_iter_`` of the real run with the rule on; ``plateau`` the
    curve's longest plateau (0-based epoch indices)."""

    settings: StopSettings
    curve: np.ndarray
    replica_stop: int | None
    sklearn_stop: int
    plateau: plateaus.Plateau | None

    @property
    def stop_loss(self) -> float:
        return float(self.curve[self.replica_stop - 1]) if self.replica_stop else float("nan")

    @property
    def final_loss(self) -> float:
        return float(self.curve[-1])


def stop_run(settings: StopSettings) -> StopRun:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        long = stop_model(settings, rule=False).fit(XOR_X, XOR_Y)
        short = stop_model(settings, rule=True).fit(XOR_X, XOR_Y)
    curve = np.array(long.loss_curve_, dtype=float)
    return StopRun(
        settings=settings,
        curve=curve,
        replica_stop=plateaus.sklearn_stop_epoch(curve, tol=settings.tol, n_iter_no_change=settings.n_iter_no_change),
        sklearn_stop=int(short.n_iter_),
        plateau=plateaus.main_plateau(curve),
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
