"""Altair chart factories: data in, chart out; nothing here touches the page.

Importing this package configures Altair for speed on the page's hot path:

- a lean data transformer, ``"records"``: data frames become plain JSON records without
  Altair's per-column sanitising pass (our frames hold only numbers and strings), NaN becomes
  null, and there is no 5,000-row cap, so the dense maps stay cheap to build;
- Altair's debug mode off, so chart objects are not validated one by one as they are created.
  Whole specs are still validated against the Vega-Lite schema by ``to_dict()``, which is what
  the chart tests call.
"""

import altair as alt
import pandas as pd
from altair.utils.schemapi import disable_debug_mode


def _records(data):
    if isinstance(data, pd.DataFrame):
        names = [str(c) for c in data.columns]
        columns = []
        for c in data.columns:
            values = data[c].tolist()  # plain Python scalars
            if data[c].isna().any():
                values = [None if v is None or v != v else v for v in values]  # NaN is not JSON
            columns.append(values)
        return {"values": [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]}
    return alt.utils.data.to_values(data)


alt.data_transformers.register("records", _records)
alt.data_transformers.enable("records")
disable_debug_mode()


class Figure:
    """A chart ready for the page: its Vega-Lite spec (or a stack of specs that share one finding)
    and the data frame a reader can export."""

    __slots__ = ("data", "spec")

    def __init__(self, spec: dict | list[dict], data: pd.DataFrame):
        self.spec = spec
        self.data = data


def figure(chart: alt.TopLevelMixin | list[alt.TopLevelMixin], data: pd.DataFrame) -> Figure:
    """A :class:`Figure` from one Altair chart or several stacked ones.

    The spec is built once, without schema validation (the page's hot path); the chart tests
    build every factory's output with validation on. Every spec gets the shared config
    (:data:`explainer.charts.theme.CONFIG`) under its own; theme colours come when it is shown
    (:func:`explainer.charts.theme.themed`).
    """
    from explainer.charts.theme import with_config

    charts = chart if isinstance(chart, list | tuple) else [chart]
    specs = [with_config(c.to_dict(validate=False)) for c in charts]
    return Figure(specs if isinstance(chart, list | tuple) else specs[0], data)
