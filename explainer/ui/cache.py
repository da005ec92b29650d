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


def computed(name: str, settings, run, text: str, *, progress: bool = True):
    """The precomputed result ``name`` at ``settings``: read from its file when the settings are
    its defaults, otherwise computed by ``run`` under a progress bar (``run(settings,
    progress=...)``, called with the share done) or, for ``progress=False``, a status box
    (``run(settings)``).

    Call it inside a cached function: the bar is made and removed there, so a cache hit replays
    nothing visible."""
    from explainer.core import store

    found = store.stored(name)
    if found is not None and found[0] == settings:
        return found[1]
    if not progress:
        slot = st.empty()
        with slot.status(text, expanded=False):
            out = run(settings)
        slot.empty()
        return out
    bar = st.progress(0.0, text=text)
    shown = [0.0]

    def report(share: float) -> None:
        if share - shown[0] >= 0.02 or share >= 1:
            shown[0] = share
            bar.progress(min(float(share), 1.0), text=text)

    try:
        return run(settings, progress=report)
    finally:
        bar.empty()


class Steps:
    """One progress bar over a section's named steps, in ``where``: ``steps(label, run)`` shows
    "Step 2 of 6: cutting the loss along random directions…" and returns ``run()``.

    A section computes everything it shows under it first and draws afterwards, so that a reader
    never sees a new chart beside an old claim: the bar stands where the old results stood (each
    step a cached call, so a cache hit passes in a blink), and goes when the section is drawn."""

    def __init__(self, where, total: int):
        self.slot = where.empty()
        self.total = total
        self.done = 0

    def __call__(self, label: str, run):
        self.slot.progress(self.done / self.total, text=f"Step {self.done + 1} of {self.total}: {label}…")
        try:
            return run()
        finally:
            self.done += 1

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc) -> None:
        self.slot.empty()
