"""Colours and small helpers shared by every chart.

The palette is Okabe & Ito's, safe for the common forms of colour blindness, and every colour
reads on both Streamlit's light and dark backgrounds; loss maps use viridis.
"""

from __future__ import annotations

import json

import altair as alt

from explainer.core import kinds

OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}

#: Colour of each place a run can end, by id (``explainer.core.kinds.END_KINDS``).
END_COLORS = {
    kinds.GLOBAL_MINIMUM: OKABE_ITO["blue"],
    kinds.LOCAL_MINIMUM: OKABE_ITO["orange"],
    kinds.END_SADDLE: OKABE_ITO["vermillion"],
    kinds.END_MAXIMUM: OKABE_ITO["yellow"],
    kinds.PLATEAU: OKABE_ITO["purple"],
    kinds.STILL_MOVING: OKABE_ITO["green"],
    kinds.LEFT_MAP: OKABE_ITO["sky"],
    kinds.DIVERGED: OKABE_ITO["grey"],
}

#: Colour of each kind of stall, by id (``explainer.core.kinds.STALL_KINDS``).
STALL_COLORS = {
    kinds.STALL_MINIMUM: OKABE_ITO["blue"],
    kinds.STALL_SADDLE: OKABE_ITO["vermillion"],
    kinds.STALL_PLATEAU: OKABE_ITO["purple"],
    kinds.STALL_VALLEY: OKABE_ITO["sky"],
    kinds.STALL_MAXIMUM: OKABE_ITO["green"],
    kinds.STALL_UNKNOWN: OKABE_ITO["grey"],
}

#: Colour of each outcome of a step-size sweep, by id (``explainer.core.kinds.SWEEP_OUTCOMES``).
SWEEP_COLORS = {
    kinds.SWEEP_CONVERGED: OKABE_ITO["blue"],
    kinds.SWEEP_OUT_OF_STEPS: OKABE_ITO["orange"],
    kinds.SWEEP_AWAY_MOVING: OKABE_ITO["green"],
    kinds.SWEEP_AWAY_RESTED: OKABE_ITO["sky"],
    kinds.SWEEP_DIVERGED: OKABE_ITO["vermillion"],
}

#: Marker shape of each kind of critical point.
CRITICAL_SHAPES = {
    kinds.GLOBAL_MINIMUM: "circle",
    kinds.LOCAL_MINIMUM: "diamond",
    kinds.END_SADDLE: "cross",
    kinds.END_MAXIMUM: "triangle-up",
    kinds.PLATEAU: "square",
}

PATH_COLOR = OKABE_ITO["vermillion"]
#: A grey that reads on white and on Streamlit's dark background alike (text, contour lines).
NEUTRAL = "#8c8c8c"
CONTOUR_COLOR = NEUTRAL
LOSS_SCHEME = "viridis"


def title(text: str, subtitle: str | None = None) -> alt.Title:
    """A chart title with an optional one-line subtitle."""
    return alt.Title(text, subtitle=subtitle or "", anchor="start", subtitleColor=NEUTRAL)


def fit_width(chart, height: int, **props):
    """Stretch ``chart`` to its container's width while ``height`` stays the plotting area's
    height (Vega's ``fit-x``; plain ``fit`` would squeeze the plot to make room for legends)."""
    return chart.properties(
        height=height, width="container", autosize=alt.AutoSizeParams(type="fit-x", contains="padding"), **props
    )


def top_legend() -> alt.Legend:
    """A one-line legend above the plot (for line charts whose series are few)."""
    return alt.Legend(orient="top", direction="horizontal")


def color_scale(mapping: dict[str, str], present=None) -> alt.Scale:
    """An ordinal colour scale over ``mapping``'s keys (restricted to ``present`` if given)."""
    keys = [k for k in mapping if present is None or k in set(present)]
    return alt.Scale(domain=keys, range=[mapping[k] for k in keys])


def names(mapping: dict[str, str], field: str = "datum.label") -> str:
    """A Vega expression that turns an id in ``field`` into its display name: for a legend's or
    an axis's ``labelExpr`` (the default field) or a ``transform_calculate`` (``"datum.<column>"``).
    Data carry ids; only what the reader sees carries names."""
    return f"({json.dumps(mapping)})[{field}]"
