"""The one way the app caches: :func:`cached`, Streamlit's cache with a bounded number of entries.

Cached functions take every input as an argument (never a global), return small, plain
results (data frames, floats, strings) rather than whole runs, and hide Streamlit's own spinner
because the sections show their own progress.

The cache is ``st.cache_resource``, not ``st.cache_data``: a hit returns the stored object itself
rather than unpickling a copy. A full page reads some forty cached views holding their charts'
inline data (about 6 MB pickled), and unpickling them took 0.14 s of every warm rerun; the
stored object also lets :mod:`explainer.ui.display` keep each chart's data ready for the browser
(see ``display._drawn``). The price is that every reader shares one object: nothing may change a
cached result, a figure or its spec in place (none does: words and figures read them, and the
page draws copies).
"""

from __future__ import annotations

import dataclasses
import functools
import typing

import streamlit as st

#: Entries each cached function keeps unless it says otherwise.
MAX_ENTRIES = 48


def _plain(value) -> bool:
    """Whether ``repr(value)`` names ``value`` exactly: None, a bool, an int, a float (Python's
    ``repr`` round-trips floats), a string, a tuple of these, or settings (a frozen dataclass, whose
    ``repr`` names its type and every field) holding only these."""
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return value.__dataclass_params__.frozen and all(
            f.repr and _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        )
    return isinstance(value, tuple) and all(_plain(v) for v in value)


def settings_key(settings):
    """The cache key of a settings dataclass: its type and the ``repr`` of its field values where
    every one is plain (:func:`_plain`), else the values themselves, which Streamlit hashes as
    usual. One string to hash instead of Streamlit walking each field: hashing the arguments was
    the largest item left in a warm rerun (about 15%)."""
    values = tuple(getattr(settings, f.name) for f in dataclasses.fields(settings))
    if all(_plain(v) for v in values):
        kind = type(settings)
        return f"{kind.__module__}.{kind.__qualname__}{values!r}"
    return values


def _settings_types(func) -> dict:
    """``hash_funcs`` for ``func``'s parameters annotated with a frozen dataclass (the settings
    every cached wrapper takes); empty where the annotations cannot be resolved."""
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # an annotation that names something not importable here
        return {}
    hints.pop("return", None)
    return {
        kind: settings_key
        for kind in hints.values()
        if isinstance(kind, type) and dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen
    }


#: Session-state key of a dict that, where present, receives ``key -> (function, args, kwargs,
#: out)`` for every cached call this run makes (``python -m explainer.precompute`` puts it there
#: to store the default page's views; readers never do).
RECORD_VIEWS = "_precompute.views"


def _key_part(value) -> str | None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        key = settings_key(value)
        return key if isinstance(key, str) else None
    return repr(value) if _plain(value) else None


def view_key(func, args: tuple, kwargs: dict) -> str | None:
    """The name under which a call of ``func`` is stored (:func:`explainer.core.store.view_file`):
    its module and name with the ``repr`` of its arguments, or None where an argument is not plain
    (:func:`_plain`, or settings of plain fields), so that no two different calls share a key."""
    parts = [_key_part(v) for v in args] + [f"{k}={p}" if (p := _key_part(v)) else None for k, v in kwargs.items()]
    if any(p is None for p in parts):
        return None
    return f"{func.__module__}:{func.__qualname__}({', '.join(parts)})"


def _recorder():
    try:
        return st.session_state.get(RECORD_VIEWS)
    except Exception:  # no session (a bare call, as in tests)
        return None


def cached(**options):
    """A decorator: ``st.cache_resource`` with at most :data:`MAX_ENTRIES` entries, Streamlit's
    spinner hidden, and settings arguments keyed by :func:`settings_key`; ``options`` go to
    ``st.cache_resource`` (``max_entries``, ``show_spinner``, ``hash_funcs``...).

    A call missing from the cache first looks for its stored view
    (:func:`explainer.core.store.stored_view`): the default page's views ship with the app, so a
    fresh server draws the default page without computing or building any chart. The function
    itself stays reachable as ``.raw`` (the test that rebuilds every stored view calls it)."""
    options = {"max_entries": MAX_ENTRIES, "show_spinner": False, **options}

    def decorate(func):
        from explainer.core import store

        hash_funcs = {**_settings_types(func), **(options.get("hash_funcs") or {})}

        @functools.wraps(func)
        def run(*args, **kwargs):
            key = view_key(func, args, kwargs)
            record = _recorder()
            if key is not None and record is None:
                found, out = store.stored_view(key)
                if found:
                    return out
            out = func(*args, **kwargs)
            if key is not None and record is not None:
                record[key] = (f"{func.__module__}:{func.__qualname__}", args, kwargs, out)
            return out

        wrapped = st.cache_resource(run, **{**options, "hash_funcs": hash_funcs or None})
        wrapped.raw = func
        return wrapped

    return decorate


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

    found = store.stored(name) if settings == store.DEFAULTS[name][1] else None
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
