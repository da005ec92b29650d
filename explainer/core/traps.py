"""Descent from a grid of starts: where each run ends, what it ends on, and where it lingered.

Every end is labelled from the Hessian there, not from the list of known critical points: a
run that has stopped moving (small gradient) on positive curvature is in a minimum (the global
one if its loss matches the lowest listed minimum), on mixed curvature at a saddle, on flat
ground on a plateau; a run that still has a clear slope under it is still moving. A run that
ends outside the map has left it, whatever the ground is like out there. Noisy runs
never sit still, so they are judged after a quench: the noise is switched off at the average of
their last steps and plain descent settles them where they were resting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.core import curvature
from explainer.core.optimize import Batch, descend_many
from explainer.core.stalls import Stall, find_stalls, label

END_LABELS = ("global minimum", "local minimum", "saddle", "plateau", "still moving", "left the map", "diverged")


def slope_scale(surface, n: int = 41) -> float:
    """Median gradient norm over the surface's window: what a typical slope looks like."""
    (x0, x1), (y0, y1) = surface.bounds
    xx, yy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    g = surface.gradient(np.stack([xx, yy], axis=-1))
    return float(np.median(np.linalg.norm(g, axis=-1)))


def curvature_scale(surface) -> float:
    """Largest absolute curvature at the surface's listed critical points: how sharp its valleys are."""
    tops = [float(np.abs(curvature.eigenvalues(surface, p.xy)).max()) for p in surface.critical_points]
    return max(tops) if tops and max(tops) > 0 else 1.0


def flat_tolerance(surface, lr: float, steps: int) -> float:
    """Curvature that counts as flat on this map for a run of ``steps`` steps of size ``lr``.

    Flat means either too gentle to matter within the run (:func:`curvature.flat_tolerance`)
    or under 1% of the curvature of the map's own valleys and passes.
    """
    return max(curvature.flat_tolerance(lr, steps), 0.01 * curvature_scale(surface))


def label_ends(
    surface,
    ends,
    grad_norms,
    stop_reasons,
    *,
    still: float,
    flat_tol: float,
    global_value: float,
    value_tol: float,
) -> np.ndarray:
    """One of :data:`END_LABELS` for each run that ended at ``ends (n, 2)``.

    ``still`` is the gradient norm below which a run counts as stopped, ``flat_tol`` the
    curvature that counts as flat, and a minimum within ``value_tol`` of ``global_value`` is
    the global one. The Hessians are computed in one vectorised call.
    """
    ends = np.asarray(ends, dtype=float).reshape(-1, 2)
    eigs = np.linalg.eigvalsh(surface.hessian(ends))
    values = surface.value(ends)
    on_map = surface.on_map(ends)
    labels = []
    rows = zip(eigs, values, np.ravel(grad_norms), np.ravel(stop_reasons), on_map, strict=True)
    for ev, value, grad, reason, inside in rows:
        if reason == "diverged":
            labels.append("diverged")
            continue
        if not inside:
            labels.append("left the map")
            continue
        shape = curvature.classify(ev, atol=flat_tol)
        if grad > still:
            labels.append("plateau" if shape == "flat" else "still moving")
        elif shape == "minimum":
            labels.append("global minimum" if value <= global_value + value_tol else "local minimum")
        elif shape == "saddle":
            labels.append("saddle")
        else:
            labels.append("plateau")
    return np.array(labels)


def label_end(surface, xy, grad_norm: float, stop_reason: str, **kwargs) -> str:
    """:func:`label_ends` for a single run."""
    return str(label_ends(surface, [xy], [grad_norm], [stop_reason], **kwargs)[0])


@dataclass(frozen=True)
class GridDescent:
    """Result of :func:`grid_descent`; arrays run over the ``n = side**2`` starts."""

    xs: np.ndarray  # (side,)
    ys: np.ndarray  # (side,)
    batch: Batch
    ends: np.ndarray  # (n, 2) where each run was judged (for noisy runs, after the quench)
    labels: np.ndarray  # (n,) of END_LABELS
    stalls: tuple[tuple[Stall, ...], ...]
    still: float  # gradient norm below which a run counts as stopped when its end is labelled
    flat_tol: float  # curvature that counts as flat
    tol: float  # the optimiser's own stopping tolerance on the gradient norm

    @property
    def starts(self) -> np.ndarray:
        return self.batch.positions[0]

    def counts(self) -> dict[str, int]:
        """How many runs ended with each label (every label present, zeros included)."""
        return {label: int(np.sum(self.labels == label)) for label in END_LABELS}

    def escapes(self) -> list[dict]:
        """Per stall kind: how many runs stalled there and got away, and for how long they stayed."""
        rows = []
        for kind in ("saddle", "plateau", "minimum", "maximum"):
            spans = [s.duration for run in self.stalls for s in run if s.kind == kind and s.escaped]
            runs = sum(any(s.kind == kind and s.escaped for s in run) for run in self.stalls)
            if spans:
                rows.append(
                    dict(
                        kind=kind,
                        runs=int(runs),
                        median_steps=float(np.median(spans)),
                        longest_steps=int(max(spans)),
                    )
                )
        return rows


def grid_starts(surface, side: int, inset: float = 0.04) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``side x side`` starts evenly spread over the window, kept ``inset`` (a fraction) off its edges."""
    (x0, x1), (y0, y1) = surface.bounds
    dx, dy = inset * (x1 - x0), inset * (y1 - y0)
    xs = np.linspace(x0 + dx, x1 - dx, side)
    ys = np.linspace(y0 + dy, y1 - dy, side)
    xx, yy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([xx.ravel(), yy.ravel()], axis=1)


def grid_descent(
    surface,
    *,
    side: int = 15,
    method: str = "gd",
    lr: float = 0.1,
    steps: int = 1500,
    momentum: float = 0.9,
    noise: float = 0.0,
    seed: int = 0,
) -> GridDescent:
    """Descend from ``side x side`` starts at once, label every end and find every run's stalls."""
    xs, ys, starts = grid_starts(surface, side)
    scale = slope_scale(surface)
    still = 1e-3 * scale
    flat_tol = flat_tolerance(surface, lr, steps)
    tol = 1e-6 * scale
    batch = descend_many(
        surface,
        starts,
        method,
        lr,
        steps,
        tol=tol,
        momentum=momentum,
        noise=noise,
        seed=seed,
    )
    _, _, z = surface.grid(41)
    value_tol = 1e-3 * float(np.ptp(z))
    global_value = surface.global_minimum_value
    ends, end_grads = batch.ends, batch.grad_norms[batch.stop_step, np.arange(len(batch))]
    if method == "noisy":
        # Noise keeps a run jittering where it rests, so its gradient never gets small. Quench it:
        # switch the noise off at the average of its last steps and let plain descent settle.
        tail = batch.positions[-max(10, steps // 20) :].mean(axis=0)
        quench = descend_many(surface, tail, "gd", lr, max(200, steps // 5), tol=1e-6 * scale)
        ends, end_grads = quench.ends, quench.grad_norms[quench.stop_step, np.arange(len(quench))]
    labels = label_ends(
        surface,
        ends,
        end_grads,
        batch.stop_reason,
        still=still,
        flat_tol=flat_tol,
        global_value=global_value,
        value_tol=value_tol,
    )
    window = max(10, steps // 100)
    found = []
    for i in range(len(batch)):
        last = int(batch.stop_step[i]) + 1
        found.append(
            find_stalls(
                batch.losses[:last, i],
                batch.grad_norms[:last, i],
                window=window,
                grad_tol=0.05 * scale,
                loss_tol=1e-3 * float(np.ptp(z)),
            )
        )
    # Label every stall from the Hessian at its flattest step, all in one vectorised call.
    where = [(i, s.at) for i, run in enumerate(found) for s in run]
    eigs = iter(
        np.linalg.eigvalsh(surface.hessian(np.array([batch.positions[at, i] for i, at in where]))) if where else []
    )
    stalls = tuple(tuple(label(s, next(eigs), flat_tol) for s in run) for run in found)
    return GridDescent(
        xs=xs, ys=ys, batch=batch, ends=ends, labels=labels, stalls=stalls, still=still, flat_tol=flat_tol, tol=tol
    )
