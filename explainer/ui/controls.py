"""Controls declared once as data, rendered as Streamlit widgets bound to the URL.

Each control has a stable key ``"<slug>.<name>"`` that is also its URL parameter. Streamlit
seeds a bound widget from the URL and silently drops a value it cannot use; before it does, we
check the value the same way and tell the reader what was ignored, so that a mistyped link never
fails quietly.

A control whose default or range depends on another says so in its declaration: ``follows``
names the other control and ``given`` maps that control's value to the fields that change
(``default``, ``lo``, ``hi``). A :class:`Form` renders a section's controls in order, applies
``given`` and, when a reader changes a control, moves every control that follows it to its new
default, so nothing else has to remember the relation.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException


def number(value) -> str:
    """Shortest plain spelling of a number (``0.1``, ``3``, ``30``): how numeric options read and
    how they appear in links."""
    return f"{value:g}"


#: How much of a link's value a notice quotes; the rest is summarised by its length.
QUOTED = 40


def quoted(raw: str) -> str:
    """A link's value as a notice quotes it: a markdown code span that shows the text and nothing
    more, cut to :data:`QUOTED` characters.

    A link is anyone's text: its backticks would close the code span and let the rest render as
    markdown (a link, an image), a blank line would end the paragraph, and invisible or
    right-to-left characters would make the notice lie, so backticks become ``ˋ`` and characters
    that do not print are spelled as escapes (``\\u202e``)."""
    if raw == "":
        return "(empty)"
    text = "".join(_visible(c) for c in raw[:QUOTED])
    return f"`{text}…` ({len(raw):,} characters)" if len(raw) > QUOTED else f"`{text}`"


def _visible(c: str) -> str:
    if c == "`":
        return "ˋ"
    if c == " " or c.isprintable():
        return c
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


WIDGETS = ("slider", "select_slider", "select", "segmented", "toggle", "number", "expander")


@dataclass(frozen=True)
class Control:
    """One reader-facing control.

    ``widget`` is one of :data:`WIDGETS`. Sliders and number inputs use ``lo``, ``hi`` and
    ``step`` (ints give an integer widget); choice widgets use ``options`` and ``format``,
    whose output is also what the URL holds. An ``"expander"`` renders as a collapsible
    container whose open state is the value; its content should run only while it is open.

    A ``"number"`` field takes whatever the reader types and clamps it into ``lo`` to ``hi``
    itself (Streamlit's own bounds would drop an out-of-range entry without a word), then says
    what it did: ``noun`` names what the number counts ("weight": "the largest weight") and
    ``using(value)`` what the clamped value does ("cutting along weight 4,417").

    Links are a public contract (they live on in blog posts), so a choice accepts more than the
    label it writes (see :meth:`named_by`): its id, another spelling of the same number, and the
    old labels in ``aliases`` (``{"old label": option}``, for a label that was renamed), all
    without a word; and the values in ``retired`` (choices once offered, since dropped), which
    show the nearest option offered now with a notice saying so.
    """

    key: str
    label: str
    widget: str
    default: Any
    options: tuple = ()
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    format: Callable[[Any], str] = str
    help: str | None = None
    number_format: str | None = None
    noun: str | None = None
    using: Callable[[Any], str] | None = None
    follows: str | None = None
    given: Callable[[Any], dict] | None = None
    aliases: Mapping[str, Any] | tuple[tuple[str, Any], ...] = ()
    retired: tuple[str, ...] = ()

    def __post_init__(self):
        if isinstance(self.aliases, Mapping):  # kept as pairs, so the control stays hashable
            object.__setattr__(self, "aliases", tuple(self.aliases.items()))
        object.__setattr__(self, "retired", tuple(self.retired))
        for old, option in self.aliases:
            if option not in self.options:
                raise ValueError(f"{self.key}: alias {old!r} names {option!r}, which is not an option")
            if old in self.labels():
                raise ValueError(f"{self.key}: alias {old!r} is a current label")
        if self.retired and not all(_is_number(o) for o in self.options):
            raise ValueError(f"{self.key}: only a control with numeric options can retire values")
        for old in self.retired:
            if _as_number(old) is None or any(_as_number(label) == _as_number(old) for label in self.labels()):
                raise ValueError(f"{self.key}: retired value {old!r} is not a number this control no longer offers")
        if self.widget not in WIDGETS:
            raise ValueError(f"unknown widget {self.widget!r}")
        if "." not in self.key:
            raise ValueError(f"control key {self.key!r} must look like '<slug>.<name>'")
        if self.options and self.default not in self.options:
            raise ValueError(f"default {self.default!r} of {self.key} is not an option")
        if (self.follows is None) != (self.given is None):
            raise ValueError(f"{self.key}: 'follows' and 'given' come together")

    @property
    def is_int(self) -> bool:
        return isinstance(self.default, int) and not isinstance(self.default, bool)

    def labels(self) -> list[str]:
        """The options as the URL spells them."""
        return [self.format(o) for o in self.options]

    def named_by(self, raw: str) -> Link | None:
        """The option a link's value names other than by its current label, or ``None``.

        One rule for every choice, in this order: the option's id (``double-well`` for "tilted
        double well", ``3.0`` for the label ``3``); an old label in ``aliases``; another spelling
        of the same number (``0.50``, ``5e-1`` for ``0.5``); a value in ``retired``, which names
        the nearest option (numerically) with a notice. A current label is no business of this
        method: Streamlit reads it itself."""
        if not self.options or raw in self.labels():
            return None
        for option in self.options:
            if raw == str(option):
                return Link(option)
        for old, option in self.aliases:
            if raw == old:
                return Link(option)
        number = _as_number(raw)
        if number is None:
            return None
        for option, label in zip(self.options, self.labels(), strict=True):
            if _as_number(label) == number:
                return Link(option)
        if any(_as_number(old) == number for old in self.retired):
            nearest = min(self.options, key=lambda o: (abs(float(o) - number), -float(o)))
            shown = self.format(nearest)
            return Link(
                nearest,
                f"The link asked for **{self.label}** = {quoted(raw)}, which this page no longer offers; "
                f"showing the nearest, {shown}.",
            )
        return None

    def under(self, leader_value) -> Control:
        """This control as it is when the control it follows has ``leader_value`` (itself if it
        follows none)."""
        if self.given is None:
            return self
        return dataclasses.replace(self, **self.given(leader_value), follows=None, given=None)

    def problem(self, raw: str | list[str] | None) -> str | None:
        """Why a URL value cannot be used, or ``None`` if it can (or if there is none)."""
        if raw is None:
            return None
        if isinstance(raw, list):
            return "it is given more than once"
        if self.widget in ("select", "select_slider", "segmented"):
            if raw in self.labels():
                return None
            shown = ", ".join(self.labels()[:8]) + (", ..." if len(self.options) > 8 else "")
            return f"it is not one of the choices ({shown})"
        if self.widget in ("toggle", "expander"):
            return None if raw.lower() in ("true", "false") else "it is neither true nor false"
        try:
            number = float(raw)
        except ValueError:
            return "it is not a number"
        if not math.isfinite(number):
            return "it is not a finite number"
        if self.is_int and number != int(number):
            return "it is not a whole number"
        if (self.lo is not None and number < self.lo) or (self.hi is not None and number > self.hi):
            return f"it is outside {self.format_value(self.lo)} to {self.format_value(self.hi)}"
        return None

    def format_value(self, value) -> str:
        if self.options:
            return self.format(value)
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def clamp(self, value):
        """``value`` moved into ``lo`` to ``hi`` (either may be absent), in the control's type."""
        cast = int if self.is_int else float
        if self.lo is not None and value < self.lo:
            return cast(self.lo)
        if self.hi is not None and value > self.hi:
            return cast(self.hi)
        return cast(value)

    def clamp_notice(self, typed, used) -> str:
        """What the reader is told when ``typed`` was out of range and ``used`` is shown instead:
        "5000 is above the largest weight, 4,417: cutting along weight 4,417."."""
        side = "above the largest" if typed > used else "below the smallest"
        what = self.noun if self.noun else f"value of “{self.label}”"
        shown = f"{used:,}" if isinstance(used, int) else f"{used:g}"
        typed_text = f"{typed:g}" if isinstance(typed, float) else str(typed)
        does = self.using(used) if self.using is not None else f"using {shown}"
        return f"{typed_text} is {side} {what}, {shown}: {does}."


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(text: str) -> float | None:
    """``text`` read as a finite number, or ``None``."""
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Link:
    """What a link's value names (see :meth:`Control.named_by`): an option, and the notice the
    reader gets when it is not quite what the link asked for (``None``: it is)."""

    option: Any
    notice: str | None = None


def _accept_link(control: Control) -> bool:
    """Restore a choice that the link names by something other than its current label (an id, an
    old label, another spelling of a number, a retired value: :meth:`Control.named_by`), on the
    run that first reads the link; ``True`` if the widget must be drawn unbound on this run.

    Streamlit seeds a bound widget from the link as it first arrived and drops a value that is no
    label of its own, from the address too. So the widget's state is seeded here and the address
    rewritten to the current label (or cleared, at the default) before the widget would bind, so
    that the address the reader copies, and the share box, hold the view on screen. The widget
    is drawn unbound on that run (binding it would drop the rewritten value again) and binds from
    the next run that draws it on; on that run its value is set again, through which Streamlit
    writes it into the address (the browser did not, for a change made while it was unbound)."""
    accepted = st.session_state.get(_link_key(control))
    if accepted is not None:
        if control.key in st.session_state and (accepted.pending or accepted.notice):
            value = st.session_state[control.key]
            if accepted.pending:
                st.session_state[control.key] = value
            notice = accepted.notice if value == accepted.option else None  # once changed, for good
            st.session_state[_link_key(control)] = dataclasses.replace(accepted, pending=False, notice=notice)
        return False
    raw = st.query_params.get_all(control.key)
    if not raw or control.key in st.session_state:
        return False
    link = Link(control.default, url_notice(control)) if _misread(control, raw) else control.named_by(raw[0])
    if link is None:
        return False
    st.session_state[control.key] = link.option
    try:
        if link.option == control.default:
            del st.query_params[control.key]
        else:
            st.query_params[control.key] = control.format(link.option)
    except StreamlitAPIException:
        # Still bound from an earlier run of this session (a widget shown only in some states):
        # drawn bound, Streamlit writes the value set above into the address itself.
        return False
    st.session_state[_link_key(control)] = _Accepted(link.option, link.notice)
    return True


def _misread(control: Control, raw: list[str]) -> bool:
    """Whether Streamlit would seed ``control`` from a link value the notice says is ignored, or
    fail on it: a key given more than once (Streamlit reads the last value), an empty value for a
    segmented control (Streamlit clears the selection, ``required=True`` notwithstanding), any
    value a number field cannot use (a whole number too large for a float stops the script with
    an ``OverflowError``). The default is then seeded by :func:`_accept_link` and the key dropped
    from the address, so Streamlit never reads the value."""
    if len(raw) > 1:
        return True
    if control.widget == "segmented":
        return raw == [""]
    return control.widget == "number" and control.problem(raw[0]) is not None


@dataclass(frozen=True)
class _Accepted:
    """A choice restored by :func:`_accept_link`: the option, the notice it came with (shown for
    as long as the option stands), and whether the widget is still to bind to the address."""

    option: Any
    notice: str | None
    pending: bool = True


def _link_key(control: Control) -> str:
    return f"_link.{control.key}"


def url_notice(control: Control) -> str | None:
    """A sentence for the reader if the URL holds a value for ``control`` that will be ignored
    (or, for a retired value, replaced)."""
    accepted = st.session_state.get(_link_key(control))
    if accepted is not None and accepted.notice and st.session_state.get(control.key) == accepted.option:
        return accepted.notice  # a retired value, replaced by the nearest option (see _accept_link)
    raw = st.query_params.get_all(control.key)
    raw = None if not raw else (raw[0] if len(raw) == 1 else raw)
    link = control.named_by(raw) if isinstance(raw, str) else None
    if link is not None:
        return link.notice
    why = control.problem(raw)
    if why is None:
        return None
    shown = quoted(raw if isinstance(raw, str) else "&".join(raw))
    return (
        f"The link asked for **{control.label}** = {shown}, but {why}; "
        f"showing the default, {control.format_value(control.default)}."
    )


class Form:
    """A section's controls, rendered in the order the page asks for them.

    ``form.render(control, where)`` draws ``control`` (resolved against the value of the control
    it follows, which must have been rendered first), remembers its value, and arranges that a
    change to it resets every control that follows it to its new default.
    """

    def __init__(self, controls: tuple[Control, ...]):
        self.controls = {c.key: c for c in controls}
        self.values: dict[str, Any] = {}

    def _followers(self, key: str) -> list[Control]:
        return [c for c in self.controls.values() if c.follows == key]

    def render(self, control: Control, where=None):
        if control.follows is not None:
            if control.follows not in self.values:
                raise RuntimeError(f"{control.key} follows {control.follows}, which is not rendered yet")
            control = control.under(self.values[control.follows])
        followers = self._followers(control.key)

        def reset() -> None:
            value = st.session_state[control.key]
            for child in followers:
                st.session_state[child.key] = child.under(value).default

        value = render(control, where, on_change=reset if followers else None)
        self.values[control.key] = value
        return value


def _clamp_key(control: Control) -> str:
    return f"_clamped.{control.key}"


def _number(control: Control, where, common: dict, on_change, *, bounded: bool):
    """A number field without Streamlit's bounds: a value typed out of range is clamped (before
    the rerun, so the URL holds the clamped value) and a notice says what was typed and what is
    used, for as long as that value stands.

    ``bounded`` gives the field its bounds for the first run of a link whose value it cannot use:
    a link's value seeds a field on its first run even over a value set in code, and only the
    bounds make Streamlit drop it (the notice about the link says so) and show the default."""
    cast = int if control.is_int else float
    bounds = dict(min_value=cast(control.lo), max_value=cast(control.hi)) if bounded else {}

    def clamp() -> None:
        typed = st.session_state[control.key]
        st.session_state.pop(_clamp_key(control), None)
        if typed is None:  # an emptied field
            st.session_state[control.key] = cast(control.default)
        elif control.clamp(typed) != typed:
            st.session_state[control.key] = control.clamp(typed)
            st.session_state[_clamp_key(control)] = (typed, control.clamp(typed))
        if on_change is not None:
            on_change()

    current = st.session_state.get(control.key)
    if current is not None and control.clamp(current) != current:
        st.session_state[control.key] = control.clamp(current)  # a value set by code obeys the range too
    value = where.number_input(
        control.label,
        value=cast(control.default),
        step=cast(control.step) if control.step is not None else None,
        **bounds,
        **{**common, "on_change": clamp},
    )
    note = st.session_state.get(_clamp_key(control))
    if note is not None and note[1] == value:
        where.info(control.clamp_notice(*note), icon=":material/straighten:")
    return value


def render(control: Control, where=None, on_change=None):
    """Draw ``control`` (in ``where``, default the current container) and return its value.

    ``on_change`` is called (before the rerun) when the reader changes the value.
    """
    where = where if where is not None else st
    rewritten = _accept_link(control)
    notice = url_notice(control)
    typed = st.session_state.get(_clamp_key(control))
    if notice and typed is not None and st.query_params.get(control.key) == control.format_value(typed[0]):
        notice = None  # the link only echoes what the reader typed, and the field's own notice says what is used
    if notice:
        where.warning(notice, icon=":material/link_off:")
    common = dict(key=control.key, help=control.help, bind=None if rewritten else "query-params", on_change=on_change)
    if control.widget == "slider":
        cast = int if control.is_int else float
        return where.slider(
            control.label,
            min_value=cast(control.lo),
            max_value=cast(control.hi),
            value=cast(control.default),
            step=cast(control.step) if control.step is not None else None,
            format=control.number_format,
            **common,
        )
    if control.widget == "number":
        return _number(control, where, common, on_change, bounded=bool(notice) and control.key not in st.session_state)
    if control.widget == "select_slider":
        return where.select_slider(
            control.label,
            options=list(control.options),
            value=control.default,
            format_func=control.format,
            **common,
        )
    if control.widget == "select":
        return where.selectbox(
            control.label,
            options=list(control.options),
            index=control.options.index(control.default),
            format_func=control.format,
            **common,
        )
    if control.widget == "segmented":
        value = where.segmented_control(
            control.label,
            options=list(control.options),
            default=control.default,
            format_func=control.format,
            required=True,  # never cleared: not by a click on the chosen one, nor by an empty value in the link
            **common,
        )
        return control.default if value is None else value
    if control.widget == "expander":
        # An expander bound to the URL runs its content only while open (read ``.open``).
        return where.expander(
            control.label,
            expanded=bool(control.default),
            key=control.key,
            bind=common["bind"],
            on_change="rerun",
        )
    return where.toggle(control.label, value=bool(control.default), **common)
