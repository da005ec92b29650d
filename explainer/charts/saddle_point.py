"""Charts of the saddle-point section: escape times, the probability of a minimum, a network's
critical points. Data frames in (their columns listed in each docstring), Altair charts out.

Frames carry ids (optimiser names of :data:`explainer.core.optimize.METHODS`, surface names,
series of :data:`explainer.core.kinds.PROBABILITY_SERIES`, shapes of :data:`explainer.core.kinds.SHAPES`);
the charts name them through ``names()``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from explainer.charts.lazy import alt
from explainer.charts.theme import NEUTRAL, OKABE_ITO, color_scale, fit_width, names, note, title, top_legend
from explainer.core import kinds
from explainer.core.optimize import METHODS
from explainer.core.prose import power_of_ten

#: Colours and markers of the optimisers, and of the closed form drawn beside them.
METHOD_COLORS = {
    "gd": OKABE_ITO["blue"],
    "noisy": OKABE_ITO["orange"],
    "perturbed": OKABE_ITO["green"],
    "momentum": OKABE_ITO["purple"],
    "nesterov": OKABE_ITO["sky"],
    "adam": OKABE_ITO["vermillion"],
    kinds.CLOSED_FORM: OKABE_ITO["grey"],
}
METHOD_SHAPES = {
    "gd": "circle",
    "noisy": "square",
    "perturbed": "triangle-up",
    "momentum": "diamond",
    "nesterov": "triangle-down",
    "adam": "cross",
    kinds.CLOSED_FORM: "stroke",
}
METHOD_NAMES = {**METHODS, kinds.CLOSED_FORM: "closed form (plain descent)"}
#: Shorter names for the escape-time legends, two of which share a row of the page.
SHORT_METHOD_NAMES = {"gd": "plain", "noisy": "noisy", "perturbed": "perturbed", kinds.CLOSED_FORM: "closed form"}

#: The two saddles.
SURFACE_COLORS = {"saddle": OKABE_ITO["blue"], "monkey-saddle": OKABE_ITO["vermillion"]}
SURFACE_SHAPES = {"saddle": "circle", "monkey-saddle": "triangle-up"}
SURFACE_NAMES = {"saddle": "x² − y² (strict saddle)", "monkey-saddle": "monkey saddle x³ − 3xy²"}

PROBABILITY_COLORS = {
    kinds.MONTE_CARLO: OKABE_ITO["vermillion"],
    kinds.INDEPENDENT: OKABE_ITO["sky"],
    kinds.RANDOM_MATRIX: OKABE_ITO["green"],
}
SHAPE_COLORS = {kinds.MINIMUM: OKABE_ITO["sky"], kinds.SADDLE: OKABE_ITO["vermillion"]}
SHAPE_MARKERS = {kinds.MINIMUM: "circle", kinds.SADDLE: "triangle-up"}
SHAPE_NAMES = {kinds.MINIMUM: "minimum (no way down)", kinds.SADDLE: "saddle"}


def powers_axis(values, **kw) -> alt.Axis:
    """A log axis ticked at the powers of ten spanning ``values`` (positive), labelled as the prose
    writes them ("0.01", "10⁻⁸"), never "1e-8" beside "0.000001"."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
    stride = 1 if hi - lo <= 12 else math.ceil((hi - lo) / 8)  # a label per decade, up to a dozen
    exponents = list(range(lo, hi + 1, stride))
    labels = {
        str(k): (f"{10.0**k:,.0f}" if k >= 0 else f"{10.0**k:g}" if k >= -3 else power_of_ten(k)) for k in exponents
    }
    expr = f"({json.dumps(labels)})[round(log(datum.value) / LN10)]"
    return alt.Axis(values=[10.0**k for k in exponents], labelExpr=expr, **kw)


def _shape_scale(mapping: dict[str, str], present) -> alt.Scale:
    keys = [k for k in mapping if k in set(present)]
    return alt.Scale(domain=keys, range=[mapping[k] for k in keys])


def _legend(mapping: dict[str, str], **kw) -> alt.Legend:
    return alt.Legend(labelExpr=names(mapping), orient="top", direction="horizontal", labelLimit=260, **kw)


def escape_steps(
    frame: pd.DataFrame,
    *,
    x_title: str,
    chart_title: str,
    subtitle: str | None = None,
    log_y: bool = False,
) -> alt.LayerChart:
    """Median escape steps against ``x`` (log axis), one line and marker per ``method`` (ids of
    :data:`METHOD_NAMES`; the closed form, ``kinds.CLOSED_FORM``, is a dashed grey line without
    markers). Columns: ``x, steps, method``."""
    present = [m for m in METHOD_COLORS if m in set(frame["method"])]
    legend = _legend({**METHOD_NAMES, **SHORT_METHOD_NAMES}, symbolStrokeWidth=2)
    color = alt.Color("method:N", title=None, scale=color_scale(METHOD_COLORS, present), legend=legend)
    x = alt.X("x:Q", title=x_title, scale=alt.Scale(type="log"))
    y = alt.Y(
        "steps:Q",
        title="median steps to escape" + (" (log)" if log_y else ""),
        scale=alt.Scale(type="log") if log_y else alt.Scale(zero=True),
    )
    tooltip = [
        alt.Tooltip("optimiser:N"),
        alt.Tooltip("x:Q", title=x_title, format=".3g"),
        alt.Tooltip("steps:Q", title="median steps", format=".4g"),
    ]
    base = alt.Chart(frame).transform_calculate(optimiser=names(METHOD_NAMES, "datum.method"))
    measured = base.transform_filter(alt.datum.method != kinds.CLOSED_FORM)
    lines = measured.mark_line(strokeWidth=1.6, opacity=0.8).encode(x=x, y=y, color=color, detail="method:N")
    points = measured.mark_point(filled=True, size=70).encode(
        x=x,
        y=y,
        color=color,
        shape=alt.Shape(
            "method:N",
            scale=_shape_scale(METHOD_SHAPES, [m for m in present if m != kinds.CLOSED_FORM]),
            legend=None,
        ),
        tooltip=tooltip,
    )
    closed = (
        base.transform_filter(alt.datum.method == kinds.CLOSED_FORM)
        .mark_line(strokeDash=[4, 3], strokeWidth=1.5)
        .encode(x=x, y=y, color=color, tooltip=tooltip)
    )
    return fit_width(alt.layer(lines, points, closed), 230, title=title(chart_title, subtitle))


def race(frame: pd.DataFrame, *, chart_title: str, subtitle: str | None = None) -> alt.LayerChart:
    """Steps to get away (``|y| > 1``) against the start's offset ``y0`` (log axes, smallest offset
    on the right), per ``surface`` (ids of :data:`SURFACE_NAMES`): measured points joined by lines
    (``kind == "measured"``) and the theory dashed (``kind == "theory"``). Columns:
    ``y0, steps, surface, kind``."""
    present = [s for s in SURFACE_COLORS if s in set(frame["surface"])]
    color = alt.Color(
        "surface:N", title=None, scale=color_scale(SURFACE_COLORS, present), legend=_legend(SURFACE_NAMES)
    )
    x = alt.X(
        "y0:Q",
        title="start's offset y0 from the stable line (log)",
        scale=alt.Scale(type="log", reverse=True),
        axis=powers_axis(frame["y0"]),
    )
    y = alt.Y(
        "steps:Q", title="steps until |y| > 1 (log)", scale=alt.Scale(type="log"), axis=powers_axis(frame["steps"])
    )
    base = alt.Chart(frame).transform_calculate(saddle=names(SURFACE_NAMES, "datum.surface"))
    tooltip = [alt.Tooltip("saddle:N"), alt.Tooltip("y0:Q", format=".0e"), alt.Tooltip("steps:Q", format=",.0f")]
    measured = base.transform_filter(alt.datum.kind == "measured")
    theory = (
        base.transform_filter(alt.datum.kind == "theory")
        .mark_line(strokeDash=[6, 4], strokeWidth=1.8, opacity=0.9)
        .encode(x=x, y=y, color=color, detail="surface:N")
    )
    lines = measured.mark_line(strokeWidth=1.6).encode(x=x, y=y, color=color, detail="surface:N")
    points = measured.mark_point(filled=True, size=75).encode(
        x=x,
        y=y,
        color=color,
        shape=alt.Shape("surface:N", scale=_shape_scale(SURFACE_SHAPES, present), legend=None),
        tooltip=tooltip,
    )
    return fit_width(alt.layer(theory, lines, points), 230, title=title(chart_title, subtitle))


def distances(frame: pd.DataFrame, *, near: float, chart_title: str, subtitle: str | None = None) -> alt.LayerChart:
    """Distance from the saddle against step (log y), one line per ``surface`` (colour) and
    ``start`` (solid: ``"offset"``, dashed: ``"on-line"``), with the "near" radius as a rule.
    Columns: ``step, distance, surface, start, label``."""
    present = [s for s in SURFACE_COLORS if s in set(frame["surface"])]
    starts = list(dict.fromkeys(frame["label"]))
    line = (
        alt.Chart(frame)
        .transform_calculate(saddle=names(SURFACE_NAMES, "datum.surface"))
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("step:Q", title="step (iterations)"),
            y=alt.Y(
                "distance:Q",
                title="distance from the saddle (log)",
                scale=alt.Scale(type="log"),
                axis=powers_axis(frame["distance"]),
            ),
            color=alt.Color(
                "surface:N", title=None, scale=color_scale(SURFACE_COLORS, present), legend=_legend(SURFACE_NAMES)
            ),
            strokeDash=alt.StrokeDash(
                "label:N",
                title=None,
                sort=starts,
                scale=alt.Scale(domain=starts, range=[[1, 0], [6, 4]][: len(starts)]),
                legend=top_legend(),
            ),
            detail="start:N",
            tooltip=[
                alt.Tooltip("saddle:N"),
                alt.Tooltip("label:N", title="start"),
                alt.Tooltip("step:Q"),
                alt.Tooltip("distance:Q", format=".3g"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"distance": [near], "text": [f"near: within {near:g}"]}))
        .mark_rule(color=NEUTRAL, strokeDash=[2, 3])
        .encode(y="distance:Q")
    )
    # At the right end, where the runs are either far off or well inside (the slow ones cross the
    # rule near the start, on the left).
    text = rule.mark_text(align="right", dx=-4, dy=-6, style=note()).encode(text="text:N", x=alt.XValue("width"))
    return fit_width(alt.layer(line, rule, text), 230, title=title(chart_title, subtitle))


def probability(frame: pd.DataFrame, *, chart_title: str, subtitle: str | None = None) -> alt.LayerChart:
    """Share of minima against size ``n`` (log y): the Monte Carlo as points with error bars
    (``lo`` to ``hi``, three standard errors), the two laws as lines. Columns:
    ``n, p, lo, hi, series`` (ids of :data:`explainer.core.kinds.PROBABILITY_SERIES`)."""
    present = [s for s in PROBABILITY_COLORS if s in set(frame["series"])]
    color = alt.Color(
        "series:N",
        title=None,
        scale=color_scale(PROBABILITY_COLORS, present),
        legend=alt.Legend(labelExpr=names(kinds.PROBABILITY_NAMES), orient="top", direction="vertical", labelLimit=320),
    )
    x = alt.X("n:Q", title="size n of the matrix (number of weights)", axis=alt.Axis(tickMinStep=1, format="d"))
    y = alt.Y(
        "p:Q",
        title="share that is a minimum (log)",
        scale=alt.Scale(type="log"),
        axis=powers_axis(frame["lo"].fillna(frame["p"])),
    )
    base = alt.Chart(frame).transform_calculate(model=names(kinds.PROBABILITY_NAMES, "datum.series"))
    tooltip = [alt.Tooltip("model:N"), alt.Tooltip("n:Q"), alt.Tooltip("p:Q", format=".3g", title="share")]
    laws = base.transform_filter(alt.datum.series != kinds.MONTE_CARLO)
    mc = base.transform_filter(alt.datum.series == kinds.MONTE_CARLO)
    lines = laws.mark_line(strokeWidth=2, strokeDash=[6, 3], point=alt.OverlayMarkDef(shape="square", size=30)).encode(
        x=x, y=y, color=color, tooltip=tooltip
    )
    bars = mc.mark_rule(strokeWidth=2).encode(x=x, y=alt.Y("lo:Q"), y2=alt.Y2("hi:Q"), color=color)
    points = mc.mark_point(filled=True, size=80, shape="circle").encode(
        x=x, y=y, color=color, tooltip=[*tooltip, alt.Tooltip("lo:Q", format=".3g"), alt.Tooltip("hi:Q", format=".3g")]
    )
    return fit_width(alt.layer(lines, bars, points), 240, title=title(chart_title, subtitle))


def big_n(frame: pd.DataFrame, *, chart_title: str, subtitle: str | None = None) -> alt.LayerChart:
    """How many decades below 1 the chance of a minimum lies (``decades = -log10 P``, log axis),
    one bar per ``series`` (ids of :data:`explainer.core.kinds.PROBABILITY_SERIES`), labelled with
    ``text`` beyond its end. Columns: ``series, decades, text``."""
    present = [s for s in PROBABILITY_COLORS if s in set(frame["series"])]
    top = float(frame["decades"].max()) * 300  # room for the labels on a log axis
    y = alt.Y(
        "series:N", title=None, sort=present, axis=alt.Axis(labelExpr=names(kinds.PROBABILITY_NAMES), labelLimit=300)
    )
    x = alt.X(
        "decades:Q", title="−log₁₀ P(every curvature up), log scale", scale=alt.Scale(type="log", domain=[1, top])
    )
    base = alt.Chart(frame).transform_calculate(one="1").encode(y=y, x=x)
    bars = base.mark_bar(height=22).encode(
        x2=alt.X2("one:Q"),
        color=alt.Color("series:N", scale=color_scale(PROBABILITY_COLORS, present), legend=None),
        tooltip=[alt.Tooltip("text:N", title="P")],
    )
    labels = base.mark_text(align="left", dx=6, style=note(), fontWeight="bold").encode(text="text:N")
    return alt.layer(bars, labels).properties(
        title=title(chart_title, subtitle),
        height=alt.Step(36),
        width="container",
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
    )


def index_scatter(frame: pd.DataFrame, *, chart_title: str, subtitle: str | None = None) -> alt.LayerChart:
    """Critical points: loss against the share of downhill directions, coloured and shaped by
    ``shape`` (ids ``kinds.MINIMUM`` / ``kinds.SADDLE``). Columns: ``loss, index_fraction, index,
    shape, seed, grad_norm, start``."""
    present = [s for s in SHAPE_COLORS if s in set(frame["shape"])]
    legend = _legend(SHAPE_NAMES)
    chart = (
        alt.Chart(frame)
        .transform_calculate(kind=names(SHAPE_NAMES, "datum.shape"))
        .mark_point(filled=True, size=80, opacity=0.85)
        .encode(
            x=alt.X("loss:Q", title="training loss at the critical point", scale=alt.Scale(zero=False)),
            y=alt.Y(
                "index_fraction:Q", title="share of downhill directions (index / weights)", axis=alt.Axis(format=".0%")
            ),
            color=alt.Color("shape:N", title=None, scale=color_scale(SHAPE_COLORS, present), legend=legend),
            shape=alt.Shape("shape:N", scale=_shape_scale(SHAPE_MARKERS, present), legend=legend),
            tooltip=[
                alt.Tooltip("kind:N"),
                alt.Tooltip("loss:Q", format=".5f"),
                alt.Tooltip("index:Q", title="index"),
                alt.Tooltip("index_fraction:Q", format=".1%", title="share down"),
                alt.Tooltip("seed:Q"),
                alt.Tooltip("grad_norm:Q", format=".1e", title="|gradient|"),
                alt.Tooltip("start:N", title="from"),
            ],
        )
    )
    return fit_width(chart, 250, title=title(chart_title, subtitle))


def side_by_side(left: alt.LayerChart, right: alt.LayerChart) -> alt.HConcatChart:
    """Two maps of fixed size in one row, each with its own colour and shape legends."""
    strip = [c.copy() for c in (left, right)]
    for c in strip:
        c.autosize = alt.Undefined  # only a top-level chart sizes itself
    return (
        alt.hconcat(*strip, spacing=16)
        .resolve_scale(color="independent", shape="independent")
        .properties(autosize=alt.AutoSizeParams(type="pad"))
    )
