"""The descent section through AppTest: controls by key, the page's numbers against the analysis,
bad and extreme settings."""

import re

import numpy as np
import pytest

import pages
from explainer.core.analyses import descent as analysis
from explainer.core.claims import CLAIMS
from explainer.sections.descent import words
from pages import finding, run, texts, verdict

CLAIM = "small-gradient-best-fit"


@pytest.fixture(scope="module")
def page():
    return run(section="descent")


def _run_box(at) -> str:
    boxes = [b.value for kind in ("success", "warning", "error") for b in getattr(at, kind)]
    return next(b for b in boxes if b.startswith(("Stopped", "Used all", "**Diverged", "**Ran away")))


def test_default_run_and_claim_come_from_the_analysis(page):
    res = analysis.surface_run(analysis.DEFAULT_RUN)
    assert _run_box(page) == words.run_verdict(res)[0]
    assert "local minimum" in _run_box(page) and "(1.0000, 0.0000)" in _run_box(page)
    expected = CLAIMS[CLAIM].check(0)
    assert verdict(page, CLAIM) == expected.verdict == "refined"
    assert expected.summary in finding(page, CLAIM)
    assert words.sweep_caption(res, analysis.SURFACES["double-well"]) in texts(page)


def test_a_large_step_diverges_and_the_page_says_where():
    at = run(section="descent")
    at.select_slider(key="descent.lr").set_value(1.5).run()
    step = int(re.search(r"Diverged at step (\d+)", _run_box(at)).group(1))
    assert 1 <= step < 100
    assert verdict(at, CLAIM) == "not judged"  # the grid at this step size blows up too
    sweep = next(t for t in texts(at).split("\n") if "fastest step size" in t)
    assert "upward the run diverges" in sweep


def test_moving_the_start_changes_where_descent_ends():
    at = run(section="descent")
    at.slider(key="descent.x0").set_value(-1.5).run()
    assert "global minimum" in _run_box(at) and "(-1.0000, 0.0000)" in _run_box(at)


def test_started_on_the_ridge_line_descent_stops_on_the_saddle():
    at = run(section="descent", **{"descent.surface": "saddle", "descent.y0": "0"})
    assert "**saddle**" in _run_box(at)
    assert verdict(at, CLAIM) == "not judged"
    assert "no lowest point" in finding(at, CLAIM)


def test_switching_surface_moves_the_start_and_the_step_size():
    # The double well's start (1.8, 1.2) lies outside the monkey saddle's window (|x| <= 1.5).
    at = run(section="descent")
    at.selectbox(key="descent.surface").set_value("monkey-saddle").run()
    assert (at.slider(key="descent.x0").value, at.slider(key="descent.y0").value) == (1.2, 0.05)
    assert at.select_slider(key="descent.lr").value == analysis.GOOD_STEP["monkey-saddle"]
    assert at.slider(key="descent.x0").max == 1.5


@pytest.mark.parametrize("lr", [0.001, 1.5])
def test_every_descent_surface_survives_extreme_step_sizes(lr):
    at = run(section="descent")
    for name in analysis.DEMO_SURFACES:
        at.selectbox(key="descent.surface").set_value(name).run()  # resets the step size to the surface's own
        at.select_slider(key="descent.lr").set_value(lr).run()
        assert not at.exception, (name, [e.value for e in at.exception])
        box = _run_box(at)
        res = analysis.surface_run(
            analysis.RunSettings(name, at.slider(key="descent.x0").value, at.slider(key="descent.y0").value, lr, 1000)
        )
        assert box == words.run_verdict(res)[0]
        if lr == 1.5:
            # Too large a step never settles quietly: it blows up, is thrown off the map, or keeps bouncing.
            assert box.startswith(("**Diverged", "**Ran away", "Used all")) or res.off_map, (name, box)


def test_the_saddle_aside_is_computed_only_when_opened(page):
    assert not any("lingers" in c.value for c in page.caption)
    at = run(section="descent", **{"descent.why": "true"})
    aside = next(t for t in texts(at).split("\n") if "lingers" in t)
    # Started 1e-12 off the ridge line, descent escapes after about ln(1e12)/ln(1 + 2 lr) steps.
    steps = int(re.search(r"10⁻¹² off it, it lingers (\d+) steps", aside).group(1))
    assert abs(steps - np.log(1e12) / np.log(1.04)) < 5


def test_the_seed_changes_the_worked_example():
    at = run(section="descent")
    first = [m.value for m in at.markdown if "Point #" in m.value]
    at.number_input(key="page.seed").set_value(7).run()
    second = [m.value for m in at.markdown if "Point #" in m.value]
    assert first and first != second
    lesson = analysis.network_lesson(analysis.LessonSettings(seed=7))
    assert second == [words.forward_pass(lesson.update)]


def test_the_network_step_size_control_dissects_another_step():
    at = run(section="descent")
    at.segmented_control(key="descent.net_lr").set_value(30.0).run()
    lesson = analysis.network_lesson(analysis.LessonSettings(seed=0, lr=30.0))
    assert words.gradient_step(lesson.update) in texts(at)
    assert "a step this long goes far past the ground the slope describes" in texts(at)


# ----- issue 11: the reader's choices stand out, oscillation is named, the optimiser race -----------


def _specs(at) -> list[dict]:
    return [pages.chart_spec(c) for c in at.get("vega_lite_chart")]


def _subtitle(spec: dict) -> str:
    sub = spec["title"]["subtitle"]
    return " ".join(sub) if isinstance(sub, list) else sub


def _lesson_spec(at) -> dict:
    return next(s for s in _specs(at) if s.get("title", {}).get("text") == "One network, four step sizes")


def test_the_chosen_network_step_size_is_the_bold_curve(page):
    before = _lesson_spec(page)
    assert "bold: yours (0.3)" in _subtitle(before)
    assert before["encoding"]["strokeWidth"]["condition"]["test"] == 'datum.lr == "0.3 (yours)"'
    at = run(section="descent")
    at.segmented_control(key="descent.net_lr").set_value(3.0).run()
    after = _lesson_spec(at)
    assert after["encoding"]["strokeWidth"]["condition"]["test"] == 'datum.lr == "3 (yours)"'
    assert after["encoding"]["opacity"]["value"] < after["encoding"]["opacity"]["condition"]["value"] == 1
    assert "bold: yours (3)" in _subtitle(after)
    assert "The bold curve is yours, step size 3" in texts(at)


def test_a_run_bouncing_across_a_valley_is_named_oscillation_with_its_cause():
    at = run(section="descent", **{"descent.surface": "four-traps", "descent.x0": "-1.8", "descent.y0": "2.6"})
    at.select_slider(key="descent.lr").set_value(0.7).run()
    box = _run_box(at)
    assert "**oscillates**" in box and "no resting place" not in box.replace("That is no resting place", "")
    assert "0.7 × 3.75 = 2.63, above 2" in box and "2/λₘₐₓ = 0.533" in box
    assert "From step 11 (dashed line) the run oscillates across a valley" in texts(at)


def test_the_race_has_six_rows_from_the_readers_start(page):
    frame = next(d.value for d in page.dataframe if "optimiser" in d.value.columns)
    assert len(frame) == 6
    res = analysis.race(analysis.DEFAULT_RACE)
    assert list(frame["steps"]) == [res.steps(m) for m in res.methods]
    assert dict(zip(frame["optimiser"], frame["ended"], strict=True))["Nesterov momentum"] == "global minimum"
    assert words.race_caption(res) in texts(page)
