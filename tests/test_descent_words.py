"""The descent section's sentences, on results varied by hand: a caption never contradicts its
own numbers."""

import dataclasses

import numpy as np
import pytest

from explainer.core import kinds
from explainer.core.analyses import descent as analysis
from explainer.core.experiments import Stability, Sweep
from explainer.core.ground import map_scales, read_ground
from explainer.core.prose import sci
from explainer.core.surfaces import SURFACES
from explainer.sections.common import describe_ground
from explainer.sections.descent import words


@pytest.fixture(scope="module")
def default():
    return analysis.surface_run(analysis.DEFAULT_RUN)


def test_the_default_run_rests_in_the_shallow_valley(default):
    text, box = words.run_verdict(default)
    assert box == "warning"
    assert "**local minimum**" in text and "(1.0000, 0.0000)" in text
    assert "Hessian eigenvalues 1, 2" in text
    assert f"Stopped at step {default.run.steps}" in text


def test_a_run_with_a_clear_slope_is_still_moving_whatever_the_budget():
    res = analysis.surface_run(analysis.RunSettings("double-well", 1.8, 1.2, 0.001, 100))
    text, _ = words.run_verdict(res)
    assert res.end_kind == kinds.STILL_MOVING
    assert "**no resting place**" in text and f"{res.end_grad:.2g}" in text
    assert "plateau" not in text and "flat in every direction" not in text


def test_divergence_says_what_passed_the_limit(default):
    res = analysis.surface_run(analysis.RunSettings("double-well", 1.8, 1.2, 1.5, 1000))
    text, box = words.run_verdict(res)
    assert box == "error" and res.overflow in ("loss", "position", "slope")
    assert f"Diverged at step {res.run.diverged_at}" in text
    assert f"taken its {res.overflow} past 10⁸" in text
    assert "10⁸ away" not in text


def test_a_bottomless_run_is_cut_by_size_not_distance():
    res = analysis.surface_run(analysis.RunSettings("monkey-saddle", 1.2, 0.05, 0.03, 1000))
    text, _ = words.run_verdict(res)
    assert res.unbounded and "Ran away" in text
    assert "passes 10⁸" in text and words.point(res.run.end) in text


def sweep_of(outcomes, grads, lrs=None):
    n = len(outcomes)
    lrs = np.asarray(lrs if lrs is not None else np.logspace(-3, 0, n))
    return Sweep(lrs=lrs, steps=np.full(n, 100), outcome=np.array(outcomes), final_loss=np.zeros(n),
                 final_grad=np.asarray(grads, dtype=float))  # fmt: skip


def test_the_sweep_never_calls_a_sliding_run_at_rest(default):
    sw = sweep_of([kinds.SWEEP_CONVERGED, kinds.SWEEP_AWAY_MOVING, kinds.SWEEP_AWAY_MOVING], [1e-7, 8.0, 2600.0])
    res = dataclasses.replace(default, sweep=sw, stability=None)
    text = words.sweep_caption(res, SURFACES["double-well"])
    assert "still sliding (slopes 8 to 2.6e+03)" in text
    assert "came to rest" not in text
    sw = sweep_of([kinds.SWEEP_CONVERGED, kinds.SWEEP_AWAY_RESTED], [1e-7, 1e-9])
    text = words.sweep_caption(dataclasses.replace(default, sweep=sw, stability=None), SURFACES["double-well"])
    assert "1 step size threw the run off the map, where it came to rest" in text


def test_the_stability_bound_names_its_direction_and_when_it_does_not_bind(default):
    sw = sweep_of([kinds.SWEEP_CONVERGED] * 3 + [kinds.SWEEP_DIVERGED], [1e-7] * 4, lrs=[0.5, 1.23, 1.92, 2.5])
    unexcited = Stability(limit=1.0, top=2.0, direction=(0.0, 1.0), second_limit=2.0, excited=0.0)
    text = words.stability_sentence(dataclasses.replace(default, sweep=sw, stability=unexcited))
    assert "2/λₘₐₓ = 1" in text and "along the y direction" in text
    assert "does not bind" in text and "converges at 1.23 and 1.92" in text
    excited = dataclasses.replace(unexcited, excited=0.3)
    text = words.stability_sentence(dataclasses.replace(default, sweep=sw, stability=excited))
    assert "does not bind" not in text and "2 step sizes above it converged" in text


def test_the_default_sweep_caption_matches_its_points(default):
    text = words.sweep_caption(default, SURFACES["double-well"])
    sw = default.sweep
    ok = sw.outcome == kinds.SWEEP_CONVERGED
    fastest = sw.lrs[ok][np.argmin(sw.steps[ok])]
    assert f"the fastest step size is {fastest:.3g}" in text
    first_bad = sw.lrs[sw.outcome == kinds.SWEEP_DIVERGED].min()
    assert f"From {first_bad:.3g} upward the run diverges" in text


@pytest.mark.parametrize(
    ("name", "xy", "phrase"),
    [
        ("monkey-saddle", (0.0, 0.0), "falls in 3 directions and rises in 3: a degenerate saddle"),
        ("four-traps", (0.4, 1.4), "is flat in every direction"),
        ("four-traps", (1.2, 1.4), "the edge of a plateau"),
        ("saddle", (0.0, 0.0), "curves up in one direction and down in the other"),
        ("double-well", (1.0, 0.0), "curves up in every direction"),
    ],
)
def test_ground_words_follow_the_ground(name, xy, phrase):
    s = SURFACES[name]
    scales = map_scales(s)
    (g,) = read_ground(s, xy, scales)
    text = describe_ground(g, scales)
    assert phrase in text
    assert "every side" not in text


def test_a_rim_is_not_called_a_maximum():
    s = SURFACES["four-traps"]
    scales = map_scales(s)
    g = dataclasses.replace(read_ground(s, (1.2, 1.4), scales)[0], shape=kinds.MAXIMUM, down=1, flat=1, sectors_down=0)
    assert g.is_rim
    text = describe_ground(g, scales)
    assert "falls away in one direction and is flat in one direction" in text and "not a maximum" in text


def test_the_saddle_aside_gives_the_closed_form():
    r = analysis.saddle_aim()
    text = words.saddle_caption(r)
    lingers = int(r.escape_step[list(r.y0s).index(1e-12)])
    assert f"it lingers {lingers} steps" in text
    assert abs(lingers - np.log(1e12) / np.log(1 + 2 * r.lr)) < 5
    assert f"about {np.log(10) / np.log(1 + 2 * r.lr):.0f} more steps" in text


def test_the_worked_example_reads_its_own_numbers():
    lesson = analysis.network_lesson(analysis.DEFAULT_LESSON)
    u = lesson.update
    assert f"P(label 1) = **{u.probability:.3f}**" in words.forward_pass(u)
    assert f"L = **{u.loss_before:.4f}**" in words.loss_step(u, analysis.NET_SAMPLES)
    assert f"**{u.weight_after:+.5f}**" in words.gradient_step(u)
    caption = words.lesson_caption(lesson)
    best = int(np.argmin(lesson.best))
    assert f"Step size {lesson.step_sizes[best]:g} reaches the lowest loss, {lesson.best[best]:.3f}" in caption


def test_a_sliding_run_is_never_described_as_a_place():
    # Rosenbrock, tiny steps: the run crawls along the bent valley floor, curvature (-0.1, 1,860):
    # the words say how each direction bends and never call the point a saddle or a valley floor.
    res = analysis.surface_run(analysis.RunSettings("rosenbrock", -1.5, 2.5, 0.001, 100))
    text, _ = words.run_verdict(res)
    assert res.end_kind == kinds.STILL_MOVING
    assert "in one direction and is nearly flat" in text
    assert "downhill one way" not in text and "counts as flat" not in text
    # Across the valley it has settled; along it, the slope is still clear.
    assert f"along its flattest direction the slope, {sci(res.ground.flat_slope)}, is still above" in text


def test_the_stability_bound_is_read_at_the_minimum_not_the_last_point():
    res = analysis.surface_run(analysis.RunSettings("tanh-plateau", 2.0, 1.0, 0.5, 1000))
    assert res.end_kind == kinds.GLOBAL_MINIMUM
    assert res.stability.limit == pytest.approx(1.0, rel=1e-6) and res.stability.isotropic
    assert "the curvature is 2 in every direction" in words.stability_sentence(res)


def test_a_step_below_the_drawn_bound_that_fails_is_explained(default):
    # From the double well's start, step 0.79 (below the local minimum's bound of 1) jumps into the
    # global valley, whose curvature 3 sets a bound of 2/3: the run bounces there.
    text = words.sweep_caption(default, SURFACES["double-well"])
    assert "fails although it is below 1: it ended near another critical point, where the bound is 0.667" in text
    assert "ending in a global minimum" in text  # the fastest step size lands in the other valley
