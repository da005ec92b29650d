"""The whole page, headless, through Streamlit's AppTest: every section under its numbered header,
every control found by its key, links with bad values handled. Each section's own behaviour is
tested in tests/test_app_<section>.py."""

from __future__ import annotations

import pytest

from explainer.sections import CLOSING, SECTIONS
from explainer.ui.page import SEED
from pages import run, widget

#: Controls that only show in some states (tested in their section's own tests).
CONDITIONAL = {"critical-points.noise", "saddle-point.noise"}


@pytest.fixture(scope="module")
def page():
    return run()


def test_page_runs_with_every_section_under_its_numbered_header(page):
    headers = [h.value for h in page.header]
    assert headers == [f"{i} · {s.title}" for i, s in enumerate(SECTIONS, start=1)] + [CLOSING.title]
    assert page.title[0].value == "Escaping the traps"


def test_every_control_is_on_the_page_under_its_key(page):
    for section in SECTIONS:
        for control in section.controls:
            if control.key in CONDITIONAL:
                continue
            assert widget(page, control).key == control.key
    assert page.number_input(key=SEED.key).value == SEED.default


def test_every_claim_box_is_on_the_page_under_its_key(page):
    from pages import verdict

    for section in SECTIONS:
        for claim in section.claims:
            assert verdict(page, claim) in ("confirmed", "refined", "contradicted")


def test_section_parameter_shows_one_section():
    last = len(SECTIONS)
    at = run(section=SECTIONS[-1].slug)
    assert [h.value for h in at.header] == [f"{last} · {SECTIONS[-1].title}"]
    assert not at.title  # no page intro in a single-section embed


def test_unknown_section_is_reported_and_everything_shown():
    at = run(section="nowhere")
    assert len(at.header) == len(SECTIONS) + 1  # and the closing table
    assert any("`nowhere`" in w.value for w in at.warning)


def test_bad_control_values_are_reported_and_replaced_by_the_defaults():
    at = run(section="descent", **{"descent.lr": "abc", "descent.steps": "99", "descent.x0": "banana"})
    notices = [w.value for w in at.warning]
    assert any("Step size" in n and "`abc`" in n for n in notices)
    assert any("Largest number of steps" in n and "`99`" in n for n in notices)
    assert any("Start x" in n and "`banana`" in n for n in notices)
    assert at.select_slider(key="descent.lr").value == 0.1
    assert at.select_slider(key="descent.steps").value == 1000
    assert at.slider(key="descent.x0").value == 1.8


def test_a_start_outside_the_chosen_map_is_reported():
    # The monkey saddle's window is |x| <= 1.5: x0 = 1.8 (fine on the double well) is not on it.
    at = run(section="descent", **{"descent.surface": "monkey saddle", "descent.x0": "1.8"})
    assert any("Start x" in w.value and "`1.8`" in w.value and "outside -1.5 to 1.5" in w.value for w in at.warning)
    assert at.slider(key="descent.x0").value == 1.2


def test_good_control_value_from_the_link_is_used():
    at = run(section="descent", **{"descent.lr": "0.5", "descent.surface": "four traps"})
    assert at.select_slider(key="descent.lr").value == 0.5
    assert at.selectbox(key="descent.surface").value == "four-traps"
    assert not [w.value for w in at.warning if "link" in w.value]


def test_a_choice_may_be_linked_by_its_id_or_by_its_label():
    by_id = run(section="descent", **{"descent.surface": "rosenbrock"})
    assert by_id.selectbox(key="descent.surface").value == "rosenbrock"
    assert not [w.value for w in by_id.warning if "link" in w.value]
    from explainer.sections.descent.page import SURFACE

    by_label = run(section="descent", **{"descent.surface": SURFACE.format("rosenbrock")})
    assert by_label.selectbox(key="descent.surface").value == "rosenbrock"


def test_unknown_parameter_is_reported():
    at = run(section="descent", colour="red")
    assert any("`colour`" in w.value for w in at.warning)


def test_repeated_section_parameter_is_reported():
    from streamlit.testing.v1 import AppTest

    from pages import APP, TIMEOUT

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["section"] = [SECTIONS[-1].slug, "descent"]
    at.run()
    assert not at.exception
    assert [h.value for h in at.header] == [f"{len(SECTIONS)} · {SECTIONS[-1].title}"]
    assert any("names `section` 2 times" in w.value for w in at.warning)


def test_a_claim_box_leads_with_its_finding_and_folds_the_numbers_away():
    from explainer.core.claims import CLAIMS
    from explainer.ui.claims import FOUND, NUMBERS
    from pages import claim_box, finding, verdict

    at = run(section="local-minimum")
    for claim_id in ("minibatch-escape", "depth-vs-samples"):
        expected = CLAIMS[claim_id].check(0)
        box = claim_box(at, claim_id)
        lines = [m.value for m in box.markdown]
        lead = next(i for i, v in enumerate(lines) if v.startswith(f"**{FOUND} —**"))
        numbers = next(i for i, v in enumerate(lines) if v.startswith("**What the computation shows**"))
        assert lines[lead] == f"**{FOUND} —** {expected.finding}" and lead < numbers
        fold = next(e for e in box.expander if e.label == NUMBERS)
        assert fold.proto.expanded is False  # closed until the reader opens it
        assert expected.summary in "\n".join(m.value for m in fold.markdown)
        assert expected.summary in finding(at, claim_id) and verdict(at, claim_id) == expected.verdict


def test_scikit_learns_warnings_stay_out_of_the_server_log():
    """The page's script keeps scikit-learn's warnings out of the log for the whole process (its
    per-fit ``catch_warnings`` blocks are not thread-safe), and only scikit-learn's."""
    import warnings

    run(section="critical-points")  # here: pytest puts back each test's warning filters after it
    ours = [f for f in warnings.filters if f[0] == "ignore" and f[3] is not None and "sklearn" in f[3].pattern]
    assert ours, "the page's script sets the filter"
    with warnings.catch_warnings(record=True) as seen:
        warnings.filters[:] = [*ours, ("default", None, Warning, None, 0)]  # that filter, then show all
        warnings.warn_explicit("lbfgs failed to converge", UserWarning, "x.py", 1, module="sklearn.neural_network._mlp")
        warnings.warn_explicit("overflow in exp", RuntimeWarning, "x.py", 1, module="explainer.core.surfaces")
    assert [str(w.message) for w in seen] == ["overflow in exp"]
