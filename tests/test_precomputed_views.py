"""Stored views are a cache, never a source: every view the default page asks for is stored, each
stored file equals what its cached wrapper returns when run afresh (within 1e-6 relative: another
CPU may round the figures' numbers differently), none is left over, and a fresh default page
builds no chart and computes nothing.

A view is what one of a section's cached wrappers returns (``explainer.ui.cache.cached``): the
analysis result with its figures, verdicts and tables. ``python -m explainer.precompute --views``
writes them from a headless run of the default page (:func:`explainer.precompute.record_views`),
which this module runs again."""

from __future__ import annotations

import copy
import gzip
import json

import numpy as np
import pandas as pd
import pytest
import streamlit as st

import explainer.charts
from explainer.charts import Figure
from explainer.core import store
from explainer.precompute import record_views
from explainer.ui.cache import view_key
from pages import run

RTOL, ATOL = 1e-6, 1e-9
STORED = sorted(store.VIEWS.glob("*.json.gz"))
REGENERATE = "run python -m explainer.precompute --views"


@pytest.fixture(scope="module")
def fresh() -> dict:
    """Every cached call of the default page, computed afresh (stored views ignored)."""
    st.cache_resource.clear()
    try:
        return record_views()
    finally:
        st.cache_resource.clear()


def _positional(fig: Figure) -> tuple[list, list[pd.DataFrame]]:
    """A figure's views with its frames' names (hashes of their values, which the last bit of a
    number changes) replaced by their order of first use, and the frames in that order."""
    views = fig.views if isinstance(fig.views, list) else [fig.views]
    text = json.dumps(views)
    order = []
    for name in fig.frames:
        at = text.find(f'"{name}"')
        order.append((at if at >= 0 else len(text), name))
    names = [name for _, name in sorted(order)]
    for i, name in enumerate(names):
        text = text.replace(f'"{name}"', f'"frame-{i}"')
    return json.loads(text), [fig.frames[name] for name in names]


def _comparable(value):
    """``value`` with every figure in it made comparable by position (:func:`_positional`)."""
    if isinstance(value, Figure):
        views, frames = _positional(value)
        return {"views": views, "data": value.data, "frames": frames}
    if isinstance(value, tuple | list):
        return type(value)(_comparable(v) for v in value)
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    return value


def test_every_view_of_the_default_page_is_stored(fresh):
    assert fresh, "the default page made no cached call"
    missing = [key for key in fresh if not store.view_file(key).exists()]
    assert missing == [], f"views not stored ({REGENERATE}): {missing}"
    left_over = sorted(set(STORED) - {store.view_file(key) for key in fresh})
    assert left_over == [], f"stored views the default page no longer asks for ({REGENERATE}): {left_over}"


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.name)
def test_each_stored_view_equals_a_fresh_one(path, fresh):
    record = store.view_record(path)
    key = record["key"]
    assert store.view_file(key) == path
    assert key in fresh, f"{key} is not asked for by the default page ({REGENERATE})"
    function, args, _, out = fresh[key]
    assert record["function"] == function
    assert store.close(record["args"], tuple(args), rtol=0, atol=0) == []
    assert store.close(_comparable(record["out"]), _comparable(out), rtol=RTOL, atol=ATOL, where=key) == []


def test_the_comparison_sees_a_moved_number_and_a_changed_chart(fresh):
    _, (_, _, _, out) = next(
        (k, v) for k, v in fresh.items() if isinstance(v[3], tuple) and any(isinstance(x, Figure) for x in v[3])
    )
    fig = next(x for x in out if isinstance(x, Figure))
    moved = Figure(copy.deepcopy(fig.views), fig.data, {n: f.copy() for n, f in fig.frames.items()})
    frame = next(iter(moved.frames.values()))
    column = next(c for c in frame.columns if frame[c].dtype.kind == "f")
    frame.loc[frame.index[0], column] = frame[column].iloc[0] * (1 + 1e-4) + 1e-3
    assert store.close(_comparable(fig), _comparable(moved), rtol=RTOL, atol=ATOL) != []
    retitled = Figure(copy.deepcopy(fig.views), fig.data, fig.frames)
    views = retitled.views if isinstance(retitled.views, list) else [retitled.views]
    views[0]["title"] = "another title"
    assert store.close(_comparable(fig), _comparable(retitled), rtol=RTOL, atol=ATOL) != []


def test_figures_and_frames_survive_storing(fresh):
    """Encoding a view and decoding it gives back equal figures (their frames' columns, types and
    values, NaN included) and equal results."""
    for key, (_, _, _, out) in fresh.items():
        back = store.decode(json.loads(json.dumps(store.encode(out))))
        assert store.close(out, back, rtol=0, atol=0, where=key) == []
        for a, b in zip(*(v if isinstance(v, tuple) else (v,) for v in (out, back)), strict=True):
            if isinstance(a, Figure):
                assert list(a.frames) == list(b.frames)
                for name, frame in a.frames.items():
                    pd.testing.assert_frame_equal(frame, b.frames[name])
                pd.testing.assert_frame_equal(a.data, b.data)


def test_a_frame_with_every_kind_of_column_round_trips():
    frame = pd.DataFrame(
        {
            "x": [0.5, np.nan, -np.inf],
            "n": np.array([1, 2, 3], dtype=np.int64),
            "ok": [True, False, True],
            "kind": ["saddle", None, "minimum"],
            "cat": pd.Categorical(["a", "b", "a"]),
        },
        index=[3, 1, 2],
    )
    back = store.decode(json.loads(json.dumps(store.encode(frame))))
    pd.testing.assert_frame_equal(frame, back)


def test_a_fresh_default_page_builds_no_chart(monkeypatch):
    """With the stored views, a fresh server draws the whole default page without building one
    chart: neither is any Altair chart turned into a figure (which is what building a chart ends
    in) nor any Altair name read (every chart factory reads them through
    :data:`explainer.charts.lazy.alt`, whichever way it imported ``figure``)."""
    from explainer.charts import lazy

    built = []
    real = explainer.charts.figure
    monkeypatch.setattr(explainer.charts, "figure", lambda *a, **k: built.append(1) or real(*a, **k))
    read = lazy.Altair.__getattr__
    monkeypatch.setattr(lazy.Altair, "__getattr__", lambda self, name: built.append(name) or read(self, name))
    st.cache_resource.clear()
    try:
        run()
    finally:
        st.cache_resource.clear()
    assert built == []


def test_a_setting_off_the_defaults_is_not_read_from_a_stored_view(fresh):
    key, (function, args, kwargs, _) = next(iter(fresh.items()))
    settings = next((a for a in args if hasattr(a, "__dataclass_fields__")), None)
    assert settings is not None
    import dataclasses

    field = next(f for f in dataclasses.fields(settings) if isinstance(getattr(settings, f.name), int | float))
    other = dataclasses.replace(settings, **{field.name: getattr(settings, field.name) + 1})
    swapped = tuple(other if a is settings else a for a in args)
    module, _, name = function.partition(":")
    func = getattr(__import__(module, fromlist=["_"]), name).raw
    assert view_key(func, tuple(args), kwargs) == key
    other_key = view_key(func, swapped, kwargs)
    assert other_key != key and store.stored_view(other_key) == (False, None)


def test_an_unreadable_view_file_is_computed_instead(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "VIEWS", tmp_path)
    key = "explainer.x:f(1)"
    target = store.view_file(key)
    target.write_bytes(b"not gzip")
    assert store.stored_view(key) == (False, None)
    target.write_bytes(gzip.compress(b'{"key": "explainer.x:f(2)", "args": [], "kwargs": {}, "out": 1}'))
    assert store.stored_view(key) == (False, None)  # another key's file is not this view
