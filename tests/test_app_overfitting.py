"""The overfitting section through AppTest: controls found by key, the page's words and verdict
against the analyses, the closing table's verdict through the page's own views, a reader's
setting and a bad link, and every chart a valid spec with titles."""

import dataclasses

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from explainer.core import store
from explainer.core.analyses import overfitting as analysis
from explainer.core.claims import CLAIMS
from explainer.sections.overfitting import figures, words
from explainer.sections.overfitting.page import SECTION
from explainer.ui.section import Context
from pages import axis_titles, finding, run, texts, verdict

SLUG = "overfitting"
CLAIM = "global-minimum-overfits"


@pytest.fixture(scope="module")
def page():
    return run(section=SLUG)


def test_the_default_page_shows_the_analyses_words_and_verdict(page):
    shown = texts(page)
    curve = store.result(analysis.CURVE, analysis.DEFAULT_CURVE)
    labels = store.result(analysis.LABELS, analysis.DEFAULT_LABELS)
    sharp = store.result(analysis.SHARP, analysis.DEFAULT_SHARP)
    for caption in (
        words.errors_caption(curve),
        words.fits_caption(curve),
        words.labels_caption(labels),
        words.sharpness_caption(sharp),
        words.minima_caption(sharp),
    ):
        assert caption in shown
    expected = CLAIMS[CLAIM].check(0)
    assert verdict(page, CLAIM) == expected.verdict == "refined"
    assert expected.summary in finding(page, CLAIM)
    assert "Neural network: Escaping from non-global minimum traps" in shown
    assert len(page.get("arrow_vega_lite_chart")) >= 5 or len(page.get("vega_lite_chart")) >= 5
    assert page.select_slider(key=f"{SLUG}.width").value == 256
    assert page.select_slider(key=f"{SLUG}.alpha").value == 0.0
    assert page.select_slider(key=f"{SLUG}.iterations").value == 5000


def test_the_sections_verdicts_are_the_claims_check():
    (got,) = SECTION.verdicts(Context(seed=0))
    expected = CLAIMS[CLAIM].check(0)
    assert got.verdict == expected.verdict and got.summary == expected.summary


def test_a_readers_width_and_penalty_redraw_part_one():
    at = run(section=SLUG)
    at.select_slider(key=f"{SLUG}.width").set_value(32).run()
    at.select_slider(key=f"{SLUG}.iterations").set_value(1000).run()
    settings = dataclasses.replace(analysis.DEFAULT_CURVE, width=32, iterations=1000)
    assert words.errors_caption(analysis.curve_fit(settings)) in texts(at)
    assert not at.get("progress")


def test_a_link_with_a_bad_value_falls_back_with_a_notice():
    at = run(section=SLUG, **{f"{SLUG}.width": "7"})
    assert any("Hidden units" in w.value for w in at.warning)
    assert at.select_slider(key=f"{SLUG}.width").value == analysis.DEFAULT_CURVE.width


def test_every_chart_is_a_valid_spec_with_titles_and_axis_titles():
    schema = load_schema()
    curve = store.result(analysis.CURVE, analysis.DEFAULT_CURVE)
    sharp = store.result(analysis.SHARP, analysis.DEFAULT_SHARP)
    built = [
        figures.errors(curve),
        figures.fits(curve),
        figures.labels(store.result(analysis.LABELS, analysis.DEFAULT_LABELS)),
        figures.sharpness(sharp),
        figures.minima(sharp),
    ]
    for fig in built:
        validate_jsonschema(fig.spec, schema)
        titles = axis_titles(fig.spec)
        assert titles["x"] and titles["y"], titles
        assert fig.spec["title"]["text"]
        assert not fig.data.empty
    # the error chart marks the early-stopping point and the late one, at their epochs
    marks = built[0].data.dropna(subset=["series"])
    early = marks[marks["series"] == "early"]
    assert list(early["epoch"]) == [curve.best_iteration] and list(early["mse"]) == [curve.test_early]
    # the sharpness chart has every run, one group per batch size
    assert len(built[3].data) == 20 and built[3].data["group"].nunique() == 4
