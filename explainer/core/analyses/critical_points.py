"""Where the gradient vanishes: descent from a grid of starts over a map, where each run ended,
where it lingered on the way, and what the plateau's resting runs would need to slide off.

:class:`Settings` -> :func:`basins` -> :class:`Basins`. The result is built on
:class:`~explainer.core.traps.GridDescent` (every end labelled from the map's own scales, every
stall read from the Hessian at its flattest step) but keeps only what the page shows: the runs'
ends, a few sample paths and one example run, never the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.core import curvature, kinds
from explainer.core.ground import Ground, MapScales, read_ground, steps_to_slide
from explainer.core.stalls import Stall
from explainer.core.surfaces import SURFACES
from explainer.core.traps import ESCAPABLE, GridDescent, grid_descent, stall_window

#: The maps the section offers, in menu order.
MAP_SURFACES = ("four-traps", "double-well", "six-hump-camel", "himmelblau")
#: A step size that suits each map (its steepest minimum allows about twice as much): the step
#: size a map starts with whenever it is picked.
GOOD_STEP = {"four-traps": 0.1, "double-well": 0.1, "six-hump-camel": 0.03, "himmelblau": 0.01}
STEP_SIZES = (0.001, 0.003, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5)
STEP_BUDGETS = (250, 500, 1000, 1500, 2000, 3000)
GRID_SIDES = (15, 21, 27, 31)
#: Methods that draw at random: only they use ``noise`` (a standard deviation, or a jump radius) and ``seed``.
NOISY = ("noisy", "perturbed")
NOISE_LEVELS = (0.1, 0.2, 0.3, 0.5, 0.8, 1.2)
DEFAULT_NOISE = 0.5
#: The traps of the article's claim besides the global minimum, as ids shared by a surface's
#: listed critical points and by :data:`explainer.core.kinds.END_KINDS`.
TRAPS = (kinds.LOCAL_MINIMUM, kinds.END_SADDLE, kinds.PLATEAU)
#: The stall kind a run lingering at each trap is labelled with. A stall in a minimum that the
#: run escaped (went clearly lower afterwards) was not in the global one.
TRAP_STALLS = {
    kinds.LOCAL_MINIMUM: kinds.STALL_MINIMUM,
    kinds.END_SADDLE: kinds.STALL_SADDLE,
    kinds.PLATEAU: kinds.STALL_PLATEAU,
}
#: At most this many sample paths are drawn, each with at most about this many points.
PATHS = 8
PATH_POINTS = 200
#: A run "stayed" where it started if it ended within this share of the map's diagonal of its start.
STAYED = 1e-6


@dataclass(frozen=True)
class Settings:
    """One grid of runs. ``noise`` and ``seed`` matter only for :data:`NOISY` methods; for the
    others they are stored as 0, so that runs which draw nothing at random compare (and cache)
    equal whatever the page's seed."""

    surface: str = "four-traps"
    method: str = "gd"
    lr: float = 0.1
    steps: int = 1500
    side: int = 21
    noise: float = 0.0
    seed: int = 0

    def __post_init__(self):
        if self.method not in NOISY:
            object.__setattr__(self, "noise", 0.0)
            object.__setattr__(self, "seed", 0)


@dataclass(frozen=True)
class Escape:
    """Runs that stalled on ground of one stall ``kind`` and got away: how many, and how long
    their stalls there lasted (median and longest, in steps)."""

    kind: str
    runs: int
    median_steps: float
    longest_steps: int


@dataclass(frozen=True)
class SamplePath:
    """A drawn run: ``steps (k,)`` of its path (every few steps, its last one included) and the
    positions ``xy (k, 2)`` there."""

    run: int
    steps: np.ndarray
    xy: np.ndarray


@dataclass(frozen=True)
class ExampleRun:
    """The run whose stall that ended in an escape was the longest of the grid (``stall``), with
    its whole loss and slope curves and every stall it met (``stalls``), the ground at each
    stall's flattest step alongside (``grounds``)."""

    run: int
    start: tuple[float, float]
    end_kind: str
    stall: Stall
    losses: np.ndarray  # (k+1,)
    grad_norms: np.ndarray  # (k+1,)
    stalls: tuple[Stall, ...]
    grounds: tuple[Ground, ...]


@dataclass(frozen=True)
class Slide:
    """A run resting on a plateau: its slope, the ground there, and about how many more steps
    of plain descent at the grid's step size it would need to pick up speed and slide off
    (:func:`explainer.core.ground.steps_to_slide`; ``inf`` if never)."""

    run: int
    xy: tuple[float, float]
    slope: float
    ground: Ground
    steps: float


@dataclass(frozen=True)
class PlateauRuns:
    """The runs that ended on a plateau. ``slopes (m,)`` are their end slopes, ``stopped (m,)``
    whether the optimiser's own tolerance (``tol``) ended them rather than the step budget.
    ``flattest`` rests where the slope is smallest (nearest the table's centre on the
    four-traps map) and ``median`` is the run with the median slope."""

    runs: np.ndarray  # (m,) run indices
    slopes: np.ndarray
    stopped: np.ndarray
    tol: float
    flattest: Slide
    median: Slide

    @property
    def n(self) -> int:
        return len(self.runs)

    @property
    def n_stopped(self) -> int:
        return int(self.stopped.sum())

    @property
    def n_out_of_steps(self) -> int:
        return self.n - self.n_stopped

    @property
    def creeping_slopes(self) -> tuple[float, float] | None:
        """Smallest and largest slope of the runs that ran out of steps (``None`` if none did)."""
        creeping = self.slopes[~self.stopped]
        return (float(creeping.min()), float(creeping.max())) if creeping.size else None


@dataclass(frozen=True)
class Basins:
    """Descent from ``side x side`` starts over a map (arrays run over the ``n`` starts).

    ``labels`` are ids of :data:`explainer.core.kinds.END_KINDS`; ``steps`` the steps each run
    took; ``end_grads`` its slope where it was judged (for noisy runs, after the quench that
    settles them). ``escapes`` is the escape table (one :class:`Escape` per stall kind some run
    got away from); ``escaped_steps`` gives, per stall kind of
    :data:`explainer.core.traps.ESCAPABLE`, the length of every stall there that ended in an
    escape, and ``stalled_runs`` how many runs stalled there at all; ``strict_saddles`` counts
    the escaped saddle stalls whose Hessian had a clearly negative eigenvalue (beyond the map's
    flat tolerance). ``paths`` are the runs to draw, ``example`` the run with the longest stall
    that ended in an escape (``None`` if no run escaped a stall), ``plateau`` the plateau's
    runs (``None`` if none ended there), ``kicks`` the random jumps of perturbed descent.
    ``map_kinds`` are the :data:`TRAPS` the map lists among its critical points and ``listed``
    the number of listed critical points of each kind. ``cell`` is half the width and height
    of a start's square on the map; ``window`` the shortest stall, in steps.
    """

    settings: Settings
    starts: np.ndarray  # (n, 2)
    ends: np.ndarray  # (n, 2)
    labels: np.ndarray  # (n,)
    steps: np.ndarray  # (n,)
    end_grads: np.ndarray  # (n,)
    cell: tuple[float, float]
    escapes: tuple[Escape, ...]
    escaped_steps: dict[str, tuple[int, ...]]
    stalled_runs: dict[str, int]
    strict_saddles: int
    paths: tuple[SamplePath, ...]
    example: ExampleRun | None
    plateau: PlateauRuns | None
    kicks: int
    map_kinds: tuple[str, ...]
    listed: dict[str, int]
    scales: MapScales
    tol: float
    window: int

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def counts(self) -> dict[str, int]:
        """Runs per end kind, every kind of :data:`explainer.core.kinds.END_KINDS` present (zeros included)."""
        return {kind: int(np.sum(self.labels == kind)) for kind in kinds.END_KINDS}

    @property
    def median_steps(self) -> dict[str, float]:
        """Median steps taken by the runs of each end kind that some run ended with."""
        return {k: float(np.median(self.steps[self.labels == k])) for k, c in self.counts.items() if c}

    @property
    def rested(self) -> int:
        """Runs that came to rest on a critical point or flat ground."""
        return int(np.isin(self.labels, kinds.RESTED).sum())

    @property
    def lost(self) -> int:
        """Runs that diverged or left the map."""
        return int(np.isin(self.labels, kinds.LOST).sum())

    @property
    def still_moving(self) -> int:
        return self.counts[kinds.STILL_MOVING]

    @property
    def still_slopes(self) -> tuple[float, float] | None:
        """Smallest and largest slope of the runs still moving at their last step."""
        slopes = self.end_grads[self.labels == kinds.STILL_MOVING]
        return (float(slopes.min()), float(slopes.max())) if slopes.size else None

    @property
    def stayed(self) -> dict[str, int]:
        """Per end kind, the runs that ended where they started: they never moved off it. (It
        means something for runs that came to rest; a run that diverged on its first step also
        "ends" at its start, its last finite point.)"""
        still = np.linalg.norm(self.ends - self.starts, axis=1) <= STAYED * self.scales.size
        return {kind: int(np.sum(still & (self.labels == kind))) for kind in kinds.END_KINDS}


def _escapes(grid: GridDescent) -> tuple[Escape, ...]:
    return tuple(Escape(**row) for row in grid.escapes())


def _paths(grid: GridDescent) -> tuple[SamplePath, ...]:
    """The most instructive runs: the longest escaped stall of each kind, then one typical run
    (the middle one of the grid's order) per end kind; at most :data:`PATHS`."""
    longest: dict[str, tuple[int, int]] = {}
    for i, run in enumerate(grid.stalls):
        for s in run:
            if s.escaped and s.duration > longest.get(s.kind, (-1, 0))[1]:
                longest[s.kind] = (i, s.duration)
    picks = [i for i, _ in longest.values()]
    for kind in kinds.END_KINDS:
        idx = np.flatnonzero(grid.labels == kind)
        if idx.size:
            picks.append(int(idx[len(idx) // 2]))
    b = grid.batch
    out = []
    for i in list(dict.fromkeys(picks))[:PATHS]:
        last = int(b.stop_step[i])
        keep = np.unique(np.concatenate([np.arange(0, last + 1, max(1, last // PATH_POINTS)), [last]]))
        out.append(SamplePath(run=i, steps=keep, xy=b.positions[keep, i].copy()))
    return tuple(out)


def _example(surface, grid: GridDescent) -> ExampleRun | None:
    """The run with the longest stall that ended in an escape (the first such run on a tie)."""
    escaped = [(i, s) for i, run in enumerate(grid.stalls) for s in run if s.escaped]
    if not escaped:
        return None
    i, stall = max(escaped, key=lambda pair: pair[1].duration)  # max keeps the first of equals
    run = grid.batch.run(i)
    stalls = grid.stalls[i]
    grounds = read_ground(surface, np.array([run.positions[s.at] for s in stalls]).reshape(-1, 2), grid.scales)
    return ExampleRun(
        run=i,
        start=(float(run.positions[0, 0]), float(run.positions[0, 1])),
        end_kind=str(grid.labels[i]),
        stall=stall,
        losses=run.losses,
        grad_norms=run.grad_norms,
        stalls=stalls,
        grounds=tuple(grounds),
    )


def _plateau(surface, grid: GridDescent, lr: float) -> PlateauRuns | None:
    runs = np.flatnonzero(grid.labels == kinds.PLATEAU)
    if not runs.size:
        return None
    slopes = grid.end_grads[runs]
    order = np.argsort(slopes, kind="stable")
    chosen = list(dict.fromkeys((int(runs[order[0]]), int(runs[order[len(order) // 2]]))))
    grounds = read_ground(surface, grid.ends[chosen], grid.scales)
    slides = [
        Slide(
            run=i,
            xy=(float(grid.ends[i, 0]), float(grid.ends[i, 1])),
            slope=float(grid.end_grads[i]),
            ground=g,
            steps=float(steps_to_slide(surface, grid.ends[i], lr, grid.scales)),
        )
        for i, g in zip(chosen, grounds, strict=True)
    ]
    flattest, median = slides[0], slides[-1]  # one run on a plateau is both
    return PlateauRuns(
        runs=runs,
        slopes=slopes,
        stopped=grid.batch.stop_reason[runs] == "converged",
        tol=grid.tol,
        flattest=flattest,
        median=median,
    )


def basins(settings: Settings) -> Basins:
    """Descend from the grid of starts and keep what the section shows."""
    surface = SURFACES[settings.surface]
    s = settings
    grid = grid_descent(surface, side=s.side, method=s.method, lr=s.lr, steps=s.steps, noise=s.noise, seed=s.seed)
    escaped = grid.escaped_steps()
    flat = grid.scales.flat
    strict = sum(
        curvature.index(stall.eigenvalues, tol=flat) >= 1
        for run in grid.stalls
        for stall in run
        if stall.kind == kinds.STALL_SADDLE and stall.escaped
    )
    listed = {}
    for p in surface.critical_points:
        listed[p.kind] = listed.get(p.kind, 0) + 1
    return Basins(
        settings=settings,
        starts=grid.starts.copy(),
        ends=np.asarray(grid.ends, dtype=float).copy(),
        labels=grid.labels,
        steps=grid.batch.stop_step.copy(),
        end_grads=grid.end_grads,
        cell=(float(grid.xs[1] - grid.xs[0]) / 2, float(grid.ys[1] - grid.ys[0]) / 2),
        escapes=_escapes(grid),
        escaped_steps={kind: tuple(int(v) for v in escaped[kind]) for kind in ESCAPABLE},
        stalled_runs={kind: sum(any(x.kind == kind for x in run) for run in grid.stalls) for kind in ESCAPABLE},
        strict_saddles=int(strict),
        paths=_paths(grid),
        example=_example(surface, grid),
        plateau=_plateau(surface, grid, s.lr),
        kicks=int(sum(len(k) for k in grid.batch.kicks)),
        map_kinds=tuple(kind for kind in TRAPS if listed.get(kind)),
        listed=listed,
        scales=grid.scales,
        tol=grid.tol,
        window=stall_window(s.steps),
    )


DEFAULT = Settings()
