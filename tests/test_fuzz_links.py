"""Bad links, table-driven: every URL parameter of every section, with every kind of bad value.

A public app gets strange links (issue 14). For each section, the closing table and the whole
page, and each kind of bad value in :data:`KINDS` (wrong type, out of range, unknown name, empty,
repeated key, 10,000 characters, unicode, HTML and script text), one link gives that kind of bad
value to every control at once, to the page's seed, to ``section``, ``embed`` and
``embed_options``, and to a parameter the page does not know, together with one good value off its
default (:data:`GOOD`) and, for a single section, a value for a control of another section.
Each run must then show:

- no exception;
- for each bad parameter, one short notice that names it and quotes what was ignored (as
  :func:`explainer.ui.controls.quoted` quotes it, so the value cannot render as markdown);
- the default in effect, read from the widget by its key;
- the rest of the link still applying: the good value held by its widget, and the address holding
  exactly the view on screen (the section and the good value, nothing of the bad ones).

The good control of a section is the one control that gets no bad value in its section's run; it
gets them in the whole-page run of the same kind, where another section's control holds the good
value. ``embed`` and ``embed_options`` are Streamlit's: the app never sees them
(``st.query_params`` hides them) and Streamlit's frontend ignores a value it does not know, so for
them the check is that nothing breaks and that the rest of the link applies.

The caches persist across runs in one process, so each section computes its good view once and
every later run of it is a cached rerun: the 74 tests take about 40 s on the 2-core machine.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from explainer.sections import CLOSING, SECTIONS
from explainer.ui import controls as ui
from explainer.ui.page import SEED
from pages import run, widget

CONTROLS: dict[str, ui.Control] = {c.key: c for s in SECTIONS for c in s.controls} | {SEED.key: SEED}
BY_SLUG = {s.slug: s for s in (*SECTIONS, CLOSING)}
FULL = "all"  # the whole walkthrough: the link's section names none that exists


class Good(NamedTuple):
    key: str
    raw: str  # as the link spells it
    value: object  # what its widget must hold


#: One cheap value off its default per section (and one for the whole page, in a control that is no
#: section's good one, so that every section's good control gets its bad values there).
GOOD: dict[str, Good] = {
    "descent": Good("descent.steps", "200", 200),
    "landscape": Good("landscape.weight", "5", 5),
    "critical-points": Good("critical-points.grid", "15", 15),
    "local-minimum": Good("local-minimum.lr", "0.1", 0.1),
    "saddle-point": Good("saddle-point.steps", "500", 500),
    "plateau": Good("plateau.width", "3", 3),
    "overfitting": Good("overfitting.iterations", "300", 300),
    FULL: Good("plateau.depth", "2", 2),
}

LONG = 10_000
UNICODE = "½ 🙂 \u202eünïcødé\u200b 漢字"
HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>`[click](javascript:alert(3))`"


def _numeric(control: ui.Control) -> bool:
    return not control.options or ui._as_number(control.labels()[0]) is not None


def _boolean(control: ui.Control) -> bool:
    return control.widget in ("toggle", "expander")


def _beyond(control: ui.Control) -> str:
    """A number well outside what the control offers."""
    if control.options:
        return ui.number(max(float(o) for o in control.options) * 1000 + 7)
    return ui.number(control.hi + 10 * (control.hi - control.lo) + 1)


def _two(control: ui.Control) -> list[str]:
    """Two values the control could each use alone (off its default where it has them)."""
    if _boolean(control):
        return ["true", "false"]
    if control.options:
        labels = [label for label in control.labels() if label != control.format(control.default)]
        return [*labels, control.format(control.default)][:2]
    return [ui.number(control.lo), ui.number(control.hi)]


#: Each kind of bad value, per control: what the link gives it (a list: the key repeated).
KINDS = {
    "wrong-type": lambda c: "three" if _numeric(c) else "1",
    "out-of-range": lambda c: "-1" if _boolean(c) or not _numeric(c) else _beyond(c),
    "unknown-name": lambda c: "yes" if _boolean(c) else "no-such-choice",
    "empty": lambda c: "",
    "repeated": _two,
    "long": lambda c: ("9" if _numeric(c) else "x") * LONG,
    "unicode": lambda c: UNICODE,
    "html": lambda c: HTML,
}

#: What ``section`` is given in the whole-page run of each kind (none of them names a section).
SECTION_VALUE = {
    "wrong-type": "3",
    "out-of-range": "-1",
    "unknown-name": "nowhere",
    "empty": "",
    "repeated": ["nowhere", "plateau"],  # the first counts
    "long": "s" * LONG,
    "unicode": UNICODE,
    "html": HTML,
}

#: A parameter the page does not know, per kind: its name and value.
UNKNOWN = {
    "wrong-type": ("colour", "red"),
    "out-of-range": ("page.seeds", "3"),
    "unknown-name": ("descent.no_such_control", "1"),
    "empty": ("empty", ""),
    "repeated": ("colour", ["red", "blue"]),
    "long": ("k" * LONG, "1"),
    "unicode": (UNICODE, "1"),
    "html": (HTML, "1"),
}

#: The longest notice a reader may be given (a very long value is quoted in part).
SHORT = 400


def _link_notices(at) -> list[str]:
    return [w.value for w in at.warning if w.icon == ":material/link_off:"]


def _shown(raw) -> str:
    return ui.quoted(raw if isinstance(raw, str) else "&".join(raw))


def _held(at, control: ui.Control):
    found = widget(at, control)
    return found.proto.expanded if control.widget == "expander" else found.value


def _default(control: ui.Control):
    """The control's default, read against its leader's default (the leader is given a bad value
    too, or none)."""
    return control.under(CONTROLS[control.follows].default).default if control.follows else control.default


def _same(shown, value) -> bool:
    return shown == pytest.approx(value, abs=1e-12) if isinstance(value, float) else shown == value


def _bad_controls(where: str) -> list[ui.Control]:
    """The controls given a bad value in the run ``where``: every control of the section but its good
    one, and the seed; on the whole page, every section's good control and the seed."""
    if where == FULL:
        return [CONTROLS[GOOD[s.slug].key] for s in SECTIONS] + [SEED]
    good = GOOD.get(where)
    return [c for c in BY_SLUG[where].controls if good is None or c.key != good.key] + [SEED]


def _next(slug: str) -> str:
    """The section after ``slug`` (the first after the last, or after the closing table)."""
    slugs = [s.slug for s in SECTIONS]
    return slugs[(slugs.index(slug) + 1) % len(slugs)] if slug in slugs else slugs[0]


def _heading(slug: str) -> str:
    numbers = {s.slug: i for i, s in enumerate(SECTIONS, start=1)}
    title = BY_SLUG[slug].title
    return f"{numbers[slug]} · {title}" if slug in numbers else title


def _drawn(at, control: ui.Control) -> bool:
    """Whether the control's widget is on the page (a few are drawn only under another setting)."""
    try:
        widget(at, control)
    except (KeyError, StopIteration):
        return False
    return True


def _check(where: str, kind: str):
    make = KINDS[kind]
    bad = {c.key: make(c) for c in _bad_controls(where)}
    bad = {k: v for k, v in bad.items() if v != []}  # a control with no two usable values
    unknown_key, unknown_value = UNKNOWN[kind]
    section = SECTION_VALUE[kind] if where == FULL else where
    good = GOOD.get(where)
    params = {"section": section, **bad, unknown_key: unknown_value, "embed": make(SEED), "embed_options": make(SEED)}
    if good is not None:
        params[good.key] = good.raw
    other = None if where == FULL else GOOD[_next(where)]  # a good value for a section not shown
    if other is not None:
        params[other.key] = other.raw

    at = run(**params)  # fails on any exception
    notices = _link_notices(at)
    assert all(len(n) <= SHORT for n in notices), max(notices, key=len)

    # each bad parameter: one notice naming it and quoting what was ignored; its widget at the default
    for key, raw in bad.items():
        control = CONTROLS[key]
        said = [n for n in notices if f"**{control.label}**" in n]  # labels repeat across sections
        assert len(said) == sum(CONTROLS[k].label == control.label for k in bad), (kind, key, notices)
        mine = [n for n in said if _shown(raw) in n]
        assert mine and all("showing the default" in n for n in mine), (key, said)
        if isinstance(raw, list):
            assert all("more than once" in n for n in mine)
        if _drawn(at, control):  # a few are drawn only under another setting, at its default here
            assert _same(_held(at, control), _default(control)), (kind, key, _held(at, control))
    # the unknown parameter, by name
    assert sum(ui.quoted(unknown_key) in n and "does not know" in n for n in notices) == 1, notices
    # the section
    if where == FULL:
        first = section if isinstance(section, str) else section[0]
        assert sum(f"section {ui.quoted(first)}, which does not exist" in n for n in notices) == 1, notices
        if isinstance(section, list):
            assert sum("names `section` 2 times" in n for n in notices) == 1
        assert len(at.header) == len(SECTIONS) + 1  # every section and the closing table
    else:
        assert [h.value for h in at.header] == [_heading(where)]
    if other is not None:
        assert sum(ui.quoted(other.key) in n and "a section not shown here" in n for n in notices) == 1, notices
    # embed and embed_options are Streamlit's own: nothing of ours names them
    assert not [n for n in notices if "embed" in n], notices

    # the rest of the link holds, and the address holds exactly the view on screen
    expected_address = {} if where == FULL else {"section": where}
    if good is not None:
        assert _same(_held(at, CONTROLS[good.key]), good.value), (good, _held(at, CONTROLS[good.key]))
        expected_address[good.key] = good.raw
    address = {k: v for k, v in at.query_params.items() if k not in ("embed", "embed_options")}
    assert address == expected_address, {k: str(v)[:60] for k, v in address.items()}
    return at


WHERE = [s.slug for s in SECTIONS] + [CLOSING.slug, FULL]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("where", WHERE)
def test_a_bad_link_value_is_named_ignored_and_the_rest_of_the_link_holds(where, kind):
    _check(where, kind)


def test_every_parameter_meets_every_kind_of_bad_value():
    # The table itself: every control gets a value of every kind somewhere (in its section's run,
    # or, for a section's good control, in the whole page's), and each one is really bad.
    for kind, make in KINDS.items():
        covered = {c.key for where in WHERE for c in _bad_controls(where)}
        assert covered == set(CONTROLS), (kind, set(CONTROLS) - covered)
        for key, control in CONTROLS.items():
            raw = make(control)
            if isinstance(raw, list):
                assert len(raw) == 2 and all(control.under(_default_leader(control)).problem(r) is None for r in raw), (
                    key,
                    raw,
                )
                continue
            assert control.named_by(raw) is None, (kind, key, raw)
            assert control.problem(raw) is not None, (kind, key, raw)
    assert all(g.key in CONTROLS and CONTROLS[g.key].problem(g.raw) is None for g in GOOD.values())
    leaders = {c.follows for c in CONTROLS.values() if c.follows}
    assert not leaders & {g.key for g in GOOD.values()}  # followers are read against their leader's default


def _default_leader(control: ui.Control):
    return CONTROLS[control.follows].default if control.follows else None


def test_quoted_shows_a_value_as_plain_text_and_short():
    assert ui.quoted("abc") == "`abc`"
    assert ui.quoted("") == "(empty)"
    assert ui.quoted("a`b") == "`aˋb`"  # a backtick would close the code span
    assert ui.quoted("a\n\nb\u202e") == "`a\\x0a\\x0ab\\u202e`"  # a blank line would end the paragraph
    long = ui.quoted("x" * LONG)
    assert long == f"`{'x' * ui.QUOTED}…` (10,000 characters)"
    for raw in (HTML, UNICODE, "`" * 50, "x" * LONG):
        text = ui.quoted(raw)
        assert text.count("`") == 2 and text.startswith("`"), text  # one code span, nothing outside it but a count
