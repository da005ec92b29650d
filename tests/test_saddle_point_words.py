"""The saddle-point section's sentences on results varied by hand: every caption states the numbers
of its own result, and says nothing the result does not hold."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from explainer.core import kinds, store
from explainer.core.analyses import saddle_point as sp
from explainer.sections.saddle_point import words


@pytest.fixture(scope="module")
def pair():
    return store.result(sp.PAIR, sp.DEFAULT_PAIR)


def run_of(surface="saddle", end=kinds.SADDLE_LINGERING, **kw):
    fields = dict(
        surface=surface, start=(1.0, 1e-6), end=end, stop_reason="max-steps", taken=500, escape_step=-1, pass_step=-1,
        near_steps=120, closest=0.02, last_distance=0.03, last_grad=4e-4, steps=np.arange(3), xy=np.zeros((3, 2)),
        distance=np.ones(3),
    )  # fmt: skip
    fields.update(kw)
    return sp.SaddleRun(**fields)


def test_offsets_read_as_powers_of_ten():
    assert words.offset(0.0) == "0"
    assert words.offset(1e-12) == "10⁻¹²"
    assert words.offset(0.001) == "0.001"
    assert words.offset(0.1) == "0.1"


def test_the_default_verdict_gives_the_step_and_its_closed_form(pair):
    text = words.pair_verdict(pair)
    closed = math.log(1e12) / math.log(1.02)
    assert "|y| passed 1 at step 1,396" in text
    assert f"= {closed:,.1f} puts the first step past |y| = 1 at exactly that step" in text
    assert "converged onto the saddle: at step 947" in text  # from exactly (1, 0)
    assert f"about {pair.monkey_estimate:,.0f} steps" in text
    assert f"still {words.sci(pair.runs['monkey-saddle'].last_distance)} from the saddle" in text


def test_a_closed_form_that_misses_says_which_step_it_gives(pair):
    run = dataclasses.replace(pair.runs["saddle"], pass_step=1390)
    text = words.pair_verdict(dataclasses.replace(pair, runs={**pair.runs, "saddle": run}))
    assert "at step 1,396." in text and "exactly that step" not in text


def test_other_optimisers_get_no_plain_descent_closed_form(pair):
    s = dataclasses.replace(pair.settings, method="adam")
    text = words.pair_verdict(dataclasses.replace(pair, settings=s))
    assert "Adam, step size 0.01" in text
    assert "closed form" not in text and "continuous time" not in text


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        (kinds.SADDLE_ESCAPED, "its loss fell below −0.5 at step 300, |y| passed 1 at step 310"),
        (kinds.SADDLE_CAUGHT, "converged onto the saddle: at step 500 it stopped 0.03 from it"),
        (kinds.SADDLE_DIVERGED, "blew up at step 500 before it got away"),
        (kinds.SADDLE_LINGERING, "after 500 steps it was still 0.03 from the saddle"),
    ],
)
def test_every_end_of_a_run_has_its_sentence(end, expected):
    text = words.run_sentence(run_of(end=end, escape_step=300, pass_step=310))
    assert expected in text


def test_from_the_stable_line_the_verdict_says_so(pair):
    s = dataclasses.replace(pair.settings, y0=0.0)
    caught = run_of(end=kinds.SADDLE_CAUGHT, start=(1.0, 0.0))
    res = dataclasses.replace(pair, settings=s, runs={**pair.runs, "saddle": caught}, pass_closed=float("nan"))
    text = words.pair_verdict(res)
    assert "from exactly the stable line (1, 0): it converged onto the saddle" in text
    assert "closed form" not in text


def test_the_maps_caption_names_both_runs_of_both_saddles(pair):
    text = words.maps_caption(pair)
    assert text.startswith("On x² − y² the orange path from (1, 10⁻¹²)")
    assert "(escaped)" in text and "(converged onto the saddle)" in text and "(still near the saddle)" in text


def test_the_distance_caption_counts_the_steps_near_each_saddle(pair):
    text = words.distance_caption(pair)
    assert f"{pair.runs['saddle'].near_steps:,} steps within 0.1 on x² − y²" in text
    assert f"{pair.runs['monkey-saddle'].near_steps:,} steps on the monkey saddle" in text


def test_the_probability_captions_quote_the_measured_and_exact_shares():
    res = store.result(sp.PROBABILITY, sp.DEFAULT_PROBABILITY)
    text = words.probability_caption(res)
    assert f"{res.pd_fraction[1]:.4f} ± {res.stderr[1]:.4f}" in text and "= 0.1464" in text
    assert f"at n = 5 it is {words.sci(res.pd_fraction[4])}" in text  # the largest size with 100 hits or more
    big = words.big_n_caption(res)
    assert "$10^{-1{,}505}$" in big and "$10^{-2{,}982{,}008}$" in big and "exactly 1.0 in floating point" in big


def test_without_hits_at_the_largest_size_no_law_ratio_is_claimed():
    res = store.result(sp.PROBABILITY, sp.DEFAULT_PROBABILITY)
    none = dataclasses.replace(res, hits=np.concatenate([res.hits[:-1], [0]]))
    assert "lies" not in words.probability_caption(none)


def test_escape_captions_quote_the_medians_and_the_closed_form():
    res = store.result(sp.DOWNHILL, sp.DEFAULT_DOWNHILL)
    k = words.k_caption(res)
    a, b = res.steps_by_k["gd"][0], res.steps_by_k["gd"][-1]
    assert f"takes {a:.0f} steps with 1 downhill direction and {b:.0f} with 100" in k
    assert f"gives {res.closed_by_k[0]:.0f} and {res.closed_by_k[-1]:.0f}" in k
    c = words.curvature_caption(res)
    assert f"curvature 0.5 to 10: plain descent needs {res.steps_by_curvature['gd'][0]:.0f} down to" in c
    missing = dataclasses.replace(res, steps_by_k={**res.steps_by_k, "gd": np.full(len(res.k), np.nan)})
    assert words.k_caption(missing).startswith("Half the runs or more had not escaped")


def test_the_race_caption_gives_the_fitted_exponent_and_unfinished_runs():
    res = store.result(sp.RACE, sp.DEFAULT_RACE)
    text = words.race_caption(res)
    assert f"to the power {words.minus(res.monkey_slope, '.2f')}" in text and "theory −1/3" in text
    cut = dataclasses.replace(res, monkey_steps=np.concatenate([res.monkey_steps[:-1], [-1]]))
    assert "1 monkey run had not got away after 20,000 steps" in words.race_caption(cut)


def test_the_stall_caption_reads_its_own_hessian():
    res = store.result(sp.STALL, sp.DEFAULT_STALL)
    text = words.stall_caption(res)
    a, b = res.stall_epochs
    assert f"from epoch {a} to {b} (shaded)" in text
    assert f"{res.index} negative eigenvalues of {res.n_params}" in text
    per = math.log(10) / math.log1p(res.settings.lr * -res.eigenvalues[0])
    assert f"adds about {per:.0f} epochs" in text and "every hidden unit is alike" in text
    assert f"halfway down at epoch {res.escape_epoch}" in text


def test_a_stall_far_from_the_symmetric_point_is_not_called_symmetric():
    res = store.result(sp.STALL, sp.DEFAULT_STALL)
    far = dataclasses.replace(res, weight_size=3.0)
    text = words.stall_caption(far)
    assert "alike" not in text and "a saddle, but a gentle one" in text
    none = dataclasses.replace(res, stall=None)
    assert "no stall" in words.stall_caption(none)


def test_the_census_caption_gives_minima_saddles_and_the_correlation():
    res = store.result(sp.CENSUS, sp.DEFAULT_CENSUS)
    text = words.census_caption(res)
    assert f"{len(res.loss)} critical points of 6 networks of {res.n_params} weights" in text
    assert f"Spearman's ρ between loss and share of downhill directions: {res.spearman:.2f}" in text
    assert f"The {res.minima} minima lie at losses" in text
    saddles_only = dataclasses.replace(res, index=np.maximum(res.index, 1))
    assert "minima lie" not in words.census_caption(saddles_only)
