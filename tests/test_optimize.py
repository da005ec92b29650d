"""Optimisers: each update rule against its formula, closed forms, divergence, batching, seeds."""

import numpy as np
import pytest

from explainer.core.optimize import BLOWUP, METHODS, descend, descend_many
from explainer.core.surfaces import SURFACES


class Quadratic:
    """f(x) = 0.5 * sum(lam_i x_i^2), vectorised over leading axes."""

    def __init__(self, lam):
        self.lam = np.asarray(lam, dtype=float)

    def value(self, x):
        x = np.asarray(x, dtype=float)
        return 0.5 * np.sum(self.lam * x * x, axis=-1)

    def gradient(self, x):
        return self.lam * np.asarray(x, dtype=float)


WELL = SURFACES["double-well"]
X0 = np.array([1.7, 0.9])  # a point with a clear, non-linear gradient on the double well


def grad(x):
    return WELL.gradient(x)


# ----- one update of each rule against its formula ----------------------------------------------


def test_gd_step():
    lr = 0.05
    t = descend(WELL, X0, "gd", lr=lr, steps=2, tol=0)
    x1 = X0 - lr * grad(X0)
    x2 = x1 - lr * grad(x1)
    np.testing.assert_allclose(t.positions, [X0, x1, x2], rtol=1e-14, atol=1e-15)


def test_momentum_two_steps():
    lr, mu = 0.05, 0.8
    t = descend(WELL, X0, "momentum", lr=lr, steps=2, tol=0, momentum=mu)
    v1 = -lr * grad(X0)
    x1 = X0 + v1
    v2 = mu * v1 - lr * grad(x1)
    x2 = x1 + v2
    np.testing.assert_allclose(t.positions, [X0, x1, x2], rtol=1e-14, atol=1e-15)
    # The velocity matters: plain gd from x1 lands elsewhere.
    assert np.linalg.norm(x2 - (x1 - lr * grad(x1))) > 1e-3


def test_nesterov_two_steps_sklearn_form():
    lr, mu = 0.05, 0.8
    t = descend(WELL, X0, "nesterov", lr=lr, steps=2, tol=0, momentum=mu)
    v1 = mu * 0.0 - lr * grad(X0)
    x1 = X0 + mu * v1 - lr * grad(X0)
    g1 = grad(x1)
    v2 = mu * v1 - lr * g1
    x2 = x1 + mu * v2 - lr * g1
    np.testing.assert_allclose(t.positions, [X0, x1, x2], rtol=1e-14, atol=1e-15)
    heavy_ball = descend(WELL, X0, "momentum", lr=lr, steps=2, tol=0, momentum=mu)
    assert np.linalg.norm(t.positions[2] - heavy_ball.positions[2]) > 1e-3


def test_adam_two_steps_with_bias_correction():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    t = descend(WELL, X0, "adam", lr=lr, steps=2, tol=0, beta1=b1, beta2=b2, eps=eps)
    x, m, v, path = X0.copy(), np.zeros(2), np.zeros(2), [X0.copy()]
    for k in (1, 2):
        g = grad(x)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = x - lr * (m / (1 - b1**k)) / (np.sqrt(v / (1 - b2**k)) + eps)
        path.append(x.copy())
    np.testing.assert_allclose(t.positions, path, rtol=1e-14, atol=1e-15)
    # Bias correction makes the first step lr * sign(g) in each coordinate (up to eps).
    np.testing.assert_allclose(np.abs(path[1] - X0), lr, rtol=1e-6)


def test_noisy_two_steps_use_the_seeded_draws():
    lr, noise, seed = 0.05, 0.3, 7
    t = descend(WELL, X0, "noisy", lr=lr, steps=2, tol=0, noise=noise, seed=seed)
    rng = np.random.default_rng(seed)
    x1 = X0 - lr * (grad(X0) + noise * rng.standard_normal((1, 2))[0])
    x2 = x1 - lr * (grad(x1) + noise * rng.standard_normal((1, 2))[0])
    np.testing.assert_allclose(t.positions, [X0, x1, x2], rtol=1e-14, atol=1e-15)
    assert np.linalg.norm(x1 - (X0 - lr * grad(X0))) > 1e-3  # the noise is really there


def test_perturbed_kicks_within_radius_where_gradient_is_small():
    s = SURFACES["saddle"]
    noise, seed = 0.2, 3
    t = descend(s, (0.0, 0.0), "perturbed", lr=0.1, steps=1, tol=0, noise=noise, seed=seed, kick_below=1e-3)
    assert t.kicks == (0,)
    jump = t.positions[1] - t.positions[0]
    assert 0 < np.linalg.norm(jump) <= noise
    rng = np.random.default_rng(seed)
    direction = rng.standard_normal((1, 2))
    direction /= np.linalg.norm(direction)
    radius = noise * rng.uniform(size=(1, 1)) ** 0.5
    np.testing.assert_allclose(t.positions[1], (radius * direction)[0], rtol=1e-14, atol=1e-16)


def test_perturbed_takes_plain_steps_on_a_slope():
    lr = 0.05
    t = descend(WELL, X0, "perturbed", lr=lr, steps=3, tol=0, noise=0.5, kick_below=1e-3)
    assert t.kicks == ()
    ref = descend(WELL, X0, "gd", lr=lr, steps=3, tol=0)
    np.testing.assert_allclose(t.positions, ref.positions, rtol=1e-14, atol=1e-15)


def test_perturbed_kicks_on_flat_ground_stay_within_radius():
    flat = Quadratic([0.0, 0.0, 0.0])  # gradient zero everywhere: every move is a kick
    noise = 0.05
    t = descend(flat, np.zeros(3), "perturbed", lr=0.1, steps=200, tol=0, noise=noise, kick_every=10)
    kicked = np.array(t.kicks)
    assert kicked[0] == 0 and 16 <= len(kicked) <= 20
    assert (np.diff(kicked) >= 10).all()
    moves = np.linalg.norm(np.diff(t.positions, axis=0), axis=1)
    assert (moves[kicked] <= noise).all() and (moves[kicked] > 0).all()
    np.testing.assert_array_equal(np.delete(moves, kicked), 0.0)


def test_perturbed_kicks_as_soon_as_last_kick_is_kick_every_steps_old():
    flat = Quadratic([0.0, 0.0])
    t = descend(flat, np.zeros(2), "perturbed", lr=0.1, steps=50, tol=0, noise=0.05, kick_every=10)
    # Documented rule: kick where the gradient is small and the last jump is at least kick_every steps old.
    assert t.kicks == (0, 10, 20, 30, 40)


# ----- closed forms and bookkeeping -------------------------------------------------------------


def test_gd_on_quadratic_matches_closed_form():
    q = Quadratic([0.5, 3.0])
    x0, lr = np.array([2.0, -1.5]), 0.2
    t = descend(q, x0, "gd", lr=lr, steps=50, tol=0)
    k = np.arange(51)[:, None]
    expected = (1 - lr * q.lam) ** k * x0
    np.testing.assert_allclose(t.positions, expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(t.losses, q.value(expected), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(t.grad_norms, np.linalg.norm(q.gradient(expected), axis=1), rtol=1e-12, atol=1e-300)
    assert t.stop_reason == "max-steps" and t.diverged_at is None


@pytest.mark.parametrize("method", sorted(METHODS))
def test_path_bookkeeping(method):
    steps = 30
    t = descend(WELL, X0, method, lr=0.01, steps=steps, tol=0, noise=0.1)
    np.testing.assert_array_equal(t.positions[0], X0)
    assert t.positions.shape == (steps + 1, 2)
    assert len(t.losses) == len(t.grad_norms) == steps + 1 == t.steps + 1
    np.testing.assert_allclose(t.losses, WELL.value(t.positions), rtol=1e-13)
    np.testing.assert_allclose(t.grad_norms, np.linalg.norm(WELL.gradient(t.positions), axis=1), rtol=1e-13)
    np.testing.assert_array_equal(t.end, t.positions[-1])
    assert t.method == method and t.lr == 0.01


def test_gd_diverges_cleanly_above_two_over_lambda():
    q = Quadratic([1.0, 10.0])
    lr = 0.3  # 2 / lambda_max = 0.2: the y coordinate is multiplied by 1 - 3 = -2 per step
    t = descend(q, [1.0, 1.0], "gd", lr=lr, steps=1000, tol=1e-6)
    assert t.stop_reason == "diverged"
    assert t.diverged_at is not None
    for arr in (t.positions, t.losses, t.grad_norms):
        assert np.isfinite(arr).all()
        assert (np.abs(arr) < BLOWUP).all()
    # Closed form: loss 0.5 * (0.7^{2k} + 10 * 4^k). The first point whose loss would reach the
    # blow-up size is where the run stops; every point before it is kept.
    k = np.arange(60)
    loss = 0.5 * (0.49**k + 10 * 4.0**k)
    first_blown = int(np.argmax(loss >= BLOWUP))
    assert t.diverged_at == first_blown
    assert len(t.positions) == first_blown
    np.testing.assert_allclose(t.positions[-1], [0.7 ** (first_blown - 1), (-2.0) ** (first_blown - 1)], rtol=1e-12)


def test_converged_when_gradient_below_tol():
    q = Quadratic([1.0, 2.0])
    tol = 1e-6
    t = descend(q, [1.0, 1.0], "gd", lr=0.1, steps=10_000, tol=tol)
    assert t.stop_reason == "converged"
    assert t.steps < 10_000
    assert t.grad_norms[-1] < tol
    assert np.linalg.norm(t.positions[-1] - t.positions[-2]) < tol
    assert t.grad_norms[-2] >= tol or np.linalg.norm(t.positions[-2] - t.positions[-3]) >= tol
    # Closed form: the slow coordinate shrinks by 0.9 per step; the stop is where |g| < tol first.
    g = np.hypot(0.9 ** np.arange(400), 2 * 0.8 ** np.arange(400))
    assert t.steps == int(np.argmax(g < tol))


def test_tol_zero_never_stops_early():
    t = descend(Quadratic([1.0, 2.0]), [1.0, 1.0], "gd", lr=0.5, steps=300, tol=0)
    assert t.stop_reason == "max-steps" and t.steps == 300
    assert t.grad_norms[-1] < 1e-30


# ----- batches, seeds, errors --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["gd", "momentum", "adam"])
def test_descend_many_with_learning_rate_array_matches_separate_runs(method):
    lrs = np.array([0.01, 0.1, 0.5, 1.2, 3.0])  # from slow to divergent
    starts = np.tile(X0, (len(lrs), 1))
    batch = descend_many(WELL, starts, method, lrs, steps=400)
    assert len(batch) == len(lrs)
    np.testing.assert_array_equal(batch.lr, lrs)
    reasons = set()
    for i, lr in enumerate(lrs):
        single = descend(WELL, X0, method, lr=float(lr), steps=400)
        run = batch.run(i)
        assert run.stop_reason == single.stop_reason
        assert run.diverged_at == single.diverged_at
        assert run.positions.shape == single.positions.shape
        np.testing.assert_allclose(run.positions, single.positions, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(run.losses, single.losses, rtol=1e-12, atol=1e-14)
        reasons.add(run.stop_reason)
    if method == "gd":
        assert reasons == {"converged", "max-steps", "diverged"}


def test_descend_many_with_many_starts_matches_separate_runs():
    rng = np.random.default_rng(5)
    starts = np.column_stack([rng.uniform(-2, 2, 6), rng.uniform(-1.5, 1.5, 6)])
    batch = descend_many(WELL, starts, "nesterov", 0.05, steps=200)
    np.testing.assert_array_equal(batch.positions[0], starts)
    for i in range(len(starts)):
        single = descend(WELL, starts[i], "nesterov", lr=0.05, steps=200)
        np.testing.assert_allclose(batch.run(i).positions, single.positions, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(batch.ends[i], single.end, rtol=1e-12, atol=1e-14)


def test_noisy_seed_reproducible_and_seed_dependent():
    kw = dict(method="noisy", lr=0.05, steps=100, tol=0, noise=0.5)
    a = descend(WELL, X0, seed=11, **kw)
    b = descend(WELL, X0, seed=11, **kw)
    c = descend(WELL, X0, seed=12, **kw)
    np.testing.assert_array_equal(a.positions, b.positions)
    assert np.abs(a.positions[1:] - c.positions[1:]).min(axis=1).max() > 1e-3
    assert not np.allclose(a.positions[-1], c.positions[-1])


def test_unknown_method_raises():
    with pytest.raises(ValueError, match="unknown method"):
        descend(WELL, X0, "sgd-with-magic")
    with pytest.raises(ValueError, match="unknown method"):
        descend_many(WELL, [X0], "sgd-with-magic")


def test_descend_many_rejects_unknown_keywords_and_negative_steps():
    with pytest.raises(TypeError):
        descend_many(WELL, [X0], "gd", 0.1, 10, learning_rate=0.1)
    with pytest.raises(ValueError):
        descend(WELL, X0, "gd", 0.1, -1)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_start_that_is_not_finite_is_refused(bad):
    # A start that is not a point cannot be stepped from; no made-up position is recorded.
    with pytest.raises(ValueError, match="finite"):
        descend(WELL, [bad, 0.0], "gd", lr=0.1, steps=50)
    with pytest.raises(ValueError, match="finite"):
        descend_many(WELL, np.array([[1.0, 1.0], [bad, 0.0]]), "gd", 0.1, steps=50)


def test_a_start_where_the_loss_overflows_is_refused():
    with pytest.raises(ValueError, match="not finite"):
        descend(WELL, [1e5, 0.0], "gd", lr=0.1, steps=5)


def test_perturbed_stops_in_a_true_minimum_when_a_kick_does_not_help():
    b = descend_many(WELL, [(-1.0, 0.0)], "perturbed", 0.1, steps=5000, noise=0.1, tol=1e-6)
    run = b.run(0)
    assert run.stop_reason == "converged"
    # Kicked at step 0, rolled back, and after kick_every (50) quiet steps the loss is no lower: stop.
    assert run.kicks == (0,)
    assert run.steps == 50
    np.testing.assert_allclose(run.end, (-1.0, 0.0), atol=1e-2)


def test_perturbed_single_run_stops_in_a_true_minimum():
    t = descend(WELL, (-1.0, 0.0), "perturbed", lr=0.1, steps=5000, noise=0.1, tol=1e-6)
    assert t.stop_reason == "converged"
    np.testing.assert_allclose(t.end, (-1.0, 0.0), atol=1e-2)
