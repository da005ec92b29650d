"""Section 3: where the gradient vanishes — descent from a grid of starts on the four-traps map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from explainer.charts import curves, maps
from explainer.core.contours import contour_segments, quantile_levels
from explainer.core.optimize import METHODS
from explainer.core.surfaces import SURFACES
from explainer.core.traps import END_LABELS, grid_descent
from explainer.ui import controls as ui
from explainer.ui.cache import cached
from explainer.ui.claims import claim_box
from explainer.ui.display import show_chart, spec
from explainer.ui.section import ARTICLE, Context, Section

SLUG = "critical-points"
MAP_SURFACES = ("four-traps", "double-well", "six-hump-camel", "himmelblau")
#: A step size that suits each map (its steepest minimum allows about twice as much).
GOOD_STEP = {"four-traps": 0.1, "double-well": 0.1, "six-hump-camel": 0.03, "himmelblau": 0.01}
STEP_SIZES = (0.001, 0.003, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5)
NOISY = ("noisy", "perturbed")
STALL_NAMES = {
    "saddle": "a saddle",
    "plateau": "a plateau",
    "maximum": "ground that curves down on every side (a plateau's rounded edge)",
    "minimum": "a minimum",
}

SURFACE = ui.Control(
    f"{SLUG}.surface", "Surface", "select", "four-traps", options=MAP_SURFACES, format=lambda k: SURFACES[k].title
)
METHOD = ui.Control(
    f"{SLUG}.method", "Optimiser", "select", "gd", options=tuple(METHODS), format=lambda m: METHODS[m],
    help="Noisy descent adds Gaussian noise to every gradient (a stand-in for mini-batches); perturbed "
    "descent jumps randomly when the gradient is small (Jin et al. 2017).",
)  # fmt: skip
STEP_SIZE = ui.Control(f"{SLUG}.lr", "Step size", "select_slider", 0.1, options=STEP_SIZES, format=ui.number)
STEPS = ui.Control(f"{SLUG}.steps", "Steps per run", "select_slider", 1500, options=(250, 500, 1000, 1500, 2000, 3000))
GRID = ui.Control(
    f"{SLUG}.grid", "Starts per side", "select_slider", 21, options=(15, 21, 27, 31),
    help="Runs start on an evenly spaced grid over the whole map.",
)  # fmt: skip
NOISE = ui.Control(
    f"{SLUG}.noise", "Noise (std. dev. or jump radius)", "select_slider", 0.5,
    options=(0.1, 0.2, 0.3, 0.5, 0.8, 1.2), format=ui.number,
)  # fmt: skip
CONTROLS = (SURFACE, METHOD, STEP_SIZE, STEPS, GRID, NOISE)


@cached()
def contours(name: str) -> np.ndarray:
    surface = SURFACES[name]
    xs, ys, z = surface.grid(81)
    return contour_segments(xs, ys, z, quantile_levels(z, 14))


@cached(show_spinner="Descending from every start on the grid…")
def basins(name: str, method: str, lr: float, steps: int, side: int, noise: float, seed: int) -> dict:
    """Everything the section draws, in small frames: the grid's ends, paths, stalls and counts."""
    surface = SURFACES[name]
    res = grid_descent(surface, side=side, method=method, lr=lr, steps=steps, noise=noise, seed=seed)
    b = res.batch
    n = len(b)
    dx = (res.xs[1] - res.xs[0]) / 2
    dy = (res.ys[1] - res.ys[0]) / 2
    starts = res.starts
    cells = pd.DataFrame(
        {
            "x": starts[:, 0] - dx,
            "x2": starts[:, 0] + dx,
            "y": starts[:, 1] - dy,
            "y2": starts[:, 1] + dy,
            "x0": starts[:, 0],
            "y0": starts[:, 1],
            "end": res.labels,
            "steps": b.stop_step,
        }
    )
    counts = res.counts()
    count_frame = pd.DataFrame(
        [dict(end=k, runs=v, share=v / n) for k, v in counts.items() if v],
        columns=["end", "runs", "share"],
    )
    median_steps = {
        k: float(np.median(b.stop_step[res.labels == k])) for k in END_LABELS if counts[k] and k != "diverged"
    }
    # The most instructive runs: the longest escaped stall of each kind, and one run per end.
    longest: dict[str, tuple[int, int]] = {}
    for i, run_stalls in enumerate(res.stalls):
        for s in run_stalls:
            if s.escaped and s.duration > longest.get(s.kind, (-1, 0))[1]:
                longest[s.kind] = (i, s.duration)
    picks = [i for i, _ in longest.values()]
    for label in END_LABELS:
        idx = np.flatnonzero(res.labels == label)
        if idx.size:
            picks.append(int(idx[len(idx) // 2]))
    picks = list(dict.fromkeys(picks))[:8]
    paths = []
    for i in picks:
        last = int(b.stop_step[i])
        every = max(1, last // 200)
        keep = np.unique(np.concatenate([np.arange(0, last + 1, every), [last]]))
        paths.append(pd.DataFrame({"run": i, "step": keep, "x": b.positions[keep, i, 0], "y": b.positions[keep, i, 1]}))
    example = None
    if longest:
        kind, (i, _) = max(longest.items(), key=lambda kv: kv[1][1])
        run = b.run(i)
        every = max(1, run.steps // 500)
        example = dict(
            run=i,
            kind=kind,
            start=tuple(float(v) for v in starts[i]),
            end=res.labels[i],
            curve=curves.run_frame(run.losses, run.grad_norms, every),
            stalls=pd.DataFrame(
                [dict(start=s.start, end=s.end, steps=s.duration, kind=s.kind) for s in res.stalls[i]],
                columns=["start", "end", "steps", "kind"],
            ),
        )
    # The plateau's runs: which ones the optimiser's stopping rule ended, which ran out of steps.
    on_plateau = res.labels == "plateau"
    plateau_grads = np.linalg.norm(surface.gradient(res.ends[on_plateau]), axis=-1)
    plateau_stopped = b.stop_reason[on_plateau] == "converged"
    path_frame = pd.concat(paths, ignore_index=True) if paths else None
    layers = [maps.basin_layer(cells, surface.bounds), maps.contour_layer(contours(name), surface.bounds, opacity=0.9)]
    if path_frame is not None:
        layers += maps.path_layers(path_frame, surface.bounds, width=1.8)
    layers.append(maps.critical_layer(maps.critical_frame(surface), surface.bounds))
    map_chart = maps.compose(
        layers,
        bounds=surface.bounds,
        longest=320,
        chart_title=f"Where {n} runs of {METHODS[method]} ended",
        subtitle=f"{surface.title} · each square is one start, coloured by where its run ended",
    )
    counts_chart = curves.end_counts(
        count_frame, chart_title="Ends by kind", subtitle="labelled from the Hessian at each end"
    )
    if example is not None:
        example["chart"] = [
            spec(c)
            for c in curves.run_curves(
                example["curve"],
                chart_title="The run that stalled longest before escaping: "
                + STALL_NAMES.get(example["kind"], example["kind"]),
                subtitle=f"start ({example['start'][0]:.2f}, {example['start'][1]:.2f}); ended in {example['end']}",
                stalls=example["stalls"],
            )
        ]
    return dict(
        map_chart=spec(map_chart),
        counts_chart=spec(counts_chart),
        cells=cells,
        counts=count_frame,
        median_steps=median_steps,
        escapes=pd.DataFrame(res.escapes(), columns=["kind", "runs", "median_steps", "longest_steps"]),
        example=example,
        n=n,
        plateau=dict(
            runs=int(on_plateau.sum()),
            stopped=int(plateau_stopped.sum()),
            creeping=int((~plateau_stopped).sum()),
            creeping_grads=(
                (float(plateau_grads[~plateau_stopped].min()), float(plateau_grads[~plateau_stopped].max()))
                if (~plateau_stopped).any()
                else None
            ),
            tol=res.tol,
        ),
        has_saddle=any(p.kind == "saddle" for p in surface.critical_points),
        kicks=int(sum(len(k) for k in b.kicks)),
    )


PHRASES = {
    "global minimum": "{n} in a global minimum",
    "local minimum": "{n} in a local minimum",
    "saddle": "{n} on a saddle",
    "plateau": "{n} on a plateau",
    "still moving": "{n} still moving",
    "diverged": "{n} diverged",
}


def _counts_sentence(res: dict, steps: int) -> str:
    frame = res["counts"].set_index("end")
    parts = [PHRASES[label].format(n=int(frame.loc[label, "runs"])) for label in END_LABELS if label in frame.index]
    return f"Of {res['n']} starts, " + ", ".join(parts) + f" after at most {steps} steps."


def _plateau_sentence(p: dict) -> str:
    """What the runs that finished on the plateau did, in numbers."""
    parts = []
    if p["stopped"]:
        parts.append(
            f"{p['stopped']} stopped because their slope fell below the stopping tolerance ({p['tol']:.0e}): "
            "the optimiser gave up on flat ground"
        )
    if p["creeping"]:
        lo, hi = p["creeping_grads"]
        parts.append(f"{p['creeping']} were still creeping when their steps ran out (slopes {lo:.0e} to {hi:.0e})")
    return f"Of the {p['runs']} runs that finished on the plateau, " + ", and ".join(parts) + "."


def _claim(res: dict) -> tuple[str, str | None]:
    """Finding and verdict for "a local minimum, a saddle and a plateau also stop training",
    from the grid's ends."""
    counts = res["counts"].set_index("end")["runs"].to_dict()
    n = res["n"]
    lost = counts.get("diverged", 0) + counts.get("left the map", 0)
    if lost >= n / 2:
        return (
            f"{lost} of {n} runs blew up or were thrown off the map: this step size is too large for this map, "
            "so these runs cannot judge the claim. Try a smaller one.",
            None,
        )
    local, saddle = counts.get("local minimum", 0), counts.get("saddle", 0)
    parts = [
        f"{local} of {n} runs came to rest in a local minimum, a valley that is not the lowest"
        if local
        else f"none of the {n} runs came to rest in a local minimum"
    ]
    if res["plateau"]["runs"]:
        parts.append(_plateau_sentence(res["plateau"]).rstrip(".").replace("Of the", "of the", 1))
    if res["has_saddle"]:
        parts.append(f"{saddle} ended on a saddle")
    finding = "; ".join(parts) + "."
    if res["has_saddle"] and saddle <= 0.02 * n:
        finding += (
            " A strict saddle holds only the runs that start exactly on its ridge line: it slows descent down "
            "but almost never stops it."
        )
        return finding, "refined"
    return finding, "confirmed"


def _escape_sentence(res: dict) -> str:
    esc = res["escapes"]
    if esc.empty:
        return "No run stalled and then got away: every stall it met was where it ended."
    bits = [
        f"{int(r.runs)} run(s) stalled on {STALL_NAMES.get(r.kind, r.kind)} and escaped after a median of "
        f"{r.median_steps:.0f} steps (longest {r.longest_steps})"
        for r in esc.itertuples()
    ]
    return "; ".join(bits) + "."


def _new_surface() -> None:
    """A new map starts with a step size that suits its curvature."""
    st.session_state[STEP_SIZE.key] = GOOD_STEP[st.session_state[SURFACE.key]]


def render(ctx: Context) -> None:
    st.header("3 · Where the gradient vanishes", anchor=SLUG)
    st.markdown(
        f"*{ARTICLE}* points out that the bottom of the deepest valley is not the only place where the "
        "slope is zero. A shallower valley, a saddle and a flat plateau look the same to a gradient: "
        "small. This map was built to hold one of each. Hundreds of runs start from a grid that covers it, "
        "and each one's end is labelled from the curvature (the Hessian) where it stopped."
    )
    c1, c2, c3 = st.columns(3)
    name = ui.render(SURFACE, c1, on_change=_new_surface)
    method = ui.render(METHOD, c2)
    lr = ui.render(STEP_SIZE.with_default(GOOD_STEP[name]), c3)
    c4, c5, c6 = st.columns(3)
    steps = ui.render(STEPS, c4)
    side = ui.render(GRID, c5)
    noise = ui.render(NOISE, c6) if method in NOISY else 0.0
    res = basins(name, method, float(lr), int(steps), int(side), float(noise), ctx.seed)

    finding, verdict = _claim(res)
    claim_box(
        "besides the global minimum, a local minimum, a saddle point and a plateau all have a vanishing "
        "gradient, and training slows down there or stops.",
        finding,
        verdict,
    )
    left, right = st.columns([1.6, 1], gap="medium")
    with left:
        show_chart(
            res["map_chart"],
            res["cells"],
            name=f"critical-points-basins-{name}",
            key=f"{SLUG}.export.map",
            caption=_counts_sentence(res, steps),
        )
    with right:
        show_chart(
            res["counts_chart"],
            res["counts"],
            name=f"critical-points-counts-{name}",
            key=f"{SLUG}.export.counts",
            caption=_escape_sentence(res),
        )
        table = res["counts"].assign(median_steps=[res["median_steps"].get(e, np.nan) for e in res["counts"]["end"]])
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={
                "end": "ended at",
                "runs": "runs",
                "share": st.column_config.NumberColumn("share", format="percent"),
                "median_steps": st.column_config.NumberColumn("median steps", format="%d"),
            },
        )
        if res["plateau"]["runs"]:
            escaped = res["escapes"]
            slid = escaped[escaped["kind"] == "plateau"]
            after = (
                f" Runs that started nearer its edge did slide off, after up to {int(slid['longest_steps'].iloc[0])} "
                "steps."
                if not slid.empty
                else ""
            )
            st.info(
                "**A plateau is flat ground, not a valley.** "
                + _plateau_sentence(res["plateau"])
                + " Nothing holds them there but the flatness: more steps, a push or a stopping rule that is "
                "less eager would let them slide off." + after,
                icon=":material/info:",
            )
        if method == "perturbed":
            st.caption(f"Perturbed descent jumped {res['kicks']} times in all.")
    ex = res["example"]
    if ex is not None:
        show_chart(
            ex["chart"],
            ex["curve"],
            name=f"critical-points-example-{name}",
            key=f"{SLUG}.export.example",
            caption=(
                "Shaded stretches are stalls: the gradient stayed small and the loss flat. "
                + " ".join(
                    f"Steps {int(r.start)}–{int(r.end)}: {int(r.steps)} steps on {STALL_NAMES.get(r.kind, r.kind)}."
                    for r in ex["stalls"].itertuples()
                )
            ),
        )


SECTION = Section(
    slug=SLUG,
    title="Where the gradient vanishes",
    summary="Descent from hundreds of starts: which trap each one falls into, and how long the escapes take.",
    controls=CONTROLS,
    render=render,
)
