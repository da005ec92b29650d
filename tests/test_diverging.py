"""A run that blows up is reported, never drawn: at the largest step size of every section (where
runs diverge), no NaN or infinity reaches a chart's spec, its CSV, a caption or a claim, and the
page says that the run diverged.

Each case opens one section with its step sizes at their largest offered values and reads every
chart the page drew (the export hook, :data:`explainer.ui.display.RECORD`) and every text on it.
"""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

import pages
from explainer.sections.critical_points import page as critical_points
from explainer.sections.descent import page as descent
from explainer.sections.local_minimum import page as local_minimum
from explainer.sections.plateau import page as plateau
from explainer.sections.saddle_point import page as saddle_point
from explainer.ui.display import RECORD

#: A number that is not one, as Python, numpy, pandas or JavaScript print it (prose may still speak
#: of a loss that runs off to infinity, or of a plateau at infinity).
NOT_A_NUMBER = re.compile(r"(?<![\w.])(-?inf|nan|NaN|NAN|-?Infinity)(?!\w)")


def _largest(control) -> str:
    return str(max(control.options))


CASES = {
    "descent, tanh plateau": ("descent", {descent.SURFACE.key: "tanh-plateau", descent.STEP_SIZE.key: "1.5"}),
    "descent, Rosenbrock": ("descent", {descent.SURFACE.key: "rosenbrock", descent.STEP_SIZE.key: "1.5"}),
    "descent, the network": ("descent", {descent.NET_STEP.key: _largest(descent.NET_STEP)}),
    "critical points": ("critical-points", {critical_points.STEP_SIZE.key: _largest(critical_points.STEP_SIZE)}),
    "local minimum": ("local-minimum", {local_minimum.STEP_SIZE.key: _largest(local_minimum.STEP_SIZE)}),
    "saddle point": ("saddle-point", {saddle_point.STEP_SIZE.key: _largest(saddle_point.STEP_SIZE)}),
    "plateau": ("plateau", {plateau.STEP_SIZE.key: _largest(plateau.STEP_SIZE)}),
}


def _page(slug: str, params: dict) -> tuple[AppTest, list]:
    at = AppTest.from_file(pages.APP, default_timeout=pages.TIMEOUT)
    at.query_params.update({"section": slug, **params})
    at.session_state[RECORD] = []
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at, list(at.session_state[RECORD])


@pytest.mark.parametrize("case", CASES)
def test_no_nan_or_infinity_reaches_a_chart_a_csv_or_a_text(case):
    slug, params = CASES[case]
    at, shown = _page(slug, params)
    assert shown, "the page drew no chart"
    for name, fig, caption in shown:
        json.dumps(fig.spec, allow_nan=False)  # raises on NaN or infinity anywhere in the chart
        csv = fig.data.to_csv(index=False)
        assert not NOT_A_NUMBER.search(csv.replace("\n", ",")), f"{name}: {NOT_A_NUMBER.search(csv).group()} in CSV"
        assert not NOT_A_NUMBER.search(caption), f"{name}: {caption}"
    text = pages.texts(at)
    assert not NOT_A_NUMBER.search(text), NOT_A_NUMBER.search(text).group()


def test_the_page_says_where_a_run_blew_up():
    at, _ = _page("descent", {descent.SURFACE.key: "rosenbrock", descent.STEP_SIZE.key: "1.5"})
    text = pages.texts(at)
    assert re.search(r"diverge|blew up|blows up", text, re.IGNORECASE)
    assert re.search(r"step \d", text), "the page names the step where it happened"


def test_the_pattern_finds_what_it_must():
    for bad in ("nan", "NaN", "inf", "-inf", "Infinity", "x=nan,", "a loss of inf."):
        assert NOT_A_NUMBER.search(bad), bad
    for fine in ("information", "infinite slope", "runs off to infinity", "finance", "0.5", "nano"):
        assert not NOT_A_NUMBER.search(fine), fine
