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

#: A grid can judge where descent stops only if at least this share of its runs came to rest.
RESTED_ENOUGH = 0.5
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
            global_value=grid.global_value,
            share_not_global=grid.share_not_global,
        )
    )


def _rested(evidence: dict) -> list[int]:
    return [i for i, k in enumerate(evidence["end_kind"]) if k in kinds.RESTED]


def best_fit_rule(evidence: dict) -> str:
    n, rested = len(evidence["end_kind"]), _rested(evidence)
    share = evidence["share_not_global"]
    if not rested or len(rested) < RESTED_ENOUGH * n or share is None:
        return NOT_JUDGED
    if share == 0:
        return CONFIRMED
    return CONTRADICTED if share > MOSTLY_ELSEWHERE else REFINED


_IN = {kinds.LOCAL_MINIMUM: "in a", kinds.END_SADDLE: "on a", kinds.PLATEAU: "on a", kinds.END_MAXIMUM: "on a"}


def best_fit_summary(evidence: dict, verdict: str) -> str:
    ends, losses = evidence["end_kind"], evidence["end_loss"]
    n, rested = len(ends), _rested(evidence)
    tally = {k: ends.count(k) for k in kinds.END_KINDS if k in ends}
    lowest = evidence["global_value"]
    if verdict == NOT_JUDGED:
        others = listing([f"{tally[k]:,} {kinds.END_NAMES[k]}" for k in tally if k not in kinds.RESTED])
        text = (
            f"Only {len(rested):,} of {count(n, 'run')} from a grid of starts came to rest ({others}): these settings "
            "cannot say where descent stops."
        )
        if lowest is None:
            return text + " This surface has no lowest point, so most runs slide away for ever: there is no best fit."
        if tally.get(kinds.STILL_MOVING, 0) >= tally.get(kinds.DIVERGED, 0) + tally.get(kinds.LEFT_MAP, 0):
            return text + " More steps let the runs settle."
        return text + " A smaller step size keeps the runs on the map."
    if verdict == CONFIRMED:
        of = "" if len(rested) == n else f" (of {n:,})"
        return (
            f"All {len(rested):,} runs that came to rest{of} stopped at the lowest point of the map "
            f"(loss {lowest:.4g}): on this map a vanishing gradient did mean the best fit."
        )
    elsewhere = []
    for kind in (kinds.LOCAL_MINIMUM, kinds.END_SADDLE, kinds.PLATEAU, kinds.END_MAXIMUM):
        idx = [i for i in rested if ends[i] == kind]
        if idx:
            at = float(np.median([losses[i] for i in idx]))
            elsewhere.append(f"{len(idx):,} {_IN[kind]} {kinds.END_NAMES[kind]} (loss {at:.4g})")
    lowest_text = (
        f"while the lowest point of the map is at {lowest:.4g}"
        if lowest is not None
        else "on a surface with no lowest point at all"
    )
    off = sum(ends[i] != kinds.GLOBAL_MINIMUM for i in rested)
    came = (
        f"All {n:,} runs from a grid of starts came to rest where the gradient vanished"
        if len(rested) == n
        else f"{len(rested):,} of {n:,} runs from a grid of starts came to rest where the gradient vanished"
    )
    text = (
        f"{came}, but {off:,} of them ({off / len(rested):.0%}) not at the best fit: {listing(elsewhere)}, "
        f"{lowest_text}."
    )
    if verdict == CONTRADICTED:
        return text + " Most resting places here are not the best fit."
    return text + " A vanishing gradient marks a resting place, not the best one; the start decides which."


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
)
