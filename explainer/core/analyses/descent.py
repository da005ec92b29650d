"""How a network learns: one gradient step of a real network taken apart, a ball rolling on a
map, a grid of starts for the claim, and the aim it takes to stop on a saddle.

Settings and results:

- :class:`LessonSettings` -> :class:`NetworkLesson` (four step sizes on a small MLP, one step dissected)
- :class:`RunSettings` -> :class:`SurfaceRun` (the reader's run, how it ended, its stalls, a step-size sweep)
- :class:`RaceSettings` -> :class:`Race` (every optimiser from the reader's start, side by side)
- :class:`GridSettings` -> :class:`StartGrid` (runs from a grid of starts: the claim's evidence)
- :class:`AimSettings` -> :class:`~explainer.core.experiments.SaddleEscape` (:func:`saddle_aim`)

Every default result ships precomputed (``descent.*`` in :mod:`explainer.core.store`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.core import experiments, kinds, store, training
from explainer.core.ground import Ground, MapScales, label_ends, map_scales, newton_point, read_ground
from explainer.core.optimize import BLOWUP, CONVERGED, DIVERGED, METHODS, Trajectory, descend, descend_many
from explainer.core.stalls import Oscillation, Stall, surface_oscillation, surface_stalls
from explainer.core.surfaces import SURFACES
from explainer.core.traps import STALL_WINDOW, grid_starts

#: Surfaces the ball can roll on, in menu order.
DEMO_SURFACES = ("double-well", "four-traps", "rosenbrock", "saddle", "monkey-saddle", "six-hump-camel", "tanh-plateau")
#: A step size that suits each surface's curvature (the default whenever a surface is picked).
GOOD_STEP = {
    "double-well": 0.1,
    "four-traps": 0.1,
    "rosenbrock": 0.001,
    "saddle": 0.1,
    "monkey-saddle": 0.03,
    "six-hump-camel": 0.03,
    "tanh-plateau": 0.5,
}
#: The worked example's network: step sizes compared, epochs, data.
NET_STEP_SIZES = (0.03, 0.3, 3.0, 30.0)
NET_EPOCHS = 150
NET_SAMPLES = 200
NET_HIDDEN = 8
#: The step-size sweep: this many step sizes from 0.001 to 3, log-spaced.
SWEEP_POINTS = 19
SWEEP_RANGE = (1e-3, 3.0)


# ----- the worked example on a real network ------------------------------------------------------


@dataclass(frozen=True)
class LessonSettings:
    seed: int = 0
    lr: float = 0.3  # the step size of the dissected update


@dataclass(frozen=True)
class NetworkLesson:
    """Full-batch gradient descent on a 2-8-1 ``MLPClassifier`` (200 moons points), once per step
    size in ``step_sizes``: ``curves[i]`` is the loss per epoch (cut where a run diverged,
    ``diverged_at[i]``). ``update`` is one step of size ``settings.lr`` taken apart."""

    settings: LessonSettings
    step_sizes: tuple[float, ...]
    epochs: int
    curves: tuple[np.ndarray, ...]
    diverged_at: tuple[int | None, ...]
    update: training.Update

    @property
    def final(self) -> tuple[float, ...]:
        return tuple(float(c[-1]) if len(c) else float("nan") for c in self.curves)

    @property
    def best(self) -> tuple[float, ...]:
        return tuple(float(c.min()) if len(c) else float("nan") for c in self.curves)

    @property
    def rises(self) -> tuple[int, ...]:
        """Epochs on which the loss went up, per step size."""
        return tuple(int(np.sum(np.diff(c) > 0)) for c in self.curves)


def network_lesson(settings: LessonSettings) -> NetworkLesson:
    X, y = training.make_dataset("moons", n=NET_SAMPLES, noise=0.25, seed=settings.seed)
    runs = [
        training.train_curve(X, y, lr=rate, epochs=NET_EPOCHS, hidden=(NET_HIDDEN,), seed=settings.seed)
        for rate in NET_STEP_SIZES
    ]
    return NetworkLesson(
        settings=settings,
        step_sizes=NET_STEP_SIZES,
        epochs=NET_EPOCHS,
        curves=tuple(r.losses for r in runs),
        diverged_at=tuple(r.diverged_at for r in runs),
        update=training.one_update(X, y, lr=settings.lr, hidden=(NET_HIDDEN,), seed=settings.seed),
    )


# ----- the reader's run on a surface --------------------------------------------------------------


@dataclass(frozen=True)
class RunSettings:
    surface: str = "double-well"
    x0: float = 1.8
    y0: float = 1.2
    lr: float = 0.1
    steps: int = 1000


@dataclass(frozen=True)
class SurfaceRun:
    """Plain gradient descent from ``(x0, y0)`` and everything said about it.

    ``end_kind`` is one of :data:`explainer.core.kinds.END_KINDS`; ``ground`` is the ground at the
    last point (``None`` if the run diverged). ``unbounded`` marks a run that diverged while its
    loss fell: the surface has no bottom that way. ``overflow`` names what the step after the last
    point would have carried past ``BLOWUP`` (one of :data:`OVERFLOWS`). ``sweep`` repeats the run
    for :data:`SWEEP_POINTS` step sizes, ``sweep_kinds`` says where each of those runs ended and
    ``sweep_bounds`` gives the step-size bound ``2 / lambda_max`` at the critical point nearest each
    one's end (``inf`` where there is none to read); ``stability`` is the step-size bound at the
    minimum reached (``None`` unless the run ended in one), read at that minimum itself (the run's
    end corrected by one Newton step). ``oscillation`` is the stretch at the end where the run
    bounced across a valley with steps that did not shrink, and why (``None`` if it did not).
    """

    settings: RunSettings
    run: Trajectory
    end_kind: str
    ground: Ground | None
    stalls: tuple[Stall, ...]
    unbounded: bool
    overflow: str | None
    off_map: bool
    sweep: experiments.Sweep
    sweep_kinds: np.ndarray
    sweep_bounds: np.ndarray
    stability: experiments.Stability | None
    scales: MapScales
    tol: float
    oscillation: Oscillation | None = None

    @property
    def never_moved(self) -> bool:
        """Whether the start was already a resting place (the run stopped where it began)."""
        return bool(np.linalg.norm(self.run.end - self.run.positions[0]) <= 1e-9 * self.scales.size)

    @property
    def start_loss(self) -> float:
        return float(self.run.losses[0])

    @property
    def end_loss(self) -> float:
        return float(self.run.losses[-1])

    @property
    def start_grad(self) -> float:
        return float(self.run.grad_norms[0])

    @property
    def end_grad(self) -> float:
        return float(self.run.grad_norms[-1])

    @property
    def end_distance(self) -> float:
        """How far the last point is from the origin of the map's coordinates."""
        return float(np.linalg.norm(self.run.end))

    @property
    def blowup(self) -> float:
        return BLOWUP


#: What the step after a diverged run's last point carries past ``BLOWUP``.
LOSS, POSITION, SLOPE = "loss", "position", "slope"
OVERFLOWS = (LOSS, POSITION, SLOPE)


def _overflow(surface, run: Trajectory) -> str | None:
    """What the step after a diverged run's last point would have carried past ``BLOWUP``."""
    if run.stop_reason != DIVERGED:
        return None
    x = run.end - run.lr * surface.gradient(run.end)
    with np.errstate(all="ignore"):
        sizes = {
            LOSS: abs(float(surface.value(x))),
            POSITION: float(np.abs(x).max()),
            SLOPE: float(np.abs(surface.gradient(x)).max()),
        }
    sizes = {k: (v if np.isfinite(v) else np.inf) for k, v in sizes.items()}
    return max(sizes, key=sizes.get)


def _bounds(surface, sweep: experiments.Sweep, scales: MapScales) -> np.ndarray:
    """The step-size bound at the critical point nearest each sweep run's end (``inf`` for runs
    that diverged or left the map, or whose nearest critical point has no upward curvature)."""
    out = np.full(len(sweep.lrs), np.inf)
    for i, (end, outcome) in enumerate(zip(sweep.ends, sweep.outcome, strict=True)):
        if outcome in (kinds.SWEEP_CONVERGED, kinds.SWEEP_OUT_OF_STEPS):
            out[i] = experiments.stability_limit(surface, newton_point(surface, end, scales))
    return out


def surface_run(settings: RunSettings) -> SurfaceRun:
    surface = SURFACES[settings.surface]
    scales = map_scales(surface)
    tol = 1e-6 * scales.slope
    start = (settings.x0, settings.y0)
    run = descend(surface, start, "gd", settings.lr, settings.steps, tol=tol)
    end_kind = str(label_ends(surface, run.end, [run.grad_norms[-1]], [run.stop_reason], scales)[0])
    ground = None if run.stop_reason == DIVERGED else read_ground(surface, run.end, scales)[0]
    stalls = tuple(surface_stalls(surface, run, scales, window=STALL_WINDOW))
    lrs = np.logspace(np.log10(SWEEP_RANGE[0]), np.log10(SWEEP_RANGE[1]), SWEEP_POINTS)
    sweep = experiments.lr_sweep(surface, start, lrs, settings.steps, tol=tol, still=scales.still)
    reasons = np.where(sweep.outcome == kinds.SWEEP_DIVERGED, DIVERGED, "max-steps")
    sweep_kinds = label_ends(surface, sweep.ends, sweep.final_grad, reasons, scales)
    minimum = end_kind in (kinds.GLOBAL_MINIMUM, kinds.LOCAL_MINIMUM)
    return SurfaceRun(
        settings=settings,
        run=run,
        end_kind=end_kind,
        ground=ground,
        stalls=stalls,
        unbounded=run.stop_reason == DIVERGED and bool(run.losses[-1] < run.losses[0]),
        overflow=_overflow(surface, run),
        off_map=not bool(surface.on_map(run.end)),
        sweep=sweep,
        sweep_kinds=sweep_kinds,
        sweep_bounds=_bounds(surface, sweep, scales),
        stability=experiments.stability(surface, newton_point(surface, run.end, scales), run.positions)
        if minimum
        else None,
        scales=scales,
        tol=tol,
        oscillation=surface_oscillation(surface, run, scales, window=STALL_WINDOW)
        if run.stop_reason == "max-steps"
        else None,
    )


# ----- the optimiser race: every method from the reader's start ---------------------------------------

#: Gradient noise (standard deviation) of noisy descent and jump radius of perturbed descent in the race.
RACE_NOISE = 0.5


@dataclass(frozen=True)
class RaceSettings:
    surface: str = "double-well"
    x0: float = 1.8
    y0: float = 1.2
    lr: float = 0.1
    steps: int = 1000
    seed: int = 0  # noisy and perturbed descent only


@dataclass(frozen=True)
class Race:
    """Every optimiser of :data:`explainer.core.optimize.METHODS` from one start with one step size,
    each with its usual settings (momentum 0.9; Adam's betas 0.9 and 0.999; noise and jump radius
    :data:`RACE_NOISE`, drawn from ``settings.seed``). ``runs[m]`` is method ``m``'s path and
    ``end_kind[m]`` (of :data:`explainer.core.kinds.END_KINDS`) where it ended, read from the ground
    there as for the reader's own run."""

    settings: RaceSettings
    methods: tuple[str, ...]
    runs: dict[str, Trajectory]
    end_kind: dict[str, str]

    def steps(self, method: str) -> int:
        return self.runs[method].steps

    def end_loss(self, method: str) -> float:
        return float(self.runs[method].losses[-1])

    @property
    def converged(self) -> tuple[str, ...]:
        """Methods that stopped before their steps ran out (not by diverging), fastest first."""
        done = [m for m in self.methods if self.runs[m].stop_reason == CONVERGED]
        return tuple(sorted(done, key=lambda m: (self.steps(m), self.methods.index(m))))


def race(settings: RaceSettings) -> Race:
    surface = SURFACES[settings.surface]
    scales = map_scales(surface)
    tol = 1e-6 * scales.slope
    start = (settings.x0, settings.y0)
    runs = {
        m: descend(surface, start, m, settings.lr, settings.steps, tol=tol, noise=RACE_NOISE, seed=settings.seed)
        if m in ("noisy", "perturbed")
        else descend(surface, start, m, settings.lr, settings.steps, tol=tol)
        for m in METHODS
    }
    ends = np.array([r.end for r in runs.values()])
    grads = [r.grad_norms[-1] for r in runs.values()]
    labels = label_ends(surface, ends, grads, [r.stop_reason for r in runs.values()], scales)
    return Race(
        settings=settings,
        methods=tuple(METHODS),
        runs=runs,
        end_kind={m: str(k) for m, k in zip(runs, labels, strict=True)},
    )


# ----- a grid of starts: where does descent come to rest? ----------------------------------------


#: A run whose loss went up on more than this share of its last quarter's steps is bouncing.
BOUNCING = 0.01


@dataclass(frozen=True)
class GridSettings:
    surface: str = "double-well"
    lr: float = 0.1
    steps: int = 1000
    side: int = 15


@dataclass(frozen=True)
class StartGrid:
    """Plain descent from ``side x side`` starts spread over the map: where each run ended
    (``end_kind``, of :data:`explainer.core.kinds.END_KINDS`), its loss and slope there.

    ``moved`` is false for a start that was already a resting place (it says nothing about where
    descent goes); ``still_falling`` marks runs whose loss fell at nearly every step (all but
    :data:`BOUNCING` of them) over the last quarter of their steps: more steps would help those,
    while a run whose loss keeps going up and down is bouncing across its valley, and wants a
    smaller step.
    """

    settings: GridSettings
    starts: np.ndarray  # (n, 2)
    ends: np.ndarray  # (n, 2)
    end_loss: np.ndarray  # (n,)
    end_grad: np.ndarray  # (n,)
    end_kind: np.ndarray  # (n,)
    moved: np.ndarray  # (n,) bool
    still_falling: np.ndarray  # (n,) bool
    global_value: float  # the map's lowest listed minimum (nan if it has none)

    @property
    def rested(self) -> np.ndarray:
        """Which runs moved and came to rest on a critical point or flat ground."""
        return np.isin(self.end_kind, kinds.RESTED) & self.moved

    @property
    def share_not_global(self) -> float:
        """Of the runs that came to rest, the share that did not rest in a global minimum
        (``nan`` if none came to rest)."""
        rested = self.rested
        if not rested.any():
            return float("nan")
        return float(np.mean(self.end_kind[rested] != kinds.GLOBAL_MINIMUM))


def start_grid(settings: GridSettings) -> StartGrid:
    surface = SURFACES[settings.surface]
    scales = map_scales(surface)
    _, _, starts = grid_starts(surface, settings.side)
    batch = descend_many(surface, starts, "gd", settings.lr, settings.steps, tol=1e-6 * scales.slope)
    rows = np.arange(len(batch))
    grads = batch.grad_norms[batch.stop_step, rows]
    end_loss = batch.losses[batch.stop_step, rows]
    tail = batch.losses[(3 * settings.steps) // 4 :]
    rises = (np.diff(tail, axis=0) > 0).mean(axis=0) if len(tail) > 1 else np.zeros(len(batch))
    return StartGrid(
        settings=settings,
        starts=starts,
        ends=batch.ends,
        end_loss=end_loss,
        end_grad=grads,
        end_kind=label_ends(surface, batch.ends, grads, batch.stop_reason, scales),
        moved=np.linalg.norm(batch.ends - starts, axis=1) > 1e-9 * scales.size,
        still_falling=rises <= BOUNCING,
        global_value=float(surface.global_minimum_value),
    )


# ----- the aim it takes to stop on a saddle --------------------------------------------------------


@dataclass(frozen=True)
class AimSettings:
    """Starts ``(1, y0)`` for each of ``y0s``, plain descent with step ``lr`` for ``steps`` steps."""

    y0s: tuple[float, ...] = (0.0, 1e-12, 1e-6, 1e-2)
    lr: float = 0.02
    steps: int = 800


def saddle_aim(settings: AimSettings | None = None) -> experiments.SaddleEscape:
    """Descent on ``x^2 - y^2`` from ``(1, y0)`` for ``y0`` = 0, 1e-12, 1e-6 and 1e-2 (by default)."""
    s = AimSettings() if settings is None else settings
    return experiments.saddle_escape(y0s=s.y0s, lr=s.lr, steps=s.steps)


DEFAULT_LESSON = LessonSettings()
DEFAULT_RUN = RunSettings()
DEFAULT_GRID = GridSettings()
DEFAULT_RACE = RaceSettings()
DEFAULT_AIM = AimSettings()

#: Names of the precomputed default results (files under ``explainer/data/``).
LESSON, RUN, RACE, GRID, AIM = "descent.lesson", "descent.run", "descent.race", "descent.grid", "descent.saddle-aim"

store.register(LESSON, network_lesson, DEFAULT_LESSON)
store.register(RUN, surface_run, DEFAULT_RUN)
store.register(RACE, race, DEFAULT_RACE)
store.register(GRID, start_grid, DEFAULT_GRID)
store.register(AIM, saddle_aim, DEFAULT_AIM)
