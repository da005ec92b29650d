"""No module-level mutable state that readers could share (issue 14, many readers).

Streamlit runs every reader's script in one process, so a module-level dict, list, set or array is
shared by all of them: one reader's settings could show up in another's page, or two script
threads could race on it. An AST scan of ``explainer/`` finds

- module-level (and class-level) names bound to a mutable literal or comprehension (dict, list,
  set), to a mutable constructor (``dict()``, ``collections.defaultdict`` and the like, a numpy
  array, a random generator, ``str.maketrans``'s dict);
- any ``global`` statement;
- module-level ``functools`` caches (``lru_cache``, ``cache``), which keep state across readers
  and, unbounded, grow without limit;

and each must be in :data:`ALLOWED` with a one-line reason. The allowed ones are then held to their
reason: a table allowed as read-only is never written anywhere in ``explainer/`` (no item
assignment, no ``del``, no ``update``/``append``/``setdefault``...), and a registry is written
only by the function named for it. A scan of planted code checks the scanner itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "explainer"

#: Calls (by their last name) that make a mutable object.
MUTABLE_CALLS = {
    "dict", "list", "set", "bytearray", "defaultdict", "OrderedDict", "Counter", "deque", "ChainMap",
    "WeakValueDictionary", "WeakKeyDictionary", "WeakSet", "maketrans", "array", "asarray", "zeros", "ones",
    "empty", "full", "arange", "linspace", "default_rng", "RandomState", "Random", "local",
}  # fmt: skip
MUTABLE_NODES = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
CACHES = {"lru_cache", "cache"}
#: Methods that change a dict, list, set or array in place.
MUTATORS = {
    "append", "extend", "insert", "pop", "popitem", "remove", "clear", "update", "setdefault", "add", "discard",
    "sort", "reverse", "fill", "resize", "put", "itemset", "__setitem__", "__delitem__",
}  # fmt: skip


def _last_name(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _mutable(value) -> str | None:
    if isinstance(value, MUTABLE_NODES):
        return type(value).__name__.lower()
    if isinstance(value, ast.Call) and _last_name(value.func) in MUTABLE_CALLS:
        return f"{_last_name(value.func)}()"
    return None


def _bindings(body, prefix: str = ""):
    """``(name, line, kind)`` of the mutable bindings and caches among the statements ``body``
    (a module's or a class's), class bodies included as ``Class.name``."""
    for node in body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            kind = _mutable(node.value)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if kind and isinstance(leaf, ast.Name):
                        yield f"{prefix}{leaf.id}", node.lineno, kind
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not prefix:
            for deco in node.decorator_list:
                func = deco.func if isinstance(deco, ast.Call) else deco
                if _last_name(func) in CACHES:
                    yield f"{prefix}{node.name}", node.lineno, f"functools.{_last_name(func)}"
        elif isinstance(node, ast.ClassDef):
            yield from _bindings(node.body, f"{prefix}{node.name}.")


def scan(package: Path) -> dict[str, str]:
    """``{"<path relative to package's parent>:<name>": kind}`` for every finding under ``package``;
    a ``global`` statement is ``"<path>:global <names>"``."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        tree = ast.parse(path.read_text(), filename=str(path))
        for name, _line, kind in _bindings(tree.body):
            found[f"{rel}:{name}"] = kind
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                found[f"{rel}:global {', '.join(node.names)}"] = "global"
    return found


def _base(node):
    """The object an item assignment or a method call finally lands on: ``X`` in ``X[a][b]`` or
    ``X.y.update``'s receiver chain."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return node


def writes(package: Path, names: set[str]) -> dict[str, list[str]]:
    """Where each of ``names`` (bare names, as bound at module level) is changed in place anywhere
    under ``package``: ``{name: ["<path>:<line> in <function>", ...]}``. A name counts as reached
    through ``NAME`` or ``<anything>.NAME``."""
    hits: dict[str, list[str]] = {}

    def target_name(node) -> str | None:
        name = _last_name(_base(node))
        return name if name in names else None

    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        tree = ast.parse(path.read_text(), filename=str(path))
        scopes = {}
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(fn):
                    scopes.setdefault(id(inner), fn.name)
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
                targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Subscript) or isinstance(node, ast.AugAssign):
                        name = name or target_name(target)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
                name = target_name(node.func.value)
            if name:
                hits.setdefault(name, []).append(f"{rel}:{node.lineno} in {scopes.get(id(node), '<module>')}")
    return hits


def _each(reason: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names, reason)


COLOURS = "a read-only colour, shape or label table of a chart factory (the legend's scale)"
NAMES = "a read-only table from a category constant to its display words"
CONFIG = "a read-only table the code looks up and never writes"
EXPORTS = "the module's __all__, read by `import *` and linters only"
#: Every finding of :func:`scan` that may stay, with the reason it is safe to share between readers.
ALLOWED: dict[str, str] = {
    **_each(
        COLOURS,
        *(f"explainer/charts/landscape.py:{n}" for n in ("WHEN_COLORS", "COURSE_COLORS", "CLASS_NAMES",
                                                        "CLASS_COLORS", "CLASS_SHAPES")),
        *(f"explainer/charts/local_minimum.py:{n}" for n in ("POINT_COLORS", "POINT_SHAPES", "BATCH_COLORS",
                                                            "NET_COLORS", "START_COLORS", "LINE_PALETTE", "SHAPES")),
        "explainer/charts/maps.py:KIND_NAMES", "explainer/charts/maps.py:BASIN_COLORS",
        *(f"explainer/charts/overfitting.py:{n}" for n in ("SERIES_COLORS", "NOTE_HUES", "SERIES_SHAPES", "SHAPES",
                                                          "PALETTE")),
        *(f"explainer/charts/plateau.py:{n}" for n in ("DEPTH_COLORS", "METHOD_SHAPES", "METHOD_DASH",
                                                      "ACTIVATION_COLORS", "ACTIVATION_SHAPES")),
        "explainer/charts/player.py:RACE_COLORS", "explainer/charts/player.py:RACE_SHAPES",
        *(f"explainer/charts/saddle_point.py:{n}" for n in ("METHOD_COLORS", "METHOD_SHAPES", "METHOD_NAMES",
                                                           "SHORT_METHOD_NAMES", "SURFACE_COLORS", "SURFACE_SHAPES",
                                                           "SURFACE_NAMES", "PROBABILITY_COLORS", "SHAPE_COLORS",
                                                           "SHAPE_MARKERS", "SHAPE_NAMES")),
        *(f"explainer/charts/theme.py:{n}" for n in ("OKABE_ITO", "END_COLORS", "STALL_COLORS", "SWEEP_COLORS",
                                                    "CRITICAL_MARKERS", "CRITICAL_SHAPES", "CRITICAL_COLORS", "_NOTE",
                                                    "_INK", "_BAND", "LEGEND_INK")),
    ),
    "explainer/charts/theme.py:CONFIG": "the Altair theme's config, handed to alt.themes once and copied by Altair",
    "explainer/charts/speed.py:_converter": "lru_cache(maxsize=8) of one schema converter per class tuple: bounded, "
    "built from Altair's own classes only (no reader input), read-only once made",
    "explainer/charts/speed.py:_EXPECTED": "the signatures the Altair stand-ins were written against, read once",
    "explainer/core/overfit.py:_recording_regressor": "functools.cache of a zero-argument class factory: one entry, "
    "the class itself (made lazily so scikit-learn imports only when needed)",
    **_each(
        CONFIG,
        "explainer/core/analyses/critical_points.py:GOOD_STEP",
        "explainer/core/analyses/critical_points.py:TRAP_STALLS",
        "explainer/core/analyses/descent.py:GOOD_STEP", "explainer/core/analyses/landscape.py:STEP",
        "explainer/core/analyses/landscape.py:DATA_NOISE", "explainer/core/analyses/landscape.py:PARTS",
        "explainer/core/analyses/plateau.py:STEEPEST", "explainer/core/analyses/saddle_point.py:_STALL_KINDS",
        "explainer/core/contours.py:_SEGMENTS", "explainer/core/network.py:ACTIVATIONS",
        "explainer/core/network.py:OUTPUTS", "explainer/core/network.py:IN_PLACE", "explainer/core/optimize.py:METHODS",
        "explainer/core/optimize.py:UPDATES", "explainer/core/surfaces.py:_BOWL", "explainer/core/surfaces.py:_MESA",
        "explainer/core/training.py:DATASETS", "explainer/core/training.py:CURVES",
        "explainer/core/claims/critical_points.py:_PLURAL", "explainer/core/claims/critical_points.py:_NEAR",
        "explainer/core/claims/critical_points.py:_ONE", "explainer/core/claims/overfitting.py:_MOVED",
        "explainer/export.py:_TEX_WORDS", "explainer/sections/heights.py:HEIGHTS",
        "explainer/sections/descent/figures.py:STOPPED", "explainer/sections/saddle_point/words.py:_SUPERSCRIPT",
    ),
    **_each(
        NAMES,
        "explainer/core/analyses/plateau.py:ACTIVATION_LABELS",
        *(f"explainer/core/kinds.py:{n}" for n in ("END_NAMES", "END_AT", "STALL_NAMES", "SWEEP_NAMES", "CUT_NAMES",
                                                  "MEASURE_NAMES", "VALLEY_POINT_NAMES", "BATCH_NAMES", "NET_NAMES",
                                                  "START_NAMES", "SADDLE_END_NAMES", "PROBABILITY_NAMES",
                                                  "CRITICAL_START_NAMES")),
        "explainer/sections/closing/words.py:GROUPS", "explainer/sections/closing/words.py:LINES",
        "explainer/sections/closing/words.py:LESSONS", "explainer/sections/critical_points/words.py:ENDED",
        "explainer/sections/critical_points/words.py:_ON", "explainer/sections/critical_points/words.py:_MANY",
        "explainer/sections/descent/words.py:_WHERE", "explainer/sections/glossary.py:TERMS",
        "explainer/sections/glossary.py:USED", "explainer/sections/landscape/page.py:OPTIMIZER_NAMES",
        "explainer/sections/overfitting/figures.py:ERROR_NAMES", "explainer/sections/overfitting/figures.py:FIT_NAMES",
        "explainer/sections/overfitting/figures.py:LABEL_NAMES",
        "explainer/sections/saddle_point/words.py:SURFACE_WORDS",
        "explainer/ui/claims.py:BADGES",
    ),
    "explainer/core/plateaus.py:XOR_X": "the four XOR inputs, a read-only numpy array (never written in place)",
    "explainer/core/plateaus.py:XOR_Y": "the four XOR labels, a read-only numpy array (never written in place)",
    "explainer/core/surfaces.py:SURFACES": "the public table of toy surfaces (DESIGN's API), built once at import",
    "explainer/core/prose.py:_SUPERSCRIPT": "a str.translate table for exponents, read-only",
    "explainer/core/store.py:DEFAULTS": "import-time registry of precomputed analyses: filled by store.register as "
    "each analysis module is imported, read-only after",
    "explainer/core/claims/__init__.py:CLAIMS": "the claims ledger, built once at import from each section's CLAIM",
    **_each(
        EXPORTS,
        *(f"explainer/{m}:__all__" for m in ("core/claims/__init__.py", "core/claims/overfitting.py",
                                             "sections/__init__.py", "ui/section.py")),
        *(f"explainer/sections/{s}/__init__.py:__all__" for s in ("closing", "critical_points", "descent",
                                                                   "landscape", "local_minimum", "overfitting",
                                                                   "plateau", "saddle_point")),
    ),
}  # fmt: skip
#: Allowed names that are written, and the one function allowed to write each.
REGISTRIES = {"DEFAULTS": "register"}


def test_every_module_level_mutable_is_allowed_with_a_reason():
    found = scan(PACKAGE)
    assert len(found) > 100  # the scan reads the package (a scan that finds nothing cannot fail)
    unexplained = {k: v for k, v in found.items() if k not in ALLOWED}
    assert unexplained == {}, "module-level mutable state: make it a tuple/MappingProxyType or allow it with a reason"
    assert not any(kind == "global" for kind in found.values())
    stale = sorted(set(ALLOWED) - set(found))
    assert stale == [], "allowed but no longer found: drop these from ALLOWED"
    assert all(reason.strip() and "\n" not in reason for reason in ALLOWED.values())


def test_allowed_tables_are_never_written_and_registries_only_by_their_function():
    names = {key.rsplit(":", 1)[1] for key in ALLOWED}
    names -= {"__all__"}
    hits = writes(PACKAGE, names)
    for registry, writer in REGISTRIES.items():
        assert hits.get(registry), f"{registry} is no longer written by {writer}: drop it from REGISTRIES"
        assert all(h.endswith(f" in {writer}") for h in hits.pop(registry)), registry
    assert hits == {}


PLANTED = """
import collections
import functools
import numpy as np

_SEEN = {}
_ORDER: list[str] = []
_BY_SEED = collections.defaultdict(list)
_RNG = np.random.default_rng(0)
TABLE = {"a": 1}
SAFE = ("a", "b")
FROZEN = frozenset({"a"})


class Box:
    shared = []


@functools.lru_cache(maxsize=None)
def remembered(seed):
    return seed


def bump(seed):
    global _COUNT
    _SEEN[seed] = True
    TABLE.update(b=2)
    del TABLE["a"]
    _ORDER.append(seed)
    local = {}
    local["x"] = 1
    return local
"""


def test_the_scan_finds_planted_state(tmp_path):
    package = tmp_path / "planted"
    package.mkdir()
    (package / "mod.py").write_text(PLANTED)
    found = scan(package)
    assert found == {
        "planted/mod.py:_SEEN": "dict",
        "planted/mod.py:_ORDER": "list",
        "planted/mod.py:_BY_SEED": "defaultdict()",
        "planted/mod.py:_RNG": "default_rng()",
        "planted/mod.py:TABLE": "dict",
        "planted/mod.py:Box.shared": "list",
        "planted/mod.py:remembered": "functools.lru_cache",
        "planted/mod.py:global _COUNT": "global",
    }
    hits = writes(package, {"_SEEN", "TABLE", "_ORDER", "SAFE"})
    line = {text.strip(): n for n, text in enumerate(PLANTED.splitlines(), start=1)}
    assert {name: sorted(where) for name, where in hits.items()} == {
        "_SEEN": [f"planted/mod.py:{line['_SEEN[seed] = True']} in bump"],
        "TABLE": sorted(f"planted/mod.py:{line[t]} in bump" for t in ("TABLE.update(b=2)", 'del TABLE["a"]')),
        "_ORDER": [f"planted/mod.py:{line['_ORDER.append(seed)']} in bump"],
    }
