"""The glossary: one plain definition per term, and each section's "Words used here" aside lists
exactly the glossary terms its text uses (run through AppTest, both ways), so new prose with a new
term fails here until the term is listed."""

from __future__ import annotations

import pytest

import pages
from explainer.sections import CLOSING, SECTIONS, glossary
from explainer.ui.page import WORDS_LABEL, words_key
from pages import run

ALL = (*SECTIONS, CLOSING)
#: The terms issue 11 names, which the glossary must define.
REQUIRED = (
    "gradient", "Hessian", "eigenvalue", "curvature", "saddle", "plateau", "downhill directions", "mini-batch",
    "filter normalisation", "principal components", "L2 penalty", "Lanczos", "local minimum", "global minimum",
    "step size", "epoch", "loss", "sharpness", "strict saddle",
)  # fmt: skip
#: Text that is the page's, not the section's (the embedded section's footer with the seed).
FOOTER = "Seed and links"


def _chart_text(spec) -> list[str]:
    """Titles, subtitles, axis and legend titles anywhere in a Vega-Lite spec."""
    out = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("title", "subtitle") and isinstance(value, str | list):
                out += [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
            elif key not in ("data", "datasets", "values"):
                out += _chart_text(value)
    elif isinstance(spec, list):
        for value in spec:
            out += _chart_text(value)
    return out


def section_text(at, slug: str) -> str:
    """Everything a reader of one embedded section can read (markdown, captions, alerts, labels,
    help, metrics, chart titles), without its words aside and the page's footer."""
    parts = []

    def walk(node) -> None:
        if getattr(node, "key", None) == words_key(slug) or getattr(node, "label", None) == FOOTER:
            return
        for field in ("label", "help"):
            value = getattr(node, field, None)
            if isinstance(value, str):
                parts.append(value)
        if node.type in ("markdown", "caption", "header", "subheader", "title", "alert", "metric") or node.type in (
            "success",
            "warning",
            "error",
            "info",
        ):
            value = getattr(node, "value", None)
            if isinstance(value, str):
                parts.append(value)
        if node.type == "vega_lite_chart":
            parts.extend(_chart_text(pages.chart_spec(node)))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return "\n".join(parts)


def _open_everything(section) -> dict:
    """Link parameters that open every aside a section runs only when open."""
    return {c.key: "true" for c in section.controls if c.widget == "expander"}


@pytest.fixture(scope="module", params=[s.slug for s in ALL])
def shown(request):
    section = next(s for s in ALL if s.slug == request.param)
    at = run(section=section.slug, **_open_everything(section))
    return section, at


def test_every_required_term_is_defined_once_in_plain_words():
    names = [t.name for t in glossary.TERMS.values()]
    assert len(names) == len(set(names))
    missing = [t for t in REQUIRED if t not in glossary.TERMS]
    assert not missing, missing
    for term in glossary.TERMS.values():
        assert term.definition.endswith("."), term.name
        assert 20 < len(term.definition) < 320, term.name
        assert term.found_in(term.name), f"{term.name!r} does not match its own forms"


def test_each_section_lists_exactly_the_terms_its_text_uses(shown):
    section, at = shown
    text = section_text(at, section.slug)
    used = set(glossary.used_in(text))
    listed = set(glossary.USED[section.slug])
    assert not used - listed, f"{section.slug} uses terms it does not list: {sorted(used - listed)}"
    assert not listed - used, f"{section.slug} lists terms its text never uses: {sorted(listed - used)}"


def test_each_section_shows_its_words_under_its_header(shown):
    section, at = shown
    aside = at.get_by_key(words_key(section.slug))
    assert aside is not None
    shown_text = "\n".join(m.value for m in aside.markdown)
    for name in glossary.USED[section.slug]:
        assert f"**{name}**: {glossary.TERMS[name].definition}" in shown_text
    assert shown_text.count("\n- ") + 1 == len(glossary.USED[section.slug])
    assert WORDS_LABEL in _labels(aside)


def _labels(node) -> list[str]:
    """Labels of widgets, expanders and popovers under ``node``."""
    found = [node.label] if isinstance(getattr(node, "label", None), str) else []
    if getattr(node, "type", None) == "popover":
        found.append(node.proto.popover.label)
    for child in getattr(node, "children", {}).values():
        found += _labels(child)
    return found


def test_matching_knows_a_term_from_a_longer_one():
    # "local minimum" is not also a bare "minimum"; a saddle point is a saddle; a new term is found.
    assert glossary.used_in("It rests in a local minimum.") == ["local minimum"]
    assert glossary.used_in("a minimum, then a saddle point") == ["minimum", "saddle"]
    assert "Lanczos" in glossary.used_in("found by Lanczos iterations")
    assert glossary.used_in("nothing technical here") == []


def test_the_text_check_would_catch_an_unlisted_term():
    # A test that cannot fail is a defect: a sentence with a term the section does not list is caught.
    listed = set(glossary.USED["claims"])
    new = set(glossary.used_in("The monkey saddle is slow.")) - listed
    assert "monkey saddle" in new
