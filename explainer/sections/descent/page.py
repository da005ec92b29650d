"""The descent section's page: its controls, one-line cached wrappers around the analyses, and
``render`` as a list of parts.

Every default result ships precomputed (``descent.*`` in :mod:`explainer.core.store`): the views
read them through :func:`explainer.core.store.result`, which computes only other settings."""

from __future__ import annotations

import streamlit as st

from explainer.core import claims, store
from explainer.core.analyses import descent as analysis
from explainer.core.claims import descent as best_fit
from explainer.core.surfaces import SURFACES
from explainer.sections.descent import figures, words
from explainer.ui import controls as ui
from explainer.ui.cache import cached, viewed
from explainer.ui.claims import claim_box
from explainer.ui.display import note, show_chart
from explainer.ui.player import player
from explainer.ui.section import ARTICLE, Context, Section

SLUG = "descent"
CLAIM = claims.CLAIMS["small-gradient-best-fit"]
STEP_SIZES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5)
STEP_BUDGETS = (100, 200, 500, 1000, 2000, 5000)
_RUN = analysis.DEFAULT_RUN


def _window(axis: int):
    """The start slider for one axis follows the surface: its window, and its own start."""

    def given(name: str) -> dict:
        surface = SURFACES[name]
        lo, hi = surface.bounds[axis]
        return dict(lo=lo, hi=hi, default=surface.start[axis])

    return given


SURFACE = ui.Control(
    f"{SLUG}.surface", "Surface", "select", _RUN.surface, options=analysis.DEMO_SURFACES,
    format=lambda k: SURFACES[k].title, help="The ground the ball rolls on. Each has its critical points marked.",
)  # fmt: skip
START_X = ui.Control(
    f"{SLUG}.x0", "Start x", "slider", _RUN.x0, lo=-2.0, hi=2.0, step=0.01, follows=SURFACE.key, given=_window(0)
)
START_Y = ui.Control(
    f"{SLUG}.y0", "Start y", "slider", _RUN.y0, lo=-1.5, hi=1.5, step=0.01, follows=SURFACE.key, given=_window(1)
)
STEP_SIZE = ui.Control(
    f"{SLUG}.lr", "Step size (learning rate)", "select_slider", _RUN.lr, options=STEP_SIZES, format=ui.number,
    help="How far each step goes along the negative gradient.", follows=SURFACE.key,
    given=lambda name: dict(default=analysis.GOOD_STEP[name]),
)  # fmt: skip
STEPS = ui.Control(f"{SLUG}.steps", "Largest number of steps", "select_slider", _RUN.steps, options=STEP_BUDGETS)
NET_STEP = ui.Control(
    f"{SLUG}.net_lr", "Network step size", "segmented", analysis.DEFAULT_LESSON.lr,
    options=analysis.NET_STEP_SIZES, format=ui.number,
    help="Step size of the worked example; every curve below is computed anyway.",
)  # fmt: skip
WHY = ui.Control(
    f"{SLUG}.why", "Does descent stop only where the gradient vanishes? Yes, and almost never on a saddle",
    "expander", False,
)  # fmt: skip
CONTROLS = (NET_STEP, SURFACE, START_X, START_Y, STEP_SIZE, STEPS, WHY)


# ----- cached wrappers (every input is an argument) ----------------------------------------------


@cached(show_spinner="Training a small network by gradient descent…")
def lesson_view(settings: analysis.LessonSettings):
    return viewed(store.result(analysis.LESSON, settings), figures.lesson)


@cached(show_spinner="Rolling down the surface…")
def run_view(settings: analysis.RunSettings):
    return viewed(store.result(analysis.RUN, settings), figures.run_map, figures.run_curves, figures.sweep)


@cached(show_spinner="Racing six optimisers…")
def race_view(settings: analysis.RaceSettings):
    return viewed(store.result(analysis.RACE, settings), figures.race_map, figures.race_table)


@cached(show_spinner="Descending from a grid of starts…")
def claim_view(settings: analysis.GridSettings) -> claims.ClaimResult:
    return CLAIM.judge(best_fit.best_fit_evidence(store.result(analysis.GRID, settings)))


@cached()
def saddle_view():
    return viewed(store.result(analysis.AIM, analysis.DEFAULT_AIM), figures.saddle_aim)


# ----- the parts of the page ------------------------------------------------------------------------


def _intro() -> None:
    st.markdown(
        f"The article *{ARTICLE}* starts from the recipe every network follows: compute an answer, measure how "
        "wrong it is, then nudge every weight a little in the direction that makes it less wrong, and repeat until "
        "the nudges stop. Here is that recipe on a real scikit-learn network, number by number."
    )


def _network_part(form: ui.Form, ctx: Context) -> None:
    lr = float(form.render(NET_STEP))
    lesson, chart = lesson_view(analysis.LessonSettings(seed=ctx.seed, lr=lr))
    u = lesson.update
    for column, head, text in zip(
        st.columns(3, gap="medium"),
        ("1 · Forward pass", "2 · Loss", "3 · Step against the gradient"),
        (words.forward_pass(u), words.loss_step(u, analysis.NET_SAMPLES), words.gradient_step(u)),
        strict=True,
    ):
        with column.container(border=True):
            st.markdown(f"**{head}**")
            st.markdown(text)
    show_chart(chart, name="descent-network-curves", key=f"{SLUG}.export.net", caption=words.lesson_caption(lesson))


def _surface_controls(form: ui.Form) -> analysis.RunSettings:
    st.markdown("#### Descent on a landscape you can see")
    st.markdown(
        "Two weights make a map. Pick a surface, drop the ball and set the step size: each step moves it downhill "
        "along the negative gradient, and it stops when the gradient is (almost) zero."
    )
    c1, c2, c3 = st.columns([1.2, 1, 1])
    name = form.render(SURFACE, c1)
    x0, y0 = form.render(START_X, c2), form.render(START_Y, c3)
    c4, c5 = st.columns(2)
    lr, steps = form.render(STEP_SIZE, c4), form.render(STEPS, c5)
    surface = SURFACES[name]
    note(f"${surface.formula}$ — {surface.note}")
    return analysis.RunSettings(surface=name, x0=float(x0), y0=float(y0), lr=float(lr), steps=int(steps))


#: Keys of the containers that hold a stepped map and its buttons, and of the clickable map.
MAP_BOX, RACE_BOX = "descent-map-player", "descent-race-player"
MAP_CHART = f"{SLUG}.click.map"


def _drop_ball() -> None:
    """A click on the map moves the start sliders to the clicked cell (before the fragment reruns,
    so the sliders are drawn with their new values and write them to the URL)."""
    state = st.session_state.get(MAP_CHART)
    start = figures.dropped_start(state.get("selection") if state else None)
    if start is None:
        return
    name = st.session_state.get(SURFACE.key, SURFACE.default)
    for control, value in zip((START_X, START_Y), start, strict=True):
        c = control.under(name if name in analysis.DEMO_SURFACES else SURFACE.default)
        st.session_state[c.key] = min(max(float(value), c.lo), c.hi)


def _surface_part(form: ui.Form, ctx: Context) -> None:
    settings = _surface_controls(form)
    res, map_fig, curves_fig, sweep_fig = run_view(settings)
    text, box = words.run_verdict(res)
    getattr(st, box)(text)
    grid = analysis.GridSettings(surface=settings.surface, lr=settings.lr, steps=settings.steps)
    claim_box(CLAIM, claim_view(grid))
    left, right = st.columns([1.25, 1], gap="medium")
    with left, st.container(key=MAP_BOX):
        show_chart(
            map_fig,
            name=f"descent-path-{settings.surface}",
            key=f"{SLUG}.export.map",
            caption=words.map_caption(res),
            on_select=_drop_ball,
            selection_mode=[figures.DROP],
            chart_key=MAP_CHART,
        )
        player(MAP_BOX, map_fig)
    with right:
        show_chart(
            curves_fig,
            name=f"descent-curves-{settings.surface}",
            key=f"{SLUG}.export.curves",
            caption=words.curves_caption(res),
        )
    show_chart(
        sweep_fig,
        name=f"descent-step-sizes-{settings.surface}",
        key=f"{SLUG}.export.sweep",
        caption=words.sweep_caption(res, SURFACES[settings.surface]),
    )
    _race_part(settings, ctx)


def _race_part(run: analysis.RunSettings, ctx: Context) -> None:
    st.markdown("#### The optimiser race")
    st.markdown(
        "The same start and step size for all six optimisers, each with its usual settings (momentum 0.9; Adam's "
        f"0.9 and 0.999; noise and jump radius {analysis.RACE_NOISE:g}, drawn from the page's seed). Press Play to "
        "watch them run side by side."
    )
    settings = analysis.RaceSettings(
        surface=run.surface, x0=run.x0, y0=run.y0, lr=run.lr, steps=run.steps, seed=ctx.seed
    )
    res, race_fig, table = race_view(settings)
    # The map, then the table under it at full width: beside the map, a fifth of the table's
    # columns was cut off at 1280 pixels and most of it at 820.
    with st.container(key=RACE_BOX):
        show_chart(
            race_fig, name=f"descent-race-{run.surface}", key=f"{SLUG}.export.race", caption=words.race_caption(res)
        )
        player(RACE_BOX, race_fig)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key=f"{SLUG}.race.table",
        column_order=("optimiser", "ended", "point", "loss", "steps"),
        column_config={
            "optimiser": st.column_config.TextColumn("optimiser", width="medium"),
            "ended": st.column_config.TextColumn("ended at", width="medium"),
            "point": st.column_config.TextColumn("point", width="medium"),
            "loss": st.column_config.NumberColumn("loss", format="%.4f", width="small"),
            "steps": st.column_config.NumberColumn("steps", format="%d", width="small"),
        },
    )


def _saddle_aside(form: ui.Form) -> None:
    why = form.render(WHY)
    if not why.open:  # computed only when a reader opens it
        return
    why.markdown(words.saddle_note())
    with why:
        escape, chart = saddle_view()
        show_chart(chart, name="descent-saddle-aim", key=f"{SLUG}.export.saddle", caption=words.saddle_caption(escape))


def verdicts(ctx: Context) -> tuple[claims.ClaimResult, ...]:
    """The claim at the section's defaults (the surface descends without randomness)."""
    return (claim_view(analysis.DEFAULT_GRID),)


def render(ctx: Context) -> None:
    form = ui.Form(CONTROLS)
    _intro()
    _network_part(form, ctx)
    _surface_part(form, ctx)
    _saddle_aside(form)


SECTION = Section(
    slug=SLUG,
    title="How a network learns",
    summary="The three steps of learning on a real network, and a ball rolling downhill on a map.",
    controls=CONTROLS,
    render=render,
    claims=(CLAIM.id,),
    verdicts=verdicts,
)
