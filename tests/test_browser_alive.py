"""The descent maps come alive in a real browser: the step slider redraws the map without a rerun,
Play advances it and Pause stops it, a click on the map moves the start (into the link), and the
optimiser race lists six optimisers.

Uses Debian's Chromium at /usr/bin/chromium through Playwright; skips (with the reason) without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explainer.devserver import CHARTS_DRAWN_JS, CHROMIUM

if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

MAP = ".st-key-descent-map-player"
SLIDER = f'{MAP} form.vega-bindings input[type="range"]'


@pytest.fixture()
def page(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sent: list = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    page.goto(f"{server}/?section=descent")
    page.wait_for_function(CHARTS_DRAWN_JS, arg=6, timeout=120_000)
    page.wait_for_selector(SLIDER, timeout=30_000)
    page.wait_for_timeout(500)
    page.sent = sent
    yield page
    page.close()


def _value(page) -> int:
    return int(page.locator(SLIDER).input_value())


def _map_png(page) -> bytes:
    return page.locator(f"{MAP} [data-testid='stVegaLiteChart'] canvas").first.screenshot()


def _stops(**changes) -> list[int]:
    """The slider positions of the frames of the default run (104 frames, steps 0 to 103), or of
    the run with ``changes`` to its settings."""
    import dataclasses

    from explainer.core.analyses import descent as analysis
    from explainer.sections.descent import figures
    from explainer.ui.player import stops_of

    settings = dataclasses.replace(analysis.DEFAULT_RUN, **changes)
    return stops_of(figures.run_map(analysis.surface_run(settings)))


def test_the_step_slider_redraws_the_map_without_a_rerun(page):
    stops = _stops()
    assert len(stops) == 104 and _value(page) == stops[-1]  # the whole default run is shown first
    # The slider's own number (a position, not a step) is hidden: the map writes the step.
    assert not page.locator(f'{MAP} form.vega-bindings input[type="range"] + span').is_visible()
    before, frames = _map_png(page), len(page.sent)
    page.locator(SLIDER).fill(str(stops[10]))  # what dragging does: an input event on Vega's own slider
    page.wait_for_timeout(400)
    assert _value(page) == stops[10]
    assert _map_png(page) != before
    page.locator(SLIDER).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(200)
    assert _value(page) == stops[11]  # keyboard arrows step one frame, as the buttons do
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(200)
    assert _value(page) == stops[9]
    assert len(page.sent) == frames  # nothing went to the server: no script rerun


def test_play_advances_the_step_and_pause_stops_it(page):
    first = page.get_by_role("button", name="Back to the start").first
    first.click()
    page.wait_for_timeout(200)
    assert _value(page) == 0
    frames = len(page.sent)
    page.get_by_role("button", name="Play").first.click()
    page.wait_for_timeout(900)
    page.get_by_role("button", name="Pause").first.click()
    stopped = _value(page)
    assert stopped in _stops()[1:]  # it moved, frame by frame
    page.wait_for_timeout(700)
    assert _value(page) == stopped  # paused: it stays
    assert len(page.sent) == frames  # playing costs the server nothing


def test_after_a_new_step_size_the_buttons_and_keys_step_the_new_run(page):
    """A new run has new stops: the buttons take them (and do not also act on the old ones)."""
    from explainer import bench

    old, new = _stops(), _stops(lr=0.001)
    assert old[1] != new[1] and old[2] != new[2]  # 104 frames against 251 (1,000 steps, every 4th)
    control = bench._control(bench.Probe("descent", "descent.lr"))
    bench.change(page, control, 0.001, 6)
    page.wait_for_timeout(500)
    assert _value(page) == new[-1]
    page.get_by_role("button", name="Back to the start").first.click()
    page.get_by_role("button", name="One step on").first.click()
    page.wait_for_timeout(200)
    assert _value(page) == new[1]
    page.locator(SLIDER).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(200)
    assert _value(page) == new[2]  # one frame on, not two (one listener only)


def _caption(page) -> str:
    """The map's finding: the paragraph under it that starts "From (" (see ui.display.note)."""
    return page.locator(f"{MAP} [data-testid='stMarkdownContainer']").filter(has_text="From (").first.inner_text()


def test_a_click_on_the_map_moves_the_start_into_the_link(page):
    caption = _caption(page)
    assert caption.startswith("From (1.80, 1.20)")
    canvas = page.locator(f"{MAP} [data-testid='stVegaLiteChart'] canvas").first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = canvas.bounding_box()
    # The plot sits inside the canvas under the title and colour legend: aim left of centre,
    # a little above the middle (over the global minimum's side of the double well).
    page.mouse.click(box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.45)
    page.wait_for_function("() => window.location.search.includes('descent.x0=')", timeout=30_000)
    page.wait_for_function(CHARTS_DRAWN_JS, arg=6, timeout=60_000)
    page.wait_for_timeout(500)
    moved = _caption(page)
    assert moved != caption and moved.startswith("From (-")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_race_table_has_six_rows(page):
    grid = page.locator("[data-testid='stDataFrame']").filter(has_text="optimiser").first
    grid.scroll_into_view_if_needed()
    rows = grid.locator("[role='row']")
    page.wait_for_timeout(300)
    assert rows.count() == 7  # a header and six optimisers
    text = " ".join(rows.all_text_contents())
    for name in ("plain", "heavy-ball momentum", "Nesterov momentum", "Adam", "noisy", "perturbed"):
        assert name in text
