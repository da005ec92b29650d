"""The critical-points section's sentences: pure functions from its result (tested on hand-built
ones), so that a caption can never contradict its own numbers."""

from __future__ import annotations

import math

from explainer.core import kinds
from explainer.core.analyses.critical_points import STEP_BUDGETS, Basins, ExampleRun
from explainer.core.optimize import METHODS
from explainer.core.prose import count, listing, plural, sci
from explainer.core.surfaces import SURFACES
from explainer.sections.common import describe_ground

#: How a run ended, as the end of a sentence whose subject is the run ("it ...").
ENDED = {
    **{kind: f"ended {kinds.END_AT[kind]}" for kind in kinds.RESTED},
    kinds.STILL_MOVING: "was still moving at its last step",
    kinds.LEFT_MAP: "left the map",
    kinds.DIVERGED: "diverged",
}
#: The preposition before each kind of stall's ground ("in a minimum", "on a saddle").
_ON = {kinds.STALL_MINIMUM: "in"}
#: Plural names of a surface's listed critical points, by kind (the singular is the legend's,
#: :data:`explainer.core.kinds.END_NAMES`).
_MANY = {
    kinds.GLOBAL_MINIMUM: "global minima",
    kinds.LOCAL_MINIMUM: "local minima",
    kinds.END_SADDLE: "saddles",
    kinds.END_MAXIMUM: "maxima",
    kinds.PLATEAU: "plateaus",
}


def on(stall_kind: str) -> str:
    """ "on a saddle", "in a minimum": where a stall sat, after a verb."""
    return f"{_ON.get(stall_kind, 'on')} {kinds.STALL_NAMES[stall_kind]}"


def map_holds(res: Basins) -> str:
    """What the map lists among its critical points (its marks on the map)."""
    parts = [count(res.listed[k], kinds.END_NAMES[k], _MANY[k]) for k in _MANY if res.listed.get(k)]
    title = SURFACES[res.settings.surface].title
    return f"The {title} map has {listing(parts)} (the marks on the map)."


def _never_moved(ended: int, stayed: int) -> str:
    """The aside after a count of runs that ended somewhere, some of which never moved."""
    if not stayed:
        return ""
    if stayed == ended:
        return " (it never moved from its start)" if ended == 1 else " (none of them moved from its start)"
    return f" ({stayed:,} of them never moved from {plural(stayed, 'its', 'their')} start)"


def counts_caption(res: Basins) -> str:
    """ "Of 441 starts, 246 in a global minimum, ... after at most 1500 steps." Runs that ended
    where they started are said to have never moved; runs still moving are listed apart, with
    their slopes: they never came to rest."""
    counts, stayed = res.counts, res.stayed
    steps = res.settings.steps
    parts = [
        f"{counts[k]:,} {kinds.END_AT[k]}{_never_moved(counts[k], stayed[k]) if k in kinds.RESTED else ''}"
        for k in kinds.END_KINDS
        if counts[k] and k != kinds.STILL_MOVING
    ]
    still = counts[kinds.STILL_MOVING]
    every = [k for k in kinds.END_KINDS if counts[k] == res.n > 1 and k != kinds.STILL_MOVING]
    if every:
        k = every[0]
        aside = _never_moved(res.n, stayed[k]) if k in kinds.RESTED else ""
        text = f"All {res.n:,} runs {ENDED[k]}{aside} after at most {count(steps, 'step')}"
    elif parts:
        text = f"Of {count(res.n, 'start')}, {listing(parts)} after at most {count(steps, 'step')}"
    else:
        text = f"Of {count(res.n, 'start')}, none came to rest after at most {count(steps, 'step')}"
    if still:
        _, fastest = res.still_slopes
        if still == 1:
            who, their, slopes, they = "1 was", "its", "slope", "it"
        else:
            who = "all of them were" if still == res.n else f"{still:,} were"
            their, slopes, they = "their", "slopes up to", "they"
        text += (
            f"; {who} still moving at {their} last step ({slopes} {sci(fastest)}): {they} never came to rest, which "
            f"takes a critical point within {sci(res.scales.reach)} by the ground's own curvature and a slope below "
            f"{sci(res.scales.still)} along its flat directions"
        )
    return text + "."


def _how_long(e, before: str) -> str:
    """ "after 22 steps", "after up to 40 steps", "after a median of 52 steps (longest 166)"."""
    if e.runs == 1:
        return f"{before} {count(e.longest_steps, 'step')}"
    median = f"{e.median_steps:,.0f}"
    if median == f"{e.longest_steps:,}":
        return f"{before} up to {e.longest_steps:,} steps"
    return f"{before} a median of {median} steps (longest {e.longest_steps:,})"


def _escaped(e) -> str:
    """One row of the escape table in words."""
    if e.kind == kinds.STALL_VALLEY:
        # A curved valley floor is no critical point: the run was crawling along it, not held.
        return (
            f"{count(e.runs, 'run')} crawled along {kinds.STALL_NAMES[e.kind]} {_how_long(e, 'for')} and went on down"
        )
    return f"{count(e.runs, 'run')} stalled {on(e.kind)} and escaped {_how_long(e, 'after')}"


def escape_caption(res: Basins) -> str:
    """How long the runs that stalled and got away stayed, per kind of ground."""
    if not res.escapes:
        if not any(res.stalled_runs.values()):
            return f"No run stalled (for {count(res.window, 'step')} or more) on its way."
        return "No run stalled and then got away: after a stall, no run went clearly lower."
    return "; ".join(_escaped(e) for e in res.escapes) + "."


def map_title(res: Basins) -> str:
    return f"Where {res.n:,} runs of {METHODS[res.settings.method]} ended"


def map_subtitle(res: Basins) -> str:
    s = res.settings
    return (
        f"{SURFACES[s.surface].title} · {METHODS[s.method]}, step size {s.lr:g}, at most {s.steps:,} steps · "
        "each square is one start, coloured by where its run ended"
    )


def _resting(p) -> str:
    """Why the runs that came to rest on the plateau stopped: the tolerance, or the budget."""
    n, stopped, out = p.n, p.n_stopped, p.n_out_of_steps
    tol = f"the optimiser's stopping tolerance ({sci(p.tol)})"
    creeping = ""
    if out:
        lo, hi = p.creeping_slopes
        creeping = f"slope {sci(lo)}" if out == 1 else f"slopes {sci(lo)} to {sci(hi)}"
    if not out:
        return f"{'it' if n == 1 else 'all'} stopped because {plural(n, 'its', 'their')} slope fell below {tol}"
    if not stopped:
        return f"{'it' if n == 1 else 'all'} ran out of steps while still creeping ({creeping})"
    return (
        f"{stopped:,} stopped because {plural(stopped, 'its', 'their')} slope fell below {tol} and {out:,} ran out "
        f"of steps while still creeping ({creeping})"
    )


def plateau_note(res: Basins) -> str | None:
    """What the runs that ended on a plateau did, and what more steps would take to free them
    (``None`` if no run ended on a plateau). Runs that started on its flat top and never moved
    are counted apart: they did not come to rest there."""
    p = res.plateau
    if p is None:
        return None
    text = "**A plateau is flat ground, not a valley.**"
    if p.never_moved:
        one = p.never_moved == 1
        far = sci(p.never_moved_shift)
        text += (
            f" {count(p.never_moved, 'run')} started on its flat top and never moved "
            + (f"(it went no further than {far} from its start)" if one else f"(none went further than {far})")
            + f": {'it' if one else 'they'} did not come to rest there, {'it was' if one else 'they were'} there all "
            "along."
        )
    if not p.n:
        return text + " No run that moved came to rest on it."
    other = "The other run" if p.n == 1 else f"The other {p.n:,}"
    who = other if p.never_moved else count(p.n, "run")
    text += f" {who} came to rest on it; {_resting(p)}."
    where = "Where it rests" if p.n == 1 else "Where the flattest of them rests"
    text += f" {where}, the ground {describe_ground(p.flattest.ground, res.scales)}."
    lr, budget = res.settings.lr, res.settings.steps
    first = p.flattest.steps
    these = "this run" if p.n == 1 else "these runs"
    if not math.isfinite(first):
        text += (
            f" Nothing holds {these} there but the flatness, and more steps would not free them: where "
            f"{'it' if p.n == 1 else 'the flattest'} rests, plain descent at step size {lr:g} does not speed up "
            "within reach of the map."
        )
    else:
        # More steps are a cure only within the budgets a reader can choose.
        them = "it" if p.n == 1 else "them"
        cure = "yet more steps are no cure" if first > max(STEP_BUDGETS) else f"and more steps would free {them}"
        text += (
            f" Nothing holds {these} there but the flatness, {cure}: plain descent at step size {lr:g} would need "
            f"about {sci(first)} more steps to pick up speed and slide off from there (each run had {budget:,})"
        )
        if p.median.run != p.flattest.run and math.isfinite(p.median.steps):
            text += f", and about {sci(p.median.steps)} from the median resting place (slope {sci(p.median.slope)})"
        text += "."
    slid = [e for e in res.escapes if e.kind == kinds.STALL_PLATEAU]
    if slid:
        e = slid[0]
        after = f"after {count(e.longest_steps, 'step')}" if e.runs == 1 else f"after up to {e.longest_steps:,} steps"
        text += f" {count(e.runs, 'run')} that stalled on it did slide off, {after}."
    return text


def kicks_caption(res: Basins) -> str | None:
    if res.settings.method != "perturbed":
        return None
    return f"Perturbed descent jumped {count(res.kicks, 'time')} in all, wherever a run's slope was small."


def example_title(ex: ExampleRun) -> str:
    steps = count(ex.stall.duration, "step")
    if ex.stall.kind == kinds.STALL_VALLEY:
        return f"The longest slow stretch: {steps} crawling along {kinds.STALL_NAMES[ex.stall.kind]}"
    return f"The longest stall that ended in an escape: {steps} {on(ex.stall.kind)}"


def example_subtitle(ex: ExampleRun) -> str:
    x, y = ex.start
    return f"run from ({x:.2f}, {y:.2f}); it {ENDED[ex.end_kind]}"


def example_caption(res: Basins) -> str:
    ex = res.example
    steps = [
        f"Steps {s.start:,}–{s.end:,}: {count(s.duration, 'step')} {on(s.kind)}, where the ground "
        f"{describe_ground(g, res.scales, resting=s.kind != kinds.STALL_VALLEY)}."
        for s, g in zip(ex.stalls, ex.grounds, strict=True)
    ]
    return "Shaded stretches are stalls: the gradient stayed small and the loss flat. " + " ".join(steps)
