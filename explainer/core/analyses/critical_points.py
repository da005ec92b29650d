"""Where the gradient vanishes: descent from a grid of starts over a map, where each run ended,
where it lingered on the way, what it did near each kind of trap, and what the plateau's resting
runs would need to slide off.

:class:`Settings` -> :func:`basins` -> :class:`Basins`. The result is built on
:class:`~explainer.core.traps.GridDescent` (every end labelled from the map's own scales, every
stall read from the Hessian at its flattest step) but keeps only what the page shows: the runs'
ends, a few sample paths and one example run, never the whole batch.

Two definitions hold everywhere in the section (page, claim and tests):

- A run that ended within :data:`STAYED` of its start **never moved**: it started on a critical
  point or on ground already flatter than the optimiser's tolerance. It *ended* there (the map
  and the counts show it) but did not *come to rest* there, so it says nothing about where
  descent stops; the plateau's runs (:class:`PlateauRuns`) and the claim's "came to rest" are
  the runs that moved.
- A run still moving at its last step is **bouncing** if its steps reversed direction on more
  than :data:`BOUNCE_SHARE` of its last :data:`TAIL` steps (it overshoots a valley floor and is
  thrown back: the step is too large for the valley), and **creeping** otherwise (its steps kept
  their way downhill: more steps would take it further).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.core import curvature, kinds, store
from explainer.core.ground import Ground, MapScales, read_ground, steps_to_slide
from explainer.core.optimize import CONVERGED
from explainer.core.stalls import Stall
from explainer.core.surfaces import SURFACES
from explainer.core.traps import ESCAPABLE, STALL_WINDOW, GridDescent, grid_descent

#: The maps the section offers, in menu order.
MAP_SURFACES = ("four-traps", "double-well", "six-hump-camel", "himmelblau")
#: A step size that suits each map (below :attr:`Basins.stable_step`, the 2 / lambda of its sharpest
#: listed minimum: 0.48, 0.67, 0.088 and 0.015): the step size a map starts with whenever it is picked.
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
#: A run still moving is judged bouncing or creeping on its last this many steps (the same for
#: every budget, like the stall window) ...
TAIL = 50
#: ... bouncing if its step reversed direction (turned by more than a right angle) on more than
#: this share of them. Measured on the section's maps (plain descent, momentum, Adam and the quench
#: of noisy descent, steps 0.001 to 0.2): runs creeping down a valley turned on at most 15% of their
#: last steps, runs overshooting a valley too sharp for their step on 55% to 100%.
BOUNCE_SHARE = 0.5
#: Methods whose every step is a plain gradient step (noise or jumps aside): stable in a valley of
#: curvature lambda only for steps below 2 / lambda.
PLAIN_STEPS = ("gd", "noisy", "perturbed")


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
class Trap:
    """What the runs that moved did at one kind of trap the map lists (a :data:`TRAPS` id).

    ``rested``: runs that came to rest there. ``slowed``: runs that stalled there (for at least
    the stall window, on ground of the trap's stall kind; for a local minimum, only stalls the run
    escaped, since a stall in a minimum it never left may be the global one) and ended elsewhere.
    ``near``: runs whose path passed within reach (:attr:`MapScales.near`, the distance within
    which a stall counts as at a critical point) of a listed critical point of this kind; for a
    plateau that point is the middle of its flat top. ``passed``: runs that came near one, neither
    stalled nor came to rest there, and ended out of its reach: they went by without slowing.
    ``never_moved``: runs that ended on it where they started (left out of every other count).
    """

    kind: str
    rested: int
    slowed: int
    near: int
    passed: int
    never_moved: int


@dataclass(frozen=True)
class SamplePath:
    """A drawn run: ``steps (k,)`` of its path (every few steps, its last one included) and the
    positions ``xy (k, 2)`` there."""

    run: int
    steps: np.ndarray
    xy: np.ndarray


@dataclass(frozen=True)
class ExampleRun:
    """The run whose stall that ended in an escape was the longest of the grid (``stall``; a stall
    on a curved valley floor only if no run escaped any other kind), with
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
    """The runs that ended on a plateau. Those that started on its flat top and never moved
    (``never_moved`` of them, none by more than ``never_moved_shift``) did not come to rest there
    and are left out of everything else: ``runs (m,)`` are the runs that moved and came to rest
    on it, ``slopes (m,)`` their end slopes, ``stopped (m,)`` whether the optimiser's own
    tolerance (``tol``) ended them rather than the step budget. ``flattest`` rests where the slope
    is smallest and ``median`` is the run with the median slope (both ``None`` if no run that
    moved came to rest there)."""

    runs: np.ndarray  # (m,) run indices
    slopes: np.ndarray
    stopped: np.ndarray
    tol: float
    never_moved: int
    never_moved_shift: float
    flattest: Slide | None
    median: Slide | None

    @property
    def n(self) -> int:
        """Runs that moved and came to rest on the plateau."""
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
    flat tolerance). ``traps`` holds one :class:`Trap` per kind of :data:`TRAPS` the map lists
    among its critical points, and ``listed`` the number of listed critical points of each kind.
    ``bouncing`` marks the runs still moving whose steps kept reversing (see the module's
    definitions; ``False`` for every other run). ``sharpest_minimum`` is the largest Hessian
    eigenvalue at the map's listed minima. ``paths`` are the runs to draw, ``example`` the run
    with the longest stall that ended in an escape (``None`` if no run escaped a stall),
    ``plateau`` the plateau's runs (``None`` if none ended there), ``kicks`` the random jumps of
    perturbed descent. ``cell`` is half the width and height of a start's square on the map;
    ``window`` the shortest stall, in steps.
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
    traps: tuple[Trap, ...]
    bouncing: np.ndarray  # (n,) bool
    sharpest_minimum: float
    paths: tuple[SamplePath, ...]
    example: ExampleRun | None
    plateau: PlateauRuns | None
    kicks: int
    listed: dict[str, int]
    scales: MapScales
    tol: float
    window: int

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def map_kinds(self) -> tuple[str, ...]:
        """The :data:`TRAPS` the map lists among its critical points."""
        return tuple(t.kind for t in self.traps)

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
        """Runs that ended on a critical point or flat ground (never-moved runs included)."""
        return int(np.isin(self.labels, kinds.RESTED).sum())

    @property
    def lost(self) -> int:
        """Runs that diverged or left the map."""
        return int(np.isin(self.labels, kinds.LOST).sum())

    @property
    def still_moving(self) -> int:
        return self.counts[kinds.STILL_MOVING]

    @property
    def n_bouncing(self) -> int:
        """Runs still moving that were bouncing: a smaller step would settle them."""
        return int(self.bouncing.sum())

    @property
    def n_creeping(self) -> int:
        """Runs still moving that were creeping on: more steps would take them further."""
        return self.still_moving - self.n_bouncing

    @property
    def stable_step(self) -> float:
        """The largest step with which plain descent settles in every listed minimum of the map,
        ``2 / sharpest_minimum`` (``inf`` if the map lists no curved minimum)."""
        return 2 / self.sharpest_minimum if self.sharpest_minimum > 0 else float("inf")

    @property
    def still_slopes(self) -> tuple[float, float] | None:
        """Smallest and largest slope of the runs still moving at their last step."""
        slopes = self.end_grads[self.labels == kinds.STILL_MOVING]
        return (float(slopes.min()), float(slopes.max())) if slopes.size else None

    @property
    def never_moved(self) -> np.ndarray:
        """``(n,)`` whether each run ended where it started (see :func:`never_moved`)."""
        return never_moved(self.starts, self.ends, self.scales)

    @property
    def stayed(self) -> dict[str, int]:
        """Per end kind, the runs that ended where they started: they never moved off it. (It
        means something for runs that ended at rest; a run that diverged on its first step also
        "ends" at its start, its last finite point.)"""
        still = self.never_moved
        return {kind: int(np.sum(still & (self.labels == kind))) for kind in kinds.END_KINDS}


def never_moved(starts: np.ndarray, ends: np.ndarray, scales: MapScales) -> np.ndarray:
    """``(n,)`` whether each run ended within :data:`STAYED` of the map's diagonal of its start."""
    return np.linalg.norm(ends - starts, axis=1) <= STAYED * scales.size


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
    """The run with the longest stall that ended in an escape (the first such run on a tie), a stall
    at a trap before a slow crawl along a curved valley floor."""
    escaped = [(i, s) for i, run in enumerate(grid.stalls) for s in run if s.escaped]
    if not escaped:
        return None
    # A stall at a trap before a crawl along a valley floor (no critical point); max keeps the first of equals.
    i, stall = max(escaped, key=lambda pair: (pair[1].kind != kinds.STALL_VALLEY, pair[1].duration))
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


def _plateau(surface, grid: GridDescent, lr: float, stayed: np.ndarray) -> PlateauRuns | None:
    ended = np.flatnonzero(grid.labels == kinds.PLATEAU)
    if not ended.size:
        return None
    still = stayed[ended]
    runs = ended[~still]
    shift = np.linalg.norm(grid.ends[ended[still]] - grid.starts[ended[still]], axis=1)
    slopes = grid.end_grads[runs]
    flattest = median = None
    if runs.size:
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
        stopped=grid.batch.stop_reason[runs] == CONVERGED,
        tol=grid.tol,
        never_moved=int(still.sum()),
        never_moved_shift=float(shift.max()) if shift.size else 0.0,
        flattest=flattest,
        median=median,
    )


def _bouncing(grid: GridDescent) -> np.ndarray:
    """``(n,)``: runs still moving whose step reversed direction on more than :data:`BOUNCE_SHARE`
    of their last :data:`TAIL` steps. Noisy runs are read on the noise-free quench that judged
    them (their noisy steps turn at random)."""
    batch = grid.quench if grid.quench is not None else grid.batch
    out = np.zeros(len(grid.labels), dtype=bool)
    for i in np.flatnonzero(grid.labels == kinds.STILL_MOVING):
        last = int(batch.stop_step[i])
        path = batch.positions[max(0, last - TAIL) : last + 1, i]
        step = np.diff(path, axis=0)
        if len(step) < 2:
            continue
        turned = np.einsum("ij,ij->i", step[1:], step[:-1]) < 0
        out[i] = turned.mean() > BOUNCE_SHARE
    return out


def _came_near(positions: np.ndarray, groups: list[np.ndarray], reach: float) -> list[np.ndarray]:
    """For each group of points ``(m, 2)``, ``(n,)``: whether each path of ``positions (k+1, n,
    2)`` passed within ``reach`` of one of them, over the segments between its steps (a long step
    can jump past a point that no step lands near). Exact distances to a segment are computed only
    where its start lies within ``reach`` plus its length of the point."""
    x, y = np.ascontiguousarray(positions[..., 0]), np.ascontiguousarray(positions[..., 1])
    # Squared distances throughout; a segment can come within reach only if its start lies within
    # reach plus its length.
    bound = (reach + np.hypot(np.diff(x, axis=0), np.diff(y, axis=0))) ** 2  # (k, n)
    out = []
    for points in groups:
        near = np.zeros(positions.shape[1], dtype=bool)
        for px, py in points:
            gap = (x - px) ** 2
            gap += (y - py) ** 2  # (k+1, n)
            near |= (gap <= reach * reach).any(axis=0)
            k, i = np.nonzero((gap[:-1] <= bound) & ~near)
            if k.size:
                a, b = positions[k, i], positions[k + 1, i]
                ab, ap = b - a, np.array([px, py]) - a
                square = np.einsum("ij,ij->i", ab, ab)
                t = np.clip(np.einsum("ij,ij->i", ap, ab) / np.where(square > 0, square, 1.0), 0.0, 1.0)
                near[i[np.linalg.norm(ap - t[:, None] * ab, axis=1) <= reach]] = True
        out.append(near)
    return out


def _traps(surface, grid: GridDescent, stayed: np.ndarray) -> tuple[Trap, ...]:
    """One :class:`Trap` per kind of :data:`TRAPS` the map lists, over the runs that moved. A run
    that came near a trap and was still within reach of it at its end has not passed it (it may
    still be on its way in)."""
    moved = ~stayed
    reach = grid.scales.near
    listed = {trap: [p.xy for p in surface.critical_points if p.kind == trap] for trap in TRAPS}
    groups = {trap: np.array(xy, dtype=float) for trap, xy in listed.items() if xy}
    passes = dict(zip(groups, _came_near(grid.batch.positions, list(groups.values()), reach), strict=True))
    out = []
    for trap, points in groups.items():
        near = passes[trap] & moved
        there = np.linalg.norm(grid.ends[:, None, :] - points[None], axis=-1).min(axis=1) <= reach
        stall = TRAP_STALLS[trap]
        stalled = np.array(
            [any(s.kind == stall and (s.escaped or trap != kinds.LOCAL_MINIMUM) for s in run) for run in grid.stalls],
            dtype=bool,
        ).reshape(-1)
        rested = (grid.labels == trap) & moved
        slowed = stalled & moved & ~rested
        out.append(
            Trap(
                kind=trap,
                rested=int(rested.sum()),
                slowed=int(slowed.sum()),
                near=int(near.sum()),
                passed=int((near & ~there & ~slowed & ~rested).sum()),
                never_moved=int(((grid.labels == trap) & stayed).sum()),
            )
        )
    return tuple(out)


def _sharpest_minimum(surface) -> float:
    """The largest Hessian eigenvalue at the map's listed minima (0 if it lists none)."""
    minima = [p.xy for p in surface.critical_points if p.kind in (kinds.GLOBAL_MINIMUM, kinds.LOCAL_MINIMUM)]
    if not minima:
        return 0.0
    return float(np.linalg.eigvalsh(surface.hessian(np.array(minima, dtype=float))).max())


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
    ends = np.asarray(grid.ends, dtype=float).copy()
    stayed = never_moved(grid.starts, ends, grid.scales)
    return Basins(
        settings=settings,
        starts=grid.starts.copy(),
        ends=ends,
        labels=grid.labels,
        steps=grid.batch.stop_step.copy(),
        end_grads=grid.end_grads,
        cell=(float(grid.xs[1] - grid.xs[0]) / 2, float(grid.ys[1] - grid.ys[0]) / 2),
        escapes=_escapes(grid),
        escaped_steps={kind: tuple(int(v) for v in escaped[kind]) for kind in ESCAPABLE},
        stalled_runs={kind: sum(any(x.kind == kind for x in run) for run in grid.stalls) for kind in ESCAPABLE},
        strict_saddles=int(strict),
        traps=_traps(surface, grid, stayed),
        bouncing=_bouncing(grid),
        sharpest_minimum=_sharpest_minimum(surface),
        paths=_paths(grid),
        example=_example(surface, grid),
        plateau=_plateau(surface, grid, s.lr, stayed),
        kicks=int(sum(len(k) for k in grid.batch.kicks)),
        listed=listed,
        scales=grid.scales,
        tol=grid.tol,
        window=STALL_WINDOW,
    )


DEFAULT = Settings()

#: Name of the precomputed default result (its file under ``explainer/data/``).
BASINS = "critical-points.basins"

store.register(BASINS, basins, DEFAULT)
