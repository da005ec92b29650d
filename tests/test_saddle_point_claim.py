"""The saddle-point section's three claims: each rule fed evidence built by hand for every branch,
and the verdicts at the defaults with their key numbers."""

from __future__ import annotations

import copy
import json
import math

import pytest

from explainer.core.claims import CLAIMS, CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED
from explainer.core.claims import saddle_point as ledger

# ----- saddle-probability --------------------------------------------------------------------------


def probability(shares, samples=1_000_000):
    """Hand-built evidence: measured shares of minima for n = 1, 2, ... with binomial errors."""
    n = list(range(1, len(shares) + 1))
    hits = [round(p * samples) for p in shares]
    se = [math.sqrt(max(h, 1) / samples * (1 - max(h, 1) / samples) / samples) for h in hits]
    half = [0.5**k for k in n]
    return dict(
        n=n,
        samples=samples,
        hits=hits,
        pd_fraction=[h / samples for h in hits],
        stderr=se,
        independent=half,
        z=[(h / samples - p) / s for h, p, s in zip(hits, half, se, strict=True)],
        exact_2=(2 - math.sqrt(2)) / 4,
        big_n=5000,
        log10_p_all_positive_5000={"independent": -1505.15, "random-matrix": -2982007.8},
    )


@pytest.mark.parametrize(
    ("shares", "verdict"),
    [
        ([0.5, 0.25, 0.125, 0.0625], CONFIRMED),  # coin flips exactly
        ([0.5, 0.1464, 0.025, 0.0024], REFINED),  # what random matrices do
        ([0.5, 0.30, 0.20, 0.10], CONTRADICTED),  # minima commoner than coin flips
        ([0.5, 0.000001, 0.0, 0.0], NOT_JUDGED),  # one hit at n = 2: nothing to judge
    ],
)
def test_probability_rule_follows_the_evidence(shares, verdict):
    ev = probability(shares)
    assert ledger.probability_rule(ev) == verdict
    result = CLAIMS["saddle-probability"].judge(ev)
    assert result.verdict == verdict and "nan" not in result.summary
    if verdict == REFINED:
        assert "times rarer" in result.summary and "−2,982,008" in result.summary


def test_probability_at_the_defaults_is_refined_with_the_exact_2x2_share():
    result = CLAIMS["saddle-probability"].check(0)
    ev = result.evidence
    assert result.verdict == REFINED
    assert ev["n"] == [1, 2, 3, 4, 5, 6] and ev["hits"][4] >= 200
    assert abs(ev["pd_fraction"][1] - ev["exact_2"]) < 3 * ev["stderr"][1]
    assert ev["log10_p_all_positive_5000"]["independent"] == pytest.approx(-1505.15, abs=0.01)
    assert ev["log10_p_all_positive_5000"]["random-matrix"] == pytest.approx(-2982007.84, abs=0.01)
    assert ev["article_p_saddle"] == 1.0
    assert "14.6" in result.summary and "(2 − √2)/4 = 14.64%" in result.summary and "−1,505" in result.summary


# ----- downhill-directions -----------------------------------------------------------------------------


def downhill(steps_by_k, steps_by_curvature, k=(1, 10, 100), curvature=(0.2, 1.0, 5.0)):
    return dict(
        d=100,
        k=list(k),
        steps_by_k=list(steps_by_k),
        curvature=list(curvature),
        steps_by_curvature=list(steps_by_curvature),
        monkey=dict(offsets=[1e-2, 1e-4], saddle_steps=[26, 51], monkey_steps=[27, 152]),
    )


@pytest.mark.parametrize(
    ("by_k", "by_c", "verdict"),
    [
        ([100, 86, 73], [500, 100, 20], REFINED),  # helps, but the curvature sets the time
        ([100, 99, 98], [500, 100, 20], CONTRADICTED),  # 100 times the directions, 2% faster
        ([100, 30, 10], [200, 100, 50], CONFIRMED),  # the number of directions would matter as much
        ([100, None, 73], [500, 100, 20], NOT_JUDGED),  # a median missing: runs that did not escape
    ],
)
def test_downhill_rule_follows_the_evidence(by_k, by_c, verdict):
    ev = downhill(by_k, by_c)
    assert ledger.downhill_rule(ev) == verdict
    result = CLAIMS["downhill-directions"].judge(ev)
    assert result.verdict == verdict
    if verdict != NOT_JUDGED:
        assert "152 steps where x² − y² takes 51" in result.summary


def test_gains_are_ratios_and_elasticities():
    g = ledger.gains(downhill([100, 86, 73], [500, 100, 20]))
    assert g["k_gain"] == pytest.approx(100 / 73)
    assert g["k_elasticity"] == pytest.approx(math.log(100 / 73) / math.log(100))
    assert g["curvature_elasticity"] == pytest.approx(math.log(25) / math.log(25))


def test_downhill_at_the_defaults_is_refined_by_the_curvature():
    result = CLAIMS["downhill-directions"].check(0)
    ev = result.evidence
    assert result.verdict == REFINED
    assert ev["k"][0] == 1 and ev["k"][-1] == 100 == ev["d"]
    g = ledger.gains(ev)
    assert 1.2 < g["k_gain"] < 1.6 and g["curvature_gain"] > 10
    assert g["k_elasticity"] < 0.1 < 0.8 < g["curvature_elasticity"]
    assert abs(ev["monkey"]["monkey_slope"] + 1 / 3) < 0.02
    assert all(a < b for a, b in zip(ev["steps_by_k_noisy"], ev["steps_by_k"], strict=True))


# ----- stall-is-saddle --------------------------------------------------------------------------------


def census(loss, index, rho, p, n_params=21):
    return dict(
        n_params=n_params,
        seeds=[0, 1],
        loss=list(loss),
        index=list(index),
        index_fraction=[i / n_params for i in index],
        grad_norm=[1e-10] * len(loss),
        spearman=rho,
        spearman_p=p,
        minima=sum(i == 0 for i in index),
    )


RISING = census([0.1 + 0.02 * i for i in range(25)], [i // 4 for i in range(25)], 0.95, 1e-12)


@pytest.mark.parametrize(
    ("evidence", "verdict"),
    [
        (RISING, CONFIRMED),
        (census(RISING["loss"], RISING["index"][::-1], -0.95, 1e-12), CONTRADICTED),
        (census(RISING["loss"], [1, 2] * 12 + [1], 0.1, 0.6), REFINED),
        (census(RISING["loss"][:10], RISING["index"][:10], 0.9, 1e-4), NOT_JUDGED),  # too few points
        (census(RISING["loss"], RISING["index"], None, None), NOT_JUDGED),
    ],
)
def test_stall_rule_follows_the_evidence(evidence, verdict):
    assert ledger.stall_rule(evidence) == verdict
    result = CLAIMS["stall-is-saddle"].judge(evidence)
    assert result.verdict == verdict
    if verdict not in (NOT_JUDGED,):
        assert f"{evidence['spearman']:.2f}" in result.summary


def test_a_stall_adds_its_own_index_to_the_summary():
    ev = copy.deepcopy(RISING) | dict(stall_loss=0.682, stall_index=4, stall_n_params=17, stall_epochs=[20, 230])
    summary = CLAIMS["stall-is-saddle"].judge(ev).summary
    assert "epochs 20 to 230, loss 0.682" in summary and "4 of its 17 directions" in summary


def test_stall_at_the_defaults_is_confirmed_by_a_rising_index():
    result = CLAIMS["stall-is-saddle"].check(0)
    ev = result.evidence
    assert result.verdict == CONFIRMED
    assert len(ev["loss"]) >= 20 and ev["spearman"] > 0.5 and ev["spearman_p"] < 1e-4
    assert all(g < 1e-8 for g in ev["grad_norm"])
    assert ev["stall_index"] >= 1
    json.dumps(ev)
