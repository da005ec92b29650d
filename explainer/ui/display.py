"""Showing a chart with its finding and its exports (PNG from the chart's own toolbar; CSV, SVG
and the Vega-Lite spec from a small menu beside its caption).

Charts arrive as Vega-Lite dictionaries: sections build them with the Altair factories inside
their cached functions (:func:`spec`), so a rerun redraws a stored spec instead of rebuilding
and re-validating an Altair chart.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st


def spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite specification, data included.

    Schema validation is skipped here, on the page's hot path; the chart tests build every
    factory's output with validation on.
    """
    return chart.to_dict(validate=False)


def _stack(specs: list[dict]) -> dict:
    """One vertically concatenated spec from several top-level ones (for export)."""
    datasets, parts = {}, []
    for one in specs:
        one = dict(one)
        datasets.update(one.pop("datasets", {}))
        one.pop("$schema", None)
        one.pop("config", None)
        one.pop("width", None)
        parts.append(one)
    return {"$schema": specs[0].get("$schema"), "datasets": datasets, "vconcat": parts}


def _svg(vl_spec: dict) -> str:
    import vl_convert  # imported on first use: it starts a JavaScript engine

    return vl_convert.vegalite_to_svg(json.dumps(vl_spec))


def show_chart(vl_spec: dict | list[dict], data: pd.DataFrame, *, name: str, key: str, caption: str) -> None:
    """Draw a chart (or a stack of charts that share one finding) full width, state the finding
    under it, and offer its data and drawing.

    ``name`` is the file stem of the downloads and ``key`` a unique widget key prefix.
    """
    specs = vl_spec if isinstance(vl_spec, list) else [vl_spec]
    for one in specs:
        fixed = isinstance(one.get("width"), int | float)  # maps keep their aspect ratio
        st.vega_lite_chart(one, width="content" if fixed else "stretch", alt=caption)
    whole = (lambda: specs[0]) if len(specs) == 1 else (lambda: _stack(specs))  # built only on export
    text, menu = st.columns([0.76, 0.24], vertical_alignment="top")
    text.caption(caption)
    exports = (
        ("Data (CSV)", lambda: data.to_csv(index=False), "csv", "text/csv"),
        ("Drawing (SVG)", lambda: _svg(whole()), "svg", "image/svg+xml"),
        ("Vega-Lite spec (JSON)", lambda: json.dumps(whole(), indent=1), "vl.json", "application/json"),
    )
    with menu.popover("Export", icon=":material/download:", width="stretch"):
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
        st.caption("PNG: the chart's own menu, top right of the chart.")
