"""Stepping through a run in the browser: the frames shipped, the slider's range, the layers that
read the shown step, and the buttons' code (it never sends anything back to the server)."""

import dataclasses

import numpy as np
import pandas as pd

from explainer.charts import player
from explainer.core.analyses import descent as analysis
from explainer.sections.descent import figures
from explainer.ui import player as ui_player


def test_a_long_run_ships_at_most_300_frames_and_keeps_its_exact_last_point():
    k = 5000
    positions = np.column_stack([np.linspace(0, 1, k + 1), np.linspace(1, 0, k + 1) ** 2])
    frame = player.frames({0: (positions, np.arange(k + 1.0))})
    assert len(frame) <= player.MAX_FRAMES
    last = frame.iloc[-1]
    assert last["step"] == k and last["next"] == player.FOREVER
    assert (last["x"], last["y"]) == (1.0, 0.0)
    assert (frame["next"].iloc[:-1].to_numpy() == frame["step"].iloc[1:].to_numpy()).all()
    assert player.stride(k) == 17 and (frame["step"].iloc[:-1] % 17 == 0).all()
    assert list(frame["j"]) == list(range(len(frame))) and (frame["last"] == len(frame) - 1).all()
    stops = player.stops(frame)
    assert len(stops) == len(frame) and stops[0] == 0 and stops[-1] == player.POSITIONS


def test_a_short_run_ships_every_step():
    frame = player.frames({0: (np.zeros((51, 2)), np.zeros(51))})
    assert list(frame["step"]) == list(range(51))
    assert player.stops(frame) == [20 * i for i in range(51)]  # 1,000 positions over 50 steps


def test_several_runs_share_one_stride_and_each_keeps_its_end():
    frame = player.frames({"a": (np.zeros((1001, 2)), np.zeros(1001)), "b": (np.ones((78, 2)), np.zeros(78))})
    ends = frame.groupby("run")["step"].max()
    assert ends.to_dict() == {"a": 1000, "b": 77}
    assert set(frame.loc[frame["run"] == "b", "step"]) == {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48} | {
        52,
        56,
        60,
        64,
        68,
        72,
        76,
        77,
    }
    # One frame index over both runs: "b" ends at index 20 (step 77) and then stays, "a" goes on.
    assert frame["last"].iloc[0] == 251  # steps 0, 4, ..., 1000 and 77
    b = frame[frame["run"] == "b"]
    assert b["j"].iloc[-1] == 20 and b["jn"].iloc[-1] == player.FOREVER
    a = frame[frame["run"] == "a"].set_index("step")
    assert a.loc[76, "jn"] == 21 and a.loc[80, "j"] == 21  # "a" stays at step 76 while "b" shows its step 77


def _shown(frame: pd.DataFrame, position: int) -> pd.DataFrame:
    """The rows the chart's ball layer keeps at a slider position (its filter, in Python)."""
    index = np.floor(position * frame["last"] / player.POSITIONS + 0.5)
    return frame[(frame["j"] <= index) & (frame["jn"] > index)]


def test_each_stop_shows_its_own_frame_and_each_run_one_ball():
    frame = player.frames({"a": (np.zeros((1001, 2)), np.zeros(1001)), "b": (np.ones((78, 2)), np.zeros(78))})
    stops = player.stops(frame)
    assert len(stops) == 252 and stops == sorted(set(stops))
    for j, position in enumerate(stops):
        shown = _shown(frame, position)
        assert sorted(shown["run"]) == ["a", "b"], position  # one ball per run, at every stop
        assert shown["j"].max() == j
    assert _shown(frame, 0)["step"].tolist() == [0, 0]
    assert _shown(frame, player.POSITIONS).set_index("run")["step"].to_dict() == {"a": 1000, "b": 77}


def test_the_slider_is_the_same_for_runs_of_any_length():
    """A new run sends the same spec (so the chart redraws in place): the slider's range does not
    depend on the run, only the data do."""
    short = analysis.surface_run(analysis.DEFAULT_RUN)
    long = analysis.surface_run(dataclasses.replace(analysis.DEFAULT_RUN, lr=0.002))
    assert short.run.steps != long.run.steps
    (p1,) = [p for p in figures.run_map(short).spec["params"] if p["name"] == player.POSITION_PARAM]
    (p2,) = [p for p in figures.run_map(long).spec["params"] if p["name"] == player.POSITION_PARAM]
    assert p1 == p2 and p1["value"] == p1["bind"]["max"] == player.POSITIONS


def _layers_reading(spec: dict) -> list[dict]:
    return [layer for layer in spec["layer"] if player.POSITION_PARAM in str(layer.get("transform", ""))]


def test_the_descent_map_draws_the_path_up_to_the_shown_step_and_starts_at_the_end():
    res = analysis.surface_run(analysis.DEFAULT_RUN)
    spec = figures.run_map(res).spec
    (param,) = [p for p in spec["params"] if p["name"] == player.POSITION_PARAM]
    assert param["value"] == param["bind"]["max"] == player.POSITIONS
    assert param["bind"]["input"] == "range" and param["bind"]["step"] == 1
    assert ui_player.stops_of(figures.run_map(res))[-1] == player.POSITIONS and res.run.steps == 103
    assert len(ui_player.stops_of(figures.run_map(res))) == 104  # every step of the run is a stop
    marks = [layer["mark"]["type"] for layer in _layers_reading(spec)]
    assert marks == ["line", "line", "point", "text", "text"]  # halo, path so far, ball, readout
    (drop,) = [p for p in spec["params"] if p["name"] == figures.DROP]
    assert drop["select"]["on"] == "click"


def test_the_race_map_steps_six_balls_with_six_colours_and_shapes():
    res = analysis.race(analysis.DEFAULT_RACE)
    spec = figures.race_map(res).spec
    ball = next(layer for layer in _layers_reading(spec) if layer["mark"]["type"] == "point")
    colours = ball["encoding"]["color"]["scale"]["range"]
    shapes = ball["encoding"]["shape"]["scale"]["range"]
    assert len(set(colours)) == len(set(shapes)) == 6
    readout = [layer for layer in _layers_reading(spec) if layer["mark"]["type"] == "text"]
    assert len(readout) == 2 and all("aggregate" in str(layer["transform"]) for layer in readout)  # one step


def test_a_click_drops_the_ball_at_the_cell_centre():
    cell = {"x": 0.96, "x2": 1.04, "y": -0.03, "y2": 0.03}
    assert figures.dropped_start({figures.DROP: [cell]}) == (1.0, 0.0)
    assert figures.dropped_start({figures.DROP: []}) is None
    assert figures.dropped_start(None) is None


def test_the_buttons_send_nothing_back_and_stop_their_timer():
    js = ui_player._JS
    assert "setStateValue" not in js and "setTriggerValue" not in js
    assert "return cleanup;" in js and "clearInterval" in js and "removeEventListener" in js
    assert "root.__playerCleanup()" in js  # a call with new data first undoes the last one
    assert 'form.vega-bindings input[type="range"]' in js


def test_the_race_table_lists_where_each_optimiser_ended():
    res = analysis.race(analysis.DEFAULT_RACE)
    table = figures.race_table(res)
    assert isinstance(table, pd.DataFrame) and len(table) == 6
    row = table.set_index("optimiser").loc["Nesterov momentum"]
    assert row["ended"] == "global minimum" and row["steps"] == 77
    assert abs(row["x"] + 1) < 1e-4 and abs(row["loss"] + 0.58333) < 1e-4
