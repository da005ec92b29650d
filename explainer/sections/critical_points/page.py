"""The critical-points section's page: its controls, one cached wrapper around the analysis, and
``render`` as a list of parts.

The default grid ships precomputed (``critical-points.basins`` in :mod:`explainer.core.store`);
other settings compute live."""

from __future__ import annotations

import dataclasses

import streamlit as st

from explainer.core import claims, store
from explainer.core.analyses import critical_points as analysis
from explainer.core.claims import critical_points as vanishing
from explainer.core.optimize import METHODS
from explainer.core.surfaces import SURFACES
from explainer.sections.critical_points import figures, words
from explainer.ui import controls as ui
from explainer.ui.cache import cached
from explainer.ui.claims import claim_box
from explainer.ui.display import note, show_chart
from explainer.ui.player import player
from explainer.ui.section import ARTICLE, Context, Section

SLUG = "critical-points"
CLAIM = claims.CLAIMS["vanishing-gradient-places"]
_D = analysis.DEFAULT

SURFACE = ui.Control(
    f"{SLUG}.surface",
    "Surface",
    "select",
    _D.surface,
    options=analysis.MAP_SURFACES,
    format=lambda k: SURFACES[k].title,
)
METHOD = ui.Control(
    f"{SLUG}.method",
    "Optimiser",
    "select",
    _D.method,
    options=tuple(METHODS),
    format=lambda m: METHODS[m],
    help="Noisy descent adds Gaussian noise to every gradient (a stand-in for mini-batches); perturbed "
    "descent jumps randomly when the gradient is small (Jin et al. 2017).",
)
STEP_SIZE = ui.Control(
    f"{SLUG}.lr",
    "Step size",
    "select_slider",
    _D.lr,
    options=analysis.STEP_SIZES,
    format=ui.number,
    help="A new map starts with a step size that suits its curvature.",
    follows=SURFACE.key,
    given=lambda name: dict(default=analysis.GOOD_STEP[name]),
)
STEPS = ui.Control(f"{SLUG}.steps", "Steps per run", "select_slider", _D.steps, options=analysis.STEP_BUDGETS)
GRID = ui.Control(
    f"{SLUG}.grid",
    "Starts per side",
    "select_slider",
    _D.side,
    # 31 per side (961 noisy runs of 3,000 steps) took 12 s and 243 MB above the app, over issue
    # 14's 10 s and 200 MB; 27 takes about 181 MB. An old link with 31 shows 27 and says so.
    options=tuple(side for side in analysis.GRID_SIDES if side <= 27),
    retired=("31",),
    help="Runs start on an evenly spaced grid over the whole map.",
)
NOISE = ui.Control(
    f"{SLUG}.noise",
    "Noise (std. dev. or jump radius)",
    "select_slider",
    analysis.DEFAULT_NOISE,
    options=analysis.NOISE_LEVELS,
    format=ui.number,
)
CONTROLS = (SURFACE, METHOD, STEP_SIZE, STEPS, GRID, NOISE)


# ----- the cached wrappers (every input is an argument) ---------------------------------------------


@cached(show_spinner="Descending from every start on the grid…")
def basins_view(settings: analysis.Settings) -> tuple[analysis.Basins, claims.ClaimResult]:
    """The grid's result and the claim judged on it (what the closing table reads, without the charts)."""
    res = store.result(analysis.BASINS, settings)
    return res, CLAIM.judge(vanishing.evidence(res))


@cached(show_spinner="Descending from every start on the grid…")  # the outer cache's spinner is the one shown
def grid_view(settings: analysis.Settings):
    res, verdict = basins_view(settings)
    return res, verdict, figures.basin_map(res), figures.end_counts(res), figures.example(res)


# ----- the parts of the page ------------------------------------------------------------------------


def _intro() -> None:
    st.markdown(
        f"*{ARTICLE}* points out that the bottom of the deepest valley is not the only place where the slope is "
        "zero. A local minimum, a saddle and a plateau look the same to a gradient: small. The four-traps "
        "map was built to hold one of each. Hundreds of runs start from a grid that covers the map, and each one's "
        "end is read from the ground where it stopped: is it still on its way (the ground's own curvature puts a "
        "critical point further on, or it is still sliding over flat ground), and if not, how does the ground curve "
        "there (the Hessian)? A run that never moved from its start is counted apart: it did not come to rest "
        "anywhere, it was there all along."
    )


def _controls_part(form: ui.Form, ctx: Context) -> analysis.Settings:
    c1, c2, c3 = st.columns(3)
    name, method, lr = form.render(SURFACE, c1), form.render(METHOD, c2), form.render(STEP_SIZE, c3)
    c4, c5, c6 = st.columns(3)
    steps, side = form.render(STEPS, c4), form.render(GRID, c5)
    noise = form.render(NOISE, c6) if method in analysis.NOISY else 0.0
    return analysis.Settings(
        surface=name, method=method, lr=float(lr), steps=int(steps), side=int(side), noise=float(noise), seed=ctx.seed
    )


def _map_part(res: analysis.Basins) -> None:
    surface = SURFACES[res.settings.surface]
    note(f"${surface.formula}$ — {surface.note} {words.map_holds(res)}")


#: The keyed box that holds the map and its play buttons (the buttons find the map's slider in it).
MAP_BOX = "critical-points-map-player"


def _ends_part(res: analysis.Basins, map_fig, counts_fig) -> None:
    name = res.settings.surface
    left, right = st.columns([1.6, 1], gap="medium")
    with left, st.container(key=MAP_BOX):
        show_chart(
            map_fig, name=f"critical-points-basins-{name}", key=f"{SLUG}.export.map", caption=words.counts_caption(res)
        )
        if res.paths:
            player(MAP_BOX, map_fig)
    with right:
        show_chart(
            counts_fig,
            name=f"critical-points-counts-{name}",
            key=f"{SLUG}.export.counts",
            caption=words.escape_caption(res),
        )
    # Under both columns, at full width: every column of the table shows at 820 pixels, and the
    # right column no longer runs far below the map.
    st.dataframe(
        figures.end_table(res),
        hide_index=True,
        width="stretch",
        key=f"{SLUG}.ends.table",
        column_config={
            "ended": st.column_config.TextColumn("ended", width="medium"),
            "runs": st.column_config.NumberColumn("runs", format="%d", width="small"),
            "median_steps": st.column_config.NumberColumn("median steps", format="%d", width="small"),
        },
    )
    kicks = words.kicks_caption(res)
    if kicks:
        note(kicks)


def _plateau_part(res: analysis.Basins) -> None:
    text = words.plateau_note(res)
    if text:
        st.info(text, icon=":material/info:")


def _example_part(res: analysis.Basins, example_fig) -> None:
    if example_fig is None:  # no run stalled and got away
        return
    show_chart(
        example_fig,
        name=f"critical-points-example-{res.settings.surface}",
        key=f"{SLUG}.export.example",
        caption=words.example_caption(res),
    )


def verdicts(ctx: Context) -> tuple[claims.ClaimResult, ...]:
    return (basins_view(dataclasses.replace(_D, seed=ctx.seed))[1],)


def render(ctx: Context) -> None:
    form = ui.Form(CONTROLS)
    _intro()
    settings = _controls_part(form, ctx)
    res, verdict, map_fig, counts_fig, example_fig = grid_view(settings)
    _map_part(res)
    claim_box(CLAIM, verdict)
    _ends_part(res, map_fig, counts_fig)
    _plateau_part(res)
    _example_part(res, example_fig)


SECTION = Section(
    slug=SLUG,
    title="Where the gradient vanishes",
    summary="Descent from hundreds of starts: which trap each one falls into, and how long the escapes take.",
    controls=CONTROLS,
    render=render,
    claims=(CLAIM.id,),
    verdicts=verdicts,
)
