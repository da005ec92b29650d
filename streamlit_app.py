"""Escaping the traps: an interactive explainer of where neural-network training gets stuck.

This file only routes: page setup, which sections the URL asks for, the sidebar, and one
fragment per section (so a control reruns its own section only).
"""

import streamlit as st

from explainer.sections import SECTIONS, Context
from explainer.ui import page

st.set_page_config(page_title="Escaping the traps", page_icon=":material/landscape:", layout="wide")

shown, notices, unknown = page.resolve(st.query_params, SECTIONS)
for key in unknown:
    del st.query_params[key]
single = len(shown) == 1
if not single:
    page.intro()
for notice in notices:
    st.warning(notice, icon=":material/link_off:")
body = st.container()
seed = page.footer(st.container()) if single else page.sidebar(SECTIONS)

context = Context(seed=seed)
with body:
    for section in shown:
        st.fragment(section.render)(context)
