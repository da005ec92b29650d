"""Colours, the shared chart config and small helpers used by every chart.

The palette is Okabe & Ito's, safe for the common forms of colour blindness; loss maps use
viridis. Charts are built once, theme-free: text takes the page's body colour from Streamlit
(charts are drawn with ``theme=None``), and whatever must differ between the light and the dark
theme (in-plot notes, single-colour lines, shading) is a named Vega-Lite *style* whose colours
:func:`themed` fills in when the chart is shown. :data:`CONFIG` holds the rest, the same for
every chart: font sizes, paddings, label limits, no ticks, the categorical palette.
"""

from __future__ import annotations

import copy
import json
import textwrap

from explainer.charts.lazy import alt
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

#: Marker of each kind of critical point: ``(shape, fill)``, one table for every chart that
#: marks them. Shapes and colours both differ; every fill has at least 3:1 against Streamlit's
#: dark background and takes a dark rim (:data:`MARKER_RIM`) that carries it on white, and maps
#: put a light halo under each marker so that it reads on any viridis colour.
CRITICAL_MARKERS = {
    kinds.GLOBAL_MINIMUM: ("circle", END_COLORS[kinds.GLOBAL_MINIMUM]),
    kinds.LOCAL_MINIMUM: ("diamond", END_COLORS[kinds.LOCAL_MINIMUM]),
    kinds.END_SADDLE: ("cross", END_COLORS[kinds.END_SADDLE]),
    kinds.END_MAXIMUM: ("triangle-up", END_COLORS[kinds.END_MAXIMUM]),
    kinds.PLATEAU: ("square", END_COLORS[kinds.PLATEAU]),
}
#: Marker shape of each kind of critical point (the shapes of :data:`CRITICAL_MARKERS`).
CRITICAL_SHAPES = {k: shape for k, (shape, _) in CRITICAL_MARKERS.items()}
CRITICAL_COLORS = {k: fill for k, (_, fill) in CRITICAL_MARKERS.items()}
MARKER_RIM = "#1f1f1f"
MARKER_HALO = "#ffffff"

PATH_COLOR = OKABE_ITO["vermillion"]
#: A grey for lines (contours, rules): 3.4:1 on white and 5.4:1 on the dark theme, enough for
#: graphics (3:1) but not for text, which takes the "note" style instead.
NEUTRAL = "#8c8c8c"
CONTOUR_COLOR = NEUTRAL
LOSS_SCHEME = "viridis"

#: Colours of the named styles, per Streamlit theme. Text styles ("note", "note-<hue>") reach
#: 4.5:1 on their background (a darker shade of the hue on white, the hue itself on the dark
#: theme); "ink-<hue>" colours single-colour lines (3:1 at least); "band" is the opacity of
#: shaded stretches, stronger on the dark background where a pale tint vanishes.
#: Exports use the light values on white.
_NOTE = {
    "light": {
        "": "#595959",
        "vermillion": "#B34700",
        "purple": "#A2487C",
        "orange": "#8F5F00",
        "blue": "#0072B2",
        "green": "#007A59",
        "sky": "#0072B2",
    },
    "dark": {
        "": "#a6a6a6",
        "vermillion": "#D55E00",
        "purple": "#CC79A7",
        "orange": "#E69F00",
        "blue": "#56B4E9",
        "green": "#009E73",
        "sky": "#56B4E9",
    },
}
_INK = {"light": {"blue": "#0072B2"}, "dark": {"blue": "#56B4E9"}}
_BAND = {"light": 0.2, "dark": 0.3}
THEMES = ("light", "dark")


def tint(color: str, white: float) -> str:
    """``color`` (``#rrggbb``) mixed with ``white`` parts of white: an opaque pastel that looks
    the same on a light and a dark page, where a translucent fill would not."""
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * white):02x}" for c in rgb)


def probability_scale() -> alt.Scale:
    """The probability of class 1, 0 to 1, as an opaque pastel from blue through white to orange
    (the classes' own hues, whose full colours mark the points on top): the same on a light and
    a dark page."""
    return alt.Scale(
        domain=[0, 0.5, 1], range=[tint(OKABE_ITO["blue"], 0.55), "#f7f7f7", tint(OKABE_ITO["orange"], 0.55)]
    )


#: How far (a share of its own size) each cell of an opaque rectangle map reaches over its right
#: and upper neighbours, which closes the hairline seams that anti-aliasing leaves between cells
#: (a mesh over the map otherwise). The neighbours are drawn after it and cover the overlap, so
#: the map looks exactly as its cells, without the seams.
SEAM = 0.3


def seamless(chart: alt.Chart, x2: str = "x2", y2: str = "y2", x: str = "x", y: str = "y") -> alt.Chart:
    """``chart`` (opaque rectangles from ``x`` to ``x2`` and ``y`` to ``y2``) with each cell
    overlapping its right and upper neighbours by :data:`SEAM` and drawn bottom row first, left to
    right, so that every overlap is covered; clip the mark, the last cells reach past the map."""
    return chart.transform_calculate(
        **{
            x2: f"datum.{x2} + {SEAM} * (datum.{x2} - datum.{x})",
            y2: f"datum.{y2} + {SEAM} * (datum.{y2} - datum.{y})",
        }
    ).encode(order=[alt.Order(f"{y}:Q", sort="ascending"), alt.Order(f"{x}:Q", sort="ascending")])


def note(hue: str = "") -> str:
    """The style name of in-plot text (a label beside a rule, a value beside a bar), neutral or in
    one of the Okabe-Ito hues of :data:`_NOTE`: set it as ``mark_text(style=note(...))`` and give
    the mark no colour, so that the page's theme picks a colour that reads."""
    if hue not in _NOTE["light"]:
        raise ValueError(f"no note colour for {hue!r}")
    return f"note-{hue}" if hue else "note"


def ink(hue: str) -> str:
    """The style name of a single-colour line in ``hue`` whose shade follows the theme (the dark
    theme's blue is sky, which reads there): ``mark_line(style=ink("blue"))``, no colour."""
    if hue not in _INK["light"]:
        raise ValueError(f"no ink colour for {hue!r}")
    return f"ink-{hue}"


BAND = "band"


def theme_styles(scheme: str) -> dict:
    """``config.style`` of the theme ``scheme`` ("light" or "dark"; anything else is light)."""
    scheme = scheme if scheme in THEMES else "light"
    styles = {note(h): {"color": c} for h, c in _NOTE[scheme].items()}
    styles.update({ink(h): {"color": c} for h, c in _INK[scheme].items()})
    styles[BAND] = {"opacity": _BAND[scheme]}
    return styles


#: Room for text that must never be cut (legend and axis labels); Streamlit's own theme cut
#: axis labels at 100 pixels.
LABEL_LIMIT = 400
#: The config every chart shares (no colour: Streamlit's ``theme=None`` config gives text the
#: page's body colour and the background its own). Vega-Lite merges it under the spec's own.
CONFIG = {
    "axis": {
        "labelFontSize": 12,
        "titleFontSize": 12.5,
        "titleFontWeight": "normal",
        "labelLimit": LABEL_LIMIT,
        "ticks": False,
        "domain": False,
        "labelPadding": 4,
        "titlePadding": 8,
        "gridOpacity": 0.8,
    },
    "legend": {
        "labelFontSize": 12,
        "titleFontSize": 12,
        "titleFontWeight": "normal",
        "labelLimit": LABEL_LIMIT,
        "titleLimit": LABEL_LIMIT,
        "symbolOpacity": 1,
        "columnPadding": 12,
        "rowPadding": 4,
        "padding": 2,
        "offset": 10,
        # Legends on the same side stack, each on its own rows, rather than queue side by side
        # (two legends under a map made it wider than a half-width column). This is Vega's legend
        # layout, which Vega-Lite's schema takes only as an expression.
        "layout": {
            "expr": "{top: {direction: 'vertical', anchor: 'start'}, bottom: {direction: 'vertical', anchor: 'start'}}"
        },
    },
    "header": {"labelFontSize": 12, "labelLimit": LABEL_LIMIT, "titleFontSize": 12.5},
    "title": {
        "fontSize": 15,
        "fontWeight": "bold",
        "subtitleFontSize": 12.5,
        "subtitlePadding": 4,
        "anchor": "start",
        "offset": 12,
    },
    "view": {"stroke": None},
    "range": {"category": list(OKABE_ITO.values())},
    "text": {"fontSize": 12},
}

#: Characters per line of a title and of a subtitle: what fits a half-width column of an
#: 820-pixel page (about 350 pixels) at their font sizes, with room to spare.
TITLE_CHARS = 40
SUBTITLE_CHARS = 56


def _lines(text: str, width: int) -> str | list[str]:
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return lines[0] if len(lines) == 1 else lines


def title(text: str, subtitle: str | None = None) -> alt.Title:
    """A chart title with an optional subtitle, each broken into lines that fit a half-width
    column of an 820-pixel page (a Vega title is never wrapped, only cut: Streamlit cuts it at the
    chart's width less 40 pixels). ``limit=0``: nothing is cut; the lines are short enough."""
    props = dict(anchor="start", limit=0)
    if subtitle:
        props["subtitle"] = _lines(subtitle, SUBTITLE_CHARS)
    return alt.Title(_lines(text, TITLE_CHARS), **props)


def themed(spec: dict, scheme: str) -> dict:
    """A copy of a chart's Vega-Lite ``spec`` with the style colours of the theme ``scheme``
    ("light", "dark") merged into its config (the spec's own styles win)."""
    out = dict(spec)
    config = copy.deepcopy(spec.get("config", {}))
    style = config.setdefault("style", {})
    for name, props in theme_styles(scheme).items():
        style[name] = {**props, **style.get(name, {})}
    # A legend of shapes alone (batch sizes, optimisers) draws its symbols in Vega's default black,
    # invisible on the dark page: give them the text's ink (colour legends keep their scale's).
    legend = config.setdefault("legend", {})
    for prop in ("symbolFillColor", "symbolStrokeColor"):
        legend.setdefault(prop, LEGEND_INK.get(scheme, LEGEND_INK["light"]))
    out["config"] = config
    return out


#: Colour of a shape legend's symbols, per Streamlit theme (the body text's, softened a little).
LEGEND_INK = {"light": "#31333F", "dark": "#d5dae5"}


def with_config(spec: dict) -> dict:
    """``spec`` with :data:`CONFIG` merged under its own config (the spec's own values win)."""
    spec["config"] = _merge(CONFIG, spec.get("config", {}))
    return spec


def _merge(base: dict, top: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


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
