"""Reading the shape of the ground from the eigenvalues of the Hessian.

Two tolerances, for two different questions:

- ``tol`` (absolute) says what curvature is too small to matter: when every eigenvalue is
  within ``tol`` of zero the ground is ``"flat"``. It is the caller's scale of the problem (a
  map's own curvature, a network's spectrum), never the length of some run.
- Round-off says what curvature is zero in fact: the sign of an eigenvalue counts once it is
  beyond ``ROUNDOFF`` times the largest absolute eigenvalue (and beyond ``ROUNDOFF_FLOOR``). So
  a point whose Hessian has any negative eigenvalue beyond round-off is never a minimum, however
  gentle that direction is: it is a saddle (if another direction curves up) or a maximum.
"""

from __future__ import annotations

import numpy as np

from explainer.core import kinds

CURVATURE_KINDS = kinds.SHAPES

#: Relative size below which an eigenvalue is indistinguishable from zero (the Hessians here are
#: analytic or exact Hessian-vector products, good to about 1e-13 of their largest eigenvalue),
#: and an absolute floor for spectra that are all round-off.
ROUNDOFF = 1e-9
ROUNDOFF_FLOOR = 1e-14


def _finite(eigenvalues) -> np.ndarray:
    ev = np.asarray(eigenvalues, dtype=float).ravel()
    if not np.isfinite(ev).all():
        raise ValueError("eigenvalues must be finite")
    return ev


def roundoff(eigenvalues) -> float:
    """Size below which an eigenvalue of this spectrum is zero to round-off."""
    ev = np.asarray(eigenvalues, dtype=float).ravel()
    return max(ROUNDOFF * float(np.max(np.abs(ev))), ROUNDOFF_FLOOR) if ev.size else ROUNDOFF_FLOOR


def classify(eigenvalues, tol: float = 1e-7) -> str:
    """Kind of stationary point given the Hessian's eigenvalues: one of :data:`CURVATURE_KINDS`.

    ``"flat"`` when every eigenvalue is within ``tol`` of zero. Otherwise the signs beyond
    round-off decide: ``"saddle"`` (both signs), ``"minimum"`` (none negative) or ``"maximum"``
    (none positive). A valley floor, flat along it and curved across, is a minimum; a single
    negative eigenvalue of any size beyond round-off rules a minimum out.
    """
    ev = _finite(eigenvalues)
    if not (np.abs(ev) > tol).any():
        return kinds.FLAT
    zero = roundoff(ev)
    neg, pos = bool((ev < -zero).any()), bool((ev > zero).any())
    if neg and pos:
        return kinds.SADDLE
    return kinds.MINIMUM if pos else kinds.MAXIMUM


def index(eigenvalues, tol: float | None = None) -> int:
    """Number of negative eigenvalues, the independent downhill directions: those below
    ``-tol``, or below round-off when ``tol`` is not given (the count :func:`classify` uses)."""
    ev = _finite(eigenvalues)
    threshold = roundoff(ev) if tol is None else max(float(tol), roundoff(ev))
    return int((ev < -threshold).sum())


def directions(eigenvalues, tol: float) -> tuple[int, int, int]:
    """How many directions curve clearly up (above ``tol``), clearly down (below ``-tol``) and
    are flat (within ``tol``): the words for ground such as "down one way, flat the other"."""
    ev = _finite(eigenvalues)
    up, down = int((ev > tol).sum()), int((ev < -tol).sum())
    return up, down, ev.size - up - down


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
