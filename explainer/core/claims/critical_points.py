"""The critical-points section's claim, ``vanishing-gradient-places``: besides the global minimum,
a local minimum, a saddle and a plateau all have a vanishing gradient, and training slows down
there or stops.

Evidence, from descent on a grid of starts (:func:`explainer.core.analyses.critical_points.basins`):

- ``ends``: end kind id -> number of runs (every kind of :data:`explainer.core.kinds.END_KINDS`);
- ``escaped_steps``: stall kind id -> length of every stall there that ended in an escape;
- ``escaped_runs`` and ``stalled_runs``: stall kind id -> runs that escaped a stall there / that
  stalled there at all;
- ``still_moving``: runs whose slope was still clearly non-zero at their last step, split into
  ``bouncing`` (their steps kept reversing over their last ``tail`` steps: the step is too large
  for the valleys they are in) and ``creeping`` (the rest: still making way downhill);
- ``stayed``: end kind id -> runs that ended where they started (a start exactly on a critical
  point, or on ground already flatter than the optimiser's tolerance), for the kinds of rest:
  such a run never moved, so it did not *come to rest* anywhere;
- per trap the map lists (``map_kinds``: which of local minimum, saddle and plateau it lists
  among its critical points), over the runs that moved: ``slowed`` (runs that stalled there for
  at least ``window`` steps and ended elsewhere), ``near`` (runs whose path passed within
  ``near_radius`` of a listed point of that kind) and ``passed`` (of those, runs that neither
  stalled nor came to rest there and ended out of its reach);
- ``strict_saddles``: escaped saddle stalls whose Hessian had a clearly negative eigenvalue;
- ``stable_step``: the largest step with which plain descent settles in every listed minimum
  (``2 / lambda_max``; ``None`` if the map lists no curved minimum);
- ``n``, ``window`` (the shortest stall, in steps) and the settings (``surface``, ``method``,
  ``lr``, ``steps``, ``side``, ``noise``, ``seed``).

The rule (:func:`rule`). The article says training "slows down there or stops", so a trap that
only delays runs (a strict saddle, whose stable line a moving run follows with probability zero,
so it almost never holds one) supports the claim as much as one that holds them:

- **not judged** when the map lists none of the three traps; when no more than half of the runs
  came to rest (at least half diverged or left the map, at least half are still moving, or the
  two together: they cannot say where descent stops); or when no run that moved came near any
  trap, stalled or rested at one (the grid did not test the claim at all);
- otherwise each trap the map lists gets a fate (:func:`fates`): it **holds** runs if runs that
  moved came to rest there, it **slows** them if runs stalled there and went on, it was
  **passed** if runs came near it and went by without slowing, and it is **unseen** otherwise
  (no evidence either way);
- **confirmed** if every trap held or slowed runs; **contradicted** if none did, though runs
  passed near at least one; **refined** otherwise (training slowed or stopped at some kinds of
  trap, while runs went by another without slowing or never came near it).

Every verdict is reached by real settings (tests/test_critical_points_claim.py): the four-traps
defaults confirm (the local minimum and the plateau hold runs, the saddle slows them); plain
descent on the tilted double well refines (its local minimum holds runs, but the runs that came
near its saddle went by without slowing); heavy-ball momentum on Himmelblau's map (whose only
traps are saddles) and noisy descent with noise 1.2 on the double well contradict; a step of 0.5
on Himmelblau's map is not judged.
"""

from __future__ import annotations

import math

import numpy as np

from explainer.core import kinds
from explainer.core.analyses import critical_points as analysis
from explainer.core.claims.base import CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED, Claim, first_sentence, plain
from explainer.core.optimize import METHODS
from explainer.core.prose import count, listing, plural, sci
from explainer.core.surfaces import SURFACES

#: The fate of one trap on a grid: runs came to rest there, runs lingered there and went on, runs
#: came near it and went by without slowing, or no run came near it.
HOLDS, SLOWS, PASSED, UNSEEN = "holds", "slows", "passed", "unseen"
FATES = (HOLDS, SLOWS, PASSED, UNSEEN)
#: Fates that bear the claim out: training stopped or slowed down there.
SLOWS_OR_STOPS = (HOLDS, SLOWS)
#: A grid can judge where descent stops only if more than this share of its runs came to rest.
RESTED_ENOUGH = 0.5


def evidence(res: analysis.Basins) -> dict:
    """Evidence for ``vanishing-gradient-places`` from a grid of runs."""
    s = res.settings
    counts = res.counts
    stable = res.stable_step
    return plain(
        dict(
            surface=s.surface,
            method=s.method,
            lr=s.lr,
            steps=s.steps,
            side=s.side,
            noise=s.noise,
            seed=s.seed,
            n=res.n,
            window=res.window,
            tail=analysis.TAIL,
            ends=counts,
            escaped_steps={kind: list(v) for kind, v in res.escaped_steps.items()},
            escaped_runs={kind: sum(e.runs for e in res.escapes if e.kind == kind) for kind in res.escaped_steps},
            stalled_runs=dict(res.stalled_runs),
            still_moving=counts[kinds.STILL_MOVING],
            bouncing=res.n_bouncing,
            creeping=res.n_creeping,
            stayed={kind: res.stayed[kind] for kind in kinds.RESTED},
            strict_saddles=res.strict_saddles,
            map_kinds=list(res.map_kinds),
            slowed={t.kind: t.slowed for t in res.traps},
            near={t.kind: t.near for t in res.traps},
            passed={t.kind: t.passed for t in res.traps},
            near_radius=res.scales.near,
            stable_step=stable if math.isfinite(stable) else None,
        )
    )


def _lost(evidence: dict) -> int:
    return sum(evidence["ends"][k] for k in kinds.LOST)


def _rested(evidence: dict) -> int:
    return sum(evidence["ends"][k] for k in kinds.RESTED)


def _arrived(evidence: dict, trap: str) -> int:
    """Runs that moved and came to rest at ``trap``."""
    return evidence["ends"][trap] - evidence["stayed"].get(trap, 0)


def fates(evidence: dict) -> dict[str, str]:
    """The fate (:data:`FATES`) of each trap the map lists."""
    out = {}
    for trap in evidence["map_kinds"]:
        if _arrived(evidence, trap) > 0:
            out[trap] = HOLDS
        elif evidence["slowed"][trap] > 0:
            out[trap] = SLOWS
        elif evidence["passed"][trap] > 0:
            out[trap] = PASSED
        else:
            out[trap] = UNSEEN
    return out


def rule(evidence: dict) -> str:
    if not evidence["map_kinds"] or _rested(evidence) <= RESTED_ENOUGH * evidence["n"]:
        return NOT_JUDGED
    fate = fates(evidence).values()
    if all(f == UNSEEN for f in fate):
        return NOT_JUDGED
    if all(f in SLOWS_OR_STOPS for f in fate):
        return CONFIRMED
    if not any(f in SLOWS_OR_STOPS for f in fate):
        return CONTRADICTED
    return REFINED


# ----- the summary ---------------------------------------------------------------------------------


#: Plural names of the traps, for "this grid says nothing about saddles".
_PLURAL = {kinds.LOCAL_MINIMUM: "local minima", kinds.END_SADDLE: "saddles", kinds.PLATEAU: "plateaus"}
#: What a run came near, for "came within 0.17 of a saddle" (a plateau's listed point is its middle).
_NEAR = {kinds.LOCAL_MINIMUM: "a local minimum", kinds.END_SADDLE: "a saddle", kinds.PLATEAU: "the middle of a plateau"}
_ONE = {kinds.LOCAL_MINIMUM: "in one", kinds.END_SADDLE: "on one", kinds.PLATEAU: "on one"}


def _median(steps: list[int]) -> str:
    return f"{steps[0]:,}" if len(steps) == 1 else f"a median of {float(np.median(steps)):,.0f}"


def _rests(evidence: dict, fate: dict[str, str]) -> list[str]:
    """Where the runs that moved came to rest: the global minimum, then every trap that held runs."""
    parts = []
    if evidence["ends"][kinds.GLOBAL_MINIMUM]:
        parts.append(f"{evidence['ends'][kinds.GLOBAL_MINIMUM]:,} reached the global minimum")
    held = [t for t, f in fate.items() if f == HOLDS]
    for j, trap in enumerate(held):
        verb = "came to rest " if j == 0 else ""
        stayed = evidence["stayed"].get(trap, 0)
        aside = f" ({count(stayed, 'more run')} started on one and never moved)" if stayed else ""
        parts.append(f"{_arrived(evidence, trap):,} {verb}{kinds.END_AT[trap]}{aside}")
    return parts


def _went_by(evidence: dict, trap: str) -> str:
    """ "2 more runs came within 0.17 of a saddle and went by without stalling for 20 steps" ("" if
    none did)."""
    passed = evidence["passed"][trap]
    if not passed:
        return ""
    return (
        f"{count(passed, 'more run')} came within {sci(evidence['near_radius'])} of {_NEAR[trap]} and went by "
        f"without stalling for {evidence['window']:,} steps"
    )


def _lingered(evidence: dict, trap: str, fate: str) -> str:
    """What the runs that moved did at ``trap`` besides coming to rest there, in one sentence."""
    at = kinds.END_AT[trap]
    slowed, window = evidence["slowed"][trap], evidence["window"]
    if fate == UNSEEN:
        stayed = evidence["stayed"].get(trap, 0)
        besides = (
            f" ({count(stayed, 'run')} that started exactly on one never moved, which says nothing about descent)"
            if stayed
            else ""
        )
        return (
            f"No run came within {sci(evidence['near_radius'])} of {_NEAR[trap]} or stalled {_ONE[trap]}{besides}: "
            f"this grid says nothing about {_PLURAL[trap]}."
        )
    if fate == PASSED:
        near = evidence["near"][trap]
        who = "The 1 run" if near == 1 else "Both runs" if near == 2 else f"All {near:,} runs"
        return (
            f"{who} that came within {sci(evidence['near_radius'])} of {_NEAR[trap]} went by without stalling there "
            f"for {window:,} steps or coming to rest there."
        )
    by = _went_by(evidence, trap)
    if not slowed:
        return f"{by[0].upper()}{by[1:]}." if by else ""
    escaped = evidence["escaped_steps"][analysis.TRAP_STALLS[trap]]
    runs = evidence["escaped_runs"][analysis.TRAP_STALLS[trap]]
    more = "more run" if fate == HOLDS else "run"
    if trap == kinds.LOCAL_MINIMUM:
        text = f"{count(slowed, more)} stalled {at} for {_median(escaped)} steps and got out"
    elif escaped and runs == slowed:
        got = "all escaped" if runs > 1 else "escaped"
        text = f"{count(slowed, more)} stalled {at} for {_median(escaped)} steps and {got}"
    elif escaped:
        others = "the other" if slowed - runs == 1 else f"the other {slowed - runs:,}"
        text = (
            f"{count(slowed, more)} stalled {at}; {runs:,} of them escaped after {_median(escaped)} steps, {others} "
            "never went clearly lower afterwards"
        )
    else:
        text = f"{count(slowed, more)} stalled {at} and never went clearly lower afterwards"
    if fate != HOLDS:
        text += "; none ended there"
    return f"{text}{'; ' + by if by else ''}."


def _strict(evidence: dict) -> str:
    strict = evidence["strict_saddles"] == len(evidence["escaped_steps"][kinds.STALL_SADDLE])
    kind = "A strict saddle (one whose Hessian has a clearly downhill direction)" if strict else "A saddle"
    return f"{kind} delays descent but does not stop it: from almost every start descent leaves it (Lee et al., 2016)."


def _conclusion(evidence: dict, verdict: str, fate: dict[str, str]) -> str:
    slowing = [t for t, f in fate.items() if f in SLOWS_OR_STOPS]
    saddle = _strict(evidence) if fate.get(kinds.END_SADDLE) == SLOWS else ""
    if verdict == CONFIRMED:
        return " ".join(p for p in ("Training slowed down or stopped at every kind of trap on this map.", saddle) if p)
    if verdict == CONTRADICTED:
        return (
            f"No trap of this map slowed or stopped any run for even {evidence['window']:,} steps, though runs came "
            f"near them: at these settings ({METHODS[evidence['method']]}) the claim does not hold here."
        )
    passed = [t for t, f in fate.items() if f == PASSED]
    unseen = [t for t, f in fate.items() if f == UNSEEN]
    text = f"Training slowed down or stopped {listing([kinds.END_AT[t] for t in slowing])}"
    if passed:
        text += f", but not {listing([kinds.END_AT[t] for t in passed], 'or')}"
    text += "."
    if unseen:
        text += f" This grid did not test it {listing([kinds.END_AT[t] for t in unseen])}."
    return " ".join(p for p in (text, saddle) if p)


def _advice(evidence: dict) -> str:
    """What would let runs still moving come to rest, from how they moved over their last steps."""
    bouncing, creeping, tail = evidence["bouncing"], evidence["creeping"], evidence["tail"]
    stable = evidence["stable_step"]
    smaller = "Try a smaller step size"
    if stable is not None and evidence["method"] in analysis.PLAIN_STEPS and evidence["lr"] > stable:
        smaller += (
            f": plain descent settles in this map's sharpest minimum only with steps below 2/λ = {sci(stable)}, "
            "λ being its largest Hessian eigenvalue"
        )
    if not creeping:
        return (
            f"Their steps kept reversing direction (on most of their last {tail:,} steps): they bounce across "
            f"valleys too sharp for this step size, and more steps will not settle them. {smaller}."
        )
    if not bouncing:
        return (
            f"Their steps kept their direction over their last {tail:,} steps: they are still creeping downhill. "
            "Try more steps or a larger step size."
        )
    return (
        f"{bouncing:,} bounce across valleys too sharp for this step size (their steps kept reversing direction "
        f"over their last {tail:,} steps) and {creeping:,} were still creeping downhill: a smaller step size would "
        "settle the first, more steps the second."
    )


def _not_judged(evidence: dict) -> str:
    n = evidence["n"]
    title = SURFACES[evidence["surface"]].title
    lost, still, rested = _lost(evidence), evidence["still_moving"], _rested(evidence)
    if not evidence["map_kinds"]:
        return f"The {title} map lists no local minimum, saddle or plateau, so it cannot test the claim."
    if lost >= RESTED_ENOUGH * n:
        ends = evidence["ends"]
        ways = [k for k in (kinds.DIVERGED, kinds.LEFT_MAP) if ends[k]]
        if len(ways) == 1:
            who = f"All {n:,} runs" if lost == n else f"{lost:,} of {count(n, 'run')}"
            what = f"{who} {kinds.END_NAMES[ways[0]]}"
        else:
            how = listing([f"{ends[k]:,} {kinds.END_NAMES[k]}" for k in ways])
            what = f"{lost:,} of {count(n, 'run')} diverged or left the map ({how})"
        return (
            f"{what}: this step size is too large for the {title} map, so these runs cannot say where descent "
            "stops. Try a smaller one."
        )
    if still >= RESTED_ENOUGH * n:
        who = f"All {n:,} runs were" if still == n else f"{still:,} of {count(n, 'run')} were"
        return (
            f"{who} still moving after at most {evidence['steps']:,} steps: they never came to rest, so they "
            f"cannot say where descent stops. {_advice(evidence)}"
        )
    if rested <= RESTED_ENOUGH * n:
        return (
            f"Only {rested:,} of {count(n, 'run')} came to rest ({still:,} still moving, {lost:,} diverged or left the "
            "map): too few to say where descent stops."
        )
    return (
        f"No run that moved came within {sci(evidence['near_radius'])} of a local minimum, saddle or plateau of the "
        f"{title} map, or stalled or came to rest at one: this grid does not test the claim."
    )


def summary(evidence: dict, verdict: str) -> str:
    if verdict == NOT_JUDGED:
        return _not_judged(evidence)
    n = evidence["n"]
    lost, still = _lost(evidence), evidence["still_moving"]
    fate = fates(evidence)
    rests = _rests(evidence, fate)
    if evidence["ends"][kinds.GLOBAL_MINIMUM] == n > 1:
        head = f"All {n:,} runs from a grid of starts reached the global minimum."
    else:
        head = f"Of {count(n, 'run')} from a grid of starts, {listing(rests)}." if rests else ""
    body = [_lingered(evidence, trap, f) for trap, f in fate.items()]
    aside = []
    if still:
        aside.append(f"{count(still, 'run')} still moving at {plural(still, 'its', 'their')} last step")
    if lost:
        aside.append(f"{lost:,} that diverged or left the map")
    tail = f"The {listing(aside)} cannot say where descent stops." if aside else ""
    return " ".join(p for p in (head, *body, _conclusion(evidence, verdict, fate), tail) if p)


def finding(evidence: dict, verdict: str) -> str:
    """The finding in one sentence: where runs came to rest or slowed, and what that says."""
    if verdict == NOT_JUDGED:
        return first_sentence(_not_judged(evidence))
    fate = fates(evidence)
    n = evidence["n"]
    held = [
        f"{_arrived(evidence, t):,} came to rest {kinds.END_AT[t]}"
        if f == HOLDS
        else f"{evidence['slowed'][t]:,} slowed {kinds.END_AT[t]}"
        for t, f in fate.items()
        if f in SLOWS_OR_STOPS
    ]
    if verdict == CONTRADICTED:
        return (
            f"No run of {n:,} slowed or stopped at a local minimum, saddle or plateau of this map: at these settings "
            "descent went past every place where the gradient vanishes."
        )
    missed = [kinds.END_AT[t] for t, f in fate.items() if f not in SLOWS_OR_STOPS]
    if verdict == CONFIRMED:
        return (
            f"Of {n:,} runs, {listing(held)}: descent slows or stops wherever the gradient vanishes, not only at "
            "the best fit."
        )
    return (
        f"Of {n:,} runs, {listing(held)}, but none slowed {listing(missed, 'or')}: not every place where the "
        "gradient vanishes held descent up."
    )


def _measure(seed: int) -> dict:
    return evidence(analysis.basins(analysis.Settings(seed=seed)))


CLAIM = Claim(
    id="vanishing-gradient-places",
    section="critical-points",
    article_says="besides the global minimum, a local minimum, a saddle and a plateau all have a vanishing "
    "gradient, and training slows down there or stops.",
    measure=_measure,
    rule=rule,
    explain=summary,
    find=finding,
)
