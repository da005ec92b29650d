"""Charts of a real network's loss landscape: the data and decision boundary, 1-D cuts, the
slopes of every weight's cut, and the loss along the training path's plane and the straight line
from the start to the solution.

Frames carry ids, never display strings: the moment a cut is drawn at is
:data:`explainer.core.kinds.EARLY` or :data:`~explainer.core.kinds.END` (the charts that show
moments take ``moments``, a ``{moment id: name}`` table such as ``{"early": "epoch 1", ...}``),
which way a cut goes is an id of :data:`explainer.core.kinds.CUT_COURSES`, and a training point's
class is 0 or 1. Legends, headers and tooltips turn ids into names with
:func:`explainer.charts.theme.names`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from explainer.charts import maps, player
from explainer.charts.lazy import alt
from explainer.charts.theme import (
    NEUTRAL,
    OKABE_ITO,
    color_scale,
    fit_width,
    ink,
    names,
    probability_scale,
    seamless,
    title,
    top_legend,
)
from explainer.core import kinds
from explainer.core.prose import power_of_ten

#: The two moments every cut is drawn at.
WHEN_COLORS = {kinds.EARLY: OKABE_ITO["orange"], kinds.END: OKABE_ITO["blue"]}
#: Which way a cut goes from the point it passes through.
COURSE_COLORS = {kinds.DOWNHILL: OKABE_ITO["vermillion"], kinds.NO_WAY_DOWN: OKABE_ITO["sky"], kinds.FLAT_CUT: NEUTRAL}
#: A training point's class (0 or 1).
CLASS_NAMES = {0: "class 0", 1: "class 1"}
CLASS_COLORS = {0: OKABE_ITO["blue"], 1: OKABE_ITO["orange"]}
CLASS_SHAPES = {0: "circle", 1: "triangle-up"}


def decision_map(
    cells: pd.DataFrame,
    points: pd.DataFrame,
    boundary: pd.DataFrame,
    *,
    chart_title: str,
    subtitle: str,
    size: int = 270,
) -> alt.LayerChart:
    """The network's probability of class 1 over the plane (``x, x2, y, y2, p``), the boundary
    where it is one half (segments ``x, y, x2, y2``) and the training points (``x, y, label``,
    the label 0 or 1)."""
    lo_x, hi_x = float(cells["x"].min()), float(cells["x2"].max())
    lo_y, hi_y = float(cells["y"].min()), float(cells["y2"].max())
    grid = alt.Axis(grid=False)  # no mesh over the map
    x = alt.X("x:Q", title="feature 1", scale=alt.Scale(domain=[lo_x, hi_x], nice=False, zero=False), axis=grid)
    y = alt.Y("y:Q", title="feature 2", scale=alt.Scale(domain=[lo_y, hi_y], nice=False, zero=False), axis=grid)
    heat = (
        seamless(alt.Chart(cells))
        .mark_rect(opacity=1, clip=True)
        .encode(
            x=x,
            x2=alt.X2("x2"),
            y=y,
            y2=alt.Y2("y2"),
            fill=alt.Fill(
                "p:Q", title="P(class 1)", scale=probability_scale(), legend=maps.gradient_legend("bottom", 150)
            ),
            tooltip=[alt.Tooltip("p:Q", title="P(class 1)", format=".2f")],
        )
    )
    edge = alt.Chart(boundary).encode(x=x, y=y, x2=alt.X2("x2"), y2=alt.Y2("y2"))
    halo = edge.mark_rule(color="white", strokeWidth=4, opacity=0.7, clip=True)
    edge = edge.mark_rule(color="black", strokeWidth=1.8, clip=True)
    legend = alt.Legend(
        orient="bottom",
        direction="horizontal",
        symbolSize=110,
        symbolStrokeWidth=0.4,
        symbolOpacity=1,
        labelExpr=names(CLASS_NAMES),
    )
    dots = (
        alt.Chart(points)
        .transform_calculate(data=names(CLASS_NAMES, "datum.label"))
        .mark_point(size=30, filled=True, opacity=0.95, stroke="black", strokeWidth=0.5)
        .encode(
            x=x,
            y=y,
            color=alt.Color("label:N", title="data", scale=color_scale(CLASS_COLORS), legend=legend),
            shape=alt.Shape(
                "label:N", title="data", scale=alt.Scale(domain=list(CLASS_SHAPES), range=list(CLASS_SHAPES.values()))
            ),
            tooltip=[alt.Tooltip("data:N"), alt.Tooltip("x:Q", format=".2f"), alt.Tooltip("y:Q", format=".2f")],
        )
    )
    ratio = (hi_y - lo_y) / (hi_x - lo_x)
    width, height = (size, round(size * ratio)) if ratio <= 1 else (round(size / ratio), size)
    return alt.layer(heat, halo, edge, dots).properties(
        title=title(chart_title, subtitle), width=width, height=height, autosize=alt.AutoSizeParams(type="pad")
    )


def training_loss(frame: pd.DataFrame, early: int, *, chart_title: str, subtitle: str) -> alt.LayerChart:
    """Full-batch training loss at every snapshot (``epoch, loss``), with the early snapshot marked."""
    x = alt.X("epoch:Q", title="epoch")
    y = alt.Y("loss:Q", title="training loss (log scale)", scale=alt.Scale(type="log"))
    line = (
        alt.Chart(frame)
        .mark_line(style=ink("blue"), strokeWidth=2.2, point=True)
        .encode(x=x, y=y, tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("loss:Q", format=".4f")])
    )
    marks = pd.DataFrame({"epoch": [early], "what": ["early snapshot"]})
    rule = (
        alt.Chart(marks)
        .mark_rule(color=WHEN_COLORS[kinds.EARLY], strokeWidth=2, strokeDash=[5, 3])
        .encode(x=alt.X("epoch:Q"), tooltip=[alt.Tooltip("what:N"), alt.Tooltip("epoch:Q")])
    )
    return fit_width(alt.layer(rule, line), 220, title=title(chart_title, subtitle))


def _zero_rule(frame: pd.DataFrame, panel: str, axis: str) -> alt.Chart:
    """A dashed line at 0 on ``axis`` ("x" or "y"), once per facet panel (not once per data row)."""
    return (
        alt.Chart(frame)
        .transform_aggregate(n="count()", groupby=[panel])
        .mark_rule(color=NEUTRAL, strokeDash=[2, 2])
        .encode(**{axis: alt.datum(0)})
    )


def _legend(mapping: Mapping) -> alt.Legend:
    """A one-line legend above the plot whose labels are the names of the ids in ``mapping``."""
    legend = top_legend()
    legend.labelExpr = names(dict(mapping))
    return legend


def cut_panels(
    frame: pd.DataFrame,
    *,
    moments: Mapping[str, str],
    chart_title: str,
    subtitle: str,
    x_title: str,
    columns: int = 4,
    panel: int = 132,
) -> alt.FacetChart:
    """Small multiples of 1-D cuts: ``panel`` (a title, one per cut, in ``order``), ``alpha`` (how
    far along the cut), ``change`` (loss minus the loss at the point itself) and ``when`` (a
    moment id, named by ``moments``). Each panel has its own vertical scale, the change in loss
    (named in the subtitle, not on every panel, so that four panels fit a narrow embed)."""
    several = frame["when"].nunique() > 1
    base = (
        alt.Chart(frame)
        .transform_calculate(moment=names(dict(moments), "datum.when"))
        .encode(
            x=alt.X("alpha:Q", title=x_title),
            y=alt.Y("change:Q", title=None),
            color=alt.Color(
                "when:N",
                title="weights at",
                scale=color_scale(WHEN_COLORS, frame["when"]),
                legend=_legend(moments) if several else None,
            ),
            tooltip=[
                alt.Tooltip("moment:N", title="weights at"),
                alt.Tooltip("alpha:Q", format=".3f", title="step"),
                alt.Tooltip("change:Q", format=".3g", title="loss change"),
            ],
        )
    )
    zero = _zero_rule(frame, "panel", "x")
    lines = base.mark_line(strokeWidth=2)
    return (
        alt.layer(zero, lines)
        .properties(width=panel, height=round(panel * 0.72))
        .facet(
            facet=alt.Facet(
                "panel:N",
                title=None,
                sort=alt.SortField("order"),
                # "|" in a panel's name breaks its label into lines, so that four panels fit a narrow embed.
                header=alt.Header(labelFontSize=10, labelExpr="split(datum.label, '|')"),
            ),
            columns=columns,
        )
        .resolve_scale(y="independent")
        .properties(title=title(chart_title, subtitle))
    )


def cut_tally(frame: pd.DataFrame, *, moments: Mapping[str, str], chart_title: str, subtitle: str) -> alt.Chart:
    """How many cuts go downhill, have no way down, or are perfectly flat, at each moment:
    one stacked bar per moment (``moment, order, course, cuts``: a moment id named by
    ``moments``, a course id); the counts are in the tooltips."""
    base = alt.Chart(frame).transform_calculate(
        rank=f"indexof({json.dumps(list(kinds.CUT_COURSES))}, datum.course)",
        when=names(dict(moments), "datum.moment"),
        cut=names(kinds.CUT_NAMES, "datum.course"),
    )
    y = alt.Y("moment:N", title=None, sort=alt.SortField("order"), axis=alt.Axis(labelExpr=names(dict(moments))))
    bars = base.mark_bar(height=26).encode(
        x=alt.X("cuts:Q", title="one-weight cuts", stack="zero"),
        y=y,
        color=alt.Color(
            "course:N",
            title=None,
            scale=color_scale(COURSE_COLORS, frame["course"]),
            legend=_legend(kinds.CUT_NAMES),
        ),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("when:N", title="weights at"), alt.Tooltip("cut:N"), alt.Tooltip("cuts:Q", format=",")],
    )
    return fit_width(bars, 90, title=title(chart_title, subtitle))


def _decades(values) -> tuple[list[float], str]:
    """Tick values at the powers of ten that span ``values`` (all positive), and a ``labelExpr``
    that writes each as the page's prose does ("10⁻⁷", never "1e-7" beside "0.000001")."""
    lo, hi = float(np.min(values)), float(np.max(values))
    exponents = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    labels = {str(k): "1" if k == 0 else "10" if k == 1 else power_of_ten(k) for k in exponents}
    return [10.0**k for k in exponents], f"({json.dumps(labels)})[round(log(datum.value) / LN10)]"


def slope_spread(frame: pd.DataFrame, *, moments: Mapping[str, str], chart_title: str, subtitle: str) -> alt.Chart:
    """The share of weights whose cut is flatter than each slope (``slope``, ``slope_text`` as the
    tooltip spells it, ``share`` from 0 to 1, ``when``: a moment id named by ``moments``): one
    cumulative curve per moment, on a log axis ticked at powers of ten. The share axis keeps a few
    pixels beyond 0% and 100%, so that a curve lying along either edge stays inside the plot."""
    ticks, label = _decades(frame["slope"])
    return fit_width(
        alt.Chart(frame)
        .transform_calculate(moment=names(dict(moments), "datum.when"))
        .mark_line(strokeWidth=2.4, interpolate="step-after")
        .encode(
            x=alt.X(
                "slope:Q",
                title="|slope| of the cut at the current weights (log scale)",
                scale=alt.Scale(type="log", domain=[ticks[0], ticks[-1]], nice=False),
                axis=alt.Axis(values=ticks, labelExpr=label),
            ),
            y=alt.Y(
                "share:Q",
                title="share of all weights",
                scale=alt.Scale(domain=[0, 1], nice=False, padding=6),
                axis=alt.Axis(format="%", values=[0, 0.2, 0.4, 0.6, 0.8, 1]),
            ),
            color=alt.Color(
                "when:N",
                title="weights at",
                scale=color_scale(WHEN_COLORS, frame["when"]),
                legend=_legend(moments),
            ),
            tooltip=[
                alt.Tooltip("moment:N", title="weights at"),
                alt.Tooltip("slope_text:N", title="slope below"),
                alt.Tooltip("share:Q", format=".1%", title="share of weights"),
            ],
        ),
        230,
        title=title(chart_title, subtitle),
    )


def fan(
    frame: pd.DataFrame, *, moments: Mapping[str, str], chart_title: str, subtitle: str, panel: int = 260
) -> alt.FacetChart:
    """Cuts along random filter-normalised directions (``moment, order, direction, alpha, change,
    course``: a moment id named by ``moments``, a course id), one panel per moment, coloured by
    which way the cut goes."""
    chart = (
        alt.Chart(frame)
        .transform_calculate(cut=names(kinds.CUT_NAMES, "datum.course"))
        .mark_line(strokeWidth=1.6, opacity=0.85)
        .encode(
            x=alt.X("alpha:Q", title="step along the direction (1 = each neuron's own size)"),
            y=alt.Y("change:Q", title="loss change"),
            detail=alt.Detail("direction:N"),
            color=alt.Color(
                "course:N",
                title=None,
                scale=color_scale(COURSE_COLORS, frame["course"]),
                legend=_legend(kinds.CUT_NAMES),
            ),
            tooltip=[
                alt.Tooltip("direction:N"),
                alt.Tooltip("cut:N"),
                alt.Tooltip("alpha:Q", format=".2f", title="step"),
                alt.Tooltip("change:Q", format=".3g", title="loss change"),
            ],
        )
    )
    zero = _zero_rule(frame, "moment", "y")
    return (
        alt.layer(zero, chart)
        .properties(width=panel, height=round(panel * 0.7))
        .facet(
            column=alt.Column(
                "moment:N",
                title=None,
                sort=alt.SortField("order"),
                header=alt.Header(labelFontSize=12, labelExpr=names(dict(moments))),
            )
        )
        .resolve_scale(y="independent")
        .properties(title=title(chart_title, subtitle))
    )


def straight_line(frame: pd.DataFrame, *, chart_title: str, subtitle: str) -> alt.LayerChart:
    """Loss along the straight line from the initial weights (t = 0) to the trained ones (t = 1):
    ``t, loss``."""
    line = (
        alt.Chart(frame)
        .mark_line(style=ink("blue"), strokeWidth=2.4)
        .encode(
            x=alt.X("t:Q", title="t  (0 = initial weights, 1 = trained weights)"),
            y=alt.Y("loss:Q", title="training loss"),
            tooltip=[alt.Tooltip("t:Q", format=".2f"), alt.Tooltip("loss:Q", format=".4f")],
        )
    )
    ends = pd.DataFrame({"t": [0.0, 1.0], "where": ["initial weights", "trained weights"]})
    rules = (
        alt.Chart(ends)
        .mark_rule(color=NEUTRAL, strokeDash=[4, 3])
        .encode(x=alt.X("t:Q"), tooltip=[alt.Tooltip("where:N")])
    )
    return fit_width(alt.layer(rules, line), 220, title=title(chart_title, subtitle))


def path_plane_map(
    heat: pd.DataFrame, segments, path: pd.DataFrame, bounds, *, log_color: bool, chart_title: str, subtitle: str
) -> alt.LayerChart:
    """The loss over the plane of the training path (``heat`` from ``maps.heat_frame``, contour
    ``segments``) with the path on it (``run, step, x, y, loss, off_plane``: one row per epoch,
    whose dots tell the network's own loss and how far it is off the plane). The colour legend
    sits below the map, so that map and legend fit half of an 820-pixel embed."""
    titles = ("direction 1 (weight units)", "direction 2 (weight units)")
    dots = [
        alt.Tooltip("step:Q", title="epoch"),
        alt.Tooltip("loss:Q", title="loss of the network itself", format=".4f"),
        alt.Tooltip("off_plane:Q", title="distance off this plane", format=".3f"),
    ]
    loss = maps.heat_layer(heat, bounds, log_color=log_color, titles=titles)
    loss.encoding.color.legend = maps.gradient_legend("bottom", 180)
    chart = maps.compose(
        [
            loss,
            maps.contour_layer(segments, bounds, opacity=0.8, titles=titles, color="white"),
            *maps.path_layers(path, bounds, width=1.2, titles=titles, step="epoch", point_tooltips=dots),
        ],
        bounds=bounds,
        longest=300,
        chart_title=chart_title,
        subtitle=subtitle,
    )
    # The epochs stepped through in the browser, over the whole path's ring, diamond and dots.
    frame = player.sampled({0: (path["step"], path[["x", "y"]].to_numpy(), path["loss"])})
    return player.stepped(chart, frame, bounds, width=2.2, titles=titles, unit="epoch")
