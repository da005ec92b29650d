"""scipy's special functions, imported on first use.

``scipy.special`` takes about half a second to import, and a fresh server draws every default
view from precomputed files without computing anything (``tests/test_imports.py``): the modules
that compute call these names instead of importing scipy at their top. Each call hands its
arguments to scipy's own function, so results are scipy's to the bit."""

from __future__ import annotations

import importlib


def _scipy_special():
    return importlib.import_module("scipy.special")  # a look-up in sys.modules after the first call


def expit(*args, **kwargs):
    return _scipy_special().expit(*args, **kwargs)


def xlogy(*args, **kwargs):
    return _scipy_special().xlogy(*args, **kwargs)


def betaincinv(*args, **kwargs):
    return _scipy_special().betaincinv(*args, **kwargs)
