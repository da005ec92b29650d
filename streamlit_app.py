"""Escaping the traps: an interactive explainer of where neural-network training gets stuck.

This file only routes: page setup, which sections the URL asks for, the sidebar, and one
fragment per section (so a control reruns its own section only).
"""

import warnings

import streamlit as st

# Every scikit-learn fit in the app runs inside warnings.catch_warnings() and records how it ended
# (iterations, status) as data the page reports. Those blocks are not thread-safe before Python
# 3.14: with many readers, one block's exit can restore the filters in the middle of another
# reader's fit. So scikit-learn's warnings are kept out of the server log for the whole process.
warnings.filterwarnings("ignore", module=r"sklearn\.")

# The contents start folded away: in an 820-pixel window (a tablet, a blog's iframe) an open sidebar
# takes 300 of them and squeezes every two-column row; the arrow at the top left opens it.
st.set_page_config(page_title="Escaping the traps", layout="wide", initial_sidebar_state="collapsed")

# On a fresh server the first visitor waits over a second while Altair, pandas and the app's own
# modules import (scikit-learn only when a setting off the defaults is first computed): say so.
# (Drawing this before those imports also makes Streamlit's one-off start-up check of the call
# stack cheap, since few modules are loaded yet.)
loading = st.empty()
loading.caption("Loading the explainer…")

from explainer.sections import CLOSING, SECTIONS, Context  # noqa: E402
from explainer.ui import page  # noqa: E402

loading.empty()

shown, notices, unknown = page.resolve(st.query_params, (*SECTIONS, CLOSING))
stray, stray_notice = page.elsewhere(st.query_params, shown, (*SECTIONS, CLOSING))
notices += [stray_notice] if stray_notice else []
for key in (*unknown, *stray):  # the address then holds the view on screen, and only that
    del st.query_params[key]
single = len(shown) == 1
asked = st.query_params.get_all("section")
if single and asked != [shown[0].slug]:  # named more than once: the first, which is shown
    st.query_params["section"] = shown[0].slug
elif not single and asked:  # no such section: all of them are shown
    del st.query_params["section"]
if not single:
    page.intro()
for notice in notices:
    st.warning(notice, icon=":material/link_off:")
body = st.container()
seed = page.footer(st.container()) if single else page.sidebar(SECTIONS, CLOSING)

context = Context(seed=seed, whole_page=not single)
numbers = {s.slug: i for i, s in enumerate(SECTIONS, start=1)}
with body:
    for section in shown:
        # A control reruns its own section only. (Streamlit's parallel fragments were tried for the
        # first full run: on two cores the GIL made them slower, 7.1 s against 6.6 s.)
        st.fragment(page.draw)(section, numbers.get(section.slug), context)
