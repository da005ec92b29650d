"""The critical-points section through AppTest: controls found by key, the page's counts against
the analysis for the same settings, the step size that follows the map, and settings that blow up."""

import re

import pytest

from explainer.core import kinds
from explainer.core.analyses import critical_points as analysis
from explainer.core.analyses.critical_points import Settings
from explainer.core.claims import CLAIMS, CONFIRMED, NOT_JUDGED
from explainer.core.claims import critical_points as vanishing
from explainer.sections.critical_points import page as section
from explainer.sections.critical_points import words
from pages import claim_box, finding, run, texts, verdict

CLAIM = "vanishing-gradient-places"
SLUG = "critical-points"


def _counts_caption(at) -> str:
    # Chart captions are read wherever the page puts them (a caption or markdown).
    return next(
        t
        for t in texts(at).split("\n")
        if (t.startswith("Of ") and " starts, " in t) or re.match(r"All [\d,]+ runs .* after at most", t)
    )


def _counts(at) -> dict[str, int]:
    """The page's counts sentence read back into end kind -> runs."""
    text = _counts_caption(at)
    every = re.match(r"All ([\d,]+) runs (.*?) after at most", text)
    if every:
        n, how = int(every.group(1).replace(",", "")), every.group(2)
        return {next(k for k, phrase in words.ENDED.items() if how.startswith(phrase)): n}
    found = {}
    for kind, phrase in kinds.END_AT.items():
        if kind == kinds.STILL_MOVING:
            match = re.search(r"([\d,]+) were still moving|(1) was still moving|all of them were still moving", text)
            if match and match.group(0).startswith("all"):
                found[kind] = int(re.search(r"Of ([\d,]+) starts", text).group(1).replace(",", ""))
            elif match:
                found[kind] = int((match.group(1) or match.group(2)).replace(",", ""))
            continue
        match = re.search(rf"([\d,]+) {phrase}\b", text)
        if match:
            found[kind] = int(match.group(1).replace(",", ""))
    return found


def _starts(at) -> int:
    match = re.search(r"Of ([\d,]+) starts|All ([\d,]+) runs", _counts_caption(at))
    return int((match.group(1) or match.group(2)).replace(",", ""))


def _analysis_counts(settings: Settings) -> dict[str, int]:
    return {k: v for k, v in analysis.basins(settings).counts.items() if v}


@pytest.fixture(scope="module")
def page():
    return run(section=SLUG)


def test_the_default_page_says_what_the_analysis_computed(page):
    res = analysis.basins(analysis.DEFAULT)
    assert _counts(page) == _analysis_counts(analysis.DEFAULT)
    assert _counts_caption(page) == words.counts_caption(res)
    assert words.escape_caption(res) in texts(page)
    assert words.plateau_note(res) in [b.value for b in page.info]
    expected = CLAIMS[CLAIM].check(0)
    assert verdict(page, CLAIM) == expected.verdict == CONFIRMED
    assert expected.summary in finding(page, CLAIM)
    assert claim_box(page, CLAIM) is not None


def test_the_plateau_note_and_the_claim_box_count_the_same_resting_runs(page):
    # Review finding 4: the note counted 26 runs "that came to rest on a plateau", the box 15 (and 11 more that
    # started there and never moved). Both now count the runs that moved and came to rest there.
    p = analysis.basins(analysis.DEFAULT).plateau
    assert p.n > 0 and p.never_moved > 0
    note = next(b.value for b in page.info if b.value.startswith("**A plateau"))
    box = finding(page, CLAIM)
    assert f"The other {p.n:,} came to rest on it" in note
    assert f"{p.never_moved:,} runs started on its flat top and never moved" in note
    assert f"{p.n:,} on a plateau ({p.never_moved:,} more runs started on one and never moved)" in box
    assert f"26 on a plateau ({p.never_moved:,} of them never moved from their start)" in _counts_caption(page)


def test_grid_size_and_optimiser_change_the_basins():
    at = run(section=SLUG)
    assert _starts(at) == 21 * 21
    before = _counts(at)
    at.select_slider(key=f"{SLUG}.grid").set_value(15).run()
    assert _starts(at) == 15 * 15
    assert _counts(at) == _analysis_counts(Settings(side=15))
    at.selectbox(key=f"{SLUG}.method").set_value("adam").run()
    assert not at.exception
    adam = _counts(at)
    assert adam == _analysis_counts(Settings(method="adam", side=15))
    assert adam != before and kinds.PLATEAU not in adam  # Adam's normalised steps cross the flat table


def test_the_noise_control_shows_for_noisy_descent_only():
    at = run(section=SLUG)
    with pytest.raises(KeyError):
        at.select_slider(key=f"{SLUG}.noise")
    at.selectbox(key=f"{SLUG}.method").set_value("noisy").run()
    assert at.select_slider(key=f"{SLUG}.noise").value == analysis.DEFAULT_NOISE
    assert _counts(at) == _analysis_counts(Settings(method="noisy", noise=0.5))


def test_a_new_map_gets_a_step_size_that_suits_it():
    at = run(section=SLUG, **{f"{SLUG}.grid": "15"})
    assert at.select_slider(key=f"{SLUG}.lr").value == 0.1
    at.selectbox(key=f"{SLUG}.surface").set_value("himmelblau").run()
    assert at.select_slider(key=f"{SLUG}.lr").value == analysis.GOOD_STEP["himmelblau"] == 0.01
    assert "All 225 runs ended in a global minimum after at most" in texts(at)


def test_a_link_to_a_map_uses_its_own_step_size():
    # A link holds the menu's label for a map: take it from the control, never retype it.
    at = run(section=SLUG, **{f"{SLUG}.surface": section.SURFACE.format("six-hump-camel"), f"{SLUG}.grid": "15"})
    assert at.selectbox(key=f"{SLUG}.surface").value == "six-hump-camel"
    assert at.select_slider(key=f"{SLUG}.lr").value == 0.03
    assert _counts(at) == _analysis_counts(Settings(surface="six-hump-camel", lr=0.03, side=15))


def test_every_map_survives_a_diverging_step_size():
    at = run(section=SLUG, **{f"{SLUG}.grid": "15"})
    for name in analysis.MAP_SURFACES:
        at.selectbox(key=f"{SLUG}.surface").set_value(name).run()  # resets the step size
        at.select_slider(key=f"{SLUG}.lr").set_value(0.5).run()
        assert not at.exception, (name, [e.value for e in at.exception])
        assert _counts(at) == _analysis_counts(Settings(surface=name, lr=0.5, side=15)), name
    # Himmelblau's valleys curve at up to 134, so steps of 0.5 throw every run off: no verdict then.
    assert "All 225 runs diverged after at most" in texts(at)
    assert verdict(at, CLAIM) == NOT_JUDGED


def test_short_runs_are_still_moving_not_on_the_plateau():
    # Issue 8, fault 2: at step 0.01 and 250 steps, 81 of 441 runs "finished on the plateau".
    at = run(section=SLUG, **{f"{SLUG}.lr": "0.01", f"{SLUG}.steps": "250"})
    res = analysis.basins(Settings(lr=0.01, steps=250))
    counts = _counts(at)
    assert counts == _analysis_counts(Settings(lr=0.01, steps=250))
    assert counts[kinds.STILL_MOVING] >= 200 and counts[kinds.PLATEAU] == res.plateau.n + res.plateau.never_moved < 81
    assert "never came to rest" in _counts_caption(at)
    assert verdict(at, CLAIM) == NOT_JUDGED
    assert "were still moving after at most 250 steps" in finding(at, CLAIM)
    # They were creeping downhill: the page says more steps would help, and the analysis bears it out.
    assert res.n_creeping == res.still_moving
    assert "they are still creeping downhill. Try more steps or a larger step size." in finding(at, CLAIM)


def test_runs_that_bounce_across_their_valleys_are_told_to_take_a_smaller_step():
    # Review finding 2: "Try more steps or a larger step size" for runs still moving at every budget.
    params = {f"{SLUG}.surface": section.SURFACE.format("six-hump-camel"), f"{SLUG}.lr": "0.2", f"{SLUG}.grid": "15"}
    at = run(section=SLUG, **params)
    res = analysis.basins(Settings(surface="six-hump-camel", lr=0.2, side=15))
    assert res.n_bouncing == res.still_moving > res.n / 2
    text = finding(at, CLAIM)
    assert verdict(at, CLAIM) == NOT_JUDGED
    assert CLAIMS[CLAIM].judge(vanishing.evidence(res)).summary in text
    assert f"{res.still_moving:,} of 225 runs were still moving" in text
    assert "Try a smaller step size: plain descent settles in this map's sharpest minimum only with steps below " in (
        text
    )
    assert "Try more steps" not in text
