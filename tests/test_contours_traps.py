"""Contour lines, grid descent and its end labels, and the small experiments."""

import numpy as np
import pytest

from explainer.core import kinds, traps
from explainer.core.contours import contour_segments, quantile_levels
from explainer.core.experiments import lr_sweep, saddle_escape, stability, stability_limit
from explainer.core.ground import label_ends, map_scales
from explainer.core.surfaces import SURFACES

# ----- contours ---------------------------------------------------------------------------------


def paraboloid(n=201, half=2.0):
    xs = np.linspace(-half, half, n)
    ys = np.linspace(-half, half, n)
    xx, yy = np.meshgrid(xs, ys)
    return xs, ys, xx**2 + yy**2


@pytest.mark.parametrize("r", [0.5, 1.3])
def test_contour_of_paraboloid_is_the_circle(r):
    xs, ys, z = paraboloid()
    seg = contour_segments(xs, ys, z, [r**2])
    assert seg.shape[1] == 5 and len(seg) > 50
    np.testing.assert_array_equal(seg[:, 4], r**2)
    h = xs[1] - xs[0]
    for a, b in ((0, 1), (2, 3)):
        radius = np.hypot(seg[:, a], seg[:, b])
        # Linear interpolation of r^2 along a cell edge is off by at most about h^2 / (4 r).
        assert np.abs(radius - r).max() < h * h / r
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]).sum()
    assert length == pytest.approx(2 * np.pi * r, rel=0.01)


def test_contour_levels_are_tagged_and_separate():
    xs, ys, z = paraboloid(n=101)
    seg = contour_segments(xs, ys, z, [0.25, 1.0])
    assert set(np.unique(seg[:, 4])) == {0.25, 1.0}
    for level in (0.25, 1.0):
        part = seg[seg[:, 4] == level]
        length = np.hypot(part[:, 2] - part[:, 0], part[:, 3] - part[:, 1]).sum()
        assert length == pytest.approx(2 * np.pi * np.sqrt(level), rel=0.01)


def test_contour_of_a_tilted_plane_is_a_straight_line():
    xs, ys = np.linspace(0, 1, 21), np.linspace(0, 2, 41)
    xx, yy = np.meshgrid(xs, ys)
    z = xx + 0.5 * yy  # level 0.7: x + y/2 = 0.7
    seg = contour_segments(xs, ys, z, [0.7])
    np.testing.assert_allclose(seg[:, 0] + 0.5 * seg[:, 1], 0.7, atol=1e-12)
    np.testing.assert_allclose(seg[:, 2] + 0.5 * seg[:, 3], 0.7, atol=1e-12)
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]).sum()
    assert length == pytest.approx(np.hypot(0.7, 1.4), rel=1e-9)  # from (0.7, 0) to (0, 1.4)


def test_constant_field_has_no_contours():
    xs, ys = np.linspace(0, 1, 11), np.linspace(0, 1, 11)
    z = np.full((11, 11), 3.0)
    for level in (2.0, 3.0, 4.0):
        seg = contour_segments(xs, ys, z, [level])
        assert seg.shape == (0, 5)
    assert contour_segments(xs, ys, z, []).shape == (0, 5)


def test_quantile_levels_increasing_unique_in_range():
    z = np.random.default_rng(0).normal(size=(40, 40)) ** 3
    levels = quantile_levels(z, count=12)
    assert len(levels) == 12
    assert (np.diff(levels) > 0).all()
    assert z.min() < levels[0] and levels[-1] < z.max()
    np.testing.assert_allclose(levels, np.quantile(z, np.linspace(0.02, 0.98, 12)))


def test_quantile_levels_with_ties_and_non_finite_values():
    z = np.zeros((30, 30))
    z[:3] = np.arange(90).reshape(3, 30)  # 90% zeros: most quantiles coincide
    z[0, 0] = np.nan
    z[0, 1] = np.inf
    levels = quantile_levels(z, count=12)
    assert np.isfinite(levels).all()
    assert (np.diff(levels) > 0).all()
    assert len(levels) < 12
    assert levels[0] == 0.0 and levels[-1] <= 89


# ----- grid starts and end labels ---------------------------------------------------------------


def test_grid_starts_shape_inset_and_order():
    s = SURFACES["double-well"]  # bounds ((-2, 2), (-1.5, 1.5))
    xs, ys, starts = traps.grid_starts(s, 7, inset=0.1)
    assert xs.shape == (7,) and ys.shape == (7,) and starts.shape == (49, 2)
    np.testing.assert_allclose([xs[0], xs[-1]], [-2 + 0.4, 2 - 0.4])
    np.testing.assert_allclose([ys[0], ys[-1]], [-1.5 + 0.3, 1.5 - 0.3])
    np.testing.assert_allclose(np.diff(xs), np.diff(xs)[0])
    for i in (0, 8, 48):
        np.testing.assert_array_equal(starts[i], [xs[i % 7], ys[i // 7]])
    assert s.contains(starts).all()
    _, _, edge = traps.grid_starts(s, 3, inset=0.0)
    np.testing.assert_allclose(edge[[0, -1]], [[-2, -1.5], [2, 1.5]])


@pytest.fixture(scope="module")
def four_traps_labeller():
    s = SURFACES["four-traps"]
    scales = map_scales(s)

    def label(xy, stop_reason="converged", grad_norm=None):
        g = float(np.linalg.norm(s.gradient(xy))) if grad_norm is None else grad_norm
        return str(label_ends(s, [xy], [g], [stop_reason], scales)[0])

    return s, label


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("global-minimum", kinds.GLOBAL_MINIMUM),
        ("local-minimum", kinds.LOCAL_MINIMUM),
        ("saddle", kinds.END_SADDLE),
        ("plateau", kinds.PLATEAU),
    ],
)
def test_label_end_at_four_traps_critical_points(four_traps_labeller, kind, label):
    s, lab = four_traps_labeller
    points = [p.xy for p in s.critical_points if p.kind == kind]
    assert points
    for xy in points:
        assert lab(xy) == label


def test_label_end_on_slopes_and_divergence(four_traps_labeller):
    s, lab = four_traps_labeller
    for xy in [(0.4, 0.2), (0.0, 0.0), (1.5, 1.4)]:  # the table's edge, the bowl between the wells
        assert np.linalg.norm(s.gradient(xy)) > 0.5
        assert lab(xy) == kinds.STILL_MOVING
    gmin = next(p.xy for p in s.critical_points if p.kind == "global-minimum")
    assert lab(gmin, stop_reason="diverged") == kinds.DIVERGED
    # The label is read from the ground at the end point, whatever the optimiser reported there.
    assert lab((0.4, 1.4), grad_norm=1.0) == lab((0.4, 1.4)) == kinds.PLATEAU


def test_map_scales_do_not_depend_on_any_run():
    s = SURFACES["double-well"]
    scales = map_scales(s)
    assert scales.curvature == pytest.approx(3.0)  # largest |eigenvalue|: 3 at (-1, 0)
    assert scales.flat == pytest.approx(3e-3)
    assert scales.global_value == pytest.approx(-7 / 12)
    assert scales.size == pytest.approx(5.0)  # the window (-2, 2) x (-1.5, 1.5)
    assert scales.reach == pytest.approx(5e-4)  # a ten-thousandth of the window's diagonal
    assert scales.still == pytest.approx(3.0 * 5e-4)  # the slope at that distance from the sharpest minimum
    assert scales.slow == pytest.approx(5e-2 * scales.slope)


# ----- grid descent -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def well_gd():
    return traps.grid_descent(SURFACES["double-well"], side=15)


def test_grid_descent_double_well_gd(well_gd):
    s = SURFACES["double-well"]
    counts = well_gd.counts()
    assert set(counts) == set(kinds.END_KINDS)
    assert sum(counts.values()) == 225
    assert counts[kinds.GLOBAL_MINIMUM] > 0 and counts[kinds.LOCAL_MINIMUM] > 0
    assert counts[kinds.DIVERGED] == 0
    assert well_gd.starts.shape == (225, 2)
    listed = {p.kind: np.array(p.xy) for p in s.critical_points}
    for label, kind in ((kinds.GLOBAL_MINIMUM, "global-minimum"), (kinds.LOCAL_MINIMUM, "local-minimum")):
        ends = well_gd.ends[well_gd.labels == label]
        assert len(ends) > 0
        assert np.linalg.norm(ends - listed[kind], axis=1).max() < 1e-3
    # Plain descent cannot cross the saddle at x = 1/2 (y decouples): the side decides.
    starts_x = well_gd.starts[:, 0]
    assert (well_gd.labels[starts_x > 0.5] == kinds.LOCAL_MINIMUM).all()
    assert (well_gd.labels[starts_x < 0.5] == kinds.GLOBAL_MINIMUM).all()


@pytest.fixture(scope="module")
def well_noisy():
    return traps.grid_descent(SURFACES["double-well"], side=15, method="noisy", noise=0.8, lr=0.1, steps=1500)


def test_noise_carries_more_runs_to_the_global_minimum(well_gd, well_noisy):
    # The shallow valley at x = 1 is only 7/192 deep: noise of this size shakes runs out of it.
    noisy = well_noisy.counts()
    assert sum(noisy.values()) == 225
    assert noisy[kinds.GLOBAL_MINIMUM] > well_gd.counts()[kinds.GLOBAL_MINIMUM]
    assert noisy[kinds.GLOBAL_MINIMUM] >= 200


def test_noisy_grid_descent_ends_are_where_labels_say(well_noisy):
    listed = np.array(next(p.xy for p in SURFACES["double-well"].critical_points if p.kind == "global-minimum"))
    ends = well_noisy.ends[well_noisy.labels == kinds.GLOBAL_MINIMUM]
    assert np.linalg.norm(ends - listed, axis=1).max() < 1e-3


def test_grid_descent_on_four_traps_stalls():
    res = traps.grid_descent(SURFACES["four-traps"], side=9, steps=1500)
    counts = res.counts()
    assert sum(counts.values()) == 81
    assert counts[kinds.GLOBAL_MINIMUM] > 0 and counts[kinds.LOCAL_MINIMUM] > 0 and counts[kinds.PLATEAU] > 0
    # A run that ends in a minimum spends its last stretch there, and never gets away.
    for label, run in zip(res.labels, res.stalls, strict=True):
        if label in (kinds.GLOBAL_MINIMUM, kinds.LOCAL_MINIMUM):
            assert run and run[-1].kind == kinds.STALL_MINIMUM and not run[-1].escaped
    escaped = {row["kind"]: row for row in res.escapes()}
    assert {kinds.STALL_SADDLE, kinds.STALL_PLATEAU} <= set(escaped)
    for row in escaped.values():
        assert row["runs"] >= 1 and row["longest_steps"] >= row["median_steps"] >= max(10, 1500 // 100)


# ----- experiments ------------------------------------------------------------------------------


def test_saddle_escape_times():
    lr = 0.01
    res = saddle_escape(y0s=(0.0, 1e-12, 1e-6), lr=lr, steps=1600)
    # On the ridge line (y0 = 0) the run converges to the saddle: x shrinks by 1 - 2 lr per step.
    assert res.escape_step[0] == -1
    assert res.distance[-1, 0] < 1e-6
    assert res.distance[-1, 0] == pytest.approx((1 - 2 * lr) ** 1600, rel=1e-9)
    # A hair off it, y grows by 1 + 2 lr per step and leaves |y| > 1 after ln(1/y0) / ln(1 + 2 lr) steps.
    for j, y0 in ((1, 1e-12), (2, 1e-6)):
        predicted = np.log(1 / y0) / np.log(1 + 2 * lr)
        assert abs(res.escape_step[j] - predicted) <= 3
    assert res.escape_step[1] > res.escape_step[2] > 0
    assert res.closest[1] < 1e-5
    assert res.distance.shape == (1601, 3)


def test_lr_sweep_small_converges_large_diverges():
    s = SURFACES["double-well"]
    lam_max = 3.0  # the largest curvature at either minimum
    res = lr_sweep(s, (1.8, 1.2), [0.01, 0.1, 3 * 2 / lam_max], steps=3000)
    assert list(res.outcome[:2]) == [kinds.SWEEP_CONVERGED, kinds.SWEEP_CONVERGED]
    assert res.outcome[2] == kinds.SWEEP_DIVERGED
    assert np.isfinite(res.final_loss).all()
    assert (res.steps >= 1).all()
    assert res.final_loss[0] == pytest.approx(1 / 12, abs=1e-9)  # from x > 1/2 gd stays in the shallow valley


def test_lr_sweep_on_quadratic_bowl():
    class Bowl:
        lam = np.array([1.0, 4.0])

        def value(self, x):
            return 0.5 * np.sum(self.lam * x * x, axis=-1)

        def gradient(self, x):
            return self.lam * x

    res = lr_sweep(Bowl(), (1.0, 1.0), [0.1, 0.45, 0.55, 1.0], steps=5000)
    # Stable below 2 / lambda_max = 0.5, unstable above.
    assert list(res.outcome) == [kinds.SWEEP_CONVERGED] * 2 + [kinds.SWEEP_DIVERGED] * 2


def test_stability_limit():
    s = SURFACES["double-well"]
    assert stability_limit(s, (-1.0, 0.0)) == pytest.approx(2 / 3, rel=1e-12)
    assert stability_limit(s, (1.0, 0.0)) == pytest.approx(1.0, rel=1e-12)
    assert stability_limit(SURFACES["saddle"], (0.0, 0.0)) == pytest.approx(1.0)
    # No positive curvature anywhere at the maximum of Himmelblau: never unstable.
    hmax = next(p.xy for p in SURFACES["himmelblau"].critical_points if p.kind == "maximum")
    assert stability_limit(SURFACES["himmelblau"], hmax) == float("inf")


def test_a_run_thrown_off_the_map_is_not_called_converged():
    # From the four-traps default start, a step of 3 flings the ball onto the bowl's flat outer
    # rim, far off the map, where its gradient underflows: it must not count as a fast success.
    s = SURFACES["four-traps"]
    scales = map_scales(s)
    sweep = lr_sweep(s, s.start, [0.1, 3.0], steps=1000, still=scales.still)
    assert sweep.outcome.tolist() == [kinds.SWEEP_CONVERGED, kinds.SWEEP_AWAY_RESTED]
    far = np.array([[15.0, -4.9]])
    assert label_ends(s, far, [0.0], ["converged"], scales)[0] == kinds.LEFT_MAP


def test_a_run_still_sliding_off_the_map_is_not_at_rest():
    # On x^2 - y^2 a small step from (1, 0.5) slides away along y for ever: off the map after
    # 1000 steps, but with a slope in the hundreds, so it has come to rest nowhere.
    s = SURFACES["saddle"]
    scales = map_scales(s)
    sweep = lr_sweep(s, (1.0, 0.5), [0.003, 0.01], steps=1000, still=scales.still)
    assert set(sweep.outcome) <= {kinds.SWEEP_AWAY_MOVING, kinds.SWEEP_DIVERGED}
    moving = sweep.outcome == kinds.SWEEP_AWAY_MOVING
    assert moving.any() and (sweep.final_grad[moving] > 1.0).all()


def test_the_stability_bound_and_the_direction_that_sets_it():
    # The double well's local minimum (1, 0) curves by 1 along x and 2 along y: the bound 2/2 = 1
    # comes from y. A start on y = 0 never excites y, so steps up to 2/1 = 2 still converge.
    s = SURFACES["double-well"]
    on_axis = stability(s, (1.0, 0.0), np.array([[0.8, 0.0], [0.9, 0.0]]))
    assert on_axis.limit == pytest.approx(1.0) and on_axis.second_limit == pytest.approx(2.0)
    assert abs(on_axis.direction[1]) == pytest.approx(1.0)
    assert on_axis.excited == 0.0
    sweep = lr_sweep(s, (0.8, 0.0), [0.5, 1.2, 1.9, 2.1], steps=2000)
    assert sweep.outcome.tolist()[:3] == [kinds.SWEEP_CONVERGED] * 3
    assert sweep.outcome[3] != kinds.SWEEP_CONVERGED  # past 2 / 1 even the x direction overshoots
    off_axis = stability(s, (1.0, 0.0), np.array([[0.8, 0.3]]))
    assert off_axis.excited == pytest.approx(0.3)
    assert lr_sweep(s, (0.8, 0.3), [1.2], steps=2000).outcome.tolist() == [kinds.SWEEP_DIVERGED]
