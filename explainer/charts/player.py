"""Stepping through a run on a map in the browser: the path is shipped once, and a Vega-Lite
variable bound to a range slider (:data:`POSITION_PARAM`) picks the moment shown, so moving it
redraws the chart without a round trip to the server. Play and pause (``explainer.ui.player``) move
that same slider on a timer.

Timer-driven selections (Vega-Lite's ``"on": "timer"``) do not work on layered charts, and maps are
layers: a bound variable does.

The slider runs over a fixed :data:`POSITIONS` whatever the run's length; each frame carries its
index ``j`` among the frames' steps, the index ``jn`` of its run's next frame, and ``last``, the
last index, and the chart shows frame ``round(position * last / POSITIONS)``. A slider ranged over
the run's own steps would write the run's length into the spec, and a new spec makes Streamlit
embed the chart anew (0.3 to 0.7 s for a map) where new data alone is swapped into the live view.
The shown step is written on the map (the slider's own number, a position, is hidden by
``explainer.ui.player``), and the buttons step from frame to frame (:func:`stops`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from explainer.charts.lazy import alt
from explainer.charts.maps import WEIGHT_AXES, _axes
from explainer.charts.theme import OKABE_ITO, PATH_COLOR, names

#: The Vega-Lite variable holding the slider's position; layers filter on it.
POSITION_PARAM = "shown_at"
#: The slider's positions run from 0 to this, for every run (see the module's docstring).
POSITIONS = 1000
#: Most frames shipped per run (the exact last point is always among them).
MAX_FRAMES = 300
#: ``next`` (and ``jn``) of a run's last frame: it stays shown for every later step.
FOREVER = 10**9


def stride(last_step: int, most: int = MAX_FRAMES) -> int:
    """Steps between shipped frames so that a run of ``last_step`` steps ships at most ``most``."""
    return max(1, math.ceil(last_step / max(most - 1, 1)))


def frames(runs: dict, *, every: int | None = None, most: int = MAX_FRAMES) -> pd.DataFrame:
    """Frames of one or more runs: ``run, step, next, x, y, loss``.

    ``runs`` maps a run's id to ``(positions (k+1, 2), losses (k+1,))``. Every run keeps the steps
    that are multiples of ``every`` (by default the stride that keeps the longest run within
    ``most`` frames) and its exact last step; ``next`` is the step of the run's following frame, so
    a run shows the frame with ``step <= shown < next``.
    """
    longest = max(len(p) - 1 for p, _ in runs.values())
    every = every or stride(longest, most)
    thinned = {}
    for run, (positions, losses) in runs.items():
        positions, losses = np.asarray(positions, float), np.asarray(losses, float)
        last = len(positions) - 1
        keep = np.unique(np.concatenate([np.arange(0, last + 1, every), [last]]))
        thinned[run] = (keep, positions[keep], losses[keep])
    return sampled(thinned)


def sampled(runs: dict) -> pd.DataFrame:
    """Frames of runs that were already thinned: ``runs`` maps a run's id to ``(steps (k,), xy (k, 2),
    losses (k,))`` with the steps kept (its first and last among them); the same columns as
    :func:`frames`, and the frame indices the slider reads (see the module's docstring)."""
    parts = []
    for run, (steps, xy, losses) in runs.items():
        steps, xy = np.asarray(steps, int), np.asarray(xy, float)
        parts.append(
            pd.DataFrame(
                {
                    "run": run,
                    "step": steps,
                    "next": np.append(steps[1:], FOREVER),
                    "x": xy[:, 0],
                    "y": xy[:, 1],
                    "loss": np.asarray(losses, float),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    union = np.unique(frame["step"].to_numpy())
    frame["j"] = np.searchsorted(union, frame["step"].to_numpy())
    ahead = frame["next"].to_numpy()
    frame["jn"] = np.where(ahead == FOREVER, FOREVER, np.searchsorted(union, np.minimum(ahead, union[-1])))
    frame["last"] = len(union) - 1
    return frame


def stops(frame: pd.DataFrame) -> list[int]:
    """The slider's position for each frame index, from the first to the last: where the play and
    step buttons put it (all distinct while there are no more than :data:`POSITIONS` + 1 frames)."""
    last = int(frame["last"].iloc[0]) if len(frame) else 0
    if last == 0:
        return [POSITIONS]
    at = np.floor(np.arange(last + 1) * POSITIONS / last + 0.5).astype(int)
    return [int(p) for p in dict.fromkeys(at.tolist())]


def step_param(unit: str = "step") -> alt.Parameter:
    """The slider's position, starting at the end of the run (the same for every run)."""
    return alt.param(
        name=POSITION_PARAM,
        value=POSITIONS,
        bind=alt.binding_range(min=0, max=POSITIONS, step=1, name=f"{unit} "),
    )


def _index() -> str:
    """The frame index shown at the slider's position (Vega expression)."""
    return f"round({POSITION_PARAM} * datum.last / {POSITIONS})"


def _shown_upto():
    return f"datum.j <= {_index()}"


def _shown_now():
    return f"datum.j <= {_index()} && datum.jn > {_index()}"


def stepped(
    chart: alt.LayerChart,
    frame: pd.DataFrame,
    bounds,
    *,
    color: str = PATH_COLOR,
    colors: dict | None = None,
    shapes: dict | None = None,
    run_names: dict | None = None,
    legend_title: str = "optimiser",
    width: float = 2.5,
    readout: bool = True,
    titles=WEIGHT_AXES,
    unit: str = "step",
    on_top: tuple = (),
) -> alt.LayerChart:
    """``chart`` (a composed map) with ``frame``'s runs (see :func:`frames`) drawn up to the shown
    step: a faint ghost of the whole path, the path so far with a dark halo, and a ball at the
    shown step; and the slider that picks that step (starting at the end, so the still chart is the
    whole run).

    One run is drawn in ``color``; several runs get ``colors`` and ``shapes`` (run id -> colour /
    Vega shape) with a legend that reads ``run_names`` (run id -> name). ``readout`` writes the shown
    step in the map's top-left corner, and with one run its loss.
    """
    x, y = _axes(bounds, titles)
    runs = list(dict.fromkeys(frame["run"]))
    several = colors is not None or len(runs) > 1
    base = alt.Chart(frame).encode(x=x, y=y, order=alt.Order("step:Q"), detail=alt.Detail("run:N"))
    if colors is not None:
        scale = alt.Scale(domain=runs, range=[colors[r] for r in runs])
        label = names(run_names) if run_names else None
        legend = alt.Legend(
            title=legend_title, orient="bottom", direction="horizontal", columns=2, labelExpr=label, labelLimit=0,
            symbolSize=110, symbolStrokeWidth=1.5,
        )  # fmt: skip
        line_color = alt.Color("run:N", scale=scale, legend=None)
        ball_color = alt.Color("run:N", scale=scale, legend=legend)
        ball_shape = alt.Shape("run:N", scale=alt.Scale(domain=runs, range=[shapes[r] for r in runs]), legend=legend)
        ghost = base.mark_line(strokeWidth=1.2, opacity=0.35, clip=True).encode(color=line_color)
        trail = base.transform_filter(_shown_upto()).mark_line(strokeWidth=width, clip=True).encode(color=line_color)
        ball = (
            alt.Chart(frame)
            .transform_filter(_shown_now())
            .mark_point(size=150, filled=True, opacity=1, stroke="white", strokeWidth=1.2, clip=True)
            .encode(x=x, y=y, color=ball_color, shape=ball_shape, tooltip=_tooltips(run_names))
        )
    else:
        ghost = base.mark_line(color=color, strokeWidth=1.2, opacity=0.35, strokeDash=[3, 2], clip=True)
        trail = base.transform_filter(_shown_upto()).mark_line(color=color, strokeWidth=width, clip=True)
        ball = (
            alt.Chart(frame)
            .transform_filter(_shown_now())
            # White with a dark rim: unlike every critical-point marker, on any colour of the map.
            .mark_point(size=150, filled=True, color="white", opacity=1, stroke="black", strokeWidth=1.8, clip=True)
            .encode(x=x, y=y, tooltip=_tooltips(None))
        )
    halo = base.transform_filter(_shown_upto()).mark_line(color="black", strokeWidth=width + 2, opacity=0.45, clip=True)
    layers = [ghost, halo, trail, ball]
    if readout:
        layers += _readout(frame, unit, loss=not several)
    out = chart.copy()
    # ``on_top`` (the critical points) over the runs: a ball that ends on a minimum leaves its
    # marker readable.
    out.layer = [*chart.layer, *layers, *on_top]
    return out.add_params(step_param(unit))


def _tooltips(run_names: dict | None) -> list:
    tips = [alt.Tooltip("step:Q"), alt.Tooltip("x:Q", format=".4f"), alt.Tooltip("y:Q", format=".4f")]
    tips.append(alt.Tooltip("loss:Q", format=".5g"))
    return ([alt.Tooltip("run:N", title="optimiser")] if run_names else []) + tips


def _readout(frame: pd.DataFrame, unit: str = "step", *, loss: bool = True) -> list[alt.Chart]:
    """The shown step (and, for one run, its loss), white on a dark shadow, in the plot's top-left
    corner. With several runs it is the furthest step any run has reached."""
    text = alt.Chart(frame).transform_filter(_shown_now())
    if loss:
        text = text.transform_calculate(readout=f"'{unit} ' + datum.step + ' · loss ' + format(datum.loss, '.4g')")
    else:
        text = text.transform_aggregate(step="max(step)").transform_calculate(readout=f"'{unit} ' + datum.step")
    common = dict(align="left", baseline="top", fontSize=12, fontWeight="bold")
    shadow = text.mark_text(color="black", opacity=0.75, dx=1, dy=1, **common).encode(
        x=alt.XValue(6), y=alt.YValue(6), text=alt.Text("readout:N")
    )
    front = text.mark_text(color="white", **common).encode(x=alt.XValue(6), y=alt.YValue(6), text="readout:N")
    return [shadow, front]


#: Colour and marker of each optimiser of ``explainer.core.optimize.METHODS`` (Okabe-Ito).
RACE_COLORS = {
    "gd": OKABE_ITO["vermillion"],
    "momentum": OKABE_ITO["sky"],
    "nesterov": OKABE_ITO["yellow"],
    "adam": OKABE_ITO["purple"],
    "noisy": OKABE_ITO["orange"],
    "perturbed": OKABE_ITO["green"],
}
RACE_SHAPES = {
    "gd": "circle",
    "momentum": "square",
    "nesterov": "triangle-up",
    "adam": "diamond",
    "noisy": "triangle-left",  # not the cross: that marks a saddle
    "perturbed": "triangle-down",
}
