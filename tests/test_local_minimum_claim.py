"""The local-minimum section's analyses and claims: each verdict follows from its evidence (rules fed
hand-built evidence for every branch), the defaults judge as SCIENCE.md expects, and the numbers
behind them hold (closed forms, exact zeros, Monte Carlo within its error)."""

import copy
import dataclasses
import json
import math

import numpy as np
import pytest

from explainer.core import kinds, store
from explainer.core.analyses import local_minimum as analysis
from explainer.core.claims import CLAIMS, CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED
from explainer.core.claims import local_minimum as ledger


@pytest.fixture(scope="module")
def wells():
    return store.result(analysis.WELLS, analysis.DEFAULT_WELLS)


@pytest.fixture(scope="module")
def evidence(wells):
    return ledger.evidence(wells)


# ----- the rules, branch by branch ----------------------------------------------------------------


def escape_ev(table, runs=200):
    """Hand-built evidence for ``minibatch-escape``: one row per valley, the full batch last."""
    k = len(table)
    return dict(
        n=40,
        lr=0.05,
        steps=500,
        runs=runs,
        valley_samples=list(range(10, 10 + k)),
        barrier=[0.03 * (i + 1) for i in range(k)],
        batch_sizes=[1, 4, 40],
        escape_fraction=table,
    )


@pytest.mark.parametrize(
    ("table", "verdict"),
    [
        ([[1.0, 0.6, 0.0], [0.4, 0.0, 0.0]], CONFIRMED),
        ([[0.3, 0.1, 0.0], [0.1, 0.0, 0.0]], REFINED),  # mini-batches help, but most runs stay
        ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], CONTRADICTED),  # nothing gets out
        ([[0.5, 0.3, 0.6], [0.1, 0.0, 0.0]], CONTRADICTED),  # the full batch escapes as often
        ([[0.9, 0.5, 0.2], [0.1, 0.0, 0.0]], REFINED),  # the full batch escapes sometimes, less often
    ],
)
def test_escape_rule_follows_the_evidence(table, verdict):
    ev = escape_ev(table)
    assert ledger.escape_rule(ev) == verdict
    result = CLAIMS["minibatch-escape"].judge(ev)
    assert result.verdict == verdict
    if verdict == CONFIRMED:
        assert "stayed in the shallow valley every time" in result.summary and "100%" in result.summary


def test_too_few_runs_judge_nothing():
    ev = escape_ev([[1.0, 0.6, 0.0]], runs=50)
    assert CLAIMS["minibatch-escape"].judge(ev).verdict == NOT_JUDGED
    assert "at least 100" in CLAIMS["minibatch-escape"].judge(ev).summary


def depth_ev(evidence, **changes):
    ev = copy.deepcopy(evidence)
    ev.update(changes)
    return ev


def test_depth_rule_branches(evidence):
    assert ledger.depth_rule(evidence) == REFINED
    ms = evidence["valley_samples"]
    proportional = [0.01 * m for m in ms]
    confirmed = depth_ev(
        evidence,
        smallest_valley=1,
        barrier=proportional,
        barrier_per_sample=[0.01] * len(ms),
        collapse={**evidence["collapse"], kinds.MEASURE_BARRIER: 0.9},
    )
    assert ledger.depth_rule(confirmed) == CONFIRMED
    # proportional but depth alone does not set escape: refined
    assert ledger.depth_rule(depth_ev(confirmed, collapse=evidence["collapse"])) == REFINED
    # depth sets escape but is not proportional (a valley only from 9 samples on): refined
    assert ledger.depth_rule(depth_ev(confirmed, smallest_valley=9)) == REFINED
    # the barrier does not grow with the samples: contradicted
    assert ledger.depth_rule(depth_ev(evidence, barrier=evidence["barrier"][::-1])) == CONTRADICTED
    # deeper valleys do not hold runs better: contradicted
    assert ledger.depth_rule(depth_ev(evidence, falls_with_depth=False)) == CONTRADICTED
    assert ledger.depth_rule(depth_ev(evidence, runs=20)) == NOT_JUDGED
    summary = CLAIMS["depth-vs-samples"].judge(depth_ev(evidence, falls_with_depth=False)).summary
    assert "did not hold runs better" in summary


# ----- the defaults -------------------------------------------------------------------------------------


def test_the_defaults_confirm_minibatch_escape(evidence):
    result = CLAIMS["minibatch-escape"].check(0)
    assert result.verdict == CONFIRMED
    assert result.evidence == evidence
    table = np.array(evidence["escape_fraction"])
    assert evidence["batch_sizes"][-1] == evidence["n"] == 40
    assert np.all(table[:, -1] == 0.0) and np.all(np.array(evidence["full_batch_by_lr"]) == 0.0)
    assert table[0, 0] == 1.0 and evidence["runs"] >= 100
    assert len(table) == len(evidence["valley_samples"]) == len(evidence["barrier"])
    assert all(len(row) == len(evidence["batch_sizes"]) for row in table)


def test_the_defaults_refine_depth_vs_samples(evidence, wells):
    result = CLAIMS["depth-vs-samples"].check(0)
    assert result.verdict == REFINED
    assert evidence["smallest_valley"] == 9
    assert np.all(np.diff(evidence["barrier"]) > 0) and evidence["falls_with_depth"]
    r2 = evidence["collapse"]
    # depth alone explains little; the noise-aware combinations explain most
    assert r2[kinds.MEASURE_BARRIER] < 0.5 < 0.9 < r2[kinds.MEASURE_XIE] and r2[kinds.MEASURE_NOISE_PATH] > 0.9
    assert evidence["best_measure"] in (kinds.MEASURE_NOISE_PATH, kinds.MEASURE_XIE)
    assert evidence["kramers_error"] < 0.05
    assert f"{r2[kinds.MEASURE_BARRIER]:.0%}" in result.summary and "no valley at all" in result.summary


def test_the_evidence_is_json_and_a_seed_changes_only_the_draws():
    other = CLAIMS["minibatch-escape"].check(5)
    assert json.loads(json.dumps(other.evidence)) == other.evidence
    assert other.evidence["seed"] == 5 and other.verdict == CONFIRMED
    # The barriers do not depend on the seed. Seed 0 may come from the precomputed file (written on
    # another CPU, perhaps), so compare within round-off, not to the bit.
    assert other.evidence["barrier"] == pytest.approx(
        CLAIMS["minibatch-escape"].check(0).evidence["barrier"], rel=1e-12
    )


def test_the_measures_follow_their_formulas(wells):
    g = wells.grid
    i, j, k = 3, 2, 1
    b, lr, barrier = g.batch_sizes[j], g.lrs[k], wells.barrier[i]
    assert wells.measure(kinds.MEASURE_XIE)[i, j, k] == pytest.approx(barrier * b / lr)
    assert wells.measure(kinds.MEASURE_NOISE_AT_MINIMUM)[i, j, k] == pytest.approx(barrier / (lr * g.noise[i, j] ** 2))
    # With the noise frozen at its value on the floor, Phi would be 2 barrier / (lr sigma_b^2): the real noise grows
    # on the way up, so the real Phi is smaller.
    phi = wells.measure(kinds.MEASURE_NOISE_PATH)[i, j, k]
    assert 0 < phi < 2 * barrier / (lr * g.noise[i, j] ** 2)


# ----- the other analyses -----------------------------------------------------------------------------


def test_wilson_interval_closed_forms():
    lo, hi = analysis.wilson(0, 10)
    z2 = analysis.Z95**2
    assert lo == 0.0 and hi == pytest.approx(z2 / (10 + z2))
    lo, hi = analysis.wilson(5, 10)
    assert (lo + hi) / 2 == pytest.approx(0.5) and hi - lo == pytest.approx(
        2 * analysis.Z95 * math.sqrt(0.25 / 10 + z2 / 400) / (1 + z2 / 10)
    )


def test_the_double_well_plain_descent_stays_and_noise_escapes():
    res = store.result(analysis.DOUBLE_WELL, analysis.DEFAULT_DOUBLE_WELL)
    assert res.barrier == pytest.approx(7 / 192, rel=1e-12)
    assert (res.curvature_min, res.curvature_saddle) == pytest.approx((1.0, -0.75))
    noises = np.array(res.settings.noises)
    assert res.escaped[noises == 0] == 0
    plain = analysis.noisy_paths(dataclasses.replace(analysis.DEFAULT_PATHS, noise=0.0))
    assert np.all(plain.x == 1.0) and np.all(plain.first_escape == -1)  # plain descent never moves
    se = np.sqrt(np.maximum(res.escaped * (1 - res.escaped), 1 / 200) / 200)
    assert np.all(np.diff(res.escaped) >= -3 * np.sqrt(2) * se[1:])
    assert res.escaped[-1] > 0.9
    # Kramers' law is a small-noise law: it tracks the measured shares within a fifth here.
    assert np.all(np.abs(res.kramers - res.escaped) < 0.2)


@pytest.fixture(scope="module")
def net():
    return store.result(analysis.NETWORK, analysis.DEFAULT_NET)


def test_the_network_counts_and_matches(net):
    s = net.settings
    assert net.batch_sizes == (5, 20, 100) and net.steps_per_epoch == (20, 5, 1)
    assert net.matched_epochs == (2000, 500, 100)
    assert np.array_equal(net.bad_final, (net.final > s.bad_loss).sum(axis=1))
    assert net.bad_final[-1] >= 0.95 * net.runs  # 100 full-batch steps are not enough to learn XOR
    for j in range(2):
        # the full batch given as many steps is no better served by noise: the mini-batch share is not lower
        # beyond its 95% interval
        lo, _ = net.interval(net.bad_final[j])
        _, hi = net.interval(net.bad_matched[j])
        assert lo <= hi
        assert net.curve_steps[j][-1] == s.epochs * net.steps_per_epoch[j]
    assert net.entropy == pytest.approx(0.6859298, abs=1e-6)
    assert net.agreement.min() > 0.8


def test_the_symmetric_start_cannot_move_and_the_kick_escapes():
    res = store.result(analysis.SYMMETRIC, analysis.DEFAULT_SYMMETRIC)
    assert res.sample_grad_zero == 0.0 and res.sample_grad_kicked > 0
    assert res.zero_hidden == (0.0, 0.0)
    mini, full = res.zero_gap
    assert abs(full) < 1e-9  # the full batch's output bias settles on the labels' log-odds
    assert 0 <= mini < 1e-3  # the mini-batch's jitters around it, never below the entropy
    assert np.all(np.concatenate(res.zero) >= res.entropy - 1e-12)
    assert res.escaped == (1.0, 1.0)  # every kicked run ends below loss 0.5
    assert res.escape_epoch(0) < res.escape_epoch(1) < res.settings.epochs


def test_the_reader_view_without_a_valley_rolls_into_the_deep_one():
    view = analysis.valley_view(dataclasses.replace(analysis.DEFAULT_VALLEY, m=6))
    assert not view.has_valley and math.isnan(view.kramers) and view.smallest_valley == 9
    assert view.full.paths[-1, 0] == pytest.approx(view.valleys.deep, abs=1e-3)
    full = analysis.valley_view(dataclasses.replace(analysis.DEFAULT_VALLEY, batch=40))
    assert full.is_full_batch and full.mini.fraction == 0.0 and full.kramers == 0.0 and full.noise == 0.0


def test_noisy_descent_takes_one_noise_level_per_run():
    from explainer.core.optimize import descend_many
    from explainer.core.surfaces import SURFACES

    surface, starts = SURFACES["double-well"], np.tile([1.0, 0.0], (4, 1))
    same = descend_many(surface, starts, "noisy", 0.1, 50, tol=0, noise=np.full(4, 0.3), seed=2)
    scalar = descend_many(surface, starts, "noisy", 0.1, 50, tol=0, noise=0.3, seed=2)
    assert np.array_equal(same.positions, scalar.positions)  # an array of equal levels is the scalar, draw for draw
    mixed = descend_many(surface, starts, "noisy", 0.1, 50, tol=0, noise=np.array([0.0, 0.3, 0.0, 0.3]), seed=2)
    assert np.all(mixed.positions[:, [0, 2]] == np.array([1.0, 0.0]))  # noise 0 at the minimum: never moves
    assert np.array_equal(mixed.positions[:, 1], scalar.positions[:, 1])
    with pytest.raises(ValueError, match="one jump radius"):
        descend_many(surface, starts, "perturbed", 0.1, 5, noise=np.full(4, 0.1))
