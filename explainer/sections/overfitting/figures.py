"""The overfitting section's charts: results in, figures (spec and exportable data) out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from explainer.charts import Figure, figure
from explainer.charts import overfitting as charts
from explainer.charts.maps import heat_frame
from explainer.charts.theme import title
from explainer.core.analyses.overfitting import CurveFit, LabelsFit, SharpRuns

ERROR_NAMES = {"train": "training error", "val": "validation error", "test": "test error"}
FIT_NAMES = {
    "train": "training points",
    "test": "test points",
    "truth": "true curve",
    "early": "early-stopped fit",
    "late": "late fit",
}
LABEL_NAMES = {"0": "label 0", "1": "label 1"}
PANELS = (("true", "True labels"), ("random", "Random labels"))


def errors(fit: CurveFit) -> Figure:
    r = fit.run
    frame = pd.concat(
        [
            pd.DataFrame({"epoch": r.epochs, "mse": r.train, "series": "train"}),
            pd.DataFrame({"epoch": r.epochs, "mse": r.test, "series": "test"}),
        ]
        + ([pd.DataFrame({"epoch": r.epochs, "mse": r.val, "series": "val"})] if r.val is not None else []),
        ignore_index=True,
    )
    marks = pd.DataFrame(
        {
            "epoch": [fit.best_iteration, fit.late_iteration],
            "mse": [fit.test_early, fit.test_late],
            "series": ["early", "late"],
            "label": [f"early stop (validation), epoch {fit.best_iteration:,}", f"late, epoch {fit.late_iteration:,}"],
        }
    )
    chart = charts.error_curves(
        frame,
        marks,
        ERROR_NAMES,
        chart_title="Training and test error along training",
        subtitle=f"{fit.settings.width} hidden units, penalty α = {fit.settings.alpha:g}, Adam, full batches of "
        f"{fit.settings.n_train} points",
    )
    return figure(chart, pd.concat([frame, marks.drop(columns="label")], ignore_index=True))


def fits(fit: CurveFit) -> Figure:
    r = fit.run
    points = pd.concat(
        [
            pd.DataFrame({"x": fit.x_test, "y": fit.y_test, "series": "test"}),
            pd.DataFrame({"x": fit.x_train, "y": fit.y_train, "series": "train"}),
        ],
        ignore_index=True,
    )
    curves = pd.concat(
        [
            pd.DataFrame({"x": r.grid, "y": fit.truth, "series": "truth"}),
            pd.DataFrame({"x": r.grid, "y": r.best_curve, "series": "early"}),
            pd.DataFrame({"x": r.grid, "y": r.lowest_curve, "series": "late"}),
        ],
        ignore_index=True,
    )
    chart = charts.fits(
        points,
        curves,
        FIT_NAMES,
        chart_title="The early and the late fit over the data",
        subtitle=f"early-stopped fit at epoch {fit.best_iteration:,}, late fit at epoch {fit.late_iteration:,}",
    )
    return figure(chart, pd.concat([points.assign(part="data"), curves.assign(part="fit")], ignore_index=True))


def labels(res: LabelsFit) -> Figure:
    heats, dots = [], []
    for k, (panel, _) in enumerate(PANELS):
        heats.append(heat_frame(res.xs, res.ys, res.proba[k]).rename(columns={"loss": "p"}).assign(panel=panel))
        y = res.y_true if k == 0 else res.y_random
        dots.append(
            pd.DataFrame({"x": res.X_train[:, 0], "y": res.X_train[:, 1], "label": y.astype(str), "panel": panel})
        )
    heat, points = pd.concat(heats, ignore_index=True), pd.concat(dots, ignore_index=True)
    headings = [
        (panel, f"{heading}: train {res.train_acc[k]:.0%}, test {res.test_acc[k]:.0%}")
        for k, (panel, heading) in enumerate(PANELS)
    ]
    chart = charts.probability_maps(heat, points, headings, LABEL_NAMES)
    subtitle = "colour: the network's probability of label 1; dots: training points"
    chart = chart.properties(title=title("True labels against random labels", subtitle))
    data = pd.concat([heat.assign(part="map"), points.assign(part="training point")], ignore_index=True)
    return figure(chart, data)


def sharpness(res: SharpRuns) -> Figure:
    ok = res.measured
    frame = pd.DataFrame(
        {
            "sharpness": res.sharpness[ok],
            "y": res.test_loss[ok],
            "group": [f"batch {b}" + (" (full)" if b >= res.settings.n_train else "") for b in res.batch_size[ok]],
            "tip": [f"batch {b}, seed {s}" for b, s in zip(res.batch_size[ok], res.run_seed[ok], strict=True)],
            "train_loss": res.train_loss[ok],
        }
    )
    s = res.settings
    chart = charts.scatter(
        frame,
        x_field="sharpness",
        x_title="sharpness: largest Hessian eigenvalue of the training loss (log scale)",
        y_title="test loss (log-loss)",
        group_title="SGD batch size",
        chart_title="Sharpness against test loss",
        subtitle=f"{len(frame)} runs: {s.runs} seeds × {len(s.batch_sizes)} batch sizes, plain SGD, step {s.lr:g}, "
        f"each stopped at training loss {s.target:g}",
        log_x=True,
    )
    return figure(chart, frame)


def minima(res: SharpRuns) -> Figure:
    frame = pd.DataFrame(
        {
            "train": res.minima_train_loss,
            "y": res.minima_test_loss,
            "group": np.where(res.rest, "at rest", "not at rest"),
            "tip": [f"seed {res.settings.seed + i}" for i in range(len(res.minima_train_loss))],
            "grad_norm": res.minima_grad_norm,
        }
    )
    hidden = "-".join(str(h) for h in res.settings.minima_hidden)
    chart = charts.scatter(
        frame,
        x_field="train",
        x_title="training loss at the minimum (log-loss)",
        y_title="test loss (log-loss)",
        group_title="L-BFGS run",
        chart_title="Minima of different heights: training against test loss",
        subtitle=f"a small network ({hidden} hidden units) fitted to rest from {len(frame)} seeds",
        height=200,
    )
    return figure(chart, frame)
