"""Precomputed results of the analyses at their default settings: a cache shipped with the app,
never a source.

The first visitor of a fresh server would otherwise wait for every section's default view to be
computed. ``python -m explainer.precompute`` runs each analysis registered in :data:`DEFAULTS` at
its default settings and writes the result as JSON under ``explainer/data/``; :func:`result` reads
it back when the settings asked for equal the stored ones, and computes otherwise. A test
recomputes every stored result and compares it within a stated tolerance, so a change in the code
that moves a number fails until the files are written again.

Results are frozen dataclasses of numbers, strings, tuples, dicts, numpy arrays and pandas data
frames (possibly nested), or objects of a class that names its constructor's arguments in
``_stored_fields`` (the page's figures); :func:`encode` and :func:`decode` turn them into JSON and
back, restoring the types. Only types from ``explainer.`` modules are restored.
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
    fields = getattr(type(obj), "_stored_fields", None)
    if fields is not None and type(obj).__module__.startswith("explainer."):
        return {"__object__": _type_name(obj), "fields": {name: encode(getattr(obj, name)) for name in fields}}
    if _is_frame(obj):
        columns = [[encode(name), str(obj[name].dtype), encode(_column_values(obj[name]))] for name in obj.columns]
        return {"__frame__": columns, "index": encode(obj.index.to_numpy()) if not _plain_index(obj) else None}
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


def _is_frame(obj) -> bool:
    return type(obj).__name__ == "DataFrame" and type(obj).__module__.partition(".")[0] == "pandas"


def _plain_index(frame) -> bool:
    """Whether ``frame``'s index is the default one (0, 1, 2...), which need not be stored."""
    index = frame.index
    return type(index).__name__ == "RangeIndex" and index.start == 0 and index.step == 1 and index.name is None


def _column_values(column):
    """A column's values as a numpy array (numbers, booleans) or a list (strings, objects,
    categories), ready for :func:`encode`."""
    if column.dtype.kind in "fciub":
        return column.to_numpy()
    return [None if v is None or (isinstance(v, float) and v != v) else _scalar(v) for v in column.tolist()]


def _scalar(value):
    return value.item() if isinstance(value, np.generic) else value


def _frame(columns, index):
    import pandas as pd

    data = {}
    for name, dtype, values in columns:
        values = decode(values)
        if dtype == "category":
            data[decode(name)] = pd.Categorical(values)
        elif dtype in ("object", "str", "string"):
            data[decode(name)] = pd.Series(values, dtype=object if dtype == "object" else dtype)
        else:
            data[decode(name)] = pd.Series(np.asarray(values), dtype=dtype)
    frame = pd.DataFrame(data)
    if index is not None:
        frame.index = decode(index)
    return frame


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
    if "__object__" in data:
        cls = _restore_type(data["__object__"])
        return cls(**{k: decode(v) for k, v in data["fields"].items()})
    if "__frame__" in data:
        return _frame(data["__frame__"], data.get("index"))
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
    fields = getattr(type(a), "_stored_fields", None)
    if fields is not None:
        if type(a) is not type(b):
            return [f"{where}: {type(a).__name__} != {type(b).__name__}"]
        return [
            d for f in fields for d in close(getattr(a, f), getattr(b, f), rtol=rtol, atol=atol, where=f"{where}.{f}")
        ]
    if _is_frame(a) or _is_frame(b):
        return _close_frames(a, b, rtol=rtol, atol=atol, where=where)
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


def _close_frames(a, b, *, rtol: float, atol: float, where: str) -> list[str]:
    if not (_is_frame(a) and _is_frame(b)):
        return [f"{where}: {type(a).__name__} != {type(b).__name__}"]
    if [str(c) for c in a.columns] != [str(c) for c in b.columns]:
        return [f"{where}: columns {list(a.columns)} != {list(b.columns)}"]
    found = [f"{where}: index differs"] if not a.index.equals(b.index) else []
    for name in a.columns:
        x, y = a[name], b[name]
        if str(x.dtype) != str(y.dtype):
            found.append(f"{where}[{name!r}]: dtype {x.dtype} != {y.dtype}")
        elif x.dtype.kind in "fciub":
            found += close(x.to_numpy(), y.to_numpy(), rtol=rtol, atol=atol, where=f"{where}[{name!r}]")
        else:
            found += close(_column_values(x), _column_values(y), rtol=rtol, atol=atol, where=f"{where}[{name!r}]")
    return found


# Stored views: what a section's cached wrapper returns at its default settings (results with the
# figures, verdicts and tables drawn from them), so that a fresh server draws the default page
# without building one chart. ``explainer.ui.cache.cached`` reads them; ``python -m
# explainer.precompute`` writes them from a run of the default page; a test rebuilds each one.

VIEWS = DATA / "views"


def view_file(key: str) -> Path:
    """The file of the stored view ``key`` (a function's name and its arguments' ``repr``)."""
    import hashlib

    function = key.partition("(")[0]
    return VIEWS / f"{function}.{hashlib.sha256(key.encode()).hexdigest()[:12]}.json.gz"


def write_view(key: str, function: str, args: tuple, kwargs: dict, out) -> Path:
    """Store ``out``, what ``function`` (``module:qualname``) returned for ``args`` and ``kwargs``."""
    import gzip

    data = {"key": key, "function": function, "args": encode(tuple(args)), "kwargs": encode(dict(kwargs))}
    data["out"] = encode(out)
    target = view_file(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress(json.dumps(data, separators=(",", ":")).encode(), mtime=0))
    return target


def view_record(target: Path) -> dict:
    """A stored view's file as written: ``key``, ``function``, ``args``, ``kwargs`` and ``out``,
    decoded."""
    import gzip

    data = json.loads(gzip.decompress(target.read_bytes()))
    return {**data, "args": decode(data["args"]), "kwargs": decode(data["kwargs"]), "out": decode(data["out"])}


def stored_view(key: str):
    """``(True, out)`` for the view stored under ``key``, or ``(False, None)`` where there is
    none (or it cannot be read)."""
    import zlib

    target = view_file(key)
    if not target.exists():
        return False, None
    try:
        record = view_record(target)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError, zlib.error):
        return False, None
    return (True, record["out"]) if record["key"] == key else (False, None)
