"""Reading the ground where runs end and stall: thresholds from the map, never from the run.

Each test pins a cause of a fault readers saw: curved ground read as flat because the run was
short, a saddle read as a minimum, a sliding run read as resting, a monkey saddle read as flat.
"""

import functools

import numpy as np
import pytest

from explainer.core import kinds
from explainer.core.ground import MapScales, label_ends, map_scales, read_ground, steps_to_slide
from explainer.core.optimize import descend
from explainer.core.surfaces import SURFACES
from explainer.core.traps import grid_descent

MAPS = ("four-traps", "double-well", "six-hump-camel", "himmelblau")
#: Settings that used to fool the old, budget-dependent tolerance: short runs and tiny steps.
RUNS = [("gd", 0.1, 1500), ("gd", 0.01, 250), ("gd", 0.001, 100), ("momentum", 0.03, 500), ("noisy", 0.05, 500)]


CASES = [(m, *r) for m in MAPS for r in RUNS]


@functools.cache
def _grid(name, method, lr, steps):
    lr = min(lr, 0.01) if name == "himmelblau" else lr  # its valleys curve at up to 134
    return SURFACES[name], method, grid_descent(SURFACES[name], side=9, method=method, lr=lr, steps=steps, noise=0.3)


@pytest.fixture(scope="module", params=CASES, ids=lambda p: "-".join(map(str, p)))
def grid(request):
    return _grid(*request.param)


def test_no_stall_or_end_is_a_minimum_where_a_direction_bends_down(grid):
    surface, _, res = grid
    for run in res.stalls:
        for s in run:
            if s.kind == kinds.STALL_MINIMUM:
                assert min(s.eigenvalues) > -1e-9 * max(abs(v) for v in s.eigenvalues), s
    minima = np.isin(res.labels, (kinds.GLOBAL_MINIMUM, kinds.LOCAL_MINIMUM))
    if minima.any():
        ev = np.linalg.eigvalsh(surface.hessian(res.ends[minima]))
        assert (ev[:, 0] > -1e-9 * np.abs(ev).max(axis=1)).all()


def test_no_run_rests_away_from_a_critical_point_or_stalls_on_a_slope(grid):
    surface, _, res = grid
    rested = np.flatnonzero(np.isin(res.labels, kinds.RESTED))
    scales = res.scales
    for g in read_ground(surface, res.ends[rested], scales):
        # At rest: the nearest critical point within the map's reach, no slope along flat ground,
        # so the slope is at most what the sharpest curvature makes over that distance.
        assert g.newton <= scales.reach and g.flat_slope < scales.still
        assert g.grad_norm <= scales.curvature * scales.reach + scales.still
    for run in res.stalls:
        assert all(s.grad_norm < scales.slow for s in run)
        assert all(s.kind in kinds.STALL_KINDS for s in run)


@pytest.mark.parametrize("case", [c for c in CASES if c[1] == "gd"], ids=lambda p: "-".join(map(str, p)))
def test_plain_descent_never_escapes_a_minimum(case):
    # Only plain descent: noise and momentum may well carry a run out of a minimum.
    _, _, res = _grid(*case)
    escaped = [s for run in res.stalls for s in run if s.kind == kinds.STALL_MINIMUM and s.escaped]
    assert escaped == []


def test_a_short_run_on_curved_ground_is_still_moving_not_on_a_plateau():
    # Double well, step 0.001, 100 steps: the old tolerance 1 / (lr * steps) = 10 called curvature
    # 2 and 4.9 "flat" and the run (slope 2.6) "on a plateau".
    s = SURFACES["double-well"]
    run = descend(s, s.start, "gd", 0.001, 100, tol=1e-6)
    assert run.grad_norms[-1] > 2
    assert label_ends(s, run.end, [run.grad_norms[-1]], [run.stop_reason])[0] == kinds.STILL_MOVING


def test_plateau_ends_lie_on_the_table_whatever_the_budget():
    # Four traps at step 0.01 and 250 steps: 81 runs used to "finish on the plateau" with slopes up to
    # 0.4, many outside the table (radius 1.15 around (0.4, 1.4)). The same ends are read the same way
    # now, so only runs resting on the flat top count, at any budget.
    s = SURFACES["four-traps"]
    for lr, steps in ((0.01, 250), (0.1, 1500)):
        res = grid_descent(s, side=21, lr=lr, steps=steps)
        plateau = res.labels == kinds.PLATEAU
        assert plateau.any()
        radius = np.linalg.norm(res.ends[plateau] - np.array([0.4, 1.4]), axis=1)
        assert radius.max() < 1.0
        assert res.end_grads[plateau].max() < res.scales.still
    assert (res.labels == kinds.STILL_MOVING).sum() == 0  # 1500 steps of 0.1 settle every run


def test_the_monkey_saddle_is_a_saddle_to_higher_order():
    # Its Hessian at the origin is zero, but it falls along three directions and rises along three.
    s = SURFACES["monkey-saddle"]
    (g,) = read_ground(s, [0.0, 0.0], map_scales(s))
    assert np.allclose(g.eigenvalues, 0.0)
    assert g.shape == kinds.SADDLE
    assert (g.sectors_down, g.sectors_up) == (3, 3)
    assert g.index == 3


def test_the_table_is_flat_and_its_rim_is_part_of_it():
    s = SURFACES["four-traps"]
    scales = map_scales(s)
    centre, rim = read_ground(s, [[0.4, 1.4], [1.2, 1.4]], scales)
    assert centre.shape == kinds.FLAT and centre.sectors_down == 0
    assert rim.shape == kinds.FLAT and rim.sectors_down == 1  # falls away on one side further out
    assert label_ends(s, [[0.4, 1.4], [1.2, 1.4]], [0.0, 0.0], ["converged"] * 2, scales).tolist() == [
        kinds.PLATEAU,
        kinds.PLATEAU,
    ]
    # Further out, (-0.16, -0.006): down radially, flat along the rim. Not a summit.
    (edge,) = read_ground(s, [1.3, 1.4], scales)
    assert edge.is_rim or edge.shape == kinds.FLAT


def test_a_valley_floor_that_still_slopes_is_not_a_minimum():
    # A bowl x^2 / 2 + 100 y^2 / 2 read at (0.02, 0): curved up all round with a small slope, 0.02,
    # but its bottom lies 0.02 away (the Newton step), far more than the map's reach of 2.8e-4.
    class Bowl:
        bounds = ((-1.0, 1.0), (-1.0, 1.0))

        def hessian(self, p):
            return np.broadcast_to(np.diag([1.0, 100.0]), (*np.shape(p)[:-1], 2, 2)).copy()

        def gradient(self, p):
            p = np.asarray(p, dtype=float)
            return p * np.array([1.0, 100.0])

        def value(self, p):
            p = np.asarray(p, dtype=float)
            return 0.5 * (p[..., 0] ** 2 + 100 * p[..., 1] ** 2)

        def on_map(self, p):
            return np.ones(np.shape(p)[:-1], dtype=bool)

    scales = MapScales(slope=100.0, curvature=100.0, loss=0.1, size=2.8, global_value=0.0)
    (g,) = read_ground(Bowl(), [0.02, 0.0], scales)
    assert g.shape == kinds.MINIMUM and g.drop == pytest.approx(2e-4)
    assert label_ends(Bowl(), [0.02, 0.0], [0.02], ["max-steps"], scales)[0] == kinds.STILL_MOVING
    assert label_ends(Bowl(), [1e-4, 0.0], [1e-4], ["max-steps"], scales)[0] == kinds.GLOBAL_MINIMUM


def test_steps_to_slide_follow_the_gradient_flow():
    # On the rounded top f = -k x^2 / 2 the flow runs from x0 out to x1 in time ln(x1 / x0) / k, that is
    # ln(x1 / x0) / (k lr) steps of size lr; x1 is where the slope k x reaches the stall threshold.
    class Line:
        def gradient(self, p):
            return np.array([-0.5 * p[0], 0.0])

        def hessian(self, p):
            return np.diag([-0.5, 0.0])

    k, lr, x0 = 0.5, 0.1, 1e-3
    scales = MapScales(slope=1.0, curvature=1.0, loss=1.0, size=20.0, global_value=0.0)
    x1 = scales.slow / k
    steps = steps_to_slide(Line(), [x0, 0.0], lr, scales, max_points=100_000)
    assert steps == pytest.approx(np.log(x1 / x0) / (k * lr), rel=0.02)
    assert steps_to_slide(Line(), [0.0, 0.0], lr, scales) == float("inf")


def test_sliding_off_the_table_centre_takes_hundreds_of_millions_of_steps():
    s = SURFACES["four-traps"]
    steps = steps_to_slide(s, [0.4 + 0.13, 1.4], 0.1, map_scales(s))
    assert 1e8 < steps < 1e10
