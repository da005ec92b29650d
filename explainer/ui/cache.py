"""The one way the app caches: ``st.cache_data`` with a bounded number of entries.

Cached functions take every input as an argument (never a global), return small, plain
results (data frames, floats, strings) rather than whole runs, and hide Streamlit's own spinner
because the sections show their own progress.
"""

from __future__ import annotations

import functools

import streamlit as st

cached = functools.partial(st.cache_data, max_entries=48, show_spinner=False)


def viewed(result, *makers):
    """``(result, *[make(result) for make in makers])``: an analysis result with the figures
    drawn from it, the usual body of a section's one-line cached wrapper."""
    return (result, *(make(result) for make in makers))
