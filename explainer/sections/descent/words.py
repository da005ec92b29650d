"""The descent section's sentences: pure functions from its results (tested on hand-built ones)."""

from __future__ import annotations

import numpy as np

from explainer.core import kinds
from explainer.core.analyses.descent import NetworkLesson, Race, SurfaceRun
from explainer.core.experiments import SaddleEscape
from explainer.core.optimize import CONVERGED, DIVERGED, MAX_STEPS, METHODS
from explainer.core.prose import count, listing, power_of_ten, sci
from explainer.core.surfaces import Surface
from explainer.core.training import Update
from explainer.sections.common import describe_ground


def point(xy) -> str:
    """A point as a reader wants it: four decimals on the map, three significant figures far off it."""
    x, y = (float(v) for v in xy)
    far = max(abs(x), abs(y)) >= 1e3
    return f"({x:.3g}, {y:.3g})" if far else f"({x:.4f}, {y:.4f})"


# ----- the worked example --------------------------------------------------------------------------


def forward_pass(u: Update) -> str:
    hidden = ", ".join(f"{h:+.2f}" for h in u.hidden)
    return (
        f"Point #{u.sample} sits at ({u.x[0]:.2f}, {u.x[1]:.2f}) with label **{u.label}**. Its two coordinates, "
        f"weighted and summed, feed {len(u.hidden)} tanh units: [{hidden}]. Their weighted sum, squashed by a "
        f"sigmoid, is the network's answer: P(label 1) = **{u.probability:.3f}**."
    )


def loss_step(u: Update, samples: int) -> str:
    right = u.probability if u.label == 1 else 1 - u.probability
    return (
        f"The network gave the right label probability {right:.3f}, so this point's log-loss is −ln {right:.3f} = "
        f"**{u.sample_loss:.3f}**. Averaged over all {samples} points, plus scikit-learn's small weight penalty, the "
        f"training loss is L = **{u.loss_before:.4f}**."
    )


def gradient_step(u: Update) -> str:
    text = (
        f"Backpropagation gives ∂L/∂w for every weight. For w, input 1 → unit 1, it is **{u.grad_sklearn:+.5f}** "
        f"(read off scikit-learn's own step; a finite difference gives {u.grad_fd:+.5f}). So w goes from "
        f"{u.weight_before:+.5f} to {u.weight_before:+.5f} − {u.lr:g} × ({u.grad_sklearn:+.5f}) = "
        f"**{u.weight_after:+.5f}**. "
    )
    if u.first_order_holds:
        return text + (
            f"All weights move at once and L falls to **{u.loss_after:.4f}** "
            f"(the slope predicted {u.loss_predicted:.4f})."
        )
    return text + (
        f"All weights move at once and L becomes **{u.loss_after:.4f}**. The slope alone predicted "
        f"{u.loss_predicted:.4f}: a step this long goes far past the ground the slope describes."
    )


def lesson_caption(lesson: NetworkLesson) -> str:
    rates = lesson.step_sizes
    best = min(range(len(rates)), key=lambda i: lesson.best[i])
    slow, wild = 0, len(rates) - 1
    pieces = [
        f"After {lesson.epochs} steps, step size {rates[slow]:g} is still at loss {lesson.final[slow]:.3f}: too timid.",
        f"Step size {rates[best]:g} reaches the lowest loss, {lesson.best[best]:.3f}.",
    ]
    if lesson.diverged_at[wild] is not None:
        pieces.append(f"Step size {rates[wild]:g} blew up at epoch {lesson.diverged_at[wild]}.")
    else:
        pieces.append(
            f"Step size {rates[wild]:g} overshoots: its loss went up on {lesson.rises[wild]} of {lesson.epochs} steps "
            f"and ends at {lesson.final[wild]:.3f}."
        )
    pieces.append(f"The bold curve is yours, step size {lesson.settings.lr:g}: {_yours(lesson)}")
    return " ".join(pieces)


def _yours(lesson: NetworkLesson) -> str:
    i = lesson.step_sizes.index(lesson.settings.lr) if lesson.settings.lr in lesson.step_sizes else None
    if i is None:
        return "it is not among the four drawn."
    if lesson.diverged_at[i] is not None:
        return f"it blew up at epoch {lesson.diverged_at[i]}."
    return f"loss {lesson.final[i]:.3f} after {lesson.epochs} steps, lowest {lesson.best[i]:.3f}."


# ----- the reader's run ----------------------------------------------------------------------------

_WHERE = {
    kinds.GLOBAL_MINIMUM: "the **global minimum**",
    kinds.LOCAL_MINIMUM: "a **local minimum**, not the lowest point on the map",
    kinds.END_SADDLE: "a **saddle**",
    kinds.END_MAXIMUM: "a **maximum**",
    kinds.PLATEAU: "a **plateau**",
}


def run_verdict(res: SurfaceRun) -> tuple[str, str]:
    """A paragraph on how the reader's run ended, and the kind of box to put it in
    (``"success"``, ``"warning"`` or ``"error"``)."""
    run = res.run
    if run.stop_reason == DIVERGED:
        what = f"its {res.overflow}"
        if res.unbounded:
            return (
                f"**Ran away at step {run.diverged_at}.** The loss kept falling, from {res.start_loss:.3g} to "
                f"{res.end_loss:.3g}: this surface has no bottom in that direction, so descent never stops. The run is "
                f"stopped once its loss, position or slope passes 10⁸; the next step would have taken {what} past it. "
                f"The last point followed was {point(run.end)}, {sci(res.end_distance)} from the origin.",
                "error",
            )
        return (
            f"**Diverged at step {run.diverged_at}.** Each step overshot further than the last, until the next one "
            f"would have taken {what} past 10⁸; the last point followed was {point(run.end)}. A smaller step size "
            "keeps the run on the ground.",
            "error",
        )
    if res.never_moved:
        how = f"The start is already a resting place: its slope is {sci(res.end_grad)}, so descent does not move."
    elif run.stop_reason == CONVERGED:
        how = f"Stopped at step {run.steps}: the gradient norm fell to {sci(res.end_grad)}."
    else:
        how = f"Used all {run.steps} steps; the gradient norm is still {sci(res.end_grad)}."
    if res.oscillation is not None:
        return f"{how} {oscillation_sentence(res)}", "warning"
    resting = res.end_kind in kinds.RESTED
    ground = describe_ground(res.ground, res.scales, resting=resting)
    if res.end_kind == kinds.LEFT_MAP:
        moving = "still sliding" if res.end_grad >= res.scales.still else "at rest"
        return (
            f"{how} The run left the map and ended at {point(run.end)}, {moving}, on ground that {ground}: far from "
            "anything this map is about.",
            "warning",
        )
    if res.end_kind == kinds.STILL_MOVING:
        g = res.ground
        if g.newton > res.scales.reach:
            why = (
                f"the nearest point where the slope vanishes, as the local curvature tells it, is still "
                f"{sci(g.newton)} away (more than {sci(res.scales.reach)}, a ten-thousandth of the map), so the run "
                f"has not come to rest anywhere; the ground under it {ground}"
            )
        else:
            why = (
                f"along its flattest direction the slope, {sci(g.flat_slope)}, is still above "
                f"{sci(res.scales.still)} (the slope a ten-thousandth of the map away from this map's sharpest "
                f"critical point), so it is still sliding that way; the ground under it {ground}"
            )
        return f"{how} It ended at {point(run.end)} on **no resting place**: {why}.", "warning"
    box = "success" if res.end_kind == kinds.GLOBAL_MINIMUM else "warning"
    return f"{how} It ended at {point(run.end)} on {_WHERE[res.end_kind]}: the ground there {ground}.", box


def oscillation_sentence(res: SurfaceRun) -> str:
    """Why a run that bounced across a valley never came to rest: oscillation, and its cause."""
    o = res.oscillation
    text = (
        f"It **oscillates**: from step {o.start} on, every step jumped back across the valley, "
        f"{o.amplitude:.3g} either side of {point(o.center)}, while the loss and the slope stayed level. "
        "That is no resting place: the ball never stops, it bounces."
    )
    if o.valley is None or not np.isfinite(o.curvature):
        return text + " The local curvature finds no critical point between the two sides of the bounce."
    where = kinds.END_NAMES[o.valley] if o.valley in kinds.RESTED else "critical point"
    text += (
        f" The cause is the step against the curvature: across the valley of the {where} at {point(o.valley_xy)} "
        f"the ground curves by λₘₐₓ = {o.curvature:.3g}, and step size × λₘₐₓ = {o.lr:g} × {o.curvature:.3g} = "
        f"{o.product:.3g}"
    )
    if o.product > 2:
        return text + (
            f", above 2: each step overshoots the valley floor by more than it gains. Step sizes below "
            f"2/λₘₐₓ = {o.bound:.3g} settle there."
        )
    return text + (
        ", below 2 at the floor itself, so the bounce lives on the valley's steeper walls, where the curvature "
        "is larger; a smaller step size settles."
    )


def map_caption(res: SurfaceRun) -> str:
    s = res.settings
    left = " (the run left the map)." if res.off_map else "."
    return (
        f"From ({s.x0:.2f}, {s.y0:.2f}) at loss {res.start_loss:.4g} to loss {res.end_loss:.4g} in "
        f"{count(res.run.steps, 'step')}{left}"
    )


def curves_caption(res: SurfaceRun) -> str:
    text = (
        f"The loss went from {res.start_loss:.4g} to {res.end_loss:.4g}; the gradient norm from {res.start_grad:.2g} "
        f"to {res.end_grad:.2g}."
    )
    if res.oscillation is not None:
        o = res.oscillation
        text += (
            f" From step {o.start} (dashed line) the run oscillates across a valley: the loss and slope stay level "
            "because it lands at the same heights again and again, not because it rests."
        )
    if res.stalls:
        first = res.stalls[0]
        text += (
            f" Shaded: {count(len(res.stalls), 'stall')}; the first, on {kinds.STALL_NAMES[first.kind]}, lasted "
            f"{count(first.duration, 'step')}."
        )
    return text


def _steps(n: int) -> str:
    return count(int(n), "step")


def sweep_caption(res: SurfaceRun, surface: Surface) -> str:
    """What the step-size sweep shows, in a way that never contradicts its own points."""
    sw = res.sweep
    outcome = sw.outcome
    ok = np.flatnonzero(outcome == kinds.SWEEP_CONVERGED)
    parts = []
    if res.never_moved:
        return "The start is already a resting place: every step size stays where it is."
    if ok.size:
        fastest = ok[np.argmin(sw.steps[ok])]
        where = kinds.END_AT.get(str(res.sweep_kinds[fastest]), "")
        same = " too" if str(res.sweep_kinds[fastest]) == res.end_kind else ""
        parts.append(
            f"From this start the fastest step size is {sw.lrs[fastest]:.3g} ({_steps(sw.steps[fastest])}, ending "
            f"{where}{same})."
        )
    bad = np.flatnonzero(outcome == kinds.SWEEP_DIVERGED)
    if not np.isfinite(surface.global_minimum_value):
        parts.append("This surface has no bottom: no step size settles in a valley, because there is none.")
    elif bad.size:
        parts.append(f"From {sw.lrs[bad].min():.3g} upward the run diverges.")
    moving = np.flatnonzero(outcome == kinds.SWEEP_AWAY_MOVING)
    if moving.size:
        lo, hi = sw.final_grad[moving].min(), sw.final_grad[moving].max()
        slopes = f"slope {lo:.2g}" if moving.size == 1 else f"slopes {lo:.2g} to {hi:.2g}"
        parts.append(
            f"{count(moving.size, 'step size')} carried the run off the map, still sliding ({slopes}) when its "
            "steps ran out."
        )
    rested = np.flatnonzero(outcome == kinds.SWEEP_AWAY_RESTED)
    if rested.size:
        parts.append(
            f"{count(rested.size, 'step size')} threw the run off the map, where it came to rest on ground that "
            "flattens out far from anything of interest."
        )
    if res.stability is not None:
        parts.append(stability_sentence(res))
        parts += _below_the_bound(res)
    return " ".join(parts) or "No step size converged within the step budget from this start."


def _below_the_bound(res: SurfaceRun) -> list[str]:
    """Why step sizes below the drawn bound still failed: they ended by another critical point,
    whose own bound is lower."""
    sw, limit = res.sweep, res.stability.limit
    failed = np.flatnonzero((sw.outcome == kinds.SWEEP_OUT_OF_STEPS) & (sw.lrs < limit))
    out = []
    for i in failed:
        bound = res.sweep_bounds[i]
        if np.isfinite(bound) and sw.lrs[i] > bound:
            out.append(
                f"Step size {sw.lrs[i]:.3g} fails although it is below {limit:.3g}: it ended near another critical "
                f"point, where the bound is {bound:.3g}, and bounces there."
            )
    return out


def stability_sentence(res: SurfaceRun) -> str:
    """Which direction sets the step-size bound at the minimum reached, and whether this start
    feels it at all."""
    st = res.stability
    sw = res.sweep
    dx, dy = st.direction
    axis = {(0, 1): "the y direction", (1, 0): "the x direction"}.get(
        (round(abs(dx)), round(abs(dy))) if max(abs(dx), abs(dy)) > 1 - 1e-9 else None,
        f"the direction ({dx:.2f}, {dy:.2f})",
    )
    if st.isotropic:
        text = (
            f"At the minimum reached, the curvature is {st.top:.3g} in every direction: there descent is stable "
            f"only below 2/λₘₐₓ = {st.limit:.3g}, since a longer step overshoots the valley floor by more than it "
            "gains."
        )
    else:
        text = (
            f"At the minimum reached, the steepest curvature is {st.top:.3g}, along {axis}: there descent is stable "
            f"only below 2/λₘₐₓ = {st.limit:.3g}, since a longer step overshoots that valley floor by more than it "
            "gains."
        )
    above = np.flatnonzero((sw.outcome == kinds.SWEEP_CONVERGED) & (sw.lrs > st.limit))
    if st.excited < 1e-12 and not st.isotropic and np.isfinite(st.second_limit):
        text += (
            f" This start never moves along {axis} (its offset there stays exactly 0), so the bound does not bind "
            f"here: the next curvature, {st.second:.3g}, allows steps up to {st.second_limit:.3g}"
        )
        if above.size:
            text += f", and the sweep converges at {listing([f'{v:.3g}' for v in sw.lrs[above]])}"
        return text + "."
    if above.size:
        text += (
            f" Still, {count(above.size, 'step size')} above it converged: far from the minimum the curvature differs, "
            "and these runs settled where the ground is gentler."
        )
    return text


# ----- the optimiser race --------------------------------------------------------------------------


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def race_caption(r: Race) -> str:
    """Who stopped first and where each optimiser ended, in numbers."""
    s = r.settings
    parts = []
    done = r.converged
    if done:
        first = done[0]
        parts.append(
            f"From ({s.x0:.2f}, {s.y0:.2f}) at step size {s.lr:g}, {METHODS[first]} stopped first, after "
            f"{_steps(r.steps(first))}, {kinds.END_AT[r.end_kind[first]]} (loss {r.end_loss(first):.4g})."
        )
        if "gd" in done and first != "gd":
            parts.append(f"Plain gradient descent took {_steps(r.steps('gd'))}.")
    else:
        parts.append(f"From ({s.x0:.2f}, {s.y0:.2f}) at step size {s.lr:g}, no optimiser came to a stop.")
    by_place: dict[str, list[str]] = {}
    for m in r.methods:
        by_place.setdefault(r.end_kind[m], []).append(METHODS[m])
    if len(by_place) > 1:
        pieces = [f"{listing(ms)} {kinds.END_AT[k]}" for k, ms in by_place.items()]
        parts.append("They did not all end in the same place: " + "; ".join(pieces) + ".")
    else:
        (k,) = by_place
        parts.append(f"All six ended {kinds.END_AT[k]}.")
    running = [METHODS[m] for m in r.methods if r.runs[m].stop_reason == MAX_STEPS]
    if running:
        parts.append(
            f"{_upper(listing(running))} used all {_steps(s.steps)} without stopping"
            + (": the noise keeps it jiggling." if running == [METHODS["noisy"]] else ".")
        )
    return " ".join(parts)


# ----- the saddle aside ------------------------------------------------------------------------------


def saddle_caption(r: SaddleEscape) -> str:
    esc = {float(y0): int(s) for y0, s in zip(r.y0s, r.escape_step, strict=True)}
    per_decade = np.log(10) / np.log(1 + 2 * r.lr)
    return (
        f"Started exactly on the ridge line (y0 = 0), descent walks into the saddle (distance {r.closest[0]:.1e} "
        f"after {len(r.distance) - 1} steps) and stops there. Started {power_of_ten(-12)} off it, it lingers "
        f"{esc[1e-12]} steps and leaves; from {power_of_ten(-6)} it leaves after {esc[1e-6]} and from "
        f"{power_of_ten(-2)} after {esc[1e-2]}. Each step multiplies y by 1 + 2·{r.lr:g}, so every factor of ten "
        f"closer buys about {per_decade:.0f} more steps, ln 10 / ln(1 + 2·{r.lr:g}); a million times closer, "
        f"{6 * per_decade:.0f}."
    )


def saddle_note() -> str:
    return (
        "The article says training runs until the gradient is tiny. True, but *where* it stops matters: from a random "
        "start plain gradient descent almost surely does not end on a strict saddle (Lee et al., 2016). It only slows "
        "down near one, unless it starts exactly on the saddle's ridge line."
    )
