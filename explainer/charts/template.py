"""Chart specs the browser can update in place instead of drawing anew.

When a control changes, a section reruns and sends its charts again. Streamlit's chart element
then compares the new Vega-Lite spec with the one on screen: where only the data differ, it swaps
the data sets of the live Vega view (a few tens of milliseconds); where the spec differs at all,
it throws the view away and embeds a new one (parse, compile, lay out, draw: 0.3-0.7 s for a map
of five thousand marks in headless Chromium on two cores; a prototype of one such map redrew in
0.69 s with its spec changing and in 0.37 s with only its data changing). Nearly every spec
differed between two settings of one control, because its titles, tick values and axis ranges
state the run's numbers ("step size 0.003", "1,116 steps").

:func:`template` moves that text and those numbers into columns of the smallest data set the
chart reads, from which Vega expressions (``data('data2')[0]._spec0``) read them back. The
expressions name that data set, so data sets are renamed by their order of first use (``data0``,
``data1``, ...) instead of by a hash of their contents (:func:`explainer.charts.frame_name`).
Lookup tables of display names (``explainer.charts.theme.names``) in label expressions and
calculated fields move the same way, since their names may state a number too ("end (epoch 80)").
Two settings of a control that change only data, titles, tick values, ranges or such names then
give the very same spec, and the browser redraws the chart in place. The drawing is unchanged: the exports
and the tests' own specs (:attr:`explainer.charts.Figure.spec`) keep the plain text. (Streamlit
also writes a chart's alt text into its spec: see ``explainer.ui.display.chart_alt``.)
"""

from __future__ import annotations

import json
import numbers
import re

import pandas as pd

from explainer.charts import _PARTS

#: A data set's name as the app's figures and Altair make them (a hash of the contents).
_HASHED = re.compile(r'"((?:frame|data)-[0-9a-f]{16,64})"')

#: The prefix of the columns that carry a chart's text and numbers (no frame of ours starts so).
PREFIX = "_spec"


def _views(spec: dict):
    """``spec`` and every view inside it (layers, rows and columns, a facet's cell), outermost first."""
    yield spec
    for part in _PARTS:
        for sub in spec.get(part, ()) or ():
            if isinstance(sub, dict):
                yield from _views(sub)
    if isinstance(spec.get("spec"), dict):
        yield from _views(spec["spec"])


def _is_numbers(value) -> bool:
    return (
        isinstance(value, list)
        and len(value) > 0
        and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
    )


class _Hoist:
    """Collects the values moved out of a spec, and writes the expression that reads each back."""

    def __init__(self, host: str):
        self.host = host
        self.columns: dict[str, object] = {}

    def _row(self) -> str:
        return f"data('{self.host}')[0]"

    def text(self, lines) -> dict:
        """An expression for a title's text, a string or a list of lines: always read back as lines,
        so that a subtitle of one line and one of two send the same spec."""
        name = f"{PREFIX}{len(self.columns)}"
        self.columns[name] = lines if isinstance(lines, str) else "\n".join(lines)
        return {"expr": f"length(data('{self.host}')) ? split({self._row()}.{name}, '\\n') : ''"}

    def lookup(self, table: dict[str, str]) -> str:
        """An expression for a lookup table of display names (``explainer.charts.theme.names``)
        whose names state the run's numbers ("end (epoch 80)")."""
        entries = []
        for key, value in table.items():
            name = f"{PREFIX}{len(self.columns)}"
            self.columns[name] = value
            entries.append(f"{json.dumps(key)}: {self._row()}.{name}")
        return f"(length(data('{self.host}')) ? {{{', '.join(entries)}}} : {{}})"

    def numbers(self, values: list) -> dict:
        """An expression for a list of numbers (tick values, a range)."""
        names = []
        for v in values:
            name = f"{PREFIX}{len(self.columns)}"
            self.columns[name] = float(v)
            names.append(name)
        row = self._row()
        items = ", ".join(f"{row}.{n}" for n in names)
        return {"expr": f"length(data('{self.host}')) ? [{items}] : []"}


def _hoist_title(view: dict, hoist: _Hoist) -> None:
    title = view.get("title")
    if isinstance(title, str | list) and title:
        view["title"] = {"text": hoist.text(title)}
        return
    if not isinstance(title, dict):
        return
    for prop in ("text", "subtitle"):
        value = title.get(prop)
        if (isinstance(value, str) and value) or (
            isinstance(value, list) and value and all(isinstance(v, str) for v in value)
        ):
            title[prop] = hoist.text(value)


_DECODER = json.JSONDecoder()


def _hoist_lookups(expr: str, hoist: _Hoist) -> str:
    """``expr`` with each lookup table ``({"id": "name", ...})[...]`` read from the host instead."""
    out, at = [], 0
    while (start := expr.find("({", at)) >= 0:
        try:
            table, end = _DECODER.raw_decode(expr, start + 1)
        except ValueError:
            table, end = None, start + 2
        if (
            isinstance(table, dict)
            and table
            and all(isinstance(v, str) for v in table.values())
            and expr.startswith(")[", end)
        ):
            out += [expr[at:start], hoist.lookup(table)]
            at = end + 1
        else:
            out.append(expr[at : start + 2])
            at = start + 2
    return "".join(out) + expr[at:]


def _hoist_expressions(node, hoist: _Hoist) -> None:
    """Every ``labelExpr`` (axes, legends, headers) and ``calculate`` under ``node``, in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("labelExpr", "calculate") and isinstance(value, str):
                node[key] = _hoist_lookups(value, hoist)
            else:
                _hoist_expressions(value, hoist)
    elif isinstance(node, list):
        for value in node:
            _hoist_expressions(value, hoist)


def _hoist_numbers(view: dict, hoist: _Hoist) -> None:
    encoding = view.get("encoding")
    if not isinstance(encoding, dict):
        return
    for channel, definition in encoding.items():
        if not isinstance(definition, dict):
            continue
        axis = definition.get("axis")
        if isinstance(axis, dict) and _is_numbers(axis.get("values")):
            axis["values"] = hoist.numbers(axis["values"])
        scale = definition.get("scale")
        if (
            channel in ("x", "y")
            and definition.get("type") == "quantitative"
            and isinstance(scale, dict)
            and scale.get("type", "linear") == "linear"
            and _is_numbers(scale.get("domain"))
            and len(scale["domain"]) == 2
        ):  # a linear range of positions (Vega-Lite lays out a legend's, a band's or a log axis's from a literal)
            scale["domain"] = hoist.numbers(scale["domain"])


def template(spec: dict, frames: dict[str, pd.DataFrame]) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``spec`` and the ``frames`` it reads by name, made into a template the browser can update
    in place (see the module's notes): the same chart, drawn the same way.

    Data sets, the frames and any inline ``datasets`` of the spec, are renamed ``data0``,
    ``data1``, ... in the order the spec first names them. Chart titles and subtitles, axis tick
    values and scale domains given as numbers move into ``_spec<i>`` columns of the frame with the
    fewest rows (where the chart reads no frame, or only empty ones, they stay). The inputs are
    not changed."""
    text = json.dumps(spec)
    hashed = set(frames) | set((spec.get("datasets") or {}).keys())
    order = [m.group(1) for m in _HASHED.finditer(text) if m.group(1) in hashed]
    rename = {name: f"data{i}" for i, name in enumerate(dict.fromkeys(order))}
    if rename:
        text = _HASHED.sub(lambda m: f'"{rename.get(m.group(1), m.group(1))}"', text)
    out = json.loads(text)
    named = {rename.get(name, name): frame for name, frame in frames.items()}
    hosts = [name for name, frame in named.items() if len(frame) > 0]
    if not hosts:
        return out, named
    host = min(hosts, key=lambda name: (len(named[name]), list(named).index(name)))
    hoist = _Hoist(host)
    for view in _views(out):  # ``out`` is a fresh copy (the JSON round trip): edited in place
        _hoist_title(view, hoist)
        _hoist_numbers(view, hoist)
    _hoist_expressions({k: v for k, v in out.items() if k != "datasets"}, hoist)
    if hoist.columns:
        named[host] = named[host].assign(**hoist.columns)
    return out, named


_READ = re.compile(r"data\('([^']+)'\)\[0\]\.(" + PREFIX + r"\d+)")


def _value(expr: str, rows: dict):
    """What one of :class:`_Hoist`'s expressions reads, from the first rows of the data sets."""
    refs = _READ.findall(expr)
    if not refs:
        return None
    values = [rows[host][column] for host, column in refs]
    if "? [" in expr:
        return [float(v) for v in values]
    lines = str(values[0]).split("\n")
    return lines if len(lines) > 1 else lines[0]


#: A lookup table as :meth:`_Hoist.lookup` writes it.
_LOOKUP = re.compile(r"\(length\(data\('[^']+'\)\) \? (\{[^{}]*\}) : \{\}\)")


def _resolve_text(expr: str, rows: dict) -> str:
    """An expression with its lookup tables written back in (see :func:`_hoist_lookups`)."""
    expr = _LOOKUP.sub(lambda m: f"({m.group(1)})", expr)
    return _READ.sub(lambda m: json.dumps(rows[m.group(1)][m.group(2)]), expr)


def _resolve(node, rows: dict):
    if isinstance(node, str) and _READ.search(node):
        return _resolve_text(node, rows)
    if isinstance(node, dict):
        if set(node) == {"expr"} and isinstance(node["expr"], str) and _READ.search(node["expr"]):
            return _value(node["expr"], rows)
        return {k: _resolve(v, rows) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, rows) for v in node]
    return node


def resolved(spec: dict, frames: dict[str, pd.DataFrame]) -> dict:
    """A template made by :func:`template` with its text and numbers written back in from
    ``frames`` (the data sets it was sent with, by name): the spec as a reader sees it drawn."""
    rows = {name: frame.iloc[0].to_dict() for name, frame in frames.items() if len(frame) and PREFIX + "0" in frame}
    return _resolve(spec, rows)
