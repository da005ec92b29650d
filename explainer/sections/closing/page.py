"""The closing table: every claim of the walkthrough with its verdict, one line of evidence and a
link to its section, and what to take away, written from the verdicts.

It computes nothing of its own: each section's ``verdicts`` reads the same cached views the
section draws (at its default settings for the page's seed), so after the walkthrough every
verdict is a cache hit, and at seed 0 a fresh server reads them from the precomputed files.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from explainer.core.claims import CONFIRMED, CONTRADICTED, REFINED, ClaimResult
from explainer.sections.closing import words
from explainer.ui.claims import BADGES
from explainer.ui.section import Context, Section

SLUG = "claims"
TITLE = "What holds up: every claim, checked"


def _badge(verdict: str) -> str:
    color, icon = BADGES[verdict]
    return f":{color}-badge[{icon} {verdict}]"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def judged(sections: Sequence[Section], ctx: Context) -> list[tuple[Section, ClaimResult]]:
    """Every claim's result, section by section, under a progress bar (cache hits are instant)."""
    with_claims = [s for s in sections if s.verdicts is not None and s.claims]
    bar = st.progress(0.0, text="Reading every section's verdicts…")
    out = []
    try:
        for i, section in enumerate(with_claims):
            bar.progress(i / len(with_claims), text=f"Reading the verdicts of “{section.title}”…")
            out += [(section, r) for r in section.verdicts(ctx)]
    finally:
        bar.empty()
    return out


def _link(section: Section, whole_page: bool) -> str:
    return f"#{section.slug}" if whole_page else f"?section={section.slug}"


def table(rows: list[tuple[Section, ClaimResult]], numbers: dict[str, int], whole_page: bool) -> str:
    """The claims as one Markdown table (it wraps its text at any width, unlike a data frame)."""
    lines = ["| Section | Claim | Verdict | Evidence |", "|:--|:--|:--|:--|"]
    previous = None
    for section, r in rows:  # each section named once, on its first claim's row
        where = (
            ""
            if section is previous
            else f"[{numbers[section.slug]} · {_cell(section.title)}]({_link(section, whole_page)})"
        )
        previous = section
        lines.append(
            f"| {where} | {_cell(words.title(r.claim))} | {_badge(r.verdict)} | {_cell(words.evidence_line(r))} |"
        )
    return "\n".join(lines)


def lessons(rows: list[tuple[Section, ClaimResult]], numbers: dict[str, int], whole_page: bool) -> str:
    """The lessons grouped by verdict, each linked to its section."""
    out = []
    for verdict, heading in words.GROUPS.items():
        group = [(s, r) for s, r in rows if r.verdict == verdict]
        if not group:
            continue
        out.append(f"**{heading}**")
        out += [f"- {words.lesson(r)} ([{numbers[s.slug]}]({_link(s, whole_page)}))" for s, r in group]
        out.append("")
    return "\n".join(out)


def make(sections: Sequence[Section]) -> Section:
    """The closing table over ``sections`` (the walkthrough, in order)."""
    numbers = {s.slug: i for i, s in enumerate(sections, start=1)}

    def render(ctx: Context) -> None:
        whole_page = ctx.whole_page
        rows = judged(sections, ctx)
        results = [r for _, r in rows]
        where = "the sections above" if whole_page else "the walkthrough's sections"
        st.markdown(
            f"Every claim of the article that this walkthrough checked, judged by {where} at their default settings "
            f"for seed {ctx.seed} (each section's own box follows the settings you chose there). The verdicts come "
            "from rules over the computed evidence; change the seed and they are judged again."
        )
        counts = st.columns(3)
        for column, verdict in zip(counts, (CONFIRMED, REFINED, CONTRADICTED), strict=True):
            column.metric(verdict.capitalize(), sum(r.verdict == verdict for r in results), help=words.GROUPS[verdict])
        st.markdown(table(rows, numbers, whole_page))
        st.markdown("#### What to take away")
        st.markdown(f"{words.tally(results)} {words.theme(results)}")
        st.markdown(lessons(rows, numbers, whole_page))

    return Section(
        slug=SLUG,
        title=TITLE,
        summary="Every claim with its verdict, the evidence in one line, and what to take away.",
        controls=(),
        render=render,
        claims=(),
    )
