"""The export command, ``python -m explainer.export``: one file per chart on the page, each
drawing holding its chart's title, data files equal to the figures' data, a gallery that
references every file with the page's own captions, a link's settings honoured, bad links and
arguments handled, and the gallery's pictures loading in headless Chromium."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from explainer import export
from explainer.sections import SECTIONS
from explainer.ui.display import RECORD, export_spec
from pages import APP, TIMEOUT, _unsmall

SLUG = "critical-points"


# --- the page, read independently of the command ----------------------------------------------


def _children(node):
    return list(getattr(node, "children", {}).values())


def exported_charts(node) -> list[str]:
    """The caption of every chart under ``node`` that has an Export menu (the text just above
    the menu), in page order."""
    found = []
    kids = _children(node)
    for before, kid in zip([None, *kids], kids, strict=False):
        if getattr(kid, "type", None) == "popover" and kid.proto.popover.label == "Export":
            assert {b.label for b in kid.download_button} >= {"Data (CSV)", "Drawing (SVG)", "Picture (PNG)"}
            assert before is not None and before.type == "markdown"
            found.append(_unsmall(before.value))
        else:
            found += exported_charts(kid)
    return found


def open_menus(at) -> list[str]:
    """Open every Export menu on the page (their buttons are made only while open) and rerun;
    the menus' keys."""
    keys = [k for k in at.session_state if isinstance(k, str) and k.endswith(".menu")]
    for k in keys:
        at.session_state[k] = True
    at.run()
    assert not at.exception
    return keys


@pytest.fixture(scope="module")
def page_run():
    """The critical-points page run once with the recording list in place, its Export menus
    then opened: its tree and the figures ``show_chart`` was handed."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["section"] = SLUG
    at.session_state[RECORD] = []
    at.run()
    assert not at.exception
    recorded = list(at.session_state[RECORD])
    assert open_menus(at)
    return at, recorded


def test_a_closed_menu_makes_no_buttons_and_an_open_one_makes_all_four():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["section"] = SLUG
    at.run()
    assert len(at.get("download_button")) == 0
    keys = open_menus(at)
    assert len(at.get("download_button")) == 4 * len(keys) > 0


@pytest.fixture(scope="module")
def svg_export(tmp_path_factory):
    out = tmp_path_factory.mktemp("export-svg")
    lines = []
    export.export(out, section=SLUG, fmt="svg", log=lines.append)
    return out, lines


class Gallery(HTMLParser):
    """The parts of ``index.html`` the tests read: image sources and alt texts, links, figure
    captions (without their file line) and section headings."""

    def __init__(self):
        super().__init__()
        self.images, self.alts, self.links, self.captions, self.headings = [], [], [], [], []
        self._in = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a["src"])
            self.alts.append(a["alt"])
        elif tag == "a":
            self.links.append(a["href"])
        if tag == "figcaption":
            self._in = "caption"
            self.captions.append("")
        elif tag == "span" and a.get("class") == "files":
            self._in = None
        elif tag == "h2":
            self._in = "heading"
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag in ("figcaption", "h2"):
            self._in = None

    def handle_data(self, data):
        if self._in == "caption":
            self.captions[-1] += data
        elif self._in == "heading":
            self.headings[-1] += data


def read_gallery(out: Path) -> Gallery:
    parser = Gallery()
    parser.feed((out / "index.html").read_text(encoding="utf-8"))
    parser.close()
    return parser


def titles(spec) -> list[str]:
    """The title lines of a spec and of the charts it stacks."""
    found = []
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    found += [text] if isinstance(text, str) else list(text or [])
    for part in spec.get("vconcat", []) + spec.get("hconcat", []):
        found += titles(part)
    return found


# --- one section as drawings ------------------------------------------------------------------


def test_one_drawing_per_chart_on_the_page_each_with_its_title(page_run, svg_export):
    at, recorded = page_run
    out, _ = svg_export
    on_page = exported_charts(at._tree)
    assert len(on_page) == 3  # the basins map, the counts by kind, the longest stall (two charts stacked)
    drawn = len(at.get("vega_lite_chart"))
    assert drawn == 4 and sum(len(f.spec) if isinstance(f.spec, list) else 1 for _, f, _ in recorded) == drawn
    assert [caption for _, _, caption in recorded] == on_page
    files = sorted(p.name for p in (out / SLUG).iterdir())
    stems = [name for name, _, _ in recorded]
    assert stems == [f"critical-points-{kind}-four-traps" for kind in ("basins", "counts", "example")]
    assert files == sorted(f"{s}.{ext}" for s in stems for ext in ("svg", "csv", "vl.json"))
    assert [p.name for p in out.iterdir() if p.is_file()] == ["index.html"]
    for name, fig, _ in recorded:
        svg = (out / SLUG / f"{name}.svg").read_text(encoding="utf-8")
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg") and float(root.get("width")) >= 300
        # every text of the drawing (a title of several lines is one <text> of <tspan>s)
        text = " ".join(part for t in root.iter() if t.tag.endswith("}text") for part in t.itertext())
        expected = titles(export_spec(fig.spec if isinstance(fig.spec, list) else [fig.spec]))
        assert expected and all(line in text for line in expected), (name, expected)
    assert "Where 441 runs of gradient descent ended" in (out / SLUG / f"{recorded[0][0]}.svg").read_text()


def test_data_files_hold_the_figures_data(page_run, svg_export):
    _, recorded = page_run
    out, _ = svg_export
    for name, fig, _ in recorded:
        got = pd.read_csv(out / SLUG / f"{name}.csv")
        want = fig.data.reset_index(drop=True)
        assert len(got) == len(want) > 0 and list(got.columns) == [str(c) for c in want.columns]
        for column in want.columns:
            if pd.api.types.is_numeric_dtype(want[column]):
                assert np.allclose(got[str(column)], want[column], rtol=1e-12, atol=0, equal_nan=True), column
            else:
                assert got[str(column)].fillna("").astype(str).tolist() == want[column].fillna("").astype(str).tolist()
    # the basins map: one row per start of the 21 x 21 grid
    assert len(pd.read_csv(out / SLUG / "critical-points-basins-four-traps.csv")) == 441


def test_the_gallery_references_every_file_with_the_pages_captions(page_run, svg_export):
    at, _ = page_run
    out, lines = svg_export
    g = read_gallery(out)
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "index.html"}
    referenced = set(g.images) | {h for h in g.links if not h.startswith(("#", "http"))}
    assert referenced == written
    assert all((out / r).is_file() for r in referenced)
    captions = exported_charts(at._tree)
    assert not any(mark in c for c in captions for mark in ("**", "`", "$"))  # plain text: compared as is
    assert [c.strip() for c in g.captions] == captions == g.alts
    assert g.headings == ["3 · Where the gradient vanishes"]
    assert lines[0] == "[1/1] critical-points: running the page…" and lines[1].startswith(
        "[1/1] critical-points: 3 charts"
    )
    assert re.match(r"Wrote 3 charts \(9 files, [0-9.]+ MB\) from 1 section in \d+ s; gallery: ", lines[-1])


def test_captions_become_escaped_html():
    text = (
        "**Bold** <b>no</b> `a<b` *it* 3*4*5, $0.5^{5{,}000}$ and $\\sigma_b^2 \\approx \\Delta L$ "
        "[go](?section=x&a=1) $10^{-3}$"
    )
    assert export.caption_html(f":small[{text}]") == (
        "<strong>Bold</strong> &lt;b&gt;no&lt;/b&gt; <code>a&lt;b</code> <em>it</em> 3*4*5, "
        '<span class="math">0.5<sup>5,000</sup></span> and '
        '<span class="math">σ<sub>b</sub><sup>2</sup> ≈ ΔL</span> <a href="?section=x&amp;a=1">go</a> '
        '<span class="math">10<sup>−3</sup></span>'
    )
    assert export.caption_text(text) == "Bold <b>no</b> a<b it 3*4*5, 0.5^(5,000) and σ_b^2 ≈ ΔL go 10^(-3)"
    assert "<a" not in export.caption_html("[click](javascript:alert(1))")


# --- links --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_link_export(tmp_path_factory):
    """A link with a value the page cannot use and a parameter it does not know: the defaults."""
    out = tmp_path_factory.mktemp("export-bad-link")
    lines = []
    export.export(
        out, link="?section=plateau&plateau.depth=banana&nonsense=1&descent.lr=0.3", fmt="svg", log=lines.append
    )
    return out, lines


def test_a_links_settings_change_the_charts(tmp_path, bad_link_export):
    default_out, _ = bad_link_export
    lines = []
    link = "https://traps.example.app/?section=plateau&plateau.depth=2&embed=true"
    export.export(tmp_path, link=link, fmt="svg", log=lines.append)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "plateau"]
    two, three = read_gallery(tmp_path), read_gallery(default_out)
    assert (tmp_path / "plateau" / "plateau-product-d2.svg").is_file()
    assert not (tmp_path / "plateau" / "plateau-product-d3.svg").exists()
    assert (default_out / "plateau" / "plateau-product-d3.svg").is_file()
    assert two.captions[0].startswith("2 weights started at u0 = 0.01")
    assert three.captions[0].startswith("3 weights started at u0 = 0.01")
    assert len(two.captions) == len(three.captions) == 5
    assert not any(line.startswith("note:") for line in lines)  # embed=true is Streamlit's own, not ignored
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<li>Weights in the product (D) (<code>plateau.depth</code>): <code>2</code></li>" in page
    assert 'href="https://traps.example.app/?section=plateau&amp;plateau.depth=2"' in page


def test_a_bad_link_says_so_and_exports_the_defaults(bad_link_export):
    out, lines = bad_link_export
    notes = [line for line in lines if line.startswith("note:")]
    from explainer.sections.plateau.page import DEPTH

    assert notes == [
        "note: Ignored link parameter this page does not know: nonsense.",
        "note: The link's descent.lr belongs to another section; it changes none of these charts.",
        f"note: The link asked for {DEPTH.label} = banana, but it is not one of the choices "
        f"({', '.join(DEPTH.labels())}); showing the default, {DEPTH.default}.",
    ]
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "plateau"]
    assert len(list((out / "plateau").glob("*.svg"))) == 5
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Every setting at its default (seed 0)." in page and "banana" in page  # in the notice only
    assert "<li>" not in page


def test_a_bad_section_is_refused_with_the_list_of_sections(capsys):
    with pytest.raises(SystemExit) as stop:
        export.main(["--out", "/nonexistent/never-written", "--section", "claims"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'claims'" in err and all(s.slug in err for s in SECTIONS)
    assert not Path("/nonexistent/never-written").exists()


def test_a_section_that_raises_fails_with_one_line(tmp_path, capsys, monkeypatch):
    def broken(slug, params):
        raise export.ExportError(f"section {slug} raised: boom")

    monkeypatch.setattr(export, "run_section", broken)
    assert export.main(["--out", str(tmp_path), "--section", "descent"]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == "export failed: section descent raised: boom"


def test_every_link_section_and_its_conflicts():
    from explainer.sections import CLOSING

    assert export.parse_link("?section=claims", SECTIONS, CLOSING).section is None
    link = export.parse_link("section=plateau&plateau.depth=2&page.seed=4&embed=true", SECTIONS, CLOSING)
    assert (link.section, link.params, link.notices, link.base) == (
        "plateau",
        {"plateau.depth": "2", "page.seed": "4"},
        [],
        None,
    )
    with pytest.raises(SystemExit) as stop:
        export.main(["--out", "/nonexistent/x", "--section", "descent", "--link", "?section=plateau"])
    assert stop.value.code == 2


def _pictures_shown(browser, out) -> int:
    """Open the gallery at 820 pixels: every picture loads and fits, nothing pushes the page
    sideways; returns the number of pictures."""
    page = browser.new_page(viewport={"width": 820, "height": 900})
    page.goto((out / "index.html").as_uri())
    page.wait_for_load_state("load")
    widths = page.evaluate("() => [...document.images].map(i => [i.complete, i.naturalWidth, i.clientWidth])")
    assert all(done and natural > 0 and 0 < shown <= 820 for done, natural, shown in widths), widths
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 820
    page.close()
    return len(widths)


# --- the gallery in a browser -----------------------------------------------------------------


def test_the_gallery_opens_in_chromium_with_every_picture(browser, svg_export):
    out, _ = svg_export
    assert _pictures_shown(browser, out) == 3


# --- the whole walkthrough, through the command line --------------------------------------------


@pytest.fixture(scope="module")
def full_export(tmp_path_factory):
    """``python -m explainer.export --out DIR``: every section at its defaults, as pictures."""
    out = tmp_path_factory.mktemp("export-all")
    done = subprocess.run(
        [sys.executable, "-m", "explainer.export", "--out", str(out)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return out, done.stderr.splitlines()


def test_the_whole_walkthrough_exports_a_picture_per_chart(full_export):
    out, lines = full_export
    g = read_gallery(out)
    assert len(g.headings) == len(SECTIONS) == 7
    total = 0
    for number, (section, heading) in enumerate(zip(SECTIONS, g.headings, strict=True), start=1):
        assert heading == f"{number} · {section.title}"
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.query_params["section"] = section.slug
        at.run()
        open_menus(at)
        shown = exported_charts(at._tree)  # counted on the page, without the recording hook
        pictures = sorted((out / section.slug).glob("*.png"))
        assert len(pictures) == len(shown) > 0, section.slug
        assert len(list((out / section.slug).glob("*.csv"))) == len(shown)
        for picture in pictures:
            head = picture.read_bytes()[:24]
            assert head[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(head[16:20], "big") >= 2 * 200
        total += len(shown)
    assert len(g.images) == len(g.captions) == total
    # Progress: a line per section run, a line per chart written, one closing line; nothing else
    # (no Streamlit warnings about bare mode).
    runs = [line for line in lines if re.match(r"\[\d/7\] [a-z-]+: running the page…$", line)]
    counts = [line for line in lines if re.match(r"\[\d/7\] [a-z-]+: \d+ charts \([0-9.]+ s\)$", line)]
    files = [
        line for line in lines if re.match(r"  \d+/\d+ [a-z-]+/[A-Za-z0-9.-]+\.png \(\+ \.csv, \.vl\.json\)$", line)
    ]
    assert len(runs) == len(counts) == 7 and len(files) == total
    assert lines[-1].startswith(f"Wrote {total} charts ({3 * total} files, ")
    assert lines[-1].endswith(f"gallery: {out / 'index.html'}")
    assert len(lines) == 7 + 7 + total + 1


def test_the_whole_gallery_opens_in_chromium_with_every_picture(browser, full_export):
    out, _ = full_export
    assert _pictures_shown(browser, out) == len(read_gallery(out).images) > 40
