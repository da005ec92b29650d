"""The descent section's claim, ``small-gradient-best-fit``: does descent stop where the fit is best?

Evidence: plain descent from a grid of starts on the section's surface; for each run its loss
(``end_loss``) and slope (``end_grad_norm``) where it ended and what it ended on (``end_kind``),
the map's lowest value (``global_value``), and of the runs that came to rest the share that did
not rest in a global minimum (``share_not_global``).
"""

from __future__ import annotations

import numpy as np

from explainer.core import kinds
from explainer.core.analyses import descent
from explainer.core.claims.base import CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED, Claim, plain
from explainer.core.prose import count, listing

#: A grid can judge where descent stops only if at least this share of the runs that moved came
#: to rest: judging on a few early arrivals would judge a biased subset.
RESTED_ENOUGH = 0.9
#: Above this share of resting runs away from the best fit, the claim is contradicted outright.
MOSTLY_ELSEWHERE = 0.5


def best_fit_evidence(grid: descent.StartGrid) -> dict:
    """Evidence for ``small-gradient-best-fit`` from a grid of plain-descent runs."""
    return plain(
        dict(
            surface=grid.settings.surface,
            lr=grid.settings.lr,
            steps=grid.settings.steps,
            end_loss=grid.end_loss,
            end_grad_norm=grid.end_grad,
            end_kind=[str(k) for k in grid.end_kind],
            moved=grid.moved,
            still_falling=grid.still_falling,
            global_value=grid.global_value,
            share_not_global=grid.share_not_global,
        )
    )


def _moved(evidence: dict) -> list[int]:
    return [i for i, m in enumerate(evidence["moved"]) if m]


def _rested(evidence: dict) -> list[int]:
    return [i for i in _moved(evidence) if evidence["end_kind"][i] in kinds.RESTED]


def best_fit_rule(evidence: dict) -> str:
    moved, rested = _moved(evidence), _rested(evidence)
    share = evidence["share_not_global"]
    if not rested or len(rested) < RESTED_ENOUGH * len(moved) or share is None:
        return NOT_JUDGED
    if share == 0:
        return CONFIRMED
    return CONTRADICTED if share > MOSTLY_ELSEWHERE else REFINED


def _advice(evidence: dict, moved: list[int]) -> str:
    """What would let more runs settle, from what the runs that did not were doing."""
    ends = evidence["end_kind"]
    lost = sum(ends[i] in kinds.LOST for i in moved)
    moving = [i for i in moved if ends[i] == kinds.STILL_MOVING]
    falling = sum(evidence["still_falling"][i] for i in moving)
    if evidence["global_value"] is None:
        return " This surface has no lowest point, so most runs slide away for ever: there is no best fit."
    if lost >= len(moving):
        return " A smaller step size keeps the runs on the map."
    if falling >= len(moving) / 2:
        return (
            f" {falling:,} of the {len(moving):,} still moving were still going downhill: more steps let them settle."
        )
    return (
        f" {len(moving) - falling:,} of the {len(moving):,} still moving were no longer going downhill: they bounce "
        "across their valleys, and a smaller step size lets them settle."
    )


def best_fit_summary(evidence: dict, verdict: str) -> str:
    ends, losses = evidence["end_kind"], evidence["end_loss"]
    moved, rested = _moved(evidence), _rested(evidence)
    n = len(ends)
    still = n - len(moved)
    unmoved = f" ({count(still, 'start')} already at rest, left out)" if still else ""
    lowest = evidence["global_value"]
    if verdict == NOT_JUDGED:
        tally = {k: sum(ends[i] == k for i in moved) for k in kinds.END_KINDS}
        others = listing([f"{tally[k]:,} {kinds.END_NAMES[k]}" for k in tally if tally[k] and k not in kinds.RESTED])
        also = f"; {count(still, 'start')} already at rest, left out" if still else ""
        text = (
            f"Only {len(rested):,} of {count(len(moved), 'run')} from a grid of starts came to rest ({others}{also}): "
            "too few to say where descent stops."
        )
        return text + _advice(evidence, moved)
    if verdict == CONFIRMED:
        of = "" if len(rested) == len(moved) else f" (of {len(moved):,})"
        return (
            f"All {len(rested):,} runs that came to rest{of}{unmoved} stopped at the lowest point of the map "
            f"(loss {lowest:.4g}): on this map a vanishing gradient did mean the best fit."
        )
    elsewhere = []
    for kind in (kinds.LOCAL_MINIMUM, kinds.END_SADDLE, kinds.PLATEAU, kinds.END_MAXIMUM):
        idx = [i for i in rested if ends[i] == kind]
        if idx:
            at = float(np.median([losses[i] for i in idx]))
            elsewhere.append(f"{len(idx):,} {kinds.END_AT[kind]} (loss {at:.4g})")
    lowest_text = (
        f"while the lowest point of the map is at {lowest:.4g}"
        if lowest is not None
        else "on a surface with no lowest point at all"
    )
    off = sum(ends[i] != kinds.GLOBAL_MINIMUM for i in rested)
    came = (
        f"All {len(moved):,} runs from a grid of starts came to rest where the gradient vanished"
        if len(rested) == len(moved)
        else f"{len(rested):,} of {len(moved):,} runs from a grid of starts came to rest where the gradient vanished"
    )
    text = (
        f"{came}{unmoved}, but {off:,} of them ({off / len(rested):.0%}) not at the best fit: {listing(elsewhere)}, "
        f"{lowest_text}."
    )
    if verdict == CONTRADICTED:
        return text + " Most resting places here are not the best fit."
    return text + " A vanishing gradient marks a resting place, not the best one; the start decides which."


def best_fit_finding(evidence: dict, verdict: str) -> str:
    """The finding in one sentence: how many resting runs missed the best fit, and where most of
    them stopped."""
    ends = evidence["end_kind"]
    moved, rested = _moved(evidence), _rested(evidence)
    if verdict == NOT_JUDGED:
        return f"Only {len(rested):,} of {count(len(moved), 'run')} came to rest, too few to say where descent stops."
    if verdict == CONFIRMED:
        return (
            f"All {len(rested):,} runs that came to rest found the lowest point: here a small gradient did mean "
            "the best fit."
        )
    off = [ends[i] for i in rested if ends[i] != kinds.GLOBAL_MINIMUM]
    where = {k: off.count(k) for k in kinds.RESTED if k in off}
    most = max(where, key=where.get)
    at = kinds.END_AT[most] if len(where) == 1 else f"away from the best fit, most {kinds.END_AT[most]}"
    lesson = (
        "most resting places here are not the best fit"
        if verdict == CONTRADICTED
        else "a small gradient marks a resting place, not the best fit"
    )
    share = f"{len(off) / len(rested):.0%} of the runs that came to rest ({len(off):,} of {len(rested):,})"
    return f"{share} stopped {at}: {lesson}."


def _measure(seed: int) -> dict:
    # The grid is deterministic: plain descent from fixed starts draws nothing at random.
    del seed
    return best_fit_evidence(descent.start_grid(descent.DEFAULT_GRID))


CLAIM = Claim(
    id="small-gradient-best-fit",
    section="descent",
    article_says="training repeats the step until the gradient is extremely small, and the weights it stops at fit "
    "the training data best.",
    measure=_measure,
    rule=best_fit_rule,
    explain=best_fit_summary,
    find=best_fit_finding,
)
