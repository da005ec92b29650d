"""The descent section's charts: results in, figures (spec and exportable data) out."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from explainer.charts import Figure, curves, figure, maps, player
from explainer.charts.lazy import alt
from explainer.core import kinds
from explainer.core.analyses.descent import SWEEP_POINTS, NetworkLesson, Race, SurfaceRun
from explainer.core.contours import contour_segments, quantile_levels
from explainer.core.experiments import SaddleEscape
from explainer.core.optimize import METHODS
from explainer.core.surfaces import SURFACES

#: How the chosen step size's curve stands out from the others.
YOURS_WIDTH, OTHERS_WIDTH = 4.0, 1.6
YOURS_OPACITY, OTHERS_OPACITY = 1.0, 0.4


def rate_label(rate: float, chosen: float) -> str:
    return f"{rate:g} (yours)" if rate == chosen else f"{rate:g}"


def lesson(res: NetworkLesson) -> Figure:
    """Loss per epoch for the four step sizes; the reader's (``settings.lr``) bold, the others faded."""
    chosen = res.settings.lr
    frame = pd.concat(
        [
            pd.DataFrame({"epoch": np.arange(len(c)), "loss": c, "lr": rate_label(rate, chosen)})
            for rate, c in zip(res.step_sizes, res.curves, strict=True)
        ],
        ignore_index=True,
    )
    yours = f"datum.lr == {json.dumps(rate_label(chosen, chosen))}"
    chart = curves.training_curves(
        frame,
        chart_title="One network, four step sizes",
        subtitle=f"8 tanh units, 200 'moons' points, full batch · bold: yours ({chosen:g})",
    ).encode(
        strokeWidth=alt.condition(yours, alt.value(YOURS_WIDTH), alt.value(OTHERS_WIDTH)),
        opacity=alt.condition(yours, alt.value(YOURS_OPACITY), alt.value(OTHERS_OPACITY)),
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
    """The reader's run on its map, steppable in the browser (``explainer.charts.player``), and
    clickable: a click on the heat map picks a cell, whose centre becomes the start
    (:data:`DROP` names the selection)."""
    surface = SURFACES[res.settings.surface]
    run = res.run
    frame = player.frames({0: (run.positions, run.losses)})
    heat, contours, critical = backdrop(res.settings.surface)
    s = res.settings
    marks = maps.path_layers(frame, surface.bounds)[2:]  # the start ring and the end diamond
    chart = maps.compose(
        [heat.add_params(drop_selection()), contours, *marks],
        bounds=surface.bounds,
        chart_title=f"Gradient descent on the {surface.title}",
        subtitle=f"ring: your start ({s.x0:.2f}, {s.y0:.2f}) · step size {s.lr:g} · click to move it",
    )
    return figure(player.stepped(chart, frame, surface.bounds, on_top=(critical,)), frame)


#: Name of the map's click selection (a heat-map cell), read by the page.
DROP = "drop"


def drop_selection() -> alt.Parameter:
    """A click on the heat map selects one cell (its corners ``x, x2, y, y2``)."""
    return alt.selection_point(name=DROP, on="click", fields=["x", "x2", "y", "y2"], clear=False, empty=False)


def dropped_start(selection: dict | None) -> tuple[float, float] | None:
    """The start a click on the map asks for: the centre of the clicked cell, to two decimals as
    the start sliders hold it (``None`` if nothing was clicked)."""
    rows = (selection or {}).get(DROP) or []
    if not rows:
        return None
    row = rows[0]
    try:
        return round((row["x"] + row["x2"]) / 2, 2), round((row["y"] + row["y2"]) / 2, 2)
    except (KeyError, TypeError):
        return None


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
    elif res.oscillation is not None:
        events = pd.DataFrame([dict(step=res.oscillation.start, label="oscillating from here")])
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


def race_map(res: Race) -> Figure:
    """The six optimisers' paths from the reader's start, one colour and marker each, steppable."""
    s = res.settings
    surface = SURFACES[s.surface]
    frame = player.frames({m: (res.runs[m].positions, res.runs[m].losses) for m in res.methods})
    heat, contours, critical = backdrop(s.surface)
    chart = maps.compose(
        [heat, contours],
        bounds=surface.bounds,
        chart_title="Six optimisers, one start",
        subtitle=f"from ({s.x0:.2f}, {s.y0:.2f}) at step size {s.lr:g}",
    )
    chart = player.stepped(
        chart,
        frame,
        surface.bounds,
        colors=player.RACE_COLORS,
        shapes=player.RACE_SHAPES,
        run_names=METHODS,
        width=2.0,
        on_top=(critical,),
    )
    return figure(chart, frame)


def _short(name: str) -> str:
    """An optimiser's name without "gradient descent" where the word is implied (a narrow table)."""
    return name.replace(" gradient descent", "").replace("gradient descent", "plain")


STOPPED = {"converged": "stopped", "max-steps": "used every step", "diverged": "diverged"}


def _coordinate(v: float) -> str:
    """A coordinate to three decimals, with no "-0.000" for a tiny negative number."""
    text = f"{v:.3f}"
    return "0.000" if text == "-0.000" else text


def race_table(res: Race) -> pd.DataFrame:
    """Where each optimiser ended: ``optimiser, ended, point, x, y, loss, steps, stop`` (``point`` is
    ``(x, y)`` as text, for a narrow table)."""
    rows = []
    for m in res.methods:
        run = res.runs[m]
        rows.append(
            dict(
                optimiser=_short(METHODS[m]),
                ended=kinds.END_NAMES[res.end_kind[m]],
                point=f"({_coordinate(run.end[0])}, {_coordinate(run.end[1])})",
                x=float(run.end[0]),
                y=float(run.end[1]),
                loss=float(run.losses[-1]),
                steps=run.steps,
                stop=STOPPED[run.stop_reason],
            )
        )
    return pd.DataFrame(rows, columns=["optimiser", "ended", "point", "x", "y", "loss", "steps", "stop"])
