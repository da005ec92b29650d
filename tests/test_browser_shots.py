"""The whole walkthrough at 820 and 1280 pixels, light and dark, as a reader sees it.

For each of the four views: no exception box, nothing pushes the page sideways, every line of page
text (paragraphs, captions, labels, table cells) has a contrast of at least 4.5:1 against what is
behind it (WCAG AA), and one screenshot per section is written to ``artifacts/screenshots/`` (or
``$ARTIFACTS_DIR/screenshots``) for a person to look at; CI keeps that folder.

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
#: Charts on the default full page: each section's, as tests/test_browser_embed.py counts them alone.
FULL_PAGE_CHARTS = 6 + 9 + 4 + 9 + 10 + 6 + 5

#: Every visible text element's colour against the first opaque background behind it, with the
#: element's own opacity and its ancestors' folded in; returns the ones under ``minimum``.
CONTRAST_JS = """(minimum) => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  const background = (el) => {
    const r = el.getBoundingClientRect();
    const [cx, cy] = [r.left + r.width / 2, r.top + r.height / 2];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      const b = e.getBoundingClientRect();
      const behind = b.left <= cx && cx <= b.right && b.top <= cy && cy <= b.bottom;
      // A faint tint (alert boxes) is judged on the colour below it; a box the text floats
      // outside of (a slider's thumb under its value) is not behind the text at all.
      if (c && c.a > 0.5 && behind) return c;
    }
    return parse(getComputedStyle(document.querySelector('[data-testid="stApp"]')).backgroundColor);
  };
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const failures = [];
  const selector = '[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li, '
    + '[data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"] p, td, th';
  for (const el of document.querySelectorAll(selector)) {
    const text = el.innerText.trim();
    const box = el.getBoundingClientRect();
    if (!text || box.width === 0 || box.height === 0) continue;
    if (box.right <= 0 || box.left >= window.innerWidth) continue;  // a closed sidebar
    const seen = opacity(el);
    if (seen < 0.1) continue;  // shown on hover only (a slider's range ends)
    const bg = background(el);
    let fg = parse(getComputedStyle(el).color);
    fg = over({...fg, a: fg.a * seen}, bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < minimum) failures.push({text: text.slice(0, 60), ratio: Math.round(ratio * 100) / 100});
  }
  return failures;
}"""


def _headers(page) -> list[tuple[str, float]]:
    """Each section's anchor and its header's top, in page coordinates."""
    return page.evaluate(
        """() => [...document.querySelectorAll('h2')].map(h => {
            const ids = [h, ...h.querySelectorAll('[id]')].map(e => e.id).filter(i => /^[a-z-]+$/.test(i));
            return [ids[0] || h.innerText.slice(0, 20), h.getBoundingClientRect().top];
        })"""
    )


def _shoot_sections(page, width: int, scheme: str) -> list[str]:
    """One screenshot per section (header to next header, at most 16,000 pixels), scrolled into
    view one at a time so that every chart in it is drawn; returns the anchors in page order."""
    main = "document.querySelector('[data-testid=\"stMain\"]')"
    total = page.evaluate(f"() => {main}.scrollHeight")
    heads = _headers(page)
    spans = [(heads[i + 1][1] if i + 1 < len(heads) else total) - top for i, (_, top) in enumerate(heads)]
    viewport = int(min(max(spans), 16_000))
    page.set_viewport_size({"width": width, "height": viewport})
    SHOTS.mkdir(parents=True, exist_ok=True)
    for (slug, _), span in zip(heads, spans, strict=True):
        # Scroll the header to the top (the last sections cannot go that far: the page ends) and
        # read where it landed.
        top = page.evaluate(
            f"""(slug) => {{ const h = [...document.querySelectorAll('h2')].find(
                e => e.id === slug || e.querySelector('[id="' + slug + '"]'));
                {main}.scrollTop += h.getBoundingClientRect().top;
                return h.getBoundingClientRect().top; }}""",
            slug,
        )
        page.wait_for_timeout(1200)  # charts that came into view draw
        path = SHOTS / f"{slug}-{width}-{scheme}.png"
        height = min(span, viewport - top)
        page.screenshot(path=str(path), clip={"x": 0, "y": top, "width": width, "height": height})
        assert path.stat().st_size > 10_000  # a drawn section, not a blank strip
    return [slug for slug, _ in heads]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [820, 1280])
def test_every_section_reads_at_this_width_and_theme(server, browser, width, scheme):
    from explainer.sections import CLOSING, SECTIONS

    page = browser.new_page(viewport={"width": width, "height": 1000}, color_scheme=scheme)
    page.goto(f"{server}/?embed=true")
    page.wait_for_function(CHARTS_DRAWN_JS, arg=FULL_PAGE_CHARTS, timeout=300_000)
    page.wait_for_timeout(500)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == FULL_PAGE_CHARTS
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width  # nothing pushes sideways
    failures = page.evaluate(CONTRAST_JS, 4.5)
    assert not failures, f"text under 4.5:1 at {width} px, {scheme}: {failures[:8]} ({len(failures)} in all)"

    shot = _shoot_sections(page, width, scheme)
    assert shot == [s.slug for s in (*SECTIONS, CLOSING)]
    page.close()
