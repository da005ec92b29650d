"""Charts of the overfitting section: error curves, fits over the data, probability maps, and
sharpness against test loss.

Data frames in, Altair charts out; frames carry ids, and the charts map them to display names
(``names`` arguments) for legends.
"""

from __future__ import annotations

import pandas as pd

from explainer.charts.lazy import alt
from explainer.charts.theme import NEUTRAL, OKABE_ITO, fit_width, names, note, probability_scale, seamless, title

#: Colour of each series, by id (the ids are the section's: ``train``, ``test``, ``early``, ...).
SERIES_COLORS = {
    "train": OKABE_ITO["blue"],
    "test": OKABE_ITO["vermillion"],
    "val": OKABE_ITO["orange"],
    "early": OKABE_ITO["green"],
    "late": OKABE_ITO["purple"],
    "truth": NEUTRAL,
}
#: The theme's shade of each marked point's colour, for its label (text needs 4.5:1).
NOTE_HUES = {"early": "green", "late": "purple"}
SERIES_SHAPES = {"train": "circle", "test": "triangle-up", "early": "diamond", "late": "square"}
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]
PALETTE = [OKABE_ITO[k] for k in ("orange", "sky", "green", "purple", "vermillion", "blue")]
#: Diverging and colour-blind safe (the maps now use ``theme.probability_scale``, an opaque pastel).
PROBABILITY_SCHEME = "blueorange"


def _legend(mapping: dict[str, str], orient: str = "top") -> alt.Legend:
    return alt.Legend(orient=orient, direction="horizontal", title=None, labelExpr=names(mapping), symbolOpacity=1)


def _scale(mapping: dict, keys) -> alt.Scale:
    return alt.Scale(domain=list(keys), range=[mapping[k] for k in keys])


def error_curves(
    frame: pd.DataFrame, marks: pd.DataFrame, series_names: dict[str, str], *, chart_title: str, subtitle: str = ""
) -> alt.LayerChart:
    """Mean squared error against epoch on a log axis (``frame``: ``epoch, mse, series`` with series
    ``train``/``test``), with the early-stopping and the late points (``marks``: ``epoch, mse,
    series, label`` with series ``early``/``late``) marked by rules and points."""
    keys = [k for k in ("train", "val", "test") if k in set(frame["series"])]
    x = alt.X("epoch:Q", title="epoch (log scale)", scale=alt.Scale(type="log", nice=False))
    y = alt.Y("mse:Q", title="mean squared error", scale=alt.Scale(type="log", nice=False))
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=alt.Color("series:N", scale=_scale(SERIES_COLORS, keys), legend=_legend(series_names)),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=keys, range=[{"train": [1, 0], "val": [2, 2]}.get(k, [6, 3]) for k in keys]),
                legend=None,
            ),
            tooltip=[alt.Tooltip("series:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("mse:Q", format=".4f")],
        )
    )
    mark_keys = [k for k in ("early", "late") if k in set(marks["series"])]
    rules = (
        alt.Chart(marks)
        .mark_rule(strokeDash=[3, 3], strokeWidth=1.5)
        .encode(x="epoch:Q", color=alt.Color("series:N", scale=_scale(SERIES_COLORS, mark_keys), legend=None))
    )
    dots = (
        alt.Chart(marks)
        .mark_point(filled=True, size=90, opacity=1)
        .encode(
            x="epoch:Q",
            y="mse:Q",
            color=alt.Color("series:N", scale=_scale(SERIES_COLORS, mark_keys), legend=None),
            shape=alt.Shape("series:N", scale=_scale(SERIES_SHAPES, mark_keys), legend=None),
            tooltip=[alt.Tooltip("label:N", title="point"), alt.Tooltip("epoch:Q"), alt.Tooltip("mse:Q", format=".4f")],
        )
    )
    texts = [
        alt.Chart(marks[marks["series"] == key])
        # At the top of the plot beside its rule, where the error curves (high only at the first
        # epochs, left of both rules) leave room: next to the point they crossed the curves.
        .mark_text(
            align="left" if key == "early" else "right",
            baseline="top",
            dx=6 if key == "early" else -8,
            fontWeight="bold",
            style=note(NOTE_HUES[key]),
        )
        .encode(x="epoch:Q", y=alt.YValue(4), text="label:N")
        for key in mark_keys
    ]
    chart = alt.layer(lines, rules, dots, *texts).resolve_scale(color="independent", shape="independent")
    return fit_width(chart, 250, title=title(chart_title, subtitle))


def fits(
    points: pd.DataFrame, curves: pd.DataFrame, series_names: dict[str, str], *, chart_title: str, subtitle: str = ""
) -> alt.LayerChart:
    """The data (``points``: ``x, y, series`` with series ``train``/``test``) and fitted curves
    (``curves``: ``x, y, series`` with series ``early``/``late``/``truth``)."""
    p_keys = [k for k in ("train", "test") if k in set(points["series"])]
    c_keys = [k for k in ("truth", "early", "late") if k in set(curves["series"])]
    x = alt.X("x:Q", title="input x", scale=alt.Scale(domain=[-1, 1], nice=False))
    y = alt.Y("y:Q", title="target y")
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, opacity=0.75)
        .encode(
            x=x,
            y=y,
            size=alt.Size(
                "series:N",
                scale=alt.Scale(domain=p_keys, range=[70 if k == "train" else 18 for k in p_keys]),
                legend=None,
            ),
            color=alt.Color("series:N", scale=_scale(SERIES_COLORS, p_keys), legend=_legend(series_names)),
            shape=alt.Shape("series:N", scale=_scale(SERIES_SHAPES, p_keys), legend=_legend(series_names)),
            tooltip=[alt.Tooltip("series:N"), alt.Tooltip("x:Q", format=".3f"), alt.Tooltip("y:Q", format=".3f")],
        )
    )
    lines = (
        alt.Chart(curves)
        .mark_line(strokeWidth=2.4)
        .encode(
            x=x,
            y=y,
            color=alt.Color("series:N", scale=_scale(SERIES_COLORS, c_keys), legend=_legend(series_names, "bottom")),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=c_keys, range=[[2, 2] if k == "truth" else [1, 0] for k in c_keys]),
                legend=_legend(series_names, "bottom"),
            ),
            detail="series:N",
        )
    )
    chart = alt.layer(dots, lines).resolve_scale(color="independent", shape="independent", strokeDash="independent")
    return fit_width(chart, 260, title=title(chart_title, subtitle))


def probability_maps(
    heat: pd.DataFrame,
    points: pd.DataFrame,
    panels: list[tuple[str, str]],
    label_names: dict[str, str],
    *,
    size: int = 300,
) -> alt.HConcatChart:
    """One map per ``(panel id, heading)``: the predicted probability of class 1 as rectangles
    (``heat``: ``panel, x, x2, y, y2, p``) with the training points on top (``points``: ``panel, x,
    y, label`` with label ids ``"0"``/``"1"``)."""
    maps = []
    label_keys = ["0", "1"]
    for i, (panel, heading) in enumerate(panels):
        h, p = heat[heat["panel"] == panel], points[points["panel"] == panel]
        rect = (
            seamless(alt.Chart(h))
            .mark_rect(clip=True)
            .encode(
                x=alt.X("x:Q", title="feature 1", scale=alt.Scale(nice=False, zero=False), axis=alt.Axis(grid=False)),
                x2="x2:Q",
                y=alt.Y(
                    "y:Q",
                    title="feature 2" if i == 0 else None,
                    scale=alt.Scale(nice=False, zero=False),
                    axis=alt.Axis(grid=False),
                ),
                y2="y2:Q",
                color=alt.Color(
                    "p:Q",
                    title="P(class 1)",
                    scale=probability_scale(),
                    legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=220),
                ),
            )
        )
        dots = (
            alt.Chart(p)
            .mark_point(filled=True, size=42, stroke="#202020", strokeWidth=0.8, opacity=1)
            .encode(
                x="x:Q",
                y="y:Q",
                fill=alt.Fill(
                    "label:N",
                    scale=alt.Scale(domain=label_keys, range=[OKABE_ITO["blue"], OKABE_ITO["orange"]]),
                    legend=_legend(label_names, "bottom"),
                ),
                shape=alt.Shape(
                    "label:N",
                    scale=alt.Scale(domain=label_keys, range=["circle", "triangle-up"]),
                    legend=_legend(label_names, "bottom"),
                ),
                tooltip=[alt.Tooltip("x:Q", format=".2f"), alt.Tooltip("y:Q", format=".2f"), alt.Tooltip("label:N")],
            )
        )
        maps.append(
            alt.layer(rect, dots).properties(
                width=size, height=size, title=alt.Title(heading, anchor="start", fontSize=12)
            )
        )
    return alt.hconcat(*maps, spacing=14).resolve_scale(color="shared")


def scatter(
    frame: pd.DataFrame,
    *,
    x_field: str,
    x_title: str,
    y_title: str,
    group_title: str,
    chart_title: str,
    subtitle: str = "",
    log_x: bool = False,
    height: int = 240,
) -> alt.Chart:
    """``y`` against ``x_field``, one colour and marker shape per ``group`` (a label, in legend
    order). ``frame``: ``x_field, y, group``, plus ``tip`` for the tooltip."""
    groups = list(dict.fromkeys(frame["group"]))
    legend = alt.Legend(orient="top", direction="horizontal", title=group_title, symbolOpacity=1)
    chart = (
        alt.Chart(frame)
        .mark_point(filled=True, size=80, opacity=0.85)
        .encode(
            x=alt.X(
                f"{x_field}:Q",
                title=x_title,
                # A few pixels beyond the data, so that no marker at an end is cut in half.
                scale=alt.Scale(type="log" if log_x else "linear", zero=False, nice=False, padding=10),
            ),
            y=alt.Y("y:Q", title=y_title, scale=alt.Scale(zero=False)),
            color=alt.Color(
                "group:N", sort=groups, scale=alt.Scale(domain=groups, range=PALETTE[: len(groups)]), legend=legend
            ),
            shape=alt.Shape(
                "group:N", sort=groups, scale=alt.Scale(domain=groups, range=SHAPES[: len(groups)]), legend=legend
            ),
            tooltip=[
                alt.Tooltip("tip:N", title="run"),
                alt.Tooltip(f"{x_field}:Q", format=".4g"),
                alt.Tooltip("y:Q", format=".4f"),
            ],
        )
    )
    return fit_width(chart, height, title=title(chart_title, subtitle))
