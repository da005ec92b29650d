"""Chart templates (``explainer.charts.template``): a control that changes only a chart's data and
numbers sends the browser the very same spec, which it then updates in place, and the template
draws exactly what the chart draws."""

from __future__ import annotations

import copy
import dataclasses
import json
import re

import altair as alt
import pandas as pd
import pytest
import vl_convert

import pages
from explainer.charts import _records, figure
from explainer.charts.template import PREFIX, resolved, template
from explainer.charts.theme import names, themed
from explainer.ui.display import RECORD


def _chart(run: pd.DataFrame, ticks: list[float], top: float, title: str) -> alt.LayerChart:
    """A little map: a path of ``run`` over a fixed point, ticks, range and title given."""
    point = pd.DataFrame({"x": [0.5], "y": [0.5]})
    x = alt.X("x:Q", scale=alt.Scale(domain=[0, top]), axis=alt.Axis(values=ticks))
    path = alt.Chart(run).mark_line().encode(x=x, y="y:Q")
    dot = alt.Chart(point).mark_point().encode(x="x:Q", y="y:Q")
    return alt.layer(path, dot).properties(title=alt.TitleParams([title, "second line"], subtitle=f"top {top:g}"))


def _run(k: int) -> pd.DataFrame:
    return pd.DataFrame({"x": [0.1 * i for i in range(k)], "y": [0.2 * i for i in range(k)]})


def test_data_sets_take_names_by_first_use_and_the_numbers_go_to_the_smallest():
    fig = figure(_chart(_run(5), [0.0, 1.0], 2.0, "Run of 5 steps"), _run(5))
    before = copy.deepcopy(fig.views)
    spec, frames = template(fig.views, fig.frames)
    assert fig.views == before and all(not c.startswith(PREFIX) for f in fig.frames.values() for c in f.columns)
    assert [layer["data"]["name"] for layer in spec["layer"]] == ["data0", "data1"]
    assert list(frames) == ["data0", "data1"] and len(frames["data0"]) == 5
    # The one-row frame carries the title, subtitle, two ticks and the range's two ends.
    hoisted = [c for c in frames["data1"].columns if c.startswith(PREFIX)]
    assert hoisted == [f"{PREFIX}{i}" for i in range(6)]
    assert frames["data1"].iloc[0][f"{PREFIX}0"] == "Run of 5 steps\nsecond line"
    assert "data('data1')" in spec["title"]["text"]["expr"] and "split(" in spec["title"]["text"]["expr"]
    assert "expr" in spec["layer"][0]["encoding"]["x"]["axis"]["values"]
    assert "expr" in spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    # Read back, the template is the chart's own spec under the new names.
    back = resolved(spec, frames)
    assert back["title"] == {"text": ["Run of 5 steps", "second line"], "subtitle": "top 2"}
    assert back["layer"][0]["encoding"]["x"]["axis"]["values"] == [0.0, 1.0]
    assert back["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0.0, 2.0]
    renamed = json.loads(re.sub(r'"frame-[0-9a-f]+"', '"X"', json.dumps(fig.views)))
    assert json.loads(re.sub(r'"data\d"', '"X"', json.dumps(back))) == renamed


def test_two_runs_that_differ_in_data_and_numbers_make_one_template():
    a = figure(_chart(_run(5), [0.0, 1.0], 2.0, "Run of 5 steps"), _run(5))
    b = figure(_chart(_run(9), [0.0, 3.0], 4.0, "Run of 9 steps"), _run(9))
    assert a.views != b.views  # the charts' own specs differ: new names, title, ticks and range
    (ta, fa), (tb, fb) = template(a.views, a.frames), template(b.views, b.frames)
    assert ta == tb
    assert not fa["data0"].equals(fb["data0"]) and not fa["data1"].equals(fb["data1"])


def _named(epochs: int) -> alt.Chart:
    """Two moments of a run, their legend and tooltips naming them with the run's length."""
    frame = pd.DataFrame({"when": ["early", "end"], "v": [1.0, 2.0]})
    table = names({"early": "epoch 1", "end": f"end (epoch {epochs})"}, "datum.when")
    legend = alt.Legend(labelExpr=names({"early": "epoch 1", "end": f"end (epoch {epochs})"}))
    return (
        alt.Chart(frame)
        .transform_calculate(moment=table)
        .mark_point()
        .encode(x="v:Q", color=alt.Color("when:N", legend=legend), tooltip="moment:N")
    )


def test_lookup_tables_of_names_move_to_the_data_and_read_back():
    a, b = (figure(_named(n), pd.DataFrame()) for n in (40, 80))
    (ta, fa), (tb, fb) = template(a.views, a.frames), template(b.views, b.frames)
    assert ta == tb  # the run's length travels in the data, not in the spec
    assert "epoch 40" not in json.dumps(ta) and "end (epoch 40)" in fa["data0"].iloc[0].tolist()
    assert "end (epoch 80)" in fb["data0"].iloc[0].tolist()
    legend = ta["encoding"]["color"]["legend"]["labelExpr"]
    assert legend.startswith("(length(data('data0')) ? {\"early\": data('data0')[0]._spec") and legend.endswith(
        "[datum.label]"
    )
    back = resolved(ta, fa)
    renamed = json.loads(re.sub(r'"frame-[0-9a-f]+"', '"X"', json.dumps(a.views)))
    assert json.loads(re.sub(r'"data\d"', '"X"', json.dumps(back))) == renamed
    # Drawn, the template names the moments as the chart does.
    assert _svg(ta, fa) == _svg(a.views, a.frames)


def test_an_expression_that_is_not_a_table_of_names_stays_as_it_is():
    frame = pd.DataFrame({"v": [1.0, 2.0]})
    for expr in ('({"a": 1})[datum.k]', "({})[datum.k]", "datum.v > 1 ? ({'a': 'x'}) : 'y'", '({"a": "b"}).a'):
        fig = figure(alt.Chart(frame).transform_calculate(w=expr).mark_point().encode(x="v:Q"), frame)
        spec, _ = template(fig.views, fig.frames)
        assert spec["transform"][0]["calculate"] == expr


def test_a_log_range_a_colour_domain_and_a_chart_without_named_data_stay_literal():
    frame = pd.DataFrame({"v": [1.0, 10.0], "c": [0.0, 1.0]})
    log = alt.Chart(frame).mark_point().encode(x=alt.X("v:Q", scale=alt.Scale(type="log", domain=[1, 100])))
    colour = alt.Chart(frame).mark_point().encode(color=alt.Color("c:Q", scale=alt.Scale(domain=[0, 0.5, 1])))
    for chart in (log, colour):
        fig = figure(chart, frame)
        spec, _ = template(fig.views, fig.frames)
        enc = spec["encoding"]
        assert [d["scale"]["domain"] for d in enc.values()] == [
            d["scale"]["domain"] for d in fig.views["encoding"].values()
        ]
    inline = {"mark": "point", "title": "Inline 3", "data": {"values": [{"a": 1}]}}
    assert template(inline, {}) == (inline, {})


# ----- the page's own charts --------------------------------------------------------------------------


def _svg(spec: dict, frames: dict) -> str:
    """``spec`` with its frames inline, drawn offline; the ids Vega numbers globally left out."""
    whole = {**spec, "datasets": {**spec.get("datasets", {}), **{k: _records(f)["values"] for k, f in frames.items()}}}
    return re.sub(r"(clip|gradient_)\d+", "ID", vl_convert.vegalite_to_svg(json.dumps(whole)))


@pytest.mark.parametrize("slug", ["descent", "landscape", "saddle-point"])
def test_every_chart_of_a_section_draws_the_same_as_its_template(slug):
    """Maps with colour bars and stepped paths, multi-line titles, ticks and ranges on linear and
    log axes: the drawing of each chart and of its template agree to the pixel."""
    at = pages.AppTest.from_file(pages.APP, default_timeout=pages.TIMEOUT)
    at.session_state[RECORD] = []
    at = pages.run(at, section=slug)
    views = [
        v for _, fig, _ in at.session_state[RECORD] for v in (fig.views if isinstance(fig.views, list) else [fig.views])
    ]
    figs = [fig for _, fig, _ in at.session_state[RECORD] for _ in (fig.views if isinstance(fig.views, list) else [0])]
    assert len(views) >= 6
    hoisted = 0
    for view, fig in zip(views, figs, strict=True):
        spec = themed(view, "light")
        plain = _svg(spec, fig.view_frames(view))
        made, frames = template(spec, fig.view_frames(view))
        hoisted += sum(c.startswith(PREFIX) for f in frames.values() for c in f.columns)
        assert _svg(made, frames) == plain, view.get("title")
    assert hoisted > len(views)  # titles at least moved


def _lines(text) -> list[str]:
    return [] if text is None else [text] if isinstance(text, str) else list(text)


def _sent(at) -> list[tuple[str, dict, dict]]:
    """Each chart element as sent: its resolved title, its proto fields but the data, its data."""
    out = []
    for node in at.get("vega_lite_chart"):
        fields = {f.name: v for f, v in node.proto.ListFields() if f.name not in ("datasets", "data")}
        title = pages.chart_spec(node).get("title", {})
        title = title if isinstance(title, dict) else {"text": title}
        lines = [part for k in ("text", "subtitle") for part in _lines(title.get(k))]
        out.append((" ".join(lines), fields, pages.chart_frames(node)))
    return out


@pytest.mark.parametrize(
    ("slug", "key", "values", "kept"),
    [
        ("descent", "descent.lr", ("0.003", "0.01"), ("Gradient descent on the", "Loss and slope", "Six optimisers")),
        ("critical-points", "critical-points.lr", ("0.02", "0.05"), ("Where 441 runs", "The longest stall")),
        ("overfitting", "overfitting.width", ("128", "512"), ("Training and test error", "The early and the late")),
    ],
)
def test_a_control_that_moves_numbers_sends_the_same_chart_with_new_data(slug, key, values, kept):
    """The charts whose titles, ticks or ranges state the run's numbers are sent with the same
    spec and alt text at both settings (so the browser swaps their data instead of embedding
    them anew), while their data and their titles as drawn do change."""
    first, second = (_sent(pages.run(section=slug, **{key: v})) for v in values)
    assert len(first) == len(second)
    for start in kept:
        pairs = [(a, b) for a, b in zip(first, second, strict=True) if a[0].startswith(start)]
        assert pairs, f"no chart titled {start!r}"
        for (title_a, fields_a, data_a), (_, fields_b, data_b) in pairs:
            assert fields_a == fields_b, title_a
            assert any(not data_a[n].equals(data_b[n]) for n in data_a), title_a
    assert any(a[0] != b[0] for a, b in zip(first, second, strict=True))  # some title or subtitle states the setting


#: Marks every chart's drawing surface, then reports per chart whether it is still the marked one.
_MARK = """() => document.querySelectorAll('[data-testid="stVegaLiteChart"] canvas').forEach(
    c => { c.__kept = true; })"""
_KEPT = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(
    c => { const k = c.querySelector('canvas'); return k === null ? null : k.__kept === true; })"""


def test_in_the_browser_a_new_step_size_redraws_both_maps_in_place(browser, server):
    """Between two step sizes whose runs differ in length (1,000 steps and fewer: the maps' step
    sliders do not depend on it), descent's run and race maps stay on their canvases: their Vega
    views took the new data, where an embed anew would draw on new ones."""
    from explainer import bench
    from explainer.core.analyses import descent as analysis

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    charts = bench._open(page, server, "?section=descent")
    control = bench._control(bench.Probe("descent", "descent.lr"))
    small = (0.001, 0.03)
    lengths = [analysis.surface_run(dataclasses.replace(analysis.DEFAULT_RUN, lr=v)).run.steps for v in small]
    assert lengths[0] == 1000 > lengths[1]
    bench.change(page, control, small[0], charts)
    before = page.evaluate(_KEPT)
    assert before.count(False) >= 2  # the two maps draw on canvases
    page.evaluate(_MARK)
    bench.change(page, control, small[1], charts)
    after = page.evaluate(_KEPT)
    assert [k for k in after if k is not None] == [True] * before.count(False), after
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
