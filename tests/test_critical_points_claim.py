"""The ``vanishing-gradient-places`` claim: its rule fed hand-built evidence for every branch, its
summary's numbers, and its evidence at the defaults (deterministic, JSON-ready, the keys the issue
names)."""

import json

import pytest

from explainer.core import kinds
from explainer.core.analyses import critical_points as analysis
from explainer.core.claims import CLAIMS, CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED, VERDICTS
from explainer.core.claims import critical_points as claim
from explainer.core.traps import ESCAPABLE

CLAIM = CLAIMS["vanishing-gradient-places"]
TRAPS = [kinds.LOCAL_MINIMUM, kinds.END_SADDLE, kinds.PLATEAU]


def evidence(
    ends,
    *,
    escaped=None,
    stalled=None,
    stayed=None,
    passed=None,
    slowed=None,
    map_kinds=TRAPS,
    strict=None,
    n=None,
    bouncing=0,
    stable_step=0.48,
    lr=0.1,
):
    """Hand-built evidence: ``ends`` maps end kinds to run counts (the rest are 0), ``escaped``
    stall kinds to the lengths of their escaped stalls (one run each), ``passed`` traps to the runs
    that went by them without slowing. A trap's ``slowed`` runs default to the runs that stalled on
    its kind of ground."""
    full = {k: ends.get(k, 0) for k in kinds.END_KINDS}
    escaped_steps = {k: list((escaped or {}).get(k, [])) for k in ESCAPABLE}
    escaped_runs = {k: len(v) for k, v in escaped_steps.items()}
    stalled_runs = {k: (stalled or {}).get(k, escaped_runs[k]) for k in ESCAPABLE}
    stayed = {k: (stayed or {}).get(k, 0) for k in kinds.RESTED}
    slowed = {t: (slowed or {}).get(t, stalled_runs[analysis.TRAP_STALLS[t]]) for t in map_kinds}
    passed = {t: (passed or {}).get(t, 0) for t in map_kinds}
    return dict(
        surface="four-traps",
        method="gd",
        lr=lr,
        steps=1500,
        side=21,
        noise=0.0,
        seed=0,
        n=n if n is not None else sum(full.values()),
        window=20,
        tail=analysis.TAIL,
        ends=full,
        escaped_steps=escaped_steps,
        escaped_runs=escaped_runs,
        stalled_runs=stalled_runs,
        still_moving=full[kinds.STILL_MOVING],
        bouncing=bouncing,
        creeping=full[kinds.STILL_MOVING] - bouncing,
        stayed=stayed,
        strict_saddles=len(escaped_steps[kinds.STALL_SADDLE]) if strict is None else strict,
        map_kinds=list(map_kinds),
        slowed=slowed,
        near={t: full[t] - stayed.get(t, 0) + slowed[t] + passed[t] for t in map_kinds},
        passed=passed,
        near_radius=0.17,
        stable_step=stable_step,
    )


DEFAULTISH = dict(ends={kinds.GLOBAL_MINIMUM: 246, kinds.LOCAL_MINIMUM: 169, kinds.PLATEAU: 26})


# ----- the rule, branch by branch (finding 3: every verdict reachable, "unseen" never contradicts) ----


def test_every_trap_holding_runs_confirms():
    e = evidence({kinds.GLOBAL_MINIMUM: 5, kinds.LOCAL_MINIMUM: 3, kinds.END_SADDLE: 1, kinds.PLATEAU: 2})
    assert claim.fates(e) == {k: claim.HOLDS for k in TRAPS}
    assert claim.rule(e) == CONFIRMED
    assert "Training slowed down or stopped at every kind of trap on this map." in claim.summary(e, CONFIRMED)


def test_a_saddle_that_only_delays_confirms_slows_down_there_or_stops():
    # The article says "slows down there or stops": a strict saddle delays runs and almost never holds one.
    e = evidence(
        DEFAULTISH["ends"],
        escaped={kinds.STALL_SADDLE: [40, 50, 55, 166]},
        stayed={kinds.PLATEAU: 11},
        passed={kinds.END_SADDLE: 2},
    )
    assert claim.fates(e) == {
        kinds.LOCAL_MINIMUM: claim.HOLDS,
        kinds.END_SADDLE: claim.SLOWS,
        kinds.PLATEAU: claim.HOLDS,
    }
    assert claim.rule(e) == CONFIRMED
    text = claim.summary(e, CONFIRMED)
    assert "4 runs stalled on a saddle for a median of 52 steps and all escaped; none ended there; 2 more runs" in text
    assert "2 more runs came within 0.17 of a saddle and went by without stalling for 20 steps." in text
    assert "15 on a plateau (11 more runs started on one and never moved)" in text
    assert "A strict saddle" in text and "delays descent but does not stop it" in text


def test_the_strict_saddle_sentence_follows_the_computed_curvature():
    e = evidence(DEFAULTISH["ends"], escaped={kinds.STALL_SADDLE: [40, 60]}, strict=1)
    text = claim.summary(e, claim.rule(e))
    assert "A saddle delays descent" in text and "strict" not in text
    e = evidence(DEFAULTISH["ends"], escaped={kinds.STALL_SADDLE: [40, 60]}, stalled={kinds.STALL_SADDLE: 3})
    assert (
        "3 runs stalled on a saddle; 2 of them escaped after a median of 50 steps, the other never went clearly "
        "lower afterwards; none ended there." in claim.summary(e, CONFIRMED)
    )


def test_a_trap_no_run_came_near_refines_and_says_it_is_untested():
    e = evidence({kinds.GLOBAL_MINIMUM: 256, kinds.LOCAL_MINIMUM: 185}, escaped={kinds.STALL_PLATEAU: [81, 90]})
    assert claim.fates(e)[kinds.END_SADDLE] == claim.UNSEEN
    assert claim.fates(e)[kinds.PLATEAU] == claim.SLOWS
    assert claim.rule(e) == REFINED
    text = claim.summary(e, REFINED)
    assert "No run came within 0.17 of a saddle or stalled on one: this grid says nothing about saddles." in text
    assert "2 runs stalled on a plateau for a median of 86 steps and all escaped; none ended there." in text
    assert (
        "Training slowed down or stopped in a local minimum and on a plateau. This grid did not test it on a saddle."
        in (text)
    )


def test_runs_that_went_by_a_trap_without_slowing_refine():
    # Plain descent on the tilted double well: its local minimum holds runs, the runs near its saddle go by.
    e = evidence(
        {kinds.GLOBAL_MINIMUM: 273, kinds.LOCAL_MINIMUM: 168},
        map_kinds=[kinds.LOCAL_MINIMUM, kinds.END_SADDLE],
        passed={kinds.END_SADDLE: 5},
    )
    assert claim.fates(e) == {kinds.LOCAL_MINIMUM: claim.HOLDS, kinds.END_SADDLE: claim.PASSED}
    assert claim.rule(e) == REFINED
    text = claim.summary(e, REFINED)
    assert "All 5 runs that came within 0.17 of a saddle went by without stalling there for 20 steps" in text
    assert text.endswith("Training slowed down or stopped in a local minimum, but not on a saddle.")


def test_a_run_that_started_on_a_saddle_does_not_count_as_held():
    # A grid start that lands exactly on a saddle (six-hump camel's (0, 0)) never moves: it says nothing about descent.
    e = evidence(
        {kinds.GLOBAL_MINIMUM: 282, kinds.LOCAL_MINIMUM: 158, kinds.END_SADDLE: 1},
        stayed={kinds.END_SADDLE: 1},
        map_kinds=[kinds.LOCAL_MINIMUM, kinds.END_SADDLE],
    )
    assert claim.fates(e)[kinds.END_SADDLE] == claim.UNSEEN
    assert claim.rule(e) == REFINED
    assert (
        "No run came within 0.17 of a saddle or stalled on one (1 run that started exactly on one never moved"
        in claim.summary(e, REFINED)
    )


def test_runs_that_passed_every_trap_without_slowing_contradict():
    e = evidence(
        {kinds.GLOBAL_MINIMUM: 441},
        map_kinds=[kinds.END_SADDLE],
        passed={kinds.END_SADDLE: 116},
    )
    assert claim.fates(e) == {kinds.END_SADDLE: claim.PASSED}
    assert claim.rule(e) == CONTRADICTED
    text = claim.summary(e, CONTRADICTED)
    assert "All 116 runs that came within 0.17 of a saddle went by without stalling there for 20 steps" in text
    assert "No trap of this map slowed or stopped any run for even 20 steps, though runs came near them" in text


def test_unseen_traps_alone_never_contradict():
    # Review finding 3: no run came near any trap is no evidence that runs pass them without slowing.
    e = evidence({kinds.GLOBAL_MINIMUM: 225}, map_kinds=[kinds.LOCAL_MINIMUM, kinds.END_SADDLE])
    assert set(claim.fates(e).values()) == {claim.UNSEEN}
    assert claim.rule(e) == NOT_JUDGED
    assert "or stalled or came to rest at one: this grid does not test the claim" in claim.summary(e, NOT_JUDGED)
    # One run going by one of them is the evidence that turns it.
    e = evidence(
        {kinds.GLOBAL_MINIMUM: 225}, map_kinds=[kinds.LOCAL_MINIMUM, kinds.END_SADDLE], passed={kinds.END_SADDLE: 1}
    )
    assert claim.rule(e) == CONTRADICTED
    assert "The 1 run that came within 0.17 of a saddle went by" in claim.summary(e, CONTRADICTED)


@pytest.mark.parametrize(
    ("ends", "says"),
    [
        ({kinds.DIVERGED: 225}, "All 225 runs diverged: this step size is too large for the four traps map"),
        ({kinds.LEFT_MAP: 110, kinds.GLOBAL_MINIMUM: 100}, "110 of 210 runs left the map: this step size"),
        (
            {kinds.LEFT_MAP: 110, kinds.DIVERGED: 10, kinds.GLOBAL_MINIMUM: 100},
            "120 of 220 runs diverged or left the map (10 diverged and 110 left the map)",
        ),
        ({kinds.STILL_MOVING: 340, kinds.GLOBAL_MINIMUM: 38, kinds.PLATEAU: 28}, "340 of 406 runs were still moving"),
        ({kinds.STILL_MOVING: 441}, "All 441 runs were still moving after at most 1,500 steps"),
        ({kinds.STILL_MOVING: 40, kinds.DIVERGED: 40, kinds.GLOBAL_MINIMUM: 20}, "Only 20 of 100 runs came to rest"),
    ],
)
def test_runs_that_never_rested_cannot_judge(ends, says):
    # Issue 8, fault 6: every run still moving used to give "refined".
    e = evidence(ends, escaped={kinds.STALL_SADDLE: [50]})
    assert claim.rule(e) == NOT_JUDGED
    assert says in claim.summary(e, NOT_JUDGED)


# ----- finding 2: advice from how the runs still moving moved ----------------------------------------------


def test_bouncing_runs_are_told_to_take_a_smaller_step_with_the_limit():
    e = evidence(
        {kinds.STILL_MOVING: 370, kinds.DIVERGED: 70, kinds.END_SADDLE: 1}, bouncing=370, lr=0.2, stable_step=0.088
    )
    text = claim.summary(e, claim.rule(e))
    assert "370 of 441 runs were still moving" in text
    assert "they bounce across valleys too sharp for this step size, and more steps will not settle them" in text
    assert (
        "Try a smaller step size: plain descent settles in this map's sharpest minimum only with steps below " in text
    )
    assert "2/λ = 0.088" in text
    assert "more steps or a larger step size" not in text


def test_creeping_runs_are_told_to_take_more_steps():
    e = evidence({kinds.STILL_MOVING: 252, kinds.GLOBAL_MINIMUM: 105, kinds.LOCAL_MINIMUM: 58}, bouncing=0, lr=0.01)
    text = claim.summary(e, claim.rule(e))
    assert "they are still creeping downhill. Try more steps or a larger step size." in text
    assert "smaller step" not in text


def test_a_mix_of_bouncing_and_creeping_runs_gets_both_remedies():
    e = evidence({kinds.STILL_MOVING: 300, kinds.GLOBAL_MINIMUM: 100}, bouncing=200)
    text = claim.summary(e, claim.rule(e))
    assert "200 bounce across valleys too sharp for this step size" in text and "100 were still creeping" in text
    assert text.endswith("a smaller step size would settle the first, more steps the second.")


def test_the_step_limit_is_given_only_where_the_step_exceeds_it_and_for_plain_steps():
    below = evidence({kinds.STILL_MOVING: 300, kinds.GLOBAL_MINIMUM: 100}, bouncing=300, lr=0.05, stable_step=0.088)
    assert claim.summary(below, NOT_JUDGED).endswith("Try a smaller step size.")
    adam = {**evidence({kinds.STILL_MOVING: 300}, bouncing=300, lr=0.2, stable_step=0.088), "method": "adam"}
    assert "2/λ" not in claim.summary(adam, NOT_JUDGED)


def test_half_resting_is_not_enough_and_just_over_half_is():
    assert claim.rule(evidence({kinds.STILL_MOVING: 50, kinds.LOCAL_MINIMUM: 50})) == NOT_JUDGED
    assert claim.rule(evidence({kinds.STILL_MOVING: 49, kinds.LOCAL_MINIMUM: 51})) != NOT_JUDGED


def test_a_map_without_traps_cannot_judge():
    e = evidence({kinds.GLOBAL_MINIMUM: 9}, map_kinds=[])
    assert claim.rule(e) == NOT_JUDGED
    assert "lists no local minimum, saddle or plateau" in claim.summary(e, NOT_JUDGED)


def test_runs_creeping_on_a_plateau_slowed_there_though_none_escaped_or_rested():
    # Short runs on the flat table: they stalled there and were still on it when their steps ran out.
    e = evidence(
        {kinds.GLOBAL_MINIMUM: 300, kinds.LOCAL_MINIMUM: 100, kinds.STILL_MOVING: 41},
        stalled={kinds.STALL_PLATEAU: 41},
        escaped={kinds.STALL_SADDLE: [60]},
    )
    assert claim.fates(e)[kinds.PLATEAU] == claim.SLOWS and claim.rule(e) == CONFIRMED
    assert "41 runs stalled on a plateau and never went clearly lower afterwards; none ended there." in (
        claim.summary(e, CONFIRMED)
    )


def test_the_still_moving_minority_is_set_aside_in_words():
    e = evidence(
        {kinds.GLOBAL_MINIMUM: 60, kinds.LOCAL_MINIMUM: 30, kinds.STILL_MOVING: 10, kinds.LEFT_MAP: 4},
        escaped={kinds.STALL_SADDLE: [50]},
    )
    assert claim.rule(e) == REFINED
    text = claim.summary(e, REFINED)
    assert "The 10 runs still moving at their last step and 4 that diverged or left the map cannot say" in text
    assert "1 run stalled on a saddle for 50 steps and escaped; none ended there." in text
    one = evidence({kinds.GLOBAL_MINIMUM: 60, kinds.LOCAL_MINIMUM: 30, kinds.STILL_MOVING: 1})
    assert "The 1 run still moving at its last step cannot say" in claim.summary(one, claim.rule(one))


# ----- the claim at its defaults ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def checked():
    return CLAIM.check(0), CLAIM.check(0)


def test_check_is_deterministic_and_json_ready(checked):
    first, second = checked
    assert first.evidence == second.evidence and first.verdict == second.verdict
    assert json.loads(json.dumps(first.evidence)) == first.evidence


def test_evidence_has_the_issues_keys_and_every_kind(checked):
    e = checked[0].evidence
    assert {"ends", "escaped_steps", "still_moving", "n", "map_kinds", "surface", "method"} <= set(e)
    assert set(e["ends"]) == set(kinds.END_KINDS)
    assert set(e["escaped_steps"]) == set(ESCAPABLE)
    assert e["still_moving"] == e["ends"][kinds.STILL_MOVING]
    assert sum(e["ends"].values()) == e["n"] == 21 * 21
    assert e["map_kinds"] == TRAPS  # four traps lists a local minimum, saddles and a plateau


def test_the_defaults_confirm_the_claim_with_a_saddle_that_only_delays(checked):
    result = checked[0]
    e = result.evidence
    assert result.verdict == CONFIRMED
    assert claim.fates(e) == {
        kinds.LOCAL_MINIMUM: claim.HOLDS,
        kinds.END_SADDLE: claim.SLOWS,
        kinds.PLATEAU: claim.HOLDS,
    }
    assert e["ends"][kinds.END_SADDLE] == 0 and e["escaped_steps"][kinds.STALL_SADDLE]
    assert f"{e['slowed'][kinds.END_SADDLE]} runs stalled on a saddle" in result.summary
    assert "A strict saddle (one whose Hessian has a clearly downhill direction) delays descent" in result.summary


def test_the_evidence_is_the_analysis_read_off():
    res = analysis.basins(analysis.DEFAULT)
    e = claim.evidence(res)
    assert e["ends"] == res.counts
    assert e["escaped_steps"] == {k: list(v) for k, v in res.escaped_steps.items()}
    assert e["escaped_runs"] == {k: sum(x.runs for x in res.escapes if x.kind == k) for k in ESCAPABLE}
    assert e["slowed"] == {t.kind: t.slowed for t in res.traps}
    assert e["passed"] == {t.kind: t.passed for t in res.traps}
    assert e["near_radius"] == res.scales.near
    assert (e["bouncing"], e["creeping"]) == (res.n_bouncing, res.n_creeping)


# ----- every verdict is reached by a real setting (finding 3) ------------------------------------------

REACHED = [
    (analysis.Settings(), CONFIRMED),
    # Its local minimum holds runs; the few runs that came near its saddle went by without slowing.
    (analysis.Settings(surface="double-well"), REFINED),
    (analysis.Settings(surface="six-hump-camel", lr=0.03), REFINED),
    # Himmelblau's only traps are saddles; momentum carries every run past them.
    (analysis.Settings(surface="himmelblau", lr=0.01, method="momentum"), CONTRADICTED),
    # Strong noise carries every run past the double well's traps.
    (analysis.Settings(surface="double-well", method="noisy", noise=1.2, side=15), CONTRADICTED),
    (analysis.Settings(surface="himmelblau", lr=0.5, side=15), NOT_JUDGED),
]


@pytest.mark.parametrize(("settings", "verdict"), REACHED, ids=[f"{s.surface}-{s.method}-{v}" for s, v in REACHED])
def test_every_verdict_is_reached_by_a_real_setting(settings, verdict):
    e = claim.evidence(analysis.basins(settings))
    assert CLAIM.judge(e).verdict == verdict
    if verdict == CONTRADICTED:  # runs did come near a trap and go by: the evidence is there
        assert sum(e["passed"].values()) > 0 and not any(e["slowed"].values())
        assert all(claim._arrived(e, t) == 0 for t in e["map_kinds"])
    if verdict == REFINED:
        assert claim.PASSED in claim.fates(e).values()


def test_the_real_settings_cover_every_verdict():
    assert {v for _, v in REACHED} == {*VERDICTS, NOT_JUDGED}


def test_contradicted_noise_puts_every_run_in_the_global_minimum():
    settings = analysis.Settings(surface="double-well", method="noisy", noise=1.2, side=15)
    e = claim.evidence(analysis.basins(settings))
    assert e["ends"][kinds.GLOBAL_MINIMUM] == e["n"] == 225


# ----- finding 1: a longer budget changes nothing once every run has stopped ----------------------------


@pytest.mark.parametrize(("surface", "lr"), [("himmelblau", 0.01), ("six-hump-camel", 0.03), ("double-well", 0.1)])
def test_verdict_and_evidence_do_not_change_when_only_the_budget_grows(surface, lr):
    # Himmelblau at 0.01 gave "refined" at 1,500 steps and "contradicted" at 3,000 with identical runs,
    # because the shortest stall grew with the budget.
    judged = {}
    for steps in analysis.STEP_BUDGETS:
        res = analysis.basins(analysis.Settings(surface=surface, lr=lr, steps=steps))
        judged[steps] = (res, CLAIM.judge(claim.evidence(res)))
    first = analysis.STEP_BUDGETS[0]
    res, _ = judged[first]
    assert res.steps.max() < first and res.still_moving == 0  # every run stopped inside the smallest budget
    for steps, (_, result) in judged.items():
        base = judged[first][1]
        assert {k: v for k, v in result.evidence.items() if k != "steps"} == {
            k: v for k, v in base.evidence.items() if k != "steps"
        }, steps
        assert (result.verdict, result.summary) == (base.verdict, base.summary), steps
