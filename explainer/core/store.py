"""Precomputed results of the analyses at their default settings: a cache shipped with the app,
never a source.

The first visitor of a fresh server would otherwise wait for every section's default view to be
computed. ``python -m explainer.precompute`` runs each analysis registered in :data:`DEFAULTS` at
its default settings and writes the result as JSON under ``explainer/data/``; :func:`result` reads
it back when the settings asked for equal the stored ones, and computes otherwise. A test
recomputes every stored result and compares it within a stated tolerance, so a change in the code
that moves a number fails until the files are written again.

Results are frozen dataclasses of numbers, strings, tuples, dicts and numpy arrays (possibly
nested); :func:`encode` and :func:`decode` turn them into JSON and back, restoring the types. Only
types from ``explainer.`` modules are restored.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "data"

#: Every analysis whose default result ships precomputed: name -> (analysis, default settings).
#: Sections register theirs with :func:`register` at import time of their analysis module.
DEFAULTS: dict[str, tuple[Callable, Any]] = {}


def register(name: str, analysis: Callable, default) -> None:
    """Ship ``analysis(default)`` precomputed under ``name`` (a file name stem)."""
    DEFAULTS[name] = (analysis, default)


def _type_name(obj) -> str:
    return f"{type(obj).__module__}:{type(obj).__qualname__}"


def encode(obj):
    """``obj`` as JSON-ready data that :func:`decode` turns back into an equal object."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = {f.name: encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        return {"__type__": _type_name(obj), "fields": fields}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            values = [None if not math.isfinite(v) else v for v in obj.ravel().astype(float).tolist()]
            nonfinite = {str(i): repr(float(v)) for i, v in enumerate(obj.ravel()) if not math.isfinite(v)}
            return {"__array__": values, "dtype": "float64", "shape": list(obj.shape), "nonfinite": nonfinite}
        return {"__array__": obj.ravel().tolist(), "dtype": obj.dtype.str, "shape": list(obj.shape)}
    if isinstance(obj, np.generic):
        return encode(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return {"__float__": repr(obj)}
    if isinstance(obj, tuple):
        return {"__tuple__": [encode(v) for v in obj]}
    if isinstance(obj, list):
        return [encode(v) for v in obj]
    if isinstance(obj, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in obj.items()]}
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise TypeError(f"cannot store a {type(obj).__name__}")


def _restore_type(name: str):
    module, _, qualname = name.partition(":")
    if not module.startswith("explainer."):
        raise ValueError(f"refusing to restore {name}: not an explainer type")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def decode(data):
    """The object :func:`encode` turned into ``data``."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__type__" in data:
        cls = _restore_type(data["__type__"])
        values = {k: decode(v) for k, v in data["fields"].items()}
        init = {f.name for f in dataclasses.fields(cls) if f.init}
        obj = cls(**{k: v for k, v in values.items() if k in init})
        for k, v in values.items():
            if k not in init:
                object.__setattr__(obj, k, v)
        return obj
    if "__array__" in data:
        if data["dtype"] == "float64":
            flat = np.array([np.nan if v is None else v for v in data["__array__"]], dtype=float)
            for i, text in data.get("nonfinite", {}).items():
                flat[int(i)] = float(text)
            return flat.reshape(data["shape"])
        return np.array(data["__array__"], dtype=np.dtype(data["dtype"])).reshape(data["shape"])
    if "__float__" in data:
        return float(data["__float__"])
    if "__tuple__" in data:
        return tuple(decode(v) for v in data["__tuple__"])
    if "__dict__" in data:
        return {decode(k): decode(v) for k, v in data["__dict__"]}
    raise ValueError(f"unknown stored value {sorted(data)}")


def path(name: str) -> Path:
    return DATA / f"{name}.json"


def write(name: str) -> Path:
    """Compute ``name``'s default result and write it (with its settings) to its file."""
    analysis, default = DEFAULTS[name]
    DATA.mkdir(parents=True, exist_ok=True)
    out = path(name)
    data = {"settings": encode(default), "result": encode(analysis(default))}
    out.write_text(json.dumps(data, separators=(",", ":")))
    return out


def stored(name: str):
    """``(settings, result)`` as stored for ``name``, or ``None`` if there is no readable file."""
    try:
        data = json.loads(path(name).read_text())
        return decode(data["settings"]), decode(data["result"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def result(name: str, settings):
    """``name``'s analysis at ``settings``: read from its file when ``settings`` equal the stored
    ones (the defaults), computed otherwise (or when the file is missing or unreadable)."""
    analysis, default = DEFAULTS[name]
    if settings == default and (found := stored(name)) is not None and found[0] == settings:
        return found[1]
    return analysis(settings)


def close(a, b, *, rtol: float, atol: float, where: str = "result") -> list[str]:
    """Where ``a`` and ``b`` differ beyond ``rtol``/``atol`` (numbers) or at all (everything else):
    a list of paths into the objects, empty when they agree. For the test that recomputes every
    stored result."""
    if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b):
        if type(a) is not type(b):
            return [f"{where}: {type(a).__name__} != {type(b).__name__}"]
        return [d for f in dataclasses.fields(a) for d in close(getattr(a, f.name), getattr(b, f.name),
                rtol=rtol, atol=atol, where=f"{where}.{f.name}")]  # fmt: skip
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return [f"{where}: shape {a.shape} != {b.shape}"]
        if a.dtype.kind in "fciub" and b.dtype.kind in "fciub":
            ok = np.isclose(a.astype(float), b.astype(float), rtol=rtol, atol=atol, equal_nan=True)
            return [] if ok.all() else [f"{where}: {int((~ok).sum())} of {a.size} values differ"]
        return [] if np.array_equal(a, b) else [f"{where}: arrays differ"]
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{where}: keys {sorted(map(str, a))} != {sorted(map(str, b))}"]
        return [d for k in a for d in close(a[k], b[k], rtol=rtol, atol=atol, where=f"{where}[{k!r}]")]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{where}: length {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in close(x, y, rtol=rtol, atol=atol,
                where=f"{where}[{i}]")]  # fmt: skip
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        same = math.isclose(a, b, rel_tol=rtol, abs_tol=atol) or (math.isnan(a) and math.isnan(b)) or a == b
        return [] if same else [f"{where}: {a!r} != {b!r}"]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]
