"""The landscape claim, ``every-cut-flat``: its rule fed hand-built evidence for every branch (it
names the global minimum, which no cut can tell, so it is never confirmed), its summary, its
evidence built from results, and its check at the defaults."""

from __future__ import annotations

import itertools
import json

import pytest
from test_landscape_words import curvature, every_weight, random_cuts

from explainer.core.claims import CLAIMS, CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED
from explainer.core.claims import landscape as claim

KEYS = {
    "n_params",
    "axis_downhill_early",
    "axis_downhill_end",
    "random_downhill_early",
    "random_downhill_end",
    "min_eigenvalue",
    "max_eigenvalue",
    "grad_norm_end",
}


def evidence(**changes) -> dict:
    """Evidence like the default run's (flat cuts, a gentle negative eigenvalue, a tiny drop)."""
    base = dict(
        n_params=4417,
        early_epoch=1,
        axis_downhill_early=1602,
        axis_downhill_end=1,
        median_slope_early=7.8e-5,
        median_slope_end=9.5e-6,
        random_count=12,
        random_downhill_early=10,
        random_downhill_end=0,
        min_eigenvalue=-0.0093,
        max_eigenvalue=5.2,
        eigen_drop=4.5e-5,
        eigen_carriers=50,
        loss_end=0.1345,
        grad_norm_end=0.0301,
        loss_still_falling=True,
        failed=None,
    )
    return base | changes


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, REFINED),  # flat cuts, a gentle downward bend, hardly any drop: not a minimum, but no way down either
        (dict(min_eigenvalue=-0.1, eigen_drop=0.01), CONTRADICTED),  # a clear bend and a real way down
        (dict(min_eigenvalue=-0.1, eigen_drop=1e-5), REFINED),  # a clear bend, no real way down
        (dict(min_eigenvalue=-1e-4, eigen_drop=0.01), REFINED),  # a real drop, but no clear bend
        (dict(min_eigenvalue=0.002, eigen_drop=0.0), REFINED),  # the curvature of a minimum: still never confirmed
        (dict(axis_downhill_end=300), NOT_JUDGED),  # 300 > 5% of 4,417: not flat ground yet
        (dict(axis_downhill_end=220), REFINED),  # 220 <= 220.85
        (dict(random_downhill_end=4), NOT_JUDGED),  # more than a quarter of 12
        (dict(random_downhill_end=3), REFINED),
        (dict(failed="ArpackNoConvergence: gave up", min_eigenvalue=None, max_eigenvalue=None), NOT_JUDGED),
        (dict(min_eigenvalue=None, max_eigenvalue=None), NOT_JUDGED),
    ],
)
def test_the_rule_follows_the_evidence(changes, expected):
    assert claim.every_cut_flat_rule(evidence(**changes)) == expected


def test_no_evidence_confirms_a_claim_about_the_global_minimum():
    lows, drops, downs = (-0.5, -0.01, -1e-6, 0.0, 0.01), (0.0, 1e-6, 0.05), (0, 1, 300)
    for lo, drop, down in itertools.product(lows, drops, downs):
        e = evidence(min_eigenvalue=lo, eigen_drop=drop, axis_downhill_end=down, random_downhill_end=min(down, 2))
        assert claim.every_cut_flat_rule(e) != CONFIRMED, e


def test_the_refined_summary_says_not_a_minimum_and_not_a_critical_point():
    text = claim.every_cut_flat_summary(evidence(), REFINED)
    assert text.startswith("At epoch 1, 1,602 of the 4,417 one-weight cuts led downhill; at the end, 1 does.")
    assert "almost no cut leads down (1 of 4,417 along single weights, 0 of 12 along random directions)" in text
    assert "smallest eigenvalue is -0.0093 against a largest of 5.2" in text
    assert "many weights (50 of them carry 90% of it) bends down, 559 times more gently" in text
    assert "so this point is not a minimum" in text and "falls by only 4.5×10⁻⁵ (0.03% of the loss)" in text
    assert "Nor is it a critical point: the gradient norm is still 0.03 and the loss was still falling" in text
    assert "can tell whether a point is the global minimum" in text
    assert "saddle" not in text
    minimum = claim.every_cut_flat_summary(evidence(min_eigenvalue=0.002, eigen_drop=0.0), REFINED)
    assert "No direction bends down here" in minimum and "the curvature of a minimum" in minimum
    assert "Nor is it a critical point" in minimum


def test_the_other_summaries_say_why():
    e = evidence(min_eigenvalue=-0.1, eigen_drop=0.01, loss_end=0.13)
    text = claim.every_cut_flat_summary(e, CONTRADICTED)
    assert "really falls along it, by 7.7%" in text and "not even a minimum" in text
    e = evidence(axis_downhill_end=1915)
    text = claim.every_cut_flat_summary(e, claim.every_cut_flat_rule(e))
    assert "has not reached flat ground: 1,915 one-weight cuts still lead down" in text
    e = evidence(random_downhill_end=5)
    assert "5 random directions still lead down" in claim.every_cut_flat_summary(e, NOT_JUDGED)
    e = evidence(failed="ArpackError: -9999", min_eigenvalue=None, max_eigenvalue=None)
    assert "curvature could not be computed" in claim.every_cut_flat_summary(e, NOT_JUDGED)


def test_the_evidence_is_read_off_the_results():
    e = claim.evidence(every_weight(), random_cuts(10, 1), curvature())
    assert set(e) >= KEYS
    assert json.loads(json.dumps(e)) == e
    assert (e["n_params"], e["axis_downhill_early"], e["axis_downhill_end"]) == (4417, 1600, 1)
    assert (e["random_count"], e["random_downhill_early"], e["random_downhill_end"]) == (12, 10, 1)
    assert (e["min_eigenvalue"], e["max_eigenvalue"], e["grad_norm_end"]) == (-0.0093, 5.2, 0.0301)
    assert e["eigen_drop"] == pytest.approx(4.5e-5, rel=1e-9) and e["eigen_carriers"] == 45
    assert e["failed"] is None and e["early_epoch"] == 1


def test_a_failed_eigen_search_gives_json_evidence_and_no_verdict():
    import dataclasses

    curv = dataclasses.replace(curvature(), failed="ArpackNoConvergence: gave up", low=float("nan"), high=float("nan"))
    e = claim.evidence(every_weight(), random_cuts(10, 0), curv)
    assert e["min_eigenvalue"] is None and e["max_eigenvalue"] is None
    json.dumps(e, allow_nan=False)
    assert CLAIMS["every-cut-flat"].judge(e).verdict == NOT_JUDGED


@pytest.fixture(scope="module")
def checked():
    c = CLAIMS["every-cut-flat"]
    return c.check(0), c.check(0)


def test_the_claim_at_the_defaults_is_refined_and_deterministic(checked):
    first, second = checked
    assert first.evidence == second.evidence and first.summary == second.summary
    assert first.verdict == REFINED
    assert CLAIMS["every-cut-flat"].section == "landscape"
    assert list(CLAIMS).index("every-cut-flat") == list(CLAIMS).index("small-gradient-best-fit") + 1
    e = first.evidence
    assert set(e) >= KEYS and json.loads(json.dumps(e)) == e
    # The default run (see the issue): smallest eigenvalue about -0.0093 against 5.2, a drop of about 5e-5.
    assert e["min_eigenvalue"] == pytest.approx(-0.0093, rel=0.05)
    assert e["max_eigenvalue"] == pytest.approx(5.2, rel=0.02)
    assert 1e-5 < e["eigen_drop"] < 1e-4
    assert e["grad_norm_end"] == pytest.approx(0.03, rel=0.05)
