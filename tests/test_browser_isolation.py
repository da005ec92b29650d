"""Two readers on one served app never see each other's settings (issue 14, many readers).

Streamlit serves every reader from one process: a module-level cache, a cached function whose key
leaves out a setting, or a result changed in place would carry one reader's settings into
another's page. Two browser contexts (two readers, no shared cookies or storage) open the descent
section on different links, then interleave: A changes the network step size, B changes it to
something else, A reloads. After each step each page must show only its own settings, read three
ways from the DOM: the widgets (the step size button that is checked, the step budget slider's
value), the address, and the numbers of the worked example and the chart caption, which differ
between the settings.

About 30 s on the 2-core machine.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explainer.devserver import CHARTS_DRAWN_JS, CHROMIUM

if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

CHARTS = 5  # the descent section alone draws at least these
#: What the two readers open: the worked example's step size and the surface run's step budget.
LINK_A = "section=descent&descent.net_lr=0.03&descent.steps=200"
LINK_B = "section=descent&descent.net_lr=30&descent.steps=2000"


def _settle(page) -> None:
    page.wait_for_function(CHARTS_DRAWN_JS, arg=CHARTS, timeout=120_000)
    page.wait_for_timeout(300)


def _seen(page) -> dict:
    """What the page shows of its settings: the checked step size, the step budget's slider value,
    the query string, the step size the worked example multiplies by, and the sentence of the
    curves' caption that names the reader's own curve."""
    checked = page.locator('.st-key-descent-net_lr [role="radio"][aria-checked="true"]')
    steps = page.locator('.st-key-descent-steps [data-testid="stSliderThumbValue"]')
    text = page.locator("body").inner_text()
    worked = re.findall(r"− ([0-9.]+) × \(", text)
    yours = re.findall(r"The bold curve is yours, step size ([0-9.]+): ([^\n]*)", text)
    assert page.locator('[data-testid="stException"]').count() == 0
    return {
        "lr": checked.inner_text().strip(),
        "steps": steps.inner_text().strip(),
        "query": page.evaluate("() => window.location.search"),
        "worked": worked,
        "yours": yours,
    }


def _check(seen: dict, lr: str, steps: str) -> None:
    assert seen["lr"] == lr, seen
    assert seen["steps"] == steps, seen
    assert seen["worked"] == [lr], seen  # the worked example multiplies by this reader's step size
    assert len(seen["yours"]) == 1 and seen["yours"][0][0] == lr, seen
    query = seen["query"]
    assert ("descent.net_lr=" in query) == (lr != "0.3"), query  # the default stays out of the link
    if lr != "0.3":
        assert f"descent.net_lr={lr}" in query, query
    assert f"descent.steps={steps}" in query, query


def _choose(page, lr: str) -> None:
    """Click step size ``lr`` and wait for the rerun to finish: the link follows the choice (the
    script writes it) and the script is idle with every chart drawn. What the page then shows is
    for :func:`_check` to judge, so a leak fails there with the numbers, not as a timeout."""
    page.locator('.st-key-descent-net_lr [role="radio"]').filter(has_text=re.compile(f"^{re.escape(lr)}$")).click()
    wanted = "" if lr == "0.3" else f"descent.net_lr={lr}"
    page.wait_for_function(
        "(w) => { const q = window.location.search; return w ? q.includes(w) : !q.includes('descent.net_lr='); }",
        arg=wanted,
        timeout=60_000,
    )
    _settle(page)


def test_two_readers_on_different_links_see_only_their_own_settings(server, browser):
    a_context = browser.new_context(viewport={"width": 1280, "height": 900})
    b_context = browser.new_context(viewport={"width": 1280, "height": 900})
    a, b = a_context.new_page(), b_context.new_page()
    try:
        a.goto(f"{server}/?{LINK_A}")
        _settle(a)
        b.goto(f"{server}/?{LINK_B}")  # B arrives once A's page is complete
        _settle(b)
        first_a, first_b = _seen(a), _seen(b)
        _check(first_a, "0.03", "200")
        _check(first_b, "30", "2000")

        _choose(a, "3")  # A changes its step size ...
        after_a = _seen(a)
        _check(after_a, "3", "200")
        _check(_seen(b), "30", "2000")  # ... and B, untouched, still shows its own

        _choose(b, "0.3")  # B changes to the default, which leaves its link
        after_b = _seen(b)
        _check(after_b, "0.3", "2000")

        a.reload()  # A's page rebuilt from its own link alone
        _settle(a)
        reloaded = _seen(a)
        _check(reloaded, "3", "200")
        assert reloaded["yours"] == after_a["yours"]  # the same numbers A saw before reloading
        _check(_seen(b), "0.3", "2000")
        # The captions' numbers differ between the settings, so a leak would show in them.
        captions = {first_a["yours"][0][1], first_b["yours"][0][1], after_a["yours"][0][1], after_b["yours"][0][1]}
        assert len(captions) == 4, captions
    finally:
        a_context.close()
        b_context.close()
