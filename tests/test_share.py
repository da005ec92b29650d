"""The "Share or embed" box: the app's root address, a section's link with the settings on screen,
and the iframe snippet (unit tests of explainer.ui.share, then the box on the page through AppTest)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest

import pages
from explainer.ui import share


@pytest.mark.parametrize(
    ("url", "root"),
    [
        (None, share.LOCAL),
        ("http://127.0.0.1:8501", "http://127.0.0.1:8501/"),
        ("http://127.0.0.1:8501/", "http://127.0.0.1:8501/"),
        ("https://traps.streamlit.app/?section=plateau#x", "https://traps.streamlit.app/"),
        # Community Cloud runs the app in a frame at /~/+/; links go to the public root.
        ("https://traps.streamlit.app/~/+/", "https://traps.streamlit.app/"),
        ("https://example.org/apps/traps/", "https://example.org/apps/traps/"),
    ],
)
def test_the_root_address_is_the_app_s_public_one(url, root):
    assert share.base(url) == root


def test_a_section_link_keeps_its_own_settings_and_the_seed_only():
    params = {"section": ["plateau"], "plateau.depth": ["2"], "descent.lr": ["0.5"], "page.seed": ["7"]}
    q = share.query("plateau", params, {"plateau.depth", "plateau.lr", "page.seed"})
    assert parse_qsl(q) == [("section", "plateau"), ("plateau.depth", "2"), ("page.seed", "7")]
    embedded = parse_qsl(share.query("plateau", params, {"plateau.depth"}, embed=True, theme="dark_theme"))
    assert embedded == [
        ("section", "plateau"),
        ("plateau.depth", "2"),
        ("embed", "true"),
        ("embed_options", "dark_theme"),
    ]
    # Spaces and symbols in a label are percent-encoded, so nothing breaks out of the attribute.
    spaced = share.query("descent", {"descent.surface": ['tilted "double" well <b>']}, {"descent.surface"})
    assert dict(parse_qsl(spaced))["descent.surface"] == 'tilted "double" well <b>'
    share.iframe(f"http://x/?{spaced}", 100, "t")  # does not raise: nothing to escape


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_snippet_is_one_iframe_of_the_given_height():
    parser = _Tags()
    parser.feed(share.iframe("http://x/?section=claims&embed=true", 2450, 'Claims & "verdicts"'))
    assert parser.tags == [
        (
            "iframe",
            {
                "src": "http://x/?section=claims&embed=true",
                "title": 'Claims & "verdicts"',
                "width": "100%",
                "height": "2450",
                "style": "border:0",
                "loading": "lazy",
            },
        )
    ]
    with pytest.raises(ValueError):
        share.iframe('http://x/?a="><script>', 10, "t")


def _codes(at) -> list[str]:
    return [c.value for c in at.code]


def test_the_box_links_the_section_with_the_settings_on_screen():
    from explainer.sections import SECTIONS

    at = pages.run(section="plateau", **{"plateau.depth": "2", "page.seed": "3"})
    link, *snippets = _codes(at)
    assert link.startswith(share.LOCAL)
    assert parse_qsl(urlsplit(link).query) == [("section", "plateau"), ("plateau.depth", "2"), ("page.seed", "3")]
    height = next(s.height for s in SECTIONS if s.slug == "plateau")
    assert len(snippets) == len(share.THEMES)
    for snippet, (_, theme) in zip(snippets, share.THEMES, strict=True):
        parser = _Tags()
        parser.feed(snippet)
        ((tag, attrs),) = parser.tags
        assert tag == "iframe"
        query = dict(parse_qsl(urlsplit(attrs["src"]).query))
        assert query == {
            "section": "plateau",
            "plateau.depth": "2",
            "page.seed": "3",
            "embed": "true",
            **({"embed_options": theme} if theme else {}),
        }
        assert attrs["height"] == str(height)


def test_at_the_defaults_the_link_names_the_section_alone():
    at = pages.run(section="critical-points")
    assert _codes(at)[0] == f"{share.LOCAL}?section=critical-points"


def test_every_section_and_the_closing_table_has_a_height_to_embed_at():
    from explainer.sections import CLOSING, SECTIONS
    from explainer.sections.heights import HEIGHTS

    assert set(HEIGHTS) == {s.slug for s in (*SECTIONS, CLOSING)}
    assert all(s.height == HEIGHTS[s.slug] and 1000 <= s.height <= 10_000 for s in (*SECTIONS, CLOSING))
