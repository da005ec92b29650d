"""The critical-points analysis: its result read off the same grid descent the core runs, ends
and stalls judged on the map's own scales whatever the budget (issue 8, fault 2), rims of flat
ground counted as plateau, the plateau's slide-off numbers computed (fault 7) for the runs that
moved there (review finding 4), runs still moving told apart as bouncing or creeping (finding 2),
and what runs did near each trap (finding 3)."""

import dataclasses

import numpy as np
import pytest

from explainer.core import kinds
from explainer.core.analyses import critical_points as analysis
from explainer.core.analyses.critical_points import Settings
from explainer.core.claims import critical_points as vanishing
from explainer.core.ground import map_scales, read_ground, steps_to_slide
from explainer.core.surfaces import SURFACES
from explainer.core.traps import ESCAPABLE, grid_descent


@pytest.fixture(scope="module")
def default():
    return analysis.basins(analysis.DEFAULT)


@pytest.fixture(scope="module")
def short():
    """Issue 8, fault 2: step 0.01 and 250 steps, where 81 of 441 runs used to "finish on the plateau"."""
    return analysis.basins(Settings(lr=0.01, steps=250))


def test_settings_default_to_the_controls_and_ignore_noise_where_nothing_is_random():
    d = analysis.DEFAULT
    assert (d.surface, d.method, d.lr, d.steps, d.side, d.noise, d.seed) == ("four-traps", "gd", 0.1, 1500, 21, 0.0, 0)
    assert Settings(noise=0.5, seed=7) == d  # plain descent draws nothing at random
    noisy = Settings(method="noisy", noise=0.5, seed=7)
    assert (noisy.noise, noisy.seed) == (0.5, 7)
    assert all(analysis.GOOD_STEP[m] in analysis.STEP_SIZES for m in analysis.MAP_SURFACES)


def test_the_result_reads_off_the_cores_grid_descent(default):
    grid = grid_descent(SURFACES["four-traps"], side=21, lr=0.1, steps=1500)
    assert default.counts == grid.counts()
    assert sum(default.counts.values()) == default.n == 441
    assert [dataclasses.asdict(e) for e in default.escapes] == grid.escapes()
    assert default.escaped_steps == {k: tuple(v) for k, v in grid.escaped_steps().items()}
    np.testing.assert_array_equal(default.labels, grid.labels)
    assert default.median_steps[kinds.GLOBAL_MINIMUM] == float(
        np.median(grid.batch.stop_step[grid.labels == kinds.GLOBAL_MINIMUM])
    )


def test_the_default_grid_holds_each_kind_of_end_and_the_saddle_only_delays(default):
    counts = default.counts
    assert counts[kinds.GLOBAL_MINIMUM] > 0 and counts[kinds.LOCAL_MINIMUM] > 0 and counts[kinds.PLATEAU] > 0
    assert counts[kinds.END_SADDLE] == 0 and default.escaped_steps[kinds.STALL_SADDLE]
    assert default.strict_saddles == len(default.escaped_steps[kinds.STALL_SADDLE])
    assert default.map_kinds == analysis.TRAPS
    ex = default.example
    assert ex.stall.escaped and ex.stall.duration == max(e.longest_steps for e in default.escapes)
    assert len(ex.grounds) == len(ex.stalls) and ex.losses.shape == ex.grad_norms.shape
    assert 1 <= len(default.paths) <= analysis.PATHS


def test_every_maps_own_step_size_is_stable_in_its_sharpest_minimum():
    for name in analysis.MAP_SURFACES:
        res = analysis.basins(Settings(surface=name, lr=analysis.GOOD_STEP[name], side=15))
        assert analysis.GOOD_STEP[name] < res.stable_step == pytest.approx(2 / res.sharpest_minimum), name
        assert res.still_moving <= res.n / 20, name


def test_plain_descent_never_escapes_a_minimum():
    for name in analysis.MAP_SURFACES:
        res = analysis.basins(Settings(surface=name, lr=analysis.GOOD_STEP[name], side=15))
        assert res.escaped_steps[kinds.STALL_MINIMUM] == (), name


# ----- fault 2: a run with a clear slope is still moving, never a stall or a plateau end ---------------


def test_the_scales_do_not_depend_on_the_budget(default, short):
    assert default.scales == short.scales == map_scales(SURFACES["four-traps"])


def test_no_run_with_a_large_gradient_is_a_plateau_end_or_a_stall(short):
    scales = short.scales
    rested = np.isin(short.labels, kinds.RESTED)
    # At rest means within the map's reach of a critical point: the slope there is at most what the
    # sharpest curvature makes over that distance; on the flat table it is below the still threshold.
    assert short.end_grads[rested].max() <= scales.curvature * scales.reach + scales.still
    assert short.plateau.slopes.max() < scales.still
    assert short.counts[kinds.PLATEAU] <= 30 and short.still_moving >= 200
    lo, hi = short.still_slopes
    # The slopes the issue found on "plateau" runs (up to 0.4) now belong to runs still moving.
    assert 0 < lo < hi and hi > 0.4
    assert short.counts[kinds.STILL_MOVING] == short.still_moving


def test_stalls_are_slow_by_the_maps_own_threshold():
    grid = grid_descent(SURFACES["four-traps"], side=21, lr=0.01, steps=250)
    stalls = [s for run in grid.stalls for s in run]
    assert stalls and max(s.grad_norm for s in stalls) < grid.scales.slow


# ----- fault 7: rims are plateau, and the slide-off promise has its number ------------------------------


def test_a_rim_of_flat_ground_is_a_plateau_stall_never_a_maximum(default):
    grid = grid_descent(SURFACES["four-traps"], side=21, lr=0.1, steps=1500)
    flat = grid.scales.flat
    rims = 0
    for run in grid.stalls:
        for s in run:
            ev = np.array(s.eigenvalues)
            if (ev < -flat).any() and (np.abs(ev) <= flat).any() and not (ev > flat).any():
                rims += 1
                assert s.kind == kinds.STALL_PLATEAU
            assert s.kind != kinds.STALL_MAXIMUM
    assert rims > 0  # the default grid does stall on the rim
    assert default.escaped_steps[kinds.STALL_MAXIMUM] == ()


def test_sliding_off_the_plateau_takes_the_number_steps_to_slide_gives(default):
    s, p = SURFACES["four-traps"], default.plateau
    moved = p.runs
    assert p.flattest.slope == pytest.approx(p.slopes.min(), rel=1e-12)
    assert p.median.slope == pytest.approx(np.sort(p.slopes)[p.n // 2], rel=1e-12)
    for slide in (p.flattest, p.median):
        assert slide.run in moved
        assert slide.steps == pytest.approx(steps_to_slide(s, slide.xy, 0.1, default.scales), rel=1e-9)
        assert slide.ground == read_ground(s, slide.xy, default.scales)[0]
    # Even the steepest resting place needs more steps than any budget the page offers.
    assert max(analysis.STEP_BUDGETS) < p.median.steps < p.flattest.steps
    assert default.steps[p.runs].max() <= 1500
    assert p.n_stopped + p.n_out_of_steps == p.n


# ----- finding 4: one definition of "came to rest on the plateau" ------------------------------------------


def test_runs_that_never_moved_did_not_come_to_rest_on_the_plateau(default):
    # The note said "26 runs came to rest on a plateau" and the claim box "15 ... (11 more started there and
    # never moved)"; and the flattest resting place behind "3.9×10⁸ more steps" was one of those 11.
    p, stayed = default.plateau, default.never_moved
    ended = np.flatnonzero(default.labels == kinds.PLATEAU)
    assert p.never_moved == default.stayed[kinds.PLATEAU] == int(stayed[ended].sum()) > 0
    assert p.n + p.never_moved == default.counts[kinds.PLATEAU]
    assert set(p.runs) == set(ended[~stayed[ended]]) and not stayed[p.runs].any()
    assert 0 < p.never_moved_shift <= analysis.STAYED * default.scales.size
    assert next(t for t in default.traps if t.kind == kinds.PLATEAU).rested == p.n
    e = vanishing.evidence(default)
    assert e["ends"][kinds.PLATEAU] - e["stayed"][kinds.PLATEAU] == p.n


# ----- finding 2: runs still moving, bouncing or creeping -----------------------------------------------


@pytest.mark.parametrize(("surface", "lr"), [("six-hump-camel", 0.2), ("himmelblau", 0.03)])
def test_runs_that_bounce_across_their_valleys_need_a_smaller_step_not_more_steps(surface, lr):
    # The review: "Try more steps or a larger step size" for these, still moving at every budget 250..3000.
    short, long = (analysis.basins(Settings(surface=surface, lr=lr, side=15, steps=n)) for n in (250, 3000))
    for res in (short, long):
        assert res.still_moving > res.n / 2 and res.n_bouncing == res.still_moving and res.n_creeping == 0
    assert long.still_moving == short.still_moving  # more steps do not settle them
    assert lr > short.stable_step  # the step is above 2 / lambda of the sharpest minimum
    smaller = analysis.basins(Settings(surface=surface, lr=analysis.GOOD_STEP[surface], side=15))
    assert analysis.GOOD_STEP[surface] < smaller.stable_step and smaller.still_moving == 0


def test_runs_still_creeping_need_more_steps_and_their_loss_was_still_falling():
    settings = Settings(lr=0.01, steps=250, side=15)
    res = analysis.basins(settings)
    assert res.still_moving > res.n / 2 and res.n_creeping == res.still_moving and res.n_bouncing == 0
    grid = grid_descent(SURFACES["four-traps"], side=15, lr=0.01, steps=250)
    moving = grid.labels == kinds.STILL_MOVING
    np.testing.assert_array_equal(moving, res.labels == kinds.STILL_MOVING)
    tail = grid.batch.losses[-analysis.TAIL - 1 :, moving]
    assert (tail[-1] < tail[0]).all()  # every creeping run was still going downhill
    longer = analysis.basins(dataclasses.replace(settings, steps=1500))
    assert longer.still_moving < res.still_moving / 5


def test_noisy_runs_are_judged_bouncing_or_creeping_on_their_quench():
    # Their noisy steps turn at random; the plain descent that settled them shows they were creeping.
    res = analysis.basins(Settings(method="noisy", noise=0.5, lr=0.001, steps=250, side=15))
    assert res.still_moving > 0 and res.n_bouncing == 0


def test_a_long_step_that_jumps_past_a_point_still_came_near_it():
    # Both step ends lie 1 away from the origin; the segment between them passes at 0.1.
    positions = np.array([[[-1.0, 0.1], [3.0, 3.0]], [[1.0, 0.1], [3.0, 3.1]]])  # (k+1=2, n=2, 2)
    near = analysis._came_near(positions, [np.zeros((1, 2))], reach=0.15)[0]
    assert near.tolist() == [True, False]
    assert analysis._came_near(positions, [np.zeros((1, 2))], reach=0.05)[0].tolist() == [False, False]
    assert analysis._came_near(positions, [np.array([[9.0, 9.0], [3.0, 3.05]])], reach=0.06)[0].tolist() == [
        False,
        True,
    ]


# ----- finding 3: what the runs did at each trap ----------------------------------------------------------


def test_the_traps_record_runs_that_came_near_and_went_by(default):
    traps = {t.kind: t for t in default.traps}
    assert tuple(traps) == default.map_kinds == analysis.TRAPS
    for t in traps.values():
        assert 0 <= t.passed <= t.near and t.rested == default.counts[t.kind] - default.stayed[t.kind]
    # Plain descent goes into the local minimum it comes near; a strict saddle only delays runs.
    assert traps[kinds.LOCAL_MINIMUM].passed == 0 and traps[kinds.END_SADDLE].slowed > 0
    momentum = analysis.basins(Settings(surface="himmelblau", lr=0.01, method="momentum", side=15))
    (saddle,) = momentum.traps
    assert saddle.kind == kinds.END_SADDLE and saddle.passed > 0 and saddle.slowed == saddle.rested == 0


# ----- every map, whatever the step size ---------------------------------------------------------------


@pytest.mark.parametrize("name", analysis.MAP_SURFACES)
def test_every_map_survives_a_diverging_step_size(name):
    res = analysis.basins(Settings(surface=name, lr=0.5, side=15))
    assert sum(res.counts.values()) == 225
    assert all(np.isfinite(p.xy).all() for p in res.paths)
    if name == "himmelblau":  # its valleys curve at up to 134: steps of 0.5 throw every run off
        assert res.counts[kinds.DIVERGED] == 225 and res.example is None and res.plateau is None


def test_noisy_runs_are_judged_after_their_quench_and_escape_the_plateau():
    res = analysis.basins(Settings(method="noisy", noise=0.5, side=15))
    assert res.counts[kinds.PLATEAU] == 0 and res.escaped_steps[kinds.STALL_PLATEAU]
    assert set(res.escaped_steps) == set(ESCAPABLE)
