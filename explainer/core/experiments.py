"""Small experiments behind the sections' findings, each a pure function of its inputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.core import curvature, kinds
from explainer.core.optimize import CONVERGED, DIVERGED, MAX_STEPS, descend_many
from explainer.core.surfaces import SURFACES


@dataclass(frozen=True)
class Sweep:
    """One run per step size from the same start.

    ``outcome[i]`` is one of :data:`explainer.core.kinds.SWEEP_OUTCOMES`; ``steps`` taken,
    ``final_loss`` and ``final_grad`` (gradient norm at the last point) of each run, and where it
    ended (``ends (n, 2)``).
    """

    lrs: np.ndarray
    steps: np.ndarray
    outcome: np.ndarray
    final_loss: np.ndarray
    final_grad: np.ndarray
    ends: np.ndarray | None = None


def lr_sweep(surface, start, lrs, steps: int, tol: float = 1e-6, still: float | None = None) -> Sweep:
    """Plain gradient descent from ``start`` with each step size in ``lrs``, all at once.

    A run that ends outside the surface's window has left the map: still sliding if its slope
    is above ``still`` (default ``100 * tol``), at rest otherwise (far away some surfaces level
    off, and a run thrown there can come to rest without having found anything).
    """
    lrs = np.asarray(lrs, dtype=float)
    starts = np.repeat(np.asarray(start, dtype=float)[None, :], len(lrs), axis=0)
    batch = descend_many(surface, starts, "gd", lrs, steps, tol=tol)
    still = 100 * tol if still is None else still
    names = {CONVERGED: kinds.SWEEP_CONVERGED, MAX_STEPS: kinds.SWEEP_OUT_OF_STEPS, DIVERGED: kinds.SWEEP_DIVERGED}
    outcome = np.array([names[r] for r in batch.stop_reason], dtype=object)
    rows = np.arange(len(lrs))
    grads = batch.grad_norms[batch.stop_step, rows]
    on_map = surface.on_map(batch.ends) if hasattr(surface, "on_map") else np.ones(len(lrs), dtype=bool)
    away = ~on_map & (outcome != kinds.SWEEP_DIVERGED)
    outcome[away & (grads > still)] = kinds.SWEEP_AWAY_MOVING
    outcome[away & (grads <= still)] = kinds.SWEEP_AWAY_RESTED
    outcome = outcome.astype(str)
    steps_taken = np.where(outcome == kinds.SWEEP_DIVERGED, batch.stop_step + 1, batch.stop_step)
    return Sweep(
        lrs=lrs,
        steps=np.maximum(steps_taken, 1),
        outcome=outcome,
        final_loss=batch.losses[batch.stop_step, rows],
        final_grad=grads,
        ends=batch.ends.copy(),
    )


@dataclass(frozen=True)
class Stability:
    """The step-size bound of plain descent at a minimum, and whether a given start feels it.

    Near the minimum descent multiplies the offset along each eigenvector by ``1 - lr * lam``,
    so it is stable only for ``lr < 2 / lam_max``. The bound binds only if the run's offset has
    a component along the top eigenvector ``direction``: ``excited`` is the largest such
    component seen along the run (0 when the start lies exactly on a line the slope never
    leaves, as ``y = 0`` on a surface symmetric in ``y``).
    """

    limit: float  # 2 / lambda_max (inf where no curvature is positive)
    top: float  # lambda_max
    direction: tuple[float, float]  # its unit eigenvector
    second_limit: float  # 2 / the next eigenvalue (the bound for a start that never excites the top)
    excited: float  # largest |offset . direction| along the run

    @property
    def second(self) -> float:
        """The next eigenvalue (0 where it is not positive)."""
        return 2.0 / self.second_limit if np.isfinite(self.second_limit) else 0.0

    @property
    def isotropic(self) -> bool:
        """Whether the top curvature is the same in every direction (no direction sets the bound)."""
        return abs(self.top - self.second) <= 1e-9 * abs(self.top)


def stability(surface, minimum, path) -> Stability:
    """:class:`Stability` of plain descent at ``minimum``, for a run along ``path (k, 2)``."""
    ev, vec = np.linalg.eigh(surface.hessian(np.asarray(minimum, dtype=float)))
    top, direction = float(ev[-1]), vec[:, -1]
    second = float(ev[-2]) if len(ev) > 1 else 0.0
    offsets = np.asarray(path, dtype=float) - np.asarray(minimum, dtype=float)
    return Stability(
        limit=2.0 / top if top > 0 else float("inf"),
        top=top,
        direction=(float(direction[0]), float(direction[1])),
        second_limit=2.0 / second if second > 0 else float("inf"),
        excited=float(np.abs(offsets @ direction).max()) if len(offsets) else 0.0,
    )


def stability_limit(surface, xy) -> float:
    """Largest step size at which plain descent is stable at ``xy``: ``2 / lambda_max``.

    Infinite where no curvature is positive.
    """
    top = float(curvature.eigenvalues(surface, xy)[-1])
    return 2.0 / top if top > 0 else float("inf")


@dataclass(frozen=True)
class SaddleEscape:
    """Distance from the saddle of ``x^2 - y^2`` over time, for starts ``(1, y0)``."""

    y0s: np.ndarray
    distance: np.ndarray  # (steps + 1, len(y0s))
    escape_step: np.ndarray  # first step with |y| > 1, or -1 if never
    closest: np.ndarray  # smallest distance reached
    lr: float


def saddle_escape(y0s=(0.0, 1e-12, 1e-6, 1e-2), lr: float = 0.02, steps: int = 800) -> SaddleEscape:
    """Gradient descent on ``x^2 - y^2`` from ``(1, y0)``: exactly on the ridge line it converges
    to the saddle; a hair off it, it lingers for about ``ln(1/y0) / ln(1 + 2 lr)`` steps and leaves."""
    y0s = np.asarray(y0s, dtype=float)
    starts = np.stack([np.ones_like(y0s), y0s], axis=1)
    batch = descend_many(SURFACES["saddle"], starts, "gd", lr, steps, tol=0)
    pos = batch.positions
    distance = np.linalg.norm(pos, axis=2)
    out = np.abs(pos[:, :, 1]) > 1
    escape = np.where(out.any(axis=0), out.argmax(axis=0), -1)
    return SaddleEscape(y0s=y0s, distance=distance, escape_step=escape, closest=distance.min(axis=0), lr=lr)
