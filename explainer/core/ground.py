"""What the ground is like where a run ended or stalled, read from the surface itself.

Every threshold here is a share of one of the map's own scales (:class:`MapScales`): its
typical slope, its sharpest curvature, the range of its loss, the size of its window. None
depends on the optimiser, its step size or how many steps it was given, so the same point is
read the same way whichever run reached it.

A point is read in three layers:

1. **Moving or not.** The local quadratic model says where the nearest critical point lies: a
   Newton step ``H^-1 g`` along the directions that curve clearly. A run that is more than
   ``REACH`` of the window away from it, or whose slope along the flat directions is above what the
   map's sharpest curvature makes over that distance, has not stopped anywhere: it is *still
   moving*, whatever the ground under it (a run crawling down Rosenbrock's curved valley has a
   small slope, but its minimum is still far away).
2. **Curvature.** The Hessian's eigenvalues, with "flat" meaning within ``FLAT`` of the map's
   sharpest curvature (:func:`explainer.core.curvature.classify`). Where the Hessian is flat,
   a probe on a small circle reads the higher-order shape: the monkey saddle ``x^3 - 3xy^2`` is
   flat to second order but falls along three directions and rises along three.
3. **Distance to the bottom.** Where every direction curves up, the quadratic model says how much
   lower its bottom lies (``g^T H^-1 g / 2``). A point well above it is a curved valley floor the
   run is still sliding along, not a minimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.core import curvature, kinds

#: A run has stopped once the critical point its quadratic model points to is within this share of
#: the window, and its slope along flat directions is below what the map's sharpest curvature
#: makes over that distance (:attr:`MapScales.still`).
REACH = 1e-4
#: A stall is near a critical point when the Newton step from its flattest point is within this
#: share of the window; a slow stretch further from any is a curved valley floor.
STALL_REACH = 0.02
#: Curvature within this share of the map's sharpest curvature is flat.
FLAT = 1e-3
#: Loss differences below this share of the map's loss range are level.
LEVEL = 1e-3
#: Radius of the higher-order probe, as a share of the window's diagonal.
PROBE = 0.01
#: Points on the probe's circle.
PROBE_POINTS = 72
#: A stall is a stretch whose slope stays below this share of the map's typical slope.
SLOW = 0.05


@dataclass(frozen=True)
class MapScales:
    """A map's own scales; every threshold of this module is a share of one of them."""

    slope: float  # typical clear slope: the 90th percentile of the gradient norm over the window
    curvature: float  # largest |eigenvalue| at the listed critical points (1 if all are zero)
    loss: float  # range of the loss over the window
    size: float  # length of the window's diagonal
    global_value: float  # the lowest listed minimum (nan if none is listed)

    @property
    def still(self) -> float:
        """Slope along flat ground below which a run counts as stopped: the slope a run has at
        the map's reach from a critical point as sharply curved as the map's sharpest. (A share
        of the typical slope would be far too lax on a map with steep walls, like Rosenbrock's.)"""
        return self.curvature * self.reach

    @property
    def slow(self) -> float:
        """Slope below which a run counts as stalled."""
        return SLOW * self.slope

    @property
    def flat(self) -> float:
        """Curvature that counts as flat."""
        return FLAT * self.curvature

    @property
    def level(self) -> float:
        """Loss difference that counts as none."""
        return LEVEL * self.loss

    @property
    def probe(self) -> float:
        """Radius of the higher-order probe."""
        return PROBE * self.size

    @property
    def reach(self) -> float:
        """Distance to the nearest critical point within which a run counts as there."""
        return REACH * self.size

    @property
    def near(self) -> float:
        """Distance to the nearest critical point within which a stall counts as at it."""
        return STALL_REACH * self.size


def map_scales(surface, n: int = 41) -> MapScales:
    """The scales of ``surface``'s window, from an ``n x n`` grid and its listed critical points."""
    (x0, x1), (y0, y1) = surface.bounds
    xx, yy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    grid = np.stack([xx, yy], axis=-1)
    z, g = surface.value(grid), surface.gradient(grid)
    points = np.array([p.xy for p in surface.critical_points], dtype=float).reshape(-1, 2)
    tops = np.abs(np.linalg.eigvalsh(surface.hessian(points))).max(axis=-1) if len(points) else np.zeros(0)
    sharpest = float(tops.max()) if tops.size and tops.max() > 0 else 1.0
    return MapScales(
        # The 90th percentile, not the median: on a map that is mostly plateau (tanh(x^2 + y^2)) the
        # median slope is the plateau's own, and slow ground would never look slow.
        slope=float(np.quantile(np.linalg.norm(g, axis=-1), 0.9)),
        curvature=sharpest,
        loss=float(np.ptp(z)),
        size=float(np.hypot(x1 - x0, y1 - y0)),
        global_value=float(surface.global_minimum_value),
    )


@dataclass(frozen=True)
class Ground:
    """The ground at one point.

    ``shape`` is one of :data:`explainer.core.kinds.SHAPES`, after the higher-order probe where
    the Hessian is flat. ``up``, ``down`` and ``flat`` count the directions by curvature;
    ``sectors_down`` and ``sectors_up`` count the downhill and uphill arcs of the probe circle
    (0 where the Hessian was not flat and no probe was needed). ``index`` is the number of
    downhill directions (the Hessian's negative eigenvalues, or the probe's downhill arcs for a
    degenerate saddle). ``drop`` is how much lower the quadratic model's bottom lies, over the
    directions that curve up. ``newton`` is the length of the Newton step ``H^-1 g`` over the
    directions that curve clearly (how far the nearest critical point lies), and ``flat_slope``
    the slope along the directions that are flat. ``target`` is how far away Newton's method,
    started here, settles on a critical point (up to :data:`TARGET_STEPS` steps over the clearly
    curved directions, as :func:`newton_point` takes them; ``inf`` if it settles on none): near
    a real critical point, even a degenerate one like the monkey saddle's, it settles on it
    within a step or two's length; where the ground only bends like a saddle (a plateau's edge)
    it stops where the slope is still a clear share of this one, and on a curved valley's floor
    it settles far away, on the valley's bottom. ``wall`` is the steepest upward curvature
    as a share of the map's sharpest critical point (:attr:`MapScales.curvature`): the walls of a
    valley are a clear share of it, the bends at a plateau's edge a tiny one.
    """

    shape: str
    eigenvalues: tuple[float, ...]
    grad_norm: float
    up: int
    down: int
    flat: int
    sectors_down: int
    sectors_up: int
    drop: float
    newton: float = 0.0
    flat_slope: float = 0.0
    target: float = 0.0
    wall: float = 0.0

    @property
    def has_target(self) -> bool:
        """Whether the critical point the curvature points to is there: Newton's method settles on
        it (or the reading came from the higher-order probe, which finds its critical point by
        other means). How near it is, is ``newton``'s to say."""
        return bool(self.sectors_down or self.sectors_up) or bool(np.isfinite(self.target))

    @property
    def is_rim(self) -> bool:
        """Curving down in some directions and flat in the rest, up in none: the rounded rim of
        flat ground rather than a summit."""
        return self.shape == kinds.MAXIMUM and self.flat > 0 and not self.sectors_down

    @property
    def index(self) -> int:
        if self.sectors_down:
            return self.sectors_down
        return curvature.index(self.eigenvalues)


def _arcs(mask: np.ndarray) -> int:
    """Number of separate runs of ``True`` around a circle (1 if it is all ``True``)."""
    if mask.all():
        return 1
    return int(np.sum(mask & ~np.roll(mask, 1)))


def _probe(surface, xy: np.ndarray, grad: np.ndarray, scales: MapScales) -> tuple[np.ndarray, np.ndarray]:
    """Which points of a small circle around ``xy`` lie clearly below and clearly above it, with
    the slope's own linear rise and fall taken out: what is left is the ground's shape beyond
    second order."""
    theta = np.linspace(0, 2 * np.pi, PROBE_POINTS, endpoint=False)
    u = np.stack([np.cos(theta), np.sin(theta)], axis=-1)
    r = scales.probe
    change = surface.value(xy + r * u) - surface.value(xy) - r * (u @ grad)
    # The change that curvature of the size counted as flat would make on this circle.
    threshold = scales.flat * r * r / 2
    return change < -threshold, change > threshold


def _higher_order(down: np.ndarray, up: np.ndarray) -> tuple[str, int, int]:
    """Shape, downhill arcs and uphill arcs of ground that is flat to second order. Ground that
    falls away on part of the circle and stays level on the rest is the rim of flat ground."""
    sectors_down, sectors_up = (_arcs(down) if down.any() else 0), (_arcs(up) if up.any() else 0)
    if sectors_down and sectors_up:
        return kinds.SADDLE, sectors_down, sectors_up
    if up.all():
        return kinds.MINIMUM, 0, 1
    if down.all():
        return kinds.MAXIMUM, 1, 0
    return kinds.FLAT, sectors_down, sectors_up


#: Upward curvature, as a share of the map's sharpest critical point, that makes a valley's wall.
VALLEY_WALL = 0.01
#: Newton steps taken from each point (each one a batched 2x2 eigendecomposition of every point):
#: enough for a degenerate critical point, where each step only halves the distance.
TARGET_STEPS = 40
#: Newton's method has settled once its step is this share of its first one (a millionth: the
#: monkey saddle's halving steps get there in 20).
SETTLED = 1e-6
#: ... on a critical point if the slope left there is under this share of the slope it started
#: from (measured: 0 at the saddle's, 6e-5 at the monkey saddle's; 0.13 where it stops on the tanh
#: plateau's edge because the ground it reached no longer curves clearly).
TARGET_SHARE = 1e-2


def _newton_targets(surface, points, flat: float) -> np.ndarray:
    """How far from each of ``points (n, 2)`` Newton's method over the clearly curved directions
    settles (as :func:`newton_point` steps): ``(n,)``, ``inf`` where it has not settled within
    :data:`TARGET_STEPS` steps, 0 where nothing curves clearly or the slope is already zero."""
    start = np.array(points, dtype=float)
    x = start.copy()
    first = np.full(len(x), np.nan)
    settled = np.zeros(len(x), dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(TARGET_STEPS):
            going = ~settled & np.isfinite(x).all(axis=1)
            if not going.any():
                break
            values, vectors = np.linalg.eigh(surface.hessian(x[going]))
            along = np.einsum("nji,nj->ni", vectors, surface.gradient(x[going]))
            bent = np.abs(values) > flat
            step = np.einsum("nij,nj->ni", vectors, np.where(bent, along / np.where(bent, values, 1.0), 0.0))
            size = np.linalg.norm(step, axis=1)
            first[going] = np.where(np.isnan(first[going]), size, first[going])
            x[going] -= step
            settled[going] = size <= SETTLED * first[going]
    distance = np.linalg.norm(x - start, axis=1)
    with np.errstate(all="ignore"):
        left, began = (np.linalg.norm(surface.gradient(p), axis=1) for p in (x, start))
    on_point = left <= TARGET_SHARE * began
    return np.where(settled & on_point & np.isfinite(distance), distance, np.inf)


def read_ground(surface, points, scales: MapScales) -> list[Ground]:
    """The :class:`Ground` at each of ``points (n, 2)``; Hessians in one vectorised call."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    if not len(points):
        return []
    H = surface.hessian(points)
    G = surface.gradient(points)
    values, vectors = np.linalg.eigh(H)
    targets = _newton_targets(surface, points, scales.flat)
    out = []
    for xy, g, ev, V, target in zip(points, G, values, vectors, targets, strict=True):
        shape = curvature.classify(ev, tol=scales.flat)
        up, down, flat = curvature.directions(ev, scales.flat)
        sectors_down = sectors_up = 0
        if shape == kinds.FLAT:
            shape, sectors_down, sectors_up = _higher_order(*_probe(surface, xy, g, scales))
        along = V.T @ g
        rising = ev > scales.flat
        drop = float(0.5 * np.sum(along[rising] ** 2 / ev[rising]))
        bent = np.abs(ev) > scales.flat
        newton = float(np.sqrt(np.sum((along[bent] / ev[bent]) ** 2)))
        flat_slope = float(np.sqrt(np.sum(along[~bent] ** 2)))
        out.append(
            Ground(
                shape=shape,
                eigenvalues=tuple(float(v) for v in ev),
                grad_norm=float(np.linalg.norm(g)),
                up=up,
                down=down,
                flat=flat,
                sectors_down=sectors_down,
                sectors_up=sectors_up,
                drop=drop,
                newton=newton,
                flat_slope=flat_slope,
                target=float(target),
                wall=float(max(ev.max(), 0.0) / scales.curvature),
            )
        )
    return out


def newton_point(surface, xy, scales: MapScales, *, iterations: int = 30) -> np.ndarray:
    """The critical point the quadratic model points to from ``xy``, refined by Newton steps over
    the directions that curve clearly (flat directions are left alone) until the step is below
    round-off or ``iterations`` run out."""
    x = np.asarray(xy, dtype=float).copy()
    for _ in range(iterations):
        ev, V = np.linalg.eigh(surface.hessian(x))
        along = V.T @ surface.gradient(x)
        bent = np.abs(ev) > scales.flat
        step = V[:, bent] @ (along[bent] / ev[bent])
        x = x - step
        if not np.isfinite(x).all():
            return np.asarray(xy, dtype=float)
        if np.linalg.norm(step) <= 1e-12 * scales.size:
            break
    return x


def at_rest(ground: Ground, scales: MapScales) -> bool:
    """Whether a run on ``ground`` has come to rest: its nearest critical point within the map's
    reach, and no clear slope along the flat directions."""
    return ground.newton <= scales.reach and ground.flat_slope < scales.still


def end_kind(ground: Ground, value: float, scales: MapScales) -> str:
    """Where a run that ended on ``ground`` at loss ``value`` ended: one of
    :data:`explainer.core.kinds.RESTED`, or still moving (see :func:`at_rest`)."""
    if not at_rest(ground, scales):
        return kinds.STILL_MOVING
    if ground.is_rim:
        return kinds.PLATEAU
    if ground.shape == kinds.MINIMUM:
        if ground.drop > scales.level:
            return kinds.STILL_MOVING
        bottom = value - ground.drop
        return kinds.GLOBAL_MINIMUM if bottom <= scales.global_value + scales.level else kinds.LOCAL_MINIMUM
    return {kinds.SADDLE: kinds.END_SADDLE, kinds.MAXIMUM: kinds.END_MAXIMUM}.get(ground.shape, kinds.PLATEAU)


def stall_kind(ground: Ground, loss_tol: float, near: float = np.inf) -> str:
    """What a stall whose flattest point sits on ``ground`` sat on: one of
    :data:`explainer.core.kinds.STALL_KINDS`. Flat ground is a plateau (ground that falls away
    one way and is flat the other is its rim, and so is ground curved like a saddle or a summit
    whose critical point is not there, unless steep walls make it a valley: see
    :attr:`Ground.has_target`). Curved ground whose nearest critical point lies
    more than ``near`` away, or that curves up all round with a bottom more than ``loss_tol``
    lower, is a curved valley floor the run is still sliding along."""
    if ground.is_rim:
        return kinds.STALL_PLATEAU
    if ground.shape != kinds.FLAT and ground.newton > near:
        return kinds.STALL_VALLEY
    if ground.shape in (kinds.SADDLE, kinds.MAXIMUM) and not ground.has_target:
        # It bends like a saddle, but no saddle is there: the floor of a curved valley between steep
        # walls (Rosenbrock's), or else the edge of a plateau where the loss saturates.
        return kinds.STALL_VALLEY if ground.wall >= VALLEY_WALL else kinds.STALL_PLATEAU
    if ground.shape == kinds.MINIMUM:
        return kinds.STALL_MINIMUM if ground.drop <= loss_tol else kinds.STALL_VALLEY
    return {kinds.SADDLE: kinds.STALL_SADDLE, kinds.MAXIMUM: kinds.STALL_MAXIMUM}.get(ground.shape, kinds.STALL_PLATEAU)


def label_ends(surface, ends, grad_norms, stop_reasons, scales: MapScales | None = None) -> np.ndarray:
    """One of :data:`explainer.core.kinds.END_KINDS` for each run that ended at ``ends (n, 2)``
    with gradient norms ``grad_norms (n,)`` and stop reasons ``stop_reasons (n,)``."""
    scales = scales or map_scales(surface)
    ends = np.asarray(ends, dtype=float).reshape(-1, 2)
    reasons = np.ravel(stop_reasons)
    labels = np.full(len(ends), kinds.STILL_MOVING, dtype=object)
    labels[reasons == "diverged"] = kinds.DIVERGED
    off = (reasons != "diverged") & ~surface.on_map(ends)
    labels[off] = kinds.LEFT_MAP
    # Only runs that ended on the map need their ground read (grad_norms are kept for callers that
    # read a point other than the run's own last one; the ground is read from the surface itself).
    del grad_norms
    judge = np.flatnonzero(labels == kinds.STILL_MOVING)
    values = surface.value(ends[judge])
    for i, ground, value in zip(judge, read_ground(surface, ends[judge], scales), np.atleast_1d(values), strict=True):
        labels[i] = end_kind(ground, float(value), scales)
    return labels.astype(str)


def steps_to_slide(surface, xy, lr: float, scales: MapScales, *, max_points: int = 20_000) -> float:
    """About how many more steps of plain descent of size ``lr`` a run resting at ``xy`` needs
    before its slope is back above the stall threshold (``SLOW`` of the map's typical slope).

    Descent with a small step follows the gradient flow ``dx/dt = -g(x)``, one step of size ``lr``
    covering ``lr`` of flow time. The flow is integrated by Heun's method with time steps short
    against the local curvature (a tenth of ``1 / |H|``, so the slope changes by about 10% per step)
    and against the map (no move longer than a 1,000th of its window), and its time is divided by
    ``lr``. Returns ``inf`` where the slope is exactly zero, or when the flow has not sped up within
    ``max_points`` time steps.
    """
    x = np.asarray(xy, dtype=float).copy()
    reach = scales.size / 1000
    time, dt, before = 0.0, 0.0, None
    g = surface.gradient(x)
    for _ in range(max_points):
        norm = float(np.sqrt(g @ g))
        if norm >= scales.slow:
            if before is None:
                return 0.0
            # The slope crossed the threshold during the last time step: place the crossing by
            # interpolating the logarithm of the slope, which grows about exponentially there.
            part = np.log(scales.slow / before) / np.log(norm / before) if norm > before else 1.0
            return (time - dt * (1 - part)) / lr
        if norm == 0.0 or not np.isfinite(norm):
            return float("inf")
        before = norm
        H = surface.hessian(x)
        bend = float(np.sqrt(np.sum(H * H)))  # the Frobenius norm bounds the largest |eigenvalue|
        dt = min(0.1 / bend if bend > 0 else np.inf, reach / norm)
        ahead = surface.gradient(x - dt * g)
        x = x - dt * (g + ahead) / 2
        time += dt
        g = surface.gradient(x)
    return float("inf")
