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
  reproduced seed by seed in :func:`explainer.core.nets.train_seeds`) over several seeds and batch
  sizes, with each run's sharpness (the top Hessian eigenvalue of its training loss) and test
  loss; and genuine local minima of a small network (L-BFGS to convergence from many seeds), to
  see whether a minimum of higher training loss tests better.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from explainer.core import nets, store
from explainer.core.network import NetworkLoss
from explainer.core.overfit import Recorded, fit_classifier, probability, record_fit, sharpness
from explainer.core.training import CURVES, make_curve, make_dataset

SLUG = "overfitting"
CURVE, REGULARISED, LABELS, SHARP = (f"{SLUG}.{part}" for part in ("curve", "regularised", "labels", "sharpness"))

#: What the reader can pick for the curve fit.
WIDTHS = (8, 32, 128, 256, 512)
ALPHAS = (0.0, 0.001, 0.01, 0.1, 1.0)
ITERATIONS = (300, 1000, 2000, 5000)
#: The penalty of the regularised fit the claim compares with the unregularised one.
REGULARISED_ALPHA = 0.1


def _spearman(a, b) -> tuple[float, float]:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan"), float("nan")
    res = spearmanr(a, b)
    return float(res.statistic), float(res.pvalue)


# ----- part 1: a noisy curve, fitted early and late ----------------------------------------------


@dataclass(frozen=True)
class CurveSettings:
    """A one-hidden-layer ``MLPRegressor`` (``width`` units, ``activation``, Adam with step ``lr``,
    full batches, penalty ``alpha``) trained ``iterations`` epochs on ``n_train`` samples of the
    curve ``curve`` with noise ``noise``; ``n_test`` more samples (same draw) are the test set.
    ``seed`` draws the data and the starting weights. ``grid`` inputs draw the fits."""

    curve: str = "sine"
    n_train: int = 20
    n_test: int = 200
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
    squared errors ``run.train``, ``run.test`` at epochs ``run.epochs``). The *early* fit is the
    one of lowest test error (early stopping, judged on the test points), the *late* fit the one
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


def curve_fit(settings: CurveSettings, progress=None) -> CurveFit:
    s = settings
    X, y = make_curve(s.curve, n=s.n_train + s.n_test, noise=s.noise, seed=s.seed)
    Xtr, ytr, Xte, yte = X[: s.n_train], y[: s.n_train], X[s.n_train :], y[s.n_train :]
    grid = np.linspace(-1, 1, s.grid)
    run = record_fit(
        Xtr,
        ytr,
        Xte,
        yte,
        grid,
        epochs=s.iterations,
        progress=progress,
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
        model = fit_classifier(
            Xtr,
            labels,
            hidden_layer_sizes=(s.width,) * s.depth,
            solver="lbfgs",
            alpha=s.alpha,
            max_iter=s.max_iter,
            max_fun=10 * s.max_iter,
            tol=1e-10,
            random_state=s.seed,
            restarts=s.restarts,
        )
        train_acc.append(float(model.score(Xtr, labels)))
        test_acc.append(float(model.score(Xte, yte)))
        iterations.append(int(model.n_iter_))
        proba.append(probability(model, G).reshape(len(ys), len(xs)))
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
    penalty ``alpha``) for ``epochs`` epochs with each batch size in ``batch_sizes``, from
    ``runs`` seeds (``seed`` to ``seed + runs - 1``), on ``n_train`` points of ``data`` (noise
    ``noise``, drawn with ``seed``); ``n_test`` more points are the test set.

    For the minima: a small network (``minima_hidden``) fitted by L-BFGS until it comes to rest
    (``minima_max_iter`` iterations at most) from ``minima_runs`` seeds on the same data."""

    data: str = "moons"
    n_train: int = 100
    n_test: int = 1000
    noise: float = 0.3
    hidden: tuple[int, ...] = (32,)
    activation: str = "tanh"
    lr: float = 0.2
    alpha: float = 1e-4
    epochs: int = 300
    batch_sizes: tuple[int, ...] = (5, 10, 25, 100)
    runs: int = 5
    minima_hidden: tuple[int, ...] = (2,)
    minima_runs: int = 20
    minima_max_iter: int = 5000
    seed: int = 0


@dataclass(frozen=True)
class SharpRuns:
    """One row per SGD run (``batch_size``, ``run_seed``): ``sharpness`` (top Hessian eigenvalue of
    the training loss at its final weights), ``train_loss`` and ``test_loss`` (scikit-learn's
    log-loss with its penalty, on the training and the test points) and ``test_acc``, ``spearman``
    and ``spearman_p``: the rank correlation of sharpness and test loss over all runs.

    Minima: per L-BFGS seed, ``minima_train_loss``, ``minima_test_loss``, ``minima_grad_norm``
    (the gradient's size where it stopped); ``minima_spearman`` (with
    ``minima_spearman_p``) correlates training and test loss over the runs that came to rest."""

    settings: SharpSettings
    batch_size: np.ndarray
    run_seed: np.ndarray
    sharpness: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray
    spearman: float
    spearman_p: float
    minima_train_loss: np.ndarray
    minima_test_loss: np.ndarray
    minima_grad_norm: np.ndarray
    minima_spearman: float
    minima_spearman_p: float

    def by_batch(self, values) -> dict[int, np.ndarray]:
        values = np.asarray(values)
        return {int(b): values[self.batch_size == b] for b in self.settings.batch_sizes}


#: A minimum "came to rest" where its gradient is below this.
REST_GRAD = 1e-3


def _template(X, y, hidden, activation, alpha, seed=0):
    """A fitted classifier of the right shape, to build :class:`NetworkLoss` objects from."""
    return fit_classifier(X, y, hidden_layer_sizes=hidden, activation=activation, alpha=alpha, max_iter=1,
                          random_state=seed)  # fmt: skip


def sharp_runs(settings: SharpSettings, progress=None) -> SharpRuns:
    s = settings
    X, y = make_dataset(s.data, n=s.n_train + s.n_test, noise=s.noise, seed=s.seed)
    Xtr, ytr, Xte, yte = X[: s.n_train], y[: s.n_train], X[s.n_train :], y[s.n_train :]
    template = _template(Xtr, ytr, s.hidden, s.activation, s.alpha)
    on_train, on_test = NetworkLoss.from_model(template, Xtr, ytr), NetworkLoss.from_model(template, Xte, yte)
    seeds = tuple(range(s.seed, s.seed + s.runs))
    steps = [s.epochs * -(-s.n_train // min(b, s.n_train)) for b in s.batch_sizes]
    total = sum(steps) + s.minima_runs * 50
    done = 0.0
    rows = []
    for b, k in zip(s.batch_sizes, steps, strict=True):
        runs = nets.train_seeds(Xtr, ytr, hidden=s.hidden, activation=s.activation, lr=s.lr, epochs=s.epochs,
                                batch_size=b, alpha=s.alpha, seeds=seeds, record_every=s.epochs)  # fmt: skip
        for i, seed in enumerate(seeds):
            theta = runs.thetas[i]
            if runs.blew_up[i]:
                rows.append((b, seed, np.nan, np.inf, np.inf, np.nan))
                continue
            p = on_test.activations(theta, Xte)[-1][:, 0]
            rows.append(
                (b, seed, sharpness(on_train, theta, seed=seed), on_train.loss(theta), on_test.loss(theta),
                 float(np.mean((p > 0.5) == yte)))
            )  # fmt: skip
        done += k
        if progress is not None:
            progress(done / total)
    rows = np.array(rows, dtype=float)
    ok = np.isfinite(rows[:, 2]) & np.isfinite(rows[:, 4])
    rho, p = _spearman(rows[ok, 2], rows[ok, 4])

    m_train, m_test, m_grad = [], [], []
    for seed in range(s.seed, s.seed + s.minima_runs):
        model = fit_classifier(
            Xtr,
            ytr,
            hidden_layer_sizes=s.minima_hidden,
            activation=s.activation,
            solver="lbfgs",
            alpha=s.alpha,
            max_iter=s.minima_max_iter,
            max_fun=10 * s.minima_max_iter,
            tol=1e-10,
            random_state=seed,
        )
        net = NetworkLoss.from_model(model, Xtr, ytr)
        m_train.append(net.loss(net.theta0))
        m_grad.append(float(np.linalg.norm(net.gradient(net.theta0))))
        m_test.append(NetworkLoss.from_model(model, Xte, yte).loss(net.theta0))
        done += 50
        if progress is not None:
            progress(done / total)
    m_train, m_test, m_grad = np.array(m_train), np.array(m_test), np.array(m_grad)
    rest = m_grad < REST_GRAD
    m_rho, m_p = _spearman(m_train[rest], m_test[rest])
    return SharpRuns(
        settings=s,
        batch_size=rows[:, 0].astype(int),
        run_seed=rows[:, 1].astype(int),
        sharpness=rows[:, 2],
        train_loss=rows[:, 3],
        test_loss=rows[:, 4],
        test_acc=rows[:, 5],
        spearman=rho,
        spearman_p=p,
        minima_train_loss=m_train,
        minima_test_loss=m_test,
        minima_grad_norm=m_grad,
        minima_spearman=m_rho,
        minima_spearman_p=m_p,
    )


DEFAULT_SHARP = SharpSettings()
store.register(SHARP, sharp_runs, DEFAULT_SHARP)
