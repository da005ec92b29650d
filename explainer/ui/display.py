"""Showing a chart with its finding and its exports (PNG from the chart's own toolbar; CSV, SVG
and the Vega-Lite spec from a small menu beside its caption).

Charts arrive as :class:`~explainer.charts.Figure` objects (a Vega-Lite dictionary and its data):
sections build them inside their cached functions, so a rerun redraws a stored spec instead of
rebuilding and re-validating an Altair chart.
"""

from __future__ import annotations

import json

import streamlit as st

from explainer.charts import Figure


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


def show_chart(fig: Figure, *, name: str, key: str, caption: str) -> None:
    """Draw a figure (one chart, or a stack of charts that share one finding) full width, state
    the finding under it, and offer its data and drawing.

    ``name`` is the file stem of the downloads and ``key`` a unique widget key prefix.
    """
    data = fig.data
    specs = fig.spec if isinstance(fig.spec, list) else [fig.spec]
    for one in specs:
        fixed = isinstance(one.get("width"), int | float)  # maps keep their aspect ratio
        st.vega_lite_chart(one, width="content" if fixed else "stretch", alt=caption)
    whole = (lambda: specs[0]) if len(specs) == 1 else (lambda: _stack(specs))  # built only on export
    # The caption takes the room the menu's button leaves (a fixed column split clipped the button
    # to "Exp…" in half-width columns at 820 pixels).
    row = st.container(horizontal=True, vertical_alignment="top", gap="small", wrap=False)
    row.caption(caption, width="stretch")
    exports = (
        ("Data (CSV)", lambda: data.to_csv(index=False), "csv", "text/csv"),
        ("Drawing (SVG)", lambda: _svg(whole()), "svg", "image/svg+xml"),
        ("Vega-Lite spec (JSON)", lambda: json.dumps(whole(), indent=1), "vl.json", "application/json"),
    )
    with row.popover("Export", icon=":material/download:", width="content"):
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
