"""Section 1: how a network learns, with backprop and gradient descent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from explainer.charts import curves, maps
from explainer.core import curvature, experiments, training
from explainer.core.contours import contour_segments, quantile_levels
from explainer.core.optimize import descend
from explainer.core.stalls import surface_stalls
from explainer.core.surfaces import SURFACES
from explainer.core.traps import flat_tolerance, label_end, slope_scale
from explainer.ui import controls as ui
from explainer.ui.cache import cached
from explainer.ui.claims import claim_box
from explainer.ui.display import show_chart, spec
from explainer.ui.section import ARTICLE, Context, Section

SLUG = "descent"
DEMO_SURFACES = ("double-well", "four-traps", "rosenbrock", "saddle", "monkey-saddle", "six-hump-camel", "tanh-plateau")
STEP_SIZES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5)
#: A step size that suits each surface's curvature (the default whenever a surface is picked).
GOOD_STEP = {
    "double-well": 0.1,
    "four-traps": 0.1,
    "rosenbrock": 0.001,
    "saddle": 0.1,
    "monkey-saddle": 0.03,
    "six-hump-camel": 0.03,
    "tanh-plateau": 0.5,
}
STEP_BUDGETS = (100, 200, 500, 1000, 2000, 5000)
NET_STEP_SIZES = (0.03, 0.3, 3.0, 30.0)
NET_EPOCHS = 150
SWEEP_POINTS = 19

SURFACE = ui.Control(
    f"{SLUG}.surface", "Surface", "select", "double-well", options=DEMO_SURFACES, format=lambda k: SURFACES[k].title,
    help="The ground the ball rolls on. Each has its critical points marked.",
)  # fmt: skip
START_X = ui.Control(f"{SLUG}.x0", "Start x", "slider", 0.0, lo=-1.0, hi=1.0, step=0.01)
START_Y = ui.Control(f"{SLUG}.y0", "Start y", "slider", 0.0, lo=-1.0, hi=1.0, step=0.01)
STEP_SIZE = ui.Control(
    f"{SLUG}.lr", "Step size (learning rate)", "select_slider", 0.1, options=STEP_SIZES, format=ui.number,
    help="How far each step goes along the negative gradient.",
)  # fmt: skip
STEPS = ui.Control(f"{SLUG}.steps", "Largest number of steps", "select_slider", 1000, options=STEP_BUDGETS)
NET_STEP = ui.Control(
    f"{SLUG}.net_lr", "Network step size", "segmented", 0.3, options=NET_STEP_SIZES, format=ui.number,
    help="Step size of the worked example; every curve below is computed anyway.",
)  # fmt: skip
WHY = ui.Control(
    f"{SLUG}.why", "Does descent stop only where the gradient vanishes? Yes, and almost never on a saddle",
    "expander", False,
)  # fmt: skip
CONTROLS = (NET_STEP, SURFACE, START_X, START_Y, STEP_SIZE, STEPS, WHY)


def _fmt(v: float, digits: int = 4) -> str:
    return f"{v:.{digits}g}"


# ----- cached computations (every input is an argument) --------------------------------------


@cached(show_spinner="Training a small network by gradient descent…")
def network_lesson(seed: int, lr: float) -> dict:
    X, y = training.make_dataset("moons", n=200, noise=0.25, seed=seed)
    rows, outcomes = [], {}
    for rate in NET_STEP_SIZES:
        curve = training.train_curve(X, y, lr=rate, epochs=NET_EPOCHS, seed=seed)
        rows += [dict(epoch=i, loss=float(v), lr=f"{rate:g}") for i, v in enumerate(curve.losses)]
        outcomes[rate] = dict(
            final=float(curve.losses[-1]) if len(curve.losses) else float("nan"),
            best=float(np.min(curve.losses)) if len(curve.losses) else float("nan"),
            diverged_at=curve.diverged_at,
            rises=int(np.sum(np.diff(curve.losses) > 0)),
        )
    frame = pd.DataFrame(rows)
    chart = curves.training_curves(
        frame,
        chart_title="One network, four step sizes",
        subtitle="8 tanh units on 200 'moons' points, full-batch gradient descent in scikit-learn",
    )
    update = training.one_update(X, y, lr=lr, seed=seed)
    return dict(curves=frame, outcomes=outcomes, update=update, chart=spec(chart))


@cached()
def surface_backdrop(name: str) -> dict:
    """Heat map, contour lines and critical points of a surface: the same for every run."""
    surface = SURFACES[name]
    xs, ys, z = surface.grid(51)
    xc, yc, zc = surface.grid(81)
    log_color = np.ptp(z) > 50 * (np.median(z) - z.min() + 1e-12)
    return dict(
        heat=maps.heat_frame(xs, ys, z),
        segments=contour_segments(xc, yc, zc, quantile_levels(zc, 14)),
        critical=maps.critical_frame(surface),
        log_color=bool(log_color),
        spread=float(np.ptp(z)),
    )


@cached(show_spinner="Rolling down the surface…")
def surface_run(name: str, x0: float, y0: float, lr: float, steps: int) -> dict:
    """The reader's run, how it ended, its stalls, a sweep over step sizes, and their charts."""
    surface = SURFACES[name]
    backdrop = surface_backdrop(name)
    scale = slope_scale(surface)
    run = descend(surface, (x0, y0), "gd", lr, steps, tol=1e-6 * scale)
    flat_tol = flat_tolerance(surface, lr, steps)
    label = label_end(
        surface,
        run.end,
        float(run.grad_norms[-1]),
        run.stop_reason,
        still=1e-3 * scale,
        flat_tol=flat_tol,
        global_value=surface.global_minimum_value,
        value_tol=1e-3 * backdrop["spread"],
    )
    stalls = surface_stalls(
        surface,
        run,
        flat_tol=flat_tol,
        window=max(10, steps // 100),
        grad_tol=0.05 * scale,
        loss_tol=1e-3 * backdrop["spread"],
    )
    every = max(1, run.steps // 600)
    keep = np.unique(np.concatenate([np.arange(0, len(run.losses), every), [run.steps]]))
    path = pd.DataFrame({"run": 0, "step": keep, "x": run.positions[keep, 0], "y": run.positions[keep, 1]})
    curve = curves.run_frame(run.losses, run.grad_norms, every)
    stall_frame = pd.DataFrame(
        [dict(start=s.start, end=s.end, steps=s.duration, kind=s.kind) for s in stalls],
        columns=["start", "end", "steps", "kind"],
    )
    events = None
    if run.diverged_at is not None:
        events = pd.DataFrame([dict(step=run.steps, label=f"diverged at step {run.diverged_at}")])
    sw = experiments.lr_sweep(surface, (x0, y0), np.logspace(-3, np.log10(3), SWEEP_POINTS), steps, tol=1e-6 * scale)
    sweep = pd.DataFrame({"lr": sw.lrs, "steps": sw.steps, "outcome": sw.outcome})
    limit = experiments.stability_limit(surface, run.end) if label.endswith("minimum") else None
    bounds = surface.bounds
    map_chart = maps.compose(
        [
            maps.heat_layer(backdrop["heat"], bounds, log_color=backdrop["log_color"]),
            maps.contour_layer(backdrop["segments"], bounds),
            *maps.path_layers(path, bounds),
            maps.critical_layer(backdrop["critical"], bounds),
        ],
        bounds=bounds,
        chart_title=f"Gradient descent on the {surface.title}",
        subtitle="ring: start · diamond: end · white marks: critical points",
    )
    return dict(
        path=path,
        curve=curve,
        stalls=stall_frame,
        sweep=sweep,
        stop_reason=run.stop_reason,
        unbounded=run.stop_reason == "diverged" and bool(run.losses[-1] < run.losses[0]),
        steps=run.steps,
        diverged_at=run.diverged_at,
        end=run.end,
        off_map=not bool(surface.on_map(run.end)),
        start_loss=float(run.losses[0]),
        end_loss=float(run.losses[-1]),
        start_grad=float(run.grad_norms[0]),
        grad_norm=float(run.grad_norms[-1]),
        eigenvalues=curvature.eigenvalues(surface, run.end),
        label=label,
        limit=limit,
        map_chart=spec(map_chart),
        curve_chart=[
            spec(c)
            for c in curves.run_curves(
                curve, chart_title="Loss and slope along the way", stalls=stall_frame, events=events
            )
        ],
        sweep_chart=spec(
            curves.lr_sweep(
                sweep,
                limit=limit,
                chosen=lr,
                chart_title="Why the step size matters",
                subtitle=f"same start, {SWEEP_POINTS} step sizes",
            )
        ),
    )


@cached()
def saddle_lesson() -> dict:
    """Descent on x^2 - y^2 from starts ever closer to the saddle's ridge line."""
    result = experiments.saddle_escape()
    every = 8
    frames = []
    for j, y0 in enumerate(result.y0s):
        label = "y0 = 0 (on the ridge line)" if y0 == 0 else f"y0 = {y0:.0e}"
        d = np.maximum(result.distance[::every, j], 1e-300)
        frames.append(pd.DataFrame({"step": np.arange(0, len(result.distance), every), "distance": d, "start": label}))
    frame = pd.concat(frames, ignore_index=True)
    chart = curves.distance_curves(
        frame, chart_title="Stopping at a saddle takes a perfect aim", subtitle=f"x² − y², step size {result.lr:g}"
    )
    return dict(frame=frame, result=result, chart=spec(chart))


# ----- page ------------------------------------------------------------------------------------


def _three_steps(lesson: dict, lr: float) -> None:
    u: training.Update = lesson["update"]
    hidden = ", ".join(f"{h:+.2f}" for h in u.hidden)
    right = u.probability if u.label == 1 else 1 - u.probability
    c1, c2, c3 = st.columns(3, gap="medium")
    with c1.container(border=True):
        st.markdown("**1 · Forward pass**")
        st.markdown(
            f"Point #{u.sample} sits at ({u.x[0]:.2f}, {u.x[1]:.2f}) with label **{u.label}**. "
            f"Its two coordinates, weighted and summed, feed 8 tanh units: [{hidden}]. "
            f"Their weighted sum, squashed by a sigmoid, is the network's answer: "
            f"P(label 1) = **{u.probability:.3f}**."
        )
    with c2.container(border=True):
        st.markdown("**2 · Loss**")
        st.markdown(
            f"The network gave the right label probability {right:.3f}, so this point's log-loss is "
            f"−ln {right:.3f} = **{u.sample_loss:.3f}**. Averaged over all 200 points, plus scikit-learn's "
            f"small weight penalty, the training loss is L = **{u.loss_before:.4f}**."
        )
    with c3.container(border=True):
        st.markdown("**3 · Step against the gradient**")
        st.markdown(
            f"Backpropagation gives ∂L/∂w for every weight. For w, input 1 → unit 1, it is "
            f"**{u.grad_sklearn:+.5f}** (read off scikit-learn's own step; a finite difference gives "
            f"{u.grad_fd:+.5f}). So w goes from {u.weight_before:+.5f} to "
            f"{u.weight_before:+.5f} − {lr:g} × ({u.grad_sklearn:+.5f}) = **{u.weight_after:+.5f}**. "
            + (
                f"All weights move at once and L falls to **{u.loss_after:.4f}** "
                f"(the slope predicted {u.loss_predicted:.4f})."
                if u.first_order_holds
                else f"All weights move at once and L becomes **{u.loss_after:.4f}**. The slope alone predicted "
                f"{u.loss_predicted:.4f}: a step this long goes far past the ground the slope describes."
            )
        )


def _network_part(ctx: Context, lr: float) -> None:
    lesson = network_lesson(ctx.seed, lr)
    _three_steps(lesson, lr)
    out = lesson["outcomes"]
    best = min(out, key=lambda r: out[r]["best"])
    slow, wild = min(out), max(out)
    pieces = [
        f"After {NET_EPOCHS} steps, step size {slow:g} is still at loss {out[slow]['final']:.3f}: too timid.",
        f"Step size {best:g} reaches the lowest loss, {out[best]['best']:.3f}.",
    ]
    if out[wild]["diverged_at"] is not None:
        pieces.append(f"Step size {wild:g} blew up at epoch {out[wild]['diverged_at']}.")
    else:
        pieces.append(
            f"Step size {wild:g} overshoots: its loss went up on {out[wild]['rises']} of {NET_EPOCHS} steps "
            f"and ends at {out[wild]['final']:.3f}."
        )
    show_chart(
        lesson["chart"],
        lesson["curves"],
        name="descent-network-curves",
        key=f"{SLUG}.export.net",
        caption=" ".join(pieces),
    )


def _point(x: float, y: float) -> str:
    """A point as the reader wants it: four decimals on the map, three significant figures far off it."""
    far = max(abs(x), abs(y)) >= 1e3
    return f"({x:.3g}, {y:.3g})" if far else f"({x:.4f}, {y:.4f})"


def _verdict(res: dict) -> tuple[str, str]:
    """A sentence on how the reader's run ended, and the kind of box to put it in."""
    x, y = res["end"]
    ev = ", ".join(f"{v:.3g}" for v in res["eigenvalues"])
    if res["stop_reason"] == "diverged":
        if res["unbounded"]:
            return (
                f"**Ran away at step {res['diverged_at']}.** The loss kept falling, from {res['start_loss']:.3g} "
                f"to {res['end_loss']:.3g}: this surface has no bottom in that direction, so descent never "
                f"stops; the run is cut once it is 10⁸ away. The last point followed was {_point(x, y)}.",
                "error",
            )
        return (
            f"**Diverged at step {res['diverged_at']}.** Each step overshot further than the last until the "
            f"numbers grew past 10⁸; the last point followed was {_point(x, y)}. "
            "A smaller step size keeps the run on the ground.",
            "error",
        )
    where = {
        "global minimum": "the **global minimum**",
        "local minimum": "a **local minimum**, not the lowest point on the map",
        "saddle": "a **saddle**: uphill one way, downhill the other",
        "plateau": "a **plateau**, where the ground is flat in every direction",
        "still moving": "**no critical point**: there is still a slope under it",
        "left the map": "ground **off the map**, where this surface levels out far from anything of interest",
    }[res["label"]]
    how = (
        f"Stopped at step {res['steps']}: the gradient norm fell to {res['grad_norm']:.1e}."
        if res["stop_reason"] == "converged"
        else f"Used all {res['steps']} steps; the gradient norm is still {res['grad_norm']:.1e}."
    )
    box = "success" if res["label"] == "global minimum" else "warning"
    return f"{how} It ended at {_point(x, y)} on {where} (Hessian eigenvalues {ev}).", box


def _claim(res: dict, global_value: float) -> tuple[str, str | None]:
    """Finding and verdict for the article's "repeat until the gradient is tiny: best fit" claim,
    from the reader's own run (no verdict from a run that blew up)."""
    if res["stop_reason"] == "diverged":
        if res["unbounded"]:
            return "On a surface with no bottom there is no best fit to find: the loss falls for ever.", None
        return (
            f"This run says nothing either way: its step size is too large and it diverged at step "
            f"{res['diverged_at']}. Pick a smaller one.",
            None,
        )
    label = res["label"]
    if label == "global minimum":
        return (
            f"This run stopped where the gradient fell to {res['grad_norm']:.0e}, at the lowest point of the map "
            f"(loss {res['end_loss']:.4g}). From this start, stopping where the gradient vanishes found the best fit.",
            "confirmed",
        )
    lowest = (
        f"while the lowest point of the map is at {global_value:.4g}"
        if np.isfinite(global_value)
        else "on a surface that has no lowest point at all"
    )
    if label == "saddle":
        return (
            f"This run stopped where the gradient vanished, at loss {res['end_loss']:.4g}, {lowest}, and the place "
            "is a saddle, not even a minimum: the ground still falls away in another direction.",
            "contradicted",
        )
    where = {"still moving": "still on a slope", "left the map": "off the map"}.get(label, f"in a {label}")
    return (
        f"This run ended {where} at loss {res['end_loss']:.4g}, {lowest}. A vanishing gradient marks *a* "
        "resting place, not the best one; which one you reach depends on where you start.",
        "refined",
    )


def _sweep_caption(res: dict, bottomless: bool) -> str:
    sweep = res["sweep"]
    ok = sweep[sweep["outcome"] == "converged"]
    bad = sweep[sweep["outcome"] == "diverged"]
    away = sweep[sweep["outcome"] == "left the map"]
    parts = []
    if not ok.empty:
        fastest = ok.loc[ok["steps"].idxmin()]
        parts.append(f"From this start the fastest step size is {fastest['lr']:.3g} ({int(fastest['steps'])} steps).")
    if bottomless:
        parts.append("This surface has no bottom: every run either runs away or runs out of steps.")
    elif not bad.empty:
        parts.append(f"From {bad['lr'].min():.3g} upward the run diverges.")
    if not away.empty:
        parts.append(f"{len(away)} step size(s) threw the run off the map, where it came to rest on far-away ground.")
    if res["limit"] is not None:
        parts.append(
            f"At the minimum reached, descent is stable only below 2/λ_max = {res['limit']:.3g}: beyond it "
            "every step overshoots the valley floor by more than it gains."
        )
    return " ".join(parts) or "No step size converged within the step budget from this start."


def _new_surface() -> None:
    """A new surface starts from its own recommended point and step size (the old ones may not
    suit it: off its map, or too large for its curvature)."""
    name = st.session_state[SURFACE.key]
    st.session_state[START_X.key], st.session_state[START_Y.key] = SURFACES[name].start
    st.session_state[STEP_SIZE.key] = GOOD_STEP[name]


def _surface_part() -> None:
    st.markdown("#### Descent on a landscape you can see")
    st.markdown(
        "Two weights make a map. Pick a surface, drop the ball and set the step size: each step moves "
        "it downhill along the negative gradient, and it stops when the gradient is (almost) zero."
    )
    c1, c2, c3 = st.columns([1.2, 1, 1])
    name = ui.render(SURFACE, c1, on_change=_new_surface)
    surface = SURFACES[name]
    (xl, xh), (yl, yh) = surface.bounds
    x0 = ui.render(START_X.with_range(xl, xh, surface.start[0]), c2)
    y0 = ui.render(START_Y.with_range(yl, yh, surface.start[1]), c3)
    c4, c5 = st.columns(2)
    lr = ui.render(STEP_SIZE.with_default(GOOD_STEP[name]), c4)
    steps = ui.render(STEPS, c5)
    st.caption(f"${surface.formula}$ — {surface.note}")

    res = surface_run(name, float(x0), float(y0), float(lr), int(steps))
    text, box = _verdict(res)
    getattr(st, box)(text)
    finding, verdict = _claim(res, surface.global_minimum_value)
    claim_box(
        "training repeats the step until the gradient is extremely small, and the weights it stops at "
        "fit the training data best.",
        finding,
        verdict,
    )
    left, right = st.columns([1.25, 1], gap="medium")
    with left:
        show_chart(
            res["map_chart"],
            res["path"],
            name=f"descent-path-{name}",
            key=f"{SLUG}.export.map",
            caption=(
                f"From ({x0:.2f}, {y0:.2f}) at loss {res['start_loss']:.4g} to loss {res['end_loss']:.4g} "
                f"in {res['steps']} steps" + (" (the run left the map)." if res["off_map"] else ".")
            ),
        )
    with right:
        note = ""
        if not res["stalls"].empty:
            s = res["stalls"].iloc[0]
            note = (
                f" Shaded: {len(res['stalls'])} stall(s); the first, on a {s['kind']}, lasted {int(s['steps'])} steps."
            )
        show_chart(
            res["curve_chart"],
            res["curve"],
            name=f"descent-curves-{name}",
            key=f"{SLUG}.export.curves",
            caption=(
                f"The loss went from {res['start_loss']:.4g} to {res['end_loss']:.4g}; the gradient norm "
                f"from {res['start_grad']:.2g} to {res['grad_norm']:.2g}." + note
            ),
        )
    show_chart(
        res["sweep_chart"],
        res["sweep"],
        name=f"descent-step-sizes-{name}",
        key=f"{SLUG}.export.sweep",
        caption=_sweep_caption(res, bottomless=not np.isfinite(surface.global_minimum_value)),
    )


def _saddle_part() -> None:
    lesson = saddle_lesson()
    r: experiments.SaddleEscape = lesson["result"]
    esc = {float(y0): int(s) for y0, s in zip(r.y0s, r.escape_step, strict=True)}
    caption = (
        f"Started exactly on the ridge line (y0 = 0), descent walks into the saddle (distance {r.closest[0]:.1e} "
        f"after {len(r.distance) - 1} steps) and stops there. Started 10⁻¹² off it, it lingers {esc[1e-12]} steps and "
        f"leaves; from 10⁻⁶ it leaves after {esc[1e-6]} and from 10⁻² after {esc[1e-2]}: each factor of a "
        f"million closer buys about {esc[1e-12] - esc[1e-6]} more steps, ln(10⁶)/ln(1 + 2·{r.lr:g})."
    )
    show_chart(
        lesson["chart"], lesson["frame"], name="descent-saddle-aim", key=f"{SLUG}.export.saddle", caption=caption
    )


def render(ctx: Context) -> None:
    st.header("1 · How a network learns", anchor=SLUG)
    st.markdown(
        f"The article *{ARTICLE}* starts from the recipe every network follows: compute an answer, "
        "measure how wrong it is, then nudge every weight a little in the direction that makes it less "
        "wrong, and repeat until the nudges stop. Here is that recipe on a real scikit-learn network, "
        "number by number."
    )
    lr = ui.render(NET_STEP)
    _network_part(ctx, float(lr))
    _surface_part()
    why = ui.render(WHY)
    if why.open:  # computed only when a reader opens it
        why.markdown(
            "The article says training runs until the gradient is tiny. True, but *where* it stops matters: "
            "from a random start plain gradient descent almost surely does not end on a strict saddle "
            "(Lee et al., 2016). It only slows down near one, unless it starts exactly on the saddle's "
            "ridge line."
        )
        with why:
            _saddle_part()


SECTION = Section(
    slug=SLUG,
    title="How a network learns",
    summary="The three steps of learning on a real network, and a ball rolling downhill on a map.",
    controls=CONTROLS,
    render=render,
)
