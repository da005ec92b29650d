"""Contour lines of a gridded function by marching squares, vectorised over cells.

Vega-Lite has no contour mark, so maps draw these segments as rules.
"""

from __future__ import annotations

import numpy as np

# For each of the 16 corner patterns (bit k set when corner k is above the level; corners run
# bottom-left, bottom-right, top-right, top-left), the pairs of cell edges a segment joins.
# Edges: 0 bottom, 1 right, 2 top, 3 left.
_SEGMENTS = {
    1: [(3, 0)],
    2: [(0, 1)],
    3: [(3, 1)],
    4: [(1, 2)],
    5: [(3, 0), (1, 2)],
    6: [(0, 2)],
    7: [(3, 2)],
    8: [(2, 3)],
    9: [(0, 2)],
    10: [(0, 1), (2, 3)],
    11: [(1, 2)],
    12: [(1, 3)],
    13: [(0, 1)],
    14: [(0, 3)],
}


def _fraction(a: np.ndarray, b: np.ndarray, level: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (level - a) / (b - a)
    return np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)


def contour_segments(xs, ys, z, levels) -> np.ndarray:
    """Line segments of ``z`` at each level.

    Parameters
    ----------
    xs : (nx,) array; ys : (ny,) array
        Grid coordinates, increasing.
    z : (ny, nx) array
        Values, ``z[j, i]`` at ``(xs[i], ys[j])``.
    levels : sequence of float

    Returns
    -------
    array of shape (m, 5)
        Rows ``(x1, y1, x2, y2, level)``.
    """
    xs, ys, z = np.asarray(xs, float), np.asarray(ys, float), np.asarray(z, float)
    c0, c1, c2, c3 = z[:-1, :-1], z[:-1, 1:], z[1:, 1:], z[1:, :-1]
    x0, x1 = np.broadcast_to(xs[:-1], c0.shape), np.broadcast_to(xs[1:], c0.shape)
    y0, y1 = np.broadcast_to(ys[:-1, None], c0.shape), np.broadcast_to(ys[1:, None], c0.shape)
    out = []
    for level in levels:
        above = [c > level for c in (c0, c1, c2, c3)]
        case = above[0] * 1 + above[1] * 2 + above[2] * 4 + above[3] * 8
        t0, t1 = _fraction(c0, c1, level), _fraction(c1, c2, level)
        t2, t3 = _fraction(c3, c2, level), _fraction(c0, c3, level)
        edges = (
            (x0 + t0 * (x1 - x0), y0),
            (x1, y0 + t1 * (y1 - y0)),
            (x0 + t2 * (x1 - x0), y1),
            (x0, y0 + t3 * (y1 - y0)),
        )
        for code, pairs in _SEGMENTS.items():
            cells = case == code
            if not cells.any():
                continue
            for a, b in pairs:
                ax, ay = edges[a][0][cells], edges[a][1][cells]
                bx, by = edges[b][0][cells], edges[b][1][cells]
                out.append(np.stack([ax, ay, bx, by, np.full(ax.shape, float(level))], axis=1))
    return np.concatenate(out) if out else np.empty((0, 5))


def quantile_levels(z, count: int = 12) -> np.ndarray:
    """``count`` contour levels spread by the distribution of ``z``, so every surface gets lines
    where its values are, whatever their scale."""
    qs = np.linspace(0.02, 0.98, count)
    return np.unique(np.quantile(np.asarray(z, float)[np.isfinite(z)], qs))
