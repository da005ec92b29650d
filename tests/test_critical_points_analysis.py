"""The critical-points analysis: its result read off the same grid descent the core runs, ends
and stalls judged on the map's own scales whatever the budget (issue 8, fault 2), rims of flat
ground counted as plateau, and the plateau's slide-off numbers computed (fault 7)."""

import dataclasses

import numpy as np
import pytest

from explainer.core import kinds
from explainer.core.analyses import critical_points as analysis
from explainer.core.analyses.critical_points import Settings
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
    assert short.end_grads[rested].max() < scales.still  # 4.4e-4, a thousandth of the map's median slope
    assert short.plateau.slopes.max() < scales.still
    assert short.counts[kinds.PLATEAU] <= 30 and short.still_moving >= 300
    lo, hi = short.still_slopes
    # The slopes the issue found on "plateau" runs (up to 0.4) now belong to runs still moving.
    assert lo >= scales.still and hi > 0.4
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
    assert p.n == default.counts[kinds.PLATEAU]
    assert p.flattest.slope == pytest.approx(p.slopes.min(), rel=1e-12)
    assert p.median.slope == pytest.approx(np.sort(p.slopes)[p.n // 2], rel=1e-12)
    for slide in (p.flattest, p.median):
        assert slide.steps == pytest.approx(steps_to_slide(s, slide.xy, 0.1, default.scales), rel=1e-9)
        assert slide.ground == read_ground(s, slide.xy, default.scales)[0]
    # The flattest resting run sits about 0.13 from the table's centre: hundreds of millions of steps.
    centre = np.array(next(c.xy for c in s.critical_points if c.kind == "plateau"))
    assert np.linalg.norm(np.array(p.flattest.xy) - centre) == pytest.approx(0.13, abs=0.01)
    assert 1e8 < p.flattest.steps < 1e10
    assert default.steps[p.runs].max() <= 1500 < p.median.steps < p.flattest.steps
    assert p.n_stopped + p.n_out_of_steps == p.n and p.n_stopped > 0 and p.n_out_of_steps > 0


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
