"""A model where each training sample digs its own well, so that a valley's depth is the number of
samples it fits: one weight ``w``, ``m`` samples pulling it towards ``-1`` and the other ``n - m``
towards ``+1``, each through a robust (Cauchy) loss

    l_i(w) = log(1 + (w - c_i)^2 / s^2),    L(w) = mean_i l_i(w).

A sample's pull fades with distance (its gradient ``2 d / (s^2 + d^2)`` falls off as ``1 / d``),
so each cluster makes a valley of its own; the one that fits fewer samples is the shallower.
Below a critical share of samples the shallow valley is gone altogether (the far cluster's pull
outweighs the near one's everywhere).

Mini-batch descent draws ``b`` of the ``n`` samples without replacement at every step. All samples
of a cluster are alike, so a batch is described by how many of its samples are far ones, a
hypergeometric count: the runs below draw that count (by inverting its distribution function,
:class:`FarCounts`), which is exact for this model and cheap enough to run tens of thousands of
seeded runs at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Wells:
    """``n`` samples, ``m`` of them at ``-1`` (the shallow side when ``m < n / 2``) and the rest at
    ``+1``; Cauchy width ``width``."""

    n: int = 40
    m: int = 12
    width: float = 0.25

    def __post_init__(self):
        if not 0 < self.m < self.n:
            raise ValueError("need 0 < m < n")

    def _pull(self, w, centre: float):
        d = np.asarray(w, dtype=float) - centre
        return 2 * d / (self.width**2 + d * d)

    def sample_gradients(self, w) -> tuple[np.ndarray, np.ndarray]:
        """Gradient of one near sample (centre -1) and one far sample (centre +1) at ``w``."""
        return self._pull(w, -1.0), self._pull(w, 1.0)

    def value(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        s2 = self.width**2
        near, far = np.log1p((w + 1) ** 2 / s2), np.log1p((w - 1) ** 2 / s2)
        return (self.m * near + (self.n - self.m) * far) / self.n

    def gradient(self, w) -> np.ndarray:
        return self.gradient_of(w, self.m)

    def gradient_of(self, w, m) -> np.ndarray:
        """``L'(w)`` of the model with ``m`` near samples instead (``m`` may be an array that
        broadcasts against ``w``): the per-sample pulls do not depend on ``m``."""
        near, far = self.sample_gradients(w)
        return (m * near + (self.n - m) * far) / self.n

    def curvature(self, w) -> np.ndarray:
        s2 = self.width**2

        def bend(d):
            return 2 * (s2 - d * d) / (s2 + d * d) ** 2

        w = np.asarray(w, dtype=float)
        return (self.m * bend(w + 1) + (self.n - self.m) * bend(w - 1)) / self.n

    def gradient_variance(self, w) -> np.ndarray:
        """Variance of a single sample's gradient across the ``n`` samples, at ``w``."""
        near, far = self.sample_gradients(w)
        p = self.m / self.n
        return p * (1 - p) * (near - far) ** 2

    def batch_noise(self, w, batch: int) -> np.ndarray:
        """Standard deviation of a mini-batch gradient of ``batch`` samples drawn without
        replacement, at ``w`` (0 for the full batch)."""
        b = min(int(batch), self.n)
        fpc = (self.n - b) / (self.n - 1)
        return np.sqrt(self.gradient_variance(w) / b * fpc)


@dataclass(frozen=True)
class Valleys:
    """The critical points of :class:`Wells` between the two clusters: the shallow minimum near
    ``-1`` (``None`` when there is none), the top of the barrier, and the deep minimum near ``+1``;
    ``barrier`` is the climb from the shallow minimum to the top, ``sharpness`` the curvature at
    the shallow minimum."""

    shallow: float | None
    top: float | None
    deep: float
    barrier: float
    sharpness: float


def _bisect(f, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Roots of ``f`` in every bracket ``[lo, hi]`` (``f(lo)`` and ``f(hi)`` of opposite signs), all
    at once: halve every bracket until it is two neighbouring doubles, then keep the end where
    ``|f|`` is smaller. Exact to the last bit of ``w`` (``scipy.optimize.brentq`` with
    ``xtol=1e-14`` is within about ``1e-14`` of it), and without scipy.optimize's import (about a
    second of a fresh server's time, with the scipy.stats it pulls in)."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    f_lo = f(lo)
    for _ in range(80):  # a bracket of width 2 takes at most 64 halvings to reach neighbouring doubles
        mid = 0.5 * (lo + hi)
        going = (mid > lo) & (mid < hi)
        if not going.any():
            break
        f_mid = f(mid)
        left = np.sign(f_mid) == np.sign(f_lo)  # the root is right of mid
        lo = np.where(going & left, mid, lo)
        f_lo = np.where(going & left, f_mid, f_lo)
        hi = np.where(going & ~left, mid, hi)
    return np.where(np.abs(f(lo)) <= np.abs(f(hi)), lo, hi)


def valleys(model: Wells) -> Valleys:
    """Solve ``L'(w) = 0`` between the clusters (bracketed on a fine grid, then bisection to the
    last bit, :func:`_bisect`)."""
    grid = np.linspace(-1.5, 1.5, 6001)
    g = model.gradient(grid)
    exact = np.flatnonzero(g[:-1] == 0)
    change = np.flatnonzero((g[:-1] != 0) & (g[:-1] * g[1:] < 0))
    roots = np.sort(np.concatenate([grid[exact], _bisect(model.gradient, grid[change], grid[change + 1])])).tolist()
    minima = [r for r in roots if model.curvature(r) > 0]
    maxima = [r for r in roots if model.curvature(r) < 0]
    deep = max(minima)
    shallow = min(minima) if len(minima) > 1 else None
    if shallow is None:
        return Valleys(shallow=None, top=None, deep=float(deep), barrier=0.0, sharpness=0.0)
    top = next(r for r in maxima if shallow < r < deep)
    return Valleys(
        shallow=float(shallow),
        top=float(top),
        deep=float(deep),
        barrier=float(model.value(top) - model.value(shallow)),
        sharpness=float(model.curvature(shallow)),
    )


def hypergeometric_pmf(n: int, far: int, b: int) -> np.ndarray:
    """``P(k far samples)`` for ``k = 0 .. b`` in a batch of ``b`` drawn without replacement from
    ``n`` samples, ``far`` of them far: ``C(far, k) C(n - far, b - k) / C(n, b)``, in exact integers
    and then rounded once (``scipy.stats.hypergeom.pmf`` to round-off, without importing
    scipy.stats, about a second of a fresh server's time)."""
    total = math.comb(n, b)
    return np.array([math.comb(far, k) * math.comb(n - far, b - k) / total for k in range(b + 1)])


def _alias(pmf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias table of a distribution over ``0 .. K-1`` (Vose's construction): pick a
    column ``j`` uniformly, keep it with probability ``keep[j]``, else take ``alias[j]``."""
    K = len(pmf)
    scaled = np.asarray(pmf, dtype=float) * K / pmf.sum()
    keep, alias = np.ones(K), np.arange(K)
    small = [j for j in range(K) if scaled[j] < 1.0]
    large = [j for j in range(K) if scaled[j] >= 1.0]
    while small and large:
        lo, hi = small.pop(), large.pop()
        keep[lo], alias[lo] = scaled[lo], hi
        scaled[hi] -= 1.0 - scaled[lo]
        (small if scaled[hi] < 1.0 else large).append(hi)
    return keep, alias  # columns left over keep themselves (probability 1, up to round-off)


class FarCounts:
    """Exact draws of the number of far samples (centre ``+1``) in a batch of ``b`` drawn without
    replacement from ``n - m`` far and ``m`` near samples, for many settings ``(m, b)`` at once.

    Each setting's hypergeometric distribution gets an alias table once (:func:`_alias`); then a
    draw costs one uniform number (its whole part picks a column, the rest decides between the
    column and its alias) and two look-ups, for every run of every setting in one go.
    The full batch (``b >= n``) always holds all ``n - m`` far samples.
    """

    def __init__(self, n: int, ms, bs):
        self.n = int(n)
        ms, bs = np.broadcast_arrays(np.asarray(ms, dtype=int), np.asarray(bs, dtype=int))
        self.shape = ms.shape
        keeps, aliases, starts, sizes, at = [], [], [], [], 0
        for m, b in zip(ms.ravel(), bs.ravel(), strict=True):
            b = min(int(b), self.n)
            keep, alias = _alias(hypergeometric_pmf(self.n, self.n - int(m), b))
            keeps.append(keep)
            aliases.append(alias)
            starts.append(at)
            sizes.append(b + 1)
            at += b + 1
        self._keep, self._alias = np.concatenate(keeps), np.concatenate(aliases)
        self._start, self._size = np.array(starts)[:, None], np.array(sizes)[:, None]

    def draw(self, rng: np.random.Generator, runs: int) -> np.ndarray:
        """One count per run of every setting: ``(*settings_shape, runs)`` ints."""
        scaled = rng.random((self._size.size, runs))
        scaled *= self._size
        j = scaled.astype(np.intp)  # the column; what is left of the number decides keep or alias
        at = j + self._start
        scaled -= j
        k = np.where(scaled < np.take(self._keep, at), j, np.take(self._alias, at))
        return k.reshape(*self.shape, runs)


def _step_gradient(model: Wells, w, m, b, k):
    """The batch gradient of ``b < n`` samples, ``k`` of them far ones."""
    near_g, far_g = model.sample_gradients(w)
    return (k * far_g + (b - k) * near_g) / b


@dataclass(frozen=True)
class EscapeRuns:
    """``runs`` seeded runs of descent from the shallow minimum with mini-batches of ``batch``:
    ``escaped`` marks the runs that went beyond the barrier's top at some step, ``first_escape``
    the first such step (-1 if never), ``ended_beyond`` those beyond it at the end;
    ``paths (steps + 1, keep)`` are the first ``keep`` runs' weights over time."""

    batch: int
    lr: float
    steps: int
    escaped: np.ndarray  # (runs,) bool
    first_escape: np.ndarray  # (runs,) int
    ended_beyond: np.ndarray  # (runs,) bool
    paths: np.ndarray

    @property
    def fraction(self) -> float:
        return float(self.escaped.mean())


def escape_runs(
    model: Wells, batch: int, lr: float, steps: int, runs: int, seed: int, *, start=None, keep: int = 4
) -> EscapeRuns:
    """Mini-batch descent from the shallow minimum (or ``start``) on ``model``; ``batch >= n`` is
    full-batch descent, which draws nothing and follows ``L'`` exactly."""
    v = valleys(model)
    if v.shallow is None and start is None:
        raise ValueError(f"with {model.m} of {model.n} samples there is no shallow valley to start in")
    top = v.top if v.top is not None else -np.inf
    rng = np.random.default_rng(seed)
    w = np.full(runs, v.shallow if start is None else float(start))
    b = min(int(batch), model.n)
    counts = FarCounts(model.n, model.m, b) if b < model.n else None
    paths = np.empty((steps + 1, min(keep, runs)))
    paths[0] = w[:keep]
    first = np.full(runs, -1)
    for t in range(steps):
        if b < model.n:
            w = w - lr * _step_gradient(model, w, model.m, b, counts.draw(rng, runs))
        else:
            w = w - lr * model.gradient(w)
        paths[t + 1] = w[:keep]
        first[(first < 0) & (w > top)] = t + 1
    return EscapeRuns(
        batch=b, lr=lr, steps=steps, escaped=first >= 0, first_escape=first, ended_beyond=w > top, paths=paths
    )


@dataclass(frozen=True)
class EscapeGrid:
    """Escape from the shallow valley for every valley size ``valley_samples[i]``, batch size
    ``batch_sizes[j]`` (the full batch last) and step size ``lrs[l]``: ``fraction[i, j, l]`` is
    the share of ``runs`` seeded runs of ``steps`` steps that went beyond the barrier's top;
    ``valleys[i]`` are that model's critical points and ``noise[i, j]`` the batch gradient's
    standard deviation at its shallow minimum."""

    n: int
    width: float
    valley_samples: tuple[int, ...]
    batch_sizes: tuple[int, ...]
    lrs: tuple[float, ...]
    steps: int
    runs: int
    valleys: tuple[Valleys, ...]
    fraction: np.ndarray  # (len(valley_samples), len(batch_sizes), len(lrs))
    noise: np.ndarray  # (len(valley_samples), len(batch_sizes))

    @property
    def barrier(self) -> np.ndarray:
        return np.array([v.barrier for v in self.valleys])

    @property
    def sharpness(self) -> np.ndarray:
        return np.array([v.sharpness for v in self.valleys])


def escape_grid(
    valley_samples,
    batch_sizes,
    lrs=(0.05,),
    *,
    n: int = 40,
    width: float = 0.25,
    steps: int = 500,
    runs: int = 200,
    seed: int = 0,
    progress=None,
) -> EscapeGrid:
    """:func:`escape_runs` for every valley size, batch size and step size at once (one numpy loop
    over steps, the runs of every setting side by side). Every valley size must leave a shallow
    valley. ``progress(done)`` is called with the share of steps done, if given."""
    ms, bs = tuple(int(m) for m in valley_samples), tuple(min(int(b), n) for b in batch_sizes)
    lrs = tuple(float(r) for r in lrs)
    models = [Wells(n=n, m=m, width=width) for m in ms]
    found = tuple(valleys(model) for model in models)
    if any(v.shallow is None for v in found):
        raise ValueError("every valley size must leave a shallow valley")
    rng = np.random.default_rng(seed)
    mini = [j for j, bb in enumerate(bs) if bb < n]
    full = [j for j, bb in enumerate(bs) if bb >= n]
    m = np.array(ms, dtype=float)[:, None, None, None]
    lr = np.array(lrs)[None, None, :, None]
    shallow = np.array([v.shallow for v in found])[:, None, None, None]
    top = np.array([v.top for v in found])[:, None, None, None]
    model = Wells(n=n, m=ms[0], width=width)  # the per-sample pulls do not depend on m
    # Mini-batch runs side by side; the full batch draws nothing, so one run stands for all of its runs.
    b_mini = np.array([bs[j] for j in mini], dtype=float)[None, :, None, None]
    w_mini = np.broadcast_to(shallow, (len(ms), len(mini), len(lrs), runs)).copy()
    w_full = np.broadcast_to(shallow, (len(ms), len(full), len(lrs), 1)).copy()
    counts = FarCounts(
        n,
        np.broadcast_to(np.array(ms)[:, None, None], w_mini.shape[:3]),
        np.broadcast_to(b_mini[..., 0].astype(int), w_mini.shape[:3]),
    )
    esc_mini = np.zeros(w_mini.shape, dtype=bool)
    esc_full = np.zeros(w_full.shape, dtype=bool)
    s2 = model.width**2
    d, q, near, far = (np.empty(w_mini.shape) for _ in range(4))
    beyond = np.empty(w_mini.shape, dtype=bool)
    for t in range(steps):
        if mini:
            k = counts.draw(rng, runs)
            for centre, pull in ((-1.0, near), (1.0, far)):  # Wells._pull: 2 d / (s^2 + d^2)
                np.subtract(w_mini, centre, out=d)
                np.multiply(d, d, out=q)
                np.add(s2, q, out=q)
                np.multiply(2, d, out=d)
                np.divide(d, q, out=pull)
            np.multiply(k, far, out=far)  # _step_gradient: (k far + (b - k) near) / b
            np.subtract(b_mini, k, out=q)
            np.multiply(q, near, out=q)
            np.add(far, q, out=far)
            np.divide(far, b_mini, out=far)
            np.multiply(lr, far, out=far)
            np.subtract(w_mini, far, out=w_mini)
            np.greater(w_mini, top, out=beyond)
            esc_mini |= beyond
        if full:
            w_full -= lr * model.gradient_of(w_full, m)
            esc_full |= w_full > top
        if progress is not None and (t + 1) % 50 == 0:
            progress((t + 1) / steps)
    fraction = np.empty((len(ms), len(bs), len(lrs)))
    fraction[:, mini] = esc_mini.mean(axis=-1)
    fraction[:, full] = esc_full[..., 0]
    noise = np.array(
        [[float(mod.batch_noise(v.shallow, bb)) for bb in bs] for mod, v in zip(models, found, strict=True)]
    )
    return EscapeGrid(
        n=n,
        width=width,
        valley_samples=ms,
        batch_sizes=bs,
        lrs=lrs,
        steps=steps,
        runs=runs,
        valleys=found,
        fraction=fraction,
        noise=noise,
    )
