"""The warm rerun's shortcuts draw exactly what the plain path draws: a cache hit hands back the
stored object (no unpickled copy), each chart's themed spec with its data already in Arrow bytes
is made once, and a full page drawn again from warm caches is the same page."""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from explainer.charts import _records
from explainer.charts.template import resolved, template
from explainer.charts.theme import themed
from explainer.ui import cache, display
from pages import run


def _figure():
    """A small line chart's figure: three runs of data, one with a gap (NaN)."""
    import altair as alt
    import pandas as pd

    from explainer.charts import figure

    data = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [1.0, 0.5, float("nan"), 0.1], "run": list("aabb")})
    chart = alt.Chart(data).mark_line(style="note").encode(x="x:Q", y="y:Q", color="run:N")
    return figure(chart, data)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_drawn_spec_is_the_themed_spec_with_streamlits_own_arrow_bytes(scheme):
    fig = _figure()
    view, spec = fig.views, fig.spec  # spec: the same chart with its records inline
    before = copy.deepcopy(view)
    drawn = display._drawn(fig, view, scheme)
    # The page draws the chart's template (explainer.charts.template) with its frames as records.
    made, frames = template(themed(view, scheme), fig.view_frames(view))
    plain = {**made, "datasets": {name: _records(frame)["values"] for name, frame in frames.items()}}
    assert view == before  # the cached figure is never changed
    assert {k: v for k, v in drawn.items() if k != "datasets"} == {k: v for k, v in plain.items() if k != "datasets"}
    assert set(drawn["datasets"]) == set(plain["datasets"]) and len(drawn["datasets"]) == 1
    for name, values in plain["datasets"].items():
        assert isinstance(drawn["datasets"][name], bytes)
        assert drawn["datasets"][name] == dataframe_util.convert_anything_to_arrow_bytes(values)
        assert values[2]["y"] is None  # the gap is null, in the records and so in Arrow
    assert resolved(made, frames)["mark"] == themed(spec, scheme)["mark"]
    assert display._drawn(fig, view, scheme) is drawn  # made once per spec and theme
    other = "dark" if scheme == "light" else "light"
    assert display._drawn(fig, view, other)["config"]["style"] != drawn["config"]["style"]


def test_a_copy_of_a_spec_is_drawn_afresh_not_from_the_memo():
    fig = _figure()
    drawn = display._drawn(fig, fig.views, "light")
    twin = copy.deepcopy(fig.views)
    twin["mark"]["strokeWidth"] = 9
    again = display._drawn(fig, twin, "light")
    assert again is not drawn and again["mark"] != drawn["mark"]


def test_a_figure_names_each_frame_once_by_its_content():
    import altair as alt
    import pandas as pd

    from explainer.charts import figure, frame_name

    a = pd.DataFrame({"x": [0.0, 1.0], "y": [1.0, 2.0]})
    b = a.assign(y=[1.0, 2.5])
    line = alt.Chart(a).mark_line().encode(x="x:Q", y="y:Q")
    fig = figure(alt.layer(line, line.mark_point(), alt.Chart(b).mark_rule().encode(y="y:Q")), a)
    assert len(fig.frames) == 2 and frame_name(a) in fig.frames and frame_name(b) in fig.frames
    assert frame_name(a.copy()) == frame_name(a) != frame_name(a.rename(columns={"y": "z"}))
    assert "datasets" not in fig.views  # the page's view names its frames; the spec holds them
    assert sorted(fig.spec["datasets"]) == sorted(fig.frames)
    assert fig.spec["datasets"][frame_name(b)] == [{"x": 0.0, "y": 1.0}, {"x": 1.0, "y": 2.5}]


def _both_ways():  # an AppTest script: its own imports, nothing from this module
    import altair as alt
    import pandas as pd
    import streamlit as st

    from explainer.charts import _records, figure
    from explainer.charts.template import template
    from explainer.charts.theme import themed
    from explainer.ui import display

    data = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [1.0, 0.5, float("nan"), 0.1], "run": list("aabb")})
    fig = figure(alt.Chart(data).mark_line().encode(x="x:Q", y="y:Q", color="run:N").properties(title="T 1"), data)
    made, frames = template(themed(fig.views, "light"), fig.frames)  # what the page draws, records inline
    made["datasets"] = {name: _records(frame)["values"] for name, frame in frames.items()}
    st.vega_lite_chart(made, width="stretch", theme=None)
    st.vega_lite_chart(display._drawn(fig, fig.views, "light"), width="stretch", theme=None)


def test_streamlit_sends_the_browser_the_same_chart_either_way():
    at = AppTest.from_function(_both_ways, default_timeout=60)
    at.run()
    assert not at.exception
    plain, drawn = (c.proto for c in at.get("vega_lite_chart"))
    assert len(plain.datasets) == 1 and len(plain.datasets[0].data.data) > 100
    assert plain.SerializeToString() == drawn.SerializeToString()


def _cached_twice():  # an AppTest script
    import streamlit as st

    from explainer.ui.cache import cached

    @cached()
    def make(n: int) -> dict:
        return {"n": n, "values": list(range(n))}

    st.session_state.setdefault("got", []).extend([make(3), make(3), make(4)])  # kept alive: ids stay theirs


def test_a_cache_hit_returns_the_stored_object_not_a_copy():
    at = AppTest.from_function(_cached_twice, default_timeout=60)
    at.run()
    at.run()
    three, again, four, three_next_run, *_ = at.session_state["got"]
    assert three is again and three is three_next_run and four is not three
    assert three == {"n": 3, "values": [0, 1, 2]}


def _charts(at) -> list[bytes]:
    return [c.proto.SerializeToString() for c in at.get("vega_lite_chart")]


def test_a_warm_full_page_is_the_same_page_with_the_same_charts():
    at = run()
    first_charts, first_text = _charts(at), [m.value for m in at.markdown]
    at.run()
    assert not at.exception
    # Nothing on the page changed a cached figure in place: the rerun draws the same bytes.
    assert len(first_charts) >= 40 and _charts(at) == first_charts
    assert [m.value for m in at.markdown] == first_text


@dataclasses.dataclass(frozen=True)
class _Settings:
    seed: int = 0
    lr: float = 0.1
    sizes: tuple = (1, 2)
    name: str = "sgd"


def test_a_settings_key_tells_apart_settings_one_float_step_apart():
    near = math.nextafter(0.1, 1.0)
    keys = {
        cache.settings_key(s) for s in (_Settings(), _Settings(lr=near), _Settings(seed=1), _Settings(sizes=(1, 3)))
    }
    assert len(keys) == 4 and cache.settings_key(_Settings()) == cache.settings_key(_Settings())
    assert cache.settings_key(_Settings(lr=True)) != cache.settings_key(_Settings(lr=1))
    # A value whose repr is not exact (an array prints "..." past a thousand items) is left to Streamlit.
    big = np.arange(2000.0)
    assert cache.settings_key(_Settings(sizes=big))[2] is big


def test_each_cached_wrapper_keys_its_settings_by_their_values():
    from explainer.core.analyses import descent as analysis
    from explainer.sections.descent import page

    assert cache._settings_types(page.lesson_view.__wrapped__) == {analysis.LessonSettings: cache.settings_key}
    assert page.lesson_view._info.hash_funcs == {analysis.LessonSettings: cache.settings_key}  # what Streamlit uses
    assert page.saddle_view._info.hash_funcs is None  # no arguments, nothing to key
