"""A claim of the article set against what the page computed, with its verdict."""

from __future__ import annotations

import streamlit as st

from explainer.core.claims import CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED, Claim, ClaimResult

BADGES = {
    CONFIRMED: ("green", ":material/check_circle:"),
    REFINED: ("orange", ":material/tune:"),
    CONTRADICTED: ("red", ":material/cancel:"),
    NOT_JUDGED: ("gray", ":material/help:"),
}


#: How a box's finding is introduced, and the label of the fold with the numbers behind it.
FOUND, NUMBERS = "What we found", "The numbers behind it"


def box_key(claim_id: str) -> str:
    """The key of a claim's box on the page (tests find the box by it)."""
    return f"claim.{claim_id}"


def claim_box(claim: Claim, result: ClaimResult) -> None:
    """The article's claim (in our words) and the verdict, then the finding in one sentence, with
    the numbers behind it folded away beneath (closed), in a bordered box keyed ``claim.<id>``."""
    color, icon = BADGES[result.verdict]
    with st.container(border=True, key=box_key(claim.id)):
        head, badge = st.columns([0.8, 0.2], vertical_alignment="center")
        head.markdown(f"**The article says** — {claim.article_says}")
        with badge:
            st.badge(result.verdict, icon=icon, color=color)
        st.markdown(f"**{FOUND} —** {result.headline}")
        with st.expander(NUMBERS, expanded=False):
            st.markdown(f"**What the computation shows** — {result.summary}")
