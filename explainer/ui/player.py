"""Play, pause and step buttons for a chart whose shown step is a Vega-Lite variable bound to a
range slider (see ``explainer.charts.player``).

The buttons live in the browser: they find the slider Vega drew for the chart in the same keyed
container, move it on a timer and tell Vega with an ``input`` event, as a reader dragging it would.
Nothing goes back to the server (the component sends no values), so no frame reruns the script;
the timer stops on Pause, at the last step, and when the element leaves the page.
"""

from __future__ import annotations

import streamlit as st

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

# Trusted code only: nothing from a link or a reader goes into it; the container's key arrives as data.
_JS = """
export default function (component) {
  const { data, parentElement } = component;
  const host = parentElement.host || parentElement;
  const box = host.closest('.st-key-' + CSS.escape(data.key));
  const root = parentElement;
  const play = root.querySelector('[data-act="play"]');
  let timer = null;
  const slider = () => box && box.querySelector('form.vega-bindings input[type="range"]');
  const set = (v) => {
    const s = slider();
    if (!s) return;
    s.value = String(v);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const stop = () => {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = '▶ Play';
    play.setAttribute('aria-label', 'Play');
  };
  const tick = () => {
    const s = slider();
    if (!s || !s.isConnected) { stop(); return; }
    const next = Number(s.value) + Number(s.step || 1);
    if (next >= Number(s.max)) { set(s.max); stop(); } else { set(next); }
  };
  play.onclick = () => {
    if (timer !== null) { stop(); return; }
    const s = slider();
    if (!s) return;
    if (Number(s.value) >= Number(s.max)) set(s.min);
    const frames = Math.max(1, (Number(s.max) - Number(s.min)) / Number(s.step || 1));
    timer = setInterval(tick, Math.min(200, Math.max(30, data.seconds * 1000 / frames)));
    play.textContent = '⏸ Pause';
    play.setAttribute('aria-label', 'Pause');
  };
  const nudge = (sign) => {
    stop();
    const s = slider();
    if (!s) return;
    const v = Number(s.value) + sign * Number(s.step || 1);
    set(Math.min(Number(s.max), Math.max(Number(s.min), v)));
  };
  root.querySelector('[data-act="back"]').onclick = () => nudge(-1);
  root.querySelector('[data-act="fwd"]').onclick = () => nudge(1);
  root.querySelector('[data-act="first"]').onclick = () => { stop(); const s = slider(); if (s) set(s.min); };
  return () => stop();
}
"""

_PLAYER = st.components.v2.component("explainer_player", html=_HTML, css=_CSS, js=_JS)


def container_class(key: str) -> str:
    """The CSS class Streamlit gives a keyed container (what the buttons look for)."""
    return f"st-key-{key}"


def player(box_key: str, *, seconds: float = 8.0) -> None:
    """Play / pause / step buttons for the stepped chart drawn in ``st.container(key=box_key)``
    (call this inside that container). A whole run plays in about ``seconds``."""
    _PLAYER(key=f"{box_key}-buttons", data={"key": box_key, "seconds": float(seconds)}, width="content")
