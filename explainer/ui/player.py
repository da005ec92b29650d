"""Play, pause and step buttons for a chart whose shown step is a Vega-Lite variable bound to a
range slider (see ``explainer.charts.player``).

The buttons live in the browser: they find the slider Vega drew for the chart in the same keyed
container, move it on a timer and tell Vega with an ``input`` event, as a reader dragging it would.
Nothing goes back to the server (the component sends no values), so no frame reruns the script;
the timer stops on Pause, at the last step, and when the element leaves the page.
"""

from __future__ import annotations

import streamlit as st

from explainer.charts import Figure
from explainer.charts.player import stops

_HTML = """
<div class="player" role="group" aria-label="Play the run">
  <button type="button" data-act="first" title="Back to the start" aria-label="Back to the start">|◀</button>
  <button type="button" data-act="back" title="One step back" aria-label="One step back">◀</button>
  <button type="button" data-act="play" class="play" aria-label="Play">▶ Play</button>
  <button type="button" data-act="fwd" title="One step on" aria-label="One step on">▶︎|</button>
</div>
"""

_CSS = """
.player { display: flex; gap: 0.4rem; flex-wrap: wrap; }
.player button {
  font: inherit; font-size: 0.9rem; padding: 0.2rem 0.7rem; cursor: pointer; border-radius: 0.5rem;
  color: var(--st-text-color); background: var(--st-secondary-background-color);
  border: 1px solid var(--st-border-color, rgba(128, 128, 128, 0.4));
}
.player button.play { min-width: 6.5rem; }
.player button:hover { border-color: var(--st-primary-color); }
.player button:focus-visible { outline: 2px solid var(--st-primary-color); }
"""

# Trusted code only: nothing from a link or a reader goes into it; the container's key and the
# slider's stops arrive as data.
_JS = """
export default function (component) {
  const { data, parentElement } = component;
  const host = parentElement.host || parentElement;
  const scope = '.st-key-' + CSS.escape(data.key);
  const box = host.closest(scope);
  const root = parentElement;
  const play = root.querySelector('[data-act="play"]');
  // Streamlit calls this function again when the data change (a new run: new stops) without
  // calling the cleanup it returned before: undo the last call's timer and key listener first.
  if (root.__playerCleanup) root.__playerCleanup();
  const stops = data.stops.length ? data.stops : [0];
  const last = stops[stops.length - 1];
  let timer = null;
  // The slider's own number is a position, not a step: the map writes the step.
  const style = 'explainer-player-' + data.key;
  if (!document.getElementById(style)) {
    const el = document.createElement('style');
    el.id = style;
    el.textContent = scope + ' form.vega-bindings input[type="range"] + span { display: none; }';
    document.head.appendChild(el);
  }
  const slider = () => box && box.querySelector('form.vega-bindings input[type="range"]');
  const set = (v) => {
    const s = slider();
    if (!s) return;
    s.value = String(v);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const after = (v) => stops.find((p) => p > v) ?? last;
  const before = (v) => [...stops].reverse().find((p) => p < v) ?? stops[0];
  const stop = () => {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = '▶ Play';
    play.setAttribute('aria-label', 'Play');
  };
  const tick = () => {
    const s = slider();
    if (!s || !s.isConnected) { stop(); return; }
    const next = after(Number(s.value));
    set(next);
    if (next >= last) stop();
  };
  play.onclick = () => {
    if (timer !== null) { stop(); return; }
    const s = slider();
    if (!s) return;
    if (Number(s.value) >= last) set(stops[0]);
    const frames = Math.max(1, stops.length - 1);
    timer = setInterval(tick, Math.min(200, Math.max(30, data.seconds * 1000 / frames)));
    play.textContent = '⏸ Pause';
    play.setAttribute('aria-label', 'Pause');
  };
  const nudge = (sign) => {
    stop();
    const s = slider();
    if (!s) return;
    set(sign > 0 ? after(Number(s.value)) : before(Number(s.value)));
  };
  // Arrow keys on the slider step one frame, as the buttons do (not one of its many positions).
  const keys = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 };
  const onKey = (e) => {
    const s = slider();
    if (!s || e.target !== s || !(e.key in keys)) return;
    e.preventDefault();
    nudge(keys[e.key]);
  };
  if (box) box.addEventListener('keydown', onKey, true);
  root.querySelector('[data-act="back"]').onclick = () => nudge(-1);
  root.querySelector('[data-act="fwd"]').onclick = () => nudge(1);
  root.querySelector('[data-act="first"]').onclick = () => { stop(); set(stops[0]); };
  const cleanup = () => { stop(); if (box) box.removeEventListener('keydown', onKey, true); };
  root.__playerCleanup = cleanup;
  return cleanup;
}
"""

_PLAYER = st.components.v2.component("explainer_player", html=_HTML, css=_CSS, js=_JS)


def container_class(key: str) -> str:
    """The CSS class Streamlit gives a keyed container (what the buttons look for)."""
    return f"st-key-{key}"


def player(box_key: str, fig: Figure, *, seconds: float = 8.0) -> None:
    """Play / pause / step buttons for ``fig``, the stepped chart drawn in
    ``st.container(key=box_key)`` (call this inside that container). A whole run plays in about
    ``seconds``."""
    data = {"key": box_key, "seconds": float(seconds), "stops": stops_of(fig)}
    _PLAYER(key=f"{box_key}-buttons", data=data, width="content")


def stops_of(fig: Figure) -> list[int]:
    """The slider positions of ``fig``'s frames (see :func:`explainer.charts.player.stops`): from
    its data set with frame indices."""
    for frame in fig.frames.values():
        if {"j", "jn", "last"} <= set(frame.columns):
            return stops(frame)
    return []
