"""Saddle points, the usual trap in high dimensions: how rare a minimum is, what sets the time to
leave a saddle, and which critical points a real scikit-learn network has.

Settings and results (every setting frozen, every result a frozen dataclass of numbers):

- :class:`ProbabilitySettings` -> :func:`probability` -> :class:`SaddleProbability`: the share of
  random symmetric matrices that are positive definite, against the article's ``0.5 ** n``
- :class:`DownhillSettings` -> :func:`downhill` -> :class:`DownhillDirections`: escape time from a
  quadratic saddle in ``d`` dimensions against the number of downhill directions and against their
  curvature, for plain, noisy and perturbed descent, with the closed form
- :class:`RaceSettings` -> :func:`race` -> :class:`SaddleRace`: the monkey saddle against
  ``x^2 - y^2`` from the same starts ``(1, y0)``
- :class:`PairSettings` -> :func:`pair` -> :class:`SaddlePair`: the reader's optimiser on both
  saddles, from ``(1, y0)`` and from exactly the stable line ``(1, 0)``
- :class:`CensusSettings` -> :func:`census` -> :class:`Census`: critical points of a small
  ``MLPClassifier``, their loss and the share of downhill directions of their Hessian
- :class:`StallSettings` -> :func:`stall` -> :class:`NetworkStall`: a network trained from small
  weights until it stalls, the Hessian where it stalled, and its escape

The slow defaults ship precomputed (:mod:`explainer.core.store`): ``saddle-point.<part>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from explainer.core import curvature, kinds, saddles, store
from explainer.core.critical import FOUND, SEARCH_ENDS, gd_path, solve_gradient
from explainer.core.optimize import descend_many
from explainer.core.stalls import Stall, find_stalls
from explainer.core.surfaces import SURFACES
from explainer.core.training import make_dataset

SLUG = "saddle-point"
#: Optimisers compared on the quadratic saddles.
SWEEP_METHODS = ("gd", "noisy", "perturbed")
#: Methods that draw at random: only they use ``noise`` and ``seed``.
NOISY = ("noisy", "perturbed")
#: An eigenvalue counts as clearly negative below minus this share of the spectrum's largest
#: magnitude (the Hessians here are exact to about 1e-13 of it, and a critical point found to
#: ``|g| ~ 1e-9`` moves them by about that much).
INDEX_TOL = 1e-6


def index_tolerance(eigenvalues) -> float:
    """The size below which an eigenvalue of this spectrum is not clearly negative (or positive)."""
    return INDEX_TOL * float(np.max(np.abs(eigenvalues)))


# ----- (a) how rare is a minimum? ----------------------------------------------------------------


@dataclass(frozen=True)
class ProbabilitySettings:
    seed: int = 0
    samples: int = 2_000_000
    n_max: int = 6
    big_n: int = 5000  # the article's number of weights


@dataclass(frozen=True)
class SaddleProbability:
    """Of ``samples`` random symmetric matrices ``(A + A^T) / sqrt 2`` of each size ``n``, how
    many (``hits``) were positive definite: every curvature up, a minimum. ``log10_all_positive``
    is ``log10 P(all positive)`` at ``settings.big_n`` for ``"independent"`` signs and by the
    ``"random-matrix"`` law (leading order)."""

    settings: ProbabilitySettings
    n: np.ndarray  # (n_max,) 1..n_max
    hits: np.ndarray  # (n_max,)
    log10_all_positive: dict[str, float]

    @property
    def samples(self) -> int:
        return self.settings.samples

    @property
    def pd_fraction(self) -> np.ndarray:
        return self.hits / self.samples

    @property
    def stderr(self) -> np.ndarray:
        """Binomial standard error of :attr:`pd_fraction` (for no hits: that of one hit)."""
        p = np.maximum(self.hits, 1) / self.samples
        return np.sqrt(p * (1 - p) / self.samples)

    @property
    def independent(self) -> np.ndarray:
        """The article's model: each eigenvalue's sign a fair coin, ``0.5 ** n``."""
        return 0.5**self.n

    @property
    def random_matrix(self) -> np.ndarray:
        """``exp(-theta n^2)``, the large-``n`` law, leading order only."""
        return np.exp(-saddles.THETA * self.n.astype(float) ** 2)

    @property
    def z(self) -> np.ndarray:
        """How many standard errors the measured share lies above (``> 0``) or below ``0.5 ** n``."""
        return (self.pd_fraction - self.independent) / self.stderr

    @property
    def article_p(self) -> float:
        """The article's probability of a saddle, ``1 - 0.5 ** N`` in floating point: exactly 1.0."""
        return 1 - 0.5**self.settings.big_n

    @property
    def exact_2(self) -> float:
        return saddles.PD_FRACTION_2


def probability(settings: ProbabilitySettings) -> SaddleProbability:
    s = settings
    return SaddleProbability(
        settings=s,
        n=np.arange(1, s.n_max + 1),
        hits=saddles.positive_definite_counts(s.n_max, s.samples, s.seed),
        log10_all_positive=saddles.log10_all_positive(s.big_n),
    )


# ----- (b) what sets the time to leave a saddle ---------------------------------------------------


@dataclass(frozen=True)
class DownhillSettings:
    """Quadratic saddles in ``d`` dimensions, ``starts`` seeded starts of norm ``radius``; a run has
    escaped once its loss is below ``level``. ``noise`` is the noisy method's gradient noise and
    the perturbed method's jump radius (it jumps whenever the slope is below ``noise``)."""

    seed: int = 0
    d: int = 100
    lr: float = 0.1
    radius: float = 1e-3
    level: float = -0.5
    starts: int = 64
    ks: tuple[int, ...] = (1, 3, 10, 30, 100)
    curvatures: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0)
    noise: float = 0.01
    methods: tuple[str, ...] = SWEEP_METHODS


@dataclass(frozen=True)
class DownhillDirections:
    """Median steps to escape (``nan`` where half the runs or more had not escaped within the
    budget), per method (a key of ``settings.methods``): against the number ``k`` of eigenvalues
    ``-1`` (the other ``d - k`` are ``+1``), and, with ``k = 1``, against that eigenvalue's size
    ``curvature``. ``closed_*`` is :func:`explainer.core.saddles.quadratic_escape_steps`;
    ``escaped_*`` the share of runs that escaped within ``budget_*`` steps."""

    settings: DownhillSettings
    k: np.ndarray
    steps_by_k: dict[str, np.ndarray]
    escaped_by_k: dict[str, np.ndarray]
    closed_by_k: np.ndarray
    budget_by_k: np.ndarray
    curvature: np.ndarray
    steps_by_curvature: dict[str, np.ndarray]
    escaped_by_curvature: dict[str, np.ndarray]
    closed_by_curvature: np.ndarray
    budget_by_curvature: np.ndarray


def _budget(closed: float) -> int:
    """Steps each run is given: a quarter more than the closed-form median, and 15 to spare. Only
    the median is reported, and it is measured as long as more than half the runs escape in time."""
    return math.ceil(1.25 * closed) + 15


def _escapes(s: DownhillSettings, cases, budgets, starts) -> dict[str, list[np.ndarray]]:
    """Each method's first step below ``s.level`` of every run, for every saddle ``(k, c)`` of
    ``cases`` within its budget: all saddles of one method in one loop
    (:func:`explainer.core.saddles.escape_steps`, the same runs as ``descend_many`` on each)."""
    eigenvalues = np.stack([saddles.QuadraticSaddle.with_downhill(s.d, k, c).eigenvalues for k, c in cases])
    out = {}
    for i, method in enumerate(s.methods):
        noise = dict(noise=s.noise, seed=s.seed + 1 + i) if method in NOISY else {}
        out[method] = saddles.escape_steps(eigenvalues, starts, method, s.lr, budgets, s.level, **noise)
    return out


def downhill(settings: DownhillSettings) -> DownhillDirections:
    s = settings
    starts = saddles.sphere_starts(s.starts, s.d, s.radius, s.seed)
    cases = list(dict.fromkeys([(k, 1.0) for k in s.ks] + [(1, c) for c in s.curvatures]))  # each saddle once
    closed = [saddles.quadratic_escape_steps(s.d, k, c, s.lr, s.radius, s.level) for k, c in cases]
    budgets = [_budget(form) for form in closed]
    runs = _escapes(s, cases, budgets, starts)

    def sweep(wanted):
        at = [cases.index(case) for case in wanted]
        steps = {m: np.array([saddles.censored_median(runs[m][j]) for j in at]) for m in s.methods}
        escaped = {m: np.array([float(np.mean(runs[m][j] >= 0)) for j in at]) for m in s.methods}
        return steps, escaped, np.array([closed[j] for j in at]), np.array([budgets[j] for j in at])

    by_k = sweep([(k, 1.0) for k in s.ks])
    by_c = sweep([(1, c) for c in s.curvatures])
    return DownhillDirections(
        settings=s,
        k=np.array(s.ks),
        steps_by_k=by_k[0],
        escaped_by_k=by_k[1],
        closed_by_k=by_k[2],
        budget_by_k=by_k[3],
        curvature=np.array(s.curvatures),
        steps_by_curvature=by_c[0],
        escaped_by_curvature=by_c[1],
        closed_by_curvature=by_c[2],
        budget_by_curvature=by_c[3],
    )


# ----- the monkey saddle against x^2 - y^2 ----------------------------------------------------------


@dataclass(frozen=True)
class RaceSettings:
    lr: float = 0.1
    offsets: tuple[float, ...] = (1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8)
    steps: int = 20_000


@dataclass(frozen=True)
class SaddleRace:
    """Plain descent from ``(1, y0)`` for each ``y0`` of ``offsets``: the first step with
    ``|y| > 1`` on ``x^2 - y^2`` (``saddle_steps``; ``saddle_closed`` from the closed form) and on
    the monkey saddle ``x^3 - 3xy^2`` (``monkey_steps``, ``-1`` if not within the budget;
    ``monkey_estimate`` in continuous time). ``monkey_slope`` is the fitted exponent of
    ``steps ~ y0^slope`` over the three smallest offsets (the theory says -1/3)."""

    settings: RaceSettings
    offsets: np.ndarray
    saddle_steps: np.ndarray
    saddle_closed: np.ndarray
    monkey_steps: np.ndarray
    monkey_estimate: np.ndarray
    monkey_slope: float


def _passes(positions) -> np.ndarray:
    """First step with ``|y| > 1`` for positions ``(steps + 1, n, 2)`` (``-1`` if never)."""
    out = np.abs(positions[:, :, 1]) > 1
    return np.where(out.any(axis=0), out.argmax(axis=0), -1)


def race(settings: RaceSettings) -> SaddleRace:
    s = settings
    y0 = np.array(s.offsets, dtype=float)
    starts = np.stack([np.ones_like(y0), y0], axis=1)
    steps = {}
    for name in ("saddle", "monkey-saddle"):
        batch = descend_many(SURFACES[name], starts, "gd", s.lr, s.steps, tol=0)
        steps[name] = _passes(batch.positions)
    monkey = steps["monkey-saddle"]
    tail = np.argsort(y0)[:3]
    ok = tail[monkey[tail] > 0]
    slope = float(np.polyfit(np.log(y0[ok]), np.log(monkey[ok]), 1)[0]) if ok.size >= 2 else float("nan")
    return SaddleRace(
        settings=s,
        offsets=y0,
        saddle_steps=steps["saddle"],
        saddle_closed=np.array([math.floor(saddles.saddle_pass_step(v, s.lr)) + 1 for v in y0]),
        monkey_steps=monkey,
        monkey_estimate=np.array([saddles.monkey_escape_estimate(v, s.lr) for v in y0]),
        monkey_slope=slope,
    )


# ----- (c) the reader's optimiser on both saddles ---------------------------------------------------

#: The two saddles side by side.
PAIR_SURFACES = ("saddle", "monkey-saddle")
#: A run is near the saddle while it is within this distance of it.
NEAR = 0.1
#: A run has escaped once its loss is below this (as on the quadratic saddles), whichever way it
#: went; the closed form on ``x^2 - y^2`` is for the step at which ``|y|`` passes ``AWAY``.
ESCAPE_LEVEL = -0.5
AWAY = 1.0
#: At most this many points of a path are kept for its map and its distance curve.
PATH_POINTS = 400


@dataclass(frozen=True)
class PairSettings:
    """The reader's run on both saddles from ``(1, y0)``. ``noise`` and ``seed`` matter only for
    :data:`NOISY` methods; for the others they are stored as 0 (so equal runs cache equal)."""

    method: str = "gd"
    lr: float = 0.01
    y0: float = 1e-12
    steps: int = 2000
    noise: float = 0.0
    seed: int = 0

    def __post_init__(self):
        if self.method not in NOISY:
            object.__setattr__(self, "noise", 0.0)
            object.__setattr__(self, "seed", 0)


@dataclass(frozen=True)
class SaddleRun:
    """One run near a saddle at ``(0, 0)``, from ``start``.

    ``end`` is one of :data:`explainer.core.kinds.SADDLE_ENDS`; ``escape_step`` the first step with
    loss below :data:`ESCAPE_LEVEL` and ``pass_step`` the first with ``|y| > AWAY`` (``-1`` if none);
    ``near_steps`` how many steps it spent within :data:`NEAR` of the
    saddle; ``closest`` its smallest distance to it. ``steps`` and ``xy`` are the kept points of
    its path (each at its step), ``distance`` the distance to the saddle there.
    """

    surface: str
    start: tuple[float, float]
    end: str
    stop_reason: str
    taken: int
    escape_step: int
    pass_step: int
    near_steps: int
    closest: float
    last_distance: float
    last_grad: float
    steps: np.ndarray
    xy: np.ndarray
    distance: np.ndarray


@dataclass(frozen=True)
class SaddlePair:
    """The reader's run (``runs[surface]``, from ``(1, y0)``) and the same optimiser from exactly
    the stable line (``on_line[surface]``, from ``(1, 0)``) on both saddles. ``pass_closed`` is the
    closed form of plain descent's step past ``|y| = 1`` on ``x^2 - y^2``, ``ln(1/y0)/ln(1 + 2 lr)``
    (``nan`` for ``y0 = 0``); ``monkey_estimate`` the continuous-time estimate on the monkey saddle."""

    settings: PairSettings
    runs: dict[str, SaddleRun]
    on_line: dict[str, SaddleRun]
    pass_closed: float
    monkey_estimate: float


def _keep(taken: int, escape: int) -> np.ndarray:
    """Steps of a path to keep: evenly spread, plus the escape step and the last one."""
    every = max(1, -(-taken // PATH_POINTS))
    marks = [taken] + ([escape] if escape >= 0 else [])
    return np.unique(np.concatenate([np.arange(0, taken + 1, every), marks]))


def _saddle_run(surface: str, start, s: PairSettings) -> SaddleRun:
    extra = dict(noise=s.noise, seed=s.seed) if s.method in NOISY else {}
    batch = descend_many(SURFACES[surface], np.array([start], dtype=float), s.method, s.lr, s.steps, tol=1e-8, **extra)
    run = batch.run(0)
    distance = np.linalg.norm(run.positions, axis=1)
    escape = int(saddles.first_below(run.losses[:, None], ESCAPE_LEVEL)[0])
    passed = int(saddles.first_below(-np.abs(run.positions[:, 1:2]), -AWAY)[0])
    if escape >= 0:
        end = kinds.SADDLE_ESCAPED
    elif run.stop_reason == "diverged":
        end = kinds.SADDLE_DIVERGED
    elif run.stop_reason == "converged" and distance[-1] < NEAR:
        end = kinds.SADDLE_CAUGHT
    else:
        end = kinds.SADDLE_LINGERING
    # Only the path up to its escape (and a little after) is drawn; the rest runs off the map.
    last = max(escape, passed)
    shown = run.steps if escape < 0 else min(run.steps, last + max(5, last // 20))
    keep = np.unique(np.concatenate([_keep(shown, escape), [passed] if 0 <= passed <= shown else []])).astype(int)
    return SaddleRun(
        surface=surface,
        start=(float(start[0]), float(start[1])),
        end=end,
        stop_reason=run.stop_reason,
        taken=run.steps,
        escape_step=escape,
        pass_step=passed,
        near_steps=int(np.sum(distance < NEAR)),
        closest=float(distance.min()),
        last_distance=float(distance[-1]),
        last_grad=float(run.grad_norms[-1]),
        steps=keep,
        xy=run.positions[keep],
        distance=distance[keep],
    )


def pair(settings: PairSettings) -> SaddlePair:
    s = settings
    return SaddlePair(
        settings=s,
        runs={name: _saddle_run(name, (1.0, s.y0), s) for name in PAIR_SURFACES},
        on_line={name: _saddle_run(name, (1.0, 0.0), s) for name in PAIR_SURFACES},
        pass_closed=saddles.saddle_pass_step(s.y0, s.lr) if s.y0 else float("nan"),
        monkey_estimate=saddles.monkey_escape_estimate(s.y0, s.lr) if s.y0 else float("inf"),
    )


# ----- (d) critical points of a real network ---------------------------------------------------------


@dataclass(frozen=True)
class CensusSettings:
    """Critical points of a 2-``hidden``-1 tanh ``MLPClassifier`` (L2 penalty ``alpha``) on
    ``samples`` XOR points, one data set and network per seed of ``seeds``.

    Each seed's network is trained by full-batch descent (``epochs`` epochs of step ``lr``); the
    searches start from ``snapshots`` of its weights along the way (log-spaced in time), from the
    same snapshots with Gaussian noise of size ``kick`` added, and from ``near_origin`` small random
    weights of size ``origin_scale``. A search has found a critical point once ``|g|`` is below
    ``grad_tol`` times the gradient norm at that seed's initial weights.
    """

    seeds: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    samples: int = 24
    noise: float = 0.1
    hidden: int = 5
    alpha: float = 0.1
    lr: float = 0.5
    epochs: int = 400
    every: int = 10
    snapshots: int = 8
    kick: float = 0.3
    near_origin: int = 4
    origin_scale: float = 0.05
    grad_tol: float = 1e-8


@dataclass(frozen=True)
class Census:
    """The distinct critical points found, one row each (``m`` of them): the ``seed`` of its
    network, where its search started (``start``, ids of :data:`explainer.core.kinds.CRITICAL_STARTS`),
    its weights ``theta (m, P)``, ``loss``, ``grad_norm`` (below its search's ``tolerance``), Hessian
    ``eigenvalues (m, P)`` (sorted) and ``index`` (clearly negative eigenvalues, below
    ``-INDEX_TOL`` times the largest magnitude). :func:`census_path` rebuilds each seed's network.

    Two points of one network are counted once if they have the same loss (to :data:`SAME_LOSS`,
    relative) and the same index: copies of one point under the network's symmetries (relabelling
    hidden units, flipping a tanh unit's signs) are alike in both, and so are the points of one
    connected set of critical points (a unit whose output weight is zero leaves its bias free, for
    example), which share their loss. Such a set can hold points of different index; each index
    found on it is kept. ``searches`` counts how each search ended (ids of
    :data:`explainer.core.critical.SEARCH_ENDS`), ``duplicates`` the points found again.
    ``spearman`` and ``spearman_p`` are Spearman's rank correlation of loss and index fraction.
    """

    settings: CensusSettings
    n_params: int
    seed: np.ndarray
    start: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    tolerance: np.ndarray  # (m,) the |g| its search had to reach
    theta: np.ndarray  # (m, P) where it is
    eigenvalues: np.ndarray
    index: np.ndarray
    searches: dict[str, int]
    duplicates: int
    spearman: float
    spearman_p: float

    @property
    def index_fraction(self) -> np.ndarray:
        return self.index / self.n_params

    @property
    def minima(self) -> int:
        return int(np.sum(self.index == 0))

    @property
    def tried(self) -> int:
        return int(sum(self.searches.values()))


#: Critical points of one network whose losses differ by less than this (relative) share a level.
SAME_LOSS = 1e-9


def _census_starts(s: CensusSettings, path, rng) -> list[tuple[str, np.ndarray]]:
    picks = np.unique(np.geomspace(1, len(path.thetas) - 1, s.snapshots).astype(int))
    snaps = [(kinds.FROM_SNAPSHOT, path.thetas[i]) for i in picks]
    kicked = [(kinds.FROM_KICKED, path.thetas[i] + s.kick * rng.standard_normal(path.net.n_params)) for i in picks]
    origin = [
        (kinds.FROM_ORIGIN, s.origin_scale * rng.standard_normal(path.net.n_params)) for _ in range(s.near_origin)
    ]
    return snaps + kicked + origin


def census_path(settings: CensusSettings, seed: int):
    """The training run of the census's network for ``seed`` (its ``net`` is the loss searched)."""
    s = settings
    X, y = make_dataset("xor", n=s.samples, noise=s.noise, seed=seed)
    return gd_path(X, y, hidden=(s.hidden,), lr=s.lr, epochs=s.epochs, every=s.every, alpha=s.alpha, seed=seed)


def census(settings: CensusSettings) -> Census:
    s = settings
    rows, ends, duplicates = [], dict.fromkeys(SEARCH_ENDS, 0), 0
    n_params = 0
    for seed in s.seeds:
        path = census_path(s, seed)
        net, n_params = path.net, path.net.n_params
        tol = s.grad_tol * float(path.grad_norms[0])
        mine = []
        for start, theta in _census_starts(s, path, np.random.default_rng(seed)):
            found = solve_gradient(net, theta, tol=tol)
            ends[found.end] += 1
            if found.end != FOUND:
                continue
            ev = np.linalg.eigvalsh(net.hessian(found.theta))
            loss, index = net.loss(found.theta), curvature.index(ev, index_tolerance(ev))
            if any(abs(r["loss"] - loss) <= SAME_LOSS * max(1.0, abs(loss)) and r["index"] == index for r in mine):
                duplicates += 1
                continue
            mine.append(
                dict(seed=seed, start=start, loss=loss, grad_norm=found.grad_norm, tolerance=tol, theta=found.theta,
                     eigenvalues=ev, index=index)
            )  # fmt: skip
        rows += mine
    ev = np.array([r["eigenvalues"] for r in rows]).reshape(len(rows), n_params)
    index = np.array([r["index"] for r in rows], dtype=int)
    loss = np.array([r["loss"] for r in rows])
    if len(rows) >= 3 and np.ptp(index) > 0:
        from scipy import stats  # imported when used: see explainer.core.training

        rho, p = stats.spearmanr(loss, index)
    else:
        rho, p = float("nan"), float("nan")
    return Census(
        settings=s,
        n_params=n_params,
        seed=np.array([r["seed"] for r in rows], dtype=int),
        start=np.array([r["start"] for r in rows], dtype=str),
        loss=loss,
        grad_norm=np.array([r["grad_norm"] for r in rows]),
        tolerance=np.array([r["tolerance"] for r in rows]),
        theta=np.array([r["theta"] for r in rows]).reshape(len(rows), n_params),
        eigenvalues=ev,
        index=index,
        searches=ends,
        duplicates=duplicates,
        spearman=float(rho),
        spearman_p=float(p),
    )


# ----- (e) a network that stalls, and gets away ------------------------------------------------------


@dataclass(frozen=True)
class StallSettings:
    """A 2-``hidden``-1 tanh ``MLPClassifier`` on ``samples`` XOR points, trained by full-batch
    descent (step ``lr``) from scikit-learn's own initial weights times ``init_scale``."""

    seed: int = 0
    samples: int = 40
    noise: float = 0.1
    hidden: int = 4
    alpha: float = 1e-4
    init_scale: float = 1e-3
    lr: float = 1.0
    epochs: int = 1000
    every: int = 20


#: Weights all smaller than this mean the network is still near its symmetric point, where every
#: hidden unit computes nearly the same (tiny) function.
NEAR_ZERO = 0.05
#: A stall: the slope below this share of the run's steepest, for at least ``STALL_WINDOW`` snapshots.
STALL_SLOPE = 0.05
STALL_WINDOW = 5

_STALL_KINDS = {
    kinds.MINIMUM: kinds.STALL_MINIMUM,
    kinds.SADDLE: kinds.STALL_SADDLE,
    kinds.MAXIMUM: kinds.STALL_MAXIMUM,
    kinds.FLAT: kinds.STALL_PLATEAU,
}


@dataclass(frozen=True)
class NetworkStall:
    """The loss (``losses``) and slope (``grad_norms``) at every ``every``-th epoch (``epochs``),
    scikit-learn's own per-epoch loss ``curve``, and the longest stall (``stall``, in snapshot
    indices, ``None`` if there was none) labelled from the Hessian at its flattest snapshot:
    ``eigenvalues`` there (sorted), ``index`` its clearly negative ones (``tol``).
    ``escape_epoch`` is the first epoch after the stall at which the loss is halfway from the
    stall's level down to the final loss (``-1`` if it never gets there). ``end_eigenvalues`` is
    the spectrum at the last snapshot; ``weight_size`` the largest weight at the stall."""

    settings: StallSettings
    n_params: int
    epochs: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    curve: np.ndarray
    stall: Stall | None
    eigenvalues: np.ndarray
    index: int
    tol: float
    escape_epoch: int
    end_eigenvalues: np.ndarray
    theta_at: np.ndarray  # (P,) the weights at the stall's flattest snapshot (empty without a stall)
    weight_size: float  # largest |weight| (biases aside) at the stall's flattest snapshot (nan without a stall)

    @property
    def stall_epochs(self) -> tuple[int, int] | None:
        """First and last epoch of the stall."""
        if self.stall is None:
            return None
        return int(self.epochs[self.stall.start]), int(self.epochs[self.stall.end - 1])

    @property
    def at_epoch(self) -> int:
        """Epoch of the stall's flattest snapshot (where the Hessian is read)."""
        return int(self.epochs[self.stall.at]) if self.stall is not None else -1

    @property
    def near_symmetric(self) -> bool:
        """Whether the stall is near the symmetric point: every weight below :data:`NEAR_ZERO`."""
        return bool(self.weight_size < NEAR_ZERO)

    @property
    def end_index(self) -> int:
        return curvature.index(self.end_eigenvalues, index_tolerance(self.end_eigenvalues))


def stall(settings: StallSettings) -> NetworkStall:
    s = settings
    X, y = make_dataset("xor", n=s.samples, noise=s.noise, seed=s.seed)
    path = gd_path(
        X, y, hidden=(s.hidden,), lr=s.lr, epochs=s.epochs, every=s.every, alpha=s.alpha, seed=s.seed,
        init_scale=s.init_scale,
    )  # fmt: skip
    net = path.net
    found = find_stalls(
        path.losses, path.grad_norms, window=STALL_WINDOW, grad_tol=STALL_SLOPE * float(path.grad_norms.max())
    )
    longest = max(found, key=lambda st: st.duration) if found else None
    end_ev = np.linalg.eigvalsh(net.hessian(path.thetas[-1]))
    if longest is None:
        ev, idx, tol, escape, size, at = np.zeros(0), 0, 0.0, -1, float("nan"), np.zeros(0)
    else:
        at = path.thetas[longest.at]
        Ws, _ = net.unpack(at)
        size = float(max(np.abs(W).max() for W in Ws))
        ev = np.linalg.eigvalsh(net.hessian(path.thetas[longest.at]))
        tol = index_tolerance(ev)
        idx = curvature.index(ev, tol)
        shape = curvature.classify(ev, tol=tol)
        longest = replace(longest, kind=_STALL_KINDS[shape], index=idx, eigenvalues=tuple(float(v) for v in ev))
        halfway = (longest.loss + path.losses[-1]) / 2
        after = np.flatnonzero(path.losses[longest.end :] < halfway)
        escape = int(path.epochs[longest.end + after[0]]) if after.size and longest.loss - halfway > 0 else -1
    return NetworkStall(
        settings=s,
        n_params=net.n_params,
        epochs=path.epochs,
        losses=path.losses,
        grad_norms=path.grad_norms,
        curve=path.curve,
        stall=longest,
        eigenvalues=ev,
        index=idx,
        tol=tol,
        escape_epoch=escape,
        end_eigenvalues=end_ev,
        theta_at=at,
        weight_size=size,
    )


# ----- defaults, precomputed --------------------------------------------------------------------------

DEFAULT_PROBABILITY = ProbabilitySettings()
DEFAULT_DOWNHILL = DownhillSettings()
DEFAULT_RACE = RaceSettings()
DEFAULT_PAIR = PairSettings()
DEFAULT_CENSUS = CensusSettings()
DEFAULT_STALL = StallSettings()

#: The store's names of the precomputed defaults.
PROBABILITY, DOWNHILL, RACE, PAIR, CENSUS, STALL = (
    f"{SLUG}.{part}" for part in ("probability", "downhill", "race", "pair", "census", "stall")
)
store.register(PROBABILITY, probability, DEFAULT_PROBABILITY)
store.register(DOWNHILL, downhill, DEFAULT_DOWNHILL)
store.register(RACE, race, DEFAULT_RACE)
store.register(PAIR, pair, DEFAULT_PAIR)
store.register(CENSUS, census, DEFAULT_CENSUS)
store.register(STALL, stall, DEFAULT_STALL)
