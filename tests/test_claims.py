"""The claims ledger: every claim judged at its defaults, deterministic, JSON-ready; and the
descent claim's rule, fed evidence that should flip it."""

import json

import pytest

from explainer.core import kinds
from explainer.core.claims import CLAIMS, CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED, VERDICTS
from explainer.core.claims import descent as best_fit

#: The ids DESIGN.md promises for each section that is built, with the evidence keys the issues name.
KEYS = {
    "small-gradient-best-fit": {"end_loss", "end_grad_norm", "end_kind", "global_value", "share_not_global"},
    "every-cut-flat": {
        "n_params",
        "axis_downhill_early",
        "axis_downhill_end",
        "random_downhill_early",
        "random_downhill_end",
        "min_eigenvalue",
        "max_eigenvalue",
        "grad_norm_end",
    },
    "vanishing-gradient-places": {"ends", "escaped_steps", "still_moving"},
}


@pytest.fixture(scope="module", params=sorted(CLAIMS))
def checked(request):
    claim = CLAIMS[request.param]
    return claim, claim.check(0), claim.check(0)


def test_every_claim_is_judged_at_its_defaults(checked):
    claim, result, _ = checked
    assert result.claim == claim.id
    assert result.verdict in VERDICTS
    assert result.summary and "nan" not in result.summary
    assert claim.section and claim.article_says


def test_every_claims_evidence_is_json_and_deterministic(checked):
    claim, first, second = checked
    assert json.loads(json.dumps(first.evidence)) == first.evidence
    assert first.evidence == second.evidence
    assert first.verdict == second.verdict
    assert KEYS.get(claim.id, set()) <= set(first.evidence)


def test_the_ledger_holds_the_built_sections_claims():
    assert "small-gradient-best-fit" in CLAIMS
    assert CLAIMS["small-gradient-best-fit"].section == "descent"


# ----- small-gradient-best-fit -----------------------------------------------------------------------


def evidence(ends, global_value=-0.5, losses=None):
    """Hand-built evidence: one run per entry of ``ends`` (end kind ids)."""
    losses = losses or [(-0.5 if k == kinds.GLOBAL_MINIMUM else 0.1) for k in ends]
    rested = [k for k in ends if k in kinds.RESTED]
    share = (sum(k != kinds.GLOBAL_MINIMUM for k in rested) / len(rested)) if rested else None
    return dict(
        surface="double-well",
        lr=0.1,
        steps=1000,
        end_loss=losses,
        end_grad_norm=[1e-7] * len(ends),
        end_kind=list(ends),
        global_value=global_value,
        share_not_global=share,
    )


@pytest.mark.parametrize(
    ("ends", "verdict"),
    [
        ([kinds.GLOBAL_MINIMUM] * 10, CONFIRMED),
        ([kinds.GLOBAL_MINIMUM] * 7 + [kinds.LOCAL_MINIMUM] * 3, REFINED),
        ([kinds.GLOBAL_MINIMUM] * 9 + [kinds.END_SADDLE], REFINED),  # a saddle refutes it like a valley does
        ([kinds.GLOBAL_MINIMUM] * 3 + [kinds.LOCAL_MINIMUM] * 7, CONTRADICTED),
        ([kinds.GLOBAL_MINIMUM] * 4 + [kinds.STILL_MOVING] * 6, NOT_JUDGED),  # most never rested
        ([kinds.GLOBAL_MINIMUM] * 4 + [kinds.DIVERGED] * 6, NOT_JUDGED),
        ([kinds.LEFT_MAP] * 10, NOT_JUDGED),
    ],
)
def test_best_fit_rule_follows_the_evidence(ends, verdict):
    ev = evidence(ends)
    assert best_fit.best_fit_rule(ev) == verdict
    result = CLAIMS["small-gradient-best-fit"].judge(ev)
    assert result.verdict == verdict
    if verdict == REFINED:
        assert "not at the best fit" in result.summary and "-0.5" in result.summary
    if verdict == NOT_JUDGED:
        assert result.summary.startswith("Only 4 of 10 runs") or result.summary.startswith("Only 0 of 10 runs")


def test_best_fit_on_a_bottomless_surface():
    ev = evidence([kinds.END_SADDLE] * 3 + [kinds.DIVERGED] * 7, global_value=None)
    result = CLAIMS["small-gradient-best-fit"].judge(ev)
    assert result.verdict == NOT_JUDGED
    assert "no lowest point" in result.summary


def test_best_fit_at_the_defaults_is_refined_by_the_shallow_valley():
    # The double well's grid: starts right of the saddle at x = 1/2 rest in the local minimum.
    result = CLAIMS["small-gradient-best-fit"].check(0)
    ends = result.evidence["end_kind"]
    assert result.verdict == REFINED
    assert ends.count(kinds.LOCAL_MINIMUM) > 0 and ends.count(kinds.GLOBAL_MINIMUM) > 0
    assert result.evidence["share_not_global"] == pytest.approx(ends.count(kinds.LOCAL_MINIMUM) / len(ends))
    assert result.evidence["global_value"] == pytest.approx(-7 / 12)
