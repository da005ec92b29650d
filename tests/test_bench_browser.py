"""The benchmark's browser figures (explainer.bench, issue 13): the pure parts (percentiles, table
rows, which control each section's probe moves), and a short run in headless Chromium that times
two changes of one control each way and a navigation on a fresh server.

The browser part skips where Chromium or Playwright is missing, as tests/test_browser.py does;
about 30-60 s on the 2-core machine."""

from __future__ import annotations

import pytest

from explainer import bench
from explainer.sections import SECTIONS


def test_p95_is_the_nearest_rank():
    assert bench.p95([3.0]) == 3.0
    assert bench.p95([float(i) for i in range(10, 0, -1)]) == 10.0  # of 10, the largest
    assert bench.p95([float(i) for i in range(1, 21)]) == 19.0  # of 20, the second largest
    assert bench.p95([float(i) for i in range(1, 101)]) == 95.0
    with pytest.raises(ValueError):
        bench.p95([])


def test_interaction_row_quotes_medians_p95s_and_the_budget():
    run = {
        "control": "plateau.u0",
        "capped": False,
        "computed": [0.5, 0.6, 0.7, 0.8, 0.9, 0.5, 0.6, 0.7, 0.8, 0.95],
        "cached": [0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.35],
    }
    row = bench.interaction_row("plateau", run)
    assert row["section"] == "plateau" and row["control"] == "`plateau.u0`"
    assert row["computed median s"] == "0.70" and row["computed p95 s (<= 1)"] == "0.95"
    assert row["cached median s"] == "0.20" and row["cached p95 s (<= 0.4)"] == "0.35"
    assert row["computed changes"] == "10" and row["cached changes"] == "10"
    assert row["within budget"] == "yes"
    slow = bench.interaction_row("landscape", {**run, "computed": [4.0, 5.0, 6.0], "capped": True})
    assert slow["computed changes"] == "3 (capped)" and slow["within budget"] == "NO"
    assert bench.interaction_row("plateau", {**run, "cached": [0.1] * 9 + [0.41]})["within budget"] == "NO"


def test_navigation_row_holds_the_medians_against_the_first_section_budget():
    row = bench.navigation_row("", {"first": [2.0, 4.0, 2.5], "done": [5.0, 6.0, 9.0], "charts": [40, 40, 40]})
    assert row["link"] == "full page"
    assert row["first section drawn s (<= 3)"] == "2.50" and row["page done s"] == "6.00"
    assert row["charts"] == "40" and row["fresh servers"] == "3" and row["within budget"] == "yes"
    late = bench.navigation_row("?section=descent&embed=true", {"first": [3.5], "done": [4.0], "charts": [6]})
    assert late["link"] == "`?section=descent&embed=true`" and late["within budget"] == "NO"


def test_each_section_has_one_probe_on_a_slider_or_segmented_control():
    assert [p.slug for p in bench.PROBES] == [s.slug for s in SECTIONS]
    for probe in bench.PROBES:
        control = bench._control(probe)
        assert control.key == probe.key
        assert control.widget in ("slider", "select_slider", "segmented"), probe
        values = bench._values(control)
        assert control.default in values and len(values) >= 3, probe
        # at seed 0 plus the extra seeds there are at least 10 values new to the server
        assert (len(values) - 1) * (1 + len(bench.PROBE_SEEDS)) >= 10
    m = bench._control(bench.Probe("local-minimum", "local-minimum.m"))
    assert bench._values(m) == list(range(4, 20))


def test_css_key_is_the_class_streamlit_gives_a_keyed_widget():
    assert bench._css_key("descent.net_lr") == "st-key-descent-net_lr"
    assert bench._css_key("critical-points.lr") == "st-key-critical-points-lr"


def test_new_browser_tables_leave_the_old_rows_in_place(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    stamp = {"date": "d", "commit": "c", "cores": "2", "load": "1.0"}
    old = {"Browser: one control changed, input to chart redrawn": [{"descent step": "1.0 s"}]}
    bench.write_rows(path, old, stamp)
    run = {"control": "plateau.u0", "capped": False, "computed": [0.5, 0.6], "cached": [0.1, 0.2]}
    nav = {"first": [2.0], "done": [3.0], "charts": [6]}
    new = {
        "Browser: navigation on a fresh server": [bench.navigation_row("", nav)],
        "Browser: one control per section, input to chart redrawn": [bench.interaction_row("plateau", run)],
    }
    bench.write_rows(path, new, stamp)
    text = path.read_text()
    assert "| d | c | 2 | 1.0 | 1.0 s |" in text  # the old row is still there
    assert "## Browser: navigation on a fresh server" in text
    assert "| d | c | 2 | 1.0 | plateau | `plateau.u0` | 0.55 |" in text


def test_two_changes_each_way_are_timed_and_land_in_the_url(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    probe = bench.Probe("plateau", "plateau.u0")
    run = bench.probe_changes(page, server, probe, computed=2, cached=2)
    assert len(run["computed"]) == 2 and len(run["cached"]) == 2 and not run["capped"]
    assert all(0 < s < 60 for s in run["computed"] + run["cached"]), run
    assert run["charts"] >= 5 and run["seeds"] == 1
    control = bench._control(probe)
    got = page.evaluate("() => new URLSearchParams(window.location.search).get('plateau.u0')")
    assert got == (None if run["last"] == control.default else control.format_value(run["last"]))
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_a_navigation_on_a_fresh_server_times_the_first_chart_before_the_page_done(browser):
    nav = bench._navigation(browser, "?section=plateau&embed=true", runs=1)
    assert 0 < nav["first"][0] <= nav["done"][0] < 120, nav
    assert nav["charts"][0] >= 5, nav


def test_a_segmented_control_change_is_timed_too(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    charts = bench._open(page, server, "?section=descent")
    control = bench._control(bench.Probe("descent", "descent.net_lr"))
    assert control.widget == "segmented" and control.default != 3.0
    seconds = bench.change(page, control, 3.0, charts)
    assert 0 < seconds < 60
    assert page.evaluate("() => new URLSearchParams(window.location.search).get('descent.net_lr')") == "3"
    assert "− 3 × (" in page.locator("body").inner_text()  # the worked example took the new step
    page.close()


def test_a_probe_whose_budget_runs_out_at_a_new_seed_still_cycles_two_values(monkeypatch):
    """The computed changes stop once the budget is spent, but never right after a new seed is
    opened (its page would hold only the default, and the cached changes had nothing to cycle:
    the bench looped for ever)."""
    clock = {"now": 0.0}
    monkeypatch.setattr(bench.time, "perf_counter", lambda: clock["now"])

    def opened(page, url, query, timeout_s=180.0):
        clock["now"] += 10.0  # loading a seed takes long
        return 3

    def changed(page, control, value, charts, timeout_s=90.0):
        clock["now"] += 4.0
        return 4.0

    monkeypatch.setattr(bench, "_open", opened)
    monkeypatch.setattr(bench, "change", changed)
    probe = bench.Probe("critical-points", "critical-points.lr")
    few = len(bench._values(bench._control(probe))) - 1  # every value but the default, at seed 0
    run = bench.probe_changes(None, "", probe, computed=few + 5, cached=4, budget_s=few * 4.0 + 12.0, least=3)
    assert run["capped"] and run["seeds"] == 2 and len(run["computed"]) == few + 1
    assert len(run["cached"]) == 4
