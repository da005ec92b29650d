"""Precomputed default results are a cache, never a source: each stored file must equal a fresh
computation at the same settings (within 1e-6 relative, since BLAS and numpy kernels may round
differently on another CPU), and the page must read it only at those settings."""

from dataclasses import dataclass

import numpy as np
import pytest

from explainer.core import store
from explainer.precompute import load_all

load_all()
NAMES = sorted(store.DEFAULTS)
RTOL, ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class Sample:
    name: str
    values: np.ndarray
    counts: tuple
    table: dict
    missing: float


def test_encode_and_decode_restore_types_and_values():
    from explainer.core.experiments import SaddleEscape, Stability
    from explainer.core.ground import MapScales

    escape = SaddleEscape(
        y0s=np.array([0.0, 1e-12]),
        distance=np.array([[1.0, np.inf], [np.nan, -2.0]]),
        escape_step=np.array([-1, 7]),
        closest=np.zeros(2),
        lr=0.02,
    )
    obj = (
        escape,
        Stability(limit=float("inf"), top=0.0, direction=(0.0, 1.0), second_limit=2.0, excited=0.0),
        {"a": [1, 2], 3: "b", "v": MapScales(slope=1.0, curvature=2.0, loss=3.0, size=4.0, global_value=np.nan)},
    )
    back = store.decode(store.encode(obj))
    assert type(back) is tuple and type(back[0]) is SaddleEscape and type(back[2]["v"]) is MapScales
    assert back[0].escape_step.dtype.kind == "i" and isinstance(back[1].direction, tuple)
    assert store.close(obj, back, rtol=0, atol=0) == []
    assert np.isinf(back[0].distance[0, 1]) and np.isnan(back[0].distance[1, 0]) and back[1].limit == float("inf")


def test_only_the_apps_own_types_are_restored():
    with pytest.raises(ValueError, match="not an explainer type"):
        store.decode({"__type__": "os:system", "fields": {}})


def test_close_reports_where_results_differ():
    a = Sample("x", np.zeros(3), (1,), {}, 1.0)
    b = Sample("x", np.array([0.0, 1e-3, 0.0]), (1,), {}, 1.0 + 1e-9)
    assert store.close(a, b, rtol=1e-6, atol=1e-9) == ["result.values: 1 of 3 values differ"]


@pytest.mark.parametrize("name", NAMES)
def test_every_stored_result_equals_a_fresh_computation(name):
    found = store.stored(name)
    assert found is not None, f"no precomputed file for {name}: run python -m explainer.precompute {name}"
    settings, result = found
    analysis, default = store.DEFAULTS[name]
    assert settings == default, f"{name} was stored for other settings: run python -m explainer.precompute {name}"
    fresh = analysis(default)
    assert store.close(result, fresh, rtol=RTOL, atol=ATOL) == []


@pytest.mark.parametrize("name", NAMES)
def test_the_file_is_read_only_at_its_own_settings(name, monkeypatch):
    analysis, default = store.DEFAULTS[name]
    calls = []
    monkeypatch.setitem(store.DEFAULTS, name, (lambda s: calls.append(s) or analysis(s), default))
    store.result(name, default)
    assert calls == []  # the default comes from the file


#: The shipped files' budget in all (DESIGN.md: "a few MB in all").
BUDGET_KB = 3 * 1024


def test_the_shipped_files_are_the_registered_ones_and_small():
    files = {p.stem: p.stat().st_size for p in store.DATA.glob("*.json")}
    assert set(files) == set(NAMES), "a file without a registered result, or a result without its file"
    assert sum(files.values()) / 1024 <= BUDGET_KB
