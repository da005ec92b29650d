"""Reading the shape of the ground from the eigenvalues of the Hessian.

A point where the gradient vanishes is a minimum if every eigenvalue is positive, a maximum if
every one is negative, a saddle if there are both signs, and flat if all are (close to) zero.
"Close to zero" is relative: an eigenvalue counts as zero when it is within ``tol`` times the
largest absolute eigenvalue, or within the absolute floor ``atol``, whichever is larger. The
floor is what makes a Hessian of zeros, or of round-off, ``"flat"``; callers who know the
time scale of a run pass a larger floor (see :func:`flat_tolerance`).
"""

from __future__ import annotations

import numpy as np

CURVATURE_KINDS = ("minimum", "maximum", "saddle", "flat")


def _threshold(ev: np.ndarray, tol: float, atol: float) -> float:
    scale = float(np.max(np.abs(ev))) if ev.size else 0.0
    return max(tol * scale, atol)


def classify(eigenvalues, tol: float = 1e-6, atol: float = 1e-7) -> str:
    """Kind of stationary point given the Hessian's eigenvalues.

    Returns ``"minimum"`` (no clearly negative eigenvalue and at least one clearly positive),
    ``"maximum"`` (the reverse), ``"saddle"`` (both signs) or ``"flat"`` (none clearly non-zero).
    """
    ev = np.asarray(eigenvalues, dtype=float).ravel()
    if not np.isfinite(ev).all():
        raise ValueError("eigenvalues must be finite")
    thr = _threshold(ev, tol, atol)
    neg, pos = bool((ev < -thr).any()), bool((ev > thr).any())
    if neg and pos:
        return "saddle"
    if pos:
        return "minimum"
    if neg:
        return "maximum"
    return "flat"


def index(eigenvalues, tol: float = 1e-6, atol: float = 1e-7) -> int:
    """Number of clearly negative eigenvalues: the number of independent downhill directions."""
    ev = np.asarray(eigenvalues, dtype=float).ravel()
    return int((ev < -_threshold(ev, tol, atol)).sum())


def flat_tolerance(lr: float, steps: int) -> float:
    """Curvature too small to matter in a run of ``steps`` steps of size ``lr``.

    Along an eigen-direction of curvature ``lam``, gradient descent changes the distance to the
    stationary point by a factor ``1 - lr * lam`` per step, so over the whole run by about
    ``exp(-lr * lam * steps)``. Curvature below ``1 / (lr * steps)`` changes it by less than a
    factor e: on the time scale of that run the ground is flat.
    """
    return 1.0 / max(lr * steps, 1e-12)


def eigenvalues(objective, xy) -> np.ndarray:
    """Sorted Hessian eigenvalues of a surface at one point ``xy`` of shape ``(d,)``."""
    return np.linalg.eigvalsh(objective.hessian(np.asarray(xy, dtype=float)))


def extreme_eigenvalues(
    hvp, n: int, k: int = 1, seed: int = 0, tol: float = 1e-8, vectors: bool = False
) -> tuple[np.ndarray, ...]:
    """The ``k`` smallest and ``k`` largest eigenvalues of an ``n x n`` symmetric matrix known
    only through its products ``hvp(v)`` (a network's Hessian), by Lanczos iteration: one run of
    ARPACK's ``eigsh`` over a ``LinearOperator`` asking for both ends at once (``which="BE"``),
    which needs about half the products of two one-ended runs.

    Returns ``(smallest, largest)``, each sorted, ``(k,)``; with ``vectors=True`` also their unit
    eigenvectors as columns, ``(n, k)`` each: ``(smallest, largest, low_vectors, high_vectors)``.
    """
    from scipy.sparse.linalg import LinearOperator, eigsh

    if not 0 < 2 * k < n:
        raise ValueError(f"need 0 < 2k < n, got k={k}, n={n}")
    op = LinearOperator((n, n), matvec=lambda v: hvp(np.ravel(v)), dtype=float)
    v0 = np.random.default_rng(seed).standard_normal(n)
    if not vectors:
        both = np.sort(eigsh(op, k=2 * k, which="BE", v0=v0, tol=tol, return_eigenvectors=False))
        return both[:k], both[k:]
    values, vecs = eigsh(op, k=2 * k, which="BE", v0=v0, tol=tol)
    order = np.argsort(values)
    values, vecs = values[order], vecs[:, order]
    return values[:k], values[k:], vecs[:, :k], vecs[:, k:]
