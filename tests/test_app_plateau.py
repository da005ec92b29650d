"""The plateau section through AppTest: controls found by key, the page's words and verdicts against
the analyses, and settings off the defaults (another depth and optimiser, a width with no failed run,
another seed computed live)."""

import dataclasses

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from explainer.core import store
from explainer.core.analyses import plateau as analysis
from explainer.core.claims import CLAIMS
from explainer.core.claims import plateau as ledger
from explainer.sections.plateau import figures, page, words
from explainer.ui.section import Context
from pages import axis_titles, finding, run, texts, verdict

SLUG = "plateau"


@pytest.fixture(scope="module")
def at():
    return run(section=SLUG)


def test_the_default_page_shows_the_analyses_words_and_verdicts(at):
    shown = texts(at)
    assert words.product_caption(analysis.product_view(analysis.DEFAULT_RUN)) in shown
    grid = store.result(analysis.ESCAPE, analysis.DEFAULT_ESCAPE)
    assert words.escape_caption(grid, 3, 0.01, "gd") in shown
    assert words.failures_caption(store.result(analysis.XOR, analysis.DEFAULT_XOR)) in shown
    assert words.failed_caption(store.result(analysis.FAILED, analysis.DEFAULT_FAILED)) in shown
    assert words.stop_caption(store.result(analysis.STOP, analysis.DEFAULT_STOP)) in shown
    for claim, expected in (("plateau-slow", "refined"), ("plateau-traps-small-nets", "confirmed")):
        result = CLAIMS[claim].check(0)
        assert verdict(at, claim) == result.verdict == expected
        assert result.summary in finding(at, claim)
    assert len(at.get("arrow_vega_lite_chart")) >= 6 or len(at.get("vega_lite_chart")) >= 6


def test_the_section_verdicts_are_the_claims_at_the_defaults():
    results = page.SECTION.verdicts(Context(seed=0))
    assert [r.claim for r in results] == list(page.SECTION.claims)
    assert [r.verdict for r in results] == [CLAIMS[c].check(0).verdict for c in page.SECTION.claims]


def test_depth_method_and_step_size_from_the_controls():
    at = run(section=SLUG)
    at.segmented_control(key=f"{SLUG}.depth").set_value(2).run()
    at.segmented_control(key=f"{SLUG}.method").set_value("momentum").run()
    at.select_slider(key=f"{SLUG}.lr").set_value(0.03).run()
    at.select_slider(key=f"{SLUG}.u0").set_value(0.0001).run()
    assert not at.exception
    settings = dataclasses.replace(analysis.DEFAULT_RUN, depth=2, method="momentum", lr=0.03, u0=0.0001)
    assert words.product_caption(analysis.product_view(settings)) in texts(at)
    grid = analysis.escape_grid(dataclasses.replace(analysis.DEFAULT_ESCAPE, lr=0.03))
    assert words.escape_caption(grid, 2, 0.0001, "momentum") in texts(at)
    # the claim box judges the reader's step size, not the default one
    mine = CLAIMS["plateau-slow"].judge(ledger.slow_evidence(grid))
    assert "step size 0.03" in mine.summary and mine.summary in finding(at, "plateau-slow")
    assert verdict(at, "plateau-slow") == mine.verdict


def test_a_width_with_no_failed_run_says_so():
    at = run(section=SLUG)
    at.segmented_control(key=f"{SLUG}.activation").set_value("tanh").run()
    at.segmented_control(key=f"{SLUG}.width").set_value(6).run()
    assert any("None of the 50 seeds" in i.value for i in at.info)


def test_a_link_with_a_bad_value_falls_back_with_a_notice():
    at = run(section=SLUG, **{f"{SLUG}.u0": "7"})
    assert any("Starting weight" in w.value for w in at.warning)
    assert at.select_slider(key=f"{SLUG}.u0").value == analysis.DEFAULT_RUN.u0


def test_another_seed_computes_live_and_judges_it():
    at = run(section=SLUG, **{"page.seed": "1"})
    expected = CLAIMS["plateau-traps-small-nets"].check(1)
    assert verdict(at, "plateau-traps-small-nets") == expected.verdict
    assert expected.summary in finding(at, "plateau-traps-small-nets")
    assert words.stop_caption(analysis.stop_run(dataclasses.replace(analysis.DEFAULT_STOP, seed=1))) in texts(at)
    assert not at.get("progress")


def test_every_chart_is_a_valid_spec_with_titles_and_axis_titles():
    schema = load_schema()
    grid = store.result(analysis.ESCAPE, analysis.DEFAULT_ESCAPE)
    built = [
        figures.product(analysis.product_view(analysis.DEFAULT_RUN)),
        figures.escape(grid, 3, 0.01, "gd"),
        figures.failures(store.result(analysis.XOR, analysis.DEFAULT_XOR)),
        figures.failed(store.result(analysis.FAILED, analysis.DEFAULT_FAILED)),
        figures.stop(store.result(analysis.STOP, analysis.DEFAULT_STOP)),
    ]
    for fig in built:
        specs = fig.spec if isinstance(fig.spec, list) else [fig.spec]
        for spec in specs:
            validate_jsonschema(spec, schema)
            titles = axis_titles(spec)
            assert titles["x"] and titles["y"], titles
            assert "title" in spec
        assert not fig.data.empty
    escape = built[1].data
    assert set(escape["method"]) == set(analysis.PRODUCT_METHODS) and not escape["censored"].any()
