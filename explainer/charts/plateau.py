"""Charts of the plateau section: loss curves with their plateaus shaded, escape time against the
start, failure rates of small XOR networks, a failed network's hidden units, and scikit-learn's
stopping rule on a plateau.

Data frames in, Altair charts out; categories arrive as ids and the charts map them to names.
"""

from __future__ import annotations

import pandas as pd

from explainer.charts.lazy import alt
from explainer.charts.theme import BAND, NEUTRAL, OKABE_ITO, fit_width, ink, names, note, title

PLATEAU_FILL = OKABE_ITO["purple"]
ESCAPE_COLOR = OKABE_ITO["vermillion"]
CURVE_COLOR = OKABE_ITO["blue"]
#: One colour per depth of the product model, one shape and dash per optimiser.
DEPTH_COLORS = {1: OKABE_ITO["green"], 2: OKABE_ITO["sky"], 3: OKABE_ITO["orange"]}
METHOD_SHAPES = {"gd": "circle", "momentum": "square", "adam": "triangle-up"}
METHOD_DASH = {"gd": [1, 0], "momentum": [6, 3], "adam": [2, 2]}
#: One colour and shape per activation.
ACTIVATION_COLORS = {"logistic": OKABE_ITO["vermillion"], "tanh": OKABE_ITO["blue"], "relu": OKABE_ITO["green"]}
ACTIVATION_SHAPES = {"logistic": "circle", "tanh": "square", "relu": "triangle-up"}


def _bands(band: pd.DataFrame | None, x: str, y_top: float | None = None):
    """Shaded plateaus (``band``: ``start, end, label``) and their labels, as layers."""
    if band is None or band.empty:
        return []
    rect = alt.Chart(band).mark_rect(color=PLATEAU_FILL, style=BAND).encode(x="start:Q", x2="end:Q")
    text = (
        alt.Chart(band)
        .mark_text(align="left", baseline="top", dx=4, dy=4, style=note("purple"), fontWeight="bold")
        .encode(x="start:Q", y=alt.YValue(0), text="label:N")
    )
    return [rect, text]


def _rule(marks: pd.DataFrame | None, color: str, *, dy: int = 18):
    """Vertical dashed lines at ``x`` in ``color`` with a label (``marks``: ``x, label``) in the
    theme's shade of vermillion (the escape's colour)."""
    if marks is None or marks.empty:
        return []
    rule = alt.Chart(marks).mark_rule(color=color, strokeDash=[4, 3], strokeWidth=2).encode(x="x:Q")
    text = (
        alt.Chart(marks)
        .mark_text(align="right", baseline="top", dx=-4, dy=dy, style=note("vermillion"))
        .encode(x="x:Q", y=alt.YValue(0), text="label:N")
    )
    return [rule, text]


def loss_curve(
    frame: pd.DataFrame,
    band: pd.DataFrame | None,
    marks: pd.DataFrame | None,
    *,
    chart_title: str,
    subtitle: str | None = None,
    log_x: bool = True,
    x_title: str = "step (log scale)",
    height: int = 230,
) -> alt.LayerChart:
    """Loss against step (``frame``: ``step, loss``; steps >= 1 on a log axis), the plateau shaded
    (``band``: ``start, end, label``) and the escape marked (``marks``: ``x, label``)."""
    scale = alt.Scale(type="log", nice=False) if log_x else alt.Scale(nice=False)
    line = (
        alt.Chart(frame)
        .mark_line(style=ink("blue"), strokeWidth=2.2)
        .encode(
            x=alt.X("step:Q", title=x_title, scale=scale),
            y=alt.Y("loss:Q", title="training loss", scale=alt.Scale(zero=True)),
            tooltip=[alt.Tooltip("step:Q", format=","), alt.Tooltip("loss:Q", format=".5f")],
        )
    )
    layers = [*_bands(band, "step"), line, *_rule(marks, ESCAPE_COLOR)]
    return fit_width(alt.layer(*layers), height, title=title(chart_title, subtitle))


def escape_times(
    frame: pd.DataFrame,
    theory: pd.DataFrame,
    chosen: pd.DataFrame,
    *,
    depth_names: dict,
    method_names: dict,
    chart_title: str,
    subtitle: str | None = None,
    height: int = 260,
) -> alt.LayerChart:
    """Steps to escape against the start ``u0`` (log-log). ``frame``: ``u0, steps, depth, method,
    censored`` (censored runs drawn hollow at the cap); ``theory``: ``u0, steps, depth`` (the
    gradient flow, dashed); ``chosen``: the reader's run, ``u0, steps`` (a ring)."""
    depths = sorted(set(frame["depth"]))
    methods = [m for m in METHOD_SHAPES if m in set(frame["method"])]
    dnames = {str(d): depth_names[d] for d in depths}
    color = alt.Color(
        "depth:N",
        title="weights in the product",
        scale=alt.Scale(domain=[str(d) for d in depths], range=[DEPTH_COLORS[d] for d in depths]),
        legend=alt.Legend(orient="top", direction="horizontal", labelExpr=names(dnames)),
    )
    method_legend = alt.Legend(orient="top", direction="horizontal", labelExpr=names(method_names), symbolSize=80)
    shape = alt.Shape(
        "method:N",
        title="optimiser",
        scale=alt.Scale(domain=methods, range=[METHOD_SHAPES[m] for m in methods]),
        legend=method_legend,
    )
    dash = alt.StrokeDash(
        "method:N",
        title="optimiser",
        scale=alt.Scale(domain=methods, range=[METHOD_DASH[m] for m in methods]),
        legend=method_legend,
    )
    x = alt.X(
        "u0:Q",
        title="starting weight u0 (log scale, smaller to the right)",
        scale=alt.Scale(type="log", reverse=True, nice=False),
        axis=alt.Axis(values=sorted(set(frame["u0"])), format="~g", labelOverlap=True),
    )
    y = alt.Y("steps:Q", title="steps until the loss is below 0.05 (log scale)", scale=alt.Scale(type="log"))
    data = frame.assign(depth=frame["depth"].astype(str))
    base = alt.Chart(data).encode(x=x, y=y, color=color)
    lines = base.mark_line(strokeWidth=1.6, opacity=0.8).encode(strokeDash=dash, detail="method:N")
    tips = [
        alt.Tooltip("u0:Q", format=".0e"),
        alt.Tooltip("depth:N", title="weights"),
        alt.Tooltip("method:N", title="optimiser"),
        alt.Tooltip("steps:Q", format=","),
        alt.Tooltip("censored:N", title="still on the plateau at the cap"),
    ]
    done = base.transform_filter("!datum.censored").mark_point(filled=True, size=60, opacity=1)
    done = done.encode(shape=shape, tooltip=tips)
    open_ = base.transform_filter("datum.censored").mark_point(filled=False, size=80, strokeWidth=2)
    open_ = open_.encode(shape=shape, tooltip=tips)
    th = theory.assign(depth=theory["depth"].astype(str))
    flow = (
        alt.Chart(th)
        .mark_line(strokeDash=[1, 3], strokeWidth=3, color=NEUTRAL)
        .encode(
            x=x,
            y=y,
            detail="depth:N",
            tooltip=[alt.Tooltip("u0:Q", format=".0e"), alt.Tooltip("steps:Q", format=",.0f")],
        )
    )
    ring = (
        alt.Chart(chosen)
        .mark_point(shape="circle", size=420, filled=False, strokeWidth=2.5, color=ESCAPE_COLOR)
        .encode(x=x, y=y)
    )
    return fit_width(alt.layer(flow, lines, done, open_, ring), height, title=title(chart_title, subtitle))


def failure_rates(
    frame: pd.DataFrame, *, activation_names: dict, chart_title: str, subtitle: str | None = None, height: int = 230
) -> alt.LayerChart:
    """Share of failed runs against hidden units, one line per activation (``frame``: ``width,
    pos, rate, lo, hi, activation, failed, runs``; ``lo, hi`` a 95% interval; ``pos`` where the
    point and its bar sit, the width nudged a little per activation so bars do not overlap)."""
    acts = [a for a in ACTIVATION_COLORS if a in set(frame["activation"])]
    legend = alt.Legend(orient="top", direction="horizontal", title=None, labelExpr=names(activation_names))
    color = alt.Color(
        "activation:N", scale=alt.Scale(domain=acts, range=[ACTIVATION_COLORS[a] for a in acts]), legend=legend
    )
    shape = alt.Shape(
        "activation:N", scale=alt.Scale(domain=acts, range=[ACTIVATION_SHAPES[a] for a in acts]), legend=legend
    )
    widths = sorted(set(frame["width"]))
    x = alt.X(
        "pos:Q",
        title="hidden units",
        scale=alt.Scale(nice=False, zero=False, padding=12),
        axis=alt.Axis(values=widths, format="d"),
    )
    y = alt.Y("rate:Q", title="runs that failed (share)", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
    base = alt.Chart(frame).encode(x=x, color=color)
    bars = base.mark_rule(strokeWidth=1.4, opacity=0.7).encode(y="lo:Q", y2="hi:Q")
    line = base.mark_line(strokeWidth=2).encode(y=y)
    dots = base.mark_point(filled=True, size=70, opacity=1).encode(
        y=y,
        shape=shape,
        tooltip=[
            alt.Tooltip("activation:N"),
            alt.Tooltip("width:Q", title="hidden units"),
            alt.Tooltip("failed:Q"),
            alt.Tooltip("runs:Q", title="of"),
            alt.Tooltip("rate:Q", format=".0%"),
            alt.Tooltip("lo:Q", format=".0%", title="95% from"),
            alt.Tooltip("hi:Q", format=".0%", title="to"),
        ],
    )
    return fit_width(alt.layer(bars, line, dots), height, title=title(chart_title, subtitle))


def hidden_map(
    frame: pd.DataFrame, *, domain: tuple[float, float], chart_title: str, subtitle: str | None = None
) -> alt.LayerChart:
    """A failed network's responses: one row per unit (``row`` labels in order), one column per
    input (``input`` labels), the response ``value`` as colour and text, ``z`` its pre-activation
    and ``state`` ("pinned" or "free") in the tooltip."""
    rows = list(dict.fromkeys(frame["row"]))
    inputs = list(dict.fromkeys(frame["input"]))
    base = alt.Chart(frame).encode(
        x=alt.X("input:N", sort=inputs, title="input (x₁, x₂) → XOR label", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("row:N", sort=rows, title="unit", axis=alt.Axis(labelLimit=220)),
    )
    cells = base.mark_rect(stroke="#ffffff", strokeWidth=1).encode(
        color=alt.Color(
            "value:Q",
            title="response",
            scale=alt.Scale(scheme="viridis", domain=list(domain)),
            legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=220),
        ),
        tooltip=[
            alt.Tooltip("row:N", title="unit"),
            alt.Tooltip("input:N"),
            alt.Tooltip("value:Q", format=".4f", title="response"),
            alt.Tooltip("z:Q", format=".2f", title="pre-activation z"),
            alt.Tooltip("state:N"),
        ],
    )
    mid = (domain[0] + domain[1]) / 2
    text = base.mark_text(fontSize=13, fontWeight="bold").encode(
        text="text:N",
        color=alt.condition(f"datum.value > {mid}", alt.value("#000000"), alt.value("#ffffff")),
    )
    return fit_width(alt.layer(cells, text), 34 * len(rows), title=title(chart_title, subtitle))


def stop_curve(
    frame: pd.DataFrame,
    band: pd.DataFrame | None,
    marks: pd.DataFrame | None,
    *,
    chart_title: str,
    subtitle: str | None = None,
    height: int = 230,
) -> alt.LayerChart:
    """Loss per epoch of a long run (``frame``: ``epoch, loss``), its plateau shaded and the epoch
    where scikit-learn's rule would stop marked (``marks``: ``x, label``)."""
    line = (
        alt.Chart(frame)
        .mark_line(style=ink("blue"), strokeWidth=2.2)
        .encode(
            x=alt.X("epoch:Q", title="epoch (passes through the 4 points)", scale=alt.Scale(nice=False)),
            y=alt.Y("loss:Q", title="training loss (loss_curve_)", scale=alt.Scale(zero=True)),
            tooltip=[alt.Tooltip("epoch:Q", format=","), alt.Tooltip("loss:Q", format=".5f")],
        )
    )
    rule = []
    if marks is not None and not marks.empty:
        rule = [
            alt.Chart(marks).mark_rule(color=ESCAPE_COLOR, strokeWidth=2.5).encode(x="x:Q"),
            alt.Chart(marks)
            .mark_text(align="left", baseline="bottom", dx=5, dy=-6, style=note("vermillion"), fontWeight="bold")
            .encode(x="x:Q", y=alt.YValue(alt.expr("height")), text="label:N"),
        ]
    layers = [*_bands(band, "epoch"), line, *rule]
    return fit_width(alt.layer(*layers), height, title=title(chart_title, subtitle))


def lbfgs_curve(
    frame: pd.DataFrame, limit: float | None, *, chart_title: str, subtitle: str | None = None, height: int = 190
) -> alt.LayerChart:
    """Loss after each L-BFGS iteration (``frame``: ``iteration, loss``), with the lumped loss it
    creeps towards (``limit``) dashed."""
    line = (
        alt.Chart(frame)
        .mark_line(style=ink("blue"), strokeWidth=2, point=alt.OverlayMarkDef(filled=True, size=30))
        .encode(
            x=alt.X("iteration:Q", title="L-BFGS iteration", scale=alt.Scale(nice=False)),
            y=alt.Y("loss:Q", title="training loss", scale=alt.Scale(zero=True)),
            tooltip=[alt.Tooltip("iteration:Q"), alt.Tooltip("loss:Q", format=".6f")],
        )
    )
    layers = [line]
    if limit is not None:
        lim = pd.DataFrame({"loss": [limit], "label": [f"limit at infinite weights: {limit:.4f}"]})
        layers.append(alt.Chart(lim).mark_rule(color=PLATEAU_FILL, strokeDash=[4, 3], strokeWidth=2).encode(y="loss:Q"))
        layers.append(
            alt.Chart(lim)
            .mark_text(align="right", dy=12, style=note("purple"), fontWeight="bold")
            .encode(y="loss:Q", x=alt.XValue(alt.expr("width - 4")), text="label:N")
        )
    return fit_width(alt.layer(*layers), height, title=title(chart_title, subtitle))
