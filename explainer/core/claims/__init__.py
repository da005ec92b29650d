"""The ledger of the article's claims: each one's evidence, the rule that turns evidence into a
verdict, and the sentence that reports it, one module per section.

A claim's evidence is a plain dict (lists, floats, ints, strings: what ``json.dumps`` takes)
read off a section's analysis result; its verdict comes from a rule over that dict, never from
prose. ``Claim.check(seed)`` runs the section's default settings; a section's claim box calls
``Claim.judge(<module>.evidence(result))`` on the reader's own result, so the page and the
ledger use one rule. At the defaults every verdict is one of :data:`VERDICTS`; settings that
cannot judge a claim (a run that blew up, runs that never came to rest) give :data:`NOT_JUDGED`.
"""

from explainer.core.claims import critical_points, descent, landscape
from explainer.core.claims import local_minimum as local_minimum_claims
from explainer.core.claims import overfitting as overfitting_claims
from explainer.core.claims import plateau as plateau_claims
from explainer.core.claims import saddle_point as saddle_point_claims
from explainer.core.claims.base import (
    ARTICLE,
    CONFIRMED,
    CONTRADICTED,
    NOT_JUDGED,
    REFINED,
    VERDICTS,
    Claim,
    ClaimResult,
    plain,
)

#: Every claim, in the order of the walkthrough.
CLAIMS: dict[str, Claim] = {
    c.id: c
    for c in (
        descent.CLAIM,
        landscape.CLAIM,
        critical_points.CLAIM,
        local_minimum_claims.ESCAPE,
        local_minimum_claims.DEPTH,
        *saddle_point_claims.CLAIMS,
        *plateau_claims.CLAIMS,
        overfitting_claims.CLAIM,
    )
}

__all__ = [
    "ARTICLE",
    "CLAIMS",
    "CONFIRMED",
    "CONTRADICTED",
    "NOT_JUDGED",
    "REFINED",
    "VERDICTS",
    "Claim",
    "ClaimResult",
    "plain",
]
