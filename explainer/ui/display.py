"""Showing a chart with its finding and its exports (CSV, SVG, PNG and the Vega-Lite spec from a
small menu under its caption).

Charts arrive as :class:`~explainer.charts.Figure` objects (a Vega-Lite dictionary and its data):
sections build them inside their cached functions, so a rerun redraws a stored spec instead of
rebuilding and re-validating an Altair chart. Specs are stored theme-free; the colours of the
reader's theme (light or dark) are merged into a copy when the chart is drawn, and Streamlit's
``theme=None`` gives axis, legend and title text the page's own body colour (its default chart
theme greys them to 3.7:1 on white).
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from explainer.charts import Figure
from explainer.charts.template import template
from explainer.charts.theme import themed

#: Width in pixels of an exported chart that stretches on the page (maps keep their own size).
EXPORT_WIDTH = 720

#: Pixels per CSS pixel of an exported PNG.
PNG_SCALE = 2

#: Session-state key of a list that, where present, receives ``(name, figure, caption)`` for every
#: chart shown (the export command, ``python -m explainer.export``, puts it there; readers never do).
RECORD = "_export.figures"


def _scheme() -> str:
    """The reader's theme, "light" or "dark" (light where Streamlit cannot tell, as in tests)."""
    try:
        kind = st.context.theme.type
    except Exception:  # no browser session (bare mode, AppTest)
        kind = None
    return kind if kind in ("light", "dark") else "light"


#: How many drawn specs :func:`_drawn` keeps (the full page draws about fifty charts, in two themes).
DRAWN_ENTRIES = 400


def _arrow(values) -> bytes | None:
    """An inline dataset (a list of records) as the Arrow IPC bytes that ``st.vega_lite_chart``
    would make of it on every draw, or None where Streamlit keeps it in the spec (GeoJSON)."""
    from streamlit import dataframe_util
    from streamlit.elements import vega_charts

    if getattr(vega_charts, "_is_geojson_or_topojson_payload", lambda _: True)(values):
        return None
    return dataframe_util.convert_anything_to_arrow_bytes(values)


def frame_arrow(frame) -> bytes:
    """A figure's data frame as Arrow IPC bytes: the table Streamlit would make of its records (the
    same columns, types, metadata and values: missing numbers null, no index)."""
    from streamlit import dataframe_util

    frame = frame.rename(columns=str)
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        frame = frame.reset_index(drop=True)
    return dataframe_util.convert_anything_to_arrow_bytes(frame)


def _prepared(spec: dict, frames: dict, scheme: str) -> dict:
    """``themed(spec, scheme)`` with its datasets already in Arrow bytes: the figure's ``frames``
    it names, and any dataset it holds inline (Streamlit passes datasets that are bytes straight
    to the browser, so the chart is the same)."""
    out, frames = template(themed(spec, scheme), frames)
    inline = out.get("datasets") if isinstance(out.get("datasets"), dict) else {}
    datasets = {name: values if (data := _arrow(values)) is None else data for name, values in inline.items()}
    datasets.update({name: frame_arrow(frame) for name, frame in frames.items()})
    if datasets:
        out["datasets"] = datasets
    return out


@st.cache_resource(max_entries=DRAWN_ENTRIES, show_spinner=False, hash_funcs={dict: id, Figure: id})
def _drawn_entry(fig: Figure, spec: dict, scheme: str) -> tuple[dict, dict]:
    # Keyed by the spec's identity (hashing its thousands of values would cost what it saves);
    # the entry holds the spec, so no other dict can take its ``id`` while the entry lives.
    return spec, _prepared(spec, fig.view_frames(spec), scheme)


def _drawn(fig: Figure, spec: dict, scheme: str) -> dict:
    """One of ``fig``'s views as drawn in ``scheme``, made once per view and theme (see
    :func:`_prepared`).

    Cached views return the same figure on every hit (``explainer.ui.cache``), so a warm rerun
    redraws a chart without merging its theme again or converting its data: turning each data
    set (thousands of rows on a map) into Arrow was about a third of a warm rerun."""
    held, out = _drawn_entry(fig, spec, scheme)
    return out if held is spec else _prepared(spec, fig.view_frames(spec), scheme)


def _sized(spec: dict) -> dict:
    """``spec`` at :data:`EXPORT_WIDTH` pixels where it stretches to its container on the page."""
    spec = dict(spec)
    if spec.get("width") == "container":
        spec["width"] = EXPORT_WIDTH
    return spec


def export_spec(specs: list[dict]) -> dict:
    """One spec to export: the chart, or its stack of charts concatenated vertically, in the light
    theme on white, stretching charts at :data:`EXPORT_WIDTH` pixels."""
    if len(specs) == 1:
        one = _sized(specs[0])
    else:
        datasets, parts = {}, []
        for part in specs:
            part = _sized(part)
            datasets.update(part.pop("datasets", {}))
            for k in ("$schema", "config", "autosize"):
                part.pop(k, None)
            parts.append(part)
        one = {"$schema": specs[0].get("$schema"), "datasets": datasets, "vconcat": parts}
        one["config"] = specs[0].get("config", {})
    one = themed(one, "light")
    one["config"]["background"] = "#ffffff"
    return one


def to_svg(vl_spec: dict) -> str:
    """An export spec (see :func:`export_spec`) drawn as SVG, offline."""
    import vl_convert  # imported on first use: it starts a JavaScript engine

    return vl_convert.vegalite_to_svg(json.dumps(vl_spec))


def to_png(vl_spec: dict) -> bytes:
    """An export spec drawn as PNG at twice its size in pixels (sharp on high-density screens)."""
    import vl_convert

    return vl_convert.vegalite_to_png(json.dumps(vl_spec), scale=PNG_SCALE)


def note(text: str, where=None) -> None:
    """A caption: small text in the body's own colour (``st.caption`` fades text to 60%, about 3.8:1
    on white, under WCAG AA's 4.5:1). Text holding square brackets (a link, an interval) is shown at
    body size, where ``:small[...]`` could not hold it whole."""
    where = st if where is None else where
    where.markdown(text if "[" in text or "]" in text else f":small[{text}]")


def menu_key(key: str) -> str:
    """The widget key of a chart's Export menu (``key`` as given to :func:`show_chart`).

    The menu tracks whether it is open and makes its four download buttons only then: opening it
    reruns the section (a warm rerun, a tenth of a second), where making 4 buttons for each of
    the page's ~45 charts on every run was a quarter of a warm rerun of the whole page. A test
    opens a menu by setting this key to True in the session state."""
    return f"{key}.menu"


def chart_alt(name: str) -> str:
    """The text a screen reader gives a chart: what it is, from its file stem (without the
    settings' numbers it may hold), and where its finding is. It stays the same when a control
    changes the chart's numbers: Streamlit writes it into the Vega-Lite spec, and a spec that
    changes makes the browser embed the chart anew instead of swapping its data (see
    :mod:`explainer.charts.template`). The finding itself, with its numbers, is the caption right
    under the chart."""
    words = [w for w in name.split("-") if not any(ch.isdigit() for ch in w)]  # not "w256", "2"
    return f"Chart: {' '.join(words)}. The caption under it states what it shows."


def show_chart(
    fig: Figure,
    *,
    name: str,
    key: str,
    caption: str,
    on_select=None,
    selection_mode=None,
    chart_key: str | None = None,
):
    """Draw a figure (one chart, or a stack of charts that share one finding) full width, state
    the finding under it, and offer its data and drawing.

    ``name`` is the file stem of the downloads and ``key`` a unique widget key prefix. For a
    single-spec figure, ``on_select``, ``selection_mode`` and ``chart_key`` go to
    ``st.vega_lite_chart`` (a clickable chart); the return value is then its selection state,
    else None.
    """
    record = st.session_state.get(RECORD)
    if record is not None:  # the export command is running the page
        record.append((name, fig, caption))
    data = fig.data
    specs = fig.views if isinstance(fig.views, list) else [fig.views]
    if on_select is not None and len(specs) != 1:
        raise ValueError("on_select needs a single-spec figure")
    scheme = _scheme()
    event = None
    for one in specs:
        fixed = isinstance(one.get("width"), int | float)  # maps keep their aspect ratio
        extra = {}
        if on_select is not None:
            extra = dict(on_select=on_select, selection_mode=selection_mode, key=chart_key)
        elif chart_key is not None and len(specs) == 1:
            extra = dict(key=chart_key)
        out = st.vega_lite_chart(
            _drawn(fig, one, scheme), width="content" if fixed else "stretch", theme=None, alt=chart_alt(name), **extra
        )
        if on_select is not None:
            event = out

    def whole():  # built only on export
        return export_spec(fig.spec if isinstance(fig.spec, list) else [fig.spec])

    # The finding in the body's own colour (st.caption fades it to 60%: 3.9:1 on white), and the
    # menu on a line of its own under it, where nothing squeezes its label ("Exp…" beside a caption
    # in half-width columns at 820 pixels).
    note(caption)
    exports = (
        ("Data (CSV)", lambda: data.to_csv(index=False), "csv", "text/csv"),
        ("Drawing (SVG)", lambda: to_svg(whole()), "svg", "image/svg+xml"),
        ("Picture (PNG)", lambda: to_png(whole()), "png", "image/png"),
        ("Vega-Lite spec (JSON)", lambda: json.dumps(whole(), indent=1), "vl.json", "application/json"),
    )
    menu = st.popover("Export", icon=":material/download:", width="content", key=menu_key(key), on_change="rerun")
    if not menu.open:  # the buttons are made only while the menu is open (see menu_key)
        return event
    with menu:
        for label, make, ext, mime in exports:  # each file is made only when its button is clicked
            st.download_button(
                label,
                data=make,
                file_name=f"{name}.{ext}",
                mime=mime,
                key=f"{key}.{ext}",
                on_click="ignore",
                width="stretch",
            )
    return event
