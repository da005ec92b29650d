"""The page's shortcuts in building and drawing charts change nothing a reader sees.

- The stand-ins of explainer.charts.speed build the same charts as Altair's own functions. The
  decisive check runs the whole page twice in a fresh process, once with the stand-ins and once
  with Altair's originals put back (caches cleared between), and compares every chart's spec as
  JSON text: any difference, however small, fails.
- Each figure's data frames go to the browser as Arrow made from the frames themselves; for every
  frame on the page that is the same table (schema, pandas metadata and values) as the one
  Streamlit makes of the same data as records. (Not always the same bytes: a string column that
  pandas already holds in Arrow keeps its own buffers.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import altair as alt
from altair.utils import schemapi

from explainer.charts import speed

ROOT = Path(__file__).resolve().parent.parent

_BOTH_WAYS = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from altair.utils import schemapi
originals = {"_deep_copy": schemapi._deep_copy, "from_dict": schemapi.SchemaBase.__dict__["from_dict"]}
import streamlit as st
from streamlit.testing.v1 import AppTest
from explainer.charts import speed
from explainer.ui.display import RECORD
from explainer.ui.cache import RECORD_VIEWS

import pyarrow as pa
from streamlit import dataframe_util
from explainer.charts import _records
from explainer.ui.display import frame_arrow

def page():
    at = AppTest.from_file(sys.argv[2], default_timeout=300)
    at.session_state[RECORD] = []
    at.session_state[RECORD_VIEWS] = {}  # every chart built, none read from the stored views
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at.session_state[RECORD]

shown = page()
installed = schemapi._deep_copy is speed.deep_copy  # installed with Altair, at the first chart built
fast = {name: json.dumps(fig.spec, sort_keys=True) for name, fig, _ in shown}
frames = [(name, key, frame) for name, fig, _ in shown for key, frame in fig.frames.items()]
def table(data):
    return pa.ipc.open_stream(data).read_all()

arrow_differ = [
    f"{name}/{key}" for name, key, frame in frames
    if not table(frame_arrow(frame)).equals(
        table(dataframe_util.convert_anything_to_arrow_bytes(_records(frame)["values"])), check_metadata=True
    )
]
speed.uninstall(originals)
st.cache_resource.clear()
st.cache_data.clear()
plain = {name: json.dumps(fig.spec, sort_keys=True) for name, fig, _ in page()}
out = {"installed": installed, "fast": fast, "plain": plain, "frames": len(frames), "arrow_differ": arrow_differ}
print(json.dumps(out))
"""


def test_the_page_draws_the_same_specs_with_and_without_the_stand_ins():
    out = subprocess.run(
        [sys.executable, "-c", _BOTH_WAYS, str(ROOT), str(ROOT / "streamlit_app.py")],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["installed"], "the stand-ins were not in place while the page ran"
    fast, plain = result["fast"], result["plain"]
    assert len(plain) >= 40 and sorted(fast) == sorted(plain)
    differ = [name for name in plain if fast[name] != plain[name]]
    assert differ == []
    assert result["frames"] >= 60 and result["arrow_differ"] == []


def test_they_are_installed_on_the_altair_the_requirements_allow():
    assert alt.__version__.startswith("6.")
    assert speed.installable()
    assert schemapi._deep_copy is speed.deep_copy
    assert schemapi.SchemaBase.__dict__["from_dict"] is speed.from_dict


def test_a_copy_is_deep_and_equal():
    chart = (
        alt.Chart({"values": [{"a": 1, "b": 2}]})
        .mark_point(size=30)
        .encode(x=alt.X("a:Q", scale=alt.Scale(domain=[0, 3])), y="b:Q", tooltip=["a:Q", "b:Q"])
    )
    copy = speed.deep_copy(chart, set())
    assert copy.to_dict() == chart.to_dict()
    copy.encoding.x.scale.domain = [0, 9]
    copy.encoding.tooltip[0].format = ".1f"
    copy.mark.size = 99
    assert chart.to_dict()["encoding"]["x"]["scale"]["domain"] == [0, 3]
    assert "format" not in chart.to_dict()["encoding"]["tooltip"][0]
    assert chart.to_dict()["mark"]["size"] == 30
    shared = speed.deep_copy(chart, {"encoding"})  # keys in by_ref are shared, not copied
    assert shared.encoding is chart.encoding


def test_a_shorthand_parses_as_altair_parses_it():
    made = alt.Chart().mark_line().encode(x="epoch:Q", y=alt.value(3), color="run:N").to_dict()
    assert made["encoding"] == {
        "x": {"field": "epoch", "type": "quantitative"},
        "y": {"value": 3},
        "color": {"field": "run", "type": "nominal"},
    }
    assert speed._converter.cache_info().currsize >= 1


def test_an_altair_without_the_expected_functions_is_left_alone(monkeypatch):
    monkeypatch.setattr(speed, "_EXPECTED", {"_deep_copy": ["obj"], "from_dict": ["dct", "validate"]})
    assert not speed.installable()
