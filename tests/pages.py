"""Helpers for page tests through Streamlit's AppTest: run the app with link parameters, read its
text, and find claim boxes by key (never by position)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from explainer.ui.claims import box_key

APP = "../streamlit_app.py"
TIMEOUT = 180


def run(at: AppTest | None = None, /, **params) -> AppTest:
    """The app (or the script ``at``) run once with these link parameters; fails on any exception box."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT) if at is None else at
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


#: The AppTest accessor of each kind of control (see explainer.ui.controls.WIDGETS).
ACCESSOR = {
    "slider": "slider",
    "select_slider": "select_slider",
    "select": "selectbox",
    "segmented": "segmented_control",
    "number": "number_input",
    "toggle": "toggle",
}


def widget(at: AppTest, control):
    """The widget of a control (an ``explainer.ui.controls.Control``), found by its key."""
    if control.widget == "expander":
        return next(e for e in at.expander if e.key == control.key)
    return getattr(at, ACCESSOR[control.widget])(key=control.key)


def _unsmall(text: str) -> str:
    """A caption's words without its ``:small[...]`` wrapper (see ``explainer.ui.display.note``)."""
    return text[len(":small[") : -1] if text.startswith(":small[") and text.endswith("]") else text


def texts(at) -> str:
    """Every markdown, caption and alert on the page (or in a block of it), one per line."""
    parts = [_unsmall(m.value) for m in at.markdown] + [c.value for c in at.caption]
    for box in ("success", "warning", "error", "info"):
        parts += [b.value for b in getattr(at, box)]
    return "\n".join(parts)


def claim_box(at: AppTest, claim_id: str):
    """The claim box of ``claim_id`` (its block), found by its key."""
    return at.get_by_key(box_key(claim_id))


def verdict(at: AppTest, claim_id: str) -> str:
    """The verdict badge of a claim box: "confirmed", "refined", "contradicted" or "not judged"."""
    # A badge is markdown like ":orange-badge[:material/tune: refined]".
    badge = next(m.value for m in claim_box(at, claim_id).markdown if "-badge[" in m.value)
    return badge.split(": ", 1)[1].rstrip("]")


def finding(at: AppTest, claim_id: str) -> str:
    """What the computation shows, as the claim box says it."""
    return next(m.value for m in claim_box(at, claim_id).markdown if m.value.startswith("**What the computation"))


def axis_titles(spec) -> dict[str, set]:
    """The x and y axis titles set anywhere in a spec (layers and concatenations included)."""
    found = {"x": set(), "y": set()}
    for channel in found:
        enc = spec.get("encoding", {}).get(channel)
        if isinstance(enc, dict) and enc.get("title"):
            found[channel].add(enc["title"])
    for key in ("layer", "hconcat", "vconcat"):
        for part in spec.get(key, []):
            for channel, titles in axis_titles(part).items():
                found[channel] |= titles
    return found


def chart_frames(node) -> dict:
    """The data sets a chart element was sent with, by name, as data frames."""
    import io

    import pyarrow as pa

    return {d.name: pa.ipc.open_stream(io.BytesIO(d.data.data)).read_all().to_pandas() for d in node.proto.datasets}


def chart_spec(node) -> dict:
    """A chart element's Vega-Lite spec as a reader sees it drawn: the page sends a template whose
    titles, tick values and ranges sit in its data (``explainer.charts.template``); they are read
    back in here. (The data sets stay out, as in the element's own spec.)"""
    import json

    from explainer.charts.template import resolved

    return resolved(json.loads(node.proto.spec), chart_frames(node))
