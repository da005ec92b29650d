"""The "Share or embed" box under each section: a link to that section with the settings on screen,
and an ``<iframe>`` snippet to paste into a blog post, built from the app's own address.

The link is read from the page's address, which holds every control whose value differs from its
default (see :mod:`explainer.ui.controls`), so the box shows exactly what a reader would share.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

import streamlit as st

#: Where the app answers when Streamlit cannot tell (a headless test run): ``streamlit run``'s own.
LOCAL = "http://localhost:8501/"

#: The theme choices of a snippet: the label of its tab and Streamlit's ``embed_options`` value
#: (``None``: the embedded app follows the reader's light or dark preference).
THEMES: tuple[tuple[str, str | None], ...] = (
    ("Reader's theme", None),
    ("Light", "light_theme"),
    ("Dark", "dark_theme"),
)

LABEL = "Share or embed"


def base(url: str | None) -> str:
    """The app's root address, ending in ``/``, from ``st.context.url`` (``None`` outside a browser).

    Community Cloud serves the app itself inside a frame at ``<app>/~/+/``; links and iframes
    should point at the app's public root instead."""
    if not url:
        return LOCAL
    url = url.split("?", 1)[0].split("#", 1)[0]
    if "/~/+" in url:
        url = url[: url.index("/~/+")]
    return url.rstrip("/") + "/"


def query(slug: str, params: Mapping[str, list[str]], keys: Iterable[str], *, embed: bool = False, theme=None) -> str:
    """The query string of section ``slug`` alone with the values in ``params`` (name to the values
    the address holds) of the controls in ``keys``, in the order the address holds them."""
    keys = set(keys)
    pairs = [("section", slug)]
    pairs += [(k, v) for k, values in params.items() if k in keys for v in values]
    if embed:
        pairs.append(("embed", "true"))
    if theme is not None:
        pairs.append(("embed_options", theme))
    return urlencode(pairs)


def iframe(src: str, height: int, title: str) -> str:
    """An ``<iframe>`` element for a blog post: full width, ``height`` pixels tall, no border.

    ``src`` is left as it reads (``&`` unescaped, as people write and browsers accept it in an
    attribute); percent-encoding keeps quotes and angle brackets out of it."""
    if any(c in src for c in '"<>'):
        raise ValueError(f"not a percent-encoded address: {src!r}")
    return (
        f'<iframe src="{src}"\n'
        f'        title="{html.escape(title)}"\n'
        f'        width="100%" height="{int(height)}" style="border:0" loading="lazy"></iframe>'
    )


def _params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def share_box(slug: str, title: str, keys: Iterable[str], height: int | None) -> None:
    """The section's "Share or embed" expander (closed): its link and its iframe snippets.

    ``keys`` are the controls whose values the link carries (the section's own and the page's seed);
    ``height`` is the iframe height that fits the section at its default settings, in pixels."""
    keys = tuple(keys)
    root = base(st.context.url)
    params = _params()
    with st.expander(LABEL, icon=":material/share:"):
        st.markdown("**Link to this section with the settings on screen**")
        st.code(root + "?" + query(slug, params, keys), language=None, wrap_lines=True)
        if height is None:
            return
        st.markdown(
            f"**Embed it in a page.** Paste this into your post's HTML. It is {height:,} pixels tall, "
            "which fits the section at its default settings in a column 820 pixels wide. Choose the theme:"
        )
        for tab, (_label, theme) in zip(st.tabs([label for label, _ in THEMES]), THEMES, strict=True):
            src = root + "?" + query(slug, params, keys, embed=True, theme=theme)
            tab.code(iframe(src, height, f"{title}, from Escaping the traps"), language="html", wrap_lines=True)
