"""A claim of the article set against what the page computed, with a verdict badge."""

from __future__ import annotations

import streamlit as st

VERDICTS = {
    "confirmed": ("green", ":material/check_circle:"),
    "refined": ("orange", ":material/tune:"),
    "contradicted": ("red", ":material/cancel:"),
    None: ("gray", ":material/help:"),
}


def claim_box(article_says: str, finding: str, verdict: str | None) -> None:
    """Render the article's claim (in our words), the computed finding, and the verdict
    (``None`` when these settings cannot judge the claim, e.g. a run that blew up)."""
    color, icon = VERDICTS[verdict]
    verdict = verdict or "not judged"
    with st.container(border=True):
        head, badge = st.columns([0.8, 0.2], vertical_alignment="center")
        head.markdown(f"**The article says** — {article_says}")
        with badge:
            st.badge(verdict, icon=icon, color=color)
        st.markdown(f"**What the computation shows** — {finding}")
