"""Nothing from a link is rendered as HTML (issue 14): ``unsafe_allow_html`` never sees it.

Two proofs, each able to fail:

- In the code: every call that renders raw HTML (``unsafe_allow_html=True``, ``st.html``, a
  component's ``html=``) gets text built only from constants, a loop's counter and the fields a
  section declares in code (title, slug, summary), in a function that reads nothing a reader sends
  (the query parameters, the session state, the context). :func:`violations` checks a source;
  it is shown planted calls it must flag.
- On the page: a link puts script and markdown text in every parameter of every section (and the
  page's seed, ``section``, and names the page does not know); in the page that results, that
  text appears nowhere but inside the code spans of the notices that quote what was ignored: in no
  element that renders HTML, in no label, in no chart, not in the share box.
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

from google.protobuf.json_format import MessageToDict

from explainer.sections import CLOSING, SECTIONS
from explainer.ui.page import SEED
from pages import run

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*sorted((ROOT / "explainer").rglob("*.py")), ROOT / "streamlit_app.py"]

#: Fields of a section that the code declares (never read from a reader): they may go into HTML.
SECTION_FIELDS = frozenset({"title", "slug", "summary"})
#: What a function that renders raw HTML must not read: what a reader sends.
READER_INPUT = frozenset({"query_params", "session_state", "context", "url_notice", "get_all"})


# ----- in the code ------------------------------------------------------------------------------


def _renders_html(call: ast.Call) -> ast.expr | bool | None:
    """The text argument of a call that renders raw HTML; ``False`` if the call renders none."""
    unsafe = next((k for k in call.keywords if k.arg == "unsafe_allow_html"), None)
    if unsafe is not None:
        if isinstance(unsafe.value, ast.Constant) and unsafe.value.value is False:
            return False
        return call.args[0] if call.args else None
    html = next((k for k in call.keywords if k.arg == "html"), None)
    if html is not None:  # st.components.v2.component(..., html=...)
        return html.value
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "html":  # st.html, components.v1.html
        return call.args[0] if call.args else None
    return False


def _counters(function: ast.AST) -> set[str]:
    """Names bound as the counter of ``for i, x in enumerate(...)`` in ``function``."""
    found = set()
    for node in ast.walk(function):
        if (
            isinstance(node, ast.For)
            and isinstance(node.iter, ast.Call)
            and isinstance(node.iter.func, ast.Name)
            and node.iter.func.id == "enumerate"
            and isinstance(node.target, ast.Tuple)
            and isinstance(node.target.elts[0], ast.Name)
        ):
            found.add(node.target.elts[0].id)
    return found


def _module_strings(tree: ast.Module) -> set[str]:
    """Module-level names assigned a plain string once."""
    names: dict[str, int] = {}
    plain = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            names[name] = names.get(name, 0) + 1
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                plain.add(name)
    return {n for n in plain if names[n] == 1}


def _constant_built(node: ast.expr | None, constants: set[str], counters: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Name):
        return node.id in constants
    if isinstance(node, ast.JoinedStr):
        return all(_constant_built(v, constants, counters) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        value = node.value
        if isinstance(value, ast.Name):
            return value.id in counters or value.id in constants
        if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
            return value.attr in SECTION_FIELDS
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _constant_built(node.left, constants, counters) and _constant_built(node.right, constants, counters)
    return False


def _reads_reader_input(function: ast.AST) -> set[str]:
    return {
        n.attr if isinstance(n, ast.Attribute) else n.id
        for n in ast.walk(function)
        if (isinstance(n, ast.Attribute) and n.attr in READER_INPUT)
        or (isinstance(n, ast.Name) and n.id in READER_INPUT)
    }


def violations(source: str, name: str = "<source>") -> list[str]:
    """Every call in ``source`` that renders raw HTML from text not built from constants, or from a
    function (or module) that reads what a reader sends; one line each."""
    tree = ast.parse(source)
    constants = _module_strings(tree)
    scopes: list[ast.AST] = [tree] + [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.Lambda)]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        text = _renders_html(node)
        if text is False:
            continue
        where = f"{name}:{node.lineno}"
        unsafe = next((k for k in node.keywords if k.arg == "unsafe_allow_html"), None)
        if unsafe is not None and not (isinstance(unsafe.value, ast.Constant) and unsafe.value.value is True):
            found.append(f"{where}: unsafe_allow_html is not a literal True or False")
            continue
        # the innermost function holding the call (the module if none)
        scope = min(
            (s for s in scopes if s is tree or (s.lineno <= node.lineno <= s.end_lineno)),
            key=lambda s: 0 if s is tree else -s.lineno,
        )
        if not _constant_built(text, constants, _counters(scope) if scope is not tree else set()):
            found.append(f"{where}: raw HTML from text not built from constants: {ast.unparse(text) if text else '?'}")
        read = _reads_reader_input(scope) if scope is not tree else set()
        if read:
            found.append(f"{where}: raw HTML in a function that reads {sorted(read)}")
    return found


def test_no_raw_html_is_built_from_what_a_reader_sends():
    found = [v for path in SOURCES for v in violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not found, "\n".join(found)


def test_the_raw_html_calls_are_the_ones_reviewed():
    # A new raw-HTML call shows up here first (then in the check above): it must be built from constants.
    calls = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _renders_html(node) is not False:
                calls.append(str(path.relative_to(ROOT)))
    assert sorted(calls) == ["explainer/ui/page.py"] * 3 + ["explainer/ui/player.py"], calls


def test_the_check_flags_planted_calls():
    planted = {
        "query": """
            import streamlit as st
            st.markdown(f"<b>{st.query_params['x']}</b>", unsafe_allow_html=True)
            """,
        "variable": """
            def f(st, notice):
                st.markdown(notice, unsafe_allow_html=True)
            """,
        "formatted": """
            def f(st, x):
                st.markdown(f"<p>{x}</p>", unsafe_allow_html=True)
            """,
        "read": """
            def f(st, sections):
                v = st.query_params.get("v")
                for i, s in enumerate(sections):
                    st.markdown(f"{i}<b>{s.title}</b>", unsafe_allow_html=True)
            """,
        "call": """
            def f(st, x):
                st.markdown("<b>" + str(x) + "</b>", unsafe_allow_html=True)
            """,
        "flag": """
            def f(st, flag):
                st.markdown("<b>x</b>", unsafe_allow_html=flag)
            """,
        "st.html": """
            def f(st, x):
                st.html(x)
            """,
        "component": """
            def f(st, x):
                st.components.v2.component("c", html=x)
            """,
        "session": """
            def f(st):
                st.caption(st.session_state["k"], unsafe_allow_html=True)
            """,
    }
    for name, source in planted.items():
        assert violations(textwrap.dedent(source), name), name
    fine = """
        H = "<b>x</b>"
        def f(st, sections, text_from_reader):
            st.markdown(H, unsafe_allow_html=True)
            for i, s in enumerate(sections):
                st.markdown(f"{i}. <small>{s.summary}</small>", unsafe_allow_html=True)
            st.markdown(text_from_reader, unsafe_allow_html=False)
            st.markdown(text_from_reader)
        """
    assert violations(textwrap.dedent(fine)) == []


def test_the_section_fields_that_go_into_html_are_plain_text_declared_in_code():
    for s in (*SECTIONS, CLOSING):
        for field in SECTION_FIELDS:
            assert not set(getattr(s, field)) & set("<>&`"), (s.slug, field)


# ----- on the page ------------------------------------------------------------------------------

#: Short enough to be quoted whole in a notice (see explainer.ui.controls.QUOTED).
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "x` [y](javascript:alert(3)) `z",  # a backtick that would close the notice's code span
    "![x](https://evil.example/x.png)",
    '<a href="javascript:alert(4)">y</a>',
)
#: What must never appear outside a code span: each payload's telling part.
MARKERS = ("<script>", "onerror=", "javascript:", "evil.example", "<a href")

_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _misplaced(at) -> list[str]:
    """Every place in the page where a marker appears outside a markdown code span, or in an
    element that renders raw HTML at all."""
    found = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        fields = MessageToDict(proto)
        kind = type(node).__name__
        prose = kind in ("Markdown", "Caption", "Warning", "Info", "Error", "Success")
        raw_html = kind == "Html" or bool(fields.get("allowHtml"))
        for text in _strings(fields):
            outside = text if raw_html or not prose else _CODE_SPAN.sub("", text)
            for marker in MARKERS:
                if marker in outside:
                    found.append(f"{kind}: {marker!r} in {text[:120]!r}")
    return found


def _poisoned(keys) -> dict[str, str]:
    return {key: PAYLOADS[i % len(PAYLOADS)] for i, key in enumerate(sorted(keys))}


def _checked(**params):
    at = run(**params)
    quoted = sum(any(p in w.value for p in PAYLOADS + tuple(m for m in MARKERS)) for w in at.warning)
    assert quoted, "the payloads should be quoted in the notices (else this test proves nothing)"
    found = _misplaced(at)
    assert not found, "\n".join(found)
    return at


def test_script_text_in_every_parameter_renders_nowhere_as_html():
    # The whole page (the section named is no section), every control of every section, the seed,
    # and unknown parameter names.
    keys = [c.key for s in SECTIONS for c in s.controls] + [SEED.key]
    params = _poisoned(keys) | {p: "1" for p in PAYLOADS} | {"section": PAYLOADS[0]}
    at = _checked(**params)
    assert len(at.header) == len(SECTIONS) + 1


def test_script_text_in_a_single_sections_link_renders_nowhere_as_html():
    # One section alone, with its footer and share box; and the closing table.
    plateau = next(s for s in SECTIONS if s.slug == "plateau")
    _checked(section="plateau", **_poisoned([*plateau.keys, SEED.key]), **{PAYLOADS[1]: "1"})
    _checked(section=CLOSING.slug, **{SEED.key: PAYLOADS[0], "descent.lr": PAYLOADS[2]})


def test_the_page_check_flags_a_payload_outside_a_code_span():
    # The check on the page, on a page planted with the payload in the wrong places.
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def planted():
        import streamlit as st

        st.warning("asked for `<script>alert(1)</script>`: fine, quoted")
        st.markdown("and <script>alert(1)</script> unquoted")
        st.markdown("`<img src=x onerror=alert(2)>`", unsafe_allow_html=True)
        st.slider("[x](javascript:alert(3))", 0, 1)

    del st
    at = AppTest.from_function(planted).run()
    found = _misplaced(at)
    assert len(found) == 3, found
    assert {f.split(":")[0] for f in found} == {"Markdown", "Slider"}


# ----- in the browser -----------------------------------------------------------------------------


def test_in_the_browser_a_poisoned_link_runs_nothing_and_the_address_keeps_only_the_view(server, browser):
    # What markdown renders exists only in the browser: no script runs (no dialog opens), no link,
    # image or element the payloads spell exists, the notices show them as code; and the address
    # keeps the good value and nothing of the bad ones (a repeated key, an empty segmented choice).
    from urllib.parse import urlencode

    from explainer.devserver import CHARTS_DRAWN_JS

    pairs = [
        ("section", "plateau"),
        ("plateau.width", "3"),
        ("plateau.lr", PAYLOADS[2]),
        ("plateau.u0", PAYLOADS[1]),
        ("plateau.activation", PAYLOADS[4]),
        ("plateau.depth", ""),
        ("plateau.method", "momentum"),
        ("plateau.method", "adam"),
        (SEED.key, PAYLOADS[0]),
        (PAYLOADS[3], "1"),
    ]
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{server}/?{urlencode(pairs)}")
    page.wait_for_function(CHARTS_DRAWN_JS, arg=1, timeout=120_000)
    page.wait_for_timeout(500)
    assert page.locator('[data-testid="stException"]').count() == 0
    notices = page.locator('[data-testid="stAlert"]')
    text = "\n".join(notices.all_text_contents())  # the seed's is in the folded "Seed and links"
    for payload in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[4], PAYLOADS[3], "[y](javascript:alert(3))"):
        assert payload in text, (payload, text)  # shown as text
    assert notices.locator("code").count() >= 5
    assert not dialogs
    assert page.locator('a[href^="javascript"], img[src="x"], img[src*="evil.example"]').count() == 0
    assert page.evaluate("() => [...document.scripts].filter(s => s.text.includes('alert(')).length") == 0
    search = page.evaluate("() => window.location.search")
    assert search == "?section=plateau&plateau.width=3", search
    page.close()
