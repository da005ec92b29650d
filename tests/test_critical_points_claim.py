"""The ``vanishing-gradient-places`` claim: its rule fed hand-built evidence for every branch, its
summary's numbers, and its evidence at the defaults (deterministic, JSON-ready, the keys the issue
names)."""

import json

import pytest

from explainer.core import kinds
from explainer.core.analyses import critical_points as analysis
from explainer.core.claims import CLAIMS, CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED
from explainer.core.claims import critical_points as claim
from explainer.core.traps import ESCAPABLE

CLAIM = CLAIMS["vanishing-gradient-places"]
TRAPS = [kinds.LOCAL_MINIMUM, kinds.END_SADDLE, kinds.PLATEAU]


def evidence(ends, *, escaped=None, stalled=None, stayed=None, map_kinds=TRAPS, strict=None, n=None):
    """Hand-built evidence: ``ends`` maps end kinds to run counts (the rest are 0), ``escaped``
    stall kinds to the lengths of their escaped stalls (one run each)."""
    full = {k: ends.get(k, 0) for k in kinds.END_KINDS}
    escaped_steps = {k: list((escaped or {}).get(k, [])) for k in ESCAPABLE}
    escaped_runs = {k: len(v) for k, v in escaped_steps.items()}
    return dict(
        surface="four-traps",
        method="gd",
        lr=0.1,
        steps=1500,
        side=21,
        noise=0.0,
        seed=0,
        n=n if n is not None else sum(full.values()),
        window=15,
        ends=full,
        escaped_steps=escaped_steps,
        escaped_runs=escaped_runs,
        stalled_runs={k: (stalled or {}).get(k, escaped_runs[k]) for k in ESCAPABLE},
        still_moving=full[kinds.STILL_MOVING],
        stayed={k: (stayed or {}).get(k, 0) for k in kinds.RESTED},
        strict_saddles=len(escaped_steps[kinds.STALL_SADDLE]) if strict is None else strict,
        map_kinds=list(map_kinds),
    )


DEFAULTISH = dict(ends={kinds.GLOBAL_MINIMUM: 246, kinds.LOCAL_MINIMUM: 169, kinds.PLATEAU: 26})


# ----- the rule, branch by branch ------------------------------------------------------------------


def test_every_trap_holding_runs_confirms():
    e = evidence({kinds.GLOBAL_MINIMUM: 5, kinds.LOCAL_MINIMUM: 3, kinds.END_SADDLE: 1, kinds.PLATEAU: 2})
    assert claim.fates(e) == {k: claim.HOLDS for k in TRAPS}
    assert claim.rule(e) == CONFIRMED
    assert "Every kind of trap on this map held runs" in claim.summary(e, CONFIRMED)


def test_a_saddle_that_only_delays_refines_with_its_numbers():
    e = evidence(DEFAULTISH["ends"], escaped={kinds.STALL_SADDLE: [40, 50, 55, 166]}, stayed={kinds.PLATEAU: 11})
    assert claim.fates(e) == {
        kinds.LOCAL_MINIMUM: claim.HOLDS,
        kinds.END_SADDLE: claim.SLOWS,
        kinds.PLATEAU: claim.HOLDS,
    }
    assert claim.rule(e) == REFINED
    text = claim.summary(e, REFINED)
    assert "4 runs stalled on a saddle for a median of 52 steps and all escaped; none ended there." in text
    assert "15 on a plateau (11 more runs started there and never moved)" in text
    assert "A strict saddle" in text and "delays descent but does not stop it" in text


def test_the_strict_saddle_sentence_follows_the_computed_curvature():
    e = evidence(DEFAULTISH["ends"], escaped={kinds.STALL_SADDLE: [40, 60]}, strict=1)
    text = claim.summary(e, claim.rule(e))
    assert "A saddle delays descent" in text and "strict" not in text
    e = evidence(DEFAULTISH["ends"], escaped={kinds.STALL_SADDLE: [40, 60]}, stalled={kinds.STALL_SADDLE: 3})
    assert "2 runs stalled on a saddle for a median of 50 steps and escaped (1 more run stalled there" in claim.summary(
        e, REFINED
    )


def test_a_trap_no_run_came_near_refines():
    e = evidence({kinds.GLOBAL_MINIMUM: 256, kinds.LOCAL_MINIMUM: 185}, escaped={kinds.STALL_PLATEAU: [81, 90]})
    assert claim.fates(e)[kinds.END_SADDLE] == claim.UNSEEN
    assert claim.fates(e)[kinds.PLATEAU] == claim.SLOWS
    assert claim.rule(e) == REFINED
    text = claim.summary(e, REFINED)
    assert "No run stalled or came to rest on a saddle" in text
    assert "The plateau slowed runs down but held none." in text


def test_a_run_that_started_on_a_saddle_does_not_count_as_held():
    # A grid start that lands exactly on a saddle (six-hump camel's (0, 0)) never moves: it says nothing about descent.
    e = evidence(
        {kinds.GLOBAL_MINIMUM: 282, kinds.LOCAL_MINIMUM: 158, kinds.END_SADDLE: 1},
        stayed={kinds.END_SADDLE: 1},
        map_kinds=[kinds.LOCAL_MINIMUM, kinds.END_SADDLE],
    )
    assert claim.fates(e)[kinds.END_SADDLE] == claim.UNSEEN
    assert claim.rule(e) == REFINED
    assert "No run stalled or came to rest on a saddle (1 run that started exactly on one never moved" in claim.summary(
        e, REFINED
    )


def test_no_trap_holding_or_slowing_any_resting_run_contradicts():
    e = evidence({kinds.GLOBAL_MINIMUM: 225}, map_kinds=[kinds.LOCAL_MINIMUM, kinds.END_SADDLE])
    assert set(claim.fates(e).values()) == {claim.UNSEEN}
    assert claim.rule(e) == CONTRADICTED
    assert "no trap of this map slowed or stopped any of them for even 15 steps" in claim.summary(e, CONTRADICTED)


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
        ({kinds.STILL_MOVING: 40, kinds.DIVERGED: 40, kinds.GLOBAL_MINIMUM: 20}, "Only 20 of 100 runs came to rest"),
    ],
)
def test_runs_that_never_rested_cannot_judge(ends, says):
    # Issue 8, fault 6: every run still moving used to give "refined".
    e = evidence(ends, escaped={kinds.STALL_SADDLE: [50]})
    assert claim.rule(e) == NOT_JUDGED
    assert says in claim.summary(e, NOT_JUDGED)


def test_half_resting_is_not_enough_and_just_over_half_is():
    assert claim.rule(evidence({kinds.STILL_MOVING: 50, kinds.LOCAL_MINIMUM: 50})) == NOT_JUDGED
    assert claim.rule(evidence({kinds.STILL_MOVING: 49, kinds.LOCAL_MINIMUM: 51})) != NOT_JUDGED


def test_a_map_without_traps_cannot_judge():
    e = evidence({kinds.GLOBAL_MINIMUM: 9}, map_kinds=[])
    assert claim.rule(e) == NOT_JUDGED
    assert "lists no local minimum, saddle or plateau" in claim.summary(e, NOT_JUDGED)


def test_the_still_moving_minority_is_set_aside_in_words():
    e = evidence(
        {kinds.GLOBAL_MINIMUM: 60, kinds.LOCAL_MINIMUM: 30, kinds.STILL_MOVING: 10, kinds.LEFT_MAP: 4},
        escaped={kinds.STALL_SADDLE: [50]},
    )
    assert claim.rule(e) == REFINED
    text = claim.summary(e, REFINED)
    assert "The 10 runs still moving at their last step and 4 that diverged or left the map cannot say" in text
    assert "1 run stalled on a saddle for 50 steps and escaped; none ended there." in text


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


def test_the_defaults_refine_the_claim_because_the_saddle_only_delays(checked):
    result = checked[0]
    e = result.evidence
    assert result.verdict == REFINED
    assert claim.fates(e)[kinds.END_SADDLE] == claim.SLOWS
    assert e["ends"][kinds.END_SADDLE] == 0 and e["escaped_steps"][kinds.STALL_SADDLE]
    saddles = e["escaped_steps"][kinds.STALL_SADDLE]
    assert f"{len(saddles)} runs stalled on a saddle" in result.summary


def test_the_evidence_is_the_analysis_read_off():
    res = analysis.basins(analysis.DEFAULT)
    e = claim.evidence(res)
    assert e["ends"] == res.counts
    assert e["escaped_steps"] == {k: list(v) for k, v in res.escaped_steps.items()}
    assert e["escaped_runs"] == {k: sum(x.runs for x in res.escapes if x.kind == k) for k in ESCAPABLE}


def test_contradicted_does_happen_where_noise_carries_every_run_past_the_traps():
    # The rule's docstring names this case: strong noise on the tilted double well.
    settings = analysis.Settings(surface="double-well", method="noisy", noise=1.2, side=15)
    e = claim.evidence(analysis.basins(settings))
    assert e["ends"][kinds.GLOBAL_MINIMUM] == e["n"] == 225
    assert CLAIM.judge(e).verdict == CONTRADICTED
