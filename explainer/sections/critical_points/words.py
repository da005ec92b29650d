"""The critical-points section's sentences: pure functions from its result (tested on hand-built
ones), so that a caption can never contradict its own numbers."""

from __future__ import annotations

import math

from explainer.core import kinds
from explainer.core.analyses.critical_points import Basins, ExampleRun
from explainer.core.optimize import METHODS
from explainer.core.prose import count, listing, sci
from explainer.core.surfaces import SURFACES
from explainer.sections.common import describe_ground

#: How a run ended, as the end of a sentence whose subject is the run ("it ...").
ENDED = {
    kinds.GLOBAL_MINIMUM: "ended in a global minimum",
    kinds.LOCAL_MINIMUM: "ended in a local minimum",
    kinds.END_SADDLE: "ended on a saddle",
    kinds.END_MAXIMUM: "ended on a summit",
    kinds.PLATEAU: "ended on a plateau",
    kinds.STILL_MOVING: "was still moving at its last step",
    kinds.LEFT_MAP: "left the map",
    kinds.DIVERGED: "diverged",
}
#: How many runs ended one way, after a number ("246 in a global minimum").
TALLIED = {
    kinds.GLOBAL_MINIMUM: "in a global minimum",
    kinds.LOCAL_MINIMUM: "in a local minimum",
    kinds.END_SADDLE: "on a saddle",
    kinds.END_MAXIMUM: "on a summit",
    kinds.PLATEAU: "on a plateau",
    kinds.STILL_MOVING: "still moving",
    kinds.LEFT_MAP: "left the map",
    kinds.DIVERGED: "diverged",
}
#: The preposition before each kind of stall's ground ("in a minimum", "on a saddle").
_ON = {kinds.STALL_MINIMUM: "in"}
#: A surface's listed critical points, by kind: singular and plural names (as the map's legend names them).
_LISTED = {
    "global-minimum": ("global minimum", "global minima"),
    "local-minimum": ("local minimum", "local minima"),
    "saddle": ("saddle", "saddles"),
    "maximum": ("maximum", "maxima"),
    "plateau": ("plateau", "plateaus"),
}


def on(stall_kind: str) -> str:
    """ "on a saddle", "in a minimum": where a stall sat, after a verb."""
    return f"{_ON.get(stall_kind, 'on')} {kinds.STALL_NAMES[stall_kind]}"


def map_holds(res: Basins) -> str:
    """What the map lists among its critical points (the white marks on the map)."""
    parts = [count(res.listed[k], *_LISTED[k]) for k in _LISTED if res.listed.get(k)]
    title = SURFACES[res.settings.surface].title
    return f"The {title} map has {listing(parts)} (white marks on the map)."


def counts_caption(res: Basins) -> str:
    """ "Of 441 starts, 246 in a global minimum, ... after at most 1500 steps." Runs still
    moving are listed apart, with their slopes: they never came to rest."""
    counts = res.counts
    steps = res.settings.steps
    parts = [f"{counts[k]:,} {TALLIED[k]}" for k in kinds.END_KINDS if counts[k] and k != kinds.STILL_MOVING]
    still = counts[kinds.STILL_MOVING]
    if parts:
        text = f"Of {res.n:,} starts, {listing(parts)} after at most {count(steps, 'step')}"
    else:
        text = f"Of {res.n:,} starts, none came to rest after at most {count(steps, 'step')}"
    if still:
        _, fastest = res.still_slopes
        if still == 1:
            who, their, slopes, they = "1 was", "its", "slope", "it"
        else:
            who = "all of them were" if still == res.n else f"{still:,} were"
            their, slopes, they = "their", "slopes up to", "they"
        text += (
            f"; {who} still moving at {their} last step ({slopes} {sci(fastest)}, while a run counts as resting only "
            f"below {sci(res.scales.still)}): {they} never came to rest"
        )
    return text + "."


def escape_caption(res: Basins) -> str:
    """How long the runs that stalled and got away stayed, per kind of ground."""
    if not res.escapes:
        if not any(res.stalled_runs.values()):
            return f"No run stalled (for {count(res.window, 'step')} or more) on its way."
        return "No run stalled and then got away: after a stall, no run went clearly lower."
    bits = []
    for e in res.escapes:
        once = e.median_steps == e.longest_steps
        how_long = (
            f"after {count(e.longest_steps, 'step')}"
            if once
            else f"after a median of {e.median_steps:,.0f} steps (longest {e.longest_steps:,})"
        )
        bits.append(f"{count(e.runs, 'run')} stalled {on(e.kind)} and escaped {how_long}")
    return "; ".join(bits) + "."


def map_title(res: Basins) -> str:
    return f"Where {res.n:,} runs of {METHODS[res.settings.method]} ended"


def map_subtitle(res: Basins) -> str:
    return f"{SURFACES[res.settings.surface].title} · each square is one start, coloured by where its run ended"


def plateau_note(res: Basins) -> str | None:
    """What the runs resting on a plateau did, and what more steps would take to free them
    (``None`` if no run ended on a plateau)."""
    p = res.plateau
    if p is None:
        return None
    parts = []
    if p.n_stopped:
        who = f"{p.n_stopped:,}" if p.n_out_of_steps else ("it" if p.n == 1 else "all of them")
        parts.append(f"{who} stopped because their slope was below the optimiser's stopping tolerance ({sci(p.tol)})")
    if p.n_out_of_steps:
        lo, hi = p.creeping_slopes
        slopes = f"slope {sci(lo)}" if p.n_out_of_steps == 1 else f"slopes {sci(lo)} to {sci(hi)}"
        who = f"{p.n_out_of_steps:,}" if p.n_stopped else ("it" if p.n == 1 else "all of them")
        parts.append(f"{who} ran out of steps while still creeping ({slopes})")
    runs = "the 1 run" if p.n == 1 else f"the {p.n:,} runs"
    text = (
        f"**A plateau is flat ground, not a valley.** Of {runs} that came to rest on a plateau, {listing(parts)}. "
        f"Where the flattest of them rests, the ground {describe_ground(p.flattest.ground, res.scales)}."
    )
    lr, budget = res.settings.lr, res.settings.steps
    first = p.flattest.steps
    if not math.isfinite(first):
        text += (
            " Nothing holds these runs there but the flatness, and more steps would not free them: where the flattest "
            f"rests, plain descent at step size {lr:g} does not speed up within reach of the map."
        )
    else:
        text += (
            " Nothing holds these runs there but the flatness, yet more steps are no cure: plain descent at step size "
            f"{lr:g} would need about {sci(first)} more steps to pick up speed and slide off from there (each run had "
            f"{budget:,})"
        )
        if p.median.run != p.flattest.run and math.isfinite(p.median.steps):
            text += f", and about {sci(p.median.steps)} from the median resting place (slope {sci(p.median.slope)})"
        text += "."
    slid = [e for e in res.escapes if e.kind == kinds.STALL_PLATEAU]
    if slid:
        text += (
            f" Runs that started nearer its edge did slide off: {count(slid[0].runs, 'run')}, after up to "
            f"{slid[0].longest_steps:,} steps."
        )
    return text


def kicks_caption(res: Basins) -> str | None:
    if res.settings.method != "perturbed":
        return None
    return f"Perturbed descent jumped {count(res.kicks, 'time')} in all, wherever a run's slope was small."


def example_title(ex: ExampleRun) -> str:
    return f"The longest stall that ended in an escape: {count(ex.stall.duration, 'step')} {on(ex.stall.kind)}"


def example_subtitle(ex: ExampleRun) -> str:
    x, y = ex.start
    return f"run from ({x:.2f}, {y:.2f}); it {ENDED[ex.end_kind]}"


def example_caption(res: Basins) -> str:
    ex = res.example
    steps = [
        f"Steps {s.start:,}–{s.end:,}: {count(s.duration, 'step')} {on(s.kind)}, where the ground "
        f"{describe_ground(g, res.scales)}."
        for s, g in zip(ex.stalls, ex.grounds, strict=True)
    ]
    return "Shaded stretches are stalls: the gradient stayed small and the loss flat. " + " ".join(steps)
