"""Charts of the local-minimum section: valleys, escape shares, and the real network's runs.

Data frames in, Altair charts out; every frame carries ids (``explainer.core.kinds``), and the
charts map them to display names for legends.
"""

from __future__ import annotations

import pandas as pd

from explainer.charts.lazy import alt
from explainer.charts.theme import NEUTRAL, OKABE_ITO, color_scale, fit_width, names, note, title, top_legend
from explainer.core import kinds

#: The three critical points of a wells model, by id: colours and shapes.
POINT_COLORS = {
    kinds.LOCAL_MINIMUM: OKABE_ITO["orange"],
    kinds.END_MAXIMUM: OKABE_ITO["vermillion"],
    kinds.GLOBAL_MINIMUM: OKABE_ITO["blue"],
}
POINT_SHAPES = {kinds.LOCAL_MINIMUM: "circle", kinds.END_MAXIMUM: "triangle-up", kinds.GLOBAL_MINIMUM: "diamond"}
BATCH_COLORS = {kinds.BATCH_FULL: OKABE_ITO["blue"], kinds.BATCH_MINI: OKABE_ITO["orange"]}
#: Series of the real network's bars.
NET_COLORS = {
    kinds.NET_MINI: OKABE_ITO["orange"],
    kinds.NET_FULL_EPOCHS: OKABE_ITO["sky"],
    kinds.NET_FULL_STEPS: OKABE_ITO["blue"],
}
START_COLORS = {kinds.START_ZERO: OKABE_ITO["vermillion"], kinds.START_KICKED: OKABE_ITO["green"]}
LINE_PALETTE = [OKABE_ITO[k] for k in ("sky", "orange", "green", "purple", "vermillion", "blue", "yellow")]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge"]


def _legend(mapping: dict, label: str | None = None) -> alt.Legend:
    legend = top_legend()
    legend.labelExpr = names(mapping)
    legend.symbolOpacity = 1
    if label is not None:
        legend.title = label
    return legend


def valley_curve(
    curve: pd.DataFrame,
    points: pd.DataFrame,
    barrier: pd.DataFrame | None,
    *,
    chart_title: str,
    subtitle: str | None = None,
    height: int = 190,
) -> alt.LayerChart:
    """The loss ``L(w)`` (``curve``: ``w, loss``) with its critical points (``points``: ``w, loss, point``
    with ids of :data:`explainer.core.kinds.VALLEY_POINTS`) and the barrier as a bar at the floor
    (``barrier``: one row ``w, low, high, label`` and ``label_w``, where its label goes; ``None``
    without a shallow valley)."""
    line = (
        alt.Chart(curve)
        .mark_line(color=NEUTRAL, strokeWidth=2)
        .encode(
            x=alt.X("w:Q", title="weight w", scale=alt.Scale(nice=False)),
            y=alt.Y("loss:Q", title="training loss L(w)", scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("w:Q", format=".3f"), alt.Tooltip("loss:Q", format=".4f")],
        )
    )
    present = list(points["point"])
    marks = (
        alt.Chart(points)
        .transform_calculate(name=names(kinds.VALLEY_POINT_NAMES, "datum.point"))
        .mark_point(filled=True, size=110, opacity=1)
        .encode(
            x="w:Q",
            y="loss:Q",
            color=alt.Color(
                "point:N", scale=color_scale(POINT_COLORS, present), legend=_legend(kinds.VALLEY_POINT_NAMES, "")
            ),
            shape=alt.Shape(
                "point:N",
                scale=alt.Scale(domain=present, range=[POINT_SHAPES[p] for p in present]),
                legend=_legend(kinds.VALLEY_POINT_NAMES, ""),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="point"),
                alt.Tooltip("w:Q", format=".4f"),
                alt.Tooltip("loss:Q", format=".4f"),
            ],
        )
    )
    layers = [line, marks]
    if barrier is not None and not barrier.empty:
        base = alt.Chart(barrier).encode(x="w:Q")
        layers.append(base.mark_rule(color=OKABE_ITO["vermillion"], strokeWidth=2.5).encode(y="low:Q", y2="high:Q"))
        layers.append(
            alt.Chart(barrier)
            .mark_text(align="center", dy=-14, style=note("vermillion"), fontWeight="bold")
            .encode(x="label_w:Q", y="high:Q", text="label:N")
        )
    return fit_width(alt.layer(*layers), height, title=title(chart_title, subtitle))


def valley_paths(
    paths: pd.DataFrame, rim: float | None, *, chart_title: str | None = None, height: int = 170
) -> alt.LayerChart:
    """Weight against step for a few runs (``paths``: ``step, w, run, batch`` with ``batch`` one of
    :data:`kinds.BATCH_NAMES`), with the rim at ``rim`` drawn as a dashed line."""
    present = [k for k in kinds.BATCH_NAMES if k in set(paths["batch"])]
    lines = (
        alt.Chart(paths)
        .transform_calculate(kind=names(kinds.BATCH_NAMES, "datum.batch"))
        .mark_line(strokeWidth=1.6, opacity=0.9)
        .encode(
            x=alt.X("step:Q", title="step (iterations)", scale=alt.Scale(nice=False)),
            y=alt.Y("w:Q", title="weight w"),
            color=alt.Color("batch:N", scale=color_scale(BATCH_COLORS, present), legend=_legend(kinds.BATCH_NAMES, "")),
            strokeDash=alt.StrokeDash(
                "batch:N",
                scale=alt.Scale(domain=present, range=[[1, 0] if k == kinds.BATCH_FULL else [5, 2] for k in present]),
                legend=_legend(kinds.BATCH_NAMES, ""),
            ),
            detail="run:N",
            tooltip=[
                alt.Tooltip("kind:N", title="descent"),
                alt.Tooltip("run:N"),
                alt.Tooltip("step:Q"),
                alt.Tooltip("w:Q", format=".3f"),
            ],
        )
    )
    layers = [lines]
    if rim is not None:
        frame = pd.DataFrame({"w": [rim], "label": ["rim: beyond it the run has escaped"]})
        layers.append(alt.Chart(frame).mark_rule(color=OKABE_ITO["vermillion"], strokeDash=[4, 3]).encode(y="w:Q"))
        layers.append(
            alt.Chart(frame)
            .mark_text(align="left", dy=-6, style=note("vermillion"))
            .encode(y="w:Q", x=alt.XValue(4), text="label:N")
        )
    props = {} if chart_title is None else {"title": title(chart_title)}
    return fit_width(alt.layer(*layers), height, **props)


def escape_by_batch(frame: pd.DataFrame, *, chart_title: str, subtitle: str | None = None) -> alt.LayerChart:
    """Escape share against batch size (log 2 axis), one line per valley size (``batch, fraction,
    valley`` where ``valley`` is a label such as "m = 12 (ΔL 0.12)", in legend order; ``lo, hi``
    a 95% interval; ``batch_label`` how the axis names the batch)."""
    valleys = list(dict.fromkeys(frame["valley"]))
    legend = alt.Legend(orient="right", title="shallow valley", symbolOpacity=1)
    color = alt.Color(
        "valley:N", sort=valleys, legend=legend, scale=alt.Scale(domain=valleys, range=LINE_PALETTE[: len(valleys)])
    )
    shape = alt.Shape(
        "valley:N", sort=valleys, legend=legend, scale=alt.Scale(domain=valleys, range=SHAPES[: len(valleys)])
    )
    x = alt.X(
        "batch:Q",
        title="batch size (samples per step, log scale; 40 = full batch)",
        scale=alt.Scale(type="log", base=2, nice=False),
        axis=alt.Axis(values=sorted(set(frame["batch"])), format="d"),
    )
    y = alt.Y(
        "fraction:Q", title="runs that escaped (share)", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
    )
    base = alt.Chart(frame).encode(x=x, color=color)
    band = base.mark_rule(strokeWidth=1.2, opacity=0.6).encode(y="lo:Q", y2="hi:Q")
    line = base.mark_line(strokeWidth=2).encode(y=y)
    dots = base.mark_point(filled=True, size=60).encode(
        y=y,
        shape=shape,
        tooltip=[
            alt.Tooltip("valley:N"),
            alt.Tooltip("batch_label:N", title="batch"),
            alt.Tooltip("fraction:Q", format=".1%", title="escaped"),
            alt.Tooltip("lo:Q", format=".1%", title="95% from"),
            alt.Tooltip("hi:Q", format=".1%", title="to"),
        ],
    )
    return fit_width(alt.layer(band, line, dots), 250, title=title(chart_title, subtitle))


def what_sets_escape(
    frame: pd.DataFrame,
    panels: list[tuple[str, str, str]],
    *,
    fits: pd.DataFrame | None = None,
    width: int = 168,
    height: int = 200,
) -> alt.HConcatChart:
    """Escape share against each candidate measure, one panel per ``(measure id, panel title, axis
    title)``
    (``frame``: ``measure, value, fraction, lr, batch``; ``lr`` and ``batch`` as labels, in order),
    with each measure's best falling curve in grey (``fits``: ``measure, value, fit``) if given."""
    lrs = list(dict.fromkeys(frame["lr"]))
    batches = list(dict.fromkeys(frame["batch"]))
    color = alt.Color(
        "lr:N",
        sort=lrs,
        title="step size",
        scale=alt.Scale(domain=lrs, range=LINE_PALETTE[: len(lrs)]),
        legend=alt.Legend(orient="bottom", direction="horizontal"),
    )
    shape = alt.Shape(
        "batch:N",
        sort=batches,
        title="batch size",
        scale=alt.Scale(domain=batches, range=SHAPES[: len(batches)]),
        legend=alt.Legend(orient="bottom", direction="horizontal"),
    )
    charts = []
    for i, (measure, heading, axis) in enumerate(panels):
        part = frame[frame["measure"] == measure]
        x = alt.X("value:Q", title=axis, scale=alt.Scale(type="log"), axis=alt.Axis(labelOverlap=True))
        y_title = "runs that escaped" if i == 0 else None
        points = (
            alt.Chart(part)
            .mark_point(filled=True, size=45, opacity=0.85)
            .encode(
                x=x,
                y=alt.Y("fraction:Q", title=y_title, axis=alt.Axis(format="%")),
                color=color,
                shape=shape,
                tooltip=[
                    alt.Tooltip("valley:N"),
                    alt.Tooltip("batch:N"),
                    alt.Tooltip("lr:N", title="step size"),
                    alt.Tooltip("value:Q", format=".3g"),
                    alt.Tooltip("fraction:Q", format=".1%"),
                ],
            )
        )
        layers = [points]
        if fits is not None:
            curve = fits[fits["measure"] == measure]
            layers.insert(
                0,
                alt.Chart(curve)
                .mark_line(color=NEUTRAL, strokeWidth=2.5, interpolate="step-after")
                .encode(x=x, y=alt.Y("fit:Q", title=y_title, axis=alt.Axis(format="%"))),
            )
        charts.append(
            alt.layer(*layers).properties(
                width=width, height=height, title=alt.Title(heading, anchor="start", fontSize=11)
            )
        )
    return alt.hconcat(*charts, spacing=12)


def noisy_paths(
    paths: pd.DataFrame, saddle_x: float, *, chart_title: str, subtitle: str | None = None, height: int = 200
) -> alt.LayerChart:
    """x against step on the double well (``paths``: ``step, x, run``), with the saddle's x dashed."""
    runs = list(dict.fromkeys(paths["run"]))
    lines = (
        alt.Chart(paths)
        .mark_line(strokeWidth=1.5)
        .encode(
            x=alt.X("step:Q", title="step (iterations)", scale=alt.Scale(nice=False)),
            y=alt.Y("x:Q", title="position x", scale=alt.Scale(domain=[-1.6, 1.6])),
            color=alt.Color(
                "run:N",
                sort=runs,
                title="run",
                scale=alt.Scale(domain=runs, range=LINE_PALETTE[: len(runs)]),
                legend=top_legend(),
            ),
            tooltip=[alt.Tooltip("run:N"), alt.Tooltip("step:Q"), alt.Tooltip("x:Q", format=".3f")],
        )
    )
    marks = pd.DataFrame({"x": [saddle_x], "label": [f"saddle, x = {saddle_x:g}: below it, the deep valley"]})
    rules = alt.Chart(marks).mark_rule(color=OKABE_ITO["vermillion"], strokeDash=[4, 3]).encode(y="x:Q")
    text = (
        alt.Chart(marks)
        .mark_text(align="left", dy=12, dx=4, style=note("vermillion"))
        .encode(y="x:Q", x=alt.XValue(0), text="label:N")
    )
    return fit_width(alt.layer(rules, text, lines), height, title=title(chart_title, subtitle))


def escape_by_noise(frame: pd.DataFrame, *, chart_title: str, height: int = 200) -> alt.LayerChart:
    """Escape share against gradient noise (``noise, fraction, lo, hi, kramers``): measured points
    with 95% intervals, and Kramers' prediction as a line."""
    x = alt.X("noise:Q", title="gradient noise σ (standard deviation)")
    y = alt.Y(
        "fraction:Q", title="runs that crossed the saddle", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
    )
    measured = pd.DataFrame(
        {
            "noise": frame["noise"],
            "fraction": frame["fraction"],
            "lo": frame["lo"],
            "hi": frame["hi"],
            "series": "measured",
        }
    )
    theory = pd.DataFrame({"noise": frame["noise"], "fraction": frame["kramers"], "series": "Kramers' law"})
    series = ["measured", "Kramers' law"]
    color = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=series, range=[OKABE_ITO["orange"], OKABE_ITO["sky"]]),
        legend=top_legend(),
    )
    bars = alt.Chart(measured).mark_rule(color=OKABE_ITO["orange"]).encode(x=x, y="lo:Q", y2="hi:Q")
    dots = (
        alt.Chart(measured)
        .mark_point(filled=True, size=70, shape="circle")
        .encode(
            x=x,
            y=y,
            color=color,
            tooltip=[
                alt.Tooltip("noise:Q"),
                alt.Tooltip("fraction:Q", format=".1%", title="crossed"),
                alt.Tooltip("lo:Q", format=".1%", title="95% from"),
                alt.Tooltip("hi:Q", format=".1%", title="to"),
            ],
        )
    )
    line = (
        alt.Chart(theory)
        .mark_line(strokeDash=[5, 3], strokeWidth=2, point=alt.OverlayMarkDef(shape="square"))
        .encode(
            x=x,
            y=y,
            color=color,
            tooltip=[alt.Tooltip("noise:Q"), alt.Tooltip("fraction:Q", format=".1%", title="Kramers")],
        )
    )
    return fit_width(alt.layer(line, bars, dots), height, title=title(chart_title))


def bad_runs(
    frame: pd.DataFrame, *, chart_title: str, subtitle: str | None = None, height: int = 220
) -> alt.LayerChart:
    """Share of runs that ended bad, grouped by comparison (``group`` label, in order), one bar per
    series (``series`` ids of :data:`kinds.NET_NAMES`), with 95% intervals (``share, lo, hi, bad, runs,
    steps, epochs``)."""
    groups = list(dict.fromkeys(frame["group"]))
    present = [k for k in kinds.NET_NAMES if k in set(frame["series"])]
    base = alt.Chart(frame).encode(
        x=alt.X(
            "group:N",
            sort=groups,
            title="mini-batch size, and the full batch set against it",
            axis=alt.Axis(labelAngle=0, labelLimit=260),
        ),
        xOffset=alt.XOffset("series:N", sort=present),
    )
    y = alt.Y("share:Q", title="runs that ended bad (share)", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
    bars = (
        base.transform_calculate(name=names(kinds.NET_NAMES, "datum.series"))
        .mark_bar()
        .encode(
            y=y,
            color=alt.Color("series:N", scale=color_scale(NET_COLORS, present), legend=_legend(kinds.NET_NAMES, "")),
            tooltip=[
                alt.Tooltip("name:N", title="runs"),
                alt.Tooltip("bad:Q", title="ended bad"),
                alt.Tooltip("runs:Q", title="of"),
                alt.Tooltip("share:Q", format=".1%"),
                alt.Tooltip("lo:Q", format=".1%", title="95% from"),
                alt.Tooltip("hi:Q", format=".1%", title="to"),
                alt.Tooltip("epochs:Q"),
                alt.Tooltip("steps:Q"),
            ],
        )
    )
    whiskers = base.mark_rule(color=NEUTRAL, strokeWidth=1.6).encode(y="lo:Q", y2="hi:Q")
    labels = base.mark_text(dy=-8, style=note()).encode(y="hi:Q", text=alt.Text("share:Q", format=".0%"))
    return fit_width(alt.layer(bars, whiskers, labels), height, title=title(chart_title, subtitle))


def final_losses(frame: pd.DataFrame, bad_loss: float, *, chart_title: str, height: int = 190) -> alt.LayerChart:
    """Every seed's final loss as a dot, one row per run set (``row`` label in order, ``loss``,
    ``jitter`` in [0, 1), ``seed``), with the bad-loss line."""
    rows = list(dict.fromkeys(frame["row"]))
    dots = (
        alt.Chart(frame)
        .mark_circle(size=16, opacity=0.6, color=OKABE_ITO["sky"])
        .encode(
            x=alt.X("loss:Q", title="final training loss (log-loss + penalty)", scale=alt.Scale(zero=False)),
            y=alt.Y("row:N", sort=rows, title="runs (one dot per seed)", axis=alt.Axis(labelLimit=240)),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-0.2, 1.2])),
            tooltip=[alt.Tooltip("row:N", title="runs"), alt.Tooltip("seed:Q"), alt.Tooltip("loss:Q", format=".4f")],
        )
    )
    rule = pd.DataFrame({"loss": [bad_loss], "label": [f"bad above {bad_loss:g}"]})
    line = alt.Chart(rule).mark_rule(color=OKABE_ITO["vermillion"], strokeDash=[4, 3], strokeWidth=2).encode(x="loss:Q")
    text = (
        alt.Chart(rule)
        .mark_text(align="left", dx=4, dy=-4, style=note("vermillion"))
        .encode(x="loss:Q", y=alt.YValue(0), text="label:N")
    )
    return fit_width(alt.layer(dots, line, text), height, title=title(chart_title))


def symmetric_curves(
    frame: pd.DataFrame, entropy: float, *, chart_title: str, subtitle: str | None = None, height: int = 230
) -> alt.LayerChart:
    """Training loss against epoch (``epoch, loss, start, batch, run``; ``start`` ids of
    :data:`explainer.core.kinds.STARTS`, ``batch`` a label in order), with the labels' entropy."""
    batches = list(dict.fromkeys(frame["batch"]))
    present = [k for k in kinds.START_NAMES if k in set(frame["start"])]
    lines = (
        alt.Chart(frame)
        .transform_calculate(begun=names(kinds.START_NAMES, "datum.start"), key="datum.batch + ' ' + datum.run")
        .mark_line(strokeWidth=1.4, opacity=0.75)
        .encode(
            x=alt.X("epoch:Q", title="epoch (passes through the data)", scale=alt.Scale(nice=False)),
            y=alt.Y("loss:Q", title="training loss"),
            color=alt.Color(
                "start:N", scale=color_scale(START_COLORS, present), legend=_legend(kinds.START_NAMES, "start")
            ),
            strokeDash=alt.StrokeDash(
                "batch:N",
                sort=batches,
                title="batch",
                scale=alt.Scale(domain=batches, range=[[5, 2], [1, 0]][: len(batches)]),
                legend=top_legend(),
            ),
            strokeWidth=alt.StrokeWidth(
                "start:N", scale=alt.Scale(domain=list(kinds.STARTS), range=[3, 1.3]), legend=None
            ),
            detail="key:N",
            tooltip=[
                alt.Tooltip("begun:N", title="start"),
                alt.Tooltip("batch:N"),
                alt.Tooltip("epoch:Q"),
                alt.Tooltip("loss:Q", format=".4f"),
            ],
        )
    )
    rule = pd.DataFrame({"loss": [entropy], "label": [f"labels' entropy {entropy:.3f}"]})
    line = alt.Chart(rule).mark_rule(color=NEUTRAL, strokeDash=[2, 2]).encode(y="loss:Q")
    text = (
        alt.Chart(rule)
        .mark_text(align="right", dy=-6, style=note())
        .encode(y="loss:Q", x=alt.XValue(alt.expr("width - 4")), text="label:N")
    )
    return fit_width(alt.layer(line, text, lines), height, title=title(chart_title, subtitle))
