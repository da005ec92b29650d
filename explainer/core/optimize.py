"""Gradient-descent variants that return the whole path and stop cleanly on divergence.

Each method is one small update rule (:data:`UPDATES`), written for a batch of runs at once:
positions have shape ``(n, d)``. :func:`descend` runs one start on any objective with ``value``
and ``gradient``; :func:`descend_many` runs many starts (and, if wanted, many step sizes) on a
vectorised objective such as a :class:`~explainer.core.surfaces.Surface` in one numpy loop.
No NaN or inf ever leaves this module: a run whose next point is not finite, or whose loss,
position or slope passes :data:`BLOWUP`, stops at the last point before it with
``stop_reason="diverged"``, and says where (``diverged_at``, the step that blew up) and why
(``diverged_why``: which of the three blew up). Floating-point overflow on the way there is that
very signal, so it is caught here and never reaches a log as a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

CONVERGED, MAX_STEPS, DIVERGED = "converged", "max-steps", "diverged"
#: Why a run stopped: its gradient and step fell below ``tol``, it used every step, or it blew up.
STOP_REASONS = (CONVERGED, MAX_STEPS, DIVERGED)

METHODS: dict[str, str] = {
    "gd": "gradient descent",
    "momentum": "heavy-ball momentum",
    "nesterov": "Nesterov momentum",
    "adam": "Adam",
    "noisy": "noisy gradient descent",
    "perturbed": "perturbed gradient descent",
}

#: Positions or losses beyond this size count as divergence.
BLOWUP = 1e8

#: What carried a diverged run past :data:`BLOWUP` (or out of the finite numbers) at its next step:
#: its loss, its position (largest coordinate) or its slope (largest gradient component).
WHY_LOSS, WHY_POSITION, WHY_SLOPE = "loss", "position", "slope"
DIVERGED_WHY = (WHY_LOSS, WHY_POSITION, WHY_SLOPE)


def _blown(f: np.ndarray, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """For points ``x (m, d)`` with losses ``f (m,)`` and gradients ``g (m, d)``, which of loss,
    position and slope is largest (a non-finite one counts as infinite; ties go in that order):
    one of :data:`DIVERGED_WHY` per point, ``(m,)``."""
    sizes = np.stack([np.abs(f), np.abs(x).max(axis=1), np.abs(g).max(axis=1)], axis=1)
    sizes = np.where(np.isfinite(sizes), sizes, np.inf)  # NaN compares as nothing: make it the largest
    return np.asarray(DIVERGED_WHY)[np.argmax(sizes, axis=1)]


@dataclass(frozen=True)
class Settings:
    """Hyper-parameters shared by the update rules (see :func:`descend`)."""

    lr: np.ndarray  # (n, 1)
    momentum: float = 0.9
    noise: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    kick_below: float = 1e-3
    kick_every: int = 50


@dataclass
class _State:
    """Per-run optimiser memory, arrays of shape ``(n, d)`` or ``(n,)``."""

    velocity: np.ndarray
    second: np.ndarray
    since_kick: np.ndarray
    loss_at_kick: np.ndarray
    kicked: np.ndarray
    kick_now: np.ndarray = field(default=None)


def _gd(x, g, s: _State, o: Settings, k, rng):
    return x - o.lr * g


def _momentum(x, g, s: _State, o: Settings, k, rng):
    s.velocity = o.momentum * s.velocity - o.lr * g
    return x + s.velocity


def _nesterov(x, g, s: _State, o: Settings, k, rng):
    # The look-ahead form used by scikit-learn: one gradient per step, at the current point.
    s.velocity = o.momentum * s.velocity - o.lr * g
    return x + o.momentum * s.velocity - o.lr * g


def _adam(x, g, s: _State, o: Settings, k, rng):
    s.velocity = o.beta1 * s.velocity + (1 - o.beta1) * g
    s.second = o.beta2 * s.second + (1 - o.beta2) * g * g
    m_hat = s.velocity / (1 - o.beta1 ** (k + 1))
    v_hat = s.second / (1 - o.beta2 ** (k + 1))
    return x - o.lr * m_hat / (np.sqrt(v_hat) + o.eps)


def _noisy(x, g, s: _State, o: Settings, k, rng):
    return x - o.lr * (g + o.noise * rng.standard_normal(x.shape))


def _perturbed(x, g, s: _State, o: Settings, k, rng):
    # Jin et al. (2017): where the gradient is small and no kick happened recently, jump to a
    # uniform random point of the ball of radius `noise`; otherwise take a plain gradient step.
    step = x - o.lr * g
    kick = s.kick_now
    if kick.any():
        n, d = x.shape
        direction = rng.standard_normal((n, d))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        radius = o.noise * rng.uniform(size=(n, 1)) ** (1.0 / d)
        step = np.where(kick[:, None], x + radius * direction, step)
    return step


UPDATES: dict[str, Callable] = {
    "gd": _gd,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "adam": _adam,
    "noisy": _noisy,
    "perturbed": _perturbed,
}


@dataclass(frozen=True)
class Trajectory:
    """One run: ``positions (k+1, d)`` with the start first, ``losses (k+1,)``, ``grad_norms (k+1,)``."""

    positions: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    stop_reason: str
    method: str
    lr: float
    diverged_at: int | None = None
    kicks: tuple[int, ...] = ()
    #: For a diverged run, what its step ``diverged_at`` carried past ``BLOWUP``: one of
    #: :data:`DIVERGED_WHY`; ``None`` otherwise.
    diverged_why: str | None = None

    @property
    def steps(self) -> int:
        """Number of steps taken (``len(positions) - 1``)."""
        return len(self.losses) - 1

    @property
    def end(self) -> np.ndarray:
        """The last position reached."""
        return self.positions[-1]


@dataclass(frozen=True)
class Batch:
    """Many runs stepped together.

    ``positions (k+1, n, d)``, ``losses (k+1, n)`` and ``grad_norms (k+1, n)``; a run that stopped
    early repeats its last point. ``stop_step (n,)`` is the index of each run's last point and
    ``stop_reason (n,)`` why it stopped; ``diverged_why (n,)`` says, for each run that diverged,
    what blew up at the step after its last point (one of :data:`DIVERGED_WHY`, ``""`` for the rest).
    """

    positions: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    stop_step: np.ndarray
    stop_reason: np.ndarray
    method: str
    lr: np.ndarray
    kicks: tuple[tuple[int, ...], ...]
    diverged_why: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=str))

    def __len__(self) -> int:
        return self.positions.shape[1]

    @property
    def ends(self) -> np.ndarray:
        """Last position of every run, ``(n, d)``."""
        return self.positions[self.stop_step, np.arange(len(self))]

    def run(self, i: int) -> Trajectory:
        """Run ``i`` as a :class:`Trajectory`, cut at its stop."""
        last = int(self.stop_step[i])
        reason = str(self.stop_reason[i])
        return Trajectory(
            positions=self.positions[: last + 1, i].copy(),
            losses=self.losses[: last + 1, i].copy(),
            grad_norms=self.grad_norms[: last + 1, i].copy(),
            stop_reason=reason,
            method=self.method,
            lr=float(self.lr[i]),
            diverged_at=last + 1 if reason == "diverged" else None,
            kicks=self.kicks[i],
            diverged_why=str(self.diverged_why[i]) if reason == "diverged" and len(self.diverged_why) else None,
        )


def _run(
    evaluate: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    x0: np.ndarray,
    method: str,
    lr,
    steps: int,
    *,
    tol: float,
    momentum: float,
    noise: float,
    seed: int,
    beta1: float,
    beta2: float,
    eps: float,
    kick_below: float | None,
    kick_every: int,
) -> Batch:
    """Step ``n`` runs together; ``evaluate(x (m, d)) -> (loss (m,), gradient (m, d))``.

    Only runs that are still going are evaluated, so a batch costs what its slowest runs cost.
    """
    if method not in UPDATES:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(UPDATES)}")
    if steps < 0:
        raise ValueError("steps must be >= 0")
    x = np.array(x0, dtype=float)
    if not np.isfinite(x).all():
        raise ValueError("every start must be finite")
    n, d = x.shape
    lr_col = np.broadcast_to(np.asarray(lr, dtype=float), (n,)).reshape(n, 1).copy()
    if np.ndim(noise):  # one noise level per run, like lr (not for perturbed descent's kicks)
        if method == "perturbed":
            raise ValueError("perturbed descent takes one jump radius for every run")
        noise = np.broadcast_to(np.asarray(noise, dtype=float), (n,)).reshape(n, 1).copy()
    opts = Settings(
        lr=lr_col,
        momentum=momentum,
        noise=noise if (np.ndim(noise) or noise or method != "perturbed") else 0.1,
        beta1=beta1,
        beta2=beta2,
        eps=eps,
        kick_below=kick_below if kick_below is not None else max(tol, 1e-3),
        kick_every=kick_every,
    )
    rng = np.random.default_rng(seed)
    update = UPDATES[method]

    def evaluate_rows(rows: np.ndarray, points: np.ndarray):
        """Loss, gradient and gradient norm at ``points`` (the runs ``rows``); ``ok`` marks finite ones."""
        if rows.size == 0:
            return np.empty(0), np.empty((0, d)), np.empty(0), np.empty(0, dtype=bool)
        # Past BLOWUP an objective may overflow (x**4 of 1e80) or meet inf - inf: that is the
        # divergence this module detects and reports, not a fault to warn about.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            fv, gv = evaluate(points)
            fv = np.asarray(fv, dtype=float).reshape(rows.size)
            gv = np.asarray(gv, dtype=float).reshape(rows.size, d)
            # One sum of magnitudes per run: NaN or inf anywhere makes it fail the comparison too.
            size = np.abs(fv) + np.abs(points).max(axis=1) + np.abs(gv).max(axis=1)
            gnorm = np.sqrt(np.einsum("ij,ij->i", gv, gv))
        return fv, gv, gnorm, size < BLOWUP

    positions = np.empty((steps + 1, n, d))
    losses = np.empty((steps + 1, n))
    gnorms = np.empty((steps + 1, n))
    stop_step = np.full(n, steps, dtype=int)
    stop_reason = np.full(n, "max-steps", dtype=object)
    why = np.full(n, "", dtype=object)
    everyone = np.arange(n)
    f, g, gn, active = evaluate_rows(everyone, x)
    if not active.all():
        i = int(np.flatnonzero(~active)[0])
        what = _blown(f[i : i + 1], x[i : i + 1], g[i : i + 1])[0]
        raise ValueError(
            f"the {what} is not finite or beyond {BLOWUP:.0e} at the start {x[i].tolist()}: "
            "a run must start where it could be followed"
        )
    positions[0], losses[0], gnorms[0] = x, f, gn
    state = _State(
        velocity=np.zeros((n, d)),
        second=np.zeros((n, d)),
        since_kick=np.full(n, kick_every),
        loss_at_kick=np.full(n, np.inf),
        kicked=np.zeros(n, dtype=bool),
    )
    kicks: list[list[int]] = [[] for _ in range(n)]
    last = steps
    for k in range(steps):
        if not active.any():
            last = k
            break
        if method == "perturbed":
            state.since_kick = state.since_kick + 1
            small = active & (gn < opts.kick_below) & (state.since_kick >= opts.kick_every)
            # A kick that did not lower the loss by a clear margin means a true minimum: stop.
            margin = 0.1 * opts.kick_below * opts.noise
            stuck = small & state.kicked & (f > state.loss_at_kick - margin)
            if tol > 0 and stuck.any():
                stop_step[stuck] = k
                stop_reason[stuck] = "converged"
                active &= ~stuck
                small &= ~stuck
            state.kick_now = small
            state.loss_at_kick = np.where(small, f, state.loss_at_kick)
            state.kicked |= small
            state.since_kick = np.where(small, 0, state.since_kick)
            for i in np.flatnonzero(small):
                kicks[i].append(k)
        with np.errstate(over="ignore", invalid="ignore"):  # a huge step is caught as divergence next
            x_new = update(x, g, state, opts, k, rng)
        rows = everyone if active.all() else np.flatnonzero(active)
        xa = x_new if rows is everyone else x_new[rows]
        fa, ga, gna, ok = evaluate_rows(rows, xa)
        if not ok.all():
            blown = rows[~ok]
            stop_step[blown] = k
            stop_reason[blown] = "diverged"
            why[blown] = _blown(fa[~ok], xa[~ok], ga[~ok])
            active[blown] = False
            rows, xa, fa, ga, gna = rows[ok], xa[ok], fa[ok], ga[ok], gna[ok]
        converging = tol > 0 and method != "perturbed"
        if converging:
            step = xa - x[rows]
            moved = np.sqrt(np.einsum("ij,ij->i", step, step))
        x[rows], f[rows], g[rows], gn[rows] = xa, fa, ga, gna
        positions[k + 1], losses[k + 1], gnorms[k + 1] = x, f, gn
        if converging:
            done = (gna < tol) & (moved < tol)
            if done.any():
                stop_step[rows[done]] = k + 1
                stop_reason[rows[done]] = "converged"
                active[rows[done]] = False
        if not active.any():
            last = k + 1
            break
    return Batch(
        positions=positions[: last + 1],
        losses=losses[: last + 1],
        grad_norms=gnorms[: last + 1],
        stop_step=np.minimum(stop_step, last),
        stop_reason=stop_reason.astype(str),
        method=method,
        lr=lr_col[:, 0],
        kicks=tuple(tuple(k) for k in kicks),
        diverged_why=why.astype(str),
    )


def _evaluator(objective) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``x (m, d) -> (loss (m,), gradient (m, d))`` for a vectorised objective."""
    if hasattr(objective, "value_and_gradient"):
        return objective.value_and_gradient
    return lambda x: (objective.value(x), objective.gradient(x))


def descend(
    objective,
    x0,
    method: str = "gd",
    lr: float = 0.01,
    steps: int = 1000,
    *,
    tol: float = 1e-6,
    momentum: float = 0.9,
    noise: float = 0.0,
    seed: int = 0,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    kick_below: float | None = None,
    kick_every: int = 50,
) -> Trajectory:
    """Run one optimiser from ``x0`` on ``objective`` and return the whole path.

    Parameters
    ----------
    objective : object with ``value(x) -> float`` and ``gradient(x) -> (d,)``
        A :class:`~explainer.core.surfaces.Surface`, a network loss, or anything alike.
    x0 : array of shape (d,)
        Starting point.
    method : {"gd", "momentum", "nesterov", "adam", "noisy", "perturbed"}
        ``"gd"`` is plain gradient descent. ``"noisy"`` adds Gaussian noise of standard deviation
        ``noise`` to every gradient (a stand-in for mini-batch noise). ``"perturbed"`` jumps to a
        random point within radius ``noise`` (0.1 if unset) whenever the gradient norm is below
        ``kick_below`` and the last jump is at least ``kick_every`` steps old (Jin et al. 2017).
    lr : float
        Step size.
    steps : int
        Largest number of steps.
    tol : float
        The run stops as ``"converged"`` once the gradient norm and the last step are both below
        ``tol``; perturbed descent stops when a jump fails to lower the loss. ``tol=0`` never
        stops early.
    momentum, beta1, beta2, eps : float
        Momentum coefficient; Adam's moment decay rates and denominator guard.
    seed : int
        Seed of every random draw.

    Returns
    -------
    Trajectory
    """
    x0 = np.asarray(x0, dtype=float)
    batch = _run(
        lambda x: (np.reshape(objective.value(x[0]), 1), np.reshape(objective.gradient(x[0]), (1, -1))),
        x0.reshape(1, -1),
        method,
        lr,
        steps,
        tol=tol,
        momentum=momentum,
        noise=noise,
        seed=seed,
        beta1=beta1,
        beta2=beta2,
        eps=eps,
        kick_below=kick_below,
        kick_every=kick_every,
    )
    return batch.run(0)


def descend_many(
    objective,
    starts,
    method: str = "gd",
    lr=0.01,
    steps: int = 1000,
    **kwargs,
) -> Batch:
    """Like :func:`descend` for ``n`` starts at once on a vectorised objective.

    ``starts`` has shape ``(n, d)``; ``lr`` is a float or an array of shape ``(n,)`` (one step
    size per run), and so is ``noise`` for noisy descent. The objective's ``value`` and
    ``gradient`` must accept ``(n, d)`` arrays. Keyword arguments are those of :func:`descend`.
    """
    opts = dict(tol=1e-6, momentum=0.9, noise=0.0, seed=0, beta1=0.9, beta2=0.999, eps=1e-8)
    opts.update(kick_below=None, kick_every=50)
    unknown = set(kwargs) - set(opts)
    if unknown:
        raise TypeError(f"unexpected keyword arguments {sorted(unknown)}")
    opts.update(kwargs)
    return _run(_evaluator(objective), np.atleast_2d(starts), method, lr, steps, **opts)
