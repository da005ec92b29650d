"""Write the precomputed default results the app ships (``explainer/data/*.json``).

Usage::

    python -m explainer.precompute          # every registered result
    python -m explainer.precompute NAME...  # only these

Run it after a change that moves a default number; ``tests/test_precomputed.py`` fails until the
files agree with a fresh computation again.
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="results to write (default: all)")
    args = parser.parse_args(argv)
    load_all()
    for name in args.names or sorted(store.DEFAULTS):
        t = time.perf_counter()
        out = store.write(name)
        print(f"{name}: {out.stat().st_size / 1024:.0f} KB in {time.perf_counter() - t:.1f} s -> {out}")


if __name__ == "__main__":
    main()
