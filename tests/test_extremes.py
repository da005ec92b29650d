"""The extreme links that ``python -m explainer.bench --extremes`` times (``bench.EXTREMES``) stay
true as the controls change: each names one section, only that section's controls and the page's
seed, with values those controls offer today (a retired or out-of-range value would show a notice
and the default, and the bench would time the wrong page), and every section has one. Nothing
here is timed: the figures are in BENCHMARKS.md."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from explainer.bench import EXTREMES
from explainer.sections import CLOSING, SECTIONS
from explainer.ui import controls as ui
from explainer.ui.page import SEED
from pages import run, texts

BY_SLUG = {s.slug: s for s in (*SECTIONS, CLOSING)}


def _params(link: str) -> list[tuple[str, str]]:
    return parse_qsl(link, keep_blank_values=True, strict_parsing=True)


def _section(link: str):
    params = _params(link)
    assert params[0][0] == "section", f"{link}: the link starts with its section"
    return BY_SLUG[params[0][1]]


def _offers(control: ui.Control, raw: str) -> bool:
    """Whether ``control`` takes ``raw`` as it is, without a notice: a current label or a number in
    range, or another name of an option (its id, an alias) that :meth:`Control.named_by` takes
    silently. A retired value is not offered: it shows the nearest option with a notice."""
    if control.problem(raw) is None:
        return True
    link = control.named_by(raw)
    return link is not None and link.notice is None


def _option(control: ui.Control, raw: str):
    """The option a choice's link value names."""
    if raw in control.labels():
        return control.options[control.labels().index(raw)]
    named = control.named_by(raw)
    assert named is not None, f"{control.key}: {raw!r} names no option"
    return named.option


def test_every_section_has_one_extreme_link():
    slugs = [_params(link)[0][1] for link in EXTREMES]
    assert sorted(slugs) == sorted(BY_SLUG), "one link per section (and the closing table), no more"


@pytest.mark.parametrize("link", EXTREMES, ids=lambda link: _params(link)[0][1])
def test_extreme_link_names_real_controls_with_offered_values(link):
    section = _section(link)
    params = dict(_params(link)[1:])
    assert len(params) == len(_params(link)) - 1, f"{link}: a key given twice"
    controls = {c.key: c for c in section.controls}
    unknown = set(params) - set(controls) - {SEED.key}
    assert not unknown, f"{link}: not controls of {section.slug}: {sorted(unknown)}"
    assert SEED.key in params and int(params[SEED.key]) != SEED.default, (
        f"{link}: a seed off the default, so that nothing is read from the precomputed files"
    )
    for key, raw in params.items():
        control = SEED if key == SEED.key else controls[key]
        if control.follows is not None:  # its range follows another control: as that one is set here
            leader = controls[control.follows]
            given = params.get(leader.key)
            control = control.under(leader.default if given is None else _option(leader, given))
        assert _offers(control, raw), f"{link}: {key}={raw!r} is not a value {key} offers ({control.problem(raw)})"


def test_offers_tells_a_retired_value_from_an_offered_one():
    """The check above can fail: a retired count, an unknown label and an out-of-range number are
    not offered."""
    landscape = {c.key: c for c in BY_SLUG["landscape"].controls}
    assert _offers(landscape["landscape.directions"], "24")
    assert not _offers(landscape["landscape.directions"], "32")  # retired in issue 7
    assert not _offers(landscape["landscape.epochs"], "10000")
    assert not _offers(landscape["landscape.weight"], "4418")
    assert not _offers(SEED, "10000")


def test_a_retired_grid_side_shows_the_largest_offered_and_says_so():
    """critical-points.grid=31 was narrowed away for issue 14 (12 s and 243 MB above the app): an old
    link shows 27, the largest side offered now, with a notice, and the address says 27."""
    at = run(section="critical-points", **{"critical-points.grid": "31"})
    assert at.select_slider(key="critical-points.grid").value == 27
    assert (
        "The link asked for **Starts per side** = `31`, which this page no longer offers; showing the nearest, 27."
        in texts(at)
    )
    assert at.query_params.get("critical-points.grid") == "27"


def test_a_retired_step_budget_shows_the_largest_offered_and_says_so():
    """saddle-point.steps=10000 was narrowed away for issue 14 (10.5 s): an old link shows 5,000."""
    at = run(section="saddle-point", **{"saddle-point.steps": "10000"})
    assert at.select_slider(key="saddle-point.steps").value == 5000
    assert (
        "The link asked for **Largest number of steps** = `10000`, which this page no longer offers; showing the "
        "nearest, 5000." in texts(at)
    )
    assert at.query_params.get("saddle-point.steps") == "5000"
