"""Reading curvature from eigenvalues, and finding the stalls of a run."""

from dataclasses import replace

import numpy as np
import pytest

from explainer.core import curvature, kinds
from explainer.core.ground import Ground, map_scales
from explainer.core.stalls import find_stalls, surface_stalls
from explainer.core.surfaces import SURFACES

# ----- classify / index -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ev", "kind", "idx"),
    [
        ([1.0, 2.0], "minimum", 0),
        ([-1.0, -2.0], "maximum", 2),
        ([-1.0, 2.0], "saddle", 1),
        ([-3.0, -2.0, 1.0], "saddle", 2),
        ([0.0, 0.0], "flat", 0),
        ([1e-17, -1e-17], "flat", 0),  # round-off
        ([0.0, 2.0], "minimum", 0),  # a valley floor: flat along it, curved across
        ([0.0, -2.0], "maximum", 1),
        ([1e6, 1e-3], "minimum", 0),
    ],
)
def test_classify_and_index(ev, kind, idx):
    assert curvature.classify(ev) == kind
    assert curvature.index(ev) == idx


def test_a_negative_eigenvalue_beyond_round_off_is_never_a_minimum():
    # However gentle, a direction that bends down makes a saddle, even when the flat tolerance is
    # far larger than it: the tolerance decides flatness, round-off decides the signs.
    assert curvature.classify([1.0, -1e-6], tol=0.1) == "saddle"
    assert curvature.index([1.0, -1e-6]) == 1
    assert curvature.classify([1e6, -1e-2]) == "saddle"
    # Within round-off of the largest eigenvalue (1e-9 of it) a sign does not count.
    assert curvature.classify([1e6, -1e-4]) == "minimum"
    assert curvature.index([1e6, -1e-4]) == 0
    assert curvature.classify([-1e6, 1e-4]) == "maximum"


def test_the_flat_tolerance_is_absolute_and_only_decides_flatness():
    assert curvature.classify([1e-6, 1e-6]) == "minimum"  # above the default 1e-7
    assert curvature.classify([5e-8, -5e-8]) == "flat"
    assert curvature.classify([5e-3, -5e-3], tol=1e-2) == "flat"
    assert curvature.classify([2e-2, -5e-3], tol=1e-2) == "saddle"
    # index with a tolerance counts only the clearly negative directions.
    assert curvature.index([-2.0, -5e-3, 1.0], tol=1e-2) == 1
    assert curvature.index([-2.0, -5e-3, 1.0]) == 2
    assert curvature.directions([-2.0, -5e-3, 1.0], 1e-2) == (1, 1, 1)


def test_classify_rejects_non_finite_and_accepts_a_matrix_of_eigenvalues():
    with pytest.raises(ValueError):
        curvature.classify([np.nan, 1.0])
    with pytest.raises(ValueError):
        curvature.classify([np.inf, 1.0])
    assert curvature.classify(np.array([[1.0, -1.0]])) == "saddle"


def test_eigenvalues_sorted_from_surface():
    ev = curvature.eigenvalues(SURFACES["saddle"], (0.3, -0.2))
    np.testing.assert_allclose(ev, [-2.0, 2.0])
    ev = curvature.eigenvalues(SURFACES["double-well"], (1.0, 0.0))
    np.testing.assert_allclose(ev, [1.0, 2.0])


# ----- stalls -----------------------------------------------------------------------------------


def curve_with_flat_stretch(start=100, end=200, n=300, high=10.0, level=5.0):
    """Loss falls linearly to `level` at `start`, sits still until `end`, then falls to near zero."""
    losses = np.empty(n)
    grads = np.empty(n)
    losses[:start] = np.linspace(high, level, start, endpoint=False)
    grads[:start] = 1.0
    losses[start:end] = level
    grads[start:end] = 1e-4
    tail = n - end
    losses[end:] = level - level * np.arange(1, tail + 1) / tail * 0.99
    grads[end:] = 1.0
    return losses, grads


def test_flat_stretch_found_with_known_bounds():
    window = 25
    losses, grads = curve_with_flat_stretch()
    stalls = find_stalls(losses, grads, window=window)
    assert len(stalls) == 1
    s = stalls[0]
    assert s.start == 100
    # The look-ahead alone would end it up to `window` steps early; the stall runs on through it
    # while the gradient stays small, so it ends exactly where the flat stretch does.
    assert s.end == 200
    assert s.duration == s.end - s.start == 100
    assert 100 <= s.at < s.end
    assert s.loss == pytest.approx(5.0)
    assert s.grad_norm == pytest.approx(1e-4)
    assert s.escaped is True
    assert s.kind == "unknown" and s.index is None


def test_stall_at_end_of_run_is_not_escaped():
    n = 250
    losses = np.concatenate([np.linspace(10, 5, 100, endpoint=False), np.full(150, 5.0)])
    grads = np.concatenate([np.ones(100), np.full(150, 1e-4)])
    stalls = find_stalls(losses, grads, window=25)
    assert len(stalls) == 1
    assert stalls[0].start == 100 and stalls[0].end == n
    assert stalls[0].duration == 150
    assert stalls[0].escaped is False


def test_stall_left_but_never_lower_is_not_escaped():
    # Leaves the flat stretch uphill and comes back to the same level: not an escape.
    losses = np.concatenate([np.linspace(10, 5, 100, endpoint=False), np.full(100, 5.0), 5 + np.hanning(100)])
    grads = np.concatenate([np.ones(100), np.full(100, 1e-4), np.ones(100)])
    stalls = find_stalls(losses, grads, window=25, loss_tol=0.1)
    assert len(stalls) >= 1
    assert stalls[0].start == 100
    assert stalls[0].escaped is False


def test_stall_shorter_than_window_is_ignored():
    losses, grads = curve_with_flat_stretch(start=100, end=120)
    assert find_stalls(losses, grads, window=25) == []
    # The same stretch counts with a shorter window.
    assert len(find_stalls(losses, grads, window=10)) == 1


def test_two_stalls_in_order():
    pieces = [np.linspace(10, 8, 50, endpoint=False), np.full(80, 8.0), np.linspace(8, 3, 50, endpoint=False)]
    losses = np.concatenate([*pieces, np.full(80, 3.0), np.linspace(3, 0, 40)])
    grads = np.concatenate([np.ones(50), np.full(80, 1e-5), np.ones(50), np.full(80, 1e-5), np.ones(40)])
    stalls = find_stalls(losses, grads, window=20)
    assert [s.start for s in stalls] == [50, 180]
    assert all(s.escaped for s in stalls)
    assert stalls[0].loss == pytest.approx(8.0) and stalls[1].loss == pytest.approx(3.0)


def ground(ev, *, drop=0.0, flat=1e-3, sectors=(0, 0)) -> Ground:
    """A hand-built reading of the ground with Hessian eigenvalues ``ev``."""
    ev = np.asarray(ev, dtype=float)
    shape = curvature.classify(ev, tol=flat)
    up, down, level = curvature.directions(ev, flat)
    return Ground(shape, tuple(ev), 0.0, up, down, level, *sectors, drop)


@pytest.mark.parametrize(
    ("ev", "drop", "kind", "idx"),
    [
        ([1.0, 2.0], 0.0, kinds.STALL_MINIMUM, 0),
        ([1.0, 2.0], 0.5, kinds.STALL_VALLEY, 0),  # curved up all round, but its bottom is far lower
        ([-1.0, 2.0], 0.0, kinds.STALL_SADDLE, 1),
        ([-1.0, -0.5, 2.0], 0.0, kinds.STALL_SADDLE, 2),
        ([-1.0, -2.0], 0.0, kinds.STALL_MAXIMUM, 2),
        ([-1.0, -1e-6], 0.0, kinds.STALL_PLATEAU, 2),  # down one way, flat the other: a plateau's rim
        ([1e-12, -1e-12], 0.0, kinds.STALL_PLATEAU, 1),
    ],
)
def test_stall_labels_from_the_ground(ev, drop, kind, idx):
    losses, grads = curve_with_flat_stretch()
    asked = []

    def read(i):
        asked.append(i)
        return ground(ev, drop=drop)

    (s,) = find_stalls(losses, grads, window=25, loss_tol=0.1, ground=read)
    assert s.kind == kind
    assert s.index == idx
    assert s.eigenvalues == tuple(ev)
    assert asked == [s.at]


def test_mismatched_lengths_raise():
    with pytest.raises(ValueError):
        find_stalls(np.zeros(10), np.zeros(11))
    with pytest.raises(ValueError):
        find_stalls(np.zeros((2, 5)), np.zeros((2, 5)))


def test_empty_and_constant_runs():
    assert find_stalls([], []) == []
    # A run that never moved: one stall over the whole run, nowhere lower to go.
    (s,) = find_stalls(np.ones(50), np.zeros(50), window=10, grad_tol=1e-6)
    assert (s.start, s.end, s.escaped) == (0, 50, False)


def test_surface_stalls_on_the_saddle_escape():
    from explainer.core.optimize import descend

    s = SURFACES["saddle"]
    run = descend(s, (1.0, 1e-6), "gd", lr=0.01, steps=1000, tol=0)
    stalls = surface_stalls(s, run, map_scales(s), window=50)
    assert len(stalls) == 1
    assert stalls[0].kind == "saddle" and stalls[0].index == 1
    assert stalls[0].escaped is True
    assert np.linalg.norm(run.positions[stalls[0].at]) < 0.03


# ----- oscillation: bouncing across a valley -------------------------------------------------------


def test_four_traps_at_step_0_7_oscillates_because_lr_times_curvature_exceeds_2():
    from explainer.core.ground import map_scales
    from explainer.core.optimize import descend
    from explainer.core.stalls import surface_oscillation
    from explainer.core.surfaces import SURFACES

    surface = SURFACES["four-traps"]
    scales = map_scales(surface)
    run = descend(surface, (-1.8, 2.6), "gd", 0.7, 1000, tol=1e-6 * scales.slope)
    osc = surface_oscillation(surface, run, scales, window=20)
    assert osc is not None and osc.start == 11 and osc.end == 1001
    assert abs(osc.curvature - 3.7514) < 1e-3 and abs(osc.product - 2.626) < 1e-2 and osc.product > 2
    assert osc.valley == "global-minimum" and abs(osc.bound - 0.5331) < 1e-3
    assert abs(osc.amplitude - 0.568) < 1e-2
    # 0.5 is below the bound 2 / 3.75: the same start zig-zags in and converges, never named oscillation.
    calm = descend(surface, (-1.8, 2.6), "gd", 0.5, 1000, tol=1e-6 * scales.slope)
    assert calm.stop_reason == "converged" and surface_oscillation(surface, calm, scales, window=20) is None


def test_bouncing_needs_reversing_steps_that_do_not_shrink():
    from explainer.core.stalls import bouncing

    k = np.arange(101)
    steady = np.column_stack([(-1.0) ** k, np.zeros(101)])  # +1, -1, +1, ...: a 2-cycle
    assert bouncing(steady, window=20) == (0, 101)
    shrinking = np.column_stack([(-0.9) ** k, np.zeros(101)])  # a zig-zag that converges
    assert bouncing(shrinking, window=20) is None
    straight = np.column_stack([k * 0.1, np.zeros(101)])
    assert bouncing(straight, window=20) is None
    assert bouncing(steady[:15], window=20) is None  # too short to say


@pytest.mark.parametrize(
    ("name", "xy", "kind"),
    [
        # The edge of the tanh plateau bends like a saddle (down outward, barely up around), but no
        # saddle is there: Newton's method stops where the slope is still 13% of this one.
        ("tanh-plateau", (2.0, 1.0), kinds.STALL_PLATEAU),
        # Near real saddles, a plain one and the degenerate monkey saddle, it settles on them.
        ("saddle", (0.01, 0.002), kinds.STALL_SADDLE),
        ("monkey-saddle", (0.01, 0.01), kinds.STALL_SADDLE),
        ("monkey-saddle", (0.1, 0.05), kinds.STALL_SADDLE),
    ],
)
def test_a_saddle_stall_needs_a_saddle_there(name, xy, kind):
    from explainer.core.ground import read_ground, stall_kind

    surface = SURFACES[name]
    scales = map_scales(surface)
    (g,) = read_ground(surface, [xy], scales)
    assert g.shape == kinds.SADDLE  # by its curvature alone, each is a saddle
    assert stall_kind(g, 0.01 * scales.loss, scales.near) == kind
    assert stall_kind(replace(g, target=0.0), 0.01 * scales.loss, scales.near) == kinds.STALL_SADDLE


def test_rosenbrocks_floor_is_a_valley_not_a_saddle():
    """The default run on Rosenbrock crawls along the curved floor for hundreds of steps; where it is
    flattest the floor curves down a little along the valley, but the only critical point is the
    minimum at (1, 1), far away, between walls a thousand times steeper: a valley floor."""
    from explainer.core.analyses import descent

    x0, y0 = SURFACES["rosenbrock"].start  # the page's start and step size for this surface
    settings = replace(descent.DEFAULT_RUN, surface="rosenbrock", x0=x0, y0=y0, lr=descent.GOOD_STEP["rosenbrock"])
    stalls = descent.surface_run(settings).stalls
    assert [s.kind for s in stalls] == [kinds.STALL_VALLEY] and stalls[0].duration > 500
