"""The landscape section through AppTest: controls found by key, the page's numbers against the
analysis run with the same settings, links with bad values, the nested weight fragment, and a
failed eigenvalue search."""

from __future__ import annotations

import dataclasses
import re

import pytest

from explainer.core import kinds
from explainer.core.analyses import landscape as analysis
from explainer.core.claims import CLAIMS
from explainer.core.claims import landscape as claim
from explainer.sections.landscape import page as section
from explainer.sections.landscape import words
from pages import finding, run, texts, verdict

CLAIM = "every-cut-flat"
EARLY, END = kinds.EARLY, kinds.END


@pytest.fixture(scope="module")
def page():
    return run(section="landscape")


@pytest.fixture(scope="module")
def results():
    """The section's analyses at its defaults (seed 0), called as the page calls them."""
    s = analysis.DEFAULT
    path = analysis.train(s)
    return dict(
        overview=analysis.overview(path, s),
        cuts=analysis.weight_cuts(path, s),
        every=analysis.every_weight(path, s),
        fan=analysis.random_cuts(path, s),
        plane=analysis.path_plane(path, s),
        curvature=analysis.curvature(path, s),
    )


def test_the_section_draws_under_its_own_header(page):
    assert [h.value for h in page.header] == ["2 · The landscape: one surface, thousands of cuts"]
    assert len(page.get("vega_lite_chart")) == 9
    for control in section.CONTROLS:  # every control is there, found by its key
        assert page.get_by_key(control.key) is not None, control.key


def test_the_page_counts_what_the_analysis_counts(page, results):
    text = texts(page)
    every, fan, cuts = results["every"], results["fan"], results["cuts"]
    assert f"At epoch 1, {every.downhill(EARLY):,} of the 4,417 cuts lead downhill" in text
    assert f"at the end, {every.downhill(END):,} d" in text
    assert every.downhill(EARLY) > 10 * max(every.downhill(END), 1)
    assert f"At epoch 1, {fan.downhill[EARLY]} of 12 random cuts lead downhill" in text
    assert fan.downhill[EARLY] > fan.downhill[END]
    assert f"At epoch 1, {cuts.downhill[EARLY]} of these 8 cuts" in text
    assert f"This plane holds {results['plane'].held:.1%} of the path" in text
    assert f"The network gets {results['overview'].accuracy:.0%} of its 400 training points right" in text
    # Each caption is the words module's sentence for that very result.
    for sentence in (
        words.tally_caption(every),
        words.slopes_caption(every),
        words.fan_caption(fan),
        words.axis_caption(cuts),
        words.plane_caption(results["plane"]),
        words.line_caption(results["plane"]),
        words.loss_caption(results["overview"]),
    ):
        assert sentence in text


def test_no_number_on_the_page_is_in_e_notation(page):
    text = texts(page)
    assert not re.findall(r"\d(?:\.\d+)?e[-+]?\d", text)
    assert "×10⁻" in text  # small numbers are there, spelled as powers of ten


def test_the_curvature_shown_is_the_analysis(page, results):
    curv = results["curvature"]
    metrics = {m.label: float(m.value.replace("−", "-")) for m in page.metric}
    # The solver's last bits move from call to call: compare the printed numbers within their rounding.
    assert metrics["Largest Hessian eigenvalue"] == pytest.approx(curv.high, rel=5e-3)
    assert metrics["Smallest Hessian eigenvalue"] == pytest.approx(curv.low, rel=5e-2)
    assert metrics["Gradient norm"] == pytest.approx(curv.grad_norm, rel=5e-2)
    reading = next(m.value for m in page.markdown if m.value.startswith("**Largest curvature"))
    assert "so this point is not a minimum" in reading and "had not reached a critical point" in reading
    assert "saddle, not a minimum" not in reading


def test_the_verdict_is_the_ledgers(page, results):
    r = results
    expected = CLAIMS[CLAIM].judge(claim.evidence(r["overview"], r["every"], r["fan"], r["curvature"]))
    assert verdict(page, CLAIM) == expected.verdict == CLAIMS[CLAIM].check(0).verdict == "refined"
    assert expected.summary in finding(page, CLAIM)


def test_the_claim_is_judged_once_in_a_cached_wrapper(monkeypatch):
    calls = []
    evidence = claim.evidence
    monkeypatch.setattr(claim, "evidence", lambda *a: calls.append(1) or evidence(*a))
    at = run(section="landscape", **{"landscape.epochs": "20"})
    judged = len(calls)
    assert judged <= 1 and verdict(at, CLAIM) in ("refined", "contradicted")
    at.run()  # a rerun (any control elsewhere on the page) judges nothing again
    assert not at.exception and len(calls) == judged and verdict(at, CLAIM) in ("refined", "contradicted")


def test_a_run_too_short_to_cut_still_shows_the_claim_not_judged(monkeypatch):
    monkeypatch.setitem(analysis.STEP, "sgd", 1e6)  # blows up in its first epoch
    caches = (section.trained, section.overview_view, section.claim_view)
    for cache in caches:
        cache.clear()
    try:
        at = run(section="landscape", **{"landscape.optimizer": "sgd", "landscape.epochs": "10"})
    finally:
        for cache in caches:  # no blown-up run left in the cache for other tests
            cache.clear()
    assert any("blew up in epoch 1" in w.value for w in at.warning)
    assert any(i.value == words.too_short() for i in at.info)
    assert verdict(at, CLAIM) == "not judged"
    assert "blew up in epoch 1" in finding(at, CLAIM)


def test_the_weight_redraws_its_own_cuts_in_a_nested_fragment(monkeypatch):
    # AppTest reruns the whole script on a change, so check that the weight's cuts are drawn by a
    # fragment of their own (what a browser reruns alone), and that a new weight moves them only.
    fragments = []
    fragment = section.st.fragment
    monkeypatch.setattr(section.st, "fragment", lambda body: fragments.append(body.__name__) or fragment(body))
    at = run(section="landscape", **{"landscape.epochs": "10"})
    assert fragments == ["draw", "_weight_cuts"]  # the section's own fragment, and the weight's inside it
    before = [m.value for m in at.markdown] + [c.value for c in at.caption]  # findings may be either
    at.number_input(key="landscape.weight").set_value(5).run()
    assert not at.exception
    s = dataclasses.replace(analysis.DEFAULT, epochs=10, weight=5)
    cuts = analysis.weight_cuts(analysis.train(s), s)
    caption = words.axis_caption(cuts)
    assert "Your weight (input 1 → hidden 1 unit 5)" in caption and caption in texts(at)
    after = [m.value for m in at.markdown] + [c.value for c in at.caption]
    changed = [b for b, a in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1 and "Your weight" in changed[0]  # only the weight's own caption moved


def test_the_other_controls_change_what_is_cut():
    at = run(section="landscape", **{"landscape.epochs": "10"})
    assert at.select_slider(key="landscape.epochs").value == 10
    at.select_slider(key="landscape.directions").set_value(8).run()
    s = dataclasses.replace(analysis.DEFAULT, epochs=10, directions=8)
    path = analysis.train(s)
    assert words.fan_caption(analysis.random_cuts(path, s)) in texts(at)
    at.select_slider(key="landscape.early").set_value(0).run()
    s = dataclasses.replace(s, early=0)
    assert words.tally_caption(analysis.every_weight(path, s)) in texts(at)
    assert "At epoch 0," in texts(at)
    at.segmented_control(key="landscape.activation").set_value("tanh").run()
    assert not at.exception
    s = dataclasses.replace(s, activation="tanh")
    every = analysis.every_weight(analysis.train(s), s)
    # tanh units never switch fully off, so no slope is exactly zero, and the caption says nothing of it.
    assert every.zero_slopes == 0 and words.slopes_caption(every) in texts(at)


def test_old_links_still_open_the_same_view():
    at = run(
        section="landscape",
        **{
            "landscape.optimizer": "SGD + momentum 0.9 (step 0.05)",
            "landscape.data": "Circles",
            "landscape.epochs": "10",
        },
    )
    assert at.selectbox(key="landscape.optimizer").value == "sgd"
    assert at.selectbox(key="landscape.data").value == "circles"
    assert not at.warning


def test_bad_link_values_fall_back_to_the_defaults_with_a_notice():
    at = run(section="landscape", **{"landscape.weight": "99999", "landscape.early": "3", "landscape.epochs": "10"})
    notices = [w.value for w in at.warning]
    assert any("Weight to cut along" in n and "`99999`" in n for n in notices)
    assert any("Early snapshot" in n and "`3`" in n for n in notices)
    assert at.number_input(key="landscape.weight").value == 1000
    assert at.select_slider(key="landscape.early").value == 1


def test_a_failed_eigen_search_is_said_and_the_claim_not_judged(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("ARPACK error -9999: no luck")

    monkeypatch.setattr(analysis, "extreme_eigenvalues", fail)
    section.curvature_view.clear()
    section.claim_view.clear()
    try:
        # 20 epochs reach flat ground, so only the curvature is missing (the defaults' is precomputed).
        at = run(section="landscape", **{"landscape.epochs": "20"})
    finally:
        section.curvature_view.clear()  # no failed result left in the cache for other tests
        section.claim_view.clear()
    assert any("could not be found for these weights (RuntimeError: ARPACK error -9999" in w.value for w in at.warning)
    assert not at.metric
    assert verdict(at, CLAIM) == "not judged"
    assert "curvature could not be computed" in finding(at, CLAIM)


VIEWS = (
    "trained",
    "overview_view",
    "cuts_view",
    "every_view",
    "fan_view",
    "plane_view",
    "curvature_view",
    "claim_view",
)


def test_the_default_view_reads_its_precomputed_parts_and_trains_nothing(monkeypatch, results):
    def train(settings):
        raise AssertionError(f"trained at {settings}")

    monkeypatch.setattr(analysis, "train", train)
    for name in VIEWS:
        getattr(section, name).clear()
    try:
        at = run(section="landscape")
    finally:
        for name in VIEWS:
            getattr(section, name).clear()
    assert len(at.get("vega_lite_chart")) == 9 and verdict(at, CLAIM) == "refined"
    # What the stored parts say is what a fresh computation says.
    assert words.tally_caption(results["every"]) in texts(at) and words.fan_caption(results["fan"]) in texts(at)


def test_a_weight_typed_beyond_the_range_is_clamped_with_a_notice_and_the_link_holds_it():
    # Streamlit's own bounded field would drop 5000 without a word; ours clamps it and says so.
    at = run(section="landscape", **{"landscape.epochs": "10"})
    field = at.number_input(key="landscape.weight")
    assert field.max is None and field.min is None  # no bounds of Streamlit's own: we clamp
    field.set_value(5000).run()
    assert not at.exception
    assert at.number_input(key="landscape.weight").value == analysis.N_PARAMS
    notice = "5000 is above the largest weight, 4,417: cutting along weight 4,417."
    assert notice in [i.value for i in at.info]
    assert at.query_params["landscape.weight"] == str(analysis.N_PARAMS)
    s = dataclasses.replace(analysis.DEFAULT, epochs=10, weight=analysis.N_PARAMS)
    assert words.axis_caption(analysis.weight_cuts(analysis.train(s), s)) in texts(at)
    at.number_input(key="landscape.weight").set_value(0).run()
    assert at.number_input(key="landscape.weight").value == 1
    assert "0 is below the smallest weight, 1: cutting along weight 1." in [i.value for i in at.info]
    assert notice not in [i.value for i in at.info]
    at.number_input(key="landscape.weight").set_value(12).run()
    assert at.number_input(key="landscape.weight").value == 12
    assert not [i.value for i in at.info if "weight" in i.value]  # an in-range value needs no notice


def test_the_activation_control_is_named_for_what_it_picks():
    at = run(section="landscape")
    assert at.button_group(key="landscape.activation").label == "Activation of the hidden units"


def test_a_change_computes_every_part_under_named_steps_before_drawing_any(monkeypatch):
    # Never a new chart beside an old claim: every step runs (named on one progress bar) before the
    # first chart or the claim box is drawn; a new data set trains first and says so.
    events = []
    step = section.Steps.__call__
    monkeypatch.setattr(
        section.Steps, "__call__", lambda self, label, run: events.append(label) or step(self, label, run)
    )
    draw = section.show_chart
    monkeypatch.setattr(section, "show_chart", lambda *a, **k: events.append("draw") or draw(*a, **k))
    box = section.claim_box
    monkeypatch.setattr(section, "claim_box", lambda *a: events.append("claim") or box(*a))
    at = run(section="landscape", **{"landscape.epochs": "10"})
    events.clear()
    at.selectbox(key="landscape.data").set_value("circles").run()
    assert not at.exception
    first_draw = min(events.index("draw"), events.index("claim"))
    steps = events[:first_draw]
    assert steps[0].startswith("training a 2-64-64-1 network (4,417 weights) for 10 epochs")
    assert steps[1:] == list(section.STEPS)
    assert all(e in ("draw", "claim") for e in events[first_draw:])
    assert events.count("draw") == 9 and events.count("claim") == 1  # all nine charts, after the steps


def test_in_the_browser_a_weight_typed_beyond_the_range_says_what_is_used_and_a_change_names_its_steps():
    # Only a browser shows what Streamlit's own bounded field did (drop 5000 silently) and the
    # progress bar while a change computes.
    from pathlib import Path

    from explainer.devserver import CHARTS_DRAWN_JS, CHROMIUM, CHROMIUM_ARGS, serve

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with serve() as (url, _pid), sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 820, "height": 1000})
        page.goto(f"{url}/?section=landscape&landscape.epochs=10")
        page.wait_for_function(CHARTS_DRAWN_JS, arg=9, timeout=120_000)
        field = page.get_by_role("spinbutton", name="Weight to cut along")
        field.fill("5000")
        field.press("Enter")
        notice = "5000 is above the largest weight, 4,417: cutting along weight 4,417."
        page.wait_for_function(f"() => document.body.innerText.includes({notice!r})", timeout=60_000)
        page.wait_for_function("() => window.location.search.includes('landscape.weight=4417')", timeout=30_000)
        assert field.input_value() == "4417"
        assert page.get_by_text("The link asked for").count() == 0  # the link echoes the field, no link notice
        page.wait_for_function(CHARTS_DRAWN_JS, arg=9, timeout=60_000)
        choose = page.locator('[data-testid="stSelectbox"]').first
        choose.click()
        page.keyboard.type("Circles")
        page.keyboard.press("Enter")
        bar = page.locator('[data-testid="stProgress"]')
        bar.first.wait_for(timeout=30_000)
        assert "Step " in bar.first.inner_text() and " of 8: " in bar.first.inner_text()
        page.wait_for_function("() => window.location.search.includes('landscape.data=Circles')", timeout=30_000)
        bar.first.wait_for(state="detached", timeout=120_000)
        page.wait_for_function(CHARTS_DRAWN_JS, arg=9, timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
