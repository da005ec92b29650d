"""Maps of a two-weight loss surface: heat, contour lines, critical points, descent paths, basins.

Every function takes plain arrays or data frames and returns an Altair chart; nothing here
draws on the page.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from explainer.charts.theme import (
    CONTOUR_COLOR,
    CRITICAL_SHAPES,
    END_COLORS,
    LOSS_SCHEME,
    PATH_COLOR,
    color_scale,
    names,
    title,
)
from explainer.core import kinds

MARKER_FILL = "#f0f0f0"
MARKER_RIM = "#505050"

#: Names of the kinds of listed critical point (the same ids as the ends they are).
KIND_NAMES = {k: kinds.END_NAMES[k] for k in CRITICAL_SHAPES}


def _edges(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mid = (v[:-1] + v[1:]) / 2
    lo = np.concatenate([[v[0] - (mid[0] - v[0])], mid])
    hi = np.concatenate([mid, [v[-1] + (v[-1] - mid[-1])]])
    return lo, hi


def heat_frame(xs, ys, z) -> pd.DataFrame:
    """One rectangle per grid value: columns ``x, x2, y, y2, loss``."""
    xs, ys, z = np.asarray(xs), np.asarray(ys), np.asarray(z)
    xl, xh = _edges(xs)
    yl, yh = _edges(ys)
    jj, ii = np.meshgrid(np.arange(len(ys)), np.arange(len(xs)), indexing="ij")
    return pd.DataFrame(
        {
            "x": xl[ii].ravel(),
            "x2": xh[ii].ravel(),
            "y": yl[jj].ravel(),
            "y2": yh[jj].ravel(),
            "loss": z.ravel(),
        }
    )


#: Axis titles of a map of two weights; maps of other planes pass their own.
WEIGHT_AXES = ("weight x", "weight y")


def _axes(bounds, titles=WEIGHT_AXES):
    (x0, x1), (y0, y1) = bounds
    x = alt.X("x:Q", title=titles[0], scale=alt.Scale(domain=[x0, x1], nice=False, zero=False))
    y = alt.Y("y:Q", title=titles[1], scale=alt.Scale(domain=[y0, y1], nice=False, zero=False))
    return x, y


def _cells(bounds, titles=WEIGHT_AXES) -> dict:
    """Encodings of rectangles given by their corners ``x, y`` and ``x2, y2``."""
    x, y = _axes(bounds, titles)
    return dict(x=x, x2=alt.X2("x2"), y=y, y2=alt.Y2("y2"))


def heat_layer(heat: pd.DataFrame, bounds, *, log_color: bool = False, titles=WEIGHT_AXES) -> alt.Chart:
    """Loss as colour, viridis, on a symmetric-log scale when the values span decades."""
    scale = alt.Scale(scheme=LOSS_SCHEME, type="symlog" if log_color else "linear")
    return (
        alt.Chart(heat)
        .mark_rect(opacity=0.9)
        .encode(
            **_cells(bounds, titles),
            # Above the map, not beside it: a fixed-size map plus a side legend overflows a narrow column
            # (the critical points' legend sits below).
            color=alt.Color(
                "loss:Q",
                title="loss",
                scale=scale,
                legend=alt.Legend(orient="top", direction="horizontal", gradientLength=160, titleOrient="left"),
            ),
            tooltip=[alt.Tooltip("loss:Q", format=".4g")],
        )
    )


def contour_layer(
    segments: np.ndarray, bounds, *, opacity: float = 0.7, titles=WEIGHT_AXES, color: str = CONTOUR_COLOR
) -> alt.Chart:
    """Contour lines as rules from the rows ``(x1, y1, x2, y2, level)`` of ``contour_segments``."""
    frame = pd.DataFrame(segments, columns=["x", "y", "x2", "y2", "level"])
    return (
        alt.Chart(frame)
        .mark_rule(color=color, strokeWidth=0.8, opacity=opacity, clip=True)
        .encode(**_cells(bounds, titles))
    )


def critical_frame(surface) -> pd.DataFrame:
    """The surface's listed critical points: ``x, y, kind, name, loss``."""
    rows = [
        dict(x=p.xy[0], y=p.xy[1], kind=p.kind, name=KIND_NAMES[p.kind], loss=float(surface.value(p.xy)))
        for p in surface.critical_points
    ]
    return pd.DataFrame(rows, columns=["x", "y", "kind", "name", "loss"])


def critical_layer(points: pd.DataFrame, bounds) -> alt.Chart:
    """Critical points as light markers with a dark rim, shaped by kind (circles are global minima,
    diamonds local ones, crosses saddles, triangles maxima, squares plateaus)."""
    x, y = _axes(bounds)
    present = [k for k in CRITICAL_SHAPES if k in set(points["kind"])]
    legend = alt.Legend(
        orient="bottom", direction="horizontal", columns=2, labelExpr=names(KIND_NAMES), symbolStrokeWidth=1.5,
        symbolStrokeColor=MARKER_RIM,
    )  # fmt: skip
    return (
        alt.Chart(points)
        # A light fill with a mid-grey rim reads on a light heat map and on the dark theme alike; never
        # black, which vanishes there. The fill comes through a colour scale on the same field as the
        # shape, so that the legend's symbols get it too (a constant fill would leave them blank).
        .mark_point(size=140, filled=True, stroke=MARKER_RIM, strokeWidth=1.5, opacity=1)
        .encode(
            x=x,
            y=y,
            shape=alt.Shape(
                "kind:N",
                title="critical point",
                scale=alt.Scale(domain=present, range=[CRITICAL_SHAPES[k] for k in present]),
                legend=legend,
            ),
            color=alt.Color(
                "kind:N",
                title="critical point",
                scale=alt.Scale(domain=present, range=[MARKER_FILL] * len(present)),
                legend=legend,
            ),
            tooltip=[
                alt.Tooltip("name:N", title="kind"),
                alt.Tooltip("x:Q", format=".4f"),
                alt.Tooltip("y:Q", format=".4f"),
                alt.Tooltip("loss:Q", format=".4f"),
            ],
        )
    )


def path_layers(
    paths: pd.DataFrame,
    bounds,
    *,
    color: str = PATH_COLOR,
    width: float = 2.5,
    titles=WEIGHT_AXES,
    step="step",
    point_tooltips: list | None = None,
) -> list[alt.Chart]:
    """Descent paths (``run, step, x, y``) with a dark halo, a ring at the start and a dot at the end.

    ``step`` names what the step column counts in tooltips (for example "epoch"). With
    ``point_tooltips`` (Altair tooltips), every row is also drawn as a small dot that shows them."""
    x, y = _axes(bounds, titles)
    line = alt.Chart(paths).encode(x=x, y=y, order=alt.Order("step:Q"), detail=alt.Detail("run:N"))
    halo = line.mark_line(color="black", strokeWidth=width + 2, opacity=0.45, clip=True)
    path = line.mark_line(color=color, strokeWidth=width, clip=True)
    firsts = paths.loc[paths.groupby("run")["step"].idxmin()]
    lasts = paths.loc[paths.groupby("run")["step"].idxmax()]
    start = (
        alt.Chart(firsts)
        .mark_point(shape="circle", size=90, color=color, strokeWidth=2.5, clip=True)
        .encode(x=x, y=y, tooltip=[alt.Tooltip("x:Q", format=".3f"), alt.Tooltip("y:Q", format=".3f")])
    )
    end = (
        alt.Chart(lasts)
        .mark_point(shape="diamond", size=110, filled=True, color=color, stroke="black", clip=True)
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("step:Q", title=f"last {step}"),
                alt.Tooltip("x:Q", format=".4f"),
                alt.Tooltip("y:Q", format=".4f"),
            ],
        )
    )
    layers = [halo, path, start, end]
    if point_tooltips:
        dots = alt.Chart(paths).mark_point(size=18, filled=True, color=color, opacity=0.9, clip=True)
        layers.append(dots.encode(x=x, y=y, tooltip=point_tooltips))
    return layers


def basin_layer(cells: pd.DataFrame, bounds) -> alt.Chart:
    """Each start's cell coloured by where its run ended (``x, x2, y, y2, end, steps``; ``end``
    holds ids of ``explainer.core.kinds.END_KINDS``)."""
    return (
        alt.Chart(cells)
        .transform_calculate(place=names(kinds.END_NAMES, "datum.end"))
        .mark_rect(opacity=0.62)
        .encode(
            **_cells(bounds),
            color=alt.Color(
                "end:N",
                title="run ended at",
                scale=color_scale(END_COLORS, cells["end"]),
                legend=alt.Legend(orient="right", labelExpr=names(kinds.END_NAMES)),
            ),
            tooltip=[
                alt.Tooltip("place:N", title="ended at"),
                alt.Tooltip("x0:Q", title="start x", format=".2f"),
                alt.Tooltip("y0:Q", title="start y", format=".2f"),
                alt.Tooltip("steps:Q", title="steps taken"),
            ],
        )
    )


def map_size(bounds, longest: int = 380) -> tuple[int, int]:
    """Plot ``(width, height)`` in pixels that keeps a map's aspect ratio, longest side ``longest``."""
    (x0, x1), (y0, y1) = bounds
    ratio = (y1 - y0) / (x1 - x0)
    return (longest, round(longest * ratio)) if ratio <= 1 else (round(longest / ratio), longest)


def compose(layers, *, bounds, chart_title: str, subtitle: str | None = None, longest: int = 340) -> alt.LayerChart:
    """Stack map layers under one title, at a fixed size that keeps the map's aspect ratio
    (a map must not be stretched); colour and shape legends stay independent, on the right."""
    width, height = map_size(bounds, longest)
    chart = alt.layer(*layers).resolve_scale(color="independent", shape="independent")
    return chart.properties(
        title=title(chart_title, subtitle), width=width, height=height, autosize=alt.AutoSizeParams(type="pad")
    )
