"""The critical-points section's claim, ``vanishing-gradient-places``: besides the global minimum,
a local minimum, a saddle and a plateau all have a vanishing gradient, and training slows down
or stops there.

Evidence, from descent on a grid of starts (:func:`explainer.core.analyses.critical_points.basins`):

- ``ends``: end kind id -> number of runs (every kind of :data:`explainer.core.kinds.END_KINDS`);
- ``escaped_steps``: stall kind id -> length of every stall there that ended in an escape;
- ``escaped_runs`` and ``stalled_runs``: stall kind id -> runs that escaped a stall there / that
  stalled there at all;
- ``still_moving``: runs whose slope was still clearly non-zero at their last step;
- ``stayed``: end kind id -> runs that ended where they started (a start exactly on a critical
  point, or on ground already flatter than the optimiser's tolerance), for the kinds of rest;
- ``strict_saddles``: escaped saddle stalls whose Hessian had a clearly negative eigenvalue;
- ``map_kinds``: which of local minimum, saddle and plateau the map lists among its critical points;
- ``n``, ``window`` (the shortest stall, in steps) and the settings (``surface``, ``method``,
  ``lr``, ``steps``, ``side``, ``noise``, ``seed``).

The rule (:func:`rule`):

- **not judged** when the map lists none of the three traps, or when no more than half of the
  runs came to rest: at least half diverged or left the map, at least half are still moving (they
  never rested, so they cannot say where descent stops), or the two together;
- otherwise each trap the map lists gets a fate (:func:`fates`): it **holds** runs if runs that
  moved came to rest there (a run that started on it and never moved says nothing about descent),
  it **slows** them if runs stalled there and escaped while none came to rest there, and it is
  **unseen** otherwise;
- **confirmed** if every trap held runs; **refined** if some trap only slowed runs (the usual case
  for a strict saddle: it delays descent but does not stop it) or was unseen while another held or
  slowed runs; **contradicted** if runs came to rest but no trap held or slowed any of them.

Contradicted can happen: noise strong enough carries every run past the traps without a stall
(noisy descent with noise 1.2 on the tilted double well puts all 225 runs of a 15 x 15 grid in the
global minimum), and momentum does so on Himmelblau's map, whose only traps are saddles. For those
settings the claim that training slows down or stops at such places is false, and the verdict says
so; a map that lists no trap at all cannot test the claim and is not judged instead.
"""

from __future__ import annotations

import numpy as np

from explainer.core import kinds
from explainer.core.analyses import critical_points as analysis
from explainer.core.claims.base import CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED, Claim, plain
from explainer.core.optimize import METHODS
from explainer.core.prose import count, listing
from explainer.core.surfaces import SURFACES

#: The fate of one trap on a grid: runs came to rest there, runs lingered there and escaped, or neither.
HOLDS, SLOWS, UNSEEN = "holds", "slows", "unseen"
FATES = (HOLDS, SLOWS, UNSEEN)
#: A grid can judge where descent stops only if more than this share of its runs came to rest.
RESTED_ENOUGH = 0.5

_AT = {kinds.LOCAL_MINIMUM: "in a local minimum", kinds.END_SADDLE: "on a saddle", kinds.PLATEAU: "on a plateau"}


def evidence(res: analysis.Basins) -> dict:
    """Evidence for ``vanishing-gradient-places`` from a grid of runs."""
    s = res.settings
    counts = res.counts
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
            ends=counts,
            escaped_steps={kind: list(v) for kind, v in res.escaped_steps.items()},
            escaped_runs={kind: sum(e.runs for e in res.escapes if e.kind == kind) for kind in res.escaped_steps},
            stalled_runs=dict(res.stalled_runs),
            still_moving=counts[kinds.STILL_MOVING],
            stayed={kind: res.stayed[kind] for kind in kinds.RESTED},
            strict_saddles=res.strict_saddles,
            map_kinds=list(res.map_kinds),
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
        elif evidence["escaped_steps"][analysis.TRAP_STALLS[trap]]:
            out[trap] = SLOWS
        else:
            out[trap] = UNSEEN
    return out


def rule(evidence: dict) -> str:
    if not evidence["map_kinds"] or _rested(evidence) <= RESTED_ENOUGH * evidence["n"]:
        return NOT_JUDGED
    fate = set(fates(evidence).values())
    if fate == {HOLDS}:
        return CONFIRMED
    if fate == {UNSEEN}:
        return CONTRADICTED
    return REFINED


def _median(steps: list[int]) -> str:
    return f"{float(np.median(steps)):,.0f}"


def _never_moved(evidence: dict, trap: str) -> str:
    stayed = evidence["stayed"].get(trap, 0)
    return f" ({count(stayed, 'more run')} started there and never moved)" if stayed else ""


def _rests(evidence: dict, fate: dict[str, str]) -> list[str]:
    """Where the runs that moved came to rest: the global minimum, then every trap that held runs."""
    parts = []
    if evidence["ends"][kinds.GLOBAL_MINIMUM]:
        parts.append(f"{evidence['ends'][kinds.GLOBAL_MINIMUM]:,} reached the global minimum")
    held = [t for t, f in fate.items() if f == HOLDS]
    for j, trap in enumerate(held):
        verb = "came to rest " if j == 0 else ""
        parts.append(f"{_arrived(evidence, trap):,} {verb}{_AT[trap]}{_never_moved(evidence, trap)}")
    return parts


def _lingered(evidence: dict, trap: str, fate: str) -> str:
    """The runs that stalled at ``trap`` and got away, in one sentence ("" if none did)."""
    stall = analysis.TRAP_STALLS[trap]
    escaped = evidence["escaped_steps"][stall]
    if not escaped or (fate == HOLDS and trap == kinds.LOCAL_MINIMUM):
        return ""
    runs, stalled = evidence["escaped_runs"][stall], evidence["stalled_runs"][stall]
    median = f"{escaped[0]:,}" if len(escaped) == 1 else f"a median of {_median(escaped)}"
    if fate == HOLDS:
        return f"{count(runs, 'more run')} stalled {_AT[trap]} for {median} steps and got away."
    if trap == kinds.LOCAL_MINIMUM:
        got = "got out"
    elif stalled == runs:
        got = "all escaped" if runs > 1 else "escaped"
    else:
        got = f"escaped ({count(stalled - runs, 'more run')} stalled there without getting away)"
    return f"{count(runs, 'run')} stalled {_AT[trap]} for {median} steps and {got}; none ended there."


def _conclusion(evidence: dict, verdict: str, fate: dict[str, str]) -> str:
    if verdict == CONFIRMED:
        return (
            "Every kind of trap on this map held runs: training stops at each of them, not only at the global minimum."
        )
    if verdict == CONTRADICTED:
        return (
            f"Runs came to rest, but no trap of this map slowed or stopped any of them for even {evidence['window']} "
            f"steps: at these settings ({METHODS[evidence['method']]}) the claim does not hold here."
        )
    parts = []
    if fate.get(kinds.END_SADDLE) == SLOWS:
        strict = evidence["strict_saddles"] == len(evidence["escaped_steps"][kinds.STALL_SADDLE])
        kind = "A strict saddle (one whose Hessian has a clearly downhill direction)" if strict else "A saddle"
        parts.append(
            f"{kind} delays descent but does not stop it: from almost every start descent leaves it (Lee et al., 2016)."
        )
    if fate.get(kinds.PLATEAU) == SLOWS:
        parts.append("The plateau slowed runs down but held none.")
    if fate.get(kinds.LOCAL_MINIMUM) == SLOWS:
        parts.append("Runs got out of the local minima that held them for a while.")
    unseen = [t for t, f in fate.items() if f == UNSEEN]
    for trap in unseen:
        stayed = evidence["stayed"].get(trap, 0)
        besides = (
            f" ({count(stayed, 'run')} that started exactly on one never moved, which says nothing about descent)"
            if stayed
            else ""
        )
        parts.append(
            f"No run stalled or came to rest {_AT[trap]}{besides}: at these settings it neither slowed nor stopped "
            "descent."
        )
    return " ".join(parts)


def summary(evidence: dict, verdict: str) -> str:
    n = evidence["n"]
    title = SURFACES[evidence["surface"]].title
    lost, still, rested = _lost(evidence), evidence["still_moving"], _rested(evidence)
    if verdict == NOT_JUDGED:
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
            return (
                f"{still:,} of {count(n, 'run')} were still moving after at most {evidence['steps']:,} steps: they "
                "never came to rest, so they cannot say where descent stops. Try more steps or a larger step size."
            )
        return (
            f"Only {rested:,} of {count(n, 'run')} came to rest ({still:,} still moving, {lost:,} diverged or left the "
            "map): too few to say where descent stops."
        )
    fate = fates(evidence)
    rests = _rests(evidence, fate)
    head = f"Of {count(n, 'run')} from a grid of starts, {listing(rests)}." if rests else ""
    body = [_lingered(evidence, trap, f) for trap, f in fate.items()]
    aside = []
    if still:
        aside.append(f"{count(still, 'run')} still moving at their last step")
    if lost:
        aside.append(f"{lost:,} that diverged or left the map")
    tail = f"The {listing(aside)} cannot say where descent stops." if aside else ""
    return " ".join(p for p in (head, *body, _conclusion(evidence, verdict, fate), tail) if p)


def _measure(seed: int) -> dict:
    return evidence(analysis.basins(analysis.Settings(seed=seed)))


CLAIM = Claim(
    id="vanishing-gradient-places",
    section="critical-points",
    article_says="besides the global minimum, a local minimum, a saddle point and a plateau all have a vanishing "
    "gradient, and training slows down there or stops.",
    measure=_measure,
    rule=rule,
    explain=summary,
)
