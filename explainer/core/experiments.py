"""Small experiments behind the sections' findings, each a pure function of its inputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.core import curvature
from explainer.core.optimize import descend_many
from explainer.core.surfaces import SURFACES


@dataclass(frozen=True)
class Sweep:
    """One run per step size from the same start: ``lrs``, ``steps`` taken, ``outcome`` of each."""

    lrs: np.ndarray
    steps: np.ndarray
    outcome: np.ndarray  # "converged", "ran out of steps", "left the map" or "diverged"
    final_loss: np.ndarray


def lr_sweep(surface, start, lrs, steps: int, tol: float = 1e-6) -> Sweep:
    """Plain gradient descent from ``start`` with each step size in ``lrs``, all at once.

    A run that stops (or runs out of steps) outside the surface's window is reported as having
    "left the map": far away some surfaces level off, and a run thrown there can come to rest
    without having found anything.
    """
    lrs = np.asarray(lrs, dtype=float)
    starts = np.repeat(np.asarray(start, dtype=float)[None, :], len(lrs), axis=0)
    batch = descend_many(surface, starts, "gd", lrs, steps, tol=tol)
    names = {"converged": "converged", "max-steps": "ran out of steps", "diverged": "diverged"}
    outcome = np.array([names[r] for r in batch.stop_reason], dtype=object)
    on_map = surface.on_map(batch.ends) if hasattr(surface, "on_map") else np.ones(len(lrs), dtype=bool)
    off_map = ~on_map & (outcome != "diverged")
    outcome[off_map] = "left the map"
    outcome = outcome.astype(str)
    steps_taken = np.where(outcome == "diverged", batch.stop_step + 1, batch.stop_step)
    return Sweep(
        lrs=lrs,
        steps=np.maximum(steps_taken, 1),
        outcome=outcome,
        final_loss=batch.losses[batch.stop_step, np.arange(len(lrs))],
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
