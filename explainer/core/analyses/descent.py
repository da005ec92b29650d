"""How a network learns: one gradient step of a real network taken apart, a ball rolling on a
map, a grid of starts for the claim, and the aim it takes to stop on a saddle.

Settings and results:

- :class:`LessonSettings` -> :class:`NetworkLesson` (four step sizes on a small MLP, one step dissected)
- :class:`RunSettings` -> :class:`SurfaceRun` (the reader's run, how it ended, its stalls, a step-size sweep)
- :class:`GridSettings` -> :class:`StartGrid` (runs from a grid of starts: the claim's evidence)
- :func:`saddle_aim` -> :class:`~explainer.core.experiments.SaddleEscape`
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.core import experiments, kinds, training
from explainer.core.ground import Ground, MapScales, label_ends, map_scales, read_ground
from explainer.core.optimize import BLOWUP, Trajectory, descend, descend_many
from explainer.core.stalls import Stall, surface_stalls
from explainer.core.surfaces import SURFACES
from explainer.core.traps import grid_starts, stall_window

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
    point would have carried past ``BLOWUP`` ("loss", "position" or "slope"). ``sweep`` repeats the
    run for :data:`SWEEP_POINTS` step sizes; ``stability`` is the step-size bound at the minimum
    reached (``None`` unless the run ended in one).
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
    stability: experiments.Stability | None
    scales: MapScales
    tol: float

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


def _overflow(surface, run: Trajectory) -> str | None:
    """What the step after a diverged run's last point would have carried past ``BLOWUP``."""
    if run.stop_reason != "diverged":
        return None
    x = run.end - run.lr * surface.gradient(run.end)
    with np.errstate(all="ignore"):
        sizes = {
            "loss": abs(float(surface.value(x))),
            "position": float(np.abs(x).max()),
            "slope": float(np.abs(surface.gradient(x)).max()),
        }
    sizes = {k: (v if np.isfinite(v) else np.inf) for k, v in sizes.items()}
    return max(sizes, key=sizes.get)


def surface_run(settings: RunSettings) -> SurfaceRun:
    surface = SURFACES[settings.surface]
    scales = map_scales(surface)
    tol = 1e-6 * scales.slope
    start = (settings.x0, settings.y0)
    run = descend(surface, start, "gd", settings.lr, settings.steps, tol=tol)
    end_kind = str(label_ends(surface, run.end, [run.grad_norms[-1]], [run.stop_reason], scales)[0])
    ground = None if run.stop_reason == "diverged" else read_ground(surface, run.end, scales)[0]
    stalls = tuple(surface_stalls(surface, run, scales, window=stall_window(settings.steps)))
    lrs = np.logspace(np.log10(SWEEP_RANGE[0]), np.log10(SWEEP_RANGE[1]), SWEEP_POINTS)
    sweep = experiments.lr_sweep(surface, start, lrs, settings.steps, tol=tol, still=scales.still)
    minimum = end_kind in (kinds.GLOBAL_MINIMUM, kinds.LOCAL_MINIMUM)
    return SurfaceRun(
        settings=settings,
        run=run,
        end_kind=end_kind,
        ground=ground,
        stalls=stalls,
        unbounded=run.stop_reason == "diverged" and bool(run.losses[-1] < run.losses[0]),
        overflow=_overflow(surface, run),
        off_map=not bool(surface.on_map(run.end)),
        sweep=sweep,
        stability=experiments.stability(surface, run.end, run.positions) if minimum else None,
        scales=scales,
        tol=tol,
    )


# ----- a grid of starts: where does descent come to rest? ----------------------------------------


@dataclass(frozen=True)
class GridSettings:
    surface: str = "double-well"
    lr: float = 0.1
    steps: int = 1000
    side: int = 15


@dataclass(frozen=True)
class StartGrid:
    """Plain descent from ``side x side`` starts spread over the map: where each run ended
    (``end_kind``, of :data:`explainer.core.kinds.END_KINDS`), its loss and slope there."""

    settings: GridSettings
    starts: np.ndarray  # (n, 2)
    ends: np.ndarray  # (n, 2)
    end_loss: np.ndarray  # (n,)
    end_grad: np.ndarray  # (n,)
    end_kind: np.ndarray  # (n,)
    global_value: float  # the map's lowest listed minimum (nan if it has none)

    @property
    def rested(self) -> np.ndarray:
        """Which runs came to rest on a critical point or flat ground."""
        return np.isin(self.end_kind, kinds.RESTED)

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
    return StartGrid(
        settings=settings,
        starts=starts,
        ends=batch.ends,
        end_loss=batch.losses[batch.stop_step, rows],
        end_grad=grads,
        end_kind=label_ends(surface, batch.ends, grads, batch.stop_reason, scales),
        global_value=float(surface.global_minimum_value),
    )


# ----- the aim it takes to stop on a saddle --------------------------------------------------------


def saddle_aim() -> experiments.SaddleEscape:
    """Descent on ``x^2 - y^2`` from ``(1, y0)`` for ``y0`` = 0, 1e-12, 1e-6 and 1e-2."""
    return experiments.saddle_escape()


DEFAULT_LESSON = LessonSettings()
DEFAULT_RUN = RunSettings()
DEFAULT_GRID = GridSettings()
