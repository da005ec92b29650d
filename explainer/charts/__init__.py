"""Altair chart factories: data in, chart out; nothing here touches the page.

Altair is imported when the first chart is built (:mod:`explainer.charts.lazy`), and configured
then for speed on the page's hot path:

- a lean data transformer, ``"records"``: data frames become plain JSON records without
  Altair's per-column sanitising pass (our frames hold only numbers and strings), NaN becomes
  null, and there is no 5,000-row cap, so the dense maps stay cheap to build;
- Altair's debug mode off, so chart objects are not validated one by one as they are created.
  Whole specs are still validated against the Vega-Lite schema by ``to_dict()``, which is what
  the chart tests call;
- faster stand-ins for Altair's deep copy and its shorthand parsing, with the same results
  (:mod:`explainer.charts.speed`): they halve the time the page's charts take to build.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from explainer.charts.lazy import alt


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


#: Where a chart's parts sit inside a compound chart (layers, rows and columns, a facet's cell).
_PARTS = ("layer", "hconcat", "vconcat", "concat")


def frame_name(frame: pd.DataFrame) -> str:
    """A name for ``frame`` that only an equal frame shares: a hash of its columns, their types
    and every value (pandas' vectorised row hashes; a frame holding lists falls back to its JSON)."""
    digest = hashlib.sha256(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    try:
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    except TypeError:
        digest.update(frame.to_json(orient="values").encode())
    return "frame-" + digest.hexdigest()[:32]


def _name_frames(chart, frames: dict[str, pd.DataFrame]) -> None:
    """Put a named reference where ``chart`` (or any of its parts) holds a data frame, and the
    frame into ``frames`` under that name."""
    from altair.utils.schemapi import SchemaBase, Undefined

    data = chart._kwds.get("data", Undefined)
    if isinstance(data, pd.DataFrame):
        name = frame_name(data)
        frames.setdefault(name, data)
        chart.data = alt.NamedData(name=name)
    for part in _PARTS:
        subs = chart._kwds.get(part, Undefined)
        for sub in subs if isinstance(subs, list | tuple) else ():
            if isinstance(sub, SchemaBase):
                _name_frames(sub, frames)
    sub = chart._kwds.get("spec", Undefined)
    if isinstance(sub, SchemaBase):
        _name_frames(sub, frames)


def _names(spec: dict) -> list[str]:
    """The dataset names ``spec`` (or any of its parts) reads, in order of first use."""
    found = []
    data = spec.get("data")
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        found.append(data["name"])
    for part in _PARTS:
        for sub in spec.get(part, ()):
            found += _names(sub)
    if isinstance(spec.get("spec"), dict):
        found += _names(spec["spec"])
    return list(dict.fromkeys(found))


class Figure:
    """A chart ready for the page: its Vega-Lite spec (or a stack of specs that share one finding)
    and the data frame a reader can export.

    The page draws ``views``, specs whose data are named references to ``frames`` (the chart's
    own data frames, by :func:`frame_name`): each frame goes to the browser as Arrow, made from
    the frame itself. ``spec`` is the same chart with its data inline as records, a complete
    Vega-Lite spec (for the exports and the tests); it is made when first asked for."""

    __slots__ = ("_spec", "data", "frames", "views")

    #: What a stored copy of the figure holds (see :mod:`explainer.core.store`).
    _stored_fields = ("views", "data", "frames")

    def __init__(self, views: dict | list[dict], data: pd.DataFrame, frames: dict[str, pd.DataFrame] | None = None):
        self.views = views
        self.data = data
        self.frames = frames or {}
        self._spec = None

    def view_frames(self, view: dict) -> dict[str, pd.DataFrame]:
        """The frames one of ``views`` reads, by name."""
        return {name: self.frames[name] for name in _names(view) if name in self.frames}

    def _inline(self, view: dict) -> dict:
        datasets = {name: _records(frame)["values"] for name, frame in self.view_frames(view).items()}
        return {**view, "datasets": {**view.get("datasets", {}), **datasets}} if datasets else view

    @property
    def spec(self) -> dict | list[dict]:
        if self._spec is None:  # two readers may both make it: the same spec either way
            views = self.views
            self._spec = [self._inline(v) for v in views] if isinstance(views, list) else self._inline(views)
        return self._spec


def figure(chart: alt.TopLevelMixin | list[alt.TopLevelMixin], data: pd.DataFrame) -> Figure:
    """A :class:`Figure` from one Altair chart or several stacked ones (which it takes over: their
    data frames are replaced by named references).

    The spec is built once, without schema validation (the page's hot path); the chart tests
    build every factory's output with validation on. Every spec gets the shared config
    (:data:`explainer.charts.theme.CONFIG`) under its own; theme colours come when it is shown
    (:func:`explainer.charts.theme.themed`). Naming the frames instead of writing them out as
    records spares Altair hashing every record and the page rebuilding a frame from them: building
    and drawing the page's charts took a quarter of a fresh page's script time that way.
    """
    from explainer.charts.theme import with_config

    charts = chart if isinstance(chart, list | tuple) else [chart]
    frames: dict[str, pd.DataFrame] = {}
    for c in charts:
        _name_frames(c, frames)
    specs = [with_config(c.to_dict(validate=False)) for c in charts]
    return Figure(specs if isinstance(chart, list | tuple) else specs[0], data, frames)
