"""The saddle-point section's charts: results in, figures (spec and exportable data) out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from explainer.charts import Figure, curves, figure, maps
from explainer.charts import saddle_point as charts
from explainer.charts.theme import OKABE_ITO
from explainer.core import kinds
from explainer.core.analyses import saddle_point as sp
from explainer.core.contours import contour_segments, quantile_levels
from explainer.core.optimize import METHODS
from explainer.core.surfaces import SURFACES
from explainer.sections.saddle_point.words import offset, power

#: Longest side of each saddle's map: two of them side by side fit an 820-pixel page.
MAP_SIDE = 240


# ----- how rare is a minimum -------------------------------------------------------------------


def probability_frame(res: sp.SaddleProbability) -> pd.DataFrame:
    """``n, p, lo, hi, series``: the Monte Carlo (sizes with at least one hit) and both laws."""
    rows = []
    for i, n in enumerate(res.n):
        if res.hits[i]:
            p, se = float(res.pd_fraction[i]), float(res.stderr[i])
            rows.append(dict(n=int(n), p=p, lo=max(p - 3 * se, p / 10), hi=p + 3 * se, series=kinds.MONTE_CARLO))
        rows.append(dict(n=int(n), p=float(res.independent[i]), lo=None, hi=None, series=kinds.INDEPENDENT))
        rows.append(dict(n=int(n), p=float(res.random_matrix[i]), lo=None, hi=None, series=kinds.RANDOM_MATRIX))
    return pd.DataFrame(rows, columns=["n", "p", "lo", "hi", "series"])


def probability(res: sp.SaddleProbability) -> Figure:
    frame = probability_frame(res)
    chart = charts.probability(
        frame,
        chart_title="How often is a random curvature a minimum?",
        subtitle=f"{res.samples:,} random symmetric matrices (A + Aᵀ)/√2 of each size; bars ±3 standard errors",
    )
    return figure(chart, frame)


def big_n(res: sp.SaddleProbability) -> Figure:
    logs = res.log10_all_positive
    frame = pd.DataFrame(
        [
            dict(series=kinds.INDEPENDENT, decades=-logs["independent"], text=power("10", logs["independent"])),
            dict(
                series=kinds.RANDOM_MATRIX,
                decades=-logs["random-matrix"],
                text="≈ " + power("10", logs["random-matrix"]),
            ),
        ]
    )
    chart = charts.big_n(
        frame,
        chart_title=f"The chance of a minimum with {res.settings.big_n:,} weights",
        subtitle="the article's 1 − P is exactly 0 in floating point, so the chart counts its decades",
    )
    return figure(chart, frame)


# ----- two saddles side by side -------------------------------------------------------------------------


def _backdrop(name: str) -> list:
    surface = SURFACES[name]
    xs, ys, z = surface.grid(31)
    xc, yc, zc = surface.grid(41)
    bounds = surface.bounds
    return [
        maps.heat_layer(maps.heat_frame(xs, ys, z), bounds),
        maps.contour_layer(contour_segments(xc, yc, zc, quantile_levels(zc, 12)), bounds),
        maps.critical_layer(maps.critical_frame(surface), bounds),
    ]


def _path(run: sp.SaddleRun, label: str) -> pd.DataFrame:
    return pd.DataFrame({"run": label, "step": run.steps, "x": run.xy[:, 0], "y": run.xy[:, 1]})


def _map(res: sp.SaddlePair, name: str) -> tuple:
    surface = SURFACES[name]
    offset_path, line_path = _path(res.runs[name], "offset"), _path(res.on_line[name], "on-line")
    heat, contours, critical = _backdrop(name)
    layers = [
        heat,
        contours,
        # The run on the stable line first, so that where the two runs share a stretch (the monkey
        # saddle) the offset run, the one the subtitle names first, stays on top.
        *maps.path_layers(line_path, surface.bounds, color=OKABE_ITO["sky"], width=2.5),
        *maps.path_layers(offset_path, surface.bounds, color=OKABE_ITO["orange"], width=2.0),
        critical,
    ]
    chart = maps.compose(
        layers,
        bounds=surface.bounds,
        chart_title=charts.SURFACE_NAMES[name],
        subtitle=f"orange: from (1, {offset(res.settings.y0)}) · light blue: from (1, 0)",
        longest=MAP_SIDE,
    )
    data = pd.concat([offset_path, line_path], ignore_index=True).assign(surface=name)
    return chart, data


def saddle_maps(res: sp.SaddlePair) -> Figure:
    """Both saddles' maps in one row, with both runs on each."""
    (left, a), (right, b) = (_map(res, name) for name in sp.PAIR_SURFACES)
    return figure(charts.side_by_side(left, right), pd.concat([a, b], ignore_index=True))


def distance_frame(res: sp.SaddlePair) -> pd.DataFrame:
    frames = []
    y0 = offset(res.settings.y0)
    for name in sp.PAIR_SURFACES:
        for start, run, label in (
            ("offset", res.runs[name], f"from (1, {y0})"),
            ("on-line", res.on_line[name], "from (1, 0)"),
        ):
            frames.append(
                pd.DataFrame(
                    {
                        "step": run.steps,
                        "distance": np.maximum(run.distance, 1e-300),
                        "surface": name,
                        "start": f"{name}:{start}",
                        "label": label,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def distances(res: sp.SaddlePair) -> Figure:
    frame = distance_frame(res)
    chart = charts.distances(
        frame,
        near=sp.NEAR,
        chart_title="How long each run stays near the saddle",
        subtitle=f"{METHODS[res.settings.method]}, step size {res.settings.lr:g}; "
        "solid: from (1, y0), dashed: from (1, 0)",
    )
    return figure(chart, frame)


# ----- what sets the escape time -----------------------------------------------------------------------


def escape_frame(x, steps: dict[str, np.ndarray], closed) -> pd.DataFrame:
    """``x, steps, method`` for every method's medians (missing ones dropped) and the closed form."""
    rows = [dict(x=float(v), steps=float(c), method=kinds.CLOSED_FORM) for v, c in zip(x, closed, strict=True)]
    for m, values in steps.items():
        rows += [dict(x=float(v), steps=float(s), method=m) for v, s in zip(x, values, strict=True) if np.isfinite(s)]
    return pd.DataFrame(rows, columns=["x", "steps", "method"])


def by_k(res: sp.DownhillDirections) -> Figure:
    frame = escape_frame(res.k, res.steps_by_k, res.closed_by_k)
    chart = charts.escape_steps(
        frame,
        x_title="downhill directions k (of 100, log)",
        chart_title="More ways down, hardly faster",
        subtitle=f"eigenvalues −1 (k of them) and +1, step size {res.settings.lr:g}",
    )
    return figure(chart, frame)


def by_curvature(res: sp.DownhillDirections) -> Figure:
    frame = escape_frame(res.curvature, res.steps_by_curvature, res.closed_by_curvature)
    chart = charts.escape_steps(
        frame,
        x_title="downhill curvature |λ_min| (log)",
        chart_title="A steeper way down, much faster",
        subtitle="one downhill direction, the other 99 at +1",
        log_y=True,
    )
    return figure(chart, frame)


def race_frame(res: sp.SaddleRace) -> pd.DataFrame:
    rows = []
    for i, y0 in enumerate(res.offsets):
        rows.append(dict(y0=y0, steps=float(res.saddle_steps[i]), surface="saddle", kind="measured"))
        rows.append(dict(y0=y0, steps=float(res.saddle_closed[i]), surface="saddle", kind="theory"))
        if res.monkey_steps[i] > 0:
            rows.append(dict(y0=y0, steps=float(res.monkey_steps[i]), surface="monkey-saddle", kind="measured"))
        rows.append(dict(y0=y0, steps=float(res.monkey_estimate[i]), surface="monkey-saddle", kind="theory"))
    return pd.DataFrame(rows, columns=["y0", "steps", "surface", "kind"])


def race(res: sp.SaddleRace) -> Figure:
    frame = race_frame(res)
    chart = charts.race(
        frame,
        chart_title="A flat saddle holds on far longer",
        subtitle=f"plain descent from (1, y0), step size {res.settings.lr:g}; dashed: theory",
    )
    return figure(chart, frame)


# ----- a real network --------------------------------------------------------------------------------


def stall_curves(res: sp.NetworkStall) -> Figure:
    frame = curves.run_frame(res.losses, res.grad_norms).assign(step=res.epochs)
    stalls = pd.DataFrame(columns=["start", "end", "steps", "kind"])
    events = None
    if res.stall is not None:
        a, b = res.stall_epochs
        stalls = pd.DataFrame([dict(start=a, end=b, steps=b - a, kind=res.stall.kind)])
        label = f"index {res.index} of {res.n_params} at epoch {res.at_epoch}"
        marks = [dict(step=res.at_epoch, label=label)]
        if res.escape_epoch >= 0:
            marks.append(dict(step=res.escape_epoch, label="halfway down"))
        events = pd.DataFrame(marks)
    charts_ = curves.run_curves(
        frame,
        chart_title="A network that stalls on a saddle, then escapes",
        subtitle=f"full-batch descent in scikit-learn, one step per epoch; start scaled by {res.settings.init_scale:g}",
        stalls=stalls,
        events=events,
    )
    return figure(list(charts_), frame.rename(columns={"step": "epoch"}))


def census_frame(res: sp.Census) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "loss": res.loss,
            "index_fraction": res.index_fraction,
            "index": res.index,
            "shape": np.where(res.index > 0, kinds.SADDLE, kinds.MINIMUM),
            "seed": res.seed,
            "grad_norm": res.grad_norm,
            "start": [kinds.CRITICAL_START_NAMES[s] for s in res.start],
        }
    )


def census(res: sp.Census) -> Figure:
    frame = census_frame(res)
    chart = charts.index_scatter(
        frame,
        chart_title="The higher the critical point, the more ways down",
        subtitle=f"{len(frame)} critical points of {len(res.settings.seeds)} small networks "
        f"({res.n_params} weights each)",
    )
    return figure(chart, frame)
