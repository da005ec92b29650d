"""Two of Altair's chart-building steps done faster, with the same results.

Building the page's charts, not computing them, was most of a fresh page's script time. Profiled
over the full page (``python -m explainer.bench``; the numbers below are from one cProfile run):

- **Deep copies.** Altair copies a chart deeply every time it is layered or concatenated (twice
  per sub-chart, to lift its parameters), and ``resolve_scale`` copies again. Its copy visits every
  field of every schema object, and nine fields in ten are ``Undefined``: the page's charts cost a
  million calls of ``altair.utils.schemapi._deep_copy``, 380,000 of them on ``Undefined``, and the
  two saddle maps alone took 0.9 s to build. :func:`deep_copy` makes the same copy but skips the
  values that hold nothing to copy (``Undefined``, numbers, strings), which halves that (0.45 s).
- **Shorthands.** A string or dict in ``encode`` (``x="epoch:Q"``, ``y=alt.value(0)``) goes
  through ``SchemaBase.from_dict``, which hashes all ~600 schema classes of Vega-Lite afresh on
  each call, 6 ms a time, 80 times a page. :func:`from_dict` keeps one converter per set of
  classes.

Both are installed by importing :mod:`explainer.charts`, only when Altair has the functions they
stand in for with the signatures they were written against (so a new Altair is slower, not
wrong); ``tests/test_charts.py`` checks that every chart factory's spec is identical with and
without them, and that they are installed on the Altair version the requirements allow.
"""

from __future__ import annotations

import functools
import inspect

from altair.utils import schemapi

_COPIED = (schemapi.SchemaBase, list, dict)


def deep_copy(obj, by_ref: set[str]):
    """``schemapi._deep_copy(obj, by_ref)``: a copy of every schema object, list and dict in
    ``obj`` (keys in ``by_ref`` are shared, not copied), everything else shared."""
    if isinstance(obj, schemapi.SchemaBase):
        if copier := getattr(obj, "__deepcopy__", None):
            with schemapi.debug_mode(False):
                return copier(obj)
        args = tuple(deep_copy(a, by_ref) if isinstance(a, _COPIED) else a for a in obj._args)
        kwds = {
            k: deep_copy(v, by_ref) if isinstance(v, _COPIED) and k not in by_ref else v
            for k, v in obj._kwds.items()
            if v is not schemapi.Undefined
        }
        with schemapi.debug_mode(False):
            return obj.__class__(*args, **kwds)
    if isinstance(obj, list):
        return [deep_copy(v, by_ref) if isinstance(v, _COPIED) else v for v in obj]
    if isinstance(obj, dict):
        return {k: deep_copy(v, by_ref) if isinstance(v, _COPIED) and k not in by_ref else v for k, v in obj.items()}
    return obj


@functools.lru_cache(maxsize=8)
def _converter(classes: tuple[type, ...]) -> schemapi._FromDict:
    # The same classes every time (the schema's wrapper classes), so one converter serves all calls;
    # a converter is only read after it is made, so readers' threads can share it.
    return schemapi._FromDict(classes)


@classmethod
def from_dict(cls, dct, validate: bool = True):
    """``SchemaBase.from_dict``, with the converter for ``cls``'s wrapper classes made once."""
    if validate:
        cls.validate(dct)
    return _converter(tuple(cls._default_wrapper_classes())).from_dict(dct, cls)


def _signature(func) -> list[str]:
    return list(inspect.signature(func).parameters)


#: What :func:`install` replaces, and the parameters it was written against.
_EXPECTED = {"_deep_copy": ["obj", "by_ref"], "from_dict": ["dct", "validate"]}


def installable() -> bool:
    """Whether this Altair has both functions with the signatures these stand-ins expect."""
    original = getattr(schemapi, "_deep_copy", None)
    loader = getattr(schemapi.SchemaBase, "from_dict", None)
    return (
        original is not None
        and loader is not None
        and hasattr(schemapi, "_FromDict")
        and _signature(original) == _EXPECTED["_deep_copy"]
        and _signature(loader) == _EXPECTED["from_dict"]
    )


def install() -> bool:
    """Put both stand-ins in place when :func:`installable`; ``True`` if they are in place."""
    if schemapi._deep_copy is deep_copy:
        return True
    if not installable():
        return False
    schemapi._deep_copy = deep_copy
    schemapi.SchemaBase.from_dict = from_dict
    return True


def uninstall(originals: dict) -> None:
    """Put back the functions :func:`originals` returned (for the test that compares both)."""
    schemapi._deep_copy = originals["_deep_copy"]
    schemapi.SchemaBase.from_dict = originals["from_dict"]


def originals() -> dict:
    """The functions in place now, to hand to :func:`uninstall` later."""
    return {"_deep_copy": schemapi._deep_copy, "from_dict": schemapi.SchemaBase.__dict__["from_dict"]}
