"""The saddle-point charts: every spec valid Vega-Lite, titled, with axis titles, Okabe-Ito colours
and distinct markers; frames carry ids and the numbers of their results."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explainer.charts import saddle_point as charts
from explainer.charts.theme import OKABE_ITO
from explainer.core import kinds, store
from explainer.core.analyses import saddle_point as sp
from explainer.sections.saddle_point import figures


@pytest.fixture(scope="module")
def results():
    return {name: store.result(name, store.DEFAULTS[name][1]) for name in (sp.PROBABILITY, sp.DOWNHILL, sp.RACE,
            sp.PAIR, sp.CENSUS, sp.STALL)}  # fmt: skip


def _walk(spec):
    """Every dict inside a spec."""
    if isinstance(spec, dict):
        yield spec
        for v in spec.values():
            yield from _walk(v)
    elif isinstance(spec, list):
        for v in spec:
            yield from _walk(v)


def _colours(spec) -> set[str]:
    found = set()
    for d in _walk(spec):
        for key in ("color", "fill", "stroke"):
            if isinstance(d.get(key), str) and d[key].startswith("#"):
                found.add(d[key].upper())
        if "range" in d and isinstance(d["range"], list):
            found |= {c.upper() for c in d["range"] if isinstance(c, str) and c.startswith("#")}
    return found


def _figures(results):
    pr, dh, race, pair = (results[n] for n in (sp.PROBABILITY, sp.DOWNHILL, sp.RACE, sp.PAIR))
    return {
        "probability": figures.probability(pr),
        "big_n": figures.big_n(pr),
        "maps": figures.saddle_maps(pair),
        "distances": figures.distances(pair),
        "by_k": figures.by_k(dh),
        "by_curvature": figures.by_curvature(dh),
        "race": figures.race(race),
        "stall": figures.stall_curves(results[sp.STALL]),
        "census": figures.census(results[sp.CENSUS]),
    }


def test_every_spec_is_valid_titled_and_in_the_palette(results):
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema import load_schema

    schema = load_schema()
    allowed = {c.upper() for c in OKABE_ITO.values()}
    for name, fig in _figures(results).items():
        specs = fig.spec if isinstance(fig.spec, list) else [fig.spec]
        for spec in specs:
            light = json.loads(json.dumps(spec))
            light["datasets"] = {k: v[:3] for k, v in light.get("datasets", {}).items()}  # the structure, not the rows
            validate_jsonschema(light, schema)
            greys = {c for c in _colours(spec) if c[1:3] == c[3:5] == c[5:7]}  # neutral text, halos, outlines
            assert _colours(spec) - greys <= allowed, (name, _colours(spec) - greys - allowed)
            axes = [d["title"] for d in _walk(spec) if d.get("type") in ("quantitative",) and d.get("title")]
            assert axes, name
        assert specs[0].get("title") or any("title" in s for s in specs[0].get("hconcat", [])), name
        assert not fig.data.empty, name


def test_the_probability_frame_holds_the_measured_shares_and_both_laws(results):
    res = results[sp.PROBABILITY]
    frame = figures.probability_frame(res)
    mc = frame[frame["series"] == kinds.MONTE_CARLO]
    np.testing.assert_allclose(mc["p"], res.pd_fraction[res.hits > 0])
    assert (mc["lo"] < mc["p"]).all() and (mc["p"] < mc["hi"]).all()
    laws = frame[frame["series"] == kinds.INDEPENDENT]
    np.testing.assert_allclose(laws["p"], 0.5 ** np.arange(1, 7))
    assert set(frame["series"]) == set(kinds.PROBABILITY_SERIES)


def test_the_big_n_bars_start_at_one_decade_on_a_log_axis(results):
    fig = figures.big_n(results[sp.PROBABILITY])
    assert sorted(fig.data["decades"].round(2)) == [1505.15, 2982007.84]
    bar = next(d for d in _walk(fig.spec) if d.get("mark", {}) and str(d.get("mark")).find("bar") >= 0)
    assert bar["encoding"]["x2"]["field"] == "one"


def test_escape_charts_draw_each_method_with_its_own_marker_and_the_closed_form_dashed(results):
    frame = figures.escape_frame(
        results[sp.DOWNHILL].k, results[sp.DOWNHILL].steps_by_k, results[sp.DOWNHILL].closed_by_k
    )
    assert set(frame["method"]) == {"gd", "noisy", "perturbed", kinds.CLOSED_FORM}
    spec = charts.escape_steps(frame, x_title="k", chart_title="t").to_dict()
    shapes = next(d["scale"]["range"] for d in _walk(spec) if d.get("field") == "method" and "scale" in d and
                  "range" in d["scale"] and "circle" in d["scale"]["range"])  # fmt: skip
    assert len(set(shapes)) == len(shapes) == 3
    assert any(d.get("strokeDash") for d in _walk(spec))


def test_the_maps_sit_side_by_side_at_a_size_that_fits_820_pixels(results):
    spec = figures.saddle_maps(results[sp.PAIR]).spec
    assert len(spec["hconcat"]) == 2
    widths = [part["width"] for part in spec["hconcat"]]
    assert sum(widths) + 2 * 125 + spec["spacing"] < 760  # two plots, each with a legend (~75 px) and axis (~50 px)


def test_the_census_scatter_marks_minima_and_saddles_apart(results):
    res = results[sp.CENSUS]
    frame = figures.census_frame(res)
    assert (frame["shape"] == kinds.MINIMUM).sum() == res.minima
    np.testing.assert_allclose(frame["index_fraction"], res.index / res.n_params)
    assert charts.SHAPE_MARKERS[kinds.MINIMUM] != charts.SHAPE_MARKERS[kinds.SADDLE]


def test_the_stall_chart_shades_the_stall_and_marks_the_index(results):
    res = results[sp.STALL]
    fig = figures.stall_curves(res)
    assert len(fig.spec) == 2  # loss above, gradient norm below
    text = json.dumps(fig.spec)
    assert f"index {res.index} of {res.n_params} at epoch {res.at_epoch}" in text
    a, b = res.stall_epochs
    assert f'"start": {a}' in text and f'"end": {b}' in text


def test_log_axes_are_labelled_as_the_prose_writes_numbers():
    axis = charts.powers_axis([1e-8, 0.1, 30]).to_dict()
    assert axis["values"][0] == pytest.approx(1e-8) and axis["values"][-1] == pytest.approx(100)
    labels = json.loads(axis["labelExpr"].split(")[")[0][1:])
    assert labels["-8"] == "10⁻⁸" and labels["-3"] == "0.001" and labels["0"] == "1" and labels["2"] == "100"
