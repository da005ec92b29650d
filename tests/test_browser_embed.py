"""Each section alone, as a blog post embeds it: ``?section=<slug>&embed=true`` in a column 820
pixels wide, then the ``<iframe>`` snippet its own "Share or embed" box offers, pasted into a page.

For each section: no exception box, exactly its own heading, every one of its charts drawn, nothing
pushing the page sideways, a full-length screenshot kept as a CI artefact; then the snippet (read
from the page, so built from the address the browser used) holds the section, its settings and the
height in ``explainer/sections/heights.py``, and that height fits the section: in the iframe the
section neither scrolls nor leaves much blank space below it.

Uses Debian's Chromium at /usr/bin/chromium through Playwright; skips where either is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from explainer.devserver import CHARTS_DRAWN_JS, CHROMIUM, ROOT

if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

SHOTS = Path(os.environ.get("ARTIFACTS_DIR", ROOT / "artifacts")) / "screenshots"
WIDTH = 820
#: Blank space an embedded section may leave under its last line, in pixels (the heights are
#: rounded up, and a section's height moves a little with its numbers' line breaks).
SLACK = 400

#: Each section alone: its heading and the number of charts it draws at its default settings.
EXPECTED = {
    "descent": ("1 · How a network learns", 6),
    "landscape": ("2 · The landscape: one surface, thousands of cuts", 9),
    "critical-points": ("3 · Where the gradient vanishes", 4),
    "local-minimum": ("4 · Local minima: shallow valleys and mini-batch noise", 9),
    "saddle-point": ("5 · Saddle points: the usual trap in high dimensions", 10),
    "plateau": ("6 · Plateaus: flat and slow", 6),
    "overfitting": ("7 · Is the global minimum what we want?", 5),
    "claims": ("What holds up: every claim, checked", 0),
}

IDLE_JS = """() => { const app = document.querySelector('[data-testid="stApp"]');
    return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelectorAll('[data-testid="stExpander"]').length > 0; }"""

#: The section's height in its frame (the bottom of its last element below the top of the main
#: block, with the block's padding), how far the main block scrolls, and the frame's size.
MEASURE_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const body = document.querySelector('[data-testid="stMainBlockContainer"]');
    const top = main.getBoundingClientRect().top - main.scrollTop;
    let bottom = 0;
    for (const b of body.querySelectorAll(':scope > [data-testid="stVerticalBlock"] > *'))
        bottom = Math.max(bottom, b.getBoundingClientRect().bottom - top);
    bottom += parseFloat(getComputedStyle(body).paddingBottom);
    return {content: Math.ceil(bottom), scrolls: main.scrollHeight - main.clientHeight,
            frame: window.innerHeight, width: document.documentElement.scrollWidth};
}"""


def _settle(target, charts: int) -> None:
    """Wait (in a page or a frame) until the section has run and ``charts`` charts are drawn."""
    target.wait_for_function(IDLE_JS, timeout=240_000)
    target.wait_for_function(CHARTS_DRAWN_JS, arg=charts, timeout=240_000)
    target.wait_for_timeout(800)


def _snippet(page, tab: str) -> str:
    """The iframe snippet of one theme tab of the section's "Share or embed" box."""
    from explainer.ui.share import LABEL

    box = page.locator('[data-testid="stExpander"]').filter(has_text=LABEL).last
    if box.locator("details[open]").count() == 0:
        box.locator("summary").click()
    box.get_by_role("tab", name=tab).click()
    code = box.locator('[role="tabpanel"]:visible [data-testid="stCode"] code')
    code.wait_for(timeout=10_000)
    return code.inner_text().strip()


@pytest.mark.parametrize("slug", list(EXPECTED))
def test_the_section_alone_fits_the_iframe_its_share_box_offers(server, browser, slug):
    from explainer.sections.heights import HEIGHTS

    heading, charts = EXPECTED[slug]
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    page.goto(f"{server}/?section={slug}&embed=true")
    _settle(page, charts)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator("h1, h2").all_inner_texts() == [heading]  # its heading, and no other section's
    drawn = page.locator('[data-testid="stVegaLiteChart"]').filter(has=page.locator("canvas, svg"))
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == charts == drawn.count()
    measured = page.evaluate(MEASURE_JS)
    assert measured["width"] <= WIDTH  # nothing pushes the page sideways

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": WIDTH, "height": min(measured["content"] + 100, 16_000)})
    page.wait_for_timeout(1200)  # charts that came into view draw
    shot = SHOTS / f"embed-{slug}-{WIDTH}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    snippet = _snippet(page, "Reader's theme")
    assert snippet.startswith(f'<iframe src="{server}/?section={slug}&embed=true"')
    assert f'height="{HEIGHTS[slug]}"' in snippet and 'width="100%"' in snippet
    assert "embed_options=dark_theme" in _snippet(page, "Dark")
    page.close()

    # The snippet pasted into a post's column 820 pixels wide.
    host = browser.new_page(viewport={"width": WIDTH, "height": 900})
    eager = snippet.replace(' loading="lazy"', "")  # a lazy frame far below the fold would never load
    host.set_content(f'<body style="margin:0">{eager}</body>')
    frame = host.locator("iframe").element_handle().content_frame()
    _settle(frame, charts)
    inside = frame.evaluate(MEASURE_JS)
    host.close()
    assert inside["frame"] == HEIGHTS[slug]
    fits = f"{slug} is {inside['content']} px tall in its iframe; HEIGHTS['{slug}'] is {HEIGHTS[slug]}"
    assert inside["scrolls"] <= 1, fits  # the whole section shows, with no scroll bar of its own
    assert HEIGHTS[slug] - inside["content"] <= SLACK, fits  # and no long blank strip under it


def _luminance(css: str) -> float:
    r, g, b = (int(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.parametrize(("tab", "preference", "dark"), [("Dark", "light", True), ("Light", "dark", False)])
def test_a_themed_snippet_keeps_its_theme_whatever_the_reader_prefers(server, browser, tab, preference, dark):
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    page.goto(f"{server}/?section=claims&embed=true")
    _settle(page, 0)
    snippet = _snippet(page, tab)
    page.close()
    host = browser.new_page(viewport={"width": WIDTH, "height": 900}, color_scheme=preference)
    host.set_content(f'<body style="margin:0">{snippet}</body>')
    frame = host.locator("iframe").element_handle().content_frame()
    _settle(frame, 0)
    background = frame.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor"
    )
    host.close()
    assert (_luminance(background) < 0.2) is dark, background
