"""The landscape section's page: its controls, one-line cached wrappers around the analyses, and
``render`` as a list of parts.

Each wrapper is keyed by the settings its analysis reads (:meth:`Settings.only`), so a control
recomputes only the parts that depend on it; the reader's weight redraws its own eight cuts in a
nested fragment. At the defaults every part is read from its precomputed file and nothing is
trained; any other setting trains once (cached) and cuts from that run.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from explainer.core import claims
from explainer.core.analyses import landscape as analysis
from explainer.core.claims import landscape as every_cut_flat
from explainer.core.prose import sci
from explainer.sections.landscape import figures, words
from explainer.ui import controls as ui
from explainer.ui.cache import cached, viewed
from explainer.ui.claims import claim_box
from explainer.ui.display import show_chart
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
    f"{SLUG}.data", "Data set", "select", _D.data, options=tuple(analysis.DATA_NOISE), format=str.capitalize
)
ACTIVATION = ui.Control(
    f"{SLUG}.activation", "Hidden units", "segmented", _D.activation, options=analysis.ACTIVATIONS, format=str,
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
    hi=analysis.N_PARAMS, step=1,
    help="Weights are numbered as scikit-learn stores them: the input→hidden 1 matrix row by row, then "
    "hidden 1→hidden 2, then hidden 2→output, then the biases of each layer.",
)  # fmt: skip
SPAN = ui.Control(
    f"{SLUG}.span", "Cut width (± change in one weight)", "select_slider", _D.span, options=(0.5, 1.0, 2.0, 4.0),
    format=ui.number,
)  # fmt: skip
DIRECTIONS = ui.Control(f"{SLUG}.directions", "Random directions", "select_slider", _D.directions, options=(8, 12, 24))
CONTROLS = (DATA, ACTIVATION, OPTIMIZER, EPOCHS, EARLY, WEIGHT, SPAN, DIRECTIONS)


# ----- cached wrappers (each keyed by the settings its analysis reads) ------------------------------


_SHAPE = "-".join(str(n) for n in (2, *analysis.HIDDEN, 1))


@cached(
    max_entries=6, show_spinner=f"Training a {_SHAPE} network ({analysis.N_PARAMS:,} weights), one snapshot per epoch…"
)
def trained(settings: analysis.Settings):
    return analysis.train(settings.only())


def _result(name: str, settings: analysis.Settings):
    """Part ``name`` at ``settings``: precomputed at the defaults, else cut from the cached run."""
    return analysis.result(name, settings, lambda: trained(settings.only()))


@cached(show_spinner="Drawing the decision boundary…")
def overview_view(settings: analysis.Settings):
    return viewed(_result(analysis.OVERVIEW, settings), figures.data_map, figures.loss_curve)


@cached(show_spinner="Cutting the loss along single weights…")
def cuts_view(settings: analysis.Settings):
    return viewed(_result(analysis.WEIGHT_CUTS, settings), figures.weight_cuts)


@cached(show_spinner=f"Cutting the loss along every one of the {analysis.N_PARAMS:,} weights…")
def every_view(settings: analysis.Settings):
    return viewed(_result(analysis.EVERY_WEIGHT, settings), figures.tally, figures.spread)


@cached(show_spinner="Cutting the loss along random directions…")
def fan_view(settings: analysis.Settings):
    return viewed(_result(analysis.RANDOM_CUTS, settings), figures.fan)


@cached(show_spinner="Mapping the loss over the plane of the training path…")
def plane_view(settings: analysis.Settings):
    return viewed(_result(analysis.PATH_PLANE, settings), figures.plane_map, figures.straight_line)


@cached(show_spinner=f"Finding the Hessian's extreme eigenvalues (Lanczos over {analysis.N_PARAMS:,} weights)…")
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


def _weight_part(form: ui.Form, settings: analysis.Settings, over: analysis.Overview) -> analysis.Settings:
    st.markdown("#### One cut per weight")
    st.markdown(words.axis_intro(over))
    settings = dataclasses.replace(settings, span=float(form.render(SPAN, st.columns(3)[0])))
    every, tally_fig, spread_fig = every_view(settings.only("early", "span"))
    # A nested fragment: a new weight redraws its own eight cuts, not the whole section.
    st.fragment(_weight_cuts)(form, settings)
    show_chart(
        tally_fig, name="landscape-all-weight-cuts", key=f"{SLUG}.export.tally", caption=words.tally_caption(every)
    )
    show_chart(spread_fig, name="landscape-slopes", key=f"{SLUG}.export.slopes", caption=words.slopes_caption(every))
    return settings


def _weight_cuts(form: ui.Form, settings: analysis.Settings) -> None:
    """The reader's weight and seven others, cut finely (a fragment of its own)."""
    settings = dataclasses.replace(settings, weight=int(form.render(WEIGHT, st.columns(3)[0])))
    cuts, chart = cuts_view(settings.only("early", "weight", "span"))
    show_chart(chart, name="landscape-weight-cuts", key=f"{SLUG}.export.cuts", caption=words.axis_caption(cuts))


def _random_part(form: ui.Form, settings: analysis.Settings) -> analysis.Settings:
    st.markdown("#### Cuts that move every weight at once")
    st.markdown(words.fan_intro())
    settings = dataclasses.replace(settings, directions=int(form.render(DIRECTIONS, st.columns(3)[0])))
    fan, chart = fan_view(settings.only("early", "directions"))
    show_chart(chart, name="landscape-random-cuts", key=f"{SLUG}.export.fan", caption=words.fan_caption(fan))
    return settings


def _plane_part(settings: analysis.Settings) -> None:
    st.markdown("#### The plane the training path lives in")
    view, map_fig, line_fig = plane_view(settings.only())
    st.markdown(words.plane_intro(view))
    left, right = st.columns([1.15, 1], gap="medium")
    with left:
        show_chart(map_fig, name="landscape-path-plane", key=f"{SLUG}.export.plane", caption=words.plane_caption(view))
    with right:
        show_chart(
            line_fig, name="landscape-straight-line", key=f"{SLUG}.export.line", caption=words.line_caption(view)
        )


def _curvature_part(settings: analysis.Settings) -> None:
    st.markdown("#### Curvature at the end")
    curv, chart = curvature_view(settings.only())
    if curv.failed:
        st.warning(words.curvature_failed(curv), icon=":material/warning:")
        return
    m1, m2, m3 = st.columns(3)
    m1.metric("Largest Hessian eigenvalue", sci(curv.high))
    m2.metric("Smallest Hessian eigenvalue", sci(curv.low))
    m3.metric("Gradient norm", sci(curv.grad_norm))
    st.markdown(words.curvature_reading(curv))
    show_chart(chart, name="landscape-eigen-cuts", key=f"{SLUG}.export.eigen", caption=words.eigen_caption(curv))
    st.caption(words.lanczos_note())


def verdicts(ctx: Context) -> tuple[claims.ClaimResult, ...]:
    return (claim_view(dataclasses.replace(_D, seed=ctx.seed).only("early", "span", "directions")),)


def render(ctx: Context) -> None:
    form = ui.Form(CONTROLS)
    st.markdown(words.intro())
    settings = _run_controls(form, ctx)
    over, data_fig, loss_fig = overview_view(settings.only("early"))
    if over.diverged_at is not None:
        st.warning(words.diverged(over), icon=":material/warning:")
    claim_slot = st.container()  # filled last: the claim reads the cuts' and the curvature's cached parts
    _overview_part(over, data_fig, loss_fig)
    if over.too_short:
        st.info(words.too_short(), icon=":material/info:")
    else:
        settings = _weight_part(form, settings, over)
        settings = _random_part(form, settings)
        _plane_part(settings)
        _curvature_part(settings)
    with claim_slot:
        claim_box(CLAIM, claim_view(settings.only("early", "span", "directions")))


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
