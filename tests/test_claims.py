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
    "minibatch-escape": {"valley_samples", "barrier", "batch_sizes", "escape_fraction"},
    "depth-vs-samples": {
        "valley_samples",
        "barrier",
        "batch_sizes",
        "escape_fraction",
        "sharpness",
        "noise",
        "lrs",
        "escape_by_lr",
        "smallest_valley",
        "collapse",
        "kramers_error",
    },
    "saddle-probability": {"n", "pd_fraction", "independent", "log10_p_all_positive_5000"},
    "downhill-directions": {"k", "steps_by_k", "curvature", "steps_by_curvature", "monkey"},
    "stall-is-saddle": {"loss", "index_fraction", "grad_norm", "spearman"},
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


def evidence(ends, share, global_value=-0.5, moved=None, falling=None):
    """Hand-built evidence: one run per entry of ``ends`` (end kind ids)."""
    n = len(ends)
    return dict(
        surface="double-well",
        lr=0.1,
        steps=1000,
        end_loss=[(-0.5 if k == kinds.GLOBAL_MINIMUM else 0.1) for k in ends],
        end_grad_norm=[1e-7] * n,
        end_kind=list(ends),
        moved=moved if moved is not None else [True] * n,
        still_falling=falling if falling is not None else [True] * n,
        global_value=global_value,
        share_not_global=share,
    )


G, L = kinds.GLOBAL_MINIMUM, kinds.LOCAL_MINIMUM


@pytest.mark.parametrize(
    ("ends", "share", "verdict"),
    [
        ([G] * 10, 0.0, CONFIRMED),
        ([G] * 7 + [L] * 3, 0.3, REFINED),
        ([G] * 9 + [kinds.END_SADDLE], 0.1, REFINED),  # a saddle refutes it like a valley does
        ([G] * 3 + [L] * 7, 0.7, CONTRADICTED),
        ([G] * 8 + [kinds.STILL_MOVING] * 2, 0.0, NOT_JUDGED),  # too few rested: a biased subset
        ([G] * 9 + [kinds.STILL_MOVING], 0.0, CONFIRMED),  # nine in ten is enough
        ([G] * 4 + [kinds.DIVERGED] * 6, 0.0, NOT_JUDGED),
        ([kinds.LEFT_MAP] * 10, None, NOT_JUDGED),
    ],
)
def test_best_fit_rule_follows_the_evidence(ends, share, verdict):
    ev = evidence(ends, share)
    assert best_fit.best_fit_rule(ev) == verdict
    result = CLAIMS["small-gradient-best-fit"].judge(ev)
    assert result.verdict == verdict
    if verdict == REFINED:
        assert "not at the best fit" in result.summary and "-0.5" in result.summary
    if verdict == NOT_JUDGED:
        assert result.summary.startswith("Only ")


def test_a_start_that_never_moved_is_left_out():
    # Nine runs rest in the global minimum; the tenth start sat on the saddle and never moved.
    ev = evidence([G] * 9 + [kinds.END_SADDLE], 0.0, moved=[True] * 9 + [False])
    result = CLAIMS["small-gradient-best-fit"].judge(ev)
    assert result.verdict == CONFIRMED
    assert "1 start already at rest, left out" in result.summary


@pytest.mark.parametrize(("falling", "advice"), [(True, "more steps let them settle"), (False, "smaller step size")])
def test_the_advice_follows_what_the_unsettled_runs_were_doing(falling, advice):
    ends = [G] * 5 + [kinds.STILL_MOVING] * 5
    ev = evidence(ends, 0.0, falling=[True] * 5 + [falling] * 5)
    summary = CLAIMS["small-gradient-best-fit"].judge(ev).summary
    assert advice in summary


def test_best_fit_on_a_bottomless_surface():
    ev = evidence([kinds.END_SADDLE] * 3 + [kinds.DIVERGED] * 7, 1.0, global_value=None)
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


# ----- the finding a claim box leads with --------------------------------------------------------


def _one_sentence(text: str) -> bool:
    from explainer.core.claims.base import first_sentence

    return first_sentence(text) == text and text.endswith(".") and "\n" not in text


def test_every_claim_leads_with_a_one_sentence_finding_with_its_key_number(checked):
    _, result, _ = checked
    assert result.finding and _one_sentence(result.finding), result.finding
    assert any(ch.isdigit() for ch in result.finding), result.finding
    assert len(result.finding) < len(result.summary)
    assert result.headline == result.finding


def _all_global(e):
    e["end_kind"] = [kinds.GLOBAL_MINIMUM if k in kinds.RESTED else k for k in e["end_kind"]]
    e["share_not_global"] = 0.0


def _still_sloping(e):
    e["axis_downhill_end"] = 1000


def _real_way_down(e):
    e["eigen_drop"] = 10 * e["downhill_drop"]


def _saddle_passed(e):
    e["slowed"]["saddle"] = 0


def _full_batch_escapes(e):
    for row in e["escape_fraction"]:
        row[-1] = 1.0


def _shallower_with_samples(e):
    e["barrier"] = e["barrier"][::-1]


def _coin_flips(e):
    e["z"] = [0.0 for _ in e["z"]]


def _directions_do_nothing(e):
    e["steps_by_k"] = [e["steps_by_k"][0]] * len(e["steps_by_k"])


def _no_clear_link(e):
    e["spearman_p"] = 0.5


def _low_plateau(e):
    e["plateau_loss"] = 0.1


def _not_saturated(e):
    e["saturated_share"] = 0.5


def _no_harm(e):
    e["test_late"] = 0.9 * e["test_early"]
    e["test_acc_random"] = 0.9


#: For each claim, changes to its default evidence that flip its verdict.
FLIPS = {
    "small-gradient-best-fit": [_all_global],
    "every-cut-flat": [_still_sloping, _real_way_down],
    "vanishing-gradient-places": [_saddle_passed],
    "minibatch-escape": [_full_batch_escapes],
    "depth-vs-samples": [_shallower_with_samples],
    "saddle-probability": [_coin_flips],
    "downhill-directions": [_directions_do_nothing],
    "stall-is-saddle": [_no_clear_link],
    "plateau-slow": [_low_plateau],
    "plateau-traps-small-nets": [_not_saturated],
    "global-minimum-overfits": [_no_harm],
}


def test_every_claim_has_evidence_here_that_flips_it():
    assert set(FLIPS) == set(CLAIMS)


@pytest.mark.parametrize(("claim_id", "flip"), [(c, f) for c, fs in FLIPS.items() for f in fs])
def test_the_finding_follows_the_evidence_when_the_verdict_flips(claim_id, flip):
    claim = CLAIMS[claim_id]
    before = claim.check(0)
    evidence = json.loads(json.dumps(before.evidence))
    flip(evidence)
    after = claim.judge(evidence)
    assert after.verdict != before.verdict, (flip.__name__, after.verdict)
    assert after.finding != before.finding and _one_sentence(after.finding), after.finding
