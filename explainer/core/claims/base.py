"""What a claim is, and what judging it gives: shared by every section's claims."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

CONFIRMED, REFINED, CONTRADICTED = "confirmed", "refined", "contradicted"
VERDICTS = (CONFIRMED, REFINED, CONTRADICTED)
NOT_JUDGED = "not judged"

ARTICLE = "Neural network: Escaping from non-global minimum traps"


@dataclass(frozen=True)
class ClaimResult:
    """A claim judged on some evidence: ``verdict`` (one of :data:`VERDICTS` or
    :data:`NOT_JUDGED`), a ``summary`` with every number behind it, the ``evidence``, and the
    ``finding``: one plain sentence that says what is true, with its key number (what a claim box
    leads with; the summary folds away under it)."""

    claim: str
    verdict: str
    summary: str
    evidence: dict
    finding: str = ""

    @property
    def headline(self) -> str:
        """The finding, or for a result built without one the summary's first sentence."""
        return self.finding or first_sentence(self.summary)


@dataclass(frozen=True)
class Claim:
    """One of the article's claims. ``article_says`` restates it in our words."""

    id: str
    section: str
    article_says: str
    measure: Callable[[int], dict]  # seed -> evidence at the section's default settings
    rule: Callable[[dict], str]  # evidence -> verdict
    explain: Callable[[dict, str], str]  # evidence, verdict -> summary
    find: Callable[[dict, str], str]  # evidence, verdict -> the one-sentence finding

    def judge(self, evidence: dict) -> ClaimResult:
        verdict = self.rule(evidence)
        return ClaimResult(
            claim=self.id,
            verdict=verdict,
            summary=self.explain(evidence, verdict),
            evidence=evidence,
            finding=self.find(evidence, verdict),
        )

    def check(self, seed: int = 0) -> ClaimResult:
        """The claim judged at its section's default settings (deterministic for a seed)."""
        return self.judge(self.measure(seed))


def first_sentence(text: str) -> str:
    """``text`` up to the end of its first sentence (a full stop followed by a space and a capital;
    decimals and "e.g." do not end one)."""
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z0-9])", text)
    return text if match is None else text[: match.start()]


def plain(value):
    """``value`` as JSON-ready Python: numpy scalars and arrays become floats, ints and lists,
    and non-finite floats become ``None``."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
