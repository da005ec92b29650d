"""Colours and small helpers shared by every chart.

The palette is Okabe & Ito's, safe for the common forms of colour blindness, and every colour
reads on both Streamlit's light and dark backgrounds; loss maps use viridis.
"""

from __future__ import annotations

import altair as alt

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

#: Colour of each place a run can end (see ``explainer.core.traps.END_LABELS``).
END_COLORS = {
    "global minimum": OKABE_ITO["blue"],
    "local minimum": OKABE_ITO["orange"],
    "saddle": OKABE_ITO["vermillion"],
    "plateau": OKABE_ITO["purple"],
    "still moving": OKABE_ITO["green"],
    "left the map": OKABE_ITO["sky"],
    "diverged": OKABE_ITO["grey"],
}

#: Colour of each kind of stall (see ``explainer.core.stalls``).
STALL_COLORS = {
    "minimum": OKABE_ITO["blue"],
    "saddle": OKABE_ITO["vermillion"],
    "plateau": OKABE_ITO["purple"],
    "maximum": OKABE_ITO["green"],
    "unknown": OKABE_ITO["grey"],
}

#: Marker shape of each kind of critical point.
CRITICAL_SHAPES = {
    "global-minimum": "circle",
    "local-minimum": "circle",
    "saddle": "cross",
    "maximum": "triangle-up",
    "plateau": "square",
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
