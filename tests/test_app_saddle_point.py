"""The saddle-point section through AppTest: controls found by key, every claim box against the
ledger, the page's sentences against the analyses for the same settings, and settings that
compute live or cannot be read from the link."""

import dataclasses

import pytest

from explainer.core import kinds, store
from explainer.core.analyses import saddle_point as sp
from explainer.core.claims import CLAIMS
from explainer.core.claims import saddle_point as ledger
from explainer.sections.saddle_point import words
from pages import finding, run, texts, verdict

SLUG = "saddle-point"
IDS = ("saddle-probability", "downhill-directions", "stall-is-saddle")


@pytest.fixture(scope="module")
def page():
    return run(section=SLUG)


def _verdict_text(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**x² − y²**"))


def test_every_claim_box_shows_the_ledgers_verdict_and_finding(page):
    for claim_id in IDS:
        expected = CLAIMS[claim_id].check(0)
        assert verdict(page, claim_id) == expected.verdict
        assert expected.summary in finding(page, claim_id)
    assert [verdict(page, c) for c in IDS] == ["refined", "refined", "confirmed"]


def test_the_default_page_says_what_the_analyses_computed(page):
    res = sp.pair(sp.DEFAULT_PAIR)
    assert words.pair_verdict(res) in texts(page)
    assert "|y| passed 1 at step 1,396" in _verdict_text(page)
    for caption in (
        words.maps_caption(res),
        words.distance_caption(res),
        words.probability_caption(sp.probability(sp.DEFAULT_PROBABILITY)),
        words.race_caption(sp.race(sp.DEFAULT_RACE)),
    ):
        assert caption in texts(page)
    assert len(page.get("vega_lite_chart")) == 10


def test_on_the_stable_line_plain_descent_walks_into_the_saddle():
    at = run(section=SLUG, **{f"{SLUG}.y0": "0"})
    assert at.select_slider(key=f"{SLUG}.y0").value == "0"
    res = sp.pair(dataclasses.replace(sp.DEFAULT_PAIR, y0=0.0))
    assert res.runs["saddle"].end == kinds.SADDLE_CAUGHT
    assert _verdict_text(at) == words.pair_verdict(res)
    assert "from exactly the stable line (1, 0): it converged onto the saddle" in _verdict_text(at)


def test_a_noisy_optimiser_shows_its_noise_control_and_escapes_from_the_line():
    at = run(section=SLUG)
    assert not any(s.key == f"{SLUG}.noise" for s in at.select_slider)
    at.selectbox(key=f"{SLUG}.method").set_value("noisy").run()
    at.select_slider(key=f"{SLUG}.y0").set_value("0").run()
    assert not at.exception
    noise = at.select_slider(key=f"{SLUG}.noise").value
    settings = sp.PairSettings(method="noisy", lr=0.01, y0=0.0, steps=2000, noise=noise, seed=0)
    res = sp.pair(settings)
    assert res.runs["saddle"].end == kinds.SADDLE_ESCAPED  # noise knocks it off the stable line
    assert words.pair_verdict(res) in texts(at)


@pytest.mark.parametrize(("method", "lr"), [("adam", 0.3), ("momentum", 0.3), ("perturbed", 0.001)])
def test_extreme_settings_end_in_a_sentence_not_a_traceback(method, lr):
    at = run(section=SLUG, **{f"{SLUG}.method": method, f"{SLUG}.lr": str(lr), f"{SLUG}.steps": "500"})
    text = _verdict_text(at)
    assert f"step size {lr:g}" in text
    assert any(phrase in text for phrase in ("fell below", "converged onto", "blew up", "still"))


def test_a_larger_start_stalls_less_and_the_page_follows_the_analysis():
    at = run(section=SLUG)
    at.segmented_control(key=f"{SLUG}.init").set_value(0.01).run()
    res = sp.stall(dataclasses.replace(sp.DEFAULT_STALL, init_scale=0.01))
    assert words.stall_caption(res) in texts(at)
    default = sp.stall(sp.DEFAULT_STALL)
    assert res.stall.duration < default.stall.duration
    expected = CLAIMS["stall-is-saddle"].judge(ledger.stall_evidence(store.result(sp.CENSUS, sp.DEFAULT_CENSUS), res))
    assert expected.summary in finding(at, "stall-is-saddle")


def test_a_bad_link_value_is_named_and_ignored():
    at = run(section=SLUG, **{f"{SLUG}.y0": "banana", f"{SLUG}.lr": "7"})
    warnings = " ".join(w.value for w in at.warning)
    assert "`banana`" in warnings and "`7`" in warnings
    assert at.select_slider(key=f"{SLUG}.y0").value == "1e-12"
    assert "|y| passed 1 at step 1,396" in _verdict_text(at)


def test_another_seed_draws_other_matrices_and_starts():
    at = run(section=SLUG, **{"page.seed": "3"})
    res = sp.probability(dataclasses.replace(sp.DEFAULT_PROBABILITY, seed=3))
    assert words.probability_caption(res) in texts(at)
    assert CLAIMS["saddle-probability"].check(3).summary in finding(at, "saddle-probability")
    assert verdict(at, "saddle-probability") == "refined"
