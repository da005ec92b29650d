"""Saddles in many dimensions: how rare a minimum is among random curvatures, and how long plain
descent takes to leave a saddle, measured and in closed form.

- :func:`positive_definite_counts`: a Monte Carlo of the Gaussian orthogonal ensemble, the
  symmetric matrices ``(A + A^T) / sqrt 2`` with ``A`` standard normal, counting how many are
  positive definite for every size ``1..n`` at once. The leading ``k x k`` block of such a matrix
  is itself one of size ``k``, and a symmetric matrix is positive definite exactly when every
  pivot of its Cholesky factorisation is positive (Sylvester's criterion), so one Cholesky
  factorisation, grown a row at a time and dropped as soon as a pivot is not positive, answers
  all sizes. Row ``k`` is drawn only for matrices still positive definite at size ``k - 1``, so a
  draw costs little more than its first two rows.
- :func:`log10_all_positive`: ``log10 P(all N eigenvalues positive)`` for independent signs
  (``N log10 1/2``) and for the random-matrix law of Dean & Majumdar (2006),
  ``P ~ exp(-theta N^2)`` with ``theta = ln 3 / 4`` (leading order in ``N``: the corrections
  are of lower order and not included).
- :class:`QuadraticSaddle`: ``f(x) = 1/2 sum_i lambda_i x_i^2``, vectorised over rows of
  ``(n, d)`` arrays, for :func:`explainer.core.optimize.descend_many`.
- Closed forms for plain descent: :func:`quadratic_escape_steps` (the median over random starts
  on a sphere), :func:`saddle_escape_step` (``x^2 - y^2`` from ``(1, y0)``),
  :func:`monkey_escape_estimate` (the monkey saddle, continuous time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from explainer.core.special import betaincinv

#: Dean & Majumdar's rate: P(every eigenvalue of an N x N GOE matrix is positive) ~ exp(-THETA N^2).
THETA = math.log(3) / 4
#: The exact positive-definite fraction of 2 x 2 GOE matrices.
PD_FRACTION_2 = (2 - math.sqrt(2)) / 4


# ----- how rare is a minimum? ------------------------------------------------------------------


def _leading_counts(n_max: int, samples: int, rng: np.random.Generator) -> np.ndarray:
    """``counts[k - 1]``: of ``samples`` GOE matrices of size ``n_max``, how many have a positive
    definite leading ``k x k`` block. Diagonal entries have variance 2, the others variance 1."""
    counts = np.zeros(n_max, dtype=np.int64)
    chol = np.zeros((samples, 0, 0))  # Cholesky factors of the leading blocks still positive definite
    for k in range(n_max):
        alive = len(chol)
        if alive == 0:
            break
        row = rng.standard_normal((alive, k))  # M[k, :k], variance 1
        diag = math.sqrt(2.0) * rng.standard_normal(alive)  # M[k, k], variance 2
        z = np.empty((alive, k))
        for j in range(k):  # forward substitution, L z = row, for every matrix at once
            z[:, j] = (row[:, j] - np.einsum("ij,ij->i", chol[:, j, :j], z[:, :j])) / chol[:, j, j]
        pivot = diag - np.einsum("ij,ij->i", z, z)
        ok = pivot > 0
        counts[k] = int(ok.sum())
        grown = np.zeros((counts[k], k + 1, k + 1))
        grown[:, :k, :k] = chol[ok]
        grown[:, k, :k] = z[ok]
        grown[:, k, k] = np.sqrt(pivot[ok])
        chol = grown
    return counts


def positive_definite_counts(n_max: int, samples: int, seed: int, chunk: int = 500_000) -> np.ndarray:
    """How many of ``samples`` GOE matrices are positive definite at each size ``1..n_max``:
    ``(n_max,)`` counts. Drawn in chunks of ``chunk`` matrices (bounded memory), each from its own
    child of ``np.random.SeedSequence(seed)``, so the counts depend on ``seed`` and ``chunk`` only."""
    if n_max < 1 or samples < 1:
        raise ValueError("need n_max >= 1 and samples >= 1")
    children = np.random.SeedSequence(seed).spawn(-(-samples // chunk))
    counts = np.zeros(n_max, dtype=np.int64)
    for i, child in enumerate(children):
        size = min(chunk, samples - i * chunk)
        counts += _leading_counts(n_max, size, np.random.default_rng(child))
    return counts


def goe(n: int, samples: int, seed: int) -> np.ndarray:
    """``samples`` matrices ``(A + A^T) / sqrt 2`` of size ``n``, written out: ``(samples, n, n)``
    (for checking :func:`positive_definite_counts` by eigenvalues)."""
    a = np.random.default_rng(seed).standard_normal((samples, n, n))
    return (a + np.swapaxes(a, 1, 2)) / math.sqrt(2)


def log10_all_positive(n: int) -> dict[str, float]:
    """``log10 P(all n eigenvalues positive)``: ``"independent"`` signs (each a fair coin) and the
    ``"random-matrix"`` law ``exp(-THETA n^2)`` to leading order."""
    return {"independent": n * math.log10(0.5), "random-matrix": -THETA * n * n / math.log(10)}


# ----- a saddle in d dimensions -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class QuadraticSaddle:
    """``f(x) = 1/2 sum_i eigenvalues[i] x_i^2``: its Hessian is ``diag(eigenvalues)`` everywhere.
    ``value`` and ``gradient`` take ``(n, d)`` (or ``(d,)``) arrays."""

    eigenvalues: np.ndarray  # (d,)

    @classmethod
    def with_downhill(cls, d: int, k: int, curvature: float = 1.0) -> QuadraticSaddle:
        """``k`` eigenvalues ``-curvature``, the other ``d - k`` equal to ``+1``."""
        if not 0 <= k <= d:
            raise ValueError("need 0 <= k <= d")
        ev = np.ones(d)
        ev[:k] = -curvature
        return cls(ev)

    def gradient(self, x) -> np.ndarray:
        return np.asarray(x, dtype=float) * self.eigenvalues

    def value(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return 0.5 * np.sum(x * self.gradient(x), axis=-1)

    def value_and_gradient(self, x) -> tuple[np.ndarray, np.ndarray]:
        g = self.gradient(x)
        return 0.5 * np.einsum("ij,ij->i", x, g), g

    def hessian(self, x) -> np.ndarray:
        return np.diag(self.eigenvalues)


def sphere_starts(n: int, d: int, radius: float, seed: int) -> np.ndarray:
    """``n`` points drawn uniformly on the sphere of radius ``radius`` in ``d`` dimensions: ``(n, d)``."""
    z = np.random.default_rng(seed).standard_normal((n, d))
    return radius * z / np.linalg.norm(z, axis=1, keepdims=True)


def first_below(losses, level: float) -> np.ndarray:
    """For losses ``(steps + 1, n)``: the first step at which each run's loss is below ``level``
    (``-1`` for runs that never get there)."""
    below = np.asarray(losses) < level
    return np.where(below.any(axis=0), below.argmax(axis=0), -1)


def censored_median(steps) -> float:
    """Median of escape steps where ``-1`` means "not within the budget" (counted as longer than
    every escape); ``nan`` if half the runs or more did not escape."""
    s = np.asarray(steps, dtype=float)
    s = np.where(s < 0, np.inf, s)
    m = float(np.median(s))
    return m if math.isfinite(m) else float("nan")


def quadratic_escape_steps(d: int, k: int, curvature: float, lr: float, radius: float, level: float) -> float:
    """Median number of plain-descent steps from a random start on the sphere of ``radius`` to a
    loss below ``level`` on :meth:`QuadraticSaddle.with_downhill` ``(d, k, curvature)``.

    Each step multiplies the downhill part of ``x`` by ``1 + lr * curvature``; the uphill part
    shrinks and adds at most ``radius^2 / 2`` to the loss, which is neglected. So the run is below
    ``level`` once ``curvature * |x_down|^2 (1 + lr c)^(2t) > 2 |level|``, i.e. after
    ``ln(sqrt(2 |level| / c) / |x_down,0|) / ln(1 + lr c)`` steps, rounded up. ``|x_down,0|^2 /
    radius^2`` of a uniform start follows Beta(k/2, (d-k)/2); its median gives the median steps.
    The number of downhill directions ``k`` enters only here, through the start's projection.
    """
    share = 1.0 if k == d else float(betaincinv(k / 2, (d - k) / 2, 0.5))  # Beta's median, as scipy.stats has it
    reach = math.sqrt(2 * abs(level) / curvature) / (radius * math.sqrt(share))
    return float(math.ceil(math.log(reach) / math.log1p(lr * curvature)))


def saddle_escape_step(y0: float, lr: float, level: float) -> int:
    """First step at which plain descent on ``x^2 - y^2`` from ``(1, y0)`` has loss below ``level``
    (exact: ``x_t = (1 - 2 lr)^t``, ``y_t = (1 + 2 lr)^t y0``); ``-1`` if ``y0 == 0``."""
    if y0 == 0:
        return -1
    t = np.arange(0, 100_000)
    loss = (1 - 2 * lr) ** (2.0 * t) - (1 + 2 * lr) ** (2.0 * t) * y0 * y0
    hit = np.flatnonzero(loss < level)
    return int(hit[0]) if hit.size else -1


def saddle_pass_step(y0: float, lr: float) -> float:
    """The closed form for the step at which ``|y|`` passes 1 from ``(1, y0)`` on ``x^2 - y^2``:
    ``ln(1 / y0) / ln(1 + 2 lr)`` (the first whole step after it is where it happens)."""
    return math.log(1 / abs(y0)) / math.log1p(2 * lr)


#: ``integral_0^pi sin(phi)^(-2/3) dphi``: the monkey saddle's escape integral.
MONKEY_INTEGRAL = math.gamma(0.5) * math.gamma(1 / 6) / math.gamma(0.5 + 1 / 6)  # B(1/2, 1/6)


def monkey_escape_estimate(y0: float, lr: float) -> float:
    """Steps for descent on the monkey saddle ``x^3 - 3 x y^2`` from ``(1, y0)`` to leave it, in
    continuous time (good for small ``lr``).

    The gradient flow of ``Re z^3`` keeps ``Im z^3 = 3 x^2 y - y^3 = C`` (about ``3 y0``) fixed, and
    along it ``d(3 theta)/dt = 9 lr r sin(3 theta)`` with ``r = (C / sin 3 theta)^(1/3)``; the time
    to swing from the stable ray to a valley is ``B(1/2, 1/6) / (9 lr C^(1/3))``: it grows as
    ``y0^(-1/3)``, a power of the offset, not its logarithm.
    """
    c = 3 * abs(y0) - abs(y0) ** 3
    return MONKEY_INTEGRAL / (9 * lr * c ** (1 / 3))


def escape_steps(
    eigenvalues,
    starts,
    method: str,
    lr: float,
    budgets,
    level: float,
    *,
    noise: float = 0.0,
    seed: int = 0,
    kick_every: int = 50,
) -> list[np.ndarray]:
    """:func:`first_below` ``level`` of the losses of ``descend_many(QuadraticSaddle(eigenvalues[c]),
    starts, method, lr, budgets[c], tol=0, noise=noise, seed=seed)`` for every saddle ``c`` of
    ``eigenvalues (C, d)``, all saddles in one loop over steps: a list of ``C`` arrays ``(n,)``.

    ``method`` is ``"gd"``, ``"noisy"`` or ``"perturbed"`` (its jump radius ``noise``, jumping when
    the slope is below ``noise``, as ``kick_below=noise``). Each saddle's run is the same as that
    call's, step for step: the same arithmetic, and the same random draws, since each of those
    calls seeds its own generator with ``seed`` (noisy descent's noise at step ``t`` is the same
    for every saddle, drawn once here; perturbed descent keeps one generator per saddle, as it
    draws only at steps where one of its runs jumps). Runs that ``descend_many`` would stop as
    diverged have escaped long before (the loss falls below ``level`` before it passes
    :data:`explainer.core.optimize.BLOWUP`), and each saddle stops at its own budget."""
    if method not in ("gd", "noisy", "perturbed"):
        raise ValueError(f"unknown method {method!r}")
    ev = np.asarray(eigenvalues, dtype=float)
    budgets = np.asarray(budgets, dtype=int)
    C, d = ev.shape
    x0 = np.asarray(starts, dtype=float)
    n = len(x0)
    order = np.argsort(-budgets, kind="stable")  # longest budget first: the saddles still running lead
    x = np.broadcast_to(x0, (C, n, d)).copy()
    E = ev[order][:, None, :]
    lengths = budgets[order]
    losses = np.full((int(lengths.max(initial=0)) + 1, C, n), np.nan)
    g = x * E
    losses[0] = 0.5 * np.einsum("cij,cij->ci", x, g)
    rng = np.random.default_rng(seed)
    if method == "perturbed":
        rngs = [np.random.default_rng(seed) for _ in range(C)]
        gn = np.sqrt(np.einsum("cij,cij->ci", g, g))
        since = np.full((C, n), kick_every)
    step = np.empty_like(x)  # every array of the loop is allocated once: fresh ones cost page faults
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(int(lengths.max(initial=0))):
            live = int(np.sum(lengths > t))  # saddles still within their budget: the first ``live``
            xs, gs, dx = x[:live], g[:live], step[:live]
            if method == "noisy":  # x - lr (g + noise z)
                np.add(gs, noise * rng.standard_normal((n, d)), out=dx)
                np.multiply(lr, dx, out=dx)
            else:  # x - lr g
                np.multiply(lr, gs, out=dx)
            if method == "perturbed":
                since[:live] += 1
                kick = (gn[:live] < noise) & (since[:live] >= kick_every)
                since[:live] = np.where(kick, 0, since[:live])
                for c in np.flatnonzero(kick.any(axis=1)):
                    direction = rngs[c].standard_normal((n, d))
                    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
                    radius = noise * rngs[c].uniform(size=(n, 1)) ** (1.0 / d)
                    xs[c] = np.where(kick[c][:, None], xs[c] + radius * direction, xs[c] - dx[c])
                    dx[c] = 0.0
            np.subtract(xs, dx, out=xs)
            np.multiply(xs, E[:live], out=gs)
            np.einsum("cij,cij->ci", xs, gs, out=losses[t + 1, :live])
            losses[t + 1, :live] *= 0.5
            if method == "perturbed":
                np.sqrt(np.einsum("cij,cij->ci", gs, gs), out=gn[:live])
    out = [None] * C
    for i, c in enumerate(order):
        out[c] = first_below(losses[: lengths[i] + 1, i], level)
    return out
