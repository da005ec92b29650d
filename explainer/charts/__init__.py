"""Altair chart factories: data in, chart out; nothing here touches the page.

Importing this package registers a lean Altair data transformer, ``"records"``: data frames
become plain JSON records without Altair's per-column sanitising pass (our frames hold only
numbers and strings), NaN becomes null, and there is no 5,000-row cap, so the dense maps stay
cheap to build.
"""

import altair as alt
import pandas as pd


def _records(data):
    if isinstance(data, pd.DataFrame):
        frame = data
        if frame.isna().to_numpy().any():
            frame = frame.astype(object).where(frame.notna(), None)
        return {"values": frame.to_dict(orient="records")}
    return alt.utils.data.to_values(data)


alt.data_transformers.register("records", _records)
alt.data_transformers.enable("records")
