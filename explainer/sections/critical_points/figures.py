"""The critical-points section's charts: its result in, figures (spec and exportable data) out."""

from __future__ import annotations

import pandas as pd

from explainer.charts import Figure, curves, figure, maps, player
from explainer.core import kinds
from explainer.core.analyses.critical_points import Basins
from explainer.core.contours import contour_segments, quantile_levels
from explainer.core.surfaces import SURFACES
from explainer.sections.critical_points import words

#: Points kept of the example run's curves.
CURVE_POINTS = 500
#: The map's longer side, in pixels: small enough that map and legend fit the left column of an
#: 820-pixel embed.
MAP_SIDE = 290


def cells(res: Basins) -> pd.DataFrame:
    """One square per start: corners ``x, x2, y, y2``, the start ``x0, y0``, its end kind id
    ``end`` and the ``steps`` it took."""
    dx, dy = res.cell
    x0, y0 = res.starts[:, 0], res.starts[:, 1]
    return pd.DataFrame(
        {
            "x": x0 - dx,
            "x2": x0 + dx,
            "y": y0 - dy,
            "y2": y0 + dy,
            "x0": x0,
            "y0": y0,
            "end": res.labels,
            "steps": res.steps,
        }
    )


def basin_map(res: Basins) -> Figure:
    surface = SURFACES[res.settings.surface]
    bounds = surface.bounds
    frame = cells(res)
    xs, ys, z = surface.grid(81)
    layers = [
        maps.basin_layer(frame, bounds),
        maps.contour_layer(contour_segments(xs, ys, z, quantile_levels(z, 14)), bounds, opacity=0.9),
    ]
    critical = maps.critical_layer(maps.critical_frame(surface), bounds)
    chart = maps.compose(
        layers, bounds=bounds, longest=MAP_SIDE, chart_title=words.map_title(res), subtitle=words.map_subtitle(res)
    )
    if res.paths:  # the example runs, stepped together in the browser (explainer.charts.player)
        runs = {p.run: (p.steps, p.xy, surface.value(p.xy)) for p in res.paths}
        chart = player.stepped(chart, player.sampled(runs), bounds, width=1.8, on_top=(critical,))
    else:
        chart.layer = [*chart.layer, critical]
    return figure(chart, frame)


def counts(res: Basins) -> pd.DataFrame:
    """Runs per end kind that some run ended with: ``end`` (id), ``runs``, ``share``."""
    rows = [dict(end=k, runs=v, share=v / res.n) for k, v in res.counts.items() if v]
    return pd.DataFrame(rows, columns=["end", "runs", "share"])


def end_counts(res: Basins) -> Figure:
    frame = counts(res)
    chart = curves.end_counts(
        frame, chart_title="Ends by kind", subtitle="read from the slope and the Hessian at each end"
    )
    return figure(chart, frame)


def end_table(res: Basins) -> pd.DataFrame:
    """The counts as a reader's table: where (a name), runs and median steps taken (the shares
    are on the bars beside it)."""
    frame = counts(res)
    median = res.median_steps
    return pd.DataFrame(
        {
            "ended": [kinds.END_AT[k] for k in frame["end"]],
            "runs": frame["runs"],
            "median_steps": [median[k] for k in frame["end"]],
        }
    )


def stall_frame(stalls) -> pd.DataFrame:
    return pd.DataFrame(
        [dict(start=s.start, end=s.end, steps=s.duration, kind=s.kind) for s in stalls],
        columns=["start", "end", "steps", "kind"],
    )


def example(res: Basins) -> Figure | None:
    """Loss and slope of the example run, its stalls shaded (``None`` if no run escaped a stall)."""
    ex = res.example
    if ex is None:
        return None
    every = max(1, (len(ex.losses) - 1) // CURVE_POINTS)
    frame = curves.run_frame(ex.losses, ex.grad_norms, every)
    charts = curves.run_curves(
        frame,
        chart_title=words.example_title(ex),
        subtitle=words.example_subtitle(ex),
        stalls=stall_frame(ex.stalls),
    )
    return figure(list(charts), frame)
