"""Is the global minimum what we want? Three views, each frozen settings in and a documented result out:

- :class:`CurveSettings` -> :func:`curve_fit` -> :class:`CurveFit`: a wide ``MLPRegressor`` on a
  few noisy samples of a 1-D curve, its training and test error read along training
  (:func:`explainer.core.overfit.record_fit`): the early-stopped fit (lowest test error) against
  the fit at the end, near the training loss's minimum.
- :class:`LabelsSettings` -> :func:`labels_fit` -> :class:`LabelsFit`: the random-labels
  experiment of Zhang et al. (ICLR 2017): one wide ``MLPClassifier`` fitted to the true labels of
  a small 2-D data set and one to the same labels shuffled; train and test accuracy, and each
  one's probability over a grid of the plane.
- :class:`SharpSettings` -> :func:`sharp_runs` -> :class:`SharpRuns`: plain SGD (scikit-learn's,
  reproduced for all seeds at once in :func:`explainer.core.overfit.sgd_to_target`) over several
  seeds and batch sizes, each run stopped at one common training loss, with its sharpness (the
  top Hessian eigenvalue of its training loss) and test loss; and local minima of a small network
  (L-BFGS to convergence from many seeds; gradient and Hessian checked), to see whether a minimum
  of higher training loss tests better.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

from explainer.core import nets, overfit, store
from explainer.core.blas import one_thread
from explainer.core.overfit import Recorded, lbfgs_classifier, record_fit
from explainer.core.training import CURVES, make_curve, make_dataset

SLUG = "overfitting"
CURVE, REGULARISED, LABELS, SHARP = (f"{SLUG}.{part}" for part in ("curve", "regularised", "labels", "sharpness"))

#: What the reader can pick for the curve fit.
WIDTHS = (8, 32, 128, 256, 512)
ALPHAS = (0.0, 0.001, 0.01, 0.1, 1.0)
ITERATIONS = (300, 1000, 2000, 5000)
#: The penalty of the regularised fit the claim compares with the unregularised one.
REGULARISED_ALPHA = 0.1


def _one_thread(func):
    """``func`` run with the BLAS library on one thread (:func:`explainer.core.blas.one_thread`)."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with one_thread():
            return func(*args, **kwargs)

    return run


def rankdata(values) -> np.ndarray:
    """``scipy.stats.rankdata(values)``: ranks from 1, ties given their average rank (here, so
    that the live section does not import ``scipy.stats``, about 0.8 s)."""
    v = np.asarray(values, dtype=float).ravel()
    order = np.argsort(v, kind="mergesort")
    ordered = v[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    group = np.cumsum(starts) - 1
    first, counts = np.flatnonzero(starts), np.bincount(group)
    ranks = np.empty(len(v))
    ranks[order] = (first + (counts + 1) / 2)[group]
    return ranks


def two_sided_t(t: float, dof: int) -> float:
    """The two-sided p-value of Student's ``t`` with ``dof`` degrees of freedom (scipy.stats'
    ``2 * t.sf(|t|, dof)``, from ``scipy.special.stdtr``)."""
    from scipy.special import stdtr

    return float(min(1.0, 2 * stdtr(dof, -abs(t))))


def _spearman(a, b) -> tuple[float, float]:
    """Spearman's coefficient and its two-sided p-value, as ``scipy.stats.spearmanr`` gives them
    (Pearson's on the ranks; Student's t with ``n - 2`` degrees of freedom)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan"), float("nan")
    rho = float(np.corrcoef(rankdata(a), rankdata(b))[0, 1])
    dof = len(a) - 2
    if abs(rho) >= 1:
        return rho, 0.0
    return rho, two_sided_t(rho * np.sqrt(max(dof / ((rho + 1.0) * (1.0 - rho)), 0.0)), dof)


# ----- part 1: a noisy curve, fitted early and late ----------------------------------------------


@dataclass(frozen=True)
class CurveSettings:
    """A one-hidden-layer ``MLPRegressor`` (``width`` units, ``activation``, Adam with step ``lr``,
    full batches, penalty ``alpha``) trained ``iterations`` epochs on ``n_train`` samples of the
    curve ``curve`` with noise ``noise``; ``n_test`` more samples (same draw) are the test set,
    and ``n_val`` samples of a separate draw the validation set that picks the early-stopping
    epoch. ``seed`` draws the data and the starting weights. ``grid`` inputs draw the fits."""

    curve: str = "sine"
    n_train: int = 20
    n_test: int = 200
    n_val: int = 200
    noise: float = 0.3
    width: int = 256
    activation: str = "relu"
    alpha: float = 0.0
    lr: float = 0.02
    iterations: int = 5000
    grid: int = 200
    seed: int = 0


@dataclass(frozen=True)
class CurveFit:
    """The fit read along training (``run``, a :class:`~explainer.core.overfit.Recorded`: mean
    squared errors ``run.train``, ``run.test``, ``run.val`` at epochs ``run.epochs``). The *early*
    fit is the one of lowest validation error (early stopping, judged on held-out points that are
    neither trained on nor tested on; ``test_early`` is its test error), the *late* fit the one
    of lowest training error (at or near the end: as close to the training loss's minimum as the
    run got). With its data
    (``x_train, y_train, x_test, y_test``) and the noiseless curve over the grid (``truth``).
    ``noise_mse`` is the noise's variance: the test error of the true curve itself, on average."""

    settings: CurveSettings
    run: Recorded
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    truth: np.ndarray
    noise_mse: float

    @property
    def finite(self) -> bool:
        return self.run.finite and len(self.run.epochs) > 0

    @property
    def best_iteration(self) -> int:
        return int(self.run.epochs[self.run.best])

    @property
    def late_iteration(self) -> int:
        """The epoch of the lowest training error reached: the late fit, nearest the minimum."""
        return int(self.run.epochs[self.run.lowest])

    @property
    def last_iteration(self) -> int:
        return int(self.run.epochs[-1])

    @property
    def train_early(self) -> float:
        return float(self.run.train[self.run.best])

    @property
    def test_early(self) -> float:
        return float(self.run.test[self.run.best])

    @property
    def train_late(self) -> float:
        return float(self.run.train[self.run.lowest])

    @property
    def test_late(self) -> float:
        return float(self.run.test[self.run.lowest])

    @property
    def train_start(self) -> float:
        return float(self.run.train[0])


@_one_thread
def curve_fit(settings: CurveSettings, progress=None) -> CurveFit:
    s = settings
    X, y = make_curve(s.curve, n=s.n_train + s.n_test, noise=s.noise, seed=s.seed)
    Xtr, ytr, Xte, yte = X[: s.n_train], y[: s.n_train], X[s.n_train :], y[s.n_train :]
    Xva, yva = make_curve(s.curve, n=max(int(s.n_val), 1), noise=s.noise, seed=[s.seed, 2])
    grid = np.linspace(-1, 1, s.grid)
    run = record_fit(
        Xtr,
        ytr,
        Xte,
        yte,
        grid,
        epochs=s.iterations,
        progress=progress,
        X_val=Xva,
        y_val=yva,
        hidden_layer_sizes=(s.width,),
        activation=s.activation,
        solver="adam",
        alpha=s.alpha,
        learning_rate_init=s.lr,
        batch_size=s.n_train,
        shuffle=False,
        random_state=s.seed,
    )
    truth = _noiseless(s.curve, grid)
    return CurveFit(
        settings=s,
        run=run,
        x_train=Xtr[:, 0],
        y_train=ytr,
        x_test=Xte[:, 0],
        y_test=yte,
        truth=truth,
        noise_mse=float(s.noise**2),
    )


def _noiseless(curve: str, x: np.ndarray) -> np.ndarray:
    """The curve without noise at ``x``: its generator fed a stream whose one draw is ``x``."""

    class _Fixed:
        def uniform(self, *args, **kwargs):
            return x

    _, values = CURVES[curve](len(x), 0.0, _Fixed())
    return np.asarray(values, dtype=float)


DEFAULT_CURVE = CurveSettings()
DEFAULT_REGULARISED = dataclasses.replace(DEFAULT_CURVE, alpha=REGULARISED_ALPHA)
store.register(CURVE, curve_fit, DEFAULT_CURVE)
store.register(REGULARISED, curve_fit, DEFAULT_REGULARISED)


# ----- part 2: true labels and random labels -------------------------------------------------------


@dataclass(frozen=True)
class LabelsSettings:
    """An ``MLPClassifier`` (``width`` ReLU units, L-BFGS, penalty ``alpha``, up to ``max_iter``
    iterations) fitted to ``n_train`` points of ``data`` (noise ``noise``), once with their labels
    and once with the labels shuffled (seeded); ``n_test`` more points with their true labels are
    the test set. ``seed`` draws the data, the shuffle and the starting weights; the probability
    maps are ``grid`` x ``grid``."""

    data: str = "moons"
    n_train: int = 100
    n_test: int = 500
    noise: float = 0.2
    width: int = 512
    depth: int = 1
    alpha: float = 0.0
    max_iter: int = 1000
    restarts: int = 2
    grid: int = 60
    seed: int = 0


@dataclass(frozen=True)
class LabelsFit:
    """Both fits: ``train_acc[k]`` and ``test_acc[k]`` for ``k`` in (true labels, random labels),
    the labels each was trained on (``y_true``, ``y_random``: the same counts of each class), the
    iterations each took (``iterations``), and each one's probability of class 1 over the grid
    ``xs`` x ``ys`` (``proba[k]``, shaped ``(len(ys), len(xs))``)."""

    settings: LabelsSettings
    X_train: np.ndarray
    y_true: np.ndarray
    y_random: np.ndarray
    train_acc: tuple[float, float]
    test_acc: tuple[float, float]
    iterations: tuple[int, int]
    xs: np.ndarray
    ys: np.ndarray
    proba: tuple[np.ndarray, np.ndarray]

    @property
    def agree(self) -> float:
        """Share of training points whose shuffled label is still the true one."""
        return float(np.mean(self.y_true == self.y_random))


def coin_labels(y, seed: int) -> np.ndarray:
    """Random labels for ``y`` (0/1): in each class a randomly chosen half of the points (seeded)
    swap to the other label, so that the new label says nothing about a point's true class."""
    rng = np.random.default_rng([seed, 1])
    out = np.asarray(y).copy()
    for c in (0, 1):
        where = np.flatnonzero(y == c)
        out[rng.choice(where, size=len(where) // 2, replace=False)] = 1 - c
    return out


@_one_thread
def labels_fit(settings: LabelsSettings, progress=None) -> LabelsFit:
    s = settings
    X, y = make_dataset(s.data, n=s.n_train + s.n_test, noise=s.noise, seed=s.seed)
    Xtr, ytr, Xte, yte = X[: s.n_train], y[: s.n_train], X[s.n_train :], y[s.n_train :]
    y_random = coin_labels(ytr, s.seed)
    lo, hi = X.min(axis=0) - 0.4, X.max(axis=0) + 0.4
    xs, ys = np.linspace(lo[0], hi[0], s.grid), np.linspace(lo[1], hi[1], s.grid)
    G = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    train_acc, test_acc, iterations, proba = [], [], [], []
    for labels in (ytr, y_random):
        model = lbfgs_classifier(
            Xtr,
            labels,
            hidden=(s.width,) * s.depth,
            activation="relu",
            alpha=s.alpha,
            max_iter=s.max_iter,
            max_fun=10 * s.max_iter,
            tol=1e-10,
            seed=s.seed,
            restarts=s.restarts,
        )
        train_acc.append(model.score(Xtr, labels))
        test_acc.append(model.score(Xte, yte))
        iterations.append(int(model.n_iter_))
        proba.append(model.proba(G).reshape(len(ys), len(xs)))
        if progress is not None:
            progress(len(proba) / 2)
    return LabelsFit(
        settings=s,
        X_train=Xtr,
        y_true=ytr,
        y_random=y_random,
        train_acc=tuple(train_acc),
        test_acc=tuple(test_acc),
        iterations=tuple(iterations),
        xs=xs,
        ys=ys,
        proba=tuple(proba),
    )


DEFAULT_LABELS = LabelsSettings()
store.register(LABELS, labels_fit, DEFAULT_LABELS)


# ----- part 3: sharpness against test loss, and minima of different heights -------------------------


@dataclass(frozen=True)
class SharpSettings:
    """Plain SGD (``MLPClassifier(solver="sgd", momentum=0)``, ``hidden`` tanh units, step ``lr``,
    penalty ``alpha``) with each batch size in ``batch_sizes``, from ``runs`` seeds (``seed`` to
    ``seed + runs - 1``), on ``n_train`` points of ``data`` (noise ``noise``, drawn with ``seed``);
    ``n_test`` more points are the test set. Every run stops at the end of the first epoch at
    which its training loss is at most ``target`` (at most ``max_updates`` steps), so that runs
    are compared at the same training loss, not after the same number of epochs.

    For the minima: a small network (``minima_hidden``) fitted by L-BFGS until it comes to rest
    (``minima_max_iter`` iterations at most) from ``minima_runs`` seeds on the same kind of data
    drawn with noise ``minima_noise``."""

    data: str = "moons"
    n_train: int = 100
    n_test: int = 1000
    noise: float = 0.2
    hidden: tuple[int, ...] = (32,)
    activation: str = "tanh"
    lr: float = 0.5
    alpha: float = 1e-4
    target: float = 0.1
    max_updates: int = 4000
    batch_sizes: tuple[int, ...] = (5, 10, 25, 100)
    runs: int = 5
    minima_hidden: tuple[int, ...] = (2,)
    minima_noise: float = 0.3
    minima_runs: int = 20
    minima_max_iter: int = 5000
    seed: int = 0


@dataclass(frozen=True)
class SharpRuns:
    """One row per SGD run (``batch_size``, ``run_seed``): ``sharpness`` (top Hessian eigenvalue of
    the training loss at its final weights; NaN where Lanczos did not converge or the run blew up:
    "not measured"), ``train_loss`` and ``test_loss`` (scikit-learn's log-loss with its penalty,
    on the training and the test points), ``test_acc``, ``updates`` (SGD steps taken) and
    ``reached`` (the run got down to the training-loss target). Over the measured runs:
    ``spearman`` (``spearman_p``), the rank correlation of sharpness and test loss, and
    ``partial`` (``partial_p``), the same with the training loss held fixed (partial rank
    correlation: both ranks' parts that the training loss's rank explains linearly removed).

    Minima: per L-BFGS seed, ``minima_train_loss``, ``minima_test_loss``, ``minima_grad_norm``
    (the gradient's size where it stopped) and ``minima_min_eig`` (the Hessian's smallest
    eigenvalue there); ``minima_spearman`` (``minima_spearman_p``) correlates training and test
    loss over the runs at rest (:func:`at_rest`)."""

    settings: SharpSettings
    batch_size: np.ndarray
    run_seed: np.ndarray
    sharpness: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray
    updates: np.ndarray
    reached: np.ndarray
    spearman: float
    spearman_p: float
    partial: float
    partial_p: float
    minima_train_loss: np.ndarray
    minima_test_loss: np.ndarray
    minima_grad_norm: np.ndarray
    minima_min_eig: np.ndarray
    minima_spearman: float
    minima_spearman_p: float

    def by_batch(self, values) -> dict[int, np.ndarray]:
        values = np.asarray(values)
        return {int(b): values[self.batch_size == b] for b in self.settings.batch_sizes}

    @property
    def measured(self) -> np.ndarray:
        """Runs with a sharpness and a finite test loss."""
        return np.isfinite(self.sharpness) & np.isfinite(self.test_loss)

    @property
    def rest(self) -> np.ndarray:
        return at_rest(self.minima_grad_norm, self.minima_min_eig)


#: A minimum "came to rest" where its gradient's norm is below this...
REST_GRAD = 1e-3
#: ... and no eigenvalue of its Hessian is below minus this (no direction leads down).
REST_CURVATURE = 1e-4


def at_rest(grad_norm, min_eig) -> np.ndarray:
    """Where a run is at a local minimum, as far as checked: gradient norm below
    :data:`REST_GRAD` and smallest Hessian eigenvalue at least ``-REST_CURVATURE``."""
    g = np.array([np.inf if v is None else v for v in np.ravel(grad_norm)], dtype=float)
    e = np.array([-np.inf if v is None else v for v in np.ravel(min_eig)], dtype=float)
    return (g < REST_GRAD) & (e >= -REST_CURVATURE)


def partial_spearman(a, b, given) -> tuple[float, float]:
    """Spearman's correlation of ``a`` and ``b`` with ``given`` held fixed: the Pearson
    correlation of the ranks of ``a`` and ``b`` after a least-squares line in the rank of
    ``given`` is taken out of each; its p-value from Student's t with ``n - 3`` degrees of
    freedom. NaN if there are fewer than 4 values or nothing is left to correlate."""
    a, b, c = (np.asarray(v, dtype=float) for v in (a, b, given))
    n = len(a)
    if n < 4 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan"), float("nan")
    design = np.column_stack([np.ones(n), rankdata(c)])
    left = []
    for v in (a, b):
        r = rankdata(v)
        left.append(r - design @ np.linalg.lstsq(design, r, rcond=None)[0])
    if min(np.std(left[0]), np.std(left[1])) < 1e-12:
        return float("nan"), float("nan")
    rho = float(np.clip(np.corrcoef(*left)[0, 1], -1.0, 1.0))
    if abs(rho) >= 1:
        return rho, 0.0
    t = rho * np.sqrt((n - 3) / (1 - rho * rho))
    return rho, two_sided_t(t, n - 3)


@_one_thread
def sharp_runs(settings: SharpSettings, progress=None) -> SharpRuns:
    s = settings
    X, y = make_dataset(s.data, n=s.n_train + s.n_test, noise=s.noise, seed=s.seed)
    Xtr, ytr, Xte, yte = X[: s.n_train], y[: s.n_train], X[s.n_train :], y[s.n_train :]
    units = nets.layer_units(s.hidden, Xtr.shape[1])
    on_train = overfit.classifier_loss(Xtr, ytr, units, s.activation, s.alpha)
    on_test = overfit.classifier_loss(Xte, yte, units, s.activation, s.alpha)
    seeds = tuple(range(s.seed, s.seed + s.runs))
    # shares of the bar: each batch size's training (up to max_updates steps) and Hessians, then the minima
    parts = len(s.batch_sizes) + 1
    done = 0
    rows = []
    for b in s.batch_sizes:
        report = None if progress is None else (lambda share, d=done: progress((d + 0.8 * share) / parts))
        runs = overfit.sgd_to_target(Xtr, ytr, hidden=s.hidden, activation=s.activation, lr=s.lr, batch_size=b,
                                     alpha=s.alpha, seeds=seeds, target=s.target, max_updates=s.max_updates,
                                     progress=report)  # fmt: skip
        for i, seed in enumerate(seeds):
            theta = runs.thetas[i]
            if runs.blew_up[i]:
                rows.append((b, seed, np.nan, np.inf, np.inf, np.nan, runs.updates[i], False))
                continue
            p = on_test.activations(theta, Xte)[-1][:, 0]
            top = overfit.sharpness(on_train, theta, seed=seed)
            rows.append(
                (b, seed, np.nan if top is None else top, on_train.loss(theta), on_test.loss(theta),
                 float(np.mean((p > 0.5) == yte)), runs.updates[i], bool(runs.reached[i]))
            )  # fmt: skip
        done += 1
        if progress is not None:
            progress(done / parts)
    rows = np.array(rows, dtype=float)
    ok = np.isfinite(rows[:, 2]) & np.isfinite(rows[:, 4])
    rho, p = _spearman(rows[ok, 2], rows[ok, 4])
    part, part_p = partial_spearman(rows[ok, 2], rows[ok, 4], rows[ok, 3])

    X, y = make_dataset(s.data, n=s.n_train + s.n_test, noise=s.minima_noise, seed=s.seed)
    Xtr, ytr, Xte, yte = X[: s.n_train], y[: s.n_train], X[s.n_train :], y[s.n_train :]
    m_train, m_test, m_grad, m_eig = [], [], [], []
    for k, seed in enumerate(range(s.seed, s.seed + s.minima_runs)):
        model = lbfgs_classifier(
            Xtr,
            ytr,
            hidden=s.minima_hidden,
            activation=s.activation,
            alpha=s.alpha,
            max_iter=s.minima_max_iter,
            max_fun=10 * s.minima_max_iter,
            tol=1e-10,
            seed=seed,
        )
        net = model.loss(Xtr, ytr)
        m_train.append(net.loss(net.theta0))
        m_grad.append(float(np.linalg.norm(net.gradient(net.theta0))))
        m_eig.append(overfit.smallest_eigenvalue(net))
        m_test.append(model.loss(Xte, yte).loss(net.theta0))
        if progress is not None:
            progress((done + (k + 1) / s.minima_runs) / parts)
    m_train, m_test, m_grad, m_eig = np.array(m_train), np.array(m_test), np.array(m_grad), np.array(m_eig)
    rest = at_rest(m_grad, m_eig)
    m_rho, m_p = _spearman(m_train[rest], m_test[rest])
    return SharpRuns(
        settings=s,
        batch_size=rows[:, 0].astype(int),
        run_seed=rows[:, 1].astype(int),
        sharpness=rows[:, 2],
        train_loss=rows[:, 3],
        test_loss=rows[:, 4],
        test_acc=rows[:, 5],
        updates=rows[:, 6].astype(int),
        reached=rows[:, 7].astype(bool),
        spearman=rho,
        spearman_p=p,
        partial=part,
        partial_p=part_p,
        minima_train_loss=m_train,
        minima_test_loss=m_test,
        minima_grad_norm=m_grad,
        minima_min_eig=m_eig,
        minima_spearman=m_rho,
        minima_spearman_p=m_p,
    )


DEFAULT_SHARP = SharpSettings()
store.register(SHARP, sharp_runs, DEFAULT_SHARP)
