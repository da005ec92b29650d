"""The toy surfaces: analytic derivatives, vectorisation, and every listed critical point."""

import numpy as np
import pytest

from explainer.core import curvature
from explainer.core.surfaces import KINDS, SURFACES, refine_critical_point

NAMES = list(SURFACES)
POINTS = [(name, i) for name, s in SURFACES.items() for i in range(len(s.critical_points))]
POINT_IDS = [f"{name}-{i}-{SURFACES[name].critical_points[i].kind}" for name, i in POINTS]


def random_points(surface, n=20, seed=0):
    (x0, x1), (y0, y1) = surface.bounds
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def fd_gradient(surface, pts, h=1e-5):
    e = np.eye(2) * h
    return np.stack([(surface.value(pts + e[i]) - surface.value(pts - e[i])) / (2 * h) for i in range(2)], axis=-1)


def fd_hessian(surface, pts, h=1e-5):
    e = np.eye(2) * h
    # Row i is d(gradient)/d(x_i); the Hessian is symmetric, so rows or columns alike.
    return np.stack(
        [(surface.gradient(pts + e[i]) - surface.gradient(pts - e[i])) / (2 * h) for i in range(2)], axis=-2
    )


def grad_scale(surface):
    """A size for 'zero gradient' that grows with the surface's own values (Himmelblau reaches ~900)."""
    _, _, z = surface.grid(41)
    return max(1.0, float(np.max(np.abs(z))) / 100.0)


# ----- derivatives ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_finite_differences(name):
    s = SURFACES[name]
    pts = random_points(s)
    analytic = s.gradient(pts)
    numeric = fd_gradient(s, pts)
    # Round-off of a central difference is about eps * |f| / h; the floor scales with the values.
    atol = 1e-8 * (1.0 + float(np.max(np.abs(s.value(pts)))))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=atol)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_finite_differences_of_gradient(name):
    s = SURFACES[name]
    pts = random_points(s, seed=1)
    analytic = s.hessian(pts)
    numeric = fd_hessian(s, pts)
    atol = 1e-8 * (1.0 + float(np.max(np.abs(s.gradient(pts)))))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=atol)
    np.testing.assert_allclose(analytic, np.swapaxes(analytic, -1, -2), rtol=0, atol=0)


@pytest.mark.parametrize("name", NAMES)
def test_value_and_gradient_agree_with_separate_calls(name):
    s = SURFACES[name]
    pts = random_points(s, seed=2)
    f, g = s.value_and_gradient(pts)
    np.testing.assert_allclose(f, s.value(pts), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(g, s.gradient(pts), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_vectorised_over_leading_axes(name):
    s = SURFACES[name]
    pts = random_points(s, n=20, seed=3).reshape(4, 5, 2)
    f, g, h = s.value(pts), s.gradient(pts), s.hessian(pts)
    assert f.shape == (4, 5)
    assert g.shape == (4, 5, 2)
    assert h.shape == (4, 5, 2, 2)
    for i in range(4):
        for j in range(5):
            p = pts[i, j]
            assert s.value(p).shape == ()
            np.testing.assert_allclose(f[i, j], s.value(p), rtol=1e-13, atol=1e-300)
            np.testing.assert_allclose(g[i, j], s.gradient(p), rtol=1e-13, atol=1e-300)
            np.testing.assert_allclose(h[i, j], s.hessian(p), rtol=1e-13, atol=1e-300)


# ----- critical points --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "i"), POINTS, ids=POINT_IDS)
def test_critical_point_is_stationary_fixed_and_inside(name, i):
    s = SURFACES[name]
    p = s.critical_points[i]
    assert p.kind in KINDS
    assert np.linalg.norm(s.gradient(p.xy)) < 1e-8 * grad_scale(s)
    assert np.linalg.norm(refine_critical_point(s, p.xy) - np.asarray(p.xy)) < 1e-6
    assert bool(s.contains(p.xy))


def _values_on_circle(s, xy, r=1e-3, n=360):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ring = np.asarray(xy) + r * np.column_stack([np.cos(t), np.sin(t)])
    return s.value(ring) - s.value(xy)


@pytest.mark.parametrize(("name", "i"), POINTS, ids=POINT_IDS)
def test_critical_point_kind_matches_hessian(name, i):
    s = SURFACES[name]
    p = s.critical_points[i]
    hess = s.hessian(p.xy)
    ev = np.linalg.eigvalsh(hess)
    if p.kind in ("global-minimum", "local-minimum"):
        assert curvature.classify(ev) == "minimum"
        assert (ev >= 0).all() and (ev > 0).any()
    elif p.kind == "maximum":
        assert curvature.classify(ev) == "maximum"
    elif p.kind == "plateau":
        assert np.abs(ev).max() < 1e-3
    elif p.kind == "saddle":
        if not hess.any():
            # Degenerate (monkey) saddle: the Hessian says nothing, the values decide. Around a
            # saddle the loss rises in some directions and falls in others.
            d = _values_on_circle(s, p.xy)
            assert d.max() > 0.5e-9 and d.min() < -0.5e-9
        else:
            assert curvature.classify(ev) == "saddle"
            assert curvature.index(ev) == 1
    else:  # pragma: no cover - KINDS is checked above
        pytest.fail(p.kind)


def test_monkey_saddle_is_degenerate_and_takes_both_signs():
    s = SURFACES["monkey-saddle"]
    assert not s.hessian((0.0, 0.0)).any()
    assert curvature.classify(curvature.eigenvalues(s, (0.0, 0.0))) == "flat"
    for r in (1e-3, 1e-1):
        d = _values_on_circle(s, (0.0, 0.0), r=r)
        # f(r, theta) = r^3 cos(3 theta): both signs, up to +-r^3.
        np.testing.assert_allclose([d.max(), d.min()], [r**3, -(r**3)], rtol=1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_global_minima_lowest_and_local_minima_higher(name):
    s = SURFACES[name]
    glob = [float(s.value(p.xy)) for p in s.critical_points if p.kind == "global-minimum"]
    local = [float(s.value(p.xy)) for p in s.critical_points if p.kind == "local-minimum"]
    if not glob:
        # x^2 - y^2 and the monkey saddle are unbounded below: no minimum is listed at all.
        assert not local and name in ("saddle", "monkey-saddle")
        assert np.isnan(s.global_minimum_value)
        return
    lowest = min(glob + local)
    np.testing.assert_allclose(glob, lowest, rtol=0, atol=1e-9)
    assert s.global_minimum_value == pytest.approx(lowest, abs=1e-12)
    for v in local:
        assert v > lowest + 1e-6


def test_four_traps_holds_every_kind_of_trap():
    kinds = {p.kind for p in SURFACES["four-traps"].critical_points}
    assert {"global-minimum", "local-minimum", "saddle", "plateau"} <= kinds


# ----- facts from SCIENCE.md --------------------------------------------------------------------


def test_double_well_values_and_barrier():
    s = SURFACES["double-well"]
    f = {p.kind: float(s.value(p.xy)) for p in s.critical_points}
    assert f["global-minimum"] == pytest.approx(-7 / 12, abs=1e-14)
    assert f["local-minimum"] == pytest.approx(1 / 12, abs=1e-14)
    assert f["saddle"] == pytest.approx(23 / 192, abs=1e-14)
    assert f["saddle"] - f["local-minimum"] == pytest.approx(7 / 192, abs=1e-14)


def test_rosenbrock_condition_number():
    s = SURFACES["rosenbrock"]
    ev = curvature.eigenvalues(s, (1.0, 1.0))
    np.testing.assert_allclose(ev, [0.399, 1001.6], atol=1e-3)
    assert ev[1] / ev[0] == pytest.approx(2508, abs=1.0)


def test_six_hump_camel_global_minimum_value():
    s = SURFACES["six-hump-camel"]
    glob = [p.xy for p in s.critical_points if p.kind == "global-minimum"]
    assert len(glob) == 2
    for xy in glob:
        assert float(s.value(xy)) == pytest.approx(-1.031628, abs=1e-6)
    assert len(s.critical_points) == 15


def test_himmelblau_four_minima_at_zero():
    s = SURFACES["himmelblau"]
    minima = [p.xy for p in s.critical_points if p.kind.endswith("minimum")]
    assert len(minima) == 4
    np.testing.assert_allclose(s.value(np.array(minima)), 0.0, atol=1e-12)


# ----- completeness -----------------------------------------------------------------------------

# tanh-plateau is skipped: tanh saturates, and beyond r of about 3.7 (the window's corners) the
# gradient is below 1e-10 (about 1e-14 at a corner) and the Hessian as small, so the corners are
# numerically flat: the "gradient < 1e-10" test passes for points that are not stationary, and
# whether Newton's last step looks tiny there is decided by round-off, not by the function.
COMPLETE = [n for n in NAMES if n != "tanh-plateau"]


@pytest.mark.parametrize("name", COMPLETE)
def test_newton_from_a_grid_finds_no_unlisted_critical_point(name):
    s = SURFACES[name]
    (x0, x1), (y0, y1) = s.bounds
    listed = np.array([p.xy for p in s.critical_points])
    unlisted, found = [], set()
    for x in np.linspace(x0, x1, 25):
        for y in np.linspace(y0, y1, 25):
            with np.errstate(all="ignore"):
                p = refine_critical_point(s, (x, y))
                if not np.isfinite(p).all() or not s.contains(p):
                    continue
                g = s.gradient(p)
                if not np.linalg.norm(g) < 1e-10:
                    continue
                last_step = np.linalg.lstsq(s.hessian(p), g, rcond=1e-12)[0]
                if not np.linalg.norm(last_step) < 1e-9:
                    continue
            if name == "product-plateau" and abs(p[0] * p[1] - 1) < 1e-9:
                # The whole hyperbola xy = 1 is a valley of global minima; two of its points are listed.
                continue
            dist = np.linalg.norm(listed - p, axis=1)
            if dist.min() < 1e-6:
                found.add(int(dist.argmin()))
            else:
                unlisted.append(tuple(np.round(p, 9)))
    assert not unlisted, f"unlisted stationary points: {sorted(set(unlisted))[:10]}"
    assert found, "Newton found none of the listed points"
