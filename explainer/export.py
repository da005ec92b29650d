"""Write every chart of the walkthrough as files, with an ``index.html`` gallery of them.

Usage::

    python -m explainer.export --out DIR                      # every section, default settings
    python -m explainer.export --out DIR --section plateau    # one section
    python -m explainer.export --out DIR --link 'https://…/?section=plateau&plateau.depth=2'
    python -m explainer.export --out DIR --format svg         # drawings instead of pictures

For bloggers who cannot embed an iframe. The page itself draws the charts: each section is run
headlessly through Streamlit's AppTest with the link's settings, and ``show_chart`` hands every
figure it shows to a list this command puts in the session state (see
:data:`explainer.ui.display.RECORD`), so the files hold exactly what a reader of that link sees.
Each chart gives ``DIR/<section>/<name>.png`` (or ``.svg``, the same light-theme drawing as the
page's own Export menu), ``<name>.csv`` (its data) and ``<name>.vl.json`` (its Vega-Lite spec).
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import re
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
#: Seconds one section may take on the AppTest run (settings away from the defaults compute live).
TIMEOUT = 600
FORMATS = ("png", "svg")
#: Link parameters that change nothing in an exported chart (Streamlit's embedding switches).
IGNORED = ("embed", "embed_options")


@dataclass
class Chart:
    """One chart as the page showed it: the file stem, the figure and its finding."""

    name: str
    figure: object  # explainer.charts.Figure
    caption: str
    files: dict[str, str] = field(default_factory=dict)  # kind ("image", "csv", "spec") -> path under DIR
    width: int = 0  # of the image in CSS pixels (a PNG holds twice as many)


@dataclass
class Link:
    """What a link asks for: a section (or None), the control values, and the notices about what
    of it is ignored."""

    section: str | None
    params: dict[str, str | list[str]]
    notices: list[str]
    base: str | None = None  # the app's address, when the link was a full URL


class ExportError(RuntimeError):
    """A section could not be exported (it raised, or its charts could not be counted)."""


# --- the link -------------------------------------------------------------------------------


class _Params(dict):
    """Link parameters as ``page.resolve`` reads them (``get_all`` like ``st.query_params``)."""

    def get_all(self, key):
        value = self.get(key)
        return [] if value is None else value if isinstance(value, list) else [value]


def parse_link(link: str | None, sections, closing) -> Link:
    """Read a full app URL or just its query string (``?section=plateau&plateau.depth=2``).

    Unknown parameters and sections are dropped with a notice, as the page drops them; values a
    control cannot use are left for the page, which says so (the notices of its run are printed).
    """
    from explainer.ui import page

    if not link:
        return Link(None, {}, [])
    parts = urllib.parse.urlsplit(link.strip())
    base = None
    if parts.scheme and parts.netloc:
        base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
        query = parts.query
    else:
        query = link.strip().lstrip("?")
    params = _Params()
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if key in params:
            params[key] = [*params.get_all(key), value]
        else:
            params[key] = value
    chosen, notices, unknown = page.resolve(params, (*sections, closing))
    slug = chosen[0].slug if len(chosen) == 1 else None
    if slug == closing.slug:
        notices.append(f"The closing table (`{slug}`) has no charts; exporting every section.")
        slug = None
    keep = {k: v for k, v in params.items() if k not in unknown and k != "section" and k not in IGNORED}
    return Link(slug, keep, notices, base)


def plain(text: str) -> str:
    """A page notice or caption as terminal text: markdown's ``**`` and backticks dropped."""
    return re.sub(r"\*\*|`", "", text)


# --- captions: the little markdown they use, as escaped HTML ----------------------------------

_TEX_WORDS = {
    "cdot": "·", "times": "×", "approx": "≈", "le": "≤", "ge": "≥", "pm": "±", "infty": "∞",
    "alpha": "α", "beta": "β", "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "Delta": "Δ", "Phi": "Φ", "ln": "ln", "log": "log", "exp": "exp",
    "cdots": "⋯", "ldots": "…", "sqrt": "√", "tfrac12": "½", "frac12": "½", "to": "→", "in": "∈",
}  # fmt: skip
#: Letters, which swallow the space after them (``\\Delta L`` is ΔL); operators and relations keep it.
_TEX_LETTERS = frozenset({"alpha", "beta", "eta", "theta", "lambda", "mu", "pi", "rho", "sigma", "Delta", "Phi"})


def _tex(source: str, *, markup: bool) -> str:
    """Inline TeX of the kind captions hold (``0.5^{5{,}000}``, ``\\sigma_b^2``) as escaped HTML
    with ``<sup>``/``<sub>`` (or, for ``markup=False``, as plain text with ``^``/``_``)."""
    text = source.replace("{,}", ",").replace("\\,", " ").replace("\\ ", " ")
    text = re.sub(
        r"\\([A-Za-z]+[0-9]*)( ?)",
        lambda m: _TEX_WORDS.get(m.group(1), m.group(1)) + ("" if m.group(1) in _TEX_LETTERS else m.group(2)),
        text,
    )

    # Scripts become tags written with stand-in characters (\x00 for "<", \x01 for ">", \x02 for
    # "^" and \x03 for "_"), so that no pass of the loop below can match its own output; innermost
    # braces go first.
    def script(m: re.Match) -> str:
        body = m.group(2) if m.group(2) is not None else m.group(3)
        if not markup:
            mark = "\x02" if m.group(1) == "^" else "\x03"
            return f"{mark}({body})" if len(body) > 1 else f"{mark}{body}"
        tag = "sup" if m.group(1) == "^" else "sub"
        return f"\x00{tag}\x01{body}\x00/{tag}\x01"

    pattern = r"([\^_])(?:\{([^{}]*)\}|([^\s{}]))"
    while (new := re.sub(pattern, script, text)) != text:
        text = new
    text = text.replace("{", "").replace("}", "")
    if not markup:
        return text.replace("\x02", "^").replace("\x03", "_")
    # a minus sign, not a hyphen, as TeX sets it
    return html.escape(text.replace("-", "−")).replace("\x00", "<").replace("\x01", ">")


def caption_html(text: str) -> str:
    """A caption's markdown (``**bold**``, ``*italic*``, `` `code` ``, ``$TeX$``, ``[text](url)``
    and the page's ``:small[...]`` wrapper) as HTML; everything else is escaped."""
    if text.startswith(":small[") and text.endswith("]"):
        text = text[len(":small[") : -1]
    out, pos = [], 0
    token = re.compile(r"`([^`]+)`|\$([^$]+)\$|\[([^\]]+)\]\(([^)\s]+)\)")
    for m in token.finditer(text):
        out.append(_inline(text[pos : m.start()]))
        if m.group(1) is not None:
            out.append(f"<code>{html.escape(m.group(1))}</code>")
        elif m.group(2) is not None:
            out.append(f'<span class="math">{_tex(m.group(2), markup=True)}</span>')
        else:
            href = m.group(4)
            safe = href.startswith(("http://", "https://", "?", "#"))
            label = _inline(m.group(3))
            out.append(f'<a href="{html.escape(href)}">{label}</a>' if safe else label)
        pos = m.end()
    out.append(_inline(text[pos:]))
    return "".join(out)


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", text)


def caption_text(text: str) -> str:
    """A caption as plain text (for an image's ``alt``): markup dropped, TeX spelled out."""
    if text.startswith(":small[") and text.endswith("]"):
        text = text[len(":small[") : -1]
    text = re.sub(r"\$([^$]+)\$", lambda m: _tex(m.group(1), markup=False), text)
    text = re.sub(r"\[([^\]]+)\]\([^)\s]+\)", r"\1", text)
    return re.sub(r"\*\*|(?<![\w*])\*(?!\s)|(?<!\s)\*(?![\w*])|`", "", text)


# --- running the page -------------------------------------------------------------------------


def _quiet() -> None:
    """Silence Streamlit's bare-mode warnings (no server runs here); errors still show."""
    for name in (
        "streamlit.runtime.scriptrunner_utils.script_run_context",
        "streamlit.runtime.caching.cache_data_api",
        "streamlit.runtime.state.session_state_proxy",
    ):
        logging.getLogger(name).setLevel(logging.ERROR)


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def run_section(slug: str, params: dict) -> tuple[list[Chart], list[str]]:
    """Run the page for one section with these link parameters; its charts (as ``show_chart``
    drew them, in order) and the notices the page showed about the link."""
    from streamlit.testing.v1 import AppTest

    from explainer.ui.display import RECORD

    _quiet()
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update({"section": slug, **params})
    at.session_state[RECORD] = []
    at.run()
    if at.exception:
        first = str(at.exception[0].value).strip().splitlines()
        raise ExportError(f"section {slug} raised: {first[0] if first else 'an exception'}")
    charts = [Chart(name, fig, caption) for name, fig, caption in at.session_state[RECORD]]
    # Every chart on the page went through show_chart: as many Export menus as charts recorded,
    # and as many Vega-Lite elements as their specs.
    nodes = list(_walk(at._tree))
    menus = sum(1 for n in nodes if getattr(n, "type", None) == "popover" and n.proto.popover.label == "Export")
    drawn = sum(1 for n in nodes if getattr(n, "type", None) == "vega_lite_chart")
    specs = sum(len(c.figure.spec) if isinstance(c.figure.spec, list) else 1 for c in charts)
    if (menus, drawn) != (len(charts), specs):
        raise ExportError(
            f"section {slug}: the page drew {drawn} charts under {menus} Export menus, "
            f"but {len(charts)} figures ({specs} charts) were recorded"
        )
    notices = [w.value for w in at.warning if w.icon == ":material/link_off:"]
    return charts, notices


# --- writing files ----------------------------------------------------------------------------


def _stem(name: str, taken: set[str]) -> str:
    """A file stem from a chart's name: safe characters only, ``-2``, ``-3``… if already taken."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "chart"
    unique, n = stem, 1
    while unique in taken:
        n += 1
        unique = f"{stem}-{n}"
    taken.add(unique)
    return unique


def write_chart(chart: Chart, folder: Path, out: Path, fmt: str, taken: set[str]) -> int:
    """Write one chart's image, data and spec under ``folder``; the bytes written."""
    from explainer.ui.display import PNG_SCALE, export_spec, to_png, to_svg

    stem = _stem(chart.name, taken)
    specs = chart.figure.spec if isinstance(chart.figure.spec, list) else [chart.figure.spec]
    spec = export_spec(specs)
    image = folder / f"{stem}.{fmt}"
    if fmt == "svg":
        drawing = to_svg(spec)
        image.write_text(drawing, encoding="utf-8")
        found = re.search(r'<svg[^>]*\swidth="([0-9.]+)', drawing)
        chart.width = round(float(found.group(1))) if found else 0
    else:
        picture = to_png(spec)
        image.write_bytes(picture)
        chart.width = round(int.from_bytes(picture[16:20], "big") / PNG_SCALE)  # IHDR: width, height
    csv = folder / f"{stem}.csv"
    csv.write_text(chart.figure.data.to_csv(index=False), encoding="utf-8")
    vl = folder / f"{stem}.vl.json"
    vl.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    chart.files = {kind: p.relative_to(out).as_posix() for kind, p in (("image", image), ("csv", csv), ("spec", vl))}
    return sum(p.stat().st_size for p in (image, csv, vl))


# --- the gallery ------------------------------------------------------------------------------

CSS = """
:root { color-scheme: light; }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
  background: #fff; margin: 0; }
main { max-width: 860px; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.8rem; margin: 0 0 .4rem; }
h2 { font-size: 1.35rem; margin: 2.6rem 0 .8rem; padding-top: .6rem; border-top: 1px solid #d0d7de; }
.meta { color: #424a53; }
figure { margin: 0 0 2.2rem; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #eaeef2; }
figcaption { margin-top: .5rem; font-size: .95rem; }
.files { display: block; margin-top: .3rem; font-size: .85rem; color: #424a53; }
a { color: #0b57d0; }
code { font-size: .9em; background: #f3f4f6; padding: .05em .3em; border-radius: 3px; }
nav ol { padding-left: 1.4rem; }
"""


def _usable(control, value) -> bool:
    """Whether the page uses this link value (as ``explainer.ui.controls.url_notice`` decides)."""
    return control.problem(value) is None or value in {str(o) for o in control.options}


def gallery(done: list[tuple], link: Link, source: str | None, controls: dict) -> str:
    """The ``index.html`` of an export: ``done`` is ``[(number, section, charts)]``."""
    from explainer.core.claims import ARTICLE

    e = html.escape
    rows = [
        "<!doctype html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Escaping the traps: the charts</title>",
        f"<style>{CSS}</style></head>",
        "<body><main>",
        "<h1>Escaping the traps: the charts</h1>",
        f'<p class="meta">Every chart of <em>Escaping the traps</em>, an interactive explainer of the blog post '
        f"<em>{e(ARTICLE)}</em>, with the finding the page states under it.</p>",
    ]
    if source:
        shown = f'<a href="{e(source)}">{e(source)}</a>' if link.base else f"<code>{e(source)}</code>"
        rows.append(f'<p class="meta">Made from the link {shown}.</p>')
    settings = []
    # the values the page used (it ignored the others, and a notice below says so)
    good = {k: v for k, v in link.params.items() if k in controls and _usable(controls[k], v)}
    for key, value in good.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        settings.append(f"<li>{e(controls[key].label)} (<code>{e(key)}</code>): <code>{e(shown)}</code></li>")
    if settings:
        rows.append('<p class="meta">Settings from the link (everything else at its default):</p>')
        rows.append('<ul class="meta">' + "".join(settings) + "</ul>")
    else:
        rows.append('<p class="meta">Every setting at its default (seed 0).</p>')
    for notice in link.notices:
        rows.append(f'<p class="meta">{caption_html(notice)}</p>')
    rows.append('<p class="meta">Each picture links to its full-size file; <em>data</em> is the chart\'s data as '
                "CSV and <em>spec</em> its Vega-Lite specification.</p>")  # fmt: skip
    if len(done) > 1:
        rows.append("<nav><ol>")
        rows += [f'<li value="{n}"><a href="#{e(s.slug)}">{e(s.title)}</a></li>' for n, s, _ in done]
        rows.append("</ol></nav>")
    for number, section, charts in done:
        rows.append(f'<section id="{e(section.slug)}">')
        rows.append(f"<h2>{number} · {e(section.title)}</h2>")
        if link.base:
            query = urllib.parse.urlencode({"section": section.slug, **good}, doseq=True)
            rows.append(f'<p class="meta"><a href="{e(link.base)}?{e(query)}">Open this section live</a></p>')
        for chart in charts:
            f = {k: e(v) for k, v in chart.files.items()}
            # At the chart's own width (a map keeps its size; a PNG is drawn at twice it), never wider
            # than the column.
            size = f' width="{chart.width}"' if chart.width else ""
            rows.append("<figure>")
            rows.append(
                f'<a href="{f["image"]}"><img src="{f["image"]}"{size} alt="{e(caption_text(chart.caption))}"></a>'
            )
            rows.append(
                f"<figcaption>{caption_html(chart.caption)}"
                f'<span class="files">{e(Path(chart.files["image"]).name)} · '
                f'<a href="{f["csv"]}">data (CSV)</a> · <a href="{f["spec"]}">spec (Vega-Lite)</a></span>'
                "</figcaption>"
            )
            rows.append("</figure>")
        rows.append("</section>")
    rows += ["</main></body>", "</html>", ""]
    return "\n".join(rows)


# --- the command ------------------------------------------------------------------------------


def export(out: Path, *, section: str | None = None, link: str | None = None, fmt: str = "png", log=None) -> Path:
    """Write the charts and the gallery under ``out``; the gallery's path. Progress goes to
    ``log`` (a callable taking one line; default: standard error)."""
    import streamlit  # noqa: F401  (its loggers exist from here on)

    _quiet()
    from explainer.sections import CLOSING, SECTIONS

    if log is None:

        def log(line: str) -> None:
            print(line, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    asked = parse_link(link, SECTIONS, CLOSING)
    for notice in asked.notices:
        log(f"note: {plain(notice)}")
    if section is not None and asked.section is not None and section != asked.section:
        raise ExportError(f"--section {section} and the link's section {asked.section} differ; give one of them")
    slug = section or asked.section
    numbers = {s.slug: i for i, s in enumerate(SECTIONS, start=1)}
    chosen = [s for s in SECTIONS if slug is None or s.slug == slug]
    controls = {c.key: c for s in SECTIONS for c in s.controls}
    from explainer.ui.page import SEED

    controls[SEED.key] = SEED
    used = {k for s in chosen for k in s.keys} | {SEED.key}
    for key in [k for k in asked.params if k not in used]:
        asked.notices.append(f"The link's `{key}` belongs to another section; it changes none of these charts.")
        log(f"note: {plain(asked.notices[-1])}")
        del asked.params[key]
    out.mkdir(parents=True, exist_ok=True)
    done, said, files, size = [], set(), 0, 0
    for i, s in enumerate(chosen, start=1):
        mine = {k: v for k, v in asked.params.items() if k in s.keys or k == SEED.key}
        log(f"[{i}/{len(chosen)}] {s.slug}: running the page…")
        t = time.perf_counter()
        charts, notices = run_section(s.slug, mine)
        log(f"[{i}/{len(chosen)}] {s.slug}: {len(charts)} charts ({time.perf_counter() - t:.1f} s)")
        for notice in notices:
            if notice not in said:
                said.add(notice)
                asked.notices.append(notice)
                log(f"note: {plain(notice)}")
        folder = out / s.slug
        folder.mkdir(exist_ok=True)
        taken: set[str] = set()
        for j, chart in enumerate(charts, start=1):
            size += write_chart(chart, folder, out, fmt, taken)
            files += len(chart.files)
            log(f"  {j}/{len(charts)} {chart.files['image']} (+ .csv, .vl.json)")
        done.append((numbers[s.slug], s, charts))
    index = out / "index.html"
    index.write_text(gallery(done, asked, link, controls), encoding="utf-8")
    charts = sum(len(c) for _, _, c in done)
    log(
        f"Wrote {charts} charts ({files} files, {size / 1e6:.1f} MB) from {len(done)} section"
        f"{'s' if len(done) != 1 else ''} in {time.perf_counter() - t0:.0f} s; gallery: {index}"
    )
    return index


def main(argv=None) -> int:
    import streamlit  # noqa: F401

    _quiet()
    from explainer.sections import SECTIONS

    slugs = [s.slug for s in SECTIONS]
    parser = argparse.ArgumentParser(
        prog="python -m explainer.export",
        description="Write every chart of the walkthrough as files, plus an index.html gallery.",
        epilog="The closing table (claims) has no charts. Sections: " + ", ".join(slugs) + ".",
    )
    parser.add_argument("--out", required=True, type=Path, help="folder to write into (created if missing)")
    parser.add_argument("--section", choices=slugs, metavar="SLUG", help="only this section: " + ", ".join(slugs))
    parser.add_argument(
        "--link", metavar="URL", help="export at this link's settings: an app URL or its query string (?a=b&c=d)"
    )
    parser.add_argument("--format", choices=FORMATS, default="png", help="image format (default: png)")
    args = parser.parse_args(argv)
    if args.section is not None and args.link:
        from explainer.sections import CLOSING

        linked = parse_link(args.link, SECTIONS, CLOSING).section
        if linked is not None and linked != args.section:
            parser.error(f"--section {args.section} and the link's section {linked} differ; give one of them")
    try:
        export(args.out, section=args.section, link=args.link, fmt=args.format)
    except ExportError as err:
        print(f"export failed: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
