"""Altair, imported on first use.

Importing Altair (and the JSON-schema machinery under it) takes about 0.45 s, the largest part of
importing the app. A default page draws stored views (``explainer.ui.cache``) and builds no chart,
so it never needs Altair: the chart factories write ``alt.Chart(...)`` against :data:`alt`, which
stands for the module and imports it, configured for the page's hot path (see
:mod:`explainer.charts`), when a chart is first built. ``tests/test_imports.py`` checks that a
default page leaves Altair unimported.
"""

from __future__ import annotations

import threading
from types import ModuleType

#: Set once Altair is imported and configured (all readers share the one configured module).
_CONFIGURED = threading.Event()
_LOCK = threading.Lock()


def _configure(altair: ModuleType) -> None:
    from altair.utils.schemapi import disable_debug_mode

    from explainer.charts import _records, speed

    altair.data_transformers.register("records", _records)
    altair.data_transformers.enable("records")
    disable_debug_mode()
    speed.install()


def altair() -> ModuleType:
    """The ``altair`` module, configured the first time it is asked for."""
    import altair as module

    if not _CONFIGURED.is_set():
        with _LOCK:
            if not _CONFIGURED.is_set():
                _configure(module)
                _CONFIGURED.set()
    return module


class Altair:
    """Stands for the ``altair`` module: reading any of its names imports Altair first."""

    __slots__ = ()

    def __getattr__(self, name: str):
        return getattr(altair(), name)


#: The chart factories' ``alt``: ``alt.Chart``, ``alt.X``... as from ``import altair as alt``.
alt = Altair()
