"""Page-wide pieces: which sections a URL asks for, what it asked for that we ignore, the sidebar."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st
from streamlit.errors import StreamlitAPIException

from explainer.ui import controls as ui
from explainer.ui import share
from explainer.ui.section import ARTICLE, Section

#: Parameters that are not controls: ours (``section``) and Streamlit's own.
RESERVED = frozenset({"section", "embed", "embed_options"})

SEED = ui.Control(
    "page.seed", "Seed", "number", 0, lo=0, hi=9999, step=1, noun="seed", using=lambda s: f"using seed {s:,}",
    help="Every random draw on the page (data, initial weights, noise) follows from this number, "
    "so a link reproduces exactly what you see.",
)  # fmt: skip


#: How many names a notice lists before it says how many more there are.
LISTED = 5


def listed(names: Sequence[str]) -> str:
    """Names from a link, each quoted (see :func:`explainer.ui.controls.quoted`), at most
    :data:`LISTED` of them."""
    shown = ", ".join(ui.quoted(n) for n in names[:LISTED])
    return shown + (f" and {len(names) - LISTED:,} more" if len(names) > LISTED else "")


def resolve(params: Mapping[str, str], sections: Sequence[Section]) -> tuple[list[Section], list[str], list[str]]:
    """The sections to show, sentences about what the URL asked for that we ignore, and the
    unknown parameter names (to drop from the URL)."""
    notices = []
    by_slug = {s.slug: s for s in sections}
    chosen = list(sections)
    slugs = params.get_all("section") if hasattr(params, "get_all") else [params.get("section")]
    slugs = [s for s in slugs if s is not None]
    if len(slugs) > 1:
        notices.append(f"The link names `section` {len(slugs):,} times; using the first, {ui.quoted(slugs[0])}.")
    slug = slugs[0] if slugs else None
    if slug is not None:
        if slug in by_slug:
            chosen = [by_slug[slug]]
        else:
            names = ", ".join(f"`{s}`" for s in by_slug)
            notices.append(
                f"The link asked for section {ui.quoted(slug)}, which does not exist (there are {names}); "
                "showing them all."
            )
    known = set(RESERVED) | {SEED.key} | {k for s in sections for k in s.keys}
    unknown = sorted(k for k in params if k not in known)
    if unknown:
        s = "s" if len(unknown) > 1 else ""
        notices.append(f"Ignored link parameter{s} this page does not know: {listed(unknown)}.")
    return chosen, notices, unknown


def elsewhere(
    params: Mapping[str, str], shown: Sequence[Section], sections: Sequence[Section]
) -> tuple[list[str], str | None]:
    """The link's parameters that set controls of sections not on the page (to drop from the URL),
    and a sentence saying so (``None`` if there are none)."""
    mine = {SEED.key} | {k for s in shown for k in s.keys}
    theirs = {k for s in sections for k in s.keys} - mine
    keys = sorted(k for k in params if k in theirs)
    if not keys:
        return [], None
    s, them = ("s", "they belong") if len(keys) > 1 else ("", "it belongs")
    return keys, f"Ignored link parameter{s} {listed(keys)}: {them} to a section not shown here."


def intro() -> None:
    st.title("Escaping the traps")
    st.markdown(
        "Where does training a neural network get stuck, and how does it get out? This explainer walks "
        f"through the blog post *{ARTICLE}* claim by claim, and backs each one with computation you can "
        "change: real scikit-learn networks and small surfaces whose every critical point is known. "
        "Where the post is loose, the numbers below say what is actually true."
    )


def sidebar(sections: Sequence[Section], closing: Section | None = None) -> int:
    """Table of contents (the numbered sections, then the closing table), the page-wide seed, and
    how to share or embed; returns the seed."""
    with st.sidebar:
        st.markdown("### Escaping the traps")
        for i, s in enumerate(sections, start=1):
            st.markdown(f"{i}. [{s.title}](#{s.slug})  \n<small>{s.summary}</small>", unsafe_allow_html=True)
        if closing is not None:
            st.markdown(
                f"[{closing.title}](#{closing.slug})  \n<small>{closing.summary}</small>", unsafe_allow_html=True
            )
        st.divider()
        seed = int(ui.render(SEED))
        # In the body's own colour, small (st.caption fades text to about 3.8:1, under WCAG AA).
        st.markdown(
            "<small>Every control is in the page's address: copy it to share exactly this view. "
            "The <b>Share or embed</b> box at the foot of each section gives a link to that section alone "
            "and an iframe snippet for a blog post.</small>",
            unsafe_allow_html=True,
        )
    return seed


def footer(where) -> int:
    """For a single embedded section: the seed and a link to the whole walkthrough, tucked into
    an expander under the section instead of a sidebar; returns the seed."""
    with where.expander("Seed and links", icon=":material/tune:"):
        seed = int(ui.render(SEED))
        st.markdown(f"Part of *Escaping the traps*, an explainer of *{ARTICLE}*. [Open the whole walkthrough](?)")
    return seed


def words_key(slug: str) -> str:
    """The key of a section's "Words used here" aside (tests find it, and leave it out of the
    section's own text, by this key)."""
    return f"words.{slug}"


WORDS_LABEL = "Words used here"


def words_aside(section: Section) -> None:
    """The glossary entries of the words a section uses, in a small popover under its header."""
    if not section.terms:
        return
    box = st.container(key=words_key(section.slug), width="content")
    with box.popover(WORDS_LABEL, icon=":material/menu_book:"):
        st.markdown("\n".join(f"- **{name}**: {definition}" for name, definition in section.terms))


def unused(section: Section, where) -> None:
    """Say what the link asked of the section's controls that were not drawn (shown only under
    another setting, such as the noise of noisy descent), if the value is one they could not use,
    and drop it from the address. (A drawn control says so itself, and Streamlit drops the value.)"""
    for control in section.controls:
        if control.key in st.session_state or control.key not in st.query_params:
            continue  # drawn (its widget holds the key), or nothing asked
        notice = ui.url_notice(control)
        if notice is None:
            continue
        try:
            del st.query_params[control.key]
        except StreamlitAPIException:  # drawn and bound: its own notice stands
            continue
        where.warning(notice, icon=":material/link_off:")


def draw(section: Section, number: int | None, context) -> None:
    """One section under its numbered header, or an unnumbered one for ``number=None`` (run inside
    the section's own fragment), with the words it uses in an aside under the header and, at its
    foot, the box to share or embed it as it stands."""
    st.header(section.title if number is None else f"{number} · {section.title}", anchor=section.slug)
    words_aside(section)
    section.render(context)
    unused(section, st)
    share.share_box(section.slug, section.title, (*sorted(section.keys), SEED.key), section.height)
