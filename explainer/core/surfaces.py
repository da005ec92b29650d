"""Two-dimensional toy loss surfaces with analytic gradients, Hessians and critical points.

Every surface is vectorised over leading axes: ``value`` maps an ``(..., 2)`` array of points
to ``(...)``, ``gradient`` to ``(..., 2)`` and ``hessian`` to ``(..., 2, 2)``. The listed critical
points were solved once with Newton's method on the analytic derivatives and are checked by the
tests (zero gradient, eigenvalue signs that match the kind).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from explainer.core import kinds

#: Kinds of listed critical point: the same ids as the ends they are (explainer.core.kinds).
KINDS = (kinds.GLOBAL_MINIMUM, kinds.LOCAL_MINIMUM, kinds.END_SADDLE, kinds.END_MAXIMUM, kinds.PLATEAU)
#: How far outside its window (as a share of the window's size) a point still counts as on the map.
MAP_MARGIN = 0.05


class CriticalPoint(NamedTuple):
    """A stationary point of a surface: where it is and what kind it is."""

    xy: tuple[float, float]
    kind: str


# (x, y) -> value; (x, y) -> (gx, gy); (x, y) -> (hxx, hxy, hyy)
ValueFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
GradFn = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
HessFn = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface over two weights ``(x, y)``.

    Parameters
    ----------
    name : str
        Stable identifier (the key in :data:`SURFACES`).
    title : str
        Short human name, shown in menus and used as the value in URLs.
    formula : str
        The function in LaTeX.
    note : str
        One sentence on what this surface shows.
    bounds : ((xmin, xmax), (ymin, ymax))
        The window drawn on maps; descent may leave it.
    critical_points : tuple of CriticalPoint
        Every stationary point inside ``bounds``.
    start : (x, y)
        A default starting point that shows the surface's story.
    """

    name: str
    title: str
    formula: str
    note: str
    bounds: tuple[tuple[float, float], tuple[float, float]]
    critical_points: tuple[CriticalPoint, ...]
    start: tuple[float, float]
    _f: ValueFn
    _g: GradFn
    _h: HessFn
    _vg: Callable | None = None

    def value(self, xy) -> np.ndarray:
        """Loss at ``xy`` of shape ``(..., 2)``; returns shape ``(...)``."""
        xy = np.asarray(xy, dtype=float)
        return np.asarray(self._f(xy[..., 0], xy[..., 1]), dtype=float)

    def gradient(self, xy) -> np.ndarray:
        """Gradient at ``xy`` of shape ``(..., 2)``; returns shape ``(..., 2)``."""
        xy = np.asarray(xy, dtype=float)
        gx, gy = self._g(xy[..., 0], xy[..., 1])
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1).astype(float)

    def value_and_gradient(self, xy) -> tuple[np.ndarray, np.ndarray]:
        """``(value(xy), gradient(xy))`` in one pass where the surface shares work between them."""
        if self._vg is None:
            return self.value(xy), self.gradient(xy)
        xy = np.asarray(xy, dtype=float)
        f, (gx, gy) = self._vg(xy[..., 0], xy[..., 1])
        return np.asarray(f, dtype=float), np.stack(np.broadcast_arrays(gx, gy), axis=-1).astype(float)

    def hessian(self, xy) -> np.ndarray:
        """Hessian at ``xy`` of shape ``(..., 2)``; returns shape ``(..., 2, 2)``."""
        xy = np.asarray(xy, dtype=float)
        hxx, hxy, hyy = np.broadcast_arrays(*self._h(xy[..., 0], xy[..., 1]), xy[..., 0])[:3]
        row0 = np.stack([hxx, hxy], axis=-1)
        row1 = np.stack([hxy, hyy], axis=-1)
        return np.stack([row0, row1], axis=-2).astype(float)

    @property
    def global_minimum_value(self) -> float:
        """The lowest loss among the listed minima (``nan`` if none is listed)."""
        values = [float(self.value(p.xy)) for p in self.critical_points if p.kind.endswith("minimum")]
        return min(values) if values else float("nan")

    def grid(self, n: int = 81) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Loss on an ``n x n`` grid over ``bounds``: ``xs (n,)``, ``ys (n,)`` and ``z[j, i] = f(xs[i], ys[j])``."""
        (x0, x1), (y0, y1) = self.bounds
        xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        xx, yy = np.meshgrid(xs, ys)
        return xs, ys, self._f(xx, yy)

    def on_map(self, xy) -> np.ndarray:
        """Whether points ``(..., 2)`` lie on the drawn map (its window and a thin margin)."""
        return self.contains(xy, margin=MAP_MARGIN)

    def contains(self, xy, margin: float = 0.0) -> np.ndarray:
        """Whether points ``(..., 2)`` lie inside ``bounds`` widened by ``margin`` of each side's length."""
        xy = np.asarray(xy, dtype=float)
        (x0, x1), (y0, y1) = self.bounds
        mx, my = margin * (x1 - x0), margin * (y1 - y0)
        x, y = xy[..., 0], xy[..., 1]
        return (x >= x0 - mx) & (x <= x1 + mx) & (y >= y0 - my) & (y <= y1 + my)


def _zeros(x):
    return np.zeros_like(x)


# ----- simple closed forms -------------------------------------------------------------------


def _saddle() -> Surface:
    return Surface(
        name="saddle",
        title="saddle",
        formula=r"x^2 - y^2",
        note="The textbook strict saddle: uphill along x, downhill along y.",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        critical_points=(CriticalPoint((0.0, 0.0), "saddle"),),
        start=(1.8, 0.01),
        _f=lambda x, y: x**2 - y**2,
        _g=lambda x, y: (2 * x, -2 * y),
        _h=lambda x, y: (np.full_like(x, 2.0), _zeros(x), np.full_like(x, -2.0)),
    )


def _monkey() -> Surface:
    return Surface(
        name="monkey-saddle",
        title="monkey saddle",
        formula=r"x^3 - 3xy^2",
        note="A degenerate saddle: the Hessian is zero at the origin, so the ground is flat in every direction.",
        bounds=((-1.5, 1.5), (-1.5, 1.5)),
        critical_points=(CriticalPoint((0.0, 0.0), "saddle"),),
        start=(1.2, 0.05),
        _f=lambda x, y: x**3 - 3 * x * y**2,
        _g=lambda x, y: (3 * x**2 - 3 * y**2, -6 * x * y),
        _h=lambda x, y: (6 * x, -6 * y, -6 * x),
    )


def _himmelblau_f(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _himmelblau_g(x, y):
    a, b = x**2 + y - 11, x + y**2 - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def _himmelblau_h(x, y):
    a, b = x**2 + y - 11, x + y**2 - 7
    return 4 * a + 8 * x**2 + 2, 4 * x + 4 * y, 4 * b + 8 * y**2 + 2


def _himmelblau() -> Surface:
    minima = [(3.0, 2.0), (-2.805118086952745, 3.131312518250573),
              (-3.779310253377747, -3.283185991286169), (3.584428340330492, -1.848126526964404)]  # fmt: skip
    saddles = [(3.385154183607021, 0.073851879837749), (0.086677504555396, 2.884254701174776),
               (-3.073025750764390, -0.081353044287968), (-0.127961346730680, -1.953714980244577)]  # fmt: skip
    maximum = (-0.270844590667348, -0.923038556479981)
    return Surface(
        name="himmelblau",
        title="Himmelblau",
        formula=r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        note="Four equally good minima separated by four saddles around one maximum.",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        critical_points=tuple(
            [CriticalPoint(p, "global-minimum") for p in minima]
            + [CriticalPoint(p, "saddle") for p in saddles]
            + [CriticalPoint(maximum, "maximum")]
        ),
        start=(-0.3, -0.6),
        _f=_himmelblau_f,
        _g=_himmelblau_g,
        _h=_himmelblau_h,
    )


def _camel() -> Surface:
    pairs = [
        ((0.089842013100318, -0.712656403020740), "global-minimum"),
        ((1.703606714969981, -0.796083568672625), "local-minimum"),
        ((1.607104752920198, 0.568651454884131), "local-minimum"),
        ((1.109205336804786, -0.768268092509540), "saddle"),
        ((1.638067984189779, 0.228674069044394), "saddle"),
        ((1.296070267167109, 0.605084388038658), "saddle"),
        ((1.230229876516652, 0.162334584458995), "maximum"),
    ]
    points = [CriticalPoint((0.0, 0.0), "saddle")]
    for (x, y), kind in pairs:
        points += [CriticalPoint((x, y), kind), CriticalPoint((-x, -y), kind)]
    return Surface(
        name="six-hump-camel",
        title="six-hump camel",
        formula=r"\left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + (4y^2 - 4)y^2",
        note="Two global minima, four local minima that trap descent, and seven saddles.",
        bounds=((-2.0, 2.0), (-1.1, 1.1)),
        critical_points=tuple(points),
        start=(1.9, 0.95),
        _f=lambda x, y: (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
        _g=lambda x, y: (8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3),
        _h=lambda x, y: (8 - 25.2 * x**2 + 10 * x**4, np.ones_like(x), -8 + 48 * y**2),
    )


def _rosenbrock() -> Surface:
    return Surface(
        name="rosenbrock",
        title="Rosenbrock valley",
        formula=r"(1 - x)^2 + 100\,(y - x^2)^2",
        note="One minimum at the end of a long, curved, ill-conditioned valley (condition number about 2,500).",
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        critical_points=(CriticalPoint((1.0, 1.0), "global-minimum"),),
        start=(-1.5, 2.5),
        _f=lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        _g=lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)),
        _h=lambda x, y: (2 - 400 * y + 1200 * x**2, -400 * x, np.full_like(x, 200.0)),
    )


def _double_well() -> Surface:
    return Surface(
        name="double-well",
        title="tilted double well",
        formula=r"\tfrac{x^4}{4} - \tfrac{x^3}{6} - \tfrac{x^2}{2} + \tfrac{x}{2} + y^2",
        note="A deep valley at x = -1 and a shallow one at x = 1, split by a low saddle at x = 1/2.",
        bounds=((-2.0, 2.0), (-1.5, 1.5)),
        critical_points=(
            CriticalPoint((-1.0, 0.0), "global-minimum"),
            CriticalPoint((1.0, 0.0), "local-minimum"),
            CriticalPoint((0.5, 0.0), "saddle"),
        ),
        start=(1.8, 1.2),
        _f=lambda x, y: x**4 / 4 - x**3 / 6 - x**2 / 2 + x / 2 + y**2,
        _g=lambda x, y: (x**3 - x**2 / 2 - x + 0.5, 2 * y),
        _h=lambda x, y: (3 * x**2 - x - 1, _zeros(x), np.full_like(x, 2.0)),
    )


def _sech2(s):
    """``sech(s)^2`` for ``s >= 0`` as ``4 e^(-2s) / (1 + e^(-2s))^2``: ``1 / cosh(s)^2`` overflows
    (with a warning) once ``s`` passes about 355, and ``1 - tanh(s)^2`` rounds to zero past about
    19, losing the faint slope of the plateau; this form only underflows, quietly, to zero."""
    e = np.exp(-2 * s)
    return 4 * e / (1 + e) ** 2


def _tanh_plateau() -> Surface:
    def f(x, y):
        return np.tanh(x**2 + y**2)

    def g(x, y):
        s2 = _sech2(x**2 + y**2)
        return 2 * s2 * x, 2 * s2 * y

    def h(x, y):
        s = x**2 + y**2
        s2 = _sech2(s)
        c = -8 * s2 * np.tanh(s)
        return 2 * s2 + c * x * x, c * x * y, 2 * s2 + c * y * y

    return Surface(
        name="tanh-plateau",
        title="tanh plateau",
        formula=r"\tanh(x^2 + y^2)",
        note="A single minimum ringed by a plateau where the loss saturates, like a saturated tanh unit.",
        bounds=((-3.0, 3.0), (-3.0, 3.0)),
        critical_points=(CriticalPoint((0.0, 0.0), "global-minimum"),),
        start=(2.0, 1.0),
        _f=f,
        _g=g,
        _h=h,
    )


def _saxe() -> Surface:
    return Surface(
        name="product-plateau",
        title="two-weight product",
        formula=r"\tfrac12\,(1 - xy)^2",
        note="A one-unit linear network y = x * w1 * w2: a saddle at zero weights inside a plateau, "
        "and a whole valley of minima along xy = 1.",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        critical_points=(
            CriticalPoint((0.0, 0.0), "saddle"),
            CriticalPoint((1.0, 1.0), "global-minimum"),
            CriticalPoint((-1.0, -1.0), "global-minimum"),
        ),
        start=(0.05, 0.03),
        _f=lambda x, y: 0.5 * (1 - x * y) ** 2,
        _g=lambda x, y: (-(1 - x * y) * y, -(1 - x * y) * x),
        _h=lambda x, y: (y * y, 2 * x * y - 1, x * x),
    )


# ----- four traps: designed for this app -----------------------------------------------------
#
# f = (1 - m) g + m c, where g is a saturating bowl with two Gaussian wells (a deep one and a
# shallow one, hence a saddle between them), and m is a smooth disc mask: inside the disc the
# loss is replaced by the constant c, a high flat table. Near the table's centre the gradient
# and the Hessian are both of order exp(-2 R^2 / w^2), which is what makes it a plateau.
# Topology forces a second saddle: a surface that rises to the edge of the map and holds two
# minima and one summit (the table) must hold two saddles. It sits in the gully at the table's
# uphill foot, with a gentle downhill direction (eigenvalue about -0.11) along the gully.

_BOWL = dict(centre=(0.0, -0.5), height=1.0, width=3.0)
_WELLS = ((-1.3, -0.9, 2.0, 0.75), (1.4, -1.0, 1.0, 0.5))  # (cx, cy, depth, sigma)
_MESA = dict(centre=(0.4, 1.4), radius=1.15, edge=0.35, level=1.3)


def _four_traps_parts(x, y, hessian: bool):
    """Value, gradient (and, if asked, Hessian) pieces of the base ``g`` and of the mask ``m``."""
    bx, by = _BOWL["centre"]
    rho2 = _BOWL["width"] ** 2
    a = _BOWL["height"]
    dx, dy = x - bx, y - by
    t = np.tanh((dx * dx + dy * dy) / rho2)
    sech2 = 1.0 - t * t
    g = a * t
    gx, gy = a * sech2 * 2 * dx / rho2, a * sech2 * 2 * dy / rho2
    if hessian:
        k = -8 * a * sech2 * t / rho2**2  # d2(a tanh s)/ds2 (ds/dq)^2, with dq/dx = 2 dx
        hxx = a * sech2 * 2 / rho2 + k * dx * dx
        hyy = a * sech2 * 2 / rho2 + k * dy * dy
        hxy = k * dx * dy
    for cx, cy, depth, sigma in _WELLS:
        ex, ey = x - cx, y - cy
        e = depth * np.exp(-(ex * ex + ey * ey) / (2 * sigma**2)) / sigma**2
        g = g - e * sigma**2
        gx, gy = gx + e * ex, gy + e * ey
        if hessian:
            hxx = hxx + e * (1 - ex * ex / sigma**2)
            hyy = hyy + e * (1 - ey * ey / sigma**2)
            hxy = hxy - e * ex * ey / sigma**2
    mx, my = _MESA["centre"]
    w2 = _MESA["edge"] ** 2
    ux, uy = x - mx, y - my
    u = (ux * ux + uy * uy - _MESA["radius"] ** 2) / w2
    from scipy.special import expit  # imported on first use: a default page needs no scipy

    one_minus_m = expit(2 * u)  # computed directly: it is tiny on the table, where 1 - m would cancel
    m = 1.0 - one_minus_m  # 0.5 (1 - tanh u)
    sech2u = 4 * m * one_minus_m
    dux, duy = 2 * ux / w2, 2 * uy / w2
    mgx, mgy = -0.5 * sech2u * dux, -0.5 * sech2u * duy
    base, mask = (g, gx, gy), (m, one_minus_m, mgx, mgy)
    if not hessian:
        return base, mask
    # Hessian of m: -0.5 (sech2 u * 2 I / w2 - 2 sech2 u tanh u * du du^T)
    tanhu = one_minus_m - m
    mhxx = -0.5 * (sech2u * 2 / w2 - 2 * sech2u * tanhu * dux * dux)
    mhyy = -0.5 * (sech2u * 2 / w2 - 2 * sech2u * tanhu * duy * duy)
    mhxy = sech2u * tanhu * dux * duy
    return (*base, hxx, hxy, hyy), (*mask, mhxx, mhxy, mhyy)


def _four_traps_f(x, y):
    (g, *_), (m, one_minus_m, *_) = _four_traps_parts(x, y, hessian=False)
    return one_minus_m * g + m * _MESA["level"]


def _four_traps_vg(x, y):
    (g, gx, gy), (m, om, mgx, mgy) = _four_traps_parts(x, y, hessian=False)
    c = _MESA["level"] - g
    return om * g + m * _MESA["level"], (om * gx + c * mgx, om * gy + c * mgy)


def _four_traps_g(x, y):
    return _four_traps_vg(x, y)[1]


def _four_traps_h(x, y):
    (g, gx, gy, hxx, hxy, hyy), (_, om, mgx, mgy, mhxx, mhxy, mhyy) = _four_traps_parts(x, y, hessian=True)
    c = _MESA["level"] - g
    return (
        om * hxx - 2 * mgx * gx + c * mhxx,
        om * hxy - mgx * gy - mgy * gx + c * mhxy,
        om * hyy - 2 * mgy * gy + c * mhyy,
    )


def _four_traps() -> Surface:
    return Surface(
        name="four-traps",
        title="four traps",
        formula=r"(1 - m)\,g + m\,c:\ \text{a bowl with two wells}\ g,\ \text{a flat table}\ c\ \text{on the disc}\ m",
        note="Built for this explainer: a deep valley, a shallow valley, the saddle between them, "
        "and a plateau, a high stretch of flat ground where the slope all but vanishes (with a second, gentler "
        "saddle at its foot).",
        bounds=((-3.0, 3.0), (-3.0, 3.0)),
        critical_points=(
            CriticalPoint((-1.225501997932283, -0.877078529060598), "global-minimum"),
            CriticalPoint((1.323811381352470, -0.974403495039851), "local-minimum"),
            CriticalPoint((0.411700697139457, -0.867011690210892), "saddle"),
            CriticalPoint((0.660014594746261, 2.634981309554377), "saddle"),
            CriticalPoint((0.402689144741954, 1.412313853907922), "plateau"),
        ),
        start=(2.2, 2.6),
        _f=_four_traps_f,
        _g=_four_traps_g,
        _h=_four_traps_h,
        _vg=_four_traps_vg,
    )


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in (
        _four_traps(),
        _double_well(),
        _saddle(),
        _monkey(),
        _himmelblau(),
        _camel(),
        _rosenbrock(),
        _tanh_plateau(),
        _saxe(),
    )
}


def refine_critical_point(surface: Surface, xy, *, steps: int = 50) -> np.ndarray:
    """Newton's method on the gradient, from ``xy``; returns the stationary point it reaches.

    Used to solve the listed critical points once and, in the tests, to check that each listed
    point is a fixed point to 1e-6. Degenerate points (a singular Hessian) fall back to a
    least-squares step.
    """
    p = np.asarray(xy, dtype=float).copy()
    for _ in range(steps):
        g = surface.gradient(p)
        step = np.linalg.lstsq(surface.hessian(p), g, rcond=1e-12)[0]
        p -= step
        if np.linalg.norm(step) < 1e-15 * max(1.0, np.linalg.norm(p)):
            break
    return p
