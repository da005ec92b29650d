"""Curves over training time: loss, gradient norm, stalls, and comparisons across step sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from explainer.charts.lazy import alt
from explainer.charts.theme import (
    BAND,
    END_COLORS,
    NEUTRAL,
    OKABE_ITO,
    STALL_COLORS,
    SWEEP_COLORS,
    color_scale,
    fit_width,
    ink,
    names,
    note,
    title,
    top_legend,
)
from explainer.core import kinds

#: Smallest gradient norm drawn on a log axis (an exact zero has no logarithm).
GRAD_FLOOR = 1e-16


def decades(values) -> list[float]:
    """Powers of ten spanning ``values`` (at most about six of them), for tidy log axes."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return [1.0]
    lo, hi = int(np.floor(np.log10(v.min()))), int(np.ceil(np.log10(v.max())))
    stride = max(1, (hi - lo) // 6 + 1)
    return [10.0**e for e in range(lo, hi + 1, stride)]


def run_frame(losses, grad_norms, every: int = 1) -> pd.DataFrame:
    """``step, loss, grad_norm`` of one run, keeping every ``every``-th step and the last."""
    losses, grads = np.asarray(losses, float), np.asarray(grad_norms, float)
    keep = np.unique(np.concatenate([np.arange(0, len(losses), max(every, 1)), [len(losses) - 1]]))
    return pd.DataFrame({"step": keep, "loss": losses[keep], "grad_norm": np.maximum(grads[keep], GRAD_FLOOR)})


def _bands(stalls: pd.DataFrame | None) -> list[alt.Chart]:
    if stalls is None or stalls.empty:
        return []
    legend = top_legend()
    legend.labelExpr = names(kinds.STALL_NAMES)
    return [
        alt.Chart(stalls)
        .transform_calculate(ground=names(kinds.STALL_NAMES, "datum.kind"))
        .mark_rect(style=BAND)
        .encode(
            x=alt.X("start:Q"),
            x2=alt.X2("end"),
            color=alt.Color(
                "kind:N",
                title="stalled on",
                scale=color_scale(STALL_COLORS, stalls["kind"]),
                legend=legend,
            ),
            tooltip=[
                alt.Tooltip("ground:N", title="stalled on"),
                alt.Tooltip("start:Q", title="from step"),
                alt.Tooltip("end:Q", title="to step"),
                alt.Tooltip("steps:Q", title="steps"),
            ],
        )
    ]


def _events(events: pd.DataFrame | None) -> list[alt.Chart]:
    if events is None or events.empty:
        return []
    base = alt.Chart(events).encode(x=alt.X("step:Q"))
    rule = base.mark_rule(color=OKABE_ITO["vermillion"], strokeDash=[4, 3], strokeWidth=1.5)
    text = base.mark_text(align="left", dx=4, dy=-4, style=note("vermillion"), fontWeight="bold").encode(
        text=alt.Text("label:N"), y=alt.YValue(10)
    )
    return [rule, text]


def run_curves(
    run: pd.DataFrame,
    *,
    chart_title: str,
    subtitle: str | None = None,
    stalls: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    height: int = 140,
) -> tuple[alt.LayerChart, alt.LayerChart]:
    """Loss, and gradient norm on a log axis, against step: two charts meant to be stacked.

    ``stalls`` (``start, end, steps, kind``) are shaded behind both; ``events`` (``step, label``)
    are marked with a dashed rule, e.g. the step where a run diverged. Two charts rather than a
    vertical concatenation, because only single and layered views can stretch to their container.
    """
    x = alt.X("step:Q", title="step (iterations)", scale=alt.Scale(domainMin=0, nice=False))
    loss = (
        alt.Chart(run)
        .mark_line(style=ink("blue"), strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("loss:Q", title="loss", scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("step:Q"), alt.Tooltip("loss:Q", format=".6g")],
        )
    )
    grad = (
        alt.Chart(run)
        .mark_line(color=OKABE_ITO["orange"], strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y(
                "grad_norm:Q",
                title="gradient norm (log)",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(values=decades(run["grad_norm"]), format=".0e"),
            ),
            tooltip=[alt.Tooltip("step:Q"), alt.Tooltip("grad_norm:Q", format=".3g", title="gradient norm")],
        )
    )
    top = fit_width(alt.layer(*_bands(stalls), loss, *_events(events)), height, title=title(chart_title, subtitle))
    bands = [
        b.encode(color=alt.Color("kind:N", scale=color_scale(STALL_COLORS, stalls["kind"]), legend=None))
        for b in _bands(stalls)
    ]
    bottom = fit_width(alt.layer(*bands, grad, *_events(events)), height)
    return top, bottom


def lr_sweep(
    sweep: pd.DataFrame, *, limit: float | None, chosen: float | None, chart_title: str, subtitle: str | None = None
) -> alt.LayerChart:
    """Steps to converge against step size (log axes), coloured and shaped by outcome.

    ``sweep`` has ``lr, steps, outcome`` (ids of ``explainer.core.kinds.SWEEP_OUTCOMES``);
    ``limit`` draws the stability bound ``2 / lambda_max`` and ``chosen`` the reader's current
    step size.
    """
    x = alt.X("lr:Q", title="step size (learning rate, log)", scale=alt.Scale(type="log"))
    present = [k for k in SWEEP_COLORS if k in set(sweep["outcome"])]
    shapes = dict(zip(kinds.SWEEP_OUTCOMES, ("circle", "square", "triangle-up", "triangle-down", "cross"), strict=True))
    legend = alt.Legend(title="outcome", labelExpr=names(kinds.SWEEP_NAMES))
    points = (
        alt.Chart(sweep)
        .transform_calculate(result=names(kinds.SWEEP_NAMES, "datum.outcome"))
        .mark_point(filled=True, size=70)
        .encode(
            x=x,
            y=alt.Y("steps:Q", title="steps taken (log)", scale=alt.Scale(type="log")),
            color=alt.Color("outcome:N", scale=color_scale(SWEEP_COLORS, present), legend=legend),
            shape=alt.Shape(
                "outcome:N", scale=alt.Scale(domain=present, range=[shapes[k] for k in present]), legend=legend
            ),
            tooltip=[
                alt.Tooltip("lr:Q", format=".4g", title="step size"),
                alt.Tooltip("steps:Q"),
                alt.Tooltip("result:N", title="outcome"),
            ],
        )
    )
    layers = [points]
    marks = []
    if limit is not None and np.isfinite(limit):
        marks.append(dict(lr=limit, label=f"2/λ = {limit:.3g}", color=OKABE_ITO["vermillion"], hue="vermillion"))
    if chosen is not None:
        marks.append(dict(lr=chosen, label=f"yours: {chosen:g}", color=NEUTRAL, hue=""))
    if marks:
        frame = pd.DataFrame(marks)
        base = alt.Chart(frame).encode(x=alt.X("lr:Q"))
        # Stroke, not colour: the rules' own colours must stay out of the outcome scale, or its
        # legend splits from the shapes' legend. Each label takes its theme's shade (a style).
        layers.append(base.mark_rule(strokeDash=[5, 3]).encode(stroke=alt.Stroke("color:N", scale=None)))
        for hue in dict.fromkeys(m["hue"] for m in marks):
            layers.append(
                base.transform_filter(alt.datum.hue == hue)
                .mark_text(align="left", dx=4, dy=8, fontWeight="bold", style=note(hue))
                .encode(text=alt.Text("label:N"), y=alt.YValue(0))
            )
    return fit_width(alt.layer(*layers), 240, title=title(chart_title, subtitle))


def training_curves(curves: pd.DataFrame, *, chart_title: str, subtitle: str | None = None) -> alt.LayerChart:
    """Training loss per epoch for several step sizes (``epoch, loss, lr``), log loss axis."""
    palette = [OKABE_ITO[k] for k in ("sky", "blue", "green", "vermillion", "purple", "orange")]
    labels = list(dict.fromkeys(curves["lr"]))
    line = (
        alt.Chart(curves)
        .mark_line(strokeWidth=2.2)
        .encode(
            x=alt.X("epoch:Q", title="epoch (one full-batch step each)"),
            y=alt.Y("loss:Q", title="training loss (log)", scale=alt.Scale(type="log")),
            color=alt.Color(
                "lr:N", title="step size", sort=labels, scale=alt.Scale(domain=labels, range=palette[: len(labels)])
            ),
            tooltip=[alt.Tooltip("lr:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("loss:Q", format=".4f")],
        )
    )
    return fit_width(line, 240, title=title(chart_title, subtitle))


def end_counts(counts: pd.DataFrame, *, chart_title: str, subtitle: str | None = None) -> alt.Chart:
    """Horizontal bars: how many runs ended at each kind of place (``end, runs, share``; ``end``
    holds ids of ``explainer.core.kinds.END_KINDS``)."""
    order = [k for k in END_COLORS if k in set(counts["end"])]
    bars = (
        alt.Chart(counts)
        .transform_calculate(place=names(kinds.END_NAMES, "datum.end"))
        .encode(
            y=alt.Y("end:N", title=None, sort=order, axis=alt.Axis(labelExpr=names(kinds.END_NAMES))),
            x=alt.X("runs:Q", title="runs (starts)"),
        )
    )
    return (
        bars.mark_bar().encode(
            color=alt.Color("end:N", scale=color_scale(END_COLORS, order), legend=None),
            tooltip=[
                alt.Tooltip("place:N", title="ended at"),
                alt.Tooltip("runs:Q"),
                alt.Tooltip("share:Q", format=".0%"),
            ],
        )
        + bars.mark_text(align="left", dx=3, style=note()).encode(text=alt.Text("share:Q", format=".0%"))
    ).properties(
        title=title(chart_title, subtitle),
        height=alt.Step(26),
        width="container",
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
    )


def distance_curves(frame: pd.DataFrame, *, chart_title: str, subtitle: str | None = None) -> alt.Chart:
    """Distance from a critical point against step, one line per start (``step, distance, start``)."""
    starts = list(dict.fromkeys(frame["start"]))
    palette = [OKABE_ITO[k] for k in ("vermillion", "blue", "green", "orange", "purple", "sky")]
    chart = (
        alt.Chart(frame)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("step:Q", title="step (iterations)"),
            y=alt.Y(
                "distance:Q",
                title="distance from the saddle (log)",
                scale=alt.Scale(type="log", domain=[1e-3, 1e3], clamp=True),
            ),
            color=alt.Color(
                "start:N",
                title="start (1, y0)",
                sort=starts,
                scale=alt.Scale(domain=starts, range=palette[: len(starts)]),
            ),
            tooltip=[alt.Tooltip("start:N"), alt.Tooltip("step:Q"), alt.Tooltip("distance:Q", format=".3g")],
        )
    )
    return fit_width(chart, 220, title=title(chart_title, subtitle))
