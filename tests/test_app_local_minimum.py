"""The local-minimum section through AppTest: controls found by key, the page's words and verdicts
against the analyses, and settings off the defaults (no valley, the full batch, another seed)."""

import dataclasses

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from explainer.charts import local_minimum as charts
from explainer.core import store
from explainer.core.analyses import local_minimum as analysis
from explainer.core.claims import CLAIMS
from explainer.sections.local_minimum import figures, words
from pages import axis_titles, finding, run, texts, verdict

SLUG = "local-minimum"


@pytest.fixture(scope="module")
def page():
    return run(section=SLUG)


def test_the_default_page_shows_the_analyses_words_and_verdicts(page):
    shown = texts(page)
    view = analysis.valley_view(dataclasses.replace(analysis.DEFAULT_VALLEY, seed=0))
    wells = store.result(analysis.WELLS, analysis.DEFAULT_WELLS)
    assert words.valley_caption(view) in shown
    assert words.escape_caption(wells, figures.escape(wells)[1]) in shown
    assert words.sets_caption(wells) in shown
    assert words.network_caption(store.result(analysis.NETWORK, analysis.DEFAULT_NET)) in shown
    assert words.symmetric_caption(store.result(analysis.SYMMETRIC, analysis.DEFAULT_SYMMETRIC)) in shown
    for claim in ("minibatch-escape", "depth-vs-samples"):
        expected = CLAIMS[claim].check(0)
        assert verdict(page, claim) == expected.verdict
        assert expected.summary in finding(page, claim)
    assert verdict(page, "minibatch-escape") == "confirmed" and verdict(page, "depth-vs-samples") == "refined"
    assert len(page.get("arrow_vega_lite_chart")) >= 9 or len(page.get("vega_lite_chart")) >= 9


def test_a_valley_too_small_to_exist():
    at = run(section=SLUG)
    at.slider(key=f"{SLUG}.m").set_value(6).run()
    assert "no shallow valley at all" in texts(at)


def test_the_full_batch_and_a_step_size_from_the_controls():
    at = run(section=SLUG)
    at.select_slider(key=f"{SLUG}.batch").set_value(40).run()
    at.select_slider(key=f"{SLUG}.lr").set_value(0.2).run()
    view = analysis.valley_view(dataclasses.replace(analysis.DEFAULT_VALLEY, batch=40, lr=0.2))
    assert words.valley_caption(view) in texts(at) and "no noise to help" in texts(at)


def test_the_noise_control_redraws_the_double_well():
    at = run(section=SLUG)
    at.segmented_control(key=f"{SLUG}.noise").set_value(0.8).run()
    res = store.result(analysis.DOUBLE_WELL, analysis.DEFAULT_DOUBLE_WELL)
    drawn = analysis.noisy_paths(dataclasses.replace(analysis.DEFAULT_PATHS, noise=0.8))
    assert words.double_well_caption(res, drawn) in texts(at)


def test_a_link_with_a_bad_value_falls_back_with_a_notice():
    at = run(section=SLUG, **{f"{SLUG}.m": "99"})
    assert any("Samples in the shallow valley" in w.value and "outside" in w.value for w in at.warning)
    assert at.slider(key=f"{SLUG}.m").value == analysis.DEFAULT_VALLEY.m


def test_another_seed_computes_the_grid_live_and_judges_it():
    at = run(section=SLUG, **{"page.seed": "3"})
    expected = CLAIMS["minibatch-escape"].check(3)
    assert verdict(at, "minibatch-escape") == expected.verdict
    assert expected.summary in finding(at, "minibatch-escape")
    assert not at.get("progress")  # the progress bar is gone once the grid is done


def test_every_chart_is_a_valid_spec_with_titles_and_axis_titles():
    schema = load_schema()
    wells = store.result(analysis.WELLS, analysis.DEFAULT_WELLS)
    net = store.result(analysis.NETWORK, analysis.DEFAULT_NET)
    built = [
        figures.valley(analysis.valley_view(analysis.DEFAULT_VALLEY)),
        figures.escape(wells)[0],
        figures.sets_escape(wells),
        figures.double_well(
            store.result(analysis.DOUBLE_WELL, analysis.DEFAULT_DOUBLE_WELL),
            analysis.noisy_paths(analysis.DEFAULT_PATHS),
        ),
        figures.network(net),
        figures.losses(net),
        figures.symmetric(store.result(analysis.SYMMETRIC, analysis.DEFAULT_SYMMETRIC)),
    ]
    for fig in built:
        specs = fig.spec if isinstance(fig.spec, list) else [fig.spec]
        for spec in specs:
            validate_jsonschema(spec, schema)
            titles = axis_titles(spec)
            assert titles["x"] and titles["y"], titles
        assert "title" in specs[0] or all("title" in part for part in specs[0].get("hconcat", []))
        assert not fig.data.empty
    # the escape chart marks every batch size measured, the full batch (40) included
    frame = figures.escape(wells)[0].data
    assert sorted(set(frame["batch"])) == list(analysis.BATCH_SIZES)
    assert charts.escape_by_batch(frame, chart_title="t").to_dict()["title"]["text"] == "t"
