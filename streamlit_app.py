"""Escaping the traps: an interactive explainer of where neural-network training gets stuck.

This file only routes: page setup, which sections the URL asks for, the sidebar, and one
fragment per section (so a control reruns its own section only).
"""

import streamlit as st

# The contents start folded away: in an 820-pixel window (a tablet, a blog's iframe) an open sidebar
# takes 300 of them and squeezes every two-column row; the arrow at the top left opens it.
st.set_page_config(page_title="Escaping the traps", layout="wide", initial_sidebar_state="collapsed")

# On a fresh server the first visitor waits about two seconds while scikit-learn, Altair and
# pandas import: say so. (Drawing this before those imports also makes Streamlit's one-off
# start-up check of the call stack cheap, since few modules are loaded yet.)
loading = st.empty()
loading.caption("Loading the explainer…")

from explainer.sections import CLOSING, SECTIONS, Context  # noqa: E402
from explainer.ui import page  # noqa: E402

loading.empty()

shown, notices, unknown = page.resolve(st.query_params, (*SECTIONS, CLOSING))
for key in unknown:
    del st.query_params[key]
single = len(shown) == 1
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
