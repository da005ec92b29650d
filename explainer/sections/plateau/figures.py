"""The plateau section's charts: results in, figures (spec and exportable data) out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from explainer.charts import Figure, figure
from explainer.charts import plateau as charts
from explainer.core.analyses.local_minimum import wilson
from explainer.core.analyses.plateau import ACTIVATION_LABELS, EscapeGrid, FailedRun, ProductView, StopRun, XorFailures
from explainer.sections.plateau.words import INPUT_NAMES, depth_words, method_words

XOR_LABELS = (0, 1, 1, 0)
#: How far apart (in hidden units) the activations' points sit at one width.
NUDGE = 0.08


def product(view: ProductView) -> Figure:
    s = view.settings
    keep = view.steps >= 1  # a log axis starts at step 1
    frame = pd.DataFrame({"step": view.steps[keep], "loss": view.loss[keep], "grad_norm": view.grad_norm[keep]})
    band = None
    if view.plateaus:
        band = pd.DataFrame(
            {
                "start": [max(p.start, 1) for p in view.plateaus],
                "end": [max(p.last, 1) for p in view.plateaus],
                "label": [f"plateau: {p.length:,} steps" if p is view.plateau else "" for p in view.plateaus],
            }
        )
    marks = None
    if view.escape is not None and view.escape >= 1:
        marks = pd.DataFrame({"x": [view.escape], "label": [f"loss < {s.target:g} at step {view.escape:,}"]})
    chart = charts.loss_curve(
        frame,
        band,
        marks,
        chart_title=f"A plateau near the saddle: {depth_words(s.depth)} from u0 = {s.u0:g}",
        subtitle=(
            f"0.5 (1 − w₁w₂⋯)² over D weights, {method_words(s.method)}, step size {s.lr:g}; shaded: the plateau found"
        ),
    )
    return figure(chart, frame)


def escape(grid: EscapeGrid, depth: int, u0: float, method: str) -> Figure:
    s = grid.settings
    rows = []
    for m in s.methods:
        for i, d in enumerate(s.depths):
            for j, u in enumerate(s.u0s):
                v = int(grid.steps[m][i, j])
                rows.append(dict(u0=u, steps=v if v >= 0 else s.cap, depth=d, method=m, censored=v < 0))
    frame = pd.DataFrame(rows)
    theory = pd.DataFrame(
        [
            dict(u0=u, steps=float(grid.theory[i, j]), depth=d)
            for i, d in enumerate(s.depths)
            for j, u in enumerate(s.u0s)
            if grid.theory[i, j] >= 1
        ]
    )
    i, j = s.depths.index(depth), s.u0s.index(u0)
    mine = int(grid.steps[method][i, j])
    chosen = pd.DataFrame({"u0": [u0], "steps": [mine if mine >= 0 else s.cap]})
    chart = charts.escape_times(
        frame,
        theory,
        chosen,
        depth_names={d: depth_words(d) for d in s.depths},
        method_names={m: method_words(m) for m in s.methods},
        chart_title="Smaller starts, longer plateaus; momentum and Adam shorten them",
        subtitle=f"steps until the loss is below {s.target:g}, step size {s.lr:g}; dotted grey: gradient flow for "
        "plain descent; ring: your run",
    )
    return figure(chart, frame)


def failures(res: XorFailures) -> Figure:
    s = res.settings
    rows = []
    for a in s.activations:
        k = res.failures(a)
        for w, width in enumerate(s.widths):
            lo, hi = wilson(int(k[w]), s.runs)
            rows.append(
                dict(
                    width=width,
                    pos=width + NUDGE * (s.activations.index(a) - (len(s.activations) - 1) / 2),
                    activation=a,
                    failed=int(k[w]),
                    runs=s.runs,
                    rate=int(k[w]) / s.runs,
                    lo=lo,
                    hi=hi,
                )
            )
    frame = pd.DataFrame(rows)
    chart = charts.failure_rates(
        frame,
        activation_names=ACTIVATION_LABELS,
        chart_title="Small networks get stuck on XOR; more hidden units free them",
        subtitle=f"share of {s.runs} seeds that misclassify a point after L-BFGS (alpha 0); bars: 95% intervals",
    )
    return figure(chart, frame)


def failed(run: FailedRun) -> Figure:
    s = run.settings
    rows = []
    for u in range(run.a.shape[1]):
        for i in range(4):
            rows.append(
                dict(
                    row=f"hidden unit {u + 1}",
                    input=f"{INPUT_NAMES[i]} → {XOR_LABELS[i]}",
                    value=float(run.a[i, u]),
                    z=float(run.z[i, u]),
                    state="pinned" if run.pinned[i, u] else "free",
                    text=f"{run.a[i, u]:.2f}",
                )
            )
    for i in range(4):
        rows.append(
            dict(
                row="output: P(label 1)",
                input=f"{INPUT_NAMES[i]} → {XOR_LABELS[i]}",
                value=float(run.p[i]),
                z=float("nan"),
                state="output",
                text=f"{run.p[i]:.2f}",
            )
        )
    frame = pd.DataFrame(rows)
    lo = -1.0 if s.activation == "tanh" else 0.0
    hi = max(1.0, float(frame["value"].max())) if s.activation == "relu" else 1.0
    top = charts.hidden_map(
        frame,
        domain=(lo, hi),
        chart_title=f"Inside a failed run: seed {run.random_state}, {s.width} {ACTIVATION_LABELS[s.activation]} units",
        subtitle="each hidden unit's output for each input, and the network's answer",
    )
    curve = pd.DataFrame({"iteration": run.iterations, "loss": run.losses})
    bottom = charts.lbfgs_curve(
        curve, run.lumped if np.isfinite(run.lumped) else None, chart_title="Its loss, iteration by iteration"
    )
    data = pd.concat([frame.assign(part="responses"), curve.assign(part="loss")], ignore_index=True)
    return figure([top, bottom], data)


def stop(res: StopRun) -> Figure:
    s = res.settings
    frame = pd.DataFrame({"epoch": np.arange(1, len(res.curve) + 1), "loss": res.curve})
    band = None
    if res.plateaus:
        band = pd.DataFrame(
            {
                "start": [p.start + 1 for p in res.plateaus],
                "end": [p.end for p in res.plateaus],
                "label": [f"plateau: {p.length:,} epochs" for p in res.plateaus],
            }
        )
    marks = None
    if res.replica_stop is not None:
        marks = pd.DataFrame(
            {"x": [res.replica_stop], "label": [f"scikit-learn stops here (epoch {res.replica_stop})"]}
        )
    chart = charts.stop_curve(
        frame,
        band,
        marks,
        chart_title="scikit-learn's default stopping rule quits on the plateau",
        subtitle=f"2-{s.hidden[0]}-1 logistic network on XOR, full-batch descent, step size {s.lr:g}, seed {s.seed}, "
        f"trained {s.epochs:,} epochs",
    )
    return figure(chart, frame)
