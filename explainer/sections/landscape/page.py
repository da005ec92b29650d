"""The landscape section's page: its controls, one-line cached wrappers around the analyses, and
``render`` as a list of parts.

Each wrapper is keyed by the settings its analysis reads (:meth:`Settings.only`), so a control
recomputes only the parts that depend on it; the reader's weight redraws its own eight cuts in a
nested fragment. At the defaults every part is read from its precomputed file and nothing is
trained; any other setting trains once (cached) and cuts from that run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import streamlit as st

from explainer.core import claims, store
from explainer.core.analyses import landscape as analysis
from explainer.core.claims import landscape as every_cut_flat
from explainer.core.prose import sci
from explainer.sections.landscape import figures, words
from explainer.ui import controls as ui
from explainer.ui.cache import Steps, cached, viewed
from explainer.ui.claims import claim_box
from explainer.ui.display import note, show_chart
from explainer.ui.player import player
from explainer.ui.section import Context, Section

SLUG = "landscape"
CLAIM = claims.CLAIMS["every-cut-flat"]
_D = analysis.DEFAULT
#: How the optimisers read in the menu (and in links: keep these spellings).
OPTIMIZER_NAMES = {
    "adam": f"Adam (step {analysis.STEP['adam']:g})",
    "sgd": f"SGD + momentum 0.9 (step {analysis.STEP['sgd']:g})",
}

DATA = ui.Control(
    f"{SLUG}.data", "Data set", "select", _D.data, options=tuple(analysis.DATA_NOISE),
    format=words.data_name,
    aliases={"Xor": "xor"},  # its label until issue 12
)  # fmt: skip
ACTIVATION = ui.Control(
    f"{SLUG}.activation", "Activation of the hidden units", "segmented", _D.activation,
    options=analysis.ACTIVATIONS, format=str,
    help="ReLU units switch off below zero; one that is off for every training point no longer changes the loss "
    "(only the weight penalty still pulls at its weights). Tanh units saturate smoothly and never switch off.",
)  # fmt: skip
OPTIMIZER = ui.Control(
    f"{SLUG}.optimizer", "Optimiser", "select", _D.optimizer, options=tuple(OPTIMIZER_NAMES),
    format=OPTIMIZER_NAMES.get,
    help=f"scikit-learn's own solvers, mini-batches of {analysis.BATCH}, one snapshot of the weights per epoch.",
)  # fmt: skip
EPOCHS = ui.Control(f"{SLUG}.epochs", "Epochs", "select_slider", _D.epochs, options=analysis.EPOCH_CHOICES)
EARLY = ui.Control(
    f"{SLUG}.early", "Early snapshot (epoch)", "select_slider", _D.early, options=(0, 1, 2, 5, 10),
    help="The moment the end is compared with; 0 is the initial weights.",
)  # fmt: skip
WEIGHT = ui.Control(
    f"{SLUG}.weight", f"Weight to cut along (1 to {analysis.N_PARAMS:,})", "number", _D.weight, lo=1,
    hi=analysis.N_PARAMS, step=1, noun="weight", using=lambda w: f"cutting along weight {w:,}",
    help="Weights are numbered as scikit-learn stores them: the input→hidden 1 matrix row by row, then "
    "hidden 1→hidden 2, then hidden 2→output, then the biases of each layer.",
)  # fmt: skip
SPAN = ui.Control(
    f"{SLUG}.span", "Cut width (± change in one weight)", "select_slider", _D.span, options=(0.5, 1.0, 2.0, 4.0),
    format=ui.number,
)  # fmt: skip
DIRECTIONS = ui.Control(
    f"{SLUG}.directions", "Random directions", "select_slider", _D.directions, options=(8, 12, 24),
    retired=("16", "32"),  # offered until issue 7; an old link shows the nearest count, and says so
)  # fmt: skip
CONTROLS = (DATA, ACTIVATION, OPTIMIZER, EPOCHS, EARLY, WEIGHT, SPAN, DIRECTIONS)


# ----- cached wrappers (each keyed by the settings its analysis reads) ------------------------------


_SHAPE = "-".join(str(n) for n in (2, *analysis.HIDDEN, 1))


@cached(max_entries=6)
def trained(settings: analysis.Settings):
    return analysis.train(settings.only())


def _result(name: str, settings: analysis.Settings):
    """Part ``name`` at ``settings``: precomputed at the defaults, else cut from the cached run."""
    return analysis.result(name, settings, lambda: trained(settings.only()))


@cached()
def overview_view(settings: analysis.Settings):
    return viewed(_result(analysis.OVERVIEW, settings), figures.data_map, figures.loss_curve)


@cached()
def cuts_view(settings: analysis.Settings):
    return viewed(_result(analysis.WEIGHT_CUTS, settings), figures.weight_cuts)


@cached()
def every_view(settings: analysis.Settings):
    return viewed(_result(analysis.EVERY_WEIGHT, settings), figures.tally, figures.spread)


@cached()
def fan_view(settings: analysis.Settings):
    return viewed(_result(analysis.RANDOM_CUTS, settings), figures.fan)


@cached()
def plane_view(settings: analysis.Settings):
    return viewed(_result(analysis.PATH_PLANE, settings), figures.plane_map, figures.straight_line)


@cached()
def curvature_view(settings: analysis.Settings):
    return viewed(_result(analysis.CURVATURE, settings), figures.eigen_cuts)


@cached()
def claim_view(settings: analysis.Settings) -> claims.ClaimResult:
    """The claim judged on the reader's run, from the same cached parts the page draws (none of
    them for a run too short to cut along)."""
    over = overview_view(settings.only("early"))[0]
    if over.too_short:
        return CLAIM.judge(every_cut_flat.evidence(over, None, None, None))
    every = every_view(settings.only("early", "span"))[0]
    fan = fan_view(settings.only("early", "directions"))[0]
    return CLAIM.judge(every_cut_flat.evidence(over, every, fan, curvature_view(settings.only())[0]))


# ----- the parts of the page ------------------------------------------------------------------------


def _run_controls(form: ui.Form, ctx: Context) -> analysis.Settings:
    c1, c2, c3 = st.columns([1, 1, 1.4])
    data, activation, optimizer = form.render(DATA, c1), form.render(ACTIVATION, c2), form.render(OPTIMIZER, c3)
    c4, c5, _ = st.columns([1, 1, 1.4])
    epochs, early = int(form.render(EPOCHS, c4)), int(form.render(EARLY, c5))
    return dataclasses.replace(
        _D, data=data, activation=activation, optimizer=optimizer, epochs=epochs, seed=ctx.seed, early=early
    )


def _stored(settings: analysis.Settings) -> bool:
    """Every part at ``settings`` is read from its precomputed file (nothing to train; the files'
    own settings are checked when they are read)."""
    return all(
        settings.only(*reads) == store.DEFAULTS[name][1] and store.path(name).exists()
        for name, (_, reads) in analysis.PARTS.items()
    )


@dataclass(frozen=True)
class _Views:
    """Everything the section draws, computed before any of it is drawn."""

    overview: tuple
    every: tuple | None = None
    fan: tuple | None = None
    plane: tuple | None = None
    curvature: tuple | None = None
    claim: claims.ClaimResult | None = None


#: The steps after training, as the progress bar names them.
STEPS = (
    "drawing the decision boundary and the loss curve",
    f"cutting the loss along every one of the {analysis.N_PARAMS:,} weights",
    "cutting the loss along your weight and seven others",
    "cutting the loss along random directions",
    "mapping the loss over the plane of the training path",
    f"finding the Hessian's extreme eigenvalues (Lanczos over {analysis.N_PARAMS:,} weights)",
    "judging the claim",
)


def _compute(form: ui.Form, settings: analysis.Settings, where, slots) -> tuple[analysis.Settings, _Views]:
    """Every part at ``settings`` (each a cached call), under one progress bar naming each step.
    The cut parts' own controls are drawn in their ``slots`` once the overview says there is a
    run to cut along (the computing reads them); returns the settings with their values."""
    train = not _stored(settings)
    with Steps(where, len(STEPS) + train) as step:
        if train:
            step(
                f"training a {_SHAPE} network ({analysis.N_PARAMS:,} weights) for {settings.epochs} epochs, one "
                "snapshot per epoch",
                lambda: trained(settings.only()),
            )
        over = step(STEPS[0], lambda: overview_view(settings.only("early")))
        if over[0].too_short:
            return settings, _Views(over, claim=claim_view(settings.only("early", "span", "directions")))
        settings = _part_controls(form, settings, slots)
        every = step(STEPS[1], lambda: every_view(settings.only("early", "span")))
        step(STEPS[2], lambda: cuts_view(settings.only("early", "weight", "span")))  # the weight's fragment reads it
        fan = step(STEPS[3], lambda: fan_view(settings.only("early", "directions")))
        plane = step(STEPS[4], lambda: plane_view(settings.only()))
        curv = step(STEPS[5], lambda: curvature_view(settings.only()))
        claim = step(STEPS[6], lambda: claim_view(settings.only("early", "span", "directions")))
    return settings, _Views(over, every, fan, plane, curv, claim)


def _overview_part(over: analysis.Overview, data_fig, loss_fig) -> None:
    left, right = st.columns([1, 1.2], gap="medium")
    with left:
        show_chart(
            data_fig, name=f"landscape-data-{over.data}", key=f"{SLUG}.export.data", caption=words.data_caption(over)
        )
    with right:
        show_chart(
            loss_fig, name=f"landscape-loss-{over.data}", key=f"{SLUG}.export.loss", caption=words.loss_caption(over)
        )


def _weight_part(form: ui.Form, settings: analysis.Settings, views: _Views, head) -> None:
    head.markdown("#### One cut per weight")
    head.markdown(words.axis_intro(views.overview[0]))
    every, tally_fig, spread_fig = views.every
    # A nested fragment: a new weight redraws its own eight cuts, not the whole section.
    st.fragment(_weight_cuts)(form, settings)
    show_chart(
        tally_fig, name="landscape-all-weight-cuts", key=f"{SLUG}.export.tally", caption=words.tally_caption(every)
    )
    show_chart(spread_fig, name="landscape-slopes", key=f"{SLUG}.export.slopes", caption=words.slopes_caption(every))


def _weight_cuts(form: ui.Form, settings: analysis.Settings) -> None:
    """The reader's weight and seven others, cut finely (a fragment of its own)."""
    settings = dataclasses.replace(settings, weight=int(form.render(WEIGHT, st.columns(3)[0])))
    cuts, chart = cuts_view(settings.only("early", "weight", "span"))
    show_chart(chart, name="landscape-weight-cuts", key=f"{SLUG}.export.cuts", caption=words.axis_caption(cuts))


def _random_part(views: _Views, head) -> None:
    head.markdown("#### Cuts that move every weight at once")
    head.markdown(words.fan_intro())
    fan, chart = views.fan
    show_chart(chart, name="landscape-random-cuts", key=f"{SLUG}.export.fan", caption=words.fan_caption(fan))


#: The keyed box that holds the plane map and its play buttons.
PLANE_BOX = "landscape-plane-player"


def _plane_part(views: _Views) -> None:
    st.markdown("#### The plane the training path lives in")
    view, map_fig, line_fig = views.plane
    st.markdown(words.plane_intro(view))
    left, right = st.columns([1.15, 1], gap="medium")
    with left, st.container(key=PLANE_BOX):
        show_chart(map_fig, name="landscape-path-plane", key=f"{SLUG}.export.plane", caption=words.plane_caption(view))
        player(PLANE_BOX, map_fig)
    with right:
        show_chart(
            line_fig, name="landscape-straight-line", key=f"{SLUG}.export.line", caption=words.line_caption(view)
        )


def _curvature_part(views: _Views) -> None:
    st.markdown("#### Curvature at the end")
    curv, chart = views.curvature
    if curv.failed:
        st.warning(words.curvature_failed(curv), icon=":material/warning:")
        return
    m1, m2, m3 = st.columns(3)
    m1.metric("Largest Hessian eigenvalue", sci(curv.high))
    m2.metric("Smallest Hessian eigenvalue", sci(curv.low))
    m3.metric("Gradient norm", sci(curv.grad_norm))
    st.markdown(words.curvature_reading(curv))
    show_chart(chart, name="landscape-eigen-cuts", key=f"{SLUG}.export.eigen", caption=words.eigen_caption(curv))
    note(words.lanczos_note())


def verdicts(ctx: Context) -> tuple[claims.ClaimResult, ...]:
    return (claim_view(dataclasses.replace(_D, seed=ctx.seed).only("early", "span", "directions")),)


def _part_controls(form: ui.Form, settings: analysis.Settings, slots: dict) -> analysis.Settings:
    """The controls of the cut parts, drawn in their places (``slots``) before those parts are
    computed; returns the settings with their values."""
    span = float(form.render(SPAN, slots["span"].columns(3)[0]))
    directions = int(form.render(DIRECTIONS, slots["directions"].columns(3)[0]))
    # The weight is drawn by its own fragment; read the value it will show, so its cuts are ready.
    weight = st.session_state.get(WEIGHT.key, _D.weight)
    weight = WEIGHT.clamp(weight) if isinstance(weight, int | float) else _D.weight
    return dataclasses.replace(settings, span=span, directions=directions, weight=int(weight))


def render(ctx: Context) -> None:
    form = ui.Form(CONTROLS)
    st.markdown(words.intro())
    settings = _run_controls(form, ctx)
    # Places first, in page order; everything is computed (under one progress bar, where the claim
    # will stand) before any result is drawn, so no old result stays beside a new one.
    top, overview = st.container(), st.container()
    names = ("weight_head", "span", "weight_body", "random_head", "directions", "random_body")
    slots = {name: st.container() for name in names}
    settings, views = _compute(form, settings, top, slots)
    over, data_fig, loss_fig = views.overview
    with top:
        if over.diverged_at is not None:
            st.warning(words.diverged(over), icon=":material/warning:")
        claim_box(CLAIM, views.claim)
    with overview:
        _overview_part(over, data_fig, loss_fig)
        if over.too_short:
            st.info(words.too_short(), icon=":material/info:")
    if over.too_short:
        return
    with slots["weight_body"]:
        _weight_part(form, settings, views, slots["weight_head"])
    with slots["random_body"]:
        _random_part(views, slots["random_head"])
    _plane_part(views)
    _curvature_part(views)


SECTION = Section(
    slug=SLUG,
    title="The landscape: one surface, thousands of cuts",
    summary=f"A real {analysis.N_PARAMS:,}-weight network's loss, cut along single weights, random directions and "
    "its own path.",
    controls=CONTROLS,
    render=render,
    claims=(CLAIM.id,),
    verdicts=verdicts,
)
