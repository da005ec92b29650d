"""The overfitting section's page: its controls, one-line cached wrappers around the analyses, and
``render`` as a list of parts.

Every default result ships precomputed (``overfitting.*`` in :mod:`explainer.core.store`); other
settings and seeds compute live under a progress bar.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from explainer.core import claims, store
from explainer.core.analyses import overfitting as analysis
from explainer.core.claims import overfitting as ledger
from explainer.sections.overfitting import figures, words
from explainer.ui import controls as ui
from explainer.ui.cache import cached, computed, viewed
from explainer.ui.claims import claim_box
from explainer.ui.display import note, show_chart
from explainer.ui.section import ARTICLE, Context, Section

SLUG = analysis.SLUG
CLAIM = claims.CLAIMS[ledger.CLAIM.id]
_C = analysis.DEFAULT_CURVE

WIDTH = ui.Control(
    f"{SLUG}.width",
    "Hidden units",
    "select_slider",
    _C.width,
    options=analysis.WIDTHS,
    help="Units in the network's one hidden layer: 256 units give about 770 weights for 20 points.",
)
ALPHA = ui.Control(
    f"{SLUG}.alpha",
    "L2 penalty α",
    "select_slider",
    _C.alpha,
    options=analysis.ALPHAS,
    format=ui.number,
    help="scikit-learn's weight penalty: α/2 × (sum of squared weights) / (number of points) is added to the loss.",
)
ITERATIONS = ui.Control(
    f"{SLUG}.iterations",
    "Epochs",
    "select_slider",
    _C.iterations,
    options=analysis.ITERATIONS,
    help="Full-batch Adam steps (one per epoch).",
)
CONTROLS = (WIDTH, ALPHA, ITERATIONS)


# ----- cached wrappers (every input is an argument) ----------------------------------------------


@cached()
def curve_result(settings: analysis.CurveSettings) -> analysis.CurveFit:
    name = analysis.REGULARISED if settings == store.DEFAULTS[analysis.REGULARISED][1] else analysis.CURVE
    return computed(name, settings, analysis.curve_fit, f"Training a {settings.width}-unit network…")


@cached()
def labels_result(settings: analysis.LabelsSettings) -> analysis.LabelsFit:
    return computed(analysis.LABELS, settings, analysis.labels_fit, "Fitting true and random labels…")


@cached()
def sharp_result(settings: analysis.SharpSettings) -> analysis.SharpRuns:
    runs = len(settings.batch_sizes) * settings.runs
    return computed(analysis.SHARP, settings, analysis.sharp_runs, f"Training {runs} networks and their Hessians…")


# The views add the charts to the results above; the claim (and the closing table) reads the
# results alone.


@cached()
def curve_view(settings: analysis.CurveSettings):
    fit = curve_result(settings)
    return (fit, figures.errors(fit), figures.fits(fit)) if fit.finite else (fit, None, None)


@cached()
def labels_view(settings: analysis.LabelsSettings):
    return viewed(labels_result(settings), figures.labels)


@cached()
def sharp_view(settings: analysis.SharpSettings):
    return viewed(sharp_result(settings), figures.sharpness, figures.minima)


@cached()
def verdict_view(
    curve: analysis.CurveSettings,
    regularised: analysis.CurveSettings,
    labels: analysis.LabelsSettings,
    sharp: analysis.SharpSettings,
):
    evidence = ledger.evidence(
        curve_result(curve), curve_result(regularised), labels_result(labels), sharp_result(sharp)
    )
    return CLAIM.judge(evidence)


def _defaults(seed: int):
    return tuple(
        dataclasses.replace(d, seed=seed)
        for d in (analysis.DEFAULT_CURVE, analysis.DEFAULT_REGULARISED, analysis.DEFAULT_LABELS, analysis.DEFAULT_SHARP)
    )


# ----- the parts of the page ------------------------------------------------------------------------


def _intro() -> None:
    st.markdown(f"*{ARTICLE}* {words.INTRO}")


def _curve_part(form: ui.Form, ctx: Context) -> analysis.CurveSettings:
    st.markdown(words.CURVE_INTRO)
    c1, c2, c3 = st.columns(3)
    width, alpha, iterations = form.render(WIDTH, c1), form.render(ALPHA, c2), form.render(ITERATIONS, c3)
    settings = dataclasses.replace(_C, width=int(width), alpha=float(alpha), iterations=int(iterations), seed=ctx.seed)
    fit, errors, fits = curve_view(settings)
    if not fit.finite:
        st.warning(words.DIVERGED, icon=":material/warning:")
        return settings
    show_chart(
        errors, name=f"overfitting-errors-w{width}", key=f"{SLUG}.export.errors", caption=words.errors_caption(fit)
    )
    show_chart(fits, name=f"overfitting-fits-w{width}", key=f"{SLUG}.export.fits", caption=words.fits_caption(fit))
    return settings


def _labels_part(ctx: Context) -> analysis.LabelsSettings:
    st.markdown(words.LABELS_INTRO)
    settings = dataclasses.replace(analysis.DEFAULT_LABELS, seed=ctx.seed)
    res, chart = labels_view(settings)
    show_chart(chart, name="overfitting-random-labels", key=f"{SLUG}.export.labels", caption=words.labels_caption(res))
    return settings


def _sharp_part(ctx: Context) -> analysis.SharpSettings:
    st.markdown(words.MINIMA_INTRO)
    settings = dataclasses.replace(analysis.DEFAULT_SHARP, seed=ctx.seed)
    res, sharp, minima = sharp_view(settings)
    show_chart(
        sharp, name="overfitting-sharpness", key=f"{SLUG}.export.sharpness", caption=words.sharpness_caption(res)
    )
    show_chart(minima, name="overfitting-minima", key=f"{SLUG}.export.minima", caption=words.minima_caption(res))
    return settings


def render(ctx: Context) -> None:
    form = ui.Form(CONTROLS)
    _intro()
    curve = _curve_part(form, ctx)
    labels = _labels_part(ctx)
    sharp = _sharp_part(ctx)
    _, regularised, _, _ = _defaults(ctx.seed)
    claim_box(CLAIM, verdict_view(curve, regularised, labels, sharp))
    st.markdown(words.DOUBLE_DESCENT)
    note(words.READ_MORE)


def verdicts(ctx: Context):
    """The claim judged at the section's defaults for ``ctx.seed``, through the page's own views."""
    return (verdict_view(*_defaults(ctx.seed)),)


SECTION = Section(
    slug=SLUG,
    title="Is the global minimum what we want?",
    summary="A wide network fits noise and random labels to zero error: the lowest training loss is not the goal. "
    "Early stopping and a weight penalty go with good test results; flatness, compared fairly, shows no "
    "reliable link here.",
    controls=CONTROLS,
    render=render,
    claims=(CLAIM.id,),
    verdicts=verdicts,
)
