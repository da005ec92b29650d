"""The plateau section's page: its controls, one-line cached wrappers around the analyses, and
``render`` as a list of parts.

Every default result ships precomputed (``plateau.*`` in :mod:`explainer.core.store`); other
settings compute live, under a progress bar or a status box where that takes more than a moment.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from explainer.core import claims, store
from explainer.core.analyses import plateau as analysis
from explainer.core.claims import plateau as ledger
from explainer.sections.plateau import figures, words
from explainer.ui import controls as ui
from explainer.ui.cache import cached, computed
from explainer.ui.claims import claim_box
from explainer.ui.display import note, show_chart
from explainer.ui.section import ARTICLE, Context, Section

SLUG = analysis.SLUG
SLOW = claims.CLAIMS[ledger.SLOW.id]
SMALL_NETS = claims.CLAIMS[ledger.SMALL_NETS.id]
_R = analysis.DEFAULT_RUN
_F = analysis.DEFAULT_FAILED

DEPTH = ui.Control(
    f"{SLUG}.depth",
    "Weights in the product (D)",
    "segmented",
    _R.depth,
    options=analysis.DEPTHS,
    help="1 has no plateau; 2 and 3 sit near a saddle at the start.",
)
INIT = ui.Control(
    f"{SLUG}.u0",
    "Starting weight u0",
    "select_slider",
    _R.u0,
    options=analysis.INIT_SCALES,
    format=ui.number,
    help="Every weight starts here: the smaller, the closer to the saddle at the origin.",
)
STEP_SIZE = ui.Control(f"{SLUG}.lr", "Step size", "select_slider", _R.lr, options=analysis.STEP_SIZES, format=ui.number)
METHOD = ui.Control(
    f"{SLUG}.method",
    "Optimiser",
    "segmented",
    _R.method,
    options=analysis.PRODUCT_METHODS,
    format=words.method_words,
    help="Momentum 0.9 and Adam use the rules of the rest of this explainer.",
)
ACTIVATION = ui.Control(
    f"{SLUG}.activation",
    "Activation of the failed run",
    "segmented",
    _F.activation,
    options=analysis.ACTIVATIONS_SWEPT,
    format=lambda a: analysis.ACTIVATION_LABELS[a],
)
WIDTH = ui.Control(
    f"{SLUG}.width", "Hidden units of the failed run", "segmented", _F.width, options=analysis.HIDDEN_UNITS
)
CONTROLS = (DEPTH, INIT, STEP_SIZE, METHOD, ACTIVATION, WIDTH)


# ----- cached wrappers (every input is an argument) ----------------------------------------------


@cached()
def product_view(settings: analysis.RunSettings):
    res = store.result(analysis.PRODUCT, settings)
    return res, figures.product(res)


@cached()
def escape_grid_view(settings: analysis.EscapeSettings):
    res = computed(analysis.ESCAPE, settings, analysis.escape_grid, "Timing every start, depth and optimiser…")
    return res, SLOW.judge(ledger.slow_evidence(res))


@cached()
def escape_view(settings: analysis.EscapeSettings, depth: int, u0: float, method: str):
    res, _ = escape_grid_view(settings)
    return res, figures.escape(res, depth, u0, method)


@cached()
def xor_view(settings: analysis.XorSettings):
    res = computed(
        analysis.XOR,
        settings,
        analysis.xor_failures,
        f"Training {len(settings.activations) * len(settings.widths) * settings.runs} networks on XOR with L-BFGS…",
    )
    return res, figures.failures(res), SMALL_NETS.judge(ledger.nets_evidence(res))


@cached()
def failed_view(settings: analysis.FailedSettings):
    res = computed(analysis.FAILED, settings, analysis.failed_run, "Finding a failed run…", progress=False)
    return res, figures.failed(res) if res.random_state is not None else None


@cached()
def stop_view(settings: analysis.StopSettings):
    res = computed(analysis.STOP, settings, analysis.stop_run, "Training a network 3,000 epochs…", progress=False)
    return res, figures.stop(res)


def _escape_settings(lr: float, depth: int) -> analysis.EscapeSettings:
    depths = tuple(sorted({2, 3, int(depth)}))
    return dataclasses.replace(analysis.DEFAULT_ESCAPE, lr=float(lr), depths=depths)


# ----- the parts of the page ------------------------------------------------------------------------


def _intro() -> None:
    st.markdown(f"*{ARTICLE}* {words.INTRO}")
    st.markdown(words.MODEL)


def _product_part(form: ui.Form) -> None:
    c1, c2 = st.columns([1, 1.6])
    depth, u0 = form.render(DEPTH, c1), form.render(INIT, c2)
    c3, c4 = st.columns([1, 1.6])
    lr, method = form.render(STEP_SIZE, c3), form.render(METHOD, c4)
    settings = dataclasses.replace(_R, depth=int(depth), u0=float(u0), lr=float(lr), method=str(method))
    view, chart = product_view(settings)
    show_chart(
        chart, name=f"plateau-product-d{depth}", key=f"{SLUG}.export.product", caption=words.product_caption(view)
    )
    escape_settings = _escape_settings(lr, depth)
    grid, escape_fig = escape_view(escape_settings, int(depth), float(u0), str(method))
    show_chart(
        escape_fig,
        name="plateau-escape-times",
        key=f"{SLUG}.export.escape",
        caption=words.escape_caption(grid, int(depth), float(u0), str(method)),
    )
    _, verdict = escape_grid_view(escape_settings)  # judged at the reader's step size (cached: the grid above)
    claim_box(SLOW, verdict)
    st.markdown(words.ESCAPE)


def _network_part(form: ui.Form, ctx: Context) -> None:
    st.markdown(words.NETWORK)
    res, chart, verdict = xor_view(dataclasses.replace(analysis.DEFAULT_XOR, seed=ctx.seed))
    show_chart(chart, name="plateau-xor-failures", key=f"{SLUG}.export.xor", caption=words.failures_caption(res))
    c1, c2 = st.columns([1.4, 1])
    activation, width = form.render(ACTIVATION, c1), form.render(WIDTH, c2)
    run, fig = failed_view(dataclasses.replace(_F, activation=str(activation), width=int(width), seed=ctx.seed))
    if run.random_state is None:
        st.info(words.failed_caption(run), icon=":material/info:")
    else:
        show_chart(
            fig,
            name=f"plateau-failed-run-{activation}-{width}",
            key=f"{SLUG}.export.failed",
            caption=words.failed_caption(run) + " " + words.lbfgs_caption(run),
        )
    claim_box(SMALL_NETS, verdict)


def _stop_part(ctx: Context) -> None:
    st.markdown(words.STOPPING)
    res, chart = stop_view(dataclasses.replace(analysis.DEFAULT_STOP, seed=ctx.seed))
    show_chart(chart, name="plateau-stopping-rule", key=f"{SLUG}.export.stop", caption=words.stop_caption(res))
    note(words.READ_MORE)


def render(ctx: Context) -> None:
    form = ui.Form(CONTROLS)
    _intro()
    _product_part(form)
    _network_part(form, ctx)
    _stop_part(ctx)


def verdicts(ctx: Context):
    """Both claims at the section's defaults for ``ctx.seed``, through the views ``render`` uses."""
    _, slow = escape_grid_view(analysis.DEFAULT_ESCAPE)
    _, _, nets = xor_view(dataclasses.replace(analysis.DEFAULT_XOR, seed=ctx.seed))
    return (slow, nets)


SECTION = Section(
    slug=SLUG,
    title="Plateaus: flat and slow",
    summary="A saddle that makes training crawl, small networks stuck on saturated plateaus, and a stopping rule "
    "that gives up too soon.",
    controls=CONTROLS,
    render=render,
    claims=(SLOW.id, SMALL_NETS.id),
    verdicts=verdicts,
)
