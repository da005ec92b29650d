"""The app served for real and read in headless Chromium: no exception box, every chart drawn,
a control that updates the page and the URL, and a single section for an iframe.

Uses Debian's Chromium at /usr/bin/chromium through Playwright; never downloads a browser.
Skips (with the reason) where either is missing; CI installs both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explainer.devserver import CHARTS_DRAWN_JS, CHROMIUM

if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")


def _settle(page, charts: int, timeout_ms: int = 120_000) -> None:
    """Wait until at least ``charts`` charts are drawn and the app is idle."""
    page.wait_for_function(CHARTS_DRAWN_JS, arg=charts, timeout=timeout_ms)
    page.wait_for_timeout(300)


def _wait_for_update(page, query: str, text: str, charts: int) -> None:
    """After a control changed: the link holds ``query``, the page shows ``text``, every chart is
    drawn again and no exception box appeared."""
    page.wait_for_function(f"() => window.location.search.includes('{query}')", timeout=30_000)
    page.wait_for_function(f"() => document.body.innerText.includes('{text}')", timeout=60_000)
    _settle(page, charts=charts)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_full_page_draws_every_chart_without_errors(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server)
    _settle(page, charts=28, timeout_ms=240_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() >= 28
    drawn = page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg')
    assert drawn.count() >= charts.count()
    headings = page.locator("h2").all_inner_texts()
    assert any("How a network learns" in h for h in headings)
    assert any("Where the gradient vanishes" in h for h in headings)
    assert any("The landscape" in h for h in headings)
    assert any("Plateaus" in h for h in headings) and any("global minimum what we want" in h for h in headings)
    assert headings[-1] == "What holds up: every claim, checked"
    page.close()


@pytest.mark.parametrize(
    ("slug", "charts", "heading"),
    [("plateau", 6, "6 · Plateaus: flat and slow"), ("overfitting", 5, "7 · Is the global minimum what we want?")],
)
def test_the_new_sections_alone_fit_an_820_pixel_iframe(server, browser, slug, charts, heading):
    page = browser.new_page(viewport={"width": 820, "height": 900})
    page.goto(f"{server}/?section={slug}&embed=true")
    _settle(page, charts=charts)
    assert page.locator("h2").all_inner_texts() == [heading]
    assert page.locator('[data-testid="stException"]').count() == 0
    drawn = page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg')
    assert drawn.count() >= charts
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 820  # nothing pushes the page sideways
    page.close()


def test_the_closing_table_alone_lists_every_claim(server, browser):
    from explainer.core.claims import CLAIMS

    page = browser.new_page(viewport={"width": 820, "height": 900})
    page.goto(f"{server}/?section=claims&embed=true")
    page.wait_for_selector("table", timeout=120_000)
    page.wait_for_timeout(300)
    assert page.locator('[data-testid="stException"]').count() == 0
    rows = page.locator("table tbody tr")
    assert rows.count() == len(CLAIMS)
    text = page.locator("table").inner_text()
    for claim in CLAIMS.values():
        assert claim.check(0).verdict in text
    assert "What to take away" in page.locator("body").inner_text()
    page.close()


def test_landscape_section_draws_and_follows_the_weight_control(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/?section=landscape")
    _settle(page, charts=9)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "4,417 weights in all" in page.locator("body").inner_text()
    box = page.get_by_role("spinbutton", name="Weight to cut along")
    box.fill("5")
    box.press("Enter")
    _wait_for_update(page, "landscape.weight=5", "Your weight (input 1 → hidden 1 unit 5)", charts=9)
    page.close()


def test_a_control_reruns_and_lands_in_the_url(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/?section=descent")
    _settle(page, charts=5)
    verdict = page.locator('[data-testid="stAlertContentWarning"]').first.inner_text()
    assert "local minimum" in verdict
    group = page.locator('[data-testid="stButtonGroup"]').first
    group.get_by_text("3", exact=True).click()
    # The worked example is recomputed with the new step size: w moves by 3 times the gradient.
    _wait_for_update(page, "descent.net_lr=3", "− 3 × (", charts=5)
    page.close()


def test_single_section_for_an_iframe(server, browser):
    page = browser.new_page(viewport={"width": 900, "height": 900})
    page.goto(f"{server}/?section=critical-points&embed=true")
    _settle(page, charts=3)
    headings = page.locator("h2").all_inner_texts()
    assert len(headings) == 1 and "Where the gradient vanishes" in headings[0]
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_bad_link_value_shows_a_notice_not_a_traceback(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/?section=descent&descent.steps=banana")
    _settle(page, charts=5)
    assert page.locator('[data-testid="stException"]').count() == 0
    notice = page.locator('[data-testid="stAlert"]').filter(has_text="banana")
    assert notice.count() == 1
    assert "Largest number of steps" in notice.inner_text()
    page.close()


def test_the_words_aside_defines_the_section_s_terms_in_plain_words(server, browser):
    from explainer.sections.glossary import TERMS, USED
    from explainer.ui.page import WORDS_LABEL

    page = browser.new_page(viewport={"width": 820, "height": 900})
    page.goto(f"{server}/?section=critical-points&embed=true")
    _settle(page, charts=3)
    page.get_by_role("button", name=WORDS_LABEL).click()
    popover = page.locator('[data-testid="stPopoverBody"]')
    popover.wait_for(timeout=10_000)
    text = popover.inner_text()
    used = USED["critical-points"]
    assert "Hessian" in used and "saddle" in used
    for name in used:  # every word the section uses, each with its own definition
        assert f"{name}:" in text
        assert TERMS[name].definition.split(" ")[0] in text
    assert "Lanczos" not in used and "Lanczos:" not in text  # and only those
    page.close()


def test_an_export_menu_opens_with_its_four_files_and_the_csv_downloads(server, browser):
    """The Export menu makes its buttons only when opened (a rerun of the section): a reader who
    opens it sees all four and gets the chart's data."""
    page = browser.new_page(viewport={"width": 820, "height": 900}, accept_downloads=True)
    page.goto(f"{server}/?section=critical-points&embed=true")
    _settle(page, charts=3)
    assert page.locator('[data-testid="stDownloadButton"]').count() == 0
    page.get_by_role("button", name="Export").first.click()
    body = page.locator('[data-testid="stPopoverBody"]')
    body.wait_for(timeout=20_000)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=stPopoverBody] [data-testid=stDownloadButton]').length == 4",
        timeout=20_000,
    )
    labels = body.locator('[data-testid="stDownloadButton"]').all_inner_texts()
    assert [label.strip() for label in labels][:4] == [
        "Data (CSV)",
        "Drawing (SVG)",
        "Picture (PNG)",
        "Vega-Lite spec (JSON)",
    ]
    with page.expect_download(timeout=30_000) as download:
        body.get_by_role("button", name="Data (CSV)").click()
    text = Path(download.value.path()).read_text()
    assert text.count("\n") > 10 and "," in text.splitlines()[0]
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
