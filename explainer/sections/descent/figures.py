"""The descent section's charts: results in, figures (spec and exportable data) out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from explainer.charts import Figure, curves, figure, maps
from explainer.core.analyses.descent import SWEEP_POINTS, NetworkLesson, SurfaceRun
from explainer.core.contours import contour_segments, quantile_levels
from explainer.core.experiments import SaddleEscape
from explainer.core.surfaces import SURFACES


def lesson(res: NetworkLesson) -> Figure:
    frame = pd.concat(
        [
            pd.DataFrame({"epoch": np.arange(len(c)), "loss": c, "lr": f"{rate:g}"})
            for rate, c in zip(res.step_sizes, res.curves, strict=True)
        ],
        ignore_index=True,
    )
    chart = curves.training_curves(
        frame,
        chart_title="One network, four step sizes",
        subtitle="8 tanh units on 200 'moons' points, full-batch gradient descent in scikit-learn",
    )
    return figure(chart, frame)


def backdrop(name: str) -> list:
    """Heat map, contour lines and critical points of a surface (the same for every run)."""
    surface = SURFACES[name]
    xs, ys, z = surface.grid(51)
    xc, yc, zc = surface.grid(81)
    log_color = bool(np.ptp(z) > 50 * (np.median(z) - z.min() + 1e-12))
    bounds = surface.bounds
    return [
        maps.heat_layer(maps.heat_frame(xs, ys, z), bounds, log_color=log_color),
        maps.contour_layer(contour_segments(xc, yc, zc, quantile_levels(zc, 14)), bounds),
        maps.critical_layer(maps.critical_frame(surface), bounds),
    ]


def run_map(res: SurfaceRun) -> Figure:
    surface = SURFACES[res.settings.surface]
    run = res.run
    every = max(1, run.steps // 600)
    keep = np.unique(np.concatenate([np.arange(0, len(run.losses), every), [run.steps]]))
    path = pd.DataFrame({"run": 0, "step": keep, "x": run.positions[keep, 0], "y": run.positions[keep, 1]})
    heat, contours, critical = backdrop(res.settings.surface)
    chart = maps.compose(
        [heat, contours, *maps.path_layers(path, surface.bounds), critical],
        bounds=surface.bounds,
        chart_title=f"Gradient descent on the {surface.title}",
        subtitle="ring: start · diamond: end · white marks: critical points",
    )
    return figure(chart, path)


def stall_frame(stalls) -> pd.DataFrame:
    return pd.DataFrame(
        [dict(start=s.start, end=s.end, steps=s.duration, kind=s.kind) for s in stalls],
        columns=["start", "end", "steps", "kind"],
    )


def run_curves(res: SurfaceRun) -> Figure:
    run = res.run
    frame = curves.run_frame(run.losses, run.grad_norms, max(1, run.steps // 600))
    events = None
    if run.diverged_at is not None:
        events = pd.DataFrame([dict(step=run.steps, label=f"diverged at step {run.diverged_at}")])
    charts = curves.run_curves(
        frame, chart_title="Loss and slope along the way", stalls=stall_frame(res.stalls), events=events
    )
    return figure(list(charts), frame)


def sweep(res: SurfaceRun) -> Figure:
    sw = res.sweep
    frame = pd.DataFrame({"lr": sw.lrs, "steps": sw.steps, "outcome": sw.outcome, "final_grad": sw.final_grad})
    limit = res.stability.limit if res.stability is not None else None
    chart = curves.lr_sweep(
        frame,
        limit=limit,
        chosen=res.settings.lr,
        chart_title="Why the step size matters",
        subtitle=f"same start, {SWEEP_POINTS} step sizes",
    )
    return figure(chart, frame)


def saddle_aim(r: SaddleEscape) -> Figure:
    every = 8
    frames = []
    for j, y0 in enumerate(r.y0s):
        label = "y0 = 0 (on the ridge line)" if y0 == 0 else f"y0 = {y0:.0e}"
        d = np.maximum(r.distance[::every, j], 1e-300)
        frames.append(pd.DataFrame({"step": np.arange(0, len(r.distance), every), "distance": d, "start": label}))
    frame = pd.concat(frames, ignore_index=True)
    chart = curves.distance_curves(
        frame, chart_title="Stopping at a saddle takes a perfect aim", subtitle=f"x² − y², step size {r.lr:g}"
    )
    return figure(chart, frame)
