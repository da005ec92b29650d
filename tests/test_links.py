"""Links are a public contract: they live on in blog posts, so every link below must keep restoring
exactly the view it names, for as long as the app lives.

The links are written out as literal strings, never generated from the controls' current labels:
renaming an option breaks its link here, and the fix is an alias on the control (``aliases=``),
not a new link. Every control of every section (and the page's seed) has at least one link with a
value off its default; a new control fails ``test_every_control_has_a_link`` until one is added.

Each link is opened once, through AppTest, as a reader's first visit: each control it names must
hold the value given, no notice may say that part of the link was ignored, and the page's address
(``at.query_params``) must still hold that value, spelled as today's label, so that the address a
reader copies (and the share box, which reads it) is the view on screen.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from explainer.sections import SECTIONS
from explainer.ui import controls as ui
from explainer.ui.page import SEED
from pages import TIMEOUT, run, widget


class Case(NamedTuple):
    link: str
    expects: dict[str, Any]  # control key -> the value its widget must hold


#: Today's links: at least one value off its default for every control, grouped into one link per
#: section where the values do not interact (followers are set together with the control they
#: follow: descent.x0, .y0 and .lr follow descent.surface; critical-points.lr its surface).
LINKS: tuple[Case, ...] = (
    Case(
        "section=descent&descent.net_lr=30&descent.surface=four+traps&descent.x0=-2.5&descent.y0=1.5"
        "&descent.lr=0.2&descent.steps=500&descent.why=true&page.seed=3",
        {
            "descent.net_lr": 30.0,
            "descent.surface": "four-traps",
            "descent.x0": -2.5,  # outside the default surface's window (-2 to 2): read against four traps
            "descent.y0": 1.5,
            "descent.lr": 0.2,
            "descent.steps": 500,
            "descent.why": True,
            "page.seed": 3,  # in the section's "Seed and links" expander (the sidebar's on the full page)
        },
    ),
    Case(
        "section=landscape&landscape.data=Circles&landscape.activation=tanh"
        "&landscape.optimizer=SGD+%2B+momentum+0.9+%28step+0.05%29&landscape.epochs=10&landscape.early=2"
        "&landscape.weight=5&landscape.span=1&landscape.directions=24",
        {
            "landscape.data": "circles",
            "landscape.activation": "tanh",
            "landscape.optimizer": "sgd",
            "landscape.epochs": 10,
            "landscape.early": 2,
            "landscape.weight": 5,
            "landscape.span": 1.0,
            "landscape.directions": 24,
        },
    ),
    Case(
        "section=critical-points&critical-points.surface=Himmelblau&critical-points.method=noisy+gradient+descent"
        "&critical-points.lr=0.02&critical-points.steps=500&critical-points.grid=15&critical-points.noise=0.2",
        {
            "critical-points.surface": "himmelblau",
            "critical-points.method": "noisy",
            "critical-points.lr": 0.02,  # Himmelblau's own step is 0.01
            "critical-points.steps": 500,
            "critical-points.grid": 15,
            "critical-points.noise": 0.2,
        },
    ),
    Case(
        "section=local-minimum&local-minimum.m=8&local-minimum.batch=16&local-minimum.lr=0.1&local-minimum.noise=0.8",
        {"local-minimum.m": 8, "local-minimum.batch": 16, "local-minimum.lr": 0.1, "local-minimum.noise": 0.8},
    ),
    Case(
        "section=saddle-point&saddle-point.method=perturbed+gradient+descent&saddle-point.lr=0.03"
        "&saddle-point.y0=1e-6&saddle-point.steps=1000&saddle-point.noise=0.03&saddle-point.init=0.01",
        {
            "saddle-point.method": "perturbed",
            "saddle-point.lr": 0.03,
            "saddle-point.y0": "1e-6",
            "saddle-point.steps": 1000,
            "saddle-point.noise": 0.03,
            "saddle-point.init": 0.01,
        },
    ),
    Case(
        "section=plateau&plateau.depth=2&plateau.u0=0.001&plateau.lr=0.3&plateau.method=Adam"
        "&plateau.activation=tanh&plateau.width=3",
        {
            "plateau.depth": 2,
            "plateau.u0": 0.001,
            "plateau.lr": 0.3,
            "plateau.method": "adam",
            "plateau.activation": "tanh",
            "plateau.width": 3,
        },
    ),
    Case(  # the whole walkthrough, not one section
        "descent.steps=200&plateau.width=4&overfitting.alpha=0.1",
        {"descent.steps": 200, "plateau.width": 4, "overfitting.alpha": 0.1},
    ),
    Case(
        "section=overfitting&overfitting.width=32&overfitting.alpha=0.01&overfitting.iterations=1000",
        {"overfitting.width": 32, "overfitting.alpha": 0.01, "overfitting.iterations": 1000},
    ),
)

#: Links as earlier versions of the app wrote them (option ids, numbers spelled by Python's str:
#: seen in this repository's history), and other spellings of the same numbers. They restore the
#: same view without a word, and the address is rewritten to today's labels.
OLD_LINKS: tuple[Case, ...] = (
    Case("section=descent&descent.net_lr=3.0&descent.lr=1.0", {"descent.net_lr": 3.0, "descent.lr": 1.0}),
    Case(
        "section=descent&descent.net_lr=30.0&descent.surface=rosenbrock",
        {"descent.net_lr": 30.0, "descent.surface": "rosenbrock"},
    ),
    Case(
        "section=descent&descent.surface=four-traps&descent.x0=-2.5",
        {"descent.surface": "four-traps", "descent.x0": -2.5},
    ),
    Case("section=descent&descent.surface=monkey-saddle", {"descent.surface": "monkey-saddle"}),
    Case("section=descent&descent.surface=six-hump-camel", {"descent.surface": "six-hump-camel"}),
    Case("section=descent&descent.surface=tanh-plateau", {"descent.surface": "tanh-plateau"}),
    Case(
        "section=critical-points&critical-points.surface=himmelblau&critical-points.method=noisy"
        "&critical-points.lr=0.020&critical-points.noise=2e-1",
        {
            "critical-points.surface": "himmelblau",
            "critical-points.method": "noisy",
            "critical-points.lr": 0.02,
            "critical-points.noise": 0.2,
        },
    ),
    Case(
        "section=critical-points&critical-points.surface=six-hump-camel", {"critical-points.surface": "six-hump-camel"}
    ),
    Case(
        "section=landscape&landscape.data=circles&landscape.optimizer=sgd&landscape.epochs=10&landscape.span=1.0",
        {"landscape.data": "circles", "landscape.optimizer": "sgd", "landscape.epochs": 10, "landscape.span": 1.0},
    ),
    Case(  # "Xor" was the label until issue 12 (an alias on the control), "XOR" today
        "section=landscape&landscape.data=Xor&landscape.epochs=10",
        {"landscape.data": "xor", "landscape.epochs": 10},
    ),
    Case(
        "section=local-minimum&local-minimum.batch=40&local-minimum.lr=0.10",
        {"local-minimum.batch": 40, "local-minimum.lr": 0.1},
    ),
    Case(
        "section=plateau&plateau.method=adam&plateau.activation=relu&plateau.u0=1e-3",
        {"plateau.method": "adam", "plateau.activation": "relu", "plateau.u0": 0.001},
    ),
    Case(
        "section=saddle-point&saddle-point.method=perturbed&saddle-point.y0=0.000001&saddle-point.init=1.0",
        {"saddle-point.method": "perturbed", "saddle-point.y0": "1e-6", "saddle-point.init": 1.0},
    ),
)

CONTROLS: dict[str, ui.Control] = {c.key: c for s in SECTIONS for c in s.controls} | {SEED.key: SEED}
#: Widgets shown only under another setting (critical-points.noise and saddle-point.noise only for
#: noisy or perturbed descent): their links set that too.


def _params(link: str) -> dict[str, str]:
    pairs = parse_qsl(link, keep_blank_values=True)
    assert len({k for k, _ in pairs}) == len(pairs), f"a key given twice in {link}"
    return dict(pairs)


def _widget_value(at, control: ui.Control):
    found = widget(at, control)
    return found.proto.expanded if control.widget == "expander" else found.value


def _leader_value(control: ui.Control, expects: dict[str, Any]):
    return expects.get(control.follows, CONTROLS[control.follows].default) if control.follows else None


def _address_reads(control: ui.Control, text: str, value) -> bool:
    """Whether the address's ``text`` for ``control`` is today's spelling of ``value``."""
    if control.options:
        return text == control.format(value)
    if control.widget in ("toggle", "expander"):
        return text == str(bool(value)).lower()
    return float(text) == pytest.approx(float(value), abs=1e-12)


def _link_notices(at) -> list[str]:
    return [w.value for w in at.warning if w.icon == ":material/link_off:" or "link" in w.value.lower()]


def _check(case: Case) -> AppTest:
    at = run(**_params(case.link))
    assert not _link_notices(at), (case.link, _link_notices(at))
    for key, value in case.expects.items():
        control = CONTROLS[key].under(_leader_value(CONTROLS[key], case.expects))
        shown = _widget_value(at, control)
        if isinstance(value, float):
            assert shown == pytest.approx(value, abs=1e-12), (case.link, key, shown)
        else:
            assert shown == value, (case.link, key, shown)
        assert key in at.query_params, (case.link, key, dict(at.query_params))
        assert _address_reads(control, at.query_params[key], value), (case.link, key, at.query_params[key])
    return at


# ----- the contract itself ---------------------------------------------------------------------------


def test_every_control_has_a_link_off_its_default():
    covered = {}
    for case in LINKS:
        params = _params(case.link)
        assert set(case.expects) <= set(params), case.link  # each expectation is named by its link
        assert set(params) - {"section"} == set(case.expects), case.link  # and each parameter checked
        for key, value in case.expects.items():
            control = CONTROLS[key].under(_leader_value(CONTROLS[key], case.expects))
            if value != control.default:
                covered[key] = case.link
    missing = sorted(set(CONTROLS) - set(covered))
    assert not missing, f"controls with no link in LINKS (add one, off the default): {missing}"


def test_old_links_name_only_known_controls():
    for case in OLD_LINKS:
        assert set(_params(case.link)) - {"section"} == set(case.expects), case.link


@pytest.mark.parametrize(
    "case", LINKS, ids=lambda c: c.link.split("&")[0].split("=")[1] if "section=" in c.link else "all"
)
def test_a_link_restores_every_value_it_names(case):
    _check(case)


@pytest.mark.parametrize("case", OLD_LINKS, ids=lambda c: c.link.split("section=")[1])
def test_an_old_link_restores_the_same_view_and_is_rewritten_to_todays_labels(case):
    _check(case)


def test_values_at_their_defaults_stay_out_of_the_address():
    # Spelled out in the link (as labels, ids and numbers), the defaults are dropped from it.
    at = run(
        section="descent",
        **{"descent.surface": "double-well", "descent.lr": "0.10", "descent.net_lr": "0.3", "descent.steps": "1000"},
    )
    assert not _link_notices(at)
    assert dict(at.query_params) == {"section": "descent"}
    assert at.selectbox(key="descent.surface").value == "double-well"


@pytest.mark.parametrize("slug", [s.slug for s in SECTIONS])
def test_a_section_at_its_defaults_has_no_control_in_its_address(slug):
    at = run(section=slug)
    assert dict(at.query_params) == {"section": slug}
    assert not _link_notices(at)


# ----- choices that are gone ---------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "shown"), [("16", 12), ("32", 24)])
def test_a_retired_direction_count_shows_the_nearest_one_and_says_so(old, shown):
    # landscape.directions offered 8, 16 and 32 until issue 7; today 8, 12 and 24.
    at = run(section="landscape", **{"landscape.directions": old})
    assert at.select_slider(key="landscape.directions").value == shown
    notices = _link_notices(at)
    assert notices == [
        f"The link asked for **Random directions** = `{old}`, which this page no longer offers; "
        f"showing the nearest, {shown}."
    ]
    assert at.query_params.get("landscape.directions") == (None if shown == 12 else str(shown))  # 12 is the default


def test_a_bad_link_value_still_shows_the_default_with_a_notice():
    # The rules for old spellings must not swallow a value that names no option.
    at = run(section="descent", **{"descent.lr": "7", "descent.net_lr": "0.30000001"})
    notices = " ".join(_link_notices(at))
    assert "`7`" in notices and "`0.30000001`" in notices
    assert at.select_slider(key="descent.lr").value == 0.1
    assert "descent.lr" not in at.query_params


# ----- the mechanism, on a control of its own ------------------------------------------------------


def _demo_app():
    import streamlit as st

    from explainer.ui import controls as ui

    shape = ui.Control(
        "demo.shape",
        "Shape",
        "select",
        "circle",
        options=("circle", "square", "hexagon"),
        format={"circle": "round disc", "square": "square", "hexagon": "six-sided"}.get,
        aliases={"circle (round)": "circle", "hexagonal": "hexagon", "hex": "hexagon"},
    )
    size = ui.Control(
        "demo.size", "Size", "select_slider", 0.5, options=(0.1, 0.5, 2.0), format=ui.number, retired=("1",)
    )
    st.write(f"shape={ui.render(shape)}; size={ui.render(size)}")


def _demo(**params) -> AppTest:
    return run(AppTest.from_function(_demo_app, default_timeout=TIMEOUT), **params)


def test_an_alias_restores_its_option_silently_and_the_address_takes_todays_label():
    at = _demo(**{"demo.shape": "hexagonal"})
    assert at.selectbox(key="demo.shape").value == "hexagon"
    assert not at.warning
    assert at.query_params["demo.shape"] == "six-sided"
    assert "shape=hexagon" in at.markdown[0].value
    # Drawn unbound on that first run, the widget binds on the next: a change made in between is
    # written into the address by the server (later ones the browser writes, as for any widget).
    at.selectbox(key="demo.shape").set_value("square").run()
    assert at.query_params["demo.shape"] == "square"


def test_an_alias_of_the_default_leaves_the_address_clean():
    at = _demo(**{"demo.shape": "circle (round)", "demo.size": "0.50"})
    assert at.selectbox(key="demo.shape").value == "circle"
    assert at.select_slider(key="demo.size").value == 0.5
    assert not at.warning
    assert "demo.shape" not in at.query_params and "demo.size" not in at.query_params


def test_the_current_label_and_a_typo_are_handled_as_before():
    at = _demo(**{"demo.shape": "six-sided", "demo.size": "3"})
    assert at.selectbox(key="demo.shape").value == "hexagon"
    assert at.query_params["demo.shape"] == "six-sided"
    assert at.select_slider(key="demo.size").value == 0.5
    assert [w.value for w in at.warning] == [
        "The link asked for **Size** = `3`, but it is not one of the choices (0.1, 0.5, 2); showing the default, 0.5."
    ]


def test_a_retired_value_keeps_its_notice_until_the_reader_changes_it():
    at = _demo(**{"demo.size": "1"})
    assert at.select_slider(key="demo.size").value == 0.5  # 1 is nearer 0.5 than 2
    assert [w.value for w in at.warning] == [
        "The link asked for **Size** = `1`, which this page no longer offers; showing the nearest, 0.5."
    ]
    at.run()
    assert len(at.warning) == 1
    at.select_slider(key="demo.size").set_value(2.0).run()
    assert not at.warning
    at.select_slider(key="demo.size").set_value(0.5).run()
    assert not at.warning  # gone for good once changed


def test_named_by_is_one_rule_for_ids_aliases_numbers_and_retired_values():
    shape = ui.Control(
        "demo.shape", "Shape", "select", "a", options=("a", "b"), format={"a": "A one", "b": "B two"}.get,
        aliases={"old a": "a"},
    )  # fmt: skip
    assert shape.named_by("A one") is None  # today's label: Streamlit reads it itself
    assert shape.named_by("b") == ui.Link("b")
    assert shape.named_by("old a") == ui.Link("a")
    assert shape.named_by("old b") is None and shape.named_by("") is None
    step = ui.Control("demo.lr", "Step", "select_slider", 0.3, options=(0.03, 0.3, 3.0, 30.0), format=ui.number)
    for spelling, option in [("3.0", 3.0), ("3.00", 3.0), ("3e0", 3.0), ("0.30", 0.3), ("3E1", 30.0), (".03", 0.03)]:
        assert step.named_by(spelling) == ui.Link(option), spelling
    for junk in ("3.0000001", "nan", "inf", "three", "0x3"):
        assert step.named_by(junk) is None, junk
    count = ui.Control("demo.n", "Directions", "select_slider", 12, options=(8, 12, 24), retired=("16", "32", "4"))
    assert count.named_by("16").option == 12 and "no longer offers" in count.named_by("16").notice
    assert count.named_by("32").option == 24 and count.named_by("4").option == 8
    assert count.named_by("16.0").option == 12  # a retired value spelled another way
    assert count.named_by("20") is None  # never offered: not guessed at


def test_an_alias_or_retired_value_that_names_nothing_is_refused():
    with pytest.raises(ValueError, match="not an option"):
        ui.Control("demo.s", "S", "select", "a", options=("a", "b"), aliases={"old": "c"})
    with pytest.raises(ValueError, match="is a current label"):
        ui.Control("demo.s", "S", "select", "a", options=("a", "b"), aliases={"b": "a"})
    with pytest.raises(ValueError, match="no longer offers"):
        ui.Control("demo.n", "N", "select_slider", 12, options=(8, 12, 24), retired=("12.0",))
    with pytest.raises(ValueError, match="numeric options"):
        ui.Control("demo.s", "S", "select", "a", options=("a", "b"), retired=("1",))


def test_a_control_with_aliases_stays_hashable_and_equal_to_itself():
    one = ui.Control("demo.s", "S", "select", "a", options=("a", "b"), aliases={"old": "a"})
    two = ui.Control("demo.s", "S", "select", "a", options=("a", "b"), aliases=(("old", "a"),))
    assert one.aliases == (("old", "a"),) and hash(one) == hash(two)
