"""Chart specs: every factory builds a valid Vega-Lite spec (Altair validates it against the
schema) with the marks, fields, titles and axis titles a reader needs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from explainer.charts import curves, maps
from explainer.charts.theme import END_COLORS, STALL_COLORS, SWEEP_COLORS, tint
from explainer.core import kinds
from explainer.core.contours import contour_segments, quantile_levels
from explainer.core.surfaces import SURFACES


def layers(spec: dict) -> list[dict]:
    """Every single-view layer of a spec, depth first (a view without data of its own gets its
    enclosing layer's)."""
    found = []
    for layer in spec.get("layer", []):
        if "layer" in layer:
            inner = layers(layer)
            if "data" in layer:
                inner = [v if "data" in v else {**v, "data": layer["data"]} for v in inner]
            found += inner
        else:
            found.append(layer)
    return found if "layer" in spec else [spec]


def mark_type(view: dict) -> str:
    mark = view["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def fields(view: dict) -> dict[str, str]:
    return {ch: enc.get("field") for ch, enc in view.get("encoding", {}).items() if isinstance(enc, dict)}


def data_of(spec: dict, view: dict) -> list[dict]:
    return spec["datasets"][view["data"]["name"]]


def axis_titles(spec: dict) -> set[str]:
    titles = set()
    for view in layers(spec):
        for channel in ("x", "y"):
            enc = view.get("encoding", {}).get(channel)
            if isinstance(enc, dict) and enc.get("title"):
                titles.add(enc["title"])
    return titles


@pytest.fixture(scope="module")
def surface():
    return SURFACES["double-well"]


@pytest.fixture(scope="module")
def map_spec(surface):
    xs, ys, z = surface.grid(21)
    heat = maps.heat_frame(xs, ys, z)
    segments = contour_segments(xs, ys, z, quantile_levels(z, 6))
    path = pd.DataFrame({"run": 0, "step": [0, 1, 2], "x": [1.8, 1.5, 1.2], "y": [1.2, 0.9, 0.5]})
    chart = maps.compose(
        [
            maps.heat_layer(heat, surface.bounds),
            maps.contour_layer(segments, surface.bounds),
            *maps.path_layers(path, surface.bounds),
            maps.critical_layer(maps.critical_frame(surface), surface.bounds),
        ],
        bounds=surface.bounds,
        chart_title="Gradient descent",
        subtitle="sub",
        longest=400,
    )
    return chart.to_dict()  # validates against the Vega-Lite schema


def test_map_has_heat_contours_path_markers(map_spec, surface):
    kinds = [mark_type(v) for v in layers(map_spec)]
    assert kinds == ["rect", "rule", "line", "line", "point", "point", "point", "point"]  # halo under markers
    heat, rules, _halo, path = layers(map_spec)[:4]
    assert fields(heat)["color"] == "loss"
    assert len(data_of(map_spec, heat)) == 21 * 21
    assert {"x", "y", "x2", "y2"} <= set(fields(rules))
    assert fields(path)["order"] == "step"
    assert map_spec["title"]["text"] == "Gradient descent"
    assert axis_titles(map_spec) == {"weight x", "weight y"}
    # The axes are pinned to the surface's window.
    x_scale = heat["encoding"]["x"]["scale"]["domain"]
    assert x_scale == list(surface.bounds[0])


def test_map_critical_points_are_the_surfaces(map_spec, surface):
    markers = layers(map_spec)[-1]
    rows = data_of(map_spec, markers)
    assert len(rows) == len(surface.critical_points)
    assert {r["kind"] for r in rows} == {"global-minimum", "local-minimum", "saddle"}
    # The shape encodes the kind's id; the legend spells it out.
    assert markers["encoding"]["shape"]["field"] == "kind"
    assert "global minimum" in markers["encoding"]["shape"]["legend"]["labelExpr"]


def test_map_keeps_the_aspect_ratio_of_its_window(map_spec):
    # double well: 4 wide, 3 tall
    assert (map_spec["width"], map_spec["height"]) == (400, 300)


def test_map_size_puts_the_longest_side_first():
    assert maps.map_size(((0, 4), (0, 3)), longest=400) == (400, 300)
    assert maps.map_size(((0, 1), (0, 2)), longest=400) == (200, 400)
    assert maps.map_size(((-3, 3), (-3, 3)), longest=380) == (380, 380)


def test_heat_frame_cells_tile_the_window():
    xs, ys = np.array([0.0, 1.0, 2.0]), np.array([0.0, 2.0])
    frame = maps.heat_frame(xs, ys, np.arange(6.0).reshape(2, 3))
    assert len(frame) == 6
    assert frame["x"].min() == pytest.approx(-0.5) and frame["x2"].max() == pytest.approx(2.5)
    assert frame["y"].min() == pytest.approx(-1.0) and frame["y2"].max() == pytest.approx(3.0)
    assert np.allclose(frame["x2"] - frame["x"], 1.0)


def test_basin_layer_colours_follow_the_end_labels():
    cells = pd.DataFrame(
        {
            "x": [0.0, 1.0],
            "x2": [1.0, 2.0],
            "y": [0.0, 0.0],
            "y2": [1.0, 1.0],
            "x0": [0.5, 1.5],
            "y0": [0.5, 0.5],
            "end": [kinds.LOCAL_MINIMUM, kinds.GLOBAL_MINIMUM],
            "steps": [10, 20],
        }
    )
    spec = maps.compose([maps.basin_layer(cells, ((0, 2), (0, 1)))], bounds=((0, 2), (0, 1)), chart_title="B").to_dict()
    color = layers(spec)[0]["encoding"]["color"]
    assert color["scale"]["domain"] == [kinds.GLOBAL_MINIMUM, kinds.LOCAL_MINIMUM]  # in END_KINDS order
    # Each end's own colour, as an opaque pastel (no seams, the same on a light and a dark page).
    assert color["scale"]["range"] == [
        tint(END_COLORS[kinds.GLOBAL_MINIMUM], 0.35),
        tint(END_COLORS[kinds.LOCAL_MINIMUM], 0.35),
    ]
    assert tint("#0072B2", 0.35) == "#59a3cd" and tint("#000000", 1.0) == "#ffffff"
    # Opaque cells that overlap their neighbours a little: no seams (a mesh) between them.
    assert layers(spec)[0]["mark"]["opacity"] == 1 and layers(spec)[0]["mark"]["clip"] is True
    assert {t.get("as") for t in layers(spec)[0]["transform"]} >= {"x2", "y2"}
    # Data carry ids; the legend and the tooltip show the names.
    assert "local minimum" in color["legend"]["labelExpr"]
    assert any(t.get("calculate", "").endswith("[datum.end]") for t in layers(spec)[0]["transform"])


def test_run_curves_are_two_stretching_panels_with_stalls_and_events():
    run = curves.run_frame(np.linspace(2, 0, 101), np.geomspace(1, 1e-8, 101))
    stalls = pd.DataFrame([dict(start=40, end=90, steps=50, kind="saddle")])
    events = pd.DataFrame([dict(step=100, label="diverged at step 101")])
    top, bottom = (c.to_dict() for c in curves.run_curves(run, chart_title="Run", stalls=stalls, events=events))
    assert [mark_type(v) for v in layers(top)] == ["rect", "line", "rule", "text"]
    assert fields(layers(top)[1])["y"] == "loss"
    grad = layers(bottom)[1]
    assert fields(grad)["y"] == "grad_norm"
    assert grad["encoding"]["y"]["scale"]["type"] == "log"
    assert grad["encoding"]["y"]["axis"]["values"] == [1e-8, 1e-6, 1e-4, 1e-2, 1.0]
    band = layers(top)[0]
    assert band["encoding"]["color"]["scale"]["range"] == [STALL_COLORS["saddle"]]
    assert top["title"]["text"] == "Run"
    assert axis_titles(top) == {"step (iterations)", "loss"}
    assert axis_titles(bottom) == {"step (iterations)", "gradient norm (log)"}


def test_run_frame_thins_but_keeps_the_last_step_and_floors_zero_gradients():
    frame = curves.run_frame(np.arange(10.0), np.r_[np.ones(9), 0.0], every=4)
    assert frame["step"].tolist() == [0, 4, 8, 9]
    assert frame["grad_norm"].iloc[-1] == curves.GRAD_FLOOR


def test_decades_span_the_data():
    assert curves.decades([0.02, 3.0]) == [0.01, 0.1, 1.0, 10.0]
    assert curves.decades([3e-5, 20.0]) == [1e-5, 1e-3, 1e-1, 10.0]  # every other decade past six
    assert len(curves.decades([1e-16, 1.0])) <= 7
    assert curves.decades([0.0, np.nan]) == [1.0]


def test_lr_sweep_marks_the_stability_limit_and_the_choice():
    sweep = pd.DataFrame(
        {"lr": [0.01, 0.1, 1.0], "steps": [900, 90, 3], "outcome": [kinds.SWEEP_CONVERGED] * 2 + [kinds.SWEEP_DIVERGED]}
    )
    spec = curves.lr_sweep(sweep, limit=0.667, chosen=0.1, chart_title="Step size").to_dict()
    views = layers(spec)
    assert [mark_type(v) for v in views] == ["point", "rule", "text", "text"]  # a label per colour
    color, shape = views[0]["encoding"]["color"], views[0]["encoding"]["shape"]
    assert color["scale"]["range"] == [SWEEP_COLORS[kinds.SWEEP_CONVERGED], SWEEP_COLORS[kinds.SWEEP_DIVERGED]]
    assert shape["scale"]["range"] == ["circle", "cross"]  # distinct markers per outcome, one legend
    assert "ran out of steps" in color["legend"]["labelExpr"]
    assert views[0]["encoding"]["x"]["scale"]["type"] == "log"
    labels = [r["label"] for r in data_of(spec, views[1])]
    assert labels == ["2/λ = 0.667", "yours: 0.1"]
    # The labels take the theme's shade of their rule's colour, never a fixed one.
    assert [v["mark"].get("style") for v in views[2:]] == ["note-vermillion", "note"]
    assert not any("color" in v["mark"] or "fill" in v.get("encoding", {}) for v in views[2:])
    assert axis_titles(spec) == {"step size (learning rate, log)", "steps taken (log)"}


def test_lr_sweep_without_a_limit_has_only_the_choice():
    sweep = pd.DataFrame({"lr": [0.01], "steps": [10], "outcome": [kinds.SWEEP_CONVERGED]})
    spec = curves.lr_sweep(sweep, limit=None, chosen=0.01, chart_title="t").to_dict()
    assert [r["label"] for r in data_of(spec, layers(spec)[1])] == ["yours: 0.01"]


def test_training_curves_one_line_per_step_size():
    frame = pd.DataFrame({"epoch": [0, 1, 0, 1], "loss": [0.7, 0.6, 0.7, 0.4], "lr": ["0.3", "0.3", "3", "3"]})
    spec = curves.training_curves(frame, chart_title="Net").to_dict()
    assert mark_type(spec) == "line"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["0.3", "3"]
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    assert axis_titles(spec) == {"epoch (one full-batch step each)", "training loss (log)"}


def test_end_counts_bars_with_shares():
    counts = pd.DataFrame({"end": [kinds.LOCAL_MINIMUM, kinds.GLOBAL_MINIMUM], "runs": [3, 7], "share": [0.3, 0.7]})
    spec = curves.end_counts(counts, chart_title="Ends").to_dict()
    bar, text = layers(spec)
    assert mark_type(bar) == "bar" and mark_type(text) == "text"
    assert bar["encoding"]["y"]["sort"] == [kinds.GLOBAL_MINIMUM, kinds.LOCAL_MINIMUM]
    assert "global minimum" in bar["encoding"]["y"]["axis"]["labelExpr"]
    assert text["encoding"]["text"]["field"] == "share"


def test_distance_curves_log_axis():
    frame = pd.DataFrame({"step": [0, 1], "distance": [1.0, 0.5], "start": ["a", "a"]})
    spec = curves.distance_curves(frame, chart_title="Aim").to_dict()
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    assert spec["encoding"]["color"]["field"] == "start"


def test_specs_are_plain_json_without_nan():
    # NaN is not JSON: the records transformer turns missing values into null.
    frame = pd.DataFrame({"epoch": [0, 1], "loss": [0.5, np.nan], "lr": ["1", "1"]})
    spec = curves.training_curves(frame, chart_title="t").to_dict()
    text = json.dumps(spec, allow_nan=False)
    assert "null" in text


def test_landscape_charts_are_valid_and_titled():
    from explainer.charts import landscape as lc
    from explainer.core import kinds

    rng = np.random.default_rng(0)
    xs = np.linspace(-1, 1, 5)
    cells = maps.heat_frame(xs, xs, rng.uniform(size=(5, 5))).rename(columns={"loss": "p"})
    points = pd.DataFrame({"x": [0.1, -0.2], "y": [0.3, 0.0], "label": [0, 1]})
    boundary = pd.DataFrame({"x": [0.0], "y": [-1.0], "x2": [0.5], "y2": [1.0]})
    a = np.linspace(-1, 1, 3)
    cut = pd.DataFrame(
        {"panel": np.repeat(["#1: a", "#2: b"], 3), "order": np.repeat([0, 1], 3), "alpha": np.tile(a, 2),
         "change": np.tile(a**2 - 0.1 * a, 2), "when": kinds.END}
    )  # fmt: skip
    spread = pd.DataFrame({"slope": [1e-6, 1e-3, 1e-1], "share": [0.1, 0.5, 1.0], "when": kinds.EARLY})
    moments = {kinds.EARLY: "epoch 1", kinds.END: "end (epoch 40)"}
    fan = pd.DataFrame(
        {"moment": kinds.EARLY, "order": [0, 0, 0], "direction": [1, 1, 1], "alpha": a, "change": [-0.1, 0.0, 0.1],
         "course": kinds.DOWNHILL}
    )  # fmt: skip
    charts = {
        "decision": lc.decision_map(cells, points, boundary, chart_title="T", subtitle="s"),
        "loss": lc.training_loss(pd.DataFrame({"epoch": [0, 1], "loss": [0.7, 0.5]}), 1, chart_title="T", subtitle="s"),
        "cuts": lc.cut_panels(cut, moments=moments, chart_title="T", subtitle="s", x_title="change in this weight"),
        "spread": lc.slope_spread(spread, moments=moments, chart_title="T", subtitle="s"),
        "fan": lc.fan(fan, moments=moments, chart_title="T", subtitle="s"),
        "line": lc.straight_line(pd.DataFrame({"t": a, "loss": [1.0, 0.5, 0.2]}), chart_title="T", subtitle="s"),
        "plane": lc.path_plane_map(
            maps.heat_frame(xs, xs, rng.uniform(size=(5, 5))),
            np.array([[0.0, 0.0, 0.5, 0.5, 1.0]]),
            pd.DataFrame(
                {
                    "run": 0,
                    "step": [0, 1],
                    "x": [0.5, 0.0],
                    "y": [0.2, 0.0],
                    "loss": [0.7, 0.1],
                    "off_plane": [0.1, 0.0],
                }
            ),
            ((-1, 1), (-1, 1)),
            log_color=False,
            chart_title="T",
            subtitle="s",
        ),
    }
    wanted = {
        "decision": {"feature 1", "feature 2"},
        "loss": {"epoch", "training loss (log scale)"},
        "cuts": {"change in this weight"},
        "spread": {"share of all weights"},
        "fan": {"loss change"},
        "line": {"training loss"},
        "plane": {"direction 1 (weight units)", "direction 2 (weight units)"},
    }
    for name, chart in charts.items():
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert spec["title"]["text"] == "T", name
        inner = spec.get("spec", spec)  # a facet's panels live under "spec"
        assert wanted[name] <= axis_titles(inner), (name, axis_titles(inner))
        json.dumps(spec)
