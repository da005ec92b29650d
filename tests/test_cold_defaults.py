"""A fresh server computes nothing for a default view: every result behind the default view of
every section, and behind the closing table, is read from its precomputed file
(``explainer/data``, see :mod:`explainer.core.store`).

Each test empties Streamlit's caches first (what a fresh process starts with) and counts every call
into the analyses while the page runs: a view that calls an analysis itself instead of reading the
store, or a stored file that no longer matches its defaults, makes a call and fails the test. A
setting off the defaults must be computed, which shows that the counting sees the calls."""

from __future__ import annotations

import inspect
import sys

import pytest
import streamlit as st

from explainer.core import store
from explainer.core.analyses import critical_points, descent
from explainer.precompute import load_all
from pages import run

load_all()

#: Sections whose every public function is counted (not only the registered ones): a new analysis
#: that a view called directly would be caught too. Helpers the results' own properties call on
#: arrays they already hold are not analyses.
WATCHED = (descent, critical_points)
HELPERS = {critical_points: {"never_moved"}}


@pytest.fixture
def live(monkeypatch) -> list[str]:
    """The analyses computed while the test runs, in call order (Streamlit's caches emptied first).
    A registered analysis is named by its stored result, any other by ``module.function``."""
    calls: list[str] = []

    def counting(label: str, func):
        def counted(*args, **kwargs):
            calls.append(label)
            return func(*args, **kwargs)

        return counted

    registered = {}
    for name, (func, default) in list(store.DEFAULTS.items()):
        registered[func] = name
        monkeypatch.setitem(store.DEFAULTS, name, (counting(name, func), default))
        module = sys.modules[func.__module__]
        if getattr(module, func.__name__, None) is func:
            monkeypatch.setattr(module, func.__name__, counting(name, func))
    for module in WATCHED:
        for attr, func in list(vars(module).items()):
            if (
                inspect.isfunction(func)
                and func.__module__ == module.__name__
                and not attr.startswith("_")
                and attr not in HELPERS.get(module, set())
                and func not in registered
            ):
                monkeypatch.setattr(module, attr, counting(f"{module.__name__}.{attr}", func))
    st.cache_resource.clear()
    return calls


def test_every_default_result_of_both_sections_is_registered():
    names = {n for n in store.DEFAULTS if n.startswith(("descent.", "critical-points."))}
    assert names == {descent.LESSON, descent.RUN, descent.RACE, descent.GRID, descent.AIM, critical_points.BASINS}
    for name in names:
        assert store.stored(name) is not None, f"run python -m explainer.precompute {name}"


def test_descent_at_its_defaults_computes_nothing(live):
    run(section="descent", **{"descent.why": "true"})  # the aside open too: it draws the saddle aim
    assert live == []


def test_critical_points_at_its_defaults_computes_nothing(live):
    run(section="critical-points")
    assert live == []


def test_the_whole_page_at_its_defaults_computes_nothing(live):
    run()
    assert live == []


def test_the_closing_table_at_seed_0_computes_nothing(live):
    run(section="claims")
    assert live == []


def test_a_step_size_off_the_defaults_is_computed_live(live):
    run(section="descent", **{"descent.lr": "0.03"})
    # The run, the race and the claim's grid all take the step size; the network lesson does not.
    assert sorted(live) == sorted([descent.RUN, descent.RACE, descent.GRID])
    live.clear()
    run(section="critical-points", **{"critical-points.lr": "0.05"})
    assert live == [critical_points.BASINS]
