"""The landscape section's charts: results in, figures (spec and exportable data) out.

Frames carry ids (moments :data:`~explainer.core.kinds.EARLY` / ``END``, cut courses of
:data:`~explainer.core.kinds.CUT_COURSES`, classes 0 / 1); the charts name them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from explainer.charts import Figure, figure, maps
from explainer.charts import landscape as charts
from explainer.core import kinds
from explainer.core.analyses import landscape as analysis
from explainer.core.contours import contour_segments, quantile_levels
from explainer.core.prose import sci
from explainer.sections.landscape.words import data_name


def moment_names(epochs: Mapping[str, int]) -> dict[str, str]:
    """How charts name the two moments: ``{EARLY: "epoch 1", END: "end (epoch 40)"}``."""
    return {kinds.EARLY: f"epoch {epochs[kinds.EARLY]}", kinds.END: f"end (epoch {epochs[kinds.END]})"}


def lines_frame(losses: Mapping[str, np.ndarray], alphas: np.ndarray, centre: int) -> pd.DataFrame:
    """One row per point of every cut: ``moment`` (id), ``rank`` (the moment's place, early
    first), ``line`` (the cut's row, from 0), ``alpha``, ``loss`` and ``change`` (the loss minus
    its value at ``centre``). ``losses`` maps a moment id to ``(cuts, len(alphas))``."""
    frames = []
    for rank, moment in enumerate(m for m in kinds.MOMENTS if m in losses):
        c = np.asarray(losses[moment])
        k, m = c.shape
        frames.append(
            pd.DataFrame(
                {
                    "moment": moment,
                    "rank": rank,
                    "line": np.repeat(np.arange(k), m),
                    "alpha": np.tile(alphas, k),
                    "loss": c.ravel(),
                    "change": (c - c[:, [centre]]).ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _panels(frame: pd.DataFrame, labels) -> pd.DataFrame:
    """A :func:`lines_frame` as :func:`explainer.charts.landscape.cut_panels` reads it."""
    out = frame.rename(columns={"moment": "when", "line": "order"}).drop(columns="rank")
    out.insert(0, "panel", np.asarray(labels, dtype=object)[out["order"]])
    return out


# ----- the run ----------------------------------------------------------------------------------------


def data_map(over: analysis.Overview) -> Figure:
    cells = maps.heat_frame(over.xs, over.ys, over.prob).rename(columns={"loss": "p"})
    boundary = pd.DataFrame(over.boundary, columns=["x", "y", "x2", "y2"])
    points = pd.DataFrame({"x": over.X[:, 0], "y": over.X[:, 1], "label": over.labels})
    chart = charts.decision_map(
        cells,
        points,
        boundary,
        chart_title=f"The trained network: {over.accuracy:.0%} right",
        subtitle=f"{analysis.N_SAMPLES} {data_name(over.data, capital=False)} points; black line: P(class 1) = 0.5",
    )
    return figure(chart, points)


def loss_curve(over: analysis.Overview) -> Figure:
    frame = pd.DataFrame({"epoch": over.epochs, "loss": over.losses})
    chart = charts.training_loss(
        frame,
        over.epoch_early,
        chart_title="Training loss, one snapshot per epoch",
        subtitle=f"full-batch loss {over.loss_start:.3f} at the start, {over.loss_end:.3f} at epoch {over.epochs_run}",
    )
    return figure(chart, frame)


# ----- one cut per weight -------------------------------------------------------------------------------


def weight_cuts(cuts: analysis.WeightCuts) -> Figure:
    # Three short lines over each panel: its number, then where the weight comes from and goes to.
    labels = [
        f"#{i + 1}" + (" (yours)" if j == 0 else "") + "|" + name.replace(" → ", " →|")
        for j, (i, name) in enumerate(zip(cuts.picks, cuts.names, strict=True))
    ]
    frame = _panels(lines_frame(cuts.losses, cuts.alphas, cuts.centre), labels)
    chart = charts.cut_panels(
        frame,
        moments=moment_names(cuts.epochs),
        chart_title=f"{len(cuts.picks)} of the {analysis.N_PARAMS:,} one-weight cuts, at epoch "
        f"{cuts.epochs[kinds.EARLY]} and at the end",
        subtitle="up: change in loss; each panel moves one weight and keeps the rest fixed; 0 is where the network is",
        x_title="change in this weight",
    )
    return figure(chart, frame)


def tally(every: analysis.EveryWeight) -> Figure:
    frame = pd.DataFrame(
        [
            dict(moment=moment, order=rank, course=course, cuts=n)
            for rank, moment in enumerate(kinds.MOMENTS)
            for course, n in every.tally[moment].items()
            if any(every.tally[m][course] for m in kinds.MOMENTS)  # no empty legend entries
        ]
    )
    chart = charts.cut_tally(
        frame,
        moments=moment_names(every.epochs),
        chart_title=f"All {every.n_params:,} one-weight cuts, each moved by up to ±{every.span:g}",
        subtitle=f"does the loss drop by more than {sci(every.downhill_drop)} at ±{every.offsets[2]:g} or "
        f"±{every.offsets[3]:g}?",
    )
    return figure(chart, frame)


#: The slopes chart starts no lower than this (smaller slopes, and exact zeros, are counted there).
SLOPE_FLOOR = 1e-12


def spread_frame(slopes: np.ndarray, moment: str, points: int = 160) -> pd.DataFrame:
    """Cumulative share of weights with |slope| at most each value, on a log grid from the smallest
    nonzero slope (or :data:`SLOPE_FLOOR`) to the largest: ``slope``, ``slope_text`` (spelled for
    readers), ``share`` (0 to 1) and ``when`` (the moment id)."""
    s = np.sort(np.abs(slopes))
    lo = max(float(s[s > 0].min()) if (s > 0).any() else SLOPE_FLOOR, SLOPE_FLOOR)
    grid = np.logspace(np.log10(lo), np.log10(max(float(s[-1]), lo * 10)), points)
    return pd.DataFrame(
        {
            "slope": grid,
            "slope_text": [sci(g) for g in grid],
            "share": np.searchsorted(s, grid, side="right") / s.size,
            "when": moment,
        }
    )


def spread(every: analysis.EveryWeight) -> Figure:
    frame = pd.concat([spread_frame(every.slopes[m], m) for m in kinds.MOMENTS], ignore_index=True)
    chart = charts.slope_spread(
        frame,
        moments=moment_names(every.epochs),
        chart_title=f"The slope of every one of the {every.n_params:,} cuts",
        subtitle="read across: the share of weights whose cut is flatter than a given slope (epoch "
        f"{every.epochs[kinds.EARLY]} and the end)",
    )
    return figure(chart, frame)


# ----- random directions ---------------------------------------------------------------------------------


def fan(cuts: analysis.RandomCuts) -> Figure:
    frame = lines_frame(cuts.losses, cuts.alphas, cuts.centre)
    frame["course"] = [cuts.courses[m][j] for m, j in zip(frame["moment"], frame["line"], strict=True)]
    frame["direction"] = frame["line"] + 1
    frame = frame.rename(columns={"rank": "order"}).drop(columns="line")
    chart = charts.fan(
        frame,
        moments=moment_names(cuts.epochs),
        chart_title=f"{cuts.count} random directions, each moving every weight at once",
        subtitle="filter-normalised (Li et al. 2018): a step of 1 moves every neuron by its own size; biases stay put",
    )
    return figure(chart, frame)


# ----- the plane of the path, and the straight line ----------------------------------------------------


def plane_map(view: analysis.PathView) -> Figure:
    path = pd.DataFrame(
        {
            "run": 0,
            "step": view.epochs,
            "x": view.coords[:, 0],
            "y": view.coords[:, 1],
            "loss": view.losses,
            "off_plane": view.off_plane,
        }
    )
    z = view.z
    chart = charts.path_plane_map(
        maps.heat_frame(view.xs, view.ys, z),
        contour_segments(view.xs, view.ys, z, quantile_levels(z, 12)),
        path,
        view.bounds,
        log_color=float(z.max() / max(z.min(), 1e-12)) > 30,
        chart_title="The loss over the plane of the training path",
        subtitle=f"the plane holds {view.held:.1%} of the path; ring: start, diamond: end, ball: the epoch shown",
    )
    return figure(chart, path)


def straight_line(view: analysis.PathView) -> Figure:
    frame = pd.DataFrame({"t": view.ts, "loss": view.line})
    chart = charts.straight_line(
        frame,
        chart_title="The straight line from start to end",
        subtitle="all weights move at once, in proportion; past both ends too",
    )
    return figure(chart, frame)


# ----- curvature at the end --------------------------------------------------------------------------------


def eigen_cuts(curv: analysis.Curvature) -> Figure | None:
    """The cuts along the steepest and the lowest eigenvector (``None`` if the search failed)."""
    if curv.failed:
        return None
    labels = [f"steepest direction (curvature {sci(curv.high)})", f"lowest direction (curvature {sci(curv.low)})"]
    losses = np.vstack([curv.steep, curv.lowest])
    frame = _panels(lines_frame({kinds.END: losses}, curv.alphas, len(curv.alphas) // 2), labels)
    chart = charts.cut_panels(
        frame,
        moments={kinds.END: f"end (epoch {curv.last_epoch})"},
        chart_title="The loss along the Hessian's two extreme directions",
        subtitle="up: change in loss; steps along unit eigenvectors in weight space",
        x_title="step along the eigenvector",
        columns=2,
        panel=250,
    )
    return figure(chart, frame)
