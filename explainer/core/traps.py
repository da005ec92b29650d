"""Descent from a grid of starts: where each run ends, what it ends on, and where it lingered.

Every end is labelled from the ground there (:mod:`explainer.core.ground`), not from the list of
known critical points, and with thresholds that are shares of the map's own scales, never of the
run's step size or length. Noisy runs never sit still, so they are judged after a quench: the
noise is switched off at the average of their last steps and plain descent settles them where
they were resting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.core import kinds
from explainer.core.ground import MapScales, label_ends, map_scales, read_ground
from explainer.core.optimize import Batch, descend_many
from explainer.core.stalls import Stall, find_stalls, label

#: Stall kinds a run can escape from, in the order tables list them.
ESCAPABLE = (kinds.STALL_SADDLE, kinds.STALL_PLATEAU, kinds.STALL_VALLEY, kinds.STALL_MINIMUM, kinds.STALL_MAXIMUM)


@dataclass(frozen=True)
class GridDescent:
    """Result of :func:`grid_descent`; arrays run over the ``n = side**2`` starts."""

    xs: np.ndarray  # (side,)
    ys: np.ndarray  # (side,)
    batch: Batch
    ends: np.ndarray  # (n, 2) where each run was judged (for noisy runs, after the quench)
    end_grads: np.ndarray  # (n,) gradient norm there
    labels: np.ndarray  # (n,) of kinds.END_KINDS
    stalls: tuple[tuple[Stall, ...], ...]
    scales: MapScales
    tol: float  # the optimiser's own stopping tolerance on the gradient norm
    quench: Batch | None = None  # noisy descent only: the plain descent that settled each run where it rested

    @property
    def starts(self) -> np.ndarray:
        return self.batch.positions[0]

    def counts(self) -> dict[str, int]:
        """How many runs ended with each kind (every kind present, zeros included)."""
        return {kind: int(np.sum(self.labels == kind)) for kind in kinds.END_KINDS}

    def escaped_steps(self) -> dict[str, list[int]]:
        """Per stall kind, the length of every stall there that ended in an escape."""
        return {
            kind: [s.duration for run in self.stalls for s in run if s.kind == kind and s.escaped] for kind in ESCAPABLE
        }

    def escapes(self) -> list[dict]:
        """Per stall kind that some run escaped: how many runs, and how long they stayed."""
        rows = []
        for kind, spans in self.escaped_steps().items():
            if spans:
                runs = sum(any(s.kind == kind and s.escaped for s in run) for run in self.stalls)
                rows.append(
                    dict(kind=kind, runs=int(runs), median_steps=float(np.median(spans)), longest_steps=int(max(spans)))
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


#: Shortest stall worth the name, in steps: the same for every run, however long, so that a
#: stall found in a run of 1,500 steps is found in the same run given 3,000.
STALL_WINDOW = 20


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
    scales = map_scales(surface)
    tol = 1e-6 * scales.slope
    batch = descend_many(surface, starts, method, lr, steps, tol=tol, momentum=momentum, noise=noise, seed=seed)
    ends, end_grads = batch.ends, batch.grad_norms[batch.stop_step, np.arange(len(batch))]
    quench = None
    if method == "noisy":
        # Noise keeps a run jittering where it rests, so its gradient never gets small. Quench it:
        # switch the noise off at the average of its last steps and let plain descent settle.
        tail = batch.positions[-max(10, steps // 20) :].mean(axis=0)
        quench = descend_many(surface, tail, "gd", lr, max(200, steps // 5), tol=tol)
        ends, end_grads = quench.ends, quench.grad_norms[quench.stop_step, np.arange(len(quench))]
    labels = label_ends(surface, ends, end_grads, batch.stop_reason, scales)
    window = STALL_WINDOW
    found = []
    for i in range(len(batch)):
        last = int(batch.stop_step[i]) + 1
        found.append(
            find_stalls(
                batch.losses[:last, i],
                batch.grad_norms[:last, i],
                window=window,
                grad_tol=scales.slow,
                loss_tol=scales.level,
            )
        )
    # Read the ground at every stall's flattest step, all Hessians in one vectorised call.
    where = [(i, s.at) for i, run in enumerate(found) for s in run]
    grounds = iter(read_ground(surface, np.array([batch.positions[at, i] for i, at in where]).reshape(-1, 2), scales))
    stalls = tuple(tuple(label(s, next(grounds), scales.level, scales.near) for s in run) for run in found)
    return GridDescent(
        xs=xs,
        ys=ys,
        batch=batch,
        ends=ends,
        end_grads=np.asarray(end_grads, dtype=float),
        labels=labels,
        stalls=stalls,
        scales=scales,
        tol=tol,
        quench=quench,
    )
