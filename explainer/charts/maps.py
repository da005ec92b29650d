"""Maps of a two-weight loss surface: heat, contour lines, critical points, descent paths, basins.

Every function takes plain arrays or data frames and returns an Altair chart; nothing here
draws on the page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from explainer.charts.lazy import alt
from explainer.charts.theme import (
    CONTOUR_COLOR,
    CRITICAL_MARKERS,
    CRITICAL_SHAPES,
    END_COLORS,
    LOSS_SCHEME,
    MARKER_HALO,
    MARKER_RIM,
    PATH_COLOR,
    color_scale,
    names,
    seamless,
    tint,
    title,
)
from explainer.core import kinds

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
    """Position channels of a map: its bounds, no nice rounding, and no grid over the heat."""
    (x0, x1), (y0, y1) = bounds
    x = alt.X(
        "x:Q", title=titles[0], scale=alt.Scale(domain=[x0, x1], nice=False, zero=False), axis=alt.Axis(grid=False)
    )
    y = alt.Y(
        "y:Q", title=titles[1], scale=alt.Scale(domain=[y0, y1], nice=False, zero=False), axis=alt.Axis(grid=False)
    )
    return x, y


def _cells(bounds, titles=WEIGHT_AXES) -> dict:
    """Encodings of rectangles given by their corners ``x, y`` and ``x2, y2``."""
    x, y = _axes(bounds, titles)
    return dict(x=x, x2=alt.X2("x2"), y=y, y2=alt.Y2("y2"))


def heat_layer(heat: pd.DataFrame, bounds, *, log_color: bool = False, titles=WEIGHT_AXES) -> alt.Chart:
    """Loss as colour, viridis, on a symmetric-log scale when the values span decades. The colour
    bar sits above the map with its numbers, long enough to read, and no grid crosses the map."""
    scale = alt.Scale(scheme=LOSS_SCHEME, type="symlog" if log_color else "linear")
    return (
        seamless(alt.Chart(heat))
        .mark_rect(opacity=1, clip=True)
        .encode(
            **_cells(bounds, titles),
            # Above the map, not beside it: a fixed-size map plus a side legend overflows a narrow column
            # (the critical points' legend sits below).
            color=alt.Color("loss:Q", title="loss", scale=scale, legend=gradient_legend()),
            tooltip=[alt.Tooltip("loss:Q", format=".4g")],
        )
    )


def gradient_legend(orient: str = "top", length: int = 200) -> alt.Legend:
    """A horizontal colour bar with its title to the left, ``length`` pixels long (room for its
    numbers), ``orient`` "top" or "bottom" of the map."""
    return alt.Legend(
        orient=orient, direction="horizontal", gradientLength=length, titleOrient="left", labelOverlap="greedy",
        gradientThickness=10, titleLimit=120,
    )  # fmt: skip


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


def critical_layers(points: pd.DataFrame, bounds, *, titles=WEIGHT_AXES) -> list[alt.Chart]:
    """Critical points, shaped and coloured by kind from one table (:data:`CRITICAL_MARKERS`:
    circles are global minima, diamonds local ones, crosses saddles, triangles maxima, squares
    plateaus), each on a white halo so that it reads on any colour of the map, with a dark rim
    that carries the light fills on a white page (the legend's symbols get fill and rim too)."""
    x, y = _axes(bounds, titles)
    present = [k for k in CRITICAL_MARKERS if k in set(points["kind"])]
    legend = alt.Legend(
        title="critical point", orient="bottom", direction="horizontal", columns=3, labelExpr=names(KIND_NAMES),
        symbolStrokeWidth=1.2, symbolStrokeColor=MARKER_RIM, symbolSize=120,
    )  # fmt: skip
    shapes = alt.Scale(domain=present, range=[CRITICAL_MARKERS[k][0] for k in present])
    shape = alt.Shape("kind:N", title="critical point", scale=shapes, legend=legend)
    base = alt.Chart(points).encode(x=x, y=y)
    # A round halo with no shape channel: a second shape scale on "kind" would fight the legend.
    halo = base.mark_point(shape="circle", size=330, filled=True, color=MARKER_HALO, opacity=0.8, clip=True)
    marks = base.mark_point(size=140, filled=True, stroke=MARKER_RIM, strokeWidth=1.2, opacity=1, clip=True).encode(
        shape=shape,
        # Through a colour scale on the same field as the shape, so that one legend shows both.
        color=alt.Color(
            "kind:N",
            title="critical point",
            scale=alt.Scale(domain=present, range=[CRITICAL_MARKERS[k][1] for k in present]),
            legend=legend,
        ),
        tooltip=[
            alt.Tooltip("name:N", title="kind"),
            alt.Tooltip("x:Q", format=".4f"),
            alt.Tooltip("y:Q", format=".4f"),
            alt.Tooltip("loss:Q", format=".4f"),
        ],
    )
    return [halo, marks]


def critical_layer(points: pd.DataFrame, bounds) -> alt.LayerChart:
    """:func:`critical_layers` as one layer chart (halo and markers)."""
    return alt.layer(*critical_layers(points, bounds))


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


#: Basin colours: each end's colour (:data:`END_COLORS`) as an opaque pastel, so that contour
#: lines and markers stand out on it in both themes.
BASIN_COLORS = {k: tint(c, 0.35) for k, c in END_COLORS.items()}


def basin_layer(cells: pd.DataFrame, bounds) -> alt.Chart:
    """Each start's cell coloured by where its run ended (``x, x2, y, y2, end, steps``; ``end``
    holds ids of ``explainer.core.kinds.END_KINDS``)."""
    return (
        seamless(alt.Chart(cells))
        .transform_calculate(place=names(kinds.END_NAMES, "datum.end"))
        .mark_rect(opacity=1, clip=True)
        .encode(
            **_cells(bounds),
            color=alt.Color(
                "end:N",
                title="run ended at",
                scale=color_scale(BASIN_COLORS, cells["end"]),
                legend=alt.Legend(orient="bottom", direction="horizontal", columns=2, labelExpr=names(kinds.END_NAMES)),
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


def compose(layers, *, bounds, chart_title: str, subtitle: str | None = None, longest: int = 320) -> alt.LayerChart:
    """Stack map layers under one title, at a fixed size that keeps the map's aspect ratio
    (a map must not be stretched); colour and shape legends stay independent, above and below
    the map, so that map and legends fit a half-width column of an 820-pixel page."""
    width, height = map_size(bounds, longest)
    chart = alt.layer(*layers).resolve_scale(color="independent", shape="independent")
    return chart.properties(
        title=title(chart_title, subtitle), width=width, height=height, autosize=alt.AutoSizeParams(type="pad")
    )
