"""Finding the stretches of a run where training stalls, and what kind of ground it stalled on.

A stall is a stretch of at least ``window`` steps in which the gradient norm stays below
``grad_tol`` and the loss moves by less than ``loss_tol`` over the following ``window`` steps
(the stretch then runs on through that look-ahead while the gradient stays small).
Each stall is labelled from the ground at its flattest step (:mod:`explainer.core.ground`):
a minimum, a saddle (with its index, the number of downhill directions), a rounded top, a
plateau, or a curved valley floor that still slopes. A stall was escaped if the run left it and
later went clearly lower (by more than ``loss_tol``); a run that is kicked out of a minimum and
rolls back is not an escape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from explainer.core import kinds
from explainer.core.ground import Ground, MapScales, end_kind, newton_point, read_ground, stall_kind

STALL_KINDS = kinds.STALL_KINDS


@dataclass(frozen=True)
class Stall:
    """Steps ``start`` (inclusive) to ``end`` (exclusive) of a run, where it stood still."""

    start: int
    end: int
    kind: str
    at: int
    loss: float
    grad_norm: float
    index: int | None
    escaped: bool
    eigenvalues: tuple[float, ...] = ()

    @property
    def duration(self) -> int:
        """Number of steps spent in the stall."""
        return self.end - self.start


def label(stall: Stall, ground: Ground, loss_tol: float, near: float = np.inf) -> Stall:
    """``stall`` labelled from the ground at its flattest step (see :func:`ground.stall_kind`:
    near a critical point, within ``near`` of it, or on a curved valley floor that still slopes)."""
    kind = stall_kind(ground, loss_tol, near)
    return replace(stall, kind=kind, index=ground.index, eigenvalues=ground.eigenvalues)


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open ``(start, end)`` of every run of ``True`` in a boolean vector."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def find_stalls(
    losses,
    grad_norms,
    *,
    window: int = 25,
    grad_tol: float | None = None,
    loss_tol: float | None = None,
    ground: Callable[[int], Ground] | None = None,
    near: float = np.inf,
) -> list[Stall]:
    """Stalls of one run.

    Parameters
    ----------
    losses, grad_norms : arrays of shape (k+1,)
        The run's loss and gradient norm at every point, start first.
    window : int
        Shortest stall, in steps.
    grad_tol : float, optional
        Gradient norm below which the run counts as stalled; by default 1% of the run's
        largest gradient norm.
    loss_tol : float, optional
        Largest loss change over ``window`` steps inside a stall; by default 1% of the run's
        loss range (or 1e-12 if the loss never moved).
    ground : callable, optional
        ``ground(i)`` gives the :class:`~explainer.core.ground.Ground` at step ``i``. Without it
        every stall is labelled ``"unknown"``.
    near : float
        A stall whose nearest critical point (by the Newton step) lies further than this is on a
        curved valley floor, whatever the curvature's shape.

    Returns
    -------
    list of Stall, in order.
    """
    losses = np.asarray(losses, dtype=float)
    grads = np.asarray(grad_norms, dtype=float)
    if losses.shape != grads.shape or losses.ndim != 1:
        raise ValueError("losses and grad_norms must be 1-D arrays of the same length")
    n = len(losses)
    if n == 0:
        return []
    if grad_tol is None:
        grad_tol = 0.01 * float(np.max(grads))
    if loss_tol is None:
        spread = float(np.max(losses) - np.min(losses))
        loss_tol = max(0.01 * spread, 1e-12)
    ahead = np.minimum(np.arange(n) + window, n - 1)
    quiet = (grads < grad_tol) & (np.abs(losses[ahead] - losses) <= loss_tol)
    # "Quiet" looks `window` steps ahead, so it ends up to a window before the loss moves:
    # carry each quiet stretch on through that look-ahead while the gradient stays small.
    small = grads < grad_tol
    stretched = quiet.copy()
    for _, end in true_runs(quiet):
        stop, limit = end, min(end + window, n)
        while stop < limit and small[stop]:
            stop += 1
        stretched[end:stop] = True
    stalls = []
    for start, end in true_runs(stretched):
        if end - start < window:
            continue
        at = start + int(np.argmin(grads[start:end]))
        stall = Stall(
            start=start,
            end=end,
            kind=kinds.STALL_UNKNOWN,
            at=at,
            loss=float(losses[at]),
            grad_norm=float(grads[at]),
            index=None,
            escaped=bool(end < n and np.min(losses[end:]) < losses[at] - loss_tol),
        )
        stalls.append(stall if ground is None else label(stall, ground(at), loss_tol, near))
    return stalls


def surface_stalls(surface, trajectory, scales: MapScales, *, window: int) -> list[Stall]:
    """:func:`find_stalls` for a run on a surface: slow means a slope below the map's stall
    threshold, level means within the map's loss tolerance, and the ground is read from the
    surface at each stall's flattest step."""
    positions = trajectory.positions
    return find_stalls(
        trajectory.losses,
        trajectory.grad_norms,
        window=window,
        grad_tol=scales.slow,
        loss_tol=scales.level,
        ground=lambda i: read_ground(surface, positions[i], scales)[0],
        near=scales.near,
    )


# ----- bouncing across a valley ----------------------------------------------------------------------

#: Successive steps count as reversing when the cosine of the angle between them is below this.
REVERSING = -0.5
#: A bouncing stretch keeps at least this share of its first step's length at its end (a run that
#: zig-zags into the valley floor shrinks its steps geometrically and is converging, not bouncing).
NOT_SHRINKING = 0.5


@dataclass(frozen=True)
class Oscillation:
    """Steps ``start`` to ``end`` (exclusive) of a run that jumped back and forth across a valley
    with steps that did not shrink: every step reversed the last one.

    ``center`` is the middle of the last two points, ``amplitude`` half the length of the last step.
    ``curvature`` is the largest Hessian eigenvalue at the critical point the bouncing straddles
    (``valley``, of :data:`explainer.core.kinds.END_KINDS`, at ``valley_xy``) and ``lr`` the step size:
    plain descent there multiplies the offset along that direction by ``1 - lr * curvature`` per
    step, so ``lr * curvature > 2`` means every step overshoots by more than it gains.
    """

    start: int
    end: int
    center: tuple[float, float]
    amplitude: float
    lr: float
    curvature: float = float("nan")
    valley: str | None = None
    valley_xy: tuple[float, float] | None = None

    @property
    def duration(self) -> int:
        return self.end - self.start

    @property
    def product(self) -> float:
        """``lr * lambda_max``: above 2 the step overshoots the valley floor further each time."""
        return self.lr * self.curvature

    @property
    def bound(self) -> float:
        """The largest step size that settles in that valley, ``2 / lambda_max``."""
        return 2.0 / self.curvature if self.curvature > 0 else float("inf")


def bouncing(positions, *, window: int = 25, min_step: float = 0.0) -> tuple[int, int] | None:
    """The stretch at the end of a run where it bounces: ``(start, end)`` in steps, or ``None``.

    Parameters
    ----------
    positions : array of shape (k+1, d)
        The run's points, start first.
    window : int
        Fewest successive reversing steps that count.
    min_step : float
        Steps at most this long do not count (a run at rest jitters in round-off).

    The stretch runs back from the last step while each step reverses the one before it (cosine
    below :data:`REVERSING`) and is longer than ``min_step``; it counts if it holds at least
    ``window`` steps and its last step keeps :data:`NOT_SHRINKING` of its first one's length.
    """
    p = np.asarray(positions, dtype=float)
    d = np.diff(p, axis=0)  # d[i] moves from point i to point i + 1
    if len(d) < window + 1:
        return None
    n = np.sqrt(np.einsum("ij,ij->i", d, d))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.einsum("ij,ij->i", d[1:], d[:-1]) / (n[1:] * n[:-1])
    flips = (cos < REVERSING) & (n[1:] > min_step) & (n[:-1] > min_step)  # flips[i]: step i+1 reverses step i
    if not flips[-1]:
        return None
    first = len(flips) - 1
    while first > 0 and flips[first - 1]:
        first -= 1
    start, end = first, len(d)  # steps first .. len(d)-1 all take part
    if end - start < window or n[-1] < NOT_SHRINKING * n[start]:
        return None
    return start, end + 1


def surface_oscillation(surface, trajectory, scales: MapScales, *, window: int) -> Oscillation | None:
    """:func:`bouncing` for a run on a surface, with its cause read off the ground: the critical
    point the bouncing straddles (a Newton step from the middle of the last two points) and the
    largest curvature there."""
    p = trajectory.positions
    found = bouncing(p, window=window, min_step=1e-6 * scales.size)
    if found is None:
        return None
    center = (p[-1] + p[-2]) / 2
    osc = Oscillation(
        start=found[0],
        end=found[1],
        center=(float(center[0]), float(center[1])),
        amplitude=float(np.linalg.norm(p[-1] - p[-2]) / 2),
        lr=float(trajectory.lr),
    )
    valley = newton_point(surface, center, scales)
    if np.linalg.norm(valley - center) > 2 * osc.amplitude + scales.reach:
        return osc  # the bouncing straddles no critical point the local curvature can find
    ground = read_ground(surface, valley, scales)[0]
    return replace(
        osc,
        curvature=float(max(ground.eigenvalues)),
        valley=end_kind(ground, float(surface.value(valley)), scales),
        valley_xy=(float(valley[0]), float(valley[1])),
    )
