"""Local minima: shallow valleys, mini-batch noise, and what really sets escape.

Four views, each a frozen settings object in and a documented result out:

- :class:`WellsSettings` -> :func:`wells_escape` -> :class:`WellsEscape`: the model where every
  sample digs its own well (:mod:`explainer.core.wells`); mini-batch descent from the shallow
  valley for every valley size, batch size and step size, and what the escape fractions line up
  against (the evidence of both claims).
- :class:`ValleySettings` -> :func:`valley_view` -> :class:`ValleyView`: the reader's valley, its
  loss curve with the critical points, and a few full-batch and mini-batch paths.
- :class:`DoubleWellSettings` -> :func:`double_well` -> :class:`DoubleWellEscape`: plain and
  noisy descent (:func:`explainer.core.optimize.descend_many`, method ``"noisy"``) from the
  shallow valley of the tilted double well, against Kramers' escape rate; :class:`PathSettings`
  -> :func:`noisy_paths` -> :class:`NoisyPaths`: a few such runs, drawn for the reader.
- :class:`NetSettings` -> :func:`network_seeds` -> :class:`NetworkSeeds`: a 2-3-1 tanh network
  on XOR over 200 seeds, full batch against mini-batches (:mod:`explainer.core.nets`), and
  :class:`SymmetricSettings` -> :func:`symmetric_start` -> :class:`SymmetricStart`: the all-zero
  start that no batch size can leave, against a tiny random kick.

Escape theory used for comparison (never for the verdicts' measurements): with step size ``lr``
and batch-gradient noise ``sigma_b(w)``, mini-batch descent behaves like diffusion at temperature
``lr * sigma_b(w)^2 / 2``. Kramers' law then gives the escape rate
``sqrt(k_min |k_top|) / (2 pi) * exp(-Phi)`` per unit of time ``lr * steps``, where
``Phi = integral from shallow to top of 2 L'(w) / (lr sigma_b(w)^2) dw`` is the barrier measured
against the noise along the way; with constant noise ``Phi = 2 barrier / (lr sigma^2)``, and as
``sigma_b^2`` falls like ``1 / b`` it grows like ``barrier * b / lr`` (Xie, Sato & Sugiyama 2021).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from explainer.core import kinds, nets, store
from explainer.core.optimize import descend_many
from explainer.core.surfaces import SURFACES
from explainer.core.training import make_dataset
from explainer.core.wells import EscapeGrid, EscapeRuns, Valleys, Wells, escape_grid, escape_runs, valleys

SLUG = "local-minimum"
#: Names of the precomputed default results (explainer/data/<name>.json).
WELLS, NETWORK, SYMMETRIC, DOUBLE_WELL, VALLEY, PATHS = (
    f"{SLUG}.{part}" for part in ("wells", "network", "symmetric", "double-well", "valley", "paths")
)

#: The valley sizes a reader can pick (a shallow valley exists from 9 of 40 samples on; below
#: that the page shows the curve without one), the batch sizes and the step sizes.
READER_VALLEYS = tuple(range(4, 20))
BATCH_SIZES = (1, 2, 4, 8, 16, 40)
STEP_SIZES = (0.02, 0.05, 0.1, 0.2)
#: The loss curve of the wells model is drawn at this many points over this range of w.
CURVE_RANGE = (-1.6, 1.6)
CURVE_POINTS = 321
#: z for 95% intervals.
Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a share of ``k`` out of ``n`` (95% by default)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def smallest_valley(n: int = 40, width: float = 0.25) -> int:
    """The fewest samples (of ``n``) that still dig a shallow valley of their own."""
    return next(m for m in range(1, n) if valleys(Wells(n=n, m=m, width=width)).shallow is not None)


def gauss_legendre(f, a: float, b: float, *, rtol: float = 1e-13, start: int = 32, most: int = 1024) -> float:
    """``integral_a^b f(w) dw`` for a smooth ``f`` (vectorised over ``w``) by Gauss-Legendre
    quadrature, doubling the nodes from ``start`` until two rules agree to ``rtol`` (relative);
    ``ValueError`` if ``most`` nodes are not enough. (Written out because scipy.integrate's
    ``quad`` costs a fresh server about a second of imports.)"""
    previous = None
    nodes = start
    while nodes <= most:
        x, w = np.polynomial.legendre.leggauss(nodes)
        value = 0.5 * (b - a) * float(np.dot(w, f(0.5 * (b - a) * x + 0.5 * (a + b))))
        if previous is not None and abs(value - previous) <= rtol * abs(value):
            return value
        previous, nodes = value, 2 * nodes
    raise ValueError("the quadrature did not converge")


def noise_integral(model: Wells, v: Valleys) -> float:
    """``integral from the shallow minimum to the top of L'(w) / Var_1(w) dw``, where ``Var_1`` is
    one sample's gradient variance: ``Phi = 2 / lr * b (n - 1) / (n - b) * this``. The integrand is
    smooth there (``Var_1 > 0`` between the clusters): :func:`gauss_legendre`."""
    return gauss_legendre(lambda w: model.gradient(w) / model.gradient_variance(w), v.shallow, v.top)


def noise_exponent(n: int, batch, lr, integral):
    """Kramers' exponent ``Phi = 2 / lr * b (n - 1) / (n - b) * integral`` (broadcasting), ``inf``
    for the full batch, which has no noise."""
    b = np.asarray(batch, dtype=float)
    with np.errstate(divide="ignore"):
        per_noise = np.where(b < n, b * (n - 1) / np.maximum(n - b, 0), np.inf)
    return 2 / np.asarray(lr, dtype=float) * per_noise * integral


def kramers_escape(phi, k_floor, k_rim, lr, steps):
    """Kramers' probability of escape within ``steps`` steps of size ``lr``: the rate
    ``sqrt(k_floor |k_rim|) / (2 pi) * exp(-Phi)`` per unit of time ``lr``, over ``lr * steps``."""
    rate = np.sqrt(k_floor * np.abs(k_rim)) / (2 * np.pi) * np.exp(-phi)
    return 1 - np.exp(-rate * lr * steps)


def falling_fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The decreasing curve of ``log x`` that fits ``y`` best (least squares, isotonic), as
    ``(x, fitted y)`` sorted by ``x``: the curve whose share of the spread :func:`_isotonic_r2`
    reports (for ``x > 0``)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    order = np.argsort(x, kind="stable")
    return x[order], _decreasing(np.log(x), y)[order]


def _decreasing(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The least-squares non-increasing function of ``x`` at each ``x`` (scikit-learn's
    ``IsotonicRegression(increasing=False).fit(x, y).predict(x)``: tied ``x`` share the mean of
    their ``y``), by pool-adjacent-violators. (Written out because the figures call it while the
    page draws: scikit-learn's or scipy's would cost a fresh server 0.3-1.7 s of imports.)"""
    unique, index, counts = np.unique(x, return_inverse=True, return_counts=True)
    means = np.bincount(index, weights=y, minlength=len(unique)) / counts
    level, weight, size = [], [], []  # pooled blocks, left to right: mean, weight, how many values
    for m, c in zip(means.tolist(), counts.tolist(), strict=True):
        level.append(m)
        weight.append(float(c))
        size.append(1)
        while len(level) > 1 and level[-2] < level[-1]:  # a rise: pool the last two blocks
            m2, w2, n2 = level.pop(), weight.pop(), size.pop()
            w = weight[-1] + w2
            level[-1] = (level[-1] * weight[-1] + m2 * w2) / w
            weight[-1] = w
            size[-1] += n2
    return np.repeat(level, size)[index]


def _isotonic_r2(x: np.ndarray, y: np.ndarray) -> float:
    """How much of the spread of ``y`` one decreasing curve of ``x`` explains (1 - SSE / SST of a
    monotone fit); ``nan`` if ``y`` does not vary."""
    sst = float(((y - y.mean()) ** 2).sum())
    if sst == 0:
        return float("nan")
    fit = _decreasing(x, y)
    return float(1 - ((y - fit) ** 2).sum() / sst)


# ----- the per-sample wells: the claims' grid ------------------------------------------------------


@dataclass(frozen=True)
class WellsSettings:
    """Mini-batch descent from the shallow valley, ``runs`` seeded runs of ``steps`` steps for each
    valley size in ``valley_samples`` (of ``n`` samples), batch size in ``batch_sizes`` (the full
    batch last) and step size in ``lrs``; ``lr`` is the step size of the claims' table."""

    n: int = 40
    width: float = 0.25
    valley_samples: tuple[int, ...] = tuple(range(10, 19))
    batch_sizes: tuple[int, ...] = BATCH_SIZES
    lrs: tuple[float, ...] = STEP_SIZES
    lr: float = 0.05
    steps: int = 500
    runs: int = 200
    seed: int = 0


@dataclass(frozen=True)
class WellsEscape:
    """The escape grid (:class:`~explainer.core.wells.EscapeGrid`: ``fraction[i, j, l]`` for valley
    size ``i``, batch size ``j`` and step size ``l``) and what sets it.

    ``smallest_valley`` is the fewest samples that still make a shallow valley; ``integral[i]``
    is :func:`noise_integral` for valley size ``i``; ``kramers[i, j, l]`` is Kramers' predicted
    escape probability (0 for the full batch, which has no noise); ``collapse`` maps each measure
    of :data:`explainer.core.kinds.ESCAPE_MEASURES` to how well the mini-batch fractions line up
    against it (:func:`_isotonic_r2` over every valley, mini-batch size and step size)."""

    settings: WellsSettings
    grid: EscapeGrid
    smallest_valley: int
    integral: np.ndarray
    top_curvature: np.ndarray
    kramers: np.ndarray
    collapse: dict

    @property
    def lr_index(self) -> int:
        return self.grid.lrs.index(self.settings.lr)

    @property
    def escape_fraction(self) -> np.ndarray:
        """The claims' table: ``(len(valley_samples), len(batch_sizes))`` at step size ``lr``."""
        return self.grid.fraction[:, :, self.lr_index]

    @property
    def barrier(self) -> np.ndarray:
        return self.grid.barrier

    @property
    def sharpness(self) -> np.ndarray:
        return self.grid.sharpness

    @property
    def barrier_per_sample(self) -> np.ndarray:
        return self.barrier / np.array(self.grid.valley_samples)

    @property
    def full_batch(self) -> np.ndarray:
        """Escape fractions of the full batch, ``(valleys, lrs)``."""
        return self.grid.fraction[:, -1, :]

    @property
    def mini(self) -> np.ndarray:
        """Escape fractions of the mini-batches, ``(valleys, batch sizes but the full one, lrs)``."""
        return self.grid.fraction[:, :-1, :]

    def measure(self, name: str) -> np.ndarray:
        """One of :data:`~explainer.core.kinds.ESCAPE_MEASURES` for every mini-batch setting,
        shaped like :attr:`mini`."""
        g = self.grid
        shape = self.mini.shape
        m_b = np.array(g.batch_sizes[:-1], dtype=float)[None, :, None]
        lr = np.array(g.lrs)[None, None, :]
        barrier = self.barrier[:, None, None]
        if name == kinds.MEASURE_BARRIER:
            return np.broadcast_to(barrier, shape).copy()
        if name == kinds.MEASURE_BATCH:
            return np.broadcast_to(m_b, shape).copy()
        if name == kinds.MEASURE_XIE:
            return np.broadcast_to(barrier * m_b / lr, shape).copy()
        if name == kinds.MEASURE_NOISE_AT_MINIMUM:
            return np.broadcast_to(barrier / (lr * g.noise[:, :-1, None] ** 2), shape).copy()
        if name == kinds.MEASURE_NOISE_PATH:
            return np.broadcast_to(noise_exponent(g.n, m_b, lr, self.integral[:, None, None]), shape).copy()
        raise ValueError(f"unknown measure {name!r}")

    @property
    def prefactor(self) -> np.ndarray:
        """Kramers' attempt rate ``sqrt(k_floor |k_rim|) / (2 pi)`` per valley: where sharpness enters."""
        return np.sqrt(self.sharpness * self.top_curvature) / (2 * np.pi)

    @property
    def best_measure(self) -> str:
        finite = {k: v for k, v in self.collapse.items() if np.isfinite(v)}
        return max(finite, key=finite.get)

    @property
    def kramers_error(self) -> float:
        """Mean absolute gap between Kramers' prediction and the measured fractions (mini-batches)."""
        return float(np.mean(np.abs(self.kramers[:, :-1, :] - self.mini)))

    @property
    def falls_with_depth(self) -> bool:
        """Whether, at every batch and step size, escape never rises with the valley's size by more
        than three standard errors of the fractions."""
        f = self.mini
        se = np.sqrt(np.maximum(f * (1 - f), 1.0 / self.grid.runs) / self.grid.runs)
        rise = np.diff(f, axis=0) - 3 * np.sqrt(se[1:] ** 2 + se[:-1] ** 2)
        return bool((rise <= 0).all())


def wells_escape(settings: WellsSettings, progress=None) -> WellsEscape:
    s = settings
    if s.lr not in s.lrs:
        raise ValueError("the claims' step size must be one of the step sizes swept")
    grid = escape_grid(
        s.valley_samples,
        s.batch_sizes,
        s.lrs,
        n=s.n,
        width=s.width,
        steps=s.steps,
        runs=s.runs,
        seed=s.seed,
        progress=progress,
    )
    models = [Wells(n=s.n, m=m, width=s.width) for m in grid.valley_samples]
    integral = np.array([noise_integral(mod, v) for mod, v in zip(models, grid.valleys, strict=True)])
    top_curvature = np.array([abs(float(mod.curvature(v.top))) for mod, v in zip(models, grid.valleys, strict=True)])
    b = np.array(grid.batch_sizes, dtype=float)[None, :, None]
    lr = np.array(grid.lrs)[None, None, :]
    phi = noise_exponent(s.n, b, lr, integral[:, None, None])
    kramers = kramers_escape(phi, grid.sharpness[:, None, None], top_curvature[:, None, None], lr, s.steps)
    partial = WellsEscape(
        settings=s,
        grid=grid,
        smallest_valley=smallest_valley(s.n, s.width),
        integral=integral,
        top_curvature=top_curvature,
        kramers=kramers,
        collapse={},
    )
    y = partial.mini.ravel()
    collapse = {name: _isotonic_r2(np.log(partial.measure(name).ravel()), y) for name in kinds.ESCAPE_MEASURES}
    return dataclasses.replace(partial, collapse=collapse)


# ----- the reader's valley --------------------------------------------------------------------------


@dataclass(frozen=True)
class ValleySettings:
    m: int = 12
    batch: int = 4
    lr: float = 0.05
    n: int = 40
    width: float = 0.25
    steps: int = 500
    runs: int = 200
    keep: int = 4
    seed: int = 0


@dataclass(frozen=True)
class ValleyView:
    """The reader's wells model: its loss ``loss`` at ``w`` (the curve), its critical points
    (``valleys``; ``valleys.shallow`` is ``None`` below :func:`smallest_valley`), ``runs`` of
    mini-batch descent with ``settings.batch`` samples per step (``mini``; its first ``keep``
    paths drawn) and one full-batch run (``full``), both from the shallow minimum (from ``-1``
    where there is none). ``noise`` is the batch gradient's standard deviation at the start and
    ``kramers`` the predicted escape probability (``nan`` without a valley); ``smallest_valley``
    is the fewest samples that dig a valley at all; ``floor_loss``, ``rim_loss`` and ``deep_loss``
    the loss at the shallow floor, the rim and the deep floor (``nan`` where there is none)."""

    settings: ValleySettings
    valleys: Valleys
    w: np.ndarray
    loss: np.ndarray
    start: float
    full: EscapeRuns
    mini: EscapeRuns
    noise: float
    kramers: float
    smallest_valley: int
    floor_loss: float
    rim_loss: float
    deep_loss: float

    @property
    def has_valley(self) -> bool:
        return self.valleys.shallow is not None

    @property
    def is_full_batch(self) -> bool:
        return self.settings.batch >= self.settings.n

    @property
    def temperature(self) -> float:
        """``lr * sigma_b^2 / 2`` at the shallow minimum: the loss scale the noise can climb."""
        return self.settings.lr * self.noise**2 / 2


def valley_view(settings: ValleySettings) -> ValleyView:
    s = settings
    model = Wells(n=s.n, m=s.m, width=s.width)
    v = valleys(model)
    w = np.linspace(*CURVE_RANGE, CURVE_POINTS)
    start = v.shallow if v.shallow is not None else -1.0
    full = escape_runs(model, s.n, s.lr, s.steps, 1, s.seed, start=start, keep=1)
    mini = escape_runs(model, s.batch, s.lr, s.steps, s.runs, s.seed, start=start, keep=s.keep)
    noise = float(model.batch_noise(start, s.batch))
    kramers = float("nan")
    if v.shallow is not None:
        phi = noise_exponent(s.n, s.batch, s.lr, noise_integral(model, v))
        kramers = float(kramers_escape(phi, v.sharpness, float(model.curvature(v.top)), s.lr, s.steps))
    return ValleyView(
        settings=s,
        valleys=v,
        w=w,
        loss=model.value(w),
        start=float(start),
        full=full,
        mini=mini,
        noise=noise,
        kramers=kramers,
        smallest_valley=smallest_valley(s.n, s.width),
        floor_loss=float(model.value(v.shallow)) if v.shallow is not None else float("nan"),
        rim_loss=float(model.value(v.top)) if v.top is not None else float("nan"),
        deep_loss=float(model.value(v.deep)),
    )


# ----- the tilted double well ----------------------------------------------------------------------


@dataclass(frozen=True)
class DoubleWellSettings:
    """``runs`` runs of ``steps`` steps of size ``lr`` from the shallow minimum for each noise
    level in ``noises`` (0 is plain descent), drawn with ``seed``."""

    lr: float = 0.1
    steps: int = 1000
    runs: int = 200
    noises: tuple[float, ...] = (0.0, 0.3, 0.4, 0.5, 0.6, 0.8)
    seed: int = 0


@dataclass(frozen=True)
class DoubleWellEscape:
    """Descent on the tilted double well from its shallow minimum ``(1, 0)``: plain descent
    (noise 0) and noisy descent with Gaussian gradient noise of each standard deviation in
    ``settings.noises``, ``runs`` runs each. ``escaped[i]`` is the share that crossed the saddle
    (``x < saddle_x``) at some step, ``ended_deep[i]`` the share left of it at the end,
    ``first_escape[i]`` the median first step beyond it (-1 if fewer than half crossed), and
    ``kramers[i]`` Kramers' prediction ``1 - exp(-rate lr steps)`` with the rate
    ``sqrt(k_min |k_saddle|) / (2 pi) exp(-2 barrier / (lr noise^2))``."""

    settings: DoubleWellSettings
    barrier: float
    saddle_x: float
    minimum_x: float
    curvature_min: float
    curvature_saddle: float
    escaped: np.ndarray
    ended_deep: np.ndarray
    first_escape: np.ndarray
    kramers: np.ndarray


def _double_well_points():
    surface = SURFACES["double-well"]
    local = next(np.array(p.xy) for p in surface.critical_points if p.kind == kinds.LOCAL_MINIMUM)
    saddle = next(np.array(p.xy) for p in surface.critical_points if p.kind == kinds.END_SADDLE)
    return surface, local, saddle


def _noisy_x(lr: float, steps: int, noises: np.ndarray, seed: int) -> tuple[np.ndarray, float]:
    """x along noisy descent from the shallow minimum, one run per entry of ``noises``:
    ``(steps + 1, len(noises))``, and the saddle's x."""
    surface, local, saddle = _double_well_points()
    batch = descend_many(surface, np.tile(local, (len(noises), 1)), "noisy", lr, steps, tol=0, noise=noises, seed=seed)
    return batch.positions[:, :, 0], float(saddle[0])


def double_well(settings: DoubleWellSettings) -> DoubleWellEscape:
    s = settings
    surface, local, saddle = _double_well_points()
    barrier = float(surface.value(saddle) - surface.value(local))
    k_min = float(surface.hessian(local)[0, 0])
    k_saddle = float(surface.hessian(saddle)[0, 0])
    x, saddle_x = _noisy_x(s.lr, s.steps, np.repeat(np.array(s.noises, dtype=float), s.runs), s.seed)
    beyond = x.reshape(s.steps + 1, len(s.noises), s.runs) < saddle_x
    crossed = beyond.any(axis=0)
    first = np.where(crossed, beyond.argmax(axis=0), -1)
    median_first = np.array([int(np.median(f[f >= 0])) if (f >= 0).mean() >= 0.5 else -1 for f in first])
    sig = np.array(s.noises)
    with np.errstate(divide="ignore", over="ignore"):
        rate = np.sqrt(k_min * abs(k_saddle)) / (2 * np.pi) * np.exp(-2 * barrier / (s.lr * sig**2))
    return DoubleWellEscape(
        settings=s,
        barrier=barrier,
        saddle_x=saddle_x,
        minimum_x=float(local[0]),
        curvature_min=k_min,
        curvature_saddle=k_saddle,
        escaped=crossed.mean(axis=1),
        ended_deep=beyond[-1].mean(axis=1),
        first_escape=median_first,
        kramers=1 - np.exp(-rate * s.lr * s.steps),
    )


@dataclass(frozen=True)
class PathSettings:
    """``keep`` runs of noisy descent on the double well with noise ``noise``, drawn with ``seed``
    (the reader's own draws; the ensemble of :class:`DoubleWellSettings` stays fixed)."""

    noise: float = 0.5
    lr: float = 0.1
    steps: int = 1000
    keep: int = 3
    every: int = 5
    seed: int = 0


@dataclass(frozen=True)
class NoisyPaths:
    """x along each of ``settings.keep`` runs (``x (keep, len(steps_kept))``) at ``steps_kept``, and
    the first step each was beyond the saddle (``first_escape``, -1 if never)."""

    settings: PathSettings
    saddle_x: float
    steps_kept: np.ndarray
    x: np.ndarray
    first_escape: np.ndarray


def noisy_paths(settings: PathSettings) -> NoisyPaths:
    s = settings
    x, saddle_x = _noisy_x(s.lr, s.steps, np.full(s.keep, float(s.noise)), s.seed)
    beyond = x < saddle_x
    kept = np.unique(np.concatenate([np.arange(0, s.steps + 1, s.every), [s.steps]]))
    return NoisyPaths(
        settings=s,
        saddle_x=saddle_x,
        steps_kept=kept,
        x=x[kept].T.copy(),
        first_escape=np.where(beyond.any(axis=0), beyond.argmax(axis=0), -1),
    )


# ----- a real network over many seeds --------------------------------------------------------------


@dataclass(frozen=True)
class NetSettings:
    """A ``2-hidden-1`` scikit-learn ``MLPClassifier`` (tanh, plain SGD, momentum 0, constant step
    ``lr``, penalty ``alpha``) on ``n`` XOR points drawn with ``data_seed``, once per seed
    ``first_seed .. first_seed + runs - 1``, ``epochs`` epochs with each batch size (the full
    batch last). The full batch also runs on until it has taken as many steps as each mini-batch
    size did. A run ends *bad* when its training loss is above ``bad_loss``."""

    data: str = "xor"
    n: int = 100
    noise: float = 0.2
    data_seed: int = 0
    hidden: tuple[int, ...] = (3,)
    alpha: float = 1e-4
    lr: float = 0.5
    epochs: int = 100
    batch_sizes: tuple[int, ...] = (5, 20, 100)
    runs: int = 200
    first_seed: int = 0
    bad_loss: float = 0.3
    record_every: int = 10


@dataclass(frozen=True)
class NetworkSeeds:
    """The network over ``runs`` seeds. ``final[j]`` are the training losses of every seed after
    ``epochs`` epochs with batch size ``batch_sizes[j]`` (matched epochs); ``matched[j]`` (mini-batch
    sizes only) are the full batch's losses after as many steps as batch size ``j`` took, which is
    ``matched_epochs[j]`` full-batch epochs. ``curve_steps[j]`` and ``curve_bad[j]`` follow the
    share of bad runs along each batch size's training (the full batch's as far as its longest
    run). ``entropy`` is the loss of predicting the labels' base rate everywhere."""

    settings: NetSettings
    batch_sizes: tuple[int, ...]
    steps_per_epoch: tuple[int, ...]
    matched_epochs: tuple[int, ...]
    final: np.ndarray  # (batch sizes, runs)
    matched: np.ndarray  # (mini-batch sizes, runs)
    curve_steps: tuple[np.ndarray, ...]
    curve_bad: tuple[np.ndarray, ...]
    entropy: float

    @property
    def runs(self) -> int:
        return self.final.shape[1]

    def bad(self, losses) -> np.ndarray:
        return np.asarray(losses) > self.settings.bad_loss

    @property
    def bad_final(self) -> np.ndarray:
        """Bad runs per batch size after matched epochs."""
        return self.bad(self.final).sum(axis=1)

    @property
    def bad_matched(self) -> np.ndarray:
        """Bad full-batch runs after as many steps as each mini-batch size took."""
        return self.bad(self.matched).sum(axis=1)

    def interval(self, k: int) -> tuple[float, float]:
        return wilson(int(k), self.runs)

    @property
    def agreement(self) -> np.ndarray:
        """Per mini-batch size, the share of seeds that end on the same side of ``bad_loss`` as the
        full batch does after as many steps: near 1 when the seed, not the noise, decides."""
        return (self.bad(self.final[:-1]) == self.bad(self.matched)).mean(axis=1)

    @property
    def good_loss(self) -> float:
        """Median final loss of the runs that ended well (longest full-batch run and every mini-batch)."""
        pool = np.concatenate([self.final[:-1].ravel(), self.matched[-1]])
        good = pool[~self.bad(pool)]
        return float(np.median(good)) if good.size else float("nan")

    @property
    def bad_group_loss(self) -> float:
        pool = np.concatenate([self.final[:-1].ravel(), self.matched[-1]])
        bad = pool[self.bad(pool) & np.isfinite(pool)]
        return float(np.median(bad)) if bad.size else float("nan")


def _shares(progress, work: list[float]):
    """``part(j)``: a progress callback for part ``j`` of a job whose parts weigh ``work``, reporting
    the share of the whole job done to ``progress`` (``None`` if there is no ``progress``)."""
    done = [0.0] * len(work)

    def part(j: int):
        if progress is None:
            return None

        def report(share: float) -> None:
            done[j] = share
            progress(sum(d * w for d, w in zip(done, work, strict=True)) / sum(work))

        return report

    return part


def _xor(s) -> tuple[np.ndarray, np.ndarray]:
    return make_dataset(s.data, n=s.n, noise=s.noise, seed=s.data_seed)


def label_entropy(y) -> float:
    p = float(np.mean(y))
    return float(-(p * math.log(p) + (1 - p) * math.log(1 - p))) if 0 < p < 1 else 0.0


def network_seeds(settings: NetSettings, progress=None) -> NetworkSeeds:
    s = settings
    X, y = _xor(s)
    seeds = range(s.first_seed, s.first_seed + s.runs)
    sizes = tuple(min(int(b), s.n) for b in s.batch_sizes)
    if sizes[-1] != s.n or any(b >= s.n for b in sizes[:-1]):
        raise ValueError("the full batch comes last, and only there")
    spe = tuple(-(-s.n // b) for b in sizes)
    longest = s.epochs * max(spe)
    tick = _shares(progress, [s.epochs * k for k in spe[:-1]] + [longest])  # weighted by steps taken

    runs = []
    for j, b in enumerate(sizes[:-1]):
        runs.append(
            nets.train_seeds(
                X,
                y,
                hidden=s.hidden,
                lr=s.lr,
                epochs=s.epochs,
                batch_size=b,
                alpha=s.alpha,
                seeds=seeds,
                record_every=s.record_every,
                progress=tick(j),
            )
        )
    full = nets.train_seeds(
        X,
        y,
        hidden=s.hidden,
        lr=s.lr,
        epochs=longest,
        batch_size=None,
        alpha=s.alpha,
        seeds=seeds,
        shuffle=False,
        record_every=s.record_every,
        record_also=[s.epochs * k for k in spe],
        progress=tick(len(sizes) - 1),
    )
    at = {int(e): i for i, e in enumerate(full.recorded)}
    matched_epochs = tuple(s.epochs * k for k in spe)
    final = np.stack([r.final for r in runs] + [full.losses[at[s.epochs]]])
    matched = np.stack([full.losses[at[e]] for e in matched_epochs[:-1]])
    curve_steps = (*tuple(r.recorded * k for r, k in zip(runs, spe[:-1], strict=True)), full.recorded.copy())
    curve_bad = (*tuple((r.losses > s.bad_loss).mean(axis=1) for r in runs), (full.losses > s.bad_loss).mean(axis=1))
    return NetworkSeeds(
        settings=s,
        batch_sizes=sizes,
        steps_per_epoch=spe,
        matched_epochs=matched_epochs,
        final=final,
        matched=matched,
        curve_steps=curve_steps,
        curve_bad=curve_bad,
        entropy=label_entropy(y),
    )


# ----- the symmetric start --------------------------------------------------------------------------


@dataclass(frozen=True)
class SymmetricSettings:
    """The network of :class:`NetSettings` started with every weight zero, and started ``kicks``
    times from weights drawn ``kick`` times a standard normal (seeded by ``seed``), trained with
    batches of ``batch`` for ``mini_epochs`` epochs and with the full batch for ``epochs``. A
    kicked run *escapes* when its loss ends below ``escape_loss``."""

    net: NetSettings = NetSettings()
    kick: float = 1e-3
    kicks: int = 20
    batch: int = 20
    mini_epochs: int = 160
    epochs: int = 600
    escape_loss: float = 0.5
    record_every: int = 10
    seed: int = 0


@dataclass(frozen=True)
class SymmetricStart:
    """For batch sizes ``batch_sizes`` (the mini-batch first, the full batch last): the recorded
    epochs ``epochs[j]``, the loss there of the all-zero start (``zero[j]``) and of each kicked
    start (``kicked[j]``, ``(kicks, k)``).

    ``zero_hidden[j]`` is the largest hidden-layer weight (every weight but the output bias) of
    the zero start after training: exactly 0. ``sample_grad_zero`` and ``sample_grad_kicked`` are
    the largest per-sample gradient of those weights at the zero start and at the first kicked
    start: the first is exactly 0, so no batch of any size can move them."""

    settings: SymmetricSettings
    batch_sizes: tuple[int, int]
    epochs: tuple[np.ndarray, np.ndarray]
    zero: tuple[np.ndarray, np.ndarray]
    kicked: tuple[np.ndarray, np.ndarray]
    zero_hidden: tuple[float, float]
    sample_grad_zero: float
    sample_grad_kicked: float
    entropy: float

    @property
    def escaped(self) -> tuple[float, float]:
        """Per batch size, the share of kicked runs whose loss ended below ``escape_loss``."""
        return tuple(float((k[:, -1] < self.settings.escape_loss).mean()) for k in self.kicked)

    @property
    def zero_gap(self) -> tuple[float, float]:
        """Per batch size, how far the zero start's final loss sits above the labels' entropy."""
        return tuple(float(z[-1] - self.entropy) for z in self.zero)

    def escape_epoch(self, j: int) -> float:
        """Median first recorded epoch at which the kicked runs of batch size ``j`` were below
        ``escape_loss`` (``nan`` if fewer than half got there)."""
        below = self.kicked[j] < self.settings.escape_loss
        reached = below.any(axis=1)
        if reached.mean() < 0.5:
            return float("nan")
        return float(np.median(self.epochs[j][below[reached].argmax(axis=1)]))


def symmetric_start(settings: SymmetricSettings) -> SymmetricStart:
    s, net = settings, settings.net
    X, y = _xor(net)
    units = nets.layer_units(net.hidden, X.shape[1])
    P = nets.n_params(units)
    kicks = s.kick * np.random.default_rng(s.seed).standard_normal((s.kicks, P))
    starts = np.vstack([np.zeros((1, P)), kicks])
    seeds = range(net.first_seed, net.first_seed + len(starts))  # the shuffles' seeds
    plan = ((min(int(s.batch), net.n), s.mini_epochs), (net.n, s.epochs))
    runs = [
        nets.train_seeds(
            X,
            y,
            hidden=net.hidden,
            lr=net.lr,
            epochs=e,
            batch_size=b,
            alpha=net.alpha,
            seeds=seeds,
            start=starts,
            shuffle=b < net.n,
            record_every=s.record_every,
        )
        for b, e in plan
    ]
    hidden = slice(0, P - 1)  # every weight but the output bias (the last one in scikit-learn's packing)
    grads_zero = nets.sample_gradients(starts[0], X, y, units, alpha=net.alpha)
    grads_kick = nets.sample_gradients(starts[1], X, y, units, alpha=net.alpha)
    return SymmetricStart(
        settings=s,
        batch_sizes=tuple(b for b, _ in plan),
        epochs=tuple(r.recorded.copy() for r in runs),
        zero=tuple(r.losses[:, 0].copy() for r in runs),
        kicked=tuple(r.losses[:, 1:].T.copy() for r in runs),
        zero_hidden=tuple(float(np.abs(r.thetas[0, hidden]).max()) for r in runs),
        sample_grad_zero=float(np.abs(grads_zero[:, hidden]).max()),
        sample_grad_kicked=float(np.abs(grads_kick[:, hidden]).max()),
        entropy=label_entropy(y),
    )


DEFAULT_WELLS = WellsSettings()
DEFAULT_VALLEY = ValleySettings()
DEFAULT_DOUBLE_WELL = DoubleWellSettings()
DEFAULT_PATHS = PathSettings()
DEFAULT_NET = NetSettings()
DEFAULT_SYMMETRIC = SymmetricSettings()

store.register(WELLS, wells_escape, DEFAULT_WELLS)
store.register(NETWORK, network_seeds, DEFAULT_NET)
store.register(SYMMETRIC, symmetric_start, DEFAULT_SYMMETRIC)
store.register(DOUBLE_WELL, double_well, DEFAULT_DOUBLE_WELL)
store.register(VALLEY, valley_view, DEFAULT_VALLEY)
store.register(PATHS, noisy_paths, DEFAULT_PATHS)
