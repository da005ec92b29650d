"""Write the precomputed default results the app ships (``explainer/data/*.json``).

Usage::

    python -m explainer.precompute          # every registered result, then the default page's views
    python -m explainer.precompute NAME...  # only these results
    python -m explainer.precompute --views  # only the views

Results are the analyses' outputs at their default settings. Views (``explainer/data/views/``)
are what each section's cached wrappers return on the default page: those results with the
figures, verdicts and tables drawn from them, recorded from one headless run of the page. Run it
after a change that moves a default number or a chart; ``tests/test_precomputed.py`` and
``tests/test_precomputed_views.py`` fail until the files agree with a fresh computation again.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import time

import explainer.core.analyses as analyses
from explainer.core import store


def load_all() -> None:
    """Import every analysis module, so that each registers its precomputed defaults."""
    for module in pkgutil.iter_modules(analyses.__path__):
        importlib.import_module(f"{analyses.__name__}.{module.name}")


#: The links whose cached calls are stored as views: the whole default page, and the claims
#: ledger alone (the same views, reached another way).
VIEW_LINKS = ({}, {"section": "claims"})


def record_views(links=VIEW_LINKS) -> dict:
    """Every cached call the default page makes, ``key -> (function, args, kwargs, out)``, from a
    headless run of each link with stored views ignored."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from explainer.ui.cache import RECORD_VIEWS

    app = Path(__file__).resolve().parent.parent / "streamlit_app.py"
    calls: dict = {}
    for params in links:
        at = AppTest.from_file(str(app), default_timeout=900)
        at.query_params.update(params)
        at.session_state[RECORD_VIEWS] = calls
        at.run()
        if at.exception:
            raise RuntimeError(f"the page raised at {params}: {[e.value for e in at.exception]}")
    return calls


def write_views() -> list:
    """Store every view of the default page (:func:`record_views`), replacing the stored ones.
    Calls whose result cannot be stored (:func:`explainer.core.store.encode`) are left to compute."""
    calls = record_views()
    old = set(store.VIEWS.glob("*.json.gz")) if store.VIEWS.exists() else set()
    written = []
    for key, (function, args, kwargs, out) in sorted(calls.items()):
        try:
            written.append(store.write_view(key, function, args, kwargs, out))
        except TypeError as error:
            print(f"not stored: {key}: {error}")
    for stale in old - set(written):
        stale.unlink()
    return written


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="results to write (default: all, then the views)")
    parser.add_argument("--views", action="store_true", help="only the default page's views")
    args = parser.parse_args(argv)
    load_all()
    if not args.views:
        for name in args.names or sorted(store.DEFAULTS):
            t = time.perf_counter()
            out = store.write(name)
            print(f"{name}: {out.stat().st_size / 1024:.0f} KB in {time.perf_counter() - t:.1f} s -> {out}")
    if args.views or not args.names:
        t = time.perf_counter()
        written = write_views()
        size = sum(p.stat().st_size for p in written) / 1024
        print(f"views: {len(written)} files, {size:.0f} KB in {time.perf_counter() - t:.1f} s -> {store.VIEWS}")


if __name__ == "__main__":
    main()
