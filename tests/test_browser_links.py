"""A link round trip per section, in a real browser: change one control the way a reader does, read
the new link, open it in a fresh browser context, and find the same value and the same captions.

Each section is opened alone (``?section=<slug>&embed=true``) at 820 pixels. One control is changed
by clicking a segmented button, picking a selectbox option, pressing an arrow key on a slider's
thumb or typing into a number field; every widget kind is exercised at least once. The page must
then hold ``<key>=<value>`` in its link (and nothing else but ``section`` and ``embed``: the other
values are at their defaults), and at least one chart caption must differ from the default page's.
That link, opened in a new context (no cookies, no session, nothing shared), must show the control
at the same value and every chart caption word for word, with no exception box on either page.
A screenshot of each fresh page goes to ``artifacts/screenshots/roundtrip-<slug>.png`` (or
``$ARTIFACTS_DIR/screenshots``); CI keeps that folder.

Uses Debian's Chromium at /usr/bin/chromium through Playwright; skips where either is missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from explainer.devserver import CHARTS_DRAWN_JS, CHROMIUM, ROOT

if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

SHOTS = Path(os.environ.get("ARTIFACTS_DIR", ROOT / "artifacts")) / "screenshots"

#: The finding under each chart: the first markdown block after a chart (or after a stack of
#: charts that share one finding), in page order, each once.
CAPTIONS_JS = """() => {
  const seen = new Set();
  const out = [];
  for (const chart of document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')) {
    let next = chart.closest('[data-testid="stElementContainer"]').nextElementSibling;
    while (next && next.querySelector('[data-testid="stVegaLiteChart"]')) next = next.nextElementSibling;
    const text = next && next.querySelector('[data-testid="stMarkdownContainer"]');
    if (text && !seen.has(text)) { seen.add(text); out.push(text.innerText.trim()); }
  }
  return out;
}"""

#: True once the page is idle with at least ``n`` charts, all drawn, and its captions are not
#: ``before`` (the page's default captions): the rerun a change set off has finished.
CHANGED_JS = f"""([n, before]) => {{
  const drawn = ({CHARTS_DRAWN_JS})(n);
  return drawn && JSON.stringify(({CAPTIONS_JS})()) !== JSON.stringify(before);
}}"""


@dataclass(frozen=True)
class Change:
    """One control changed the way a reader changes it."""

    slug: str
    key: str  # the control's key, also its link parameter
    kind: str  # "segmented", "select", "slider" (also a select_slider) or "number"
    act: str  # the button or option to pick, the key to press on the thumb, or the text to type
    value: str  # what the link then holds for ``key`` (decoded) and the control shows
    charts: int  # charts on the section's page, at least


CHANGES = [
    Change("descent", "descent.x0", "slider", "ArrowRight", "1.81", 5),
    Change("landscape", "landscape.weight", "number", "5", "5", 9),
    Change("critical-points", "critical-points.method", "select", "heavy-ball momentum", "heavy-ball momentum", 3),
    Change("local-minimum", "local-minimum.noise", "segmented", "0.8", "0.8", 9),
    Change("saddle-point", "saddle-point.y0", "slider", "ArrowRight", "1e-9", 10),
    Change("plateau", "plateau.depth", "segmented", "2", "2", 5),
    Change("overfitting", "overfitting.alpha", "slider", "ArrowRight", "0.001", 5),
]


def _box(page, key: str):
    """The element that holds the widget keyed ``key`` (Streamlit marks it ``st-key-<key>`` with
    the dot spelled as a hyphen)."""
    return page.locator(f".st-key-{key.replace('.', '-')}")


def _change(page, change: Change) -> None:
    box = _box(page, change.key)
    if change.kind == "segmented":
        box.get_by_role("radio", name=change.act, exact=True).click()
    elif change.kind == "select":
        box.get_by_role("combobox").click()
        page.get_by_role("option", name=change.act, exact=True).click()
    elif change.kind == "slider":
        thumb = box.locator('input[type="range"]')
        thumb.focus()
        thumb.press(change.act)
    elif change.kind == "number":
        field = box.locator("input")
        field.fill(change.act)
        field.press("Enter")
    else:
        raise ValueError(change.kind)


def _shown(page, change: Change) -> str:
    """The value the control shows, read from the page."""
    box = _box(page, change.key)
    if change.kind == "segmented":
        chosen = box.locator('[role="radio"][aria-checked="true"]')
        chosen.first.wait_for(timeout=10_000)
        assert chosen.count() == 1
        return chosen.inner_text().strip()
    if change.kind == "select":
        return box.get_by_role("combobox").input_value()
    if change.kind == "slider":
        said = box.locator('input[type="range"]').get_attribute("aria-valuetext")
        seen = box.locator('[data-testid="stSliderThumbValue"]').inner_text().strip()
        assert said == seen  # what a screen reader says is what the thumb shows
        return seen
    return box.locator("input").input_value()


def _shown_soon(page, change: Change, seconds: float = 10.0) -> str:
    """What the control shows once it shows ``change.value``, or after ``seconds``: under load, a
    number field once showed its default for a moment after the charts of the link's value were
    drawn (seen once in CI, never here)."""
    shown = _shown(page, change)
    for _ in range(int(seconds / 0.25)):
        if shown == change.value:
            break
        page.wait_for_timeout(250)
        shown = _shown(page, change)
    return shown


def _settle(page, charts: int, timeout_ms: int = 120_000) -> None:
    """Wait until at least ``charts`` charts are drawn and the app is idle."""
    page.wait_for_function(CHARTS_DRAWN_JS, arg=charts, timeout=timeout_ms)
    page.wait_for_timeout(300)


def _captions(page) -> list[str]:
    """The captions once two readings 400 ms apart agree (nothing is still being redrawn)."""
    last = page.evaluate(CAPTIONS_JS)
    for _ in range(25):
        page.wait_for_timeout(400)
        now = page.evaluate(CAPTIONS_JS)
        if now == last:
            return now
        last = now
    raise AssertionError("the captions never stopped changing")


def _params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def _shoot(page, slug: str) -> Path:
    """The whole section, top to bottom, as one picture."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 820, "height": int(min(height, 16_000))})
    page.wait_for_timeout(800)  # charts redraw at the new size
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"roundtrip-{slug}.png"
    page.screenshot(path=str(path))
    return path


@pytest.mark.parametrize("change", CHANGES, ids=[c.slug for c in CHANGES])
def test_a_changed_control_survives_its_link(server, browser, change):
    # The section as a reader first sees it.
    sender = browser.new_context(viewport={"width": 820, "height": 900})
    page = sender.new_page()
    page.goto(f"{server}/?section={change.slug}&embed=true")
    _settle(page, change.charts)
    _no_exception(page)
    default_value = _shown(page, change)
    assert default_value != change.value
    default_captions = _captions(page)
    assert len(default_captions) >= 3 and all(default_captions)

    # One control changed; the rerun done, the link holds the new value and nothing at its default.
    _change(page, change)
    page.wait_for_function(
        "([key, value]) => new URLSearchParams(window.location.search).get(key) === value",
        arg=[change.key, change.value],
        timeout=30_000,
    )
    page.wait_for_function(CHANGED_JS, arg=[change.charts, default_captions], timeout=120_000)
    page.wait_for_timeout(300)
    _no_exception(page)
    assert _shown(page, change) == change.value
    link = page.url
    assert _params(link) == {"section": [change.slug], "embed": ["true"], change.key: [change.value]}
    captions = _captions(page)
    charts = page.locator('[data-testid="stVegaLiteChart"]').count()
    assert len(captions) == len(default_captions)
    assert any(a != b for a, b in zip(captions, default_captions, strict=True))
    sender.close()

    # The link in a fresh context: same value, same captions, nothing else.
    reader = browser.new_context(viewport={"width": 820, "height": 900})
    fresh = reader.new_page()
    fresh.goto(link)
    _settle(fresh, charts)
    _no_exception(fresh)
    assert _shown_soon(fresh, change) == change.value
    assert _captions(fresh) == captions
    assert fresh.locator('[data-testid="stVegaLiteChart"]').count() == charts
    assert _params(fresh.url) == _params(link)  # the fresh page did not rewrite the link
    assert _shoot(fresh, change.slug).stat().st_size > 10_000  # a drawn section, not a blank page
    reader.close()
