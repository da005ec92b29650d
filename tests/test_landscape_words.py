"""The landscape section's sentences and figures, on results built by hand: a caption never
claims more than its own numbers, categories travel as ids, and charts name them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explainer.core import kinds
from explainer.core.analyses import landscape as analysis
from explainer.core.analyses.landscape import Curvature, EveryWeight, Overview, PathView, RandomCuts, WeightCuts
from explainer.sections.landscape import figures, words

EARLY, END = kinds.EARLY, kinds.END
N = analysis.N_PARAMS
#: Two even classes: a constant guess scores ln 2, and a cut goes downhill beyond 0.1% of it.
SCALE = float(np.log(2))


# ----- hand-built results -----------------------------------------------------------------------------


def overview(losses=(0.711, 0.389, 0.2, 0.025), early=1, diverged_at=None) -> Overview:
    losses = np.asarray(losses, dtype=float)
    xs = np.linspace(-1, 1, 3)
    return Overview(
        data="moons",
        n_params=N,
        scale=SCALE,
        epochs=np.arange(len(losses)),
        losses=losses,
        early=early,
        diverged_at=diverged_at,
        accuracy=0.9375,
        xs=xs,
        ys=xs,
        prob=np.full((3, 3), 0.5),
        boundary=np.array([[0.0, -1.0, 0.0, 1.0]]),
        X=np.array([[0.1, 0.2], [-0.3, 0.4]]),
        labels=np.array([0, 1]),
    )


def weight_cuts(early_down=5, end_down=0, **extra) -> WeightCuts:
    alphas = np.linspace(-2, 2, 5)
    bowl = np.tile(0.1 + 0.01 * alphas**2, (8, 1))

    def courses(down):
        return np.array([kinds.DOWNHILL] * down + [kinds.NO_WAY_DOWN] * (8 - down))

    fields = dict(
        activation="relu",
        scale=SCALE,
        weight=5,
        span=2.0,
        picks=tuple(range(4, 12)),
        names=("input 1 → hidden 1 unit 5", *(f"w{i}" for i in range(7))),
        alphas=alphas,
        epochs={EARLY: 1, END: 40},
        losses={EARLY: bowl, END: bowl},
        courses={EARLY: courses(early_down), END: courses(end_down)},
        slope={EARLY: -4.8e-2, END: 8.6e-6},
        flat_end=False,
        data_blind=False,
        into_off=False,
        from_off=False,
    )
    fields.update(extra)
    return WeightCuts(**fields)


def every_weight(early=(1600, 2817, 0), end=(1, 4389, 27), flat_off=27, zero=0, zero_off=0) -> EveryWeight:
    slopes_end = np.full(N, 1e-5)
    slopes_end[:zero] = 0.0
    return EveryWeight(
        n_params=N,
        scale=SCALE,
        span=2.0,
        epochs={EARLY: 1, END: 40},
        tally={
            EARLY: dict(zip(kinds.CUT_COURSES, early, strict=True)),
            END: dict(zip(kinds.CUT_COURSES, end, strict=True)),
        },
        slopes={EARLY: np.full(N, 1e-4), END: slopes_end},
        flat_off=flat_off,
        zero_off=zero_off,
    )


def random_cuts(early=10, end=0, n=12, same=False) -> RandomCuts:
    alphas = np.linspace(-1, 1, 5)
    bowl = np.tile(0.1 + 0.5 * alphas**2, (n, 1))

    def courses(down):
        return np.array([kinds.DOWNHILL] * down + [kinds.NO_WAY_DOWN] * (n - down))

    return RandomCuts(
        count=n,
        scale=SCALE,
        alphas=alphas,
        epochs={EARLY: 1, END: 40},
        losses={EARLY: bowl, END: bowl},
        courses={EARLY: courses(early), END: courses(end)},
        same=same,
    )


def path_view(line=(0.74, 0.5, 0.3, 0.13, 0.12)) -> PathView:
    xs = np.linspace(-1, 1, 3)
    return PathView(
        epochs=np.arange(3),
        losses=np.array([0.74, 0.3, 0.13]),
        coords=np.array([[2.0, 0.5], [1.0, 0.2], [0.0, 0.0]]),
        off_plane=np.array([0.3, 0.1, 0.0]),
        explained=np.array([0.9, 0.05]),
        xs=xs,
        ys=xs,
        z=np.ones((3, 3)),
        ts=np.array([-0.25, 0.0, 0.5, 1.0, 1.25]),
        line=np.asarray(line, dtype=float),
        distance=13.9,
        travelled=18.3,
    )


def curvature(
    low=-0.0093, high=5.2, drop=4.5e-5, loss=0.1345, above_best=0.0, still_falling=True, grad_norm=0.0301
) -> Curvature:
    alphas = np.linspace(-2, 2, 5)
    lowest = np.array([loss, loss, loss, loss - drop, loss])
    direction = np.zeros(N)
    direction[:50] = 1.0  # 50 weights carry it evenly: 45 of them hold 90%
    return Curvature(
        loss=loss,
        scale=SCALE,
        grad_norm=grad_norm,
        failed=None,
        low=low,
        high=high,
        alphas=alphas,
        steep=loss + 0.5 * high * alphas**2,
        lowest=lowest,
        carriers=analysis.carriers(direction)[0],
        largest_share=analysis.carriers(direction)[1],
        still_falling=still_falling,
        best_epoch=37 if above_best else 40,
        last_epoch=40,
        above_best=above_best,
    )


# ----- fault 5: the end of training is not a minimum, nor a critical point -------------------------------


def test_a_negative_eigenvalue_with_a_gradient_is_not_a_minimum_and_not_a_critical_point():
    curv = curvature()
    text = words.curvature_reading(curv)
    assert "saddle, not a minimum" not in text and "strictly this point is a saddle" not in text
    assert "so this point is not a minimum" in text
    # "Not a critical point" has a threshold: the steepest cut (along the gradient) is not flat.
    assert "**Gradient norm 0.03.** Above 0.001, the slope under which a cut counts as flat" in text
    assert "is not flat, so training had not reached a critical point (neither a minimum nor a saddle)" in text
    # Why it is not a minimum, with the numbers: the gentler bend and the tiny drop along it, held to the
    # bar every cut is held to.
    assert "It bends 559 times more gently" in text
    assert "the loss falls by only 4.5×10⁻⁵, less than the 6.9×10⁻⁴ that counts as downhill" in text
    assert "mixing many weights (45 of them carry 90% of it, the largest alone 2%)" in text
    assert "the loss still falling" in text
    assert "**Largest curvature 5.2.**" in text and "a step above 2 / 5.2 = 0.385" in text


def test_no_negative_eigenvalue_reads_as_the_curvature_of_a_minimum_still_not_a_critical_point():
    text = words.curvature_reading(curvature(low=2e-4, drop=0.0))
    assert "No direction bends down: the curvature is that of a minimum" in text
    assert "along the flattest direction the loss does not fall at all" in text
    assert "had not reached a critical point" in text


def test_a_gradient_flatter_than_the_flat_slope_reads_as_a_critical_point():
    curv = curvature(grad_norm=4e-4)
    assert curv.critical and not curvature().critical
    text = words.curvature_reading(curv)
    assert "**Gradient norm 4×10⁻⁴.** Below 0.001" in text
    assert "as near a critical point as the cuts can tell" in text and "had not reached" not in text


def test_the_trend_follows_the_loss_curve():
    jumped = words.curvature_reading(curvature(above_best=0.28, still_falling=False))
    assert "lowest value came at epoch 37" in jumped and "28.0% above" in jumped
    level = words.curvature_reading(curvature(still_falling=False))
    assert "levelled off" in level


def test_the_eigen_cut_caption_compares_the_drop_with_what_the_curvature_predicts():
    gentle = words.eigen_caption(curvature())
    # -low * span^2 / 2 = 0.0093 * 2 = 0.0186: far more than the loss really falls.
    assert "would predict a fall of 0.019 at ±2: the bend down does not last that far" in gentle
    real = words.eigen_caption(curvature(low=-0.1, drop=0.01, loss=0.13))
    assert "it does go down: it falls by 0.01, more than the 6.9×10⁻⁴ that counts as downhill" in real
    assert "lowest 1 away" in real and "a real way down" in real
    # The bar is the data set's, not the end's: the same drop at a far lower loss is just as real.
    assert curvature(low=-0.1, drop=0.01, loss=0.004).real_drop and not curvature(drop=6e-4, loss=0.004).real_drop
    assert "bottom of a flat valley" not in gentle + real


# ----- the cuts ----------------------------------------------------------------------------------------


def test_weight_cut_captions_count_and_say_why_a_cut_is_flat_only_when_checked():
    text = words.axis_caption(weight_cuts(5, 1))
    assert "At epoch 1, 5 of these 8 cuts lead downhill from where the network is; at the end, 1 does." in text
    assert "Your weight (input 1 → hidden 1 unit 5) has slope -0.048 early and 8.6×10⁻⁶ at the end." in text
    assert "flat" not in text
    dead = words.axis_caption(weight_cuts(flat_end=True, data_blind=True, into_off=True))
    assert "perfectly flat: it is the bias of a ReLU unit that stays off for every training point" in dead
    unexplained = words.axis_caption(weight_cuts(flat_end=True, data_blind=True))
    assert "perfectly flat: the loss does not depend on it here" in unexplained and "ReLU" not in unexplained
    carries = words.axis_caption(weight_cuts(data_blind=True, from_off=True))
    assert "weight penalty's gentle bowl: it comes from a ReLU unit that is off" in carries


def test_the_tally_caption_names_flat_cuts_by_what_was_checked():
    text = words.tally_caption(every_weight())
    assert "At epoch 1, 1,600 of the 4,417 cuts lead downhill (the loss drops by more than 6.9×10⁻⁴)" in text
    assert "exactly: 17,668 losses" in text
    assert "at the end, 1 does." in text
    assert "27 cuts are perfectly flat at the end: biases of ReLU units that stay off" in text
    partly = words.tally_caption(every_weight(flat_off=20))
    assert "all of them biases; 20 belong to ReLU units" in partly
    assert "perfectly flat" not in words.tally_caption(every_weight(end=(2, 4415, 0), flat_off=0))


def test_the_slopes_caption_reports_exact_zeros_and_what_they_are():
    text = words.slopes_caption(every_weight(zero=27, zero_off=27))
    assert "median slope fell 10-fold, from 10⁻⁴ to 10⁻⁵" in text
    assert "e-0" not in text and "flatter than 0.001 early" in text
    assert "27 slopes are exactly zero at the end: the biases of ReLU units that are off" in text
    assert "(20 of ReLU units" in words.slopes_caption(every_weight(zero=27, zero_off=20))
    assert "exactly zero" not in words.slopes_caption(every_weight())


def test_random_cut_captions_count_in_words():
    assert "at the end, 1 does. 9 fewer than early; 1 still leads down." in words.fan_caption(random_cuts(10, 1))
    none = words.fan_caption(random_cuts(10, 0))
    assert "None of them drops by more than 6.9×10⁻⁴ within one step" in none and "rises by 0.5 within one step" in none
    assert "not the bottom" in words.fan_caption(random_cuts(3, 4))
    assert "same point" in words.fan_caption(random_cuts(4, 4, same=True))


def test_the_random_directions_are_said_to_leave_the_biases_alone():
    text = words.fan_intro()
    assert "all 4,288 entries of the weight matrices; the 129 biases stay put" in text


# ----- the run, the plane and the line ------------------------------------------------------------------


def test_the_share_of_the_fall_is_the_overviews_own():
    over = overview((0.711, 0.389, 0.2, 0.025))
    assert over.made_early == pytest.approx((0.711 - 0.389) / (0.711 - 0.025), rel=1e-12)
    assert overview((0.711, 0.01, 0.2, 0.025)).made_early == 1.0  # overshot the end: all of the fall, no more
    assert np.isnan(overview((0.5, 0.6, 0.7, 0.8)).made_early) and not overview((0.5, 0.6, 0.7, 0.8)).fell
    assert overview((0.711, 0.739, 0.2, 0.025)).rose_early


def test_the_claim_and_the_curvature_reading_word_the_drop_alike():
    from explainer.core.claims import landscape as claim

    curv = curvature()
    way = claim.falls(curv.drop, curv.loss, curv.downhill_drop)
    e = claim.evidence(overview(), every_weight(), random_cuts(10, 0), curv)
    assert way in words.curvature_reading(curv) and way in words.eigen_caption(curv)
    assert way in claim.every_cut_flat_summary(e, claim.every_cut_flat_rule(e))
    assert claim.mix(curv.carriers) in claim.every_cut_flat_summary(e, claim.every_cut_flat_rule(e))
    assert claim.mix(curv.carriers, curv.largest_share) in words.curvature_reading(curv)


def test_loss_captions_follow_the_curve():
    assert words.loss_caption(overview((0.711, 0.739, 0.2, 0.025))).startswith("The loss first rose, from 0.711")
    assert "made 47% of its fall" in words.loss_caption(overview((0.711, 0.389, 0.2, 0.025)))
    assert "marks the starting weights" in words.loss_caption(overview(early=0))
    assert "coincide" in words.loss_caption(overview(early=3))
    assert "did not fall" in words.loss_caption(overview((0.5, 0.6, 0.7, 0.8)))
    assert words.data_caption(overview()) == (
        "The network gets 94% of its 400 training points right. Its loss went from 0.711 to 0.025 in 3 epochs."
    )


def test_a_blown_up_run_says_what_is_left():
    assert "Everything below uses the 3 epochs before that." in words.diverged(overview(diverged_at=4))
    assert "Only the starting weights" in words.diverged(overview((0.7,), early=0, diverged_at=1))


def test_line_and_plane_captions_follow_the_numbers():
    falls = words.line_caption(path_view())
    assert "no bump to climb" in falls and "keeps falling, to 0.120 at t = 1.25" in falls
    bumpy = words.line_caption(path_view((0.74, 0.5, 0.55, 0.13, 0.15)))
    assert "not monotonically: it rises by up to 0.05" in bumpy and "rises again, to 0.150" in bumpy
    assert "stays level" in words.line_caption(path_view((0.74, 0.5, 0.3, 0.13, 0.13001)))
    plane = words.plane_caption(path_view())
    assert plane.startswith("This plane holds 95.0% of the path (90.0% along the first direction, 5.0%")
    assert "at most 0.30 off it (at epoch 0)" in plane
    assert "hold 95.0% of it" in words.plane_intro(path_view())


# ----- figures: ids in the data, names on the page ------------------------------------------------------


def _datasets(fig) -> list[dict]:
    specs = fig.spec if isinstance(fig.spec, list) else [fig.spec]
    return [row for spec in specs for rows in spec.get("datasets", {}).values() for row in rows]


def test_figures_carry_ids_and_name_them_only_in_legends():
    every = every_weight()
    tally = figures.tally(every)
    assert set(tally.data["moment"]) == {EARLY, END}
    assert set(tally.data["course"]) == set(kinds.CUT_COURSES)
    spec = json.dumps(tally.spec)
    assert json.dumps(list(kinds.CUT_COURSES)) in spec  # the stacking order is by id
    assert "goes downhill" in spec  # ... and the legend names it
    assert {r["course"] for r in _datasets(tally)} <= set(kinds.CUT_COURSES)
    fan = figures.fan(random_cuts(3, 1))
    assert set(fan.data["course"]) == {kinds.DOWNHILL, kinds.NO_WAY_DOWN}
    assert set(fan.data["moment"]) == {EARLY, END}
    assert "end (epoch 40)" in json.dumps(fan.spec)
    cuts = figures.weight_cuts(weight_cuts())
    assert set(cuts.data["when"]) == {EARLY, END} and cuts.data["panel"].iloc[0].startswith("#5 (yours)|")
    assert figures.data_map(overview()).data["label"].tolist() == [0, 1]


def test_the_tally_leaves_out_courses_no_cut_takes():
    fig = figures.tally(every_weight(early=(1600, 2817, 0), end=(1, 4416, 0), flat_off=0))
    assert kinds.FLAT_CUT not in set(fig.data["course"])


def test_lines_frame_measures_change_from_the_centre():
    frame = figures.lines_frame({END: np.array([[3.0, 1.0, 2.0]])}, np.array([-1.0, 0.0, 1.0]), 1)
    assert frame["change"].tolist() == [2.0, 0.0, 1.0] and set(frame["moment"]) == {END}


def test_eigen_cuts_have_no_figure_when_the_search_failed():
    import dataclasses

    failed = dataclasses.replace(curvature(), failed="ArpackNoConvergence: no luck")
    assert figures.eigen_cuts(failed) is None
    assert "could not be found for these weights (ArpackNoConvergence: no luck)" in words.curvature_failed(failed)
    fig = figures.eigen_cuts(curvature())
    assert fig.data["panel"].tolist()[0].startswith("steepest direction (curvature 5.2)")


@pytest.mark.parametrize("moment", [EARLY, END])
def test_moment_names_give_the_epochs(moment):
    names = figures.moment_names({EARLY: 2, END: 80})
    assert names[moment] == {EARLY: "epoch 2", END: "end (epoch 80)"}[moment]


def test_the_slopes_chart_spells_its_ticks_as_powers_of_ten_and_keeps_its_curves_inside():
    import re

    import vl_convert

    every = every_weight()
    every.slopes[END][:3] = [3e-13, 2e-7, 4e-2]  # slopes over eleven decades, the smallest under the floor
    fig = figures.spread(every)
    assert set(fig.data["when"]) == {EARLY, END} and fig.data["slope"].min() >= figures.SLOPE_FLOOR
    assert fig.data["share"].between(0, 1).all() and fig.data["share"].max() == 1
    end = fig.data[fig.data["when"] == END]
    assert end["slope_text"].iloc[0] == "10⁻¹²" and end["slope_text"].iloc[-1] == "0.04"
    assert not fig.data["slope_text"].str.contains("e-").any()
    enc = fig.spec["encoding"]
    ticks = enc["x"]["axis"]["values"]
    assert ticks == [10.0**k for k in range(-12, -1 + 1)]
    # The share axis ends at 0% and 100% with room for the stroke beyond them, so no curve pokes out.
    assert enc["y"]["scale"]["domain"] == [0, 1] and enc["y"]["scale"]["padding"] >= fig.spec["mark"]["strokeWidth"] / 2
    svg = vl_convert.vegalite_to_svg(json.dumps(dict(fig.spec, width=600)))
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert {"10⁻¹²", "10⁻⁶", "10⁻¹"} <= set(labels)
    assert not [t for t in labels if re.fullmatch(r"[\d.]+(e-?\d+)?", t) and ("e" in t or t.startswith("0.0"))]
    assert "100%" in labels and "0%" in labels
